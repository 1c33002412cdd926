#!/usr/bin/env bash
# typenet vs PyTorch on LeNet-5, same machine, same run (issue 4; results in docs/performance.md).
#
#   bash bench/run.sh [--rounds N] [--quick] [--no-compile-time] [--build DIR]
#
# 1. Builds lenet5_bench (Release, -O3 -march=native) in DIR (default build/bench).
# 2. Runs N rounds (default 3), each: lenet5_bench, then bench/pytorch_lenet5.py with the
#    environment as it is (`env`), with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (`unset`:
#    OpenBLAS picks its kernel itself; the script checks its SGEMM is correct and prints which
#    kernel runs), and, for 2 threads, with OMP_WAIT_POLICY=passive (`passive`: OpenMP threads
#    sleep instead of spinning, which PyTorch needs when the other core is busy). The report takes
#    PyTorch's best variant per configuration. Alternating the programs spreads the machine's
#    noise over both.
# 3. Measures the trainer's compile (examples/fashion_mnist.cpp with the dev preset's -O2 -g
#    command, then the same without -g) under /usr/bin/time -v: wall time and peak memory.
# 4. Prints the markdown report (bench/report.py): medians over rounds, PyTorch at its best
#    variant, ratios, % of the core's FP32 peak, the per-layer profile.
#
# The machine is shared: read the load averages printed with the report, and rerun when they are
# high. --quick makes every measurement a few iterations (checks the pipeline, numbers
# meaningless).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/bench"
rounds=3
quick=0
compile_time=1
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --no-compile-time) compile_time=0; shift ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--quick] [--no-compile-time] [--build DIR]" >&2; exit 2 ;;
    esac
done
# The build's dependencies, and the peer: Debian's PyTorch with OpenBLAS as its BLAS.
bash "$root/tools/deps.sh" python3-torch python3-numpy libopenblas0-pthread
python=/usr/bin/python3 # Debian's interpreter: it has python3-torch
bench_args=()
py_args=()
if [ "$quick" = 1 ]; then
    bench_args=(--quick)
    py_args=(--quick)
fi

# What is measured: the commit, and whether the engine had uncommitted changes, at build time.
commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- include dsl || commit="$commit (with uncommitted changes in include/ or dsl/)"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O3 -DNDEBUG -march=native" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target lenet5_bench -j 2 >/dev/null

log="$build/bench_run.log"
: >"$log"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    echo "round $r" | tee -a "$log" >&2
    "$build/bench/lenet5_bench" "${bench_args[@]}" >>"$log"
    "$python" "$root/bench/pytorch_lenet5.py" "${py_args[@]}" |
        sed -E 's/^(info|result) /\1 variant=env /' >>"$log"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$root/bench/pytorch_lenet5.py" \
        "${py_args[@]}" | sed -E 's/^(info|result) /\1 variant=unset /' >>"$log"
    OMP_WAIT_POLICY=passive "$python" "$root/bench/pytorch_lenet5.py" "${py_args[@]}" \
        --threads 2 --no-infer | sed -E 's/^(info|result) /\1 variant=passive /' >>"$log"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

compile_line="(not measured: --no-compile-time)"
if [ "$compile_time" = 1 ]; then
    # The dev preset's flags (-O2 -g), in a directory of our own; only configured, not built.
    dev="$build/dev-flags"
    cmake -S "$root" -B "$dev" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
        -DBUILD_TESTING=OFF >/dev/null
    read -r dir cmd < <("$python" - "$dev/compile_commands.json" <<'EOF'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e["file"].endswith("examples/fashion_mnist.cpp"):
        print(e["directory"], e["command"])
        break
EOF
    )
    timing="$build/compile_time.txt"
    measure_compile() { # $1: the compile command; prints wall, user time and peak memory
        (cd "$dir" && eval /usr/bin/time -v -o "$timing" "$1")
        local wall rss user
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$timing")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$timing")
        user=$(sed -n 's/.*User time (seconds): //p' "$timing")
        echo "wall ${wall}, user ${user} s, peak memory $((rss / 1024)) MiB"
    }
    with_g=$(measure_compile "$cmd")
    without_g=$(measure_compile "${cmd/ -g / }")
    compile_line="examples/fashion_mnist.cpp with g++ $(g++ -dumpfullversion): -O2 -g (dev preset) ${with_g}; -O2 without -g ${without_g}. Command: \`${cmd}\`"
fi

echo "# LeNet-5: typenet vs PyTorch"
echo
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Commit: ${commit}."
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average before ${load_before}, after ${load_after}."
echo "Command: bash bench/run.sh --rounds ${rounds}$([ "$quick" = 1 ] && echo ' --quick')"
echo
"$python" "$root/bench/report.py" "$log"
echo
echo "Trainer compile: ${compile_line}"
