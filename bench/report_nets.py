#!/usr/bin/python3
"""Aggregates a bench/run_nets.sh log into the markdown table of docs/performance.md.

Every `result` line is already a median over its program's repetitions; this takes the median
over rounds. PyTorch's figure per configuration is its best variant (BLAS environment, OpenMP
wait policy) among those whose SGEMM checked out (a variant that failed the check printed an
`error` line and no results).

    bench/report_nets.py LOG
"""

import re
import statistics
import sys
from collections import defaultdict

PAIR = re.compile(r'(\w+)=("[^"]*"|\S+)')


def fields(line):
    return {k: v.strip('"') for k, v in PAIR.findall(line)}


def main(path):
    typenet = defaultdict(list)  # (net, kind, batch, threads) -> [img/s per round]
    pytorch = defaultdict(list)  # (variant, net, kind, batch, threads) -> [img/s per round]
    flops, infos, refused = {}, defaultdict(set), set()
    with open(path) as log:
        for raw in log:
            line = raw.strip()
            f = fields(line)
            if line.startswith("flops "):
                flops[f["net"]] = float(f["forward"])
            elif line.startswith("error "):
                refused.add(f.get("variant", "?"))
            elif line.startswith("info ") and "corename" in f:
                infos[f["variant"]].add(f["corename"])
            elif line.startswith("result ") and f.get("framework") == "pytorch":
                key = (f["variant"], f["net"], f["kind"], int(f["batch"]), int(f["threads"]))
                pytorch[key].append(float(f["images_per_s"]))
            elif line.startswith("result "):
                key = (f["net"], f["kind"], int(f["batch"]), int(f["threads"]))
                typenet[key].append(float(f["images_per_s"]))
    print("| net | config | typenet img/s | PyTorch img/s (best variant) | typenet / PyTorch | typenet GFLOP/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for key in sorted(typenet, key=lambda k: (k[0], k[1] != "train", k[3], k[2])):
        net, kind, batch, threads = key
        ours = statistics.median(typenet[key])
        best, best_variant = 0.0, "-"
        for (variant, n, k, b, t), values in pytorch.items():
            if (n, k, b, t) == key and statistics.median(values) > best:
                best, best_variant = statistics.median(values), variant
        per_image = flops.get(net, 0) * (3 if kind == "train" else 1)
        ratio = f"{ours / best:.2f}x" if best else "-"
        print(f"| {net} | {kind} b={batch} t={threads} | {ours:.0f} | {best:.0f} ({best_variant}) "
              f"| {ratio} | {ours * per_image / 1e9:.2f} |")
    print()
    for net, value in sorted(flops.items()):
        print(f"- {net}: {value / 1e6:.2f} MFLOP per image forward, 3x that per training image.")
    for variant, cores in sorted(infos.items()):
        print(f"- PyTorch variant `{variant}`: OpenBLAS kernel {', '.join(sorted(cores))}.")
    if refused:
        print(f"- Refused (SGEMM check failed): {', '.join(sorted(refused))}.")


if __name__ == "__main__":
    main(sys.argv[1])
