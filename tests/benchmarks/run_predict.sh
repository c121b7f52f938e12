#!/bin/sh
# Prediction throughput, Attune versus PyTorch: the same first N images of the Fashion-MNIST folder
# (built once, cached), the same model, input size, batch (32) and preprocessing (resize, centre crop,
# normalise), the same compute threads. Runs bench_predict (C++) and bench_predict.py per
# architecture, one after the other, and prints images/s of each and the ratio Attune/PyTorch.
#   tests/benchmarks/run_predict.sh [BUILD_DIR] [--arch a,b] [--size PX] [--images N] [--threads N]
# Environment: BENCH_DATA (folder to build/reuse), BENCH_PER_CLASS (images per class, default 300).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
. "$here/bench_lib.sh"
bench_program bench_predict
bench_data
bench_archs resnet18,mobilenet_v2 "$@"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
bench_header
for arch in $(echo "$archs" | tr ',' ' '); do
  "$bench" "$data" "$@" --arch "$arch" | tee -a "$results" | grep '^#' || true
  /usr/bin/python3 "$here/bench_predict.py" "$data" "$@" --arch "$arch" | tee -a "$results" | grep '^#' || true
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  $1 == "attune" { a[$2] = $5; size[$2] = $3; n[$2] = $4; order[++k] = $2 }
  $1 == "python" { p[$2] = $5 }
  END {
    printf "%-14s %5s %6s %14s %14s %14s\n", "architecture", "input", "images", "Attune img/s", "PyTorch img/s", "Attune/PyTorch"
    for (i = 1; i <= k; ++i) {
      x = order[i]
      printf "%-14s %5d %6d %14.2f %14.2f %14.2f\n", x, size[x], n[x], a[x], p[x], (p[x] > 0 ? a[x] / p[x] : 0)
    }
  }' "$results"
