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
# 3. Measures the trainer's compile, with the dev preset's -O2 -g and with -O2 alone, each in a
#    build directory of its own: every unit of the example_fashion_mnist target (its commands
#    from compile_commands.json: fashion_mnist.cpp, fashion_mnist/train.cpp, .../weights.cpp,
#    .../options.cpp) under /usr/bin/time -v (wall, user time, peak memory; their sum and largest
#    peak), then the whole target from clean with `cmake --build -j 2` (wall, including the
#    link): what a 2-core machine waits for.
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
    timing="$build/compile_time.txt"
    seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; printf "%.2f", s }'; }
    measure() { # $1: directory, $2: command; prints "wall_seconds user_seconds peak_kib"
        (cd "$1" && eval /usr/bin/time -v -o "$timing" "$2") >/dev/null
        echo "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$timing" | seconds)" \
            "$(sed -n 's/.*User time (seconds): //p' "$timing")" \
            "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$timing")"
    }
    compile_line="g++ $(g++ -dumpfullversion), target example_fashion_mnist."
    for flags in "-O2 -g" "-O2"; do
        dir_flags="$build/trainer-flags${flags// /}" # trainer-flags-O2-g, trainer-flags-O2
        cmake -S "$root" -B "$dir_flags" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
            -DBUILD_TESTING=OFF >/dev/null
        units="" sum=0 peak=0
        while IFS=$'\t' read -r dir file cmd; do
            read -r wall user rss < <(measure "$dir" "$cmd")
            units="${units} ${file#"$root"/} wall ${wall} s, user ${user} s, peak $((rss / 1024)) MiB;"
            sum=$(echo "$sum + $wall" | bc)
            [ "$rss" -gt "$peak" ] && peak=$rss
        done < <("$python" - "$dir_flags/compile_commands.json" <<'EOF'
import json, sys
for e in json.load(open(sys.argv[1])):
    if "example_fashion_mnist.dir" in e["command"]:
        print(e["directory"], e["file"], e["command"], sep="\t")
EOF
        )
        cmake --build "$dir_flags" --target clean >/dev/null
        read -r build_wall _ _ < <(measure "$root" \
            "cmake --build '$dir_flags' -j 2 --target example_fashion_mnist")
        compile_line="${compile_line} ${flags}:${units} sum ${sum} s, largest peak $((peak / 1024)) MiB; \`cmake --build -j 2\` from clean (with the link) wall ${build_wall} s."
    done
    compile_line="${compile_line} Commands: compile_commands.json in ${build}/trainer-flags-O2-g and trainer-flags-O2."
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
