"""The clinical review rows (kb-review 1.3, 1.11, 1.12): the facts behind them, the new optional claim fields,
and the 837I condition codes. The rules themselves are decided by golden cases (kb/cases/clinical_review_rows.yaml).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from denialkb.engine.claim import load_claim, validate_claim
from denialkb.engine.errors import ClaimInvalidError

BASES = Path(__file__).resolve().parent.parent / "kb" / "cases" / "base"


def _base(name: str) -> dict:
    return copy.deepcopy(load_claim(BASES / name).data)


def _facts(decider, data):
    return decider.decide(validate_claim(data)).facts


def test_toxicity_classes_and_unmodelled_prior_drugs(decider):
    data = _base("ramucirumab-nsclc-medicare.yaml")
    c = _facts(decider, data).claim
    assert c["clinical.stopped_for_toxicity_classes"] == () and c["clinical.prior_therapy_unmodelled_count"] == 0
    data["clinical"]["prior_therapies"] += [{"drug": "Taxotere", "stop_reason": "toxicity"}, {"drug": "zipalertinib"}]
    c = _facts(decider, data).claim
    assert c["clinical.stopped_for_toxicity_classes"] == ("taxane",)
    assert c["clinical.prior_therapy_unmodelled_count"] == 1  # zipalertinib (investigational): a warning, no class, maybe targeted
    del data["clinical"]["prior_therapies"]
    c = _facts(decider, data).claim
    assert c["clinical.stopped_for_toxicity_classes"] is None and c["clinical.prior_therapy_unmodelled_count"] is None


@pytest.mark.parametrize(("egfr", "alk", "want"), [
    ("l858r", None, True), ("wild_type", "positive", True), ("wild_type", "negative", False),
    ("wild_type", None, None), (None, "negative", None), (None, None, None)])
def test_egfr_or_alk_aberration_is_unknown_unless_both_are_known(decider, egfr, alk, want):
    data = _base("ramucirumab-nsclc-medicare.yaml")
    data["clinical"]["biomarkers"] = {k: v for k, v in (("egfr", egfr), ("alk", alk)) if v}
    assert _facts(decider, data).claim["clinical.egfr_or_alk_aberration"] is want


def test_targeted_drugs_are_kb_drugs_of_their_class(kb):
    for drug in ("osimertinib", "erlotinib", "gefitinib", "afatinib", "dacomitinib"):
        assert "egfr_inhibitor" in kb.drugs[drug]["classes"], drug
    for drug in ("alectinib", "crizotinib", "brigatinib", "lorlatinib", "ceritinib"):
        assert "alk_inhibitor" in kb.drugs[drug]["classes"], drug
    assert kb.canonical_drug("Tagrisso") == "osimertinib"


def test_days_since_major_surgery_only_for_a_surgery_on_or_before_the_date_of_service(decider):
    data = _base("ramucirumab-medicare.yaml")  # the line is on 2024-04-24
    line = lambda d: _facts(decider, d).lines[0]["line.days_since_major_surgery"]  # noqa: E731
    assert line(data) is None
    data["clinical"]["last_major_surgery_date"] = "2024-04-14"
    assert line(data) == 10
    data["clinical"]["last_major_surgery_date"] = "2024-05-01"  # after the dose: not "recent surgery"
    assert line(data) is None


def test_kx_and_condition_codes(decider):
    data = _base("pertuzumab-medicare.yaml")
    c = _facts(decider, data).claim
    assert c["claim.lines_with_kx_count"] == 0 and c["claim.condition_codes"] is None
    data["claim"]["lines"][0]["modifiers"] = ["JZ", "KX"]
    data["claim"]["condition_codes"] = ["45"]
    c = _facts(decider, data).claim
    assert c["claim.lines_with_kx_count"] == 1 and c["claim.condition_codes"] == ("45",)


@pytest.mark.parametrize(("path", "value"), [
    (("claim", "condition_codes"), ["4"]), (("claim", "condition_codes"), "45"),
    (("clinical", "last_major_surgery_date"), "14/04/2024")])
def test_invalid_new_fields_are_located_errors(path, value):
    data = _base("pertuzumab-medicare.yaml")
    data[path[0]][path[1]] = value
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(data)
    assert ".".join(path) in str(e.value)


def test_condition_codes_round_trip_through_837i():
    pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")
    from denialkb.engine.formats import read_x12_result
    from denialkb.engine.formats.writers import write_837

    doc = _base("pertuzumab-medicare.yaml")
    doc["claim"].update(form="institutional", type_of_bill="0131", condition_codes=["45", "A1"])
    doc["claim"].pop("place_of_service")
    text = write_837(copy.deepcopy(doc), "I")
    assert "HI*BG:45*BG:A1" in text
    result = read_x12_result(text)
    assert not result.rejections
    (claim,) = result.claims
    assert claim.document["claim"]["condition_codes"] == ["45", "A1"]
    assert not [w for w in claim.warnings if "BG" in str(w)]
