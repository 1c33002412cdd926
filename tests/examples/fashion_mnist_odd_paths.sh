#!/usr/bin/env bash
# The trainer's --csv and --plot with a quote, spaces and shell syntax in the paths
# (examples/CMakeLists.txt runs it as examples.fashion_mnist.odd_paths): the log and the plot
# must be written where asked, nothing in the names may run as a command, and no temporary file
# may be left. Without gnuplot the trainer must say the plot was skipped.
#
#   fashion_mnist_odd_paths.sh TRAINER DATA_DIR WORK_DIR
set -euo pipefail
trainer=$1 data=$2 work=$3
rm -rf "$work"
dir="$work/it's a dir"
mkdir -p "$dir"
csv="$dir/log 'one'.csv"
png="$dir/curves \$(touch injected) \`touch injected\` \"q\" ; touch injected.png"
(cd "$work" && "$trainer" --model lenet5 --epochs 1 --train-limit 500 --test-limit 100 --threads 2 \
    --data "$data" --save "" --csv "$csv" --plot "$png") >"$work/stdout" 2>&1 || {
    cat "$work/stdout"
    echo "FAILED: the trainer failed"
    exit 1
}
cat "$work/stdout"
fail() { echo "FAILED: $*"; exit 1; }
[ "$(head -n 1 "$csv")" = "epoch,step,train_loss,test_accuracy,test_loss,lr,seconds,images_per_s" ] ||
    fail "no CSV header in $csv"
[ "$(wc -l <"$csv")" -eq 2 ] || fail "the CSV does not hold one epoch"
if command -v gnuplot >/dev/null; then
    [ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "no PNG at $png"
    grep -qF "plot: $png" "$work/stdout" || fail "the plot's path is not reported"
else
    grep -q "plot: skipped (gnuplot is not installed)" "$work/stdout" ||
        fail "gnuplot is not installed and the trainer did not say the plot was skipped"
    echo "gnuplot is not installed: the plot was skipped"
fi
[ ! -e "$work/injected" ] && [ ! -e "$dir/injected" ] && [ ! -e injected ] ||
    fail "a command in a file name was run"
left=$(ls -A "$dir" | grep -v -e "^log 'one'.csv\$" -e '^curves ' || true)
[ -z "$left" ] || fail "files left beside the log: $left"
echo "PASS: log and plot written at paths with quotes and spaces"
