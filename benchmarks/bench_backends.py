"""Benchmark 4: the full pipeline against the experta floor and the plain stratified evaluation.

Run:  python benchmarks/bench_backends.py [--rounds 7] [--repeat 2] [--sizes 200 500 1000]

Every variant decides the same claims (the examples, enriched once) in one process,
interleaved: each round runs every variant once, in an order rotated every round. CPU time
(time.process_time) per claim; medians over rounds, and ratios as the median of the
per-round ratios (robust on a shared machine). Variants:

- full / experta        validate + enrich + decide (scoped experta engine) + build_record:
                        what `check` and `audit` do per claim (the default);
- full / reference      the same with the straightforward compilation (Claim x Line joins,
                        every rule in one engine, experta's reset): how main compiled before;
- full / direct         the same with the stratified evaluator (`--engine direct`);
- floor / experta       reset, declare, run of the scoped engine on enriched facts;
- floor / reference     the same for the reference engine;
- plain                 the stratified evaluation alone (run_direct on enriched facts): the
                        limit the pipeline is compared against.

Also: KB load, compile and engine build time at each size (CPU s).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KB, example_docs, generated_kb  # noqa: E402


def _variants(kb_dir, docs):
    from denialkb.engine.claim import validate_claim
    from denialkb.engine.compiler import ClaimFact, LineFact, Values
    from denialkb.engine.direct import run_direct
    from denialkb.engine.facts import enrich
    from denialkb.engine.kb import load_kb
    from denialkb.engine.record import build_record
    from denialkb.engine.runtime import Decider

    t = time.process_time()
    kb = load_kb(kb_dir)
    t_load = time.process_time() - t
    build = {"load_kb": t_load}
    deciders = {}
    for name in ("experta", "experta-reference", "direct"):
        t = time.process_time()
        deciders[name] = Decider(kb, engine=name)
        build[f"compile ({name})"] = time.process_time() - t
    facts = [enrich(validate_claim(x), kb) for x in docs]
    # engine builds: the reference builds one engine with every rule; the scoped compilation
    # one engine per distinct set of rules fitting the claims' scopes
    t = time.process_time()
    deciders["experta-reference"].engines.engine_for(None, frozenset())
    build["engine build (reference, all rules)"] = time.process_time() - t
    t = time.process_time()
    for f in facts:
        deciders["experta"].engines.engine_for(
            f.claim["claim.payer"], frozenset((ln["line.code"], ln["line.drug"]) for ln in f.lines))
    build[f"engine builds (scoped, {len(deciders['experta'].engines)} engines)"] = \
        time.process_time() - t

    def full(d):
        def run():
            for x in docs:
                doc = validate_claim(x)
                build_record(d.decide(doc), kb, doc)
        return run

    def floor(d):
        ckb = d.engines

        def run():
            for fx in facts:
                c = fx.claim
                eng = ckb.engine_for(c["claim.payer"],
                                     frozenset((ln["line.code"], ln["line.drug"]) for ln in fx.lines))
                eng.reset()
                u: list = []
                declared = [ClaimFact(payer=c["claim.payer"], values=Values(c, u))]
                for ln in fx.lines:
                    declared.append(LineFact(n=ln["line.number"], code=ln["line.code"], drug=ln["line.drug"],
                                             values=Values(ln, u, c)))
                eng.declare(*declared)
                eng.run()
        return run

    def plain():
        ckb = deciders["direct"].compiled
        for fx in facts:
            run_direct(ckb, fx)

    variants = {
        "full / experta": full(deciders["experta"]),
        "full / reference": full(deciders["experta-reference"]),
        "full / direct": full(deciders["direct"]),
        "floor / experta": floor(deciders["experta"]),
        "floor / reference": floor(deciders["experta-reference"]),
        "plain (stratified)": plain,
    }
    return len(kb.rules), variants, build


def measure(variants, n_claims, rounds, repeat):
    names = list(variants)
    for fn in variants.values():  # warm-up
        fn()
    times = {k: [] for k in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            t = time.process_time()
            for _ in range(repeat):
                variants[k]()
            times[k].append((time.process_time() - t) / (n_claims * repeat) * 1000)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sizes", type=int, nargs="*", default=[200, 500, 1000])
    a = ap.parse_args()
    docs = example_docs()
    kbs = [("shipped", KB, None)]
    for n in a.sizes:
        g = generated_kb(n)
        kbs.append((f"generated {n}", g, g.parent))
    try:
        for label, kb_dir, _ in kbs:
            n_rules, variants, build = _variants(kb_dir, docs)
            times = measure(variants, len(docs), a.rounds, a.repeat)
            med = {k: statistics.median(v) for k, v in times.items()}

            def ratio(x, y, times=times):
                return statistics.median(p / q for p, q in zip(times[x], times[y], strict=True))

            print(f"\n### {label} KB: {n_rules} rules; {len(docs)} example claims x {a.repeat}, "
                  f"{a.rounds} interleaved rounds (CPU ms per claim, median)\n")
            print("| variant | ms per claim | / plain | / full experta |")
            print("|---|---|---|---|")
            for k in times:
                print(f"| {k} | {med[k]:.3f} | {ratio(k, 'plain (stratified)'):.2f} | "
                      f"{ratio(k, 'full / experta'):.2f} |")
            print(f"\nfull experta / full direct = {ratio('full / experta', 'full / direct'):.2f}x; "
                  f"full reference / full experta = {ratio('full / reference', 'full / experta'):.2f}x; "
                  f"floor reference / floor experta = {ratio('floor / reference', 'floor / experta'):.2f}x")
            print("\n| build step | CPU s |\n|---|---|")
            for k, v in build.items():
                print(f"| {k} | {v:.3f} |")
    finally:
        for _, _, tmp in kbs:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
