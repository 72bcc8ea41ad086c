"""Round 2 of the unseen claims (tester `redteam2`): files 2xx-*.yaml, claim ids UNS-2xx.

Written as an oncology practice's or hospital's biller would send them, with the payer decision taken from public policy
(FDA labels, CMS manuals and MAC pages, NCCI, commercial drug policies) before denialkb's decision or its rules were read.
Most real claims are paid, so most scenarios here are correct claims with ordinary sloppiness; the rest are realistic
denials. build.py includes SCEN_R2 (one import in its main()); FINDINGS_R2 marks the scenarios denialkb gets wrong
(strict xfail in tests/test_unseen.py; details in tests/data/unseen/README.md).
"""

from __future__ import annotations

import copy
import datetime as _dt

import build as b
from build import L, adm, claim, pt, rec

SCEN_R2: list[tuple[str, str, dict, dict]] = []

FINDINGS_R2: dict[str, str] = {
}


def add(name, header, doc, outcome, denials=(), basis="", confidence="high"):
    """denials: list of (line or None, CARC) a payer would send."""
    SCEN_R2.append((name, header, doc, {"outcome": outcome, "denials": [list(d) for d in denials], "basis": basis,
                                        "confidence": confidence,
                                        **({"finding": FINDINGS_R2[name]} if name in FINDINGS_R2 else {})}))


def by(name):
    return copy.deepcopy(next(s for s in SCEN_R2 if s[0] == name)[2])


def redate(doc, cid, pid, dos, received):
    """Same claim for another patient / date: every line moved to dos."""
    doc["claim"]["id"] = cid
    doc["patient"]["id"] = pid
    doc["claim"]["received_date"] = received
    for ln in doc["claim"]["lines"]:
        ln["service_date"] = dos
    return doc


def shift(adms, old, new):
    """Administrations of date old moved to date new (start/end too)."""
    out = []
    for x in adms:
        x = dict(x)
        if x["date"] == old:
            x["date"] = new
            for k in ("start", "end"):
                if k in x:
                    x[k] = x[k].replace(old, new)
        out.append(x)
    return out


def renumber(doc):
    for i, ln in enumerate(doc["claim"]["lines"], 1):
        ln["number"] = i
    return doc


CYR100, CYR500 = b.CYR100, b.CYR500
PERJ, PHESGO_L, PHESGO_M, HYLECTA = b.PERJ, b.PHESGO_L, b.PHESGO_M, b.HYLECTA
TRAZ420, TRAZ150, OGIVRI150, HERC150, HERC420 = b.TRAZ420, b.TRAZ150, b.OGIVRI150, b.HERC150, b.HERC420
HERZ420, HERZ150 = "63459-0305-47", "63459-0303-43"      # Herzuma 420 mg multiple-dose kit, 150 mg single-dose (DailyMed)
ONTRU150 = "78206-0147-01"                                # Ontruzant 150 mg single-dose vial (openFDA 78206-147)
HERCESSI150 = "69448-0015-05"                             # Hercessi 150 mg single-dose vial
MED = {"start_date": "2018-01-01", "plan_type": "medicare_ffs"}
COM = {"start_date": "2024-01-01", "plan_type": "commercial"}
DOC = rec()
PREMED_H1 = [adm(None, "diphenhydramine", 25, route="IV")]

GASTRIC_PRIOR = [
    {"drug": "oxaliplatin", "setting": "metastatic", "line": 1, "start_date": "2025-06-02", "end_date": "2026-01-12",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "fluorouracil", "setting": "metastatic", "line": 1, "start_date": "2025-06-02", "end_date": "2026-01-12",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "nivolumab", "setting": "metastatic", "line": 1, "start_date": "2025-06-02", "end_date": "2026-01-12",
     "progressed": True, "stop_reason": "progression"}]
NSCLC_PRIOR = [
    {"drug": "carboplatin", "setting": "metastatic", "line": 1, "start_date": "2025-05-05", "end_date": "2026-01-20",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "pemetrexed", "setting": "metastatic", "line": 1, "start_date": "2025-05-05", "end_date": "2026-01-20",
     "progressed": True, "stop_reason": "progression"},
    {"drug": "pembrolizumab", "setting": "metastatic", "line": 1, "start_date": "2025-05-05", "end_date": "2026-01-20",
     "progressed": True, "stop_reason": "progression"}]
CRC_PRIOR = [
    {"drug": d, "setting": "metastatic", "line": 1, "start_date": "2025-03-03", "end_date": "2026-01-26", "progressed": True,
     "stop_reason": "progression"} for d in ("oxaliplatin", "fluorouracil", "leucovorin", "bevacizumab")]


def a_(date, drug, dose, start=None, mins=None, **kw):
    """An administration on date; start 'HH:MM' and minutes give start/end."""
    if start:
        t0 = _dt.datetime.fromisoformat(f"{date}T{start}")
        kw["start"] = f"{date}T{start}"
        kw["end"] = (t0 + _dt.timedelta(minutes=mins)).strftime("%Y-%m-%dT%H:%M")
        kw.setdefault("route", "IV")
    return adm(date, drug, dose, **kw)


# ================================================================ ramucirumab (J9308 = 5 mg) ============================
# 201 RAINBOW day 15: 8 mg/kg x 73 kg = 584 mg from six 100 mg vials: 117 units given + 3 JW (16 mg discarded)
d = "2026-03-17"
doc = claim("UNS-201", "medicare", d, "2026-03-24", ["C16.3", "C78.6"], [
    L("J9308", 117, None, CYR100, 58.4, charge=8900.0, ptr=(1, 2)),
    L("J9308", 3, ["JW"], CYR100, 1.6, charge=230.0, ptr=(1, 2)),
    L("J9267", 148, charge=75.0, ptr=(1,)),
    L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U201", "1952-04-11", sex="M", kg=73.0, height=176), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2025-05-20", "fda_approved_test": True}},
              "ecog": 1, "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-03-03", "ramucirumab", 584), adm("2026-03-03", "paclitaxel", 148),
                     adm("2026-03-10", "paclitaxel", 148),
                     a_(d, "ramucirumab", 584, "09:10", 60, lot_number="R20101", waste_mg=16, waste_reason="single-dose vial remainder",
                        vials=[{"ndc": CYR100, "count": 6}]),
                     a_(d, "paclitaxel", 148, "10:20", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 10, route="IV")],
    documentation=DOC)
add("201-ramucirumab-gastric-paclitaxel-medicare", "Metastatic gastric adenocarcinoma (C16.3, peritoneal metastases "
    "C78.6) after progression on FOLFOX + nivolumab, Medicare, RAINBOW day 15: "
    "ramucirumab 8 mg/kg x 73 kg = 584 mg from six 100 mg single-dose vials: 117 units administered + 3 JW units (16 mg "
    "discarded), paclitaxel 80 mg/m2, H1 + dexamethasone pushes, 96413 + 96417 + 96375 x2.", doc, "clean",
    basis="Cyramza label 1.1 (gastric/GEJ after fluoropyrimidine or platinum, with paclitaxel, 8 mg/kg days 1 and 15 of 28); "
    "J9308 = 5 mg, administered units rounded up (585 mg) and waste down (15 mg) so the total equals the 600 mg bought "
    "(CMS Pub 100-04 ch.17 s.40, JW FAQ).")

# 202 REGARD monotherapy, Z51.11 first-listed, 500 mg vial: 93 units + 7 JW
d = "2026-04-14"
doc = claim("UNS-202", "medicare", d, "2026-04-20", ["Z51.11", "C16.0", "C77.2"], [
    L("J9308", 93, None, CYR500, 46.4, charge=7100.0, ptr=(1, 2, 3)),
    L("J9308", 7, ["JW"], CYR500, 3.6, charge=530.0, ptr=(1, 2, 3)),
    L("J1200", 1, charge=4.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0, ptr=(1, 2)), L("96375", 1, charge=60.0, ptr=(1, 2)),
], patient=pt("P-U202", "1948-09-30", sex="M", kg=58.0, height=170), coverage=MED,
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IVB",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "0", "test_date": "2025-04-02", "fda_approved_test": True}},
              "ecog": 2, "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": []},
    administrations=[adm("2026-03-31", "ramucirumab", 464),
                     a_(d, "diphenhydramine", 50, "09:00", 5),
                     a_(d, "ramucirumab", 464, "09:10", 60, lot_number="R20201", waste_mg=36, vials=[{"ndc": CYR500, "count": 1}])],
    documentation=DOC)
add("202-ramucirumab-gej-monotherapy-z5111-first-medicare", "GEJ adenocarcinoma (C16.0) with nodal mets, ECOG 2, after "
    "FOLFOX + nivolumab, Medicare, REGARD monotherapy 8 mg/kg x 58 kg = 464 mg from one 500 mg vial: 93 units + 7 JW "
    "units; the encounter code Z51.11 is listed first, the cancer second.", doc, "clean",
    basis="Cyramza label 1.1 (single agent, 8 mg/kg q2w); ICD-10-CM Official Guidelines I.C.2.e.2 (Z51.11 first when the "
    "encounter is for antineoplastic therapy, the malignancy secondary); CMS JW policy (100 units bought = 93 + 7).")

# 203 REVEL, 10 mg/kg x 91 kg = 910 mg from two 500 mg vials: 182 units + 18 JW
d = "2026-03-09"
doc = claim("UNS-203", "medicare", d, "2026-03-13", ["C34.12", "C79.51"], [
    L("J9308", 182, None, CYR500, 91, charge=13800.0, ptr=(1, 2)),
    L("J9308", 18, ["JW"], CYR500, 9, charge=1370.0, ptr=(1, 2)),
    L("J9171", 158, charge=260.0, ptr=(1,)),
    L("J1200", 1, charge=4.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U203", "1955-12-01", sex="M", kg=91.0, height=183), coverage=MED,
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "wild_type", "alk": "negative"}, "ecog": 1,
              "prior_therapies": NSCLC_PRIOR, "concurrent_drugs": ["docetaxel"]},
    administrations=[adm("2026-02-16", "ramucirumab", 910), adm("2026-02-16", "docetaxel", 158),
                     a_(d, "ramucirumab", 910, "09:05", 60, lot_number="R20301", waste_mg=90, vials=[{"ndc": CYR500, "count": 2}]),
                     a_(d, "docetaxel", 158, "10:15", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 8, route="IV")],
    documentation=DOC)
add("203-ramucirumab-nsclc-docetaxel-two-500mg-vials-medicare", "Metastatic NSCLC (EGFR/ALK negative) after "
    "carboplatin/pemetrexed/pembrolizumab, Medicare, REVEL cycle 2 (21 days after cycle 1): ramucirumab 10 mg/kg x 91 kg = "
    "910 mg from two 500 mg vials: 182 units + 18 JW units, docetaxel 75 mg/m2.", doc, "clean",
    basis="Cyramza label 1.2 (NSCLC after platinum, with docetaxel, 10 mg/kg day 1 of a 21-day cycle); CMS JW policy "
    "(200 units bought = 182 + 18).")

# 204 RELAY: first-line EGFR exon 19 deletion, with erlotinib, commercial PA, E/M-25 for new hypertension
d = "2026-05-11"
doc = claim("UNS-204", "commercial", d, "2026-05-15", ["C34.31", "C78.01", "I10"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 32, None, CYR100, 16, charge=2430.0, ptr=(1, 2)),
    L("J9308", 8, ["JW"], CYR100, 4, charge=610.0, ptr=(1, 2)),
    L("J1200", 1, None, "00641-0376-21", 0.5, charge=4.0, ptr=(1,)),
    L("96413", 1, charge=420.0, ptr=(1,)), L("96375", 1, charge=55.0, ptr=(1,)),
    L("99214", 1, ["25"], charge=190.0, ptr=(3, 1)),
], pa="PA-R-204", patient=pt("P-U204", "1961-07-22", kg=66.0, height=162), coverage=COM,
    authorizations=[{"number": "PA-R-204", "codes": ["J9308"], "units": 3640, "status": "approved",
                     "start_date": "2026-03-01", "end_date": "2026-08-31"}],
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVA", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "exon19_deletion", "alk": "negative"}, "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["erlotinib"]},
    administrations=[adm(x, "ramucirumab", 660) for x in ("2026-03-16", "2026-03-30", "2026-04-13", "2026-04-27")] + [
        a_(d, "diphenhydramine", 50, "09:00", 5),
        a_(d, "ramucirumab", 660, "09:10", 35, lot_number="R20401", waste_mg=40,
           vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}])],
    documentation=rec(clinical_justification="BP 162/98 on two readings: amlodipine started, home BP log reviewed"))
add("204-ramucirumab-relay-erlotinib-commercial-pa", "Metastatic EGFR exon 19 deletion NSCLC, first line, commercial "
    "with an approved PA: ramucirumab 10 mg/kg x 66 kg = 660 mg every 2 weeks with oral erlotinib (RELAY), cycle 5: "
    "one 500 mg + two 100 mg vials on two NDC lines (100 + 32 units) + 8 JW units; a 30-minute infusion after tolerated "
    "first doses; 99214-25 for new treatment-related hypertension (I10 pointed first).", doc, "clean",
    basis="Cyramza label 1.2 (with erlotinib, first-line EGFR exon 19 del / L858R, 10 mg/kg q2w; infusion may be 30 min "
    "when the first is tolerated); NCCI ch. XI / CMS Pub 100-04 ch.12 s.30.6.6: a significant, separately identifiable E/M "
    "with modifier 25; PA window and units cover the dose.")

# 205 RELAY regimen for EGFR wild-type disease (no labelled or compendia use)
doc = redate(by("204-ramucirumab-relay-erlotinib-commercial-pa"), "UNS-205", "P-U205", "2026-05-12", "2026-05-18")
doc["claim"]["payer"] = "medicare"
doc["coverage"] = dict(MED)
doc["claim"].pop("prior_authorization")
doc.pop("authorizations")
doc["clinical"]["biomarkers"] = {"egfr": "wild_type", "alk": "negative"}
doc["claim"]["diagnoses"] = ["C34.31", "C78.01"]
doc["claim"]["lines"] = doc["claim"]["lines"][:6]
doc["documentation"] = rec()
doc["administrations"] = shift(doc["administrations"], "2026-05-11", "2026-05-12")
add("205-ramucirumab-erlotinib-egfr-wild-type-medicare", "The RELAY day of 204 for a Medicare patient whose NSCLC is "
    "EGFR wild-type (erlotinib + ramucirumab chosen first line anyway).", doc, "denied", [(1, "50"), (2, "50"), (3, "50")],
    basis="Cyramza label 1.2: the erlotinib combination is indicated only for EGFR exon 19 deletion or exon 21 L858R; NCCN "
    "lists it only for sensitizing EGFR mutations; not reasonable and necessary (CO-50) on every J9308 line, JW included.",
    confidence="medium")


# 206 RAISE in a hospital outpatient department, 837I TOB 0131, commercial with PA
d = "2026-03-02"
lines = [
    L("J9308", 100, None, CYR500, 50, charge=11400.0, rev="0636"),
    L("J9308", 32, None, CYR100, 16, charge=3650.0, rev="0636"),
    L("J9308", 8, ["JW"], CYR100, 4, charge=910.0, rev="0636"),
    L("J9206", 18, charge=310.0, rev="0636"),
    L("J0640", 16, charge=120.0, rev="0636"),
    L("J9190", 11, charge=60.0, rev="0636"),
    {"revenue_code": "0250", "units": 3, "charge": 48.0},
    L("96413", 1, charge=610.0, rev="0335"), L("96417", 1, charge=280.0, rev="0335"),
    L("96368", 1, charge=150.0, rev="0335"), L("96411", 1, charge=180.0, rev="0335"),
    L("96416", 1, charge=320.0, rev="0335"), L("96375", 2, charge=160.0, rev="0260"),
]
doc = claim("UNS-206", "commercial", d, "2026-03-10", ["C18.7", "C78.7"], lines, form="institutional", tob="0131",
            pa="PA-R-206", entity="hospital_outpatient",
            patient=pt("P-U206", "1966-02-14", kg=82.0, height=171), coverage=COM,
            authorizations=[{"number": "PA-R-206", "codes": ["J9308"], "units": 3640, "status": "approved",
                             "start_date": "2026-02-01", "end_date": "2026-07-31"}],
            clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IVA",
                                 "histology": "adenocarcinoma"},
                      "biomarkers": {"ras": "mutant"}, "ecog": 1, "prior_therapies": CRC_PRIOR,
                      "concurrent_drugs": ["irinotecan", "leucovorin", "fluorouracil"]},
            administrations=[adm("2026-02-16", "ramucirumab", 656),
                             a_(d, "ramucirumab", 656, "08:30", 60, lot_number="R20601", waste_mg=44,
                                vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}]),
                             a_(d, "irinotecan", 342, "09:40", 90), a_(d, "leucovorin", 760, "09:40", 90),
                             a_(d, "fluorouracil", 760, "11:15", 3), a_(d, "fluorouracil", 4560, "11:20", 2760),
                             adm(d, "ondansetron", 16, route="IV"), adm(d, "dexamethasone", 12, route="IV"),
                             adm(d, "diphenhydramine", 50, route="IV")],
            documentation=DOC)
add("206-ramucirumab-crc-folfiri-hopd-837i-commercial-pa", "RAS-mutant mCRC after FOLFOX + bevacizumab, hospital "
    "outpatient department (837I, TOB 0131), commercial with PA: ramucirumab 8 mg/kg x 82 kg = 656 mg (100 + 32 units "
    "on two NDC lines, 8 JW), then FOLFIRI (irinotecan 180 mg/m2 over 90 min with concurrent leucovorin, 5-FU bolus and "
    "46-hour pump), packaged premedications on a 0250 line, 96413/96417/96368/96411/96416 under 0335, pushes under 0260.",
    doc, "clean",
    basis="Cyramza label 1.3 (mCRC after bevacizumab, oxaliplatin and a fluoropyrimidine, with FOLFIRI, 8 mg/kg q2w); "
    "Aetna CPB 0883 (CRC with FOLFIRI); CPT: concurrent leucovorin 96368, push 96411, pump initiation 96416; "
    "irinotecan 90 minutes gives no 96415 (needs > 30 minutes beyond the hour).")

# 207 ramucirumab + FOLFIRI as first line (no prior oxaliplatin/bevacizumab), Medicare
d = "2026-04-06"
doc = claim("UNS-207", "medicare", d, "2026-04-10", ["C20", "C78.7"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9206", 17, charge=300.0, ptr=(1, 2)), L("J0640", 15, charge=110.0, ptr=(1, 2)), L("J9190", 10, charge=55.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96368", 1, charge=90.0), L("96411", 1, charge=110.0),
    L("96416", 1, charge=170.0),
], patient=pt("P-U207", "1957-10-10", sex="M", kg=62.5, height=170), coverage=MED,
    clinical={"cancer": {"primary_site": "colorectal", "setting": "metastatic", "stage": "IVA", "histology": "adenocarcinoma"},
              "biomarkers": {"ras": "mutant"}, "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["irinotecan", "leucovorin", "fluorouracil"]},
    administrations=[a_(d, "ramucirumab", 500, "08:30", 60, lot_number="R20701", waste_mg=0, vials=[{"ndc": CYR500, "count": 1}]),
                     a_(d, "irinotecan", 325, "09:40", 90), a_(d, "leucovorin", 720, "09:40", 90),
                     a_(d, "fluorouracil", 720, "11:15", 3), a_(d, "fluorouracil", 4320, "11:20", 2760)],
    documentation=DOC)
add("207-ramucirumab-crc-first-line-no-prior-therapy-medicare", "Newly diagnosed metastatic rectal cancer, Medicare: "
    "ramucirumab 8 mg/kg added to FOLFIRI as the FIRST metastatic regimen (no prior oxaliplatin, bevacizumab or "
    "fluoropyrimidine).", doc, "denied", [(1, "50")],
    basis="Cyramza label 1.3 and NCCN colon/rectal: ramucirumab + FOLFIRI only after progression on bevacizumab, "
    "oxaliplatin and a fluoropyrimidine (second line); no labelled or compendia first-line use -> not reasonable and "
    "necessary (CO-50) on the J9308 line; FOLFIRI itself is covered.", confidence="medium")

# 208 HCC, AFP exactly 400 ng/mL, after sorafenib, Medicare
d = "2026-06-01"
doc = claim("UNS-208", "medicare", d, "2026-06-05", ["C22.0"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0),
    L("J9308", 12, None, CYR100, 6, charge=910.0),
    L("J9308", 8, ["JW"], CYR100, 4, charge=610.0),
    L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96375", 1, charge=45.0),
], patient=pt("P-U208", "1950-03-03", sex="M", kg=70.0, height=174), coverage=MED,
    clinical={"cancer": {"primary_site": "liver_hcc", "setting": "metastatic", "stage": "IVB"},
              "biomarkers": {"afp_ng_ml": 400}, "ecog": 1,
              "prior_therapies": [{"drug": "sorafenib", "setting": "metastatic", "line": 1, "start_date": "2025-08-01",
                                   "end_date": "2026-05-01", "progressed": True, "stop_reason": "progression"}],
              "concurrent_drugs": []},
    administrations=[adm("2026-05-18", "ramucirumab", 560),
                     a_(d, "diphenhydramine", 50, "09:00", 5),
                     a_(d, "ramucirumab", 560, "09:10", 60, lot_number="R20801", waste_mg=40,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}])],
    documentation=DOC)
add("208-ramucirumab-hcc-afp-exactly-400-medicare", "HCC after progression on sorafenib, AFP 400 ng/mL (exactly the "
    "threshold), Medicare: ramucirumab 8 mg/kg x 70 kg = 560 mg (100 + 12 units on two NDC lines, 8 JW).", doc, "clean",
    basis="Cyramza label 1.4: HCC with AFP >= 400 ng/mL previously treated with sorafenib (REACH-2), 8 mg/kg q2w; 400 "
    "meets '>= 400'.")

# 209 HCC first line (no sorafenib or other prior systemic therapy), Medicare
doc = redate(by("208-ramucirumab-hcc-afp-exactly-400-medicare"), "UNS-209", "P-U209", "2026-06-02", "2026-06-08")
doc["clinical"]["biomarkers"]["afp_ng_ml"] = 2150
doc["clinical"]["prior_therapies"] = []
doc["administrations"] = shift(doc["administrations"][1:], "2026-06-01", "2026-06-02")
add("209-ramucirumab-hcc-first-line-no-prior-therapy-medicare", "HCC with AFP 2150 ng/mL given ramucirumab as the "
    "first systemic therapy (no sorafenib, no atezolizumab/bevacizumab), Medicare.", doc, "denied",
    [(1, "50"), (2, "50"), (3, "50")],
    basis="Cyramza label 1.4 (previously treated with sorafenib) and NCCN hepatobiliary (ramucirumab only as subsequent-line "
    "therapy): first-line use is neither labelled nor compendia-supported -> CO-50 on every J9308 line.",
    confidence="medium")

# 210 dose rounded DOWN to the 500 mg vial (528 -> 500 mg, -5.3 %), commercial PA, gastric + paclitaxel
d = "2026-02-23"
doc = claim("UNS-210", "commercial", d, "2026-02-27", ["C16.2", "C78.6"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9267", 140, None, "00703-4767-01", 23.3, charge=75.0, ptr=(1,)),
    L("J1200", 1, None, "00641-0376-21", 0.5, charge=4.0),
    L("96413", 1, charge=420.0), L("96417", 1, charge=190.0), L("96375", 1, charge=55.0),
], pa="PA-R-210", patient=pt("P-U210", "1969-08-08", kg=66.0, height=160), coverage=COM,
    authorizations=[{"number": "PA-R-210", "codes": ["J9308"], "units": 2400, "status": "approved",
                     "start_date": "2026-02-01", "end_date": "2026-07-31"}],
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2025-05-01", "fda_approved_test": True}}, "ecog": 1,
              "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": ["paclitaxel"]},
    administrations=[a_(d, "ramucirumab", 500, "09:00", 60, lot_number="R21001", waste_mg=0, vials=[{"ndc": CYR500, "count": 1}]),
                     a_(d, "paclitaxel", 140, "10:10", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=rec(clinical_justification="8 mg/kg = 528 mg rounded to 500 mg (within 10 %) per the practice's "
                                             "biologic dose-rounding policy"))
add("210-ramucirumab-dose-rounded-down-to-vial-commercial-pa", "RAINBOW cycle 1 day 1, commercial with PA: 8 mg/kg x "
    "66 kg = 528 mg rounded down to one 500 mg vial (-5.3 %, the practice's dose-rounding policy), 100 units, no waste.",
    doc, "clean",
    basis="Cyramza label 1.1; HOPA 2017 dose-rounding guidance and commercial dose-rounding policies (e.g. UHC, Anthem): "
    "biologics rounded to the nearest vial within 10 % are accepted, and some plans require it; PA covers J9308.")

# 211 dose rounded UP to the 500 mg vial (456 -> 500 mg, +9.6 %), Medicare, gastric monotherapy
d = "2026-05-05"
doc = claim("UNS-211", "medicare", d, "2026-05-11", ["C16.9", "C78.7"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J1200", 1, charge=4.0), L("96413", 1, charge=350.0), L("96375", 1, charge=45.0),
], patient=pt("P-U211", "1944-01-19", kg=57.0, height=158), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "0", "test_date": "2025-06-01", "fda_approved_test": True}}, "ecog": 2,
              "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": []},
    administrations=[adm("2026-04-21", "ramucirumab", 500),
                     a_(d, "diphenhydramine", 50, "09:00", 5),
                     a_(d, "ramucirumab", 500, "09:10", 30, lot_number="R21101", waste_mg=0, vials=[{"ndc": CYR500, "count": 1}])],
    documentation=rec(clinical_justification="8 mg/kg = 456 mg rounded to one 500 mg vial (+9.6 %) per the "
                                             "institutional biologic dose-rounding policy"))
add("211-ramucirumab-dose-rounded-up-within-10pct-medicare", "REGARD monotherapy, Medicare: 8 mg/kg x 57 kg = 456 mg "
    "rounded UP to one 500 mg vial (+9.6 %) by the institutional dose-rounding policy and ordered that way; 100 units JZ "
    "(the whole vial was given).", doc, "clean",
    basis="Medicare pays the dose ordered and administered (Pub 100-02 ch.15 s.50); rounding within 10 % of the "
    "prescribed biologic dose is standard practice (HOPA 2017) and no Medicare policy limits J9308 per kg; JZ is right "
    "because nothing was discarded.", confidence="medium")

# 212 weight fell 12 % since baseline, dose recalculated on today's weight
d = "2026-06-08"
doc = claim("UNS-212", "medicare", d, "2026-06-12", ["C16.1", "C78.6"], [
    L("J9308", 119, None, CYR100, 59.2, charge=9050.0, ptr=(1, 2)),
    L("J9308", 1, ["JW"], CYR100, 0.8, charge=76.0, ptr=(1, 2)),
    L("J9267", 150, charge=75.0, ptr=(1,)), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 1, charge=45.0),
], patient=pt("P-U212", "1958-05-05", sex="M", kg=74.0, height=180), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2025-05-01", "fda_approved_test": True}}, "ecog": 1,
              "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-04-13", "ramucirumab", 672), adm("2026-04-27", "ramucirumab", 672),
                     adm("2026-05-11", "ramucirumab", 640), adm("2026-05-25", "ramucirumab", 616),
                     a_(d, "ramucirumab", 592, "09:00", 30, lot_number="R21201", waste_mg=8, vials=[{"ndc": CYR100, "count": 6}]),
                     a_(d, "paclitaxel", 150, "09:45", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
doc["patient"]["weight_date"] = d
add("212-ramucirumab-weight-loss-dose-recalculated-medicare", "RAINBOW, Medicare, cycle 3 day 1: weight fell from 84 kg "
    "at baseline to 74 kg (-12 %); the dose is recalculated on today's weight, 8 mg/kg x 74 kg = 592 mg: 119 units + 1 "
    "JW unit from six 100 mg vials.", doc, "clean",
    basis="Cyramza label (8 mg/kg on actual body weight); re-dosing on a > 10 % weight change is standard practice; units "
    "rounded up (595 mg) and waste down (5 mg) within the 600 mg bought (CMS JW FAQ).")

# 213 dose still on the baseline weight (80 kg) though today's weight is 76 kg (-5 %): 800 mg at 10 mg/kg
d = "2026-04-20"
doc = claim("UNS-213", "medicare", d, "2026-04-24", ["C34.92"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0),
    L("J9308", 60, ["JZ"], CYR100, 30, charge=4560.0),
    L("J9171", 150, charge=250.0), L("J1200", 1, charge=4.0), L("J1100", 8, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U213", "1953-11-11", kg=76.0, height=168), coverage=MED,
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVA", "histology": "squamous"},
              "biomarkers": {}, "ecog": 1, "prior_therapies": NSCLC_PRIOR[::2], "concurrent_drugs": ["docetaxel"]},
    administrations=[adm("2026-03-09", "ramucirumab", 800), adm("2026-03-30", "ramucirumab", 800),
                     a_(d, "ramucirumab", 800, "09:00", 60, lot_number="R21301", waste_mg=0,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 3}]),
                     a_(d, "docetaxel", 150, "10:10", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 8, route="IV")],
    documentation=DOC)
doc["patient"]["weight_date"] = d
doc["clinical"]["prior_therapies"] = [dict(NSCLC_PRIOR[0]), dict(NSCLC_PRIOR[2])]
add("213-ramucirumab-nsclc-dose-on-baseline-weight-medicare", "Squamous NSCLC after carboplatin + pembrolizumab, "
    "Medicare, REVEL cycle 3: dose kept at 800 mg (10 mg/kg on the 80 kg baseline weight) though today's weight is 76 kg "
    "(5 % loss, under the practice's 10 % re-dosing threshold): 10.5 mg/kg, 160 units on two NDC lines, JZ.", doc,
    "clean",
    basis="Cyramza label 1.2; re-dosing only on a >= 10 % weight change is standard practice and no Medicare policy "
    "caps J9308 per kg; the dose is within 10 % of 10 mg/kg x today's weight.", confidence="medium")

# 214 esophageal SQUAMOUS cell carcinoma (ramucirumab is for adenocarcinoma)
d = "2026-03-23"
doc = claim("UNS-214", "medicare", d, "2026-03-27", ["C15.4", "C78.01"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 16, None, CYR100, 8, charge=1220.0, ptr=(1, 2)),
    L("J9308", 4, ["JW"], CYR100, 2, charge=300.0, ptr=(1, 2)),
    L("J9267", 150, charge=75.0), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 1, charge=45.0),
], patient=pt("P-U214", "1949-02-02", sex="M", kg=72.5, height=172), coverage=MED,
    clinical={"cancer": {"primary_site": "esophagus", "setting": "metastatic", "stage": "IVB", "histology": "squamous"},
              "ecog": 1, "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": ["paclitaxel"]},
    administrations=[a_(d, "ramucirumab", 580, "09:00", 60, lot_number="R21401", waste_mg=20,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     a_(d, "paclitaxel", 150, "10:10", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
add("214-ramucirumab-esophageal-squamous-medicare", "Metastatic esophageal SQUAMOUS cell carcinoma (C15.4) after "
    "FOLFOX + nivolumab, Medicare: ramucirumab 8 mg/kg + paclitaxel (the gastric RAINBOW regimen).", doc, "denied",
    [(1, "50"), (2, "50"), (3, "50")],
    basis="Cyramza label 1.1 (gastric or gastro-esophageal junction ADENOCARCINOMA) and NCCN esophageal (ramucirumab only "
    "for adenocarcinoma); Aetna CPB 0883 likewise: squamous histology is not a covered use -> CO-50 on the J9308 lines.",
    confidence="medium")

# 215 Medicare Advantage enrollee billed to Medicare FFS
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-215", "P-U215", "2026-03-17", "2026-03-24")
doc["coverage"] = {"start_date": "2026-01-01", "plan_type": "medicare_advantage", "member_id": "H1234-00567"}
add("215-ramucirumab-medicare-advantage-billed-to-medicare", "The RAINBOW day of 201, but the patient enrolled in a "
    "Medicare Advantage plan on 2026-01-01 and the practice billed the Medicare MAC.", doc, "denied", [(None, "24")],
    basis="First Coast / Noridian: a claim for a Medicare Advantage enrollee sent to Medicare FFS is returned with CARC "
    "CO-24 (charges covered under a managed care plan); bill the MA plan (medicare-prod.fcso.com/claims/tips-prevent-ruc-co-24).")

# 216 Medicare Advantage plan billed correctly (the plan's PA on file)
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-216", "P-U216", "2026-03-17", "2026-03-24")
doc["claim"]["payer"] = "commercial"
doc["claim"]["prior_authorization"] = "MA-PA-216"
doc["coverage"] = {"start_date": "2026-01-01", "plan_type": "medicare_advantage", "member_id": "H1234-00568"}
doc["authorizations"] = [{"number": "MA-PA-216", "codes": ["J9308"], "units": 1440, "status": "approved",
                          "start_date": "2026-02-15", "end_date": "2026-08-14"}]
for ln, (ndc, q) in zip(doc["claim"]["lines"][2:5], [("00703-4767-01", 24.7), ("00641-0376-21", 1), ("63323-0165-01", 2.5)], strict=True):
    ln.update({"ndc": ndc, "ndc_quantity": q, "ndc_unit": "ML"})
add("216-ramucirumab-medicare-advantage-plan-with-pa", "The RAINBOW day of 201 billed to the patient's Medicare "
    "Advantage plan (a private plan, modelled by the commercial profile) with the plan's approved PA for J9308.", doc,
    "clean",
    basis="An MA plan replaces FFS for Part B services and may require prior authorization (42 CFR 422); the PA covers "
    "the code, date and units; the claim is otherwise the correct RAINBOW day of 201.")

# 217 replacement claim (freq 7): the original omitted the second NDC line (the 100 mg vial)
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-217", "P-U217", "2026-03-17", "2026-04-02")
doc["claim"]["frequency_code"] = "7"
doc["claim"]["original_claim_id"] = "UNS-217-ORIG"
doc["prior_claims"] = [{"id": "UNS-217-ORIG", "status": "paid", "frequency_code": "1", "provider_npi": b.NPI_BILL,
                        "lines": [{"code": "J9308", "service_date": "2026-03-17", "units": 100, "paid_units": 100},
                                  {"code": "J9267", "service_date": "2026-03-17", "units": 148, "paid_units": 148},
                                  {"code": "96413", "service_date": "2026-03-17", "units": 1, "paid_units": 1},
                                  {"code": "96417", "service_date": "2026-03-17", "units": 1, "paid_units": 1}]}]
add("217-ramucirumab-replacement-claim-corrects-units-medicare", "The RAINBOW day of 201 sent again as a replacement "
    "(frequency 7) of the paid original, which billed only 100 units of J9308 and no JW line; the replacement carries "
    "117 + 3 JW units and every line of the day.", doc, "clean",
    basis="CMS Pub 100-04 ch.1 s.70 / X12 CLM05-3 = 7: a replacement claim supersedes the original and is adjudicated in "
    "full; its lines are not duplicates of the claim it replaces (FORMATS.md s.3).")

# 218 new claim after the original was voided (freq 8 processed): not a duplicate
doc = redate(by("203-ramucirumab-nsclc-docetaxel-two-500mg-vials-medicare"), "UNS-218", "P-U218", "2026-03-09",
             "2026-03-30")
doc["prior_claims"] = [
    {"id": "UNS-218-A", "status": "voided", "frequency_code": "1", "provider_npi": b.NPI_BILL,
     "lines": [{"code": "J9308", "service_date": "2026-03-09", "units": 182},
               {"code": "J9308", "service_date": "2026-03-09", "units": 18, "modifiers": ["JW"]},
               {"code": "J9171", "service_date": "2026-03-09", "units": 158}]},
    {"id": "UNS-218-V", "status": "paid", "frequency_code": "8", "provider_npi": b.NPI_BILL,
     "lines": [{"code": "J9308", "service_date": "2026-03-09", "units": 182}]}]
add("218-ramucirumab-new-claim-after-void-medicare", "The REVEL day of 203: the first claim went out under the wrong "
    "beneficiary identifier, the practice voided it (frequency 8, processed) and now sends a new original claim with "
    "the same lines.", doc, "clean",
    basis="A voided claim is reversed and no longer on file; the new original is not a duplicate (CMS Pub 100-04 ch.1 "
    "s.70.5 / X12 frequency 8 semantics; FORMATS.md s.3: a voided prior claim consumes nothing).", confidence="medium")

# 219 PA approved only from a date AFTER the date of service (no retro-authorization)
doc = redate(by("210-ramucirumab-dose-rounded-down-to-vial-commercial-pa"), "UNS-219", "P-U219", "2026-02-23",
             "2026-02-27")
doc["authorizations"][0].update({"start_date": "2026-03-02", "end_date": "2026-08-31"})
add("219-ramucirumab-pa-starts-after-dos-commercial", "The RAINBOW day of 210, but the PA was approved on 2026-03-02, "
    "a week after the date of service (the practice treated before the approval; no retro-authorization).", doc, "denied",
    [(1, "197")],
    basis="Aetna CPB 0883 / commercial precertification: an authorization covers services from its start date; a dose "
    "given before it has no authorization -> CO-197 on the J9308 line.")

# 220 PA units used up by two paid earlier claims (240 approved, 240 paid)
d = "2026-03-09"
doc = redate(by("210-ramucirumab-dose-rounded-down-to-vial-commercial-pa"), "UNS-220", "P-U220", d, "2026-03-13")
doc["authorizations"][0].update({"units": 200, "start_date": "2026-02-01", "end_date": "2026-07-31"})
doc["prior_claims"] = [
    {"id": f"UNS-220-{i}", "status": "paid", "frequency_code": "1", "provider_npi": b.NPI_BILL,
     "lines": [{"code": "J9308", "service_date": x, "units": 100, "paid_units": 100}]}
    for i, x in enumerate(("2026-02-09", "2026-02-23"), 1)]
doc["administrations"] = [adm("2026-02-09", "ramucirumab", 500), adm("2026-02-23", "ramucirumab", 500)] + shift(
    doc["administrations"], "2026-02-23", d)
add("220-ramucirumab-pa-units-used-up-commercial", "RAINBOW (ramucirumab every 2 weeks), third dose, commercial: the PA "
    "approved 200 units (two doses) and two paid claims (2026-02-09, 2026-02-23) used them; this claim bills 100 more "
    "units without an extension.", doc, "denied", [(1, "198")],
    basis="CARC 198 = precertification/authorization exceeded; units beyond the approved amount need an extension before "
    "the service (commercial precertification terms).")

# 221 PA units with a voided claim in the window: the void consumes nothing
doc = redate(by("220-ramucirumab-pa-units-used-up-commercial"), "UNS-221", "P-U221", "2026-03-09", "2026-03-13")
doc["authorizations"][0]["units"] = 300
doc["prior_claims"].append({"id": "UNS-221-X", "status": "voided", "frequency_code": "1", "provider_npi": b.NPI_BILL,
                            "lines": [{"code": "J9308", "service_date": "2026-03-02", "units": 100}]})
add("221-ramucirumab-pa-units-voided-claim-not-counted-commercial", "As 220 but the PA approved 300 units, and besides "
    "the two paid doses a claim billed by mistake for 2026-03-02 (no dose that day) was voided; 200 paid + this 100 = "
    "300.", doc, "clean",
    basis="Only paid/pending claims consume an authorization; a voided claim is reversed (FORMATS.md s.3); 300 <= 300.")

# 222 E/M 99214 billed with the chemotherapy administration WITHOUT modifier 25
doc = redate(by("203-ramucirumab-nsclc-docetaxel-two-500mg-vials-medicare"), "UNS-222", "P-U222", "2026-03-09",
             "2026-03-13")
doc["claim"]["lines"].append(L("99214", 1, charge=160.0, ptr=(1, 2), service_date="2026-03-09"))
renumber(doc)
add("222-ramucirumab-em-without-25-medicare", "The REVEL day of 203 with a 99214 for the pre-treatment visit billed "
    "WITHOUT modifier 25.", doc, "denied", [(9, "97")],
    basis="NCCI PTP edits bundle 99211-99215 into 96413 (modifier indicator 1): without modifier 25 the E/M is denied as "
    "included in the procedure (CO-97); NCCI policy manual ch. XI; CMS Pub 100-04 ch.12 s.30.6.6.", confidence="medium")

# 223 99211 (nurse visit) with the chemotherapy administration, even with 25
doc = redate(by("203-ramucirumab-nsclc-docetaxel-two-500mg-vials-medicare"), "UNS-223", "P-U223", "2026-03-09",
             "2026-03-13")
doc["claim"]["lines"].append(L("99211", 1, ["25"], charge=25.0, ptr=(1,), service_date="2026-03-09"))
renumber(doc)
add("223-ramucirumab-99211-with-chemo-admin-medicare", "The REVEL day of 203 with a 99211-25 nurse visit (vitals, "
    "toxicity check) on the infusion day.", doc, "denied", [(9, "97")],
    basis="CMS Pub 100-04 ch.12 s.30.6.7 (CR 3631/4258): Medicare does not pay 99211, with or without modifier 25, billed "
    "with a chemotherapy or non-chemotherapy drug administration code; its work is in the administration codes (NCCI "
    "manual ch. XI). CARC 97 (included in another service).", confidence="medium")

# 224 E/M 99215-25 for a separately identifiable problem (proteinuria work-up, BP) on the infusion day: paid
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-224", "P-U224", "2026-03-17", "2026-03-24")
doc["claim"]["diagnoses"] += ["R80.9", "I10"]
doc["claim"]["lines"].append(L("99215", 1, ["25"], charge=230.0, ptr=(3, 4, 1), service_date="2026-03-17"))
renumber(doc)
doc["documentation"] = rec(clinical_justification="new 2+ proteinuria and BP 168/100: UPCR ordered, amlodipine "
                                                  "started, ramucirumab continued")
add("224-ramucirumab-em-25-separate-problem-medicare", "The RAINBOW day of 201 with a 99215-25 for new proteinuria and "
    "hypertension (R80.9, I10) managed by the oncologist before the infusion.", doc, "clean",
    basis="CMS Pub 100-04 ch.12 s.30.6.6 and NCCI ch. XI: a significant, separately identifiable E/M above 99211 with "
    "modifier 25 is paid on a drug administration day (Noridian 'E/M services and drug administration billing').")


# ================================================================ trastuzumab products ====================================
def _ebc_clin(setting="adjuvant", her2=None, **kw):
    c = {"cancer": {"primary_site": "breast", "setting": setting, "stage": "IIB", "tumor_size_cm": 2.6, "node_positive": True},
         "biomarkers": {"her2": her2 or {"ihc": "3+", "test_date": "2025-10-06", "fda_approved_test": True},
                        "er": "positive", "pr": "positive"},
         "lvef": [{"date": "2025-10-20", "percent": 64}, {"date": "2026-01-19", "percent": 58}], "ecog": 0,
         "prior_therapies": [{"drug": d, "setting": "adjuvant", "start_date": "2025-11-03", "end_date": "2026-01-05",
                              "progressed": False, "stop_reason": "completed"} for d in ("doxorubicin", "cyclophosphamide")],
         "concurrent_drugs": ["paclitaxel"]}
    c.update(kw)
    return c


# 225 AC -> TH: Kanjinti weekly loading 4 mg/kg over 90+ min with weekly paclitaxel, Medicare
d = "2026-01-26"
doc = claim("UNS-225", "medicare", d, "2026-02-02", ["C50.411", "Z17.410"], [
    L("Q5117", 28, charge=1900.0, ptr=(1, 2)),
    L("J9267", 137, charge=70.0, ptr=(1,)),
    L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=75.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U225", "1957-03-14", kg=70.0, height=163), coverage=MED, clinical=_ebc_clin(),
    administrations=[a_(d, "diphenhydramine", 50, "08:45", 5), a_(d, "dexamethasone", 10, "08:50", 5),
                     a_(d, "trastuzumab-anns", 280, "09:00", 95, lot_number="K22501"),
                     a_(d, "paclitaxel", 137, "10:40", 60)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("225-kanjinti-weekly-loading-after-ac-medicare", "HER2+ (IHC 3+), HR+ node-positive early breast cancer, Medicare, "
    "adjuvant AC -> TH: after 4 cycles of AC (LVEF 58 % after AC), week 1 of weekly paclitaxel 80 mg/m2 + Kanjinti "
    "loading 4 mg/kg x 70 kg = 280 mg over 95 minutes from the 420 mg multiple-dose vial (no JW/JZ; NDC not reported), "
    "96413 + 96415 + 96417, two pushes.", doc, "clean",
    basis="Kanjinti/trastuzumab label 1.1 and 2.2 (adjuvant with AC followed by paclitaxel: 4 mg/kg over 90 min then 2 "
    "mg/kg weekly); CPT 96415 for > 30 minutes beyond the first hour; JW/JZ not for multiple-dose vials (CMS JW/JZ FAQ); "
    "Medicare does not require NDCs on professional drug claims.")

# 226 Kanjinti weekly maintenance 2 mg/kg, week 5
d = "2026-02-23"
doc = redate(by("225-kanjinti-weekly-loading-after-ac-medicare"), "UNS-226", "P-U226", d, "2026-03-02")
doc["claim"]["lines"] = [L("Q5117", 14, charge=950.0, ptr=(1, 2), service_date=d),
                         L("J9267", 137, charge=70.0, ptr=(1,), service_date=d),
                         L("J1200", 1, charge=4.0, service_date=d), L("J1100", 10, charge=8.0, service_date=d),
                         L("96413", 1, charge=350.0, service_date=d), L("96417", 1, charge=160.0, service_date=d),
                         L("96375", 2, charge=90.0, service_date=d)]
renumber(doc)
doc["administrations"] = ([adm("2026-01-26", "trastuzumab-anns", 280)]
                          + [adm(x, "trastuzumab-anns", 140) for x in ("2026-02-02", "2026-02-09", "2026-02-16")]
                          + [adm(x, "paclitaxel", 137) for x in ("2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16")]
                          + [a_(d, "trastuzumab-anns", 140, "09:00", 30, lot_number="K22601"),
                             a_(d, "paclitaxel", 137, "09:35", 60), adm(d, "diphenhydramine", 50, route="IV"),
                             adm(d, "dexamethasone", 10, route="IV")])
add("226-kanjinti-weekly-maintenance-week-5-medicare", "The patient of 225 in week 5: Kanjinti 2 mg/kg x 70 kg = 140 mg "
    "over 30 minutes (14 units) with weekly paclitaxel; 96413 + 96417.", doc, "clean",
    basis="Trastuzumab label 2.2 (2 mg/kg weekly during paclitaxel for 12 weeks); the trastuzumab infusion (> 15 min) is "
    "the initial service, paclitaxel the sequential one.")

# 227 Ogivri 6 mg/kg every 3 weeks starting one week after the last weekly dose (no reload), single-dose vials + JW
d = "2026-04-27"
doc = claim("UNS-227", "medicare", d, "2026-05-04", ["C50.911", "Z17.31", "Z17.0"], [
    L("Q5114", 42, None, OGIVRI150, 3, unit="UN", charge=2900.0, ptr=(1, 2, 3)),
    L("Q5114", 3, ["JW"], OGIVRI150, 1, unit="UN", charge=210.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0, ptr=(1,)),
], patient=pt("P-U227", "1950-12-24", kg=70.0, height=160), coverage=MED,
    clinical=_ebc_clin(concurrent_drugs=[]),
    administrations=[adm("2026-01-19", "trastuzumab-dkst", 280)] + [
        adm(x, "trastuzumab-dkst", 140) for x in ("2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23",
                                                  "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30",
                                                  "2026-04-06", "2026-04-13", "2026-04-20")] + [
        a_(d, "trastuzumab-dkst", 420, "09:00", 30, lot_number="O22701", waste_mg=30, vials=[{"ndc": OGIVRI150, "count": 3}])],
    documentation=DOC)
doc["clinical"]["prior_therapies"].append({"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2026-01-19",
                                           "end_date": "2026-04-06", "progressed": False, "stop_reason": "completed"})
add("227-ogivri-3-weekly-after-weekly-phase-medicare", "Adjuvant HER2+ breast cancer, Medicare: after 12 weeks of weekly "
    "paclitaxel + Ogivri (4 then 2 mg/kg), Ogivri continues alone at 6 mg/kg every 3 weeks from one week after the last "
    "weekly dose (no 8 mg/kg reload): 6 x 70 = 420 mg from three 150 mg single-dose vials, 42 units + 3 JW.", doc,
    "clean",
    basis="Trastuzumab label 2.2: 'one week following the last weekly dose, administer 6 mg/kg every three weeks' (no "
    "reloading); CMS JW policy for single-dose vials (45 units = 42 + 3).")

# 228 Herzuma + Perjeta + docetaxel, MBC first line loading: Herzuma from the 420 mg MDV + one 150 mg SDV
d = "2026-02-09"
doc = claim("UNS-228", "medicare", d, "2026-02-16", ["C50.812", "C78.7", "Z17.420"], [
    L("J9306", 840, ["JZ"], PERJ, 28, charge=9600.0, ptr=(1, 2, 3)),
    L("Q5113", 42, None, HERZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("Q5113", 10, None, HERZ150, 1, unit="UN", charge=620.0, ptr=(1, 2, 3)),
    L("Q5113", 5, ["JW"], HERZ150, 1, unit="UN", charge=310.0, ptr=(1, 2, 3)),
    L("J9171", 120, charge=230.0, ptr=(1, 2)),
    L("J1100", 8, charge=8.0), L("J2405", 8, charge=6.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U228", "1959-07-07", kg=64.0, height=158), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-20", "fda_approved_test": True},
                             "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-01-28", "percent": 61}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["pertuzumab", "docetaxel"]},
    administrations=[a_(d, "pertuzumab", 840, "09:00", 60, lot_number="P22801", waste_mg=0, vials=[{"ndc": PERJ, "count": 2}]),
                     a_(d, "trastuzumab-pkrb", 512, "10:30", 90, lot_number="Z22801", waste_mg=50,
                        vials=[{"ndc": HERZ420, "count": 1}, {"ndc": HERZ150, "count": 1}]),
                     a_(d, "docetaxel", 120, "12:30", 60), adm(d, "dexamethasone", 8, route="IV"),
                     adm(d, "ondansetron", 8, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("228-herzuma-perjeta-docetaxel-mbc-loading-medicare", "De novo HER2+ MBC (liver mets coded second, HR-/HER2+ "
    "Z17.420), Medicare, THP cycle 1: Perjeta 840 mg (2 vials, JZ), Herzuma 8 mg/kg x 64 kg = 512 mg from the 420 mg "
    "multiple-dose vial (42 units, no modifier) plus one 150 mg single-dose vial (10 units given, 5 JW), docetaxel "
    "75 mg/m2.", doc, "clean",
    basis="Perjeta label (MBC first line with trastuzumab + docetaxel; any trastuzumab product); Herzuma label (MBC, 8 "
    "mg/kg load); JW/JZ apply to the single-dose vial only: 52 units given (rounded up from 51.2) and 5 discarded = "
    "570 mg bought (CMS JW/JZ FAQ: multiple-dose containers excluded).", confidence="medium")

# 229 Ontruzant single-agent maintenance, commercial PA, three 150 mg single-dose vials
d = "2026-07-14"
doc = claim("UNS-229", "commercial", d, "2026-07-20", ["C50.912", "C79.51", "Z17.31"], [
    L("Q5112", 44, None, ONTRU150, 3, unit="UN", charge=3100.0, ptr=(1, 2, 3)),
    L("Q5112", 1, ["JW"], ONTRU150, 1, unit="UN", charge=70.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=420.0, ptr=(1, 2)),
], pa="PA-T-229", patient=pt("P-U229", "1964-04-04", kg=72.0, height=166), coverage=COM,
    authorizations=[{"number": "PA-T-229", "codes": ["Q5112"], "units": 1000, "status": "approved",
                     "start_date": "2026-04-01", "end_date": "2026-09-30"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-09-01", "fda_approved_test": True}},
              "lvef": [{"date": "2025-09-15", "percent": 62}, {"date": "2026-06-01", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "metastatic", "line": 1, "start_date": "2025-10-01",
                                   "end_date": "2026-01-20", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": [],
              "response_assessments": [{"date": "2026-06-20", "status": "stable", "method": "imaging"}]},
    administrations=[adm("2026-06-02", "trastuzumab-dttb", 432), adm("2026-06-23", "trastuzumab-dttb", 432),
                     a_(d, "trastuzumab-dttb", 432, "09:00", 30, lot_number="T22901", waste_mg=10,
                        vials=[{"ndc": ONTRU150, "count": 3}])],
    documentation=DOC)
add("229-ontruzant-mbc-maintenance-single-agent-commercial-pa", "HER2+ MBC with bone mets, commercial with PA: after "
    "paclitaxel + trastuzumab, Ontruzant continues alone at 6 mg/kg x 72 kg = 432 mg every 3 weeks from three 150 mg "
    "single-dose vials: 44 units + 1 JW unit.", doc, "clean",
    basis="Ontruzant/trastuzumab label 1.2 (MBC with paclitaxel, continued as maintenance) and 2.2 (6 mg/kg q3w); PA on "
    "file for Q5112; units rounded up (440 mg) and waste 10 mg (CMS JW method, accepted by commercial plans).")

# 230 Hercessi adjuvant every 3 weeks, commercial PA, 2026 (Q5146)
d = "2026-05-12"
doc = claim("UNS-230", "commercial", d, "2026-05-18", ["C50.211", "Z17.420"], [
    L("Q5146", 33, None, HERCESSI150, 3, unit="UN", charge=2300.0, ptr=(1, 2)),
    L("Q5146", 12, ["JW"], HERCESSI150, 1, unit="UN", charge=830.0, ptr=(1, 2)),
    L("96413", 1, charge=420.0, ptr=(1,)),
], pa="PA-T-230", patient=pt("P-U230", "1972-10-30", kg=55.0, height=160), coverage=COM,
    authorizations=[{"number": "PA-T-230", "codes": ["Q5146"], "units": 900, "status": "approved",
                     "start_date": "2026-01-01", "end_date": "2026-12-31"}],
    clinical=_ebc_clin(concurrent_drugs=[], lvef=[{"date": "2025-12-01", "percent": 63}, {"date": "2026-03-02", "percent": 60}]),
    administrations=[adm("2026-01-06", "trastuzumab-strf", 440)] + [
        adm(x, "trastuzumab-strf", 330) for x in ("2026-01-27", "2026-02-17", "2026-03-10", "2026-03-31", "2026-04-21")] + [
        a_(d, "trastuzumab-strf", 330, "09:00", 30, lot_number="H23001", waste_mg=120, vials=[{"ndc": HERCESSI150, "count": 3}])],
    documentation=DOC)
doc["clinical"]["prior_therapies"] = [{"drug": d_, "setting": "adjuvant", "start_date": "2026-01-06", "end_date": "2026-04-21",
                                       "progressed": False, "stop_reason": "completed"} for d_ in ("docetaxel", "carboplatin")]
add("230-hercessi-adjuvant-3-weekly-commercial-pa", "HER2+ (HR-) node-positive early breast cancer, commercial with "
    "PA: adjuvant TCH completed, Hercessi continues at 6 mg/kg x 55 kg = 330 mg every 3 weeks from three 150 mg "
    "single-dose vials (Q5146, 2026): 33 units + 12 JW units (120 mg discarded).", doc, "clean",
    basis="Hercessi label 1.1/2.2 (adjuvant with docetaxel + carboplatin, then 6 mg/kg q3w to 52 weeks); Q5146 from "
    "2025-01-01; two vials (300 mg) cannot give 330 mg, so three are opened and the remainder discarded (JW).")

# 231 Trazimera re-load after a missed dose (> 1 week late): 8 mg/kg
d = "2026-06-30"
doc = claim("UNS-231", "medicare", d, "2026-07-06", ["C50.411", "C78.01", "Z17.31"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("Q5116", 13, None, TRAZ150, 1, unit="UN", charge=800.0, ptr=(1, 2, 3)),
    L("Q5116", 2, ["JW"], TRAZ150, 1, unit="UN", charge=120.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0), L("96415", 1, charge=75.0),
], patient=pt("P-U231", "1951-09-09", kg=68.0, height=162), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-03-01", "fda_approved_test": True}},
              "lvef": [{"date": "2025-03-10", "percent": 60}, {"date": "2026-05-20", "percent": 57}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-04-01",
                                   "end_date": "2025-07-15", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": []},
    administrations=[adm(x, "trastuzumab-qyyp", 408) for x in ("2026-04-07", "2026-04-28", "2026-05-19")] + [
        a_(d, "trastuzumab-qyyp", 544, "09:00", 95, lot_number="Q23101", waste_mg=20,
           vials=[{"ndc": TRAZ420, "count": 1}, {"ndc": TRAZ150, "count": 1}])],
    documentation=rec(clinical_justification="dose due 2026-06-09 delayed by hospital admission for pneumonia; "
                                             "re-load per label"))
add("231-trazimera-reload-after-missed-dose-medicare", "HER2+ MBC on Trazimera maintenance every 3 weeks, Medicare: the "
    "2026-06-09 dose was missed (pneumonia admission); on 2026-06-30 (6 weeks after the last dose, 3 weeks late) the "
    "label's re-loading dose 8 mg/kg x 68 kg = 544 mg is given over 95 min: 42 units from the 420 mg MDV + 13 units "
    "from a 150 mg SDV + 2 JW.", doc, "clean",
    basis="Trastuzumab label 2.2: a dose missed by more than one week is re-loaded (8 mg/kg on the 3-weekly schedule) "
    "over about 90 minutes; CPT 96415 for > 30 min beyond the first hour; JW only for the single-dose vial.")

# 232 Herceptin (J9355) HER2+ gastric with cisplatin + 5-FU (ToGA), cycle 3 maintenance, Z51.11 first, Medicare
d = "2026-04-13"
doc = claim("UNS-232", "medicare", d, "2026-04-17", ["Z51.11", "C16.2", "C78.7"], [
    L("J9355", 47, None, HERC150, 4, unit="UN", charge=4200.0, ptr=(1, 2, 3)),
    L("J9355", 13, ["JW"], HERC150, 1, unit="UN", charge=1160.0, ptr=(1, 2, 3)),
    L("J9060", 16, charge=90.0, ptr=(1, 2)),
    L("J9190", 8, charge=45.0, ptr=(1, 2)),
    L("J1453", 150, charge=160.0, ptr=(1, 2)), L("J2405", 16, charge=8.0, ptr=(1, 2)), L("J1100", 12, charge=9.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0, ptr=(1, 2)), L("96417", 1, charge=160.0, ptr=(1, 2)),
    L("96416", 1, charge=170.0, ptr=(1, 2)), L("96367", 1, charge=70.0, ptr=(1, 2)), L("96375", 2, charge=90.0, ptr=(1, 2)),
], patient=pt("P-U232", "1954-06-16", sex="M", kg=77.0, height=175), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-20", "fda_approved_test": True}},
              "lvef": [{"date": "2026-01-28", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["cisplatin", "fluorouracil"]},
    administrations=[adm("2026-02-23", "Herceptin", 616), adm("2026-03-16", "Herceptin", 462),
                     a_(d, "Herceptin", 462, "09:00", 30, lot_number="HC23201", waste_mg=138,
                        vials=[{"ndc": HERC150, "count": 4}]),
                     a_(d, "fosaprepitant", 150, "09:35", 30), a_(d, "cisplatin", 152, "10:10", 60),
                     a_(d, "fluorouracil", 3080, "11:15", 1440), adm(d, "ondansetron", 16, route="IV"),
                     adm(d, "dexamethasone", 12, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("232-herceptin-gastric-cisplatin-5fu-z5111-first-medicare", "HER2+ (IHC 3+) metastatic gastric adenocarcinoma, "
    "no prior therapy for metastatic disease, Medicare, ToGA cycle 3: Herceptin 6 mg/kg x 77 kg = 462 mg from four 150 "
    "mg single-dose vials (47 units + 13 JW), cisplatin 80 mg/m2, 5-FU 800 mg/m2/day pump (96416), fosaprepitant "
    "96367; Z51.11 listed first.", doc, "clean",
    basis="Herceptin label 1.3 (with cisplatin and capecitabine or 5-FU, first line, 8 then 6 mg/kg q3w); ICD-10-CM "
    "I.C.2.e.2 (Z51.11 first); Medicare Part B pays Herceptin without a biosimilar step (no NCD/LCD step therapy for "
    "FFS).")

# 233 Kanjinti + CAPOX (oxaliplatin in place of cisplatin) + pembrolizumab for HER2+ gastric, Medicare
d = "2026-05-04"
doc = claim("UNS-233", "medicare", d, "2026-05-08", ["C16.0", "C77.2"], [
    L("Q5117", 42, charge=2600.0, ptr=(1, 2)),
    L("J9263", 220, charge=110.0, ptr=(1, 2)),
    L("J9271", 200, charge=10800.0, ptr=(1, 2)),
    L("J2405", 8, charge=6.0), L("J1100", 12, charge=9.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U233", "1960-02-29", sex="M", kg=52.5, height=168), coverage=MED,
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IVB",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "amplified", "test_date": "2026-04-01", "fda_approved_test": True}},
              "lvef": [{"date": "2026-04-15", "percent": 60}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["oxaliplatin", "capecitabine", "pembrolizumab"]},
    administrations=[a_(d, "pembrolizumab", 200, "09:00", 30),
                     a_(d, "trastuzumab-anns", 420, "09:35", 90, lot_number="K23301"),
                     a_(d, "oxaliplatin", 110, "11:10", 120), adm(d, "ondansetron", 8, route="IV"),
                     adm(d, "dexamethasone", 12, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("233-kanjinti-gastric-capox-pembrolizumab-medicare", "HER2+ (IHC 2+ / ISH amplified) metastatic GEJ adenocarcinoma, "
    "first line, Medicare: pembrolizumab 200 mg + Kanjinti 8 mg/kg x 52.5 kg = 420 mg (one 420 mg multiple-dose vial) + "
    "CAPOX (oxaliplatin 130 mg/m2, oral capecitabine) - KEYNOTE-811 with oxaliplatin in place of cisplatin.", doc,
    "clean",
    basis="Keytruda label (with trastuzumab + fluoropyrimidine/platinum, HER2+ gastric/GEJ); NCCN gastric lists "
    "trastuzumab with oxaliplatin/fluoropyrimidine (category 1): a compendia-supported, medically accepted indication "
    "(Medicare Benefit Policy Manual ch.15 s.50.4.5); pembrolizumab is outside the KB (a warning, not a denial).",
    confidence="medium")

# 234 Herceptin Hylecta adjuvant single agent after TCH, Medicare, 96401
d = "2026-06-01"
doc = claim("UNS-234", "medicare", d, "2026-06-05", ["C50.412", "Z17.410"], [
    L("J9356", 60, ["JZ"], HYLECTA, 5, charge=4300.0, ptr=(1, 2)),
    L("96401", 1, charge=90.0, ptr=(1,)),
], patient=pt("P-U234", "1949-05-05", kg=80.0, height=165), coverage=MED,
    clinical=_ebc_clin(concurrent_drugs=[], prior_therapies=[
        {"drug": d_, "setting": "adjuvant", "start_date": "2026-01-05", "end_date": "2026-04-20", "progressed": False,
         "stop_reason": "completed"} for d_ in ("docetaxel", "carboplatin")],
        lvef=[{"date": "2025-12-15", "percent": 65}, {"date": "2026-04-01", "percent": 61}]),
    administrations=[adm(x, "trastuzumab-hyaluronidase-oysk", 600, route="SC") for x in
                     ("2026-01-05", "2026-01-26", "2026-02-16", "2026-03-09", "2026-03-30", "2026-04-20", "2026-05-11")]
    + [a_(d, "trastuzumab-hyaluronidase-oysk", 600, "09:00", 5, route="SC", lot_number="HY23401", waste_mg=0,
          vials=[{"ndc": HYLECTA, "count": 1}])],
    documentation=DOC)
add("234-hylecta-adjuvant-single-agent-after-tch-medicare", "HER2+ HR+ early breast cancer, Medicare: TCH (docetaxel, "
    "carboplatin, Herceptin Hylecta) completed, Hylecta 600 mg SC every 3 weeks continues to a year: J9356 60 units "
    "(per 10 mg), one single-dose vial, JZ, 96401.", doc, "clean",
    basis="Herceptin Hylecta label 1.1 (adjuvant, with docetaxel + carboplatin, then continued to 52 weeks; 600 mg SC "
    "q3w, not weight-based); J9356 per 10 mg; CPT 96401 for an SC antineoplastic; JZ for the whole single-dose vial.")

# 235 Hylecta for HER2+ gastric cancer (not labelled; NCCN gastric does not list the SC form)
doc = redate(by("234-hylecta-adjuvant-single-agent-after-tch-medicare"), "UNS-235", "P-U235", "2026-06-01", "2026-06-05")
doc["claim"]["diagnoses"] = ["C16.3", "C78.6"]
doc["claim"]["lines"][0]["diagnosis_pointers"] = [1, 2]
doc["clinical"] = {"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
                   "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-10", "fda_approved_test": True}},
                   "lvef": [{"date": "2026-01-20", "percent": 60}], "ecog": 1, "prior_therapies": [],
                   "concurrent_drugs": ["capecitabine", "cisplatin"]}
add("235-hylecta-for-gastric-cancer-medicare", "HER2+ metastatic gastric cancer, Medicare: Herceptin Hylecta 600 mg SC "
    "given with cisplatin/capecitabine instead of IV trastuzumab.", doc, "denied", [(1, "50")],
    basis="Herceptin Hylecta label: breast cancer only ('not indicated for gastric cancer' is stated by the label's "
    "indications, which omit it); NCCN gastric lists IV trastuzumab (and biosimilars), not the SC form -> CO-50.",
    confidence="medium")

# 236 Kanjinti weekly with paclitaxel for HER2-low (IHC 1+) MBC, Medicare
d = "2026-03-02"
doc = claim("UNS-236", "medicare", d, "2026-03-06", ["C50.511", "C79.51", "Z17.411"], [
    L("Q5117", 28, charge=1900.0, ptr=(1, 2, 3)),
    L("J9267", 130, charge=70.0, ptr=(1, 2)),
    L("J1200", 1, charge=4.0), L("96413", 1, charge=350.0), L("96415", 1, charge=75.0), L("96417", 1, charge=160.0),
    L("96375", 1, charge=45.0),
], patient=pt("P-U236", "1956-08-18", kg=70.0, height=160), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "1+", "test_date": "2026-02-10", "fda_approved_test": True},
                             "er": "positive", "pr": "negative"},
              "lvef": [{"date": "2026-02-20", "percent": 63}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[a_(d, "trastuzumab-anns", 280, "09:00", 95, lot_number="K23601"), a_(d, "paclitaxel", 130, "10:40", 60),
                     adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
add("236-kanjinti-her2-low-mbc-medicare", "HR+ MBC with HER2 IHC 1+ (HER2-low, i.e. HER2-negative), Medicare: weekly "
    "paclitaxel + Kanjinti 4 mg/kg loading; the claim carries Z17.411 (HR+/HER2-).", doc, "denied", [(1, "50"), (1, "11")],
    basis="Trastuzumab label: HER2 overexpression (IHC 3+) or amplification (ISH) only; ASCO/CAP 2018/2023: IHC 1+ is "
    "HER2-negative -> CO-50 on the Q5117 line; paclitaxel is covered. First written as CO-50 only; the KB's added CO-11 "
    "(the billed HER2-negative status code Z17.411 contradicts a HER2-targeted drug) is within policy.")

# 237 HER2 by ISH only (no IHC), ratio 2.8 and 6.4 copies: positive; Trazimera + paclitaxel first-line MBC
d = "2026-08-03"
doc = claim("UNS-237", "medicare", d, "2026-08-07", ["C50.911", "C78.00"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2)),
    L("Q5116", 14, None, TRAZ150, 1, unit="UN", charge=870.0, ptr=(1, 2)),
    L("Q5116", 1, ["JW"], TRAZ150, 1, unit="UN", charge=60.0, ptr=(1, 2)),
    L("J9267", 300, charge=150.0, ptr=(1, 2)),
    L("J1200", 1, charge=4.0), L("J1100", 20, charge=12.0),
    L("96413", 1, charge=350.0), L("96415", 3, charge=225.0), L("96417", 1, charge=160.0), L("96375", 2, charge=90.0),
], patient=pt("P-U237", "1947-01-01", kg=70.0, height=158), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ish": "amplified", "ish_ratio": 2.8, "copy_number": 6.4, "test_date": "2026-07-10",
                                      "fda_approved_test": True}},
              "lvef": [{"date": "2026-07-20", "percent": 59}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[a_(d, "trastuzumab-qyyp", 560, "08:40", 95, lot_number="Q23701", waste_mg=10,
                        vials=[{"ndc": TRAZ420, "count": 1}, {"ndc": TRAZ150, "count": 1}]),
                     a_(d, "paclitaxel", 300, "10:20", 180), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 20, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("237-trazimera-her2-by-ish-only-mbc-paclitaxel-medicare", "De novo MBC, Medicare: the pathology report gives HER2 "
    "by dual-probe ISH only (HER2/CEP17 ratio 2.8, 6.4 copies per cell, 'amplified'; no IHC done); Trazimera 8 mg/kg x "
    "70 kg = 560 mg (420 MDV + 14 units from a 150 SDV, 1 JW) over 95 min + paclitaxel 175 mg/m2 over 3 hours "
    "(96413 + 96417 + 96415 x3: one for the trastuzumab hour, two for paclitaxel's).",
    doc, "clean",
    basis="Trastuzumab label 1.2 (first-line MBC with paclitaxel; overexpression OR amplification); ASCO/CAP 2018 ISH "
    "group 1 (ratio >= 2.0 and >= 4.0 copies) is HER2-positive without IHC; CPT 96415 may follow a sequential 96417 "
    "infusion for its additional hours.")

# 238 IHC 2+ with ISH group 4 (ratio 1.6, 4.6 copies): HER2-negative
doc = redate(by("237-trazimera-her2-by-ish-only-mbc-paclitaxel-medicare"), "UNS-238", "P-U238", "2026-08-03", "2026-08-07")
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "2+", "ish": "not_amplified", "ish_ratio": 1.6, "copy_number": 4.6,
                                         "test_date": "2026-07-10", "fda_approved_test": True}
add("238-trazimera-ihc2-ish-group4-medicare", "The day of 237, but the report says IHC 2+ with dual-probe ISH ratio 1.6 "
    "and 4.6 HER2 copies per cell (ASCO/CAP group 4), concluded 'HER2 negative' after the second read.", doc, "denied",
    [(1, "50"), (2, "50"), (3, "50")],
    basis="ASCO/CAP 2018: group 4 (ratio < 2.0, 4.0-< 6.0 copies) is positive only with concurrent IHC 3+; with IHC 2+ "
    "it is HER2-negative (older payer text, ratio < 2 needs >= 6 copies, agrees) -> CO-50 on every Q5116 line.")

# 239 IHC 3+ with a non-amplified ISH on the same specimen: still positive (IHC 3+ suffices)
doc = redate(by("237-trazimera-her2-by-ish-only-mbc-paclitaxel-medicare"), "UNS-239", "P-U239", "2026-08-03", "2026-08-07")
doc["clinical"]["biomarkers"]["her2"] = {"ihc": "3+", "ish": "not_amplified", "ish_ratio": 1.7, "copy_number": 3.8,
                                         "test_date": "2026-07-10", "fda_approved_test": True}
add("239-trazimera-ihc3-with-ish-not-amplified-medicare", "The day of 237, but the report gives IHC 3+ and, on the same "
    "specimen, an ISH ratio of 1.7 with 3.8 copies (not amplified); the pathologist signs out 'HER2 positive (IHC 3+)'.",
    doc, "clean",
    basis="Trastuzumab label and payer policies: HER2 overexpression (IHC 3+) OR amplification qualifies; ASCO/CAP 2018 "
    "calls IHC 3+ positive (ISH group 5 with IHC 3+ is reported positive after review).", confidence="medium")

# 240 hospital outpatient 837I, three weekly Kanjinti + paclitaxel dates on one claim, Medicare
days = ["2026-02-02", "2026-02-09", "2026-02-16"]
lines = []
for x in days:
    lines += [L("Q5117", 14, charge=1500.0, rev="0636", service_date=x), L("J9267", 137, charge=95.0, rev="0636", service_date=x),
              {"revenue_code": "0250", "units": 2, "charge": 30.0, "service_date": x},
              L("96413", 1, charge=610.0, rev="0335", service_date=x), L("96417", 1, charge=280.0, rev="0335", service_date=x),
              L("96375", 2, charge=160.0, rev="0260", service_date=x)]
doc = claim("UNS-240", "medicare", days[0], "2026-02-27", ["C50.411", "Z17.410"], lines, form="institutional", tob="0131",
            entity="hospital_outpatient", patient=pt("P-U240", "1957-03-14", kg=70.0, height=163), coverage=MED,
            clinical=_ebc_clin(),
            administrations=[adm("2026-01-26", "trastuzumab-anns", 280), adm("2026-01-26", "paclitaxel", 137)] + [
                a for x in days for a in (a_(x, "trastuzumab-anns", 140, "09:00", 30, lot_number="K240" + x[-2:]),
                                          a_(x, "paclitaxel", 137, "09:35", 60))],
            documentation=DOC)
add("240-kanjinti-weekly-hopd-837i-three-dates-medicare", "Adjuvant TH after AC in a hospital outpatient department, "
    "Medicare, one 837I (TOB 0131) for weeks 2-4: on each of three dates Kanjinti 2 mg/kg (14 units, 420 mg MDV) and "
    "paclitaxel under 0636, packaged premedications on a 0250 line, 96413 + 96417 under 0335, pushes under 0260.", doc,
    "clean",
    basis="CMS Pub 100-04 ch.4 (OPPS): several dates of service on one outpatient claim, line item dates; trastuzumab "
    "label weekly schedule; JW/JZ not for multiple-dose vials.")

# 241 UHC commercial plan, new start on a PREFERRED product (Trazimera) with PA
d = "2026-03-23"
doc = claim("UNS-241", "uhc", d, "2026-03-27", ["C50.811", "Z17.420"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2)),
    L("Q5116", 10, None, TRAZ150, 1, unit="UN", charge=620.0, ptr=(1, 2)),
    L("Q5116", 5, ["JW"], TRAZ150, 1, unit="UN", charge=310.0, ptr=(1, 2)),
    L("J9306", 840, None, PERJ, 28, charge=9600.0, ptr=(1, 2)),
    L("J9171", 125, None, "00409-0201-02", 6.25, charge=230.0, ptr=(1, 2)),
    L("J9045", 60, None, "61703-0339-50", 60, charge=60.0, ptr=(1, 2)),
    L("96413", 1, charge=420.0), L("96417", 3, charge=570.0),
], pa="UHC-PA-241", patient=pt("P-U241", "1975-11-11", kg=65.0, height=168),
    coverage={"start_date": "2023-01-01", "plan_type": "commercial"},
    authorizations=[{"number": "UHC-PA-241", "codes": ["Q5116", "J9306"], "units": 4500, "status": "approved",
                     "start_date": "2026-03-15", "end_date": "2026-09-14"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "neoadjuvant", "stage": "IIIA", "tumor_size_cm": 4.1,
                         "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-03-02", "fda_approved_test": True},
                             "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-03-10", "percent": 64}], "ecog": 0, "prior_therapies": [],
              "concurrent_drugs": ["pertuzumab", "docetaxel", "carboplatin"]},
    administrations=[a_(d, "pertuzumab", 840, "08:30", 60, lot_number="P24101", waste_mg=0, vials=[{"ndc": PERJ, "count": 2}]),
                     a_(d, "trastuzumab-qyyp", 520, "09:35", 90, lot_number="Q24101", waste_mg=50,
                        vials=[{"ndc": TRAZ420, "count": 1}, {"ndc": TRAZ150, "count": 1}]),
                     a_(d, "docetaxel", 125, "11:10", 60), a_(d, "carboplatin", 600, "12:15", 45)],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("241-trazimera-perjeta-tchp-new-start-uhc-pa", "Neoadjuvant TCHP, UHC commercial, new start: Perjeta 840 mg + "
    "Trazimera (a UHC-preferred trastuzumab) 8 mg/kg x 65 kg = 520 mg, docetaxel, carboplatin AUC 6; PA approved for "
    "both codes.", doc, "clean",
    basis="UHC HER2 programme (2021-02-01): Trazimera + Perjeta is a preferred combination and Trazimera a preferred "
    "trastuzumab; Perjeta label neoadjuvant (> 2 cm or node-positive); the PA covers both codes and the date.")

# 242 Highmark: Herceptin continued for an established patient (not a new start) - the biosimilar policy does not apply
d = "2026-05-05"
doc = claim("UNS-242", "highmark", d, "2026-05-11", ["C50.412", "Z17.31"], [
    L("J9355", 42, None, HERC420, 1, unit="UN", charge=4100.0, ptr=(1, 2)),
    L("96413", 1, charge=420.0),
], pa="HM-PA-242", patient=pt("P-U242", "1968-12-12", kg=70.0, height=170), coverage=COM,
    authorizations=[{"number": "HM-PA-242", "codes": ["J9355"], "units": 1200, "status": "approved",
                     "start_date": "2026-01-01", "end_date": "2026-12-31"}],
    clinical=_ebc_clin(concurrent_drugs=[]),
    administrations=[adm(x, "Herceptin", 420) for x in ("2026-03-24", "2026-04-14")] + [
        a_(d, "Herceptin", 420, "09:00", 30, lot_number="HC24201", vials=[{"ndc": HERC420, "count": 1}])],
    documentation=DOC)
add("242-herceptin-established-patient-highmark-pa", "Adjuvant HER2+ breast cancer on Herceptin every 3 weeks since "
    "2025 (last dose 3 weeks ago), Highmark commercial with PA: Herceptin 6 mg/kg x 70 kg = 420 mg from the 420 mg MDV.",
    doc, "clean",
    basis="Highmark I-21-028: the preferred-biosimilar requirement applies to individuals INITIATING therapy (no use in "
    "the last 180 days); a patient continuing Herceptin is not a new start; PA on file.")


# ================================================================ Phesgo (J9316 = 10 mg combined) =======================
# 243 Phesgo loading + docetaxel, MBC first line, Medicare, metastasis coded first
d = "2026-02-17"
doc = claim("UNS-243", "medicare", d, "2026-02-23", ["C78.7", "C50.912", "Z17.420"], [
    L("J9316", 180, ["JZ"], PHESGO_L, 15, charge=13900.0, ptr=(1, 2, 3)),
    L("J9171", 130, charge=240.0, ptr=(1, 2)),
    L("J1100", 8, charge=8.0), L("J2405", 8, charge=6.0),
    L("96413", 1, charge=350.0), L("96401", 1, charge=90.0), L("96375", 2, charge=90.0),
], patient=pt("P-U243", "1953-03-03", kg=66.0, height=165), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-28", "fda_approved_test": True},
                             "er": "negative", "pr": "negative"},
              "lvef": [{"date": "2026-02-05", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[a_(d, "phesgo", None, "09:00", 8, route="SC", lot_number="PH24301", waste_mg=0,
                        components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}, vials=[{"ndc": PHESGO_L, "count": 1}]),
                     a_(d, "docetaxel", 130, "09:45", 60), adm(d, "dexamethasone", 8, route="IV"),
                     adm(d, "ondansetron", 8, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["administrations"][0]["route"] = "SC"
add("243-phesgo-loading-mbc-docetaxel-mets-first-medicare", "De novo HER2+ MBC, Medicare, cycle 1: Phesgo loading "
    "1200 mg/600 mg SC (J9316 180 units, one 15 mL single-dose vial, JZ, 96401) + docetaxel 75 mg/m2 (96413); the liver "
    "metastasis (C78.7) is listed first, the breast primary second.", doc, "clean",
    basis="Phesgo label (MBC with docetaxel; initial 1200/600 mg); J9316 per 10 mg combined = 180 units (VP-0553); CPT "
    "96401 for SC; ICD-10-CM I.C.2.b: when treatment is directed at the metastatic site the secondary neoplasm may be "
    "first-listed; both codes are on the line.")

# 244 Phesgo maintenance for a metastatic RECURRENCE coded with C79.51/C78.01 + Z85.3 (primary excised years ago)
d = "2026-04-14"
doc = claim("UNS-244", "medicare", d, "2026-04-20", ["C79.51", "C78.01", "Z85.3", "Z17.31"], [
    L("J9316", 120, ["JZ"], PHESGO_M, 10, charge=9300.0, ptr=(1, 2, 3, 4)),
    L("J9171", 130, charge=240.0, ptr=(1, 2, 3)),
    L("J1100", 8, charge=8.0), L("96413", 1, charge=350.0), L("96401", 1, charge=90.0), L("96375", 1, charge=45.0),
], patient=pt("P-U244", "1958-10-10", kg=64.0, height=162), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "recurrent", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-02-02", "fda_approved_test": True}},
              "lvef": [{"date": "2026-02-10", "percent": 60}], "ecog": 1,
              "prior_therapies": [{"drug": "trastuzumab", "setting": "adjuvant", "start_date": "2019-03-01",
                                   "end_date": "2020-02-20", "progressed": False, "stop_reason": "completed"},
                                  {"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2019-03-01",
                                   "end_date": "2019-05-20", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[adm("2026-03-03", "phesgo", None, route="SC", components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}),
                     adm("2026-03-24", "phesgo", None, route="SC", components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}),
                     adm("2026-03-03", "docetaxel", 130), adm("2026-03-24", "docetaxel", 130),
                     a_(d, "phesgo", None, "09:00", 5, route="SC", lot_number="PH24401", waste_mg=0,
                        components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}, vials=[{"ndc": PHESGO_M, "count": 1}]),
                     a_(d, "docetaxel", 130, "09:40", 60), adm(d, "dexamethasone", 8, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("244-phesgo-recurrence-coded-secondary-plus-z853-medicare", "Bone and lung recurrence of HER2+ breast cancer 6 "
    "years after mastectomy and adjuvant TH (completed 2020, > 12 months before recurrence), Medicare, Phesgo "
    "maintenance 600/600 mg + docetaxel, cycle 3: coded C79.51, C78.01, Z85.3 (no current breast primary), Z17.31.", doc,
    "clean",
    basis="ICD-10-CM I.C.2.d: a primary excised with no further treatment directed at that site and a metastatic "
    "recurrence is coded secondary site(s) + Z85.3; Phesgo label (MBC; no prior anti-HER2 therapy FOR METASTATIC "
    "disease - adjuvant trastuzumab is allowed, CLEOPATRA required a >= 12-month disease-free interval); J9316 600+600 "
    "mg = 120 units.")

# 245 switch from IV Perjeta + trastuzumab after a 7-week gap: Phesgo LOADING, commercial PA
d = "2026-09-08"
doc = claim("UNS-245", "commercial", d, "2026-09-14", ["C50.911", "C78.7", "Z17.31"], [
    L("J9316", 180, None, PHESGO_L, 15, charge=13900.0, ptr=(1, 2, 3)),
    L("96401", 1, charge=110.0, ptr=(1, 2)),
], pa="PA-P-245", patient=pt("P-U245", "1970-06-06", kg=62.0, height=164), coverage=COM,
    authorizations=[{"number": "PA-P-245", "codes": ["J9316"], "units": 1500, "status": "approved",
                     "start_date": "2026-09-01", "end_date": "2027-02-28"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-10-01", "fda_approved_test": True}},
              "lvef": [{"date": "2025-10-10", "percent": 61}, {"date": "2026-07-01", "percent": 58}], "ecog": 1,
              "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-10-20",
                                   "end_date": "2026-02-10", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": [],
              "response_assessments": [{"date": "2026-08-25", "status": "response", "method": "imaging"}]},
    administrations=[adm(x, "pertuzumab", 420) for x in ("2026-06-02", "2026-06-23", "2026-07-14")]
    + [adm(x, "trastuzumab-qyyp", 372) for x in ("2026-06-02", "2026-06-23", "2026-07-14")]
    + [a_(d, "phesgo", None, "09:00", 8, route="SC", lot_number="PH24501", waste_mg=0,
          components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}, vials=[{"ndc": PHESGO_L, "count": 1}])],
    documentation=DOC)
doc["administrations"][-1]["route"] = "SC"
add("245-phesgo-switch-after-7-week-gap-loading-commercial-pa", "HER2+ MBC maintenance on IV Perjeta + Trazimera, last "
    "dose 2026-07-14; after a 7-week break (travel) the patient switches to Phesgo on 2026-09-08 with the LOADING dose "
    "1200/600 mg (180 units), commercial with PA.", doc, "clean",
    basis="Phesgo label 2.x: patients switching from IV pertuzumab + trastuzumab with >= 6 weeks since the last dose get "
    "the initial (loading) dose; Aetna CPB 0977 PA for J9316 on file.")

# 246 Phesgo PA units used up (payer reports units_used)
d = "2026-06-30"
doc = claim("UNS-246", "commercial", d, "2026-07-06", ["C50.412", "Z17.420"], [
    L("J9316", 120, None, PHESGO_M, 10, charge=9300.0, ptr=(1, 2)),
    L("96401", 1, charge=110.0, ptr=(1,)),
], pa="PA-P-246", patient=pt("P-U246", "1980-01-20", kg=58.0, height=160), coverage=COM,
    authorizations=[{"number": "PA-P-246", "codes": ["J9316"], "units": 600, "units_used": 600, "status": "approved",
                     "start_date": "2026-03-01", "end_date": "2026-08-31"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIA", "tumor_size_cm": 1.8,
                         "node_positive": True},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-11-01", "fda_approved_test": True}},
              "lvef": [{"date": "2025-11-10", "percent": 64}, {"date": "2026-04-01", "percent": 60}], "ecog": 0,
              "prior_therapies": [{"drug": d_, "setting": "neoadjuvant", "start_date": "2025-12-01", "end_date": "2026-02-10",
                                   "progressed": False, "stop_reason": "completed"} for d_ in ("docetaxel", "carboplatin")],
              "concurrent_drugs": []},
    administrations=[adm("2025-12-01", "phesgo", None, route="SC", components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600})]
    + [adm(x, "phesgo", None, route="SC", components={"pertuzumab_mg": 600, "trastuzumab_mg": 600})
       for x in ("2025-12-22", "2026-01-12", "2026-02-02", "2026-03-16", "2026-04-06", "2026-04-27", "2026-05-18",
                 "2026-06-08")]
    + [a_(d, "phesgo", None, "09:00", 5, route="SC", lot_number="PH24601", waste_mg=0,
          components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}, vials=[{"ndc": PHESGO_M, "count": 1}])],
    documentation=DOC)
doc["administrations"][-1]["route"] = "SC"
add("246-phesgo-pa-units-used-up-commercial", "Adjuvant Phesgo maintenance after neoadjuvant TCH-P and surgery, "
    "commercial: the adjuvant PA approved 600 units (five maintenance doses) and the payer reports all 600 used; this "
    "sixth 120-unit dose is billed without an extension.", doc, "denied", [(1, "198")],
    basis="CARC 198 (authorization exceeded): units beyond the approved amount need an extension before the service "
    "(Aetna CPB 0977 precertification; payer's units-used report wins).")

# 247 Phesgo two dates on one 837I (HOPD, Medicare), Z51.11 first
days = ["2026-04-01", "2026-04-22"]
lines = []
for x in days:
    lines += [L("J9316", 120, ["JZ"], PHESGO_M, 10, charge=12100.0, rev="0636", service_date=x),
              L("96401", 1, charge=180.0, rev="0335", service_date=x)]
doc = claim("UNS-247", "medicare", days[0], "2026-05-04", ["Z51.11", "C50.911", "Z17.31"], lines, form="institutional",
            tob="0131", entity="hospital_outpatient", patient=pt("P-U247", "1946-04-04", kg=61.0, height=158), coverage=MED,
            clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
                      "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-06-01", "fda_approved_test": True}},
                      "lvef": [{"date": "2025-06-10", "percent": 60}, {"date": "2026-03-10", "percent": 57}], "ecog": 1,
                      "prior_therapies": [{"drug": "docetaxel", "setting": "metastatic", "line": 1, "start_date": "2025-07-01",
                                           "end_date": "2025-10-15", "progressed": False, "stop_reason": "completed"}],
                      "concurrent_drugs": []},
            administrations=[adm("2025-07-01", "phesgo", None, route="SC",
                                 components={"pertuzumab_mg": 1200, "trastuzumab_mg": 600}),
                             adm("2026-03-11", "phesgo", None, route="SC",
                                 components={"pertuzumab_mg": 600, "trastuzumab_mg": 600})]
            + [a_(x, "phesgo", None, "10:00", 5, route="SC", lot_number="PH247" + x[-2:], waste_mg=0,
                  components={"pertuzumab_mg": 600, "trastuzumab_mg": 600}, vials=[{"ndc": PHESGO_M, "count": 1}])
               for x in days],
            documentation=DOC)
for a in doc["administrations"]:
    a["route"] = "SC"
add("247-phesgo-hopd-837i-two-dates-z5111-first-medicare", "HER2+ MBC maintenance in a hospital outpatient "
    "department, Medicare, one 837I (TOB 0131) with two Phesgo dates three weeks apart: J9316 120 units JZ under 0636 "
    "and 96401 under 0335 on each; Z51.11 first-listed.", doc, "clean",
    basis="Phesgo label maintenance 600/600 mg q3w; OPPS line-item dates (Pub 100-04 ch.4); JZ for the whole single-dose "
    "vial; ICD-10-CM I.C.2.e.2 (Z51.11 first).")


# ================================================================ more everyday claims ===================================
# 248 replacement 837I (TOB 0137) of the three-date Kanjinti claim: one paclitaxel line's units corrected
days_ = ["2026-02-02", "2026-02-09", "2026-02-16"]
doc = redate(by("240-kanjinti-weekly-hopd-837i-three-dates-medicare"), "UNS-248", "P-U248", "2026-02-02", "2026-03-12")
for ln, x in zip(doc["claim"]["lines"], [d_ for d_ in days_ for _ in range(6)], strict=True):
    ln["service_date"] = x
doc["claim"]["type_of_bill"] = "0137"
doc["claim"]["frequency_code"] = "7"
doc["claim"]["original_claim_id"] = "UNS-248-ORIG"
doc["prior_claims"] = [{"id": "UNS-248-ORIG", "status": "paid", "frequency_code": "1", "provider_npi": b.NPI_BILL,
                        "lines": [{"code": c, "service_date": x, "units": u, "paid_units": u}
                                  for x in days_ for c, u in (("Q5117", 14), ("J9267", 13), ("96413", 1), ("96417", 1))]}]
add("248-kanjinti-hopd-replacement-0137-medicare", "The three-date hospital outpatient claim of 240 sent as a "
    "replacement (TOB 0137, frequency 7): the paid original billed paclitaxel as 13 units instead of 137 on each date.",
    doc, "clean",
    basis="CMS Pub 100-04 ch.1 s.130.1 / NUBC: TOB xx7 replaces a processed claim in full; its lines are not "
    "duplicates of the original's.")

# 249 NDC left off the Medicare professional claim (not required by Medicare Part B), JZ, everything else right
doc = redate(by("208-ramucirumab-hcc-afp-exactly-400-medicare"), "UNS-249", "P-U249", "2026-06-01", "2026-06-05")
ln = doc["claim"]["lines"]
doc["claim"]["lines"] = [L("J9308", 112, charge=8500.0, service_date="2026-06-01"),
                         L("J9308", 8, ["JW"], charge=610.0, service_date="2026-06-01")] + ln[3:]
renumber(doc)
add("249-ramucirumab-hcc-no-ndc-medicare", "The HCC day of 208 billed by a practice whose system does not send NDCs "
    "to Medicare: J9308 112 units + 8 JW units, no NDC on either line.", doc, "clean",
    basis="Medicare Part B professional claims do not require NDCs for separately payable drugs (NDCs are required by "
    "Medicaid and many commercial plans); CMS JW policy satisfied.", confidence="medium")

# 250 Trazimera every 3 weeks, weight not re-measured today (last weight 3 weeks ago), same dose
d = "2026-07-21"
doc = claim("UNS-250", "medicare", d, "2026-07-27", ["C50.911", "C79.51", "Z17.31"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U250", "1945-08-08", kg=70.0, height=160), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2024-11-01", "fda_approved_test": True}},
              "lvef": [{"date": "2024-11-10", "percent": 62}, {"date": "2026-05-01", "percent": 59}], "ecog": 2,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "metastatic", "line": 1, "start_date": "2024-12-01",
                                   "end_date": "2025-03-01", "progressed": False, "stop_reason": "toxicity"}],
              "concurrent_drugs": []},
    administrations=[adm(x, "trastuzumab-qyyp", 420) for x in ("2026-06-09", "2026-06-30")] + [
        a_(d, "trastuzumab-qyyp", 420, "09:00", 30, lot_number="Q25001", vials=[{"ndc": TRAZ420, "count": 1}])],
    documentation=DOC)
doc["patient"]["weight_date"] = "2026-06-30"
add("250-trazimera-maintenance-weight-from-last-visit-medicare", "HER2+ MBC on single-agent Trazimera every 3 weeks "
    "for 18 months (paclitaxel stopped for neuropathy), Medicare: 6 mg/kg on the weight recorded at the last visit (70 "
    "kg, 3 weeks old) = 420 mg from the 420 mg MDV, 42 units, no modifier.", doc, "clean",
    basis="Trastuzumab label 1.2/2.2 (MBC maintenance 6 mg/kg q3w until progression); a weight from the previous cycle "
    "is ordinary practice; multiple-dose vial (no JW/JZ).")

# 251 node metastasis (C77.3) listed first, adjuvant P + T + paclitaxel (APHINITY), Medicare
d = "2026-03-30"
doc = claim("UNS-251", "medicare", d, "2026-04-03", ["C77.3", "C50.811", "Z17.410"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0, ptr=(1, 2, 3)),
    L("Q5116", 39, None, TRAZ420, 1, unit="UN", charge=2400.0, ptr=(1, 2, 3)),
    L("J9267", 130, charge=70.0, ptr=(1, 2)),
    L("J1200", 1, charge=4.0), L("J1100", 10, charge=8.0),
    L("96413", 1, charge=350.0), L("96417", 2, charge=320.0), L("96375", 2, charge=90.0),
], patient=pt("P-U251", "1956-12-30", kg=65.0, height=163), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "adjuvant", "stage": "IIB", "tumor_size_cm": 1.9,
                         "node_positive": True},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "amplified", "ish_ratio": 2.3, "copy_number": 5.1,
                                      "test_date": "2025-11-20", "fda_approved_test": True}, "er": "positive", "pr": "positive"},
              "lvef": [{"date": "2025-12-01", "percent": 63}, {"date": "2026-03-02", "percent": 61}], "ecog": 0,
              "prior_therapies": [{"drug": d_, "setting": "adjuvant", "start_date": "2025-12-15", "end_date": "2026-02-16",
                                   "progressed": False, "stop_reason": "completed"} for d_ in ("doxorubicin", "cyclophosphamide")],
              "concurrent_drugs": ["trastuzumab-qyyp", "paclitaxel"]},
    administrations=[adm("2026-03-09", "pertuzumab", 840), adm("2026-03-09", "trastuzumab-qyyp", 520),
                     a_(d, "pertuzumab", 420, "09:00", 30, lot_number="P25101", waste_mg=0, vials=[{"ndc": PERJ, "count": 1}]),
                     a_(d, "trastuzumab-qyyp", 390, "10:00", 30, lot_number="Q25101"),
                     a_(d, "paclitaxel", 130, "10:35", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 10, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("251-pertuzumab-adjuvant-node-positive-c773-first-medicare", "Node-positive (axillary, C77.3 listed first) HER2+ "
    "(IHC 2+, ISH ratio 2.3 / 5.1 copies) early breast cancer after AC, Medicare, APHINITY cycle 2: Perjeta 420 mg JZ "
    "+ Trazimera 6 mg/kg x 65 kg = 390 mg (MDV) + weekly paclitaxel.", doc, "clean",
    basis="Perjeta label adjuvant (high risk; node-positive), cycle 2 after the 840 mg load 3 weeks earlier; ASCO/CAP "
    "2018 group 1 = positive; regional nodes of a breast primary coded C77.3 with C50.- (both on the lines, order not "
    "decisive for coverage).")

# 252 PA expired the day before the date of service (window 2025-08-23 .. 2026-02-22), commercial
doc = redate(by("210-ramucirumab-dose-rounded-down-to-vial-commercial-pa"), "UNS-252", "P-U252", "2026-02-23", "2026-02-27")
doc["authorizations"][0].update({"start_date": "2025-08-23", "end_date": "2026-02-22"})
add("252-ramucirumab-pa-expired-day-before-dos-commercial", "The RAINBOW day of 210, but the 6-month PA ran from "
    "2025-08-23 through 2026-02-22; the renewal was not requested and the dose was given on 2026-02-23.", doc, "denied",
    [(1, "197")],
    basis="An authorization covers services through its end date (round 1's 86); the day after, no authorization is in "
    "force -> CO-197 + N54 (some payers send CO-198 'authorization exceeded' for an expired window).",
    confidence="medium")


# ================================================================ round 2b: waste, units, NDC, eligibility, coding ========
# 253 ramucirumab 598 mg from a 600 mg vial set: 2 mg left is under one billing unit -> 120 units with JZ, no JW line
d = "2026-05-26"
doc = claim("UNS-253", "medicare", d, "2026-06-01", ["C16.3", "C78.6"], [
    L("J9308", 120, ["JZ"], CYR100, 60, charge=9100.0, ptr=(1, 2)),
    L("J9267", 150, charge=75.0, ptr=(1,)), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 1, charge=45.0),
], patient=pt("P-U253", "1950-10-01", sex="M", kg=74.8, height=178), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "ecog": 1, "prior_therapies": GASTRIC_PRIOR, "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-05-12", "ramucirumab", 598),
                     a_(d, "ramucirumab", 598, "09:00", 30, lot_number="R25301", waste_mg=2, vials=[{"ndc": CYR100, "count": 6}]),
                     a_(d, "paclitaxel", 150, "09:40", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
add("253-ramucirumab-waste-under-one-unit-jz-medicare", "RAINBOW, Medicare: 8 mg/kg x 74.8 kg = 598 mg from six 100 mg "
    "vials; 2 mg left in the last vial is discarded (documented). The 598 mg dose rounds up to 120 units (600 mg) on one "
    "line with JZ; no JW line.", doc, "clean",
    basis="Noridian (JD DME 'Modifier JZ', 2024) and CMS Pub 100-04 ch.17 s.40: when the billed units already equal the "
    "dose plus the discarded amount (waste under one billing unit), JW is not permitted; the single line carries JZ.")

# 254 Herceptin Hylecta billed in milligrams (600 units) instead of 10 mg units (60)
doc = redate(by("234-hylecta-adjuvant-single-agent-after-tch-medicare"), "UNS-254", "P-U254", "2026-06-01", "2026-06-05")
doc["claim"]["lines"][0]["units"] = 600
doc["documentation"] = rec(her2_report_in_record=True, lvef_report_in_record=True)
add("254-hylecta-units-billed-as-mg-medicare", "The Hylecta day of 234 (record complete), but J9356 billed as 600 units "
    "(the milligrams) instead of 60 units of 10 mg.", doc, "denied", [(1, "16"), (1, "96")],
    basis="J9356 is per 10 mg: 600 mg = 60 units; units ten times the documented dose and the single 600 mg vial are a "
    "billing error (CO-16; some contractors MUE CO-96/N362) - as round 1's Phesgo case 57. With the CMS MUE of J9356 "
    "(60 units, MAI 3, 2024-07-01 file) encoded, both are named.", confidence="medium")

# 255 commercial Trazimera line without its NDC
d = "2026-04-14"
doc = claim("UNS-255", "commercial", d, "2026-04-20", ["C50.911", "C78.7", "Z17.31"], [
    L("Q5116", 42, charge=2600.0, ptr=(1, 2, 3)),
    L("96413", 1, charge=420.0),
], pa="PA-T-255", patient=pt("P-U255", "1971-03-03", kg=70.0, height=165), coverage=COM,
    authorizations=[{"number": "PA-T-255", "codes": ["Q5116"], "units": 1000, "status": "approved",
                     "start_date": "2026-01-01", "end_date": "2026-06-30"}],
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-08-01", "fda_approved_test": True}},
              "lvef": [{"date": "2025-08-10", "percent": 61}, {"date": "2026-02-10", "percent": 59}], "ecog": 1,
              "prior_therapies": [{"drug": "paclitaxel", "setting": "metastatic", "line": 1, "start_date": "2025-09-01",
                                   "end_date": "2025-12-15", "progressed": False, "stop_reason": "completed"}],
              "concurrent_drugs": []},
    administrations=[adm(x, "trastuzumab-qyyp", 420) for x in ("2026-03-03", "2026-03-24")] + [
        a_(d, "trastuzumab-qyyp", 420, "09:00", 30, lot_number="Q25501", vials=[{"ndc": TRAZ420, "count": 1}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("255-trazimera-commercial-line-without-ndc", "HER2+ MBC maintenance on Trazimera, commercial with PA: the Q5116 line "
    "was sent without the NDC (the plan requires NDCs on drug lines).", doc, "denied", [(1, "16")],
    basis="Commercial NDC billing requirement (as round 1's case 39): a drug line without its NDC is rejected CO-16 + "
    "M119.")

# 256 PA issued to the hospital infusion centre, drug given and billed by the physician office
doc = redate(by("210-ramucirumab-dose-rounded-down-to-vial-commercial-pa"), "UNS-256", "P-U256", "2026-02-23", "2026-02-27")
doc["authorizations"][0]["provider_npi"] = "1104925431"
add("256-ramucirumab-pa-for-another-provider-commercial", "The RAINBOW day of 210, but the approved PA names the "
    "hospital infusion centre (another NPI) as the servicing provider; the dose was given and billed by the physician "
    "office.", doc, "denied", [(1, "197")],
    basis="Commercial precertification is issued to a servicing provider and site (Aetna/UHC PA letters); a claim from "
    "another provider has no authorization on file -> CO-197 (N54).", confidence="medium")

# 257 JW line billed, waste amount not stated in the administration record given to the auditor
doc = redate(by("227-ogivri-3-weekly-after-weekly-phase-medicare"), "UNS-257", "P-U257", "2026-04-27", "2026-05-04")
doc["administrations"][-1].pop("waste_mg")
doc["documentation"] = rec(her2_report_in_record=True, lvef_report_in_record=True)
add("257-ogivri-jw-line-waste-amount-not-stated-medicare", "The Ogivri day of 227 (record flags complete), with the JW "
    "line for 3 units, but the administration record handed to the auditor does not state the discarded amount (the "
    "field is absent, not zero).", doc, "clean",
    basis="Medicare pays JW lines as billed; the waste documentation is checked only on review (CMS JW policy). An "
    "absent field is 'not known' (FORMATS.md s.3), not proof that waste went undocumented.")

# 258 commercial coverage not yet effective on the date of service
doc = redate(by("255-trazimera-commercial-line-without-ndc"), "UNS-258", "P-U258", "2026-04-14", "2026-04-20")
doc["claim"]["lines"][0].update({"ndc": TRAZ420, "ndc_quantity": 1, "ndc_unit": "UN"})
doc["coverage"] = {"start_date": "2026-05-01", "plan_type": "commercial"}
add("258-trazimera-coverage-starts-after-dos-commercial", "The Trazimera day of 255 with its NDC, but the patient's new "
    "employer plan starts on 2026-05-01; the dose was given on 2026-04-14.", doc, "denied", [(None, "26")],
    basis="CARC 26 = expenses incurred prior to coverage: services before the coverage effective date are denied on "
    "every line (X12 CARC list; commercial eligibility).")

# 259 patient weight not in the document (the practice's export has none) - ramucirumab otherwise correct
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-259", "P-U259", "2026-03-17", "2026-03-24")
doc["patient"].pop("weight_kg")
add("259-ramucirumab-no-weight-in-document-medicare", "The RAINBOW day of 201, but the exported document has no patient "
    "weight (the EHR export omits vitals).", doc, "clean",
    basis="Medicare pays the billed units; the claim carries no weight and no payer edit needs one. An absent weight is "
    "'not known' (FORMATS.md s.3): a weight-based dose check cannot run, which is no reason to deny or to withhold a "
    "decision the payer would make.", confidence="medium")

# 260 Ontruzant HER2+ gastric first line with cisplatin + capecitabine, HER2 IHC 2+ / ISH amplified, Medicare
d = "2026-02-02"
doc = claim("UNS-260", "medicare", d, "2026-02-06", ["C16.4", "C78.7"], [
    L("Q5112", 60, None, ONTRU150, 4, unit="UN", charge=4200.0, ptr=(1, 2)),
    L("J9060", 16, charge=90.0, ptr=(1, 2)),
    L("J2405", 16, charge=8.0), L("J1100", 12, charge=9.0), L("J1453", 150, charge=160.0),
    L("96413", 1, charge=350.0), L("96415", 1, charge=75.0), L("96417", 1, charge=160.0), L("96367", 1, charge=70.0),
    L("96375", 2, charge=90.0),
], patient=pt("P-U260", "1956-05-15", sex="M", kg=75.0, height=177), coverage=MED,
    clinical={"cancer": {"primary_site": "stomach", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "2+", "ish": "amplified", "test_date": "2026-01-12", "fda_approved_test": True}},
              "lvef": [{"date": "2026-01-20", "percent": 63}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["cisplatin", "capecitabine"]},
    administrations=[a_(d, "trastuzumab-dttb", 600, "09:00", 95, lot_number="T26001", waste_mg=0,
                        vials=[{"ndc": ONTRU150, "count": 4}]),
                     a_(d, "fosaprepitant", 150, "10:40", 30), a_(d, "cisplatin", 152, "11:15", 60),
                     adm(d, "ondansetron", 16, route="IV"), adm(d, "dexamethasone", 12, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["claim"]["lines"][0]["modifiers"] = ["JZ"]
add("260-ontruzant-gastric-cisplatin-capecitabine-loading-medicare", "HER2+ (IHC 2+, ISH amplified) metastatic "
    "gastric adenocarcinoma, first line, Medicare: Ontruzant 8 mg/kg x 75 kg = 600 mg from four 150 mg single-dose "
    "vials (60 units, JZ) over 95 min, cisplatin 80 mg/m2, oral capecitabine, fosaprepitant.", doc, "clean",
    basis="Ontruzant label 1.3 (gastric/GEJ with cisplatin + capecitabine or 5-FU, no prior metastatic therapy; 8 mg/kg "
    "load over 90 min); HER2 by IHC 2+ with ISH amplification is positive (label: overexpression or amplification).")

# 261 adjuvant trastuzumab beyond one year (19th 3-weekly dose, week 55), Medicare
d = "2026-07-28"
hist = [_dt.date(2025, 6, 24) + _dt.timedelta(days=21 * i) for i in range(18)]
doc = claim("UNS-261", "medicare", d, "2026-08-03", ["C50.912", "Z17.31"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U261", "1952-02-02", kg=70.0, height=165), coverage=MED,
    clinical=_ebc_clin(concurrent_drugs=[], lvef=[{"date": "2025-06-10", "percent": 62}, {"date": "2026-06-01", "percent": 60}],
                       prior_therapies=[{"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2025-06-24",
                                         "end_date": "2025-09-09", "progressed": False, "stop_reason": "completed"}]),
    administrations=[adm(x.isoformat(), "trastuzumab-qyyp", 560 if i == 0 else 420) for i, x in enumerate(hist)] + [
        a_(d, "trastuzumab-qyyp", 420, "09:00", 30, lot_number="Q26101", vials=[{"ndc": TRAZ420, "count": 1}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("261-trazimera-adjuvant-beyond-one-year-medicare", "Adjuvant HER2+ breast cancer, Medicare: trastuzumab started "
    "2025-06-24; 18 doses given every 3 weeks (to week 52); a 19th dose on 2026-07-28 (week 57) with no recurrence and "
    "no documented reason.", doc, "denied", [(1, "50")],
    basis="Trastuzumab label 2.2: adjuvant therapy for a total of 52 weeks; 'extending adjuvant treatment beyond one "
    "year is not recommended'; a dose beyond the labelled course is not reasonable and necessary (CO-50), as round 1's "
    "pertuzumab 19th cycle (06).", confidence="medium")

# 262 two initial infusion codes (96413 x2 lines) on one day without 59/XS
doc = redate(by("201-ramucirumab-gastric-paclitaxel-medicare"), "UNS-262", "P-U262", "2026-03-17", "2026-03-24")
for ln in doc["claim"]["lines"]:
    if ln["code"] == "96417":
        ln["code"] = "96413"
        ln["charge"] = 350.0
add("262-two-initial-chemo-infusions-no-59-medicare", "The RAINBOW day of 201, but paclitaxel's infusion is billed as "
    "a second 96413 (line 7) instead of 96417, one IV site, no modifier 59/XS.", doc, "denied", [(7, "18")],
    basis="CPT / NCCI ch. XI: one initial service per encounter unless a separate IV site is needed (59/XS); the second "
    "drug is 96417, so the second 96413 line is denied. First written as the MUE denial CO-96 + N362; the KB's OA-18 "
    "(the line is identical to line 6: same code, date, units, no modifier - Medicare's duplicate-line edit) is within "
    "policy.", confidence="medium")


# ================================================================ round 2c: more everyday claims =========================
# 263 THP cycle 6 after docetaxel was stopped at cycle 4 (the MAR shows the 4 docetaxel doses), every line pointing only
#     to the primary code (ordinary sloppiness), Medicare
d = "2026-05-05"
doc = claim("UNS-263", "medicare", d, "2026-05-11", ["C50.912", "C78.7", "Z17.31"], [
    L("J9306", 420, ["JZ"], PERJ, 14, charge=4800.0),
    L("Q5116", 39, None, TRAZ420, 1, unit="UN", charge=2400.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0),
], patient=pt("P-U263", "1961-01-31", kg=65.0, height=160), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-01-05", "fda_approved_test": True}},
              "lvef": [{"date": "2026-01-12", "percent": 63}, {"date": "2026-04-06", "percent": 60}], "ecog": 1,
              "prior_therapies": [], "concurrent_drugs": ["trastuzumab-qyyp"],
              "response_assessments": [{"date": "2026-04-28", "status": "response", "method": "imaging"}]},
    administrations=[adm("2026-01-20", "pertuzumab", 840), adm("2026-01-20", "trastuzumab-qyyp", 520)]
    + [adm(x, "pertuzumab", 420) for x in ("2026-02-10", "2026-03-03", "2026-03-24", "2026-04-14")]
    + [adm(x, "trastuzumab-qyyp", 390) for x in ("2026-02-10", "2026-03-03", "2026-03-24", "2026-04-14")]
    + [adm(x, "docetaxel", 120) for x in ("2026-01-20", "2026-02-10", "2026-03-03", "2026-03-24")]
    + [a_(d, "pertuzumab", 420, "09:00", 30, lot_number="P26301", waste_mg=0, vials=[{"ndc": PERJ, "count": 1}]),
       a_(d, "trastuzumab-qyyp", 390, "10:00", 30, lot_number="Q26301")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("263-thp-cycle-6-after-docetaxel-stopped-pointers-to-primary-medicare", "HER2+ MBC, Medicare, THP cycle 6: docetaxel "
    "was given with P+T in cycles 1-4 (the administration record lists the four doses) and then stopped (neuropathy, in "
    "the notes); Perjeta 420 mg JZ + Trazimera 6 mg/kg x 65 kg = 390 mg (MDV) continue, response on imaging. The "
    "biller's system points every line at diagnosis 1 only (C50.912).", doc, "clean",
    basis="Perjeta label MBC: with trastuzumab and docetaxel, P+T continued until progression or unmanageable toxicity; "
    "CLEOPATRA allowed fewer than 6 docetaxel cycles for toxicity; the regimen was started with a taxane (4 docetaxel "
    "doses on record). A line's first pointer (the breast primary) supports every drug.", confidence="medium")

# 264 RAINBOW after trastuzumab-containing first line for HER2+ gastric cancer, Medicare
d = "2026-04-20"
doc = claim("UNS-264", "medicare", d, "2026-04-24", ["C16.0", "C78.7"], [
    L("J9308", 100, None, CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 28, None, CYR100, 14, charge=2130.0, ptr=(1, 2)),
    L("J9308", 12, ["JW"], CYR100, 6, charge=910.0, ptr=(1, 2)),
    L("J9267", 160, charge=80.0, ptr=(1,)), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 1, charge=45.0),
], patient=pt("P-U264", "1959-09-19", sex="M", kg=80.0, height=181), coverage=MED,
    clinical={"cancer": {"primary_site": "gastroesophageal_junction", "setting": "metastatic", "stage": "IVB",
                         "histology": "adenocarcinoma"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2025-03-01", "fda_approved_test": True}}, "ecog": 1,
              "prior_therapies": [{"drug": x, "setting": "metastatic", "line": 1, "start_date": "2025-03-20",
                                   "end_date": "2026-03-30", "progressed": True, "stop_reason": "progression"}
                                  for x in ("trastuzumab", "oxaliplatin", "capecitabine", "pembrolizumab")],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[a_(d, "ramucirumab", 640, "09:00", 60, lot_number="R26401", waste_mg=60,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 2}]),
                     a_(d, "paclitaxel", 160, "10:10", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=DOC)
add("264-ramucirumab-her2-positive-gastric-after-trastuzumab-medicare", "HER2+ GEJ adenocarcinoma that progressed on "
    "first-line trastuzumab + CAPOX + pembrolizumab, Medicare, RAINBOW cycle 1 day 1: ramucirumab 8 mg/kg x 80 kg = 640 "
    "mg (100 + 28 units on two NDC lines, 12 JW) + paclitaxel.", doc, "clean",
    basis="Cyramza label 1.1 (progression on or after fluoropyrimidine- or platinum-containing chemotherapy; HER2 status "
    "does not matter; prior trastuzumab allowed - RAINBOW enrolled HER2+ patients after trastuzumab).")

# 265 REVEL for EGFR L858R NSCLC after osimertinib and platinum doublet, commercial PA
d = "2026-09-14"
doc = claim("UNS-265", "commercial", d, "2026-09-18", ["C34.11", "C79.31"], [
    L("J9308", 100, ["JZ"], CYR500, 50, charge=7600.0, ptr=(1, 2)),
    L("J9308", 20, ["JZ"], CYR100, 10, charge=1520.0, ptr=(1, 2)),
    L("J9171", 120, None, "00409-0201-02", 6, charge=230.0, ptr=(1,)),
    L("J1200", 1, None, "00641-0376-21", 0.5, charge=4.0, ptr=(1,)),
    L("J1100", 8, None, "63323-0165-01", 2, charge=8.0, ptr=(1,)),
    L("96413", 1, charge=420.0, ptr=(1,)), L("96417", 1, charge=190.0, ptr=(1,)), L("96375", 2, charge=110.0, ptr=(1,)),
], pa="PA-N-265", patient=pt("P-U265", "1966-06-30", kg=60.0, height=158), coverage=COM,
    authorizations=[{"number": "PA-N-265", "codes": ["J9308"], "units": 1200, "status": "approved",
                     "start_date": "2026-09-01", "end_date": "2027-02-28"}],
    clinical={"cancer": {"primary_site": "lung_nsclc", "setting": "metastatic", "stage": "IVB", "histology": "adenocarcinoma"},
              "biomarkers": {"egfr": "l858r", "alk": "negative"}, "ecog": 1,
              "prior_therapies": [{"drug": "osimertinib", "setting": "metastatic", "line": 1, "start_date": "2024-05-01",
                                   "end_date": "2026-02-01", "progressed": True, "stop_reason": "progression"}]
              + [{"drug": x, "setting": "metastatic", "line": 2, "start_date": "2026-02-15", "end_date": "2026-08-20",
                  "progressed": True, "stop_reason": "progression"} for x in ("carboplatin", "pemetrexed")],
              "concurrent_drugs": ["docetaxel"]},
    administrations=[a_(d, "ramucirumab", 600, "09:00", 60, lot_number="R26501", waste_mg=0,
                        vials=[{"ndc": CYR500, "count": 1}, {"ndc": CYR100, "count": 1}]),
                     a_(d, "docetaxel", 120, "10:10", 60), adm(d, "diphenhydramine", 50, route="IV"),
                     adm(d, "dexamethasone", 8, route="IV")],
    documentation=DOC)
add("265-ramucirumab-revel-egfr-after-osimertinib-commercial-pa", "EGFR L858R metastatic NSCLC after progression on "
    "osimertinib and then carboplatin/pemetrexed, commercial with PA: REVEL cycle 1, ramucirumab 10 mg/kg x 60 kg = 600 "
    "mg (100 + 20 units, JZ) + docetaxel 75 mg/m2.", doc, "clean",
    basis="Cyramza label 1.2: NSCLC progressing on or after platinum chemotherapy; EGFR/ALK-altered tumours must first "
    "have progressed on FDA-approved targeted therapy (osimertinib here); Aetna CPB 0883 (no prior docetaxel, ECOG 0-2).")

# 266 JZ appended to a multiple-dose-vial line (unneeded modifier), Medicare
doc = redate(by("250-trazimera-maintenance-weight-from-last-visit-medicare"), "UNS-266", "P-U266", "2026-07-21", "2026-07-27")
doc["claim"]["lines"][0]["modifiers"] = ["JZ"]
doc["documentation"] = rec(her2_report_in_record=True, lvef_report_in_record=True)
add("266-trazimera-mdv-line-with-unneeded-jz-medicare", "The Trazimera maintenance day of 250 (record complete), but "
    "the billing system appends JZ to every drug line, including this 420 mg multiple-dose-vial line.", doc, "clean",
    basis="CMS JW/JZ FAQ: the modifiers are not required for multiple-dose containers; JZ states that nothing was "
    "discarded, which is true; no Medicare edit denies a JZ line for a multiple-dose product (a JW on an MDV is the "
    "wrong-modifier case).", confidence="medium")

# 267 weekly trastuzumab one week late (14 days after the previous dose): maintenance, not re-load, Medicare
d = "2026-12-01"
doc = claim("UNS-267", "medicare", d, "2026-12-07", ["C50.911", "C78.01", "Z17.31"], [
    L("Q5114", 14, None, OGIVRI150, 1, unit="UN", charge=950.0, ptr=(1, 2, 3)),
    L("Q5114", 1, ["JW"], OGIVRI150, 1, unit="UN", charge=70.0, ptr=(1, 2, 3)),
    L("J9267", 130, charge=70.0, ptr=(1, 2)), L("J1200", 1, charge=4.0),
    L("96413", 1, charge=350.0), L("96417", 1, charge=160.0), L("96375", 1, charge=45.0),
], patient=pt("P-U267", "1949-11-11", kg=70.0, height=160), coverage=MED,
    clinical={"cancer": {"primary_site": "breast", "setting": "metastatic", "stage": "IV"},
              "biomarkers": {"her2": {"ihc": "3+", "test_date": "2026-09-15", "fda_approved_test": True}},
              "lvef": [{"date": "2026-09-25", "percent": 62}], "ecog": 1, "prior_therapies": [],
              "concurrent_drugs": ["paclitaxel"]},
    administrations=[adm("2026-10-06", "trastuzumab-dkst", 280)] + [
        adm(x, "trastuzumab-dkst", 140) for x in ("2026-10-13", "2026-10-20", "2026-10-27", "2026-11-03", "2026-11-10",
                                                  "2026-11-17")]
    + [a_(d, "trastuzumab-dkst", 140, "09:00", 30, lot_number="O26701", waste_mg=10, vials=[{"ndc": OGIVRI150, "count": 1}]),
       a_(d, "paclitaxel", 130, "09:35", 60), adm(d, "diphenhydramine", 50, route="IV")],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
add("267-ogivri-weekly-dose-one-week-late-medicare", "HER2+ MBC, weekly paclitaxel + Ogivri, Medicare: the dose due "
    "2026-11-24 was skipped for Thanksgiving week and given on 2026-12-01 (14 days after the previous dose, 7 days "
    "late); the usual 2 mg/kg (140 mg, 14 units + 1 JW from a 150 mg single-dose vial) is given, not a re-load.", doc, "clean",
    basis="Trastuzumab label 2.2: a dose missed by one week or less is given at the usual maintenance dose (weekly 2 "
    "mg/kg) as soon as possible; re-load only when more than one week late.")

# 268 adjuvant trastuzumab with LVEF 60 -> 52 % (8-point drop, still >= 50 %): continue, Medicare
d = "2026-05-12"
doc = claim("UNS-268", "medicare", d, "2026-05-18", ["C50.411", "Z17.410"], [
    L("Q5116", 42, None, TRAZ420, 1, unit="UN", charge=2600.0, ptr=(1, 2)),
    L("96413", 1, charge=350.0),
], patient=pt("P-U268", "1955-04-22", kg=70.0, height=165), coverage=MED,
    clinical=_ebc_clin(concurrent_drugs=[], lvef=[{"date": "2025-10-20", "percent": 60}, {"date": "2026-01-19", "percent": 57},
                                                  {"date": "2026-05-05", "percent": 52}]),
    administrations=[adm(x, "trastuzumab-qyyp", 420) for x in ("2026-03-31", "2026-04-21")] + [
        a_(d, "trastuzumab-qyyp", 420, "09:00", 30, lot_number="Q26801", vials=[{"ndc": TRAZ420, "count": 1}])],
    documentation=rec(her2_report_in_record=True, lvef_report_in_record=True))
doc["clinical"]["prior_therapies"].append({"drug": "paclitaxel", "setting": "adjuvant", "start_date": "2026-01-19",
                                           "end_date": "2026-04-06", "progressed": False, "stop_reason": "completed"})
add("268-trazimera-adjuvant-lvef-52-continue-medicare", "Adjuvant HER2+ breast cancer after AC -> TH, Medicare: the "
    "12-week echocardiogram shows LVEF 52 % (60 % at baseline, an 8-point drop, still within normal limits); Trazimera "
    "6 mg/kg continues every 3 weeks.", doc, "clean",
    basis="Trastuzumab label 2.5: withhold for >= 16 % absolute LVEF decrease from baseline, or LVEF below normal limits "
    "with >= 10 % decrease; an 8-point drop to 52 % meets neither -> continue.")

# 269 adjuvant trastuzumab given despite LVEF 60 -> 43 % (17-point drop), no justification, Medicare
doc = redate(by("268-trazimera-adjuvant-lvef-52-continue-medicare"), "UNS-269", "P-U269", "2026-05-12", "2026-05-18")
doc["clinical"]["lvef"][-1]["percent"] = 43
add("269-trazimera-adjuvant-lvef-43-given-anyway-medicare", "The day of 268, but the echocardiogram shows LVEF 43 % "
    "(17 points below baseline) and Trazimera was given with no documented cardiology clearance or justification.", doc,
    "denied", [(1, "50")],
    basis="Trastuzumab label 2.5 / boxed warning: withhold for at least 4 weeks for a >= 16 % absolute LVEF decrease "
    "(60 -> 43); a dose given during the required hold is not reasonable and necessary (CO-50).", confidence="medium")

# 270 UHC claim received 95 days after the date of service (90-day participating-provider limit)
doc = redate(by("241-trazimera-perjeta-tchp-new-start-uhc-pa"), "UNS-270", "P-U270", "2026-03-23", "2026-06-26")
add("270-uhc-claim-received-after-90-days", "The TCHP day of 241 on the UHC plan, but the claim reached UHC on "
    "2026-06-26, 95 days after the date of service (participating provider, 90-day filing limit).", doc, "denied",
    [(None, "29")],
    basis="UHC participating-provider timely filing: 90 days from the date of service (UHC administrative guide; "
    "sources disagree on 90/180, low-medium) -> CO-29 on every line.", confidence="medium")
