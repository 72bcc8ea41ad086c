"""X12 837P / 837I -> claim documents, and the clinical-file merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")

from denialkb.engine.formats import (  # noqa: E402
    ClinicalMergeError,
    InvalidX12Error,
    UnsupportedX12Error,
    match_clinical,
    merge_clinical,
    read_x12,
    validate_x12,
)

from .formats_v1view import v1_view  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
THIRD = Path(__file__).parent / "data" / "third_party"
PAYERS = {"payer_ids": {"MEDTEST01": "medicare"}, "filing_indicators": {"CI": "commercial"}}

PERTUZUMAB_837P = {
    "claim": {
        "id": "PTZ-2025-0001",
        "form": "professional",
        "payer": "medicare",
        "place_of_service": "11",
        "prior_authorization": "PA-778",
        "diagnoses": ["C50.911", "Z17.31"],
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
}


def test_pertuzumab_837p_converts_field_by_field():
    (claim,) = read_x12(DATA / "pertuzumab_837p.txt", payer_map=PAYERS)
    assert v1_view(claim.document) == PERTUZUMAB_837P
    assert claim.source == "pertuzumab_837p.txt:claim 1 (CLM*PTZ-2025-0001)"
    assert claim.warnings == []
    # the document is plain JSON data (ISO strings, no date objects)
    assert json.loads(json.dumps(claim.document)) == claim.document


def test_ramucirumab_837p_keeps_the_jw_waste_line():
    (claim,) = read_x12(str(DATA / "ramucirumab_837p.txt"), payer_map=PAYERS)
    assert v1_view(claim.document) == {
        "claim": {
            "id": "RAM-2025-0007",
            "form": "professional",
            "payer": "commercial",  # from SBR09 = CI
            "place_of_service": "11",
            "diagnoses": ["C16.0"],
            "lines": [
                {
                    "number": 1,
                    "code": "J9308",
                    "modifiers": [],
                    "units": 112,
                    "service_date": "2025-02-10",
                    "ndc": "00002-7678-01",
                    "ndc_quantity": 56,
                    "ndc_unit": "ML",
                    "charge": 5600,
                    "diagnosis_pointers": [1],
                },
                {
                    "number": 2,
                    "code": "J9308",
                    "modifiers": ["JW"],
                    "units": 8,
                    "service_date": "2025-02-10",
                    "ndc": "00002-7669-01",
                    "ndc_quantity": 4,
                    "ndc_unit": "ML",
                    "charge": 400,
                    "diagnosis_pointers": [1],
                },
            ],
        },
        "patient": {"id": "P-0002", "birth_date": "1959-07-11", "sex": "M"},
    }


def test_837i_reads_type_of_bill_and_revenue_code():
    (claim,) = read_x12(DATA / "pertuzumab_837i.txt", payer_map=PAYERS)
    assert v1_view(claim.document) == {
        "claim": {
            "id": "PTZ-2025-0001I",
            "form": "institutional",
            "payer": "medicare",
            "type_of_bill": "0131",
            "prior_authorization": "PA-778",
            "diagnoses": ["C50.911", "Z17.31"],
            "lines": [
                {
                    "number": 1,
                    "code": "J9306",
                    "modifiers": ["JZ"],
                    "revenue_code": "0636",
                    "units": 420,
                    "service_date": "2025-03-14",
                    "ndc": "50242-0145-01",
                    "ndc_quantity": 14,
                    "ndc_unit": "ML",
                    "charge": 4800,
                }
            ],
        },
        "patient": {"id": "P-0001", "birth_date": "1968-04-02", "sex": "F"},
    }
    assert claim.warnings == []


def test_multi_claim_file_gives_one_document_per_clm():
    claims = read_x12(DATA / "multi_837p.txt", payer_map=PAYERS)
    assert [c.source for c in claims] == [
        "multi_837p.txt:claim 1 (CLM*PTZ-2025-0002)",
        "multi_837p.txt:claim 2 (CLM*RAM-2025-0008)",
        "multi_837p.txt:claim 3 (CLM*RAM-2025-0009)",
        "multi_837p.txt:claim 4 (CLM*PTZ-2025-0010)",
    ]
    # two claims under one subscriber share the patient
    assert (
        claims[1].document["patient"]
        == claims[2].document["patient"]
        == {
            "id": "P-0002",
            "birth_date": "1959-07-11",
            "sex": "M",
        }
    )
    # RD8 range -> start date, with a warning
    assert claims[2].document["claim"]["lines"][0]["service_date"] == "2025-03-10"
    assert claims[2].document["claim"]["prior_authorization"] == "PA-901"
    if "service_date_end" in claims[2].document["claim"]["lines"][0]:  # claim format v2 carries the end
        assert claims[2].warnings == []
    else:
        assert claims[2].warnings == ["DTP*472 is a date range; service_date is its start date"]
    assert "prior_authorization" not in claims[1].document["claim"]
    # dependent patient (2000C): demographics from 2010CA, no patient id
    assert claims[3].document["patient"] == {"birth_date": "2001-06-15", "sex": "M"}
    assert claims[3].warnings == [
        "patient: the patient is a dependent (loop 2000C); patient.id is left empty because "
        "the 837 carries only the subscriber's member id"
    ]
    assert claims[0].document["claim"]["payer"] == "medicare"


def test_payer_argument_overrides_and_default_is_warned():
    (claim,) = read_x12(DATA / "pertuzumab_837p.txt", payer="commercial", payer_map=PAYERS)
    assert claim.document["claim"]["payer"] == "commercial"
    (claim,) = read_x12(
        DATA / "pertuzumab_837p.txt",
        payer_map={"payer_ids": {}, "filing_indicators": {}, "default": "commercial"},
    )
    assert claim.document["claim"]["payer"] == "commercial"
    assert claim.warnings == [
        "payer: no mapping for payer id 'MEDTEST01' / filing indicator 'MB'; used the "
        "default payer profile 'commercial'"
    ]


def test_packaged_payer_map_maps_medicare_filing_indicator():
    (claim,) = read_x12(DATA / "pertuzumab_837p.txt")  # kb/mappings/payer_ids.yaml: MB -> medicare
    assert claim.document["claim"]["payer"] == "medicare"


def _text(name: str) -> str:
    return (DATA / name).read_text()


def test_invalid_element_code_is_located():
    bad = _text("pertuzumab_837p.txt").replace(
        "SV1*HC:J9306:JZ*4800*UN*420", "SV1*HC:J9306:JZ*4800*XX*420"
    )
    with pytest.raises(InvalidX12Error) as info:
        read_x12(bad)
    err = info.value
    assert err.code == "x12_invalid"
    assert err.location == "line 24, segment 22 SV1, element SV103"
    (finding,) = err.findings
    assert (finding.segment_id, finding.segment_number, finding.line, finding.element) == (
        "SV1",
        22,
        24,
        "SV103",
    )
    assert str(err) == (
        "<text>:line 24, segment 22 SV1, element SV103: x12_invalid: (XX) is not a valid code "
        "for Unit or Basis for Measurement Code (SV103)\n"
        "    expected: an interchange valid against the 005010 implementation guide"
    )


def test_missing_mandatory_segment_reports_every_finding():
    bad = _text("pertuzumab_837p.txt").replace("DTP*472*D8*20250314~\n", "")
    with pytest.raises(InvalidX12Error) as info:
        read_x12(bad)
    err = info.value
    assert err.location == "line 25, segment 23 DTP"
    assert [f.location for f in err.findings] == ["line 25, segment 23 DTP", "line 27, ST envelope"]
    assert err.findings[1].message == "SE count of 26 for SE02=0001 is wrong. I count 25"
    assert err.message.endswith("(and 1 more)")


def test_invalid_date_is_located():
    bad = _text("pertuzumab_837p.txt").replace("DMG*D8*19680402", "DMG*D8*19681302")
    with pytest.raises(InvalidX12Error) as info:
        read_x12(bad)
    assert info.value.location == "line 18, segment 16 DMG, element DMG02"


def test_not_x12_and_missing_file():
    with pytest.raises(InvalidX12Error) as info:
        read_x12("hello*world~")
    assert (info.value.code, info.value.location) == ("x12_invalid", "line 1")
    with pytest.raises(InvalidX12Error) as info:
        read_x12(str(DATA / "no_such_file.837"))
    assert info.value.code == "file_unreadable"


def test_third_party_x222a2_is_read_with_the_a1_map_and_a_warning():
    (claim,) = read_x12(THIRD / "lfh_drug-in-office_X222A2.837", payer="commercial")
    lines = claim.document["claim"]["lines"]
    assert [ln["code"] for ln in lines] == ["90782", "J1550"]
    assert lines[1]["ndc"] == "00026-0635-12"
    assert (lines[1]["ndc_quantity"], lines[1]["ndc_unit"], lines[1]["charge"]) == (10, "ML", 53.37)
    assert claim.document["claim"]["diagnoses"] == ["03591"]
    assert claim.warnings == [
        "version 005010X222A2 was validated with pyx12's 005010X222A1 map (pyx12 has no "
        "005010X222A2 map); rules the 005010X222A2 errata changed are not checked",
        "diagnoses: HI qualifier BK is ICD-9-CM; the knowledge base expects ICD-10-CM",
    ]
    assert claim.warnings[0].code == "x12_errata_version"


def test_third_party_835_findings_come_back_typed():
    with pytest.raises(UnsupportedX12Error):
        read_x12(THIRD / "lfh_managed-care_X221A1.835")  # an 835 is not a claim
    with pytest.raises(InvalidX12Error) as info:
        validate_x12(THIRD / "lfh_managed-care_X221A1.835")
    err = info.value
    assert err.findings[0].location == "line 4, segment 2 BPR, element BPR16"
    assert "invalid date (20002316)" in err.findings[0].message


def test_an_835_is_not_converted_as_a_claim():
    text = _text("pertuzumab_837p.txt").replace("GS*HC", "GS*HP").replace("X222A1", "X221A1")
    with pytest.raises(UnsupportedX12Error) as info:
        read_x12(text)
    assert info.value.location == "line 2, GS08"


# --- clinical merge --------------------------------------------------------------


def _converted() -> dict:
    (claim,) = read_x12(DATA / "pertuzumab_837p.txt", payer_map=PAYERS)
    return claim.document


def test_merge_clinical_adds_sections_and_missing_fields():
    clinical = {
        "claim": {"id": "PTZ-2025-0001", "received_date": "2025-03-20"},
        "patient": {"id": "P-0001", "weight_kg": 68.0},
        "coverage": {"start_date": "2023-01-01"},
        "documentation": {"physician_order": True, "drug": "pertuzumab", "dose_mg": 420},
    }
    merged = merge_clinical(_converted(), clinical)
    assert merged["claim"]["received_date"] == "2025-03-20"
    assert merged["claim"]["lines"] == PERTUZUMAB_837P["claim"]["lines"]
    assert merged["patient"] == {
        "id": "P-0001",
        "birth_date": "1968-04-02",
        "sex": "F",
        "weight_kg": 68.0,
    }
    assert v1_view(merged)["coverage"] == {"start_date": "2023-01-01"}
    assert merged["documentation"]["dose_mg"] == 420


def test_merge_clinical_reports_all_conflicts():
    clinical = {
        "claim": {"prior_authorization": "PA-999"},
        "patient": {"sex": "M", "birth_date": "1968-04-02"},
    }
    with pytest.raises(ClinicalMergeError) as info:
        merge_clinical(_converted(), clinical, file="clin.yaml")
    err = info.value
    assert err.code == "clinical_conflict"
    assert [f.location for f in err.findings] == ["claim.prior_authorization", "patient.sex"]
    assert str(err).startswith(
        "clin.yaml:claim.prior_authorization: clinical_conflict: claim.prior_authorization: "
        "the clinical file disagrees with the converted claim (and 1 more)"
    )


def test_merge_clinical_unknown_section_suggests():
    with pytest.raises(ClinicalMergeError) as info:
        merge_clinical(_converted(), {"clinicals": {}})
    assert info.value.code == "clinical_invalid"
    assert info.value.hint == "did you mean 'clinical'?"


def test_merge_clinical_reads_yaml_dates_as_iso(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("administrations:\n  - {date: 2025-02-21, drug: pertuzumab, dose_mg: 420}\n")
    merged = merge_clinical(_converted(), path)
    assert merged["administrations"] == [
        {"date": "2025-02-21", "drug": "pertuzumab", "dose_mg": 420}
    ]


def test_match_clinical_rules(tmp_path):
    docs = [c.document for c in read_x12(DATA / "multi_837p.txt", payer_map=PAYERS)]
    (tmp_path / "PTZ-2025-0002.yaml").write_text("documentation: {drug: pertuzumab}\n")
    (tmp_path / "bob.json").write_text(json.dumps({"patient": {"id": "P-0002", "weight_kg": 70}}))
    (tmp_path / "ram9.yml").write_text("claim: {id: RAM-2025-0009}\n")
    (tmp_path / "notes.txt").write_text("ignored")
    matches = match_clinical(tmp_path, docs)
    assert [(m.path.name if m.path else None, m.matched_by) for m in matches] == [
        ("PTZ-2025-0002.yaml", "file_name"),
        ("bob.json", "patient_id"),
        ("ram9.yml", "claim_id"),
        (None, None),
    ]
    (tmp_path / "bob2.yaml").write_text("patient: {id: P-0002}\n")
    with pytest.raises(ClinicalMergeError) as info:
        match_clinical(tmp_path, docs)
    assert info.value.code == "clinical_ambiguous"


def test_clinical_docstring_example_runs():
    import doctest

    import denialkb.engine.formats.clinical as clinical

    result = doctest.testmod(clinical)
    assert result.attempted >= 2 and result.failed == 0
