#!/usr/bin/python3
"""Cross-checks typenet's safetensors files against PyTorch (Debian python3-torch).

Debian has no `safetensors` package, so the format is written and read here with json + struct,
following https://github.com/huggingface/safetensors (8-byte little-endian header length, JSON
header, raw little-endian data, tensors ordered by decreasing element size as the reference
writer does, so each starts at a multiple of its size). `generate`'s outputs are committed;
`check` is the CTest test io.safetensors_pytorch_check (tests/io/pytorch_check.sh), which runs
where python3-torch is installed and is skipped elsewhere.

1. `gen_torch_safetensors.py generate` (run from anywhere) writes, next to this script:
     torch_small.safetensors   the parameters of a PyTorch nn.Sequential (default init, seed 0)
                               with the layout of typenet's
                               seq<conv<3,3,filters<2>>, relu, maxpool<2>, conv<2,2,filters<3>>,
                                   relu, dense<5>, relu, dense<4>, softmax_ce> on shape<1,8,8>;
                               no typenet signature in its metadata (a "foreign" file)
     torch_small_expected.json three inputs and PyTorch's logits for them
     torch_bn.safetensors      the whole state_dict (parameters, running statistics, I64
                               num_batches_tracked) of bn_net() below, after three training-mode
                               batches (seed 1); no typenet signature
     torch_bn_expected.json    that state flat (parameters, buffers, counters by name), three
                               inputs and PyTorch's evaluation-mode logits for them
   tests/io/safetensors_test.cpp and safetensors_buffers_test.cpp load them and must reproduce
   the state and the logits.

2. `gen_torch_safetensors.py check DIR` reads DIR/lenet5.safetensors and DIR/lenet5_logits.json,
   and DIR/bn_net.safetensors and DIR/bn_net_expected.json, written by safetensors_test.cpp and
   safetensors_buffers_test.cpp when TYPENET_SAFETENSORS_EXPORT=DIR is set, loads the tensors
   into the torch modules (same names) with load_state_dict(strict=True) and compares the logits
   (and, for bn_net, every num_batches_tracked).

3. `gen_torch_safetensors.py evaluate WEIGHTS [DATA_DIR [N]]` loads a LeNet-5 weights file saved
   by examples/fashion_mnist.cpp into torch and prints its accuracy on the first N Fashion-MNIST
   test images (pixels / 255, as typenet::load_dataset): the same figure the trainer printed.
"""
import collections
import gzip
import json
import math
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": (torch.float32, 4, "f"), "F64": (torch.float64, 8, "d"),
          "I64": (torch.int64, 8, "q")}


def write_safetensors(path, tensors, metadata):
    # Floating tensors as F32, integer ones (num_batches_tracked) as I64; larger elements first,
    # otherwise in state_dict order (Python's sort is stable).
    stored = []
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.is_floating_point():
            dtype, fmt, t = "F32", "f", t.to(torch.float32)
        else:
            dtype, fmt, t = "I64", "q", t.to(torch.int64)
        stored.append((name, dtype, fmt, t))
    stored.sort(key=lambda s: -DTYPES[s[1]][1])
    header = {"__metadata__": metadata}
    blobs, at = [], 0
    for name, dtype, fmt, t in stored:
        raw = struct.pack("<%d%s" % (t.numel(), fmt), *t.flatten().tolist())
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
    header = json.loads(data[8 : 8 + n])
    buf = data[8 + n :]
    meta = header.pop("__metadata__", {})
    spans = sorted(h["data_offsets"] for h in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(buf), "buffer not covered exactly"
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])), "gap or overlap"
    tensors = {}
    for name, h in header.items():
        dtype, size, fmt = DTYPES[h["dtype"]]
        b, e = h["data_offsets"]
        assert b % size == 0, "%s: not aligned to its %d-byte elements" % (name, size)
        count = (e - b) // size
        values = struct.unpack("<%d%s" % (count, fmt), buf[b:e])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(h["shape"])
    return meta, tensors


class Residual(nn.Module):
    """typenet's residual<Block, Shortcut> (compose/residual.hpp)."""

    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.block(x) + self.shortcut(x)


class GlobalAvgPool(nn.Module):
    """typenet's global_avgpool: one layer, so one child."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


def small_net():
    # typenet's dense flattens implicitly: the Flatten gets a name that is not a layer index.
    return nn.Sequential(collections.OrderedDict([
        ("0", nn.Conv2d(1, 2, 3)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
        ("3", nn.Conv2d(2, 3, 2)), ("4", nn.ReLU()), ("flatten", nn.Flatten()),
        ("5", nn.Linear(12, 5)), ("6", nn.ReLU()), ("7", nn.Linear(5, 4))]))


def lenet5():
    return nn.Sequential(collections.OrderedDict([
        ("0", nn.Conv2d(1, 6, 5)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
        ("3", nn.Conv2d(6, 16, 5)), ("4", nn.ReLU()), ("5", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("6", nn.Linear(256, 120)), ("7", nn.ReLU()), ("8", nn.Linear(120, 84)), ("9", nn.ReLU()),
        ("10", nn.Linear(84, 10))]))


def bn_net():
    # typenet: seq<conv<3,3,filters<4>,padding<1>>, batch_norm, relu,
    #              residual<seq<conv<3,3,filters<4>,padding<1>>, batch_norm, relu,
    #                           conv<3,3,filters<4>,padding<1>>, batch_norm>>, relu,
    #              residual<seq<conv<3,3,filters<6>,stride<2>,padding<1>>, batch_norm>,
    #                       seq<conv<1,1,filters<6>,stride<2>>, batch_norm>>, relu,
    #              global_avgpool, dense<5>, batch_norm, relu, dense<3>, softmax_ce> on 2x8x8
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        Residual(nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                               nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4))), nn.ReLU(),
        Residual(nn.Sequential(nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6)),
                 nn.Sequential(nn.Conv2d(4, 6, 1, stride=2), nn.BatchNorm2d(6))), nn.ReLU(),
        GlobalAvgPool(), nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))


def flat(tensors):
    return torch.cat([t.detach().flatten() for t in tensors]).tolist()


def counters_of(state):
    return {k: int(v) for k, v in state.items() if k.endswith("num_batches_tracked")}


def generate():
    torch.manual_seed(0)
    net = small_net()
    write_safetensors(os.path.join(HERE, "torch_small.safetensors"), net.state_dict(),
                      {"format": "pt"})
    x = torch.rand(3, 1, 8, 8) - 0.25
    with torch.no_grad():
        logits = net(x)
    with open(os.path.join(HERE, "torch_small_expected.json"), "w") as f:
        json.dump({"inputs": x.flatten(1).tolist(), "logits": logits.tolist()}, f)
    print("wrote torch_small.safetensors and torch_small_expected.json")

    # The batch norm network: default init, then batch norm's weight and bias moved away from
    # 1 and 0, three training-mode batches (running statistics updated, num_batches_tracked 3),
    # then each num_batches_tracked set apart so that a counter loaded into the wrong layer shows.
    torch.manual_seed(1)
    net = bn_net()
    bns = [m for m in net.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    with torch.no_grad():
        for m in bns:
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.3, 0.3)
        net.train()
        for _ in range(3):
            net(torch.randn(4, 2, 8, 8))
        for i, m in enumerate(bns):
            m.num_batches_tracked.fill_(3 + 10 * i)
    state = net.state_dict()
    write_safetensors(os.path.join(HERE, "torch_bn.safetensors"), state, {"format": "pt"})
    net.eval()
    x = torch.rand(3, 2, 8, 8) - 0.25
    with torch.no_grad():
        logits = net(x)
    buffers = [b for n, b in net.named_buffers() if not n.endswith("num_batches_tracked")]
    with open(os.path.join(HERE, "torch_bn_expected.json"), "w") as f:
        json.dump({"parameters": flat(net.parameters()), "buffers": flat(buffers),
                   "num_batches_tracked": counters_of(state),
                   "inputs": x.flatten(1).tolist(), "logits": logits.tolist()}, f)
    print("wrote torch_bn.safetensors and torch_bn_expected.json")


def compare_logits(net, x, want):
    with torch.no_grad():
        logits = net(x)
    err = (logits - want).abs().max().item()
    print("max |torch - typenet| logit difference: %.3g" % err)
    assert err < 1e-4, "logits differ"


def check(directory):
    meta, tensors = read_safetensors(os.path.join(directory, "lenet5.safetensors"))
    print("lenet5 metadata:", meta)
    net = lenet5().double()
    net.load_state_dict(tensors, strict=True)  # names and shapes must match exactly
    with open(os.path.join(directory, "lenet5_logits.json")) as f:
        expected = json.load(f)
    x = torch.tensor(expected["inputs"], dtype=torch.float64).reshape(-1, 1, 28, 28)
    compare_logits(net, x, torch.tensor(expected["logits"], dtype=torch.float64))

    meta, tensors = read_safetensors(os.path.join(directory, "bn_net.safetensors"))
    print("bn_net metadata:", meta)
    net = bn_net().double()
    # Every parameter, buffer and num_batches_tracked, with PyTorch's own dtypes and shapes.
    state = net.state_dict()
    assert {k: (v.dtype, v.shape) for k, v in tensors.items()} == \
        {k: (v.dtype, v.shape) for k, v in state.items()}, "dtypes or shapes differ"
    net.load_state_dict(tensors, strict=True)
    with open(os.path.join(directory, "bn_net_expected.json")) as f:
        expected = json.load(f)
    got = counters_of(net.state_dict())
    print("num_batches_tracked:", got)
    assert got == expected["num_batches_tracked"], "num_batches_tracked differ"
    net.eval()
    x = torch.tensor(expected["inputs"], dtype=torch.float64).reshape(-1, 2, 8, 8)
    compare_logits(net, x, torch.tensor(expected["logits"], dtype=torch.float64))
    print("OK")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = struct.unpack(">%dI" % (magic & 0xFF), data[4 : 4 + 4 * (magic & 0xFF)])
    body = data[4 + 4 * len(dims) :]
    assert len(body) == math.prod(dims), "%s: %d bytes for %s" % (path, len(body), dims)
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def evaluate(weights, directory="/usr/share/datasets/fashion-mnist", n=10000):
    meta, tensors = read_safetensors(weights)
    print("signature:", meta.get("typenet.signature"))
    net = lenet5()
    net.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    images = read_idx(os.path.join(directory, "t10k-images-idx3-ubyte.gz"))[: int(n)]
    labels = read_idx(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"))[: int(n)]
    x = images.float().div(255).unsqueeze(1)
    with torch.no_grad():
        predicted = net(x).argmax(1)
    print("torch accuracy %.4f on %d images" % ((predicted == labels).float().mean().item(),
                                                  len(labels)))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "generate":
        generate()
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    elif 3 <= len(sys.argv) <= 5 and sys.argv[1] == "evaluate":
        evaluate(*sys.argv[2:])
    else:
        sys.exit(__doc__)
