#!/bin/sh
# Fetches one npm package into a cache folder, kept out of git and reused when present:
#   fetch_npm_package.sh NAME@VERSION CACHE   ->   CACHE/NAME@VERSION/ (the tarball's package/ folder)
# Prints that folder. Needs the npm registry; exits non-zero with a reason when it is unreachable.
set -eu
spec="$1"
cache="$2"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # tests running in parallel share one download

dest="$cache/$spec"
if [ ! -f "$dest/.complete" ]; then
  work=$(mktemp -d "$cache/npm.XXXXXX")
  (cd "$work" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz) || {
    rm -rf "$work"; echo "npm pack $spec failed: is the npm registry reachable?" >&2; exit 1; }
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$work/package" "$dest"
  rm -rf "$work"
  touch "$dest/.complete"
fi
echo "$dest"
