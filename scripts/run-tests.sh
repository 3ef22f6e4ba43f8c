#!/usr/bin/env bash
# Runs the test binaries of one build (make test / make check call this).
# Unit and differential tests first, then the end-to-end tests, which start
# their own control plane (test/cp/cp.sh) and tear it down however they end.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

tools=$(bash scripts/tools.sh)
bash test/cp/build.sh >/dev/null

export IOP_SRC=$PWD
export IOP_BIN=$PWD/$BUILD/iop
export IOP_TEST_HELM=$tools/helm
export IOP_TEST_KUBECTL=$tools/kubectl
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# "e2e" as the first argument runs only the end-to-end tests.
[ "${1:-}" = e2e ] || "$BUILD/test/check_unit"
"$BUILD/test/check_e2e"

# Again, the client, smoke and server suites with the HTTP-only libcurl the
# container image ships instead of Debian's libcurl4 (scripts/libcurl-min.sh):
# iop opens whichever libcurl.so.4 the loader finds.
image_libcurl=$(bash scripts/libcurl-min.sh)
for suite in smoke kube server; do
  echo "== suite $suite with the image's libcurl ($image_libcurl)"
  LD_LIBRARY_PATH=$image_libcurl CK_RUN_SUITE=$suite "$BUILD/test/check_e2e"
done
