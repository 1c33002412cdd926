#!/usr/bin/python3
"""Reference numbers for tests/ops/batch_norm_test.cpp: nn.BatchNorm2d and nn.BatchNorm1d in
PyTorch, training and evaluation mode, forward and autograd.

Each case is one module (float64, eps 1e-5, momentum 0.1) with a non-trivial weight (one entry
negative) and bias and nonzero running statistics, and one batch x whose channels have different
means and spreads. For a fixed random w the loss is sum(w * y) over the whole batch, so the
upstream gradient of y is w and autograd's x.grad, weight.grad and bias.grad are the gradients the
op computes. The script writes tests/data/batch_norm_parity_reference.hpp with, per case (arrays
in the op's layouts: x batch-major, each sample contiguous C×H×W; parameters weight then bias;
buffers running_mean then running_var):
  _x, _gamma_beta, _running (the buffers before the step), _w,
  _train_y, _train_running (the buffers after one training forward), _train_dx,
  _train_dgamma_dbeta, and _eval_y, _eval_dx, _eval_dgamma_dbeta (a second module with the same
  parameters and buffers, in eval()).
Every input is drawn by gen_reference.rnd, so it is exact in float too.

Run with the Debian interpreter that has torch:  /usr/bin/python3 tests/data/gen_batch_norm_parity.py
"""

import os

import torch
import torch.nn as nn

from gen_reference import Header, rnd

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def batch(seed, n, sample_shape):
    """x of n samples; channel c (dimension 1) uniform in [c - 1, 2c + 1): means and spreads
    that differ by channel."""
    channels = sample_shape[0]
    parts = [rnd(seed + c, n, 1, *sample_shape[1:], lo=c - 1.0, hi=2.0 * c + 1.0)
             for c in range(channels)]
    return torch.cat(parts, dim=1)


def module(cls, channels, seed):
    bn = cls(channels, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        gamma = rnd(seed, channels, lo=0.5, hi=2.0)
        gamma[1] = -gamma[1]
        bn.weight.copy_(gamma)
        bn.bias.copy_(rnd(seed + 1, channels))
        bn.running_mean.copy_(rnd(seed + 2, channels, lo=-0.5, hi=0.5))
        bn.running_var.copy_(rnd(seed + 3, channels, lo=0.5, hi=2.0))
    return bn


def run(bn, x, w):
    xg = x.clone().requires_grad_()
    y = bn(xg)
    (w * y).sum().backward()
    return y.detach(), xg.grad, torch.cat([bn.weight.grad, bn.bias.grad])


def case(h, prefix, cls, n, sample_shape, seed):
    x = batch(seed, n, sample_shape)
    w = rnd(seed + 50, n, *sample_shape)
    train = module(cls, sample_shape[0], seed + 100)
    h.items.append(f"// {prefix}: {train} on a batch of {n} samples of shape {list(sample_shape)}")
    h.add_index(prefix + "_batch", n, "samples")
    h.add(prefix + "_x", x)
    h.add(prefix + "_gamma_beta", torch.cat([train.weight, train.bias]), "weight, then bias")
    h.add(prefix + "_running", torch.cat([train.running_mean, train.running_var]),
          "running_mean, then running_var, before the step")
    h.add(prefix + "_w", w, "loss = sum(w * y)")

    train.train()
    y, dx, dparams = run(train, x, w)
    h.add(prefix + "_train_y", y, "train(): normalised with the batch's biased variance")
    h.add(prefix + "_train_running", torch.cat([train.running_mean, train.running_var]),
          "after the step: momentum 0.1, the unbiased variance")
    h.add(prefix + "_train_dx", dx, "x.grad")
    h.add(prefix + "_train_dgamma_dbeta", dparams, "weight.grad, then bias.grad")

    test = module(cls, sample_shape[0], seed + 100)
    test.eval()
    y, dx, dparams = run(test, x, w)
    h.add(prefix + "_eval_y", y, "eval(): normalised with the running statistics")
    h.add(prefix + "_eval_dx", dx, "x.grad")
    h.add(prefix + "_eval_dgamma_dbeta", dparams, "weight.grad, then bias.grad")


if __name__ == "__main__":
    h = Header(os.path.join(HERE, "batch_norm_parity_reference.hpp"),
               "typenet::test::ref::batch_norm", "BatchNorm2d and BatchNorm1d, PyTorch",
               "gen_batch_norm_parity.py")
    case(h, "bn2d_c2", nn.BatchNorm2d, 3, (2, 3, 4), 7000)
    case(h, "bn2d_c4", nn.BatchNorm2d, 3, (4, 2, 2), 7200)
    case(h, "bn1d", nn.BatchNorm1d, 5, (6,), 7400)
    h.write()
