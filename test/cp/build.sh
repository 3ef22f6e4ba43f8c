#!/usr/bin/env bash
# Builds the test control plane's Kubernetes binaries (kube-apiserver and
# kube-controller-manager v1.20.2) from Debian's `kubernetes` source package
# with Debian's golang-1.19-go, into a cache outside the checkout.
#
# The cache is $IOP_TEST_CACHE, else $XDG_CACHE_HOME/iop-test, else
# ~/.cache/iop-test. A warm cache makes this a no-op. Concurrent runs wait
# on a lock instead of building twice.
set -euo pipefail

K8S_VERSION=1.20.2
# Bump when the build changes, so caches built the old way are not used.
BUILD_REV=2
cache=${IOP_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iop-test}
bindir=$cache/k8s-$K8S_VERSION-r$BUILD_REV/bin
want=(kube-apiserver kube-controller-manager)

have_all() {
  local b
  for b in "${want[@]}"; do [ -x "$bindir/$b" ] || return 1; done
}

have_all && { echo "$bindir"; exit 0; }

mkdir -p "$cache"
exec 9>"$cache/build.lock"
flock 9
have_all && { echo "$bindir"; exit 0; }

# Kubernetes 1.20 vendors reflect2 1.0.1, which calls the Go runtime's map
# iterator with the pre-1.18 signature: built with Go 1.19, the API server
# crashes ("fatal error: fault" in mapiternext) when it encodes a custom
# resource. Give reflect2 the Go >= 1.18 calling convention: the caller owns
# a full-size iterator and passes it in.
patch_reflect2() {
  local dir=$1
  sed -i 's|^func mapiterinit(rtype unsafe.Pointer, m unsafe.Pointer) \*hiter$|func mapiterinit(rtype unsafe.Pointer, m unsafe.Pointer, it *hiter)|' \
    "$dir/unsafe_link.go"
  # The runtime writes every field of its hiter: reserve the whole struct.
  sed -i 's|^\t// rest fields are ignored$|\tt, h, buckets, bptr, overflow, oldoverflow unsafe.Pointer\n\tstartBucket uintptr\n\toffset, wrapped, b, i uint8\n\tbucket, checkBucket uintptr|' \
    "$dir/unsafe_link.go"
  sed -i 's|^\t\thiter:      mapiterinit(type2.rtype, \*(\*unsafe.Pointer)(obj)),$|\t\thiter:      newMapIter(type2.rtype, *(*unsafe.Pointer)(obj)),|' \
    "$dir/unsafe_map.go"
  cat >>"$dir/unsafe_map.go" <<'GO'

func newMapIter(rtype unsafe.Pointer, m unsafe.Pointer) *hiter {
	it := new(hiter)
	mapiterinit(rtype, m, it)
	return it
}
GO
  grep -q 'it \*hiter)$' "$dir/unsafe_link.go" && grep -q newMapIter "$dir/unsafe_map.go" ||
    { echo "build.sh: patching reflect2 failed" >&2; exit 1; }
}

go=/usr/lib/go-1.19/bin/go
if [ ! -x "$go" ] || ! command -v rsync >/dev/null; then
  echo "build.sh: need golang-1.19-go and rsync: apt-get install -y golang-1.19-go rsync" >&2
  exit 1
fi

# apt-get source needs a deb-src entry; add one for bookworm when we may.
bash "$(dirname "$0")/../../scripts/deb-src.sh"

work=$cache/k8s-$K8S_VERSION-r$BUILD_REV/work
rm -rf "$work"
mkdir -p "$work"
cd "$work"
echo "build.sh: fetching Debian's kubernetes source package" >&2
apt-get source --download-only kubernetes >/dev/null 2>&1 ||
  apt-get source --download-only kubernetes
tar xzf kubernetes_*.orig.tar.gz
src=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
mkdir -p .go/src/k8s.io
ln -s "$work/${src#./}" .go/src/k8s.io/kubernetes
patch_reflect2 "$work/${src#./}/vendor/github.com/modern-go/reflect2"

echo "build.sh: building kube-apiserver and kube-controller-manager (minutes on a cold cache)" >&2
cd .go/src/k8s.io/kubernetes
export GOPATH=$work/.go GOCACHE=$work/.gocache GOPROXY=off GOFLAGS=-mod=vendor
export PATH=/usr/lib/go-1.19/bin:$PATH CGO_ENABLED=0
make generated_files >"$work/generated.log" 2>&1 ||
  { tail -n 40 "$work/generated.log" >&2; exit 1; }
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log" >&2; exit 1; }

mkdir -p "$bindir.tmp"
for b in "${want[@]}"; do
  cp "_output/local/go/bin/$b" "$bindir.tmp/$b" 2>/dev/null ||
    cp "_output/bin/$b" "$bindir.tmp/$b"
done
cd "$cache"
rm -rf "$bindir"
mv "$bindir.tmp" "$bindir"
# The source tree and Go caches are several GB; only the binaries are kept.
chmod -R u+w "$work" 2>/dev/null || true
rm -rf "$work"
echo "$bindir"
