#!/usr/bin/python3
"""Reference numbers for tests/ops/elementwise_test.cpp, tests/ops/global_avgpool2d_test.cpp and
tests/model/activation_parity_test.cpp: the activations (tanh, sigmoid, leaky_relu) and the
global average pool in PyTorch, alone and inside whole networks.

Element-wise: for a fixed input (with 0, and large inputs where tanh and sigmoid saturate) and a
fixed upstream gradient, each function's output and input gradient from autograd.

Networks: each built as a torch.nn.Sequential (float64) with seeded parameters at PyTorch's
default scale (uniform in +-1/sqrt(fan_in)), run forward + CrossEntropyLoss backward on one
sample. Written per network: the parameter names and sizes in named_parameters() order, the flat
parameter vector torch.cat([p.flatten() for p in net.parameters()]), the input, the label, the
logits, the loss, the input gradient and the flat parameter gradient.

Run with the Debian interpreter that has torch:  /usr/bin/python3 tests/data/gen_activation_parity.py
"""

import os

import torch
import torch.nn as nn

from gen_reference import Header, rnd
from gen_pytorch_parity import emit_network, init_uniform

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def elementwise(h):
    x = rnd(900, 3, 4, 5, lo=-3.0, hi=3.0)
    x[0, 0, 0] = 0.0
    x[0, 0, 1] = -40.0   # sigmoid -> 4e-18, tanh -> -1
    x[0, 0, 2] = 40.0
    x[0, 0, 3] = -800.0  # exp(800) overflows: sigmoid's limit 0
    dy = rnd(901, 3, 4, 5)
    h.add("act_x", x, "input, with 0 and saturating values at [0,0,0..3]")
    h.add("act_dy", dy, "upstream gradient")
    for name, f in [("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
                    ("leaky_default", lambda v: nn.functional.leaky_relu(v, 0.01)),
                    ("leaky_fifth", lambda v: nn.functional.leaky_relu(v, 0.2))]:
        xx = x.clone().requires_grad_()
        y = f(xx)
        y.backward(dy)
        h.add(f"{name}_y", y.detach())
        h.add(f"{name}_dx", xx.grad)

    x = rnd(902, 3, 5, 7)
    dy = rnd(903, 3)
    xx = x.clone().requires_grad_()
    y = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(0))(xx)
    y.backward(dy)
    h.add("pool_x", x)
    h.add("pool_dy", dy)
    h.add("pool_y", y.detach(), "AdaptiveAvgPool2d(1) + Flatten")
    h.add("pool_dx", xx.grad)


def network(h, prefix, net, x, label, seed):
    init_uniform(net, seed)
    emit_network(h, prefix, net, x, label)


if __name__ == "__main__":
    h = Header(os.path.join(HERE, "activation_parity_reference.hpp"),
               "typenet::test::ref::activations",
               "activations and global_avgpool in PyTorch", "gen_activation_parity.py")
    elementwise(h)
    # seq<conv<3,3,filters<4>>, tanh, conv<3,3,filters<3>>, sigmoid, flatten, dense<5>,
    #     leaky_relu<>, dense<4>, softmax_ce> on 2x8x8
    network(h, "mixed", nn.Sequential(
        nn.Conv2d(2, 4, 3), nn.Tanh(), nn.Conv2d(4, 3, 3), nn.Sigmoid(), nn.Flatten(),
        nn.Linear(48, 5), nn.LeakyReLU(0.01), nn.Linear(5, 4)),
        rnd(910, 2, 8, 8), 1, 920)
    # seq<conv<3,3,filters<6>>, leaky_relu<std::ratio<1,5>>, global_avgpool, dense<3>, softmax_ce>
    # on 2x7x9; torch's Flatten after the pool is a child of its own, typenet's is not.
    network(h, "gap", nn.Sequential(
        nn.Conv2d(2, 6, 3), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(6, 3)),
        rnd(930, 2, 7, 9), 2, 940)
    # seq<dense<6>, sigmoid, dense<5>, tanh, dense<3>, softmax_ce> on shape<7>
    network(h, "mlp", nn.Sequential(
        nn.Linear(7, 6), nn.Sigmoid(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)),
        rnd(950, 7), 0, 960)
    h.write()
