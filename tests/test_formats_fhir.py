"""FHIR R4 Bundle -> claim documents."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from denialkb.engine.formats import InvalidFhirError, UnsupportedFhirError, read_fhir

from .formats_v1view import v1_view

BUNDLE = Path(__file__).parent / "data" / "formats" / "pertuzumab_bundle.json"
PAYERS = {"payer_ids": {"MEDTEST01": "medicare"}}


def _bundle() -> dict:
    return json.loads(BUNDLE.read_text())


def test_bundle_converts_field_by_field():
    (claim,) = read_fhir(BUNDLE, payer_map=PAYERS)
    assert v1_view(claim.document) == {
        "claim": {
            "id": "PTZ-2025-0001",
            "form": "professional",
            "payer": "medicare",
            "prior_authorization": "PA-778",
            "place_of_service": "11",
            "diagnoses": ["C50.911", "Z17.31"],  # sorted by sequence
            "lines": [
                {
                    "number": 1,
                    "code": "J9306",
                    "modifiers": ["JZ"],
                    "units": 420,
                    "service_date": "2025-03-14",
                    "ndc": "50242-0145-01",
                    "ndc_quantity": 14,
                    "ndc_unit": "ML",
                    "charge": 4800,
                    "diagnosis_pointers": [1, 2],
                }
            ],
        },
        "patient": {"id": "P-0001", "birth_date": "1968-04-02", "sex": "F"},
        "coverage": {"start_date": "2023-01-01"},
        "clinical": {
            "biomarkers": {"her2": {"ihc": "3+", "ish": "amplified", "test_date": "2025-01-12"}},
            "lvef": [{"date": "2025-01-05", "percent": 62}],
            "cancer": {"primary_site": "breast", "setting": "metastatic"},
        },
        "administrations": [
            {"date": "2025-01-31", "drug": "pertuzumab", "dose_mg": 840},
            {"date": "2025-02-21", "drug": "pertuzumab", "dose_mg": 420},
        ],
    }
    assert claim.source == "pertuzumab_bundle.json:claim 1 (Claim PTZ-2025-0001)"
    assert claim.warnings == []  # the Organization is Claim.provider: read for its NPI


def test_diagnosis_pointers_follow_sequence_not_position():
    bundle = _bundle()
    claim = bundle["entry"][10]["resource"]
    claim["item"][0]["diagnosisSequence"] = [2]
    (out,) = read_fhir(bundle, payer="medicare")
    # sequence 2 is Z17.31, the second diagnosis once sorted
    assert out.document["claim"]["lines"][0]["diagnosis_pointers"] == [2]


def test_unmapped_observation_and_values_are_warned_not_dropped_silently():
    bundle = _bundle()
    bundle["entry"][4]["resource"]["valueCodeableConcept"] = {"text": "strongly positive"}
    bundle["entry"][6]["resource"]["code"]["coding"][0]["code"] = "8867-4"  # heart rate
    (out,) = read_fhir(bundle, payer="medicare")
    assert out.document["clinical"]["biomarkers"]["her2"] == {
        "ish": "amplified",
        "test_date": "2025-01-12",
    }
    assert "lvef" not in out.document["clinical"]
    assert out.warnings == [
        "Observation obs-her2-ihc: HER2 IHC value not one of 0, 1+, 2+, 3+",
        "Observation obs-lvef: code 8867-4 is not converted",
    ]


def test_invalid_fields_are_located_by_entry_and_path():
    bundle = _bundle()
    bundle["entry"][10]["resource"]["item"][0]["servicedDate"] = "2025-14-01"
    bundle["entry"][6]["resource"]["valueQuantity"]["value"] = "sixty"
    with pytest.raises(InvalidFhirError) as info:
        read_fhir(bundle)
    err = info.value
    assert err.code == "fhir_invalid"
    assert err.location == "entry[6].resource(Observation).valueQuantity.value"
    assert [f.location for f in err.findings] == [
        "entry[6].resource(Observation).valueQuantity.value",
        "entry[10].resource(Claim).item[0].servicedDate",
    ]


def test_unknown_resource_type_is_an_error():
    bundle = _bundle()
    bundle["entry"][9]["resource"]["resourceType"] = "Organisation"
    with pytest.raises(InvalidFhirError) as info:
        read_fhir(bundle)
    assert str(info.value) == (
        "<bundle>:entry[9].resource.resourceType: fhir_invalid: unknown resourceType "
        "'Organisation'\n    expected: a valid FHIR R4 resource"
    )


def test_not_json_not_bundle_no_claim():
    with pytest.raises(InvalidFhirError) as info:
        read_fhir('{"resourceType": "Bundle",\n  "type": }')
    assert info.value.location == "line 2, column 11"
    with pytest.raises(InvalidFhirError) as info:
        read_fhir({"resourceType": "Patient"})
    assert info.value.location == "resourceType"
    bundle = _bundle()
    bundle["entry"] = bundle["entry"][:10]
    with pytest.raises(UnsupportedFhirError):
        read_fhir(bundle)


def test_unsupported_claim_type():
    bundle = _bundle()
    bundle["entry"][10]["resource"]["type"]["coding"][0]["code"] = "pharmacy"
    with pytest.raises(UnsupportedFhirError) as info:
        read_fhir(bundle)
    assert info.value.location == "entry[10](Claim).type"


def test_institutional_claim_reads_type_of_bill_and_revenue():
    bundle = copy.deepcopy(_bundle())
    claim = bundle["entry"][10]["resource"]
    claim["type"]["coding"][0]["code"] = "institutional"
    claim["supportingInfo"] = [
        {
            "sequence": 1,
            "category": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType",
                        "code": "typeofbill",
                    }
                ]
            },
            "code": {
                "coding": [{"system": "https://www.nubc.org/CodeSystem/TypeOfBill", "code": "0131"}]
            },
        }
    ]
    claim["item"][0]["revenue"] = {
        "coding": [{"system": "https://www.nubc.org/CodeSystem/RevenueCodes", "code": "0636"}]
    }
    (out,) = read_fhir(bundle, payer="medicare")
    assert out.document["claim"]["form"] == "institutional"
    assert out.document["claim"]["type_of_bill"] == "0131"
    assert "place_of_service" not in out.document["claim"]
    assert out.document["claim"]["lines"][0]["revenue_code"] == "0636"
