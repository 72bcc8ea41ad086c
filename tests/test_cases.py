"""Every golden case of the shipped KB (kb/cases) passes; failures name the case and the diff."""

import pytest

from denialkb.engine.cases import run_case
from denialkb.engine.kb import load_kb

from .conftest import KB

CASES = load_kb(KB).cases


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_case(decider, case):
    result = run_case(decider, case)
    assert result.passed, f"{case.file}: case {case.id}\n{result.error}" + "\n".join(result.diffs)


def test_every_rule_has_source_remedy_and_cases():
    kb = load_kb(KB)
    fired = {r for c in kb.cases for r in c.fires}
    near = {r for c in kb.cases for r in c.near_miss}
    problems = []
    for r in kb.rules:
        if not r.sources or not r.remedy or not r.explanation or not r.title or not r.confidence:
            problems.append(f"{r.id}: missing title/explanation/remedy/sources/confidence")
        if r.id not in fired:
            problems.append(f"{r.id}: no golden case fires it")
        if r.id not in near:
            problems.append(f"{r.id}: no near-miss case")
        if r.conclusion == "denial":
            d = r.denial
            # X12 requires a remark with CARC 16, 96 and 252; other CARCs may stand alone (GZ: CO-50)
            if not (d["stage"] and d["group"] and d["carc"]) or (d["carc"] in ("16", "96", "252") and not d["rarc"]):
                problems.append(f"{r.id}: denial needs stage, group, CARC (and a RARC with CARC 16/96/252)")
    assert problems == []


def test_starter_kb_spans_three_stages_and_both_drugs():
    kb = load_kb(KB)
    stages = {r.denial["stage"] for r in kb.rules if r.conclusion == "denial"}
    assert {"front_end", "adjudication", "post_payment_review", "clinical_review"} <= stages
    assert len(kb.rules) >= 12
