"""Issue 13 pathways: what golden cases cannot state (groups and CARCs each payer sends, the liability shift of GA
with an ABN on file) and the row tables an author extends without Python (ncci_pairs, mue)."""

from __future__ import annotations

import copy
import shutil

import pytest

from denialkb.engine.cases import case_document
from denialkb.engine.claim import validate_claim
from denialkb.engine.kb import load_kb
from denialkb.engine.runtime import Decider

from .conftest import KB


def _case(decider, case_id) -> dict:
    case = next(c for c in decider.kb.cases if c.id == case_id)
    return case_document(case, decider.kb.root)


def _check(decider, data) -> dict:
    return decider.check_document(validate_claim(copy.deepcopy(data)))


def _codes(rec) -> list:
    return [(d["id"], d["line"], d["group"], d["carc"], tuple(d["rarc"])) for d in rec["denials"]]


def test_ga_with_a_signed_abn_makes_the_medical_necessity_denial_patient_responsibility(decider):
    data = _case(decider, "pathway-ga-medical-necessity-denial-with-abn")
    rec = _check(decider, data)
    [d] = rec["denials"]
    assert (d["id"], d["group"], d["carc"]) == ("PERTUZUMAB-WITHOUT-TRASTUZUMAB", "PR", "50")
    assert d["liability"] == {"group_before": "CO", "modifiers": ["GA"], "abn_on_file": True,
                              "note": d["liability"]["note"]}
    assert "https://www.palmettogba.com/palmetto/jja.nsf/DID/AXBMW46087" in d["sources"]


@pytest.mark.parametrize("change", ["unsigned", "no_abn_section", "no_ga", "other_code"])
def test_without_ga_and_a_signed_abn_for_the_code_the_provider_stays_liable(decider, change):
    data = _case(decider, "pathway-ga-medical-necessity-denial-with-abn")
    if change == "unsigned":
        data["abn"][0]["signed"] = False
    elif change == "no_abn_section":
        del data["abn"]
    elif change == "no_ga":
        data["claim"]["lines"][0]["modifiers"] = ["JZ"]
    else:
        data["abn"][0]["codes"] = ["J9355"]
    [d] = _check(decider, data)["denials"]
    assert (d["id"], d["group"], d["carc"]) == ("PERTUZUMAB-WITHOUT-TRASTUZUMAB", "CO", "50")
    assert "liability" not in d


def test_ga_does_not_shift_other_denials(decider):
    # a coding denial (CO-16) on a GA line with a signed ABN is not a medical-necessity denial
    data = _case(decider, "pathway-ga-with-a-signed-abn")
    data["claim"]["lines"][0]["units"] = 500  # 420 mg documented
    [d] = _check(decider, data)["denials"]
    assert (d["id"], d["group"], d["carc"]) == ("UNITS-EXCEED-DOCUMENTED-DOSE", "CO", "16")


def test_eligibility_codes_per_payer(decider):
    ma = _check(decider, _case(decider, "pathway-ma-enrollee-billed-to-medicare-ffs"))
    assert {c[2:] for c in _codes(ma)} == {("CO", "24", ())}
    ended = _case(decider, "pathway-coverage-ended-commercial")
    assert {c[2:] for c in _codes(_check(decider, ended))} == {("PR", "27", ("N30",))}
    ended["claim"]["payer"] = "medicare"
    del ended["authorizations"]
    assert {c[2:] for c in _codes(_check(decider, ended))} == {("PR", "31", ("N382",))}
    early = _case(decider, "pathway-coverage-not-yet-effective-commercial")
    assert {c[2:] for c in _codes(_check(decider, early))} == {("PR", "26", ("N30",))}
    early["claim"]["payer"] = "medicare"
    assert {c[2:] for c in _codes(_check(decider, early))} == {("PR", "31", ("N382",))}


def test_mue_and_ncci_remittance(decider):
    rec = _check(decider, _case(decider, "pathway-mue-two-initial-infusion-units"))
    assert _codes(rec) == [("MUE-UNITS-EXCEEDED", 2, "CO", "96", ("N362",))]
    rec = _check(decider, _case(decider, "pathway-second-initial-service-push-without-modifier"))
    assert _codes(rec) == [("NCCI-PTP-PAIR-NOT-BYPASSED", 10, "CO", "97", ("N20",))]
    assert "96375" in rec["denials"][0]["remedy"]


def test_mue_uses_the_facility_value_on_an_institutional_claim(tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    mue = kb_dir / "tables" / "mue.yaml"
    mue.write_text(mue.read_text().replace('{code: "96413", payer: medicare, practitioner: 1, facility: 1,',
                                           '{code: "96413", payer: medicare, practitioner: 1, facility: 2,'))
    d = Decider(load_kb(kb_dir, cases=False))
    base = _case(Decider(load_kb(KB)), "pathway-mue-two-initial-infusion-units")
    assert [x["id"] for x in _check(d, base)["denials"]] == ["MUE-UNITS-EXCEEDED"]
    inst = copy.deepcopy(base)
    inst["claim"].update(form="institutional", type_of_bill="0131")
    inst["claim"].pop("place_of_service", None)
    assert "MUE-UNITS-EXCEEDED" not in [x["id"] for x in _check(d, inst)["denials"]]


def test_an_author_adds_a_code_pair_without_python(tmp_path):
    """A new row in kb/tables/ncci_pairs.yaml is a new edit; a row with an unknown code is a lint error."""
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    base = _case(Decider(load_kb(KB)), "pathway-second-initial-service-separate-iv-site")
    base["claim"]["lines"][9]["modifiers"] = []
    base["claim"]["lines"][9]["code"] = "96367"  # a sequential infusion: no pair in the shipped table
    assert _check(Decider(load_kb(kb_dir, cases=False)), base)["denials"] == []
    pairs = kb_dir / "tables" / "ncci_pairs.yaml"
    pairs.write_text(pairs.read_text() + '  - {column1: "99214", column2: "96367", modifier_indicator: 0, '
                     'effective_from: "2024-01-01", sources: ["https://example.org/ptp"], confidence: low}\n')
    rec = _check(Decider(load_kb(kb_dir, cases=False)), base)
    assert [(x["id"], x["line"]) for x in rec["denials"]] == [("NCCI-PTP-PAIR-NOT-BYPASSED", 10)]
    pairs.write_text(pairs.read_text() + '  - {column1: "96413", column2: "96999", modifier_indicator: 1, '
                     'effective_from: unknown, sources: ["https://example.org/ptp"], confidence: low}\n')
    from denialkb.engine.kb import check_kb

    _, problems = check_kb(kb_dir, cases=False)
    bad = [p for p in problems if p.severity == "error"]
    assert len(bad) == 1 and bad[0].code == "kb_unknown_ref" and "96999" in bad[0].message
    assert bad[0].file.endswith("tables/ncci_pairs.yaml") and bad[0].line > 0


def test_her2_rule_keyed_on_a_class_covers_a_new_drug_of_the_class(tmp_path):
    """HER2-ANTIBODY-WITH-ANTIBODY-DRUG-CONJUGATE's scope names the class trastuzumab_product (with pertuzumab_product): a new biosimilar that
    joins the class is checked without a rule edit; an unknown class in a scope is a located lint error."""
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    (kb_dir / "tables" / "new-biosimilar.yaml").write_text(
        'hcpcs:\n  Q5199: {descriptor: "Injection, trastuzumab-test, biosimilar, 10 mg", kind: drug, drug: trastuzumab-test,'
        ' unit_mg: 10, effective_from: "2025-01-01", sources: ["https://example.org/q5199"], confidence: low}\n'
        'drugs:\n  trastuzumab-test: {classes: [anti_her2, trastuzumab_product], route: IV,'
        ' sources: ["https://example.org/label"]}\n')
    d = Decider(load_kb(kb_dir, cases=False))
    data = _case(Decider(load_kb(KB)), "pathway-enhertu-pertuzumab-first-line-2026")
    data["claim"]["lines"][0].update(code="Q5199", units=41, modifiers=[])
    data["claim"]["lines"][0].pop("ndc")
    rec = _check(d, data)
    assert ("HER2-ANTIBODY-WITH-ANTIBODY-DRUG-CONJUGATE", 1) in [(x["id"], x["line"]) for x in rec["denials"]]
    rules = kb_dir / "rules" / "similar_codes.yaml"
    text = rules.read_text()
    assert text.count("drug_classes: [pertuzumab_product, trastuzumab_product]") == 1
    rules.write_text(text.replace("drug_classes: [pertuzumab_product, trastuzumab_product]",
                                  "drug_classes: [pertuzumab_product, trastuzumab_products]"))
    from denialkb.engine.kb import check_kb

    _, problems = check_kb(kb_dir, cases=False)
    bad = [p for p in problems if p.severity == "error"]
    assert [(p.code, p.rule) for p in bad] == [("kb_unknown_ref", "HER2-ANTIBODY-WITH-ANTIBODY-DRUG-CONJUGATE")]
    assert "trastuzumab_product" in bad[0].hint and bad[0].line > 0


PATHWAY_EXAMPLES = {  # examples/pathways/*.yaml: one bundled claim per issue-13 pathway, decided exactly
    "pathway-99211-on-chemotherapy-day": ("denied", ["EM-99211-WITH-DRUG-ADMINISTRATION@9"]),
    "pathway-ramucirumab-nsclc-egfr-without-targeted-therapy": ("denied", ["RAMUCIRUMAB-NSCLC-EGFR-WITHOUT-PRIOR-EGFR-THERAPY@1"]),
    "pathway-dose-billed-twice-across-ndc-lines": ("denied", ["UNITS-PER-DAY-EXCEED-DOSE@2"]),
    "pathway-drug-on-professional-claim-facility-pos": ("denied", ["DRUG-ON-PROFESSIONAL-CLAIM-FACILITY-POS@1"]),
    "pathway-enhertu-pertuzumab-first-line": ("clean", []),
    "pathway-ga-abn-patient-liable": ("denied", ["PERTUZUMAB-NEOADJUVANT-CRITERIA-NOT-MET@1"]),
    "pathway-herceptin-perjeta-nonpreferred-uhc": ("denied", ["BIOSIMILAR-PROGRAMME-NONPREFERRED-COMBINATION@1"]),
    "pathway-ndc-quantity-inconsistent": ("denied", ["NDC-QUANTITY-INCONSISTENT-WITH-UNITS@1"]),
    "pathway-medicare-advantage-billed-to-ffs": ("denied", ["MEDICARE-ADVANTAGE-ENROLLEE-BILLED-TO-FFS@1",
                                                            "MEDICARE-ADVANTAGE-ENROLLEE-BILLED-TO-FFS@2"]),
    "pathway-second-initial-service": ("denied", ["NCCI-PTP-PAIR-NOT-BYPASSED@8"]),
    "pathway-waste-without-jw-line": ("denied", ["JW-JZ-NEITHER-WITH-DOCUMENTED-WASTE@1"]),
    "pathway-two-vial-sizes-on-one-ndc-line": ("denied", ["NDC-TWO-VIAL-SIZES-ON-ONE-LINE@1",
                                                          "NDC-ADMINISTERED-VIAL-NDC-NOT-BILLED@1"]),
    "pathway-jw-beyond-whole-vials": ("denied", ["JW-UNITS-EXCEED-VIAL-WASTE@2", "JW-UNITS-BEYOND-WHOLE-VIALS@2"]),
}


def test_pathway_examples_are_the_listed_ones():
    from .conftest import EXAMPLES

    assert sorted(p.stem for p in (EXAMPLES / "pathways").glob("*.yaml")) == sorted(PATHWAY_EXAMPLES)


@pytest.mark.parametrize("stem", sorted(PATHWAY_EXAMPLES))
def test_pathway_example_decision(decider, stem):
    from .conftest import EXAMPLES

    rec = decider.check_file(EXAMPLES / "pathways" / f"{stem}.yaml")
    assert (rec["outcome"], [f"{d['id']}@{d['line']}" for d in rec["denials"]]) == PATHWAY_EXAMPLES[stem]
    if stem == "pathway-ga-abn-patient-liable":
        assert rec["denials"][0]["group"] == "PR"


# --- biosimilar preferred-product programmes (issue 13, pathway 10) -------------------------------------------------


@pytest.mark.parametrize("payer", ["uhc", "highmark"])
def test_programme_denial_is_co197_at_prior_authorization(decider, payer):
    data = _case(decider, "biosim-uhc-herceptin-first-dose")
    data["claim"]["payer"] = payer
    [d] = _check(decider, data)["denials"]
    assert (d["id"], d["line"], d["stage"], d["group"], d["carc"], d["rarc"]) == (
        "BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT", 1, "prior_authorization", "CO", "197", ["N130"])


def test_new_start_is_decided_from_each_history_source(decider):
    """Highmark: use of any trastuzumab product in the 180 days before the date of service makes a continuing
    patient, whichever part of the document shows it; day 181 is outside the look-back."""
    base = _case(decider, "biosim-highmark-herceptin-new-therapy")
    ids = lambda data: [d["id"] for d in _check(decider, data)["denials"]]  # noqa: E731
    assert ids(base) == ["BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT"]
    for day, denied in (("2023-09-17", False), ("2023-09-16", True)):  # 180 / 181 days before 2024-03-15
        data = copy.deepcopy(base)
        data["clinical"]["prior_therapies"] = [{"drug": "Trazimera", "start_date": "2023-06-01", "end_date": day}]
        assert ("BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT" in ids(data)) is denied, day
    data = copy.deepcopy(base)
    data["prior_claims"] = [{"id": "C-1", "status": "denied", "lines": [{"code": "Q5116", "service_date": "2024-02-23",
                                                                         "units": 42}]}]
    assert ids(data) == ["BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT"]  # a denied prior claim is no use
    data["prior_claims"][0]["status"] = "paid"
    assert ids(data) == []
    # an undated prior trastuzumab therapy cannot be placed in time: new start not known -> undetermined
    data = copy.deepcopy(base)
    data["clinical"]["prior_therapies"] = [{"drug": "trastuzumab"}]
    rec = _check(decider, data)
    assert rec["outcome"] == "undetermined" and rec["denials"] == []


def test_a_new_programme_and_payer_are_yaml_only(tmp_path):
    """A payer file with a preferred_products row (here: Ogivri preferred for everyone from 2023) is enough for the
    programme rules to apply; a preferred drug outside the class or an unknown class is a located lint error."""
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    payer = kb_dir / "payers" / "acme.yaml"
    payer.write_text(
        "payer:\n  id: acme\n  name: Acme Health\n  settings: {timely_filing_days: 180}\n"
        "  setting_sources: {timely_filing_days: https://example.org/acme}\n"
        "  stages: {clinical_review: prior_authorization}\n  stage_sources: {clinical_review: https://example.org/acme}\n"
        "  preferred_products:\n    - {id: acme-trastuzumab, drug_class: trastuzumab_product, preferred_drugs: [trastuzumab-dkst],\n"
        "       applies_to: all, effective_from: \"2023-01-01\", sources: [\"https://example.org/acme\"]}\n")
    d = Decider(load_kb(kb_dir, cases=False))
    data = _case(Decider(load_kb(KB)), "biosim-uhc-kanjinti-preferred")
    data["claim"]["payer"] = "acme"
    rec = _check(d, data)
    assert [(x["id"], x["line"]) for x in rec["denials"]] == [("BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT", 1)]
    assert "acme-trastuzumab" in rec["denials"][0]["explanation"]
    from denialkb.engine.authoring import lint_kb

    good = payer.read_text()
    for old, new, message in (("preferred_drugs: [trastuzumab-dkst]", "preferred_drugs: [pertuzumab]",
                               "preferred drug 'pertuzumab' is not of class trastuzumab_product"),
                              ("drug_class: trastuzumab_product", "drug_class: trastuzumab_products",
                               "unknown drug class 'trastuzumab_products'"),
                              ("applies_to: all", "applies_to: new_starts", "has no new_start_lookback_days")):
        payer.write_text(good.replace(old, new))
        _, problems = lint_kb(kb_dir)
        bad = [p for p in problems if p.severity == "error"]
        assert len(bad) == 1 and message in bad[0].message, [p.message for p in bad]
        assert bad[0].file.endswith("payers/acme.yaml") and bad[0].line > 0
def test_ndc_quantity_remittance_and_stage(decider):
    rec = _check(decider, _case(decider, "ndc-quantity-two-vials-of-ml-for-one-vial-of-units"))
    assert _codes(rec) == [("NDC-QUANTITY-INCONSISTENT-WITH-UNITS", 1, "CO", "16", ("M119",))]
    assert rec["denials"][0]["stage"] == "front_end"
    assert "28" in rec["denials"][0]["explanation"] and "14" in rec["denials"][0]["explanation"]


def test_ndc_unit_refusal_is_payer_data_and_the_tolerance_is_the_authors(tmp_path):
    """ME is refused only where the payer file says so; the 10 % tolerance is a number in the rule file."""
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    base = _case(Decider(load_kb(KB)), "ndc-unit-milligrams-refused")
    assert [x["id"] for x in _check(Decider(load_kb(KB, cases=False)), base)["denials"]] == ["NDC-UNIT-MG-REFUSED"]
    payer = kb_dir / "payers" / "commercial.yaml"
    payer.write_text(payer.read_text().replace("    ndc_unit_mg_refused: true\n", "    ndc_unit_mg_refused: false\n"))
    assert _check(Decider(load_kb(kb_dir, cases=False)), base)["denials"] == []
    near = _case(Decider(load_kb(KB)), "ndc-quantity-within-tolerance")
    near["claim"]["lines"][0]["ndc_quantity"] = 15.5  # 10.7 % over 14 mL, but 15.5 is not a whole-mL rounding of 14
    assert [x["id"] for x in _check(Decider(load_kb(KB, cases=False)), near)["denials"]] == [
        "NDC-QUANTITY-INCONSISTENT-WITH-UNITS"]
    rules = kb_dir / "rules" / "ndc_quantity.yaml"
    rules.write_text(rules.read_text().replace("line.ndc_quantity_deviation_percent, gt: 10}",
                                               "line.ndc_quantity_deviation_percent, gt: 20}"))
    assert _check(Decider(load_kb(kb_dir, cases=False)), near)["denials"] == []


def test_whole_vials_unknown_ndc_is_a_warning_not_a_denial():
    """Issue 13 item 3: a JW line without an NDC the KB lists leaves the whole-vial arithmetic unchecked, with a
    warning that names lines and codes only (no patient data)."""
    decider = Decider(load_kb(KB))
    rec = _check(decider, _case(decider, "jw-whole-vials-unknown-ndc-is-silent"))
    assert "JW-UNITS-BEYOND-WHOLE-VIALS" not in {d["id"] for d in rec["denials"]}
    warn = [w for w in rec["warnings"] if w["code"] == "whole_vials_not_checked"]
    assert warn and warn[0]["place"] == "claim.lines[1]" and "J9308" in warn[0]["message"]
    assert "P-0002" not in warn[0]["message"] and "1957" not in warn[0]["message"]
    rec = _check(decider, _case(decider, "jw-units-beyond-whole-vials"))
    assert "JW-UNITS-BEYOND-WHOLE-VIALS" in {d["id"] for d in rec["denials"]}
    assert not [w for w in rec["warnings"] if w["code"] == "whole_vials_not_checked"]
