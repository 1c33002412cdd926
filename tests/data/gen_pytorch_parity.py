#!/usr/bin/python3
"""Reference numbers for tests/model/pytorch_parity_test.cpp: whole networks in PyTorch.

For each network the same architecture is built as a torch.nn.Sequential (float64), given
deterministic parameters, and run forward + CrossEntropyLoss backward on one fixed sample. The
script writes tests/data/pytorch_parity_reference.hpp with, per network:
  - the parameter names and sizes in named_parameters() order,
  - the flat parameter vector torch.cat([p.flatten() for p in net.parameters()]) (docs/api.md),
  - the input, the label, the logits, the loss, the input gradient and the parameter gradients.

LeNet-5 has 44426 parameters. Rather than paste them, its parameters are defined by an exact
formula (lenet_param below, mirrored in the C++ test): multiples of 2^-15 scaled by a power of
two, so Python and C++ produce bit-identical values; the header carries per-tensor sums and
end values that the test checks first. Its gradients are given in full for both convolutions,
every bias and the last dense weight; for the two large dense weights the header carries the
row sums, column sums and every 29th element (flat index 0, 29, 58, ...).

Run with the Debian interpreter that has torch:  /usr/bin/python3 tests/data/gen_pytorch_parity.py
"""

import os

import torch
import torch.nn as nn

from gen_reference import Header, rnd

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def lenet_param(tensor_index, i, scale_log2):
    """Parameter i (flat, within its tensor) of LeNet-5's tensor `tensor_index`: a Knuth
    multiplicative hash mapped to k / 2^15 for k in [-2^15, 2^15), times 2^-scale_log2."""
    h = (i * 2654435761 + 97 * (tensor_index + 1)) % 2**32
    k = (h >> 16) - 2**15
    return k / 2**15 * 2.0**-scale_log2


# Per LeNet-5 parameter tensor (named_parameters order): the power of two bounding it, close to
# PyTorch's default 1/sqrt(fan_in) (fan_in 25, 150, 256, 120, 84).
LENET_SCALE_LOG2 = [2, 2, 3, 3, 4, 4, 3, 3, 3, 3]


def run(net, x, label):
    x = x.clone().requires_grad_()
    logits = net(x[None])[0]
    loss = nn.CrossEntropyLoss()(logits[None], torch.tensor([label]))
    net.zero_grad()
    loss.backward()
    return logits.detach(), loss.detach(), x.grad.detach()


def emit_common(h, prefix, net, x, label, logits, loss, dx):
    names = [n for n, _ in net.named_parameters()]
    sizes = [p.numel() for p in net.parameters()]
    h.items.append(f"// {prefix}: named_parameters() of the PyTorch module\n"
                   f"inline constexpr const char* {prefix}_param_names[] = {{"
                   + ", ".join(f'"{n}"' for n in names) + "};")
    h.items.append(f"inline constexpr unsigned {prefix}_param_sizes[] = {{"
                   + ", ".join(str(s) for s in sizes) + "};")
    h.add(prefix + "_x", x, "input sample")
    h.add_index(prefix + "_label", label)
    h.add(prefix + "_logits", logits, "net(x[None])[0]")
    h.add_scalar(prefix + "_loss", loss, "nn.CrossEntropyLoss()(logits[None], [label])")
    h.add(prefix + "_dx", dx, "x.grad")


def init_uniform(net, seed):
    """PyTorch's default scale: parameter tensor k uniform in +-1/sqrt(fan_in) from
    rnd(seed + k), a bias like its weight."""
    with torch.no_grad():
        for k, p in enumerate(net.parameters()):
            if p.dim() > 1:
                bound = p[0].numel() ** -0.5
            p.copy_(rnd(seed + k, *p.shape, lo=-bound, hi=bound))


def emit_network(h, prefix, net, x, label):
    """Runs net on (x, label) and writes what every parity test reads: emit_common's arrays, the
    flat parameter vector and the flat parameter gradient."""
    logits, loss, dx = run(net, x, label)
    emit_common(h, prefix, net, x, label, logits, loss, dx)
    h.add(prefix + "_params", torch.cat([p.detach().flatten() for p in net.parameters()]),
          "torch.cat([p.flatten() for p in net.parameters()])")
    h.add(prefix + "_grads", torch.cat([p.grad.flatten() for p in net.parameters()]))


def seed_net(h):
    # typenet::dsl::seed_net = seq<conv<2,2>, relu, maxpool<2>, softmax_ce> on 1x5x5.
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 1, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    with torch.no_grad():
        flat = rnd(600, 5)
        net[0].weight.copy_(flat[:4].reshape(1, 1, 2, 2))
        net[0].bias.copy_(flat[4:])
    emit_network(h, "seed", net, rnd(601, 1, 5, 5), 2)


def avg_net(h):
    # seq<conv<3,3,filters<4>>, relu, avgpool<2>, flatten, dense<6>, relu, dense<5>, softmax_ce>
    # on 2x8x8: conv 4x6x6 -> pool 4x3x3 -> 36 -> 6 -> 5 classes.
    net = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
                        nn.Linear(36, 6), nn.ReLU(), nn.Linear(6, 5))
    init_uniform(net, 700)
    emit_network(h, "avg", net, rnd(710, 2, 8, 8), 3)


def lenet5(h):
    # typenet::dsl::lenet5 on 1x28x28 (see dsl/lenet5.hpp for the same nn.Sequential).
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                        nn.Linear(84, 10))
    params = list(net.parameters())
    assert len(params) == len(LENET_SCALE_LOG2)
    with torch.no_grad():
        for t, (p, s) in enumerate(zip(params, LENET_SCALE_LOG2)):
            values = torch.tensor([lenet_param(t, i, s) for i in range(p.numel())])
            p.copy_(values.reshape(p.shape))
    x = rnd(800, 1, 28, 28, lo=0.0, hi=1.0)
    label = 7
    logits, loss, dx = run(net, x, label)
    emit_common(h, "lenet", net, x, label, logits, loss, dx)
    h.items.append("inline constexpr unsigned lenet_scale_log2[] = {"
                   + ", ".join(str(s) for s in LENET_SCALE_LOG2) + "};")
    h.add("lenet_param_sums", torch.stack([p.detach().sum() for p in params]),
          "per tensor: p.sum() of the formula's values")
    h.add("lenet_param_last", torch.stack([p.detach().flatten()[-1] for p in params]),
          "per tensor: last element")
    names = [n for n, _ in net.named_parameters()]
    for n, p in zip(names, params):
        key = "lenet_grad_" + n.replace(".", "_")
        g = p.grad
        if g.numel() <= 2416 or n == "11.weight":
            h.add(key, g, "full gradient")
        else:
            h.add(key + "_row_sums", g.sum(dim=1), "gradient summed over inputs")
            h.add(key + "_col_sums", g.sum(dim=0), "gradient summed over outputs")
            h.add(key + "_every_29th", g.flatten()[::29], "flat elements 0, 29, 58, ...")


if __name__ == "__main__":
    h = Header(os.path.join(HERE, "pytorch_parity_reference.hpp"),
               "typenet::test::ref::parity", "whole networks in PyTorch", "gen_pytorch_parity.py")
    seed_net(h)
    avg_net(h)
    lenet5(h)
    h.write()
