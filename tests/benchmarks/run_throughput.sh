#!/bin/sh
# Training throughput, Attune versus PyTorch, on the same Fashion-MNIST image folder with the same
# model, batch, optimiser, transforms, threads and loader workers. Builds the folder once (cached),
# runs bench_train_throughput (C++) and bench_train_throughput.py per architecture, one after the
# other, and prints images/s of each, the ratio Attune/PyTorch, and where an average step's time goes
# on each side (data wait, to tensor, forward, backward, update, other).
#   tests/benchmarks/run_throughput.sh [BUILD_DIR] [OPTION]...
# OPTIONs go to both programs: --arch a,b --size PX --batch N --threads N --workers N --warmup N --steps N.
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
awk '
  $1 == "attune" { a[$2] = $5; size[$2] = $3; batch[$2] = $4; order[++n] = $2 }
  $1 == "python" { p[$2] = $5 }
  END {
    printf "%-14s %5s %5s %14s %14s %14s\n", "architecture", "input", "batch", "Attune img/s", "PyTorch img/s", "Attune/PyTorch"
    for (i = 1; i <= n; ++i) {
      k = order[i]
      printf "%-14s %5d %5d %14.2f %14.2f %14.2f\n", k, size[k], batch[k], a[k], p[k], (p[k] > 0 ? a[k] / p[k] : 0)
    }
  }' "$results"
echo
grep -h '^memory ' "$results" | sed 's/^memory /peak memory: /' || true
echo
echo "where a step's time goes (ms per step; StepPhases in core/training/RunMetrics.h):"
awk '
  $1 == "phases" {
    if (!shown++) printf "%-7s %-14s %9s %9s %9s %9s %9s %9s\n", "", "architecture", "data wait", "to tensor", "forward", "backward", "update", "other"
    printf "%-7s %-14s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", $2, $3, $4, $5, $6, $7, $8, $9
  }' "$results"
