#!/usr/bin/python3
"""Runs the PyTorch modules typenet::pytorch_module_source wrote, with typenet's weights.

    pytorch_export_check.py check DIR DATA_DIR
    pytorch_export_check.py accuracy DIR DATA_DIR

DIR holds what tests/io/pytorch_export_test.cpp exported (tests/io/pytorch_export_check.sh runs
both): for each network NAME, NAME.py (the module source), NAME.safetensors (typenet's weight
file), NAME.json (the signature, the tensor names in typenet's orders, the batch norms'
num_batches_tracked) and NAME_logits.f32 (typenet's eval-mode logits of the first test images
of DATA_DIR, float32). For each network the source is executed and its make_model() must have
typenet's parameter names, order and shapes (named_parameters), buffers (named_buffers) and
state_dict keys; the weight file must load with load_state_dict(strict=True); then, in eval mode,
  check     lenet5, separable, resnet8 and mixed: every logit within 1e-4 of typenet's, relative
            to the largest logit of its image, on 64 test images;
  accuracy  resnet8_accuracy (one epoch of 6000 training images): PyTorch's accuracy on the
            10,000 test images within 0.001 of typenet's.
The weight file is read here with json + struct (Debian has no `safetensors` package).
"""
import gzip
import json
import os
import struct
import sys

import torch

DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}
LOGIT_TOLERANCE = 1e-4
ACCURACY_TOLERANCE = 0.001


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    buf = bytearray(data[8 + n :])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        dtype, size = DTYPES[h["dtype"]]
        b, e = h["data_offsets"]
        t = torch.frombuffer(buf, dtype=dtype, count=(e - b) // size, offset=b)
        tensors[name] = t.clone().reshape(h["shape"])
    return meta, tensors


def read_idx(images_path, labels_path, limit):
    with gzip.open(images_path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, images_path
        count = min(count, limit)
        pixels = f.read(count * rows * cols)
    with gzip.open(labels_path, "rb") as f:
        magic, _ = struct.unpack(">II", f.read(8))
        assert magic == 2049, labels_path
        labels = f.read(count)
    # As typenet::load_dataset: float(byte) / 255 in float32.
    x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).to(torch.float32) / 255
    return x.reshape(count, 1, rows, cols), torch.tensor(list(labels), dtype=torch.int64)


def load_network(directory, name):
    """The module of NAME.py with NAME.safetensors loaded, after every check of the names."""
    with open(os.path.join(directory, name + ".json")) as f:
        expected = json.load(f)
    path = os.path.join(directory, name + ".py")
    with open(path) as f:
        source = f.read()
    first_line = source.splitlines()[0]
    assert first_line == "# typenet network: " + expected["signature"], first_line
    scope = {}
    exec(compile(source, path, "exec"), scope)
    net = scope["make_model"]()

    params = [(n, list(p.shape)) for n, p in net.named_parameters()]
    want = [(p["name"], p["shape"]) for p in expected["parameters"]]
    assert params == want, "%s: named_parameters\n  torch   %s\n  typenet %s" % (name, params, want)
    buffers = [(n, list(b.shape)) for n, b in net.named_buffers()
               if not n.endswith("num_batches_tracked")]
    want = [(b["name"], b["shape"]) for b in expected["buffers"]]
    assert buffers == want, "%s: named_buffers\n  torch   %s\n  typenet %s" % (name, buffers, want)
    counters = [n for n, _ in net.named_buffers() if n.endswith("num_batches_tracked")]
    assert counters == expected["counters"], (name, counters, expected["counters"])

    meta, tensors = read_safetensors(os.path.join(directory, name + ".safetensors"))
    assert meta.get("typenet.signature") == expected["signature"], meta
    assert set(net.state_dict()) == set(tensors), (name, sorted(set(net.state_dict()) ^ set(tensors)))
    net.load_state_dict(tensors, strict=True)
    tracked = [int(b) for n, b in net.named_buffers() if n.endswith("num_batches_tracked")]
    assert tracked == expected["counter_values"], (name, tracked, expected["counter_values"])
    print("%s: %d parameter tensors, %d buffers, %d num_batches_tracked %s; loaded (strict=True)"
          % (name, len(params), len(buffers), len(counters), sorted(set(tracked))))
    return net.eval(), expected


def typenet_logits(directory, name, images, classes):
    path = os.path.join(directory, name + "_logits.f32")
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    assert len(raw) == images * classes * 4, path
    return torch.frombuffer(raw, dtype=torch.float32).reshape(images, classes)


def torch_logits(net, x):
    with torch.no_grad():
        return torch.cat([net(x[i : i + 500]) for i in range(0, len(x), 500)])


def relative_error(theirs, ours):
    """Per image: max |torch - typenet| / max |typenet|; the worst image's."""
    scale = ours.abs().amax(dim=1).clamp(min=1e-30)
    return ((theirs - ours).abs().amax(dim=1) / scale).max().item()


def check(directory, data):
    ok = True
    for name in ("lenet5", "separable", "resnet8", "mixed"):
        net, expected = load_network(directory, name)
        n = expected["images"]
        x, _ = read_idx(os.path.join(data, "t10k-images-idx3-ubyte.gz"),
                        os.path.join(data, "t10k-labels-idx1-ubyte.gz"), n)
        ours = typenet_logits(directory, name, n, expected["classes"])
        theirs = torch_logits(net, x)
        err = relative_error(theirs, ours)
        same = (theirs.argmax(1) == ours.argmax(1)).sum().item()
        print("  %d test images: max |torch - typenet| / max |logit| %.2e (limit %.0e), "
              "same class %d/%d" % (n, err, LOGIT_TOLERANCE, same, n))
        if not err <= LOGIT_TOLERANCE:
            print("  MISMATCH: %s logits differ" % name)
            ok = False
    return ok


def accuracy(directory, data):
    net, expected = load_network(directory, "resnet8_accuracy")
    n = expected["images"]
    x, labels = read_idx(os.path.join(data, "t10k-images-idx3-ubyte.gz"),
                         os.path.join(data, "t10k-labels-idx1-ubyte.gz"), n)
    assert len(x) == n == 10000, n
    ours = typenet_logits(directory, "resnet8_accuracy", n, expected["classes"])
    theirs = torch_logits(net, x)
    typenet_accuracy = expected["accuracy"]
    # Counted as integers: a float32 mean of 10,000 votes is off by up to 3e-8.
    assert abs((ours.argmax(1) == labels).sum().item() / n - typenet_accuracy) < 1e-9
    torch_accuracy = (theirs.argmax(1) == labels).sum().item() / n
    differ = (theirs.argmax(1) != ours.argmax(1)).sum().item()
    print("resnet<8,1> after %d steps of %d (%d training images, %.1f s in typenet)"
          % (expected["train_images"] // expected["batch"], expected["batch"],
             expected["train_images"], expected["train_seconds"]))
    print("  test accuracy on %d images: typenet %.4f, PyTorch %.4f (difference %.4f, limit %.3f)"
          % (n, typenet_accuracy, torch_accuracy, abs(torch_accuracy - typenet_accuracy),
             ACCURACY_TOLERANCE))
    print("  images classified differently: %d; max |torch - typenet| / max |logit| %.2e"
          % (differ, relative_error(theirs, ours)))
    if not abs(torch_accuracy - typenet_accuracy) <= ACCURACY_TOLERANCE:
        print("  MISMATCH: the accuracies differ by more than %.3f" % ACCURACY_TOLERANCE)
        return False
    return True


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("check", "accuracy"):
        sys.exit(__doc__)
    ok = (check if sys.argv[1] == "check" else accuracy)(sys.argv[2], sys.argv[3])
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
