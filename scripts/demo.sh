#!/usr/bin/env bash
# make demo: the operator end to end on this machine, no cluster and no
# internet needed. Starts the test control plane (a real etcd and
# kube-apiserver), runs `iop operator init` against it, runs `iop server`
# locally (there are no nodes to run its Deployment), applies the
# IstioOperators in examples/ and shows what the operator does with them.
#
# Charts: our Istio-shaped test charts, or a real Istio release with
#   ISTIO_SRC=/path/to/istio make demo      (uses $ISTIO_SRC/manifests)
set -euo pipefail
cd "$(dirname "$0")/.."
iop=$PWD/${1:-build/iop}
manifests=${ISTIO_SRC:+$ISTIO_SRC/manifests}
manifests=${manifests:-$PWD/test/fixtures/manifests}
tools=$(bash scripts/tools.sh)
kubectl=$tools/kubectl

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

dir=$(mktemp -d /tmp/iop-demo.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  bash test/cp/cp.sh stop "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

step "Starting a local control plane (etcd + kube-apiserver; the first run builds it, once)"
bash test/cp/cp.sh start "$dir" --owner $$ >/dev/null
export KUBECONFIG=$dir/kubeconfig
run "$kubectl" version

step "Installing the operator: CRD, RBAC, Deployment"
run "$iop" operator init --no-wait
echo "(The Deployment cannot become ready here: this control plane has no nodes."
echo " The same binary runs locally instead, as the operator would in its pod.)"

step "Running iop server locally (charts: $manifests)"
WATCH_NAMESPACE=istio-system LEADER_ELECTION_NAMESPACE=istio-operator \
  WAIT_FOR_RESOURCES_TIMEOUT=60s \
  "$iop" server --manifests "$manifests" --metrics-addr 127.0.0.1:18383 \
  >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q "caches synced" "$dir/server.log" 2>/dev/null && break
  sleep 0.1
done
tail -n 5 "$dir/server.log"

# No kubelet runs here: write the status a kubelet would once pods run.
make_ready() {
  for kind in deployment daemonset; do
    for name in $("$kubectl" -n istio-system get "$kind" -l operator.istio.io/managed=Reconcile -o name); do
      gen=$("$kubectl" -n istio-system get "$name" -o jsonpath='{.metadata.generation}')
      if [ "$kind" = deployment ]; then
        want=$("$kubectl" -n istio-system get "$name" -o jsonpath='{.spec.replicas}')
        patch="{\"status\":{\"observedGeneration\":$gen,\"replicas\":$want,\"updatedReplicas\":$want,\"readyReplicas\":$want,\"availableReplicas\":$want}}"
      else
        patch="{\"status\":{\"observedGeneration\":$gen,\"desiredNumberScheduled\":1,\"currentNumberScheduled\":1,\"numberMisscheduled\":0,\"numberReady\":1,\"updatedNumberScheduled\":1,\"numberAvailable\":1}}"
      fi
      "$kubectl" -n istio-system patch "$name" --subresource=status --type=merge -p "$patch" >/dev/null
    done
  done
}

wait_healthy() {
  for _ in $(seq 150); do
    make_ready
    s=$("$kubectl" -n istio-system get iop "$1" -o jsonpath='{.status.status}' 2>/dev/null || true)
    [ "$s" = HEALTHY ] && return 0
    sleep 0.2
  done
  echo "demo: $1 did not become HEALTHY; server log:" >&2
  tail -n 30 "$dir/server.log" >&2
  return 1
}

step "kubectl apply -f examples/iop-default.yaml"
run "$kubectl" apply -f examples/iop-default.yaml
wait_healthy default
run "$kubectl" -n istio-system get istiooperators
run "$kubectl" -n istio-system get deployments,services,configmaps -l operator.istio.io/managed=Reconcile

step "A canary revision next to it"
run "$kubectl" apply -f examples/iop-canary.yaml
wait_healthy canary
run "$kubectl" -n istio-system get istiooperators
run "$kubectl" -n istio-system get deployments -L istio.io/rev,install.operator.istio.io/owning-resource

step "Drift repair: someone deletes istiod"
run "$kubectl" -n istio-system delete deployment istiod
wait_healthy default
run "$kubectl" -n istio-system get deployment istiod

step "Deleting the canary removes only what it owns"
run "$kubectl" -n istio-system delete iop canary
run "$kubectl" -n istio-system get deployments

step "Status and metrics"
run "$kubectl" -n istio-system get iop default -o jsonpath='{.status}'
echo
metrics() {
  exec 3<>/dev/tcp/127.0.0.1/18383
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}
echo '$ curl 127.0.0.1:18383/metrics'
metrics | grep -E '^iop_(reconciles_total|objects_applied_total|objects_pruned_total)' || true
step "Done: everything stops and the temporary control plane is removed"
