#!/usr/bin/python3
"""Reference values for bench/onednn_nets.cpp's --check: one training-mode forward and backward
of resnet_fmnist (dsl/resnet.hpp) or separable (dsl/separable.hpp) in PyTorch, in float64.

    /usr/bin/python3 bench/onednn_reference.py --net resnet_fmnist --out FILE

The network is built as in the dsl/ header's comment after torch.manual_seed(1) (default
initialisation, float32). A batch of 8 images (uniform [0, 1)) and labels (0..9) comes from
torch.Generator().manual_seed(2024). The float32 parameters and input are copied to a float64
model, which runs one training-mode forward (batch statistics; it updates the batch norms'
running mean and variance with momentum 0.1 and the unbiased variance), the mean softmax
cross-entropy and its backward. Then the same float64 model, in eval mode, computes the logits
of the same batch: these use the running statistics that the training forward just updated, so
the C++ side has to update them as PyTorch does to match.

File format (all little-endian): a uint32 record count, then the records, each
    uint32 name length, the name (ASCII, no terminator),
    uint32 dtype (0 = float32, 1 = float64, 2 = int64),
    uint32 ndim, ndim x int64 dims (PyTorch's shape),
    the elements in PyTorch's (C, row-major) order.
Records, in this order:
    every tensor of model.named_parameters(), by its name, float32 (the initial values);
    "input" float32 [8, 1, 28, 28]; "labels" int64 [8];
    "loss" float64 [] (0 dims, one element);
    "grad.<name>" float64 for every parameter, in named_parameters() order;
    "buffer.<name>" float64 for every running_mean and running_var of model.named_buffers(), in
    that order, after the training forward updated them (they start at PyTorch's defaults, mean
    0 and variance 1, which the C++ side uses too);
    "eval_logits" float64 [8, 10].
"""

import argparse
import copy
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn


class Residual(nn.Module):
    """docs/dsl.md's Residual: block(x) + shortcut(x)."""

    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.block(x) + self.shortcut(x)


def conv3(c, f, s=1):
    return nn.Conv2d(c, f, 3, s, 1)


def basic(c):
    return [Residual(nn.Sequential(conv3(c, c), nn.BatchNorm2d(c), nn.ReLU(),
                                   conv3(c, c), nn.BatchNorm2d(c))), nn.ReLU()]


def down(c, f):
    return [Residual(nn.Sequential(conv3(c, f, 2), nn.BatchNorm2d(f), nn.ReLU(),
                                   conv3(f, f), nn.BatchNorm2d(f)),
                     nn.Sequential(nn.Conv2d(c, f, 1, 2), nn.BatchNorm2d(f))), nn.ReLU()]


def resnet_fmnist():
    return nn.Sequential(conv3(1, 24), nn.BatchNorm2d(24), nn.ReLU(), nn.MaxPool2d(2),
                         *basic(24), *basic(24), *down(24, 48), *basic(48),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, 10))


def separable():
    def block(c, f, stride):
        return [nn.Conv2d(c, c, 3, stride, 1, groups=c), nn.ReLU(), nn.Conv2d(c, f, 1), nn.ReLU()]
    return nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(),
                         *block(16, 32, 2), *block(32, 32, 1), *block(32, 64, 2), *block(64, 64, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


NETS = {"resnet_fmnist": resnet_fmnist, "separable": separable}
DTYPES = {torch.float32: 0, torch.float64: 1, torch.int64: 2}


def write_record(out, name, t):
    t = t.detach().contiguous().cpu()
    encoded = name.encode("ascii")
    out.write(struct.pack("<I", len(encoded)))
    out.write(encoded)
    out.write(struct.pack("<II", DTYPES[t.dtype], t.dim()))
    out.write(struct.pack(f"<{t.dim()}q", *t.shape))
    out.write(t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", required=True, choices=sorted(NETS))
    parser.add_argument("--out", required=True, help="the reference file to write")
    args = parser.parse_args()

    torch.manual_seed(1)
    model = NETS[args.net]()
    gen = torch.Generator().manual_seed(2024)
    x = torch.rand(8, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (8,), generator=gen)

    model64 = copy.deepcopy(model).double()
    model64.train()
    loss = F.cross_entropy(model64(x.double()), y)
    loss.backward()
    model64.eval()
    with torch.no_grad():
        eval_logits = model64(x.double())

    params = list(model.named_parameters())
    grads = dict(model64.named_parameters())
    records = ([(name, p) for name, p in params] + [("input", x), ("labels", y), ("loss", loss)] +
               [("grad." + name, grads[name].grad) for name, _ in params] +
               [("buffer." + name, b) for name, b in model64.named_buffers()
                if name.endswith(("running_mean", "running_var"))] +
               [("eval_logits", eval_logits)])
    with open(args.out, "wb") as out:
        out.write(struct.pack("<I", len(records)))
        for name, t in records:
            write_record(out, name, t)
    print(f"reference net={args.net} parameters={sum(p.numel() for _, p in params)} "
          f"tensors={len(params)} loss={loss.item():.9f} file={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
