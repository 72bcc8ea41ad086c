"""Metamorphic tests against false denials: every claim decided clean today - the bundled examples and pathway
examples that are clean, and the unseen claims (tests/data/unseen) a payer pays and denialkb agrees with - is changed in
ways a payer's decision does not depend on, and the decision must not change: the same outcome, the same set of
(rule, line) denials (line numbers mapped when lines move), and no `undetermined`. Each transformation is its own
parametrized test; the baselines are decided once per session (``_BASE``).

Where a transformation could change the decision for a policy reason, the reason is written next to it and the
transformation avoids that case (it is not weakened otherwise). A violation that is a false denial is a finding in
/work/wt/STATUS/metamorph-findings.md and a strict xfail here (``KNOWN``), so a fix flips the test.

The relations: lines the KB does not model added on the same date (labs, port access, antiemetics, an unrelated
drug with its diagnosis); lines reversed and rotated, secondary diagnoses reversed, the record's histories listed in
reverse; codes, NDCs and drug names spelled another way FORMATS.md allows; identifiers renamed, another valid billing
NPI; an unknown payer (an input error, never a denial) and the generic commercial profile for a named plan; charges
changed and an earlier receipt date; an earlier weight, earlier agreeing assessments, an earlier paid claim for a
previous cycle; each optional field dropped (undetermined allowed there: the fact is then unknown).

Not a transformation here: "a second, older HER2 report that agrees" - a claim document holds one HER2 result
(`clinical.biomarkers.her2` is an object, FORMATS.md s.1/s.3), so it cannot be written."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import DenialKBError
from denialkb.engine.formats.clinical import _dates_to_iso

from .conftest import EXAMPLES, ROOT
from .test_pathways import PATHWAY_EXAMPLES

UNSEEN = ROOT / "tests" / "data" / "unseen"
GOLDEN = ROOT / "tests" / "golden"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _clean_bases() -> dict[str, Path]:
    """name -> path of every claim decided clean today, chosen from the pinned decisions (no KB load at collection):
    the examples' golden records, the pathway examples' listed decisions, the unseen claims' kb_agreed.yaml."""
    out = {}
    for p in sorted(EXAMPLES.glob("*.yaml")):
        if json.loads((GOLDEN / f"{p.stem}.json").read_text())["outcome"] == "clean":
            out[p.stem] = p
    for stem, (outcome, _) in sorted(PATHWAY_EXAMPLES.items()):
        if outcome == "clean":
            out[stem] = EXAMPLES / "pathways" / f"{stem}.yaml"
    expected = yaml.load((UNSEEN / "expected.yaml").read_text(), Loader=_Loader)
    agreed = yaml.load((UNSEEN / "kb_agreed.yaml").read_text(), Loader=_Loader)
    for name, e in sorted(expected.items()):
        if e["outcome"] == "clean" and agreed.get(name, {}).get("outcome") == "clean":
            out[name] = UNSEEN / f"{name}.yaml"
    return out


BASES = _clean_bases()
DOCS = {n: _dates_to_iso(yaml.load(p.read_text(), Loader=_Loader)) for n, p in BASES.items()}

#: (transformation, base) -> finding id in /work/wt/STATUS/metamorph-findings.md (strict xfail until fixed)
KNOWN: dict[tuple[str, str], str] = {
    # MM-F4 fixed (r3fix): a prior FP/platinum therapy stating neither `progressed` nor a stop_reason leaves the
    # gastric prior-therapy rule silent
}

_BASE: dict[str, dict] = {}


def _decide(decider, data) -> dict:
    return decider.check_document(validate_claim(copy.deepcopy(data)))


def _summary(rec) -> tuple:
    return rec["outcome"], sorted({(d["id"], d["line"]) for d in rec["denials"]}, key=str)


def _base(decider, name) -> dict:
    if name not in _BASE:
        _BASE[name] = _decide(decider, DOCS[name])
    rec = _BASE[name]
    assert rec["outcome"] == "clean" and not rec["denials"], f"{name} is no longer clean: {_summary(rec)}"
    return rec


def _params(transform: str, names) -> list:
    out = []
    for n in names:
        marks = []
        if (transform, n) in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=f"metamorph finding {KNOWN[(transform, n)]}"))
        out.append(pytest.param(n, id=n, marks=marks))
    return out


def _assert_same(decider, name, variant, line_map=None, ignore_lines=()):
    """The variant decides as the (clean) base: same outcome, same denials (base line n is variant line
    line_map[n]); denials of ``ignore_lines`` (lines the transformation added, where it says why) are not compared."""
    base = _base(decider, name)
    line_map = line_map or {}
    want = sorted({(d["id"], line_map.get(d["line"], d["line"])) for d in base["denials"]}, key=str)
    rec = _decide(decider, variant)
    got = sorted({(d["id"], d["line"]) for d in rec["denials"] if d["line"] not in ignore_lines}, key=str)
    outcome = rec["outcome"]
    if ignore_lines and outcome == "denied" and not got:
        outcome = base["outcome"]
    assert (outcome, got) == (base["outcome"], want), (
        f"{name}: {outcome} {got} missing={[m['fact'] for m in rec['missing_information']]}")
    return rec


# -- helpers ---------------------------------------------------------------------------------------------------------


def _first_date(doc) -> str:
    return min(ln["service_date"] for ln in doc["claim"]["lines"])


def _days(iso: str, n: int) -> str:
    return (dt.date.fromisoformat(iso[:10]) + dt.timedelta(days=n)).isoformat()


def _institutional(doc) -> bool:
    return doc["claim"].get("form") == "institutional"


def _add_lines(doc, rows) -> tuple[dict, list[int]]:
    """doc with ``rows`` (code, units, revenue code, extra fields) appended as lines on the claim's first date of
    service, pointing at the primary diagnosis; returns the copy and the new line numbers."""
    d = copy.deepcopy(doc)
    lines = d["claim"]["lines"]
    top = max(ln.get("number", i + 1) for i, ln in enumerate(lines))
    day = _first_date(d)
    added = []
    for k, (code, units, rev, extra) in enumerate(rows, start=1):
        ln = {"number": top + k, "code": code, "units": units, "service_date": day, "diagnosis_pointers": [1]}
        if any("charge" in x for x in lines):
            ln["charge"] = 25.00
        if _institutional(d):
            ln["revenue_code"] = rev
        ln.update(copy.deepcopy(extra))
        lines.append(ln)
        added.append(top + k)
    return d, added


def _codes(doc) -> set[str]:
    return {str(ln.get("code", "")).upper() for ln in doc["claim"]["lines"]}


# -- 1. lines the KB does not model, on the same date ------------------------------------------------------------


def test_the_codes_added_are_not_modelled(kb):
    """The added codes must be outside the KB (else the relation is not "a payer's decision does not depend on it"):
    if one becomes modelled, choose another or argue why it is correct on that day."""
    for code in ("85025", "80053", "96523", "36591", "J2469", "J1453", "J0897"):
        assert code not in kb.hcpcs, code


LABS = [("85025", 1, "0300", {}), ("80053", 1, "0301", {})]
#: antiemetic premedication (palonosetron 0.25 mg = 10 x 25 mcg, fosaprepitant 150 mg), with their NDCs since
#: commercial plans want an NDC on every drug line; the administration codes for them are simply not billed (an
#: unbilled service is not a denial)
ANTIEMETICS = [("J2469", 10, "0636", {"ndc": "62856-0797-01", "ndc_quantity": 5, "ndc_unit": "ML"}),
               ("J1453", 150, "0636", {"ndc": "00006-3941-00", "ndc_quantity": 1, "ndc_unit": "UN"})]


@pytest.mark.parametrize("name", _params("add_lab_lines", BASES))
def test_adding_lab_lines_changes_nothing(decider, name):
    # a lab the claim already bills on the day is not added again: a second line of it is a true duplicate
    labs = [row for row in LABS if row[0] not in _codes(DOCS[name])]
    variant, added = _add_lines(DOCS[name], labs)
    rec = _assert_same(decider, name, variant)
    said = " | ".join(w["message"] for w in rec["warnings"] if w["code"] == "code_not_modelled")
    for n, (code, *_) in zip(added, labs, strict=True):  # the open world: an out-of-scope line is a warning
        assert f"{code} on line {n} is not modelled" in said, said


@pytest.mark.parametrize("name", _params("add_antiemetic_lines", BASES))
def test_adding_antiemetic_lines_changes_nothing(decider, name):
    rows = list(ANTIEMETICS)
    if "J1100" not in _codes(DOCS[name]):
        # dexamethasone 12 mg with fosaprepitant is the usual antiemetic premedication; the KB knows J1100 as a
        # partner drug, so it is added only where the claim does not already bill it
        rows.append(("J1100", 12, "0636", {}))
    variant, _ = _add_lines(DOCS[name], rows)
    _assert_same(decider, name, variant)


@pytest.mark.parametrize("name", _params("add_port_access_lines", BASES))
def test_adding_port_access_lines_changes_no_other_line(decider, name):
    # Policy reason for ignoring the added lines' own denials: CPT says 96523 and 36591 are not reported with another
    # service of the same day (NCCI bundles them), so a payer may deny the added line itself; the drug and
    # administration lines must decide as before.
    variant, added = _add_lines(DOCS[name], [("96523", 1, "0260", {}), ("36591", 1, "0300", {})])
    _assert_same(decider, name, variant, ignore_lines=added)


#: denosumab 60 mg (Prolia, J0897 = 1 mg) for osteoporosis: an unrelated drug with its own diagnosis
DENOSUMAB = ("J0897", 60, "0636", {"ndc": "55513-0710-01", "ndc_quantity": 1, "ndc_unit": "UN"})


@pytest.mark.parametrize("name", _params("add_out_of_scope_drug", [n for n in BASES
                                                                   if len(DOCS[n]["claim"]["diagnoses"]) < 12]))
def test_adding_an_unrelated_drug_line_changes_nothing(decider, name):
    variant, (n,) = _add_lines(DOCS[name], [DENOSUMAB])
    dx = variant["claim"]["diagnoses"]
    dx.append("M81.0")
    variant["claim"]["lines"][-1]["diagnosis_pointers"] = [len(dx)]
    rec = _assert_same(decider, name, variant)
    assert any("J0897" in w["message"] for w in rec["warnings"]), rec["warnings"]


# -- 2. order -------------------------------------------------------------------------------------------------------


def _reordered(doc, order) -> tuple[dict, dict]:
    d = copy.deepcopy(doc)
    old = d["claim"]["lines"]
    numbers = [ln.get("number", i + 1) for i, ln in enumerate(old)]
    new = [copy.deepcopy(old[i]) for i in order]
    line_map = {}
    for pos, (i, ln) in enumerate(zip(order, new, strict=True), start=1):
        ln["number"] = pos
        line_map[numbers[i]] = pos
    d["claim"]["lines"] = new
    return d, line_map


MULTI_LINE = [n for n in BASES if len(DOCS[n]["claim"]["lines"]) > 1]


@pytest.mark.parametrize("name", _params("reverse_lines", MULTI_LINE))
def test_reversing_the_lines_changes_nothing(decider, name):
    k = len(DOCS[name]["claim"]["lines"])
    variant, line_map = _reordered(DOCS[name], list(range(k))[::-1])
    _assert_same(decider, name, variant, line_map)


@pytest.mark.parametrize("name", _params("rotate_lines", [n for n in MULTI_LINE if len(DOCS[n]["claim"]["lines"]) > 2]))
def test_rotating_the_lines_changes_nothing(decider, name):
    k = len(DOCS[name]["claim"]["lines"])
    variant, line_map = _reordered(DOCS[name], list(range(1, k)) + [0])
    _assert_same(decider, name, variant, line_map)


def _secondary_reversed(doc) -> dict:
    """The secondary diagnoses in reverse order, each line's pointers following its codes (in the same order, so
    each line's first pointer - its primary diagnosis - stays the same code); the first diagnosis is kept."""
    d = copy.deepcopy(doc)
    dx = d["claim"]["diagnoses"]
    order = [0] + list(range(len(dx) - 1, 0, -1))  # new position -> old index
    where = {old + 1: new + 1 for new, old in enumerate(order)}
    d["claim"]["diagnoses"] = [dx[i] for i in order]
    for ln in d["claim"]["lines"]:
        if "diagnosis_pointers" in ln:
            ln["diagnosis_pointers"] = [where[p] for p in ln["diagnosis_pointers"]]
    return d


@pytest.mark.parametrize("name", _params("reverse_secondary_diagnoses",
                                         [n for n in BASES if len(DOCS[n]["claim"]["diagnoses"]) > 2]))
def test_reordering_secondary_diagnoses_changes_nothing(decider, name):
    _assert_same(decider, name, _secondary_reversed(DOCS[name]))


def _reversed_history(doc) -> dict:
    """Every list of the record that is a history, not the claim: in reverse order (a record lists its entries in
    any order; the latest is the latest by date, not the last written)."""
    d = copy.deepcopy(doc)
    for sec, key in (("clinical", "lvef"), ("clinical", "prior_therapies"), ("clinical", "response_assessments"),
                     ("clinical", "concurrent_drugs"), ("patient", "weights")):
        if isinstance((d.get(sec) or {}).get(key), list):
            d[sec][key].reverse()
    for key in ("administrations", "prior_claims", "authorizations", "abn"):
        if isinstance(d.get(key), list):
            d[key].reverse()
    return d


def _has_history(doc) -> bool:
    return _reversed_history(doc) != doc


@pytest.mark.parametrize("name", _params("reverse_history", [n for n in BASES if _has_history(DOCS[n])]))
def test_listing_the_history_in_another_order_changes_nothing(decider, name):
    _assert_same(decider, name, _reversed_history(DOCS[name]))


# -- 2b. spelling the document allows (FORMATS.md s.1) -----------------------------------------------------------------


def _respelled(kb, doc) -> dict:
    """Diagnoses without the dot; 11-digit NDCs without hyphens; every drug name of the record replaced by another
    name the KB knows for the same drug (brand for generic and back), capitalised - FORMATS.md s.1 accepts each."""
    d = copy.deepcopy(doc)
    d["claim"]["diagnoses"] = [x.replace(".", "") for x in d["claim"]["diagnoses"]]
    names: dict[str, list[str]] = {}
    for alias, canon in sorted(kb.aliases.items()):
        names.setdefault(canon, []).append(alias)

    def other(name):
        canon = kb.canonical_drug(name)
        if canon is None:
            return name
        alts = [a for a in names[canon] if a != str(name).strip().lower()] or [str(name)]
        return alts[0].capitalize()

    def ndc(v):
        return v.replace("-", "") if isinstance(v, str) and len(v.replace("-", "")) == 11 else v

    def walk(v, key=None):
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, key) for x in v]
        if key == "ndc":
            return ndc(v)
        if key in ("drug", "concurrent_drugs", "regimen") and isinstance(v, str):
            return other(v)
        return v

    return walk(d)


@pytest.mark.parametrize("name", _params("respell", BASES))
def test_spelling_codes_and_drug_names_another_allowed_way_changes_nothing(decider, kb, name):
    _assert_same(decider, name, _respelled(kb, DOCS[name]))


@pytest.mark.parametrize("name", _params("declare_version_2", [n for n in BASES if "format_version" not in DOCS[n]]))
def test_declaring_version_2_on_a_version_1_document_changes_nothing(decider, name):
    """FORMATS.md s.3: every version-2 field is optional and a version-1 document stays valid: saying
    `format_version: 2` on a document that uses no version-2 field changes nothing."""
    _assert_same(decider, name, {"format_version": 2, **DOCS[name]})


@pytest.mark.parametrize("name", _params("amounts_and_received_date", [n for n in BASES
                                                                       if DOCS[n]["claim"].get("received_date")]))
def test_other_charges_and_an_earlier_receipt_change_nothing(decider, name):
    """Charges tripled (no rule prices a drug) and the claim received the day after its last date of service (the
    earliest a claim can be filed: timely filing only gets easier)."""
    variant = copy.deepcopy(DOCS[name])
    last = max(ln.get("service_date_end") or ln["service_date"] for ln in variant["claim"]["lines"])
    variant["claim"]["received_date"] = min(variant["claim"]["received_date"], _days(last, 1))
    for ln in variant["claim"]["lines"]:
        if "charge" in ln:
            ln["charge"] = round(ln["charge"] * 3, 2)
    _assert_same(decider, name, variant)


# -- 3. identifiers ---------------------------------------------------------------------------------------------------


def _npi(body9: str) -> str:
    """A valid NPI: 9 digits and the Luhn check digit computed with the 80840 prefix (CMS NPI check digit)."""
    digits = [int(c) for c in "80840" + body9]
    total = 0
    for i, v in enumerate(reversed(digits)):
        if i % 2 == 0:
            v *= 2
            v = v - 9 if v > 9 else v
        total += v
    return body9 + str((10 - total % 10) % 10)


def test_npi_helper_gives_valid_npis():
    assert _npi("123456789") == "1234567893"  # the CMS example NPI


def _renamed(value, mapping):
    if isinstance(value, dict):
        return {k: _renamed(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, mapping) for v in value]
    return mapping.get(value, value) if isinstance(value, str) else value


_ID_PLACES = (("claim", "id"), ("claim", "original_claim_id"), ("claim", "prior_authorization"), ("patient", "id"),
              ("coverage", "member_id"))


def _identifiers(doc) -> set[str]:
    ids = {doc.get(a, {}).get(b) for a, b in _ID_PLACES}
    ids |= {a.get("number") for a in doc.get("authorizations") or []}
    ids |= {c.get("id") for c in doc.get("prior_claims") or []}
    ids |= {x.get("lot_number") for x in doc.get("administrations") or []}
    ids.add((doc.get("documentation") or {}).get("lot_number"))
    return {i for i in ids if isinstance(i, str) and i}


@pytest.mark.parametrize("name", _params("rename_identifiers", BASES))
def test_renaming_identifiers_changes_nothing(decider, name):
    """Claim, prior-claim, authorization, patient, member and lot identifiers renamed by one bijection (the same old
    value becomes the same new value everywhere, so a replacement still names its original claim and the claim's PA
    number still names the authorization on file)."""
    doc = DOCS[name]
    mapping = {old: f"ZX{k:03d}{old[::-1][:4]}" for k, old in enumerate(sorted(_identifiers(doc)))}
    _assert_same(decider, name, _renamed(doc, mapping))


WITH_BILLING_NPI = [n for n in BASES if (DOCS[n].get("providers") or {}).get("billing", {}).get("npi")]


@pytest.mark.parametrize("name", _params("change_billing_npi", WITH_BILLING_NPI))
def test_another_valid_billing_npi_changes_nothing(decider, name):
    """The billing NPI replaced by another valid one everywhere it appears (an authorization or a prior claim of that
    provider stays that provider's: a PA issued to another NPI is a right denial, PRIOR-AUTH-OTHER-PROVIDER)."""
    doc = DOCS[name]
    old = doc["providers"]["billing"]["npi"]
    new = _npi("192837465")
    assert new != old
    _assert_same(decider, name, _renamed(doc, {old: new}))


# -- 4. payer ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("unknown_payer", list(BASES)))
def test_an_unknown_payer_adds_no_denial(decider, name):
    """README / docs/claim-format-v2.md: a payer id no profile maps (and no near miss of one) is decided with the
    profile 'other', which sets no policy: only payer-independent rules apply, so a claim clean for its own payer stays
    clean, with a payer_not_modelled warning that echoes no patient data. (The X12/FHIR converters map an unmapped
    payer id to `default` in kb/mappings/payer_ids.yaml with a warning; see test_generic_commercial_payer_adds_no_denial.)"""
    variant = copy.deepcopy(DOCS[name])
    variant["claim"]["payer"] = "acme-health-plan-77"
    _base(decider, name)
    rec = _decide(decider, variant)
    assert _summary(rec) == ("clean", []), (name, _summary(rec), [m["fact"] for m in rec["missing_information"]])
    (w,) = [w for w in rec["warnings"] if w["code"] == "payer_not_modelled"]
    assert "'acme-health-plan-77'" in w["message"] and rec["payer"] == "other"
    pid = (variant.get("patient") or {}).get("id")
    assert not pid or pid not in w["message"]


SPECIFIC_COMMERCIAL = ("uhc", "highmark", "qualchoice")


@pytest.mark.parametrize("name", _params("generic_commercial_payer",
                                         [n for n in BASES if DOCS[n]["claim"]["payer"] in SPECIFIC_COMMERCIAL]))
def test_generic_commercial_payer_adds_no_denial(decider, name):
    """A claim clean for a named commercial plan, read with an unmapped payer id (kb/mappings/payer_ids.yaml
    `default: commercial`): the generic commercial profile holds only the general rules, so it must not add a
    denial."""
    variant = copy.deepcopy(DOCS[name])
    variant["claim"]["payer"] = "commercial"
    _assert_same(decider, name, variant)


# -- 5. benign extra facts ------------------------------------------------------------------------------------------


WITH_WEIGHT = [n for n in BASES if (DOCS[n].get("patient") or {}).get("weight_kg")]


@pytest.mark.parametrize("name", _params("add_earlier_weight", WITH_WEIGHT))
def test_an_earlier_weight_changes_nothing(decider, name):
    """A weight measured 90 days before the earliest weight on file (or the date of service), 4 kg more: the dose
    rules read the weight nearest on or before the date of service, so an older one changes nothing."""
    variant = copy.deepcopy(DOCS[name])
    pt = variant["patient"]
    dates = [pt["weight_date"]] if pt.get("weight_date") else []
    dates += [w["date"] for w in pt.get("weights", [])]
    earliest = min(dates) if dates else _first_date(variant)
    pt.setdefault("weights", []).insert(0, {"date": _days(earliest, -90), "kg": pt["weight_kg"] + 4})
    _assert_same(decider, name, variant)


def _earlier_assessments(doc):
    """An earlier response assessment that agrees with the latest one (same status) and an earlier LVEF measurement
    that agrees with the earliest one (same percent), each 63 days before the earliest entry, written LAST in its list (a record lists entries in any
    order). None when the record has neither. Not added: an earlier assessment when the latest one is progression
    (an earlier progression would be a second one; an earlier response a different history)."""
    d = copy.deepcopy(doc)
    clin = d.get("clinical") or {}
    changed = False
    ras = clin.get("response_assessments") or []
    if ras:
        latest = max(ras, key=lambda r: r["date"])
        if latest["status"] != "progression":
            extra = {k: v for k, v in latest.items() if k != "date"}
            extra["date"] = _days(min(r["date"] for r in ras), -63)
            ras.append(extra)
            changed = True
    lv = clin.get("lvef") or []
    if lv:
        # the copy agrees with the EARLIEST measurement: an earlier value equal to the latest one can rewrite the
        # history (unseen 76: LVEF 52 % before the anthracycline instead of 63 % is another baseline)
        first = min(lv, key=lambda r: r["date"])
        lv.append({"date": _days(first["date"], -63), "percent": first["percent"]})
        changed = True
    return d if changed else None


@pytest.mark.parametrize("name", _params("add_earlier_assessments",
                                         [n for n in BASES if _earlier_assessments(DOCS[n]) is not None]))
def test_an_earlier_agreeing_assessment_changes_nothing(decider, name):
    _assert_same(decider, name, _earlier_assessments(DOCS[name]))


def _earlier_paid_claim(kb, doc):
    """An earlier paid claim for the latest previous dose of a billed drug given at today's dose (so the same code,
    units and modifiers), on a date no prior claim bills yet; None when there is none.

    Policy reasons for what is not added: a date an authorization of the code covers without `units_used`
    (FORMATS.md s.3: a paid prior claim in the window consumes authorized units, so exceeding them is a right denial);
    a claim that is itself a replacement or void (its original is already in prior_claims)."""
    if doc["claim"].get("frequency_code") in ("7", "8"):
        return None
    first = _first_date(doc)
    billed = {(ln["code"], ln["service_date"]) for c in doc.get("prior_claims") or [] for ln in c.get("lines", [])}
    adms = doc.get("administrations") or []
    for ln in doc["claim"]["lines"]:
        row = kb.hcpcs.get(str(ln.get("code", "")).upper())
        if not row or row.get("kind") != "drug" or "JW" in (ln.get("modifiers") or []):
            continue
        drug = row.get("drug")
        today = [a for a in adms if a["date"] == ln["service_date"] and kb.canonical_drug(a["drug"]) == drug]
        if len(today) != 1 or today[0].get("dose_mg") is None:
            continue
        past = sorted((a for a in adms if a["date"] < first and kb.canonical_drug(a["drug"]) == drug
                       and a.get("dose_mg") == today[0]["dose_mg"] and (ln["code"], a["date"]) not in billed),
                      key=lambda a: a["date"])
        if not past:
            continue
        day = past[-1]["date"]
        if any(a.get("units_used") is None and ln["code"] in ([a["code"]] if a.get("code") else a.get("codes", []))
               and a.get("start_date", "") <= day <= a.get("end_date", "9999") for a in doc.get("authorizations") or []):
            continue
        d = copy.deepcopy(doc)
        pl = {"code": ln["code"], "service_date": day, "units": ln["units"], "paid_units": ln["units"]}
        if ln.get("modifiers"):
            pl["modifiers"] = list(ln["modifiers"])
        npi = (doc.get("providers") or {}).get("billing", {}).get("npi")
        pc = {"id": "CLM-EARLIER-CYCLE", "status": "paid", "lines": [pl]}
        if npi:
            pc["provider_npi"] = npi
        d.setdefault("prior_claims", []).append(pc)
        return d
    return None


def _with_earlier_paid_claim() -> list[str]:
    """The bases an earlier paid claim can be added to (read with the KB's code and drug tables, loaded once here)."""
    from denialkb.engine.kb import load_kb

    kb = load_kb(ROOT / "kb")
    return [n for n in BASES if _earlier_paid_claim(kb, DOCS[n]) is not None]


@pytest.mark.parametrize("name", _params("add_earlier_paid_claim", _with_earlier_paid_claim()))
def test_an_earlier_paid_claim_for_a_previous_cycle_changes_nothing(decider, kb, name):
    _assert_same(decider, name, _earlier_paid_claim(kb, DOCS[name]))


def test_enough_bases_and_variants(kb):
    """The relations are measured on many claims: a change to the selection that empties them fails here."""
    assert len(BASES) >= 100 and len(MULTI_LINE) >= 60 and len(WITH_WEIGHT) >= 40
    assert sum(_earlier_paid_claim(kb, DOCS[n]) is not None for n in BASES) >= 30


# -- 6. absent is not "no": one optional field at a time -------------------------------------------------------------

_SCHEMA = json.loads((ROOT / "engine" / "schemas" / "claim.schema.json").read_text())
#: the claim as billed is the whole claim: a modifier, NDC, unit or code missing from it was not billed, which a payer
#: rightly reads as such (no JZ on a Medicare single-dose line, no NDC where a plan requires one); a frequency code
#: absent means an original claim (X12 CLM05-3 "1"). Of the claim section only what is not billed data is dropped:
#: fields whose absence the contract itself defines as a fact, so a denial when they go is right, not false:
_NOT_UNKNOWN = {
    # FORMATS.md s.1 "a missing her2 means no result in the record, which is itself a reason for a denial"; and the
    # engine's clinical.on_file: within a clinical section an absent item means the record holds none (no HER2
    # result, no LVEF measurement) - a HER2 entry without its IHC score (or ISH result) then holds no result
    "clinical.biomarkers", "clinical.biomarkers.her2", "clinical.biomarkers.her2.ihc", "clinical.lvef",
    # FORMATS.md s.1: `ish` omitted means "not done" (IHC 2+ without ISH is equivocal)
    "clinical.biomarkers.her2.ish",
    # the schema requires an authorization to name its code(s), as `code` or `codes`: dropping one is invalid input
    "authorizations.*.code", "authorizations.*.codes",
    # billed data of a prior claim: no frequency code means an original (X12 CLM05-3 "1"), so a voided claim's void
    # goes; no modifiers means none were billed; a prior claim without a status is a submitted claim (the version-1
    # meaning prior_claims keeps), so it is a duplicate of the same service and consumes authorized units
    "prior_claims.*.frequency_code", "prior_claims.*.status", "prior_claims.*.lines.*.modifiers",
}
_CLAIM_DROPPABLE = {("claim", "received_date"), ("claim", "lines", "*", "charge"), ("claim", "lines", "*", "number"),
                    ("claim", "lines", "*", "allowed_amount"), ("claim", "lines", "*", "paid_amount")}


def _resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        node = _SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _optional_paths(value, node, path=()):
    """Every place of ``value`` holding a key its schema does not require (list entries one by one)."""
    node = _resolve(node)
    if isinstance(value, dict) and "properties" in node:
        required = set(node.get("required", ()))
        for k, v in value.items():
            sub = path + (k,)
            generic = tuple("*" if isinstance(x, int) else x for x in sub)
            if sub[0] != "claim" or generic in _CLAIM_DROPPABLE:
                if k not in required:
                    yield sub
            if k in node["properties"]:
                yield from _optional_paths(v, node["properties"][k], sub)
    elif isinstance(value, list) and "items" in node:
        for i, v in enumerate(value):
            yield from _optional_paths(v, node["items"], path + (i,))


def _dropped(doc, path) -> dict:
    d = copy.deepcopy(doc)
    at = d
    for k in path[:-1]:
        at = at[k]
    del at[path[-1]]
    return d


def _generic(path) -> str:
    return ".".join("*" if isinstance(x, int) else x for x in path)


def _drop_plan(per_path: int = 12) -> dict[str, list[str]]:
    """generic path -> the bases it is tried on: up to ``per_path`` of the bases holding it, taken in turn from each
    payer (so every payer's rules see every field go missing), to keep the file within its time budget."""
    holders: dict[str, dict[str, list[str]]] = {}
    for n, doc in DOCS.items():
        for g in sorted({_generic(p) for p in _optional_paths(doc, _SCHEMA)} - _NOT_UNKNOWN):
            holders.setdefault(g, {}).setdefault(doc["claim"]["payer"], []).append(n)
    plan = {}
    for g, by_payer in sorted(holders.items()):
        queues = [list(v) for _, v in sorted(by_payer.items())]
        pick = []
        while len(pick) < per_path and any(queues):
            for q in queues:
                if q and len(pick) < per_path:
                    pick.append(q.pop(len(q) // 2) if len(pick) % 2 else q.pop(0))
        plan[g] = sorted(pick)
    return plan


DROP_PLAN = _drop_plan()


def _drop_variants(doc, generic):
    """doc without the field at ``generic``: for a field of list entries, without it in every entry at once (the
    record says it for none) and, for the date-of-service administrations, in each such entry on its own."""
    paths = [p for p in _optional_paths(doc, _SCHEMA) if _generic(p) == generic]
    if not paths:
        return []
    if len(paths) == 1:
        return [_dropped(doc, paths[0])]
    out = []
    d = copy.deepcopy(doc)
    for p in sorted(paths, key=lambda p: [str(x).zfill(4) for x in p], reverse=True):
        d = _dropped(d, p)
    out.append(d)
    if generic.startswith("administrations.*."):
        days = {ln["service_date"] for ln in doc["claim"]["lines"]}
        out += [_dropped(doc, p) for p in paths if doc["administrations"][p[1]]["date"] in days]
    return out


@pytest.mark.parametrize("generic", [pytest.param(g, id=g, marks=[pytest.mark.xfail(
    strict=True, reason=f"metamorph finding {KNOWN[('drop_optional_field', g)]}")] if ("drop_optional_field", g) in KNOWN
    else []) for g in DROP_PLAN])
def test_dropping_an_optional_field_adds_no_denial(decider, generic):
    """FORMATS.md s.3: every optional field is "not known" when absent, never "no". Dropping one never adds a
    denial. It may make the claim undetermined - a fact the decision needs is then unknown, and
    `missing_information` names it: that is the right answer, not a false denial."""
    added = []
    for name in DROP_PLAN[generic]:
        base = {(d["id"], d["line"]) for d in _base(decider, name)["denials"]}
        for variant in _drop_variants(DOCS[name], generic):
            if not variant.get("claim", {}).get("lines"):
                continue
            try:
                rec = _decide(decider, variant)
            except DenialKBError as e:  # a document the drop made invalid is an input error, not a denial
                added.append((name, f"input error: {str(e)[:160]}"))
                continue
            new = {(d["id"], d["line"]) for d in rec["denials"]} - base
            if new:
                added.append((name, sorted(new, key=str)))
    assert not added, added


# -- 7. all at once ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("composite", BASES))
def test_the_benign_changes_together_change_nothing(decider, kb, name):
    """An earlier paid claim and agreeing assessments, lab and antiemetic lines, lines reversed, secondary diagnoses
    reversed, histories reversed, allowed spellings and renamed identifiers, all on one claim (each relation above
    holds alone; together they catch a rule that reads two of them at once)."""
    v = _earlier_paid_claim(kb, DOCS[name]) or copy.deepcopy(DOCS[name])
    v = _earlier_assessments(v) or v
    v, _ = _add_lines(v, [row for row in LABS + ANTIEMETICS if row[0] not in _codes(v)])
    k = len(DOCS[name]["claim"]["lines"])
    v, line_map = _reordered(v, list(range(len(v["claim"]["lines"])))[::-1])
    if len(v["claim"]["diagnoses"]) > 2:
        v = _secondary_reversed(v)
    v = _respelled(kb, _reversed_history(v))
    v = _renamed(v, {old: f"ZX{i:03d}" for i, old in enumerate(sorted(_identifiers(v)))})
    _assert_same(decider, name, v, {n: m for n, m in line_map.items() if n <= k})
