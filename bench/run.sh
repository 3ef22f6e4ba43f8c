#!/usr/bin/env bash
# make bench: iop measured against a peer in the same run, reported as
# ratios (iop / peer; below 1 means iop is faster) and peak memory. Nothing
# here asserts a time: the figures are for people to read.
#
#   bash bench/run.sh [IOP_BINARY]               (make bench passes build/iop)
#   ISTIO_SRC=/path/to/istio bash bench/run.sh   Istio's own charts: the run
#                                                that means something
#
# 1. rendering: iop template vs helm template, same chart, same values
# 2. iop manifest generate vs helm template over the charts the profile uses
# 3. apply until ready: iop server reconciling an IstioOperator vs
#    kubectl apply --server-side of the same rendered objects
# 4. API writes iop server makes for an unchanged IstioOperator over resyncs
# 5. iop server's peak RSS with 1 and with 20 IstioOperators
#
# The servers of 3 and 5 load the HTTP-only libcurl the container image
# ships (scripts/libcurl-min.sh, built into the cache on first use); the
# server of 4 loads Debian's libcurl4, so both memory figures are here.
# 6. iop kube list vs kubectl get over 1000 ConfigMaps
#
# 3-6 run on throwaway control planes (test/cp/cp.sh: etcd and
# kube-apiserver, no kubelet). bench/bt.c, compiled here, times processes
# (wait4: wall time and ru_maxrss, no GNU time needed), plays the kubelet
# and waits for readiness.
#
# Knobs: BENCH_N (rendering repetitions, default 20), BENCH_APPLY_RUNS
# (apply measurements, each on fresh control planes, default 5),
# BENCH_RESYNCS (default 10), BENCH_CONFIGMAPS (default 1000),
# BENCH_OUT (results file; default bench/results/DATE-CHARTS.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

iop=$(realpath "${1:-build/iop}")
[ -x "$iop" ] || { echo "bench: no iop binary at $iop (run make)" >&2; exit 1; }
N=${BENCH_N:-20}
APPLY_RUNS=${BENCH_APPLY_RUNS:-5}
RESYNCS=${BENCH_RESYNCS:-10}
NCM=${BENCH_CONFIGMAPS:-1000}
if [ -n "${ISTIO_SRC:-}" ]; then
  manifests=$(realpath "$ISTIO_SRC/manifests")
  charts_label=istio
  charts_note="Istio's own charts from $manifests (ISTIO_SRC is set: the meaningful run)"
else
  manifests=$root/test/fixtures/manifests
  charts_label=fixtures
  charts_note="the repo's small Istio-shaped test charts ($manifests); ISTIO_SRC is not set, so these figures say little about real Istio"
fi
[ -d "$manifests/charts" ] || { echo "bench: no charts under $manifests" >&2; exit 1; }
date_tag=$(date -u +%Y-%m-%d)
out=${BENCH_OUT:-$root/bench/results/$date_tag-$charts_label.txt}

tools=$(bash scripts/tools.sh)
helm=$tools/helm
kubectl_bin=$tools/kubectl
echo "bench: making sure the test control plane is built (the first time takes minutes)" >&2
bash test/cp/build.sh >/dev/null

work=$(mktemp -d /tmp/iop-bench.XXXXXX)
server_pid=""
kubelet_pid=""
cps=()
cleanup() {
  set +e
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$kubelet_pid" ] && kill "$kubelet_pid" 2>/dev/null && wait "$kubelet_pid" 2>/dev/null
  for d in "${cps[@]}"; do bash test/cp/cp.sh stop "$d" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing here reads or writes the user's Helm or kubectl state.
export HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config \
       HELM_DATA_HOME=$work/helm/data
unset KUBECONFIG HELM_NAMESPACE
kubectl() { "$kubectl_bin" --cache-dir "$work/kube-cache" "$@"; }

# The libcurl the container image ships, for the servers of 3 and 5.
if server_libcurl=$(bash scripts/libcurl-min.sh); then
  libcurl_note="the image's HTTP-only libcurl ($server_libcurl, scripts/libcurl-min.sh)"
else
  server_libcurl=""
  libcurl_note="Debian's libcurl4 (scripts/libcurl-min.sh failed)"
fi

bt=$work/bt
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra \
  $(pkg-config --cflags libcurl json-c) -o "$bt" bench/bt.c \
  $(pkg-config --libs libcurl json-c)

mkdir -p "$(dirname "$out")"
printf 'benchmark\tunit\tiop\tpeer\tratio\tiop_rss_kb\tpeer_rss_kb\tnote\n' >"$out"

# ---- helpers ----

say() { printf '%s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; }
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; } # key line
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { if (k ~ /^[0-9]+$/) printf "%.1f MiB", k / 1024; else print k }'; }
secs() { awk -v s="$1" 'BEGIN { if (s ~ /^[0-9.]+$/) printf "%.3f s", s; else print s }'; }
value() { if [ "$2" = s ]; then secs "$1"; elif [ "$2" = - ] || [ "$1" = - ]; then echo "$1"; else echo "$1 $2"; fi; } # VALUE UNIT

# record NAME UNIT IOP PEER RATIO IOP_RSS_KB PEER_RSS_KB NOTE
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out"
  printf '  => %s: iop %s, peer %s, iop/peer %s; peak RSS iop %s, peer %s\n' \
    "$1" "$(value "$3" "$2")" "$(value "$4" "$2")" "$5" "$(mib "$6")" "$(mib "$7")"
  [ -n "$8" ] && printf '     %s\n' "$8"
  return 0
}

# The objects of a multi-document YAML file, normalised by iop yaml (keys
# sorted as kubectl prints them), one per line, sorted.
objects() {
  "$iop" yaml "$1" |
    awk 'BEGIN { RS = "\n---\n" }
         { sub(/\n+$/, ""); gsub(/\n/, "\001"); if ($0 != "" && $0 != "null") print }' |
    LC_ALL=C sort
}

# compare A B: prints how the outputs relate.
compare() {
  local na nb nd
  if cmp -s "$1" "$2"; then echo "outputs byte-identical"; return; fi
  objects "$1" >"$work/objs.a"
  objects "$2" >"$work/objs.b"
  na=$(wc -l <"$work/objs.a")
  nb=$(wc -l <"$work/objs.b")
  if cmp -s "$work/objs.a" "$work/objs.b"; then
    echo "outputs differ in bytes, same $na objects"
    return
  fi
  nd=$(LC_ALL=C comm -3 "$work/objs.a" "$work/objs.b" | wc -l)
  echo "OBJECTS DIFFER: iop $na, peer $nb, $nd not in both"
}

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "bench: no free port" >&2
  return 1
}

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# start_cp NAME: a fresh control plane; its environment is exported.
start_cp() {
  local d=$work/$1
  cps+=("$d")
  if ! bash test/cp/cp.sh start "$d" --owner $$ >/dev/null 2>"$work/cp.err"; then
    cat "$work/cp.err" >&2
    return 1
  fi
  set -a
  # shellcheck disable=SC1091
  . "$d/env"
  set +a
}

stop_cp() {
  bash test/cp/cp.sh stop "$IOP_TEST_DIR" >/dev/null 2>&1 || true
}

start_kubelet() {
  "$bt" kubelet "$1" >>"$work/kubelet.log" 2>&1 &
  kubelet_pid=$!
}

stop_kubelet() {
  [ -n "$kubelet_pid" ] || return 0
  kill "$kubelet_pid" 2>/dev/null || true
  wait "$kubelet_pid" 2>/dev/null || true
  kubelet_pid=""
}

# start_server LOG [FLAG]...: iop server on the current control plane,
# watching istio-system; waits for its caches. It loads the libcurl in
# $server_libcurl (a directory; empty: Debian's libcurl4).
start_server() {
  local log=$1
  shift
  metrics_port=$(free_port)
  LD_LIBRARY_PATH=$server_libcurl \
    WATCH_NAMESPACE=istio-system LEADER_ELECTION_NAMESPACE=istio-operator \
    WAIT_FOR_RESOURCES_TIMEOUT=120s \
    "$iop" server --manifests "$manifests" \
    --metrics-addr "127.0.0.1:$metrics_port" "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    grep -q 'caches synced' "$log" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: iop server did not start; its log:" >&2
  tail -n 30 "$log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

server_failed() {
  echo "bench: $1; iop server log (tail):" >&2
  tail -n 30 "$2" >&2
  return 1
}

metrics() { curl -fsS --max-time 5 "http://127.0.0.1:$metrics_port/metrics"; }

# metric_sum FILE NAME [LABEL-REGEX]: the sum of a counter's samples.
metric_sum() {
  awk -v n="$2" -v re="${3:-}" '
    index($0, n) == 1 && (substr($0, length(n) + 1, 1) == "{" ||
                          substr($0, length(n) + 1, 1) == " ") &&
    (re == "" || $0 ~ re) { s += $NF }
    END { print s + 0 }' "$1"
}

# ---- the report's header ----

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
apiserver=${IOP_TEST_KUBE_APISERVER:-$(bash test/cp/build.sh)/kube-apiserver}
apiserver_version=$("$apiserver" --version 2>/dev/null || echo unknown)
say "# iop benchmarks"
say ""
say "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
say "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
say "- iop: $("$iop" version 2>/dev/null | head -n 1) ($iop)"
say "- peers: helm $("$helm" version --template '{{.Version}}'), kubectl $("$kubectl_bin" version --client 2>/dev/null | sed -n 's/^Client Version: //p'); control plane: $apiserver_version, etcd $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
say "- iop server in benchmarks 3 and 5 loads $libcurl_note; in 4, Debian's libcurl4"
say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews both sides of a ratio alike, its absolute times more)"
say "- charts: $charts_note"
say "- ratios are iop / peer: below 1 iop is faster. Peak RSS is ru_maxrss"
say "  from wait4() for processes run to completion, VmHWM from /proc for"
say "  the long-running iop server."
say "- command: ${ISTIO_SRC:+ISTIO_SRC=$ISTIO_SRC }bash bench/run.sh $iop"
say ""

# ---- 1. rendering ----

say "## 1. Rendering one chart: iop template vs helm template ($N runs each)"
say ""
say "Chart defaults (its values.yaml), release name istio, namespace"
say "istio-system; the figure is the median wall time of one run."
for chart in istio-control/istio-discovery gateways/istio-ingress base; do
  dir=$manifests/charts/$chart
  [ -d "$dir" ] || continue
  show "$iop template istio $dir -n istio-system"
  show "$helm template istio $dir -n istio-system"
  a=$("$bt" rep "$N" "$work/r.iop" -- "$iop" template istio "$dir" -n istio-system)
  b=$("$bt" rep "$N" "$work/r.helm" -- "$helm" template istio "$dir" -n istio-system)
  note="median of $N; total iop $(secs "$(field total_s "$a")"), helm $(secs "$(field total_s "$b")"); $(compare "$work/r.iop" "$work/r.helm") ($(wc -c <"$work/r.iop") bytes)"
  record "render $chart" s "$(field median_s "$a")" "$(field median_s "$b")" \
    "$(ratio "$(field median_s "$a")" "$(field median_s "$b")")" \
    "$(field rss_kb "$a")" "$(field rss_kb "$b")" "$note"
done
say ""

# ---- 2. manifest generate ----

# chart_of COMPONENT: the chart a component renders, and its extra values.
enabled() {
  "$iop" profile dump -d "$manifests" "$1" --config-path "components.$2" \
    -o json 2>/dev/null | tr -d ' \n' | grep -q '"enabled":true'
}

say "## 2. iop manifest generate vs helm template of each chart the profile renders ($N runs each)"
say ""
say "The peer renders each chart the profile enables, one helm process after"
say "another, with the values istioctl hands that chart (the profile's"
say "spec.values from iop profile dump, plus the gateway's name); its time is"
say "the sum over the charts, its RSS the largest process."
for profile in default demo; do
  [ -f "$manifests/profiles/$profile.yaml" ] || continue
  values=$work/values-$profile.yaml
  "$iop" profile dump -d "$manifests" "$profile" --config-path values >"$values"
  peer=()
  add() { [ ${#peer[@]} -gt 0 ] && peer+=(":::"); peer+=("$helm" template istio "$@" -n istio-system -f "$values"); }
  charts=""
  enabled "$profile" base && { add "$manifests/charts/base"; charts+=" base"; }
  enabled "$profile" pilot && { add "$manifests/charts/istio-control/istio-discovery"; charts+=" istio-discovery"; }
  enabled "$profile" ingressGateways && {
    add "$manifests/charts/gateways/istio-ingress" --set gateways.istio-ingressgateway.name=istio-ingressgateway
    charts+=" istio-ingress"; }
  enabled "$profile" egressGateways && {
    add "$manifests/charts/gateways/istio-egress" --set gateways.istio-egressgateway.name=istio-egressgateway
    charts+=" istio-egress"; }
  extra=""
  for c in cni ztunnel; do
    enabled "$profile" "$c" && extra+=" $c"
  done
  show "$iop manifest generate -d $manifests --set profile=$profile"
  show "$iop profile dump -d $manifests $profile --config-path values > values.yaml"
  show "helm template istio CHART -n istio-system -f values.yaml [--set gateways.<name>.name=<name>] for:$charts"
  a=$("$bt" rep "$N" "$work/g.iop" -- "$iop" manifest generate -d "$manifests" --set "profile=$profile")
  b=$("$bt" rep "$N" "$work/g.helm" -- "${peer[@]}")
  note="charts:$charts; median of $N; $(compare "$work/g.iop" "$work/g.helm")"
  [ -n "$extra" ] && note+="; NOT rendered by the peer:$extra"
  record "manifest generate $profile vs sum of helm" s "$(field median_s "$a")" \
    "$(field median_s "$b")" "$(ratio "$(field median_s "$a")" "$(field median_s "$b")")" \
    "$(field rss_kb "$a")" "$(field rss_kb "$b")" "$note"
done
say ""

# ---- 3. apply until ready ----

say "## 3. Apply until ready: iop server vs kubectl apply --server-side ($APPLY_RUNS runs, fresh control plane each)"
say ""
# The control plane's Kubernetes minor version decides what it can serve.
server_minor=$(sed -n 's/^Kubernetes v1\.\([0-9]*\).*/\1/p' <<<"$apiserver_version")
cr=$work/iop.yaml
if [ "${server_minor:-0}" -ge 25 ] || [ "$charts_label" = fixtures ]; then
  cr_note="spec: {profile: default}"
  cat >"$cr" <<EOF
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: default
  namespace: istio-system
spec:
  profile: default
EOF
  rev_extra=""
else
  # Kubernetes 1.${server_minor} cannot take what current Istio renders for
  # the default profile: its CRDs use x-kubernetes-validations (1.25+),
  # HPAs autoscaling/v2 (1.23+), PDBs policy/v1 (1.21+).
  cr_note="default profile without base (CRDs), HPAs and PDBs: the test control plane is Kubernetes 1.${server_minor}, which cannot serve Istio's CRDs (x-kubernetes-validations), autoscaling/v2 or policy/v1"
  cat >"$cr" <<EOF
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: default
  namespace: istio-system
spec:
  profile: default
  components:
    base:
      enabled: false
  values:
    global:
      defaultPodDisruptionBudget:
        enabled: false
    pilot:
      autoscaleEnabled: false
    gateways:
      istio-ingressgateway:
        autoscaleEnabled: false
EOF
  rev_extra="    global:
      defaultPodDisruptionBudget:
        enabled: false"
fi
rendered=$work/rendered.yaml
"$iop" manifest generate -d "$manifests" -f "$cr" >"$rendered"
nobj=$("$iop" yaml "$rendered" | grep -c '^kind:')
nwork=$("$iop" yaml "$rendered" | grep -c '^kind: \(Deployment\|DaemonSet\)$')
say "The IstioOperator: $cr_note ($nobj objects, $nwork Deployments/DaemonSets)."
say "No kubelet runs: bt kubelet polls the namespace's Deployments and"
say "DaemonSets every 20 ms and merge-patches their status subresource as a"
say "kubelet and the apps controllers would once every pod runs"
say "(observedGeneration, replicas, updated/ready/availableReplicas; for"
say "DaemonSets desired/current/updated/numberReady/numberAvailable = 1), for"
say "both sides alike. The clock starts before kubectl starts and stops when"
say "a 20 ms poll sees the goal; nothing is subtracted. Each side gets its own"
say "fresh control plane, with istio-system existing and kubectl's discovery"
say "cache warm."
say ""
show "iop operator init --no-wait; iop server --manifests $manifests (WATCH_NAMESPACE=istio-system, leader election on)"
show "bt wait --cr istio-system/default -- kubectl apply -f iop.yaml            # until status.status HEALTHY"
show "iop manifest generate -d $manifests -f iop.yaml > rendered.yaml"
show "bt wait --workloads istio-system:$nwork -- kubectl apply --server-side --force-conflicts --field-manager=bench -f rendered.yaml   # until all ready"

iop_times=()
iop_kubectl=()
iop_after=()
peer_times=()
peer_kubectl=()
peer_after=()
peer_rss=0
reapply_writes=""
for run in $(seq "$APPLY_RUNS"); do
  # The peer, on its own cluster.
  start_cp "peer-$run"
  kubectl create namespace istio-system >/dev/null
  kubectl get namespaces >/dev/null
  start_kubelet istio-system
  p=$("$bt" wait --workloads "istio-system:$nwork" -- "$kubectl_bin" --cache-dir \
      "$work/kube-cache" apply --server-side --force-conflicts \
      --field-manager=bench -f "$rendered")
  peer_times+=("$(field elapsed_s "$p")")
  peer_kubectl+=("$(field cmd_s "$p")")
  peer_after+=("$(awk -v a="$(field elapsed_s "$p")" -v b="$(field cmd_s "$p")" 'BEGIN { print a - b }')")
  k=$(field cmd_rss_kb "$p")
  [ "$k" -gt "$peer_rss" ] && peer_rss=$k
  say "    run $run: kubectl apply --server-side: $(secs "$(field elapsed_s "$p")") (kubectl itself $(secs "$(field cmd_s "$p")"))"
  if [ "$run" = "$APPLY_RUNS" ]; then
    # What a GitOps loop re-applying the same objects writes each time.
    kubectl apply --server-side --force-conflicts --field-manager=bench \
      -f "$rendered" -v=6 >"$work/reapply.log" 2>&1
    reapply_writes=$(grep -cE '\] (PATCH|POST|PUT|DELETE) https' "$work/reapply.log" || true)
  fi
  stop_kubelet
  stop_cp

  # iop, on its own cluster.
  start_cp "iop-$run"
  "$iop" operator init --no-wait >/dev/null
  kubectl get namespaces >/dev/null
  start_kubelet istio-system
  start_server "$work/server-$run.log"
  i=$("$bt" wait --cr istio-system/default -- "$kubectl_bin" --cache-dir \
      "$work/kube-cache" apply -f "$cr") ||
    server_failed "the IstioOperator did not become HEALTHY" "$work/server-$run.log"
  iop_times+=("$(field elapsed_s "$i")")
  iop_kubectl+=("$(field cmd_s "$i")")
  iop_after+=("$(awk -v a="$(field elapsed_s "$i")" -v b="$(field cmd_s "$i")" 'BEGIN { print a - b }')")
  hwm1=$(hwm_kb "$server_pid")
  rec_ms=$(sed -n 's/.*msg=reconciled .* ms=\([0-9.]*\).*/\1/p' "$work/server-$run.log" | head -n 1)
  say "    run $run: iop server:                  $(secs "$(field elapsed_s "$i")") (kubectl itself $(secs "$(field cmd_s "$i")"); the server logged its first reconcile at ${rec_ms:-?} ms), server VmHWM $(mib "$hwm1")"
  if [ "$run" != "$APPLY_RUNS" ]; then
    stop_server
    stop_kubelet
    stop_cp
  fi
done
median() { printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mi=$(median "${iop_times[@]}")
mp=$(median "${peer_times[@]}")
record "apply until ready ($nobj objects)" s "$mi" "$mp" "$(ratio "$mi" "$mp")" \
  "$hwm1" "$peer_rss" \
  "median of $APPLY_RUNS; the kubectl process took $(secs "$(median "${iop_kubectl[@]}")") on the iop side (one CR) and $(secs "$(median "${peer_kubectl[@]}")") for the peer (every object), the rest until ready $(secs "$(median "${iop_after[@]}")") (iop server) and $(secs "$(median "${peer_after[@]}")") (peer); iop RSS is the server's VmHWM at HEALTHY, peer RSS kubectl's ru_maxrss"
say ""

# ---- 5. RSS with 1 and 20 IstioOperators (the same server, still running) ----

say "## 5. iop server peak RSS with 1 and with 20 IstioOperators"
say ""
say "The server of the last apply run keeps going: 19 more IstioOperators in"
say "istio-system, each profile minimal (istiod only, base disabled) with its"
say "own revision r1..r19, are applied at once; VmHWM is read once all 20"
say "are HEALTHY."
show "kubectl apply -f 19-revisions.yaml; bt wait --cr istio-system/default --cr istio-system/r1 ... --cr istio-system/r19"
revs=$work/revisions.yaml
: >"$revs"
targets=(--cr istio-system/default)
for r in $(seq 19); do
  cat >>"$revs" <<EOF
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: r$r
  namespace: istio-system
spec:
  profile: minimal
  revision: r$r
  components:
    base:
      enabled: false
  values:
    pilot:
      autoscaleEnabled: false
${rev_extra}
EOF
  targets+=(--cr "istio-system/r$r")
done
w=$("$bt" wait "${targets[@]}" -- "$kubectl_bin" --cache-dir "$work/kube-cache" \
    apply -f "$revs") ||
  server_failed "the 20 IstioOperators did not all become HEALTHY" "$work/server-$APPLY_RUNS.log"
hwm20=$(hwm_kb "$server_pid")
rss20=$(rss_kb "$server_pid")
ndeploy=$(kubectl -n istio-system get deployments -o name | wc -l)
record "server VmHWM, 1 IstioOperator" - "-" "-" "-" "$hwm1" "-" \
  "target under 16 MiB; after run $APPLY_RUNS of benchmark 3; libcurl: $libcurl_note"
record "server VmHWM, 20 IstioOperators" - "-" "-" "-" "$hwm20" "-" \
  "VmRSS now $(mib "$rss20"); $ndeploy Deployments; the 19 converged $(secs "$(field elapsed_s "$w")") after kubectl apply started"
say "Deleting the 19 (the server removes their objects and finalizers)."
show "kubectl -n istio-system delete istiooperators r1 ... r19"
t0=$(date +%s.%N)
# shellcheck disable=SC2046
kubectl -n istio-system delete istiooperators $(seq -f 'r%g' 19) --timeout=120s >/dev/null
say "    deleted in $(secs "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')")"
stop_server
say ""

# ---- 4. writes for an unchanged IstioOperator ----

say "## 4. API writes for an unchanged IstioOperator over $RESYNCS resyncs"
say ""
say "A new server with --resync-period=1s --leader-elect=false on the same"
say "cluster (the default IstioOperator HEALTHY, its objects in place). After"
say "its first reconcile, iop_api_requests_total is scraped before and after"
say "at least $RESYNCS more reconciles (iop_reconciles_total). Writes are every"
say "verb but get, list, watch, discovery and version. The peer figure is"
say "what one re-run of the same kubectl apply --server-side sends (counted"
say "from kubectl -v=6), i.e. what a GitOps loop writes per resync."
show "iop server --manifests $manifests --resync-period=1s --leader-elect=false"
show "curl http://127.0.0.1:PORT/metrics   # before and after"
image_libcurl=$server_libcurl
server_libcurl=""
start_server "$work/server-resync.log" --resync-period=1s --leader-elect=false
for _ in $(seq 300); do
  metrics >"$work/m0" 2>/dev/null || true
  [ "$(metric_sum "$work/m0" iop_reconciles_total)" -ge 1 ] && break
  sleep 0.1
done
"$bt" wait --cr istio-system/default >/dev/null ||
  server_failed "the IstioOperator is not HEALTHY after a restart" "$work/server-resync.log"
metrics >"$work/m0"
r0=$(metric_sum "$work/m0" iop_reconciles_total)
for _ in $(seq 600); do
  metrics >"$work/m1" || true
  [ "$(metric_sum "$work/m1" iop_reconciles_total)" -ge $((r0 + RESYNCS)) ] && break
  sleep 0.1
done
r1=$(metric_sum "$work/m1" iop_reconciles_total)
read_re='verb="(get|list|watch|discovery|version)"'
all0=$(metric_sum "$work/m0" iop_api_requests_total)
all1=$(metric_sum "$work/m1" iop_api_requests_total)
rd0=$(metric_sum "$work/m0" iop_api_requests_total "$read_re")
rd1=$(metric_sum "$work/m1" iop_api_requests_total "$read_re")
writes=$(((all1 - rd1) - (all0 - rd0)))
byverb=""
for v in apply create update patch delete; do
  d=$(($(metric_sum "$work/m1" iop_api_requests_total "verb=\"$v\"") - $(metric_sum "$work/m0" iop_api_requests_total "verb=\"$v\"")))
  [ "$d" -ne 0 ] && byverb+=" $v=$d"
done
nres=$((r1 - r0))
peer_writes=$((${reapply_writes:-0} * nres))
record "API writes over $nres resyncs, unchanged IstioOperator" writes "$writes" \
  "$peer_writes" "$(ratio "$writes" "$peer_writes")" "$(hwm_kb "$server_pid")" "-" \
  "target 0; peer: kubectl apply --server-side re-run $nres times, ${reapply_writes:-?} writes each;${byverb:- no writes}; reads $((rd1 - rd0)); writes from start-up through the first reconcile: $((all0 - rd0)); iop RSS is this server's VmHWM, with Debian's libcurl4"
stop_server
server_libcurl=$image_libcurl
stop_kubelet
say ""

# ---- 6. listing ConfigMaps ----

say "## 6. Listing $NCM ConfigMaps: iop kube list vs kubectl get ($N runs each)"
say ""
cms=$work/configmaps.yaml
kubectl create namespace bench-cm >/dev/null
awk -v n="$NCM" 'BEGIN {
  pad = sprintf("%0200d", 0)
  for (i = 1; i <= n; i++)
    printf "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: bench-cm\n  labels:\n    bench: \"yes\"\ndata:\n  key: \"%s-%d\"\n", i, pad, i
}' >"$cms"
kubectl create -f "$cms" >/dev/null
show "iop kube list configmaps -n bench-cm -o json"
show "kubectl get configmaps -n bench-cm -o json"
a=$("$bt" rep "$N" "$work/l.iop" -- "$iop" kube list configmaps -n bench-cm -o json)
b=$("$bt" rep "$N" "$work/l.kubectl" -- "$kubectl_bin" --cache-dir "$work/kube-cache" \
    get configmaps -n bench-cm -o json)
ni=$(grep -oE '"name": ?"cm-[0-9]+"' "$work/l.iop" | sort -u | wc -l)
nk=$(grep -oE '"name": ?"cm-[0-9]+"' "$work/l.kubectl" | sort -u | wc -l)
record "list $NCM ConfigMaps" s "$(field median_s "$a")" "$(field median_s "$b")" \
  "$(ratio "$(field median_s "$a")" "$(field median_s "$b")")" \
  "$(field rss_kb "$a")" "$(field rss_kb "$b")" \
  "median of $N; ConfigMaps in the output: iop $ni, kubectl $nk; output iop $(wc -c <"$work/l.iop") bytes, kubectl $(wc -c <"$work/l.kubectl") bytes; managedFields printed: iop $(grep -c '"managedFields"' "$work/l.iop" || true), kubectl $(grep -c '"managedFields"' "$work/l.kubectl" || true)"
stop_cp
say ""

# ---- the table ----

say "## Summary"
say ""
say "| benchmark | iop | peer | iop/peer | iop peak RSS | peer peak RSS | notes |"
say "|---|---|---|---|---|---|---|"
tail -n +2 "$out" | while IFS=$'\t' read -r name unit a b r ra rb note; do
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(value "$a" "$unit")" \
    "$(value "$b" "$unit")" "$r" "$(mib "$ra")" "$(mib "$rb")" "$note"
done
say ""
say "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
say "Machine-readable results (tab-separated): ${out#"$root"/}"
bash bench/kube.sh "$iop" # 7. the Kubernetes client vs kubectl: its own section and table
