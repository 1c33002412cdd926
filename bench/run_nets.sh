#!/usr/bin/env bash
# typenet vs PyTorch on the depthwise-separable and VGG-style nets (dsl/separable.hpp,
# dsl/vgg_small.hpp), same machine, same run; results in docs/performance.md.
#
#   bash bench/run_nets.sh [--rounds N] [--quick] [--build DIR]
#
# Builds nets_bench (Release, -O3 -march=native) in DIR (default build/bench), then runs N rounds
# (default 3), each: nets_bench, then bench/pytorch_nets.py in every BLAS environment worth
# trying: as it is (`env`), with OPENBLAS_CORETYPE unset (`unset`), forced to SkylakeX and to
# Haswell (OpenBLAS 0.3.21 falls back to its SSE3 kernels on CPUs it does not know; a forced
# kernel counts only if its SGEMM checks out, which the script verifies before timing, refusing
# otherwise), and for 2 threads with OMP_WAIT_POLICY=passive. The report (bench/report_nets.py)
# takes medians over rounds and PyTorch's best variant per configuration.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/bench"
rounds=3
quick=0
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--quick] [--build DIR]" >&2; exit 2 ;;
    esac
done
bash "$root/tools/deps.sh" python3-torch python3-numpy libopenblas0-pthread
python=/usr/bin/python3
args=()
[ "$quick" = 1 ] && args=(--quick)
commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- include dsl || commit="$commit (with uncommitted changes in include/ or dsl/)"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O3 -DNDEBUG -march=native" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target nets_bench -j 2 >/dev/null

log="$build/bench_nets.log"
: >"$log"
tag() { sed -E "s/^(info|result|error) /\1 variant=$1 /"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    echo "round $r" | tee -a "$log" >&2
    "$build/bench/nets_bench" "${args[@]}" >>"$log"
    "$python" "$root/bench/pytorch_nets.py" "${args[@]}" | tag env >>"$log" || true
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$root/bench/pytorch_nets.py" \
        "${args[@]}" | tag unset >>"$log" || true
    for core in SkylakeX Haswell; do
        OPENBLAS_CORETYPE=$core "$python" "$root/bench/pytorch_nets.py" "${args[@]}" |
            tag "$core" >>"$log" || true
    done
    OMP_WAIT_POLICY=passive "$python" "$root/bench/pytorch_nets.py" "${args[@]}" --threads 2 |
        tag passive >>"$log" || true
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# Depthwise-separable and VGG-style nets: typenet vs PyTorch"
echo
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Commit: ${commit}."
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average before ${load_before}, after ${load_after}."
echo "Command: bash bench/run_nets.sh --rounds ${rounds}$([ "$quick" = 1 ] && echo ' --quick')"
echo
"$python" "$root/bench/report_nets.py" "$log"
