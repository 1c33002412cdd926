#!/usr/bin/env bash
# CTest io.pytorch_export_check and io.pytorch_export_accuracy: PyTorch runs the module source
# typenet::pytorch_module_source writes (include/typenet/io/pytorch_export.hpp). Runs the export
# case of tests/io/pytorch_export_test.cpp into DIR, then pytorch_export_check.py on DIR:
#   check     exports_for_the_pytorch_check: four trained networks; the weights load with
#             load_state_dict(strict=True) and the logits are typenet's
#   accuracy  accuracy_for_the_pytorch_check: resnet<8,1> after one epoch of 6000 images; the
#             test accuracies (10,000 images) of typenet and of PyTorch agree within 0.001
# Skipped (77) where /usr/bin/python3 has no torch, and the accuracy check in a sanitizer build.
#   pytorch_export_check.sh check|accuracy sanitized|plain TEST_BINARY SCRIPT DIR DATA_DIR
set -euo pipefail
mode=$1 build=$2 binary=$3 script=$4 dir=$5 data=$6
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    echo "python3-torch is not installed: skipped"
    exit 77
fi
case $mode in
check) variable=TYPENET_PYTORCH_EXPORT case_name=exports_for_the_pytorch_check ;;
accuracy)
    variable=TYPENET_PYTORCH_ACCURACY case_name=accuracy_for_the_pytorch_check
    if [ "$build" = sanitized ]; then
        echo "a sanitizer build trains too slowly for the accuracy check: skipped"
        exit 77
    fi
    ;;
*)
    echo "pytorch_export_check.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
rm -rf "$dir"
mkdir -p "$dir"
env "$variable=$dir" "$binary" --run_test="pytorch/$case_name" --log_level=message
/usr/bin/python3 "$script" "$mode" "$dir" "$data"
