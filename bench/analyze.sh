#!/usr/bin/env bash
# Benchmark of the offline analyzer: `bin/gatewarden analyze -f DIR` on 1,000 generated Gateways
# (with their ingress workloads, Services and secrets) against the same command on a directory
# with 1 Gateway (the JVM start-up floor). Wall time, best of 3. Writes bench/results/analyze.md.
#
# Settings (environment):
#   ANALYZE_GATEWAYS=1000   Gateways in the large corpus
#   ANALYZE_RUNS=3          runs per corpus (the best is reported)
#   ANALYZE_OUT=bench/results/analyze.md
#   GATEWARDEN_APP=DIR      the built app to run (default target/quarkus-app, built here if missing)
#   GATEWARDEN_JAVA_OPTS    JVM options, as bin/gatewarden reads them (default: its own)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

N="${ANALYZE_GATEWAYS:-1000}"
RUNS="${ANALYZE_RUNS:-3}"
OUT="${ANALYZE_OUT:-bench/results/analyze.md}"
APP="${GATEWARDEN_APP:-$root/target/quarkus-app}"

log() { printf '%s [analyze.sh] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- build (the normal target/ dir, as bin/gatewarden expects) when missing
if [ ! -f "$APP/quarkus-run.jar" ]; then
  [ -z "${GATEWARDEN_APP:-}" ] || die "GATEWARDEN_APP=$APP has no quarkus-run.jar"
  log "target/quarkus-app missing: mvn -B -o -q package -DskipTests"
  mvn -B -o -q package -DskipTests >&2 || die "build failed"
fi
export GATEWARDEN_APP="$APP"
newer="$(find src/main -newer "$APP/quarkus-run.jar" -type f | head -3)"
[ -z "$newer" ] || log "note: sources changed since $APP was built (e.g. $(echo "$newer" | head -1)); rebuild with 'mvn -B package -DskipTests' to measure them"

work="$(mktemp -d /tmp/gatewarden-analyze.XXXXXX)"
trap 'rm -rf "$work"' EXIT

b64() { base64 -w0 "certs-test/$1"; }
CRT="$(b64 wildcard.crt)"
KEY="$(b64 wildcard.key)"

# gen DIR COUNT ROUTES: a GitOps-style tree.
#   istio-system/ingress.yaml   two ingress gateway Deployments (public, internal) and their Services
#   istio-system/secrets.yaml   tls secrets (wildcard *.example.com) for 3 Gateways in 4; the 4th is
#                               left to Gatewarden to provision (a GW302 info and a plan entry)
#   team-XX/gw-NNNN.yaml        one Gateway per file, 20 team namespaces: HTTP 80 redirecting to
#                               HTTPS 443 with credentialName, host app-NNNN.example.com; every
#                               4th Gateway on the internal ingress
#   with ROUTES=1, in the same file: a VirtualService bound to the Gateway and its backend
#   Deployment + Service
gen() {
  local dir="$1" count="$2" routes="$3" i team sel cred
  mkdir -p "$dir/istio-system"
  {
    for g in ingressgateway internal-ingressgateway; do
      cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-$g
  namespace: istio-system
spec:
  replicas: 3
  selector:
    matchLabels:
      istio: $g
  template:
    metadata:
      labels:
        app: istio-$g
        istio: $g
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.28.0
        ports:
        - containerPort: 8080
        - containerPort: 8443
---
apiVersion: v1
kind: Service
metadata:
  name: istio-$g
  namespace: istio-system
spec:
  type: LoadBalancer
  selector:
    istio: $g
  ports:
  - name: http2
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
---
EOF
    done
  } >"$dir/istio-system/ingress.yaml"
  : >"$dir/istio-system/secrets.yaml"
  for ((i = 0; i < count; i++)); do
    team="$(printf 'team-%02d' $((i % 20)))"
    name="$(printf 'app-%04d' "$i")"
    sel=ingressgateway; [ $((i % 4)) -eq 3 ] && sel=internal-ingressgateway
    cred="$name-tls"
    if [ $((i % 4)) -ne 1 ]; then
      printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: istio-system\ntype: kubernetes.io/tls\ndata:\n  tls.crt: %s\n  tls.key: %s\n' \
        "$cred" "$CRT" "$KEY" >>"$dir/istio-system/secrets.yaml"
    fi
    mkdir -p "$dir/$team"
    {
      cat <<EOF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: $name-gateway
  namespace: $team
  labels:
    app.kubernetes.io/name: $name
spec:
  selector:
    istio: $sel
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - $name.example.com
    tls:
      httpsRedirect: true
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - $name.example.com
    tls:
      mode: SIMPLE
      credentialName: $cred
      minProtocolVersion: TLSV1_2
EOF
      if [ "$routes" = 1 ]; then
        cat <<EOF
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: $name
  namespace: $team
spec:
  hosts:
  - $name.example.com
  gateways:
  - $name-gateway
  http:
  - match:
    - uri:
        prefix: /api/
    route:
    - destination:
        host: $name-api.$team.svc.cluster.local
        port:
          number: 8080
    timeout: 10s
  - route:
    - destination:
        host: $name.$team.svc.cluster.local
        port:
          number: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $name
  namespace: $team
spec:
  selector:
    matchLabels:
      app: $name
  template:
    metadata:
      labels:
        app: $name
    spec:
      containers:
      - name: web
        image: nginxdemos/hello:plain-text
---
apiVersion: v1
kind: Service
metadata:
  name: $name
  namespace: $team
spec:
  selector:
    app: $name
  ports:
  - name: http
    port: 80
    targetPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: $name-api
  namespace: $team
spec:
  selector:
    app: $name
  ports:
  - name: http-api
    port: 8080
    targetPort: 8080
EOF
      fi
    } >"$dir/$team/gw-$(printf '%04d' "$i").yaml"
  done
}

log "generating corpora in $work"
gen "$work/one" 1 0
gen "$work/many" "$N" 0
gen "$work/many-routes" "$N" 1

# time_best DIR: best wall time of RUNS runs and best CPU time (user+sys of the JVM), in ms; checks
# the exit status and records the findings
time_best() {
  local dir="$1" best="" bestcpu="" ms cpu rc times
  for ((r = 1; r <= RUNS; r++)); do
    # bash's time keyword: wall, user and sys seconds of the launcher and the JVM it execs
    times="$( { TIMEFORMAT='%R %U %S'; time { bin/gatewarden analyze -f "$dir" >"$work/out.txt" 2>"$work/err.txt"; echo $? >"$work/rc"; }; } 2>&1 )"
    read -r real user sys <<<"$times"
    rc="$(cat "$work/rc")"
    [ "$rc" -le 1 ] || die "analyze exited $rc on $dir: $(head -5 "$work/err.txt")"
    ms="$(awk -v r="$real" 'BEGIN{printf "%d", r * 1000}')"
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%d", (u + s) * 1000}')"
    log "  run $r: wall ${ms} ms, cpu ${cpu} ms (exit $rc)"
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best="$ms"; fi
    if [ -z "$bestcpu" ] || [ "$cpu" -lt "$bestcpu" ]; then bestcpu="$cpu"; fi
  done
  cp "$work/out.txt" "$dir.findings"
  echo "$best $rc $bestcpu"
}

summary() { # findings by severity+code, and plan entries
  awk '$1=="PLAN"{p++; next} {c[$1" "$2]++} END {for (k in c) printf "%s ×%d, ", k, c[k]; printf "PLAN ×%d", p}' "$1"
}

count() { find "$1" -name '*.yaml' | xargs cat | grep -c '^kind: ' ; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "1 Gateway (start-up floor)";     res="$(time_best "$work/one")";         read -r one_ms one_rc one_cpu <<<"$res"
log "$N Gateways";                   res="$(time_best "$work/many")";        read -r many_ms many_rc many_cpu <<<"$res"
log "$N Gateways + VirtualServices"; res="$(time_best "$work/many-routes")"; read -r routes_ms routes_rc routes_cpu <<<"$res"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

verdict() { if [ "$1" -lt 5000 ]; then echo "met"; else echo "**missed**"; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
per_gw() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN{printf "%.2f", (a - b) / n}'; }

mkdir -p "$(dirname "$OUT")"
{
  echo "# Analyze benchmark: $N Gateways vs the 1-Gateway start-up floor"
  echo
  echo "Generated by \`bench/analyze.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), app \`$APP\` built $(date -u -r "$APP/quarkus-run.jar" +%Y-%m-%dT%H:%M:%SZ)$(f="$(dirname "$APP").built-from"; [ -f "$f" ] && echo " from commit $(cat "$f")")$( [ -n "$newer" ] && echo " (**sources changed since**)"); repository HEAD now $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
  echo "$(nproc) cores, load average $load_before before / $load_after after (other builds share the machine: read the ratio, not the absolute figures)."
  echo "Command: \`bin/gatewarden analyze -f DIR\` (JVM options: ${GATEWARDEN_JAVA_OPTS:-the launcher default, -XX:+UseSerialGC -XX:TieredStopAtLevel=1}), wall time, best of $RUNS, output to a file."
  echo
  echo "| corpus | objects | wall ms (best of $RUNS) | ratio to floor | ms per Gateway above floor | CPU ms (user+sys, best) | CPU ratio | exit | target < 5 s wall |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  echo "| 1 Gateway (floor) | $(count "$work/one") | $one_ms | 1.00 | – | $one_cpu | 1.00 | $one_rc | $(verdict "$one_ms") |"
  echo "| $N Gateways | $(count "$work/many") | $many_ms | $(ratio "$many_ms" "$one_ms") | $(per_gw "$many_ms" "$one_ms") | $many_cpu | $(ratio "$many_cpu" "$one_cpu") | $many_rc | $(verdict "$many_ms") |"
  echo "| $N Gateways + $N VirtualServices, Deployments, 2 Services each | $(count "$work/many-routes") | $routes_ms | $(ratio "$routes_ms" "$one_ms") | $(per_gw "$routes_ms" "$one_ms") | $routes_cpu | $(ratio "$routes_cpu" "$one_cpu") | $routes_rc | $(verdict "$routes_ms") |"
  echo
  echo "CPU ms: user+sys of the analyze JVM (all its threads: JIT and GC included), best of $RUNS; it moves less with machine load than wall time does."
  echo
  echo "The corpus: 20 team namespaces, one Gateway per file (HTTP 80 redirecting + HTTPS 443 with credentialName,"
  echo "its own host), 2 ingress Deployments + Services in istio-system (3 Gateways in 4 on the public one), tls"
  echo "secrets (wildcard certificate) for 3 Gateways in 4; the others are left to Gatewarden to provision."
  echo
  echo "Findings (must be only GW302 infos for the unprovisioned credentials, and their plan entries):"
  echo
  echo "- 1 Gateway: $(summary "$work/one.findings")"
  echo "- $N Gateways: $(summary "$work/many.findings")"
  echo "- $N Gateways + routes: $(summary "$work/many-routes.findings")"
} >"$OUT"
cat "$OUT"
log "wrote $OUT"
