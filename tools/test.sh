#!/usr/bin/env bash
# The README's test command: install dependencies, build everything (g++, plain Release: CMake's
# -O3 -DNDEBUG, -Werror; TYPENET_PRESET=dev for -O2 -g with assertions) and run every test (units,
# gradient checks, compile-fail cases, header checks, examples, the Cortex-M4F firmware in QEMU,
# benchmark smoke runs).
# Exits non-zero when any test fails. Extra arguments go to ctest (e.g. -R conv).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Cortex-M4F example's cross compiler, newlib and QEMU (examples/cortex_m4, whose test runs
# only where they are installed).
bash tools/deps.sh gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib \
    qemu-system-arm
# oneDNN, for the benchmarks' direct oneDNN peer (bench/onednn_nets.cpp), whose gradients
# bench.onednn_check compares with PyTorch's (where python3-torch is installed).
bash tools/deps.sh libdnnl-dev
preset=${TYPENET_PRESET:-test}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)" "$@"
