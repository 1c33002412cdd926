#!/usr/bin/env bash
# The README's test command: install dependencies, build everything (g++, plain Release: CMake's
# -O3 -DNDEBUG, -Werror; TYPENET_PRESET=dev for -O2 -g with assertions) and run every test (units, gradient checks, compile-fail cases, header checks, examples, benchmark smoke runs).
# Exits non-zero when any test fails. Extra arguments go to ctest (e.g. -R conv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
preset=${TYPENET_PRESET:-test}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)" "$@"
