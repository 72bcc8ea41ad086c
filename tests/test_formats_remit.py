"""Decision records -> predicted 835 (re-parsed with pyx12) and FHIR ClaimResponse."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path

import pytest

from denialkb.engine.formats import RemitRenderError, render_835, render_fhir

pytest.importorskip("pyx12", reason="835 validation needs pyx12 4.x (Python 3.11+)")
import pyx12.error_handler  # noqa: E402
import pyx12.params  # noqa: E402
import pyx12.x12context  # noqa: E402

from denialkb.engine.formats import read_x12, validate_x12  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"
WHEN = dt.datetime(2025, 3, 1, 12, 0)


def _ramucirumab_doc() -> dict:
    (claim,) = read_x12(DATA / "ramucirumab_837p.txt", payer="commercial")
    return claim.document


def _pertuzumab_doc() -> dict:
    (claim,) = read_x12(DATA / "pertuzumab_837p.txt", payer="medicare")
    return claim.document


def _denial(rule, line, group, carc, rarc):
    return {
        "id": rule,
        "title": rule.title(),
        "line": line,
        "stage": "adjudication",
        "group": group,
        "carc": carc,
        "rarc": rarc,
        "explanation": f"explanation of {rule}",
        "because": [],
        "derived_from": [],
        "remedy": "fix it",
        "sources": [],
    }


def _record(claim_id, outcome, denials):
    return {
        "claim_id": claim_id,
        "kb_version": "sha256:test",
        "engine": {"name": "experta", "version": "1.9.4"},
        "evaluated_as_of": "2025-02-10",
        "outcome": outcome,
        "denials": denials,
        "findings": [],
        "missing_information": [],
        "trace": [],
    }


def _v(node, ref):
    return node.get_value(ref) or None


def _parse_835(text: str) -> list[dict]:
    """Re-read the 835 with pyx12's loop reader: one dict per CLP loop (empty -> None)."""
    reader = pyx12.x12context.X12ContextReader(
        pyx12.params.params(), pyx12.error_handler.errh_null(), io.StringIO(text)
    )
    claims = []
    for node in reader.iter_segments("2100"):
        if node.id != "2100":
            continue
        claim = {
            "CLP": [_v(node, f"CLP{i:02d}") for i in range(1, 10)],
            "CAS": [[_v(cas, f"CAS{i:02d}") for i in range(1, 8)] for cas in node.select("CAS")],
            "MOA": node.get_value("MOA03"),
            "NM1": (node.get_value("NM101"), node.get_value("NM108"), node.get_value("NM109")),
            "lines": [],
        }
        for svc in node.select("2110"):
            claim["lines"].append(
                {
                    "SVC": [_v(svc, f"SVC{i:02d}") for i in range(1, 6)],
                    "DTM": svc.get_value("DTM02"),
                    "CAS": [[_v(c, f"CAS{i:02d}") for i in range(1, 8)] for c in svc.select("CAS")],
                    "REF": svc.get_value("REF02"),
                    "LQ": [lq.get_value("LQ02") for lq in svc.select("LQ")],
                }
            )
        claims.append(claim)
    return claims


def test_835_round_trip_line_denial():
    record = _record(
        "RAM-2025-0007",
        "denied",
        [
            _denial("RAMUCIRUMAB-WASTE-NOT-DOCUMENTED", 2, "CO", "16", ["M127", "N706"]),
            _denial("SOME-PATIENT-SHARE", 2, "PR", "204", []),
        ],
    )
    text = render_835([(record, _ramucirumab_doc())], created=WHEN)
    validate_x12(text)  # pyx12 finds nothing wrong with it
    assert text.startswith("ISA*00*")
    assert "*00501*000000001*0*T*:~" in text.splitlines()[0]  # ISA15 = T: test/predicted
    assert "TRN*1*PREDICTED000000001*1999999999~" in text
    assert "BPR*I*5600*C*CHK************20250301~" in text  # I goes with CHK, H with NON
    (claim,) = _parse_835(text)
    # partial denial: processed as primary (1); paid = charge of the undenied line
    assert claim["CLP"] == [
        "RAM-2025-0007",
        "1",
        "6000",
        "5600",
        None,
        "ZZ",
        "PREDICTED",
        "11",
        "1",
    ]
    assert claim["CAS"] == []
    assert claim["NM1"] == ("QC", "MI", "P-0002")
    first, second = claim["lines"]
    assert first == {
        "SVC": ["HC:J9308", "5600", "5600", None, "112"],
        "DTM": "20250210",
        "CAS": [],
        "REF": "1",
        "LQ": [],
    }
    assert second == {
        "SVC": ["HC:J9308:JW", "400", "0", None, "8"],
        "DTM": "20250210",
        # every denial appears, one CAS per group; the charge is split (no zero adjustment)
        "CAS": [["CO", "16", "200", None, None, None, None], ["PR", "204", "200", None, None, None, None]],
        "REF": "2",
        "LQ": ["M127", "N706"],
    }


def test_835_claim_level_denial_and_clean_claim_in_one_file():
    denied = _record(
        "PTZ-2025-0001",
        "denied",
        [
            _denial("PERTUZUMAB-HER2-NOT-DOCUMENTED", None, "CO", "16", ["M127"]),
            _denial("PERTUZUMAB-NOT-MEDICALLY-NECESSARY", None, "CO", "50", ["N706"]),
        ],
    )
    clean = _record("RAM-2025-0007", "clean", [])
    text = render_835([(denied, _pertuzumab_doc()), (clean, _ramucirumab_doc())], created=WHEN)
    validate_x12(text)
    first, second = _parse_835(text)
    assert first["CLP"][:7] == ["PTZ-2025-0001", "4", "4800", "0", None, "MB", "PREDICTED"]
    assert first["CAS"] == [["CO", "16", "2400", None, "50", "2400", None]]  # both reasons, one CAS (group CO)
    assert first["MOA"] == "M127"
    assert first["lines"] == []  # a claim-level denial adjusts the whole claim
    assert second["CLP"][:4] == ["RAM-2025-0007", "1", "6000", "6000"]
    assert [ln["CAS"] for ln in second["lines"]] == [[], []]
    assert "BPR*I*6000*" in text


def test_835_every_denial_of_a_line_appears():
    # 7 CO reasons (two CAS: six trios, then one), a PR and an OA reason, a repeated CO-16 once;
    # 4800 split over 9 reasons in cents: the first three take the remainder
    carcs = ["16", "96", "4", "11", "50", "197", "110"]
    denials = [_denial(f"R-{c}", 1, "CO", c, []) for c in carcs]
    denials += [_denial("R-PR", 1, "PR", "204", []), _denial("R-DUP", 1, "CO", "16", []),
                _denial("R-OA", 1, "OA", "23", [])]
    record = _record("PTZ-2025-0001", "denied", denials)
    text = render_835([(record, _pertuzumab_doc())], created=WHEN)
    validate_x12(text)
    cas = [s for s in text.splitlines() if s.startswith("CAS*")]
    assert cas == [
        "CAS*CO*16*533.34**96*533.34**4*533.34**11*533.33**50*533.33**197*533.33~",
        "CAS*CO*110*533.33~",
        "CAS*PR*204*533.33~",
        "CAS*OA*23*533.33~",
    ]
    (claim,) = _parse_835(text)
    assert claim["CLP"][1:4] == ["4", "4800", "0"]


def test_835_a_reason_whose_share_would_be_zero_is_not_written():
    doc = _pertuzumab_doc()
    doc["claim"]["lines"][0]["charge"] = 0.01
    record = _record("PTZ-2025-0001", "denied",
                     [_denial("A", 1, "CO", "16", []), _denial("B", 1, "CO", "96", [])])
    text = render_835([(record, doc)], created=WHEN)
    validate_x12(text)
    assert [s for s in text.splitlines() if s.startswith("CAS*")] == ["CAS*CO*16*0.01~"]


def test_835_all_lines_denied_is_status_4():
    record = _record("PTZ-2025-0001", "denied", [_denial("X-RULE", 1, "CO", "197", [])])
    (claim,) = _parse_835(render_835([(record, _pertuzumab_doc())], created=WHEN))
    assert claim["CLP"][1:4] == ["4", "4800", "0"]
    assert claim["lines"][0]["CAS"] == [["CO", "197", "4800", None, None, None, None]]


def test_835_undetermined_is_an_error_or_skipped():
    undetermined = _record("RAM-2025-0007", "undetermined", [])
    with pytest.raises(RemitRenderError) as info:
        render_835([(undetermined, _ramucirumab_doc())], created=WHEN)
    assert info.value.code == "remit_undetermined"
    clean = _record("PTZ-2025-0001", "clean", [])
    text = render_835(
        [(undetermined, _ramucirumab_doc()), (clean, _pertuzumab_doc())],
        created=WHEN,
        on_undetermined="skip",
    )
    assert [c["CLP"][0] for c in _parse_835(text)] == ["PTZ-2025-0001"]


def test_835_undetermined_pended_with_oa_133_and_noted():
    undetermined = _record("RAM-2025-0007", "undetermined", [])
    clean = _record("PTZ-2025-0001", "clean", [])
    notes: list[str] = []
    text = render_835(
        [(undetermined, _ramucirumab_doc()), (clean, _pertuzumab_doc())],
        created=WHEN,
        on_undetermined="pend",
        notes=notes,
    )
    validate_x12(text)
    pended, paid = _parse_835(text)
    assert pended["CLP"][:4] == ["RAM-2025-0007", "1", "6000", "0"]
    assert [ln["CAS"] for ln in pended["lines"]] == [
        [["OA", "133", "5600", None, None, None, None]],
        [["OA", "133", "400", None, None, None, None]],
    ]
    assert paid["CLP"][:4] == ["PTZ-2025-0001", "1", "4800", "4800"]
    assert "BPR*I*4800*C*CHK" in text  # BPR02 = the sum of CLP04
    assert notes == ["RAM-2025-0007: undetermined, shown as pended (OA-133 on every line, nothing paid)"]


def test_void_is_never_paid():
    doc = _pertuzumab_doc()
    doc["claim"]["form"] = "institutional"
    doc["claim"]["type_of_bill"] = "0138"  # frequency 8: void
    doc["claim"].pop("frequency_code", None)  # (v2 converters also carry CLM05-3 here)
    clean = _record("PTZ-2025-0001", "clean", [])
    notes: list[str] = []
    text = render_835([(clean, doc)], created=WHEN, notes=notes)  # F20: a void is valid input
    validate_x12(text)
    assert _parse_835(text) == []  # no claim loop: the void reverses a payment not known here
    assert "BPR*H*0*C*NON************20250301~" in text and "LX*" not in text
    assert notes == ["PTZ-2025-0001: a void (frequency 8) is left out of the 835: it reverses the original "
                     "payment, which is not known here"]
    with pytest.raises(RemitRenderError, match="no input"):
        render_835([], created=WHEN)
    response = render_fhir(clean, doc)
    benefit = [t for t in response["total"] if t["category"]["coding"][0]["code"] == "benefit"]
    assert benefit[0]["amount"]["value"] == 0
    assert response["processNote"][0]["text"].startswith("A void")


def test_several_claim_responses_are_a_bundle_with_ids():
    from denialkb.engine.formats.remit import fhir_bundle

    a = render_fhir(_record("PTZ-2025-0001", "clean", []), _pertuzumab_doc())
    b = render_fhir(_record("RAM-2025-0007", "clean", []), _ramucirumab_doc())
    assert a["id"] != b["id"] and a["id"] == render_fhir(_record("PTZ-2025-0001", "clean", []), _pertuzumab_doc())["id"]
    bundle = fhir_bundle([a, b])
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"urn:uuid:{a['id']}", f"urn:uuid:{b['id']}"]


def test_835_rejects_a_denial_on_a_missing_line_and_bad_group():
    with pytest.raises(RemitRenderError) as info:
        render_835(
            [
                (
                    _record("RAM-2025-0007", "denied", [_denial("R", 9, "CO", "16", [])]),
                    _ramucirumab_doc(),
                )
            ]
        )
    assert "names line 9" in info.value.message
    with pytest.raises(RemitRenderError):
        render_835(
            [
                (
                    _record("RAM-2025-0007", "denied", [_denial("R", 1, "XX", "16", [])]),
                    _ramucirumab_doc(),
                )
            ]
        )


def test_claimresponse_has_denial_adjudication_with_carc():
    from fhir.resources.R4B.claimresponse import ClaimResponse

    record = _record(
        "RAM-2025-0007",
        "denied",
        [_denial("RAMUCIRUMAB-WASTE-NOT-DOCUMENTED", 2, "CO", "16", ["M127"])],
    )
    resource = render_fhir(record, _ramucirumab_doc())
    ClaimResponse.model_validate(resource)  # valid R4(B) ClaimResponse
    assert resource["outcome"] == "complete"
    assert resource["request"] == {"identifier": {"value": "RAM-2025-0007"}}
    assert resource["meta"]["tag"][0]["code"] == "predicted"
    first, second = resource["item"]
    assert first == {
        "itemSequence": 1,
        "adjudication": [
            {
                "category": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/adjudication",
                            "code": "submitted",
                        }
                    ]
                },
                "amount": {"value": 5600.0, "currency": "USD"},
            },
            {
                "category": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/adjudication",
                            "code": "benefit",
                        }
                    ]
                },
                "amount": {"value": 5600.0, "currency": "USD"},
            },
        ],
    }
    denial = second["adjudication"][2]
    assert denial == {
        "category": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator",
                    "code": "denialreason",
                    "display": "Denial Reason",
                }
            ]
        },
        "reason": {
            "coding": [
                {"system": "https://x12.org/codes/claim-adjustment-reason-codes", "code": "16"}
            ],
            "text": "CO-16 RAMUCIRUMAB-WASTE-NOT-DOCUMENTED",
        },
    }
    assert second["adjudication"][1]["amount"] == {"value": 0.0, "currency": "USD"}
    assert second["noteNumber"] == [1]
    assert resource["processNote"] == [
        {
            "number": 1,
            "type": "display",
            "text": "explanation of RAMUCIRUMAB-WASTE-NOT-DOCUMENTED Remark codes "
            "(https://x12.org/codes/remittance-advice-remark-codes): M127.",
        }
    ]
    assert [t["amount"]["value"] for t in resource["total"]] == [6000.0, 5600.0]


def test_claimresponse_claim_level_denial_and_mismatched_record():
    record = _record("PTZ-2025-0001", "denied", [_denial("R-CLAIM", None, "CO", "50", [])])
    resource = render_fhir(record, _pertuzumab_doc())
    assert resource["adjudication"][0]["reason"]["coding"][0]["code"] == "50"
    assert resource["item"][0]["adjudication"][1]["amount"]["value"] == 0.0
    other = copy.deepcopy(record)
    other["claim_id"] = "SOMETHING-ELSE"
    with pytest.raises(RemitRenderError):
        render_fhir(other, _pertuzumab_doc())
