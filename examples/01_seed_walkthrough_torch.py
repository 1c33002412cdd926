#!/usr/bin/python3
# Reference numbers for Part 3 of examples/01_seed_walkthrough.cpp: the notes' network
# (conv 2x2 -> ReLU -> max-pool 2 -> softmax + cross-entropy) in PyTorch, double precision, with the
# walkthrough's parameters, input and label. Run with Debian's /usr/bin/python3 (python3-torch);
# its output is pasted into the example as `torch_reference`. Not run by CI.
import torch

theta = [1.5, -0.5, 2.0, 0.75, 0.25]  # 0.weight (1x1x2x2), 0.bias (1)
pixels = [0.5, -1.25, 2.0, 0.75, -0.5,
          1.5, 3.0, -0.75, 1.25, 0.25,
          -2.5, 0.25, -1.0, -1.5, -0.75,
          0.75, -0.25, -1.25, -0.5, -1.0,
          2.5, 1.0, -2.0, -0.25, -1.5]
label = 2

net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                          torch.nn.Flatten()).double()
with torch.no_grad():
    torch.nn.utils.vector_to_parameters(torch.tensor(theta, dtype=torch.float64),
                                        net.parameters())
x = torch.tensor(pixels, dtype=torch.float64).reshape(1, 1, 5, 5).requires_grad_()
loss = torch.nn.functional.cross_entropy(net(x), torch.tensor([label]))
loss.backward()
grads = torch.cat([p.grad.flatten() for p in net.parameters()]).tolist()
print("loss, dL/dK (4), dL/dB:")
print(", ".join("%.17g" % v for v in [loss.item()] + grads))
print("dL/dx:")
print(", ".join("%.17g" % v for v in x.grad.flatten().tolist()))
