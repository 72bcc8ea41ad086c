"""The KB correctness review (../shared/domain/kb-review.md) fixes that golden cases cannot state: the
remittance codes each payer sends (payer ``remittance`` rows) and the loader's check of those rows."""

import copy
import shutil

import pytest

from denialkb.engine.cases import set_path
from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import KBInvalidError
from denialkb.engine.kb import load_kb
from denialkb.engine.yamlio import load_document

from .conftest import KB

BASE = KB / "cases" / "base" / "pertuzumab-medicare.yaml"


def _doc(changes):
    data = copy.deepcopy(load_document(BASE, "test").data)
    for path, value in changes.items():
        set_path(data, path, value)
    return validate_claim(data, "test")


def _denials(decider, changes):
    return [(d["id"], d["line"], d["group"], d["carc"], d["rarc"]) for d in decider.check_document(_doc(changes))["denials"]]


def test_medicare_unit_ceiling_is_co_96_n362(decider):
    # 840 units of J9306 on one date above Medicare's per-date ceiling (and the 420 mg dose): Noridian sends CO-96 + N362
    got = _denials(decider, {"claim.lines[0].units": 841})
    assert ("PAYER-UNIT-LIMIT-EXCEEDED", 1, "CO", "96", ["N362"]) in got


def test_commercial_unit_ceiling_keeps_the_rules_co_151(decider):
    got = _denials(decider, {"claim.payer": "commercial", "claim.prior_authorization": "PA-778",
                             "authorizations": [{"number": "PA-778", "code": "J9306", "units": 9000,
                                                 "start_date": "2024-01-01", "end_date": "2024-06-30"}],
                             "claim.lines[0].units": 841})
    assert ("PAYER-UNIT-LIMIT-EXCEEDED", 1, "CO", "151", ["N362"]) in got


def test_duplicate_line_group_is_payer_specific(decider):
    dup = {"claim.lines[2]": {"number": 3, "code": "96413", "units": 1, "service_date": "2024-03-15"}}
    assert ("DUPLICATE-LINE-ON-CLAIM", 3, "OA", "18", ["N522"]) in _denials(decider, dup)
    com = {**dup, "claim.payer": "commercial", "claim.prior_authorization": "PA-778",
           "authorizations": [{"number": "PA-778", "code": "J9306", "units": 2940,
                               "start_date": "2024-01-01", "end_date": "2024-06-30"}]}
    assert ("DUPLICATE-LINE-ON-CLAIM", 3, "CO", "18", ["N522"]) in _denials(decider, com)


def test_override_cites_its_source(decider):
    rec = decider.check_document(_doc({"claim.lines[0].units": 841}))
    (d,) = [x for x in rec["denials"] if x["id"] == "PAYER-UNIT-LIMIT-EXCEEDED"]
    assert "https://med.noridianmedicare.com/web/jfb/topics/claim-submission/reason-code-guidance/mue-service-exceeds-max" in d["sources"]


def test_no_rule_sends_n115_without_a_cited_lcd():
    kb = load_kb(KB)
    for r in kb.rules:
        if r.conclusion == "denial" and "N115" in r.denial["rarc"]:
            assert any("lcd" in s.lower() or "article" in s.lower() for s in r.sources), r.id


@pytest.mark.parametrize("row, message", [
    ("    - rules: [NO-SUCH-RULE]\n      carc: \"96\"\n      sources: [x-source]\n",
     "payer 'medicare' remittance names 'NO-SUCH-RULE', which is not a denial rule"),
    ("    - rules: [PAYER-UNIT-LIMIT-EXCEEDED]\n      carc: \"996\"\n      sources: [x-source]\n", "unknown CARC '996'"),
    ("    - rules: [PAYER-UNIT-LIMIT-EXCEEDED]\n      rarc: [N9999]\n      sources: [x-source]\n", "unknown RARC 'N9999'"),
])
def test_bad_remittance_rows_are_located_errors(tmp_path, row, message):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__"))
    p = kb / "payers" / "medicare.yaml"
    p.write_text(p.read_text().replace("  remittance:\n", "  remittance:\n" + row, 1))
    with pytest.raises(KBInvalidError) as e:
        load_kb(kb)
    got = [x.format() for x in e.value.problems]
    assert any(g.startswith("kb/payers/medicare.yaml:") and message in g for g in got), got


# --- stage model (kb-review C1): clinical rules are staged by role and resolved per payer ----------------------------

def _stages(decider, changes):
    return {(d["id"], d["line"]): d["stage"] for d in decider.check_document(_doc(changes))["denials"]}


def test_clinical_rule_is_medical_review_on_medicare_and_prior_authorization_on_commercial(decider):
    unset_her2 = {"clinical.biomarkers.her2": {"ihc": "1+"}}
    assert _stages(decider, unset_her2)[("PERTUZUMAB-HER2-NEGATIVE", 1)] == "medical_review"
    com = {**unset_her2, "claim.payer": "commercial", "claim.prior_authorization": "PA-778",
           "authorizations": [{"number": "PA-778", "code": "J9306", "units": 2940,
                               "start_date": "2024-01-01", "end_date": "2024-06-30"}]}
    assert _stages(decider, com)[("PERTUZUMAB-HER2-NEGATIVE", 1)] == "prior_authorization"


def test_missing_authorization_stays_an_adjudication_denial(decider):
    com = {"claim.payer": "commercial", "authorizations": []}
    assert _stages(decider, com)[("PRIOR-AUTH-ABSENT", 1)] == "adjudication"


def test_no_record_shows_a_stage_role(decider):
    kb = decider.kb
    roles = {r.id for r in kb.rules if r.conclusion == "denial" and r.denial["stage"] == "clinical_review"}
    assert len(roles) >= 30  # HER2, LVEF, prior therapy, response, AFP, EGFR, indication, mg/kg dose
    from denialkb.engine.record import STAGES
    for payer in kb.payers.values():
        assert payer.stage_for("clinical_review") in STAGES, payer.id


def _kb_copy(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__"))
    return kb


def _problems(kb):
    with pytest.raises(KBInvalidError) as e:
        load_kb(kb)
    return [x.format() for x in e.value.problems]


def test_unknown_stage_name_in_a_rule_is_refused(tmp_path):
    kb = _kb_copy(tmp_path)
    p = kb / "rules" / "her2.yaml"
    p.write_text(p.read_text().replace("stage: clinical_review", "stage: clinical_reveiw", 1))
    got = _problems(kb)
    assert any(g.startswith("kb/rules/her2.yaml:") and "clinical_reveiw" in g for g in got), got


def test_payer_must_say_where_it_applies_clinical_review(tmp_path):
    kb = _kb_copy(tmp_path)
    p = kb / "payers" / "medicare.yaml"
    p.write_text(p.read_text().replace("    clinical_review: medical_review\n", "", 1).replace("  stages:\n", "", 1))
    got = _problems(kb)
    assert any(g.startswith("kb/payers/medicare.yaml:") and "does not say at which stage it applies 'clinical_review'" in g
               for g in got), got


def test_unknown_stage_in_a_payer_map_is_refused(tmp_path):
    kb = _kb_copy(tmp_path)
    p = kb / "payers" / "commercial.yaml"
    p.write_text(p.read_text().replace("clinical_review: prior_authorization", "clinical_review: prior_auth", 1))
    got = _problems(kb)
    assert any(g.startswith("kb/payers/commercial.yaml:") and "prior_auth" in g for g in got), got


def test_a_case_with_the_wrong_stage_fails(tmp_path):
    from denialkb.engine.kbrun import run_kb_tests
    kb = _kb_copy(tmp_path)
    p = kb / "cases" / "commercial.yaml"
    s = p.read_text()
    assert '"STEP-THERAPY-NOT-MET@line:3": prior_authorization' in s
    p.write_text(s.replace('"STEP-THERAPY-NOT-MET@line:3": prior_authorization', '"STEP-THERAPY-NOT-MET@line:3": adjudication', 1))
    run = run_kb_tests(kb)
    bad = [r for r in run.results if not r.passed]
    assert len(bad) == 1 and "stage of STEP-THERAPY-NOT-MET@line:3: expected adjudication, got prior_authorization" in str(bad[0].diffs)


def test_header_diagnosis_is_co_16_m81_on_medicare_and_co_146_on_commercial(decider):
    hdr = {"claim.diagnoses": ["C50.9"], "claim.lines[0].diagnosis_pointers": [1]}
    assert ("DX-CODE-NOT-BILLABLE", None, "CO", "16", ["M81"]) in _denials(decider, hdr)
    com = {**hdr, "claim.payer": "commercial", "claim.prior_authorization": "PA-778",
           "authorizations": [{"number": "PA-778", "code": "J9306", "units": 2940,
                               "start_date": "2024-01-01", "end_date": "2024-06-30"}]}
    assert ("DX-CODE-NOT-BILLABLE", None, "CO", "146", []) in _denials(decider, com)


def test_diagnosis_validity_lists_the_codes(decider):
    rec = decider.check_document(_doc({"claim.diagnoses": ["C50.911", "Z17.32", "Z17.9", "C50.91"]}))
    ids = sorted(d["id"] for d in rec["denials"])
    # Z17.32 did not exist on 2024-03-15 (front-end denial); pointed by the drug line it also states HER2-negative status
    assert ids == ["DX-CODE-NOT-BILLABLE", "DX-CODE-NOT-IN-CODE-SET", "DX-CODE-NOT-VALID-ON-DOS",
                   "HER2-DRUG-WITH-HER2-NEGATIVE-STATUS-CODE"]
    text = {d["id"]: d["explanation"] for d in rec["denials"]}
    assert "Z17.9" in text["DX-CODE-NOT-IN-CODE-SET"] and "C50.91" in text["DX-CODE-NOT-BILLABLE"]
    assert "Z17.32" in text["DX-CODE-NOT-VALID-ON-DOS"] and "C50.911" not in text["DX-CODE-NOT-VALID-ON-DOS"]
    assert not [x for x in rec["findings"] if x["id"] == "DX-NOT-VALID-ON-DOS"]


def test_diagnosis_code_before_it_began_is_rejected_per_payer(decider):
    """P16: Z17.31 on 2024-03-15 (the code exists from 2024-10-01) - CO-16 + M76 from Medicare, CO-146 commercial."""
    hdr = {"claim.diagnoses": ["C50.911", "Z17.31"]}
    (d,) = [d for d in decider.check_document(_doc(hdr))["denials"] if d["id"] == "DX-CODE-NOT-VALID-ON-DOS"]
    assert (d["stage"], d["group"], d["carc"], d["rarc"]) == ("front_end", "CO", "16", ["M76"])
    com = {**hdr, "claim.payer": "commercial", "claim.prior_authorization": "PA-778",
           "authorizations": [{"number": "PA-778", "code": "J9306", "units": 2940,
                               "start_date": "2024-01-01", "end_date": "2024-06-30"}]}
    assert ("DX-CODE-NOT-VALID-ON-DOS", None, "CO", "146", []) in _denials(decider, com)
    # the same claim coded as the FY2024 code set allows (no HER2 status code) is not rejected
    assert not [d for d in decider.check_document(_doc({"claim.diagnoses": ["C50.911", "Z17.0"]}))["denials"]
                if d["id"].startswith("DX-") or "STATUS-CODE" in d["id"]]
