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
cache=${IOP_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iop-test}
bindir=$cache/k8s-$K8S_VERSION/bin
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

go=/usr/lib/go-1.19/bin/go
if [ ! -x "$go" ] || ! command -v rsync >/dev/null; then
  echo "build.sh: need golang-1.19-go and rsync: apt-get install -y golang-1.19-go rsync" >&2
  exit 1
fi

# apt-get source needs a deb-src entry; add one for bookworm when we may.
if ! grep -rqs '^\(Types: *deb-src\|deb-src \)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ "$(id -u)" = 0 ]; then
    cat >/etc/apt/sources.list.d/iop-deb-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -qq
  else
    echo "build.sh: add a deb-src entry for bookworm (as root) and run apt-get update" >&2
    exit 1
  fi
fi

work=$cache/k8s-$K8S_VERSION/work
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
