#!/usr/bin/env bash
# Builds a real kube-apiserver (from the Go module proxy) and etcd, and fetches the
# Istio and Gateway API CRDs, into a cache outside the repository. Later runs reuse it.
# Last it runs provision-oracle.sh, which builds Istio's analyzers (the oracle tests' reference)
# from the same Istio version into its own cache.
# Layout is what io.fabric8:kube-api-test expects in offline mode:
#   $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}
#   $KUBE_API_TEST_DIR/crds/*.yaml
# Also copies Istio's Gateway API conversion test inputs and status goldens (from the same
# istio.io/istio module) to $KUBE_API_TEST_DIR/istio-gateway-testdata, which
# IstioConversionIT compares Gatewarden's GA rules with (Istio's own conversion,
# built by tools/istio-gateway-conversion/build.sh, must reproduce its status goldens).
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"

K8S_VERSION="${K8S_VERSION:-1.34.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"
# Istio's git tags ("1.28.0") are not Go semver, so the module proxy serves no
# istio.io/istio@1.28.0 (403 "This module version is not available"). Pin a
# pseudo-version instead (this one is master of 2026-08-27, VERSION file 1.31).
ISTIO_VERSION="${ISTIO_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.4.0}"
CACHE="${KUBE_API_TEST_DIR:-$HOME/.cache/gatewarden/kube}"
BIN="$CACHE/k8s/${K8S_VERSION}-linux-amd64"
CRDS="$CACHE/crds"
minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"; patch="${K8S_VERSION##*.}"
STAGING_VERSION="v0.${minor}.${patch}"

mkdir -p "$BIN" "$CRDS"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

if [ ! -x "$BIN/kube-apiserver" ]; then
  echo "provision-kube: building kube-apiserver v$K8S_VERSION (several minutes, once)" >&2
  mkdir -p "$work/apiserver" && cd "$work/apiserver"
  go mod init gatewarden.local/kubebuild >/dev/null 2>&1
  # k8s.io/kubernetes names its staging modules at v0.0.0: point each at its release.
  staging=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$staging" | awk -v v="$STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
  } >> go.mod
  cat > tools.go <<'GO'
//go:build tools
package tools
import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  go mod tidy >/dev/null 2>&1 || true
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION" -o "$BIN/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$BIN/kube-apiserver.tmp" "$BIN/kube-apiserver"
fi

if [ ! -x "$BIN/etcd" ]; then
  echo "provision-kube: building etcd $ETCD_VERSION (once)" >&2
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init gatewarden.local/etcdbuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
  # In etcd 3.5 the server module's root package is the etcd binary.
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi

[ -x "$BIN/kubectl" ] || ln -sf "$(command -v kubectl)" "$BIN/kubectl"

# go mod download -json prints the module Dir; on failure it prints an "Error" and exits 1.
module_dir() {
  local out dir
  out=$(cd "$work" && go mod download -json "$1" 2>&1) || true
  dir=$(printf '%s\n' "$out" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "provision-kube: cannot download $1:" >&2; printf '%s\n' "$out" >&2; return 1
  fi
  echo "$dir"
}

if [ ! -s "$CRDS/istio.yaml" ]; then
  dir=$(module_dir "istio.io/istio@$ISTIO_VERSION")
  cp "$dir/manifests/charts/base/files/crd-all.gen.yaml" "$CRDS/istio.yaml.tmp" && chmod 644 "$CRDS/istio.yaml.tmp" && mv "$CRDS/istio.yaml.tmp" "$CRDS/istio.yaml"
fi
if [ ! -s "$CRDS/gateway-api.yaml" ]; then
  dir=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  for f in "$dir"/config/crd/standard/*.yaml; do cat "$f"; echo "---"; done > "$CRDS/gateway-api.yaml.tmp"
  mv "$CRDS/gateway-api.yaml.tmp" "$CRDS/gateway-api.yaml"
fi
# The experimental channel's kinds that the standard channel lacks (TLSRoute, TCPRoute, UDPRoute),
# beside the standard ones, as a cluster that needs TLSRoute installs them.
if [ ! -s "$CRDS/gateway-api-experimental.yaml" ]; then
  dir=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  for kind in tlsroutes tcproutes udproutes; do
    cat "$dir/config/crd/experimental/gateway.networking.k8s.io_$kind.yaml"; echo "---"
  done > "$CRDS/gateway-api-experimental.yaml.tmp"
  mv "$CRDS/gateway-api-experimental.yaml.tmp" "$CRDS/gateway-api-experimental.yaml"
fi
TESTDATA="$CACHE/istio-gateway-testdata"
if [ ! -s "$TESTDATA/conversion_test.go" ]; then
  dir=$(module_dir "istio.io/istio@$ISTIO_VERSION")
  mkdir -p "$TESTDATA.tmp"
  cp "$dir"/pilot/pkg/config/kube/gateway/testdata/*.yaml "$dir"/pilot/pkg/config/kube/gateway/testdata/*.status.yaml.golden \
    "$dir"/pilot/pkg/config/kube/gateway/conversion_test.go "$TESTDATA.tmp/"
  chmod -R u+w "$TESTDATA.tmp" && rm -rf "$TESTDATA" && mv "$TESTDATA.tmp" "$TESTDATA"
fi
bash "$scripts/provision-oracle.sh" >&2
echo "$CACHE"
