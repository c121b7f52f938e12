#!/bin/sh
# Training throughput, Attune versus PyTorch, on the same Fashion-MNIST image folder with the same
# model, batch, optimiser, transforms and threads. Builds the folder once (cached),
# runs bench_train_throughput (C++) and bench_train_throughput.py per architecture, one after the
# other, and prints images/s of each, the ratio Attune/PyTorch, and where an average step's time goes
# on each side (data wait, to tensor, forward, backward, update, other).
#   tests/benchmarks/run_throughput.sh [BUILD_DIR] [OPTION]...
# OPTIONs go to both programs: --arch a,b --size PX --batch N --threads N --workers N --warmup N --steps N.
# Without --workers each side uses its default: Attune chooses its image workers (LoaderPolicy.h: 1 to
# start on 2 cores, more while the model waits), the PyTorch loop a DataLoader with 2 worker processes.
# Environment: BENCH_DATA (folder to build/reuse), BENCH_PER_CLASS (images per class, default 300).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
. "$here/bench_lib.sh"
bench_program bench_train_throughput
bench_data
bench_archs resnet18,mobilenet_v2 "$@"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
bench_header
echo "# data: $data ($(find "$data" -name '*.png' | wc -l) images)"
for arch in $(echo "$archs" | tr ',' ' '); do
  "$bench" "$data" "$@" --arch "$arch" | tee -a "$results" | grep '^#' || true
  /usr/bin/python3 "$here/bench_train_throughput.py" "$data" "$@" --arch "$arch" | tee -a "$results" | grep '^#' || true
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_training_table "$results" "img/s"
