"""Benchmark 3: batch-audit throughput with 1 and 2 workers on generated claims.

Run:  python benchmarks/bench_throughput.py [--claims 5000] [--workers 1 2]
      python benchmarks/bench_throughput.py --claims 100000 --workers 1 2   # the full size

Method: writes --claims generated claim documents (variations of examples/*.yaml: claim ids,
dates shifted, units scaled, modifiers changed; seed 7) to one JSONL file, then runs
`run_audit` (the code behind `denialkb audit`) once per worker count, each in a fresh child
process so resource.getrusage is clean. Reports wall time, claims/s, the parent's peak RSS and
the peak RSS of the largest worker process (RUSAGE_CHILDREN after the pool is shut down; with
1 worker the claims are decided in the parent, so the parent's figure is the worker's).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_claims  # noqa: E402


def child(jsonl: str, workers: int, out: str) -> None:
    from denialkb.engine.batch import run_audit

    t = time.perf_counter()
    s = run_audit([jsonl], out, workers=workers, progress=False)
    wall = time.perf_counter() - t
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"workers": workers, "read": s.read, "decided": s.decided, "rejected": s.rejected,
                      "wall_s": round(wall, 2), "claims_per_s": round(s.read / wall, 1),
                      "parent_peak_rss_mb": round(me, 1), "worker_peak_rss_mb": round(kids, 1)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--child", nargs=3, metavar=("JSONL", "WORKERS", "OUT"))
    a = ap.parse_args()
    if a.child:
        return child(a.child[0], int(a.child[1]), a.child[2])
    with tempfile.TemporaryDirectory(prefix="denialkb-bench-") as tmp:
        jl = Path(tmp) / "claims.jsonl"
        with open(jl, "w") as f:
            for d in generate_claims(a.claims):
                f.write(json.dumps(d) + "\n")
        print(f"claims: {a.claims} generated ({jl.stat().st_size / 1e6:.1f} MB JSONL)")
        print("| workers | claims | decided | rejected | wall s | claims/s | parent peak RSS MB | worker peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|")
        for w in a.workers:
            out = subprocess.run([sys.executable, __file__, "--child", str(jl), str(w), f"{tmp}/out{w}"],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {w} | {r['read']} | {r['decided']} | {r['rejected']} | {r['wall_s']} | "
                  f"{r['claims_per_s']} | {r['parent_peak_rss_mb']} | "
                  f"{r['worker_peak_rss_mb'] if w > 1 else '(in parent)'} |")


if __name__ == "__main__":
    main()
