#!/usr/bin/env bash
# Runs Attune's libFuzzer targets (tests/fuzz/fuzz_*.cpp) with ASan + UBSan.
#
#   tests/fuzz/run_fuzz.sh [--ci | --long | --seconds N] [--jobs N] [TARGET...]
#
#   --ci       60 s per target (the default); CI runs this.
#   --long     10 min per target; inputs that crash are copied into tests/fuzz/regressions/<target>/
#              (commit them: the normal build's fuzz_replay_<target> test replays them every time).
#   --seconds  N s per target.
#   --jobs     targets run at once (default 2: one per core of the reference machine).
#   TARGET     safetensors pytorch_checkpoint tfjs_model keras_topology project_file label_journal
#              text_table label_studio export_manifest (default: all).
#
# Configures and builds build-fuzz (clang, ATTUNE_FUZZ=ON; ATTUNE_FUZZ_BUILD moves it), then fuzzes
# each target over a copy of its seed corpus and regressions (the repository's corpus never grows),
# with a 5 s limit per input and 2 GB of memory, and prints executions and coverage per target.
# Exits non-zero when any target crashes, hangs, runs out of memory or reports a sanitizer error,
# naming the input that did it (kept under the run's work folder, printed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
all_targets=(safetensors pytorch_checkpoint tfjs_model keras_topology project_file label_journal text_table
  label_studio export_manifest)

seconds=60
mode=ci
jobs=2
targets=()
while (($#)); do
  case "$1" in
    --ci) seconds=60 mode=ci ;;
    --long) seconds=600 mode=long ;;
    --seconds) seconds=$2 mode=custom; shift ;;
    --jobs) jobs=$2; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "run_fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      if [[ ! -f "$here/fuzz_$1.cpp" ]]; then
        echo "run_fuzz.sh: no fuzz target '$1' (targets: ${all_targets[*]})" >&2
        exit 2
      fi
      targets+=("$1") ;;
  esac
  shift
done
((${#targets[@]})) || targets=("${all_targets[@]}")

# The longest input each target is given: a few times its largest seed, enough for every structure of
# its format; longer inputs mostly slow the search down.
max_len() {
  case "$1" in
    safetensors|pytorch_checkpoint|tfjs_model) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

build=${ATTUNE_FUZZ_BUILD:-$root/build-fuzz}
for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "run_fuzz.sh: $tool is missing (installer/setup.sh --test installs it)" >&2; exit 1; }
done
# Warnings are errors in the GCC test build; clang's own extra warnings do not stop the fuzzing.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DATTUNE_FUZZ=ON -DATTUNE_WITH_GUI=OFF -DATTUNE_WARNINGS_AS_ERRORS=OFF >/dev/null
# A fresh work folder per run: the build's log, corpus copies, artifacts (crash-*, timeout-*, oom-*,
# leak-*) and the fuzzers' logs.
work=${ATTUNE_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/attune-fuzz-run-XXXXXX")}
mkdir -p "$work"
start=$(date +%s)
if ! cmake --build "$build" --target "${targets[@]/#/fuzz_}" -- -j"$jobs" >"$work/build.log" 2>&1; then
  grep -E -A5 'error|FAILED' "$work/build.log" | head -60 >&2
  echo "run_fuzz.sh: the fuzz build failed (log: $work/build.log)" >&2
  exit 1
fi
echo "built in $(($(date +%s) - start)) s"
# Readers that take a path get the input in a temporary file: keep those in memory where possible.
[[ -d /dev/shm && -w /dev/shm ]] && export TMPDIR=/dev/shm
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen

run_target() {
  local target=$1 dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -r "$here/corpus/$target/." "$dir/corpus/"
  [[ -d "$here/regressions/$target" ]] && cp -r "$here/regressions/$target/." "$dir/corpus/"
  # The JSON-based targets get the JSON syntax and their format's keys; the others their own, if any.
  local dict_option=()
  case "$target" in
    safetensors|tfjs_model|keras_topology|project_file|label_journal|label_studio|export_manifest)
      cat "$here/dict/json.dict" "$here/dict/$target.dict" >"$dir/fuzz.dict"
      dict_option=(-dict="$dir/fuzz.dict") ;;
    *) [[ -f "$here/dict/$target.dict" ]] && dict_option=(-dict="$here/dict/$target.dict") ;;
  esac
  local status=0
  (cd "$dir" && "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -max_len="$(max_len "$target")" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    "${dict_option[@]}" "$dir/corpus" >"$dir/log" 2>&1) || status=$?
  echo "$status" >"$dir/status"
}

running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  echo "fuzzing $target for $seconds s"
  run_target "$target" &
  running=$((running + 1))
done
wait || true

failed=0
printf '\n%-20s %12s %8s %8s %8s  %s\n' target executions exec/s cov features result
for target in "${targets[@]}"; do
  dir="$work/$target"
  status=$(cat "$dir/status" 2>/dev/null || echo 1)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  artifacts=$(find "$dir/artifacts" -type f | sort)
  result=ok
  if [[ $status != 0 || -n $artifacts ]]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  printf '%-20s %12s %8s %8s %8s  %s\n' "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
for target in "${targets[@]}"; do
  dir="$work/$target"
  artifacts=$(find "$dir/artifacts" -type f | sort)
  [[ $(cat "$dir/status" 2>/dev/null || echo 1) == 0 && -z $artifacts ]] && continue
  echo
  echo "=== $target: $dir/log"
  grep -E -m1 -A25 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|FUZZ_CHECK|deadly signal|out-of-memory|timeout after|uncaught exception|terminate called' "$dir/log" || tail -30 "$dir/log"
  for artifact in $artifacts; do
    echo "input: $artifact"
    echo "  replay: $build/tests/fuzz/fuzz_$target $artifact"
    if [[ $mode == long ]]; then
      mkdir -p "$here/regressions/$target"
      cp "$artifact" "$here/regressions/$target/"
      echo "  kept as tests/fuzz/regressions/$target/$(basename "$artifact") (commit it)"
    fi
  done
done
echo
echo "work folder: $work"
exit $failed
