#!/usr/bin/env bash
# Builds tools/istio-oracle (Istio's own configuration analyzers, from the istio.io/istio module that
# provision-kube.sh pins) into a cache outside the repository, keyed by the oracle's source, so a change
# rebuilds it and an unchanged one is reused. Next to the binary go the module's analyzer sources and
# test data (pkg/config/analysis: Istio's test table, its testdata, its default resources), which
# IstioOracleTest compares against. Prints the directory. Override the cache with ISTIO_ORACLE_CACHE.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/tools/istio-oracle"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

pinned=$(sed -n 's/^ISTIO_VERSION="\${ISTIO_VERSION:-\(.*\)}"$/\1/p' "$root/scripts/provision-kube.sh")
required=$(sed -n 's/^\(require \|\t\)istio\.io\/istio \(v[^ ]*\)$/\2/p' "$src/go.mod")
if [ -z "$pinned" ] || [ "$pinned" != "$required" ]; then
  echo "provision-oracle: tools/istio-oracle/go.mod requires istio.io/istio '$required' but" \
    "scripts/provision-kube.sh pins '$pinned': make them the same version" >&2
  exit 1
fi

key=$(cd "$src" && cat "$root/scripts/provision-oracle.sh" go.mod go.sum ./*.go <(go version) | sha256sum | cut -c1-16)
cache="${ISTIO_ORACLE_CACHE:-$HOME/.cache/gatewarden/istio-oracle}"
dir="$cache/$key"
if [ ! -x "$dir/istio-oracle" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.build.XXXXXX") && chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  echo "provision-oracle: building tools/istio-oracle against istio.io/istio $required (several minutes, once)" >&2
  start=$SECONDS
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/istio-oracle" .)
  module=$(cd "$src" && go list -m -f '{{.Dir}}' istio.io/istio)
  mkdir -p "$tmp/analysis"
  cp -r "$module/pkg/config/analysis/analyzers" "$module/pkg/config/analysis/msg" \
    "$module/pkg/config/analysis/local" "$tmp/analysis/"
  chmod -R u+w "$tmp/analysis"
  echo "provision-oracle: built in $((SECONDS - start)) s" >&2
  # Another build may have finished first: then keep its result.
  mv -T "$tmp" "$dir" 2>/dev/null || true
fi
echo "$dir"
