#!/bin/sh
# Lists the slowest tests of a ctest log (ctest's own timings):  slowest_tests.sh CTEST_LOG [COUNT]
# Used by installer/setup.sh --test and .ci/run.
set -eu
grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$1" |
  sed -E 's/^.*Test +#[0-9]+: ([^ ]+) .* ([0-9.]+) sec$/\2 \1/' | sort -rn | head -n "${2:-10}" |
  awk '{ printf "    %-30s %8.1f s\n", $2, $1 }'
