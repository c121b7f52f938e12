# Sourced by run_throughput.sh, run_text_throughput.sh and run_predict.sh (POSIX sh): what both need before they run a
# benchmark program and its PyTorch twin. Expects $here (this folder) and $build (the build folder).

# bench_program NAME: sets $bench to the built program NAME, or stops saying how to build it.
bench_program() {
  bench="$build/tests/benchmarks/$1"
  [ -x "$bench" ] || { echo "No $bench: build it with 'ninja -C $build $1'." >&2; exit 1; }
}

# bench_data: sets $data to the Fashion-MNIST image folder (BENCH_DATA, or one made once with
# BENCH_PER_CLASS images per class, default 300).
bench_data() {
  data=${BENCH_DATA:-"${TMPDIR:-/tmp}/attune-bench/fashion-mnist-${BENCH_PER_CLASS:-300}"}
  /usr/bin/python3 "$here/make_fashion_mnist_folders.py" "$data" --per-class "${BENCH_PER_CLASS:-300}"
}

# bench_archs DEFAULT OPTION...: sets $archs to the value of --arch among the options, else DEFAULT.
bench_archs() {
  archs=$1
  shift
  prev=
  for option in "$@"; do
    case "$prev${prev:+ }$option" in --arch\ *) archs=$option ;; esac
    prev=$option
  done
}

# bench_header: the time, the CPU count and model, and the load, as the first line of the figures.
bench_header() {
  echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_training_table RESULTS UNIT: from the "attune"/"python", "phases" and "memory" lines both
# training benchmarks print, the table of throughputs with the ratio Attune/PyTorch, the peak memory of
# each side, and where an average step's time went on each side.
bench_training_table() {
  awk -v unit="$2" '
    $1 == "attune" { a[$2] = $5; size[$2] = $3; batch[$2] = $4; order[++n] = $2 }
    $1 == "python" { p[$2] = $5 }
    END {
      printf "%-14s %5s %5s %14s %14s %14s\n", "architecture", "input", "batch", "Attune " unit, "PyTorch " unit, "Attune/PyTorch"
      for (i = 1; i <= n; ++i) {
        k = order[i]
        printf "%-14s %5d %5d %14.2f %14.2f %14.2f\n", k, size[k], batch[k], a[k], p[k], (p[k] > 0 ? a[k] / p[k] : 0)
      }
    }' "$1"
  echo
  grep -h '^memory ' "$1" | sed 's/^memory /peak memory: /' || true
  echo
  echo "where a step's time goes (ms per step; StepPhases in core/training/RunMetrics.h):"
  awk '
    $1 == "phases" {
      if (!shown++) printf "%-7s %-14s %9s %9s %9s %9s %9s %9s\n", "", "architecture", "data wait", "to tensor", "forward", "backward", "update", "other"
      printf "%-7s %-14s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", $2, $3, $4, $5, $6, $7, $8, $9
    }' "$1"
}
