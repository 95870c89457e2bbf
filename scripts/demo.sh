#!/usr/bin/env bash
# `gatewarden demo`: a real kube-apiserver + etcd on this machine (the binaries the tests use, from
# scripts/provision-kube.sh's cache), Gatewarden installed from k8s/ (its namespace, ServiceAccount and
# RBAC; the webhooks registered by URL instead of through a Service), then examples/ applied step by step
# with kubectl. The cluster is then left running for your own manifests until Ctrl-C, which stops
# everything and deletes the working directory.
#
#   bin/gatewarden demo [--examples DIR] [--exit-after-examples]
#
#   --examples DIR          apply the YAML files under DIR (sorted) instead of examples/ingress and examples/egress
#   --exit-after-examples   stop everything after the examples (exit 1 if a finding a file expects was not shown)
#
# Needs: JDK 17+ and Maven (the build), Go (only the first time: building kube-apiserver and etcd),
# kubectl, openssl.
set -euo pipefail
root="$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)"
exit_after_examples=false
examples=("$root"/examples/ingress/*.yaml "$root"/examples/egress/*.yaml)
while [ $# -gt 0 ]; do
  case "$1" in
    --exit-after-examples) exit_after_examples=true ;;
    --examples)
      [ -d "${2:-}" ] || { echo "gatewarden demo: --examples needs a directory" >&2; exit 2; }
      mapfile -t examples < <(find "$2" -name '*.yaml' -o -name '*.yml' | sort)
      shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gatewarden demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

K8S_VERSION=1.34.3
cache="${KUBE_API_TEST_DIR:-$HOME/.cache/gatewarden/kube}"
bin="$cache/k8s/${K8S_VERSION}-linux-amd64"
app="$root/target/quarkus-app"
started=$SECONDS
say() { printf '%s\n' "$*"; }
step() { printf '\n[%s] %s\n' "$1" "$2"; }
indent() { sed 's/^/      /'; }
fail() { printf 'gatewarden demo: %s\n' "$*" >&2; exit 1; }

for tool in openssl setsid; do
  command -v "$tool" >/dev/null || fail "$tool is needed"
done
kubectl_bin="$(command -v kubectl || true)"
[ -n "$kubectl_bin" ] || kubectl_bin="$bin/kubectl"
[ -x "$kubectl_bin" ] || fail "kubectl is needed (not on PATH, not in $bin)"

say "Gatewarden demo: a local Kubernetes API server with Gatewarden's webhooks in front of it."

# ---- 1. the build
step 1/6 "build"
if [ ! -f "$app/quarkus-run.jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$app/quarkus-run.jar" -print -quit)" ]; then
  command -v mvn >/dev/null || fail "not built and no mvn on PATH: install Maven 3.8+ and a JDK 17+"
  say "      mvn -B -q package -DskipTests (about a minute)"
  (cd "$root" && mvn -B -q package -DskipTests) || fail "the build failed (see above)"
else
  say "      target/quarkus-app is up to date"
fi

# ---- 2. kube-apiserver and etcd, provisioned on first use
step 2/6 "kube-apiserver $K8S_VERSION + etcd from $cache"
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/etcd" ] || [ ! -s "$cache/crds/istio.yaml" ] || [ ! -s "$cache/crds/gateway-api.yaml" ]; then
  say "      first use: building them with Go from the module proxy (about 10 minutes, once)"
  bash "$root/scripts/provision-kube.sh" > >(indent) 2> >(indent >&2) &
  provision=$!
  while kill -0 "$provision" 2>/dev/null; do
    sleep 15
    kill -0 "$provision" 2>/dev/null && say "      ... still provisioning ($((SECONDS - started)) s)"
  done
  wait "$provision" || fail "provisioning failed (see above); run scripts/provision-kube.sh to retry"
else
  say "      cached"
fi

# ---- everything below lives in one directory and is stopped by one function
work="$(mktemp -d "${TMPDIR:-/tmp}/gatewarden-demo.XXXXXX")"
pids=()
cleanup() {
  trap - INT TERM EXIT
  say ""
  say "Stopping Gatewarden, kube-apiserver and etcd..."
  # Reverse order: Gatewarden first (it drains), then the API server, then etcd.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$work"
  say "Stopped; $work removed."
}
trap cleanup EXIT
trap 'say "gatewarden demo: failed at line $LINENO of ${BASH_SOURCE[0]}"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# Children run in their own session: Ctrl-C (SIGINT to the terminal's process group) reaches only this
# script, which stops them in order, Gatewarden first while the API server still answers it. (Ignoring
# SIGINT is not enough: Go programs such as kube-apiserver and etcd turn it back on.)
background() { setsid "$@" & pids+=($!); }
free_port() { # a port nothing listens on (bash's /dev/tcp: a refused connect means free)
  local p
  while true; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
await() { # await SECONDS WHAT COMMAND...: retries every 0.2 s
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
alive() { # alive PID NAME LOG: fails with the log's tail when the process has died
  kill -0 "$1" 2>/dev/null && return 0
  say "      $2 exited; last lines of $3:"
  tail -20 "$3" | indent
  exit 1
}

# ---- 3. the cluster
step 3/6 "cluster"
t0=$SECONDS
etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
mkdir -p "$work/etcd" "$work/apiserver"
background "$bin/etcd" --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "default=http://127.0.0.1:$peer_port" \
  > "$work/etcd.log" 2>&1
# Service-account tokens (kubectl create token) are signed with this key; the admin's token is static.
openssl genrsa -out "$work/apiserver/sa.key" 2048 2>/dev/null
admin_token="$(openssl rand -hex 16)"
echo "$admin_token,demo-admin,demo-admin,system:masters" > "$work/apiserver/tokens.csv"
background "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" --secure-port "$api_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --cert-dir "$work/apiserver" \
  --authorization-mode RBAC --token-auth-file "$work/apiserver/tokens.csv" \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$work/apiserver/sa.key" \
  --service-account-signing-key-file "$work/apiserver/sa.key" --service-cluster-ip-range 10.0.0.0/24 \
  --disable-admission-plugins ServiceAccount > "$work/apiserver.log" 2>&1
export KUBECONFIG="$work/kubeconfig"
cat > "$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$work/apiserver/apiserver.crt"}
users:
- name: demo-admin
  user: {token: "$admin_token"}
contexts:
- name: demo
  context: {cluster: demo, user: demo-admin}
current-context: demo
EOF
k() { "$kubectl_bin" --cache-dir "$work/kubectl-cache" "$@"; }
await 60 "readyz" k get --raw /readyz || { alive "${pids[0]}" etcd "$work/etcd.log"; alive "${pids[1]}" kube-apiserver "$work/apiserver.log"; fail "kube-apiserver not ready within 60 s ($work/apiserver.log)"; }
k apply --server-side -f "$cache/crds/istio.yaml" -f "$cache/crds/gateway-api.yaml" >/dev/null
k wait --for condition=established --timeout=60s crd --all >/dev/null
say "      https://127.0.0.1:$api_port, Istio and Gateway API CRDs installed ($((SECONDS - t0)) s)"

# ---- 4. Gatewarden, installed from k8s/ and run here with its ServiceAccount's token
step 4/6 "Gatewarden"
t0=$SECONDS
for f in namespace serviceaccount rbac; do k apply -f "$root/k8s/$f.yaml" >/dev/null; done
sa_token="$(k create token gatewarden -n gatewarden --duration=24h)"
sed -e "s/name: demo-admin/name: gatewarden/; s/user: demo-admin/user: gatewarden/" \
    -e "s/token: \"$admin_token\"/token: \"$sa_token\"/" "$KUBECONFIG" > "$work/gatewarden.kubeconfig"
https_port=$(free_port); management_port=$(free_port); http_port=$(free_port)
# Self-managed webhook TLS, as in a cluster, plus the name the API server uses here (localhost). No drain
# delay: no Service routes to this process, so Ctrl-C may stop it at once.
GATEWARDEN_JAVA_OPTS="-Dkubeconfig=$work/gatewarden.kubeconfig -Dquarkus.http.host=127.0.0.1 \
 -Dquarkus.http.port=$http_port -Dquarkus.http.ssl-port=$https_port -Dquarkus.management.host=127.0.0.1 \
 -Dquarkus.management.port=$management_port -Dgatewarden.namespace=gatewarden -Dgatewarden.identity=demo \
 -Dquarkus.shutdown.delay=0s -Dgatewarden.webhook.tls=self -Dgatewarden.webhook.extra-dns-names=localhost"
background env JAVA_OPTS="$GATEWARDEN_JAVA_OPTS" "$root/bin/gatewarden" serve > "$work/gatewarden.log" 2>&1
# The webhook configurations of k8s/, without caBundle, calling this process by URL instead of the Service.
for f in webhook mutating-webhook; do
  path=$([ "$f" = webhook ] && echo validate || echo mutate)
  k patch --local -f "$root/k8s/$f.yaml" --type=json -o yaml \
    -p "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig\",\"value\":{\"url\":\"https://localhost:$https_port/$path\"}}]" \
    | k apply -f - >/dev/null
done
ready() {
  exec 3<>"/dev/tcp/127.0.0.1/$management_port" || return 1
  printf 'GET /q/health/ready HTTP/1.0\r\n\r\n' >&3
  local status
  read -r status <&3
  exec 3<&-
  [[ "$status" == *" 200"* ]]
}
injected() {
  [ -n "$(k get validatingwebhookconfiguration gatewarden -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" ] \
    && [ -n "$(k get mutatingwebhookconfiguration gatewarden -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" ]
}
until ready 2>/dev/null && injected; do
  alive "${pids[2]}" Gatewarden "$work/gatewarden.log"
  [ $((SECONDS - t0)) -lt 120 ] || fail "Gatewarden not ready within 120 s ($work/gatewarden.log)"
  sleep 0.2
done
say "      ready in $((SECONDS - t0)) s on https://localhost:$https_port (log: $work/gatewarden.log)"
say "      its serving certificate, issued by Gatewarden's CA (Secret gatewarden/gatewarden-webhook-tls):"
k get secret -n gatewarden gatewarden-webhook-tls \
  -o jsonpath='{"SANs: "}{.metadata.annotations.gatewarden\.io/dns-names}{", expires "}{.metadata.annotations.gatewarden\.io/not-after}{"\n"}' | indent
say "      webhooks of k8s/webhook.yaml and mutating-webhook.yaml registered by URL; caBundle written by Gatewarden"

# ---- 5. the examples
step 5/6 "the examples, one object at a time"
managed_secrets() {
  k get secrets -A -l gatewarden.io/managed=true -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}  SANs: {.metadata.annotations.gatewarden\.io/dns-names}  expires {.metadata.annotations.gatewarden\.io/not-after}{"\n"}{end}' \
    | grep -vE '^gatewarden/gatewarden-(ca|webhook-tls) ' || true
}
new_secrets() { # prints managed secrets that were not in $1, waiting up to 3 s for them
  local before="$1" now deadline=$((SECONDS + 3))
  while true; do
    now="$(managed_secrets)"
    if [ "$now" != "$before" ] || [ $SECONDS -ge $deadline ]; then
      comm -13 <(printf '%s\n' "$before" | sort) <(printf '%s\n' "$now" | sort) | sed '/^$/d'
      return
    fi
    sleep 0.25
  done
}
missing=0
istio_kind() { grep -qE '^apiVersion: *(networking\.istio\.io|gateway\.networking\.k8s\.io)/' "$1"; }
for file in "${examples[@]}"; do
  rel="${file#"$root"/}"
  say ""
  say "  -- $rel"
  { grep '^#' "$file" || true; } | { grep -vE '^# (expect|admission):' || true; } | sed 's/^# \{0,1\}/     /'
  # What admission must show: the file's "# admission:" codes, else its "# expect:" codes (those of analyze).
  expected="$(grep -m1 '^# admission:' "$file" || grep -m1 '^# expect:' "$file" || true)"
  expected="$(grep -oE '\b(GW|RT|EG|POL|MUT)[0-9]{3}\b' <<<"$expected" | tr '\n' ' ' || true)"
  before="$(managed_secrets)"
  output=""
  # One object at a time, so each verdict stands next to its object; what Istio resources refer to
  # (workloads, Services, Secrets, ConfigMaps) first, as you would apply them.
  rm -f "$work"/doc-*
  awk -v out="$work/doc-" '/^---$/ {n++; next} {print > (out sprintf("%03d", n))}' "$file"
  docs=()
  for doc in "$work"/doc-*; do grep -q '^kind:' "$doc" && ! istio_kind "$doc" && docs+=("$doc"); done
  for doc in "$work"/doc-*; do grep -q '^kind:' "$doc" && istio_kind "$doc" && docs+=("$doc"); done
  for doc in "${docs[@]}"; do
    ns="$(k create --dry-run=client -f "$doc" -o jsonpath='{.metadata.namespace}' 2>/dev/null || true)"
    [ -z "$ns" ] || k create namespace "$ns" --dry-run=client -o yaml | k apply -f - >/dev/null
    result="$(k apply -f "$doc" -o jsonpath='{.kind} {.metadata.namespace}/{.metadata.name}{"\n"}{.metadata.annotations.gatewarden\.io/defaulted}' 2>&1 || true)"
    output+="$result"$'\n'
    printf '%s\n' "$result" | sed -E -e 's/^([A-Z][A-Za-z]+ [^ ]+\/[^ ]+)$/applied: \1/' -e 's/^(MUT[0-9]{3}(,MUT[0-9]{3})*)$/  defaults applied: \1/' \
      -e "s|error when creating \"$work/doc-[0-9]*\": ||" -e 's/^Warning: /warning: /' | fold -s -w 110 | indent
    # The next object may be judged against this one: give the informers a moment.
    sleep 0.3
  done
  if grep -qE '^kind: (Gateway|DestinationRule)' "$file"; then
    created="$(new_secrets "$before")"
    if [ -n "$created" ]; then
      say "      secrets Gatewarden created:"
      printf '%s\n' "$created" | sed 's/^/        /'
    fi
  fi
  for code in $expected; do
    if grep -q "\[$code\]" <<<"$output"; then
      say "      expected $code: shown"
    else
      say "      expected $code: NOT SHOWN"
      missing=$((missing + 1))
    fi
  done
done

# ---- 6. yours now
step 6/6 "done in $((SECONDS - started)) s"
if [ "$missing" -gt 0 ]; then
  say "      $missing expected finding(s) were not shown (see NOT SHOWN above; Gatewarden's log: $work/gatewarden.log)"
fi
if $exit_after_examples; then
  [ "$missing" -eq 0 ] || exit 1
  exit 0
fi
say "The cluster keeps running with Gatewarden in front of it. In another terminal:"
say ""
say "  export KUBECONFIG=$KUBECONFIG"
say "  kubectl get gateways.networking.istio.io,secrets -A"
say ""
say "Ctrl-C stops everything and deletes $work."
while true; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      name=$(case $i in 0) echo etcd ;; 1) echo kube-apiserver ;; *) echo Gatewarden ;; esac)
      say "$name exited unexpectedly."
      exit 1
    fi
  done
  sleep 1
done
