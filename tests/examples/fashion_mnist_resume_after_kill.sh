#!/usr/bin/env bash
# The trainer killed with SIGKILL after its first checkpoint, then run again with --resume, must
# end with the same weights file, byte for byte, as a run that was never interrupted (the ResNet
# with batch norm, crop and flip, a one-cycle schedule, two threads).
#   fashion_mnist_resume_after_kill.sh TRAINER DATA_DIR WORK_DIR
set -euo pipefail
bin=$1 data=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
common=(--model resnet --epochs 3 --train-limit 256 --test-limit 100 --threads 2
        --data "$data" --csv '' --progress lines)

"$bin" "${common[@]}" --checkpoint whole.ckpt --save whole.safetensors >whole.log

"$bin" "${common[@]}" --checkpoint cut.ckpt --save cut.safetensors >cut1.log &
pid=$!
while [ ! -e cut.ckpt ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL: the run ended before its first checkpoint"
        exit 1
    fi
    sleep 0.02
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
if [ -e cut.safetensors ]; then
    echo "FAIL: the run finished before it was killed; nothing was tested"
    exit 1
fi
if ls -a | grep -q '^\.cut\.ckpt.*tmp\|\.tmp'; then
    echo "note: a temporary file of the killed write is left:" $(ls -a)
fi

"$bin" "${common[@]}" --checkpoint cut.ckpt --save cut.safetensors --resume >cut2.log
grep -q "resumed from cut.ckpt after epoch" cut2.log || {
    echo "FAIL: the second run did not resume"
    cat cut2.log
    exit 1
}
cmp whole.safetensors cut.safetensors || {
    echo "FAIL: the resumed run's weights differ from the uninterrupted run's"
    exit 1
}
grep "resumed from" cut2.log
echo "resume after kill -9: the same weights as the uninterrupted run"
