"""Benchmark 5: `denialkb audit` of this checkout against another install, alternated in one run.

Run:  python benchmarks/bench_ab_audit.py --other /path/to/other/venv/bin/python \
          [--claims 5000] [--pairs 3] [--workers 1]

Writes --claims generated claims (benchmarks/_common.py, seed 7) as JSONL, then runs
`python -m denialkb.engine.cli audit FILE --workers W` with this interpreter and with
--other, alternately (A B, B A, A B, ...), each run a fresh process. Wall time, and CPU
time of the whole process tree (os.wait4), per run; the ratio other/this per adjacent
pair; medians. The decisions.jsonl of every run must be byte-identical (same KB content).
To compare with an earlier commit:
    git archive COMMIT | tar -x -C /tmp/old && python -m venv /tmp/oldvenv \
        && /tmp/oldvenv/bin/pip install "/tmp/old[test]"
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_claims  # noqa: E402


def run(python: str, jsonl: Path, out: Path, workers: int, extra=()) -> dict:
    t = time.perf_counter()
    p = subprocess.Popen([python, "-m", "denialkb.engine.cli", "audit", str(jsonl), "--out", str(out),
                          "--workers", str(workers), "--no-progress", *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{python}: audit failed ({code}): {err[-2000:]}")
    digest = hashlib.sha256((out / "decisions.jsonl").read_bytes()).hexdigest()
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "sha": digest, "maxrss_mb": ru.ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--other", required=True, help="python of the other install")
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--this-args", nargs="*", default=[], help="extra audit options for this install")
    a = ap.parse_args()
    this = sys.executable
    with tempfile.TemporaryDirectory(prefix="denialkb-ab-") as tmp:
        jl = Path(tmp) / "claims.jsonl"
        with open(jl, "w") as f:
            for d in generate_claims(a.claims):
                f.write(json.dumps(d) + "\n")
        rows = []
        for i in range(a.pairs):
            order = [("this", this), ("other", a.other)]
            if i % 2:
                order.reverse()
            res = {}
            for name, py in order:
                res[name] = run(py, jl, Path(tmp) / f"out-{name}-{i}", a.workers,
                                a.this_args if name == "this" else ())
            rows.append(res)
            print(f"pair {i + 1}: this {res['this']['wall']:.1f} s wall / {res['this']['cpu']:.1f} s CPU; "
                  f"other {res['other']['wall']:.1f} / {res['other']['cpu']:.1f}; "
                  f"ratio other/this wall {res['other']['wall'] / res['this']['wall']:.2f}, "
                  f"CPU {res['other']['cpu'] / res['this']['cpu']:.2f}", flush=True)
        shas = {r[k]["sha"] for r in rows for k in r}
        print(f"\nclaims {a.claims}, workers {a.workers}, {a.pairs} alternated pairs; "
              f"decisions.jsonl identical across all runs: {len(shas) == 1}")
        for k in ("wall", "cpu"):
            rs = [r["other"][k] / r["this"][k] for r in rows]
            print(f"{k}: this median {statistics.median(r['this'][k] for r in rows):.2f} s "
                  f"({a.claims / statistics.median(r['this'][k] for r in rows):.0f} claims/s), other median "
                  f"{statistics.median(r['other'][k] for r in rows):.2f} s; other/this per pair "
                  f"{', '.join(f'{x:.2f}' for x in rs)}; median {statistics.median(rs):.2f}x")
        print(f"peak RSS (largest process): this {max(r['this']['maxrss_mb'] for r in rows):.0f} MB, "
              f"other {max(r['other']['maxrss_mb'] for r in rows):.0f} MB")
        if len(shas) != 1:
            raise SystemExit("decisions differ between the two installs")


if __name__ == "__main__":
    main()
