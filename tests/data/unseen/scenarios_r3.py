"""Round 3 of the unseen claims (tester `redteam3`): files 3xx-*.yaml, claim ids UNS-3xx.

Written as an oncology practice's or hospital's biller would send them, with the payer decision taken from public policy
(FDA labels, CMS manuals and MAC pages, NCCI, NCCN-compendium coverage, commercial drug policies) before denialkb's
decision or its rules were read. Areas rounds 1-2 covered thinly: payers the KB has no file for, whole infusion days with
many lines the KB does not model (pembrolizumab, FOLFOX/FOLFIRI, carboplatin, labs, port access, hydration, antiemetics,
pegfilgrastim on-body injector, denosumab, zoledronic acid), newer labelled uses (Enhertu, Kadcyla, Enhertu + pertuzumab,
ramucirumab after immunotherapy), compendia uses of trastuzumab (gastric with FOLFOX, uterine serous, biliary,
colorectal), several dates on one claim, secondary claims, Medicare Advantage billed to the plan, claims with only the
billing facts, and ordinary sloppiness. Most scenarios are correct claims a payer pays. build.py includes SCEN_R3 (one
import in its main()); FINDINGS_R3 marks the scenarios denialkb gets wrong (strict xfail in tests/test_unseen.py; details
in /work/wt/STATUS/redteam3-findings.md and tests/data/unseen/README.md).
"""

# I001: the sibling modules build / scenarios_r2 are first-party to ruff where a build/ folder exists (a non-editable
# install) and third-party elsewhere, so their order is fixed by hand
from __future__ import annotations  # noqa: I001

import copy
import datetime as _dt

import build as b
from build import L, adm, claim, pt, rec
from scenarios_r2 import a_

SCEN_R3: list[tuple[str, str, dict, dict]] = []

# R3-F1 fixed (lead): a payer the KB has no profile for is decided with the profile "other" (payer-independent rules only)
# R3-F4 (billing facts only -> undetermined) decided against the tester: see the end of this module
_F5 = "R3-F5 (miss: NCCI administration bundling the KB does not model)"
FINDINGS_R3: dict[str, str] = {
    "336-hydration-concurrent-with-infusions-medicare": _F5,
    "337-port-flush-96523-with-chemo-medicare": _F5,
    "339-port-draw-36591-on-infusion-day-medicare": _F5,
    "357-enhertu-ndc-billed-as-j9354-commercial": "R3-F6 (wrong reason: NDC not crosswalked to the billed HCPCS)",
    "354-enhertu-first-line-monotherapy-her2pos-medicare": "R3-F8 (miss: first-line Enhertu without pertuzumab)",
    "364-enhertu-gastric-first-line-medicare": "R3-F8 (miss: Enhertu gastric without a prior trastuzumab regimen)",
    "366-enhertu-her2-low-chemo-naive-before-db06-approval-medicare":
        "R3-F8 (miss: HER2-low Enhertu without prior chemotherapy before the 2025-01-27 approval)",
}


def add(name, header, doc, outcome, denials=(), basis="", confidence="high"):
    """denials: list of (line or None, CARC) a payer would send."""
    SCEN_R3.append((name, header, doc, {"outcome": outcome, "denials": [list(d) for d in denials], "basis": basis,
                                        "confidence": confidence,
                                        **({"finding": FINDINGS_R3[name]} if name in FINDINGS_R3 else {})}))


def by(name):
    return copy.deepcopy(next(s for s in SCEN_R3 if s[0] == name)[2])


def renumber(doc):
    for i, ln in enumerate(doc["claim"]["lines"], 1):
        ln["number"] = i
    return doc


def reid(doc, n, received=None):
    doc["claim"]["id"] = f"UNS-{n}"
    if "patient" in doc:
        doc["patient"]["id"] = f"P-U{n}"
    if received:
        doc["claim"]["received_date"] = received
    return doc


PERJ, TRAZ420, TRAZ150, CYR100, CYR500 = b.PERJ, b.TRAZ420, b.TRAZ150, b.CYR100, b.CYR500
ENHERTU = "65597-0406-01"        # Enhertu 100 mg single-dose vial (DailyMed)
KADCYLA100, KADCYLA160 = "50242-0088-01", "50242-0087-01"   # Kadcyla 100 mg / 160 mg single-dose vials (DailyMed)
KEYTRUDA = "00006-3026-02"       # Keytruda 100 mg/4 mL single-dose vial
XGEVA = "55513-0730-01"          # Xgeva 120 mg/1.7 mL single-dose vial
ONPRO = "55513-0192-01"          # Neulasta Onpro kit 6 mg
MED = {"start_date": "2017-01-01", "plan_type": "medicare_ffs"}
COM = {"start_date": "2023-01-01", "plan_type": "commercial"}
DOC = rec()
DOCH = rec(her2_report_in_record=True, lvef_report_in_record=True)
PREMEDS = [L("J1100", 12, charge=9.0), L("J2405", 8, charge=6.0), L("J1200", 1, charge=4.0)]


def premed_adm(d, t="08:45"):
    return [a_(d, "dexamethasone", 12, t, 5), a_(d, "ondansetron", 8, t, 5), adm(d, "diphenhydramine", 50, route="IV")]


def her2pos(date="2026-01-08", ihc="3+", **kw):
    return {"ihc": ihc, "test_date": date, "fda_approved_test": True, **kw}


def auth(num, codes, units, start, end, **kw):
    return [{"number": num, "codes": list(codes), "units": units, "status": "approved", "provider_npi": b.NPI_BILL,
             "start_date": start, "end_date": end, **kw}]


# ================================================================ payers the KB has no file for ======================
# 301 Cigna: neoadjuvant TCHP cycle 1, PA on file
d = "2026-03-03"
doc = claim("UNS-301", "cigna", d, "2026-03-09", ["C50.411", "Z17.420"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=11200.0, ptr=(1, 2)),
    L("Q5116", 55, None, TRAZ420, 2, unit="UN", charge=4100.0, ptr=(1, 2)),
    L("J9171", 135, None, "00409-0201-02", 6.75, charge=260.0, ptr=(1,)),
    L("J9045", 63, None, "61703-0339-50", 63, charge=190.0, ptr=(1,)),
    L("J1100", 12, None, "63323-0165-01", 3, charge=9.0), L("J2405", 8, None, "00409-4755-03", 4, charge=6.0),
    L("96413", 1, charge=420.0), L("96417", 3, charge=560.0), L("96375", 2, charge=110.0),
], pa="CIG-778120", patient=pt("P-U301", "1977-02-14", kg=68.5, height=168), coverage=COM,
    authorizations=auth("CIG-778120", ["J9306", "Q5116", "J9171", "J9045"], 9999, "2026-02-20", "2026-08-19"),
    clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIB", "tumor_size_cm": 3.4,
                         "node_positive": True},
              "biomarkers": {"her2": her2pos("2026-02-05"), "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-02-18", "percent": 63}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp", "docetaxel", "carboplatin"]},
    administrations=premed_adm(d) + [
        a_(d, "pertuzumab", 840, "09:00", 60, waste_mg=0, vials=[{"ndc": PERJ, "count": 2}]),
        a_(d, "trastuzumab-qyyp", 548, "10:30", 90, vials=[{"ndc": TRAZ420, "count": 2}]),
        a_(d, "docetaxel", 135, "12:05", 60), a_(d, "carboplatin", 630, "13:10", 45)],
    documentation=DOCH)
add("301-tchp-neoadjuvant-cigna-pa", "HER2+ cT2 N1 breast cancer, Cigna commercial (a payer the KB has no profile for), "
    "neoadjuvant TCHP cycle 1 with Cigna's approved PA for the four drugs: pertuzumab 840 mg (JZ), Trazimera 8 mg/kg x "
    "68.5 kg = 548 mg (two 420 mg multiple-dose vials), docetaxel 75 mg/m2, carboplatin AUC 6, premeds, every drug line "
    "with an NDC.", doc, "clean",
    basis="Perjeta label neoadjuvant (> 2 cm or node-positive) with trastuzumab + chemotherapy; Cigna Drug Coverage Policy "
    "(oncology, NCCN 1/2A) with PA on file. Cigna's own edits are not public beyond this: a payer the KB does not "
    "model must get only the general (label/coding) checks, and those pass.", confidence="medium")

# 302 Humana Medicare Advantage: pertuzumab + Trazimera maintenance, PA on file
d = "2026-05-19"
doc = claim("UNS-302", "humana", d, "2026-05-22", ["C50.912", "C78.01", "Z17.410"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5116", 39, None, TRAZ420, 1, unit="UN", charge=2800.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], pa="HUM-55101", patient=pt("P-U302", "1949-11-03", kg=65.0), coverage={"start_date": "2024-01-01",
                                                                             "plan_type": "medicare_advantage"},
    authorizations=auth("HUM-55101", ["J9306", "Q5116"], 20000, "2026-01-01", "2026-12-31"),
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2025-06-10"), "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-04-21", "percent": 58}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-07-01",
                                   "end_date": "2025-10-14", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp"],
              "response_assessments": [{"date": "2026-04-14", "status": "stable", "method": "imaging"}]},
    administrations=[adm("2026-04-28", "pertuzumab", 420), adm("2026-04-28", "trastuzumab-qyyp", 390),
                     a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0), a_(d, "trastuzumab-qyyp", 390, "09:40", 35)],
    documentation=DOCH)
add("302-hp-maintenance-humana-medicare-advantage", "HER2+ MBC, Humana Medicare Advantage (no KB profile), P + Trazimera "
    "maintenance every 3 weeks after 6 cycles of docetaxel, Humana PA on file.", doc, "clean",
    basis="Perjeta label MBC (until progression); MA plans cover at least what Medicare covers (42 CFR 422.101) and may "
    "require PA (on file). No Humana-specific edit applies that the KB could know.", confidence="medium")

# 303 TRICARE: Kanjinti weekly with paclitaxel (APT), no PA needed for an on-label use
d = "2026-04-07"
doc = claim("UNS-303", "tricare", d, "2026-04-13", ["C50.212", "Z17.410"], [
    L("Q5117", 14, None, "55513-0132-01", 1, unit="UN", charge=1100.0, ptr=(1, 2)),
    L("J9267", 140, charge=60.0, ptr=(1,)),
    L("J1100", 10, charge=8.0), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=330.0), L("96417", 1, charge=150.0), L("96375", 1, charge=55.0),
], patient=pt("P-U303", "1984-08-21", kg=70.0, height=170), coverage={"start_date": "2019-10-01", "plan_type": "other"},
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IA", "tumor_size_cm": 1.4,
                         "node_positive": False},
              "biomarkers": {"her2": her2pos("2026-01-20"), "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-02-02", "percent": 64}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-03-24", "trastuzumab-anns", 280), adm("2026-03-24", "paclitaxel", 140),
                     adm("2026-03-31", "trastuzumab-anns", 140), adm("2026-03-31", "paclitaxel", 140),
                     a_(d, "trastuzumab-anns", 140, "09:00", 30), a_(d, "paclitaxel", 140, "09:35", 60),
                     a_(d, "dexamethasone", 10, "08:45", 5), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOCH)
add("303-kanjinti-weekly-paclitaxel-tricare", "HER2+ pT1c N0 breast cancer, TRICARE (no KB profile), adjuvant weekly "
    "paclitaxel 80 mg/m2 + Kanjinti (APT regimen), week 3: trastuzumab 2 mg/kg x 70 kg = 140 mg from the 420 mg multiple-"
    "dose vial (no JW/JZ).", doc, "clean",
    basis="Trastuzumab/Kanjinti label adjuvant (weekly 4 mg/kg then 2 mg/kg with paclitaxel); NCCN (APT, Tolaney 2015) for "
    "T1 N0 HER2+; TRICARE covers FDA-labelled cancer drug uses (TRICARE Policy Manual ch.7 s.16.2); MDV -> no JW/JZ.",
    confidence="medium")

# 304 Anthem: THP maintenance with paclitaxel weekly phase ended, PA on file
doc = copy.deepcopy(by("302-hp-maintenance-humana-medicare-advantage"))
reid(doc, 304)
doc["claim"]["payer"] = "anthem"
doc["claim"]["prior_authorization"] = "ANT-20931"
doc["coverage"] = {"start_date": "2022-01-01", "plan_type": "commercial"}
doc["authorizations"] = auth("ANT-20931", ["J9306", "Q5116"], 20000, "2026-01-01", "2026-06-30")
doc["patient"]["birth_date"] = "1972-03-09"
doc["claim"]["diagnoses"] = ["C50.912", "C78.01", "Z17.410"]
add("304-hp-maintenance-anthem-commercial-pa", "The P + Trazimera maintenance day of 302 for a 54-year-old on an Anthem "
    "commercial plan (no KB profile), Anthem's PA approved.", doc, "clean",
    basis="Perjeta label MBC; Anthem (Carelon) oncology drug criteria follow the label and NCCN; PA on file for both codes.",
    confidence="medium")


# ================================================================ breast: several dates, 837I spans ================
# 305 weekly paclitaxel + Trazimera x 3 weeks on one professional Medicare claim (weeks 2-4 of APT)
dates = ["2026-02-10", "2026-02-17", "2026-02-24"]
lines = []
for dd in dates:
    for ln in (L("Q5116", 14, None, TRAZ420, 1, unit="UN", charge=1100.0, ptr=(1, 2)),
               L("J9267", 136, charge=58.0, ptr=(1,)), L("J1100", 10, charge=8.0), L("J1200", 1, charge=4.0),
               L("96413", 1, charge=330.0), L("96417", 1, charge=150.0), L("96375", 1, charge=55.0)):
        lines.append(dict(ln, service_date=dd))
adms = [adm("2026-02-03", "trastuzumab-qyyp", 280), adm("2026-02-03", "paclitaxel", 136)]
for dd in dates:
    adms += [a_(dd, "trastuzumab-qyyp", 140, "09:00", 30), a_(dd, "paclitaxel", 136, "09:35", 60),
             a_(dd, "dexamethasone", 10, "08:45", 5), adm(dd, "diphenhydramine", 50, route="IV")]
doc = claim("UNS-305", "medicare", dates[0], "2026-02-27", ["C50.411", "Z17.410"], lines,
            patient=pt("P-U305", "1953-09-17", kg=70.0, height=163), coverage=MED,
            clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IA", "tumor_size_cm": 1.7,
                                 "node_positive": False},
                      "biomarkers": {"her2": her2pos("2025-12-12"), "er": "positive", "pr": "negative"},
                      "lvef": [{"date": "2026-01-20", "percent": 61}], "ecog": 0, "prior_therapies": [],
                      "concurrent_drugs": ["trastuzumab-qyyp", "paclitaxel"]},
            administrations=adms, documentation=DOCH)
add("305-weekly-th-three-dates-one-claim-medicare", "HER2+ pT1c N0 breast cancer, Medicare, adjuvant APT weeks 2-4 on "
    "one professional claim (21 lines, three dates of service): each week Trazimera 2 mg/kg x 70 kg = 140 mg (14 units "
    "from the 420 mg multiple-dose vial), paclitaxel 80 mg/m2, dexamethasone + diphenhydramine, 96413 + 96417 + 96375.",
    doc, "clean",
    basis="Trastuzumab biosimilar label (weekly 4 mg/kg load then 2 mg/kg with paclitaxel); NCCN APT; CMS Pub 100-04 "
    "ch.12 s.30.5 (one initial administration per encounter, per date); an 837P may carry several dates of service.")

# 306 837I hospital outpatient, weekly carboplatin AUC 2 + paclitaxel x3 with HP on day 1 (neoadjuvant), 3 dates
dates = ["2026-06-02", "2026-06-09", "2026-06-16"]
lines = [L("J9306", 420, ["JZ"], PERJ, 14, charge=6200.0, rev="0636"),
         L("Q5116", 39, None, TRAZ420, 1, unit="UN", charge=3500.0, rev="0636")]
for i, dd in enumerate(dates):
    day = [L("J9267", 128, charge=90.0, rev="0636"), L("J9045", 6, charge=70.0, rev="0636"),
           L("J1100", 10, charge=12.0, rev="0636"), L("J1200", 1, charge=6.0, rev="0636"),
           L("96413", 1, charge=880.0, rev="0335"), L("96417", 1 if i else 3, charge=420.0, rev="0335"),
           L("96375", 1, charge=160.0, rev="0260")]
    lines += [dict(x, service_date=dd) for x in day]
lines = [dict(x, service_date=x.get("service_date") or dates[0]) for x in lines]
adms = [adm("2026-05-12", "pertuzumab", 840), adm("2026-05-12", "trastuzumab-qyyp", 520)]
for i, dd in enumerate(dates):
    if i == 0:
        adms += [a_(dd, "pertuzumab", 420, "08:40", 35, waste_mg=0), a_(dd, "trastuzumab-qyyp", 390, "09:20", 35)]
    adms += [a_(dd, "paclitaxel", 128, "10:00", 60), a_(dd, "carboplatin", 300, "11:05", 35),
             a_(dd, "dexamethasone", 10, "08:30", 5), adm(dd, "diphenhydramine", 50, route="IV")]
doc = claim("UNS-306", "medicare", dates[0], "2026-06-24", ["C50.112", "C77.3", "Z17.420"], lines, form="institutional",
            tob="0131", entity="hospital_outpatient", patient=pt("P-U306", "1956-01-30", kg=65.0, height=160),
            coverage=MED,
            clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIIA", "tumor_size_cm": 4.1,
                                 "node_positive": True},
                      "biomarkers": {"her2": her2pos("2026-04-22"), "er": "negative", "pr": "negative"},
                      "lvef": [{"date": "2026-05-01", "percent": 60}], "ecog": 1, "prior_therapies": [],
                      "concurrent_drugs": ["trastuzumab-qyyp", "paclitaxel", "carboplatin"]},
            administrations=adms, documentation=DOCH)
for ln in doc["claim"]["lines"]:
    ln["service_date_end"] = ln["service_date"]
add("306-837i-weekly-carbo-paclitaxel-hp-three-visits-medicare", "HER2+ cT2 N1 breast cancer, hospital outpatient 837I "
    "(TOB 0131) with three weekly visits: cycle 2 day 1 pertuzumab 420 mg (JZ) + Trazimera 6 mg/kg (39 units), weekly "
    "paclitaxel 80 mg/m2 + carboplatin AUC 2 (J9045 6 units) each week; revenue codes 0636/0335/0260.", doc, "clean",
    basis="Perjeta label neoadjuvant with trastuzumab + chemotherapy (a weekly carboplatin/paclitaxel backbone is NCCN "
    "'useful in certain circumstances'); CMS Pub 100-04 ch.4 (OPPS line-item dates on a span claim); one 96413 per visit.",
    confidence="medium")

# 307 adjuvant AC then THP: first THP day (loading) after dose-dense AC, Medicare
d = "2026-04-21"
doc = claim("UNS-307", "medicare", d, "2026-04-27", ["C50.411", "C77.3", "Z17.410"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2, 3)),
    L("Q5116", 58, None, TRAZ420, 2, unit="UN", charge=4200.0, ptr=(1, 2, 3)),
    L("J9267", 144, charge=62.0, ptr=(1, 2)),
    L("J1100", 10, charge=8.0), L("J1200", 1, charge=4.0), L("J2405", 8, charge=6.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=75.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U307", "1958-12-01", kg=72.0, height=166), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIB", "tumor_size_cm": 2.6,
                         "node_positive": True},
              "biomarkers": {"her2": her2pos("2025-12-30", ihc="2+", ish="amplified", ish_ratio=3.1, copy_number=7.2),
                             "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2025-12-20", "percent": 63}, {"date": "2026-04-10", "percent": 59}], "ecog": 0,
              "prior_therapies": [
                  {"drug": d_, "setting": "adjuvant", "start_date": "2026-02-10", "end_date": "2026-03-24",
                   "progressed": False, "stop_reason": "completed"} for d_ in ("doxorubicin", "cyclophosphamide")],
              "concurrent_drugs": ["trastuzumab-qyyp", "paclitaxel"]},
    administrations=[a_(d, "pertuzumab", 840, "09:00", 60, waste_mg=0), a_(d, "trastuzumab-qyyp", 576, "10:05", 95),
                     a_(d, "paclitaxel", 144, "11:45", 60)] + premed_adm(d, "08:40"),
    documentation=DOCH)
add("307-ac-then-thp-first-thp-day-medicare", "HER2+ (IHC 2+, ISH ratio 3.1) pT2 N1 breast cancer, Medicare, adjuvant "
    "ddAC x4 completed, first THP day: pertuzumab 840 mg load, Trazimera 8 mg/kg x 72 kg = 576 mg (58 units, two 420 mg "
    "MDVs) over 95 minutes (96417 + 96415), weekly paclitaxel 80 mg/m2, premeds.", doc, "clean",
    basis="Perjeta label adjuvant (high risk: node-positive; start P+T after the anthracycline); trastuzumab 8 mg/kg load "
    "then 6 mg/kg; ASCO/CAP 2018 IHC 2+/ISH group 1 = positive; CPT 96415 for the additional hour of a sequential infusion.",
    confidence="medium")

# 308 Enhertu + pertuzumab first line MBC (DESTINY-Breast09), Medicare, after the 2025-12-15 approval
d = "2026-03-10"
doc = claim("UNS-308", "medicare", d, "2026-03-16", ["C50.911", "C78.7", "Z17.420"], [
    L("J9358", 351, None, ENHERTU, 4, unit="UN", charge=9400.0, ptr=(1, 2, 3)),
    L("J9358", 49, ["JW"], ENHERTU, 0.49, unit="UN", charge=1300.0, ptr=(1, 2, 3)),
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2, 3)),
    L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U308", "1952-07-07", kg=65.0, height=162), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2026-02-03"), "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-02-20", "percent": 62}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["Enhertu"]},
    administrations=[a_(d, "Enhertu", 351, "09:10", 90, waste_mg=49, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": ENHERTU, "count": 4}]),
                     a_(d, "pertuzumab", 840, "10:50", 60, waste_mg=0, vials=[{"ndc": PERJ, "count": 2}]),
                     a_(d, "palonosetron", 0.25, "08:50", 1), a_(d, "dexamethasone", 12, "08:55", 5)],
    documentation=DOCH)
doc["claim"]["lines"][1]["ndc_quantity"] = 1
add("308-enhertu-plus-pertuzumab-first-line-medicare", "De novo HER2+ MBC, Medicare, first line Enhertu 5.4 mg/kg x 65 kg = "
    "351 mg (four 100 mg vials, 49 mg JW) + pertuzumab 840 mg load (DESTINY-Breast09 regimen, no trastuzumab, no taxane), "
    "palonosetron + dexamethasone pushes.", doc, "clean",
    basis="FDA approval 2025-12-15 of Enhertu with pertuzumab for first-line HER2+ (IHC 3+ or ISH+) unresectable/metastatic "
    "breast cancer (pharmexec.com/view/fda-enhertu-perjeta-first-line-her2-positive-metastatic-breast-cancer); CMS JW "
    "policy; J9358 = 1 mg.", confidence="medium")

# 309 Kadcyla KATHERINE adjuvant, residual disease after neoadjuvant TCHP, Medicare, 100 + 160 mg vials, 1 unit JW
d = "2026-05-05"
doc = claim("UNS-309", "medicare", d, "2026-05-11", ["C50.811", "Z17.420"], [
    L("J9354", 259, None, KADCYLA160, 1, unit="UN", charge=5200.0, ptr=(1, 2)),
    L("J9354", 1, ["JW"], KADCYLA100, 1, unit="UN", charge=20.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U309", "1957-04-18", kg=72.0, height=170), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIA", "tumor_size_cm": 1.2,
                         "node_positive": False},
              "biomarkers": {"her2": her2pos("2025-09-02"), "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-03-30", "percent": 60}], "ecog": 0,
              "prior_therapies": [{"drug": x, "setting": "neoadjuvant", "start_date": "2025-09-20", "end_date": "2026-01-03",
                                   "progressed": False, "stop_reason": "completed"}
                                  for x in ("docetaxel", "carboplatin", "trastuzumab", "pertuzumab")],
              "concurrent_drugs": []},
    administrations=[adm("2026-04-14", "Kadcyla", 259),
                     a_(d, "Kadcyla", 259, "09:00", 30, waste_mg=1, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": KADCYLA160, "count": 1}, {"ndc": KADCYLA100, "count": 1}])],
    documentation=DOCH)
doc["claim"]["lines"][0]["ndc"] = KADCYLA160
add("309-kadcyla-katherine-residual-disease-medicare", "HER2+ EBC with residual invasive disease (ypT1c N0) after "
    "neoadjuvant TCHP and surgery, Medicare, Kadcyla 3.6 mg/kg x 72 kg = 259 mg every 3 weeks (cycle 2 of 14) from one "
    "160 mg + one 100 mg vial: 259 units + 1 JW unit.", doc, "clean",
    basis="Kadcyla label 1.2 (adjuvant HER2+ EBC with residual invasive disease after neoadjuvant taxane + trastuzumab, "
    "3.6 mg/kg q3w x 14 cycles; KATHERINE); J9354 = 1 mg; CMS JW policy.", confidence="medium")

# 310 Kadcyla MBC second line after THP, commercial with PA
d = "2026-07-14"
doc = claim("UNS-310", "commercial", d, "2026-07-20", ["C50.912", "C78.00", "Z17.410"], [
    L("J9354", 216, None, KADCYLA160, 1, unit="UN", charge=4400.0, ptr=(1, 2, 3)),
    L("J9354", 44, ["JW"], KADCYLA100, 1, unit="UN", charge=900.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=420.0), L("99214", 1, ["25"], charge=190.0, ptr=(1, 2)),
], pa="PA-K-310", patient=pt("P-U310", "1970-10-10", kg=60.0, height=158), coverage=COM,
    authorizations=auth("PA-K-310", ["J9354"], 3600, "2026-06-01", "2026-11-30"),
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2024-03-05"), "er": "positive", "pr": "negative"},
              "lvef": [{"date": "2026-06-10", "percent": 57}], "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2024-04-01",
                                   "end_date": "2026-05-20", "progressed": True, "stop_reason": "progression"}
                                  for x in ("trastuzumab", "pertuzumab", "docetaxel")],
              "concurrent_drugs": [],
              "response_assessments": [{"date": "2026-05-18", "status": "progression", "method": "imaging",
                                        "regimen": ["trastuzumab", "pertuzumab", "docetaxel"]}]},
    administrations=[adm("2026-06-23", "Kadcyla", 216),
                     a_(d, "Kadcyla", 216, "09:30", 30, waste_mg=44, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": KADCYLA160, "count": 1}, {"ndc": KADCYLA100, "count": 1}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True,
                      clinical_justification="grade 1 peripheral neuropathy and thrombocytopenia assessed, dose held at 3.6"))
add("310-kadcyla-mbc-after-thp-commercial-pa", "HER2+ MBC progressing on THP, commercial with PA, Kadcyla 3.6 mg/kg x "
    "60 kg = 216 mg (160 + 100 mg vials, 44 mg JW), cycle 2, with a separately documented E/M (toxicity review) -25.",
    doc, "clean",
    basis="Kadcyla label 1.1 (HER2+ MBC after trastuzumab and a taxane); Aetna CPB 0313 / payer T-DM1 criteria; PA on file.",
    confidence="medium")

# 311 Enhertu HER2-low MBC on the commercial plan with PA
d = "2026-08-11"
doc = claim("UNS-311", "commercial", d, "2026-08-14", ["C50.412", "C78.7", "Z17.411"], [
    L("J9358", 378, None, ENHERTU, 4, unit="UN", charge=10100.0, ptr=(1, 2, 3)),
    L("J9358", 22, ["JW"], ENHERTU, 0.22, unit="UN", charge=590.0, ptr=(1, 2, 3)),
    L("J2469", 10, None, "69097-0386-37", 5, charge=40.0), L("J1100", 8, None, "63323-0165-01", 2, charge=8.0),
    L("96413", 1, charge=420.0), L("96375", 2, charge=110.0),
], pa="PA-E-311", patient=pt("P-U311", "1967-02-02", kg=70.0, height=165), coverage=COM,
    authorizations=auth("PA-E-311", ["J9358"], 3600, "2026-07-01", "2026-12-31"),
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "not_amplified", "test_date": "2026-06-12",
                                      "fda_approved_test": True}, "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-07-01", "percent": 61}], "ecog": 1,
              "prior_therapies": [{"drug": "capecitabine", "setting": "metastatic", "line": 2, "start_date": "2025-11-01",
                                   "end_date": "2026-06-30", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm("2026-07-21", "Enhertu", 378),
                     a_(d, "Enhertu", 378, "09:00", 30, waste_mg=22, vials=[{"ndc": ENHERTU, "count": 4}]),
                     a_(d, "palonosetron", 0.25, "08:40", 1), a_(d, "dexamethasone", 8, "08:45", 5)],
    documentation=DOCH)
doc["claim"]["lines"][1]["ndc_quantity"] = 1
add("311-enhertu-her2-low-ihc2-ish-neg-commercial-pa", "HR+/HER2-low (IHC 2+, ISH not amplified) MBC after capecitabine "
    "for metastatic disease, commercial with PA: Enhertu 5.4 mg/kg x 70 kg = 378 mg, 22 mg JW, cycle 2 over 30 minutes.",
    doc, "clean",
    basis="Enhertu label (DESTINY-Breast04: HER2-low = IHC 1+ or IHC 2+/ISH-, after chemotherapy in the metastatic "
    "setting); PA on file.")

# 312 Enhertu HER2-ultralow after endocrine therapy (DESTINY-Breast06), Medicare
d = "2026-06-09"
doc = copy.deepcopy(by("311-enhertu-her2-low-ihc2-ish-neg-commercial-pa"))
reid(doc, 312, "2026-06-15")
doc["claim"].update({"payer": "medicare", "diagnoses": ["C50.411", "C79.51", "Z17.411"]})
doc["claim"].pop("prior_authorization")
doc.pop("authorizations")
doc["coverage"] = MED
doc["patient"]["birth_date"] = "1950-05-05"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "0", "test_date": "2026-04-20", "fda_approved_test": True}
doc["clinical"]["prior_therapies"] = [
    {"drug": x, "setting": "metastatic", "line": 1, "start_date": "2024-05-01", "end_date": "2026-04-10",
     "progressed": True, "stop_reason": "progression"} for x in ("letrozole", "palbociclib")] + [
    {"drug": "fulvestrant", "setting": "metastatic", "line": 2, "start_date": "2026-04-15", "end_date": "2026-05-20",
     "progressed": True, "stop_reason": "progression"}]
doc["administrations"] = [adm("2026-05-19", "Enhertu", 378),
                          a_(d, "Enhertu", 378, "09:00", 30, waste_mg=22, vials=[{"ndc": ENHERTU, "count": 4}]),
                          a_(d, "palonosetron", 0.25, "08:40", 1), a_(d, "dexamethasone", 8, "08:45", 5)]
doc["documentation"]["clinical_justification"] = ("HER2-ultralow: IHC 0 with faint, incomplete membrane staining in "
                                                  "<= 10 % of tumour cells (pathology addendum)")
add("312-enhertu-her2-ultralow-after-endocrine-medicare", "HR+ MBC progressing on two endocrine lines (letrozole + "
    "palbociclib, then fulvestrant), no chemotherapy for metastatic disease, HER2 IHC 0 reported as ultralow (faint "
    "incomplete staining <= 10 %), Medicare: Enhertu 5.4 mg/kg cycle 2.", doc, "clean",
    basis="Enhertu label, 2025-01-27 approval (DESTINY-Breast06): HR+, HER2-low or HER2-ultralow MBC progressing on one or "
    "more endocrine therapies in the metastatic setting; the document has no ultralow field, the pathology finding is in "
    "the record (clinical_justification).", confidence="medium")

# 313 Enhertu HER2-mutant NSCLC (DESTINY-Lung02), Medicare
d = "2026-09-01"
doc = claim("UNS-313", "medicare", d, "2026-09-08", ["C34.11", "C79.31"], [
    L("J9358", 432, None, ENHERTU, 5, unit="UN", charge=11500.0, ptr=(1, 2)),
    L("J9358", 68, ["JW"], ENHERTU, 1, unit="UN", charge=1800.0, ptr=(1, 2)),
    L("J2405", 8, charge=6.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96375", 2, charge=90.0),
], patient=pt("P-U313", "1955-03-03", sex="M", kg=80.0, height=178), coverage=MED,
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "wild_type", "alk": "negative"}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-10-01",
                                   "end_date": "2026-07-20", "progressed": True, "stop_reason": "progression"}
                                  for x in ("carboplatin", "pemetrexed", "pembrolizumab")],
              "concurrent_drugs": []},
    administrations=[adm("2026-08-11", "Enhertu", 432),
                     a_(d, "Enhertu", 432, "09:00", 30, waste_mg=68, vials=[{"ndc": ENHERTU, "count": 5}]),
                     a_(d, "ondansetron", 8, "08:40", 5), a_(d, "dexamethasone", 8, "08:46", 5)],
    documentation=rec(clinical_justification="ERBB2 (HER2) exon 20 insertion on tissue NGS (activating mutation)"))
add("313-enhertu-her2-mutant-nsclc-medicare", "Metastatic NSCLC with an activating HER2 (ERBB2) mutation after "
    "carboplatin/pemetrexed/pembrolizumab, Medicare: Enhertu 5.4 mg/kg x 80 kg = 432 mg (five 100 mg vials, 68 mg JW).",
    doc, "clean",
    basis="Enhertu label 1.3 (accelerated approval 2022-08-11: unresectable/metastatic NSCLC with activating HER2 mutations "
    "after prior systemic therapy, 5.4 mg/kg q3w); HER2 IHC is not the selection test here (mutation by NGS).",
    confidence="medium")

# 314 Enhertu tumour-agnostic HER2 IHC 3+ (biliary), Medicare
d = "2026-10-06"
doc = claim("UNS-314", "medicare", d, "2026-10-12", ["C22.1", "C78.7"], [
    L("J9358", 335, None, ENHERTU, 4, unit="UN", charge=8900.0, ptr=(1, 2)),
    L("J9358", 65, ["JW"], ENHERTU, 1, unit="UN", charge=1700.0, ptr=(1, 2)),
    L("J2405", 8, charge=6.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96375", 2, charge=90.0),
], patient=pt("P-U314", "1951-12-24", sex="M", kg=62.0, height=170), coverage=MED,
    clinical={"cancer": {"primary_site": "other", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-08-14")}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-11-01",
                                   "end_date": "2026-08-30", "progressed": True, "stop_reason": "progression"}
                                  for x in ("gemcitabine", "cisplatin", "durvalumab")],
              "concurrent_drugs": []},
    administrations=[a_(d, "Enhertu", 335, "09:00", 90, waste_mg=65, vials=[{"ndc": ENHERTU, "count": 4}]),
                     a_(d, "ondansetron", 8, "08:40", 5), a_(d, "dexamethasone", 8, "08:46", 5)],
    documentation=DOCH)
add("314-enhertu-tumour-agnostic-her2-ihc3-cholangiocarcinoma-medicare", "Intrahepatic cholangiocarcinoma (C22.1) "
    "with liver metastases, HER2 IHC 3+, after gemcitabine/cisplatin/durvalumab, Medicare: Enhertu 5.4 mg/kg x 62 kg = "
    "335 mg, first dose over 90 minutes, 65 mg JW.", doc, "clean",
    basis="Enhertu label 1.5 (accelerated approval 2024-04-05: unresectable/metastatic HER2-positive (IHC 3+) solid tumours "
    "after prior systemic treatment with no satisfactory alternative); NCCN Hepatobiliary (T-DXd for HER2 IHC 3+ biliary "
    "cancers).", confidence="medium")

# 315 Enhertu gastric second line after trastuzumab, 6.4 mg/kg, Medicare
d = "2026-04-28"
doc = claim("UNS-315", "medicare", d, "2026-05-04", ["C16.0", "C77.2"], [
    L("J9358", 448, None, ENHERTU, 5, unit="UN", charge=11900.0, ptr=(1, 2)),
    L("J9358", 52, ["JW"], ENHERTU, 1, unit="UN", charge=1400.0, ptr=(1, 2)),
    L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0), L("J1453", 150, charge=210.0),
    L("96413", 1, charge=350.0), L("96367", 1, charge=90.0), L("96375", 2, charge=90.0),
], patient=pt("P-U315", "1954-06-16", sex="M", kg=70.0, height=175), coverage=MED,
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IVB",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2025-05-02")}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-05-20",
                                   "end_date": "2026-03-30", "progressed": True, "stop_reason": "progression"}
                                  for x in ("trastuzumab", "oxaliplatin", "capecitabine", "pembrolizumab")],
              "concurrent_drugs": []},
    administrations=[adm("2026-04-07", "Enhertu", 448),
                     a_(d, "Enhertu", 448, "09:40", 30, waste_mg=52, vials=[{"ndc": ENHERTU, "count": 5}]),
                     a_(d, "fosaprepitant", 150, "09:05", 30), a_(d, "palonosetron", 0.25, "08:50", 1),
                     a_(d, "dexamethasone", 12, "08:55", 5)],
    documentation=DOCH)
add("315-enhertu-gastric-second-line-medicare", "HER2+ GEJ adenocarcinoma progressing on trastuzumab + CAPOX + "
    "pembrolizumab, Medicare, Enhertu 6.4 mg/kg x 70 kg = 448 mg (five vials, 52 mg JW), fosaprepitant 150 mg infusion "
    "(96367), palonosetron + dexamethasone pushes.", doc, "clean",
    basis="Enhertu label 1.4 (locally advanced/metastatic HER2+ gastric or GEJ adenocarcinoma after a trastuzumab-based "
    "regimen, 6.4 mg/kg q3w; DESTINY-Gastric01); CPT 96367 sequential non-chemotherapy infusion with 96413; J1453 = 1 mg.",
    confidence="medium")


# ================================================================ gastric / GEJ with trastuzumab ====================
# 316 KEYNOTE-811: pembrolizumab + Trazimera + CAPOX (oral capecitabine), first line, Medicare
d = "2026-02-24"
doc = claim("UNS-316", "medicare", d, "2026-03-02", ["C16.2", "C78.7"], [
    L("J9271", 200, ["JZ"], KEYTRUDA, 8, charge=11000.0, ptr=(1, 2)),
    L("Q5116", 54, None, TRAZ420, 2, unit="UN", charge=3900.0, ptr=(1, 2)),
    L("J9263", 460, charge=120.0, ptr=(1, 2)),
    L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0), L("96415", 1, charge=75.0), L("96375", 2, charge=90.0),
], patient=pt("P-U316", "1950-08-08", sex="M", kg=68.0, height=174), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-01-28")}, "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["pembrolizumab", "oxaliplatin", "capecitabine"]},
    administrations=[a_(d, "pembrolizumab", 200, "09:00", 30, waste_mg=0),
                     a_(d, "trastuzumab-qyyp", 544, "09:35", 90),
                     a_(d, "oxaliplatin", 230, "11:10", 120),
                     a_(d, "palonosetron", 0.25, "08:45", 1), a_(d, "dexamethasone", 12, "08:50", 5)],
    documentation=rec(her2_report_in_record=True, clinical_justification="PD-L1 22C3 CPS 8"))
add("316-keynote811-pembro-trastuzumab-capox-medicare", "HER2+ (IHC 3+) PD-L1 CPS 8 metastatic gastric adenocarcinoma, "
    "first line, Medicare, KEYNOTE-811 day 1: pembrolizumab 200 mg (J9271, JZ), Trazimera 8 mg/kg x 68 kg = 544 mg load, "
    "oxaliplatin 130 mg/m2 over 2 h (96417 + 96415), oral capecitabine at home, palonosetron + dexamethasone.", doc, "clean",
    basis="Keytruda label (2025-03-19 traditional approval: with trastuzumab + fluoropyrimidine/platinum, first line, "
    "HER2+ gastric/GEJ adenocarcinoma with PD-L1 CPS >= 1; reg-news.com/news/fda-granted-traditional-approval-to-keytruda-"
    "for-her2-pd-l1-gastric-or-gej-adenocarcinoma); trastuzumab label gastric (8 mg/kg then 6 mg/kg q3w); CPT 96415 "
    "for the second hour of a sequential infusion.", confidence="medium")

# 317 trastuzumab every 2 weeks with FOLFOX (NCCN): 4 mg/kg maintenance, Medicare
d = "2026-03-17"
doc = claim("UNS-317", "medicare", d, "2026-03-23", ["C16.3", "C78.6"], [
    L("Q5116", 26, None, TRAZ420, 1, unit="UN", charge=1900.0, ptr=(1, 2)),
    L("J9263", 300, charge=80.0, ptr=(1, 2)),
    L("J0640", 14, charge=60.0, ptr=(1, 2)),
    L("J9190", 10, charge=40.0, ptr=(1, 2)),
    L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=75.0), L("96417", 1, charge=160.0), L("96368", 1, charge=50.0),
    L("96411", 1, charge=120.0), L("96416", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U317", "1949-02-11", sex="M", kg=65.0, height=172), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-02-10", ihc="2+", ish="amplified", ish_ratio=2.9)}, "ecog": 1,
              "lvef": [{"date": "2026-02-20", "percent": 60}],
              "prior_therapies": [], "concurrent_drugs": ["oxaliplatin", "leucovorin", "fluorouracil"]},
    administrations=[adm("2026-03-03", "trastuzumab-qyyp", 390), adm("2026-03-03", "oxaliplatin", 150),
                     a_(d, "trastuzumab-qyyp", 260, "09:00", 30),
                     a_(d, "oxaliplatin", 150, "09:35", 120), a_(d, "leucovorin", 700, "09:35", 120),
                     a_(d, "fluorouracil", 700, "11:40", 3), a_(d, "fluorouracil", 4200, "11:45", 2760),
                     a_(d, "palonosetron", 0.25, "08:45", 1), a_(d, "dexamethasone", 12, "08:50", 5)],
    documentation=DOCH)
add("317-trastuzumab-q2w-with-folfox-gastric-medicare", "HER2+ (IHC 2+/ISH+) metastatic gastric adenocarcinoma, "
    "Medicare, FOLFOX + trastuzumab every 2 weeks, cycle 2: Trazimera 4 mg/kg x 65 kg = 260 mg after a 6 mg/kg load two "
    "weeks earlier, oxaliplatin 85 mg/m2 with concurrent leucovorin (96368), 5-FU push (96411) and 46-h pump (96416).",
    doc, "clean",
    basis="NCCN Gastric (category 1/2A: trastuzumab with fluoropyrimidine + oxaliplatin; with FOLFOX the q2w schedule is "
    "6 mg/kg load then 4 mg/kg every 14 days); CMS Pub 100-02 ch.15 s.50.4.5 (compendium-supported off-label use is "
    "covered); the 4 mg/kg q2w dose equals 6 mg/kg q3w dose intensity.", confidence="medium")

# 318 CAPOX + trastuzumab q3w, UHC commercial with PA (preferred biosimilar Kanjinti)
d = "2026-05-26"
doc = claim("UNS-318", "uhc", d, "2026-05-29", ["C16.0", "C77.2"], [
    L("Q5117", 40, None, "55513-0132-01", 1, unit="UN", charge=2900.0, ptr=(1, 2)),
    L("J9263", 470, None, "00409-2041-02", 47, charge=120.0, ptr=(1, 2)),
    L("J2469", 10, None, "69097-0386-37", 5, charge=40.0, ptr=(1,)),
    L("J1100", 12, None, "63323-0165-01", 3, charge=9.0, ptr=(1,)),
    L("96413", 1, charge=420.0), L("96415", 1, charge=90.0), L("96417", 1, charge=180.0), L("96375", 2, charge=110.0),
], pa="UHC-PA-318", patient=pt("P-U318", "1966-09-09", sex="M", kg=66.0, height=176), coverage=COM,
    authorizations=auth("UHC-PA-318", ["Q5117"], 600, "2026-05-01", "2026-10-31"),
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IVB",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-04-02")}, "ecog": 0, "prior_therapies": [],
              "lvef": [{"date": "2026-04-20", "percent": 64}],
              "concurrent_drugs": ["oxaliplatin", "capecitabine"]},
    administrations=[adm("2026-05-05", "Kanjinti", 528), adm("2026-05-05", "oxaliplatin", 235),
                     a_(d, "Kanjinti", 396, "09:00", 30), a_(d, "oxaliplatin", 235, "09:35", 120),
                     a_(d, "palonosetron", 0.25, "08:45", 1), a_(d, "dexamethasone", 12, "08:50", 5)],
    documentation=DOCH)
add("318-kanjinti-capox-gej-uhc-pa", "HER2+ metastatic GEJ adenocarcinoma, UHC commercial, CAPOX + Kanjinti (UHC-preferred "
    "trastuzumab) cycle 2 with PA: 6 mg/kg x 66 kg = 396 mg (40 units), oxaliplatin 130 mg/m2 over 2 h.", doc, "clean",
    basis="Trastuzumab label gastric (8 -> 6 mg/kg q3w, ToGA; CAPOX is NCCN category 1); UHC HER2 programme: Kanjinti "
    "preferred (uhc.com specialty-medical-injectable-drug-program-updates-her2-targeted-monoclonal-antibodies); PA on file.",
    confidence="medium")

# 319 ToGA cisplatin + trastuzumab with pre/post hydration (96361 x2), Medicare
d = "2026-07-07"
doc = claim("UNS-319", "medicare", d, "2026-07-10", ["C16.9", "C78.7"], [
    L("Q5116", 39, None, TRAZ420, 1, unit="UN", charge=2800.0, ptr=(1, 2)),
    L("J9060", 14, charge=60.0, ptr=(1, 2)),
    L("J7050", 8, charge=20.0), L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0), L("J1453", 150, charge=210.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96367", 1, charge=90.0), L("96361", 2, charge=80.0),
    L("96375", 2, charge=90.0),
], patient=pt("P-U319", "1953-10-30", sex="M", kg=65.0, height=178), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-05-12")}, "ecog": 1, "prior_therapies": [],
              "lvef": [{"date": "2026-06-01", "percent": 58}],
              "concurrent_drugs": ["cisplatin", "capecitabine"]},
    administrations=[adm("2026-06-16", "trastuzumab-qyyp", 520), adm("2026-06-16", "cisplatin", 140),
                     a_(d, "sodium chloride 0.9%", None, "08:00", 60),
                     a_(d, "palonosetron", 0.25, "09:00", 1), a_(d, "dexamethasone", 12, "09:02", 5),
                     a_(d, "fosaprepitant", 150, "09:10", 30),
                     a_(d, "trastuzumab-qyyp", 390, "09:45", 30), a_(d, "cisplatin", 140, "10:20", 60),
                     a_(d, "sodium chloride 0.9%", None, "11:25", 60)],
    documentation=DOCH)
add("319-toga-cisplatin-trastuzumab-hydration-medicare", "HER2+ metastatic gastric cancer, Medicare, ToGA cycle 2: "
    "1 L NS pre-hydration (60 min) before and 1 L after cisplatin 80 mg/m2 (96361 x2, sequential), fosaprepitant (96367), "
    "Trazimera 6 mg/kg (39 units), 96413 for cisplatin + 96417 for trastuzumab; oral capecitabine at home.", doc, "clean",
    basis="Trastuzumab label gastric (with cisplatin + capecitabine or 5-FU); CPT/CMS Pub 100-04 ch.12 s.30.5: hydration "
    "before or after (not concurrent with) chemotherapy is reported with 96361 when >30 minutes; J9060 = 10 mg; J7050 = "
    "250 mL.", confidence="medium")

# 320 trastuzumab for HER2-negative (IHC 1+) gastric cancer with FOLFOX -> trastuzumab line denied
doc = copy.deepcopy(by("317-trastuzumab-q2w-with-folfox-gastric-medicare"))
reid(doc, 320)
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "1+", "test_date": "2026-02-10", "fda_approved_test": True}
add("320-trastuzumab-her2-ihc1-gastric-medicare", "The FOLFOX + trastuzumab day of 317, but the gastric tumour is "
    "HER2 IHC 1+ (HER2-negative; no ISH).", doc, "denied", [(1, "50")],
    basis="Trastuzumab label gastric (HER2-overexpressing: IHC 3+ or IHC 2+/ISH+) and NCCN gastric HER2 testing; IHC 1+ is "
    "negative -> the trastuzumab line is not reasonable and necessary (CO-50); the chemotherapy lines stand.")


# ================================================================ ramucirumab newer sequences ======================
# 321 ramucirumab HCC after atezolizumab + bevacizumab, AFP 650, Medicare
d = "2026-06-23"
doc = claim("UNS-321", "medicare", d, "2026-06-29", ["C22.0"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1,)),
    L("J9308", 28, None, CYR100, 14, charge=2130.0, ptr=(1,)),
    L("J9308", 12, ["JW"], CYR100, 6, charge=910.0, ptr=(1,)),
    L("J1200", 1, charge=4.0), L("96413", 1, charge=350.0), L("96375", 1, charge=55.0),
], patient=pt("P-U321", "1954-04-04", sex="M", kg=80.0, height=180), coverage=MED,
    clinical={"cancer": {"primary_site": "liver_hcc", "setting": "metastatic", "stage": "IVA"},
              "biomarkers": {"afp_ng_ml": 650}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-08-01",
                                   "end_date": "2026-05-20", "progressed": True, "stop_reason": "progression"}
                                  for x in ("atezolizumab", "bevacizumab")],
              "concurrent_drugs": []},
    administrations=[adm("2026-06-09", "ramucirumab", 640),
                     a_(d, "diphenhydramine", 50, "09:00", 5),
                     a_(d, "ramucirumab", 640, "09:10", 60, waste_mg=60,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}])],
    documentation=DOC)
add("321-ramucirumab-hcc-after-atezo-bev-medicare", "HCC with AFP 650 ng/mL progressing on atezolizumab + bevacizumab "
    "(no sorafenib), Medicare: ramucirumab 8 mg/kg x 80 kg = 640 mg q2w from one 500 + two 100 mg vials (100 + 28 units "
    "on two NDC lines, 12 JW units).", doc, "clean",
    basis="Cyramza label 1.4 (HCC with AFP >= 400 after sorafenib); NCCN Hepatobiliary lists ramucirumab (AFP >= 400) as "
    "subsequent-line therapy after progression on first-line systemic therapy, including atezolizumab/bevacizumab "
    "(category 2A) -> compendium-supported, covered by Medicare (Pub 100-02 ch.15 s.50.4.5).", confidence="medium")

# 322 ramucirumab HCC, AFP 180 -> denied
doc = copy.deepcopy(by("321-ramucirumab-hcc-after-atezo-bev-medicare"))
reid(doc, 322)
doc["clinical"]["biomarkers"]["afp_ng_ml"] = 180
add("322-ramucirumab-hcc-afp-180-medicare", "The HCC day of 321, but the AFP is 180 ng/mL.", doc, "denied",
    [(1, "50"), (2, "50"), (3, "50")],
    basis="Cyramza label and NCCN: ramucirumab for HCC only with AFP >= 400 ng/mL (REACH-2); below it, not reasonable and "
    "necessary (CO-50) on every J9308 line, JW included.")

# 323 ramucirumab + docetaxel NSCLC after carboplatin/pemetrexed/pembrolizumab, Texas Medicaid
d = "2026-04-02"
doc = claim("UNS-323", "texas-medicaid", d, "2026-04-08", ["C34.12", "C78.01"], [
    L("J9308", 200, None, CYR500, 100, charge=15200.0, ptr=(1, 2)),
    L("J9171", 150, None, "00409-0201-10", 15, charge=260.0, ptr=(1, 2)),
    L("J1100", 8, None, "63323-0165-01", 2, charge=8.0), L("J1200", 1, None, "00641-0376-21", 1, charge=4.0),
    L("96413", 1, charge=300.0), L("96417", 1, charge=140.0), L("96375", 2, charge=80.0),
], patient=pt("P-U323", "1969-01-19", sex="M", kg=100.0, height=185), coverage={"start_date": "2025-02-01",
                                                                                 "plan_type": "medicaid"},
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVA", "histology": "squamous"},
              "biomarkers": {"egfr": "wild_type", "alk": "negative"}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-03-01",
                                   "end_date": "2026-02-28", "progressed": True, "stop_reason": "progression"}
                                  for x in ("carboplatin", "paclitaxel", "pembrolizumab")],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[a_(d, "ramucirumab", 1000, "09:00", 60, waste_mg=0, vials=[{"ndc": CYR500, "count": 2}]),
                     a_(d, "docetaxel", 150, "10:05", 60), adm(d, "dexamethasone", 8, route="IV"),
                     adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
doc["claim"]["lines"][0]["modifiers"] = ["JZ"]
add("323-ramucirumab-docetaxel-squamous-nsclc-texas-medicaid", "Metastatic squamous NSCLC after carboplatin/paclitaxel/"
    "pembrolizumab, Texas Medicaid, REVEL cycle 1: ramucirumab 10 mg/kg x 100 kg = 1000 mg (two whole 500 mg vials, JZ), "
    "docetaxel 75 mg/m2, every drug line with its NDC.", doc, "clean",
    basis="Cyramza label 1.2 (NSCLC, any histology, progression on or after platinum chemotherapy, with docetaxel; REVEL "
    "included squamous); Texas Medicaid covers FDA-labelled uses of chemotherapy drugs billed with NDC (TMPPM "
    "Radiology/Oncology drugs); no PA on file, none assumed required for an on-label use.", confidence="medium")

# 324 RAISE FOLFIRI + ramucirumab, Medicare, two NDC lines both JZ
d = "2026-05-12"
doc = claim("UNS-324", "medicare", d, "2026-05-18", ["C18.7", "C78.7"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 20, ["JZ"], CYR100, 10, charge=1520.0, ptr=(1, 2)),
    L("J9206", 17, charge=80.0, ptr=(1, 2)), L("J0640", 16, charge=60.0, ptr=(1, 2)), L("J9190", 11, charge=40.0, ptr=(1, 2)),
    L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96368", 1, charge=50.0), L("96411", 1, charge=120.0),
    L("96416", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U324", "1956-11-11", sex="M", kg=75.0, height=175), coverage=MED,
    clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IVA", "histology": "adenocarcinoma"},
              "biomarkers": {"ras": "mutant"}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-04-01",
                                   "end_date": "2026-04-10", "progressed": True, "stop_reason": "progression"}
                                  for x in ("oxaliplatin", "fluorouracil", "leucovorin", "bevacizumab")],
              "concurrent_drugs": ["irinotecan", "leucovorin", "fluorouracil"]},
    administrations=[adm("2026-04-28", "ramucirumab", 600), adm("2026-04-28", "irinotecan", 340),
                     a_(d, "ramucirumab", 600, "09:00", 60, waste_mg=0,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     a_(d, "irinotecan", 340, "10:05", 90), a_(d, "leucovorin", 760, "10:05", 90),
                     a_(d, "fluorouracil", 760, "11:40", 3), a_(d, "fluorouracil", 4560, "11:45", 2760),
                     a_(d, "palonosetron", 0.25, "08:45", 1), a_(d, "dexamethasone", 12, "08:50", 5)],
    documentation=DOC)
add("324-ramucirumab-folfiri-crc-medicare", "RAS-mutant metastatic colon cancer after FOLFOX + bevacizumab, Medicare, "
    "RAISE cycle 2: ramucirumab 8 mg/kg x 75 kg = 600 mg (500 + 100 mg vials, both lines JZ), irinotecan 180 mg/m2 with "
    "concurrent leucovorin (96368), 5-FU push + 46-h pump.", doc, "clean",
    basis="Cyramza label 1.3 (mCRC with FOLFIRI after bevacizumab, oxaliplatin and a fluoropyrimidine; 8 mg/kg q2w); "
    "CMS JZ policy (no waste from two whole vials); J9206 = 20 mg, J0640 = 50 mg, J9190 = 500 mg.")

# 325 RAISE in first line (no prior oxaliplatin/bevacizumab) -> ramucirumab lines denied
doc = copy.deepcopy(by("324-ramucirumab-folfiri-crc-medicare"))
reid(doc, 325)
doc["clinical"]["prior_therapies"] = []
doc["administrations"] = doc["administrations"][2:]
add("325-ramucirumab-folfiri-first-line-crc-medicare", "The FOLFIRI + ramucirumab day of 324 as first-line therapy: no "
    "prior oxaliplatin, fluoropyrimidine or bevacizumab for metastatic disease (first cycle).", doc, "denied",
    [(1, "50"), (2, "50")],
    basis="Cyramza label 1.3 is second line only (after bevacizumab, oxaliplatin and a fluoropyrimidine); NCCN Colon lists "
    "FOLFIRI + ramucirumab only as subsequent therapy -> not reasonable and necessary (CO-50) on the J9308 lines.",
    confidence="medium")

# 326 docetaxel + ramucirumab with labs and 99214-25, Medicare (NSCLC after chemo-immunotherapy)
d = "2026-08-18"
doc = claim("UNS-326", "medicare", d, "2026-08-21", ["C34.31", "C79.51", "Z79.899"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 40, ["JZ"], CYR100, 20, charge=3040.0, ptr=(1, 2)),
    L("J9171", 140, charge=250.0, ptr=(1, 2)),
    L("J1100", 8, charge=8.0), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
    L("85025", 1, charge=25.0, ptr=(1,)), L("80053", 1, charge=35.0, ptr=(1,)), L("36415", 1, charge=8.0, ptr=(1,)),
    L("99214", 1, ["25"], charge=190.0, ptr=(1, 2)),
], patient=pt("P-U326", "1957-05-25", kg=70.0, height=163), coverage=MED,
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "wild_type", "alk": "negative"}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-09-01",
                                   "end_date": "2026-07-15", "progressed": True, "stop_reason": "progression"}
                                  for x in ("carboplatin", "pemetrexed", "pembrolizumab")],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[a_(d, "ramucirumab", 700, "09:30", 60, waste_mg=0,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}]),
                     a_(d, "docetaxel", 140, "10:35", 60), adm(d, "dexamethasone", 8, route="IV"),
                     adm(d, "diphenhydramine", 50, route="IV")],
    documentation=rec(clinical_justification="new grade 2 hypertension and bone pain evaluated; amlodipine started"))
add("326-ramucirumab-docetaxel-labs-em25-medicare", "Metastatic NSCLC after carboplatin/pemetrexed/pembrolizumab, "
    "Medicare, REVEL cycle 1 with the whole day billed: ramucirumab 10 mg/kg x 70 kg = 700 mg from one 500 + two 100 mg "
    "vials (100 + 40 units on two NDC lines, both JZ), docetaxel, premeds, CBC + CMP + venipuncture, a separately documented E/M -25; Z79.899 listed.",
    doc, "clean",
    basis="Cyramza label 1.2 (after platinum chemotherapy, immunotherapy included; REVEL dose); CMS JZ policy. First "
    "written with two 500 mg vials and 60 JW units: denialkb denied the JW line (JW-WITHOUT-POSSIBLE-WASTE), which is "
    "within policy (Noridian LCA A55932: bill the vial combination that minimises waste), so the claim now uses it; labs and venipuncture are separately payable; E/M with -25 for a significant "
    "separate problem (NCCI ch. XI).")


# ================================================================ trastuzumab compendia uses =========================
# 327 HER2+ uterine serous carcinoma: carboplatin/paclitaxel + trastuzumab (Fader), Medicare
d = "2026-03-31"
doc = claim("UNS-327", "medicare", d, "2026-04-06", ["C54.1", "C78.6"], [
    L("Q5116", 56, None, TRAZ420, 2, unit="UN", charge=4000.0, ptr=(1, 2)),
    L("J9267", 290, charge=120.0, ptr=(1, 2)), L("J9045", 12, charge=90.0, ptr=(1, 2)),
    L("J1100", 20, charge=12.0), L("J1200", 1, charge=4.0), L("J2469", 10, charge=40.0),
    L("96413", 1, charge=350.0), L("96415", 2, charge=150.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U327", "1951-09-09", kg=70.0, height=160), coverage=MED,
    clinical={"cancer": {"primary_site": "other", "setting": "metastatic", "stage": "IVB", "histology": "other"},
              "biomarkers": {"her2": her2pos("2026-03-02")}, "lvef": [{"date": "2026-03-16", "percent": 62}], "ecog": 1,
              "prior_therapies": [], "concurrent_drugs": ["carboplatin", "paclitaxel"]},
    administrations=[a_(d, "trastuzumab-qyyp", 560, "09:00", 90), a_(d, "paclitaxel", 290, "10:35", 180),
                     a_(d, "carboplatin", 600, "13:40", 30), a_(d, "dexamethasone", 20, "08:40", 5),
                     adm(d, "diphenhydramine", 50, route="IV"), a_(d, "palonosetron", 0.25, "08:50", 1)],
    documentation=DOCH)
add("327-trastuzumab-uterine-serous-carbo-paclitaxel-medicare", "Stage IVB HER2+ (IHC 3+) uterine serous carcinoma "
    "(C54.1), Medicare, first cycle of carboplatin AUC 5 + paclitaxel 175 mg/m2 (3 h: 96415 x2) + Trazimera 8 mg/kg x 70 kg "
    "= 560 mg load.", doc, "clean",
    basis="NCCN Uterine Neoplasms (carboplatin/paclitaxel/trastuzumab for stage III-IV or recurrent HER2+ uterine serous "
    "carcinoma, category 2A; Fader 2018/2020); CMS Pub 100-02 ch.15 s.50.4.5 covers compendium-supported uses.",
    confidence="medium")

# 328 the same regimen on the commercial plan with PA
doc = copy.deepcopy(by("327-trastuzumab-uterine-serous-carbo-paclitaxel-medicare"))
reid(doc, 328)
doc["claim"].update({"payer": "commercial", "prior_authorization": "PA-U-328"})
doc["coverage"] = COM
doc["patient"]["birth_date"] = "1964-09-09"
doc["authorizations"] = auth("PA-U-328", ["Q5116"], 1000, "2026-03-20", "2026-09-19")
for ln, (ndc, q) in zip(doc["claim"]["lines"][1:6], [("00703-4767-01", 48.3), ("61703-0339-50", 60), ("63323-0165-01", 5),
                                                      ("00641-0376-21", 1), ("69097-0386-37", 5)], strict=True):
    ln.update({"ndc": ndc, "ndc_quantity": q, "ndc_unit": "ML"})
add("328-trastuzumab-uterine-serous-commercial-pa", "The uterine serous carbo/paclitaxel/trastuzumab day of 327 for a "
    "61-year-old on the commercial plan, PA approved for Q5116, every drug line with an NDC.", doc, "clean",
    basis="Aetna CPB 0313 (trastuzumab: uterine serous carcinoma, HER2+, stage III/IV or recurrent, with carboplatin and "
    "paclitaxel) and NCCN 2A; PA on file.", confidence="medium")

# 329 HER2+ biliary tract cancer: pertuzumab + trastuzumab (MyPathway), Medicare
d = "2026-05-05"
doc = claim("UNS-329", "medicare", d, "2026-05-08", ["C24.0", "C78.7"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2)),
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=3000.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], patient=pt("P-U329", "1952-02-20", kg=70.0), coverage=MED,
    clinical={"cancer": {"primary_site": "other", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-01-15")}, "lvef": [{"date": "2026-03-20", "percent": 61}], "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-06-01",
                                   "end_date": "2026-03-01", "progressed": True, "stop_reason": "progression"}
                                  for x in ("gemcitabine", "cisplatin", "durvalumab")],
              "concurrent_drugs": ["trastuzumab-qyyp"]},
    administrations=[adm("2026-04-14", "pertuzumab", 840), adm("2026-04-14", "trastuzumab-qyyp", 560),
                     a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0), a_(d, "trastuzumab-qyyp", 420, "09:40", 35)],
    documentation=DOCH)
add("329-pertuzumab-trastuzumab-her2-biliary-medicare", "HER2+ (IHC 3+) extrahepatic cholangiocarcinoma (C24.0) with "
    "liver metastases after gemcitabine/cisplatin/durvalumab, Medicare, cycle 2 of pertuzumab 420 mg + Trazimera 6 mg/kg "
    "(no chemotherapy partner).", doc, "clean",
    basis="NCCN Biliary Tract Cancers: pertuzumab + trastuzumab for HER2+ disease, subsequent line (MyPathway, Javle 2021); "
    "Aetna CPB 0973 hepatobiliary use (facts.md s.10a); Medicare covers compendium-supported uses.", confidence="medium")

# 330 HER2+ colorectal: tucatinib (oral) + trastuzumab (MOUNTAINEER), Medicare
d = "2026-09-15"
doc = claim("UNS-330", "medicare", d, "2026-09-18", ["C18.2", "C78.7"], [
    L("Q5116", 48, None, TRAZ420, 2, unit="UN", charge=3400.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U330", "1958-06-30", sex="M", kg=80.0), coverage=MED,
    clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": her2pos("2026-05-01"), "ras": "wild_type"}, "lvef": [{"date": "2026-07-10", "percent": 60}],
              "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": n, "start_date": s_, "end_date": e_,
                                   "progressed": True, "stop_reason": "progression"}
                                  for x, n, s_, e_ in (("oxaliplatin", 1, "2024-10-01", "2025-06-01"),
                                                       ("fluorouracil", 1, "2024-10-01", "2025-06-01"),
                                                       ("irinotecan", 2, "2025-07-01", "2026-06-15"))],
              "concurrent_drugs": ["tucatinib"]},
    administrations=[adm("2026-07-21", "trastuzumab-qyyp", 640), adm("2026-08-11", "trastuzumab-qyyp", 480),
                     adm("2026-09-01", "trastuzumab-qyyp", 480),
                     a_(d, "trastuzumab-qyyp", 480, "09:00", 30)],
    documentation=DOCH)
doc["administrations"][-2]["date"] = "2026-08-25"
add("330-trastuzumab-tucatinib-her2-crc-medicare", "HER2+ RAS wild-type metastatic colon cancer after oxaliplatin, "
    "fluoropyrimidine and irinotecan, Medicare, trastuzumab 6 mg/kg x 80 kg = 480 mg every 3 weeks with oral tucatinib "
    "(MOUNTAINEER), cycle 4.", doc, "clean",
    basis="Tukysa label (2023-01-19: with trastuzumab for RAS wild-type HER2+ unresectable/metastatic CRC after "
    "fluoropyrimidine-, oxaliplatin- and irinotecan-based chemotherapy; trastuzumab 8 mg/kg then 6 mg/kg q3w); NCCN Colon "
    "2A; Medicare covers the compendium use of trastuzumab.", confidence="medium")


# ================================================================ supportive care on the infusion day ================
# 331 THP maintenance + denosumab (Xgeva) + labs + E/M-25, JZ on every single-dose line, Medicare
d = "2026-04-14"
doc = claim("UNS-331", "medicare", d, "2026-04-17", ["C50.912", "C79.51", "Z17.410"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5116", 36, ["JZ"], TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("J0897", 120, ["JZ"], XGEVA, 1.7, charge=2300.0, ptr=(2,)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96372", 1, ["59"], charge=30.0, ptr=(2,)),
    L("85025", 1, charge=25.0, ptr=(1,)), L("80053", 1, charge=35.0, ptr=(1,)), L("36415", 1, charge=8.0, ptr=(1,)),
    L("99214", 1, ["25"], charge=190.0, ptr=(2, 1)),
], patient=pt("P-U331", "1947-01-01", kg=60.0), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2025-02-02"), "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-03-10", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-03-01",
                                   "end_date": "2025-06-14", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp"],
              "response_assessments": [{"date": "2026-03-02", "status": "stable", "method": "imaging"}]},
    administrations=[adm("2026-03-24", "pertuzumab", 420), adm("2026-03-24", "trastuzumab-qyyp", 360),
                     a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0), a_(d, "trastuzumab-qyyp", 360, "09:40", 35),
                     adm(d, "denosumab", 120, route="SC", waste_mg=0)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True,
                      clinical_justification="new hip pain: exam, calcium reviewed, imaging ordered"))
add("331-hp-maintenance-denosumab-labs-em-jz-everywhere-medicare", "HER2+ MBC with bone metastases, Medicare, P + "
    "Trazimera maintenance with denosumab 120 mg SC (J0897 120 units, 96372-59), CBC, CMP, venipuncture and a separately "
    "documented E/M -25; the biller put JZ on every drug line, the Trazimera multiple-dose vial line included.", doc,
    "clean",
    basis="Perjeta label MBC maintenance; Xgeva label (prevention of skeletal-related events in bone metastases from "
    "solid tumours, 120 mg q4w); CMS JZ FAQ: JZ is not required for multiple-dose containers, but an unnecessary JZ does "
    "not make a payable line unpayable (no return edit for it); NCCI: 96372 with 59 when separate from the chemo "
    "administration.", confidence="medium")

# 332 Enhertu + zoledronic acid (J3489 4 mg, 96367), Medicare
d = "2026-10-20"
doc = copy.deepcopy(by("314-enhertu-tumour-agnostic-her2-ihc3-cholangiocarcinoma-medicare"))
doc = claim("UNS-332", "medicare", d, "2026-10-23", ["C50.411", "C79.51", "Z17.411"], [
    L("J9358", 367, None, ENHERTU, 4, unit="UN", charge=9800.0, ptr=(1, 2, 3)),
    L("J9358", 33, ["JW"], ENHERTU, 1, unit="UN", charge=880.0, ptr=(1, 2, 3)),
    L("J3489", 4, ["JZ"], charge=30.0, ptr=(2,)),
    L("J2405", 8, charge=6.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96367", 1, charge=90.0), L("96375", 2, charge=90.0),
], patient=pt("P-U332", "1949-04-22", kg=68.0), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2026-01-10", "fda_approved_test": True},
                             "er": "positive", "pr": "negative"},
              "lvef": [{"date": "2026-09-01", "percent": 59}], "ecog": 1,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "metastatic", "line": 2, "start_date": "2026-01-20",
                                   "end_date": "2026-08-30", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm("2026-09-29", "Enhertu", 367),
                     a_(d, "Enhertu", 367, "09:00", 30, waste_mg=33, vials=[{"ndc": ENHERTU, "count": 4}]),
                     a_(d, "zoledronic acid", 4, "09:35", 15), a_(d, "ondansetron", 8, "08:40", 5),
                     a_(d, "dexamethasone", 8, "08:46", 5)],
    documentation=DOCH)
add("332-enhertu-her2-low-zoledronic-acid-medicare", "HER2-low (IHC 1+) MBC with bone metastases after paclitaxel for "
    "metastatic disease, Medicare, Enhertu cycle 3 (367 mg + 33 mg JW) followed by zoledronic acid 4 mg over 15 minutes "
    "(J3489 4 units, 96367).", doc, "clean",
    basis="Enhertu label (HER2-low after chemotherapy in the metastatic setting); zoledronic acid label (bone metastases of "
    "solid tumours, 4 mg over >= 15 min q3-4w); CPT 96367 for a sequential non-chemotherapy infusion after 96413.",
    confidence="medium")

# 333 TCHP cycle 1 with fosaprepitant, palonosetron and pegfilgrastim on-body injector (J2506 12 units + 96377), Medicare
d = "2026-02-03"
doc = claim("UNS-333", "medicare", d, "2026-02-09", ["C50.811", "Z17.420"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2)),
    L("Q5116", 58, None, TRAZ420, 2, unit="UN", charge=4200.0, ptr=(1, 2)),
    L("J9171", 135, charge=240.0, ptr=(1,)), L("J9045", 14, charge=100.0, ptr=(1,)),
    L("J1453", 150, charge=210.0), L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("J2506", 12, ["JZ"], ONPRO, 0.6, charge=6100.0, ptr=(1,)),
    L("96413", 1, charge=350.0), L("96417", 3, charge=480.0), L("96415", 1, charge=75.0), L("96367", 1, charge=90.0),
    L("96375", 2, charge=90.0), L("96377", 1, charge=60.0, ptr=(1,)),
], patient=pt("P-U333", "1955-10-10", kg=72.0, height=168), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIIA", "tumor_size_cm": 5.5,
                         "node_positive": True},
              "biomarkers": {"her2": her2pos("2026-01-09"), "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-01-20", "percent": 65}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["trastuzumab-qyyp", "docetaxel", "carboplatin"]},
    administrations=[a_(d, "fosaprepitant", 150, "08:30", 30), a_(d, "palonosetron", 0.25, "08:25", 1),
                     a_(d, "dexamethasone", 12, "08:27", 3),
                     a_(d, "pertuzumab", 840, "09:05", 60, waste_mg=0), a_(d, "trastuzumab-qyyp", 576, "10:10", 95),
                     a_(d, "docetaxel", 135, "11:50", 60), a_(d, "carboplatin", 700, "12:55", 45),
                     adm(d, "pegfilgrastim", 6, route="SC", waste_mg=0)],
    documentation=DOCH)
add("333-tchp-cycle1-nk1-pegfilgrastim-onbody-medicare", "HER2+ cT3 N1 breast cancer, Medicare, neoadjuvant TCHP cycle 1 "
    "with the full supportive-care set: fosaprepitant 150 mg (96367), palonosetron + dexamethasone, pertuzumab 840 mg, "
    "Trazimera 8 mg/kg over 95 min (96415), docetaxel, carboplatin AUC 6 (J9045 14 units), Neulasta Onpro applied "
    "(J2506 12 units of 0.5 mg, 96377).", doc, "clean",
    basis="Perjeta label neoadjuvant; Neulasta label (on-body injector applied the day of chemotherapy, dose ~27 h later); "
    "J2506 = 0.5 mg since 2020-01-01 (6 mg = 12 units); CPT 96377 for on-body injector application.", confidence="medium")

# 334 dose-dense AC day (no HER2 drug on the claim), Medicare
d = "2026-01-13"
doc = claim("UNS-334", "medicare", d, "2026-01-16", ["C50.411", "C77.3", "Z17.410"], [
    L("J9000", 11, charge=60.0, ptr=(1, 2)), L("J9070", 11, charge=50.0, ptr=(1, 2)),
    L("J1453", 150, charge=210.0), L("J2469", 10, charge=40.0), L("J1100", 12, charge=9.0),
    L("J2506", 12, ["JZ"], ONPRO, 0.6, charge=6100.0, ptr=(1,)),
    L("96411", 1, charge=120.0), L("96413", 1, charge=350.0), L("96367", 1, charge=90.0), L("96375", 2, charge=90.0),
    L("96377", 1, charge=60.0),
], patient=pt("P-U334", "1958-12-01", kg=72.0, height=166), coverage=MED, documentation=DOC)
add("334-dose-dense-ac-before-thp-medicare", "The patient of 307 two months earlier: dose-dense AC day (doxorubicin "
    "60 mg/m2 push 96411, cyclophosphamide 600 mg/m2 infusion 96413 as the initial service), NK1 + 5-HT3 + dexamethasone, Neulasta Onpro. No "
    "HER2 drug and no clinical section.", doc, "clean",
    basis="NCCN Breast (ddAC followed by THP); CPT hierarchy: one initial service (the infusion, 96413), the push of "
    "another drug is 96411. First written as 96409 + 96413: denialkb denied 96409 (NCCI PTP 96413/96409, CO-97), which "
    "is right, so the claim now carries 96411; "
    "nothing on the claim is outside policy. A claim with no modelled drug is out of the KB's scope: warnings, never a "
    "denial or undetermined.", confidence="high")


# ================================================================ administration coding (NCCI) =======================
# 335 hydration billed 96360 (initial) next to 96413 -> 96360 denied (should be 96361)
doc = copy.deepcopy(by("319-toga-cisplatin-trastuzumab-hydration-medicare"))
reid(doc, 335)
doc["claim"]["lines"][9].update({"code": "96360", "units": 1})
doc["claim"]["lines"].insert(10, dict(doc["claim"]["lines"][9], code="96361", units=1))
renumber(doc)
add("335-hydration-96360-with-96413-medicare", "The ToGA day of 319 with the hydration coded 96360 + 96361 (a second "
    "'initial' service) instead of 96361 x2.", doc, "denied", [(10, "97")],
    basis="CPT and CMS Pub 100-04 ch.12 s.30.5: only one initial service per encounter (the chemotherapy infusion); "
    "hydration before/after it is 96361; NCCI PTP 96413/96360 (modifier indicator 1, no modifier): 96360 denied as "
    "included in 96413 (CO-97).", confidence="medium")

# 336 hydration concurrent with the chemotherapy infusion billed 96361 -> denied
d = "2026-07-28"
doc = claim("UNS-336", "medicare", d, "2026-07-31", ["C50.912", "C78.01", "Z17.410"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5116", 36, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("J7050", 2, charge=10.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96361", 1, charge=40.0),
], patient=pt("P-U336", "1948-03-03", kg=60.0), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2025-01-01"), "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2026-06-30", "percent": 58}], "ecog": 1,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "metastatic", "line": 1, "start_date": "2025-02-01",
                                   "end_date": "2025-05-01", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-qyyp"]},
    administrations=[adm("2026-07-07", "pertuzumab", 420), adm("2026-07-07", "trastuzumab-qyyp", 360),
                     a_(d, "sodium chloride 0.9%", None, "09:00", 75),
                     a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0), a_(d, "trastuzumab-qyyp", 360, "09:40", 35)],
    documentation=DOCH)
add("336-hydration-concurrent-with-infusions-medicare", "P + Trazimera maintenance, Medicare, with 96361 billed for the "
    "500 mL saline that ran as the carrier during both infusions (09:00-10:15).", doc, "denied", [(6, "97")],
    basis="CMS Pub 100-04 ch.12 s.30.5 and NCCI Policy Manual ch. XI: fluid used to administer a drug (KVO/carrier) or "
    "hydration given concurrently with a chemotherapy infusion is not separately reportable -> 96361 denied (CO-97).",
    confidence="medium")

# 337 port flush 96523 with chemotherapy administration -> 96523 denied
doc = copy.deepcopy(by("336-hydration-concurrent-with-infusions-medicare"))
reid(doc, 337)
doc["claim"]["diagnoses"] = ["C50.912", "C78.01", "Z17.410", "Z45.2"]
doc["claim"]["lines"] = doc["claim"]["lines"][:2] + doc["claim"]["lines"][3:5] + [
    dict(doc["claim"]["lines"][5], code="96523", units=1, charge=45.0, diagnosis_pointers=[4])]
renumber(doc)
doc["administrations"] = [x for x in doc["administrations"] if x["drug"] != "sodium chloride 0.9%"]
add("337-port-flush-96523-with-chemo-medicare", "P + Trazimera maintenance, Medicare, with 96523 (irrigation of the "
    "implanted port, Z45.2) billed on the same day as 96413/96417.", doc, "denied", [(5, "97")],
    basis="CPT 96523 parenthetical (do not report with other services on the same date); NCCI PTP 96413/96523: the port "
    "flush is included in the infusion service -> CO-97.", confidence="medium")

# 338 port draw 36591 with labs only (no infusion that day) -> paid
d = "2026-07-27"
doc = claim("UNS-338", "medicare", d, "2026-07-29", ["C50.912", "Z95.828", "Z79.899"], [
    L("36591", 1, charge=40.0), L("85025", 1, charge=25.0), L("80053", 1, charge=35.0),
], patient=pt("P-U338", "1948-03-03", kg=60.0), coverage=MED)
add("338-port-draw-36591-labs-only-medicare", "The patient of 336 the day before treatment: blood drawn from the "
    "implanted port (36591) for CBC and CMP, nothing else billed; diagnoses include Z95.828 and Z79.899; only billing "
    "facts.", doc, "clean",
    basis="CPT 36591 / NCCI Policy Manual ch. XI: reportable when the only other services that day are laboratory tests.",
    confidence="high")

# 339 port draw 36591 on the infusion day -> 36591 denied
doc = copy.deepcopy(by("336-hydration-concurrent-with-infusions-medicare"))
reid(doc, 339)
doc["claim"]["lines"] = doc["claim"]["lines"][:2] + doc["claim"]["lines"][3:5] + [
    dict(doc["claim"]["lines"][5], code="36591", units=1, charge=40.0),
    dict(doc["claim"]["lines"][5], code="85025", units=1, charge=25.0)]
renumber(doc)
doc["administrations"] = [x for x in doc["administrations"] if x["drug"] != "sodium chloride 0.9%"]
add("339-port-draw-36591-on-infusion-day-medicare", "P + Trazimera maintenance, Medicare, with 36591 (blood drawn from "
    "the port) and a CBC billed on the infusion day.", doc, "denied", [(5, "97")],
    basis="NCCI Policy Manual ch. XI / CPT: 36591 is not reported with any service other than laboratory services; with "
    "96413 the port draw is bundled -> CO-97 on 36591, the CBC is paid.", confidence="medium")


# ================================================================ claims with only the billing facts ================
def bare(doc):
    """The claim as the clearinghouse sees it: claim, providers, patient demographics; no clinical, documentation,
    administrations, authorizations or coverage sections."""
    doc = copy.deepcopy(doc)
    for k in ("clinical", "documentation", "administrations", "authorizations", "coverage", "prior_claims", "abn"):
        doc.pop(k, None)
    doc["patient"].pop("weight_kg", None)
    doc["patient"].pop("height_cm", None)
    return doc


doc = reid(bare(by("331-hp-maintenance-denosumab-labs-em-jz-everywhere-medicare")), 340)
add("340-billing-facts-only-hp-denosumab-medicare", "The P + Trazimera + denosumab day of 331 as only the billing facts "
    "(lines, diagnoses, payer, providers, patient demographics): no clinical, administration, documentation or coverage "
    "section.", doc, "clean",
    basis="A payer adjudicates this claim from the claim itself and pays it (correct codes, units, modifiers, diagnoses); "
    "a missing section is 'not known', never a reason to deny or to call the claim undetermined.")

doc = reid(bare(by("311-enhertu-her2-low-ihc2-ish-neg-commercial-pa")), 341)
add("341-billing-facts-only-enhertu-commercial", "The Enhertu HER2-low day of 311 (commercial, PA number on the claim) "
    "as only the billing facts: the authorization file, clinical record and administrations are not in the document.",
    doc, "clean",
    basis="The PA number is on the claim (REF G1); whether the payer's file holds it is not known here, so no CO-197; "
    "the claim is otherwise correct.", confidence="medium")

doc = reid(bare(by("324-ramucirumab-folfiri-crc-medicare")), 342)
add("342-billing-facts-only-ramucirumab-folfiri-medicare", "The FOLFIRI + ramucirumab day of 324 as only the billing "
    "facts (two J9308 NDC lines with JZ, 13 lines).", doc, "clean",
    basis="Cyramza mCRC use is supported by the diagnoses (C18.7 + C78.7); units and modifiers are consistent; the prior "
    "therapy is not known from the claim, so there is no basis to deny.")

doc = reid(bare(by("306-837i-weekly-carbo-paclitaxel-hp-three-visits-medicare")), 343)
add("343-billing-facts-only-837i-three-visits-medicare", "The 837I span claim of 306 (three weekly visits, 23 lines) as "
    "only the billing facts.", doc, "clean",
    basis="As 306: nothing on the claim is outside policy; absent sections are not known.")

doc = reid(bare(by("316-keynote811-pembro-trastuzumab-capox-medicare")), 344)
add("344-billing-facts-only-keynote811-medicare", "The KEYNOTE-811 day of 316 as only the billing facts.", doc, "clean",
    basis="Trastuzumab for HER2+ gastric cancer with chemotherapy is covered; HER2 status and LVEF are not on a claim and "
    "not known here; pembrolizumab is outside the KB's scope (a warning).")


# ================================================================ secondary / crossover / Medicare Advantage ========
# 345 secondary claim to the commercial plan after Medicare paid as primary (working-aged spouse? no: retiree plan)
doc = copy.deepcopy(by("329-pertuzumab-trastuzumab-her2-biliary-medicare"))
reid(doc, 345, "2026-06-02")
doc["claim"]["payer"] = "commercial"
doc["coverage"] = {"start_date": "2017-01-01", "plan_type": "commercial",
                   "other_coverage": [{"payer": "medicare", "primary": True}]}
doc["claim"]["prior_authorization"] = "RET-PA-345"
doc["authorizations"] = auth("RET-PA-345", ["J9306", "Q5116"], 20000, "2026-01-01", "2026-12-31")
for ln in doc["claim"]["lines"]:
    if ln["code"] == "Q5116":
        ln.update({"ndc": TRAZ420, "ndc_quantity": 1, "ndc_unit": "UN"})
add("345-secondary-to-retiree-plan-after-medicare-paid", "The biliary P + T day of 329 sent to the patient's employer "
    "retiree plan (commercial, PA on file) as the secondary payer after Medicare paid as primary (coverage.other_coverage: "
    "Medicare primary).", doc, "clean",
    basis="Coordination of benefits (NAIC model; Medicare primary for a retiree): the secondary plan pays its share after "
    "the primary's adjudication; a secondary claim repeats the primary's lines by design, so it is neither a duplicate "
    "(CARC 18) nor an MSP/COB error (CARC 22).", confidence="medium")

# 346 Medicaid crossover (QMB): Texas Medicaid secondary to Medicare
doc = copy.deepcopy(by("324-ramucirumab-folfiri-crc-medicare"))
reid(doc, 346, "2026-06-10")
doc["claim"]["payer"] = "texas-medicaid"
doc["coverage"] = {"start_date": "2020-01-01", "plan_type": "medicaid",
                   "other_coverage": [{"payer": "medicare", "primary": True}]}
for ln, (ndc, q) in zip(doc["claim"]["lines"][2:7], [("00703-4434-11", 17), ("63323-0711-00", 38), ("63323-0117-10", 100),
                                                      ("69097-0386-37", 5), ("63323-0165-01", 3)], strict=True):
    ln.update({"ndc": ndc, "ndc_quantity": q, "ndc_unit": "ML"})
add("346-medicaid-crossover-after-medicare-ramucirumab", "The FOLFIRI + ramucirumab day of 324 for a dual-eligible "
    "(QMB) patient: the Medicare-paid claim crosses over to Texas Medicaid as secondary; every drug line has its NDC.",
    doc, "clean",
    basis="Medicaid is the payer of last resort (42 CFR 433.139) and pays Medicare cost sharing on crossover claims for "
    "Medicare-covered services; the Medicare-covered RAISE use is not re-adjudicated for medical necessity.",
    confidence="medium")

# 347 Medicare Advantage (UnitedHealthcare AARP plan) billed to the MA plan, PA on file, preferred Trazimera + Perjeta
doc = copy.deepcopy(by("336-hydration-concurrent-with-infusions-medicare"))
reid(doc, 347)
doc["claim"]["payer"] = "uhc"
doc["claim"]["prior_authorization"] = "UHCMA-347"
doc["claim"]["lines"] = doc["claim"]["lines"][:2] + doc["claim"]["lines"][3:5]
renumber(doc)
doc["administrations"] = [x for x in doc["administrations"] if x["drug"] != "sodium chloride 0.9%"]
doc["coverage"] = {"start_date": "2025-01-01", "plan_type": "medicare_advantage", "member_id": "UHCMA0000347"}
doc["authorizations"] = auth("UHCMA-347", ["J9306", "Q5116"], 20000, "2026-01-01", "2026-12-31")
add("347-hp-maintenance-uhc-medicare-advantage-pa", "P + Trazimera maintenance for a UnitedHealthcare Medicare "
    "Advantage member, billed to the MA plan with its PA; Trazimera + Perjeta is UHC's preferred combination.", doc,
    "clean",
    basis="MA plan covers Part B drugs as Medicare does (42 CFR 422.101) and may require PA (on file); UHC HER2 programme "
    "prefers Trazimera/Kanjinti + Perjeta.", confidence="medium")


# ================================================================ ordinary sloppiness ===============================
# 348 diagnoses in an odd but valid order (Z51.11 first, Z79.899, Z95.828), pointers to Z51.11 and the cancer
doc = copy.deepcopy(by("307-ac-then-thp-first-thp-day-medicare"))
reid(doc, 348)
doc["claim"]["diagnoses"] = ["Z51.11", "Z79.899", "Z95.828", "C50.411", "C77.3", "Z17.410"]
for ln in doc["claim"]["lines"]:
    ln["diagnosis_pointers"] = [1, 4] if ln["code"].startswith("J93") or ln["code"] == "Q5116" else [1]
add("348-thp-load-z5111-first-extra-z-codes-medicare", "The first THP day of 307 with the diagnoses as the practice's "
    "system lists them: Z51.11, Z79.899, Z95.828, C50.411, C77.3, Z17.410; drug lines point to Z51.11 and C50.411, the "
    "rest to Z51.11 only.", doc, "clean",
    basis="ICD-10-CM Official Guidelines I.C.2.e.2 (Z51.11 first for an antineoplastic encounter, the cancer after it); "
    "extra status codes are allowed; a line pointing at the cancer code supports the drug.")

# 349 NDC quantity in UN for Perjeta and ML for Trazimera (payer habit), Medicare
doc = copy.deepcopy(by("331-hp-maintenance-denosumab-labs-em-jz-everywhere-medicare"))
reid(doc, 349)
doc["claim"]["lines"][0].update({"ndc_quantity": 1, "ndc_unit": "UN"})
doc["claim"]["lines"][1].update({"ndc_quantity": 17.1, "ndc_unit": "ML", "modifiers": []})
doc["claim"]["lines"][1].pop("modifiers")
doc["claim"]["lines"][2].update({"ndc_quantity": 1, "ndc_unit": "UN"})
add("349-ndc-units-un-and-ml-mixed-medicare", "The day of 331 with NDC quantities as another practice's system sends "
    "them: Perjeta 1 UN (one vial), Trazimera 17.1 ML (the reconstituted 21 mg/mL volume drawn for 360 mg), Xgeva 1 UN.",
    doc, "clean",
    basis="NCPDP/837 N4 segment: UN or ML are both valid units of measure; Medicare does not deny a correctly crosswalked "
    "NDC for UN vs ML; the quantities match the dose.", confidence="medium")

# 350 units rounded within policy (docetaxel 129.7 mg -> 130; trastuzumab 6 mg/kg x 71.4 kg = 428.4 mg -> 43 units)
doc = copy.deepcopy(by("304-hp-maintenance-anthem-commercial-pa"))
reid(doc, 350)
doc["claim"]["payer"] = "medicare"
doc["claim"].pop("prior_authorization")
doc.pop("authorizations")
doc["coverage"] = MED
doc["patient"].update({"weight_kg": 71.4, "birth_date": "1950-03-09"})
doc["claim"]["lines"][1].update({"units": 43, "ndc_quantity": 2})
doc["claim"]["lines"].insert(2, L("J9171", 130, charge=240.0, ptr=(1, 2)))
doc["claim"]["lines"][2]["service_date"] = doc["claim"]["lines"][0]["service_date"]
doc["claim"]["lines"][4]["units"] = 2
renumber(doc)
d = doc["claim"]["lines"][0]["service_date"]
doc["administrations"] = [adm("2026-04-28", "pertuzumab", 420), adm("2026-04-28", "trastuzumab-qyyp", 428),
                          adm("2026-04-28", "docetaxel", 130),
                          a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0), a_(d, "trastuzumab-qyyp", 428.4, "09:40", 35),
                          a_(d, "docetaxel", 129.7, "10:20", 60)]
doc["clinical"]["prior_therapies"] = []
doc["clinical"]["concurrent_drugs"] = ["trastuzumab-qyyp", "docetaxel"]
add("350-thp-units-rounded-up-medicare", "HER2+ MBC, Medicare, THP cycle 4: docetaxel 75 mg/m2 x 1.73 m2 = 129.7 mg "
    "billed 130 units, Trazimera 6 mg/kg x 71.4 kg = 428.4 mg billed 43 units (two 420 mg multiple-dose vials, NDC "
    "quantity 2 UN), pertuzumab 420 mg.", doc, "clean",
    basis="CMS/MAC unit rule: bill the dose in HCPCS units rounded up to the next whole unit (facts.md s.1, FCSO/CGS); "
    "Perjeta label MBC (P + T + docetaxel).")

# 351 99214-25 on the Enhertu day for a new cough (ILD work-up), Medicare
doc = copy.deepcopy(by("332-enhertu-her2-low-zoledronic-acid-medicare"))
reid(doc, 351)
doc["claim"]["diagnoses"] = ["C50.411", "C79.51", "Z17.411", "R05.1"]
doc["claim"]["lines"].append(L("99214", 1, ["25"], charge=190.0, ptr=(4, 1)))
doc["claim"]["lines"][-1]["service_date"] = doc["claim"]["lines"][0]["service_date"]
renumber(doc)
doc["documentation"]["clinical_justification"] = "new dry cough: exam, SpO2, chest CT ordered to exclude ILD, grade 1"
add("351-enhertu-em25-cough-ild-workup-medicare", "The Enhertu + zoledronic acid day of 332 with a separately documented "
    "E/M 99214-25 for a new cough (R05.1) evaluated for interstitial lung disease before dosing.", doc, "clean",
    basis="NCCI Policy Manual ch. XI / CMS: a significant, separately identifiable E/M on a chemotherapy day is payable "
    "with modifier 25; Enhertu label (monitor for ILD symptoms before each dose).")


# ================================================================ realistic denials =================================
# 352 Kadcyla for HER2-low (IHC 1+) MBC -> denied
doc = copy.deepcopy(by("310-kadcyla-mbc-after-thp-commercial-pa"))
reid(doc, 352)
doc["claim"]["payer"] = "medicare"
doc["claim"].pop("prior_authorization")
doc.pop("authorizations")
doc["coverage"] = MED
doc["patient"]["birth_date"] = "1950-10-10"
doc["claim"]["diagnoses"] = ["C50.912", "C78.00", "Z17.411"]
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "1+", "test_date": "2026-01-05", "fda_approved_test": True}
doc["clinical"]["prior_therapies"] = [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-02-01",
                                       "end_date": "2026-05-20", "progressed": True, "stop_reason": "progression"}
                                      for x in ("paclitaxel",)]
doc["clinical"].pop("response_assessments")
add("352-kadcyla-her2-low-mbc-medicare", "Kadcyla 3.6 mg/kg (the day of 310) for HR+/HER2-low (IHC 1+) MBC after "
    "paclitaxel, Medicare: the oncologist chose T-DM1 instead of T-DXd.", doc, "denied",
    [(1, "50"), (2, "50"), (1, "11"), (2, "11")],
    basis="Kadcyla label: HER2-positive (IHC 3+ or ISH-amplified) disease only; HER2-low is not an indication or an NCCN "
    "use for T-DM1 -> CO-50 on both J9354 lines (JW included). First written as CO-50 only; denialkb adds CO-11 because "
    "the claim's own status code Z17.411 says HER2-negative for a HER2-positive-only drug (a diagnosis-to-drug edit); that "
    "is within policy, so both are expected.", confidence="medium")

# 353 Kadcyla KATHERINE: 15th dose (label: 14 cycles)
doc = copy.deepcopy(by("309-kadcyla-katherine-residual-disease-medicare"))
reid(doc, 353, "2026-05-11")
start = _dt.date(2025, 7, 15)
doc["administrations"] = [adm((start + _dt.timedelta(days=21 * i)).isoformat(), "Kadcyla", 259) for i in range(14)] + \
    [doc["administrations"][-1]]
add("353-kadcyla-katherine-15th-dose-medicare", "The KATHERINE day of 309, but it is the 15th Kadcyla dose (14 every "
    "3 weeks already given from 2025-07-15).", doc, "denied", [(1, "50"), (2, "50")],
    basis="Kadcyla label 2.1: adjuvant treatment for a total of 14 cycles unless recurrence or unmanageable toxicity; a "
    "15th cycle is beyond the labelled course and not an NCCN use -> CO-50 (a frequency CARC 151 would also fit).",
    confidence="medium")

# 354 Enhertu first line HER2+ MBC as monotherapy (no pertuzumab, no prior anti-HER2) -> denied
doc = copy.deepcopy(by("308-enhertu-plus-pertuzumab-first-line-medicare"))
reid(doc, 354)
doc["claim"]["lines"] = [ln for ln in doc["claim"]["lines"] if ln["code"] not in ("J9306",)]
doc["claim"]["lines"][5 - 1]["units"] = 1
renumber(doc)
doc["administrations"] = [x for x in doc["administrations"] if x["drug"] != "pertuzumab"]
doc["clinical"]["concurrent_drugs"] = []
add("354-enhertu-first-line-monotherapy-her2pos-medicare", "De novo HER2+ MBC, Medicare, Enhertu alone as first-line "
    "therapy (no pertuzumab, no prior anti-HER2 therapy in any setting).", doc, "denied", [(1, "50"), (2, "50")],
    basis="Enhertu label: HER2+ MBC after a prior anti-HER2 regimen (metastatic, or neo/adjuvant with recurrence within "
    "6 months), or first line only in combination with pertuzumab (2025-12-15); NCCN: first-line T-DXd is with "
    "pertuzumab -> CO-50 on the J9358 lines.", confidence="medium")

# 355 Enhertu + pertuzumab + trastuzumab on the same day -> trastuzumab line denied
doc = copy.deepcopy(by("308-enhertu-plus-pertuzumab-first-line-medicare"))
reid(doc, 355)
doc["claim"]["lines"].insert(3, L("Q5116", 52, None, TRAZ420, 2, unit="UN", charge=3700.0, ptr=(1, 2, 3)))
doc["claim"]["lines"][3]["service_date"] = doc["claim"]["lines"][0]["service_date"]
doc["claim"]["lines"][7]["units"] = 2
renumber(doc)
d = doc["claim"]["lines"][0]["service_date"]
doc["administrations"].append(a_(d, "trastuzumab-qyyp", 520, "12:00", 90))
doc["clinical"]["concurrent_drugs"] = ["Enhertu", "trastuzumab-qyyp"]
add("355-enhertu-pertuzumab-plus-trastuzumab-same-day-medicare", "The DESTINY-Breast09 day of 308 with Trazimera 8 mg/kg "
    "also given and billed (the order set kept THP's trastuzumab).", doc, "denied", [(4, "50")],
    basis="Enhertu + pertuzumab label regimen has no separate trastuzumab; Enhertu is itself trastuzumab conjugated to "
    "deruxtecan, so a second trastuzumab dose is duplicative and not reasonable and necessary (CO-50 on the Q5116 line).",
    confidence="medium")

# 356 Kadcyla with waste documented but billed JZ -> returned
doc = copy.deepcopy(by("309-kadcyla-katherine-residual-disease-medicare"))
reid(doc, 356)
doc["patient"]["weight_kg"] = 66.0
doc["claim"]["lines"] = [doc["claim"]["lines"][0], doc["claim"]["lines"][2]]
doc["claim"]["lines"][0].update({"units": 238, "modifiers": ["JZ"]})
renumber(doc)
doc["administrations"][-1].update({"dose_mg": 238, "waste_mg": 22})
doc["administrations"][0]["dose_mg"] = 238
add("356-kadcyla-jz-with-documented-waste-medicare", "Kadcyla 3.6 mg/kg x 66 kg = 238 mg from a 160 + 100 mg vial "
    "with 22 mg discarded (documented), billed as 238 units with JZ and no JW line, Medicare.", doc, "denied", [(1, "4")],
    basis="CMS JW/JZ policy (Pub 100-04 ch.17 s.40; JZ FAQ): JZ attests that nothing was discarded; with documented "
    "waste the line must carry JW units -> returned/rejected. First written as CARC 16; denialkb's CO-4 + N823 "
    "(modifier inconsistent) is within policy (facts.md s.9: CARC 4 plausible for JW/JZ, the exact code not verified).",
    confidence="medium")

# 357 Enhertu NDC billed under the Kadcyla code J9354 (commercial) -> NDC/HCPCS mismatch
doc = copy.deepcopy(by("311-enhertu-her2-low-ihc2-ish-neg-commercial-pa"))
reid(doc, 357)
for ln in doc["claim"]["lines"][:2]:
    ln["code"] = "J9354"
doc["authorizations"][0]["codes"] = ["J9358", "J9354"]
add("357-enhertu-ndc-billed-as-j9354-commercial", "The Enhertu day of 311 with both drug lines coded J9354 (ado-"
    "trastuzumab emtansine) while the NDC is Enhertu's 65597-0406-01 (a pick-list error); PA on file for both codes.",
    doc, "denied", [(1, "16"), (2, "16")],
    basis="Commercial NDC edits: the NDC must crosswalk to the billed HCPCS (CMS ASP NDC-HCPCS crosswalk); J9354 with an "
    "Enhertu NDC is an invalid NDC/HCPCS combination -> CO-16 with M119 (an alternative is CO-181/CARC 4).",
    confidence="medium")


# ================================================================ more ordinary paid claims ==========================
# 358 RAINBOW on a Medicaid managed-care plan (AmeriHealth Caritas PA) with its PA
d = "2026-06-16"
doc = claim("UNS-358", "amerihealth-caritas-pa", d, "2026-06-22", ["C16.2", "C78.6"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 12, None, CYR100, 6, charge=910.0, ptr=(1, 2)),
    L("J9308", 8, ["JW"], CYR100, 4, charge=610.0, ptr=(1, 2)),
    L("J9267", 144, None, "00703-4767-01", 24, charge=75.0, ptr=(1,)),
    L("J1200", 1, None, "00641-0376-21", 1, charge=4.0), L("J1100", 10, None, "63323-0165-01", 2.5, charge=8.0),
    L("96413", 1, charge=300.0), L("96417", 1, charge=140.0), L("96375", 2, charge=80.0),
], pa="ACPA-358", patient=pt("P-U358", "1971-03-03", sex="M", kg=70.0, height=175),
    coverage={"start_date": "2024-07-01", "plan_type": "medicaid"},
    authorizations=auth("ACPA-358", ["J9308"], 2400, "2026-05-15", "2026-11-14"),
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "0", "test_date": "2025-06-01", "fda_approved_test": True}}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-06-15",
                                   "end_date": "2026-05-01", "progressed": True, "stop_reason": "progression"}
                                  for x in ("oxaliplatin", "capecitabine", "nivolumab")],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-06-02", "ramucirumab", 560), adm("2026-06-02", "paclitaxel", 144),
                     adm("2026-06-09", "paclitaxel", 144),
                     a_(d, "ramucirumab", 560, "09:10", 60, waste_mg=40,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     a_(d, "paclitaxel", 144, "10:15", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 10, route="IV")],
    documentation=DOC)
add("358-ramucirumab-rainbow-medicaid-mco-pa", "Metastatic gastric adenocarcinoma after CAPOX + nivolumab, Medicaid "
    "managed care (AmeriHealth Caritas PA) with its PA: RAINBOW day 15, ramucirumab 8 mg/kg x 70 kg = 560 mg from a "
    "500 mg + a 100 mg vial (100 + 12 units, 8 JW), paclitaxel 80 mg/m2, every drug line with its NDC.", doc, "clean",
    basis="Cyramza label 1.1; Pennsylvania Medicaid MCOs cover FDA-labelled uses with PA (on file, in force, units "
    "within); CMS JW policy (120 units bought = 112 + 8).", confidence="medium")

# 359 Hercessi (Q5146) maintenance from 150 mg single-dose vials with JW, Medicare
d = "2026-08-04"
doc = claim("UNS-359", "medicare", d, "2026-08-10", ["C50.912", "C78.01", "Z17.420"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5146", 38, None, "69448-0015-05", 3, unit="UN", charge=2500.0, ptr=(1, 2, 3)),
    L("Q5146", 7, ["JW"], "69448-0015-05", 1, unit="UN", charge=460.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], patient=pt("P-U359", "1952-12-12", kg=62.0), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": her2pos("2025-10-01"), "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-07-01", "percent": 57}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-10-20",
                                   "end_date": "2026-02-02", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["trastuzumab-strf"],
              "response_assessments": [{"date": "2026-06-20", "status": "response", "method": "imaging"}]},
    administrations=[adm("2026-07-14", "pertuzumab", 420), adm("2026-07-14", "trastuzumab-strf", 372),
                     a_(d, "pertuzumab", 420, "09:00", 35, waste_mg=0),
                     a_(d, "trastuzumab-strf", 372, "09:40", 35, waste_mg=78, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": "69448-0015-05", "count": 3}])],
    documentation=DOCH)
add("359-hercessi-150mg-vials-jw-medicare", "HER2+ MBC, Medicare, P + Hercessi maintenance: 6 mg/kg x 62 kg = 372 mg "
    "from three 150 mg single-dose vials, billed Q5146 38 units (rounded up) + 7 JW units (78 mg, rounded down).", doc,
    "clean",
    basis="Hercessi (trastuzumab-strf) label = trastuzumab dosing; Q5146 = 10 mg from 2025-01-01 (facts.md s.1); CMS JW "
    "policy (45 units bought = 38 + 7).", confidence="medium")

# 360 Enhertu at a reduced dose (4.4 mg/kg after grade 3 neutropenia), Medicare
doc = copy.deepcopy(by("332-enhertu-her2-low-zoledronic-acid-medicare"))
reid(doc, 360)
doc["claim"]["lines"] = [doc["claim"]["lines"][0], doc["claim"]["lines"][1]] + doc["claim"]["lines"][3:5] + \
    [doc["claim"]["lines"][5], doc["claim"]["lines"][7]]
doc["claim"]["lines"][0]["units"] = 299
doc["claim"]["lines"][1].update({"units": 1})
renumber(doc)
doc["administrations"] = [adm("2026-09-29", "Enhertu", 367),
                          a_(doc["claim"]["lines"][0]["service_date"], "Enhertu", 299, "09:00", 30, waste_mg=1,
                             vials=[{"ndc": ENHERTU, "count": 3}]),
                          a_(doc["claim"]["lines"][0]["service_date"], "ondansetron", 8, "08:40", 5),
                          a_(doc["claim"]["lines"][0]["service_date"], "dexamethasone", 8, "08:46", 5)]
doc["documentation"]["clinical_justification"] = "grade 3 neutropenia after cycle 3: first dose reduction to 4.4 mg/kg"
add("360-enhertu-dose-reduced-4-4-mg-kg-medicare", "The HER2-low Enhertu patient of 332 after grade 3 neutropenia: "
    "first dose reduction to 4.4 mg/kg x 68 kg = 299 mg from three 100 mg vials (299 units + 1 JW unit), no zoledronic "
    "acid that day.", doc, "clean",
    basis="Enhertu label 2.3 dose modifications (5.4 -> 4.4 -> 3.2 mg/kg for breast); a reduced dose billed as given is "
    "payable; CMS JW policy.", confidence="medium")

# 361 Ontruzant adjuvant trastuzumab alone to complete one year after THP, commercial with PA
d = "2026-09-08"
doc = claim("UNS-361", "commercial", d, "2026-09-11", ["C50.211", "Z17.410"], [
    L("Q5112", 42, None, "78206-0147-01", 3, unit="UN", charge=2900.0, ptr=(1, 2)),
    L("Q5112", 3, ["JW"], "78206-0147-01", 1, unit="UN", charge=200.0, ptr=(1, 2)),
    L("96413", 1, charge=420.0),
], pa="PA-O-361", patient=pt("P-U361", "1975-05-15", kg=70.0), coverage=COM,
    authorizations=auth("PA-O-361", ["Q5112"], 900, "2026-03-01", "2026-12-31"),
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIA", "tumor_size_cm": 2.2,
                         "node_positive": False},
              "biomarkers": {"her2": her2pos("2025-11-02"), "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2025-11-20", "percent": 63}, {"date": "2026-08-15", "percent": 60}], "ecog": 0,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2026-01-06",
                                   "end_date": "2026-03-24", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": []},
    administrations=[adm("2026-01-06", "Ontruzant", 280)] +
                    [adm(f"2026-01-{x:02d}", "Ontruzant", 140) for x in (13, 20, 27)] +
                    [adm(x, "Ontruzant", 140) for x in ("2026-02-03", "2026-02-10", "2026-02-17", "2026-02-24",
                                                        "2026-03-03", "2026-03-10", "2026-03-17", "2026-03-24")] +
                    [adm(x, "Ontruzant", 420) for x in ("2026-04-14", "2026-05-05", "2026-05-26", "2026-06-16",
                                                        "2026-07-07", "2026-07-28", "2026-08-18")] +
                    [a_(d, "Ontruzant", 420, "09:00", 30, waste_mg=30, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": "78206-0147-01", "count": 3}])],
    documentation=DOCH)
add("361-ontruzant-adjuvant-q3w-after-weekly-phase-commercial-pa", "HER2+ pT2 N0 breast cancer, commercial with PA: "
    "after 12 weekly paclitaxel + trastuzumab doses, trastuzumab alone every 3 weeks to complete one year, Ontruzant "
    "6 mg/kg x 70 kg = 420 mg from three 150 mg single-dose vials (42 units + 3 JW).", doc, "clean",
    basis="Trastuzumab label adjuvant: weekly with paclitaxel for 12 weeks, then 6 mg/kg every 3 weeks to complete 52 "
    "weeks (switch 1 week after the last weekly dose; no reload); PA on file; JW for the single-dose vial remainder.",
    confidence="medium")

# 362 Texas Medicaid claim received after the 95-day filing limit -> denied
doc = copy.deepcopy(by("323-ramucirumab-docetaxel-squamous-nsclc-texas-medicaid"))
reid(doc, 362, "2026-07-20")
add("362-ramucirumab-texas-medicaid-filed-day-109", "The REVEL day of 323 (DOS 2026-04-02) received by Texas Medicaid "
    "on 2026-07-20, 109 days after the date of service, no exception claimed.", doc, "denied", [(None, "29")],
    basis="Texas Medicaid Provider Procedures Manual, claims filing: claims must be received within 95 days of the date of "
    "service (1 TAC 354.1003(a)(3), tac-clone.dsswtx.org/sections/1-15-354-A-354.1003.html; TMPPM 6.1.4, "
    "tmhp.com/Manuals_HTML1/TMPPM/Archive/2016/Vol1_06_Claims_Filing.07.011.html); late claims are denied CARC 29.",
    confidence="high")

# 363 Kadcyla dose reduced to 3.0 mg/kg (thrombocytopenia), commercial with PA
doc = copy.deepcopy(by("310-kadcyla-mbc-after-thp-commercial-pa"))
reid(doc, 363)
doc["claim"]["lines"][0].update({"units": 180})
doc["claim"]["lines"][0].update({"ndc": KADCYLA100, "ndc_quantity": 2})
doc["claim"]["lines"][1].update({"units": 20, "ndc": KADCYLA100})
doc["administrations"][-1].update({"dose_mg": 180, "waste_mg": 20, "vials": [{"ndc": KADCYLA100, "count": 2}]})
doc["documentation"]["clinical_justification"] = "grade 2 thrombocytopenia: first dose reduction to 3 mg/kg"
add("363-kadcyla-dose-reduced-3-mg-kg-commercial-pa", "The Kadcyla MBC day of 310 after a first dose reduction for "
    "thrombocytopenia: 3.0 mg/kg x 60 kg = 180 mg from two 100 mg vials (180 units + 20 JW).", doc, "clean",
    basis="Kadcyla label 2.2 (dose reduction 3.6 -> 3.0 -> 2.4 mg/kg); PA on file; JW for the remainder.",
    confidence="medium")

# 364 Enhertu 6.4 mg/kg for HER2+ gastric cancer as first-line therapy (no prior trastuzumab) -> denied
doc = copy.deepcopy(by("315-enhertu-gastric-second-line-medicare"))
reid(doc, 364)
doc["clinical"]["prior_therapies"] = []
doc["administrations"] = doc["administrations"][1:]
add("364-enhertu-gastric-first-line-medicare", "The Enhertu 6.4 mg/kg gastric day of 315 as first-line therapy: no "
    "prior trastuzumab-based regimen (first dose).", doc, "denied", [(1, "50"), (2, "50")],
    basis="Enhertu label 1.4: gastric/GEJ adenocarcinoma after a prior trastuzumab-based regimen; NCCN Gastric lists "
    "T-DXd as second-line therapy for HER2+ disease; first line the standard is trastuzumab + chemotherapy (+/- "
    "pembrolizumab) -> CO-50 on the J9358 lines.", confidence="medium")

# 365 Enhertu HER2-low (IHC 1+) after endocrine therapy only, no chemotherapy (DESTINY-Breast06), 2026 -> paid
doc = copy.deepcopy(by("312-enhertu-her2-ultralow-after-endocrine-medicare"))
reid(doc, 365)
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "1+", "test_date": "2026-04-20", "fda_approved_test": True}
doc["documentation"].pop("clinical_justification")
add("365-enhertu-her2-low-after-endocrine-only-medicare", "The endocrine-refractory HR+ MBC patient of 312 with HER2 "
    "IHC 1+ (HER2-low): Enhertu with no chemotherapy for metastatic disease, after letrozole + palbociclib and "
    "fulvestrant.", doc, "clean",
    basis="Enhertu label, 2025-01-27 (DESTINY-Breast06): HR+, HER2-low or -ultralow MBC that progressed on one or more "
    "endocrine therapies in the metastatic setting (no prior chemotherapy needed).", confidence="medium")

# 366 the same HER2-low, chemotherapy-naive use before the 2025-01-27 approval -> denied
doc = copy.deepcopy(by("365-enhertu-her2-low-after-endocrine-only-medicare"))
reid(doc, 366, "2024-11-12")
d = "2024-11-05"
for ln in doc["claim"]["lines"]:
    ln["service_date"] = d
doc["clinical"]["biomarkers"]["her2"]["test_date"] = "2024-09-20"
doc["clinical"]["prior_therapies"] = [
    {"drug": x, "setting": "metastatic", "line": 1, "start_date": "2023-01-01", "end_date": "2024-08-10",
     "progressed": True, "stop_reason": "progression"} for x in ("letrozole", "palbociclib")] + [
    {"drug": "fulvestrant", "setting": "metastatic", "line": 2, "start_date": "2024-08-15", "end_date": "2024-10-15",
     "progressed": True, "stop_reason": "progression"}]
doc["clinical"]["lvef"] = [{"date": "2024-10-20", "percent": 61}]
doc["administrations"] = [adm("2024-10-15", "Enhertu", 378),
                          a_(d, "Enhertu", 378, "09:00", 30, waste_mg=22, vials=[{"ndc": ENHERTU, "count": 4}]),
                          a_(d, "palonosetron", 0.25, "08:40", 1), a_(d, "dexamethasone", 8, "08:45", 5)]
add("366-enhertu-her2-low-chemo-naive-before-db06-approval-medicare", "The claim of 365 two years earlier (DOS "
    "2024-11-05): HER2-low MBC with no chemotherapy in the metastatic setting and no early recurrence after adjuvant "
    "chemotherapy, before the DESTINY-Breast06 approval.", doc, "denied", [(1, "50"), (2, "50")],
    basis="Enhertu label as of 2024 (DESTINY-Breast04): HER2-low MBC after prior chemotherapy in the metastatic setting "
    "or recurrence within 6 months of adjuvant chemotherapy; the chemotherapy-naive use was approved only on 2025-01-27 "
    "-> CO-50 on the J9358 lines (NCCN at the time: category 2A only after chemotherapy).", confidence="medium")
# R3-F4 decided against the tester (lead, session 14; kb-review C1 and P3, README "A missing section is not known"):
# a claim that holds only the billing facts is decided `undetermined`, its missing_information naming the sections
# (clinical, administrations, documentation, authorizations) that would decide the clinical, dosing and documentation
# rules. A payer's adjudication system would pay these claims; what the record answers is whether they would survive
# the records review or prior-authorization check every payer may apply, and without the record that is not known.
# "clean" would state that criteria were met which were never checked. tests/test_unseen_r3_absent_fields.py requires
# the same of every clean round-3 claim with one section removed: no denial, and the missing section named.
for _name, _hdr, _doc, _exp in SCEN_R3:
    if "-billing-facts-only-" in _name:
        _exp["outcome"] = "undetermined"
        _exp["basis"] += (" Expectation changed by the lead (R3-F4 decided against the tester): denialkb answers "
                          "undetermined, naming the missing sections; a payer's claim system pays it at adjudication.")
