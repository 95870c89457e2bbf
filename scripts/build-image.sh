#!/usr/bin/env bash
# Builds Gatewarden's container image as an OCI archive, without a registry or a container engine:
#   layer 1  a base from Debian's packages (libc, libstdc++, zlib, bash; mmdebstrap, extract only)
#   layer 2  a Java runtime cut to the modules Gatewarden uses (jlink, from the build JDK's jmods)
#   layer 3  the application's libraries (target/quarkus-app/lib: changes with dependencies only)
#   layer 4  the application itself and bin/gatewarden
# User 10001:10001, entrypoint `bash bin/gatewarden`, command `serve` (bash named: the image has no
# /usr/bin/env for the script's shebang), nothing written outside /tmp (so it runs
# with readOnlyRootFilesystem and an emptyDir on /tmp). Output: target/gatewarden-image.tar, named
# localhost/gatewarden:<version> (the name k8s/deployment.yaml uses).
#
#   mvn -B package -DskipTests && scripts/build-image.sh      (or: mvn -B package -Pimage)
#
# Tools: scripts/install-container-tools.sh installs mmdebstrap, umoci and skopeo from Debian.
set -euo pipefail
root="$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)"
build="${GW_BUILD_DIR:-$root/target}"
app="$build/quarkus-app"
out="$build/gatewarden-image.tar"
suite="${GW_IMAGE_SUITE:-bookworm}"
# What Gatewarden needs from the JDK (`jdeps --list-deps` over target/quarkus-app, minus modules
# only referenced by unused code: java.desktop, java.compiler, java.sql). jdk.crypto.ec holds the
# EC keys and TLS curves; jdk.unsupported is Netty's sun.misc.Unsafe; jdk.zipfs reads configuration
# from jars (SmallRye Config).
modules="java.base,java.logging,java.naming,java.management,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.zipfs"

fail() { echo "build-image: $*" >&2; exit 2; }
[ -f "$app/quarkus-run.jar" ] || fail "not built: run 'mvn -B package -DskipTests' in $root first"
for tool in mmdebstrap umoci skopeo; do
  command -v "$tool" >/dev/null || fail "$tool missing: run scripts/install-container-tools.sh"
done
jdk="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v jlink)")")")}"
[ -x "$jdk/bin/jlink" ] && [ -f "$jdk/jmods/java.base.jmod" ] \
  || fail "no jlink with jmods in $jdk (set JAVA_HOME to a JDK 17+ that has jmods/)"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)"
tag="${version%-SNAPSHOT}"
name="localhost/gatewarden:$tag"
# Reproducible layers: every file dated from the last commit (or a fixed date outside git).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 1700000000)}"

work="$build/image-work"
rm -rf "$work"
mkdir -p "$work"
step() { echo "build-image: $*" >&2; }

step "base layer from Debian $suite packages"
# Extract only (no maintainer scripts run, nothing from the host copied in): the libraries the Java
# runtime links against plus bash for bin/gatewarden. The passwd/group entries give user 10001 a
# name and a home (/tmp, the only writable path).
mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,libstdc++6,zlib1g,bash \
  --skip=output/dev \
  --customize-hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/info "$1"/usr/share/locale "$1"/usr/share/lintian "$1"/etc/apt "$1"/var/lib/apt "$1"/var/cache/apt "$1"/etc/resolv.conf "$1"/etc/hostname' \
  --customize-hook='printf "%s\n" "root:x:0:0:root:/root:/bin/bash" "gatewarden:x:10001:10001:Gatewarden:/tmp:/bin/bash" > "$1"/etc/passwd' \
  --customize-hook='printf "%s\n" "root:x:0:" "gatewarden:x:10001:" > "$1"/etc/group' \
  --customize-hook='mkdir -p "$1"/tmp && chmod 1777 "$1"/tmp' \
  "$suite" "$work/base.tar"

layer() { # layer NAME DIR: a tar of DIR's contents with fixed owners and dates
  tar --create --file "$work/$1.tar" --directory "$2" --sort=name --numeric-owner --owner=0 --group=0 \
    --mtime="@$SOURCE_DATE_EPOCH" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime .
}

step "Java runtime (jlink: $modules)"
mkdir -p "$work/runtime/opt/gatewarden"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$work/runtime/opt/gatewarden/runtime"
layer runtime "$work/runtime"

step "application"
mkdir -p "$work/libs/opt/gatewarden/app" "$work/app/opt/gatewarden/app" "$work/app/opt/gatewarden/bin"
cp -r "$app/lib" "$work/libs/opt/gatewarden/app/"
cp -r "$app/app" "$app/quarkus" "$app/quarkus-run.jar" "$work/app/opt/gatewarden/app/"
cp "$root/bin/gatewarden" "$work/app/opt/gatewarden/bin/"
chmod -R a+rX,go-w "$work/libs" "$work/app"
layer libs "$work/libs"
layer app "$work/app"

step "OCI image $name"
oci="$work/oci"
umoci init --layout "$oci"
umoci new --image "$oci:gatewarden"
created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
for l in base runtime libs app; do
  umoci raw add-layer --image "$oci:gatewarden" --history.created="$created" --history.created_by="$l" "$work/$l.tar"
done
umoci config --image "$oci:gatewarden" --created="$created" --author=gatewarden \
  --config.user=10001:10001 --config.workingdir=/tmp \
  --config.entrypoint=/bin/bash --config.entrypoint=/opt/gatewarden/bin/gatewarden --config.cmd=serve \
  --config.env=PATH=/opt/gatewarden/runtime/bin:/usr/bin:/bin \
  --config.env=GATEWARDEN_APP=/opt/gatewarden/app \
  --config.env=JAVA_HOME=/opt/gatewarden/runtime \
  --config.exposedports=8443/tcp --config.exposedports=9000/tcp \
  --config.label=org.opencontainers.image.title=gatewarden \
  --config.label=org.opencontainers.image.version="$version" \
  --history.created="$created" --history.created_by="umoci config"
umoci gc --layout "$oci"
rm -f "$out"
skopeo copy --quiet "oci:$oci:gatewarden" "oci-archive:$out:$name"
digest="$(skopeo inspect --format '{{.Digest}}' "oci-archive:$out")"
echo "$digest" > "$build/gatewarden-image.digest"
rm -rf "$work"
size=$(stat -c %s "$out")
step "$out: $name, $digest, $((size / 1024 / 1024)) MiB (layers gzip-compressed)"
