#!/bin/sh
# Fetches the real TF.js test data into a cache folder (kept out of git, reused when present):
#   CACHE/nsfwjs/mobilenet_v2, CACHE/nsfwjs/inception_v3   npm nsfwjs@4.3.0, dist/models/*
#   CACHE/china.jpg                                         Debian python3-sklearn's sample photo
# Needs the npm registry and Debian's archive; exits non-zero with a reason when they are unreachable.
set -eu
cache="$1"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # tests running in parallel share one download

if [ ! -f "$cache/nsfwjs/.complete" ]; then
  work=$(mktemp -d "$cache/npm.XXXXXX")
  (cd "$work" && npm pack --silent nsfwjs@4.3.0 >/dev/null && tar xzf nsfwjs-4.3.0.tgz) || {
    rm -rf "$work"; echo "npm pack nsfwjs@4.3.0 failed: is the npm registry reachable?" >&2; exit 1; }
  rm -rf "$cache/nsfwjs"
  mv "$work/package/dist/models" "$cache/nsfwjs"
  rm -rf "$work"
  touch "$cache/nsfwjs/.complete"
fi

if [ ! -f "$cache/china.jpg" ]; then
  work=$(mktemp -d "$cache/deb.XXXXXX")
  (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1 && dpkg-deb -x python3-sklearn_*.deb x) || {
    rm -rf "$work"; echo "apt-get download python3-sklearn failed: is Debian's archive reachable?" >&2; exit 1; }
  cp "$(find "$work/x" -path '*sklearn/datasets/images/china.jpg' | head -n1)" "$cache/china.jpg.part"
  mv "$cache/china.jpg.part" "$cache/china.jpg"
  rm -rf "$work"
fi
