"""Benchmark 1: ms per claim, new experta engine per claim vs one engine reset() per claim.

Run:  python benchmarks/bench_engine.py [--repeat N] [--rules 200]

Method: the claims are the shipped examples (validated and enriched once, outside the timing);
each timing covers only the engine (`Decider.decide_facts`: reset, declare, run, trace). "new"
builds a fresh engine from the compiled class before every claim (RETE network built in
__init__), "reused" keeps one engine and resets it. Both use the reference compilation (every
rule in one engine); the default scoped engines are measured by bench_backends.py. Done on the shipped KB and on a generated
KB (the shipped rules cloned with new ids and shifted thresholds up to --rules rules).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KB, example_docs, generated_kb  # noqa: E402


def bench(kb_dir, docs, repeat: int) -> tuple[int, float, float]:
    from denialkb.engine.claim import validate_claim
    from denialkb.engine.facts import enrich
    from denialkb.engine.runtime import Decider

    d = Decider(kb_dir, engine="experta-reference", lint=False)  # one engine holding every rule
    facts = [enrich(validate_claim(x), d.kb) for x in docs]
    n = len(facts) * repeat

    t = time.perf_counter()
    for _ in range(repeat):
        for f in facts:
            d.decide_facts(f)
    reused = (time.perf_counter() - t) / n * 1000

    t = time.perf_counter()
    for _ in range(repeat):
        for f in facts:
            d.engines._reference = d.compiled.engine_class()
            d.decide_facts(f)
    new = (time.perf_counter() - t) / n * 1000
    return len(d.kb.rules), new, reused


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rules", type=int, default=200)
    a = ap.parse_args()
    docs = example_docs()
    gen = generated_kb(a.rules)
    try:
        print(f"claims: {len(docs)} examples x {a.repeat} repeats per mode")
        print("| KB | rules | new engine per claim (ms) | reused engine + reset (ms) | speed-up |")
        print("|---|---|---|---|---|")
        for name, kb in (("shipped", KB), ("generated", gen)):
            n, new, reused = bench(kb, docs, a.repeat)
            print(f"| {name} | {n} | {new:.2f} | {reused:.2f} | {new / reused:.1f}x |")
    finally:
        shutil.rmtree(gen.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
