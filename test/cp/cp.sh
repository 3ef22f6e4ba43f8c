#!/usr/bin/env bash
# The test control plane: etcd + kube-apiserver (+ kube-controller-manager on
# request) on loopback, isolated in one directory, like controller-runtime's
# envtest. Tests drive it through test/support/testcp.c; people can too:
#
#   cp.sh start DIR [--owner PID] [--controller-manager]
#   cp.sh stop DIR                  stop everything, remove DIR
#   cp.sh restart-apiserver DIR     kill -9 and start again on the same port
#   cp.sh stop-apiserver DIR | start-apiserver DIR
#   cp.sh compact DIR               compact etcd at its current revision
#   cp.sh start-kcm DIR | stop-kcm DIR   kube-controller-manager on demand
#   cp.sh env DIR                   print the variables tests read
#
# Binaries: IOP_TEST_KUBE_APISERVER, IOP_TEST_KUBE_CONTROLLER_MANAGER,
# IOP_TEST_ETCD, IOP_TEST_ETCDCTL; by default the ones test/cp/build.sh put in
# the cache and Debian's etcd. With --owner, a watchdog stops everything and
# removes DIR when that process dies, however it dies.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "cp.sh: $*" >&2; exit 1; }

binaries() {
  local bindir=""
  if [ -z "${IOP_TEST_KUBE_APISERVER:-}" ] ||
     { [ -n "$want_kcm" ] && [ -z "${IOP_TEST_KUBE_CONTROLLER_MANAGER:-}" ]; }; then
    bindir=$("$here/build.sh")
  fi
  APISERVER=${IOP_TEST_KUBE_APISERVER:-$bindir/kube-apiserver}
  KCM=${IOP_TEST_KUBE_CONTROLLER_MANAGER:-$bindir/kube-controller-manager}
  ETCD=${IOP_TEST_ETCD:-$(command -v etcd || echo /usr/bin/etcd)}
  ETCDCTL=${IOP_TEST_ETCDCTL:-$(command -v etcdctl || echo /usr/bin/etcdctl)}
  [ -x "$APISERVER" ] || die "kube-apiserver not found at $APISERVER"
  [ -x "$ETCD" ] || die "etcd not found at $ETCD (apt-get install etcd-server)"
}

# Free loopback ports: bind port 0 through bash's /dev/tcp is impossible, so
# probe random ports in the ephemeral-free range until a connect is refused.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      grep -qx "$p" "$dir/ports.used" 2>/dev/null && continue
      echo "$p" >>"$dir/ports.used"
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

make_certs() {
  local c=$dir/pki
  mkdir -p "$c"
  (
    cd "$c"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=iop-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >san.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 2 -extfile san.ext -out apiserver.crt 2>/dev/null
    # A client certificate in system:masters, for client-cert auth tests.
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=cert-admin" \
      -keyout client.key -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 2 -out client.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

make_tokens() {
  ADMIN_TOKEN=$(token)
  USER_TOKEN=$(token)
  OPERATOR_TOKEN=$(token)
  {
    echo "$ADMIN_TOKEN,admin,1,system:masters"
    # Authenticated but with no RBAC grants: for 403 tests.
    echo "$USER_TOKEN,alice,2,"
    # Bound to deploy/'s ClusterRole by tests that prove it is enough.
    echo "$OPERATOR_TOKEN,iop-operator,3,"
  } >"$dir/tokens.csv"
}

kubeconfig() { # file user-entries...
  local out=$1
  local ca
  ca=$(base64 -w0 <"$dir/pki/ca.crt")
  cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: iop-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca
contexts:
- name: iop-test
  context:
    cluster: iop-test
    user: admin
    namespace: default
- name: iop-test-cert
  context:
    cluster: iop-test
    user: cert-admin
current-context: iop-test
users:
- name: admin
  user:
    token: $ADMIN_TOKEN
- name: cert-admin
  user:
    client-certificate: $dir/pki/client.crt
    client-key: $dir/pki/client.key
EOF
}

write_env() {
  cat >"$dir/env" <<EOF
IOP_TEST_DIR=$dir
KUBECONFIG=$dir/kubeconfig
IOP_TEST_SERVER=https://127.0.0.1:$API_PORT
IOP_TEST_CA=$dir/pki/ca.crt
IOP_TEST_ADMIN_TOKEN=$ADMIN_TOKEN
IOP_TEST_USER_TOKEN=$USER_TOKEN
IOP_TEST_OPERATOR_TOKEN=$OPERATOR_TOKEN
IOP_TEST_CLIENT_CERT=$dir/pki/client.crt
IOP_TEST_CLIENT_KEY=$dir/pki/client.key
IOP_TEST_ETCD_ENDPOINT=http://127.0.0.1:$ETCD_PORT
EOF
}

start_etcd() {
  "$ETCD" --name default --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" \
    --log-level error >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
}

start_apiserver_process() {
  # shellcheck disable=SC1091
  . "$dir/ports"
  "$APISERVER" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$API_PORT" --insecure-port 0 \
    --cert-dir "$dir/pki" \
    --tls-cert-file "$dir/pki/apiserver.crt" \
    --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --token-auth-file "$dir/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    >>"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"
}

start_kcm() {
  "$KCM" --kubeconfig "$dir/kubeconfig" \
    --leader-elect=false --port 0 --secure-port 0 \
    --service-account-private-key-file "$dir/pki/sa.key" \
    --root-ca-file "$dir/pki/ca.crt" \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service' \
    >"$dir/kcm.log" 2>&1 &
  echo $! >"$dir/kcm.pid"
}

# Whether a process that exited had lost its port: free_port's probe and
# the bind are not atomic, and another plane may start at the same moment.
port_taken() { grep -q 'address already in use' "$1" 2>/dev/null; }

# Returns 2 when the process exited because its port was taken.
wait_ready() {
  local url=$1 what=$2 pidfile=$3
  for _ in $(seq 600); do
    if curl -fsS --max-time 2 --cacert "$dir/pki/ca.crt" \
         -H "Authorization: Bearer $ADMIN_TOKEN" "$url" >/dev/null 2>&1; then
      return 0
    fi
    if ! alive "$(cat "$pidfile")"; then
      port_taken "$dir/${what}.log" && return 2
      tail -n 20 "$dir/${what}.log" >&2
      die "$what exited during start-up"
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/${what}.log" >&2
  die "$what not ready after 60s"
}

wait_etcd() {
  for _ in $(seq 300); do
    curl -fsS --max-time 1 "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && return 0
    if ! alive "$(cat "$dir/etcd.pid")"; then
      port_taken "$dir/etcd.log" && return 2
      tail -n 20 "$dir/etcd.log" >&2
      die "etcd exited during start-up"
    fi
    sleep 0.1
  done
  die "etcd not ready after 30s"
}

load() {
  [ -f "$dir/env" ] || die "$dir is not a running control plane"
  # shellcheck disable=SC1091
  . "$dir/ports"
  ADMIN_TOKEN=$(sed -n 's/^IOP_TEST_ADMIN_TOKEN=//p' "$dir/env")
}

# Alive and not a zombie: where PID 1 does not reap, a killed server stays a
# zombie that `kill -0` still finds.
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

kill_pidfile() { # pidfile signal
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    alive "$pid" || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

watchdog() {
  local owner=$1
  (
    # Detach from the caller's stdout so `$(cp.sh start)` does not wait on us.
    exec >/dev/null 2>&1 </dev/null
    while alive "$owner" && [ -d "$dir" ]; do sleep 0.5; done
    [ -d "$dir" ] && IOP_CP_WATCHDOG=1 "$here/cp.sh" stop "$dir"
  ) &
  echo $! >"$dir/watchdog.pid"
}

# etcd and kube-apiserver on freshly probed ports; 1 when one of them lost
# its port to another process (everything it started is stopped again).
start_on_new_ports() {
  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  API_PORT=$(free_port)
  printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPI_PORT=%s\n' \
    "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" >"$dir/ports"
  kubeconfig "$dir/kubeconfig"
  write_env
  rm -rf "$dir/etcd"
  : >"$dir/apiserver.log"
  start_etcd
  if wait_etcd; then
    start_apiserver_process
    wait_ready "https://127.0.0.1:$API_PORT/readyz" apiserver \
      "$dir/apiserver.pid" && return 0
  fi
  kill_pidfile "$dir/apiserver.pid" KILL
  kill_pidfile "$dir/etcd.pid" KILL
  return 1
}

cmd_start() {
  local owner="" want_kcm=""
  while [ $# -gt 0 ]; do
    case $1 in
      --owner) owner=$2; shift 2 ;;
      --controller-manager) want_kcm=1; shift ;;
      *) die "start: unknown flag $1" ;;
    esac
  done
  binaries
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -n "$owner" ] && watchdog "$owner"
  make_certs
  make_tokens
  printf 'APISERVER=%q\nKCM=%q\nETCD=%q\nETCDCTL=%q\n' \
    "$APISERVER" "$KCM" "$ETCD" "$ETCDCTL" >"$dir/binaries"
  local attempt
  for attempt in 1 2 3 4 5; do
    start_on_new_ports && break
    [ "$attempt" = 5 ] && die "ports kept being taken by other processes"
  done
  [ -n "$want_kcm" ] && start_kcm
  cat "$dir/env"
}

cmd_stop() {
  [ -d "$dir" ] || return 0
  # The directory is thrown away, so nothing needs a graceful shutdown.
  kill_pidfile "$dir/kcm.pid" KILL
  kill_pidfile "$dir/apiserver.pid" KILL
  kill_pidfile "$dir/etcd.pid" KILL
  if [ -z "${IOP_CP_WATCHDOG:-}" ] && [ -f "$dir/watchdog.pid" ]; then
    kill "$(cat "$dir/watchdog.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

cmd_start_apiserver() {
  load
  # shellcheck disable=SC1091
  . "$dir/binaries"
  start_apiserver_process
  wait_ready "https://127.0.0.1:$API_PORT/readyz" apiserver "$dir/apiserver.pid" ||
    die "kube-apiserver cannot take its port $API_PORT back: another process holds it"
}

cmd_compact() {
  load
  # shellcheck disable=SC1091
  . "$dir/binaries"
  local ep="http://127.0.0.1:$ETCD_PORT" rev
  rev=$(ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ep" endpoint status -w json |
        grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2)
  [ -n "$rev" ] || die "could not read etcd's revision"
  ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ep" compact "$rev" >/dev/null
  echo "$rev"
}

[ $# -ge 2 ] || die "usage: cp.sh start|stop|restart-apiserver|stop-apiserver|start-apiserver|compact|env DIR"
cmd=$1
dir=$2
shift 2
case $cmd in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  stop-apiserver) load; kill_pidfile "$dir/apiserver.pid" KILL ;;
  start-apiserver) cmd_start_apiserver ;;
  restart-apiserver) load; kill_pidfile "$dir/apiserver.pid" KILL; cmd_start_apiserver ;;
  compact) cmd_compact ;;
  start-kcm) load; want_kcm=1; binaries; start_kcm ;;
  stop-kcm) load; kill_pidfile "$dir/kcm.pid" KILL ;;
  env) cat "$dir/env" ;;
  *) die "unknown command $cmd" ;;
esac
