#!/usr/bin/python3
"""Aggregates a bench/run_nets.sh log into the markdown tables of docs/performance.md.

Every `result` line is already a median over its program's repetitions; this takes the median
over rounds. PyTorch's figure per configuration is its best variant (BLAS environment, OpenMP
wait policy) among those whose SGEMM checked out (a variant that failed the check printed an
`error` line and no results). The direct oneDNN implementation's (bench/onednn_nets.cpp) is its
best variant too: one primitive per module (`plain`) or with oneDNN's fusions (`fused`), each
also with OMP_WAIT_POLICY=passive (`+passive`).

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
    onednn = defaultdict(list)  # (variant, net, kind, batch, threads) -> [img/s per round]
    pytorch = defaultdict(list)  # (variant, net, kind, batch, threads) -> [img/s per round]
    flops, infos, refused, peaks = {}, defaultdict(set), set(), []
    with open(path) as log:
        for raw in log:
            line = raw.strip()
            f = fields(line)
            if line.startswith("flops "):
                flops[f["net"]] = float(f["forward"])
            elif line.startswith("peak "):
                peaks.append(float(f["gflops"]))
            elif line.startswith("error "):
                refused.add(f.get("variant", "?"))
            elif line.startswith("info ") and "corename" in f:
                infos[f["variant"]].add(f["corename"])
            elif line.startswith("result "):
                key = (f["net"], f["kind"], int(f["batch"]), int(f["threads"]))
                framework = f.get("framework")
                if framework == "pytorch":
                    pytorch[(f["variant"],) + key].append(float(f["images_per_s"]))
                elif framework == "onednn":
                    onednn[(f.get("variant", "plain"),) + key].append(float(f["images_per_s"]))
                else:
                    typenet[key].append(float(f["images_per_s"]))
    peak = max(peaks) if peaks else 0.0

    def best_of(runs, key):
        best, best_variant = 0.0, "-"
        for (variant, *k), values in runs.items():
            if tuple(k) == key and statistics.median(values) > best:
                best, best_variant = statistics.median(values), variant
        return best, best_variant

    def ratio(a, b):
        return f"{a / b:.2f}x" if a and b else "-"

    print("| net | config | typenet img/s | PyTorch img/s (best variant) "
          "| oneDNN img/s (best variant) "
          "| typenet / PyTorch | typenet / oneDNN | typenet GFLOP/s | typenet % of peak |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key in sorted(typenet, key=lambda k: (k[0], k[1] != "train", k[3], k[2])):
        net, kind, batch, threads = key
        ours = statistics.median(typenet[key])
        best, best_variant = best_of(pytorch, key)
        dnnl, dnnl_variant = best_of(onednn, key)
        per_image = flops.get(net, 0) * (3 if kind == "train" else 1)
        gflops = ours * per_image / 1e9
        share = f"{100 * gflops / (peak * threads):.1f} %" if peak else "-"
        torch_cell = f"{best:.0f} ({best_variant})" if best else "-"
        dnnl_cell = f"{dnnl:.0f} ({dnnl_variant})" if dnnl else "-"
        print(f"| {net} | {kind} b={batch} t={threads} | {ours:.0f} | {torch_cell} | {dnnl_cell} "
              f"| {ratio(ours, best)} | {ratio(ours, dnnl)} | {gflops:.2f} | {share} |")
    print()
    print("Training at each framework's best batch (the median over rounds of the best variant "
          "at each batch; the best batch per framework):")
    print()
    print("| net | threads | typenet img/s (batch) | PyTorch img/s (batch) | oneDNN img/s (batch) "
          "| typenet / PyTorch | typenet / oneDNN |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for net in sorted({k[0] for k in typenet}):
        for threads in (1, 2):
            batches = sorted({k[2] for k in typenet if k[0] == net and k[1] == "train"
                              and k[3] == threads})
            if not batches:
                continue

            def best_batch(of):
                return max(((of(b), b) for b in batches), default=(0.0, 0))
            ours = best_batch(lambda b: statistics.median(typenet[(net, "train", b, threads)])
                              if typenet.get((net, "train", b, threads)) else 0.0)
            torch = best_batch(lambda b: best_of(pytorch, (net, "train", b, threads))[0])
            dnnl = best_batch(lambda b: best_of(onednn, (net, "train", b, threads))[0])

            def cell(value):
                return f"{value[0]:.0f} ({value[1]})" if value[0] else "-"
            print(f"| {net} | {threads} | {cell(ours)} | {cell(torch)} | {cell(dnnl)} "
                  f"| {ratio(ours[0], torch[0])} | {ratio(ours[0], dnnl[0])} |")
    print()
    if peak:
        print(f"- One core's FP32 peak (bench/peak.hpp, best over rounds): {peak:.1f} GFLOP/s.")
    for net, value in sorted(flops.items()):
        print(f"- {net}: {value / 1e6:.2f} MFLOP per image forward, 3x that per training image.")
    for net in sorted(flops):
        for batch in (32, 128):
            one = typenet.get((net, "train", batch, 1))
            two = typenet.get((net, "train", batch, 2))
            if one and two:
                print(f"- {net}, training at batch {batch}: two threads over one "
                      f"{statistics.median(two) / statistics.median(one):.2f}x.")
    for variant, cores in sorted(infos.items()):
        print(f"- PyTorch variant `{variant}`: OpenBLAS kernel {', '.join(sorted(cores))}.")
    if refused:
        print(f"- Refused (SGEMM check failed): {', '.join(sorted(refused))}.")


if __name__ == "__main__":
    main(sys.argv[1])
