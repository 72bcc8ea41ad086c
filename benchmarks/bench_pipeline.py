"""Benchmark 2: per-claim cost of the full pipeline vs the bare experta floor.

Run:  python benchmarks/bench_pipeline.py [--repeat N] [--profile]

- full pipeline: validate_claim (JSON Schema) + enrich + engine (Decider.decide_facts: reset,
  declare, run, trace, unknowns) + build_record, from the parsed document (no file I/O);
- bare floor: reset(), declare(*facts) and run() of the same compiled engine on the same
  already-enriched facts, no trace or record building.
Also prints each stage alone so the gap can be attributed. --profile prints the cProfile top 25
(cumulative) of the full pipeline.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KB, example_docs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()

    from denialkb.engine.claim import validate_claim
    from denialkb.engine.compiler import ClaimFact, LineFact, Values
    from denialkb.engine.facts import enrich
    from denialkb.engine.record import build_record
    from denialkb.engine.runtime import Decider

    d = Decider(KB)
    docs = example_docs()
    vdocs = [validate_claim(x) for x in docs]
    facts = [enrich(v, d.kb) for v in vdocs]
    decisions = [d.decide_facts(f) for f in facts]
    n = len(docs) * a.repeat

    def timed(fn):
        t = time.perf_counter()
        for _ in range(a.repeat):
            fn()
        return (time.perf_counter() - t) / n * 1000

    def floor():
        for fx in facts:
            c = fx.claim
            eng = d.engines.engine_for(c["claim.payer"],
                                        frozenset((ln["line.code"], ln["line.drug"]) for ln in fx.lines))
            eng.reset()
            u: list = []
            declared = [ClaimFact(payer=c["claim.payer"], values=Values(c, u))]
            for ln in fx.lines:
                declared.append(LineFact(n=ln["line.number"], code=ln["line.code"], drug=ln["line.drug"],
                                         values=Values(ln, u, c)))
            eng.declare(*declared)
            eng.run()

    def full():
        for x in docs:
            doc = validate_claim(x)
            build_record(d.decide(doc), d.kb, doc)

    stages = {
        "validate_claim": lambda: [validate_claim(x) for x in docs],
        "enrich": lambda: [enrich(v, d.kb) for v in vdocs],
        "engine (decide_facts)": lambda: [d.decide_facts(f) for f in facts],
        "build_record": lambda: [build_record(dc, d.kb, v) for dc, v in zip(decisions, vdocs, strict=True)],
    }
    timed(full)  # warm-up
    # alternate the two and keep the best of 5 of each, so a busy moment on the machine
    # does not land on one side only
    fls, fus = [], []
    for _ in range(5):
        fls.append(timed(floor))
        fus.append(timed(full))
    fl, fu = min(fls), min(fus)
    print(f"claims: {len(docs)} examples x {a.repeat} repeats; KB: shipped ({len(d.kb.rules)} rules)")
    print("| what | ms per claim |")
    print("|---|---|")
    print(f"| bare experta floor (reset, declare, run) | {fl:.2f} |")
    for name, fn in stages.items():
        print(f"| stage: {name} | {timed(fn):.2f} |")
    print(f"| full pipeline | {fu:.2f} |")
    print(f"full / floor = {fu / fl:.2f}x (target <= 1.3x)")
    if a.profile:
        pr = cProfile.Profile()
        pr.enable()
        full()
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
