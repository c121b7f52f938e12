#!/bin/sh
# How each parser's time grows with its input: 1x, 10x and 100x a normal input, growth per 10x (about
# 10 is linear, about 100 quadratic). Run it on a quiet machine: other load makes the factors noisy.
#   tests/benchmarks/run_parser_growth.sh [BUILD_DIR] [OPTION]...   (OPTIONs: bench_parser_growth --help)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
bench="$build/tests/benchmarks/bench_parser_growth"
[ -x "$bench" ] || { echo "No $bench: build it with 'ninja -C $build bench_parser_growth'." >&2; exit 1; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" "$@"
