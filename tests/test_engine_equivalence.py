"""Every engine decides byte-identical records, traces and explanations.

``experta`` (the scoped compilation, the default), ``experta-reference`` (the
straightforward compilation: Claim x Line joins, every rule in one engine, experta's own
reset) and ``direct`` (stratified evaluation of the same compiled conditions) run on every
example, every golden case and a generated claim set, from the same code and KB.
"""

import json

import pytest

from denialkb.engine._experta import EXPERTA_VERSION
from denialkb.engine.explain import render_why, why
from denialkb.engine.record import build_record, to_json
from denialkb.engine.runtime import Decider

from .conftest import KB
from .engine_corpus import corpus

ENGINES = ("experta", "experta-reference", "direct")


def _outputs(decider, doc, as_of):
    decision = decider.decide(doc, as_of)
    record = build_record(decision, decider.kb, doc)
    if decider.engine_name == "direct":
        # provenance differs, on purpose: the record names the engine that decided it
        assert record["engine"]["name"] == "direct"
        record["engine"] = {"name": "experta", "version": EXPERTA_VERSION}
    else:
        assert record["engine"] == {"name": "experta", "version": EXPERTA_VERSION}
    trace = json.dumps([[f.step, f.rule, f.line, list(f.facts), f.concluded, f.kind, f.new]
                        for f in decision.firings]
                       + [sorted(decision.justifications.items())]
                       + [[u.rule, u.line, list(u.missing)] for u in decision.unknowns])
    return to_json(record), trace, render_why(decision.claim_id, why(decision, decider.kb))


def _compare(kb, n_generated):
    deciders = [Decider(kb, engine=e, lint=False) for e in ENGINES]  # generated KBs lint with duplicates
    n = 0
    for name, doc, as_of in corpus(deciders[0].kb, n_generated):
        ref = _outputs(deciders[1], doc, as_of)
        for d in (deciders[0], deciders[2]):
            got = _outputs(d, doc, as_of)
            for what, a, b in zip(("record", "trace", "why"), ref, got, strict=True):
                assert a == b, f"{name}: {d.engine_name} {what} differs from experta-reference"
        n += 1
    return n


def test_engines_decide_identically_on_shipped_kb():
    n = _compare(KB, 400)
    assert n >= 28 + 150 + 400


@pytest.mark.slow
def test_engines_decide_identically_on_a_generated_200_rule_kb():
    import shutil
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _common import generated_kb
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    kb = generated_kb(200)
    try:
        assert _compare(kb, 150) >= 28 + 150
    finally:
        shutil.rmtree(kb.parent, ignore_errors=True)


def test_unknown_engine_is_a_usage_error():
    from denialkb.engine.errors import UsageError

    with pytest.raises(UsageError, match="unknown engine 'clips'"):
        Decider(KB, engine="clips")


def test_decider_without_golden_cases_decides_the_same(decider):
    d = Decider(KB, lint=False, cases=False)
    assert d.kb.cases == [] and decider.kb.cases and d.kb.version == decider.kb.version
    for name, doc, as_of in corpus(decider.kb, 0):
        assert to_json(d.check_document(doc, as_of)) == to_json(decider.check_document(doc, as_of)), name


def test_deciders_share_compiled_rules_but_not_engines(kb):
    """experta engines are not thread-safe: every Decider (one per thread in batch) has its own."""
    from denialkb.engine.claim import load_claim

    from .conftest import EXAMPLES

    decider, other = Decider(kb), Decider(kb)
    assert other.compiled is decider.compiled
    doc = load_claim(EXAMPLES / "pertuzumab-her2-missing.yaml")
    assert to_json(other.check_document(doc)) == to_json(decider.check_document(doc))
    mine = list(decider.engines._engines.values())
    theirs = list(other.engines._engines.values())
    assert theirs and not {id(e) for e in mine} & {id(e) for e in theirs}
