#!/usr/bin/env bash
# Benchmark of the certificate manager (issue #3, "Speed (benchmark)"), three parts, each against a
# baseline measured in the same run. Writes bench/results/certificates.md. See bench/README.md.
#
#   issue      issuance rate: CertificateIssuer.issue + PEM vs bare JCA keygen + one ECDSA signature
#              (bench/IssueBench.java, same JVM, warmed up)                          target ≤ 2×
#   sweep      one manager pass over 10,000 valid managed secrets, in-process (SweepBenchmark):
#              Plan.of with the manager's renewalCheck, first pass and steady state   target < 1 s, 0 writes
#   reconcile  1,000 Gateways created against a real kube-apiserver with Gatewarden running, time until
#              all 1,000 secrets exist, vs 1,000 plain Secrets created with the client  target < 60 s
#
# Settings (environment):
#   BENCH_PARTS="issue sweep reconcile"   which parts to run (the report shows the ones run)
#   BENCH_BUILD_DIR=/tmp/build-bench      Maven build dir (never the shared target/)
#   BENCH_SKIP_BUILD=1                    reuse the package (and test classes) already in BENCH_BUILD_DIR
#   BENCH_MVN_ARGS=...                    extra Maven arguments for every mvn call
#   ISSUE_WARMUP=10 ISSUE_DURATION=3 ISSUE_ROUNDS=3 ISSUE_MIN_OPS=500 ISSUE_BREAKDOWN=2   IssueBench
#   BENCH_SWEEP_SECRETS=10000 BENCH_SWEEP_PASSES=20 BENCH_SWEEP_SAMPLE=1000             SweepBenchmark
#   BENCH_GATEWAYS=1000 BENCH_CREATE_THREADS=16 BENCH_TAIL_SECONDS=15 BENCH_RECONCILE_TIMEOUT=600  ReconcileBenchmark
#   BENCH_PORT=18453 BENCH_MGMT_PORT=19010   ports of the Gatewarden under test (127.0.0.1 only)
#   BENCH_JAVA_OPTS=...                   JVM options of the Gatewarden under test (e.g. -XX:StartFlightRecording=...)
#   BENCH_OUT=bench/results/certificates.md
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PARTS="${BENCH_PARTS:-issue sweep reconcile}"
BUILD_DIR="${BENCH_BUILD_DIR:-/tmp/build-bench}"
OUT="${BENCH_OUT:-bench/results/certificates.md}"
PORT="${BENCH_PORT:-18453}"
MPORT="${BENCH_MGMT_PORT:-19010}"
N_GW="${BENCH_GATEWAYS:-1000}"
THREADS="${BENCH_CREATE_THREADS:-16}"
N_SWEEP="${BENCH_SWEEP_SECRETS:-10000}"
APPDIR="$BUILD_DIR/quarkus-app"
# shellcheck disable=SC2206
MVN=(mvn -B -o -q -Dgw.buildDir="$BUILD_DIR" ${BENCH_MVN_ARGS:-})

log() { printf '%s [certificates.sh] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
for p in $PARTS; do case "$p" in issue|sweep|reconcile) ;; *) die "unknown part $p (issue, sweep, reconcile)" ;; esac; done
if has reconcile; then
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  port_free "$PORT" || die "port $PORT is in use (set BENCH_PORT)"
  port_free "$MPORT" || die "port $MPORT is in use (set BENCH_MGMT_PORT)"
fi

# ---- build: the packaged app (IssueBench's classpath, the Gatewarden under test) and the test classes
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$APPDIR/quarkus-run.jar" ]; then
  # Other people edit the tree while we build: a half-written file fails the build, so retry a few times.
  for attempt in 1 2 3 4; do
    log "building into $BUILD_DIR (mvn package -DskipTests), attempt $attempt"
    if "${MVN[@]}" package -DskipTests >"$BUILD_DIR.build.log" 2>&1; then built=1; break; fi
    built=0; grep -m5 'ERROR' "$BUILD_DIR.build.log" >&2 || true
    [ "$attempt" = 4 ] || sleep 60
  done
  [ "$built" = 1 ] || die "build failed (see $BUILD_DIR.build.log)"
  echo "$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/') at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$BUILD_DIR.built-from"
fi
[ -f "$APPDIR/quarkus-run.jar" ] || die "no $APPDIR/quarkus-run.jar after the build"

state="$(mktemp -d /tmp/gatewarden-certbench.XXXXXX)"
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

# ---- 1. issuance rate (JDK + the packaged app's jars; no cluster)
if has issue; then
  log "issue: bench/IssueBench.java (log: $state/issue.log)"
  ISSUE_LOAD_BEFORE="$(load)"
  java -cp "$APPDIR/app/*:$APPDIR/lib/main/*" bench/IssueBench.java --warmup "${ISSUE_WARMUP:-10}" \
    --duration "${ISSUE_DURATION:-3}" --rounds "${ISSUE_ROUNDS:-3}" --min-ops "${ISSUE_MIN_OPS:-500}" \
    --breakdown "${ISSUE_BREAKDOWN:-2}" --results "$state/issue.tsv" 2>&1 | tee "$state/issue.log" >&2
  [ "${PIPESTATUS[0]}" = 0 ] || die "IssueBench failed (see $state/issue.log)"
  ISSUE_LOAD_AFTER="$(load)"
fi

# ---- 2. the sweep, in-process (surefire:test alone: nothing recompiles after the build)
if has sweep; then
  log "sweep: SweepBenchmark with $N_SWEEP secrets (log: $state/sweep.log)"
  BENCH_STATE_DIR="$state" BENCH_SWEEP_SECRETS="$N_SWEEP" \
    "${MVN[@]}" surefire:test -Dtest=SweepBenchmark -Dsurefire.failIfNoSpecifiedTests=false >"$state/sweep.log" 2>&1 \
    || die "SweepBenchmark failed: $(grep -m5 -E 'ERROR|Exception' "$state/sweep.log")"
  [ -s "$state/sweep.tsv" ] || die "SweepBenchmark wrote no results (see $state/sweep.log)"
fi

# ---- 3. reconcile: kube-apiserver (ReconcileBenchmark), Gatewarden from the jar, then the phases
if has reconcile; then
  log "reconcile: starting kube-apiserver via ReconcileBenchmark (log: $state/kube.log)"
  BENCH_STATE_DIR="$state" BENCH_GATEWAYS="$N_GW" BENCH_CREATE_THREADS="$THREADS" BENCH_CLK_TCK="$(getconf CLK_TCK)" \
    "${MVN[@]}" surefire:test -Dtest=ReconcileBenchmark -Dsurefire.failIfNoSpecifiedTests=false >"$state/kube.log" 2>&1 &
  kube_pid=$!
  for _ in $(seq 1 600); do
    [ -f "$state/ready" ] && break
    [ -f "$state/failed" ] && die "cluster failed: $(cat "$state/failed") (see $state/kube.log)"
    kill -0 "$kube_pid" 2>/dev/null || die "ReconcileBenchmark exited early: $(tail -30 "$state/kube.log")"
    sleep 0.5
  done
  [ -f "$state/ready" ] || die "cluster not ready after 300 s (see $state/kube.log)"
  log "$(cat "$state/ready")"

  log "starting Gatewarden $APPDIR/quarkus-run.jar (log: $state/gatewarden.log)"
  # shellcheck disable=SC2086
  env -u KUBECONFIG \
    GATEWARDEN_TLS_CERT_FILE=certs-test/server.crt GATEWARDEN_TLS_KEY_FILE=certs-test/server.key \
    GATEWARDEN_NAMESPACE=gatewarden GATEWARDEN_IDENTITY=gatewarden-bench \
    java ${BENCH_JAVA_OPTS:-} \
    -Dkubeconfig="$state/kubeconfig.yaml" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.ssl-port="$PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MPORT" \
    -jar "$APPDIR/quarkus-run.jar" >"$state/gatewarden.log" 2>&1 &
  gw_pid=$!
  mgmt="http://127.0.0.1:$MPORT"
  leader=""
  for _ in $(seq 1 480); do
    kill -0 "$gw_pid" 2>/dev/null || die "Gatewarden exited: $(tail -30 "$state/gatewarden.log")"
    leader="$(curl -fsS "$mgmt/q/health/ready" 2>/dev/null | jq -r '.checks[] | select(.name=="gatewarden") | .data.certificateLeader' || true)"
    [ "$leader" = true ] && break
    sleep 0.5
  done
  [ "$leader" = true ] || die "Gatewarden not ready and leading after 240 s: $(curl -sS "$mgmt/q/health/ready")"
  log "Gatewarden ready (caches synced, CA loaded, leader)"
  curl -fsS "$mgmt/q/metrics" >"$state/metrics-before.txt"
  RECONCILE_LOAD_BEFORE="$(load)"
  echo "$gw_pid" >"$state/go"
  log "floor ×2, $N_GW Gateways, tail, floor ×2 (ReconcileBenchmark; progress in $state/kube.log)"
  for _ in $(seq 1 4800); do
    [ -f "$state/done" ] && break
    kill -0 "$kube_pid" 2>/dev/null || die "ReconcileBenchmark exited early: $(tail -30 "$state/kube.log")"
    sleep 0.5
  done
  [ -f "$state/done" ] || die "ReconcileBenchmark did not finish within 40 min"
  RECONCILE_LOAD_AFTER="$(load)"
  curl -fsS "$mgmt/q/metrics" >"$state/metrics-after.txt" || true
  grep -q '^error' "$state/reconcile.tsv" && die "ReconcileBenchmark: $(grep '^error' "$state/reconcile.tsv")"
fi

# ---------------------------------------------------------------- the report
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN{printf f, x}'; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN{exit !(a < b)}'; then echo met; else echo "**missed**"; fi; }
verdict_le() { if awk -v a="$1" -v b="$2" 'BEGIN{exit !(a <= b)}'; then echo met; else echo "**missed**"; fi; }
kv() { awk -F'\t' -v k="$2" '$1=="info" && $2==k {print $3}' "$1"; }
metric() { # sum of a Prometheus metric (all label sets) in a scrape; 0 when absent
  awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $NF} END {printf "%.6f\n", s}' "$1"; }

if has issue; then
  it="$state/issue.tsv"
  wall_us() { awk -F'\t' -v v="$1" '$1==v {print $4 / 1000 / $3}' "$it" | median; }
  cpu_us() { awk -F'\t' -v v="$1" '$1==v {o += $3; c += $5} END {print c / 1000 / o}' "$it"; }
  B_WALL="$(wall_us bare)"; I_WALL="$(wall_us issue)"; B_CPU="$(cpu_us bare)"; I_CPU="$(cpu_us issue)"
  I_RATIO="$(awk -v a="$I_WALL" -v b="$B_WALL" 'BEGIN{printf "%.2f", a / b}')"
  I_CPU_RATIO="$(awk -v a="$I_CPU" -v b="$B_CPU" 'BEGIN{printf "%.2f", a / b}')"
fi
if has sweep; then
  st="$state/sweep.tsv"
  srow() { awk -F'\t' -v k="$1" -v c="$2" '$1=="row" && $2==k {print $c}' "$st"; }
  STEADY="$(srow steady 4)"; STEADY_WARM="$(srow steady-warm 4)"; FIRST_COLD="$(srow first-cold 4)"; WALK="$(srow walk-only 4)"
  SWEEP_PLAN="$(awk -F'\t' '$1=="row" && $2 !~ /^(demands-all-again|expiry-gauges)$/ {if ($7 > m) m = $7} END {print m + 0}' "$st")"
fi
if has reconcile; then
  rt="$state/reconcile.tsv"
  floor_ms() { awk -F'\t' -v t="$1" '$1=="floor" && $3==t {s += $4; n++} END {print n ? s / n : 0}' "$rt"; }
  F1="$(floor_ms 1)"; FP="$(floor_ms "$THREADS")"
  read -r _ GW_N GW_HAVE GW_CREATED GW_ALL GW_FIRST GW_P50 GW_P90 GW_UPDATES GW_BEFORE < <(awk -F'\t' '$1=="gateways"' "$rt" | tr '\t' ' ')
fi

mkdir -p "$(dirname "$OUT")"
{
  echo "# Certificates benchmark: issuance, 1,000-Gateway reconcile, 10,000-secret sweep"
  echo
  echo "Generated by \`bench/certificates.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ); app built from commit $(cat "$BUILD_DIR.built-from" 2>/dev/null || echo '? (BENCH_SKIP_BUILD)') into \`$BUILD_DIR\`."
  echo "$(nproc) cores, shared with other builds: load average (1, 5, 15 min) is given per part; read the ratios, not the absolute figures. JDK: $(java -version 2>&1 | head -1)."
  echo
  echo "## Summary"
  echo
  echo "| part | measured | baseline (same run) | ratio | target | result |"
  echo "|---|---|---|---:|---|---|"
  if has issue; then
    echo "| issuance: P-256 leaf, CA-signed, PEM (\`issue()\` + \`certificatePem()\` + \`keyPem()\`) | $(fmt "$I_WALL" %.0f) µs/op = $(fmt "$(awk -v u="$I_WALL" 'BEGIN{print 1e6 / u}')" %.0f) ops/s (CPU $(fmt "$I_CPU" %.0f) µs/op) | bare JCA: EC keygen + one SHA256withECDSA signature over 300 bytes: $(fmt "$B_WALL" %.0f) µs/op = $(fmt "$(awk -v u="$B_WALL" 'BEGIN{print 1e6 / u}')" %.0f) ops/s (CPU $(fmt "$B_CPU" %.0f) µs/op) | $I_RATIO (CPU $I_CPU_RATIO) | ≤ 2× | $(verdict_le "$I_RATIO" 2) |"
  fi
  if has reconcile; then
    if [ "$GW_ALL" = timeout ]; then all_s="timeout ($GW_HAVE of $GW_N)"; r1="–"; rp="–"; v="**missed**"; else
      all_s="$(fmt "$GW_ALL" "%.0f") ms"; r1="$(awk -v a="$GW_ALL" -v b="$F1" 'BEGIN{printf "%.1f", a / b}')"
      rp="$(awk -v a="$GW_ALL" -v b="$FP" 'BEGIN{printf "%.1f", a / b}')"; v="$(verdict "$GW_ALL" 60000)"; fi
    echo "| reconcile: $GW_N Gateways created ($THREADS client threads) → all $GW_N secrets exist, one Gatewarden, real kube-apiserver | $all_s | $GW_N plain Secrets created with the client: $(fmt "$F1" %.0f) ms from 1 thread, $(fmt "$FP" %.0f) ms from $THREADS (mean of before and after) | $r1 (1 thread), $rp ($THREADS threads) | < 60 s | $v |"
  fi
  if has sweep; then
    echo "| sweep: one manager pass (\`Plan.of\` + \`renewalCheck\`) over $N_SWEEP valid managed secrets | steady state $STEADY ms (median of passes 2–$(( $(srow steady 3) + 1 )); $STEADY_WARM ms once warm); first pass after start $FIRST_COLD ms; planned writes: $SWEEP_PLAN | the same walk with a no-op check: $WALK ms | $(awk -v a="$STEADY" -v b="$WALK" 'BEGIN{printf "%.2f", a / b}') | < 1 s, 0 writes | steady: $( [ "$SWEEP_PLAN" = 0 ] && verdict "$STEADY" 1000 || echo '**missed** (writes planned)'); first pass: $(verdict "$FIRST_COLD" 1000) |"
  fi

  if has issue; then
    echo
    echo "## 1. Issuance rate (bench/IssueBench.java)"
    echo
    echo "One JVM ($(sed -n 's/^IssueBench: JDK \([^,]*\), \([^,]*\),.*/JDK \1, \2/p' "$state/issue.log"), defaults), one thread, classpath = the packaged app's jars. Load average $ISSUE_LOAD_BEFORE before / $ISSUE_LOAD_AFTER after."
    echo "Warm-up: both variants alternately, ≥ 5 × ${ISSUE_MIN_OPS:-500} operations each; then ${ISSUE_ROUNDS:-3} rounds of bare, issue, issue, bare (≥ ${ISSUE_DURATION:-3} s and ≥ ${ISSUE_MIN_OPS:-500} ops per run)."
    echo "Summary figures: wall µs/op = median over the runs of a variant (a burst of other load inflates one run, not the median); CPU µs/op = this thread's CPU time ÷ ops over all runs (what load disturbs least)."
    echo "$(sed -n 's/^IssueBench: .*; \(leaf TBS.*\)$/\1/p' "$state/issue.log")."
    echo
    echo "| variant | pass | ops | seconds | ops/s | µs/op | CPU µs/op | KB allocated/op |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '!/^#/ {printf "| %s | %d | %d | %.2f | %.0f | %.1f | %.1f | %.1f |\n", $1, $2, $3, $4/1e9, $3*1e9/$4, $4/1000/$3, $5/1000/$3, $6/1024/$3}' "$it"
    echo
    echo "bare: new \`KeyPairGenerator\` (EC, secp256r1) + key pair + new \`Signature\` (SHA256withECDSA, the CA key) over 300 bytes. issue: \`new CertificateIssuer().issue(LeafRequest.server([app-i.example.com]), ca, clock)\` + \`certificatePem()\` + \`keyPem()\` (the manager also builds ca.crt from the trust bundle once per Secret)."
    echo "Breakdown (one run each, after the rounds): bare-reused = the floor with one generator and one Signature reused (what a stateless issuer cannot do); keygen = \`KeyAlgorithm.EC_P256.generate()\`; sign = one signature; issue-no-pem = \`issue()\` alone; pem = \`certificatePem()\` + \`keyPem()\` of an issued certificate."
    awk -F'\t' '!/^#/ {o[$1] += $3; c[$1] += $5} END {
      if (o["issue-no-pem"] && o["keygen"] && o["sign"] && o["pem"]) {
        i = c["issue-no-pem"]/1000/o["issue-no-pem"]; k = c["keygen"]/1000/o["keygen"]; s = c["sign"]/1000/o["sign"]; p = c["pem"]/1000/o["pem"];
        printf "\nWhere an issuance goes (CPU µs/op of the breakdown runs): key generation %.0f + signature %.0f = %.0f; `issue()` %.0f, so the certificate assembly around them (BouncyCastle DER builder, serial, extensions, JDK re-parse of the signed DER) is ≈ %.0f (%.0f %%); PEM %.1f.\n", k, s, k + s, i, i - k - s, (i - k - s) * 100 / i, p } }' "$it"
  fi

  if has reconcile; then
    echo
    echo "## 2. Reconcile of $GW_N Gateways (ReconcileBenchmark + Gatewarden from the jar)"
    echo
    echo "Real kube-apiserver + etcd $(sed -n 's/^cluster \(https[^ ]*\).*/\1/p' "$state/ready") (test harness, Istio CRDs, ingress fixture in istio-system); one Gatewarden (\`$APPDIR/quarkus-run.jar\`, prod profile, JVM defaults${BENCH_JAVA_OPTS:+, options \`$BENCH_JAVA_OPTS\`}, leader election on, leading before the clock starts). Load average $RECONCILE_LOAD_BEFORE before / $RECONCILE_LOAD_AFTER after."
    echo "Gateways: bench-gw/app-NNNNN-gateway, one HTTPS server each (host app-NNNNN.example.com, credentialName app-NNNNN-tls, selector istio: ingressgateway), created from $THREADS threads of one fabric8 client ($(kv "$rt" client_max_concurrent_requests) concurrent requests allowed). The clock runs from the first create until an informer (istio-system, managed label) has seen all $GW_N secrets."
    echo
    echo "| phase | client threads | wall ms | per object ms | CPU ms during the phase |"
    echo "|---|---:|---:|---:|---|"
    awk -F'\t' -v n="$N_GW" '$1=="floor" {printf "| %s: %d plain Secrets | %s | %s | %.2f | %s |\n", $2, n, $3, $4, $4 / n, $5}' "$rt"
    cpu_gw="$(awk -F'\t' '$1=="cpu" && $2=="gateways" {print $3}' "$rt")"
    echo "| $GW_N Gateways → $GW_N secrets (all created by Gatewarden) | $THREADS | $GW_ALL | $(awk -v a="$GW_ALL" -v n="$N_GW" 'BEGIN{printf "%.2f", a / n}') | $cpu_gw |"
    echo
    echo "Secrets Gatewarden created per second (its log, HH:MM:SS count): $(grep 'created secret' "$state/gatewarden.log" | awk '{print substr($1, 1, 8)}' | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')."
    echo
    echo "Gateways: all $GW_N created after $GW_CREATED ms; first secret at $GW_FIRST ms, 50 % at $GW_P50 ms, 90 % at $GW_P90 ms, all at $GW_ALL ms. Secrets existing per 10 % of the total: $(kv "$rt" timeline). Secret updates seen while they appeared: $GW_UPDATES; in the ${BENCH_TAIL_SECONDS:-15} s tail: $(kv "$rt" updates_in_tail). Check: $(kv "$rt" verified_secrets)."
    if [ -f "$state/metrics-after.txt" ]; then
      b="$state/metrics-before.txt"; a="$state/metrics-after.txt"
      issued="$(awk -v x="$(metric "$a" gatewarden_certificate_issuances_total)" -v y="$(metric "$b" gatewarden_certificate_issuances_total)" 'BEGIN{printf "%d", x - y}')"
      dcount="$(awk -v x="$(metric "$a" gatewarden_certificate_issuance_duration_seconds_count)" -v y="$(metric "$b" gatewarden_certificate_issuance_duration_seconds_count)" 'BEGIN{print x - y}')"
      dsum="$(awk -v x="$(metric "$a" gatewarden_certificate_issuance_duration_seconds_sum)" -v y="$(metric "$b" gatewarden_certificate_issuance_duration_seconds_sum)" 'BEGIN{print x - y}')"
      dmax="$(metric "$a" gatewarden_certificate_issuance_duration_seconds_max)"
      live="$(awk -v x="$(metric "$a" gatewarden_cluster_live_reads_total)" -v y="$(metric "$b" gatewarden_cluster_live_reads_total)" 'BEGIN{printf "%d", x - y}')"
      fails="$(awk -v x="$(metric "$a" gatewarden_certificate_issuance_failures_total)" -v y="$(metric "$b" gatewarden_certificate_issuance_failures_total)" 'BEGIN{printf "%d", x - y}')"
      echo
      echo "Gatewarden's own metrics over the whole run: $issued issuances, $fails failures; \`gatewarden.certificate.issuance.duration\` (key, signature and the Secret write: GET + POST) mean $(awk -v s="$dsum" -v c="$dcount" 'BEGIN{printf "%.1f", c ? s * 1000 / c : 0}') ms (max of the last minute $(awk -v m="$dmax" 'BEGIN{printf "%.0f", m * 1000}') ms) → $(awk -v s="$dsum" -v a="$GW_ALL" 'BEGIN{printf "%.0f", (a > 0 ? s * 1000 * 100 / a : 0)}') % of the wall time is spent inside issuance+write; live API reads (\`gatewarden.cluster.live.reads\`, secret cache misses and same-name lookups) $live. Log: $(grep -c 'created secret' "$state/gatewarden.log" || true) \"created secret\" lines, $(grep -c -E 'ERROR|reconcile failed' "$state/gatewarden.log" || true) errors."
    fi
    echo
    echo "API requests the API server counted (\`apiserver_request_total\`, by verb and resource) while the $GW_N secrets appeared, and in the tail after; the benchmark's own are the $GW_N \`POST gateways\`, the informer's LIST/WATCH and this scrape:"
    echo
    echo "| verb resource | while appearing | per secret | tail (${BENCH_TAIL_SECONDS:-15} s) |"
    echo "|---|---:|---:|---:|"
    awk -F'\t' -v n="$N_GW" '$1=="api" {k[$3] = 1; v[$2, $3] = $4} END {for (x in k) printf "| %s | %d | %.2f | %d |\n", x, v["gateways", x], v["gateways", x] / n, v["tail", x]}' "$rt" | sort -t'|' -k3,3 -nr
    echo
    echo "CPU ms in the tail: $(awk -F'\t' '$1=="cpu" && $2=="tail" {print $3}' "$rt")."
  fi

  if has sweep; then
    echo
    echo "## 3. Sweep of $N_SWEEP valid managed secrets (SweepBenchmark, in-process)"
    echo
    echo "A \`StaticClusterView\` with the ingress Deployment + Service, $N_SWEEP Gateways (20 namespaces, one HTTPS server each, own host and credentialName) and their $N_SWEEP Secrets in istio-system, issued with the real CA code ($(kv "$st" issue_ms) ms on $(kv "$st" issue_threads) threads; $(kv "$st" secret_bytes) bytes of data each) and written as the manager writes them (\`ManagedSecret.data/labels/annotations\`, issuer = CA fingerprint)."
    echo "A pass = \`Plan.of(new Facts(view, settings), check)\` as \`CertificateManager.reconcile()\` calls it, timed alone; \`check\` = the manager's \`renewalCheck(ca, now)\` (by reflection, on a \`new CertificateManager()\` with the default policy): verified-until cache hits answered at once, the misses judged together by \`RenewalPolicy.checkAll\` in up to 2 parallel shares on this machine (each share parses its secrets and tests their keys in one batch, \`KeyMatch.matchAll\`). Every pass must plan 0 writes (the benchmark fails otherwise). Load average $(kv "$st" load_before) before / $(kv "$st" load_after) after."
    echo
    echo "| pass | what it is | passes | median ms | min ms | max ms | planned writes |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    awk -F'\t' '$1=="row" {
      d["first-cold"] = "first pass after start: cold JIT, nothing derived yet, empty verified-until cache (every secret checked by RenewalPolicy)";
      d["steady"] = "**the periodic sweep**: passes 2 to 21, nothing changed since the last pass, every check a cache hit (JIT still warming)";
      d["steady-warm"] = "the same after all the passes above (JIT warm): a long-running leader";
      d["after-change"] = "a pass after any cluster event (informers bump the generation: Gateways re-parsed, selectors re-matched), checks still hit";
      d["walk-only"] = "baseline: the same Plan.of with a check that does nothing (demands, secret lookups; the misplaced-copy test runs only when a secret is missing)";
      d["uncached"] = "RenewalPolicy.check on every secret, warm JIT (no cache)";
      d["first-warm"] = "a fresh manager (empty cache), warm JIT: e.g. a new leader";
      d["second-after-first-warm"] = "its second pass (cache full)";
      d["demands-all-again"] = "not in Plan.of: reconcile() calls Demands.all(facts) again for the orphan check";
      d["expiry-gauges"] = "not in Plan.of: handleOrphans hands one expiry per secret to CertificateMetrics.managed (Prometheus registry), which registers the gauges again only when they changed (the first pass registers; the median is of the unchanged passes)";
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, d[$2], $3, $4, $5, $6, ($2 ~ /^(demands-all-again|expiry-gauges)$/ ? "–" : $7) }' "$st"
    echo
    echo "Where a cache miss goes (warm, best of 3 over $(awk -F'\t' '$1=="per" {print $4; exit}' "$st") secrets), µs per secret:"
    echo
    echo "| step | µs/secret |"
    echo "|---|---:|"
    awk -F'\t' '$1=="per" {
      d["policy-check"] = "RenewalPolicy.check, all of it";
      d["pem-certificates"] = "Pem.certificates(tls.crt): leaf + CA, block scan + base64 + CertificateFactory (the CA block reused after its first read)";
      d["pem-private-key"] = "Pem.privateKey(tls.key): a plain PKCS#8 block, read by the JDK KeyFactory (PEMParser only for other formats)";
      d["key-match"] = "KeyMatch.matches(leaf, key): Q = d·G on the curve, one pair at a time (still used for a single check)";
      d["key-match-batch"] = "KeyMatch.matchAll over the sample: one batch test (random 64-bit weights, one comb multiplication, bucket sum), per pair";
      d["policy-check-all"] = "RenewalPolicy.checkAll over the sample, one thread: what a share of a first pass costs per secret";
      d["dns-names"] = "HostCoverage.dnsNames(leaf)";
      d["renewal-time"] = "RenewalPolicy.renewalTime(leaf)";
      printf "| %s | %s |\n", d[$2], $3 }' "$st"
    echo
    echo "A miss in \`renewalCheck\` = its share of \`RenewalPolicy.checkAll\` (tls.crt parsed once; the renewal time comes with the verdict). The sample is read 3 times, so its certificates are in the JDK's own certificate cache (750 entries) on the later runs: a first pass over 10,000 new leaves pays more per parse, and more again while the JIT is cold."
  fi
} >"$OUT"
cat "$OUT"
log "wrote $OUT"
