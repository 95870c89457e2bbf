#!/usr/bin/env bash
# Installs, from Debian's packages, what building and running the container image needs:
# mmdebstrap (the base layer from Debian packages), umoci + skopeo (OCI layout and archive),
# podman + runc (running it; crun 1.8 refuses the hybrid cgroup
# v1/v2 hierarchy some VMs have). Does nothing for tools already present. Needs root (or sudo).
set -euo pipefail
need=()
for pkg in mmdebstrap umoci skopeo podman runc; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-container-tools: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
