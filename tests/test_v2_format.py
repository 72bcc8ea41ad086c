"""Claim document version 2 (FORMATS.md section 3) and the open-world engine: exact decisions.

The real infusion day (tests/data/v2/real-day-medicare.yaml) is pertuzumab + trastuzumab-qyyp +
docetaxel with premedication, the administration codes and an E/M visit; every drug's
administration is documented. Each test states the exact outcome and denials.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from denialkb.engine.claim import load_claim, validate_claim
from denialkb.engine.errors import ClaimInvalidError

from .conftest import EXAMPLES, SMALL

V2 = Path(__file__).parent / "data" / "v2"
REAL_DAY = V2 / "real-day-medicare.yaml"
COMMERCIAL_AUTH = [{"number": "PA-778", "codes": ["J9306", "96413"], "units": 2940, "units_used": 1260,
                    "status": "approved", "start_date": "2024-10-01", "end_date": "2025-03-31"}]


def day() -> dict:
    return copy.deepcopy(load_claim(REAL_DAY).data)


def check(decider, data) -> dict:
    return decider.check_document(validate_claim(data))


def denials(rec) -> list:
    return [f"{d['id']}@{d['line']}" for d in rec["denials"]]


def commercial(data) -> dict:
    data["claim"]["payer"] = "commercial"
    data["claim"]["prior_authorization"] = "PA-778"
    data["authorizations"] = copy.deepcopy(COMMERCIAL_AUTH)
    return data


def with_jw(data) -> dict:
    """The same visit at 68 kg: trastuzumab-qyyp 408 mg from three 150 mg vials, 42 mg discarded and
    documented in its own administration entry, billed as 41 units plus a JW line of 4 units."""
    data["patient"]["weight_kg"] = 68.0
    lines = data["claim"]["lines"]
    lines[2].update(units=41, modifiers=[])
    lines.insert(3, {"number": 12, "code": "Q5116", "modifiers": ["JW"], "units": 4, "service_date": "2024-11-15",
                     "ndc": "0069-0308-01", "charge": 240.0, "diagnosis_pointers": [1, 2]})
    adm = next(a for a in data["administrations"] if a["date"] == "2024-11-15" and a["drug"] == "Trazimera")
    adm.update(dose_mg=408, waste_mg=42, waste_reason="single-dose vial remainder")
    return data


# -- the real day -------------------------------------------------------------------------


def test_real_day_is_clean_on_medicare_with_warnings_for_what_is_not_modelled(decider):
    rec = check(decider, day())
    assert (rec["outcome"], denials(rec), rec["missing_information"]) == ("clean", [], [])
    # the KB now models every code and drug of this day (premedication, E/M and administration
    # codes are kind rows, kb/tables): nothing is out of scope
    assert rec["warnings"] == []
    doc = day()
    doc["claim"]["lines"].append({"number": 12, "code": "J9045", "units": 1, "service_date": "2024-11-15"})
    rec = check(decider, doc)
    assert (rec["outcome"], denials(rec)) == ("clean", [])
    assert [(w["code"], w["place"]) for w in rec["warnings"]] == [("code_not_modelled", "claim.lines[11].code")]
    assert rec["warnings"][0]["message"] == ("J9045 on line 12 is not modelled by this knowledge base: no rule for drug "
                                             "or administration lines applies to it")


def test_real_day_is_clean_on_commercial_with_a_valid_authorization(decider):
    rec = check(decider, commercial(day()))
    assert (rec["outcome"], denials(rec)) == ("clean", [])


def test_jw_line_for_the_biosimilars_documented_waste_is_clean(decider):
    for data in (with_jw(day()), commercial(with_jw(day()))):
        rec = check(decider, data)
        assert (rec["outcome"], denials(rec)) == ("clean", [])
    facts = decider.decide(validate_claim(with_jw(day()))).facts
    jw = facts.lines[3]
    assert (jw["line.drug"], jw["line.documented_waste_mg"], jw["line.expected_units"]) == ("trastuzumab-qyyp", 42, 4)
    # the pertuzumab line keeps its own record (no waste), not the biosimilar's
    assert facts.lines[1]["line.documented_waste_mg"] == 0


def test_jw_line_without_the_biosimilars_waste_is_denied_on_that_line_only(decider):
    data = with_jw(day())
    adm = next(a for a in data["administrations"] if a["date"] == "2024-11-15" and a["drug"] == "Trazimera")
    del adm["waste_mg"]
    # not stated and no records requested: not known, so not a denial (absent is not "not documented")
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec)) == ("clean", [])
    # the payer requested and received the records, and the biosimilar's administration states no waste
    data.setdefault("documentation", {})["records_request"] = {"requested_on": "2024-12-02", "received": True}
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec)) == ("denied", ["DOC-WASTE-NOT-DOCUMENTED@12"])


def test_96415_is_measured_against_the_longest_single_infusion(decider):
    facts = decider.decide(validate_claim(day())).facts
    assert facts.lines[9]["line.code"] == "96415"
    assert facts.lines[9]["line.day_longest_infusion_minutes"] == 95  # docetaxel 10:30-12:05
    data = day()
    doc = next(a for a in data["administrations"] if a["date"] == "2024-11-15" and a["drug"] == "docetaxel")
    doc["end"] = "2024-11-15T11:30"  # 60 minutes: the 3-hour visit span no longer supports 96415
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec)) == ("denied", ["ADMIN-96415-TIME-NOT-SUPPORTED@10"])


def test_removing_documentation_and_authorizations_is_undetermined_never_denied(decider):
    for payer_data in (day(), commercial(day())):
        data = copy.deepcopy(payer_data)
        data.pop("documentation")
        data.pop("authorizations")
        rec = check(decider, data)
        assert (rec["outcome"], denials(rec)) == ("undetermined", [])
        names = [m["fact"] for m in rec["missing_information"]]
        want = ["documentation"] + (["authorizations"] if payer_data["claim"]["payer"] == "commercial" else [])
        assert sorted(names) == sorted(want)
        doc = next(m for m in rec["missing_information"] if m["fact"] == "documentation")
        assert "DOC-RECORD-NOT-ON-FILE@line:2" in doc["needed_by"]
        assert doc["derived_facts"] == ["documentation.record_available"]


def test_records_requested_and_not_received_is_the_no_record_denial(decider):
    data = day()
    data["documentation"] = {"records_request": {"requested_on": "2025-01-10", "received": False}}
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec)) == ("denied", ["DOC-RECORD-NOT-ON-FILE@2", "DOC-RECORD-NOT-ON-FILE@3"])


def test_unknown_history_drug_is_a_warning_and_the_claim_is_decided(decider):
    data = day()
    data["clinical"]["prior_therapies"].append({"drug": "trabectedin", "setting": "adjuvant", "progressed": False})
    # osimertinib, then pemetrexed and ribociclib became KB drugs (egfr_inhibitor; F3/F22 classes)
    data["clinical"]["concurrent_drugs"].append("imlunestrant")
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec)) == ("clean", [])
    w = [x for x in rec["warnings"] if x["place"].startswith("clinical.")]
    assert [(x["code"], x["place"]) for x in w] == [("drug_not_modelled", "clinical.concurrent_drugs[3]"),
                                                    ("drug_not_modelled", "clinical.prior_therapies[2].drug")]
    facts = decider.decide(validate_claim(data)).facts
    assert "trabectedin" in facts.claim["clinical.prior_therapy_drugs"]
    assert facts.claim["clinical.prior_therapy_classes"] == ("alkylating_agent", "anthracycline")  # no class for it


def test_a_misspelt_drug_warning_suggests_the_name(decider):
    data = day()
    data["clinical"]["concurrent_drugs"][0] = "pertuzumabb"
    rec = check(decider, data)
    w = next(x for x in rec["warnings"] if x["place"] == "clinical.concurrent_drugs[0]")
    assert w["message"] == ("drug 'pertuzumabb' is not modelled by this knowledge base; it belongs to no drug class "
                            "(did you mean 'pertuzumab'?)")


# -- open world ---------------------------------------------------------------------------


def test_a_line_the_kb_does_not_model_never_takes_the_documented_drug(decider):
    """A carboplatin line (J9045, a code the KB does not model) with an NDC next to a version-1
    pertuzumab record: before v2 an unmodelled line took documentation.drug and was denied as 'not a
    product of pertuzumab'."""
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["claim"]["lines"].append({"number": 3, "code": "J9045", "units": 130, "service_date": "2024-03-15",
                                  "ndc": "0409-0201-10"})
    rec = check(decider, doc)
    assert (rec["outcome"], denials(rec), rec["missing_information"]) == ("clean", [], [])
    # one warning per out-of-scope line: its NDC says nothing the code warning has not said
    assert [(w["code"], w["place"]) for w in rec["warnings"]] == [("code_not_modelled", "claim.lines[2].code")]
    facts = decider.decide(validate_claim(doc)).facts
    assert facts.lines[2]["line.drug"] is None and facts.lines[2]["line.code_known"] is False


@pytest.mark.parametrize("code", ["J9045", "J2469", "Q0138"])
def test_each_unmodelled_code_alone_leaves_a_clean_claim_clean(decider, code):
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["claim"]["lines"].append({"number": 3, "code": code, "units": 1, "service_date": "2024-03-15"})
    rec = check(decider, doc)
    assert (rec["outcome"], denials(rec), rec["missing_information"]) == ("clean", [], [])


def test_timely_filing_still_applies_to_an_unmodelled_line(decider):
    """Out of scope means no drug or administration rule; a claim-wide limit (filing) still holds."""
    doc = load_claim(SMALL / "pertuzumab-timely-filing-medicare.yaml").data
    doc["claim"]["lines"].append({"number": 3, "code": "J9045", "units": 1,
                                  "service_date": doc["claim"]["lines"][0]["service_date"]})
    rec = check(decider, doc)
    assert denials(rec) == ["TIMELY-FILING-EXPIRED@1", "TIMELY-FILING-EXPIRED@2", "TIMELY-FILING-EXPIRED@3"]


def test_missing_information_never_names_a_computed_fact(decider):
    """Over every example and golden case: each missing input is a document path (or the input fact
    itself), never a fact the engine computes."""
    from denialkb.engine.cases import case_document
    from denialkb.engine.facts import _present, fact_catalog

    cat = fact_catalog(decider.kb)
    docs = [load_claim(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    docs += [validate_claim(case_document(c, decider.kb.root)) for c in decider.kb.cases]
    seen = 0
    for doc in docs:
        for m in decider.check_document(doc)["missing_information"]:
            seen += 1
            spec = cat.get(m["fact"])
            assert spec is None or spec.source == m["fact"], f"{doc.file}: {m['fact']} is a computed fact"
            # a value the KB lacks (a drug without vial sizes) is a warning, never missing information (F6)
            assert not m["fact"].startswith("kb:"), f"{doc.file}: {m['fact']} is a KB table, not a claim input"
            assert m["fact"].split(".")[0].split("[")[0] in ("claim", "patient", "coverage", "providers",
                                                              "authorizations", "abn", "clinical", "administrations",
                                                              "documentation", "prior_claims")
            # and it is really missing: naming an input the document holds sends the user in circles
            # ("administrations" alone: add the entry of the line's drug on its date)
            assert m["fact"] == "administrations" or not _present(doc.data, m["fact"]), (
                f"{doc.file}: {m['fact']} is present")
    assert seen > 10


# -- absent is not "no", over the whole KB ------------------------------------------------

SECTIONS = ("patient", "coverage", "providers", "authorizations", "abn", "clinical", "administrations",
            "documentation", "prior_claims")


def _clean_bases(decider):
    from denialkb.engine.cases import case_document

    out = [(p.name, load_claim(p).data) for p in sorted(EXAMPLES.glob("*.yaml"))]
    out += [(c.id, case_document(c, decider.kb.root)) for c in decider.kb.cases]
    out.append((REAL_DAY.name, day()))
    out.append(("real-day-commercial", commercial(day())))
    return out


def test_removing_any_section_never_adds_a_denial(decider):
    """Every example and golden case of the KB, and the real day: removing any top-level section
    (absent = not known) never adds a denial. Measured over every rule of kb/rules."""
    tried = 0
    for name, data in _clean_bases(decider):
        base = {(d["id"], d["line"]) for d in check(decider, data)["denials"]}
        for sec in SECTIONS:
            if sec not in data:
                continue
            cut = copy.deepcopy(data)
            del cut[sec]
            got = {(d["id"], d["line"]) for d in check(decider, cut)["denials"]}
            assert got <= base, f"{name}: removing {sec} added {sorted(got - base)}"
            tried += 1
    assert tried > 500


# -- version 1 fields read as an administration; contradictions ---------------------------


def test_v1_documentation_is_read_as_todays_administration(decider):
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml")
    facts = decider.decide(doc).facts
    ln = facts.lines[0]
    assert (ln["line.documented_lot_number"], ln["line.documented_route"], ln["line.infusion_minutes"],
            ln["line.documented_waste_mg"], ln["line.administration_on_file"]) == ("H0123", "IV", 40, 0, True)
    # the version-1 place is kept for what the v1 field stated
    assert facts.adm_places[0].place_of("lot_number") == "documentation.lot_number"


@pytest.mark.parametrize("field,v1,v2", [("dose_mg", 420, 840), ("route", "IV", "SC"),
                                         ("lot_number", "H0123", "H9999"), ("waste_mg", 0, 20),
                                         ("infusion_start", "2024-03-15T09:10", "2024-03-15T09:20")])
def test_a_contradiction_between_the_two_forms_names_both_places(decider, field, v1, v2):
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["documentation"][field] = v1
    key = {"infusion_start": "start"}.get(field, field)
    doc["administrations"][3][key] = v2  # the 2024-03-15 pertuzumab entry
    if key != "dose_mg":
        doc["administrations"][3]["dose_mg"] = 420
    with pytest.raises(ClaimInvalidError) as e:
        check(decider, doc)
    (p,) = e.value.problems
    assert p.place == f"documentation.{field}"
    assert p.message == (f"documentation.{field} and administrations[3].{key} describe the same administration "
                         "(pertuzumab on 2024-03-15) with different values")


def test_the_same_value_both_ways_is_no_contradiction(decider):
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["administrations"][3].update(route="IV", lot_number="H0123")
    assert check(decider, doc)["outcome"] == "clean"


def test_a_brand_name_and_the_generic_are_the_same_administration(decider):
    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["administrations"][3]["drug"] = "Perjeta"
    doc["administrations"][3]["dose_mg"] = 840
    with pytest.raises(ClaimInvalidError):
        check(decider, doc)


def test_the_cli_exits_2_on_a_self_contradictory_document(tmp_path):
    from .conftest import run_cli

    doc = load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data
    doc["documentation"]["dose_mg"] = 400
    import yaml

    f = tmp_path / "contradiction.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False))
    r = run_cli("check", f)
    assert r.returncode == 2
    assert "documentation.dose_mg and administrations[3].dose_mg describe the same administration" in r.stderr
    assert "P-0001" not in r.stderr  # no patient data in the error


# -- authorizations -----------------------------------------------------------------------


def _auth_case(decider, **auth):
    data = commercial(day())
    data["authorizations"][0].update(auth)
    return check(decider, data), decider.decide(validate_claim(data)).facts.lines[1]


def test_auth_with_codes_covers_each_code(decider):
    rec, ln = _auth_case(decider, codes=["96413", "J9306"])
    assert (rec["outcome"], ln["line.auth_status"], ln["line.auth_units_remaining"]) == ("clean", "valid", 1680)


def test_auth_with_a_single_code_key_stays_valid(decider):
    data = commercial(day())
    a = data["authorizations"][0]
    del a["codes"]
    a["code"] = "J9306"
    assert check(decider, data)["outcome"] == "clean"


def test_units_used_reported_by_the_payer_wins_over_counting(decider):
    rec, ln = _auth_case(decider, units_used=2700)
    assert ln["line.auth_units_remaining"] == 240
    assert denials(rec) == ["PRIOR-AUTH-UNITS-EXCEEDED@2"]


def test_without_units_used_paid_prior_claims_are_counted(decider):
    data = commercial(day())
    del data["authorizations"][0]["units_used"]
    ln = decider.decide(validate_claim(data)).facts.lines[1]
    assert ln["line.auth_units_remaining"] == 2940 - 420


def test_denied_and_voided_prior_claims_consume_nothing(decider):
    for status in ("denied", "voided"):
        data = commercial(day())
        del data["authorizations"][0]["units_used"]
        data["prior_claims"][0]["status"] = status
        ln = decider.decide(validate_claim(data)).facts.lines[1]
        assert ln["line.auth_units_remaining"] == 2940, status
    data = commercial(day())
    del data["authorizations"][0]["units_used"]
    data["prior_claims"][0].update(status="paid", frequency_code="8")
    assert decider.decide(validate_claim(data)).facts.lines[1]["line.auth_units_remaining"] == 2940


@pytest.mark.parametrize("status", ["denied", "pending"])
def test_a_denied_or_pending_authorization_is_no_authorization(decider, status):
    rec, ln = _auth_case(decider, status=status)
    assert ln["line.auth_status"] == status
    assert denials(rec) == ["PRIOR-AUTH-ABSENT@2"]


def test_empty_authorizations_is_no_authorization_absent_is_not_known(decider):
    data = commercial(day())
    data["authorizations"] = []
    assert denials(check(decider, data)) == ["PRIOR-AUTH-ABSENT@2"]
    del data["authorizations"]
    rec = check(decider, data)
    assert (rec["outcome"], denials(rec), [m["fact"] for m in rec["missing_information"]]) == (
        "undetermined", [], ["authorizations"])


def test_auth_product_is_compared_with_the_billed_ndc(decider):
    _, ln = _auth_case(decider, ndc="50242-0145-01")
    assert ln["line.auth_product_matches"] is True
    _, ln = _auth_case(decider, ndc="50242-0245-01")
    assert ln["line.auth_product_matches"] is False
    _, ln = _auth_case(decider)
    assert ln["line.auth_product_matches"] is None


# -- corrected claims ----------------------------------------------------------------------


def _resubmitted(freq, original):
    data = day()
    data["prior_claims"] = [{"id": "RD-2024-1115-ORIG", "status": "paid",
                             "lines": [{"code": "J9306", "service_date": "2024-11-15", "units": 420,
                                        "modifiers": ["JZ"]}]}]
    data["claim"]["frequency_code"] = freq
    if original:
        data["claim"]["original_claim_id"] = original
    return data


def test_a_replacement_or_void_of_a_prior_claim_is_not_a_duplicate(decider):
    assert denials(check(decider, _resubmitted("1", None))) == ["DUPLICATE-OF-PRIOR-CLAIM@2"]
    for freq in ("7", "8"):
        rec = check(decider, _resubmitted(freq, "RD-2024-1115-ORIG"))
        assert denials(rec) == [], freq
    # a replacement naming another claim is still a duplicate of this one
    assert denials(check(decider, _resubmitted("7", "OTHER"))) == ["DUPLICATE-OF-PRIOR-CLAIM@2"]
    facts = decider.decide(validate_claim(_resubmitted("8", "RD-2024-1115-ORIG"))).facts
    assert (facts.claim["claim.is_void"], facts.claim["claim.is_replacement"]) == (True, False)


# -- the decision record additions ---------------------------------------------------------


def test_amount_at_risk_is_the_paid_amount_else_the_charge_counted_once_per_line(decider):
    data = day()
    data["clinical"]["biomarkers"].pop("her2")  # two denials on the pertuzumab line (2), one on Trazimera's (3)
    for a in data["administrations"]:
        if a["date"] == "2024-11-15" and a["drug"] == "pertuzumab":
            del a["route"]
    data.setdefault("documentation", {})["records_request"] = {"requested_on": "2024-12-02", "received": True}
    rec = check(decider, data)
    assert denials(rec) == ["PERTUZUMAB-HER2-NOT-DOCUMENTED@2", "DOC-ROUTE-NOT-DOCUMENTED@2",
                            "PERTUZUMAB-HER2-NOT-DOCUMENTED@3"]
    assert [d["amount_at_risk"] for d in rec["denials"]] == [4800.0, 4800.0, 2700.0]  # charges
    assert rec["amount_at_risk"] == 7500.0  # line 2 counted once
    data["claim"]["lines"][1]["paid_amount"] = 3280.0
    rec = check(decider, data)
    assert [d["amount_at_risk"] for d in rec["denials"]] == [3280.0, 3280.0, 2700.0]  # paid amount when known
    assert rec["amount_at_risk"] == 5980.0


def test_amount_at_risk_of_a_clean_claim_is_zero_and_unknown_without_a_charge(decider):
    assert check(decider, day())["amount_at_risk"] == 0
    rec = check(decider, load_claim(SMALL / "pertuzumab-jw-whole-vial.yaml").data)
    assert rec["denials"] and all(d["amount_at_risk"] is None for d in rec["denials"] if d["line"] == 3)


def test_kb_accepts_the_prior_authorization_and_medical_review_stages(tmp_path):
    import shutil

    from denialkb.engine.kb import check_kb

    from .conftest import KB

    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    f = kb / "rules" / "payer.yaml"
    text = f.read_text()
    assert "stage: adjudication" in text
    f.write_text(text.replace("stage: adjudication", "stage: medical_review", 1))
    f = kb / "rules" / "claim_integrity.yaml"
    f.write_text(f.read_text().replace("stage: front_end", "stage: prior_authorization", 1))
    loaded, problems = check_kb(kb)
    assert [p for p in problems if p.severity == "error"] == []
    stages = {r.denial["stage"] for r in loaded.rules if r.conclusion == "denial"}
    assert {"medical_review", "prior_authorization"} <= stages


# -- version 2 fields: present, absent -------------------------------------------------------

V2_FACTS = {  # fact -> (value in the real day or the section-3 example, document path)
    "claim.format_version": 2, "claim.frequency_code": "1", "providers.billing.npi": "1234567893",
    "providers.billing.entity_type": "physician_office", "providers.billing.program_340b": False,
    "providers.rendering.taxonomy": "207RX0202X", "coverage.plan_type": "medicare_ffs",
    "patient.height_cm": 165, "patient.weight_date": "2024-11-15", "patient.bsa_m2": 1.85,
    "clinical.cancer.stage": "IV", "clinical.cancer.histology": "adenocarcinoma", "clinical.biomarkers.er": "positive",
    "clinical.biomarkers.pr": "negative", "clinical.latest_response_regimen": ("docetaxel", "pertuzumab",
                                                                               "trastuzumab-qyyp"),
    "clinical.stopped_for_toxicity_drugs": (), "documentation.record_available": True,
}


def test_v2_claim_facts_present_and_absent(decider):
    facts = decider.decide(validate_claim(day())).facts.claim
    for k, v in V2_FACTS.items():
        assert facts[k] == v, k
    bare = validate_claim({"claim": {"id": "X", "payer": "medicare", "diagnoses": ["C50.911"],
                                     "lines": [{"code": "J9306", "units": 420, "service_date": "2024-03-15"}]}})
    facts = decider.decide(bare).facts.claim
    for k in V2_FACTS:
        if k == "claim.format_version":
            assert facts[k] == 1
        else:
            assert facts[k] is None, k


def test_section_3_example_validates_and_is_decided(decider):
    doc = load_claim(V2 / "formats-section3-example.yaml")
    rec = decider.check_document(doc)
    # kbfix narrowed PERTUZUMAB-MBC-AFTER-METASTATIC-THERAPY (kb-review section 1): the
    # example's prior oxaliplatin no longer makes metastatic pertuzumab a denial
    assert (rec["outcome"], denials(rec)) == ("clean", [])
    assert rec["amount_at_risk"] == 0
    f = decider.decide(doc).facts
    c, ln = f.claim, f.lines[0]
    assert (c["clinical.biomarkers.her2.ish_ratio"], c["clinical.biomarkers.her2.copy_number"],
            c["clinical.biomarkers.alk"], c["clinical.biomarkers.ras"], c["coverage.other_coverage_primary"],
            c["clinical.prior_lines_of_therapy"], c["documentation.records_requested"],
            c["documentation.clinical_justification_documented"], c["claim.original_claim_id"]) == (
        2.4, 6.1, "negative", "wild_type", True, 1, True, True, "CLM-0099")
    assert (ln["line.place_of_service"], ln["line.service_date_end"], ln["line.allowed_amount"], ln["line.paid_amount"],
            ln["line.abn_on_file"], ln["line.auth_units_remaining"], ln["line.administered_ndc"]) == (
        "11", "2024-03-15", 4100.0, 3280.0, True, 1680, "50242014501")
    # Phesgo's earlier dose: the component doses are its dose (the J9316 combined-mg convention)
    phesgo = [a for a in f.document["administrations"] if a["drug"] == "phesgo"]
    assert phesgo and phesgo[0]["components"] == {"pertuzumab_mg": 600, "trastuzumab_mg": 600}


def test_component_doses_give_the_combined_dose_of_a_fixed_dose_combination(decider):
    doc = load_claim(SMALL / "phesgo-clean-medicare.yaml").data
    today = doc["claim"]["lines"][0]["service_date"]
    for a in doc["administrations"]:
        if a["date"] == today:
            a.pop("dose_mg", None)
            a["components"] = {"pertuzumab_mg": 600, "trastuzumab_mg": 600}
    doc["documentation"].pop("dose_mg", None)
    f = decider.decide(validate_claim(doc)).facts
    assert f.lines[0]["line.dose_mg"] == 1200
    assert check(decider, doc)["outcome"] == "clean"


@pytest.mark.parametrize("patch,place,message", [
    ({"format_version": 3}, "format_version", "found integer 3"),
    ({"claim.frequency_code": "A"}, "claim.frequency_code", "found 'A'"),
    ({"claim.lines[0].place_of_service": 11}, "claim.lines[0].place_of_service", "expected a string, found integer 11"),
    ({"claim.lines[0].paid_amount": -1}, "claim.lines[0].paid_amount", "found integer -1"),
    ({"providers.billing.npi": "123"}, "providers.billing.npi", "found '123'"),
    ({"providers.billing.entity_type": "clinic"}, "providers.billing.entity_type", "found 'clinic'"),
    ({"coverage.plan_type": "hmo"}, "coverage.plan_type", "found 'hmo'"),
    ({"authorizations[0].status": "ok"}, "authorizations[0].status", "found 'ok'"),
    ({"clinical.biomarkers.er": "pos"}, "clinical.biomarkers.er", "found a string of 3 characters"),
    ({"clinical.prior_therapies[0].stop_reason": "cost"}, "clinical.prior_therapies[0].stop_reason",
     "found a string of 4 characters"),
    ({"administrations[9].route": "IM"}, "administrations[9].route", "found 'IM'"),
    ({"administrations[9].components": {"pertuzumab": 600}}, "administrations[9].components.pertuzumab",
     "unknown key 'pertuzumab' in administrations[9].components"),
    ({"documentation.records_request.received": "no"}, "documentation.records_request.received",
     "expected true or false or null, found 'no'"),
    ({"prior_claims[0].status": "rejected"}, "prior_claims[0].status", "found 'rejected'"),
    ({"abn[0].date": "soon"}, "abn[0].date", "'soon' is not a valid date"),
])
def test_invalid_v2_fields_are_located_errors(patch, place, message):
    from denialkb.engine.cases import set_path

    data = day()
    data.setdefault("abn", [{"date": "2024-11-01", "codes": ["J9306"], "signed": True}])
    data["authorizations"] = copy.deepcopy(COMMERCIAL_AUTH)
    for path, value in patch.items():
        set_path(data, path, value)
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(data)
    got = [(p.place, p.message) for p in e.value.problems]
    assert any(pl == place and message in msg for pl, msg in got), got


def test_an_authorization_needs_a_code_or_codes():
    data = day()
    data["authorizations"] = [{"number": "PA-1", "units": 10}]
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(data)
    (p,) = e.value.problems
    assert (p.place, p.message, p.expected) == ("authorizations[0]", "required key is missing",
                                                "a value for 'code' or 'codes'")


def test_administration_times_and_span_dates_must_be_in_order():
    data = day()
    data["administrations"][9]["end"] = "2024-11-15T08:00"
    data["claim"]["lines"][1]["service_date_end"] = "2024-11-01"
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(data)
    assert sorted(p.place for p in e.value.problems) == ["administrations[9].end", "claim.lines[1].service_date_end"]


def test_a_value_the_kb_lacks_is_a_warning_not_undetermined(decider):
    """Redteam F6: an Enhertu JW line whose product (container, vial sizes) the KB does not hold. The rules that need
    those values are silent, the record warns once per line and table, and the claim is not undetermined."""
    from denialkb.engine.cases import case_document

    case = next(c for c in decider.kb.cases if c.id == "enhertu-jw-line-the-kb-has-no-vials-for")
    rec = decider.check_document(validate_claim(case_document(case, decider.kb.root)))
    assert (rec["outcome"], rec["denials"], rec["missing_information"]) == ("clean", [], [])
    gaps = [w for w in rec["warnings"] if w["code"] == "kb_value_not_modelled"]
    assert [(w["place"], w["message"]) for w in gaps] == [
        ("claim.lines[4]", "line 5 (J9358): this knowledge base does not hold line.container, line.max_waste_units "
                           "(tables/drugs.yaml), so rules JW-ON-MULTI-DOSE-VIAL, JW-UNITS-EXCEED-VIAL-WASTE were not "
                           "evaluated (out of the KB's scope, not a problem with the claim)")]
    # the same line with its container known (a Perjeta vial) is evaluated: no warning
    doc = case_document(case, decider.kb.root)
    doc["claim"]["lines"][0].pop("modifiers", None)
    assert not [w for w in check(decider, doc)["warnings"] if w["code"] == "kb_value_not_modelled"
                and w["place"] == "claim.lines[0]"]


def test_no_ndc_warning_for_a_code_whose_drug_has_no_products(decider):
    """Redteam F5: docetaxel (J9171) is known only as a partner-drug code, with no products in the KB, so its NDC is
    not reported; an NDC the KB lacks for pertuzumab (whose products it holds) still is."""
    doc = day()
    line = next(ln for ln in doc["claim"]["lines"] if ln["code"] == "J9306")
    doc["claim"]["lines"].append({"number": len(doc["claim"]["lines"]) + 1, "code": "J9171", "units": 130,
                                  "service_date": line["service_date"], "ndc": "00409-0201-02", "ndc_quantity": 13,
                                  "ndc_unit": "ML"})
    line["ndc"] = "50242-0999-01"
    warned = {w["place"] for w in check(decider, doc)["warnings"] if w["code"] == "ndc_not_modelled"}
    i = doc["claim"]["lines"].index(line)
    assert f"claim.lines[{i}].ndc" in warned
    assert f"claim.lines[{len(doc['claim']['lines']) - 1}].ndc" not in warned
