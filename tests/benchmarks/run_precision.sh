#!/bin/sh
# Training steps in float32 versus bfloat16 on Fashion-MNIST (300 images per class, built once).
#   tests/benchmarks/run_precision.sh [BUILD_DIR] [OPTION]...   (OPTIONs: bench_precision --help)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
bench="$build/tests/benchmarks/bench_precision"
[ -x "$bench" ] || { echo "No $bench: build it with 'ninja -C $build bench_precision'." >&2; exit 1; }
data=${BENCH_DATA:-"${TMPDIR:-/tmp}/attune-bench/fashion-mnist-300"}
/usr/bin/python3 "$here/make_fashion_mnist_folders.py" "$data" --per-class 300
flags=$(grep -o -w -m1 -e avx512_bf16 -e amx_bf16 /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs (bf16: ${flags:-none}), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" "$data" "$@"
