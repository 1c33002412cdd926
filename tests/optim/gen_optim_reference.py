#!/usr/bin/python3
"""Reference numbers for tests/optim/{sgd,adam,init}_test.cpp and tests/train/schedule_test.cpp
from PyTorch (Debian
python3-torch 1.13.0, /usr/bin/python3). Run: /usr/bin/python3 tests/optim/gen_optim_reference.py
and paste the printed arrays into the tests. Computed in float64 (the C++ tests compare double
to 1e-12 and float to 1e-6 relative).
"""
import collections

import torch
from torch import nn

P0 = [1.0, -0.5, 0.25, 2.0, -1.5]
GRADS = [[0.5, 0.1, -0.3, 0.0, 1.2],
         [0.4, -0.2, -0.1, 0.3, 0.9],
         [-0.2, 0.05, 0.6, -0.4, 0.7]]


def run(make_optimizer):
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([p])
    out = []
    for g in GRADS:
        opt.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().tolist())
    return out


def show(name, rows):
    print("// %s" % name)
    print("{{" + "},\n {".join(", ".join("%.17g" % v for v in r) for r in rows) + "}}")


CASES = [
    ("sgd lr=0.1", lambda ps: torch.optim.SGD(ps, lr=0.1)),
    ("sgd lr=0.1 weight_decay=0.1", lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.1)),
    ("sgd lr=0.1 momentum=0.9 weight_decay=0.1",
     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1)),
    ("sgd lr=0.05 momentum=0.8 dampening=0.3",
     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3)),
    ("sgd lr=0.1 momentum=0.9 nesterov weight_decay=0.01",
     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adam lr=0.1", lambda ps: torch.optim.Adam(ps, lr=0.1)),
    ("adam lr=0.01 betas=(0.8,0.99) eps=1e-3 weight_decay=0.1",
     lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1)),
    ("adamw lr=0.1 weight_decay=0.5",
     lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.5)),
]

print("// P0 =", P0)
print("// GRADS =", GRADS)
for name, make in CASES:
    show(name, run(make))

# Fans of LeNet-5's parameter tensors as torch.nn.init computes them.
print("// lenet5 fans (name, fan_in, fan_out)")
net = nn.Sequential(collections.OrderedDict([
    ("0", nn.Conv2d(1, 6, 5)), ("3", nn.Conv2d(6, 16, 5)), ("6", nn.Linear(256, 120)),
    ("8", nn.Linear(120, 84)), ("10", nn.Linear(84, 10))]))
for name, p in net.named_parameters():
    if name.endswith("weight"):
        fi, fo = nn.init._calculate_fan_in_and_fan_out(p)
        print('{"%s", %d, %d},' % (name, fi, fo))

# OneCycleLR's rate before each of 20 steps (max_lr 0.1, pct_start 0.3, the other defaults), and
# of 7 steps with pct_start 0.5: what schedule::one_cycle(...).at(s) must give.
for total, pct in ((20, 0.3), (7, 0.5)):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total,
                                                pct_start=pct, cycle_momentum=False)
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    print("// one_cycle max_lr=0.1 total_steps=%d pct_start=%g" % (total, pct))
    print("{" + ", ".join("%.17g" % v for v in lrs) + "}")
