#!/usr/bin/python3
"""Reference numbers for tests/model/conv_options_parity_test.cpp: conv with stride, padding and
groups, and maxpool with stride and padding, in whole networks in PyTorch.

Each network is a torch.nn.Sequential (float64) with the same layers as the typenet seq named
beside it, given parameters uniform in +-1/sqrt(fan_in) (a bias like its weight) from a seeded
generator, and run forward + CrossEntropyLoss backward on one fixed sample. The script writes
tests/data/conv_options_parity_reference.hpp with, per network: the parameter names and sizes in
named_parameters() order, the flat parameter vector torch.cat([p.flatten() for p in
net.parameters()]), the input, the label, the logits, the loss, the input gradient and the flat
parameter gradient.

Run with the Debian interpreter that has torch:  /usr/bin/python3 tests/data/gen_conv_options_parity.py
"""

import os

import torch
import torch.nn as nn

from gen_pytorch_parity import emit_network, init_uniform
from gen_reference import Header, rnd

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def head(features, classes=5):
    return [nn.Flatten(), nn.Linear(features, classes)]


# (prefix, typenet network, input C,H,W, label, modules). The typenet seq in the second column is
# the one tests/model/conv_options_parity_test.cpp instantiates under the same prefix.
NETWORKS = [
    ("pad1", "conv<3,3,filters<8>,padding<1>>, relu, flatten, dense<5>", (3, 6, 6), 2,
     lambda: [nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()] + head(8 * 6 * 6)),
    ("s2p1", "conv<3,3,filters<8>,stride<2>,padding<1>>, relu, flatten, dense<5>", (3, 7, 7), 4,
     lambda: [nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU()] + head(8 * 4 * 4)),
    ("s21p10", "conv<3,3,filters<4>,stride<2,1>,padding<1,0>>, relu, flatten, dense<5>",
     (2, 8, 7), 1,
     lambda: [nn.Conv2d(2, 4, 3, stride=(2, 1), padding=(1, 0)), nn.ReLU()] + head(4 * 4 * 5)),
    ("g4", "conv<3,3,filters<8>,groups<4>>, relu, flatten, dense<5>", (4, 6, 6), 0,
     lambda: [nn.Conv2d(4, 8, 3, groups=4), nn.ReLU()] + head(8 * 4 * 4)),
    ("dw", "conv<3,3,filters<4>,groups<4>,padding<1>>, relu, flatten, dense<5>", (4, 6, 6), 3,
     lambda: [nn.Conv2d(4, 4, 3, groups=4, padding=1), nn.ReLU()] + head(4 * 6 * 6)),
    ("k1", "conv<1,1,filters<8>>, relu, flatten, dense<5>", (3, 5, 5), 2,
     lambda: [nn.Conv2d(3, 8, 1), nn.ReLU()] + head(8 * 5 * 5)),
    # floor drops a row ((11 + 4 - 5) = 10 = 3·3 + 1) and a column ((9 + 2 - 4) = 7 = 2·3 + 1).
    ("odd", "conv<5,4,stride<3,2>,padding<2,1>>, relu, flatten, dense<5>", (2, 11, 9), 4,
     lambda: [nn.Conv2d(2, 1, (5, 4), stride=(3, 2), padding=(2, 1)), nn.ReLU()] + head(4 * 4)),
    ("pool", "conv<3,3,filters<4>>, relu, maxpool<3,stride<2>,padding<1>>, flatten, dense<5>",
     (2, 9, 9), 1,
     lambda: [nn.Conv2d(2, 4, 3), nn.ReLU(), nn.MaxPool2d(3, 2, 1)] + head(4 * 4 * 4)),
    # maxpool<3,stride<2>> on 8x8: (8 - 3) = 5 = 2·2 + 1, the last row and column get no gradient.
    ("poolfloor", "conv<2,2,filters<3>,padding<1>>, maxpool<3,stride<2>>, flatten, dense<5>",
     (2, 7, 7), 3,
     lambda: [nn.Conv2d(2, 3, 2, padding=1), nn.MaxPool2d(3, 2)] + head(3 * 3 * 3)),
    # A small depthwise-separable stack: every option at once.
    ("sep", "conv<3,3,filters<4>,padding<1>>, relu, conv<3,3,filters<4>,groups<4>,stride<2>,"
     "padding<1>>, relu, conv<1,1,filters<6>>, relu, maxpool<2,stride<1>>, flatten, dense<5>",
     (2, 8, 8), 2,
     lambda: [nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(),
              nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4), nn.ReLU(),
              nn.Conv2d(4, 6, 1), nn.ReLU(), nn.MaxPool2d(2, 1)] + head(6 * 3 * 3)),
]


def network(h, index, prefix, cxx, shape, label, modules):
    net = nn.Sequential(*modules())
    init_uniform(net, 1000 + 50 * index)
    text = f"{prefix}: seq<{cxx}, softmax_ce> on shape<{shape[0]},{shape[1]},{shape[2]}>\n= {net}"
    h.items.append("// " + text.replace("\n", "\n// "))
    emit_network(h, prefix, net, rnd(1000 + 50 * index + 49, *shape), label)


if __name__ == "__main__":
    h = Header(os.path.join(HERE, "conv_options_parity_reference.hpp"),
               "typenet::test::ref::conv_options",
               "conv and maxpool options in whole networks, PyTorch", "gen_conv_options_parity.py")
    for i, case in enumerate(NETWORKS):
        network(h, i, *case)
    h.write()
