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
    lines = doc["claim"]["lines"]
    # 2430: the prior payer's adjudication, never this payer's paid_amount (amount at risk)
    assert not any("paid_amount" in ln or "allowed_amount" in ln for ln in lines)
    assert [ln["other_payers"] for ln in lines] == [
        [{"paid_amount": 40, "adjustments": [{"group": "CO", "carc": "42", "amount": 3}], "allowed_amount": 40}],
        [{"paid_amount": 15, "allowed_amount": 15}],
        [{"paid_amount": 21.04, "allowed_amount": 21.04}],
    ]  # SVD02; CAS*CO*42*3.00; allowed = paid + patient responsibility (PR: none here)


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
    # SBR09 MB says the claim went to Medicare, not how the member is enrolled: no plan type is read from it
    assert "plan_type" not in doc["coverage"] and doc["coverage"]["member_id"] == "P-0001"


def test_v2_fields_round_trip_through_the_fhir_writer(v2):
    from fhir.resources.R4B.bundle import Bundle

    from denialkb.engine.formats import write_bundle
    from denialkb.engine.formats.fhir import read_fhir_result

    bundle = write_bundle(V2_DOC)
    Bundle.model_validate(bundle)
    (claim,) = read_fhir_result(bundle, payer="medicare").claims
    doc = claim.document
    assert doc["providers"] == V2_DOC["providers"]  # billing taxonomy via a PractitionerRole
    assert doc["claim"]["lines"][1]["place_of_service"] == "22" and "place_of_service" not in doc["claim"]["lines"][0]
    assert doc["administrations"] == V2_DOC["administrations"]
    assert {k: doc["clinical"]["biomarkers"][k] for k in ("er", "pr")} == {"er": "positive", "pr": "negative"}


def _corrected(freq: str, form: str) -> dict:
    doc = copy.deepcopy(V2_DOC)
    doc["claim"]["frequency_code"] = freq
    if form == "institutional":
        doc["claim"].update(form="institutional", type_of_bill="013" + freq)
        doc["claim"].pop("place_of_service")
        for line in doc["claim"]["lines"]:
            line.pop("place_of_service", None)
    return doc


@pytest.mark.parametrize("freq", ["7", "8"])
@pytest.mark.parametrize("route", ["837P", "837I", "FHIR", "FHIR institutional"])
def test_replacement_and_void_round_trip(v2, freq, route):
    # F7 / F8: CLM05-3 (837P; the type of bill's last digit on an 837I), REF*F8 and FHIR Claim.related
    from fhir.resources.R4B.bundle import Bundle

    from denialkb.engine.formats import validate_x12, write_837, write_bundle
    from denialkb.engine.formats.fhir import read_fhir_result

    doc = _corrected(freq, "institutional" if route.endswith("institutional") else "professional")
    if route.startswith("837"):
        text = write_837(doc, route[-1])
        validate_x12(text)
        (claim,) = _x12(text).claims
    else:
        bundle = write_bundle(doc)
        Bundle.model_validate(bundle)
        (fhir_claim,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim"]
        assert fhir_claim["related"] == [{
            "claim": {"identifier": {"value": "PTZ-V2-0000"}},
            "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship",
                                         "code": "prior"}]}}]
        (claim,) = read_fhir_result(bundle, payer="medicare").claims
        assert not any("related" in w or "supportingInfo" in w for w in claim.warnings), claim.warnings
    got = claim.document["claim"]
    assert (got["frequency_code"], got["original_claim_id"]) == (freq, "PTZ-V2-0000")
    if route != "837P" and route != "FHIR":
        assert got["type_of_bill"] == "013" + freq


def test_837i_clm05_3_is_the_frequency_code(v2):
    from denialkb.engine.formats import write_837

    doc = _corrected("7", "institutional")
    doc["claim"]["type_of_bill"] = "0131"  # the document's frequency_code wins: one CLM05-3
    (clm,) = [s for s in write_837(doc, "I").splitlines() if s.startswith("CLM*")]
    assert clm.split("*")[5] == "13:A:7"
    doc["claim"].pop("frequency_code")
    (clm,) = [s for s in write_837(doc, "I").splitlines() if s.startswith("CLM*")]
    assert clm.split("*")[5] == "13:A:1"


def test_fhir_related_prior_or_replaces_is_the_original_claim_and_others_are_warned(v2):
    from denialkb.engine.formats import write_bundle
    from denialkb.engine.formats.fhir import read_fhir_result

    doc = copy.deepcopy(V2_DOC)
    del doc["claim"]["frequency_code"], doc["claim"]["original_claim_id"]
    bundle = write_bundle(doc)
    (res,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim"]
    res["related"] = [
        {"relationship": {"coding": [{"code": "associated"}]}, "reference": {"value": "OTHER-1"}},
        {"relationship": {"coding": [{"system": "urn:x", "code": "replaces"}]}, "reference": {"value": "ORIG-9"}},
    ]
    (claim,) = read_fhir_result(bundle, payer="medicare").claims
    assert claim.document["claim"]["original_claim_id"] == "ORIG-9"  # Claim.related.reference (an Identifier)
    assert "frequency_code" not in claim.document["claim"]  # no frequency is guessed from a relationship
    assert [w for w in claim.warnings if "related" in w] == [
        "entry[7](Claim).related[0] (relationship 'associated') is not converted"]


def test_x12_allowed_amount_counts_patient_responsibility_and_no_2430_means_none(v2):
    text = (THIRD / "lfh_demo.cob.example3.C.837").read_text()
    # the prior payer paid 33 of the 43 charged and left 10 to the patient (deductible, CARC 1)
    text = text.replace("SVD*999996666*40.00*HC:99213**1.00~", "SVD*999996666*33.00*HC:99213**1.00~")
    text = text.replace("CAS*CO*42*3.00~", "CAS*PR*1*10.00~")
    (claim,) = _x12(text, payer="commercial").claims
    first = claim.document["claim"]["lines"][0]["other_payers"]
    assert first == [{"paid_amount": 33, "adjustments": [{"group": "PR", "carc": "1", "amount": 10}],
                      "allowed_amount": 43}]
    (plain,) = _x12(THIRD / "lfh_drug-in-office_X222A2.837", payer="commercial").claims
    assert not any("other_payers" in ln for ln in plain.document["claim"]["lines"])


def test_837i_attending_and_rendering_providers(v2):
    text = (THIRD / "lfh_two-claims-single-provider.837i").read_text()
    text = text.replace("N4*ANYWHERE*PA*17111~", "N4*ANYWHERE*PA*171110000~", 1)
    text = text.replace("*13:A:1*Y*C*Y*Y~", "*13:A:1**C*Y*Y~")
    by_id = {c.document["claim"]["id"]: c.document for c in _x12(text, payer="commercial").claims}
    # 2310A NM1*71 (+ PRV*AT on the second claim); no 2310D rendering in this file
    assert by_id["756048Q"]["providers"] == {"billing": {"npi": "1234567890", "taxonomy": "282N00000X"},
                                            "attending": {"npi": "1122334455"}}
    # PRV*AT*PXC*363LP0200N is not a NUCC code (they end in X): the NPI is kept, the taxonomy dropped with a warning
    assert by_id["756049Q"]["providers"]["attending"] == {"npi": "9999999999"}
    second = next(c for c in _x12(text, payer="commercial").claims if c.document["claim"]["id"] == "756049Q")
    assert [w.place for w in second.warnings if getattr(w, "code", "") == "x12_taxonomy_invalid"] == [
        "providers.attending.taxonomy"]
    assert "rendering" not in by_id["756049Q"]["providers"]


def test_other_payers_and_institutional_providers_round_trip_through_the_837_writers(v2):
    from denialkb.engine.formats import validate_x12, write_837

    doc = copy.deepcopy(V2_DOC)
    doc["claim"]["lines"][0]["other_payers"] = [
        {"paid_amount": 3000, "adjustments": [{"group": "CO", "carc": "45", "amount": 1000},
                                              {"group": "PR", "carc": "2", "amount": 800}],
         "allowed_amount": 3800}]
    doc["coverage"]["other_coverage"] = [{"payer": "commercial", "primary": True}]
    for variant in ("P", "I"):
        d = copy.deepcopy(doc)
        if variant == "I":
            d["claim"].update(form="institutional", type_of_bill="0131")
            d["claim"].pop("place_of_service")
            for ln in d["claim"]["lines"]:
                ln.pop("place_of_service", None)
                ln.pop("diagnosis_pointers", None)
            d["providers"]["attending"] = {"npi": "1555555550", "taxonomy": "207RH0003X"}
        text = write_837(d, variant)
        validate_x12(text)  # 2320 / 2330A / 2330B / 2430 as the guide wants them
        (claim,) = _x12(text, payer="medicare").claims
        back = claim.document
        assert [ln.get("other_payers") for ln in back["claim"]["lines"]] == [
            d["claim"]["lines"][0]["other_payers"], None]
        assert back["coverage"]["other_coverage"] == d["coverage"]["other_coverage"]
        want = copy.deepcopy(d["providers"])
        if variant == "I":  # 837I 2310D rendering has no PRV: its taxonomy is not carried
            want["rendering"].pop("taxonomy")
        assert back["providers"] == want
    no_cob = copy.deepcopy(V2_DOC)
    (claim,) = _x12(write_837(no_cob, "P"), payer="medicare").claims
    assert "other_coverage" not in claim.document["coverage"]
    assert not any("other_payers" in ln for ln in claim.document["claim"]["lines"])


def test_fhir_billing_taxonomy_from_practitioner_or_care_team_and_attending(v2):
    from denialkb.engine.formats.fhir import read_fhir_result

    npi = {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}
    nucc = {"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207RX0202X"}]}
    # Claim.provider -> a Practitioner with a NUCC qualification
    bundle = _bundle_v2()
    bundle["entry"].append({"fullUrl": "urn:uuid:prac-1", "resource": {
        "resourceType": "Practitioner", "id": "prac-1", "identifier": [npi], "qualification": [{"code": nucc}]}})
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["provider"] = {"reference": "urn:uuid:prac-1"}
    claim["careTeam"].append({"sequence": 2, "provider": {"identifier": {**npi, "value": "1555555550"}},
                              "role": {"coding": [{"system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/"
                                                             "C4BBClaimCareTeamRole", "code": "attending"}]}})
    (out,) = read_fhir_result(bundle, payer="medicare").claims
    assert out.document["providers"]["billing"] == {"npi": "1234567893", "taxonomy": "207RX0202X"}
    assert out.document["providers"]["attending"] == {"npi": "1555555550"}
    assert not [w for w in out.warnings if "Practitioner" in w]  # read, not "ignored"
    # a careTeam entry for the billing provider itself carries the qualification
    bundle = _bundle_v2()
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["careTeam"].append({"sequence": 2, "provider": {"identifier": npi}, "qualification": nucc,
                              "role": {"coding": [{"code": "supervisor"}]}})
    (out,) = read_fhir_result(bundle, payer="medicare").claims
    assert out.document["providers"]["billing"] == {"npi": "1234567893", "taxonomy": "207RX0202X"}
    # absent: an identifier alone gives the NPI and no taxonomy
    (out,) = read_fhir_result(_bundle_v2(), payer="medicare").claims
    assert out.document["providers"]["billing"] == {"npi": "1234567893"}
