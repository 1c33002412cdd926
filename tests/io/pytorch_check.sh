#!/usr/bin/env bash
# CTest io.safetensors_pytorch_check: PyTorch reads the weight files typenet wrote. Runs the two
# safetensors test binaries' export cases into DIR, then gen_torch_safetensors.py check DIR, which
# loads LeNet-5 and a batch-norm/residual network with load_state_dict(strict=True) and compares
# the logits (and every num_batches_tracked). Skipped (77) where /usr/bin/python3 has no torch.
#   pytorch_check.sh SAFETENSORS_TEST BUFFERS_TEST SCRIPT DIR
set -euo pipefail
plain=$1 buffers=$2 script=$3 dir=$4
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    echo "python3-torch is not installed: skipped"
    exit 77
fi
rm -rf "$dir"
mkdir -p "$dir"
TYPENET_SAFETENSORS_EXPORT=$dir "$plain" --run_test=format/exports_for_the_pytorch_check
TYPENET_SAFETENSORS_EXPORT=$dir "$buffers" --run_test=pytorch/exports_for_the_pytorch_check
/usr/bin/python3 "$script" check "$dir"
