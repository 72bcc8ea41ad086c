"""Workpaper sentences for conditions (issue 15 item 7) and why-not ranking with --all."""

import re

from click.testing import CliRunner

from denialkb.engine.claim import load_claim
from denialkb.engine.cli import main
from denialkb.engine.conditions import LeafResult, ValueSet
from denialkb.engine.explain import why_not
from denialkb.engine.facts import fact_catalog
from denialkb.engine.sentences import leaf_sentence, noun
from tests.conftest import EXAMPLES


def _lf(fact, op, value, required=None, required_fact=None, result=True):
    return LeafResult(fact, op, value, required, required_fact, result, "")


def test_sentences_from_condition_and_fact_doc(decider):
    cat = fact_catalog(decider.kb)
    assert noun("line.units", cat) == "the billed units"
    assert leaf_sentence(_lf("line.units", "gt", 840, 420, "line.expected_units"), cat) == \
        "the billed units (840) are greater than the units the record supports (420)"
    assert leaf_sentence(_lf("line.units", "gt", 420, 420, "line.expected_units", result=False), cat) == \
        "the billed units (420) are not greater than the units the record supports (420)"
    codes = ValueSet("breast_cancer", ["C50*", "C79.81"])
    assert leaf_sentence(_lf("line.pointed_diagnoses", "none_in", ["Z85.3"], codes), cat) == \
        "the diagnoses the line points to (Z85.3) include none of the breast cancer codes (C50*, C79.81)"
    assert leaf_sentence(_lf("clinical.biomarkers.her2", "missing", None), cat) == \
        "the summary of the HER2 result is not recorded"
    assert leaf_sentence(_lf("line.has_jz", "eq", False, False), cat) == "the line carries JZ: no"
    assert leaf_sentence(_lf("claim.received_date", "gt", "2025-04-01", "2025-03-15", "claim.filing_deadline"),
                         cat).startswith("the date the payer received the claim (2025-04-01) is after ")
    assert leaf_sentence(_lf("clinical.cancer.setting", "in", "adjuvant", ["neoadjuvant", "adjuvant"]), cat) == \
        "the treatment setting (adjuvant) is one of neoadjuvant or adjuvant"


def test_record_because_has_text(decider):
    rec = decider.check_document(load_claim(EXAMPLES / "pertuzumab-units-exceed-dose.yaml"))
    (d,) = rec["denials"]
    assert [b["text"] for b in d["because"]][-1] == \
        "the billed units (840) are greater than the units the record supports (420)"


def test_why_not_ranks_nearest_and_all():
    f = str(EXAMPLES / "ramucirumab-nsclc-dose-above-label-commercial.yaml")
    r = CliRunner().invoke(main, ["why-not", f, "50"])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if not ln.startswith("kb: ")]
    # the number of ways grows with the KB (CO-50 rules x lines): read it, then check it both ways
    m = re.fullmatch(r"CLM-R-NSCLC-DOSE: why not 50\? (\d+) ways to conclude it; the nearest 5 "
                     r"\(--all for every one\)", lines[0])
    assert m, lines[0]
    n = int(m.group(1))
    assert n > 5
    assert lines[2].startswith("RAMUCIRUMAB-DOSE-ABOVE-10-MG-PER-KG (line 1)") and lines[2].endswith("[FIRED]")
    heads = [ln for ln in lines if ln and not ln.startswith(" ") and "(line" in ln]
    assert len(heads) == 5 and not any("does not apply" in h for h in heads)
    assert lines[-1].startswith(f"{n - 5} more: ")
    r = CliRunner().invoke(main, ["why-not", f, "50", "--all"])
    heads = [ln for ln in r.output.splitlines() if ln and not ln.startswith(" ") and "(line" in ln]
    assert len(heads) == n and "more:" not in r.output
    # pertuzumab rules on this ramucirumab claim come after every rule whose scope fits
    assert all("does not apply" in h for h in heads[heads.index(next(h for h in heads if "does not apply" in h)):])


def test_why_not_scope_failures_rank_last(decider):
    d = decider.decide(load_claim(EXAMPLES / "ramucirumab-nsclc-dose-above-label-commercial.yaml"))
    attempts = why_not(d, decider.kb, "50")
    flags = [a["scope_failures"] > 0 for a in attempts if not a["fired"]]
    assert flags == sorted(flags)
