#!/bin/sh
# Text prediction throughput, Attune versus PyTorch: `attune-cli predict EXPORT TABLE --out FILE.csv` and
# bench_predict_text.py (the same export read, the same tokenizer rules, batches of 32, no_grad, softmax,
# the same CSV written) on the same table of texts, each timed as a whole process, one after the other.
# The model is BERT-base (random weights, written once by bench_text_throughput.py --prepare, as
# run_text_throughput.sh uses it) after one short epoch on 8 of its texts, exported once (cached); every
# text is longer than --tokens, so every batch is 32 x TOKENS on both sides.
#   tests/benchmarks/run_predict_text.sh [BUILD_DIR] [--texts 1000] [--tokens 128] [--words 300] [--repeat 1]
# Prints per side "attune|python bert-TOKENS TOKENS TEXTS WHOLE_TEXTS_PER_S WHOLE_S PREDICT_TEXTS_PER_S
# PEAK_MB", then the table with the ratio Attune/PyTorch:
#   whole command: TEXTS / the process's wall time (start, libraries, model load, tokenising, predicting,
#     the CSV);
#   predicting: (TEXTS - 32) / (the whole run's wall time - that of a run on the table's first 32 texts),
#     which leaves out what does not depend on the number of texts (start, load, the first batch's
#     warm-up);
#   peak memory: the process's largest resident set (/usr/bin/time).
# Each figure is the fastest of --repeat runs. attune-cli predict computes with the run's runtime.threads
# (unset here: every core), and the PyTorch side with torch.set_num_threads(every core).
# Environment: BENCH_TEXT_DATA, BENCH_TEXT_LAYERS (as run_text_throughput.sh); BENCH_PREDICT_TEXT_DIR
# (folder of the cached project, export and tables).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
. "$here/bench_lib.sh"
cli="$build/app/attune-cli"
[ -x "$cli" ] || { echo "No $cli: build it with 'ninja -C $build attune-cli'." >&2; exit 1; }
texts=1000 tokens=128 words=300 repeat=1
threads=$(nproc)
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
  case $1 in
    --texts) texts=$2 ;;
    --tokens) tokens=$2 ;;
    --words) words=$2 ;;
    --repeat) repeat=$2 ;;
    *) echo "Unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ "$texts" -gt 32 ] || { echo "--texts must be above 32 (one batch)" >&2; exit 2; }
layers=${BENCH_TEXT_LAYERS:-12}
data=${BENCH_TEXT_DATA:-"${TMPDIR:-/tmp}/attune-bench/bert-base-$layers"}
[ -f "$data/texts.csv" ] || /usr/bin/python3 "$here/bench_text_throughput.py" --prepare "$data" --layers "$layers"
work=${BENCH_PREDICT_TEXT_DIR:-"${TMPDIR:-/tmp}/attune-bench/predict-text-bert-$layers"}
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The model: a run of one epoch on 8 texts (4 more validate), exported.
model="$work/export-$tokens"
if [ ! -f "$model/attune-export.json" ]; then
  project="$work/train-$tokens"
  rm -rf "$project" "$model"
  mkdir -p "$project"
  head -n 13 "$data/texts.csv" >"$project/texts.csv"
  { "$cli" new "$project/bench.attune" --task text --data "$project/texts.csv" --model bert \
      --weights "$data/bert-base" --val-fraction 0.34 --set epochs=1 --set batch_size=4 \
      --set model.max_tokens="$tokens" --force &&
    "$cli" train "$project/bench.attune" &&
    "$cli" export "$project/bench.attune" --out "$model"; } >"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log" >&2; exit 1; }
fi
# The tables: TEXTS texts, and their first 32 (one batch).
table="$work/texts-$texts-$words.csv"
[ -f "$table" ] ||
  /usr/bin/python3 "$here/bench_predict_text.py" --write-texts "$table" --vocab "$data/bert-base/vocab.txt" \
    --texts "$texts" --words "$words"
small="$tmp/texts-32.csv"
head -n 33 "$table" >"$small"

# timed SIDE SIZE COMMAND...: runs COMMAND, keeps the fastest wall time (s) and the largest peak (KB) of
# SIDE at SIZE in $tmp/SIDE-SIZE, and its output in $tmp/SIDE-SIZE.out.
timed() {
  side=$1 size=$2
  shift 2
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >"$tmp/$side-$size.out" 2>&1 ||
    { cat "$tmp/$side-$size.out" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v kb="$(tail -n 1 "$tmp/rss")" -v f="$tmp/$side-$size" '
    BEGIN {
      t = e - s; best = t; peak = kb
      if ((getline line < f) > 0) { split(line, old, " "); if (old[1] < best) best = old[1]; if (old[2] > peak) peak = old[2] }
      close(f); print best, peak > f
    }'
}

bench_header
echo "# model: $model ($layers encoder layers, texts cut to $tokens tokens), $texts texts of $words words," \
  "fastest of $repeat; $threads compute threads on both sides"
i=0
while [ "$i" -lt "$repeat" ]; do
  i=$((i + 1))
  timed attune all "$cli" predict "$model" "$table" --out "$tmp/attune.csv"
  timed python all /usr/bin/python3 "$here/bench_predict_text.py" "$model" "$table" --threads "$threads" --out "$tmp/python.csv"
  grep '^#' "$tmp/python-all.out" || true
  timed attune small "$cli" predict "$model" "$small" --out "$tmp/attune-small.csv"
  timed python small /usr/bin/python3 "$here/bench_predict_text.py" "$model" "$small" --threads "$threads" --out "$tmp/python-small.csv"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$here/bench_predict_text.py" --compare "$tmp/attune.csv" "$tmp/python.csv"
for side in attune python; do
  read -r all_s all_kb <"$tmp/$side-all"
  read -r small_s _ <"$tmp/$side-small"
  awk -v side="$side" -v t="$tokens" -v n="$texts" -v all="$all_s" -v small="$small_s" -v kb="$all_kb" 'BEGIN {
    printf "%s bert-%d %d %d %.2f %.2f %.2f %.0f\n", side, t, t, n, n / all, all, (all > small ? (n - 32) / (all - small) : 0), kb / 1000
  }'
done | tee "$tmp/results"
echo
awk -v n="$texts" '
  $1 == "attune" { aw = $5; as = $6; ap = $7; am = $8; model = $2 }
  $1 == "python" { pw = $5; ps = $6; pp = $7; pm = $8 }
  END {
    printf "%-12s %-30s %15s %15s %15s\n", "model", "texts/s", "Attune", "PyTorch", "Attune/PyTorch"
    printf "%-12s %-30s %15.2f %15.2f %15.2f\n", model, "whole command (" n " texts)", aw, pw, (pw > 0 ? aw / pw : 0)
    printf "%-12s %-30s %15.2f %15.2f %15.2f\n", model, "predicting (" n " - 32 texts)", ap, pp, (pp > 0 ? ap / pp : 0)
    printf "wall time: Attune %.2f s, PyTorch %.2f s; peak memory: Attune %.0f MB, PyTorch %.0f MB\n", as, ps, am, pm
  }' "$tmp/results"
