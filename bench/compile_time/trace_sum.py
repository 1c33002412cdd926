#!/usr/bin/env python3
"""trace_sum.py TRACE.json [top]: sums clang -ftime-trace events.
Prints the totals per event kind, then the self time (duration minus nested events
on the same thread) per template, with template arguments stripped to the name,
so that e.g. every hana::at_c<I> instantiation is summed into one row."""
import json, re, sys, collections

ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("ph") == "X"]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
kinds = collections.Counter()
for e in ev:
    if not e["name"].startswith("Total"):
        continue
    kinds[e["name"]] += e["dur"]
print("== totals (s)")
for k, v in kinds.most_common(12):
    print(f"{v/1e6:8.2f}  {k}")

# self time: sort by start; subtract direct children's durations
ev = [e for e in ev if not e["name"].startswith("Total") and e["name"] not in ("ExecuteCompiler", "Frontend")]
ev.sort(key=lambda e: (e["ts"], -e["dur"]))
self_t = [e["dur"] for e in ev]
stack = []
for i, e in enumerate(ev):
    while stack and ev[stack[-1]]["ts"] + ev[stack[-1]]["dur"] <= e["ts"]:
        stack.pop()
    if stack:
        self_t[stack[-1]] -= e["dur"]
    stack.append(i)

def key(e):
    d = e.get("args", {}).get("detail", "")
    d = re.sub(r"\(.*", "", d)          # drop function parameter lists
    out, depth = [], 0                  # drop template arguments
    for c in d:
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif depth == 0:
            out.append(c)
    return e["name"], "".join(out).strip()

agg = collections.defaultdict(lambda: [0, 0])
for e, s in zip(ev, self_t):
    a = agg[key(e)]
    a[0] += s
    a[1] += 1
print("== self time by (event, template) (s, count)")
for (n, d), (s, c) in sorted(agg.items(), key=lambda kv: -kv[1][0])[:top]:
    print(f"{s/1e6:8.2f} {c:6d}  {n:22s} {d[:110]}")
