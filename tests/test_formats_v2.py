"""Claim format v2 fields carried by the converters (issue 11 item 5, FORMATS.md section 3).

The converters emit v2 fields only when the installed claim schema knows them; these tests
switch that on and check each mapping field by field on real and project files.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from denialkb.engine.formats import _common

THIRD = Path(__file__).parent / "data" / "third_party"
DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture
def v2(monkeypatch):
    monkeypatch.setattr(_common, "_V2", [True])


def _x12(path_or_text, **kw):
    pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")
    from denialkb.engine.formats import read_x12_result

    return read_x12_result(path_or_text, **kw)


def test_x12_providers_line_pos_and_coverage(v2):
    (claim,) = _x12(THIRD / "lfh_drug-in-office_X222A2.837", payer="commercial").claims
    doc = claim.document
    assert "format_version" not in doc  # a merged v1 sidecar keeps its v1 meaning
    assert doc["providers"] == {
        "billing": {"npi": "1234567893"},  # 2010AA NM1*85 (NM108 XX)
        "rendering": {"npi": "1122333341", "taxonomy": "208D00000X"},  # 2310B NM1*82 + PRV*PE
    }
    assert doc["coverage"] == {"member_id": "MBRID12345", "plan_type": "commercial"}  # NM1*IL, SBR09 CI
    assert doc["claim"]["frequency_code"] == "1"  # CLM05-3
    assert [ln["place_of_service"] for ln in doc["claim"]["lines"]] == ["11", "11"]  # SV105


def test_x12_cob_other_coverage_and_other_payer_paid_amounts(v2):
    (claim,) = _x12(THIRD / "lfh_demo.cob.example3.C.837", payer="commercial").claims
    doc = claim.document
    assert doc["coverage"]["other_coverage"] == [{"payer": "commercial", "primary": True}]  # 2320 SBR
    assert [ln["paid_amount"] for ln in doc["claim"]["lines"]] == [40, 15, 21.04]  # 2430 SVD02
    assert sum(getattr(w, "code", "") == "x12_cob_paid_amount" for w in claim.warnings) == 3


def test_x12_void_with_original_claim_and_date_span(v2):
    text = (DATA / "multi_837p.txt").read_text()
    text = text.replace("CLM*RAM-2025-0009*5600***11:B:1*", "CLM*RAM-2025-0009*5600***11:B:8*")
    text = text.replace("REF*G1*PA-901~", "REF*F8*PAYER-CCN-77~\nREF*G1*PA-901~")
    lines = text.splitlines()  # one segment more: SE01 counts it
    st = next(i for i, ln in enumerate(lines) if ln.startswith("ST*"))
    se = next(i for i, ln in enumerate(lines) if ln.startswith("SE*"))
    parts = lines[se].split("*")
    parts[1] = str(se - st + 1)
    lines[se] = "*".join(parts)
    result = _x12("\n".join(lines) + "\n")
    assert not result.rejections, [str(r.error) for r in result.rejections]
    by_id = {c.document["claim"]["id"]: c.document for c in result.claims}
    void = by_id["RAM-2025-0009"]["claim"]
    assert (void["frequency_code"], void["original_claim_id"]) == ("8", "PAYER-CCN-77")
    (line,) = void["lines"]
    assert (line["service_date"], line["service_date_end"]) == ("2025-03-10", "2025-03-11")


def test_without_v2_schema_no_v2_field_is_emitted():
    if _common.v2_fields_supported():
        pytest.skip("the installed claim schema is version 2")
    (claim,) = _x12(THIRD / "lfh_drug-in-office_X222A2.837", payer="commercial").claims
    assert "providers" not in claim.document and "format_version" not in claim.document
    assert "frequency_code" not in claim.document["claim"]


def _bundle_v2() -> dict:
    bundle = json.loads((DATA / "pertuzumab_bundle.json").read_text())
    entries = bundle["entry"]
    claim = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "Claim")
    claim["provider"] = {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}}
    claim["careTeam"] = [{
        "sequence": 1,
        "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1098765432"}},
        "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "code": "primary"}]},
        "qualification": {"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207RX0202X"}]},
    }]
    claim["item"].append(copy.deepcopy(claim["item"][0]))
    claim["item"][1]["sequence"] = 2
    claim["item"][1]["productOrService"]["coding"][0]["code"] = "96413"
    claim["item"][1].pop("detail", None)
    claim["item"][1]["locationCodeableConcept"] = {"coding": [{"code": "22"}]}
    admin = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "MedicationAdministration")
    admin.pop("medicationCodeableConcept")
    admin["contained"] = [{"resourceType": "Medication", "id": "med1",
                           "code": {"text": "pertuzumab",
                                    "coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "50242014501"}]},
                           "batch": {"lotNumber": "H0123"}}]
    admin["medicationReference"] = {"reference": "#med1"}
    admin["dosage"]["route"] = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]}
    when = admin.pop("effectiveDateTime", None) or admin["effectivePeriod"]["start"]
    admin["effectivePeriod"] = {"start": f"{when[:10]}T09:10:00Z", "end": f"{when[:10]}T09:50:00Z"}
    patient = next(e["resource"] for e in entries if e["resource"]["resourceType"] == "Patient")
    for code, value in (("85337-4", "Positive"), ("85339-0", "Negative")):
        entries.append({"fullUrl": f"urn:uuid:obs-{code}", "resource": {
            "resourceType": "Observation", "id": f"obs-{code}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": f"Patient/{patient['id']}"},
            "effectiveDateTime": "2025-01-12",
            "valueCodeableConcept": {"text": value}}})
    return bundle


def test_fhir_providers_line_pos_administration_and_receptors(v2):
    from denialkb.engine.formats.fhir import read_fhir_result

    result = read_fhir_result(_bundle_v2(), payer="medicare")
    assert not result.rejections, [str(r.error) for r in result.rejections]
    (claim,) = result.claims
    doc = claim.document
    assert doc["providers"] == {"billing": {"npi": "1234567893"},
                                "rendering": {"npi": "1098765432", "taxonomy": "207RX0202X"}}
    lines = doc["claim"]["lines"]
    assert doc["claim"]["place_of_service"] == "11" and lines[1]["place_of_service"] == "22"
    assert "place_of_service" not in lines[0]
    first = [a for a in doc["administrations"] if a.get("lot_number")]
    assert first and first[0]["route"] == "IV" and first[0]["ndc"] == "50242-0145-01"
    assert (first[0]["start"][11:], first[0]["end"][11:]) == ("09:10", "09:50")
    assert doc["clinical"]["biomarkers"]["er"] == "positive"
    assert doc["clinical"]["biomarkers"]["pr"] == "negative"


V2_DOC = {
    "format_version": 2,
    "claim": {
        "id": "PTZ-V2-0001", "form": "professional", "payer": "medicare", "place_of_service": "11",
        "frequency_code": "7", "original_claim_id": "PTZ-V2-0000",
        "diagnoses": ["C50.911", "Z17.31"],
        "lines": [
            {"number": 1, "code": "J9306", "modifiers": ["JZ"], "units": 420, "service_date": "2025-03-14",
             "ndc": "50242-0145-01", "ndc_quantity": 14, "ndc_unit": "ML", "charge": 4800,
             "diagnosis_pointers": [1, 2]},
            {"number": 2, "code": "96413", "units": 1, "service_date": "2025-03-14",
             "service_date_end": "2025-03-15", "place_of_service": "22", "charge": 300,
             "diagnosis_pointers": [1]},
        ],
    },
    "patient": {"id": "P-0001", "birth_date": "1968-04-02", "sex": "F"},
    "providers": {"billing": {"npi": "1234567893", "taxonomy": "207RX0202X"},
                  "rendering": {"npi": "1098765432", "taxonomy": "207RX0202X"}},
    "coverage": {"start_date": "2023-01-01", "plan_type": "medicare_ffs"},
    "clinical": {"biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-01-12"}, "er": "positive", "pr": "negative"}},
    "administrations": [{"date": "2025-03-14", "drug": "pertuzumab", "dose_mg": 420, "route": "IV",
                         "start": "2025-03-14T09:10", "end": "2025-03-14T09:50", "lot_number": "H0123",
                         "ndc": "50242-0145-01"}],
}


def test_v2_fields_round_trip_through_the_837_writer(v2):
    from denialkb.engine.formats import validate_x12, write_837

    text = write_837(V2_DOC, "P")
    validate_x12(text)  # pyx12 finds nothing wrong
    (claim,) = _x12(text).claims
    doc = claim.document
    assert doc["providers"] == V2_DOC["providers"]
    for key in ("frequency_code", "original_claim_id"):
        assert doc["claim"][key] == V2_DOC["claim"][key]
    assert doc["claim"]["lines"][1]["place_of_service"] == "22"
    assert doc["claim"]["lines"][1]["service_date_end"] == "2025-03-15"
    assert doc["coverage"]["plan_type"] == "medicare_ffs" and doc["coverage"]["member_id"] == "P-0001"


def test_v2_fields_round_trip_through_the_fhir_writer(v2):
    from fhir.resources.R4B.bundle import Bundle

    from denialkb.engine.formats import write_bundle
    from denialkb.engine.formats.fhir import read_fhir_result

    bundle = write_bundle(V2_DOC)
    Bundle.model_validate(bundle)
    (claim,) = read_fhir_result(bundle, payer="medicare").claims
    doc = claim.document
    assert doc["providers"] == {"billing": {"npi": "1234567893"}, "rendering": V2_DOC["providers"]["rendering"]}
    assert doc["claim"]["lines"][1]["place_of_service"] == "22" and "place_of_service" not in doc["claim"]["lines"][0]
    assert doc["administrations"] == V2_DOC["administrations"]
    assert {k: doc["clinical"]["biomarkers"][k] for k in ("er", "pr")} == {"er": "positive", "pr": "negative"}
