#!/usr/bin/env bash
# typenet against PyTorch and a direct oneDNN implementation on the main job's residual net
# (dsl/resnet.hpp, resnet_fmnist), the depthwise-separable net (dsl/separable.hpp) and the
# VGG-style net (dsl/vgg_small.hpp, typenet and PyTorch only), same machine, same run; results in
# docs/performance.md.
#
#   bash bench/run_nets.sh [--rounds N] [--quick] [--build DIR]
#
# Builds nets_bench and onednn_nets (Release, -O3 -march=native) in DIR (default build/bench),
# checks onednn_nets' gradients against PyTorch's float64 ones (bench/onednn_check.sh; a failed
# check stops the run), then runs N rounds (default 3), each: nets_bench; onednn_nets as it is
# and with --fused (oneDNN's own fusions), and for 2 threads with OMP_WAIT_POLICY=passive;
# bench/pytorch_nets.py in every BLAS environment worth trying: as it is (`env`), with
# OPENBLAS_CORETYPE unset (`unset`), forced to SkylakeX and to Haswell (OpenBLAS 0.3.21 falls back
# to its SSE3 kernels on CPUs it does not know; a forced kernel counts only if its SGEMM checks
# out, which the script verifies before timing, refusing otherwise), and for 2 threads with
# OMP_WAIT_POLICY=passive. The report (bench/report_nets.py) takes medians over rounds and each
# peer's best variant per configuration.
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
bash "$root/tools/deps.sh" python3-torch python3-numpy libopenblas0-pthread libdnnl-dev
python=/usr/bin/python3
args=()
[ "$quick" = 1 ] && args=(--quick)
commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- include dsl || commit="$commit (with uncommitted changes in include/ or dsl/)"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O3 -DNDEBUG -march=native" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target nets_bench onednn_nets -j 2 >/dev/null
onednn="$build/bench/onednn_nets"
bash "$root/bench/onednn_check.sh" "$onednn" "$python" "$build/onednn_reference" >"$build/onednn_check.log" ||
    { cat "$build/onednn_check.log" >&2; echo "run_nets.sh: onednn_nets failed its check against PyTorch" >&2; exit 1; }

log="$build/bench_nets.log"
: >"$log"
tag() { sed -E "s/^(info|result|error) /\1 variant=$1 /"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    echo "round $r" | tee -a "$log" >&2
    "$build/bench/nets_bench" "${args[@]}" >>"$log"
    for fused in "" --fused; do
        "$onednn" "${args[@]}" $fused >>"$log"
        OMP_WAIT_POLICY=passive "$onednn" "${args[@]}" $fused |
            sed -E 's/ variant=([a-z]+) / variant=\1+passive /' >>"$log"
    done
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

echo "# Residual, depthwise-separable and VGG-style nets: typenet vs PyTorch and oneDNN"
echo
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Commit: ${commit}."
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average before ${load_before}, after ${load_after}."
echo "Command: bash bench/run_nets.sh --rounds ${rounds}$([ "$quick" = 1 ] && echo ' --quick')"
echo
"$python" "$root/bench/report_nets.py" "$log"
