#!/usr/bin/env bash
# Checks the Dockerfile's runtime stage on a machine without a container
# engine: a minimal Debian 12 root (debootstrap), the packages that stage
# installs (read from the Dockerfile itself), the libcurl it copies
# (scripts/libcurl-min.sh) and iop; then, chrooted, as UID 1337:
#   iop version
#   iop manifest generate     (test/fixtures/manifests, as baked manifests)
#   iop kube list namespaces  (the test control plane: TLS, token auth)
#   iop server                (reconciles nothing, but loads libcurl, syncs
#                              its caches and answers /readyz)
# Run as root: make image-check. The root is cached beside the test plane
# ($IOP_TEST_CACHE or ~/.cache/iop-test) and rebuilt when the list changes.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
iop=$(realpath "${1:-build/iop}")

[ "$(id -u)" = 0 ] || { echo "image-check.sh: run as root (chroot, debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

# The runtime stage's apt-get install line: the packages after
# --no-install-recommends in the last stage.
# shellcheck disable=SC1003 # tr deletes backslashes
pkgs=$(awk '/^FROM /{stage++; buf=""} {print stage "\t" $0}' Dockerfile |
  awk -F'\t' -v last="$(grep -c '^FROM ' Dockerfile)" '$1 == last {print $2}' |
  sed -n '/apt-get install/,/rm -rf/p' | tr -d '\\' | tr ' ' '\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' |
  grep -vE '^(apt-get|update|install|rm|rf|y|RUN|DEBIAN_FRONTEND.*)$' | sort -u | tr '\n' ' ')
[ -n "$pkgs" ] || { echo "image-check.sh: no package list found in the Dockerfile" >&2; exit 1; }
echo "image-check: runtime packages from the Dockerfile: $pkgs"

cache=${IOP_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iop-test}
sum=$(echo "$pkgs" | sha256sum | cut -c1-12)
rootfs=$cache/image-root-$sum
if [ ! -e "$rootfs/.done" ]; then
  if [ ! -e "$rootfs/etc/debian_version" ]; then
    rm -rf "$rootfs"
    echo "image-check: debootstrap into $rootfs (minutes, once)"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  fi
  # shellcheck disable=SC2086
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $pkgs >/dev/null
  touch "$rootfs/.done"
fi

libcurl=$(bash scripts/libcurl-min.sh)
work=$rootfs/image-check
rm -rf "$work" "$rootfs/usr/local/lib/libcurl.so"*
mkdir -p "$work"
cp -a "$libcurl"/libcurl.so.4* "$rootfs/usr/local/lib/"
chroot "$rootfs" ldconfig
cp "$iop" "$rootfs/usr/bin/iop"
cp -r test/fixtures/manifests "$work/manifests"
chown -R 1337:1337 "$work"

run() { chroot --userspec=1337:1337 "$rootfs" env HOME=/image-check "$@"; }

echo "image-check: ldd iop"
run ldd /usr/bin/iop | grep -q 'not found' && { run ldd /usr/bin/iop; exit 1; }
run /usr/bin/iop version
run /usr/bin/iop manifest generate -d /image-check/manifests >"$work/out.yaml"
echo "image-check: manifest generate printed $(grep -c '^kind:' "$work/out.yaml") objects"

# A control plane for the client and the server.
cp_dir=$(mktemp -d "${TMPDIR:-/tmp}/image-check-cp.XXXXXX")
trap 'bash "$root_dir/test/cp/cp.sh" stop "$cp_dir" >/dev/null 2>&1 || true' EXIT
rmdir "$cp_dir"
bash test/cp/cp.sh start "$cp_dir" --owner $$ >/dev/null
cp "$cp_dir/kubeconfig" "$work/kubeconfig"
chown 1337:1337 "$work/kubeconfig"
run /usr/bin/iop kube list namespaces --kubeconfig /image-check/kubeconfig >/dev/null
echo "image-check: iop kube list namespaces: ok"
"$(bash scripts/tools.sh)/kubectl" --kubeconfig "$cp_dir/kubeconfig" apply \
  -f crds/istiooperator.yaml >/dev/null

port=$((20000 + RANDOM % 20000))
run /usr/bin/iop server --kubeconfig /image-check/kubeconfig \
  -d /image-check/manifests --leader-elect=false \
  --metrics-addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 200); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
[ -n "$ready" ] || { echo "image-check: iop server never became ready:" >&2; tail -n 20 "$work/server.log" >&2; exit 1; }
echo "image-check: iop server synced its caches and answered /readyz"
echo "image-check: the runtime stage works"
