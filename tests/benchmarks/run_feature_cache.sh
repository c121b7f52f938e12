#!/bin/sh
# Time to a validation accuracy with cached features versus full fine-tuning, on 4 Fashion-MNIST
# classes (BENCH_PER_CLASS images each, default 200, built once) from nsfwjs's pretrained
# MobileNetV2 (TF.js, fetched once).
#   tests/benchmarks/run_feature_cache.sh [BUILD_DIR] [OPTION]...   (OPTIONs: bench_feature_cache --help)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
bench="$build/tests/benchmarks/bench_feature_cache"
[ -x "$bench" ] || { echo "No $bench: build it with 'ninja -C $build bench_feature_cache'." >&2; exit 1; }
data=${BENCH_DATA:-"${TMPDIR:-/tmp}/attune-bench/fashion-mnist-4x${BENCH_PER_CLASS:-200}"}
/usr/bin/python3 "$here/make_fashion_mnist_folders.py" "$data" --per-class "${BENCH_PER_CLASS:-200}" --classes 0,1,7,8
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); data: $data"
"$bench" "$data" "$@"
