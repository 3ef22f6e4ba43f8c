#!/usr/bin/env bash
# Makes sure apt-get source works: adds a deb-src entry for bookworm and
# runs apt-get update when none exists (as root), else says what to do.
# Used by test/cp/build.sh (kubernetes) and scripts/libcurl-min.sh (curl).
set -euo pipefail
grep -rqs '^\(Types: *deb-src\|deb-src \)' /etc/apt/sources.list /etc/apt/sources.list.d/ &&
  exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deb-src.sh: add a deb-src entry for bookworm (as root) and run apt-get update" >&2
  exit 1
fi
cat >/etc/apt/sources.list.d/iop-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt-get update -qq
