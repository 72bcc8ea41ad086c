"""837I lines that bill a revenue code alone (issue 14): read, valid, out of scope, written back.

Institutional claims bill room and board, pharmacy (025x) and supplies under a revenue code
without a HCPCS code (SV2-02 empty). Such a line is a valid claim-document line without
``code``; the engine lists it under ``warnings`` with its place, and it never makes the claim
undetermined or denied. The real 837I is the X12 TR3 two-claims example
(tests/data/third_party/lfh_two-claims-single-provider.837i), repaired in memory as the other
real-file tests do and given ICD-10-CM diagnoses so that it can be decided.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import ClaimInvalidError

THIRD = Path(__file__).parent / "data" / "third_party"


def _real_837i(revenue_only: bool = True) -> str:
    text = (THIRD / "lfh_two-claims-single-provider.837i").read_text()
    text = text.replace("N4*ANYWHERE*PA*17111~", "N4*ANYWHERE*PA*171110000~", 1)  # 2010AA needs ZIP+4
    text = text.replace("*13:A:1*Y*C*Y*Y~", "*13:A:1**C*Y*Y~")  # CLM06 is not used in an 837I
    text = text.replace("HI*BK:3669~", "HI*ABK:C50921~").replace("HI*BF:4019*BF:79431~", "HI*ABF:Z1731~")
    text = text.replace("HI*BK:30000~", "HI*ABK:C50921~")
    if revenue_only:  # the second claim's line: pharmacy, revenue code only
        text = text.replace("SV2*0300*HC:85087*50.00*UN*1.00~", "SV2*0250**50.00*UN*1.00~")
    return text


def _convert(text: str):
    pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")
    from denialkb.engine.formats import read_x12_result

    result = read_x12_result(text, payer="commercial")
    assert not result.rejections, [str(r.error) for r in result.rejections]
    return {c.document["claim"]["id"]: c.document for c in result.claims}


def test_real_837i_revenue_code_only_line_is_a_valid_claim_document(decider):
    docs = _convert(_real_837i())
    doc = docs["756049Q"]
    (line,) = doc["claim"]["lines"]
    assert line["revenue_code"] == "0250" and "code" not in line
    cd = validate_claim(doc, "756049Q.837i")  # lines[].code is not required on an institutional line
    record = decider.check_document(cd)
    assert record["outcome"] == "clean"  # out of scope: never undetermined, never denied
    assert record["denials"] == [] and record["missing_information"] == []
    warn = [w for w in record["warnings"] if w["code"] == "revenue_code_only"]
    assert warn == [{"code": "revenue_code_only", "place": "claim.lines[0].revenue_code",
                     "message": "line 1 bills revenue code 0250 without a HCPCS/CPT code: out of scope, "
                                "no rule for drug or administration lines applies to it"}]
    # its neighbour, with HCPCS codes on every line, has no such warning
    other = decider.check_document(validate_claim(docs["756048Q"], "756048Q.837i"))
    assert not [w for w in other["warnings"] if w["code"] == "revenue_code_only"]


def test_revenue_code_only_line_beside_a_drug_day_changes_nothing(decider):
    """The hospital outpatient example with two pharmacy 0250 lines (same date, same charge) added:
    the decision stays the example's, the two lines are warnings, not duplicates."""
    import yaml

    root = Path(__file__).resolve().parent.parent
    data = yaml.safe_load((root / "examples" / "visit-hospital-outpatient-0131-medicare.yaml").read_text())
    base = decider.check_document(validate_claim(yaml.safe_load(yaml.safe_dump(data)), "base.yaml"))
    dos = data["claim"]["lines"][0]["service_date"]
    for n in (5, 6):
        data["claim"]["lines"].append({"number": n, "revenue_code": "0250", "units": 1, "service_date": dos,
                                       "charge": 40.0})
    record = decider.check_document(validate_claim(data, "rev.yaml"))
    assert record["outcome"] == base["outcome"]
    assert [d["id"] for d in record["denials"]] == [d["id"] for d in base["denials"]]
    assert [w["place"] for w in record["warnings"] if w["code"] == "revenue_code_only"] == [
        "claim.lines[4].revenue_code", "claim.lines[5].revenue_code"]


def test_a_line_without_code_or_revenue_code_and_a_professional_line_without_code_are_refused():
    doc = {"claim": {"id": "C1", "form": "institutional", "payer": "medicare", "diagnoses": ["C50.911"],
                     "lines": [{"units": 1, "service_date": "2024-03-15"}]}}
    with pytest.raises(ClaimInvalidError) as info:
        validate_claim(doc, "x.yaml")
    (p,) = info.value.problems
    assert (p.place, p.message) == ("claim.lines[0]", "required key is missing")
    assert p.expected == "a value for 'code' or 'revenue_code'"
    doc["claim"]["form"] = "professional"
    doc["claim"]["lines"][0]["revenue_code"] = "0250"
    with pytest.raises(ClaimInvalidError) as info:
        validate_claim(doc, "x.yaml")
    (p,) = info.value.problems
    assert p.place == "claim.lines[0].code" and "only an institutional line" in p.message


def test_revenue_code_only_line_round_trips_through_the_837i_and_fhir_writers():
    pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")
    from fhir.resources.R4B.bundle import Bundle

    from denialkb.engine.formats import validate_x12, write_837, write_bundle
    from denialkb.engine.formats.fhir import read_fhir_result

    doc = _convert(_real_837i())["756049Q"]
    text = write_837(doc, "I")
    assert "SV2*0250**50*UN*1~" in text  # SV202 left empty
    validate_x12(text)
    back = _convert(text)["756049Q"]
    assert back["claim"]["lines"] == doc["claim"]["lines"]
    bundle = write_bundle(doc)
    Bundle.model_validate(bundle)  # productOrService (1..1) says data-absent-reason not-applicable
    (claim,) = read_fhir_result(bundle, payer="commercial").claims
    (line,) = claim.document["claim"]["lines"]
    assert line["revenue_code"] == "0250" and "code" not in line


def test_835_names_a_revenue_code_only_service_by_its_revenue_code(decider):
    from denialkb.engine.formats import render_835

    doc = validate_claim(_convert(_real_837i())["756049Q"], "756049Q.837i")
    text = render_835([(decider.check_document(doc), doc.data)])
    assert "SVC*NU:0250*50*" in text and "SVC*HC:*" not in text
