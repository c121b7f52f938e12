#!/bin/sh
# Fetches ONNX Runtime for Node (npm onnxruntime-node@1.30.0 and onnxruntime-common@1.30.0, which ship
# their own prebuilt CPU binaries) into a cache folder, kept out of git and out of any build folder:
#   fetch_onnxruntime.sh [CACHE]   ->   CACHE/node_modules/onnxruntime-node, CACHE/node_modules/onnxruntime-common
# CACHE defaults to where Attune looks for it, its cache folder: XDG_CACHE_HOME (else ~/.cache)
# /Attune/Attune/onnxruntime-node-1.30.0; the tests pass their own. Prints CACHE; core/eval/onnx_run.js
# takes it as its MODULES_DIR. With it, Attune checks its ONNX exports in ONNX Runtime (export --check).
#
# `npm pack` only, never `npm install`: no install script runs (onnxruntime-node's postinstall would
# download CUDA binaries) and its other dependency, `tar`, is used only by that script. The other
# platforms' binaries (macOS, Windows; 114 MB) are deleted. Everything is unpacked into a temporary
# folder beside CACHE and renamed at the end, so an interrupted fetch leaves no CACHE behind and the
# next call starts again; with CACHE complete, a call only prints it (no network, no lock).
# Needs npm and the npm registry the first time; exits non-zero with a one-line reason otherwise.
set -eu
version=1.30.0
if [ -n "${1:-}" ]; then
  cache="$1"
else
  case "${XDG_CACHE_HOME:-}" in
    /*) root="$XDG_CACHE_HOME" ;;
    *) root="${HOME:?HOME is not set: pass the cache folder as the first argument}/.cache" ;;
  esac
  cache="$root/Attune/Attune/onnxruntime-node-$version"
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "onnxruntime-node $version has no Linux binaries for $(uname -m)" >&2; exit 1 ;;
esac
binaries="node_modules/onnxruntime-node/bin/napi-v6/linux/$arch"

# is_complete FOLDER: the marker written last, and the files the tests load.
is_complete() {
  [ -f "$1/.complete" ] && [ -f "$1/$binaries/onnxruntime_binding.node" ] &&
    [ -f "$1/$binaries/libonnxruntime.so.1" ] &&
    [ -f "$1/node_modules/onnxruntime-node/dist/index.js" ] &&
    [ -f "$1/node_modules/onnxruntime-common/dist/cjs/index.js" ]
}

if is_complete "$cache"; then
  echo "$cache"
  exit 0
fi

command -v npm >/dev/null 2>&1 || {
  echo "npm not found: install it (apt-get install npm) to fetch onnxruntime-node $version" >&2; exit 1; }
parent=$(dirname "$cache")
name=$(basename "$cache")
mkdir -p "$parent" || { echo "cannot create $parent: choose another cache folder (ATTUNE_TEST_CACHE)" >&2; exit 1; }
exec 9>"$parent/.$name.lock"
flock 9  # tests running in parallel share one download

if ! is_complete "$cache"; then
  rm -rf "$parent/.$name.part."*  # left by an interrupted fetch (we hold the lock: nobody else is fetching)
  work=$(mktemp -d "$parent/.$name.part.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  trap 'exit 1' HUP INT TERM
  mkdir -p "$work/tgz" "$work/dir/node_modules/onnxruntime-node" "$work/dir/node_modules/onnxruntime-common"
  for package in onnxruntime-node onnxruntime-common; do
    (cd "$work/tgz" && npm pack --silent --ignore-scripts --prefer-offline "$package@$version" >/dev/null) || {
      echo "npm pack $package@$version failed: is the npm registry reachable (npm config get registry)?" >&2; exit 1; }
    tar xzf "$work/tgz/$package-$version.tgz" -C "$work/dir/node_modules/$package" --strip-components=1 || {
      echo "cannot unpack $package-$version.tgz into $parent: is the disk full?" >&2; exit 1; }
  done
  rm -rf "$work/dir/node_modules/onnxruntime-node/bin/napi-v6/darwin" \
    "$work/dir/node_modules/onnxruntime-node/bin/napi-v6/win32"
  touch "$work/dir/.complete"
  is_complete "$work/dir" || {
    echo "onnxruntime-node@$version has no $binaries/{onnxruntime_binding.node,libonnxruntime.so.1}: the package changed" >&2; exit 1; }
  rm -rf "$cache"
  mv "$work/dir" "$cache"
fi
echo "$cache"
