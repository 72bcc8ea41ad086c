"""Writes the unseen-claim scenarios (tests/data/unseen/*.yaml) and expected.yaml.

Each scenario is a claim as an oncology practice's biller would send it, with the decision a payer would make written
from public policy (label, CMS/MAC, payer policy) BEFORE the KB's rules were read. Run: python tests/data/unseen/build.py
"""

from __future__ import annotations

import copy
import datetime as _dt
from pathlib import Path

import yaml

HERE = Path(__file__).parent
NPI_BILL = "1234567893"
NPI_REND = "1245319599"
ONC = "207RX0202X"


def L(code, units, mods=None, ndc=None, qty=None, unit="ML", charge=None, ptr=(1,), rev=None, **kw):
    line = {"code": code}
    if mods:
        line["modifiers"] = list(mods)
    line["units"] = units
    line["service_date"] = None  # filled by claim()
    if ndc:
        line["ndc"] = ndc
        line["ndc_quantity"] = qty
        line["ndc_unit"] = unit
    if charge is not None:
        line["charge"] = charge
    if ptr:
        line["diagnosis_pointers"] = list(ptr)
    if rev:
        line["revenue_code"] = rev
    line.update(kw)
    return line


def claim(cid, payer, dos, received, dx, lines, *, form="professional", pos="11", tob=None, pa=None, entity="physician_office",
          plan=None, **sections):
    c = {"id": cid, "form": form, "payer": payer, "received_date": received}
    if form == "professional":
        c["place_of_service"] = pos
    else:
        c["type_of_bill"] = tob or "0131"
    if pa:
        c["prior_authorization"] = pa
    c["diagnoses"] = list(dx)
    c["lines"] = []
    for i, ln in enumerate(lines, 1):
        ln = dict(ln)
        ln = {"number": i, **ln}
        if ln.get("service_date") is None:
            ln["service_date"] = dos
        if form == "institutional":
            ln.pop("diagnosis_pointers", None)
        c["lines"].append(ln)
    doc = {"format_version": 2, "claim": c,
           "providers": {"billing": {"npi": NPI_BILL, "taxonomy": ONC, "entity_type": entity},
                         "rendering": {"npi": NPI_REND, "taxonomy": ONC}}}
    if form == "institutional":
        doc["providers"]["billing"] = {"npi": NPI_BILL, "taxonomy": "282N00000X", "entity_type": entity}
        doc["providers"]["attending"] = {"npi": NPI_REND, "taxonomy": ONC}
        del doc["providers"]["rendering"]
    for k in ("patient", "coverage", "abn", "authorizations", "clinical", "administrations", "documentation", "prior_claims"):
        if k in sections and sections[k] is not None:
            doc[k] = sections[k]
    if plan:
        doc.setdefault("coverage", {})["plan_type"] = plan
    return doc


def pt(pid, birth, sex="F", kg=68.0, height=165, pregnant=False):
    p = {"id": pid, "birth_date": birth, "sex": sex, "weight_kg": kg, "height_cm": height}
    if sex == "F" and pregnant is not None:
        p["pregnant"] = pregnant
    return p


def rec(**kw):
    d = {"physician_order": True, "medical_necessity_documented": True, "guideline_cited": "NCCN",
         "adverse_reactions_documented": True}
    d.update(kw)
    return d


def adm(date, drug, dose, **kw):
    a = {"date": date, "drug": drug}
    if dose is not None:
        a["dose_mg"] = dose
    a.update(kw)
    return a


def q3w(dates, drug, dose_first, dose_rest):
    return [adm(d, drug, dose_first if i == 0 else dose_rest) for i, d in enumerate(dates)]


SCEN: list[tuple[str, str, dict, dict]] = []  # (name, header comment, doc, expectation)


FINDINGS = {
}


def add(name, header, doc, outcome, denials=(), basis="", confidence="high"):
    """denials: list of (line or None, CARC) a payer would send."""
    SCEN.append((name, header, doc, {"outcome": outcome, "denials": [list(d) for d in denials], "basis": basis,
                                     "confidence": confidence, **({"finding": FINDINGS[name]} if name in FINDINGS else {})}))


PERJ = "50242-0145-01"
PHESGO_M = "50242-0260-01"
PHESGO_L = "50242-0245-01"
CYR100 = "00002-7669-01"
CYR500 = "00002-7678-01"
TRAZ420 = "00069-0305-01"
TRAZ150 = "00069-0308-01"
OGIVRI150 = "67457-0991-15"
HYLECTA = "50242-0077-01"
HERC150 = "50242-0132-01"
HERC420 = "50242-0333-01"

# ---------------------------------------------------------------- breast, pertuzumab IV + trastuzumab ----------
d = "2026-03-10"
doc = claim("UNS-01", "medicare", d, "2026-03-18", ["C50.412", "C78.01", "Z17.31"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2, 3)),
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=3100.0, ptr=(1, 2, 3)),
    L("J9171", 130, charge=240.0, ptr=(1, 2)),
    L("J1100", 12, charge=9.0),
    L("J2405", 8, charge=6.0),
    L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0),
    L("96417", 2, charge=320.0),
    L("96375", 2, charge=90.0),
    L("99215", 1, ["25"], charge=230.0, ptr=(1, 2)),
], patient=pt("P-U01", "1955-06-02", kg=52.0, height=160), coverage={"start_date": "2020-06-01", "plan_type": "medicare_ffs"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV", "tumor_size_cm": 2.8, "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-02-12", "fda_approved_test": True}, "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-02-20", "percent": 64}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp", "docetaxel"]},
    administrations=[
        adm(d, "pertuzumab", 840, route="IV", start=f"{d}T09:05", end=f"{d}T10:10", lot_number="H8810", waste_mg=0,
            vials=[{"ndc": PERJ, "count": 2}]),
        adm(d, "trastuzumab-qyyp", 416, route="IV", start=f"{d}T11:15", end=f"{d}T12:50", lot_number="T1120",
            vials=[{"ndc": TRAZ420, "count": 1}]),
        adm(d, "docetaxel", 130, route="IV", start=f"{d}T12:55", end=f"{d}T13:55"),
        adm(d, "dexamethasone", 12, route="IV"), adm(d, "ondansetron", 8, route="IV"), adm(d, "diphenhydramine", 25, route="IV"),
    ],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True), authorizations=None)
add("01-pertuzumab-mbc-first-line-loading-medicare", "HER2+ (IHC 3+) de novo MBC, Medicare, cycle 1 of THP (CLEOPATRA): "
    "pertuzumab 840 mg loading (2 x 420 mg vials, JZ), Trazimera 8 mg/kg x 52 kg = 416 mg from the 420 mg multiple-dose vial "
    "(no JW/JZ), docetaxel 75 mg/m2, dexamethasone/ondansetron/diphenhydramine pushes, 96413 + 96417 x2 + 96375 x2, E/M-25.",
    doc, "clean", basis="Perjeta label MBC indication (no prior anti-HER2/chemo for metastatic disease, with trastuzumab + "
    "docetaxel, 840 mg load); CMS JZ policy (Pub 100-04 ch.17 s.40) - no waste from 2 whole vials; MDV excluded from JW/JZ.")

# 02 MBC maintenance after docetaxel stopped (HP continued alone)
d = "2026-06-16"
hist_dates = ["2025-12-02", "2025-12-23", "2026-01-13", "2026-02-03", "2026-02-24", "2026-03-17", "2026-04-07", "2026-04-28",
              "2026-05-19", "2026-06-09"]
doc = claim("UNS-02", "medicare", d, "2026-06-22", ["C50.911", "C79.51", "Z17.31"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5116", 36, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], patient=pt("P-U02", "1950-01-15", kg=60.0), coverage={"start_date": "2015-01-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-11-10", "fda_approved_test": True}},
              "lvef": [{"date": "2025-11-20", "percent": 60}, {"date": "2026-02-18", "percent": 58}, {"date": "2026-05-12", "percent": 59}],
              "ecog": 1, "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-12-02",
                                              "end_date": "2026-04-28", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp"],
              "response_assessments": [{"date": "2026-05-05", "status": "response", "method": "imaging"}]},
    administrations=q3w(["2025-11-11"] + hist_dates[:-1], "pertuzumab", 840, 420) + [
        adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="H9001", waste_mg=0),
        adm(d, "trastuzumab-qyyp", 360, route="IV", start=f"{d}T10:05", end=f"{d}T10:40", lot_number="T9002")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
# fix: hist should be 3-weekly ending 3 weeks before DOS
doc["administrations"] = q3w(["2025-12-02", "2025-12-23", "2026-01-13", "2026-02-03", "2026-02-24", "2026-03-17", "2026-04-07",
                              "2026-04-28", "2026-05-26"], "pertuzumab", 840, 420) + doc["administrations"][-2:]
add("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare", "HER2+ MBC, Medicare, cycle 10: docetaxel stopped after 6 "
    "cycles (completed), pertuzumab 420 mg + Trazimera 6 mg/kg continued every 3 weeks with documented response.", doc, "clean",
    basis="Perjeta label: docetaxel for at least 6 cycles (investigator discretion), P+T until progression or unmanageable "
    "toxicity (CLEOPATRA); LVEF checked every ~12 weeks.")

# 03 neoadjuvant TCHP commercial with PA
d = "2026-04-07"
doc = claim("UNS-03", "commercial", d, "2026-04-14", ["C50.811", "Z17.420"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=11200.0, ptr=(1, 2)),
    L("Q5116", 51, None, TRAZ420, 2, unit="UN", charge=3900.0, ptr=(1, 2)),
    L("J9171", 128, None, "00409-0201-02", 6.4, charge=260.0, ptr=(1,)),
    L("J9045", 60, None, "61703-0339-50", 60, charge=180.0, ptr=(1,)),
    L("J1100", 12, None, "63323-0165-01", 3, charge=9.0),
    L("J2405", 8, None, "00409-4755-03", 4, charge=6.0),
    L("96413", 1, charge=420.0), L("96417", 3, charge=560.0), L("96375", 2, charge=110.0),
    L("99214", 1, ["25"], charge=190.0),
    L("J2506", 6, None, "55513-0192-01", 0.6, charge=6100.0, ptr=(1,)),
    L("96377", 1, charge=60.0),
], pa="AUTH-55120", patient=pt("P-U03", "1979-09-30", kg=64.0, height=167), coverage={"start_date": "2024-01-01", "plan_type": "commercial"},
    authorizations=[{"number": "AUTH-55120", "codes": ["J9306", "Q5116"], "units": 4200, "status": "approved",
                     "provider_npi": NPI_BILL, "start_date": "2026-04-01", "end_date": "2026-09-30"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIB", "tumor_size_cm": 3.2, "node_positive": False},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-03-11", "fda_approved_test": True}, "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-03-20", "percent": 62}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp", "docetaxel", "carboplatin"]},
    administrations=[
        adm(d, "pertuzumab", 840, route="IV", start=f"{d}T08:50", end=f"{d}T09:55", lot_number="H7011", waste_mg=0),
        adm(d, "trastuzumab-qyyp", 512, route="IV", start=f"{d}T11:00", end=f"{d}T12:30", lot_number="T7012"),
        adm(d, "docetaxel", 128, route="IV", start=f"{d}T12:35", end=f"{d}T13:35"),
        adm(d, "carboplatin", 600, route="IV", start=f"{d}T13:40", end=f"{d}T14:25"),
        adm(d, "pegfilgrastim", 6, route="SC")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("03-pertuzumab-neoadjuvant-tchp-commercial-pa", "HER2+ cT2 (3.2 cm) N0 breast cancer, neoadjuvant TCHP cycle 1 on a "
    "commercial plan with an approved PA for J9306 and Q5116; carboplatin AUC6, docetaxel, premeds, pegfilgrastim on-body "
    "injector (J2506 + 96377); every line carries its NDC.", doc, "clean",
    basis="Perjeta label neoadjuvant (>2 cm or node-positive); Aetna CPB 0973 neoadjuvant criteria; UHC preferred "
    "Trazimera+Perjeta; PA on file covering both codes.")

# 04 neoadjuvant T1c N0 -> criteria not met
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-04"
doc["patient"]["id"] = "P-U04"
doc["clinical"]["cancer"].update({"stage": "IA", "tumor_size_cm": 1.6, "node_positive": False})
add("04-pertuzumab-neoadjuvant-t1c-n0-commercial", "Same TCHP day as 03, but the tumour is 1.6 cm and node-negative (cT1c N0).",
    doc, "denied", [(1, "50")], basis="Perjeta label and Aetna CPB 0973: neoadjuvant use needs a tumour > 2 cm or node-positive "
    "disease; trastuzumab/chemo lines are unaffected.")

# 05 adjuvant node-positive Medicare with weekly paclitaxel (APHINITY)
d = "2026-02-18"
doc = claim("UNS-05", "medicare", d, "2026-02-25", ["C50.412", "Z17.410"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2)),
    L("Q5116", 27, None, TRAZ420, 1, unit="UN", charge=1900.0, ptr=(1, 2)),
    L("J9267", 140, charge=60.0),
    L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U05", "1953-03-08", kg=68.0), coverage={"start_date": "2018-03-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIA", "tumor_size_cm": 1.8, "node_positive": True},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "amplified", "ish_ratio": 2.6, "copy_number": 6.8, "test_date": "2025-11-04",
                                      "fda_approved_test": True}, "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-01-20", "percent": 61}], "ecog": 0,
              "prior_therapies": [{"drug": "doxorubicin", "setting": "adjuvant", "start_date": "2025-12-01", "end_date": "2026-01-12",
                                   "progressed": False, "stop_reason": "completed"},
                                  {"drug": "cyclophosphamide", "setting": "adjuvant", "start_date": "2025-12-01", "end_date": "2026-01-12",
                                   "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp", "paclitaxel"]},
    administrations=[adm("2026-01-28", "pertuzumab", 840), adm("2026-01-28", "trastuzumab-qyyp", 544),
                     adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:40", lot_number="H5501", waste_mg=0),
                     adm(d, "trastuzumab-qyyp", 408, route="IV", start=f"{d}T10:10", end=f"{d}T10:45", lot_number="T5502"),
                     adm(d, "paclitaxel", 140, route="IV", start=f"{d}T10:50", end=f"{d}T11:55")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
# units for 408 mg = 41; fix line 2
doc["claim"]["lines"][1]["units"] = 41
add("05-pertuzumab-adjuvant-node-positive-ac-thp-medicare", "HER2+ (IHC 2+, ISH ratio 2.6) node-positive EBC, Medicare, "
    "adjuvant AC-THP: cycle 2 of P+T with weekly paclitaxel 80 mg/m2 after AC was completed.", doc, "clean",
    basis="Perjeta label adjuvant indication (high risk of recurrence; APHINITY node-positive); ASCO/CAP 2018 ISH group 1 = positive.")

# 06 EBC: 19th pertuzumab dose (beyond 1 year / 18 cycles)
d = "2026-07-21"

start = _dt.date(2025, 6, 17)
dates = [(start + _dt.timedelta(days=21 * i)).isoformat() for i in range(18)]
doc = claim("UNS-06", "medicare", d, "2026-07-27", ["C50.211", "Z17.420"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2)),
    L("Q5116", 41, None, TRAZ420, 1, unit="UN", charge=2900.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], patient=pt("P-U06", "1958-10-10", kg=68.0), coverage={"start_date": "2023-10-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIIA", "tumor_size_cm": 4.1, "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-05-02", "fda_approved_test": True}},
              "lvef": [{"date": "2026-05-20", "percent": 60}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp"]},
    administrations=q3w(dates, "pertuzumab", 840, 420) + [
        adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="H6601", waste_mg=0),
        adm(d, "trastuzumab-qyyp", 408, route="IV", start=f"{d}T10:00", end=f"{d}T10:35", lot_number="T6602")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("06-pertuzumab-ebc-19th-cycle-medicare", "HER2+ EBC (adjuvant), Medicare: the 19th pertuzumab dose, 57 weeks after the "
    "first (18 doses already given from 2025-06-17).", doc, "denied", [(1, "50")],
    basis="Perjeta label: EBC treatment for a total of 1 year (up to 18 cycles); Humana/Prime cap 52 weeks / 18 cycles; a dose "
    "beyond the labelled course is not reasonable and necessary (CARC 50; some payers 151 or 119).", confidence="medium")

# 07 HER2 IHC 2+ ISH not amplified (HER2-low) -> deny pertuzumab and trastuzumab
d = "2026-05-05"
doc = claim("UNS-07", "medicare", d, "2026-05-12", ["C50.912", "C78.00"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2)),
    L("Q5116", 55, None, TRAZ420, 2, unit="UN", charge=4000.0, ptr=(1, 2)),
    L("J9171", 135, charge=240.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0),
], patient=pt("P-U07", "1949-04-21", kg=68.0), coverage={"start_date": "2014-05-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "not_amplified", "ish_ratio": 1.4, "copy_number": 3.1, "test_date": "2026-04-10",
                                      "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-20", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp", "docetaxel"]},
    administrations=[adm(d, "pertuzumab", 840, route="IV", start=f"{d}T09:00", end=f"{d}T10:05", lot_number="H7701", waste_mg=0),
                     adm(d, "trastuzumab-qyyp", 544, route="IV", start=f"{d}T11:00", end=f"{d}T12:30", lot_number="T7702"),
                     adm(d, "docetaxel", 135, route="IV", start=f"{d}T12:35", end=f"{d}T13:35")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("07-pertuzumab-her2-low-mbc-medicare", "MBC with HER2 IHC 2+ and ISH not amplified (ratio 1.4, 3.1 copies: HER2-low, "
    "i.e. HER2-negative), billed THP loading day.", doc, "denied", [(1, "50"), (2, "50")],
    basis="Perjeta / trastuzumab labels (HER2 overexpression or amplification); ASCO/CAP 2018/2023 (HER2-low is HER2-negative). "
    "Medicare medical review: not reasonable and necessary (CO-50); some contractors use CARC 11/167.", confidence="medium")

# 08 ISH group 2 (ratio >= 2, copies < 4) with IHC 1+ => negative
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-08"
doc["patient"]["id"] = "P-U08"
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "1+", "ish": "amplified", "ish_ratio": 2.2, "copy_number": 3.4,
                                         "test_date": "2026-04-10", "fda_approved_test": True}
add("08-pertuzumab-ish-group2-ihc1-medicare", "Same MBC day; the lab's ISH line says 'amplified' on ratio alone (2.2) but the "
    "mean HER2 copy number is 3.4 and IHC is 1+ (ASCO/CAP 2018 ISH group 2, which is HER2-negative).", doc, "denied",
    [(1, "50"), (2, "50")], basis="ASCO/CAP 2018: group 2 (ratio >= 2.0, < 4.0 copies) is positive only with concurrent IHC 3+; "
    "with IHC 0-1+ it is negative. Older payer text (ratio >= 2.0) would call it positive: medium.", confidence="medium")

# 09 ISH group 3 (ratio < 2, copies >= 6) with IHC 2+ => positive
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-09"
doc["patient"]["id"] = "P-U09"
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "2+", "ish": "amplified", "ish_ratio": 1.8, "copy_number": 6.4,
                                         "test_date": "2026-04-10", "fda_approved_test": True}
add("09-pertuzumab-ish-group3-ihc2-medicare", "Same MBC day; ISH ratio 1.8 with 6.4 HER2 copies and IHC 2+ (ASCO/CAP 2018 "
    "group 3 with IHC 2+: positive), reported as amplified.", doc, "clean",
    basis="ASCO/CAP 2018: ratio < 2.0 and >= 6.0 copies with concurrent IHC 2+ is HER2-positive.")

# 10 Phesgo maintenance Medicare
d = "2026-08-04"
doc = claim("UNS-10", "medicare", d, "2026-08-10", ["C50.411", "Z17.410"], [
    L("J9316", 120, ["JZ"], PHESGO_M, 10, charge=9100.0, ptr=(1, 2)),
    L("96401", 1, charge=110.0),
    L("99213", 1, ["25"], charge=120.0),
], patient=pt("P-U10", "1952-12-12", kg=77.0), coverage={"start_date": "2017-12-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIB", "tumor_size_cm": 2.6, "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-20", "fda_approved_test": True}, "er": "positive"},
              "lvef": [{"date": "2026-06-30", "percent": 58}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": []},
    administrations=[adm("2026-06-23", "Phesgo", None, route="SC", components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}),
                     adm("2026-07-14", "Phesgo", None, route="SC", components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}),
                     adm(d, "Phesgo", None, route="SC", components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}, lot_number="P1010",
                         waste_mg=0, start=f"{d}T10:00", end=f"{d}T10:05")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("10-phesgo-maintenance-medicare", "HER2+ node-positive EBC, Medicare, Phesgo maintenance 600/600 mg SC (J9316 120 units, "
    "JZ, 96401), third dose, after taxane chemotherapy finished (concurrent drugs none).", doc, "clean",
    basis="Phesgo label (maintenance 600/600 mg every 3 weeks, total 18 cycles in EBC); J9316 per 10 mg of combined mg "
    "(1200 mg / 10 = 120 units); 96401 for SC antineoplastic.")

# 11 Phesgo loading commercial with PA, paclitaxel same day
d = "2026-05-12"
doc = claim("UNS-11", "commercial", d, "2026-05-19", ["C50.212", "Z17.420"], [
    L("J9316", 180, ["JZ"], PHESGO_L, 15, charge=13600.0, ptr=(1, 2)),
    L("J9267", 136, None, "00703-4767-01", 22.7, charge=70.0),
    L("J1100", 10, None, "63323-0165-01", 2.5, charge=8.0),
    L("J1200", 1, None, "00641-0376-21", 0.5, charge=4.0),
    L("96401", 1, charge=110.0), L("96413", 1, charge=350.0), L("96375", 2, charge=110.0),
], pa="PA-88231", patient=pt("P-U11", "1984-02-29", kg=58.0), coverage={"start_date": "2025-01-01"},
    authorizations=[{"number": "PA-88231", "codes": ["J9316"], "units": 2220, "status": "approved", "start_date": "2026-05-01",
                     "end_date": "2027-04-30"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIB", "tumor_size_cm": 3.5, "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-04-15", "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-28", "percent": 63}], "ecog": 0, "prior_therapies": [], "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm(d, "Phesgo", None, route="SC", components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}, lot_number="P1111",
                         waste_mg=0, start=f"{d}T09:00", end=f"{d}T09:08"),
                     adm(d, "paclitaxel", 136, route="IV", start=f"{d}T09:45", end=f"{d}T10:50")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("11-phesgo-loading-neoadjuvant-commercial", "HER2+ cT2 N1 breast cancer, neoadjuvant, commercial with PA: Phesgo "
    "1200/600 mg loading (J9316 180 units, JZ, 96401) and weekly paclitaxel (96413), premeds.", doc, "clean",
    basis="Phesgo label (initial 1200/600 mg); Prime VP-0553 180 units initial dose; Aetna CPB 0977 precert on file.")

# 12 Phesgo billed with 96413 (IV admin code) instead of 96401
d = "2026-08-04"
doc = copy.deepcopy(SCEN[9][2])
doc["claim"]["id"] = "UNS-12"
doc["patient"]["id"] = "P-U12"
doc["claim"]["lines"][1]["code"] = "96413"
doc["claim"]["lines"][1]["charge"] = 350.0
add("12-phesgo-billed-with-96413", "The Phesgo maintenance day of 10, but the biller coded the administration as 96413 (IV "
    "chemotherapy infusion) for a subcutaneous injection.", doc, "denied", [(2, "16")],
    basis="CPT: 96413 is an IV infusion; Phesgo is given SC (96401). Genentech Phesgo billing guide. A payer's "
    "procedure-to-drug/route edit denies the admin line (CARC 11 or 4/16; exact CARC payer-specific; first written as "
    "CARC 11, the KB's CO-16 + N657 'bill the appropriate code' is within the policy).", confidence="medium")

# 13 Phesgo + IV trastuzumab same day
d = "2026-05-12"
doc = copy.deepcopy(SCEN[10][2])
doc["claim"]["id"] = "UNS-13"
doc["patient"]["id"] = "P-U13"
doc["claim"]["lines"].insert(1, {"number": 2, "code": "Q5116", "units": 47, "service_date": d, "ndc": TRAZ420, "ndc_quantity": 2,
                                 "ndc_unit": "UN", "charge": 3400.0, "diagnosis_pointers": [1, 2]})
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
doc["authorizations"][0]["codes"] = ["J9316", "Q5116"]
doc["administrations"].append(adm(d, "trastuzumab-qyyp", 464, route="IV", start=f"{d}T11:00", end=f"{d}T12:30", lot_number="T1313"))
doc["clinical"]["concurrent_drugs"] = ["paclitaxel", "trastuzumab-qyyp"]
add("13-phesgo-with-iv-trastuzumab-same-day", "The Phesgo loading day of 11 plus IV Trazimera 8 mg/kg the same day "
    "(trastuzumab twice: Phesgo already contains it).", doc, "denied", [(1, "50")],
    basis="Prime VP-0553 / Centene: Phesgo is not given with IV pertuzumab or trastuzumab; duplicate anti-HER2 therapy is "
    "not medically necessary (CO-50; a payer may deny either line -- first written as the Trazimera line, the KB denies "
    "the Phesgo line, which the policy equally supports).", confidence="medium")

# 14 pertuzumab reload after >= 6 week gap
d = "2026-04-14"
doc = claim("UNS-14", "medicare", d, "2026-04-20", ["C50.911", "C78.7", "Z17.31"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2, 3)),
    L("Q5116", 54, None, TRAZ420, 2, unit="UN", charge=3900.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96415", 1, charge=80.0), L("96417", 1, charge=160.0),
], patient=pt("P-U14", "1947-08-08", kg=67.0), coverage={"start_date": "2012-08-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-07-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-01-10", "percent": 57}, {"date": "2026-04-07", "percent": 59}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-07-15",
                                   "end_date": "2025-11-18", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp"],
              "response_assessments": [{"date": "2026-01-05", "status": "response", "method": "imaging"}]},
    administrations=q3w(["2025-07-15", "2025-08-05", "2025-08-26", "2025-09-16", "2025-10-07", "2025-10-28", "2025-11-18",
                         "2025-12-09", "2025-12-30", "2026-01-20"], "pertuzumab", 840, 420) + [
        adm(d, "pertuzumab", 840, route="IV", start=f"{d}T09:00", end=f"{d}T10:05", lot_number="H1401", waste_mg=0),
        adm(d, "trastuzumab-qyyp", 536, route="IV", start=f"{d}T10:35", end=f"{d}T12:05", lot_number="T1402")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True,
                      clinical_justification="therapy held 12 weeks for hospitalisation (pneumonia); reloading per label"))
add("14-pertuzumab-reload-after-12-week-hold-medicare", "HER2+ MBC, Medicare: P+T held 12 weeks (hospitalisation); "
    "pertuzumab reloaded at 840 mg and trastuzumab at 8 mg/kg as the labels require after a gap >= 6 weeks; 96415 for the "
    "90-minute trastuzumab load... (96415 belongs to the initial infusion: see finding if any).", doc, "clean",
    basis="Perjeta label missed-dose rule: >= 6 weeks since the last dose, re-administer the 840 mg loading dose; trastuzumab "
    "label: reload 8 mg/kg after a missed dose > 1 week.", confidence="medium")
# 96415 is an add-on to 96413 for the same infusion; the first-hour drug (pertuzumab, 65 min) does not reach 90 min, so drop it.
del doc["claim"]["lines"][3]
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
SCEN[-1] = (SCEN[-1][0], "HER2+ MBC, Medicare: P+T held 12 weeks (hospitalisation); pertuzumab reloaded at 840 mg and "
            "trastuzumab at 8 mg/kg as the labels require after a gap >= 6 weeks.", doc, SCEN[-1][3])

# 15 pertuzumab 840 mg given only 3 weeks after the previous dose
d = "2026-02-10"
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-15"
doc["patient"]["id"] = "P-U15"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["claim"]["received_date"] = "2026-02-17"
doc["administrations"] = doc["administrations"][:-2] + [
    adm(d, "pertuzumab", 840, route="IV", start=f"{d}T09:00", end=f"{d}T10:05", lot_number="H1501", waste_mg=0),
    adm(d, "trastuzumab-qyyp", 536, route="IV", start=f"{d}T10:35", end=f"{d}T12:05", lot_number="T1502")]
doc["documentation"].pop("clinical_justification")
doc["clinical"]["lvef"] = [{"date": "2026-01-10", "percent": 57}]
add("15-pertuzumab-reload-without-gap-medicare", "Same patient, but the 840 mg 'reload' (and 8 mg/kg trastuzumab) is given "
    "3 weeks after the previous 420 mg dose, with no documented reason.", doc, "denied", [(1, "151")],
    basis="Perjeta label: after a gap < 6 weeks give 420 mg; 840 mg 3 weeks after a maintenance dose is above the labelled "
    "dose (not reasonable and necessary for the excess; CO-50 or CO-151 -- first written as 50, the KB's CO-151 + N362 is "
    "within the policy).", confidence="medium")

# ---------------------------------------------------------------- ramucirumab ---------------------------------------
# 16 gastric 2nd line + paclitaxel, dose across two NDC lines, no waste
d = "2026-03-03"
doc = claim("UNS-16", "medicare", d, "2026-03-09", ["C16.2", "C78.6"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 20, ["JZ"], CYR100, 10, charge=1520.0, ptr=(1, 2)),
    L("J9267", 120, charge=60.0),
    L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0), L("J2405", 8, charge=6.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 3, charge=135.0),
], patient=pt("P-U16", "1951-11-03", sex="M", kg=75.0, height=178), coverage={"start_date": "2016-11-01"},
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2025-06-10", "fda_approved_test": True}}, "ecog": 1,
              "prior_therapies": [{"drug": "oxaliplatin", "setting": "metastatic", "line": 1, "start_date": "2025-07-01",
                                   "end_date": "2026-01-20", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "capecitabine", "setting": "metastatic", "line": 1, "start_date": "2025-07-01",
                                   "end_date": "2026-01-20", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "nivolumab", "setting": "metastatic", "line": 1, "start_date": "2025-07-01",
                                   "end_date": "2026-01-20", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-02-17", "ramucirumab", 600),
                     adm(d, "ramucirumab", 600, route="IV", start=f"{d}T09:10", end=f"{d}T09:45", lot_number="R1601", waste_mg=0,
                         vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     adm(d, "paclitaxel", 150, route="IV", start=f"{d}T10:45", end=f"{d}T11:50"),
                     adm(d, "diphenhydramine", 25, route="IV")],
    documentation=rec())
doc["claim"]["lines"][2]["units"] = 150
add("16-ramucirumab-gastric-two-ndc-lines-medicare", "Metastatic gastric adenocarcinoma after progression on "
    "CAPOX + nivolumab, Medicare: ramucirumab 8 mg/kg x 75 kg = 600 mg from a 500 mg and a 100 mg vial, billed on two J9308 "
    "lines (100 + 20 units, each with its NDC, JZ), paclitaxel 80 mg/m2 (RAINBOW), H1 premedication.", doc, "clean",
    basis="Cyramza label (gastric second line with paclitaxel, 8 mg/kg q2w, premedicate with an H1 antagonist); CMS/NUCC: "
    "one line per NDC when a dose uses two NDCs of the same HCPCS, units split by NDC.")

# 17 mCRC FOLFIRI with waste JW line
d = "2026-09-08"
doc = claim("UNS-17", "medicare", d, "2026-09-15", ["C18.7", "C78.7"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 9, None, CYR100, 4.4, charge=690.0, ptr=(1, 2)),
    L("J9308", 11, ["JW"], CYR100, 5.6, charge=840.0, ptr=(1, 2)),
    L("J9206", 18, charge=90.0), L("J0640", 20, charge=60.0), L("J9190", 16, charge=30.0),
    L("J1100", 12, charge=9.0), L("J2405", 8, charge=6.0), L("J1200", 1, charge=4.0), L("J0461", 1, charge=3.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96368", 1, charge=60.0),
    L("96411", 1, charge=150.0), L("96416", 1, charge=170.0), L("96375", 2, charge=90.0),
], patient=pt("P-U17", "1956-05-19", sex="M", kg=68.0, height=174), coverage={"start_date": "2021-05-01"},
    clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"ras": "mutant"}, "ecog": 1,
              "prior_therapies": [{"drug": "oxaliplatin", "setting": "metastatic", "line": 1, "start_date": "2025-10-01",
                                   "end_date": "2026-08-10", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "fluorouracil", "setting": "metastatic", "line": 1, "start_date": "2025-10-01",
                                   "end_date": "2026-08-10", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "bevacizumab", "setting": "metastatic", "line": 1, "start_date": "2025-10-01",
                                   "end_date": "2026-08-10", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": ["irinotecan", "leucovorin", "fluorouracil"]},
    administrations=[adm("2026-08-25", "ramucirumab", 544),
                     adm(d, "ramucirumab", 544, route="IV", start=f"{d}T08:40", end=f"{d}T09:15", lot_number="R1701", waste_mg=56,
                         waste_reason="single-dose vial remainder", vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     adm(d, "irinotecan", 306, route="IV", start=f"{d}T09:20", end=f"{d}T10:50"),
                     adm(d, "leucovorin", 680, route="IV", start=f"{d}T09:20", end=f"{d}T10:50"),
                     adm(d, "fluorouracil", 544, route="IV", start=f"{d}T10:55", end=f"{d}T11:00"),
                     adm(d, "fluorouracil", 3264, route="IV", start=f"{d}T11:05")],
    documentation=rec())
add("17-ramucirumab-crc-folfiri-jw-medicare", "mCRC (KRAS mutant) after progression on FOLFOX + bevacizumab, Medicare: "
    "ramucirumab 8 mg/kg x 68 kg = 544 mg (500 mg vial: 100 units; 44 mg of the 100 mg vial: 9 units) + 56 mg discarded (JW, 11 units), FOLFIRI: "
    "irinotecan 90 min (96417) with leucovorin concurrently (96368), 5-FU bolus push (96411) and the 46-hour ambulatory "
    "pump started in the clinic (96416; its end is charted at disconnect two days later, not on this record), atropine, "
    "premeds.", doc, "clean",
    basis="Cyramza label (mCRC with FOLFIRI after bevacizumab/oxaliplatin/fluoropyrimidine, 8 mg/kg q2w); CMS JW policy: "
    "administered units + JW units = 120 units bought (600 mg); CPT 96416 (prolonged infusion with pump) is not timed in "
    "hours: the timed codes 96413/96417 are supported by the ramucirumab and irinotecan start/stop times.")

# 17b: same day with the pump's disconnect time recorded and a 96415 added
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-17B"
doc["patient"]["id"] = "P-U17B"
doc["administrations"][-1]["end"] = "2026-09-10T09:05"
doc["claim"]["lines"].insert(11, {"number": 0, "code": "96415", "units": 1, "service_date": d, "charge": 80.0,
                                  "diagnosis_pointers": [1]})
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
add("17b-ramucirumab-crc-96415-on-pump-time", "The FOLFIRI day of 17 with the pump's end time charted (46 h later) and a "
    "96415 billed: no infusion billed with 96413/96417 lasted more than 90 minutes (ramucirumab 35 min, irinotecan 90 min); "
    "the 46-hour pump is 96416.", doc, "denied", [(12, "16")],
    basis="CPT/CMS Pub 100-04 ch.12 s.30.5: 96415 is each additional hour of the 96413 infusion (> 30 min beyond the hour); "
    "a pump infusion > 8 h is 96416, not 96415. A medical reviewer denies the unsupported 96415 (CO-16/N706 or CO-151).",
    confidence="medium")

# 18 HCC AFP < 400
d = "2026-06-02"
doc = claim("UNS-18", "medicare", d, "2026-06-09", ["C22.0"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0),
    L("J9308", 16, None, CYR100, 7.6, charge=1220.0),
    L("J9308", 4, ["JW"], CYR100, 2.4, charge=300.0),
    L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96375", 1, charge=45.0),
], patient=pt("P-U18", "1950-09-09", sex="M", kg=72.0), coverage={"start_date": "2015-09-01"},
    clinical={"cancer": {"primary_site": "liver_hcc", "setting": "metastatic", "stage": "IVB"},
              "biomarkers": {"afp_ng_ml": 250}, "ecog": 1,
              "prior_therapies": [{"drug": "sorafenib", "setting": "metastatic", "line": 1, "start_date": "2025-09-01",
                                   "end_date": "2026-05-01", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm(d, "ramucirumab", 576, route="IV", start=f"{d}T09:00", end=f"{d}T10:00", lot_number="R1801", waste_mg=24,
                         vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     adm(d, "diphenhydramine", 25, route="IV")],
    documentation=rec())
add("18-ramucirumab-hcc-afp-below-400-medicare", "HCC after sorafenib, Medicare, AFP 250 ng/mL: ramucirumab 8 mg/kg "
    "(576 mg: 100 units on the 500 mg NDC + 16 units on the 100 mg NDC, 4 JW units).", doc, "denied", [(1, "50"), (2, "50"), (3, "50")],
    basis="Cyramza label HCC indication requires AFP >= 400 ng/mL (REACH-2); QualChoice BI458 same.")

# 19 HCC AFP >= 400 commercial PA clean
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-19"
doc["claim"]["payer"] = "commercial"
doc["claim"]["prior_authorization"] = "PA-R-1919"
doc["patient"]["id"] = "P-U19"
doc["patient"]["birth_date"] = "1969-09-09"
doc["clinical"]["biomarkers"]["afp_ng_ml"] = 1250
doc["authorizations"] = [{"number": "PA-R-1919", "codes": ["J9308"], "units": 1560, "status": "approved",
                          "start_date": "2026-05-20", "end_date": "2026-11-19"}]
doc["claim"]["lines"][3]["ndc"] = "00641-0376-21"
doc["claim"]["lines"][3]["ndc_quantity"] = 0.5
doc["claim"]["lines"][3]["ndc_unit"] = "ML"
add("19-ramucirumab-hcc-afp-1250-commercial-pa", "Same HCC day on a commercial plan with an approved PA, AFP 1250 ng/mL after "
    "sorafenib progression.", doc, "clean", basis="Cyramza label HCC (AFP >= 400 after sorafenib); QualChoice BI458; PA on file; "
    "units within Prime VP-0199 180 units/14 days.")

# 20 NSCLC + docetaxel 2nd line commercial
d = "2026-10-06"
doc = claim("UNS-20", "commercial", d, "2026-10-12", ["C34.11"], [
    L("J9308", 160, ["JZ"], CYR500, 50, charge=12100.0),
    L("J9308", 0, None, CYR100, 10, charge=0.0),
    L("J9171", 137, None, "00409-0201-02", 6.9, charge=260.0),
    L("J1200", 1, None, "00641-0376-21", 0.5, charge=4.0),
    L("J1100", 8, None, "63323-0165-01", 2, charge=8.0),
    L("96413", 1, charge=420.0), L("96417", 1, charge=190.0), L("96375", 2, charge=110.0),
], pa="PA-N-2020", patient=pt("P-U20", "1962-02-14", sex="M", kg=80.0, height=180), coverage={"start_date": "2022-01-01"},
    authorizations=[{"number": "PA-N-2020", "codes": ["J9308"], "units": 1440, "status": "approved", "start_date": "2026-10-01",
                     "end_date": "2027-03-31"}],
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVA", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "wild_type", "alk": "negative"}, "ecog": 1,
              "prior_therapies": [{"drug": "carboplatin", "setting": "metastatic", "line": 1, "start_date": "2025-11-01",
                                   "end_date": "2026-09-01", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "pemetrexed", "setting": "metastatic", "line": 1, "start_date": "2025-11-01",
                                   "end_date": "2026-09-01", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "pembrolizumab", "setting": "metastatic", "line": 1, "start_date": "2025-11-01",
                                   "end_date": "2026-09-01", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[adm(d, "ramucirumab", 800, route="IV", start=f"{d}T09:00", end=f"{d}T10:00", lot_number="R2001", waste_mg=0,
                         vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 3}]),
                     adm(d, "docetaxel", 137, route="IV", start=f"{d}T10:10", end=f"{d}T11:10"),
                     adm(d, "diphenhydramine", 25, route="IV"), adm(d, "dexamethasone", 8, route="IV")],
    documentation=rec())
# A real biller splits 800 mg = 500 mg vial (100 units) + 3 x 100 mg vials (60 units)
doc["claim"]["lines"][0]["units"] = 100
doc["claim"]["lines"][0]["charge"] = 7600.0
doc["claim"]["lines"][1].update({"units": 60, "modifiers": ["JZ"], "ndc_quantity": 30, "charge": 4560.0})
add("20-ramucirumab-nsclc-docetaxel-commercial-pa", "Metastatic non-squamous NSCLC (EGFR/ALK negative) after progression on "
    "carboplatin/pemetrexed/pembrolizumab, commercial with PA: ramucirumab 10 mg/kg x 80 kg = 800 mg (one 500 mg + three "
    "100 mg vials: 100 + 60 units on two NDC lines, JZ) before docetaxel 75 mg/m2 (REVEL), ECOG 1.", doc, "clean",
    basis="Cyramza label NSCLC with docetaxel after platinum (10 mg/kg q3w); Aetna CPB 0883 (ECOG 0-2, no prior docetaxel); "
    "Prime VP-0199 240 units/14 days.")
doc["claim"]["lines"][1]["modifiers"] = ["JZ"]

# 21 NSCLC EGFR L858R, docetaxel 2nd line without prior targeted therapy
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-21"
doc["patient"]["id"] = "P-U21"
doc["clinical"]["biomarkers"]["egfr"] = "l858r"
add("21-ramucirumab-nsclc-egfr-no-tki-commercial", "Same REVEL day as 20, but the tumour has EGFR L858R and the patient "
    "never received an EGFR TKI (progressed on platinum chemo-immunotherapy only).", doc, "denied", [(1, "50"), (2, "50")],
    basis="Cyramza label: patients with EGFR or ALK genomic tumour aberrations should have progressed on FDA-approved therapy "
    "for these aberrations before ramucirumab + docetaxel; Aetna CPB 0883.", confidence="medium")

# 22 NSCLC RELAY erlotinib first line Medicare
d = "2026-04-21"
doc = claim("UNS-22", "medicare", d, "2026-04-27", ["C34.31", "C79.31"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 40, ["JZ"], CYR100, 10, charge=3040.0, ptr=(1, 2)),
    L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96374", 1, charge=60.0),
], patient=pt("P-U22", "1954-07-07", kg=70.0), coverage={"start_date": "2019-07-01"},
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "exon19_deletion", "alk": "negative"}, "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["erlotinib"]},
    administrations=[adm("2026-04-07", "ramucirumab", 700),
                     adm(d, "ramucirumab", 700, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="R2201", waste_mg=0,
                         vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}]),
                     adm(d, "diphenhydramine", 25, route="IV")],
    documentation=rec())
doc["claim"]["lines"][1]["ndc_quantity"] = 20
add("22-ramucirumab-nsclc-relay-erlotinib-medicare", "First-line metastatic NSCLC with EGFR exon 19 deletion, Medicare: "
    "ramucirumab 10 mg/kg x 70 kg = 700 mg every 2 weeks with oral erlotinib (RELAY); 500 mg + 2 x 100 mg vials (100 + 40 "
    "units), H1 push coded 96374 (initial push) next to the 96413.", doc, "denied", [(5, "97")],
    basis="Cyramza label NSCLC first line with erlotinib (clean drug lines); NCCI policy manual ch.XI: one initial "
    "administration per encounter, the premedication push is 96375 -> 96374 denied CO-97 (written first as clean: the "
    "biller's coding error was mine, the KB caught it).")
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-22B"
doc["patient"]["id"] = "P-U22B"
doc["claim"]["lines"][4]["code"] = "96375"
add("22b-ramucirumab-nsclc-relay-96375-medicare", "The RELAY day of 22 coded correctly: the H1 push is 96375.", doc, "clean",
    basis="Cyramza label; NCCI ch.XI (sequential push 96375 with 96413).")

# 23 gastric first line (no prior fluoropyrimidine/platinum)
d = "2026-03-03"
doc = copy.deepcopy(SCEN[15][2])
doc["claim"]["id"] = "UNS-23"
doc["patient"]["id"] = "P-U23"
doc["clinical"]["prior_therapies"] = []
doc["administrations"] = doc["administrations"][1:]
add("23-ramucirumab-gastric-first-line-medicare", "Same RAINBOW-style day as 16, but ramucirumab + paclitaxel is the first "
    "treatment for metastatic disease (no prior fluoropyrimidine or platinum).", doc, "denied", [(1, "50"), (2, "50")],
    basis="Cyramza label gastric indication: disease progression on or after prior fluoropyrimidine- or platinum-containing "
    "chemotherapy; NCCN lists ramucirumab as second line.")

# 24 gastric timely filing > 1 year Medicare
doc = copy.deepcopy(SCEN[15][2])
doc["claim"]["id"] = "UNS-24"
doc["patient"]["id"] = "P-U24"
doc["claim"]["received_date"] = "2027-03-04"
add("24-ramucirumab-gastric-filed-late-medicare", "The clean RAINBOW day of 16, received 2027-03-04 (one year and one day "
    "after the 2026-03-03 date of service).", doc, "denied", [(None, "29")],
    basis="Medicare timely filing: 1 calendar year from DOS (42 CFR 424.44; Noridian timely filing page); CO-29 on every line.")

# 25 CRC commercial no PA on file
doc = copy.deepcopy(SCEN[16][2])
doc["claim"]["id"] = "UNS-25"
doc["claim"]["payer"] = "commercial"
doc["patient"]["id"] = "P-U25"
doc["patient"]["birth_date"] = "1970-05-19"
doc["authorizations"] = []
doc["administrations"][-1]["end"] = "2026-09-10T09:05"  # pump end charted: keep finding F1 out of this scenario
for ln in doc["claim"]["lines"]:
    if ln["code"].startswith("J") and "ndc" not in ln:
        ln.update({"ndc": {"J9206": "00409-0379-01", "J0640": "00703-5140-01", "J9190": "63323-0117-10", "J1100": "63323-0165-01",
                           "J2405": "00409-4755-03", "J1200": "00641-0376-21", "J0461": "00517-0401-25"}[ln["code"]],
                   "ndc_quantity": 1, "ndc_unit": "ML"})
add("25-ramucirumab-crc-commercial-no-pa", "The FOLFIRI + ramucirumab day of 17 on a commercial plan whose PA file for the "
    "patient is empty (authorizations: []).", doc, "denied", [(1, "197"), (2, "197"), (3, "197")],
    basis="Aetna CPB 0883 / Prime VP-0199: ramucirumab requires precertification; no authorization -> CO-197 on the J9308 lines.")

# ---------------------------------------------------------------- trastuzumab products ---------------------------------
# 26 Herceptin J9355 commercial, established patient (started Herceptin before), PA on file
d = "2026-05-26"
doc = claim("UNS-26", "commercial", d, "2026-06-01", ["C50.911", "Z17.31"], [
    L("J9355", 36, None, HERC420, 1, unit="UN", charge=3300.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], pa="PA-H-2626", patient=pt("P-U26", "1971-01-01", kg=60.0), coverage={"start_date": "2024-01-01"},
    authorizations=[{"number": "PA-H-2626", "codes": ["J9355"], "units": 1200, "status": "approved", "start_date": "2026-01-01",
                     "end_date": "2026-12-31"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIA", "tumor_size_cm": 2.2, "node_positive": False},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-11-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-10", "percent": 62}], "ecog": 0,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2025-12-15", "end_date": "2026-03-02",
                                   "progressed": False, "stop_reason": "completed"}], "concurrent_drugs": []},
    administrations=q3w(["2025-12-15", "2026-01-05", "2026-01-26", "2026-02-16", "2026-03-09", "2026-03-30", "2026-04-20",
                         "2026-05-11"], "Herceptin", 480, 360)[:7] + [
        adm(d, "Herceptin", 360, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="HC2601")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["administrations"][6]["date"] = "2026-05-05"
add("26-herceptin-established-patient-commercial-pa", "HER2+ EBC on adjuvant Herceptin (J9355) since 2025-12-15 (paclitaxel "
    "+ trastuzumab, APT), commercial plan with an approved PA: 8th dose of Herceptin 6 mg/kg from the 420 mg vial.", doc,
    "clean", basis="QualChoice BI640: the biosimilar step applies to new starts; PA approved and on file for J9355 (the payer "
    "approved Herceptin), so the claim pays.", confidence="medium")

# 27 Herceptin Hylecta Medicare
d = "2026-07-07"
doc = claim("UNS-27", "medicare", d, "2026-07-13", ["C50.511", "Z17.420"], [
    L("J9356", 60, ["JZ"], HYLECTA, 5, charge=4600.0, ptr=(1, 2)),
    L("96401", 1, charge=110.0),
], patient=pt("P-U27", "1948-06-30", kg=55.0), coverage={"start_date": "2013-06-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "I", "tumor_size_cm": 0.9, "node_positive": False},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-05", "fda_approved_test": True}},
              "lvef": [{"date": "2026-05-01", "percent": 60}], "ecog": 1, "prior_therapies": [], "concurrent_drugs": []},
    administrations=[adm("2026-06-16", "trastuzumab-hyaluronidase-oysk", 600, route="SC"),
                     adm(d, "trastuzumab-hyaluronidase-oysk", 600, route="SC", start=f"{d}T10:00", end=f"{d}T10:05",
                         lot_number="HY2701", waste_mg=0)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("27-herceptin-hylecta-adjuvant-t1b-medicare", "HER2+ T1b N0 EBC (0.9 cm), Medicare, adjuvant Herceptin Hylecta 600 mg "
    "SC (J9356, 60 units, JZ, 96401) after weekly paclitaxel (APT regimen).", doc, "clean",
    basis="Herceptin Hylecta label: adjuvant HER2-overexpressing node-negative or node-positive breast cancer (no size "
    "threshold); 600 mg fixed dose q3w; J9356 per 10 mg.")

# 28 Ogivri from 150 mg single-dose vials with JW
d = "2026-09-15"
doc = claim("UNS-28", "medicare", d, "2026-09-21", ["C50.111", "Z17.31"], [
    L("Q5114", 35, None, OGIVRI150, 3, unit="UN", charge=2500.0, ptr=(1, 2)),
    L("Q5114", 10, ["JW"], OGIVRI150, 1, unit="UN", charge=700.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U28", "1957-02-02", kg=58.0), coverage={"start_date": "2022-02-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-10-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-08-01", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-10-20",
                                   "end_date": "2026-02-20", "progressed": False, "stop_reason": "completed"},
                                  {"drug": "pertuzumab", "setting": "metastatic", "line": 1, "start_date": "2025-10-20",
                                   "end_date": "2026-06-01", "progressed": False, "stop_reason": "toxicity"}],
              "concurrent_drugs": [],
              "response_assessments": [{"date": "2026-08-10", "status": "stable", "method": "imaging"}]},
    administrations=[adm("2026-08-25", "trastuzumab-dkst", 348),
                     adm(d, "trastuzumab-dkst", 348, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="OG2801",
                         waste_mg=102, waste_reason="single-dose vial remainder", vials=[{"ndc": OGIVRI150, "count": 3}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("28-ogivri-single-dose-vials-with-jw-medicare", "HER2+ MBC, Medicare, trastuzumab maintenance alone (pertuzumab "
    "stopped for diarrhoea): Ogivri 6 mg/kg x 58 kg = 348 mg from three 150 mg single-dose vials; 35 units given + 10 JW "
    "units discarded (102 mg).", doc, "clean", basis="Ogivri/trastuzumab label (MBC, 6 mg/kg q3w); CMS JW policy for "
    "single-dose vials: 45 units bought = 35 + 10 JW; waste documented.", confidence="medium")

# 29 Hercessi Q5146 before its code date
d = "2024-11-12"
doc = claim("UNS-29", "medicare", d, "2024-11-18", ["C50.911", "Z17.31"], [
    L("Q5146", 41, None, "69448-0015-05", 3, unit="UN", charge=2300.0, ptr=(1, 2)),
    L("Q5146", 4, ["JW"], "69448-0015-05", 1, unit="UN", charge=200.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U29", "1951-03-03", kg=68.0), coverage={"start_date": "2016-03-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2024-06-01", "fda_approved_test": True}},
              "lvef": [{"date": "2024-09-01", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2024-06-20",
                                   "end_date": "2024-10-01", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": [], "response_assessments": [{"date": "2024-10-15", "status": "response", "method": "imaging"}]},
    administrations=[adm(d, "trastuzumab-strf", 408, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="HS2901",
                         waste_mg=42, vials=[{"ndc": "69448-0015-05", "count": 3}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("29-hercessi-q5146-before-2025-medicare", "Hercessi (trastuzumab-strf) billed with Q5146 for a 2024-11-12 date of "
    "service; Q5146 is effective 2025-01-01 (before it: an unclassified biosimilar code).", doc, "denied", [(1, "181"), (2, "181")],
    basis="CMS HCPCS quarterly update (Q5146 effective 2025-01-01; Accord BioPharma notice in facts.md); a code billed before "
    "its effective date is invalid for the DOS: CO-181 (+ M20 per Palmetto).", confidence="medium")

# 30 trastuzumab (Trazimera) for HER2+ gastric cancer first line with CAPOX (ToGA)
d = "2026-04-28"
doc = claim("UNS-30", "medicare", d, "2026-05-04", ["C16.0", "C78.7"], [
    L("Q5116", 57, None, TRAZ420, 2, unit="UN", charge=4100.0, ptr=(1, 2)),
    L("J9263", 220, charge=90.0),
    L("J2405", 8, charge=6.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=80.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U30", "1949-12-24", sex="M", kg=71.0), coverage={"start_date": "2014-12-01"},
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IV",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-04-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-10", "percent": 60}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["oxaliplatin", "capecitabine"]},
    administrations=[adm(d, "trastuzumab-qyyp", 568, route="IV", start=f"{d}T09:00", end=f"{d}T10:35", lot_number="T3001"),
                     adm(d, "oxaliplatin", 220, route="IV", start=f"{d}T10:40", end=f"{d}T12:40")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("30-trazimera-her2-gastric-first-line-medicare", "HER2+ (IHC 3+) metastatic GEJ adenocarcinoma, Medicare, first line "
    "trastuzumab + CAPOX (ToGA): Trazimera 8 mg/kg x 71 kg = 568 mg loading (95 min, 96413 + 96415), oxaliplatin (96417).",
    doc, "clean", basis="Trastuzumab/Trazimera label: HER2-overexpressing metastatic gastric or GEJ adenocarcinoma with "
    "cisplatin + capecitabine/5-FU, 8 mg/kg load then 6 mg/kg q3w; NCCN allows oxaliplatin.")

# ---------------------------------------------------------------- claim mechanics --------------------------------------
# 31 Z51.12 first, C50 second (common coding order)
doc = copy.deepcopy(SCEN[1][2])
doc["claim"]["id"] = "UNS-31"
doc["patient"]["id"] = "P-U31"
doc["claim"]["diagnoses"] = ["Z51.12", "C50.911", "C79.51", "Z17.31"]
for ln in doc["claim"]["lines"]:
    ln["diagnosis_pointers"] = [1, 2, 3, 4] if ln["code"] in ("J9306", "Q5116") else [1, 2]
add("31-pertuzumab-z5112-first-listed-medicare", "The maintenance day of 02 coded with Z51.12 (encounter for antineoplastic "
    "immunotherapy) first and the cancer second, as ICD-10-CM guideline I.C.21.c.12 / I.C.2.e.2 directs.", doc, "clean",
    basis="ICD-10-CM Official Guidelines: when the encounter is for antineoplastic immunotherapy, Z51.12 is first-listed and "
    "the malignancy secondary; pointers include the cancer.")

# 32 male breast cancer
doc = copy.deepcopy(SCEN[0][2])
doc["claim"]["id"] = "UNS-32"
doc["patient"].update({"id": "P-U32", "sex": "M"})
doc["patient"].pop("pregnant", None)
doc["claim"]["diagnoses"] = ["C50.422", "C78.01", "Z17.31"]
add("32-pertuzumab-male-mbc-medicare", "The THP loading day of 01 for a man with HER2+ metastatic breast cancer (C50.422).",
    doc, "clean", basis="Perjeta label is not sex-limited (adult patients with HER2+ MBC); male breast cancer is treated as "
    "female (NCCN).")

# 33 Z85.3 history code only for active adjuvant treatment
doc = copy.deepcopy(SCEN[4][2])
doc["claim"]["id"] = "UNS-33"
doc["patient"]["id"] = "P-U33"
doc["claim"]["diagnoses"] = ["Z85.3", "Z17.410"]
add("33-pertuzumab-adjuvant-coded-z853-medicare", "The adjuvant AC-THP day of 05, but the biller coded only Z85.3 (personal "
    "history of breast cancer) and Z17.410.", doc, "denied", [(1, "11"), (2, "11")],
    basis="ICD-10-CM guideline I.C.2.d/m: a cancer under active treatment (adjuvant) is coded as current (C50.-), not Z85.3; "
    "a history code does not support an antineoplastic drug (CARC 11 / 167).", confidence="medium")

# 34 exact duplicate of a paid claim
doc = copy.deepcopy(SCEN[1][2])
doc["claim"]["id"] = "UNS-34"
doc["patient"]["id"] = "P-U34"
doc["prior_claims"] = [{"id": "UNS-34-ORIG", "status": "paid", "frequency_code": "1", "provider_npi": NPI_BILL,
                        "lines": [{"code": "J9306", "service_date": "2026-06-16", "units": 420, "modifiers": ["JZ"], "paid_units": 420},
                                  {"code": "Q5116", "service_date": "2026-06-16", "units": 36, "paid_units": 36},
                                  {"code": "96413", "service_date": "2026-06-16", "units": 1, "paid_units": 1},
                                  {"code": "96417", "service_date": "2026-06-16", "units": 1, "paid_units": 1}]}]
add("34-duplicate-of-paid-claim-medicare", "The maintenance day of 02 submitted again after the original was paid (same "
    "provider, codes, units and date).", doc, "denied", [(1, "18"), (2, "18"), (3, "18"), (4, "18")],
    basis="Medicare exact duplicate edit: OA-18 (CARC 18) for each duplicated line (Noridian duplicate denials).")

# 35 corrected claim (frequency 7) replacing the paid original
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-35"
doc["claim"]["frequency_code"] = "7"
doc["claim"]["original_claim_id"] = "UNS-34-ORIG"
doc["patient"]["id"] = "P-U35"
add("35-replacement-claim-freq7-medicare", "The same day sent as a replacement claim (CLM05-3 = 7) for the paid original "
    "(charges corrected).", doc, "clean", basis="X12 837 frequency 7 replaces the original claim; it is not a duplicate "
    "(CMS Pub 100-04 ch.1 s.70.x adjustments; FORMATS.md s.3).")

# 36 JZ missing, DOS 2023-08 (JZ required from 2023-07-01, edits returned only from 2023-10-01)
d = "2023-08-15"
doc = claim("UNS-36", "medicare", d, "2023-08-22", ["C50.911", "Z17.0"], [
    L("J9306", 420, None, PERJ, 14, charge=4700.0, ptr=(1, 2)),
    L("96413", 1, charge=340.0),
], patient=pt("P-U36", "1950-05-05", kg=68.0), coverage={"start_date": "2015-05-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2023-03-01", "fda_approved_test": True}},
              "lvef": [{"date": "2023-07-01", "percent": 60}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab", "docetaxel"],
              "response_assessments": [{"date": "2023-07-10", "status": "response", "method": "imaging"}]},
    administrations=[adm("2023-07-25", "pertuzumab", 420),
                     adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:40", lot_number="H3601", waste_mg=0)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("36-pertuzumab-no-jz-august-2023-medicare", "Pertuzumab 420 mg (whole vial, no waste) without JZ, DOS 2023-08-15, "
    "received 2023-08-22 - in the JZ grace period.", doc, "clean",
    basis="CMS JW/JZ FAQ and CGS/Noridian: JZ required for DOS on/after 2023-07-01, but claims lacking it are returned as "
    "unprocessable only from 2023-10-01; a claim processed in August 2023 pays (post-payment education risk only).",
    confidence="low")

# 37 HOPD institutional ramucirumab gastric with revenue-only pharmacy line
d = "2026-03-17"
doc = claim("UNS-37", "medicare", d, "2026-03-26", ["C16.9", "C78.6"], [
    {"code": "J9308", "modifiers": ["JZ"], "units": 100, "ndc": CYR500, "ndc_quantity": 50, "ndc_unit": "ML",
     "revenue_code": "0636", "charge": 11400.0},
    {"code": "J9308", "modifiers": ["JZ"], "units": 20, "ndc": CYR100, "ndc_quantity": 10, "ndc_unit": "ML",
     "revenue_code": "0636", "charge": 2280.0},
    {"code": "J9267", "units": 150, "revenue_code": "0636", "charge": 90.0},
    {"revenue_code": "0250", "units": 3, "charge": 45.0},
    {"code": "96413", "units": 1, "revenue_code": "0335", "charge": 610.0},
    {"code": "96417", "units": 1, "revenue_code": "0335", "charge": 280.0},
    {"code": "96375", "units": 2, "revenue_code": "0260", "charge": 160.0},
], form="institutional", tob="0131", entity="hospital_outpatient",
    patient=pt("P-U37", "1951-11-03", sex="M", kg=75.0), coverage={"start_date": "2016-11-01"},
    clinical=copy.deepcopy(SCEN[15][2]["clinical"]),
    administrations=[adm("2026-03-03", "ramucirumab", 600),
                     adm(d, "ramucirumab", 600, route="IV", start=f"{d}T09:10", end=f"{d}T09:45", lot_number="R3701", waste_mg=0),
                     adm(d, "paclitaxel", 150, route="IV", start=f"{d}T10:45", end=f"{d}T11:50")],
    documentation=rec())
add("37-ramucirumab-hopd-0131-medicare", "The RAINBOW day of 16 in a hospital outpatient department on an 837I (TOB 0131): "
    "J9308 on two NDC lines under revenue code 0636, paclitaxel, packaged premedications on a revenue-code-only 0250 line, "
    "96413/96417 (0335), 96375 (0260).", doc, "clean",
    basis="Cyramza label; CMS OPPS: drugs with HCPCS under 0636, packaged drugs may bill under 0250 without HCPCS; JW/JZ "
    "apply to separately payable OPPS drugs.")

# 38 HOPD institutional commercial Phesgo
d = "2026-08-04"
doc = claim("UNS-38", "commercial", d, "2026-08-12", ["C50.411", "Z17.410"], [
    {"code": "J9316", "modifiers": ["JZ"], "units": 120, "ndc": PHESGO_M, "ndc_quantity": 10, "ndc_unit": "ML",
     "revenue_code": "0636", "charge": 14200.0},
    {"code": "96401", "units": 1, "revenue_code": "0335", "charge": 260.0},
    {"code": "G0463", "units": 1, "revenue_code": "0510", "modifiers": ["25"], "charge": 190.0},
], form="institutional", tob="0131", entity="hospital_outpatient", pa="PA-PH-3838",
    patient=pt("P-U38", "1976-12-12", kg=77.0), coverage={"start_date": "2024-01-01"},
    authorizations=[{"number": "PA-PH-3838", "codes": ["J9316"], "units": 2220, "status": "approved", "start_date": "2026-06-01",
                     "end_date": "2027-05-31"}],
    clinical=copy.deepcopy(SCEN[9][2]["clinical"]),
    administrations=copy.deepcopy(SCEN[9][2]["administrations"]),
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("38-phesgo-hopd-commercial-pa", "The Phesgo maintenance day of 10 in a hospital outpatient department, commercial plan "
    "with an approved PA, 837I TOB 0131 (J9316 under 0636, 96401 under 0335, clinic visit G0463 under 0510).", doc, "clean",
    basis="Phesgo label; Aetna CPB 0977 precert on file; G0463 is the OPPS clinic-visit code (hospital).")

# 39 commercial pertuzumab MBC, no documentation section (837 without sidecar) -- allowed undetermined
# 39 commercial claim missing NDC on the drug line
doc = copy.deepcopy(SCEN[2][2])
doc["claim"]["id"] = "UNS-39"
doc["patient"]["id"] = "P-U39"
for k in ("ndc", "ndc_quantity", "ndc_unit"):
    doc["claim"]["lines"][0].pop(k)
add("39-commercial-pertuzumab-line-without-ndc", "The TCHP day of 03, but the J9306 line was sent without its NDC (commercial "
    "plan that requires NDCs on drug lines).", doc, "denied", [(1, "16")],
    basis="Commercial/Medicaid NDC billing requirement: drug line without NDC rejected CO-16 + M119.")

# 40 Medicare LVEF 48% MBC (below 50%), continuing after a drop >= 10 points -> hold per label
d = "2026-06-16"
doc = copy.deepcopy(SCEN[1][2])
doc["claim"]["id"] = "UNS-40"
doc["patient"]["id"] = "P-U40"
doc["clinical"]["lvef"] = [{"date": "2025-11-20", "percent": 60}, {"date": "2026-02-18", "percent": 55},
                           {"date": "2026-06-09", "percent": 38}]
add("40-pertuzumab-mbc-lvef-38-medicare", "The maintenance day of 02, but the echocardiogram a week before shows LVEF 38% "
    "(from 60% at baseline) and P+T were given anyway with no documented justification.", doc, "denied", [(1, "50"), (2, "50")],
    basis="Perjeta label MBC: withhold P+T for at least 3 weeks for LVEF < 40%; trastuzumab label: withhold for a >= 16-point "
    "absolute drop. Not reasonable and necessary without justification.", confidence="medium")


# ---------------------------------------------------------------- second batch ------------------------------------------
def _by(name):
    return copy.deepcopy(next(s for s in SCEN if s[0] == name)[2])


# 41 Hercessi Q5146 after its code date (2026), single-dose vials with JW
doc = _by("29-hercessi-q5146-before-2025-medicare")
d = "2026-11-03"
doc["claim"]["id"] = "UNS-41"
doc["patient"]["id"] = "P-U41"
doc["claim"]["received_date"] = "2026-11-09"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["clinical"]["biomarkers"]["her2"]["test_date"] = "2026-06-01"
doc["clinical"]["lvef"] = [{"date": "2026-09-01", "percent": 60}]
doc["clinical"]["prior_therapies"][0].update({"start_date": "2026-06-20", "end_date": "2026-10-01"})
doc["clinical"]["response_assessments"] = [{"date": "2026-10-15", "status": "response", "method": "imaging"}]
doc["administrations"][0]["date"] = d
doc["administrations"][0]["start"] = f"{d}T09:00"
doc["administrations"][0]["end"] = f"{d}T09:35"
doc["administrations"].insert(0, adm("2026-10-13", "trastuzumab-strf", 408))
add("41-hercessi-q5146-after-2025-medicare", "HER2+ MBC, Medicare, Hercessi (trastuzumab-strf) 6 mg/kg x 68 kg = 408 mg "
    "from three 150 mg single-dose vials, DOS 2026-11-03: Q5146 41 units + 4 JW units (42 mg discarded).", doc, "clean",
    basis="Q5146 effective 2025-01-01 (Accord notice, facts.md s.1); trastuzumab label MBC maintenance; CMS JW policy "
    "(45 units bought = 41 + 4).")

# 42 pertuzumab in second-line MBC after progression on THP (label: no prior anti-HER2 for metastatic disease)
doc = _by("01-pertuzumab-mbc-first-line-loading-medicare")
doc["claim"]["id"] = "UNS-42"
doc["patient"]["id"] = "P-U42"
doc["clinical"]["prior_therapies"] = [
    {"drug": "pertuzumab", "setting": "metastatic", "line": 1, "start_date": "2024-03-01", "end_date": "2026-01-20",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "trastuzumab", "setting": "metastatic", "line": 1, "start_date": "2024-03-01", "end_date": "2026-01-20",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2024-03-01", "end_date": "2024-07-15",
     "progressed": False, "stop_reason": "completed"}]
add("42-pertuzumab-mbc-rechallenge-after-progression-medicare", "The THP loading day of 01 for a patient whose metastatic "
    "disease progressed on first-line pertuzumab + trastuzumab + docetaxel (re-challenge in second line).", doc, "denied",
    [(1, "50")], basis="Perjeta label MBC: no prior anti-HER2 therapy or chemotherapy for metastatic disease; Aetna CPB 0973; "
    "NCCN second line is T-DXd. Trastuzumab beyond progression is accepted (not denied).", confidence="medium")

# 43 pertuzumab 420 mg 14 days after the previous dose, commercial (Prime: 420 units per 21 days after the load)
doc = _by("03-pertuzumab-neoadjuvant-tchp-commercial-pa")
d = "2026-04-21"
doc["claim"]["id"] = "UNS-43"
doc["patient"]["id"] = "P-U43"
doc["claim"]["received_date"] = "2026-04-27"
doc["claim"]["lines"] = [ln for ln in doc["claim"]["lines"] if ln["code"] in ("J9306", "96413")]
doc["claim"]["lines"][0].update({"units": 420, "ndc_quantity": 14, "charge": 5600.0})
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
    ln["service_date"] = d
doc["administrations"] = [adm("2026-04-07", "pertuzumab", 840), adm("2026-04-07", "trastuzumab-qyyp", 512),
                          adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:40", lot_number="H4301",
                              waste_mg=0)]
doc["clinical"]["concurrent_drugs"] = ["trastuzumab-qyyp", "docetaxel", "carboplatin"]
add("43-pertuzumab-maintenance-after-14-days-commercial", "Neoadjuvant TCHP patient of 03: pertuzumab 420 mg given 14 days "
    "after the 840 mg load (schedule is every 21 days), commercial plan with PA.", doc, "denied", [(1, "151")],
    basis="Perjeta label (every 3 weeks); Prime VP-0096 / Centene dose limits: 840 mg once, then 420 mg per 21 days -> "
    "frequency exceeded (CO-151; some plans CO-119 or 198).", confidence="medium")

# 44 weekly trastuzumab (APT regimen) with weekly paclitaxel, Trazimera 150 mg single-dose vial
d = "2026-03-17"
doc = claim("UNS-44", "medicare", d, "2026-03-23", ["C50.311", "Z17.420"], [
    L("Q5116", 14, None, TRAZ150, 1, unit="UN", charge=1000.0, ptr=(1, 2)),
    L("Q5116", 1, ["JW"], TRAZ150, 1, unit="UN", charge=70.0, ptr=(1, 2)),
    L("J9267", 136, charge=60.0), L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U44", "1956-08-19", kg=68.0), coverage={"start_date": "2021-08-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IA", "tumor_size_cm": 1.4, "node_positive": False},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-20", "fda_approved_test": True}},
              "lvef": [{"date": "2026-02-20", "percent": 63}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-03-03", "trastuzumab-qyyp", 272), adm("2026-03-10", "trastuzumab-qyyp", 136),
                     adm(d, "trastuzumab-qyyp", 136, route="IV", start=f"{d}T09:00", end=f"{d}T09:30", lot_number="T4401",
                         waste_mg=14, vials=[{"ndc": TRAZ150, "count": 1}]),
                     adm(d, "paclitaxel", 136, route="IV", start=f"{d}T09:35", end=f"{d}T10:40")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("44-trazimera-weekly-apt-regimen-medicare", "HER2+ T1c N0 EBC, Medicare, APT regimen: weekly paclitaxel 80 mg/m2 with "
    "weekly trastuzumab (4 mg/kg load, then 2 mg/kg = 136 mg), third week, from one 150 mg single-dose vial: 14 units + 1 JW.",
    doc, "clean", basis="Trastuzumab/Trazimera label adjuvant dosing: 4 mg/kg then 2 mg/kg weekly with paclitaxel (then "
    "6 mg/kg q3w); Prime VP-0057 90 units/21 days not exceeded (3 x 14 = 42); CMS JW for the 14 mg remainder.")

# 45 ramucirumab gastric monotherapy (REGARD), rounding 113.6 -> 114 units + JW 6
d = "2026-05-19"
doc = claim("UNS-45", "medicare", d, "2026-05-26", ["C16.3"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0),
    L("J9308", 14, None, CYR100, 6.8, charge=1060.0),
    L("J9308", 6, ["JW"], CYR100, 3.2, charge=460.0),
    L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96375", 1, charge=45.0),
], patient=pt("P-U45", "1953-04-04", sex="M", kg=71.0), coverage={"start_date": "2018-04-01"},
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "ecog": 2,
              "prior_therapies": [{"drug": "fluorouracil", "setting": "metastatic", "line": 1, "start_date": "2025-06-01",
                                   "end_date": "2026-04-01", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "oxaliplatin", "setting": "metastatic", "line": 1, "start_date": "2025-06-01",
                                   "end_date": "2026-04-01", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm("2026-05-05", "ramucirumab", 568),
                     adm(d, "ramucirumab", 568, route="IV", start=f"{d}T09:10", end=f"{d}T09:45", lot_number="R4501", waste_mg=32,
                         vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     adm(d, "diphenhydramine", 25, route="IV")],
    documentation=rec())
# 96375 after 96413 (push of a different drug) is right; but a premed push BEFORE the chemo is still 96375 (CPT hierarchy)
add("45-ramucirumab-gastric-monotherapy-rounding-medicare", "Metastatic gastric adenocarcinoma after FOLFOX progression, "
    "ECOG 2, Medicare, single-agent ramucirumab (REGARD) 8 mg/kg x 71 kg = 568 mg: 100 units on the 500 mg NDC + 68 mg = 13.6 -> 14 units "
    "on the 100 mg NDC, 32 mg discarded -> 6 JW units (100 + 14 + 6 = 120 units = 600 mg).", doc, "clean",
    basis="Cyramza label (alone or with paclitaxel after fluoropyrimidine/platinum); CMS/FCSO units rounded up to the "
    "next billing unit; JW + administered = package.")

# 46 Kanjinti (Q5117), commercial, NDC not in the KB's product table
doc = _by("26-herceptin-established-patient-commercial-pa")
doc["claim"]["id"] = "UNS-46"
doc["patient"]["id"] = "P-U46"
doc["claim"]["prior_authorization"] = None
del doc["claim"]["prior_authorization"]
doc["authorizations"] = []
# NDC corrected by the lead (session 14): the tester meant the 420 mg vial, which is 55513-0132-01; 55513-0141-01 is the
# 150 mg vial (CMS ASP NDC-HCPCS crosswalk, October 2025: 42 and 15 billing units), which the KB now knows
doc["claim"]["lines"][0].update({"code": "Q5117", "ndc": "55513-0132-01"})
for a in doc["administrations"]:
    a["drug"] = "Kanjinti"
add("46-kanjinti-commercial-no-pa-needed", "The adjuvant trastuzumab day of 26 with Kanjinti (Q5117, a preferred "
    "biosimilar) on the commercial plan, PA file empty (the plan needs none for biosimilars); the 420 mg vial NDC "
    "55513-0132-01.", doc, "clean",
    basis="QualChoice BI640 / UHC: preferred biosimilars (Kanjinti) need no PA or step; NDC present as the plan requires.",
    confidence="medium")

# 47 Phesgo after switching from IV P+T < 6 weeks: maintenance dose is right
doc = _by("10-phesgo-maintenance-medicare")
doc["claim"]["id"] = "UNS-47"
doc["patient"]["id"] = "P-U47"
doc["administrations"] = [adm("2026-06-23", "pertuzumab", 420), adm("2026-06-23", "trastuzumab-qyyp", 462),
                          adm("2026-07-14", "pertuzumab", 420), adm("2026-07-14", "trastuzumab-qyyp", 462),
                          doc["administrations"][-1]]
add("47-phesgo-switch-from-iv-within-6-weeks-medicare", "EBC patient switched from IV pertuzumab + Trazimera (last IV "
    "dose 3 weeks earlier) to Phesgo: the first Phesgo dose is the 600/600 mg maintenance dose (J9316 120 units).", doc,
    "clean", basis="Phesgo label: patients switching from IV pertuzumab/trastuzumab within 6 weeks of the last dose start "
    "on the maintenance dose.")

# 48 professional claim billed by an oncologist for a hospital-outpatient infusion day (POS 22) -- drug on the hospital claim
doc = _by("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare")
doc["claim"]["id"] = "UNS-48"
doc["patient"]["id"] = "P-U48"
doc["claim"]["place_of_service"] = "22"
doc["claim"]["lines"] = [{"number": 1, "code": "99214", "units": 1, "service_date": "2026-06-16", "charge": 190.0,
                          "diagnosis_pointers": [1, 2, 3]}]
add("48-oncologist-em-only-pos22-medicare", "The oncologist's own professional claim for the maintenance day of 02 given in "
    "the hospital's infusion suite (POS 22): only the E/M visit; drug and administration are on the hospital's 837I.",
    doc, "clean", basis="CMS: in POS 22 the hospital bills drug and administration (OPPS), the physician bills the visit; "
    "an E/M-only claim is out of the KB's drug scope and must not be denied or undetermined.")


# ---------------------------------------------------------------- third batch -------------------------------------------
# 49 coverage terminated before the DOS, commercial
doc = _by("26-herceptin-established-patient-commercial-pa")
doc["claim"]["id"] = "UNS-49"
doc["patient"]["id"] = "P-U49"
doc["coverage"] = {"start_date": "2024-01-01", "end_date": "2026-05-15", "plan_type": "commercial"}
add("49-coverage-ended-before-dos-commercial", "The Herceptin day of 26 (2026-05-26), but the member's commercial coverage "
    "ended 2026-05-15 (job change).", doc, "denied", [(1, "27"), (2, "27")],
    basis="CARC 27: expenses incurred after coverage terminated (patient responsibility PR-27 on every line).")

# 50 paclitaxel-only day 8 of a RAINBOW cycle: nothing in scope
d = "2026-03-10"
doc = claim("UNS-50", "medicare", d, "2026-03-16", ["C16.2", "C78.6"], [
    L("J9267", 150, charge=60.0), L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96375", 2, charge=90.0),
], patient=pt("P-U50", "1951-11-03", sex="M", kg=75.0, height=178), coverage={"start_date": "2016-11-01"},
    clinical=_by("16-ramucirumab-gastric-two-ndc-lines-medicare")["clinical"],
    administrations=[adm("2026-03-03", "ramucirumab", 600),
                     adm(d, "paclitaxel", 150, route="IV", start=f"{d}T09:30", end=f"{d}T10:35"),
                     adm(d, "diphenhydramine", 25, route="IV"), adm(d, "dexamethasone", 10, route="IV")],
    documentation=rec())
add("50-paclitaxel-only-day-8-medicare", "Day 8 of a RAINBOW cycle (patient of 16): weekly paclitaxel with premedication "
    "pushes, no ramucirumab that day.", doc, "clean",
    basis="Nothing on the claim is a drug the KB models; 96413 for the paclitaxel infusion with documented times; 96375 x2.")

# 51 REVEL cycle 2, 21 days after cycle 1
doc = _by("20-ramucirumab-nsclc-docetaxel-commercial-pa")
doc["claim"]["id"] = "UNS-51"
doc["patient"]["id"] = "P-U51"
d = "2026-10-27"
doc["claim"]["received_date"] = "2026-11-02"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["administrations"] = [adm("2026-10-06", "ramucirumab", 800), adm("2026-10-06", "docetaxel", 137)] + [
    dict(a, date=d, **({"start": a["start"].replace("2026-10-06", d), "end": a["end"].replace("2026-10-06", d)} if "start" in a else {}))
    for a in doc["administrations"]]
add("51-ramucirumab-nsclc-revel-cycle-2-commercial", "The REVEL day of 20, cycle 2, 21 days after cycle 1 (PA units: 160 "
    "used of 1440).", doc, "clean", basis="Cyramza label (10 mg/kg day 1 of each 21-day cycle); Prime VP-0199 240 units per "
    "14 days; PA window and units.")

# 52 IV pertuzumab with Herceptin Hylecta (SC trastuzumab) -- a labelled combination
d = "2026-07-07"
doc = claim("UNS-52", "medicare", d, "2026-07-13", ["C50.411", "C78.01", "Z17.31"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("J9356", 60, ["JZ"], HYLECTA, 5, charge=4600.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96401", 1, charge=110.0),
], patient=pt("P-U52", "1952-02-02", kg=70.0), coverage={"start_date": "2017-02-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-10", "fda_approved_test": True}},
              "lvef": [{"date": "2026-05-20", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2026-01-27",
                                   "end_date": "2026-05-12", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-hyaluronidase-oysk"],
              "response_assessments": [{"date": "2026-06-01", "status": "response", "method": "imaging"}]},
    administrations=q3w(["2026-01-27", "2026-02-17", "2026-03-10", "2026-03-31", "2026-04-21", "2026-05-12", "2026-06-02",
                         "2026-06-23"], "pertuzumab", 840, 420)[:7] + [
        adm("2026-06-16", "trastuzumab-hyaluronidase-oysk", 600, route="SC"),
        adm(d, "pertuzumab", 420, route="IV", start=f"{d}T09:00", end=f"{d}T09:40", lot_number="H5201", waste_mg=0),
        adm(d, "trastuzumab-hyaluronidase-oysk", 600, route="SC", start=f"{d}T10:30", end=f"{d}T10:35", lot_number="HY5202",
            waste_mg=0)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["administrations"][6]["date"] = "2026-06-16"
add("52-pertuzumab-iv-with-herceptin-hylecta-medicare", "HER2+ MBC, Medicare, maintenance: IV pertuzumab 420 mg with "
    "trastuzumab-hyaluronidase-oysk 600 mg SC (Herceptin Hylecta, J9356), 96413 + 96401.", doc, "clean",
    basis="Perjeta label dosing: with trastuzumab IV or trastuzumab-hyaluronidase-oysk 600 mg SC every 3 weeks.")

# 53 EBC: the 18th dose (boundary) -- covered
doc = _by("06-pertuzumab-ebc-19th-cycle-medicare")
doc["claim"]["id"] = "UNS-53"
doc["patient"]["id"] = "P-U53"
d = "2026-06-30"
doc["claim"]["received_date"] = "2026-07-06"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
hist = [a for a in doc["administrations"] if a["date"] < "2026-06-30"][:17]
doc["administrations"] = hist + [dict(a, date=d, start=a["start"].replace("2026-07-21", d), end=a["end"].replace("2026-07-21", d))
                                 for a in doc["administrations"][-2:]]
add("53-pertuzumab-ebc-18th-cycle-medicare", "The adjuvant patient of 06 at her 18th and last pertuzumab dose (17 given "
    "since 2025-06-17, 54 weeks into treatment).", doc, "clean",
    basis="Perjeta label: EBC total of 1 year, up to 18 cycles -- the 18th cycle is within the course.", confidence="medium")

# 54 Phesgo MBC with docetaxel, Medicare
d = "2026-02-24"
doc = claim("UNS-54", "medicare", d, "2026-03-02", ["C50.911", "C78.7", "Z17.31"], [
    L("J9316", 120, ["JZ"], PHESGO_M, 10, charge=9100.0, ptr=(1, 2, 3)),
    L("J9171", 130, charge=240.0), L("J1100", 8, charge=8.0),
    L("96401", 1, charge=110.0), L("96413", 1, charge=350.0), L("96375", 1, charge=45.0),
], patient=pt("P-U54", "1958-08-08", kg=66.0), coverage={"start_date": "2023-08-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-05", "fda_approved_test": True}},
              "lvef": [{"date": "2026-01-20", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[adm("2026-02-03", "Phesgo", None, route="SC", components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}),
                     adm(d, "Phesgo", None, route="SC", components={"pertuzumab_mg": 600, "trastuzumab_mg": 600},
                         lot_number="P5401", waste_mg=0, start=f"{d}T09:00", end=f"{d}T09:05"),
                     adm(d, "docetaxel", 130, route="IV", start=f"{d}T09:40", end=f"{d}T10:40")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("54-phesgo-mbc-with-docetaxel-medicare", "HER2+ de novo MBC, Medicare, cycle 2: Phesgo 600/600 mg SC (96401) with "
    "docetaxel 75 mg/m2 (96413), dexamethasone push.", doc, "clean",
    basis="Phesgo label MBC (with docetaxel, no prior anti-HER2 or chemotherapy for metastatic disease).")

# 55 HCC after atezolizumab + bevacizumab (not sorafenib), AFP >= 400, Medicare
doc = _by("18-ramucirumab-hcc-afp-below-400-medicare")
doc["claim"]["id"] = "UNS-55"
doc["patient"]["id"] = "P-U55"
doc["clinical"]["biomarkers"]["afp_ng_ml"] = 880
doc["clinical"]["prior_therapies"] = [
    {"drug": "atezolizumab", "setting": "metastatic", "line": 1, "start_date": "2025-08-01", "end_date": "2026-05-01",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "bevacizumab", "setting": "metastatic", "line": 1, "start_date": "2025-08-01", "end_date": "2026-05-01",
     "progressed": True, "stop_reason": "progression"}]
add("55-ramucirumab-hcc-after-atezo-bev-medicare", "HCC with AFP 880 ng/mL that progressed on first-line atezolizumab + "
    "bevacizumab (today's standard; the label's trial population had sorafenib), Medicare.", doc, "clean",
    basis="NCCN Hepatobiliary (ramucirumab subsequent-line for AFP >= 400, category 2A after first-line systemic therapy); "
    "CMS Pub 100-02 ch.15 s.50.4.5: compendium-supported off-label anticancer use is covered.", confidence="medium")

# 56 JW line billed in mg instead of 5-mg units
doc = _by("17-ramucirumab-crc-folfiri-jw-medicare")
doc["claim"]["id"] = "UNS-56"
doc["patient"]["id"] = "P-U56"
doc["administrations"][-1]["end"] = "2026-09-10T09:05"
doc["claim"]["lines"][2]["units"] = 56
add("56-ramucirumab-jw-units-in-mg", "The FOLFIRI + ramucirumab day of 17 (pump end time charted), but the JW line bills "
    "56 units -- the discarded milligrams -- instead of 11 units of 5 mg.", doc, "denied", [(3, "16")],
    basis="CMS JW policy: the JW line bills the discarded amount in HCPCS units (56 mg = 11 units of J9308); 56 units = 280 mg "
    "is more than the 600 mg bought minus the 544 mg given. Denied as billed (CO-16 or CO-151).", confidence="medium")

# 57 Phesgo units billed as milligrams
doc = _by("10-phesgo-maintenance-medicare")
doc["claim"]["id"] = "UNS-57"
doc["patient"]["id"] = "P-U57"
doc["claim"]["lines"][0]["units"] = 1200
add("57-phesgo-units-billed-as-mg", "The Phesgo maintenance day of 10, but J9316 billed 1200 units (the combined "
    "milligrams) instead of 120 units of 10 mg.", doc, "denied", [(1, "16"), (1, "96")],
    basis="J9316 is per 10 mg (combined pertuzumab + trastuzumab); units above the documented dose are denied (CO-16 "
    "units/dose mismatch, or MUE CO-96/N362). With the CMS MUE of J9316 (180 units, MAI 3, 2024-07-01 file) encoded, "
    "both are named.", confidence="medium")


# ---------------------------------------------------------------- fourth batch: rolling windows, multi-date claims -----
# 58 ramucirumab q2w on the commercial plan, exactly 14 days after the previous paid dose
doc = _by("16-ramucirumab-gastric-two-ndc-lines-medicare")
doc["claim"]["id"] = "UNS-58"
doc["claim"]["payer"] = "commercial"
doc["claim"]["prior_authorization"] = "PA-R-5858"
doc["patient"].update({"id": "P-U58", "birth_date": "1968-11-03"})
for ln in doc["claim"]["lines"]:
    if "ndc" not in ln and ln["code"].startswith("J"):
        ln.update({"ndc": {"J9267": "00703-4767-01", "J1200": "00641-0376-21", "J1100": "63323-0165-01",
                           "J2405": "00409-4755-03"}[ln["code"]], "ndc_quantity": 1, "ndc_unit": "ML"})
doc["authorizations"] = [{"number": "PA-R-5858", "codes": ["J9308"], "units": 1560, "status": "approved",
                          "start_date": "2026-02-01", "end_date": "2026-07-31"}]
doc["prior_claims"] = [{"id": "UNS-58-PREV", "status": "paid", "frequency_code": "1", "provider_npi": NPI_BILL,
                        "lines": [{"code": "J9308", "service_date": "2026-02-17", "units": 100, "modifiers": ["JZ"], "paid_units": 100},
                                  {"code": "J9308", "service_date": "2026-02-17", "units": 20, "modifiers": ["JZ"], "paid_units": 20}]}]
add("58-ramucirumab-q2w-commercial-14-days-after", "The RAINBOW day of 16 on the commercial plan with PA: ramucirumab "
    "120 units on 2026-03-03, exactly 14 days after the previous paid 120 units (2026-02-17).", doc, "clean",
    basis="Cyramza label 8 mg/kg every 2 weeks; Prime VP-0199 allows 180 units per 14 days -- two doses 14 days apart are "
    "in different 14-day periods (a dose every 14 days is the labelled schedule).")

# 59 pertuzumab cycle 2 (420 mg) exactly 21 days after the 840 mg load, commercial
doc = _by("43-pertuzumab-maintenance-after-14-days-commercial")
doc["claim"]["id"] = "UNS-59"
doc["patient"]["id"] = "P-U59"
d = "2026-04-28"
doc["claim"]["received_date"] = "2026-05-04"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["administrations"][-1].update({"date": d, "start": f"{d}T09:00", "end": f"{d}T09:40"})
doc["administrations"].append(adm(d, "trastuzumab-qyyp", 384, route="IV", start=f"{d}T10:10", end=f"{d}T10:45",
                                  lot_number="T5902"))
doc["prior_claims"] = [{"id": "UNS-03", "status": "paid", "frequency_code": "1", "provider_npi": NPI_BILL,
                        "lines": [{"code": "J9306", "service_date": "2026-04-07", "units": 840, "modifiers": ["JZ"], "paid_units": 840}]}]
add("59-pertuzumab-cycle-2-21-days-after-load-commercial", "TCHP patient of 03, cycle 2: pertuzumab 420 mg exactly 21 days "
    "after the 840 mg load that the plan paid.", doc, "clean",
    basis="Perjeta label (840 mg, then 420 mg every 3 weeks); Prime VP-0096: 840 units once, then 420 units per 21 days.")

# 60 Trazimera cycle 2 for a 100 kg patient, 21 days after the 8 mg/kg load, commercial
d = "2026-05-19"
doc = claim("UNS-60", "commercial", d, "2026-05-26", ["C50.912", "Z17.31"], [
    L("Q5116", 60, None, TRAZ420, 2, unit="UN", charge=4300.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U60", "1972-05-05", kg=100.0, height=170), coverage={"start_date": "2022-01-01"},
    authorizations=[],
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-04-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-15", "percent": 61}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-04-28", "trastuzumab-qyyp", 800),
                     adm(d, "trastuzumab-qyyp", 600, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="T6001")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True),
    prior_claims=[{"id": "UNS-60-PREV", "status": "paid", "frequency_code": "1", "provider_npi": NPI_BILL,
                   "lines": [{"code": "Q5116", "service_date": "2026-04-28", "units": 80, "paid_units": 80}]}])
add("60-trazimera-100kg-cycle-2-commercial", "HER2+ MBC, 100 kg, commercial: Trazimera 6 mg/kg = 600 mg (60 units) on "
    "2026-05-19, 21 days after the paid 8 mg/kg load of 800 mg (80 units); weekly paclitaxel on other claims.", doc, "clean",
    basis="Trastuzumab label (8 mg/kg then 6 mg/kg every 3 weeks); Prime VP-0057 90 units per 21 days: each 21-day "
    "cycle holds one dose (80, then 60); biosimilar needs no PA on this plan (BI640).", confidence="medium")

# 61 one professional claim with two ramucirumab dates of service (q2w), Medicare
doc = _by("45-ramucirumab-gastric-monotherapy-rounding-medicare")
doc["claim"]["id"] = "UNS-61"
doc["patient"]["id"] = "P-U61"
d2 = "2026-06-02"
doc["claim"]["received_date"] = "2026-06-08"
extra = copy.deepcopy(doc["claim"]["lines"])
for ln in extra:
    ln["service_date"] = d2
doc["claim"]["lines"] += extra
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
last = doc["administrations"][1]
doc["administrations"] += [dict(last, date=d2, start=f"{d2}T09:05", end=f"{d2}T09:40", lot_number="R6102"),
                           adm(d2, "diphenhydramine", 25, route="IV")]
add("61-ramucirumab-two-dates-on-one-claim-medicare", "The REGARD patient of 45, with the 2026-05-19 and 2026-06-02 "
    "infusions billed on one CMS-1500 (lines 1-6 and 7-12, each date with its own 100 + 14 + 6 JW units, 96413, 96375).", doc,
    "clean", basis="CMS-1500 allows several dates of service per claim (each line dated); each date is a separate 8 mg/kg "
    "dose 14 days apart; not a duplicate.")


# ---------------------------------------------------------------- fifth batch: compendia, boundaries, sloppy records ---
# 62 ramucirumab for esophageal adenocarcinoma (second line), Medicare
doc = _by("16-ramucirumab-gastric-two-ndc-lines-medicare")
doc["claim"]["id"] = "UNS-62"
doc["patient"]["id"] = "P-U62"
doc["claim"]["diagnoses"] = ["C15.5", "C78.6"]
doc["clinical"]["cancer"]["primary_site"] = "esophagus"
add("62-ramucirumab-esophageal-adenocarcinoma-medicare", "The RAINBOW day of 16 for a distal esophageal adenocarcinoma "
    "(C15.5) after CAPOX + nivolumab progression.", doc, "clean",
    basis="Aetna CPB 0883 lists gastric, EGJ and esophageal adenocarcinoma; NCCN Esophageal and EGJ Cancers lists "
    "ramucirumab +/- paclitaxel as second-line therapy for adenocarcinoma; CMS Pub 100-02 ch.15 s.50.4.5 (compendia).",
    confidence="medium")

# 63 pertuzumab + trastuzumab for HER2-amplified RAS wild-type metastatic colorectal cancer, commercial with PA
d = "2026-05-05"
doc = claim("UNS-63", "commercial", d, "2026-05-11", ["C18.2", "C78.7"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=11200.0, ptr=(1, 2)),
    L("Q5116", 64, None, TRAZ420, 2, unit="UN", charge=4700.0, ptr=(1, 2)),
    L("96413", 1, charge=420.0), L("96415", 1, charge=90.0), L("96417", 1, charge=190.0),
], pa="PA-C-6363", patient=pt("P-U63", "1966-03-03", sex="M", kg=80.0), coverage={"start_date": "2021-01-01"},
    authorizations=[{"number": "PA-C-6363", "codes": ["J9306", "Q5116"], "units": 12000, "status": "approved",
                     "start_date": "2026-05-01", "end_date": "2026-10-31"}],
    clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-04-02", "fda_approved_test": True}, "ras": "wild_type"},
              "lvef": [{"date": "2026-04-20", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "oxaliplatin", "setting": "metastatic", "line": 1, "start_date": "2025-05-01",
                                   "end_date": "2026-03-20", "progressed": True, "stop_reason": "progression"},
                                  {"drug": "fluorouracil", "setting": "metastatic", "line": 1, "start_date": "2025-05-01",
                                   "end_date": "2026-03-20", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": ["trastuzumab-qyyp"]},
    administrations=[adm(d, "trastuzumab-qyyp", 640, route="IV", start=f"{d}T09:00", end=f"{d}T10:35", lot_number="T6302"),
                     adm(d, "pertuzumab", 840, route="IV", start=f"{d}T10:40", end=f"{d}T11:45", lot_number="H6301", waste_mg=0)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("63-pertuzumab-her2-crc-commercial-pa", "HER2-amplified (IHC 3+), RAS wild-type metastatic colon cancer after FOLFOX, "
    "commercial with PA for both drugs: trastuzumab 8 mg/kg (95 min, 96413 + 96415) then pertuzumab 840 mg (96417) "
    "(MyPathway regimen).", doc, "clean",
    basis="Aetna CPB 0973 lists HER2-amplified RAS/BRAF wild-type colorectal cancer with trastuzumab (facts.md s.10a); NCCN "
    "Colon 2A; PA approved.", confidence="medium")

# 64 trastuzumab for HER2+ uterine serous carcinoma with carboplatin/paclitaxel, Medicare
d = "2026-06-09"
doc = claim("UNS-64", "medicare", d, "2026-06-15", ["C54.1", "C78.6"], [
    L("Q5116", 54, None, TRAZ420, 2, unit="UN", charge=3900.0, ptr=(1, 2)),
    L("J9267", 305, charge=120.0), L("J9045", 60, charge=180.0), L("J1100", 20, charge=9.0), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=80.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U64", "1950-10-10", kg=68.0), coverage={"start_date": "2015-10-01"},
    clinical={"cancer": {"primary_site": "other", "setting": "metastatic", "stage": "IVB", "histology": "other"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-05-12", "fda_approved_test": True}},
              "lvef": [{"date": "2026-05-20", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["carboplatin", "paclitaxel"]},
    administrations=[adm(d, "trastuzumab-qyyp", 544, route="IV", start=f"{d}T09:00", end=f"{d}T10:35", lot_number="T6401"),
                     adm(d, "paclitaxel", 305, route="IV", start=f"{d}T10:40", end=f"{d}T13:40"),
                     adm(d, "carboplatin", 600, route="IV", start=f"{d}T13:45", end=f"{d}T14:20")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("64-trazimera-uterine-serous-medicare", "HER2+ (IHC 3+) stage IVB uterine serous carcinoma, Medicare, first line: "
    "Trazimera 8 mg/kg with carboplatin/paclitaxel (Fader regimen).", doc, "clean",
    basis="NCCN Uterine Neoplasms (carboplatin/paclitaxel/trastuzumab for HER2+ uterine serous carcinoma, category 2A); CMS "
    "Pub 100-02 ch.15 s.50.4.5: compendium-supported off-label anticancer use is covered by Medicare.", confidence="medium")

# 65 Medicare timely filing boundary: received exactly one calendar year after the DOS
doc = _by("16-ramucirumab-gastric-two-ndc-lines-medicare")
doc["claim"]["id"] = "UNS-65"
doc["patient"]["id"] = "P-U65"
doc["claim"]["received_date"] = "2027-03-03"
add("65-medicare-received-one-year-to-the-day", "The clean RAINBOW day of 16 (DOS 2026-03-03) received 2027-03-03.", doc,
    "clean", basis="42 CFR 424.44 / Noridian timely filing: claims must be filed no later than 1 calendar year after the date "
    "of service (DOS 03/03/2026 -> received by 03/03/2027 is timely).", confidence="medium")

# 66 commercial 90-day boundary: received on day 90
doc = _by("58-ramucirumab-q2w-commercial-14-days-after")
doc["claim"]["id"] = "UNS-66"
doc["patient"]["id"] = "P-U66"
doc["claim"]["received_date"] = "2026-06-01"
add("66-commercial-received-on-day-90", "The commercial ramucirumab day of 58 (DOS 2026-03-03) received 2026-06-01, the "
    "90th day after the date of service.", doc, "clean",
    basis="Plan timely filing 90 days from the DOS (kb/payers/commercial.yaml timely_filing_days: 90; UHC/Cigna 90 days): "
    "day 90 is within the limit.", confidence="medium")

# 67 drug line pointing only to Z codes
doc = _by("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare")
doc["claim"]["id"] = "UNS-67"
doc["patient"]["id"] = "P-U67"
doc["claim"]["diagnoses"] = ["Z51.12", "C50.911", "C79.51", "Z17.31"]
doc["claim"]["lines"][0]["diagnosis_pointers"] = [1, 4]
doc["claim"]["lines"][1]["diagnosis_pointers"] = [1, 4]
add("67-drug-lines-point-only-to-z-codes-medicare", "The maintenance day of 02, but the J9306 and Q5116 lines point only "
    "to Z51.12 and Z17.31 (the C50/C79 codes are on the claim but not on the drug lines).", doc, "denied",
    [(1, "11"), (2, "11")], basis="837P SV107 pointers give the line's diagnoses; Z51.12/Z17.31 alone do not support the drug "
    "(MAC diagnosis-to-drug edits deny CO-11/167; ICD-10-CM: Z51.12 needs the neoplasm as a secondary code).",
    confidence="medium")

# 68 neoadjuvant with stage only (no tumour size / node fields), stage IIB
doc = _by("03-pertuzumab-neoadjuvant-tchp-commercial-pa")
doc["claim"]["id"] = "UNS-68"
doc["patient"]["id"] = "P-U68"
doc["clinical"]["cancer"] = {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIB"}
add("68-neoadjuvant-stage-only-commercial", "The TCHP day of 03, but the abstract gives the AJCC stage (IIB) and not the "
    "tumour size or nodal status.", doc, "clean",
    basis="AJCC 8 anatomic stage IIB is T2 N1 or T3 N0 (every stage >= IIA except T1 N0 is > 2 cm or node-positive), so the "
    "Perjeta neoadjuvant criterion is met; a reviewer reads the stage.", confidence="medium")

# 69 HER2 result without the FDA-approved-test flag (the pathology report does not say)
doc = _by("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare")
doc["claim"]["id"] = "UNS-69"
doc["patient"]["id"] = "P-U69"
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "3+", "test_date": "2025-11-10"}
add("69-her2-3plus-without-test-flag-medicare", "The maintenance day of 02 with the HER2 IHC 3+ result as a pathology report "
    "states it: no statement whether the assay is FDA-approved.", doc, "clean",
    basis="Medicare medical review accepts a CLIA lab's HER2 IHC 3+ report; payer policies ask for 'FDA-approved or "
    "CLIA-compliant' testing (Prime VP-0096); no reviewer denies an IHC 3+ for lack of an assay-approval statement.",
    confidence="medium")


# 70 / 71 trastuzumab products billed with a diagnosis that supports no indication
doc = _by("44-trazimera-weekly-apt-regimen-medicare")
doc["claim"]["id"] = "UNS-70"
doc["patient"]["id"] = "P-U70"
doc["claim"]["diagnoses"] = ["I10", "Z79.899"]
add("70-trazimera-billed-with-hypertension-dx-medicare", "The weekly Trazimera day of 44 billed with I10 (hypertension) and "
    "Z79.899 only -- the biller picked the patient's problem-list codes, no cancer diagnosis on the claim.", doc, "denied",
    [(1, "11"), (2, "11")], basis="MAC diagnosis-to-drug edits / Drugs and Biologicals LCDs: the claim's diagnosis must "
    "support a medically accepted indication (trastuzumab: HER2+ breast, gastric/GEJ and compendia uses) -> CO-11 (or "
    "CO-167/CO-50). The KB denies the same claim for ramucirumab, pertuzumab and Phesgo.")

doc = _by("27-herceptin-hylecta-adjuvant-t1b-medicare")
doc["claim"]["id"] = "UNS-71"
doc["patient"]["id"] = "P-U71"
doc["claim"]["diagnoses"] = ["I10", "Z79.899"]
add("71-hylecta-billed-with-hypertension-dx-medicare", "The Herceptin Hylecta day of 27 billed with I10 and Z79.899 only.",
    doc, "denied", [(1, "11")], basis="Herceptin Hylecta is indicated only for HER2-overexpressing breast cancer; a "
    "diagnosis-to-drug edit denies CO-11 (or 167/50).")


# ---------------------------------------------------------------- sixth batch: modifiers, providers, COB, resubmission
# 72 340B hospital outpatient: TB modifier with JZ (CY2025 OPPS: TB on every 340B-acquired drug line)
d = "2026-08-04"
doc = claim("UNS-72", "medicare", d, "2026-08-12", ["C50.411", "Z17.410"], [
    {"code": "J9316", "modifiers": ["JZ", "TB"], "units": 120, "ndc": PHESGO_M, "ndc_quantity": 10, "ndc_unit": "ML",
     "revenue_code": "0636", "charge": 14200.0},
    {"code": "96401", "units": 1, "revenue_code": "0335", "charge": 260.0},
], form="institutional", tob="0131", entity="hospital_outpatient",
    patient=pt("P-U72", "1952-12-12", kg=77.0), coverage={"start_date": "2017-12-01"},
    clinical=_by("10-phesgo-maintenance-medicare")["clinical"],
    administrations=_by("10-phesgo-maintenance-medicare")["administrations"],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["providers"]["billing"]["program_340b"] = True
add("72-phesgo-340b-hopd-tb-modifier-medicare", "The Phesgo maintenance day of 10 in a 340B covered entity's outpatient "
    "department (837I, TOB 0131): J9316 with JZ and TB (340B-acquired drug), 96401.", doc, "clean",
    basis="CMS CY2025 OPPS final rule / 340B modifier FAQ: from 2025-01-01 all 340B covered entities report TB on "
    "340B-acquired drug lines (JG retired); TB is informational and does not change payment for these providers.")

# 73 nurse practitioner renders the visit, the oncologist orders (incident-to style), commercial pertuzumab
doc = _by("59-pertuzumab-cycle-2-21-days-after-load-commercial")
doc["claim"]["id"] = "UNS-73"
doc["patient"]["id"] = "P-U73"
doc["providers"]["rendering"] = {"npi": "1003000126", "taxonomy": "363LA2200X"}
doc["providers"]["ordering"] = {"npi": NPI_REND, "taxonomy": ONC}
add("73-pertuzumab-np-rendering-oncologist-ordering-commercial", "The pertuzumab cycle-2 day of 59 with an oncology nurse "
    "practitioner as rendering provider (taxonomy 363LA2200X) and the medical oncologist as ordering provider.", doc,
    "clean", basis="Centene/QualChoice criterion: prescribed by or in consultation with an oncologist -- the ordering "
    "provider is a medical oncologist (207RX0202X).", confidence="medium")

# 74 Medicare billed as primary while an employer plan is primary (MSP), no primary adjudication on the claim
doc = _by("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare")
doc["claim"]["id"] = "UNS-74"
doc["patient"]["id"] = "P-U74"
doc["coverage"] = {"start_date": "2015-01-01", "plan_type": "medicare_ffs", "other_coverage": [{"payer": "commercial", "primary": True}]}
add("74-medicare-secondary-payer-billed-as-primary", "The maintenance day of 02 for a beneficiary whose employer group "
    "health plan is primary (working spouse), billed to Medicare; the tester meant it without the primary payer's "
    "adjudication, which the claim document cannot state.", doc, "clean",
    basis="Medicare Secondary Payer (CMS Pub 100-05 ch.3): Medicare denies CO-22 a claim where another payer is primary "
    "and no primary payment information is reported. Decided on review (redteam F13, fpfix): the tester's CO-22 rests "
    "on 'no primary adjudication', which this document does not show -- claim format v2 has no other-payer "
    "adjudication (837 loop 2320/2330 COB amounts, SBR01 payer sequence), only coverage.other_coverage[].primary, "
    "which a correctly filed Medicare secondary claim (paid) carries too (FORMATS.md s.3 example). Denying CO-22 on it "
    "would deny every secondary claim; the KB gives the audit finding OTHER-PAYER-PRIMARY instead, and the payer "
    "decision that can be told from this document is clean.",
    confidence="medium")

# 75 resubmission of a claim that the payer denied (new claim, frequency 1), same lines
doc = _by("02-pertuzumab-mbc-maintenance-after-docetaxel-medicare")
doc["claim"]["id"] = "UNS-75"
doc["patient"]["id"] = "P-U75"
doc["prior_claims"] = [{"id": "UNS-75-DENIED", "status": "denied", "frequency_code": "1", "provider_npi": NPI_BILL,
                        "lines": [{"code": "J9306", "service_date": "2026-06-16", "units": 420, "paid_units": 0},
                                  {"code": "Q5116", "service_date": "2026-06-16", "units": 36, "paid_units": 0}]}]
add("75-new-claim-after-front-end-denial-medicare", "The maintenance day of 02 sent again as a new claim after the first "
    "one was denied for a missing JZ modifier (prior claim status denied, nothing paid); JZ now present.", doc, "clean",
    basis="A claim the payer denied (not paid) is not a duplicate when it is resubmitted corrected (Noridian: correct and "
    "resubmit unprocessable/denied-for-modifier claims); Palmetto GBA CARC 18/N522 page: a duplicate is a service paid, "
    "pending or awaiting crossover on another claim; FORMATS.md s.3: a denied prior claim consumes nothing.",
    confidence="medium")


# 76 commercial adjuvant AC-THP: LVEF 52 % after the anthracycline (label: >= 50 % once anthracyclines are finished)
doc = _by("05-pertuzumab-adjuvant-node-positive-ac-thp-medicare")
doc["claim"]["id"] = "UNS-76"
doc["claim"]["payer"] = "commercial"
doc["claim"]["prior_authorization"] = "PA-A-7676"
doc["patient"].update({"id": "P-U76", "birth_date": "1975-03-08"})
for ln in doc["claim"]["lines"]:
    if ln["code"].startswith("J") and "ndc" not in ln:
        ln.update({"ndc": {"J9267": "00703-4767-01", "J1200": "00641-0376-21", "J1100": "63323-0165-01"}[ln["code"]],
                   "ndc_quantity": 1, "ndc_unit": "ML"})
doc["authorizations"] = [{"number": "PA-A-7676", "codes": ["J9306"], "units": 7980, "status": "approved",
                          "start_date": "2026-01-15", "end_date": "2027-01-14"}]
doc["clinical"]["lvef"] = [{"date": "2025-11-20", "percent": 63}, {"date": "2026-01-20", "percent": 52}]
add("76-pertuzumab-adjuvant-lvef-52-after-ac-commercial", "The adjuvant AC-THP day of 05 on the commercial plan with PA: "
    "LVEF 63 % before AC, 52 % after AC was completed (2026-01-20), before starting P+T.", doc, "clean",
    basis="Perjeta label (EBC): start with LVEF >= 55 % at baseline, or >= 50 % once an anthracycline-containing regimen "
    "is finished (APHINITY); the drop (11 points) left LVEF >= 50 %, so P+T may start. IBX states its thresholds follow "
    "the label.", confidence="medium")


# 77 institutional claim spanning two infusion dates, received within a year of the Through date only
doc = _by("37-ramucirumab-hopd-0131-medicare")
doc["claim"]["id"] = "UNS-77"
doc["patient"]["id"] = "P-U77"
d1, d2 = "2026-03-03", "2026-03-17"
first = copy.deepcopy(doc["claim"]["lines"])
for ln in first:
    ln["service_date"] = d1
doc["claim"]["lines"] = first + doc["claim"]["lines"]
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
doc["claim"]["received_date"] = "2027-03-10"
doc["administrations"] = [adm("2026-02-17", "ramucirumab", 600),
                          adm(d1, "ramucirumab", 600, route="IV", start=f"{d1}T09:10", end=f"{d1}T09:45", lot_number="R7701", waste_mg=0),
                          adm(d1, "paclitaxel", 150, route="IV", start=f"{d1}T10:45", end=f"{d1}T11:50")] + doc["administrations"][1:]
add("77-hopd-two-dates-timely-by-through-date-medicare", "A hospital outpatient 837I (TOB 0131) with the 2026-03-03 and "
    "2026-03-17 RAINBOW infusions (statement period 03-03 to 03-17), received 2027-03-10: more than a year after the first "
    "date, less than a year after the Through date.", doc, "clean",
    basis="Medicare timely filing for institutional claims is measured from the claim's Through date (CMS Pub 100-04 ch.1 "
    "s.70.1; Palmetto GBA AWNPNM6234; FCSO timely filing pages; facts.md s.11: institutional span claims use the Through date).",
    confidence="medium")

# 78 a loading dose split over two identical J9306 lines (same NDC, no modifier 76)
doc = _by("01-pertuzumab-mbc-first-line-loading-medicare")
doc["claim"]["id"] = "UNS-78"
doc["patient"]["id"] = "P-U78"
l1 = doc["claim"]["lines"][0]
l1.update({"units": 420, "ndc_quantity": 14, "charge": 4800.0})
doc["claim"]["lines"].insert(1, copy.deepcopy(l1))
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
add("78-pertuzumab-load-split-on-two-identical-lines-medicare", "The THP loading day of 01, but the 840 mg load is billed as "
    "two identical J9306 lines of 420 units (same NDC, JZ, no modifier 76), one per vial.", doc, "denied", [(2, "18")],
    basis="Report all units of one drug and NDC on one line (CMS/FCSO units guidance, facts.md s.8): a repeated identical "
    "line without a reason is denied as a duplicate (CARC 18); the first line pays 420 units.", confidence="medium")


# 79 Medicare deadline falls on a federal holiday (Thanksgiving 2027-11-25): filed the next workday
doc = _by("45-ramucirumab-gastric-monotherapy-rounding-medicare")
doc["claim"]["id"] = "UNS-79"
doc["patient"]["id"] = "P-U79"
d = "2026-11-25"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["claim"]["received_date"] = "2027-11-26"
doc["administrations"] = [adm("2026-11-11", "ramucirumab", 568),
                          dict(doc["administrations"][1], date=d, start=f"{d}T09:10", end=f"{d}T09:45"),
                          adm(d, "diphenhydramine", 25, route="IV")]
add("79-medicare-deadline-on-thanksgiving-filed-next-workday", "The REGARD day of 45 moved to 2026-11-25; the one-year "
    "deadline 2027-11-25 is Thanksgiving Day, and the claim is received the next workday, 2027-11-26.", doc, "clean",
    basis="Palmetto GBA 'Medicare's Claim Timeliness Requirements': when the last day for filing falls on a Saturday, "
    "Sunday, federal non-workday or legal holiday, the claim is timely if filed on the next workday (CMS Pub 100-04 ch.1 "
    "s.70).", confidence="medium")


# ---------------------------------------------------------------- seventh batch: settings and prior-therapy nuances ---
# 80 MBC first line after adjuvant P+T finished 2 years earlier
doc = _by("01-pertuzumab-mbc-first-line-loading-medicare")
doc["claim"]["id"] = "UNS-80"
doc["patient"]["id"] = "P-U80"
doc["clinical"]["prior_therapies"] = [
    {"drug": "pertuzumab", "setting": "adjuvant", "start_date": "2022-09-01", "end_date": "2023-08-20", "progressed": False,
     "stop_reason": "completed"},
    {"drug": "trastuzumab", "setting": "adjuvant", "start_date": "2022-09-01", "end_date": "2023-08-20", "progressed": False,
     "stop_reason": "completed"},
    {"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2022-09-01", "end_date": "2022-11-20", "progressed": False,
     "stop_reason": "completed"}]
add("80-pertuzumab-mbc-after-adjuvant-pt-medicare", "The THP loading day of 01 for a patient who completed adjuvant "
    "pertuzumab + trastuzumab in 2023 and now has metastatic recurrence (> 2 years after).", doc, "clean",
    basis="Perjeta label MBC exclusion concerns prior anti-HER2 therapy or chemotherapy *for metastatic disease*; "
    "CLEOPATRA allowed prior adjuvant trastuzumab with a >= 12-month disease-free interval; NCCN re-treatment with THP.",
    confidence="medium")

# 81 inflammatory breast cancer, neoadjuvant, no size or nodal field (cT4d)
doc = _by("03-pertuzumab-neoadjuvant-tchp-commercial-pa")
doc["claim"]["id"] = "UNS-81"
doc["patient"]["id"] = "P-U81"
doc["clinical"]["cancer"] = {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIIB", "inflammatory": True}
add("81-pertuzumab-inflammatory-neoadjuvant-commercial", "The TCHP day of 03 for inflammatory breast cancer (cT4d, stage "
    "IIIB): the abstract records inflammatory disease, not a tumour size or nodal status.", doc, "clean",
    basis="Perjeta label neoadjuvant: locally advanced, inflammatory, or early-stage (> 2 cm or node-positive) HER2+ breast "
    "cancer -- inflammatory disease qualifies on its own (Aetna CPB 0973).")

# 82 recurrent (unresectable locoregional) disease treated like MBC
doc = _by("01-pertuzumab-mbc-first-line-loading-medicare")
doc["claim"]["id"] = "UNS-82"
doc["patient"]["id"] = "P-U82"
doc["claim"]["diagnoses"] = ["C50.412", "C77.3", "Z17.31"]
doc["clinical"]["cancer"] = {"primary_site": "breast", "setting": "recurrent", "stage": "IIIC", "node_positive": True}
add("82-pertuzumab-recurrent-unresectable-medicare", "The THP loading day of 01 for an unresectable locoregional recurrence "
    "(axillary nodes, C77.3), no distant metastases, no prior therapy for recurrent disease.", doc, "clean",
    basis="NCCN Breast: recurrent unresectable (local or regional) disease is treated as stage IV; Aetna CPB 0973 covers "
    "recurrent or metastatic disease with trastuzumab (+ docetaxel).", confidence="medium")

# 83 NSCLC REVEL after prior docetaxel (Aetna: no prior docetaxel)
doc = _by("20-ramucirumab-nsclc-docetaxel-commercial-pa")
doc["claim"]["id"] = "UNS-83"
doc["patient"]["id"] = "P-U83"
doc["clinical"]["prior_therapies"].append(
    {"drug": "docetaxel", "setting": "metastatic", "line": 2, "start_date": "2026-05-01", "end_date": "2026-08-20",
     "progressed": True, "stop_reason": "progression"})
add("83-ramucirumab-nsclc-after-prior-docetaxel-commercial", "The REVEL day of 20 for a patient whose NSCLC already "
    "progressed on single-agent docetaxel (second line) -- ramucirumab added to docetaxel again in third line.", doc, "denied",
    [(1, "50"), (2, "50")], basis="Aetna CPB 0883: NSCLC with docetaxel when the member has not received docetaxel before "
    "(facts.md s.10b); REVEL excluded prior docetaxel.", confidence="medium")

# 84 gastric: progression within 6 months of perioperative FLOT counts as prior fluoropyrimidine/platinum
doc = _by("16-ramucirumab-gastric-two-ndc-lines-medicare")
doc["claim"]["id"] = "UNS-84"
doc["patient"]["id"] = "P-U84"
doc["clinical"]["prior_therapies"] = [
    {"drug": "fluorouracil", "setting": "neoadjuvant", "start_date": "2025-04-01", "end_date": "2025-09-30", "progressed": True,
     "stop_reason": "progression"},
    {"drug": "oxaliplatin", "setting": "neoadjuvant", "start_date": "2025-04-01", "end_date": "2025-09-30", "progressed": True,
     "stop_reason": "progression"},
    {"drug": "docetaxel", "setting": "neoadjuvant", "start_date": "2025-04-01", "end_date": "2025-09-30", "progressed": True,
     "stop_reason": "progression"}]
add("84-ramucirumab-gastric-after-perioperative-flot-medicare", "The RAINBOW day of 16 for a patient whose gastric cancer "
    "recurred with metastases 4 months after perioperative FLOT (fluorouracil, oxaliplatin, docetaxel); no other therapy.",
    doc, "clean", basis="Cyramza label: progression on or after prior fluoropyrimidine- or platinum-containing chemotherapy "
    "(RAINBOW/REGARD included progression within 6 months of (neo)adjuvant therapy).", confidence="medium")


# ---------------------------------------------------------------- eighth batch: facility types, PA boundaries ---------
# 85 inpatient claim (TOB 0111): no JW/JZ on an IPPS drug line
d = "2026-04-14"
doc = claim("UNS-85", "medicare", d, "2026-04-24", ["C50.911", "J18.9", "C78.7", "Z17.31"], [
    {"code": "J9306", "units": 840, "ndc": PERJ, "ndc_quantity": 28, "ndc_unit": "ML", "revenue_code": "0636", "charge": 12800.0},
    {"code": "Q5116", "units": 54, "ndc": TRAZ420, "ndc_quantity": 2, "ndc_unit": "UN", "revenue_code": "0636", "charge": 5200.0},
], form="institutional", tob="0111", entity="hospital_outpatient",
    patient=pt("P-U85", "1947-08-08", kg=67.0), coverage={"start_date": "2012-08-01"},
    clinical=_by("14-pertuzumab-reload-after-12-week-hold-medicare")["clinical"],
    administrations=_by("14-pertuzumab-reload-after-12-week-hold-medicare")["administrations"],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
for ln in doc["claim"]["lines"]:
    ln["service_date_end"] = "2026-04-16"
add("85-inpatient-0111-pertuzumab-no-jz-medicare", "The reload day of 14 given during an inpatient stay for pneumonia "
    "(837I TOB 0111, 04-12 to 04-16): pertuzumab and Trazimera on revenue code 0636 without JW/JZ.", doc, "clean",
    basis="CMS JW/JZ policy (Pub 100-04 ch.17 s.40; Priority Health/CGS summaries in facts.md s.7): the modifiers are not "
    "required for drugs paid under the inpatient PPS (TOB 011x); the drugs are bundled into the DRG.", confidence="medium")

# 86 authorization whose window ends on the date of service
doc = _by("59-pertuzumab-cycle-2-21-days-after-load-commercial")
doc["claim"]["id"] = "UNS-86"
doc["patient"]["id"] = "P-U86"
doc["authorizations"][0]["end_date"] = "2026-04-28"
add("86-pa-window-ends-on-the-dos-commercial", "The cycle-2 day of 59 (2026-04-28); the approved PA runs 2026-04-01 to "
    "2026-04-28 inclusive.", doc, "clean", basis="An authorization's end date is the last day it covers (Aetna/UHC PA "
    "letters: 'valid through'); CO-197/198 only for services after it.")

# 87 authorization units used up exactly by this claim
doc = _by("59-pertuzumab-cycle-2-21-days-after-load-commercial")
doc["claim"]["id"] = "UNS-87"
doc["patient"]["id"] = "P-U87"
doc["authorizations"][0].update({"codes": ["J9306"], "units": 1260})
add("87-pa-units-exactly-used-up-commercial", "The cycle-2 day of 59 with a PA for 1260 units of J9306: 840 used by the "
    "paid load, this claim's 420 units bring the total to exactly 1260.", doc, "clean",
    basis="CARC 198 (authorization exceeded) only when the units billed go beyond the approved units; equal is within.")

# 88 pertuzumab for HER2+ gastric cancer (not a covered use)
doc = _by("30-trazimera-her2-gastric-first-line-medicare")
doc["claim"]["id"] = "UNS-88"
doc["patient"]["id"] = "P-U88"
doc["claim"]["lines"].insert(1, {"number": 0, "code": "J9306", "modifiers": ["JZ"], "units": 840, "service_date": "2026-04-28",
                                 "ndc": PERJ, "ndc_quantity": 28, "ndc_unit": "ML", "charge": 9600.0, "diagnosis_pointers": [1, 2]})
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
doc["administrations"].append(adm("2026-04-28", "pertuzumab", 840, route="IV", start="2026-04-28T12:45", end="2026-04-28T13:50",
                                  lot_number="H8801", waste_mg=0))
doc["clinical"]["concurrent_drugs"] = ["oxaliplatin", "capecitabine", "trastuzumab-qyyp"]
add("88-pertuzumab-her2-gastric-medicare", "The ToGA day of 30 with pertuzumab 840 mg added (JACOB regimen, a negative "
    "trial) for HER2+ GEJ adenocarcinoma.", doc, "denied", [(2, "11")],
    basis="Pertuzumab has no FDA or compendium-supported (NCCN) gastric/GEJ indication (JACOB failed); Medicare denies as "
    "not reasonable and necessary / diagnosis not covered (CO-11, or CO-50); trastuzumab and chemo lines unaffected.",
    confidence="medium")


# 89 FQHC claim (TOB 0771): no JZ on the drug line
doc = _by("85-inpatient-0111-pertuzumab-no-jz-medicare")
doc["claim"]["id"] = "UNS-89"
doc["patient"]["id"] = "P-U89"
doc["claim"]["type_of_bill"] = "0771"
doc["providers"]["billing"]["entity_type"] = "fqhc"
doc["providers"]["billing"]["taxonomy"] = "261QF0400X"
for ln in doc["claim"]["lines"]:
    ln.pop("service_date_end", None)
    ln["service_date"] = "2026-04-14"
add("89-fqhc-0771-pertuzumab-no-jz-medicare", "The reload day of 14 billed by a federally qualified health center (837I "
    "TOB 0771) without JW/JZ.", doc, "clean",
    basis="CMS JW/JZ FAQ: the modifiers do not apply to RHCs and FQHCs (drugs are part of the encounter), nor to IPPS "
    "inpatient stays (facts.md s.7 'scope' row).", confidence="medium")


# ---------------------------------------------------------------- ninth batch: ADCs, beyond progression, adjuvant risk
# 90 Enhertu for HER2-low MBC (DESTINY-Breast04)
d = "2026-09-22"
doc = claim("UNS-90", "medicare", d, "2026-09-28", ["C50.412", "C78.7", "Z17.411"], [
    L("J9358", 367, ["JZ"], "65597-0406-01", 4, unit="UN", charge=9800.0, ptr=(1, 2, 3)),
    L("J2405", 8, charge=6.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96375", 2, charge=90.0),
], patient=pt("P-U90", "1955-05-05", kg=68.0), coverage={"start_date": "2020-05-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2026-08-20", "fda_approved_test": True}, "er": "positive",
                             "pr": "positive"},
              "lvef": [{"date": "2026-09-01", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "capecitabine", "setting": "metastatic", "line": 1, "start_date": "2025-09-01",
                                   "end_date": "2026-08-01", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm(d, "Enhertu", 367, route="IV", start=f"{d}T09:00", end=f"{d}T10:30", lot_number="E9001", waste_mg=33,
                         waste_reason="single-dose vial remainder")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
# 4 x 100 mg vials = 400 mg: 367 given + 33 discarded -> JW line, no JZ
doc["claim"]["lines"][0]["modifiers"] = []
del doc["claim"]["lines"][0]["modifiers"]
doc["claim"]["lines"][0]["ndc_quantity"] = 4
doc["claim"]["lines"].insert(1, {"number": 0, "code": "J9358", "modifiers": ["JW"], "units": 33, "service_date": d,
                                 "ndc": "65597-0406-01", "ndc_quantity": 1, "ndc_unit": "UN", "charge": 880.0,
                                 "diagnosis_pointers": [1, 2, 3]})
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
add("90-enhertu-her2-low-mbc-medicare", "HR+/HER2-low (IHC 1+) MBC after capecitabine for metastatic disease, Medicare: "
    "Enhertu 5.4 mg/kg x 68 kg = 367 mg (J9358, 1 mg units) from four 100 mg vials, 33 mg discarded (JW).", doc, "clean",
    basis="Enhertu label (DESTINY-Breast04): unresectable/metastatic HER2-low (IHC 1+ or 2+/ISH-) breast cancer after prior "
    "chemotherapy in the metastatic setting; CMS JW policy.", confidence="medium")

# 91 trastuzumab beyond progression with vinorelbine (NCCN)
d = "2026-10-13"
doc = claim("UNS-91", "medicare", d, "2026-10-19", ["C50.911", "C78.7", "Z17.31"], [
    L("Q5116", 36, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("J9390", 40, charge=40.0),
    L("96413", 1, charge=350.0), L("96411", 1, charge=150.0),
], patient=pt("P-U91", "1953-03-13", kg=60.0), coverage={"start_date": "2018-03-01"},
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2024-01-10", "fda_approved_test": True}},
              "lvef": [{"date": "2026-09-15", "percent": 57}], "ecog": 1,
              "prior_therapies": [
                  {"drug": "pertuzumab", "setting": "metastatic", "line": 1, "start_date": "2024-02-01", "end_date": "2025-06-01",
                   "progressed": True, "stop_reason": "progression"},
                  {"drug": "trastuzumab", "setting": "metastatic", "line": 1, "start_date": "2024-02-01",
                   "end_date": "2025-06-01", "progressed": True, "stop_reason": "progression"},
                  {"drug": "Enhertu", "setting": "metastatic", "line": 2, "start_date": "2025-07-01", "end_date": "2026-08-15",
                   "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": ["vinorelbine"],
              "response_assessments": [{"date": "2026-08-10", "status": "progression", "method": "imaging",
                                        "regimen": ["Enhertu"]}]},
    administrations=[adm("2026-09-22", "trastuzumab-qyyp", 480), adm("2026-10-06", "vinorelbine", 40),
                     adm(d, "trastuzumab-qyyp", 360, route="IV", start=f"{d}T09:00", end=f"{d}T09:35", lot_number="T9101"),
                     adm(d, "vinorelbine", 40, route="IV", start=f"{d}T09:40", end=f"{d}T09:48")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("91-trazimera-beyond-progression-with-vinorelbine-medicare", "HER2+ MBC in third line after THP and Enhertu, Medicare: "
    "Trazimera 6 mg/kg every 3 weeks with weekly vinorelbine (vinorelbine push 96411).", doc, "clean",
    basis="NCCN Breast: trastuzumab continued beyond progression with another agent (vinorelbine, capecitabine); "
    "trastuzumab label MBC; CMS compendia policy.", confidence="medium")

# 92 adjuvant pertuzumab for a node-negative 0.8 cm tumour (not high risk)
doc = _by("05-pertuzumab-adjuvant-node-positive-ac-thp-medicare")
doc["claim"]["id"] = "UNS-92"
doc["patient"]["id"] = "P-U92"
doc["clinical"]["cancer"].update({"stage": "IA", "tumor_size_cm": 0.8, "node_positive": False})
add("92-pertuzumab-adjuvant-t1b-n0-medicare", "The adjuvant AC-THP day of 05, but the tumour is 0.8 cm and node-negative "
    "(pT1b N0).", doc, "denied", [(1, "50")],
    basis="Perjeta label adjuvant: HER2+ EBC at high risk of recurrence; APHINITY enrolled node-negative disease only with "
    "tumours > 1 cm; Aetna CPB 0973 node-positive or high risk; NCCN: T1b N0 gets paclitaxel + trastuzumab without "
    "pertuzumab. Trastuzumab line unaffected.", confidence="medium")


# 93 / 94 Enhertu without waste (JZ): HER2-low is a labelled use; HER2 IHC 0 (no ultralow staining recorded) is not
doc = _by("90-enhertu-her2-low-mbc-medicare")
doc["claim"]["id"] = "UNS-93"
doc["patient"].update({"id": "P-U93", "weight_kg": 74.0})
del doc["claim"]["lines"][1]
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
doc["claim"]["lines"][0].update({"modifiers": ["JZ"], "units": 400})
doc["administrations"][0].update({"dose_mg": 400, "waste_mg": 0})
doc["administrations"][0].pop("waste_reason")
add("93-enhertu-her2-low-no-waste-medicare", "The Enhertu day of 90 for a 74 kg patient: 5.4 mg/kg = 400 mg, four whole "
    "100 mg vials, JZ.", doc, "clean", basis="Enhertu label (HER2-low MBC after chemotherapy in the metastatic setting); "
    "CMS JZ policy.", confidence="medium")
doc = copy.deepcopy(doc)
doc["claim"]["id"] = "UNS-94"
doc["patient"]["id"] = "P-U94"
doc["claim"]["diagnoses"] = ["C50.412", "C78.7", "Z17.411"]
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "0", "test_date": "2026-08-20", "fda_approved_test": True}
add("94-enhertu-her2-ihc0-medicare", "The Enhertu day of 93, but the HER2 result is IHC 0 with no ultralow (faint "
    "incomplete membrane staining) finding recorded, after capecitabine for metastatic disease.", doc, "denied",
    [(1, "50")], basis="Enhertu label: HER2-low (IHC 1+ or 2+/ISH-) after chemotherapy, or HER2-ultralow (IHC 0 with "
    "membrane staining) after endocrine therapy (DESTINY-Breast06, 2025); HER2 IHC 0 without staining (HER2-null) has no "
    "labelled or compendium breast indication; ASCO/CAP 2023 (facts.md s.4): IHC 0 vs 1+ decides T-DXd eligibility.",
    confidence="medium")


# 95 ramucirumab dose rounded down to one 500 mg vial (within 10 %)
doc = _by("45-ramucirumab-gastric-monotherapy-rounding-medicare")
doc["claim"]["id"] = "UNS-95"
doc["patient"].update({"id": "P-U95", "weight_kg": 66.0})
doc["claim"]["lines"] = [doc["claim"]["lines"][0]] + doc["claim"]["lines"][3:]
doc["claim"]["lines"][0]["modifiers"] = ["JZ"]
for i, ln in enumerate(doc["claim"]["lines"], 1):
    ln["number"] = i
doc["administrations"] = [adm("2026-05-05", "ramucirumab", 500),
                          dict(doc["administrations"][1], dose_mg=500, waste_mg=0, vials=[{"ndc": CYR500, "count": 1}]),
                          doc["administrations"][2]]
doc["documentation"]["clinical_justification"] = "dose rounded to nearest vial per institutional policy (within 10 %)"
add("95-ramucirumab-dose-rounded-down-to-vial-medicare", "The REGARD patient of 45 at 66 kg: 8 mg/kg = 528 mg rounded "
    "down to one 500 mg vial (-5.3 %, institutional dose-rounding policy), J9308 100 units JZ.", doc, "clean",
    basis="HOPA dose-rounding guidance (monoclonal antibodies within 10 % of the prescribed dose) adopted by many payers "
    "(e.g. UHC/Cigna dose-rounding programmes); a dose below the calculated one is never a reason to deny the units given.",
    confidence="medium")

# 96 biosimilar switch mid-course (Trazimera -> Ogivri) for a formulary change, no new loading dose
doc = _by("28-ogivri-single-dose-vials-with-jw-medicare")
doc["claim"]["id"] = "UNS-96"
doc["patient"]["id"] = "P-U96"
doc["administrations"] = [adm("2026-07-14", "trastuzumab-qyyp", 348), adm("2026-08-04", "trastuzumab-qyyp", 348),
                          adm("2026-08-25", "trastuzumab-qyyp", 348)] + doc["administrations"][1:]
add("96-biosimilar-switch-trazimera-to-ogivri-medicare", "The Ogivri maintenance day of 28, the first Ogivri dose after "
    "three 3-weekly Trazimera doses (practice switched products): 6 mg/kg, no new loading dose.", doc, "clean",
    basis="Trastuzumab biosimilars share the reference product's dosing; a switch within 3 weeks of the last dose continues "
    "at 6 mg/kg (label: reload only after a missed dose > 1 week); FDA biosimilar labeling.", confidence="medium")


# ---------------------------------------------------------------- tenth batch: authorization and liability mechanics --
# 97 Herceptin (J9355) new start on the commercial plan without a biosimilar trial (PA on file)
doc = _by("26-herceptin-established-patient-commercial-pa")
doc["claim"]["id"] = "UNS-97"
doc["patient"]["id"] = "P-U97"
doc["administrations"] = [adm("2026-05-26", "Herceptin", 480, route="IV", start="2026-05-26T09:00", end="2026-05-26T10:30",
                              lot_number="HC9701")]
doc["claim"]["lines"][0]["units"] = 48
doc["clinical"]["prior_therapies"] = []
doc["clinical"]["concurrent_drugs"] = ["paclitaxel"]
add("97-herceptin-new-start-commercial", "HER2+ EBC, commercial: first trastuzumab dose ever, billed as Herceptin J9355 "
    "(8 mg/kg loading from the 420 mg vial), PA on file for J9355, no biosimilar tried.", doc, "denied", [(1, "197")],
    basis="QualChoice BI640: new starts must first try a preferred biosimilar (Kanjinti, Ogivri, Trazimera) or Hylecta before "
    "Herceptin (step therapy, enforced through the J9355 precertification; facts.md s.10a). First written as CO-50; the "
    "KB's CO-197 + N130 at the prior-authorization stage is within the policy (the step is a PA criterion).",
    confidence="medium")

# 98 Phesgo billed while the PA on file covers only IV pertuzumab (J9306)
doc = _by("11-phesgo-loading-neoadjuvant-commercial")
doc["claim"]["id"] = "UNS-98"
doc["patient"]["id"] = "P-U98"
doc["authorizations"][0]["codes"] = ["J9306"]
add("98-phesgo-with-pa-for-iv-pertuzumab-only-commercial", "The Phesgo loading day of 11, but the approved PA names only "
    "J9306 (the practice switched the patient from IV Perjeta to Phesgo without a new authorization).", doc, "denied",
    [(1, "197")], basis="Aetna CPB 0977: Phesgo requires its own precertification; an authorization for another code does "
    "not cover J9316 -> CO-197.")

# 99 authorization still pending at the date of service
doc = _by("20-ramucirumab-nsclc-docetaxel-commercial-pa")
doc["claim"]["id"] = "UNS-99"
doc["patient"]["id"] = "P-U99"
doc["authorizations"][0]["status"] = "pending"
add("99-ramucirumab-pa-pending-commercial", "The REVEL day of 20, but the PA request is still pending (not approved) when "
    "the claim is adjudicated.", doc, "denied", [(1, "197"), (2, "197")],
    basis="A pending authorization is not an approval: CO-197 (precertification absent) on the J9308 lines.")

# 100 Medicare GZ line (no ABN, provider expects a medical-necessity denial): P+T during an LVEF hold
doc = _by("40-pertuzumab-mbc-lvef-38-medicare")
doc["claim"]["id"] = "UNS-100"
doc["patient"]["id"] = "P-U100"
doc["claim"]["lines"][0]["modifiers"] = ["JZ", "GZ"]
add("100-pertuzumab-lvef-hold-gz-medicare", "The LVEF-38 % day of 40 with GZ on the pertuzumab line (the practice expects "
    "Medicare to deny it and has no ABN).", doc, "denied", [(1, "50"), (2, "50")],
    basis="CMS CR 7228 / MLN: lines with GZ are denied as not reasonable and necessary (CO-50), provider liable; the "
    "trastuzumab line is denied for the LVEF hold as in 40.", confidence="medium")


class _NoAliases(yaml.SafeDumper):
    """The claim reader refuses YAML anchors and aliases; write shared objects out in full."""

    def ignore_aliases(self, data):
        return True


def main():
    from scenarios_r2 import SCEN_R2  # round 2 (tester redteam2): tests/data/unseen/scenarios_r2.py
    from scenarios_r3 import SCEN_R3  # round 3 (tester redteam3): tests/data/unseen/scenarios_r3.py
    expected = {}
    for name, header, doc, exp in SCEN + SCEN_R2 + SCEN_R3:
        path = HERE / f"{name}.yaml"
        text = "# " + "\n# ".join(_wrap(header)) + "\n# Expected (payer policy): " + exp["outcome"]
        if exp["denials"]:
            text += " - " + ", ".join(f"line {ln if ln else 'all'} CARC {c}" for ln, c in exp["denials"])
        text += "\n# Basis: " + "\n#   ".join(_wrap(exp["basis"])) + f"\n# Confidence: {exp['confidence']}\n"
        text += yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, default_flow_style=None, width=130, allow_unicode=True)
        path.write_text(text)
        expected[name] = exp
    (HERE / "expected.yaml").write_text(
        "# Decision a payer would make for each scenario, from public policy (see each file's header); generated by build.py\n"
        + yaml.safe_dump(expected, sort_keys=True, width=130))


def _wrap(s, width=116):
    import textwrap
    return textwrap.wrap(s, width) or [""]


if __name__ == "__main__":
    main()
