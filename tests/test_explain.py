"""Library tests of the auditor queries (engine/explain.py) on the example claims."""

import pytest

from denialkb.engine.claim import load_claim
from denialkb.engine.errors import ClaimInvalidError, UsageError
from denialkb.engine.explain import (
    _apply,
    fix,
    patch_document,
    paths,
    remittances,
    render_why,
    what_if,
    why,
    why_not,
)

from .conftest import SMALL


def doc(name):
    return load_claim(SMALL / f"{name}.yaml")


def test_why_chain_goes_down_to_input_facts(decider):
    d = decider.decide(doc("pertuzumab-her2-equivocal"))
    chains = why(d, decider.kb)
    assert [c["rule"] for c in chains] == ["PERTUZUMAB-HER2-EQUIVOCAL"]
    top = chains[0]
    assert top["denial"] == {"group": "CO", "carc": "16", "rarc": ["N706"], "stage": "medical_review"}
    (f1,) = top["findings"]
    assert f1["finding"] == "HER2-EQUIVOCAL-UNRESOLVED"
    (j1,) = f1["justifications"]
    assert j1["rule"] == "HER2-EQUIVOCAL-WITHOUT-ISH"
    assert [(c["fact"], c["value"], c["condition"], c["source"]) for c in j1["conditions"]] == [
        ("clinical.biomarkers.her2.ihc", "2+", "eq 2+", "clinical.biomarkers.her2.ihc"),
        ("clinical.biomarkers.her2.ish", None, "missing", "clinical.biomarkers.her2.ish"),
    ]
    (f2,) = j1["findings"]
    assert f2["finding"] == "HER2-NOT-ESTABLISHED"
    assert f2["justifications"][0]["rule"] == "HER2-STATUS-NOT-ESTABLISHED"
    assert f2["justifications"][0]["absent_findings"] == ["HER2-POSITIVE"]


def test_why_text_exact(decider):
    d = decider.decide(doc("pertuzumab-jz-missing-medicare"))
    assert render_why(d.claim_id, why(d, decider.kb)) == """\
CLM-P-NO-JZ: 1 denial

denial JZ-MISSING-NO-WASTE (line 1) CO-4: JZ missing on a single-dose drug line with nothing discarded
  <- rule JZ-MISSING-NO-WASTE: from 2023-07-01 Medicare Part B fee-for-service requires JZ on single-dose container drugs when nothing was discarded; line 1 (J9306, 2024-03-15) has no JZ and no waste is documented.
     - the payer's JZ required from is recorded (2023-07-01)  [kb payer settings]
     - the date whose rules and tables apply (2024-03-15) is on or after the payer's JZ required from (2023-07-01)  [computed]
     - the code kind (drug) is drug  [kb hcpcs table]
     - the container of the line's drug cannot be told: no  [kb products]
     - the container (single_dose) is single_dose  [kb products]
     - the line carries JZ: no  [claim.lines[0].modifiers]
     - the line carries JW: no  [claim.lines[0].modifiers]
     - another line of the claim bills the same code on the same date with JW: no  [computed]
     - the documented waste of this line's drug (0) is 0  [documentation.waste_mg]
     - the whole single-dose vials leave something to discard: no  [computed from kb products]
     - the date the payer received the claim (2024-03-20) is on or after the payer's JZ returned from (2023-10-01)  [claim.received_date]
     - the date of service (2024-03-15) is on or after the payer's JZ returned from (2023-10-01)  [claim.lines[0].service_date]
     - the type-of-bill class of an institutional claim is not recorded  [computed from claim.type_of_bill]
     - the kind of billing entity is not recorded  [providers.billing.entity_type]
"""


def test_why_filter_by_denial(decider):
    d = decider.decide(doc("pertuzumab-jw-and-jz"))
    all_ids = [c["rule"] for c in why(d, decider.kb)]
    assert len(all_ids) >= 2
    assert [c["rule"] for c in why(d, decider.kb, "JW-JZ-SAME-LINE")] == ["JW-JZ-SAME-LINE"]


def test_why_not_names_failing_condition_with_values(decider):
    d = decider.decide(doc("pertuzumab-clean-medicare"))
    attempts = why_not(d, decider.kb, "JZ-MISSING-NO-WASTE")
    first = attempts[0]
    assert (first["rule"], first["line"], first["failing_leaves"]) == ("JZ-MISSING-NO-WASTE", 1, 1)
    failing = [c for c in first["conditions"] if c["result"] is not True]
    assert [(c["fact"], c["value"], c["condition"]) for c in failing] == [("line.has_jz", True, "eq false")]
    # nearest miss first
    assert [a["failing_leaves"] for a in attempts] == sorted(a["failing_leaves"] for a in attempts)


def test_why_not_scope_mismatch_is_a_failed_condition(decider):
    d = decider.decide(doc("ramucirumab-clean-medicare"))
    attempts = why_not(d, decider.kb, "PERTUZUMAB-HER2-NOT-DOCUMENTED")
    scope = [s for a in attempts for s in a["scope"] if s["fact"] == "line.drug"]
    assert scope and all(s["result"] is False for s in scope if s["value"] != "pertuzumab")
    assert any(s["value"] == "ramucirumab" and s["result"] is False for s in scope)


def test_why_not_carc_lists_every_denial_rule_and_finding_failures(decider):
    d = decider.decide(doc("pertuzumab-clean-medicare"))
    rules = {a["rule"] for a in why_not(d, decider.kb, "197")}
    assert rules == {r.id for r in decider.kb.rules if r.conclusion == "denial" and r.denial["carc"] == "197"}
    her2 = why_not(d, decider.kb, "PERTUZUMAB-HER2-NEGATIVE")
    sub = [s["rule"] for a in her2 for s in a["finding_rules"]]
    assert "HER2-STATUS-NOT-ESTABLISHED" in sub


def test_why_not_unknown_target(decider):
    d = decider.decide(doc("pertuzumab-clean-medicare"))
    with pytest.raises(UsageError):
        why_not(d, decider.kb, "NO-SUCH-RULE")


@pytest.mark.parametrize("carc", sorted({str(r.denial["carc"]) for r in __import__(
    "denialkb.engine.kb", fromlist=["load_kb"]).load_kb().rules if r.conclusion == "denial"}))
def test_paths_for_every_carc(decider, carc):
    kb = decider.kb
    chains = paths(kb, carc)
    assert chains
    # the rule's own CARC or the one a payer sends instead (kb/payers remittance: CO-151 -> Medicare CO-96)
    expected = {r.id for r in kb.rules if r.conclusion == "denial"
                and carc in {c for _, c, _ in remittances(kb, r)}}
    assert {r.id for r in kb.rules if r.conclusion == "denial" and r.denial["carc"] == carc} <= expected
    assert {c[0]["rule"] for c in chains} == expected
    for c in chains:
        assert c[0]["title"] == kb.rules_by_id[c[0]["rule"]].title


def test_paths_follow_findings_and_filter_by_payer(decider):
    chains = paths(decider.kb, "PERTUZUMAB-HER2-EQUIVOCAL")
    assert [[s["rule"] for s in c] for c in chains] == [
        ["PERTUZUMAB-HER2-EQUIVOCAL", "HER2-EQUIVOCAL-WITHOUT-ISH", "HER2-STATUS-NOT-ESTABLISHED"]]


def _scoped_kb(kb):
    """The KB with PRIOR-AUTH-ABSENT scoped to commercial from 2023-01-01 (the shipped KB has no such scope)."""
    import copy
    import dataclasses

    k = copy.copy(kb)
    k.rules = [dataclasses.replace(r, scope={"payers": ["commercial"], "effective_from": "2023-01-01"})
               if r.id == "PRIOR-AUTH-ABSENT" else r for r in kb.rules]
    k.rules_by_id = {r.id: r for r in k.rules}
    return k


def test_paths_filter_by_payer_and_date(decider):
    kb = _scoped_kb(decider.kb)

    def firsts(**kw):
        return [c[0]["rule"] for c in paths(kb, "197", **kw)]

    # unscoped in the shipped KB (the step-therapy denial is CO-197: the step is enforced at authorization)
    # (the biosimilar-programme rules are unscoped too: the programme is a payer row, kb/rules/biosimilar_programmes.yaml)
    programmes = ["BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT", "BIOSIMILAR-PROGRAMME-NONPREFERRED-COMBINATION"]
    everywhere = ["PRIOR-AUTH-NOT-IN-FORCE", "PRIOR-AUTH-OTHER-PROVIDER", "PRIOR-AUTH-FOR-OTHER-CODE", "STEP-THERAPY-NOT-MET"]
    assert firsts() == [*programmes, "PRIOR-AUTH-ABSENT", *everywhere]
    assert firsts(payer="commercial", as_of="2024-03-15") == [*programmes, "PRIOR-AUTH-ABSENT", *everywhere]
    assert firsts(payer="medicare") == [*programmes, *everywhere]
    assert firsts(as_of="2022-12-31") == [*programmes, *everywhere]
    assert paths(kb, "197")[2][0]["scope"] == ["payers: commercial", "from 2023-01-01"]


def test_why_not_payer_scope_mismatch_is_failed(decider):
    kb = _scoped_kb(decider.kb)
    d = decider.decide(doc("pertuzumab-clean-medicare"))
    (a, *_rest) = [x for x in why_not(d, kb, "PRIOR-AUTH-ABSENT") if x["line"] == 1]
    assert [(s["fact"], s["value"], s["condition"], s["result"]) for s in a["scope"]] == [
        ("claim.payer", "medicare", "in commercial", False), ("line.in_force_date", "2024-03-15", "ge 2023-01-01", True)]


def test_what_if_round_trip_is_byte_identical(decider):
    import json

    d = doc("pertuzumab-jz-missing-medicare")
    base = json.dumps(decider.check_document(d), sort_keys=True)
    changed = what_if(decider, d, [("claim.lines[0].modifiers", ["JZ"])])
    assert [x["id"] for x in changed["removed"]] == ["JZ-MISSING-NO-WASTE"] and changed["added"] == []
    back = patch_document(patch_document(d, [("claim.lines[0].modifiers", ["JZ"])]),
                          [("claim.lines[0].modifiers", [])])
    assert json.dumps(decider.check_document(back), sort_keys=True) == base


def test_what_if_invalid_path_and_document(decider):
    d = doc("pertuzumab-jz-missing-medicare")
    with pytest.raises(UsageError, match=r"index \[5\] is out of range"):
        patch_document(d, [("claim.lines[5].units", 3)])
    with pytest.raises(ClaimInvalidError):
        patch_document(d, [("claim.lines[0].unts", 3)])


FIXABLE = ["pertuzumab-jz-missing-medicare", "pertuzumab-units-exceed-dose",
           "pertuzumab-commercial-no-prior-auth", "pertuzumab-commercial-auth-expired",
           "pertuzumab-commercial-auth-units-used", "pertuzumab-jw-and-jz", "pertuzumab-billed-as-j9308",
           "pertuzumab-jw-whole-vial"]


@pytest.mark.parametrize("name", FIXABLE)
def test_fix_suggestions_really_clear_the_denial(decider, name):
    d = doc(name)
    before = {(x["id"], x["line"]) for x in decider.check_document(d)["denials"]}
    res = fix(decider, d)
    assert any(e["fixes"] for e in res["denials"])
    for e in res["denials"]:
        for f in e["fixes"]:
            changes = [(c["path"], c["value"], c["change"], c["kind"]) for c in f["changes"]]
            after = {(x["id"], x["line"]) for x in decider.check_document(_apply(d, changes))["denials"]}
            assert (e["denial"], e["line"]) not in after
            assert after <= before
            assert all(c["kind"] != "clinical" for c in f["changes"])


def test_fix_jz_is_exactly_add_jz(decider):
    res = fix(decider, doc("pertuzumab-jz-missing-medicare"))
    (e,) = res["denials"]
    assert [[(c["path"], c["value"]) for c in f["changes"]] for f in e["fixes"]] == [
        [("claim.lines[0].modifiers", ["JZ"])]]


@pytest.mark.parametrize("name", ["pertuzumab-her2-low", "pertuzumab-her2-equivocal", "pertuzumab-her2-missing"])
def test_fix_never_changes_clinical_facts(decider, name):
    res = fix(decider, doc(name))
    for e in res["denials"]:
        assert e["fixes"] == []
        assert "do not bill it this way" in e["advice"]


def test_fix_corrects_code_from_the_kb_table(decider):
    res = fix(decider, doc("pertuzumab-billed-as-j9308"))
    by = {e["denial"]: e for e in res["denials"]}
    assert [[(c["path"], c["value"]) for c in f["changes"]] for f in by["CODE-DRUG-NDC-MISMATCH"]["fixes"]] == [
        [("claim.lines[0].code", "J9306")]]


def test_fix_hospital_outpatient_code_only_on_institutional_claims(decider):
    """C9292 (pertuzumab 10 mg, setting hospital_outpatient in the KB table) is no correction of a
    professional office claim; no rule checks the setting, so fix itself must not propose it."""
    d = doc("pertuzumab-billed-as-j9308")
    assert d.data["claim"]["form"] == "professional"
    res = fix(decider, patch_document(d, [("claim.form", "institutional")]))
    by = {e["denial"]: e for e in res["denials"]}
    # C9292 was retired on 2013-12-31 (kb/tables/hcpcs.yaml), so on this 2024 claim only J9306 fixes it
    assert [[(c["path"], c["value"]) for c in f["changes"]] for f in by["CODE-DRUG-NDC-MISMATCH"]["fixes"]] == [
        [("claim.lines[0].code", "J9306")]]


def test_fix_never_undocuments_the_record(decider):
    res = fix(decider, doc("pertuzumab-record-documents-other-drug"))
    for e in res["denials"]:
        for f in e["fixes"]:
            assert not any(c["path"].startswith("documentation.") and c["value"] is None for c in f["changes"])


def test_fix_never_removes_the_administered_line(decider):
    res = fix(decider, doc("pertuzumab-jw-and-jz"))
    changes = [c for e in res["denials"] for f in e["fixes"] for c in f["changes"]]
    assert changes and not any(c["path"] == "claim.lines[0]" for c in changes)
    res = fix(decider, doc("pertuzumab-jw-whole-vial"))
    assert [[(c["path"], c["value"]) for c in f["changes"]] for f in res["denials"][0]["fixes"]] == [
        [("claim.lines[1]", None)]]
