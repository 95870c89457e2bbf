#!/usr/bin/env bash
# Benchmark of one big review: POST /validate of a Gateway with 5,000 HTTPS servers whose credentials
# all do not exist (every credential a cache miss), against two baselines measured in the same run on
# the same process: the same Gateway with TLS passthrough servers (the same rules, no credential to
# look up) and POST /allow of the same body (parsing only). Also counts what the reviews cost the API
# server (its own apiserver_request_total for Secrets). Writes bench/results/missing-credentials.md.
#
# Settings (environment):
#   BENCH_SERVERS=5000    servers in the Gateway
#   BENCH_RUNS=10         measured requests per body (sequential), after BENCH_WARMUP_RUNS=5 unrecorded ones
#   BENCH_PORT=18443 BENCH_MGMT_PORT=19000
#   BENCH_BUILD_DIR=/tmp/build-bench-missing   Maven build dir (never the shared target/)
#   BENCH_SKIP_BUILD=1    reuse the package in BENCH_BUILD_DIR
#   BENCH_APP=...         another packaged quarkus-run.jar to measure instead (e.g. an older build);
#                         the cluster side still comes from BENCH_BUILD_DIR
#   BENCH_OUT=bench/results/missing-credentials.md
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SERVERS="${BENCH_SERVERS:-5000}"
RUNS="${BENCH_RUNS:-10}"
WARMUP_RUNS="${BENCH_WARMUP_RUNS:-5}"
PORT="${BENCH_PORT:-18443}"
MPORT="${BENCH_MGMT_PORT:-19000}"
BUILD_DIR="${BENCH_BUILD_DIR:-/tmp/build-bench-missing}"
OUT="${BENCH_OUT:-bench/results/missing-credentials.md}"
APP="${BENCH_APP:-$BUILD_DIR/quarkus-app/quarkus-run.jar}"

log() { printf '%s [missing-credentials.sh] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free "$PORT" || die "port $PORT is in use (set BENCH_PORT)"
port_free "$MPORT" || die "port $MPORT is in use (set BENCH_MGMT_PORT)"
for tool in curl jq python3; do command -v "$tool" >/dev/null || die "$tool is needed"; done

# ---- 1. build (the app and the test classes: ValidateBenchmark serves the cluster)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -d "$BUILD_DIR/test-classes" ]; then
  log "building into $BUILD_DIR (mvn package -DskipTests)"
  mvn -B -o -q -Dgw.buildDir="$BUILD_DIR" package -DskipTests >"$BUILD_DIR.build.log" 2>&1 \
    || die "build failed (see $BUILD_DIR.build.log)"
  echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')" \
    >"$BUILD_DIR.built-from"
fi
[ -f "$APP" ] || die "no $APP"
built_from="$(cat "$BUILD_DIR.built-from" 2>/dev/null || echo '?')"
[ -n "${BENCH_APP:-}" ] && built_from="$BENCH_APP"

state="$(mktemp -d /tmp/gatewarden-bench-missing.XXXXXX)"
kube_pid=""
gw_pid=""
cleanup() {
  set +e
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  touch "$state/stop"
  [ -n "$kube_pid" ] && wait "$kube_pid" 2>/dev/null
  log "logs kept in $state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 2. the cluster: the harness's real kube-apiserver, with the ingress fixture and bench/cluster/seed.yaml
log "starting kube-apiserver via ValidateBenchmark (log: $state/kube.log)"
BENCH_STATE_DIR="$state" BENCH_SEED="$root/bench/cluster/seed.yaml" \
  mvn -B -o -q -Dgw.buildDir="$BUILD_DIR" surefire:test -Dtest=ValidateBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  >"$state/kube.log" 2>&1 &
kube_pid=$!
for _ in $(seq 1 600); do
  [ -f "$state/ready" ] && break
  [ -f "$state/failed" ] && die "cluster failed: $(cat "$state/failed")"
  kill -0 "$kube_pid" 2>/dev/null || die "ValidateBenchmark exited early: $(tail -30 "$state/kube.log")"
  sleep 0.5
done
[ -f "$state/ready" ] || die "cluster not ready after 300 s"
kubectl_() { kubectl --kubeconfig "$state/kubeconfig.yaml" "$@"; }

# ---- 3. Gatewarden
log "starting Gatewarden $APP (log: $state/gatewarden.log)"
env -u KUBECONFIG GATEWARDEN_ADMISSION_BASELINE_ENDPOINT=true \
  GATEWARDEN_TLS_CERT_FILE=certs-test/server.crt GATEWARDEN_TLS_KEY_FILE=certs-test/server.key \
  java -Dkubeconfig="$state/kubeconfig.yaml" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.ssl-port="$PORT" \
  -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MPORT" -jar "$APP" >"$state/gatewarden.log" 2>&1 &
gw_pid=$!
mgmt="http://127.0.0.1:$MPORT"
for _ in $(seq 1 240); do
  kill -0 "$gw_pid" 2>/dev/null || die "Gatewarden exited: $(tail -30 "$state/gatewarden.log")"
  curl -fsS -o /dev/null "$mgmt/q/health/ready" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "$mgmt/q/health/ready" || die "Gatewarden not ready after 120 s"

# ---- 4. the bodies: the same Gateway with HTTPS servers naming missing credentials, or TLS passthrough servers
python3 - "$SERVERS" "$state" <<'EOF'
import json, sys
n, state = int(sys.argv[1]), sys.argv[2]
def review(name, tls):
    servers = []
    for i in range(n):
        s = {"port": {"number": 443, "name": "p-%d" % i, "protocol": "HTTPS" if tls else "TLS"},
             "hosts": ["h%d.%s.example.com" % (i, name)]}
        s["tls"] = {"mode": "SIMPLE", "credentialName": "bench-missing-%d" % i} if tls else {"mode": "PASSTHROUGH"}
        servers.append(s)
    gw = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
          "metadata": {"name": name, "namespace": "shop"},
          "spec": {"selector": {"istio": "ingressgateway"}, "servers": servers}}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": name, "operation": "CREATE", "namespace": "shop",
                        "kind": {"group": "networking.istio.io", "version": "v1", "kind": "Gateway"}, "object": gw}}
json.dump(review("missing", True), open(state + "/missing.json", "w"))
json.dump(review("passthrough", False), open(state + "/passthrough.json", "w"))
EOF
post() { # body endpoint -> "http_code seconds"
  curl -sS --cacert certs-test/ca.crt -H 'Content-Type: application/json' --data-binary "@$state/$1.json" \
    -o "$state/answer-$1-$2.json" -w '%{http_code} %{time_total}\n' "https://127.0.0.1:$PORT/$2"
}
timer() { # sum and count of the server-side review timer of /validate
  curl -sS "$mgmt/q/metrics" | awk '
    /^gatewarden_admission_review_duration_seconds_sum\{.*webhook="validate"/ {s += $NF}
    /^gatewarden_admission_review_duration_seconds_count\{.*webhook="validate"/ {c += $NF}
    END {printf "%.9f %d\n", s, c}'
}
secret_calls() { # the API server's own count of Secret GETs and LISTs
  kubectl_ get --raw /metrics | awk '/^apiserver_request_total\{/ && /resource="secrets"/ && /subresource=""/ {
    if ($0 ~ /verb="GET"/) g += $NF; if ($0 ~ /verb="LIST"/) l += $NF } END {printf "%d %d\n", g, l}'
}
for body in missing passthrough; do
  read -r code _ < <(post "$body" validate)
  [ "$code" = 200 ] || die "/validate $body answered $code: $(head -c 400 "$state/answer-$body-validate.json")"
  log "$body: allowed=$(jq -r .response.allowed "$state/answer-$body-validate.json"), warnings: $(jq -r '.response.warnings[0] // "none"' "$state/answer-$body-validate.json" | cut -c1-160)"
done

# ---- 5. measure: per body, warm-up requests, then RUNS sequential ones; server time from the timer
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
tsv="$state/results.tsv"; : >"$tsv"
for spec in "missing validate" "passthrough validate" "missing allow"; do
  read -r body ep <<<"$spec"
  for _ in $(seq 1 "$WARMUP_RUNS"); do post "$body" "$ep" >/dev/null; done
  read -r g0 l0 < <(secret_calls)
  for i in $(seq 1 "$RUNS"); do
    read -r s0 c0 < <(timer)
    read -r code total < <(post "$body" "$ep")
    read -r s1 c1 < <(timer)
    [ "$code" = 200 ] || die "/$ep $body answered $code"
    server="$(awk -v a="$s0" -v b="$s1" -v ca="$c0" -v cb="$c1" 'BEGIN {print (cb > ca) ? b - a : "n/a"}')"
    printf '%s\t%s\t%s\t%s\t%s\n' "$body" "$ep" "$i" "$total" "$server" >>"$tsv"
  done
  read -r g1 l1 < <(secret_calls)
  printf '%s\t%s\tcalls\t%s\t%s\n' "$body" "$ep" "$((g1 - g0))" "$((l1 - l0))" >>"$tsv"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 6. report
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
row() { # body endpoint label
  local s t calls
  s="$(awk -F'\t' -v b="$1" -v e="$2" '$1 == b && $2 == e && $3 != "calls" {print $5}' "$tsv" | median)"
  t="$(awk -F'\t' -v b="$1" -v e="$2" '$1 == b && $2 == e && $3 != "calls" {print $4}' "$tsv" | median)"
  calls="$(awk -F'\t' -v b="$1" -v e="$2" -v r="$RUNS" '$1 == b && $2 == e && $3 == "calls" {printf "%.1f GET, %.1f LIST", $4 / r, $5 / r}' "$tsv")"
  printf '| %s | %s | %s | %s |\n' "$3" "$([ "$2" = allow ] && echo 'n/a (not timed)' || awk -v s="$s" 'BEGIN {printf "%.3f s", s}')" \
    "$(awk -v t="$t" 'BEGIN {printf "%.3f s", t}')" "$calls"
  printf '%s %s\n' "$1-$2" "$s $t" >>"$state/medians"
}
mkdir -p "$(dirname "$OUT")"
{
  echo "# Missing credentials: one review of a $SERVERS-server Gateway"
  echo
  echo "Generated by \`bench/missing-credentials.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ); app: $built_from."
  echo "$(nproc) cores shared with other builds, load average $load_before before / $load_after after."
  echo "Real kube-apiserver (the test harness's), seeded with bench/cluster/seed.yaml; one Gatewarden (prod profile)."
  echo "$WARMUP_RUNS unrecorded requests, then $RUNS sequential ones per row; medians."
  echo "Server time: Gatewarden's own \`gatewarden_admission_review_duration_seconds\` (parse, rules, verdict; no TLS"
  echo "or transfer) for the one request; client time: curl's time_total (a ~1 MB body over local TLS)."
  echo "API calls per review: the API server's \`apiserver_request_total\` for Secrets over the measured requests."
  echo
  echo "| review | server time (median) | client time (median) | Secret calls per review |"
  echo "|---|---:|---:|---|"
  row missing validate "/validate, $SERVERS HTTPS servers, every credential missing"
  row passthrough validate "baseline: /validate, the same $SERVERS servers as TLS passthrough (no credential)"
  row missing allow "baseline: /allow, the missing-credentials body (parsing only)"
  echo
  awk '$1 == "missing-validate" {m = $2} $1 == "passthrough-validate" {p = $2} END {
    printf "Ratio missing / passthrough (server time): %.2f. Target: missing-credentials review < 1 s server-side: %s.\n",
      m / p, (m < 1) ? "met" : "**missed**" }' "$state/medians"
} >"$OUT"
cat "$OUT"
log "wrote $OUT"
