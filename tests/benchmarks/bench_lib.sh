# Sourced by run_throughput.sh and run_predict.sh (POSIX sh): what both need before they run a
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
