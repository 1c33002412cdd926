#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt) with clang 14, ASan and UBSan in
# build/fuzz, and runs each for SECONDS (default 60) on a working copy of its corpus, so the
# checked-in corpus is never written to. Usage:
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      (targets: json safetensors idx_raw idx_gzip)
# Under build/fuzz: work/<target>/ (the growing corpus, kept between runs), artifacts/<target>/
# (inputs that crashed or broke a check), logs/<target>.log. Exits non-zero if any target found
# something; docs/fuzzing.md says how to turn a finding into a regression input.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json safetensors idx_raw idx_gzip)

bash tools/deps.sh clang-14 libclang-rt-14-dev
build=build/fuzz
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTYPENET_FUZZ=ON >/dev/null
cmake --build "$build" -j "${TYPENET_FUZZ_JOBS:-$(nproc)}" \
    --target "${targets[@]/#/fuzz_}"

# The targets write each input to a scratch file: on tmpfs when there is one.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi

failed=()
for t in "${targets[@]}"; do
    work=$build/work/$t
    artifacts=$build/artifacts/$t
    mkdir -p "$work" "$artifacts" "$build/logs"
    cp -n tests/fuzz/corpus/"$t"/* "$work"/
    find tests/fuzz/regressions/"$t" -type f ! -name '.*' -exec cp -n {} "$work"/ \;
    echo "fuzz_$t: ${seconds} s, corpus $work, log $build/logs/$t.log"
    # -malloc_limit_mb: no input of a few KB needs more; a larger allocation is a finding.
    if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -malloc_limit_mb=64 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" >"$build/logs/$t.log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$t")
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log")
    echo "fuzz_$t: $status, ${runs:-?} runs, corpus $(find "$work" -type f | wc -l) files"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "findings in: ${failed[*]} (see $build/artifacts/ and $build/logs/)" >&2
    exit 1
fi
