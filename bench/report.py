#!/usr/bin/python3
"""Aggregates a bench/run.sh log into the markdown tables of docs/performance.md.

The log holds, per round, the `result ...`/`layer ...`/`step ...` lines of lenet5_bench and the
`info ...`/`result framework=pytorch ...` lines of pytorch_lenet5.py (one run per BLAS
environment, tagged `variant=<name>` by run.sh). Each line is key=value pairs.

Aggregation: every number in a round is already the median of that program's repetitions; this
takes the median over rounds. PyTorch's number for a configuration is its best variant (BLAS
environment, OpenMP wait policy; issue 4: compare against PyTorch at its best). The peak is the best round (an interruption can
only lower a peak measurement).

    bench/report.py LOG
"""

import re
import statistics
import sys
from collections import defaultdict

PAIR = re.compile(r'(\w+)=("[^"]*"|\S+)')


def fields(line):
    return {k: v.strip('"') for k, v in PAIR.findall(line)}


def main(path):
    typenet = defaultdict(list)       # (kind, batch, threads) -> [img/s per round]
    pytorch = defaultdict(list)       # (variant, kind, batch, threads) -> [img/s per round]
    cpu = defaultdict(list)           # ("typenet" | variant, kind, batch, threads) -> [CPU/wall]
    phases = defaultdict(lambda: defaultdict(list))  # (batch, threads) -> phase -> [us per step]
    layers = defaultdict(lambda: defaultdict(list))  # index -> {name, fwd, bwd, macs}
    steps = defaultdict(list)
    peaks, flops = [], {}
    pairs = []                        # two independent one-thread trainings: img/s together
    infos = {}                        # variant -> [info lines]
    rounds = 0
    with open(path) as log:
        for raw in log:
            line = raw.strip()
            if line.startswith("round "):
                rounds += 1
            f = fields(line)
            if line.startswith("result ") and "framework" in f:
                key = (f["variant"], f["kind"], int(f["batch"]), int(f["threads"]))
                pytorch[key].append(float(f["images_per_s"]))
                cpu[key].append(float(f["cpu_per_wall"]))
            elif line.startswith("result ") and f.get("kind") == "peak":
                peaks.append(float(f["gflops"]))
            elif line.startswith("result ") and f.get("kind") == "train_pair":
                pairs.append(float(f["images_per_s"]))
            elif line.startswith("result ") and f.get("kind") == "flops":
                flops = {k: float(v) for k, v in f.items() if k != "kind"}
            elif line.startswith("result "):
                key = (f["kind"], int(f["batch"]), int(f["threads"]))
                typenet[key].append(float(f["images_per_s"]))
                cpu[("typenet",) + key].append(float(f["cpu_per_wall"]))
                for phase in ("accumulate_us", "adam_us"):
                    if phase in f:
                        phases[key[1:]][phase].append(float(f[phase]))
            elif line.startswith("layer "):
                d = layers[int(f["index"])]
                d["name"] = f["name"]
                d["shapes"] = f"{f['in']} -> {f['out']}"
                d["macs"] = int(f["macs"])
                d["fwd"].append(float(f["forward_us"]))
                d["bwd"].append(float(f["backward_us"]))
                if "backward_params_us" in f:
                    d["bwd_params"].append(float(f["backward_params_us"]))
            elif line.startswith("step "):
                steps[f["name"]].append(float(f["us"]))
            elif line.startswith("info ") and "variant" in f:
                infos.setdefault(f["variant"], [])
                text = line.split(" ", 2)[2] if line.count(" ") >= 2 else ""
                if text not in infos[f["variant"]]:
                    infos[f["variant"]].append(text)

    med = statistics.median
    peak = max(peaks)
    out = []
    out.append(f"Rounds: {rounds}. Core FP32 peak: {peak:.1f} GFLOP/s (best round; rounds: "
               f"{', '.join(f'{p:.1f}' for p in peaks)}). FLOPs per image: training "
               f"{flops['training']:.0f}, inference {flops['forward']:.0f}.")
    out.append("")
    out.append("| config | typenet img/s | PyTorch img/s | ratio | typenet % of peak | "
               "PyTorch % of peak | CPU s per wall s (typenet, PyTorch) | PyTorch variant |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---|")
    variants = sorted({k[0] for k in pytorch})
    for (kind, batch, threads), values in typenet.items():
        tn = med(values)
        per_image = flops["training" if kind == "train" else "forward"]
        cap = peak * 1e9 * threads
        best_variant, pt = None, None
        for v in variants:
            got = pytorch.get((v, kind, batch, threads))
            if got and (pt is None or med(got) > pt):
                best_variant, pt = v, med(got)
        pt_text = f"{pt:.0f}" if pt else "-"
        ratio = f"{tn / pt:.2f}x" if pt else "-"
        pt_peak = f"{100 * pt * per_image / cap:.1f} %" if pt else "-"
        tn_cpu = med(cpu[("typenet", kind, batch, threads)])
        pt_cpu = f"{med(cpu[(best_variant, kind, batch, threads)]):.2f}" if pt else "-"
        out.append(f"| {kind} b={batch} t={threads} | {tn:.0f} | {pt_text} | {ratio} | "
                   f"{100 * tn * per_image / cap:.1f} % | {pt_peak} | {tn_cpu:.2f}, {pt_cpu} | "
                   f"{best_variant or '-'} |")
    one, two = typenet.get(("train", 128, 1)), typenet.get(("train", 128, 2))
    if one and two and pairs:
        out.append("")
        out.append(f"Two-core scaling at b=128: two threads over one {med(two) / med(one):.2f}x. "
                   f"Control, measured right after the two-thread rows: two independent "
                   f"one-thread trainings at once reach {med(pairs):.0f} images/s together, "
                   f"{med(pairs) / med(one):.2f}x one training alone: what this machine gives "
                   f"two busy cores in this run (rounds: "
                   f"{', '.join(f'{p / o:.2f}x' for p, o in zip(pairs, one))}; two threads "
                   f"over one per round: {', '.join(f'{t / o:.2f}x' for t, o in zip(two, one))}).")
    out.append("")
    for v in variants:
        out.append(f"PyTorch variant `{v}`:")
        for text in infos.get(v, []):
            out.append(f"- {text}")
        row = []
        for (variant, kind, batch, threads), values in sorted(pytorch.items()):
            if variant == v:
                row.append(f"{kind} b={batch} t={threads}: {med(values):.0f}")
        out.append("- images/s: " + "; ".join(row))
        out.append("")

    out.append("Training step phases (typenet, mean us per step; median over rounds):")
    out.append("")
    out.append("| config | data_parallel::accumulate | adam::step (with the 1/B scaling) | "
               "Adam share of the step |")
    out.append("|---|---:|---:|---:|")
    for (batch, threads), d in phases.items():
        acc, adam = (med(d[p]) for p in ("accumulate_us", "adam_us"))
        out.append(f"| train b={batch} t={threads} | {acc:.1f} | {adam:.1f} | "
                   f"{100 * adam / (acc + adam):.1f} % |")
    out.append("")
    out.append("Per-layer profile (typenet, one sample, 1 thread; median over rounds):")
    out.append("")
    out.append("| layer | in -> out | forward us | backward us | backward, params only us | "
               "forward GFLOP/s | backward GFLOP/s | share of a training sample |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")

    def training_backward(i, d):
        # data_parallel (skip_input_gradient) runs the first layer's params-only backward.
        return med(d["bwd_params"]) if i == 0 and d["bwd_params"] else med(d["bwd"])

    total = sum(med(d["fwd"]) + training_backward(i, d) for i, d in layers.items())
    for i in sorted(layers):
        d = layers[i]
        fwd, bwd = med(d["fwd"]), med(d["bwd"])
        fg = f"{2 * d['macs'] / fwd / 1e3:.1f}" if d["macs"] else "-"
        bg = f"{4 * d['macs'] / bwd / 1e3:.1f}" if d["macs"] and bwd else "-"
        bp = f"{med(d['bwd_params']):.3f}" if d["bwd_params"] else "-"
        bwd_text = f"{bwd:.3f}" if d["name"] != "softmax_ce" else "(in forward)"
        out.append(f"| {i} {d['name']} | {d['shapes']} | {fwd:.3f} | {bwd_text} | {bp} | {fg} | "
                   f"{bg} | {100 * (fwd + training_backward(i, d)) / total:.1f} % |")
    out.append("")
    out.append(f"A training sample runs every forward, the backward of layers 1.. and the "
               f"params-only backward of layer 0 (data_parallel passes skip_input_gradient): "
               f"{total:.1f} us in sum; one workspace::forward_backward(..., skip_input_gradient) "
               f"measured whole: {med(steps['forward_backward_sample']):.1f} us.")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
