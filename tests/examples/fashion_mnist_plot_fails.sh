#!/usr/bin/env bash
# The trainer when gnuplot fails or is missing (examples/CMakeLists.txt runs it as
# examples.fashion_mnist.plot_fails), with a stand-in gnuplot that exits 1: the weights and the
# log must still be written, the run must exit non-zero naming the plot file, and no temporary
# file may be left. Without any gnuplot in PATH the plot is skipped, said so, and the exit is 0.
#
#   fashion_mnist_plot_fails.sh TRAINER DATA_DIR WORK_DIR
set -euo pipefail
trainer=$1 data=$2 work=$3
rm -rf "$work"
mkdir -p "$work/bin" "$work/out" "$work/empty"
printf '#!/bin/sh\ncat >/dev/null\necho "stand-in gnuplot: failing" >&2\nexit 1\n' >"$work/bin/gnuplot"
chmod +x "$work/bin/gnuplot"
fail() { echo "FAILED: $*"; exit 1; }
run() {
    status=0
    PATH=$1 "$trainer" --model lenet5 --epochs 1 --train-limit 500 --test-limit 100 --threads 2 --data "$data" \
        --save "$work/out/w.safetensors" --csv "$work/out/log.csv" --plot "$work/out/curves.png" \
        >"$work/stdout" 2>"$work/stderr" || status=$?
    cat "$work/stdout" "$work/stderr"
}

run "$work/bin"
[ "$status" -ne 0 ] || fail "the trainer exited 0 although gnuplot failed"
[ -s "$work/out/w.safetensors" ] || fail "the weights were not saved"
[ -s "$work/out/log.csv" ] || fail "the log was not written"
grep -q "fashion_mnist: error: the plot was not written: $work/out/curves.png: gnuplot failed (exit status 1)" \
    "$work/stderr" || fail "no error naming the plot file and the reason"
[ "$(ls -A "$work/out" | tr '\n' ' ')" = "log.csv w.safetensors " ] ||
    fail "unexpected files: $(ls -A "$work/out")"

rm -f "$work/out/"*
run "$work/empty"
[ "$status" -eq 0 ] || fail "without gnuplot the trainer exited $status"
grep -q "plot: skipped (gnuplot is not installed)" "$work/stdout" || fail "the skipped plot is not reported"
[ "$(ls -A "$work/out" | tr '\n' ' ')" = "log.csv w.safetensors " ] ||
    fail "unexpected files: $(ls -A "$work/out")"
echo "PASS: a failing or missing gnuplot costs neither the weights nor the log"
