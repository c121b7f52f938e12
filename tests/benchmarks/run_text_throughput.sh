#!/bin/sh
# Text training throughput, Attune versus PyTorch: BERT-base (randomly initialised, written once as a
# Hugging Face folder by bench_text_throughput.py --prepare, cached) fine-tuned for two classes on the
# same texts, with the same batch, optimiser, rates, label smoothing, dropout and threads, at each token
# count. Runs bench_text_throughput (C++) and bench_text_throughput.py per token count, one after the
# other, and prints texts/s of each, the ratio Attune/PyTorch, peak memory and where a step's time goes.
#   tests/benchmarks/run_text_throughput.sh [BUILD_DIR] [OPTION]...
# OPTIONs go to both programs: --tokens a,b --batch N --threads N --warmup N --steps N.
# Environment: BENCH_TEXT_DATA (folder to write/reuse), BENCH_TEXT_LAYERS (encoder layers, default 12).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
. "$here/bench_lib.sh"
bench_program bench_text_throughput
layers=${BENCH_TEXT_LAYERS:-12}
data=${BENCH_TEXT_DATA:-"${TMPDIR:-/tmp}/attune-bench/bert-base-$layers"}
[ -f "$data/texts.csv" ] || /usr/bin/python3 "$here/bench_text_throughput.py" --prepare "$data" --layers "$layers"
tokens=64,128
prev=
for option in "$@"; do
  case "$prev${prev:+ }$option" in --tokens\ *) tokens=$option ;; esac
  prev=$option
done
results=$(mktemp)
trap 'rm -f "$results"' EXIT
bench_header
echo "# data: $data ($layers encoder layers)"
for t in $(echo "$tokens" | tr ',' ' '); do
  "$bench" "$data" "$@" --tokens "$t" | tee -a "$results" | grep '^#' || true
  /usr/bin/python3 "$here/bench_text_throughput.py" "$data" "$@" --tokens "$t" | tee -a "$results" | grep '^#' || true
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_training_table "$results" "texts/s"
