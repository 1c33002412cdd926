#!/bin/sh
# Validates bench/onednn_nets against PyTorch before its timings are used: writes the float64
# reference of each network (bench/onednn_reference.py), then runs `onednn_nets --check` on it
# for both variants (plain and --fused), which exits non-zero naming the tensors whose gradients
# (or loss, or eval logits) differ.
#
#   bench/onednn_check.sh [ONEDNN_NETS] [PYTHON] [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-"$here/../build/bench/bench/onednn_nets"}
python=${2:-/usr/bin/python3}
out=${3:-"${TMPDIR:-/tmp}/onednn_reference"}
mkdir -p "$out"
for net in resnet_fmnist separable; do
    "$python" "$here/onednn_reference.py" --net "$net" --out "$out/$net.bin"
    "$bin" --check "$out/$net.bin" --net "$net"
    "$bin" --check "$out/$net.bin" --net "$net" --fused
done
