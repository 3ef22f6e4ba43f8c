#!/usr/bin/env bash
# The main job until the operator exists: show the binary and its YAML core.
set -euo pipefail
iop=${1:-build/iop}
cd "$(dirname "$0")/.."
echo "\$ iop version"
"$iop" version
echo
echo "\$ iop yaml examples/sample.yaml"
"$iop" yaml examples/sample.yaml
