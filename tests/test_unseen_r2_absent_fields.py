"""Absent is not false, field by field: on every round-2 unseen claim a payer pays and denialkb decides clean
(tests/data/unseen/2xx, pinned in kb_agreed.yaml), removing ONE optional field - a `documentation` flag, a field of the
date-of-service administration records, a patient field - never adds a denial (FORMATS.md s.3: "absent means not
known, never no"). tests/test_kb_review.py checks this for whole sections; these are the fields inside them.
Fields for which a rule denies are strict xfails naming the finding (KNOWN); redteam2's R2-F1 / R2-F7 (the
documentation rules read a missing field as undocumented) are fixed, so none is known today."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from denialkb.engine.claim import validate_claim
from denialkb.engine.formats.clinical import _dates_to_iso

HERE = Path(__file__).parent / "data" / "unseen"
_EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text())
_AGREED = yaml.safe_load((HERE / "kb_agreed.yaml").read_text())
CLEAN = sorted(n for n, e in _EXPECTED.items() if n[:3].isdigit() and int(n[:3]) >= 200 and e["outcome"] == "clean"
               and n in _AGREED and _AGREED[n]["outcome"] == "clean")
FIELDS = [("documentation", k) for k in ("physician_order", "medical_necessity_documented", "guideline_cited",
                                         "adverse_reactions_documented", "her2_report_in_record", "lvef_report_in_record",
                                         "clinical_justification")] + [
    ("administrations", k) for k in ("dose_mg", "route", "start", "end", "lot_number", "waste_mg", "waste_reason", "vials")] + [
    ("patient", k) for k in ("height_cm", "weight_date")]
#: fields whose absence some rule turns into a denial (strict xfail naming the finding)
KNOWN: dict = {}  # R2-F1 and R2-F7 fixed (kb/rules/documentation.yaml: absent is not "not documented")


def _without(doc, section, key):
    """Copies of doc, each with one occurrence of section.key removed (administrations: those of the claim's dates)."""
    out = []
    if section == "administrations":
        dates = {ln["service_date"] for ln in doc["claim"]["lines"]}
        for i, a in enumerate(doc.get("administrations", [])):
            if a["date"] in dates and key in a:
                d = copy.deepcopy(doc)
                del d["administrations"][i][key]
                out.append(d)
    elif key in doc.get(section, {}):
        d = copy.deepcopy(doc)
        del d[section][key]
        out.append(d)
    return out


def test_there_are_clean_round2_claims_and_every_field_occurs():
    assert len(CLEAN) >= 25
    docs = [_dates_to_iso(yaml.safe_load((HERE / f"{n}.yaml").read_text())) for n in CLEAN]
    for section, key in FIELDS:
        assert any(_without(d, section, key) for d in docs), (section, key)


@pytest.mark.parametrize("section,key", [
    pytest.param(s, k, id=f"{s}.{k}", marks=[pytest.mark.xfail(strict=True, reason=f"redteam2 finding {KNOWN[(s, k)]}")]
                 if (s, k) in KNOWN else []) for s, k in FIELDS])
def test_removing_one_field_never_adds_a_denial(decider, section, key):
    added = []
    for name in CLEAN:
        doc = _dates_to_iso(yaml.safe_load((HERE / f"{name}.yaml").read_text()))
        for variant in _without(doc, section, key):
            rec = decider.check_document(validate_claim(variant))
            if rec["denials"]:
                added.append((name, sorted({d["id"] for d in rec["denials"]})))
    assert not added, added[:5]
