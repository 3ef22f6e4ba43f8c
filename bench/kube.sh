#!/usr/bin/env bash
# The Kubernetes client's benchmarks: iop's lib/kube.h, watch.h and
# informer.h (and the iop kube CLI on top) against kubectl 1.32, in the same
# run, on one throwaway control plane (test/cp/cp.sh). Ratios are iop / peer:
# below 1 iop is faster or smaller. Nothing here asserts a figure.
#
#   bash bench/kube.sh [IOP_BINARY]     bench/run.sh passes its binary
#
# bench/kubebench.c, compiled here against the libiop.a beside IOP_BINARY
# (without an argument: make BUILD=build/kb build/kb/iop), drives the
# library; bench/bt.c times processes (wait4: wall time, ru_maxrss).
#
# 1. GETs of one ConfigMap: N sequential and N with 16 in flight (kubectl
#    has no loop mode: its -v=6 request time for one GET, and process end to
#    end, iop kube get vs kubectl get)
# 2. watch events decoded per CPU-second, the watcher pinned to one CPU:
#    lib/watch.h in kubebench, iop kube watch and kubectl get -w, while a
#    second client creates 5,000 ConfigMaps
# 3. peak RSS of an informer holding 10,000 ConfigMaps; kubectl get -A
#    -o json (holds the list once) as the closest kubectl equivalent
#
# Knobs: BENCH_KUBE_GETS (default 2000), BENCH_KUBE_CONC (16),
# BENCH_KUBE_E2E (process runs, 50), BENCH_KUBE_EVENTS (5000),
# BENCH_KUBE_WATCH_RUNS (3), BENCH_KUBE_CONFIGMAPS (10000),
# BENCH_KUBE_LIST_RUNS (5), BENCH_KUBE_OUT (results file; default
# bench/results/DATE-kube.txt), BENCH_KUBE_APPEND (a Markdown file to which
# the "Kubernetes client" heading and the summary table are appended).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -ge 1 ]; then
  iop=$(realpath "$1")
  lib=$(dirname "$iop")/libiop.a
  [ -f "$lib" ] || { echo "kube.sh: no libiop.a beside $iop" >&2; exit 1; }
else
  make --no-print-directory BUILD=build/kb build/kb/iop >&2
  iop=$root/build/kb/iop
  lib=$root/build/kb/libiop.a
fi
[ -x "$iop" ] || { echo "kube.sh: no iop binary at $iop" >&2; exit 1; }
NGETS=${BENCH_KUBE_GETS:-2000}
CONC=${BENCH_KUBE_CONC:-16}
E2E=${BENCH_KUBE_E2E:-50}
NEV=${BENCH_KUBE_EVENTS:-5000}
WRUNS=${BENCH_KUBE_WATCH_RUNS:-3}
NCM=${BENCH_KUBE_CONFIGMAPS:-10000}
LRUNS=${BENCH_KUBE_LIST_RUNS:-5}
date_tag=$(date -u +%Y-%m-%d)
out=${BENCH_KUBE_OUT:-$root/bench/results/$date_tag-kube.txt}

kubectl_bin=$(bash scripts/tools.sh)/kubectl
bash test/cp/build.sh >/dev/null

work=$(mktemp -d /tmp/iop-kubebench.XXXXXX)
cp_dir=""
cleanup() {
  set +e
  [ -n "$cp_dir" ] && bash test/cp/cp.sh stop "$cp_dir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

unset KUBECONFIG
kubectl() { "$kubectl_bin" --cache-dir "$work/kube-cache" "$@"; }

kb=$work/kubebench
bt=$work/bt
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra \
  -Ilib $(pkg-config --cflags libuv libcurl json-c yaml-0.1 libpcre2-8) \
  -o "$kb" bench/kubebench.c "$lib" \
  $(pkg-config --libs libuv libcurl json-c yaml-0.1 libpcre2-8) -lm
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra \
  $(pkg-config --cflags libcurl json-c) -o "$bt" bench/bt.c \
  $(pkg-config --libs libcurl json-c)

mkdir -p "$(dirname "$out")"
printf 'benchmark\tunit\tiop\tpeer\tratio\tiop_rss_kb\tpeer_rss_kb\tnote\n' >"$out"

# ---- helpers (as in bench/run.sh) ----

say() { printf '%s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; }
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n 1; } # key line
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { if (k ~ /^[0-9]+$/) printf "%.1f MiB", k / 1024; else print k }'; }
num() { awk -v v="$1" -v f="$2" 'BEGIN { if (v ~ /^[0-9.]+$/) printf f, v; else print v }'; } # VALUE FORMAT
median() { printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# value VALUE UNIT: how the table prints a figure.
value() {
  case $2 in
    s) num "$1" "%.3f s" ;;
    ms) num "$1" "%.2f ms" ;;
    us) num "$1" "%.1f µs" ;;
    kb) mib "$1" ;;
    -) echo "$1" ;;
    *) if [ "$1" = - ]; then echo -; else echo "$(num "$1" "%.0f") $2"; fi ;;
  esac
}

# record NAME UNIT IOP PEER RATIO IOP_RSS_KB PEER_RSS_KB NOTE
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out"
  printf '  => %s: iop %s, peer %s, iop/peer %s; peak RSS iop %s, peer %s\n' \
    "$1" "$(value "$3" "$2")" "$(value "$4" "$2")" "$5" "$(mib "$6")" "$(mib "$7")"
  [ -n "$8" ] && printf '     %s\n' "$8"
  return 0
}

# Pinning: the watcher on CPU 0, the writer on CPU 1 (when there is one).
pin_watch=()
pin_write=()
if command -v taskset >/dev/null; then
  pin_watch=(taskset -c 0)
  [ "$(nproc)" -gt 1 ] && pin_write=(taskset -c 1)
fi

# ---- the control plane ----

cp_dir=$work/cp
if ! bash test/cp/cp.sh start "$cp_dir" --owner $$ >/dev/null 2>"$work/cp.err"; then
  cat "$work/cp.err" >&2
  exit 1
fi
set -a
# shellcheck disable=SC1091
. "$cp_dir/env"
set +a
kubectl get namespaces >/dev/null # kubectl's discovery cache, warm from here

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
say "## Kubernetes client: iop (lib/kube.h, watch.h, informer.h) vs kubectl"
say ""
say "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
say "- iop: $("$iop" version 2>/dev/null | head -n 1) ($iop; kubebench linked against $lib)"
say "- peer: kubectl $("$kubectl_bin" version --client 2>/dev/null | sed -n 's/^Client Version: //p'); control plane: $(kubectl version 2>/dev/null | sed -n 's/^Server Version: //p') (test/cp/cp.sh: etcd and kube-apiserver on loopback, on this machine)"
say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "- kubebench's client lifts lib/kube.h's client-side rate limit (qps 1e9;"
say "  the default, 50 qps with a burst of 100, would otherwise be what is"
say "  measured). iop kube (the CLI) runs with its defaults."
say "- command: bash bench/kube.sh $iop"
say ""

# ---- 1. GETs ----

say "### 1. GETs of one ConfigMap"
say ""
"$kb" create bench-get 1 1 cm >/dev/null
show "kubebench gets bench-get cm-1 $NGETS 1      # after an untimed warm-up"
show "kubebench gets bench-get cm-1 $NGETS $CONC"
seq_line=$("$kb" gets bench-get cm-1 "$NGETS" 1)
conc_line=$("$kb" gets bench-get cm-1 "$NGETS" "$CONC")
say "    $seq_line"
say "    $conc_line"
record "GETs, one at a time ($NGETS, warm client)" GETs/s "$(field per_s "$seq_line")" - - - - \
  "per GET p50 $(field p50_ms "$seq_line") ms, p90 $(field p90_ms "$seq_line") ms, p99 $(field p99_ms "$seq_line") ms; client CPU $(awk -v c="$(field cpu_s "$seq_line")" -v n="$NGETS" 'BEGIN { printf "%.0f", c * 1e6 / n }') µs per GET; kubectl has no loop mode"
record "GETs, $CONC in flight ($NGETS, warm client)" GETs/s "$(field per_s "$conc_line")" - - - - \
  "per GET p50 $(field p50_ms "$conc_line") ms, p99 $(field p99_ms "$conc_line") ms; client CPU $(awk -v c="$(field cpu_s "$conc_line")" -v n="$NGETS" 'BEGIN { printf "%.0f", c * 1e6 / n }') µs per GET; the API server on the same 2 CPUs is the limit"

# kubectl's own account of its one GET: -v=6 prints the request's time,
# -v=9 splits it (TLS handshake, server processing).
v6=()
tls=()
srv=()
for _ in $(seq 20); do
  v6+=("$(kubectl get cm cm-1 -n bench-get -o json -v=6 2>&1 >/dev/null |
    sed -n 's|.*configmaps/cm-1 200 OK in \([0-9]*\) milliseconds.*|\1|p')")
  l=$(kubectl get cm cm-1 -n bench-get -o json -v=9 2>&1 >/dev/null | grep 'HTTP Statistics' | tail -n 1)
  tls+=("$(sed -n 's/.*TLSHandshake \([0-9]*\) ms.*/\1/p' <<<"$l")")
  srv+=("$(sed -n 's/.*ServerProcessing \([0-9]*\) ms.*/\1/p' <<<"$l")")
done
firsts=()
curl_tls=()
curl_total=()
for _ in $(seq 20); do
  firsts+=("$(field first_ms "$("$kb" gets bench-get cm-1 1 1)")")
  l=$("$kb" curlget bench-get cm-1)
  curl_tls+=("$(field tls_ms "$l")")
  curl_total+=("$(field total_ms "$l")")
done
req_first=$(field first_requests "$seq_line")
kv6=$(median "${v6[@]}")
ifirst=$(median "${firsts[@]}")
show "kubectl get cm cm-1 -n bench-get -o json -v=6   # 'GET .../cm-1 200 OK in N milliseconds', 20 runs"
show "kubectl get cm cm-1 -n bench-get -o json -v=9   # 'HTTP Statistics: ... TLSHandshake, ServerProcessing', 20 runs"
show "kubebench gets bench-get cm-1 1 1; kubebench curlget bench-get cm-1   # 20 runs each"
record "one GET in a fresh process: request time (new connection)" ms "$ifirst" "$kv6" \
  "$(ratio "$ifirst" "$kv6")" - - \
  "medians of 20; iop: kubebench's first GET of a fresh client (TCP+TLS and $req_first HTTP requests: discovery of the ConfigMap's group version, then the GET); kubectl: its -v=6 time of the GET (whole milliseconds; its discovery comes from the disk cache, so TCP+TLS and the GET only), of which -v=9 says TLSHandshake $(median "${tls[@]}") ms, ServerProcessing $(median "${srv[@]}") ms; bare libcurl (kubebench curlget: the same libcurl and OpenSSL, one GET on a new connection) takes $(num "$(median "${curl_total[@]}")" %.2f) ms, its TLS handshake done at $(num "$(median "${curl_tls[@]}")" %.2f) ms; on a warm connection an iop GET takes $(field p50_ms "$seq_line") ms (p50 above)"

show "iop kube get configmaps cm-1 -n bench-get -o json      ($E2E runs)"
show "kubectl get cm cm-1 -n bench-get -o json                ($E2E runs)"
a=$("$bt" rep "$E2E" "$work/g.iop" -- "$iop" kube get configmaps cm-1 -n bench-get -o json)
b=$("$bt" rep "$E2E" "$work/g.kubectl" -- "$kubectl_bin" --cache-dir "$work/kube-cache" \
    get cm cm-1 -n bench-get -o json)
record "get one ConfigMap -o json, process end to end" s "$(field median_s "$a")" \
  "$(field median_s "$b")" "$(ratio "$(field median_s "$a")" "$(field median_s "$b")")" \
  "$(field rss_kb "$a")" "$(field rss_kb "$b")" \
  "median of $E2E (min iop $(num "$(field min_s "$a")" %.3f) s, kubectl $(num "$(field min_s "$b")" %.3f) s); kubectl reads discovery from its warm disk cache, iop asks the server; output $(wc -c <"$work/g.iop") bytes (iop prints managedFields) vs $(wc -c <"$work/g.kubectl")"
say ""

# ---- 3. informer (before 2: the namespaces of 2 would add to -A) ----

say "### 3. An informer holding $NCM ConfigMaps"
say ""
say "(Run before 2, whose ConfigMaps would otherwise be in every -A figure.)"
show "kubebench create bench-inf $NCM 32 cm        # three data keys each"
cr=$("$kb" create bench-inf "$NCM" 32 cm)
say "    $cr"
show "kubebench informer '' $NCM                   # all namespaces, until synced with >= $NCM"
inf=$("$kb" informer "" "$NCM")
say "    $inf"
show "kubectl get cm -A -o json                    ($LRUNS runs)"
show "iop kube list configmaps -A -o json          ($LRUNS runs)"
b=$("$bt" rep "$LRUNS" "$work/l.kubectl" -- "$kubectl_bin" --cache-dir "$work/kube-cache" \
    get cm -A -o json)
a=$("$bt" rep "$LRUNS" "$work/l.iop" -- "$iop" kube list configmaps -A -o json)
nk=$(grep -c '"kind": "ConfigMap"' "$work/l.kubectl" || true)
ni=$(grep -oE '"kind": ?"ConfigMap"' "$work/l.iop" | wc -l)
objs=$(field objects "$inf")
per_obj=$(awk -v r="$(field rss_kb "$inf")" -v b="$(field base_rss_kb "$inf")" -v n="$objs" \
  'BEGIN { if (n > 0) printf "%.1f", (r - b) / n; else print "-" }')
record "informer synced with $objs ConfigMaps: peak RSS vs kubectl get cm -A -o json" kb \
  "$(field hwm_kb "$inf")" "$(field rss_kb "$b")" "$(ratio "$(field hwm_kb "$inf")" "$(field rss_kb "$b")")" \
  "$(field hwm_kb "$inf")" "$(field rss_kb "$b")" \
  "iop: kubebench's VmHWM once synced (VmRSS $(mib "$(field rss_kb "$inf")"), $(mib "$(field base_hwm_kb "$inf")") before the informer started: about $per_obj KiB per cached ConfigMap, managedFields included; synced $(num "$(field sync_s "$inf")" %.2f) s after start); peer: ru_maxrss of kubectl get cm -A -o json ($nk ConfigMaps, median $(num "$(field median_s "$b")" %.2f) s), the closest kubectl equivalent: it holds the list once and exits, an informer keeps it"
record "list every ConfigMap once -o json, process end to end" s "$(field median_s "$a")" \
  "$(field median_s "$b")" "$(ratio "$(field median_s "$a")" "$(field median_s "$b")")" \
  "$(field rss_kb "$a")" "$(field rss_kb "$b")" \
  "median of $LRUNS; iop kube list configmaps -A -o json vs kubectl get cm -A -o json; ConfigMaps printed: iop $ni, kubectl $nk; output $(wc -c <"$work/l.iop") vs $(wc -c <"$work/l.kubectl") bytes (iop prints managedFields)"
say ""

# ---- 2. watch ----

say "### 2. Watch events decoded per CPU-second ($NEV ConfigMap creations, $WRUNS runs per watcher)"
say ""
say "Each run uses a fresh namespace holding one ConfigMap. The watcher"
say "starts (${pin_watch[*]:-unpinned}); once it has listed (for the"
say "processes: once it printed that ConfigMap) a second client,"
say "kubebench create (${pin_write[*]:-unpinned}, 32 in flight, lifted rate"
say "limit), creates $NEV ConfigMaps; the watcher's CPU time (user+sys)"
say "counts from then until the ${NEV}th event. kubebench watch reads"
say "getrusage(RUSAGE_SELF) and only decodes (json-c objects, nothing"
say "printed); for processes kubebench watchrun reads /proc/PID/stat at the"
say "start and wait4's rusage at the end, counting the objects printed."
show "kubebench watch NS $NEV -- kubebench create NS $NEV 32 cm"
show "kubebench watchrun $NEV -- iop kube watch configmaps -n NS -o json ::: kubebench create NS $NEV 32 cm"
show "kubebench watchrun $NEV -- kubectl get cm -n NS -w -o json ::: kubebench create NS $NEV 32 cm"
declare -A us rate hwm cps
for side in lib cli kubectl; do
  us[$side]=""
  rate[$side]=""
  hwm[$side]=0
  cps[$side]=""
done
watch_failed=""
for run in $(seq "$WRUNS"); do
  for side in lib cli kubectl; do
    ns=w-$side-$run
    "$kb" create "$ns" 1 1 sentinel >/dev/null
    writer=("${pin_write[@]}" "$kb" create "$ns" "$NEV" 32 cm)
    case $side in
      lib) l=$("${pin_watch[@]}" "$kb" watch "$ns" "$NEV" -- "${writer[@]}") || watch_failed+=" $side/$run" ;;
      cli) l=$("$kb" watchrun "$NEV" -- "${pin_watch[@]}" "$iop" kube watch configmaps -n "$ns" -o json ::: "${writer[@]}") || watch_failed+=" $side/$run" ;;
      kubectl) l=$("$kb" watchrun "$NEV" -- "${pin_watch[@]}" "$kubectl_bin" --cache-dir "$work/kube-cache" get cm -n "$ns" -w -o json ::: "${writer[@]}") || watch_failed+=" $side/$run" ;;
    esac
    wl=$(grep -E '^mode=(watch|watchrun) ' <<<"$l" || true)
    cl=$(grep '^mode=create ' <<<"$l" || true)
    say "    run $run $side: $wl"
    us[$side]+=" $(field us_per_event "$wl")"
    rate[$side]+=" $(field per_s "$wl")"
    cps[$side]+=" $(field per_s "$cl")"
    k=$(field hwm_kb "$wl")
    [ -z "$k" ] && k=$(field rss_kb "$wl")
    [ "${k:-0}" -gt "${hwm[$side]}" ] && hwm[$side]=$k
  done
done
# shellcheck disable=SC2086
{
  ul=$(median ${us[lib]}); uc=$(median ${us[cli]}); uk=$(median ${us[kubectl]})
  rl=$(median ${rate[lib]}); rcl=$(median ${rate[cli]}); rk=$(median ${rate[kubectl]})
  wr=$(median ${cps[lib]} ${cps[cli]} ${cps[kubectl]})
}
per() { awk -v u="$1" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print "-" }'; }
[ -n "$watch_failed" ] && say "    FAILED runs (counted as they came):$watch_failed"
record "watch: CPU per event, lib/watch.h (decode only) vs kubectl get -w -o json" us \
  "$ul" "$uk" "$(ratio "$ul" "$uk")" "${hwm[lib]}" "${hwm[kubectl]}" \
  "median of $WRUNS; events per CPU-second: iop $(per "$ul"), kubectl $(per "$uk") (kubectl also prints each object, pretty JSON); delivered: iop $(num "$rl" %.0f)/s, kubectl $(num "$rk" %.0f)/s, i.e. the writer's pace ($(num "$wr" %.0f) creates/s): the API server is the limit; iop RSS is kubebench's VmHWM"
record "watch: CPU per event, iop kube watch -o json vs kubectl get -w -o json" us \
  "$uc" "$uk" "$(ratio "$uc" "$uk")" "${hwm[cli]}" "${hwm[kubectl]}" \
  "median of $WRUNS; events per CPU-second: iop $(per "$uc"), kubectl $(per "$uk"); delivered iop $(num "$rcl" %.0f)/s; both print every event (iop one compact line {type, object} with managedFields, flushed per event; kubectl the object as indented JSON)"
say ""

# ---- the table ----

table() {
  say "| benchmark | iop | peer | iop/peer | iop peak RSS | peer peak RSS | notes |"
  say "|---|---|---|---|---|---|---|"
  tail -n +2 "$out" | while IFS=$'\t' read -r name unit a b r ra rb note; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(value "$a" "$unit")" \
      "$(value "$b" "$unit")" "$r" "$(mib "$ra")" "$(mib "$rb")" "$note"
  done
}
say "### Summary"
say ""
table
say ""
say "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
say "Machine-readable results (tab-separated): ${out#"$root"/}"

if [ -n "${BENCH_KUBE_APPEND:-}" ]; then
  {
    say ""
    say "## Kubernetes client"
    say ""
    say "From \`bash bench/kube.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs,"
    say "kubectl $("$kubectl_bin" version --client 2>/dev/null | sed -n 's/^Client Version: //p'), control plane $(kubectl version 2>/dev/null | sed -n 's/^Server Version: //p'); its full output"
    say "explains each figure; machine-readable: ${out#"$root"/}). Ratios are"
    say "iop / peer: below 1 iop is faster or smaller."
    say ""
    table
  } >>"$BENCH_KUBE_APPEND"
fi
