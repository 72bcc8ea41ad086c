"""Benchmark 7: latency of `denialkb check ONE_FILE`, and where it goes.

Run:  python benchmarks/bench_check_latency.py [--runs 10] [--file examples/pertuzumab-her2-missing.yaml]
      [--other /path/to/other/venv/bin/python]

- `denialkb check FILE` as a fresh process (`python -m denialkb.engine.cli`), --runs times,
  alternated with `python -c pass` (and with --other, the same command of another install):
  wall and CPU (user+sys, os.wait4) per run, medians;
- the phases inside one such process (imports, KB load, compile + engine build, deciding and
  printing), CPU seconds, medians of --runs child processes;
- whether networkx / graphviz were imported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PHASES = r"""
import json, sys, time
t0 = time.process_time()
from denialkb.engine import cli, record, runtime  # noqa: F401  (what `check` imports)
from denialkb.engine.claim import load_claim
t1 = time.process_time()
from denialkb.engine.kb import load_kb
kb = load_kb(None, cases=False)
t2 = time.process_time()
d = runtime.Decider(kb)
doc = load_claim(sys.argv[1])
d.engines.engine_for(doc.data["claim"]["payer"], frozenset())  # noqa: the first engine build
t3 = time.process_time()
rec = d.check_document(doc)
record.to_json(rec)
t4 = time.process_time()
print(json.dumps({"imports": t1 - t0, "load_kb": t2 - t1, "compile+build+read claim": t3 - t2,
                  "decide+record": t4 - t3, "networkx": "networkx" in sys.modules,
                  "graphviz": "graphviz" in sys.modules}))
"""


def timed(cmd) -> tuple[float, float]:
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, _, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--file", default="examples/pertuzumab-her2-missing.yaml")
    ap.add_argument("--other", default=None)
    a = ap.parse_args()
    cmds = {"this: denialkb check FILE": [sys.executable, "-m", "denialkb.engine.cli", "check", a.file],
            "python -c pass": [sys.executable, "-c", "pass"]}
    if a.other:
        cmds["other: denialkb check FILE"] = [a.other, "-m", "denialkb.engine.cli", "check", a.file]
    res = {k: [] for k in cmds}
    for _ in range(a.runs):
        for k, c in cmds.items():
            res[k].append(timed(c))
    print(f"{a.runs} alternated runs of each; load average {os.getloadavg()[0]:.1f}\n")
    print("| command | wall s (median, min-max) | CPU s (median) |\n|---|---|---|")
    for k, v in res.items():
        w = [x[0] for x in v]
        print(f"| {k} | {statistics.median(w):.3f} ({min(w):.3f}-{max(w):.3f}) | "
              f"{statistics.median(x[1] for x in v):.3f} |")
    phases = [json.loads(subprocess.run([sys.executable, "-c", PHASES, a.file], capture_output=True, text=True,
                                        cwd=ROOT, check=True).stdout) for _ in range(a.runs)]
    total = statistics.median(sum(v for k, v in p.items() if isinstance(v, float)) for p in phases)
    print("\n| phase (in one process) | CPU s (median) | share |\n|---|---|---|")
    for k in phases[0]:
        if isinstance(phases[0][k], float):
            m = statistics.median(p[k] for p in phases)
            print(f"| {k} | {m:.3f} | {m / total:.0%} |")
    print(f"\nnetworkx imported: {phases[0]['networkx']}; graphviz imported: {phases[0]['graphviz']}")


if __name__ == "__main__":
    main()
