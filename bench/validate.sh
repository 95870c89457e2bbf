#!/usr/bin/env bash
# Benchmark of the admission path: POST /validate against the allow-all baseline POST /allow
# (same parsing, no rules), same body, same concurrency, on one Gatewarden process backed by a
# real kube-apiserver. Writes bench/results/validate.md. See bench/README.md.
#
# Settings (environment):
#   BENCH_CLIENTS=16      concurrent keep-alive clients
#   BENCH_WARMUP=10       seconds of warm-up before every measured run
#   BENCH_DURATION=20     measured seconds per run
#   BENCH_REVIEWS="gateway-2-servers gateway-10-https virtualservice"   bodies from bench/reviews/
#   BENCH_BACKGROUND_GATEWAYS=0   extra Gateways already stored in the cluster
#   BENCH_POD_CHURN=0     Pod writes per second (creations and deletions) in an unrelated namespace during the runs
#   BENCH_PORT=18443 BENCH_MGMT_PORT=19000   ports of the Gatewarden under test (127.0.0.1 only)
#   BENCH_BUILD_DIR=/tmp/build-bench   Maven build dir (never the shared target/)
#   BENCH_SKIP_BUILD=1    reuse the package already in BENCH_BUILD_DIR
#   BENCH_JAVA_OPTS=...   JVM options of the Gatewarden under test (e.g. -XX:StartFlightRecording=...)
#   BENCH_LOADGEN=wrk     wrk (Debian package, installed with apt-get when missing) or java (bench/LoadGen.java);
#                         falls back to java when wrk cannot be installed
#   BENCH_WRK_THREADS=1   wrk generator threads (-t): one keeps the generator's share of the 2 cores small
#   BENCH_JIT_WARMUP=5    seconds of unrecorded load per review and endpoint before the first run (JIT)
#   BENCH_WAIT_LOAD=      e.g. 0.8: before the load runs, wait (polling every 20 s, at most BENCH_WAIT_MAX=1500 s)
#                         until the 1-minute load average is below this; unset: do not wait
#   BENCH_OUT=bench/results/validate.md
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CLIENTS="${BENCH_CLIENTS:-16}"
WARMUP="${BENCH_WARMUP:-10}"
DURATION="${BENCH_DURATION:-20}"
REVIEWS="${BENCH_REVIEWS:-gateway-2-servers gateway-10-https virtualservice}"
BACKGROUND="${BENCH_BACKGROUND_GATEWAYS:-0}"
CHURN="${BENCH_POD_CHURN:-0}"
PORT="${BENCH_PORT:-18443}"
MPORT="${BENCH_MGMT_PORT:-19000}"
BUILD_DIR="${BENCH_BUILD_DIR:-/tmp/build-bench}"
OUT="${BENCH_OUT:-bench/results/validate.md}"
LOADGEN="${BENCH_LOADGEN:-wrk}"
WRK_THREADS="${BENCH_WRK_THREADS:-1}"
JIT_WARMUP="${BENCH_JIT_WARMUP:-5}"
APP="$BUILD_DIR/quarkus-app/quarkus-run.jar"

log() { printf '%s [validate.sh] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free "$PORT" || die "port $PORT is in use (set BENCH_PORT)"
port_free "$MPORT" || die "port $MPORT is in use (set BENCH_MGMT_PORT)"
for r in $REVIEWS; do [ -f "bench/reviews/$r.json" ] || die "no bench/reviews/$r.json"; done
case "$LOADGEN" in wrk|java) ;; *) die "BENCH_LOADGEN must be wrk or java, got $LOADGEN" ;; esac

# ---- 0. the load generator: wrk from the Debian package, else bench/LoadGen.java
if [ "$LOADGEN" = wrk ] && ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "wrk is missing: installing the Debian package wrk with apt-get (running as root)"
    apt-get install -y wrk >/tmp/validate-wrk-install.log 2>&1 \
      || { apt-get update >>/tmp/validate-wrk-install.log 2>&1 && apt-get install -y wrk >>/tmp/validate-wrk-install.log 2>&1; } \
      || log "apt-get install wrk failed (see /tmp/validate-wrk-install.log)"
  else
    log "wrk is missing and cannot be installed here (needs root and apt-get)"
  fi
  command -v wrk >/dev/null 2>&1 || { LOADGEN=java; log "falling back to bench/LoadGen.java"; }
fi
if [ "$LOADGEN" = wrk ]; then
  [ "$WRK_THREADS" -ge 1 ] && [ "$WRK_THREADS" -le "$CLIENTS" ] || die "BENCH_WRK_THREADS must be 1..$CLIENTS"
  wrk_version="$({ wrk -v 2>&1 || true; } | awk 'NR == 1 {print $2}')"
  log "load generator: wrk $wrk_version, $WRK_THREADS thread(s), $CLIENTS connections"
else
  log "load generator: bench/LoadGen.java, $CLIENTS client threads"
fi

# ---- 1. build: the packaged app and the test classes (ValidateBenchmark), in our own build dir
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$APP" ]; then
  # Other people edit the tree while we build: a half-written file fails the build, so retry a few times.
  for attempt in 1 2 3 4; do
    log "building into $BUILD_DIR (mvn package -DskipTests), attempt $attempt"
    if mvn -B -o -q -Dgw.buildDir="$BUILD_DIR" package -DskipTests >"$BUILD_DIR.build.log" 2>&1; then built=1; break; fi
    built=0; grep -m5 'ERROR' "$BUILD_DIR.build.log" >&2 || true
    [ "$attempt" = 4 ] || sleep 60
  done
  [ "$built" = 1 ] || die "build failed (see $BUILD_DIR.build.log)"
  echo "$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/') at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$BUILD_DIR.built-from"
fi
[ -f "$APP" ] || die "no $APP after the build"

state="$(mktemp -d /tmp/gatewarden-bench.XXXXXX)"
kube_pid=""
gw_pid=""
cleanup() {
  set +e
  if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
    kill "$gw_pid"; for _ in $(seq 1 100); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$gw_pid" 2>/dev/null && kill -9 "$gw_pid"
  fi
  touch "$state/stop"
  if [ -n "$kube_pid" ] && kill -0 "$kube_pid" 2>/dev/null; then
    for _ in $(seq 1 600); do kill -0 "$kube_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$kube_pid" 2>/dev/null && kill "$kube_pid"
  fi
  log "logs kept in $state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 2. the cluster: real kube-apiserver + etcd from the test harness, seeded. surefire:test alone (no
# lifecycle) runs the classes step 1 compiled: nothing recompiles while someone is editing the tree.
log "starting kube-apiserver via ValidateBenchmark (log: $state/kube.log)"
BENCH_STATE_DIR="$state" BENCH_BACKGROUND_GATEWAYS="$BACKGROUND" BENCH_POD_CHURN="$CHURN" BENCH_SEED="$root/bench/cluster/seed.yaml" \
  mvn -B -o -q -Dgw.buildDir="$BUILD_DIR" surefire:test -Dtest=ValidateBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  >"$state/kube.log" 2>&1 &
kube_pid=$!
for _ in $(seq 1 600); do
  [ -f "$state/ready" ] && break
  [ -f "$state/failed" ] && die "cluster failed: $(cat "$state/failed") (see $state/kube.log)"
  kill -0 "$kube_pid" 2>/dev/null || die "ValidateBenchmark exited early: $(tail -30 "$state/kube.log")"
  sleep 0.5
done
[ -f "$state/ready" ] || die "cluster not ready after 300 s (see $state/kube.log)"
log "$(cat "$state/ready")"

# ---- 3. Gatewarden from the packaged jar, against that cluster
log "starting Gatewarden $APP on https://127.0.0.1:$PORT (log: $state/gatewarden.log)"
# shellcheck disable=SC2086
# gatewarden.* settings go in as environment variables, which every build accepts (builds before
# commit 3c595e4 refused -Dgatewarden.tls.* / -Dgatewarden.admission.baseline-endpoint with
# "SRCFG00050 ... does not map to any root": keys missing from the @ConfigMapping).
env -u KUBECONFIG \
  GATEWARDEN_ADMISSION_BASELINE_ENDPOINT=true \
  GATEWARDEN_TLS_CERT_FILE=certs-test/server.crt GATEWARDEN_TLS_KEY_FILE=certs-test/server.key \
  java ${BENCH_JAVA_OPTS:-} \
  -Dkubeconfig="$state/kubeconfig.yaml" \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.ssl-port="$PORT" \
  -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MPORT" \
  -jar "$APP" >"$state/gatewarden.log" 2>&1 &
gw_pid=$!
ready=0
for _ in $(seq 1 240); do
  kill -0 "$gw_pid" 2>/dev/null || die "Gatewarden exited: $(tail -30 "$state/gatewarden.log")"
  # The management port is plain HTTP; builds before commit 3c595e4 served it over HTTPS (the default
  # TLS configuration applied to it), so accept either.
  for mgmt in "http://127.0.0.1:$MPORT" "https://127.0.0.1:$MPORT"; do
    if curl -fsS --cacert certs-test/ca.crt -o /dev/null "$mgmt/q/health/ready" 2>/dev/null; then ready=1; break 2; fi
  done
  sleep 0.5
done
[ "$ready" = 1 ] || die "Gatewarden not ready after 120 s: $(curl -sS --cacert certs-test/ca.crt "https://127.0.0.1:$MPORT/q/health/ready")"
log "Gatewarden ready (caches synced), management at $mgmt"

# ---- 4. what each review gets: HTTP 200 and allowed from both endpoints, ideally without warnings
# (the load runs check only the HTTP status of every answer; the verdict is checked here, once per endpoint)
post() { curl -sS --cacert certs-test/ca.crt -H 'Content-Type: application/json' --data-binary "@bench/reviews/$1.json" \
  -o "$3" -w '%{http_code}' "https://127.0.0.1:$PORT/$2"; }
declare -A VERDICT
for r in $REVIEWS; do
  for ep in allow validate; do
    code="$(post "$r" "$ep" "$state/verdict-$r-$ep.json")"
    allowed="$(jq -r '.response.allowed' "$state/verdict-$r-$ep.json" 2>/dev/null || echo '?')"
    [ "$code" = 200 ] && [ "$allowed" = true ] || die "$r: /$ep answered HTTP $code, allowed=$allowed: $(head -c 600 "$state/verdict-$r-$ep.json")"
  done
  cp "$state/verdict-$r-validate.json" "$state/verdict-$r.json"
  warnings="$(jq -r '(.response.warnings // []) | length' "$state/verdict-$r.json")"
  VERDICT[$r]="allowed, $warnings warnings"
  [ "$warnings" = 0 ] || log "WARNING: $r draws warnings: $(jq -c '.response.warnings' "$state/verdict-$r.json")"
done

# ---- 5. load: per review A V V A (allow, validate, validate, allow), so drift hits both alike
metric() { # sum and count of the server-side review timer for /validate; live API reads (-1: no such metric)
  curl -sS --cacert certs-test/ca.crt "$mgmt/q/metrics" | awk '
    /^gatewarden_admission_review_duration_seconds_sum\{.*webhook="validate"/ {s=$NF}
    /^gatewarden_admission_review_duration_seconds_count\{.*webhook="validate"/ {c=$NF}
    /^gatewarden_cluster_live_reads_total/ {l=$NF}
    END {printf "%s %s %s\n", (s==""?0:s), (c==""?0:c), (l==""?-1:l)}'
}
server_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # utime + stime, clock ticks
# One run with wrk: warm-up (not recorded), then the measured run; appends LoadGen's 13-column line to $tsv.raw:
# label clients requests seconds req/s p50 p90 p99 max mean (µs) failures reconnects server-CPU-ticks
run_wrk() { # review endpoint label
  local url="https://127.0.0.1:$PORT/$2" out="$state/wrk-${3//|/-}" line t0 t1
  if [ "$WARMUP" != 0 ]; then
    WRK_BODY="bench/reviews/$1.json" wrk -t"$WRK_THREADS" -c"$CLIENTS" -d"${WARMUP}s" --timeout 10s \
      -s bench/validate.lua "$url" >"$out.warmup.txt" 2>&1 || die "wrk failed on $1 /$2 (warm-up): $(cat "$out.warmup.txt")"
    line="$(grep '^WRK_RESULT' "$out.warmup.txt")" || die "no result from wrk (warm-up): $(cat "$out.warmup.txt")"
    [ "$(echo "$line" | awk '{print $10}')" = 0 ] || die "$1 /$2 warm-up failures: $(cat "$out.warmup.txt")"
  fi
  t0="$(server_ticks "$gw_pid")"
  WRK_BODY="bench/reviews/$1.json" wrk -t"$WRK_THREADS" -c"$CLIENTS" -d"${DURATION}s" --timeout 10s --latency \
    -s bench/validate.lua "$url" >"$out.txt" 2>&1 || die "wrk failed on $1 /$2: $(cat "$out.txt")"
  t1="$(server_ticks "$gw_pid")"
  line="$(grep '^WRK_RESULT' "$out.txt")" || die "no result from wrk: $(cat "$out.txt")"
  # WRK_RESULT requests duration_us p50 p75 p90 p99 max mean failures non200 socket_errors timeouts
  echo "$line" | awk -v label="$3" -v c="$CLIENTS" -v ticks="$((t1 - t0))" 'BEGIN {OFS = "\t"}
    {print label, c, $2, sprintf("%.3f", $3 / 1e6), sprintf("%.1f", $2 / ($3 / 1e6)), $4, $6, $7, $8, $9, $10, $12, ticks}' >>"$tsv.raw"
  printf '%-28s %s\n' "$3" "$(grep -A4 'Latency Distribution' "$out.txt" | tr -s ' \n' ' ') $(grep 'Requests/sec' "$out.txt")" >&2
  [ "$(echo "$line" | awk '{print $10}')" = 0 ] || die "$1 /$2: failures in the measured run: $(cat "$out.txt")"
}
tsv="$state/results.tsv"
: >"$tsv"
hz="$(getconf CLK_TCK)"
if [ -n "${BENCH_WAIT_LOAD:-}" ]; then
  waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v t="$BENCH_WAIT_LOAD" 'BEGIN {exit !(l >= t)}'; do
    [ "$waited" -ge "${BENCH_WAIT_MAX:-1500}" ] && { log "load average still $(cut -d' ' -f1-3 /proc/loadavg) after ${waited} s: running anyway"; break; }
    log "load average $(cut -d' ' -f1-3 /proc/loadavg): waiting for < $BENCH_WAIT_LOAD"
    sleep 20; waited=$((waited + 20))
  done
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before the runs: $load_before"
# JIT warm-up of both endpoints with every review, not recorded: without it the first measured run (an
# /allow run) still pays for C2 compilations and flatters the ratio of the first review.
log "JIT warm-up: ${JIT_WARMUP} s per review and endpoint (not recorded)"
for r in $REVIEWS; do
  for ep in allow validate; do
    if [ "$LOADGEN" = wrk ]; then
      WRK_BODY="bench/reviews/$r.json" wrk -t"$WRK_THREADS" -c"$CLIENTS" -d"${JIT_WARMUP}s" -s bench/validate.lua \
        "https://127.0.0.1:$PORT/$ep" >"$state/wrk-jit-$r-$ep.txt" 2>&1 || die "wrk failed on $r /$ep (JIT warm-up)"
    else
      java -XX:+UseSerialGC -Xss512k bench/LoadGen.java --url "https://127.0.0.1:$PORT/$ep" --body "bench/reviews/$r.json" \
        --clients "$CLIENTS" --warmup 0 --duration "$JIT_WARMUP" --label "jit $r $ep" >/dev/null || die "LoadGen failed on $r /$ep (JIT warm-up)"
    fi
  done
done
for r in $REVIEWS; do
  pass_allow=0; pass_validate=0
  for ep in allow validate validate allow; do
    if [ "$ep" = allow ]; then pass_allow=$((pass_allow + 1)); pass=$pass_allow; else pass_validate=$((pass_validate + 1)); pass=$pass_validate; fi
    read -r s0 c0 l0 < <(metric)
    if [ "$LOADGEN" = wrk ]; then
      run_wrk "$r" "$ep" "$r|$ep|$pass"
    else
      java -XX:+UseSerialGC -Xss512k bench/LoadGen.java --url "https://127.0.0.1:$PORT/$ep" --body "bench/reviews/$r.json" \
        --clients "$CLIENTS" --warmup "$WARMUP" --duration "$DURATION" --label "$r|$ep|$pass" --results "$tsv.raw" \
        --server-pid "$gw_pid" || die "LoadGen failed on $r /$ep"
    fi
    read -r s1 c1 l1 < <(metric)
    # LoadGen's line (13 columns, the 13th the server's CPU ticks in the measured period), then the
    # validate timer's sum and count and the live API reads over the whole run (warm-up included)
    last="$(tail -1 "$tsv.raw")"
    printf '%s\t%s\t%s\t%s\n' "$last" "$(awk -v a="$s0" -v b="$s1" 'BEGIN{print b-a}')" \
      "$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}')" "$(awk -v a="$l0" -v b="$l1" 'BEGIN{print (a<0||b<0) ? -1 : b-a}')" >>"$tsv"
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
errors_logged="$(grep -c 'internal error judging' "$state/gatewarden.log" || true)"

# ---- 6. the report
mkdir -p "$(dirname "$OUT")"
{
  echo "# Validate benchmark: /validate vs the /allow baseline"
  echo
  echo "Generated by \`bench/validate.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ); app built from commit $(cat "$BUILD_DIR.built-from" 2>/dev/null || echo '? (BENCH_SKIP_BUILD)')."
  echo "$(nproc) cores, load average $load_before before (the JIT warm-up and the runs) / $load_after after (other builds share the machine, and the 16 clients' requests count in it too: read the ratios, not the absolute figures)."
  echo "Gatewarden: \`$APP\` (prod profile, JVM defaults${BENCH_JAVA_OPTS:+, options \`$BENCH_JAVA_OPTS\`}), real kube-apiserver $(sed -n 's/^cluster \(https[^ ]*\).*/\1/p' "$state/ready"); $BACKGROUND background Gateways in the cluster; Pod churn: $CHURN writes/s requested, $(cat "$state/churn" 2>/dev/null || echo 0) achieved."
  if [ "$LOADGEN" = wrk ]; then
    echo "Load: wrk $wrk_version (\`wrk -t$WRK_THREADS -c$CLIENTS -d${DURATION}s --latency -s bench/validate.lua\`): $CLIENTS TLS keep-alive connections on $WRK_THREADS generator thread(s), closed loop, every answer must be HTTP 200 (the verdict is checked once per endpoint with curl); ${WARMUP} s warm-up run + ${DURATION} s measured run per endpoint; runs in the order allow, validate, validate, allow per review, after a ${JIT_WARMUP} s JIT warm-up of each endpoint with each review. Percentiles from wrk's latency histogram (µs, 3 significant digits)."
  else
    echo "Load: bench/LoadGen.java, $CLIENTS clients, one TLS keep-alive connection each, closed loop; ${WARMUP} s warm-up + ${DURATION} s measured per run; runs in the order allow, validate, validate, allow per review, after a ${JIT_WARMUP} s JIT warm-up of each endpoint with each review."
  fi
  echo
  echo "Verdicts: $(for r in $REVIEWS; do printf '%s: %s; ' "$r" "${VERDICT[$r]}"; done)internal errors logged: $errors_logged."
  echo
  echo "## Summary"
  echo
  echo "Combined over the two passes of each endpoint: requests/s = all requests / all measured time; p50, p99 = mean of the two passes."
  echo "time ratio = allow req/s ÷ validate req/s (server time per review at saturation); target: time ratio ≤ 1.5 and validate p99 < 5 ms."
  echo
  echo "| review | allow req/s | validate req/s | time ratio | allow p50 ms | validate p50 ms | p50 ratio | allow p99 ms | validate p99 ms | p99 ratio | server CPU µs/req allow → validate | rules+verdict µs/review (server timer) | live API reads/review | target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk -F'\t' -v hz="$hz" -v order="$REVIEWS" '
    { split($1, k, "|"); r = k[1]; e = k[2];
      n[r,e] += $3; t[r,e] += $4; p50[r,e] += $6; p99[r,e] += $8; runs[r,e]++;
      cpu[r,e] += $13; tsum[r,e] += $14; tcnt[r,e] += $15; if ($16 < 0) nolive = 1; live[r,e] += $16 }
    END {
      m = split(order, rs, " ");
      for (i = 1; i <= m; i++) { r = rs[i];
        ar = n[r,"allow"] / t[r,"allow"]; vr = n[r,"validate"] / t[r,"validate"];
        a50 = p50[r,"allow"] / runs[r,"allow"] / 1000; v50 = p50[r,"validate"] / runs[r,"validate"] / 1000;
        a99 = p99[r,"allow"] / runs[r,"allow"] / 1000; v99 = p99[r,"validate"] / runs[r,"validate"] / 1000;
        ac = cpu[r,"allow"] / hz * 1e6 / n[r,"allow"]; vc = cpu[r,"validate"] / hz * 1e6 / n[r,"validate"];
        st = tcnt[r,"validate"] > 0 ? sprintf("%.0f", tsum[r,"validate"] / tcnt[r,"validate"] * 1e6) : "n/a";
        lr = (nolive || tcnt[r,"validate"] == 0) ? "n/a" : sprintf("%.2f", live[r,"validate"] / tcnt[r,"validate"]);
        ok = (ar / vr <= 1.5 && v99 < 5) ? "met" : "**missed**";
        printf "| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f → %.0f | %s | %s | %s |\n",
          r, ar, vr, ar / vr, a50, v50, v50 / a50, a99, v99, v99 / a99, ac, vc, st, lr, ok } }' "$tsv"
  echo
  echo "server CPU µs/req: Gatewarden process CPU time (user+sys, /proc) during the measured run ÷ requests; less sensitive to other load than latency."
  echo "rules+verdict µs/review: the service's own \`gatewarden.admission.review.duration\` timer (parse + rules + verdict, no HTTP/TLS), mean over the validate runs (warm-up included)."
  echo "live API reads/review: the service's \`gatewarden.cluster.live.reads\` counter (calls to the API server made while judging) ÷ reviews judged; 0 on the intended path (everything from the informer caches)."
  echo
  echo "## Every run"
  echo
  echo "| review | endpoint | pass | requests | seconds | req/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | server CPU µs/req | failures | reconnects |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v hz="$hz" '{ split($1, k, "|");
    printf "| %s | %s | %s | %d | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %d | %d |\n",
      k[1], k[2], k[3], $3, $4, $5, $6/1000, $7/1000, $8/1000, $9/1000, $10/1000, $13 / hz * 1e6 / $3, $11, $12 }' "$tsv"
} >"$OUT"
cat "$OUT"
log "wrote $OUT"
