#!/usr/bin/env bash
# Builds Istio's Gateway API conversion (istio.io/istio/pilot/pkg/config/kube/gateway, the version
# go.mod pins) as a test binary with gatewarden_conversion_test.go added to that package, so the harness
# of Istio's own TestConvertResources runs over any directory of inputs. The module cache is read-only
# and `go test -overlay` refuses files beneath it, so the (58 MB) module is copied into the cache and
# go.mod replaced to point at the copy. Prints the binary's path; builds once per go.mod/go.sum/test
# content into $ISTIO_CONVERSION_CACHE (default ~/.cache/gatewarden/istio-gateway-conversion).
# Run it: <binary> -test.run TestGatewardenInputs with GATEWARDEN_CONVERSION_IN / _OUT set.
set -euo pipefail
src="$(cd "$(dirname "$0")" && pwd)"
cache="${ISTIO_CONVERSION_CACHE:-$HOME/.cache/gatewarden/istio-gateway-conversion}"
key=$(cat "$src/go.mod" "$src/go.sum" "$src/gatewarden_conversion_test.go" | sha256sum | cut -c1-16)
bin="$cache/$key/conversion.test"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
if [ ! -x "$bin" ]; then
  echo "istio-gateway-conversion: building Istio's conversion tests (several minutes, once)" >&2
  work="$cache/$key/work"
  rm -rf "$work" && mkdir -p "$work"
  istio=$(cd "$src" && go list -m -f '{{.Dir}}' istio.io/istio)
  cp -r "$istio" "$work/istio" && chmod -R u+w "$work/istio"
  cp "$src/gatewarden_conversion_test.go" "$work/istio/pilot/pkg/config/kube/gateway/"
  cp "$src/go.mod" "$src/go.sum" "$src/tools.go" "$work/"
  echo "replace istio.io/istio => ./istio" >> "$work/go.mod"
  (cd "$work" && go test -c -trimpath -o "$bin.tmp" istio.io/istio/pilot/pkg/config/kube/gateway)
  mv "$bin.tmp" "$bin"
  rm -rf "$work" # the copy is needed only to compile (Go's build cache keeps the rest)
fi
echo "$bin"
