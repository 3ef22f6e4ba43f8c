#!/usr/bin/env bash
# Installs the Debian packages a target needs, when run as root; otherwise
# prints the one apt-get line to run and fails.
#   deps.sh build   what `make` needs
#   deps.sh test    what `make test` needs (adds the test control plane's)
#   deps.sh fuzz    what `make fuzz` needs (clang for libFuzzer)
set -euo pipefail

build_pkgs=(gcc make pkg-config libuv1-dev libcurl4-openssl-dev libjson-c-dev
            libyaml-dev libpcre2-dev)
test_pkgs=(check golang-1.19-go etcd-server etcd-client rsync openssl curl
           ca-certificates unzip xz-utils
           dpkg-dev libssl-dev libnghttp2-dev zlib1g-dev) # scripts/libcurl-min.sh

case ${1:-build} in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  fuzz) want=("${build_pkgs[@]}" clang) ;;
  *) echo "deps.sh: unknown set $1" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages. Run as root:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# etcd-server's postinst tries to start a system etcd; tests start their own.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
