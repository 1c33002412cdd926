#!/usr/bin/env bash
# The README's main job: install dependencies (incl. Debian's dataset-fashion-mnist), build the
# trainer optimised for this machine, and train the residual network of dsl/resnet.hpp on
# Fashion-MNIST. Arguments go to the trainer (see --help), e.g. `bash tools/train.sh --epochs 3`
# or `bash tools/train.sh --model lenet5`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target example_fashion_mnist
mkdir -p out
cd out
exec /usr/bin/time -f "wall time %e s, peak memory %M KB" ../build/release/examples/example_fashion_mnist "$@"
