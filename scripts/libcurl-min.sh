#!/usr/bin/env bash
# Builds a libcurl.so.4 that speaks only HTTP and HTTPS (OpenSSL, HTTP/2
# through nghttp2, zlib) from Debian's own `curl` source package, and prints
# the directory that holds it.
#
# Why: iop talks HTTPS to one API server, but Debian's libcurl4 also links
# GnuTLS (through librtmp and libldap), Kerberos, LDAP, SASL, libssh2, IDN,
# PSL, brotli and zstd: 37 shared libraries whose pages cost iop server about
# 3.5 MiB of resident memory while doing nothing. The container image ships
# this build instead of libcurl4 (see the Dockerfile); iop opens whichever
# libcurl.so.4 the loader finds (lib/curlload.h), so nothing else changes.
# bench/run.sh measures the server with both.
#
#   scripts/libcurl-min.sh [PREFIX]
#
# PREFIX defaults to a cache outside the checkout ($IOP_TEST_CACHE, else
# $XDG_CACHE_HOME/iop-test, else ~/.cache/iop-test). A finished build is
# reused; concurrent runs wait on a lock. Needs, as root or already present:
# dpkg-dev, gcc, make, libssl-dev, libnghttp2-dev, zlib1g-dev and a deb-src
# entry for bookworm.
set -euo pipefail

# Bump when the configuration changes, so older builds are not reused.
BUILD_REV=1
cache=${IOP_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iop-test}
prefix=${1:-$cache/libcurl-min-r$BUILD_REV}
lib=$prefix/lib/libcurl.so.4

[ -e "$lib" ] && { echo "$prefix/lib"; exit 0; }

mkdir -p "$prefix"
exec 9>"$prefix/.build.lock"
flock 9
[ -e "$lib" ] && { echo "$prefix/lib"; exit 0; }

need=(dpkg-dev gcc make libssl-dev libnghttp2-dev zlib1g-dev)
missing=()
for p in "${need[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "libcurl-min.sh: as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi
bash "$(dirname "$0")/deb-src.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/libcurl-min.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "libcurl-min.sh: building libcurl (HTTP and HTTPS only) into $prefix" >&2
apt-get source -qq curl >"$work/source.log" 2>&1 ||
  { cat "$work/source.log" >&2; exit 1; }
src=$(find "$work" -maxdepth 1 -type d -name 'curl-*' | head -n 1)
cd "$src"
# Every protocol but HTTP(S) and every optional dependency off; symbols
# hidden and the CA store where Debian's libcurl looks for it. The soname stays libcurl.so.4.
./configure --prefix="$prefix" --disable-static --enable-symbol-hiding \
  --with-openssl --with-nghttp2 --with-zlib \
  --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs \
  --without-libpsl --without-libidn2 --without-librtmp --without-libssh2 \
  --without-brotli --without-zstd --without-gssapi --without-libgsasl \
  --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
  --disable-smtp --disable-gopher --disable-mqtt --disable-smb --disable-ftp \
  --disable-file --disable-manual --disable-ntlm --disable-kerberos-auth \
  --disable-negotiate-auth >"$work/configure.log" 2>&1 ||
  { tail -n 30 "$work/configure.log" >&2; exit 1; }
grep -q 'HTTP2: *enabled' "$work/configure.log" ||
  { echo "libcurl-min.sh: configure found no nghttp2" >&2; exit 1; }
make -j"$(nproc)" -C lib >"$work/make.log" 2>&1 ||
  { tail -n 30 "$work/make.log" >&2; exit 1; }
make -C lib install >>"$work/make.log" 2>&1
make -C include install >>"$work/make.log" 2>&1
echo "$prefix/lib"
