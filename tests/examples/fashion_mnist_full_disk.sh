#!/usr/bin/env bash
# The trainer with its CSV log and plot on a full disk (examples/CMakeLists.txt runs it as
# examples.fashion_mnist.full_disk): a small tmpfs, mounted in a private mount namespace (so it
# is gone when this script ends), filled up. The weights, saved elsewhere, must still be written;
# the run must exit non-zero with a message naming the log file and the reason, and leave no
# temporary file. Needs root; exits 77 (CTest: skipped) without.
#
#   fashion_mnist_full_disk.sh TRAINER DATA_DIR WORK_DIR
set -euo pipefail
trainer=$1 data=$2 work=$3
if [ "${TYPENET_PRIVATE_MOUNTS:-}" != 1 ]; then
    if [ "$(id -u)" != 0 ] || ! unshare --mount --propagation private true 2>/dev/null; then
        echo "skipped: needs root (a private mount namespace and a tmpfs)"
        exit 77
    fi
    TYPENET_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private "$0" "$@"
fi
rm -rf "$work"
mkdir -p "$work/full"
if ! mount -t tmpfs -o size=64k tmpfs "$work/full"; then
    echo "skipped: cannot mount a tmpfs"
    exit 77
fi
head -c 1M /dev/zero >"$work/full/filler" 2>/dev/null || true # fills it (ENOSPC)

status=0
"$trainer" --model lenet5 --epochs 1 --train-limit 500 --test-limit 100 --threads 2 --data "$data" \
    --save "$work/w.safetensors" --csv "$work/full/log.csv" --plot "$work/full/curves.png" \
    >"$work/stdout" 2>"$work/stderr" || status=$?
cat "$work/stdout" "$work/stderr"
fail() { echo "FAILED: $*"; exit 1; }
[ "$status" -ne 0 ] || fail "the trainer exited 0 although its log could not be written"
[ -s "$work/w.safetensors" ] || fail "the weights were not saved"
grep -q "fashion_mnist: error: the log was not written: $work/full/log.csv: .*No space left on device" \
    "$work/stderr" || fail "no error naming the log file and the reason"
grep -q "final test accuracy" "$work/stdout" || fail "the run did not finish"
left=$(ls -A "$work/full")
[ "$left" = filler ] || fail "files left on the full disk: $left"
echo "PASS: weights saved, exit status $status, the log's failure reported"
