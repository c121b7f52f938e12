#!/usr/bin/env bash
# Sanitizer builds (issue 20, "The suite"): AddressSanitizer + UndefinedBehaviorSanitizer over the test
# suite, ThreadSanitizer over the programs that run threads (the batch loader, the window's background
# jobs and training run, the training session).
#
#   tests/sanitize/run.sh [--ci|--full] [asan|tsan]...      (default: --ci, both)
#
#   --full  asan: every test program of the suite (ctest, all of it); tsan: the thread tests below
#           (SUBSET_TSAN_FULL: the loader, the training session and the window's worker threads).
#           Compiles all of Attune twice more (LibTorch's units too): 30-60 min on 2 cores, cold cache.
#   --ci    the subset that fits CI's budget: the programs that build without any unit that includes
#           LibTorch (the parsers, readers, writers, the label tools, the loader), so a cold compiler
#           cache compiles only the small units. The lists are SUBSET_* below; README says why.
#
# Build folders: build-asan, build-tsan (ATTUNE_SANITIZE_BUILD_ROOT moves them). Any sanitizer report
# fails the run, including one from a child process (attune-cli run by a CLI test) whose test expected
# it to fail anyway: every report is written to a file under <build>/sanitizer-reports/, and the run
# fails when that folder is not empty at the end. Leak, race and UBSan suppressions for third-party
# libraries only: tests/sanitize/*.supp, each entry with its reason.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source_dir=$PWD
here=$source_dir/tests/sanitize

mode=ci
kinds=()
for arg in "$@"; do
  case $arg in
    --ci) mode=ci ;;
    --full) mode=full ;;
    asan | tsan) kinds+=("$arg") ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "run.sh: unknown argument '$arg'. Use: run.sh [--ci|--full] [asan|tsan]..." >&2
      exit 2
      ;;
  esac
done
((${#kinds[@]})) || kinds=(asan tsan)

jobs=${ATTUNE_SANITIZE_JOBS:-$(nproc)}
build_root=${ATTUNE_SANITIZE_BUILD_ROOT:-$source_dir}

# ASan+UBSan in CI: no program here compiles a unit that includes LibTorch (core/models, core/training,
# core/eval and the window's library do); together they cover safetensors, the PyTorch checkpoint reader,
# TF.js, the model catalog, downloads and caches, the project file and its journal, the tables, images
# and the batch loader, label import/export, data health, the CLI's command line and an export's
# manifest. Not here, --full only: test_wordpiece_tokenizer (5.5 min under ASan: it tokenizes every Unicode code point and the
# real BERT vocabulary against Python's and JavaScript's tokenizers).
SUBSET_ASAN_CI=(
  test_engine_boundary test_safetensors test_pytorch_checkpoint test_model_catalog test_tfjs_model
  test_downloader test_weight_caches test_training_config test_project_file test_label_journal
  test_early_stopping test_data_report test_image_folder test_stratified_split test_image_transform
  test_batch_loader test_text_dataset test_label_exchange test_dataset_health test_cli_command_line
  test_trained_model_files
)
# Build targets that these tests run besides themselves.
SUBSET_ASAN_CI_HELPERS=(label_journal_writer)
# ThreadSanitizer, --full: the loader's workers, the training session with tiny real runs (its
# QThread, stop/pause flags, metrics buffer), and the window's worker threads: background jobs
# (evaluation, suggestions, health check, export, "Try it"), the LR finder, the thumbnail cache and a
# run's end, each handed back through ui/GuiHandOff (a std::mutex and an eventfd, which TSan sees,
# instead of Qt's queued events, which it does not in Debian's Qt). What is still Qt's own (its
# painting on its global pool, QtConcurrent's engine) is set aside in tsan.supp, each with its reason;
# the GUI test programs run with one thread in Qt's global pool (tests/support/TsanQtPool.cpp).
SUBSET_TSAN_FULL=(
  test_batch_loader test_training_session test_window_parts test_main_window test_training_settings
  test_label_grid_paint test_evaluation_view test_label_view test_engine_failures
)
SUBSET_TSAN_FULL_HELPERS=(label_view_writer)
# ThreadSanitizer in CI: the loader (no LibTorch unit to compile). The window's programs link the
# engine, so they compile every LibTorch unit under TSan: --full only.
SUBSET_TSAN_CI=(test_batch_loader)

configure() { # build-dir sanitizers
  cmake -S "$source_dir" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTUNE_BUILD_TESTS=ON \
    -DATTUNE_WARNINGS_AS_ERRORS=ON -DATTUNE_SANITIZE="$2" >/dev/null
}

# Runs ctest on the tests named (all when none) with the sanitizer's options; fails on a failed test
# or on any report written by any process.
run_tests() { # build-dir test-name...
  local dir=$1
  shift
  local reports=$dir/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  local filter=()
  if (($#)); then
    local IFS='|'
    filter=(-R "^($*)\$")
  fi
  local status=0
  # A program under a sanitizer runs 2-3x (ASan) to 5-15x (TSan) slower; a Qt test function's own
  # limit (5 min by default) would end a slow training test that is not hung.
  QTEST_FUNCTION_TIMEOUT=1800000 ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${filter[@]}" || status=$?
  local found=()
  mapfile -t found < <(find "$reports" -type f | sort)
  if ((${#found[@]})); then
    echo "== ${#found[@]} sanitizer report(s):" >&2
    local file
    for file in "${found[@]}"; do
      echo "-- $file" >&2
      cat "$file" >&2
    done
    status=1
  fi
  return "$status"
}

run_asan() {
  local dir=$build_root/build-asan
  configure "$dir" address,undefined
  local targets=(all)
  local tests=()
  if [[ $mode == ci ]]; then
    targets=("${SUBSET_ASAN_CI[@]}" "${SUBSET_ASAN_CI_HELPERS[@]}")
    tests=("${SUBSET_ASAN_CI[@]}")
  fi
  local started=$SECONDS
  # run_asan runs as `run_asan || ...`, where set -e does not apply: a failed build must stop it here.
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}" || { echo "== asan ($mode): the build failed" >&2; return 1; }
  echo "== asan ($mode): built in $((SECONDS - started)) s"
  started=$SECONDS
  local status=0
  # halt_on_error: the first report ends the program (a test that passes after memory went wrong
  # proves nothing). detect_leaks: LeakSanitizer at exit, third-party leaks set aside in lsan.supp.
  # log_path: reports go to files (see the top), named after the process id.
  ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$dir/sanitizer-reports/asan" \
    LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp:log_path=$dir/sanitizer-reports/ubsan" \
    run_tests "$dir" "${tests[@]}" || status=$?
  echo "== asan ($mode): tests ran in $((SECONDS - started)) s"
  return "$status"
}

run_tsan() {
  local dir=$build_root/build-tsan
  configure "$dir" thread
  local tests=("${SUBSET_TSAN_FULL[@]}")
  [[ $mode == ci ]] && tests=("${SUBSET_TSAN_CI[@]}")
  local started=$SECONDS
  local targets=("${tests[@]}")
  [[ $mode == full ]] && targets+=("${SUBSET_TSAN_FULL_HELPERS[@]}")
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}" || { echo "== tsan ($mode): the build failed" >&2; return 1; }
  echo "== tsan ($mode): built in $((SECONDS - started)) s"
  started=$SECONDS
  local status=0
  # OMP_NUM_THREADS=1: LibTorch's parallel loops run on GCC's OpenMP runtime (libgomp), whose barriers
  # TSan cannot see (it is not instrumented); one thread where Attune does not set the count itself (a
  # training run does: tsan.supp sets the OpenMP workers' reports aside). The threads Attune itself
  # starts (QThread, std::thread, QtConcurrent) are what these tests are about.
  OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$here/tsan.supp:log_path=$dir/sanitizer-reports/tsan" \
    run_tests "$dir" "${tests[@]}" || status=$?
  echo "== tsan ($mode): tests ran in $((SECONDS - started)) s"
  return "$status"
}

overall=0
for kind in "${kinds[@]}"; do
  case $kind in
    asan) run_asan || overall=1 ;;
    tsan) run_tsan || overall=1 ;;
  esac
done
exit "$overall"
