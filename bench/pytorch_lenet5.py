#!/usr/bin/python3
"""LeNet-5 in PyTorch: the baseline of bench/lenet5_bench.cpp (issue 4, docs/performance.md).

The same architecture as dsl/lenet5.hpp, the same random Fashion-MNIST-sized inputs, the same
training step (forward, cross-entropy, backward, Adam) and the same timing policy as the C++
benchmark: warm-up, then `--reps` repetitions of at least `--min-time` seconds, median reported.

Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 bench/pytorch_lenet5.py [--quick] [--min-time S] [--reps N] [--threads 1,2]

Threads: torch.set_num_threads(t) sets ATen's OpenMP pool (conv, element-wise ops), and
openblas_set_num_threads(t) is called on the OpenBLAS that torch loaded (torch does not do it
itself: its BLAS is "generic", i.e. Debian's libblas.so.3 alternative).

BLAS: before timing, the script checks that the BLAS torch loaded computes a correct SGEMM (on
some processors OPENBLAS_CORETYPE is set because old OpenBLAS builds compute wrong results
there) and prints which library and kernel ("corename") run, so that the record says what was
measured. bench/run.sh runs this script with the environment as it is, with OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE unset, and (2 threads) with OMP_WAIT_POLICY=passive, and keeps PyTorch's
best number per configuration.

Output: `info ...` and `result framework=pytorch kind=train|infer batch=B threads=T
images_per_s=X best_images_per_s=Y cpu_per_wall=Z` lines (key=value, parsed by bench/report.py;
cpu_per_wall is process CPU seconds per wall second: about 2 when two threads ran in parallel —
or spun waiting).
"""

import argparse
import ctypes
import math
import os
import re
import statistics
import sys
import time

import torch
from torch import nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def loaded_blas():
    """Paths of the BLAS/LAPACK libraries mapped into this process (after torch used them)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line}
    return sorted(p for p in paths if "blas" in os.path.basename(p) or "lapack" in os.path.basename(p))


def openblas_handle():
    for path in loaded_blas():
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return path, lib
    return None, None


def check_sgemm():
    """Max relative error of torch.mm (BLAS SGEMM) against a float64 product computed without
    BLAS (broadcast multiply and sum), on the shapes LeNet-5's layers produce."""
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    for m, k, n in [(128, 256, 120), (128, 120, 84), (128, 84, 10), (120, 128, 256),
                    (64, 150, 16), (576, 25, 6), (33, 47, 29)]:
        a = torch.rand(m, k, generator=gen) - 0.5
        b = torch.rand(k, n, generator=gen) - 0.5
        ref = (a.double()[:, :, None] * b.double()[None, :, :]).sum(1)
        got = torch.mm(a, b).double()
        worst = max(worst, ((got - ref).abs().max() / ref.abs().max()).item())
    return worst


def time_calls(fn, min_time, reps):
    """Seconds per call of fn(): warm-up, then `reps` repetitions of at least min_time. Also
    returns the process's CPU seconds per wall second over the timed repetitions."""
    t0 = time.perf_counter()
    fn()
    while time.perf_counter() - t0 < min_time / 5:
        fn()
    per_call = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        calls = 0
        t0 = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time:
                break
        per_call.append(elapsed / calls)
    return per_call, (time.process_time() - cpu0) / (time.perf_counter() - wall0)


POOL = 1024  # random images, cycled through in batch order as the C++ benchmark does


def timing_parser(doc):
    """An argument parser with the options every benchmark script takes (--quick, --min-time,
    --reps); the script adds its own, then calls parse_timing_args."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few iterations (smoke run)")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per repetition")
    parser.add_argument("--reps", type=int, default=5, help="repetitions; the median is reported")
    return parser


def parse_timing_args(parser):
    """The parsed arguments; --quick sets a few iterations per measurement."""
    args = parser.parse_args()
    if args.quick:
        args.min_time, args.reps = 0.002, 1
    return args


def set_threads(t, openblas):
    """t threads in ATen's OpenMP pool and, when torch loaded OpenBLAS, in OpenBLAS's."""
    torch.set_num_threads(t)
    if openblas:
        openblas.openblas_set_num_threads(t)


def random_samples():
    """POOL random images in [0, 1) and labels in [0, 10), the same every run."""
    gen = torch.Generator().manual_seed(42)
    images = torch.rand(POOL, 1, 28, 28, generator=gen)
    labels = torch.randint(0, 10, (POOL,), generator=gen)
    return images, labels


def bench_training(images, labels, batch, min_time, reps, make=lenet5):
    """One training step of make()'s network per call (bench/pytorch_nets.py passes its nets)."""
    torch.manual_seed(1)
    model = make()
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = {"first": 0, "loss": None}

    def step():
        f = state["first"]
        x, y = images[f:f + batch], labels[f:f + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        state["loss"] = loss
        state["first"] = (f + batch) % POOL

    timing = time_calls(step, min_time, reps)
    if not math.isfinite(state["loss"].item()):
        print(f"warning: training loss is not finite ({state['loss'].item()})")
    return timing


def bench_inference(images, batch, min_time, reps, make=lenet5):
    """One batch of make()'s network's predictions per call."""
    torch.manual_seed(1)
    model = make()
    model.eval()
    state = {"first": 0, "sum": 0}

    def infer():
        f = state["first"]
        with torch.inference_mode():
            state["sum"] += int(model(images[f:f + batch]).argmax(1).sum())
        state["first"] = (f + batch) % POOL

    return time_calls(infer, min_time, reps)


def main():
    parser = timing_parser(__doc__)
    parser.add_argument("--threads", default="1,2", help="training thread counts, comma-separated")
    parser.add_argument("--no-infer", action="store_true", help="training configurations only")
    args = parse_timing_args(parser)
    thread_counts = [int(t) for t in args.threads.split(",")]

    sgemm_error = check_sgemm()
    path, openblas = openblas_handle()
    env = " ".join(f"{k}={os.environ.get(k, 'unset')}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_WAIT_POLICY"))
    capability = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    print(f"info torch={torch.__version__} python={sys.version.split()[0]} "
          f"mkldnn={torch.backends.mkldnn.is_available()} "
          f"cpu_capability={capability.group(1) if capability else 'unknown'}")
    print(f"info blas_libraries={','.join(loaded_blas()) or 'none'}")
    if openblas:
        print(f"info openblas={path} corename={openblas.openblas_get_corename().decode()} "
              f"config=\"{openblas.openblas_get_config().decode()}\" {env}")
    else:
        print(f"info openblas=none {env}")
    print(f"info sgemm_max_relative_error={sgemm_error:.2e}")
    if not sgemm_error < 1e-4:
        print("error: the BLAS torch loaded computes a wrong SGEMM; not benchmarking it")
        return 1

    images, labels = random_samples()

    def report(kind, batch, threads, timing):
        per_call, cpu_per_wall = timing
        ips = batch / statistics.median(per_call)
        best = batch / min(per_call)
        print(f"result framework=pytorch kind={kind} batch={batch} threads={threads} "
              f"images_per_s={ips:.3f} best_images_per_s={best:.3f} "
              f"cpu_per_wall={cpu_per_wall:.3f}", flush=True)

    for t in thread_counts:
        set_threads(t, openblas)
        for batch in (1, 32, 128):
            report("train", batch, t, bench_training(images, labels, batch, args.min_time, args.reps))
    if args.no_infer:
        return 0
    set_threads(1, openblas)
    for batch in (1, 128):
        report("infer", batch, 1, bench_inference(images, batch, args.min_time, args.reps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
