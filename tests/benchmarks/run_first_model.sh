#!/bin/sh
# A new user's first model (issue 22): the image demo made as installer/make_demo.py makes it (320
# Fashion-MNIST images, npm nsfwjs@4.3.0's pre-trained MobileNetV2, the Quick preset at 96 px), then
# `attune-cli train PROJECT --json` with the project's own settings, cold: each run has a freshly made
# project (no runs, no thumbnails) and an empty HOME and XDG_CACHE_HOME. Prints, per run and as the
# median, the seconds from starting attune-cli to the first validation accuracy and to the end of the
# run, that accuracy, and where the time went (bench_first_model.py says how each phase is measured).
# The target: at most 30 s on 2 cores.
#   tests/benchmarks/run_first_model.sh [BUILD_DIR] [--runs N]   (N default 3)
# Environment: BENCH_TFJS_CACHE (where nsfwjs is fetched once from npm, outside the measurement;
# default ${TMPDIR:-/tmp}/attune-bench/tfjs). Not measured: that download, making the images and
# `attune-cli new`; the operating system's file cache is not dropped (make_demo.py has just written
# the images, as it has for a new user).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../../build"}
[ $# -gt 0 ] && shift
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [BUILD_DIR] [--runs N]" >&2; exit 2 ;;
  esac
done
. "$here/bench_lib.sh"
cli="$build/app/attune-cli"
[ -x "$cli" ] || { echo "No $cli: build it with 'ninja -C $build attune-cli'." >&2; exit 1; }
tfjs=${BENCH_TFJS_CACHE:-"${TMPDIR:-/tmp}/attune-bench/tfjs"}
sh "$here/../weights/fetch_tfjs_data.sh" "$tfjs"
work=$(mktemp -d "${TMPDIR:-/tmp}/attune-first-model.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results"
: >"$results"

bench_header
echo "# attune-cli: $cli ($("$cli" --version 2>/dev/null || echo '?')); nsfwjs from $tfjs"
run=1
while [ "$run" -le "$runs" ]; do
  # A fresh demo and an empty home for each run; `attune-cli new` runs under that home too.
  home="$work/home-$run"
  mkdir -p "$home"
  HOME=$home XDG_CACHE_HOME=$home/.cache /usr/bin/python3 "$here/../../installer/make_demo.py" \
    --out "$work/demo-$run" --cli "$cli" --only fashion --tfjs-cache "$tfjs" >"$work/make-demo-$run.log" 2>&1 ||
    { cat "$work/make-demo-$run.log" >&2; exit 1; }
  rm -rf "$home" && mkdir -p "$home"
  echo "# run $run (load $(cut -d' ' -f1-3 /proc/loadavg)):"
  /usr/bin/python3 "$here/bench_first_model.py" "$work/demo-$run/fashion/fashion.attune" --cli "$cli" \
    --home "$home" --run "$run" | tee -a "$results" | grep '^#' || true
  rm -rf "$work/demo-$run" "$home"
  run=$((run + 1))
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -q '^first_model ' "$results" || { echo "No run gave a validation accuracy." >&2; exit 1; }

echo
echo "Seconds from starting 'attune-cli train' (where the time went: set-up = program, project, images"
echo "listed, pre-trained model read; features = computed once by the frozen MobileNetV2, the CLI's own"
echo "figure in brackets; epoch 1 = the new layer's first epoch and validation; rest = epochs 2-10, saves):"
printf '%-6s %14s %9s %9s %8s %16s %8s %7s\n' "run" "first val acc" "accuracy" "whole run" "set-up" "features" "epoch 1" "rest"
awk '$1 == "first_model" {
  printf "%-6s %12.2f s %8.1f%% %7.2f s %6.2f s %6.2f s (%5.2f s) %6.2f s %5.2f s\n", $2, $3, $5, $4, $6, $7, $8, $9, $10
}' "$results"
median() { awk '$1 == "first_model" { print $'"$1"' }' "$results" | sort -n |
  awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
printf '%-6s %12.2f s %8.1f%% %7.2f s %6.2f s %6.2f s (%5.2f s) %6.2f s %5.2f s\n' "median" \
  "$(median 3)" "$(median 5)" "$(median 4)" "$(median 6)" "$(median 7)" "$(median 8)" "$(median 9)" "$(median 10)"
echo "target: at most 30 s from Train to the first validation accuracy (median $(median 3) s)"
