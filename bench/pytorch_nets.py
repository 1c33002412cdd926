#!/usr/bin/python3
"""The networks of dsl/resnet.hpp (resnet_fmnist), dsl/separable.hpp and dsl/vgg_small.hpp in
PyTorch: a baseline of bench/nets_bench.cpp (docs/performance.md, "Residual,
depthwise-separable and VGG-style nets").

Same architectures (the nn.Sequential in each dsl/ header's comment), same random
Fashion-MNIST-sized inputs, same training step (forward, cross-entropy, backward, Adam) and same
timing policy as the C++ benchmark (bench/pytorch_lenet5.py's: warm-up, then `--reps`
repetitions of at least `--min-time` seconds, median reported). Convolutions run in oneDNN
(mkldnn), the dense layer in the BLAS torch loaded, whose SGEMM is checked before timing.

    /usr/bin/python3 bench/pytorch_nets.py [--quick] [--nets resnet_fmnist,separable,vgg_small]
                                           [--threads 1,2]

Output: `info ...` lines and `result framework=pytorch net=N kind=train|infer batch=B threads=T
images_per_s=X best_images_per_s=Y cpu_per_wall=Z` (key=value, parsed by bench/report_nets.py).
"""

import os
import re
import statistics
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_lenet5 import (bench_inference, bench_training, check_sgemm, loaded_blas,  # noqa: E402
                            openblas_handle, parse_timing_args, random_samples, set_threads,
                            timing_parser)


class Residual(nn.Module):
    """typenet's residual<Block, Shortcut> (docs/dsl.md): block(x) + shortcut(x)."""

    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.block(x) + self.shortcut(x)


def resnet_fmnist():
    """dsl::resnet_fmnist, the main job's network (the nn.Sequential in dsl/resnet.hpp)."""
    def conv3(c, f, s=1):
        return nn.Conv2d(c, f, 3, s, 1)

    def basic(c):
        return [Residual(nn.Sequential(conv3(c, c), nn.BatchNorm2d(c), nn.ReLU(),
                                       conv3(c, c), nn.BatchNorm2d(c))), nn.ReLU()]

    def down(c, f):
        return [Residual(nn.Sequential(conv3(c, f, 2), nn.BatchNorm2d(f), nn.ReLU(),
                                       conv3(f, f), nn.BatchNorm2d(f)),
                         nn.Sequential(nn.Conv2d(c, f, 1, 2), nn.BatchNorm2d(f))), nn.ReLU()]
    return nn.Sequential(conv3(1, 24), nn.BatchNorm2d(24), nn.ReLU(), nn.MaxPool2d(2),
                         *basic(24), *basic(24), *down(24, 48), *basic(48),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, 10))


def separable():
    def block(c, f, stride):
        return [nn.Conv2d(c, c, 3, stride, 1, groups=c), nn.ReLU(), nn.Conv2d(c, f, 1), nn.ReLU()]
    return nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(),
                         *block(16, 32, 2), *block(32, 32, 1), *block(32, 64, 2), *block(64, 64, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def vgg_small():
    def stage(c, f):
        return [nn.Conv2d(c, f, 3, 1, 1), nn.ReLU(), nn.Conv2d(f, f, 3, 1, 1), nn.ReLU()]
    return nn.Sequential(*stage(1, 16), nn.MaxPool2d(2), *stage(16, 32), nn.MaxPool2d(2),
                         *stage(32, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


NETS = {"resnet_fmnist": resnet_fmnist, "separable": separable, "vgg_small": vgg_small}


def main():
    parser = timing_parser(__doc__)
    parser.add_argument("--nets", default="resnet_fmnist,separable,vgg_small",
                        help="networks, comma-separated")
    parser.add_argument("--threads", default="1,2", help="training thread counts, comma-separated")
    args = parse_timing_args(parser)

    sgemm_error = check_sgemm()
    path, openblas = openblas_handle()
    env = " ".join(f"{k}={os.environ.get(k, 'unset')}"
                   for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_WAIT_POLICY"))
    capability = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    print(f"info torch={torch.__version__} mkldnn={torch.backends.mkldnn.is_available()} "
          f"cpu_capability={capability.group(1) if capability else 'unknown'}")
    print(f"info blas_libraries={','.join(loaded_blas()) or 'none'}")
    if openblas:
        print(f"info openblas={path} corename={openblas.openblas_get_corename().decode()} {env}")
    print(f"info sgemm_max_relative_error={sgemm_error:.2e}")
    if not sgemm_error < 1e-4:
        print("error: the BLAS torch loaded computes a wrong SGEMM; not benchmarking it")
        return 1

    images, labels = random_samples()

    def report(net, kind, batch, threads, timing):
        per_call, cpu_per_wall = timing
        print(f"result framework=pytorch net={net} kind={kind} batch={batch} threads={threads} "
              f"images_per_s={batch / statistics.median(per_call):.3f} "
              f"best_images_per_s={batch / min(per_call):.3f} cpu_per_wall={cpu_per_wall:.3f}",
              flush=True)

    for net in args.nets.split(","):
        make = NETS[net]
        for t in (int(t) for t in args.threads.split(",")):
            set_threads(t, openblas)
            for batch in (8, 16, 32, 128):
                report(net, "train", batch, t,
                       bench_training(images, labels, batch, args.min_time, args.reps, make))
        set_threads(1, openblas)
        for batch in (1, 128):
            report(net, "infer", batch, 1,
                   bench_inference(images, batch, args.min_time, args.reps, make))
    return 0


if __name__ == "__main__":
    sys.exit(main())
