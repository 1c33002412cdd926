#!/usr/bin/python3
"""Where typenet's training step goes on one of nets_bench's networks: `perf record` over
nets_bench running one configuration, its samples grouped by kernel (docs/performance.md, "The
residual net: where the time goes").

    /usr/bin/python3 bench/profile_nets.py NETS_BENCH [--net resnet_fmnist] [--config train-b32-t1]
                                                      [--seconds 3]

Every conv kernel of include/typenet/kernels/ is a function of its own, named by its
conv_geometry<C, H, W, F, KH, KW, SH, SW, PH, PW, G>, so its samples are that kernel's time in
the layers of that geometry; the batch pass's phases (model/batch_pass.hpp) hold the element-wise
layers (batch norm's apply and reductions, ReLU, pooling, the residual adds), which the compiler
inlines there. For each kernel: its share of the samples, microseconds per image (the share of
1 / images per second, which nets_bench prints for the same run), multiply-adds per image, GFLOP/s
and % of the peak nets_bench measured, and the bytes one call reads and writes (input, output and
weights in float, once each).
"""

import argparse
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

GEOMETRY = re.compile(r"typenet::kernels::([\w:]+)<typenet::kernels::conv_geometry<([0-9ul, ]+)>")


def pass_of(kernel):
    """The pass a conv kernel function (or a block function of one) computes."""
    if "input_gradient" in kernel:
        return "dL/dx"
    if "weight_gradient" in kernel:
        return "dL/dK"
    return "forward"


def geometry(text):
    """(input "CxHxW", output "FxOHxOW", kernel text, MACs per call, bytes per call) of a
    conv_geometry<C, H, W, F, KH, KW, SH, SW, PH, PW, G>."""
    c, h, w, f, kh, kw, sh, sw, ph, pw, g = (int(x.strip().rstrip("ul")) for x in text.split(","))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    kernel = f"{kh}x{kw}" + (f" stride {sh}" if sh > 1 else "") + (f" pad {ph}" if ph else "") + \
        (" depthwise" if g > 1 and g == c else f" groups {g}" if g > 1 else "")
    macs = f * oh * ow * (c // g) * kh * kw
    data_bytes = 4 * (c * h * w + f * oh * ow + f * (c // g) * kh * kw)
    return f"{c}x{h}x{w}", f"{f}x{oh}x{ow}", kernel, macs, data_bytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bench")
    parser.add_argument("--net", default="resnet_fmnist")
    parser.add_argument("--config", default="train-b32-t1")
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = f"{tmp}/perf.data"
        out = subprocess.run(["perf", "record", "-q", "-F", "2000", "-o", data, args.bench,
                              "--nets", args.net, "--configs", args.config, "--min-time",
                              str(args.seconds / 3), "--reps", "3"],
                             check=True, capture_output=True, text=True).stdout
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol",
                                 "--stdio", "-w", "100000"], check=True, capture_output=True,
                                text=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", " ".join(
        line for line in out.splitlines() if line.startswith(("result", "peak")))))
    images_per_s, peak = float(fields["images_per_s"]), float(fields["gflops"])
    nodes = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in out.splitlines()
             if line.startswith("node ")]
    groups = defaultdict(float)
    convs = {}
    for line in report.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+\[\.\]\s+(.*)$", line)
        if not m:
            continue
        share, symbol = float(m.group(1)), m.group(2)
        g = GEOMETRY.search(symbol)
        if "fma_loop" in symbol:  # nets_bench's peak measurement, not the step
            continue
        if g:
            key = geometry(g.group(2))[:3] + (pass_of(g.group(1)),)
            convs[key] = geometry(g.group(2))
        elif "batch_pass<" in symbol:
            key = "the batch pass's phases: batch norm, ReLU, pooling, adds (inlined)"
        elif "batch_norm<" in symbol:
            key = "batch norm's reductions (not inlined)"
        elif "adam" in symbol:
            key = "Adam"
        else:
            key = "everything else"
        groups[key] += share
    total = sum(groups.values())
    groups = {key: 100 * share / total for key, share in groups.items()}
    us_per_image = 1e6 / images_per_s
    print(f"Profile of `nets_bench --nets {args.net} --configs {args.config}`: "
          f"{images_per_s:.0f} images/s ({us_per_image:.1f} us per image); one core's peak "
          f"{peak:.1f} GFLOP/s.\n")
    print("| conv kernel: in -> out, kernel | pass | layers (node paths) | share of the step "
          "| us per image | MFLOP per image | GFLOP/s | % of peak | bytes per call |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, share in sorted(groups.items(), key=lambda kv: -kv[1]):
        us = share / 100 * us_per_image
        if key in convs:
            src, dst, kernel, macs, data_bytes = convs[key]
            layers = [n["path"] for n in nodes if n["in"] == src and n["out"] == dst
                      and int(n["macs"]) == macs]
            mflop = 2 * macs * len(layers) / 1e6
            gflops = mflop * 1e6 / (us * 1e3) if us else 0
            print(f"| {src} -> {dst}, {kernel} | {key[3]} | {len(layers)} ({', '.join(layers)}) "
                  f"| {share:.1f} % | {us:.1f} | {mflop:.2f} | {gflops:.1f} "
                  f"| {100 * gflops / peak:.1f} % | {data_bytes:,} |")
    for key, share in sorted(groups.items(), key=lambda kv: -kv[1]):
        if key not in convs:
            print(f"| {key} | | | {share:.1f} % | {share / 100 * us_per_image:.1f} | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
