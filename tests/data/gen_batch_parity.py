#!/usr/bin/python3
"""Reference numbers for tests/model/batch_parity_test.cpp: whole networks with batch norm (2d and
1d), identity and projection residual blocks and dropout, in PyTorch, through a batch: one
training-mode forward + CrossEntropyLoss (mean) backward, which also updates the running
statistics, then an evaluation-mode forward + backward.

The torch modules are the ones typenet's layers correspond to (docs/dsl.md): Residual below for
residual<Block, Shortcut>, GlobalAvgPool (one child, as typenet's global_avgpool is one layer)
and TypenetDropout, nn.Dropout with typenet's masks: philox.py computes them from (seed, step,
the dropout's node position in typenet's program, sample, element), so both sides drop the same
elements. Parameters are drawn by gen_reference.rnd (exact in float) and the running statistics
start away from their defaults.

For each network NAME the header holds NAME_x (the batch), NAME_labels, NAME_params (flat, in
parameters() order), NAME_buffers (flat, named_buffers() order without num_batches_tracked),
NAME_train_loss, NAME_train_grads, NAME_train_buffers (after the step), NAME_eval_logits,
NAME_eval_loss, NAME_eval_grads, and NAME_param_names / NAME_buffer_names.

Run with the Debian interpreter that has torch:  /usr/bin/python3 tests/data/gen_batch_parity.py
"""

import os

import torch
import torch.nn as nn

import philox
from gen_reference import Header, rnd

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 12345
STEP = 7


class Residual(nn.Module):
    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.block(x) + self.shortcut(x)


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


class TypenetDropout(nn.Module):
    def __init__(self, num, den, layer):
        super().__init__()
        self.num, self.den, self.layer = num, den, layer

    def forward(self, x):
        if not self.training:
            return x
        masks = [philox.dropout_mask(SEED, STEP, self.layer, s, x[s].numel(), self.num, self.den)
                 for s in range(x.shape[0])]
        m = torch.tensor(masks, dtype=x.dtype).reshape(x.shape)
        return x * m * philox.dropout_scale(self.num, self.den)


def conv(c, f, k, stride=1, padding=0):
    return nn.Conv2d(c, f, k, stride=stride, padding=padding)


def case(h, name, net, x, labels, seed):
    params = list(net.parameters())
    with torch.no_grad():
        for i, p in enumerate(params):
            p.copy_(rnd(seed + i, *p.shape, lo=-0.6, hi=0.6))
        for i, (bname, b) in enumerate(net.named_buffers()):
            if bname.endswith("running_mean"):
                b.copy_(rnd(seed + 500 + i, *b.shape, lo=-0.2, hi=0.2))
            elif bname.endswith("running_var"):
                b.copy_(rnd(seed + 500 + i, *b.shape, lo=0.5, hi=1.5))
    buffers = [b for n, b in net.named_buffers() if not n.endswith("num_batches_tracked")]
    h.add(f"{name}_x", x)
    h.add(f"{name}_labels", torch.tensor(labels, dtype=torch.float64))
    h.add(f"{name}_params", torch.cat([p.detach().flatten() for p in params]))
    h.add(f"{name}_buffers", torch.cat([b.detach().flatten() for b in buffers]))
    h.items.append(f"inline constexpr const char* {name}_param_names[] = {{" +
                   ", ".join(f'"{n}"' for n, _ in net.named_parameters()) + "};")
    h.items.append(f"inline constexpr const char* {name}_buffer_names[] = {{" +
                   ", ".join(f'"{n}"' for n, _ in net.named_buffers()
                             if not n.endswith("num_batches_tracked")) + "};")

    y = torch.tensor(labels)
    net.train()
    loss = nn.CrossEntropyLoss()(net(x), y)
    loss.backward()
    h.add_scalar(f"{name}_train_loss", loss.item())
    h.add(f"{name}_train_grads", torch.cat([p.grad.flatten() for p in params]))
    h.add(f"{name}_train_buffers", torch.cat([b.detach().flatten() for b in buffers]))
    for p in params:
        p.grad = None

    net.eval()
    logits = net(x)
    loss = nn.CrossEntropyLoss()(logits, y)
    loss.backward()
    h.add(f"{name}_eval_logits", logits.detach())
    h.add_scalar(f"{name}_eval_loss", loss.item())
    h.add(f"{name}_eval_grads", torch.cat([p.grad.flatten() for p in params]))


def main():
    h = Header(os.path.join(HERE, "batch_parity_reference.hpp"), "typenet::test::ref::batch",
               "batch norm, residual blocks and dropout in PyTorch", "gen_batch_parity.py")
    h.add_index("seed", SEED, "model::seed(seed, step)")
    h.add_index("step", STEP)

    # seq<conv<3,3,filters<4>,padding<1>>, batch_norm, relu,
    #     residual<seq<conv<3,3,filters<4>,padding<1>>, batch_norm, relu,
    #                  conv<3,3,filters<4>,padding<1>>, batch_norm>>, relu,
    #     residual<seq<conv<3,3,filters<6>,stride<2>,padding<1>>, batch_norm, relu,
    #                  conv<3,3,filters<6>,padding<1>>, batch_norm>,
    #              seq<conv<1,1,filters<6>,stride<2>>, batch_norm>>, relu,
    #     global_avgpool, dense<8>, batch_norm, relu, dropout<std::ratio<1,4>>, dense<5>,
    #     softmax_ce> on 2x8x8, a batch of 4; the dropout is node 23 of typenet's program.
    cnn = nn.Sequential(
        conv(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        Residual(nn.Sequential(conv(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                               conv(4, 4, 3, padding=1), nn.BatchNorm2d(4))), nn.ReLU(),
        Residual(nn.Sequential(conv(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                               conv(6, 6, 3, padding=1), nn.BatchNorm2d(6)),
                 nn.Sequential(conv(4, 6, 1, stride=2), nn.BatchNorm2d(6))), nn.ReLU(),
        GlobalAvgPool(), nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(),
        TypenetDropout(1, 4, 23), nn.Linear(8, 5))
    case(h, "cnn", cnn, rnd(7001, 4, 2, 8, 8), [3, 0, 4, 1], 7100)

    # seq<dense<6>, batch_norm, relu,
    #     residual<seq<dense<6>, batch_norm, relu, dropout<std::ratio<1,2>>, dense<6>>>, relu,
    #     dense<3>, softmax_ce> on shape<5>, a batch of 6; the dropout is node 6.
    mlp = nn.Sequential(
        nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(),
        Residual(nn.Sequential(nn.Linear(6, 6), nn.BatchNorm1d(6), nn.ReLU(),
                               TypenetDropout(1, 2, 6), nn.Linear(6, 6))), nn.ReLU(),
        nn.Linear(6, 3))
    case(h, "mlp", mlp, rnd(7201, 6, 5), [0, 2, 1, 1, 0, 2], 7300)
    h.write()


if __name__ == "__main__":
    main()
