"""Claim-level fact families: the claim, patient, coverage, providers, clinical record and documentation.

Each function computes a few related facts from the normalised inputs (:class:`Context`);
its decorator declares every name it returns (type, meaning, inputs). Absent inputs give
``None`` ("not known"), never a value that would look like a pass or a "no".
"""

from __future__ import annotations

from denialkb.engine.facts.helpers import as_date
from denialkb.engine.facts.registry import claim_family, spec

SETTINGS = ("metastatic", "neoadjuvant", "adjuvant", "locally_advanced", "recurrent")
SITES = ("breast", "stomach", "gastroesophageal_junction", "esophagus", "lung_nsclc", "colorectal",
         "liver_hcc", "other")
PLAN_TYPES = ("medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other")
ENTITY_TYPES = ("physician_office", "hospital_outpatient", "critical_access_hospital", "rhc", "fqhc", "asc",
                "home_infusion")


def _bill_class(tob):
    """``0111`` / ``111`` -> ``011``: the leading zero, facility type and bill classification (the last digit is
    the claim frequency)."""
    if not tob:
        return None
    t = str(tob).zfill(4)
    return t[:3]


@claim_family(
    spec("claim.id", "str", "Claim id.", "claim.id"),
    spec("claim.form", "str", "professional or institutional.", "claim.form", ("professional", "institutional")),
    spec("claim.payer", "str", "Payer profile id.", "claim.payer"),
    spec("claim.received_date", "date", "Date the payer received the claim.", "claim.received_date"),
    spec("claim.place_of_service", "str", "CMS place-of-service code.", "claim.place_of_service"),
    spec("claim.type_of_bill", "str", "Type of bill (institutional).", "claim.type_of_bill"),
    spec("claim.type_of_bill_class", "str", "Type-of-bill class of an institutional claim: the type of bill "
         "without its frequency digit (0111 and 111 are both 011, hospital inpatient; 0771 is 077, FQHC); absent on a "
         "professional claim.",
         "computed from claim.type_of_bill", inputs=("claim.type_of_bill",)),
    spec("claim.prior_authorization", "str", "Authorization number reported on the claim.", "claim.prior_authorization"),
    spec("claim.diagnoses", "list", "ICD-10-CM codes, dotted (C50.911), primary first.", "claim.diagnoses"),
    spec("claim.primary_diagnosis", "str", "First diagnosis on the claim.", "claim.diagnoses[0]"),
    spec("claim.codes", "list", "Every code billed on the claim.", "claim.lines[*].code"),
    spec("claim.line_count", "int", "Number of lines.", "claim.lines"),
    spec("claim.first_service_date", "date", "Earliest line date of service.", "claim.lines[*].service_date"),
    spec("claim.in_force_date", "date", "Date whose rules and tables apply to claim-level rules: "
         "--as-of if given, else the first date of service.", "computed", inputs=("claim.lines[*].service_date",)),
)
def claim_basics(ctx, c):
    """The claim as billed."""
    cl = ctx.claim
    return {
        "claim.id": cl["id"],
        "claim.form": cl.get("form"),
        "claim.payer": cl["payer"],
        "claim.received_date": cl.get("received_date"),
        "claim.place_of_service": cl.get("place_of_service"),
        "claim.type_of_bill": cl.get("type_of_bill"),
        "claim.type_of_bill_class": _bill_class(cl.get("type_of_bill")),
        "claim.prior_authorization": cl.get("prior_authorization") or None,
        "claim.diagnoses": ctx.dx,
        "claim.primary_diagnosis": ctx.dx[0],
        "claim.codes": tuple(sorted({c for c in ctx.codes if c})),
        "claim.line_count": len(ctx.lines_in),
        "claim.first_service_date": ctx.first,
        "claim.in_force_date": ctx.as_of or ctx.first,
    }


@claim_family(
    spec("claim.format_version", "int", "Claim document format version (1 when the document does not say).",
         "format_version", inputs=("format_version",)),
    spec("claim.frequency_code", "str", "Claim frequency code (X12 CLM05-3): 1 original, 7 replacement, 8 void.",
         "claim.frequency_code"),
    spec("claim.original_claim_id", "str", "The claim a replacement (7) or void (8) refers to.",
         "claim.original_claim_id"),
    spec("claim.is_void", "bool", "The claim voids an earlier claim (frequency 8); absent when not stated.",
         "claim.frequency_code"),
    spec("claim.is_replacement", "bool", "The claim replaces an earlier claim (frequency 7); absent when not stated.",
         "claim.frequency_code"),
)
def claim_frequency(ctx, c):
    """Format version and claim frequency (original, replacement, void)."""
    cl = ctx.claim
    freq = cl.get("frequency_code")
    return {
        "claim.format_version": ctx.data.get("format_version", 1),
        "claim.frequency_code": freq,
        "claim.original_claim_id": cl.get("original_claim_id"),
        "claim.is_void": (freq == "8") if freq else None,
        "claim.is_replacement": (freq == "7") if freq else None,
    }


@claim_family(
    spec("patient.id", "str", "Patient id.", "patient.id"),
    spec("patient.birth_date", "date", "Birth date.", "patient.birth_date"),
    spec("patient.sex", "str", "F, M or U.", "patient.sex", ("F", "M", "U")),
    spec("patient.weight_kg", "num", "Weight in kg.", "patient.weight_kg"),
    spec("patient.pregnant", "bool", "Pregnancy status; absent = unknown.", "patient.pregnant"),
    spec("patient.age", "int", "Age in whole years on the first date of service.", "computed from patient.birth_date",
         inputs=("patient.birth_date",)),
    spec("patient.height_cm", "num", "Height in cm.", "patient.height_cm"),
    spec("patient.weight_date", "date", "When the weight was measured.", "patient.weight_date"),
    spec("patient.bsa_m2", "num", "Body surface area (Mosteller), m2, rounded to 0.01.",
         "computed from patient.height_cm, patient.weight_kg", inputs=("patient.height_cm", "patient.weight_kg")),
)
def patient(ctx, c):
    """The patient."""
    pt = ctx.pt
    out = {k: pt.get(k.split(".", 1)[1]) for k in
           ("patient.id", "patient.birth_date", "patient.sex", "patient.weight_kg", "patient.pregnant",
            "patient.height_cm", "patient.weight_date")}
    if pt.get("birth_date"):
        b, f = as_date(pt["birth_date"]), as_date(ctx.first)
        out["patient.age"] = f.year - b.year - ((f.month, f.day) < (b.month, b.day))
    else:
        out["patient.age"] = None
    h, w = pt.get("height_cm"), pt.get("weight_kg")
    out["patient.bsa_m2"] = round(((h * w) / 3600) ** 0.5, 2) if (h and w) else None
    return out


@claim_family(
    spec("coverage.start_date", "date", "Eligibility start.", "coverage.start_date"),
    spec("coverage.end_date", "date", "Eligibility end (absent = still covered).", "coverage.end_date"),
    spec("coverage.on_file", "bool", "The document has a coverage section.", "coverage"),
    spec("coverage.plan_type", "str", "Plan type.", "coverage.plan_type", PLAN_TYPES),
    spec("coverage.other_coverage_primary", "bool", "Another coverage is primary (coordination of benefits / MSP); "
         "absent when other coverage is not stated.", "coverage.other_coverage"),
)
def coverage(ctx, c):
    """Eligibility with this payer, and other coverage."""
    cov = ctx.cov or {}
    other = cov.get("other_coverage")
    return {
        "coverage.on_file": ctx.cov is not None,
        "coverage.start_date": cov.get("start_date"),
        "coverage.end_date": cov.get("end_date"),
        "coverage.plan_type": cov.get("plan_type"),
        "coverage.other_coverage_primary": any(o.get("primary") is True for o in other) if other is not None else None,
    }


#: provider roles of a claim document (attending: an institutional claim's 837I 2310A)
PROVIDER_ROLES = ("billing", "rendering", "attending", "ordering")


def _provider_specs():
    out = []
    for role in PROVIDER_ROLES:
        out.append(spec(f"providers.{role}.npi", "str", f"NPI of the {role} provider.", f"providers.{role}.npi"))
        out.append(spec(f"providers.{role}.taxonomy", "str", f"NUCC taxonomy of the {role} provider "
                        "(207RX0202X medical oncology, 207RH0003X hematology & oncology).", f"providers.{role}.taxonomy"))
    out.append(spec("providers.billing.entity_type", "str", "Kind of billing entity.", "providers.billing.entity_type",
                    ENTITY_TYPES))
    out.append(spec("providers.billing.program_340b", "bool", "The billing entity is a 340B covered entity.",
                    "providers.billing.program_340b"))
    return out


@claim_family(*_provider_specs())
def providers(ctx, c):
    """Billing, rendering, attending and ordering providers."""
    pv = ctx.data.get("providers") or {}
    out = {}
    for role in PROVIDER_ROLES:
        p = pv.get(role) or {}
        out[f"providers.{role}.npi"] = p.get("npi")
        out[f"providers.{role}.taxonomy"] = p.get("taxonomy")
    b = pv.get("billing") or {}
    out["providers.billing.entity_type"] = b.get("entity_type")
    out["providers.billing.program_340b"] = b.get("program_340b")
    return out


@claim_family(
    spec("clinical.on_file", "bool", "The document has a clinical section (true), or not (absent: the clinical record "
         "is not known, e.g. a claim read from an 837 alone). Within a clinical section an absent item means the "
         "record holds none (no HER2 result, no LVEF).", "clinical"),
    spec("clinical.biomarkers.her2.reported", "bool", "The clinical record holds a HER2 result (an IHC score, an ISH "
         "result or ISH numbers): false when the clinical section has none, absent when there is no clinical section.", "clinical.biomarkers.her2",
         inputs=("clinical", "clinical.biomarkers.her2")),
    spec("clinical.lvef.recorded", "int", "Number of LVEF measurements in the clinical record: 0 when the clinical "
         "section has none, absent when there is no clinical section.", "clinical.lvef", inputs=("clinical",)),
    spec("clinical.response_assessments.recorded", "int", "Number of response assessments in the clinical record: 0 "
         "when the clinical section has none, absent when there is no clinical section.",
         "clinical.response_assessments", inputs=("clinical",)),
)
def clinical_record(ctx, c):
    """Whether the clinical record is part of the document, and what it holds (absent is not "none")."""
    if "clinical" not in ctx.data:
        return {"clinical.on_file": None, "clinical.biomarkers.her2.reported": None, "clinical.lvef.recorded": None,
                "clinical.response_assessments.recorded": None}
    clin = ctx.clin
    return {"clinical.on_file": True,
            # a HER2 entry with no IHC score, no ISH result and no ISH numbers (only a date or a test flag) holds no
            # result: "not documented", not "negative" (metamorph MM-F3)
            "clinical.biomarkers.her2.reported": any(k in ((clin.get("biomarkers") or {}).get("her2") or {})
                                                     for k in ("ihc", "ish", "ish_ratio", "copy_number")),
            "clinical.lvef.recorded": len(clin.get("lvef", [])),
            "clinical.response_assessments.recorded": len(clin.get("response_assessments", []))}


@claim_family(
    spec("clinical.cancer.primary_site", "str", "Primary cancer site.", "clinical.cancer.primary_site", SITES),
    spec("clinical.cancer.setting", "str", "Treatment setting.", "clinical.cancer.setting", SETTINGS),
    spec("clinical.cancer.tumor_size_cm", "num", "Tumour size (cm).", "clinical.cancer.tumor_size_cm"),
    spec("clinical.cancer.node_positive", "bool", "Node-positive disease.", "clinical.cancer.node_positive"),
    spec("clinical.cancer.inflammatory", "bool", "Inflammatory breast cancer.", "clinical.cancer.inflammatory"),
    spec("clinical.cancer.high_risk", "bool", "Record states high risk of recurrence.", "clinical.cancer.high_risk"),
    spec("clinical.cancer.stage", "str", "AJCC stage group (e.g. IV, IIIA).", "clinical.cancer.stage"),
    spec("clinical.cancer.histology", "str", "Histology.", "clinical.cancer.histology",
         ("adenocarcinoma", "squamous", "other")),
)
def cancer(ctx, c):
    """The cancer being treated."""
    cancer = ctx.clin.get("cancer") or {}
    return {f"clinical.cancer.{k}": cancer.get(k) for k in
            ("primary_site", "setting", "tumor_size_cm", "node_positive", "inflammatory", "high_risk", "stage",
             "histology")}


@claim_family(
    spec("clinical.biomarkers.her2", "str", "Summary of the HER2 result (e.g. 'IHC 3+'); absent = no result.",
         "clinical.biomarkers.her2"),
    spec("clinical.biomarkers.her2.ihc", "str", "HER2 IHC score.", "clinical.biomarkers.her2.ihc", ("0", "1+", "2+", "3+")),
    spec("clinical.biomarkers.her2.ish", "str", "HER2 ISH result.", "clinical.biomarkers.her2.ish",
         ("amplified", "not_amplified")),
    spec("clinical.biomarkers.her2.test_date", "date", "HER2 test date.", "clinical.biomarkers.her2.test_date"),
    spec("clinical.biomarkers.her2.fda_approved_test", "bool", "HER2 test FDA-approved.",
         "clinical.biomarkers.her2.fda_approved_test"),
    spec("clinical.biomarkers.her2.ish_ratio", "num", "HER2/CEP17 ratio (ISH).", "clinical.biomarkers.her2.ish_ratio"),
    spec("clinical.biomarkers.her2.copy_number", "num", "Average HER2 copy number per cell (ISH).",
         "clinical.biomarkers.her2.copy_number"),
    spec("clinical.biomarkers.her2.specimen_date", "date", "Date the tested specimen was taken.",
         "clinical.biomarkers.her2.specimen_date"),
    spec("clinical.biomarkers.egfr", "str", "EGFR mutation.", "clinical.biomarkers.egfr",
         ("exon19_deletion", "l858r", "wild_type")),
    spec("clinical.biomarkers.afp_ng_ml", "num", "Alpha-fetoprotein (ng/mL).", "clinical.biomarkers.afp_ng_ml"),
    spec("clinical.biomarkers.er", "str", "Oestrogen receptor status.", "clinical.biomarkers.er", ("positive", "negative")),
    spec("clinical.biomarkers.pr", "str", "Progesterone receptor status.", "clinical.biomarkers.pr", ("positive", "negative")),
    spec("clinical.biomarkers.alk", "str", "ALK rearrangement (NSCLC).", "clinical.biomarkers.alk", ("positive", "negative")),
    spec("clinical.biomarkers.ras", "str", "RAS status (colorectal).", "clinical.biomarkers.ras", ("wild_type", "mutant")),
)
def biomarkers(ctx, c):
    """Biomarkers: HER2 (IHC, ISH, ratio, copy number), EGFR, AFP, ER/PR, ALK, RAS."""
    bio = ctx.clin.get("biomarkers") or {}
    her2 = bio.get("her2")
    out = {}
    if her2:
        parts = []
        if her2.get("ihc"):
            parts.append(f"IHC {her2['ihc']}")
        if her2.get("ish"):
            parts.append(f"ISH {her2['ish'].replace('_', ' ')}")
        nums = [f"ratio {her2['ish_ratio']:g}" if isinstance(her2.get("ish_ratio"), (int, float)) else None,
                f"{her2['copy_number']:g} copies per cell" if isinstance(her2.get("copy_number"), (int, float)) else None]
        if any(nums):
            parts.append("ISH " + ", ".join(x for x in nums if x))
        out["clinical.biomarkers.her2"] = ", ".join(parts) or "reported without a score"
    else:
        out["clinical.biomarkers.her2"] = None
    her2 = her2 or {}
    for k in ("ihc", "ish", "test_date", "fda_approved_test", "ish_ratio", "copy_number", "specimen_date"):
        out[f"clinical.biomarkers.her2.{k}"] = her2.get(k)
    for k in ("egfr", "afp_ng_ml", "er", "pr", "alk", "ras"):
        out[f"clinical.biomarkers.{k}"] = bio.get(k)
    return out


@claim_family(
    spec("clinical.lvef.count", "int", "Number of LVEF measurements (absent when none recorded).", "clinical.lvef"),
    spec("clinical.lvef.baseline_percent", "num", "First LVEF measurement (%).", "clinical.lvef[0].percent"),
    spec("clinical.lvef.baseline_date", "date", "Date of the first LVEF measurement.", "clinical.lvef[0].date"),
    spec("clinical.lvef.latest_percent", "num", "Latest LVEF measurement (%).", "clinical.lvef[-1].percent"),
    spec("clinical.lvef.latest_date", "date", "Date of the latest LVEF measurement.", "clinical.lvef[-1].date"),
    spec("clinical.lvef.drop_from_baseline", "num", "Baseline minus latest LVEF (points).", "computed from clinical.lvef",
         inputs=("clinical.lvef",)),
    spec("clinical.ecog", "int", "ECOG performance status.", "clinical.ecog"),
)
def lvef_and_ecog(ctx, c):
    """Left-ventricular ejection fraction history and performance status."""
    lvef = sorted(ctx.clin.get("lvef", []), key=lambda m: m["date"])
    return {
        "clinical.lvef.count": len(lvef) or None,
        "clinical.lvef.baseline_percent": lvef[0]["percent"] if lvef else None,
        "clinical.lvef.baseline_date": lvef[0]["date"] if lvef else None,
        "clinical.lvef.latest_percent": lvef[-1]["percent"] if lvef else None,
        "clinical.lvef.latest_date": lvef[-1]["date"] if lvef else None,
        "clinical.lvef.drop_from_baseline": (lvef[0]["percent"] - lvef[-1]["percent"]) if lvef else None,
        "clinical.ecog": ctx.clin.get("ecog"),
    }


def drug_classes(kb, drugs) -> tuple:
    """Sorted KB drug classes of ``drugs`` (a drug the KB does not model belongs to none)."""
    out = set()
    for dname in drugs:
        out.update(kb.drugs.get(dname, {}).get("classes", []))
    return tuple(sorted(out))


_PT = ("clinical.prior_therapies",)


@claim_family(
    spec("clinical.prior_therapy_drugs", "list", "Drugs of prior therapies (generic names).",
         "clinical.prior_therapies[*].drug"),
    spec("clinical.prior_therapy_classes", "list", "Drug classes of prior therapies.",
         "computed from clinical.prior_therapies", inputs=_PT),
    spec("clinical.prior_metastatic_drugs", "list", "Drugs given before for metastatic disease.",
         "clinical.prior_therapies[*]"),
    spec("clinical.prior_metastatic_classes", "list", "Drug classes given before for metastatic disease.",
         "computed from clinical.prior_therapies", inputs=_PT),
    spec("clinical.progressed_on_drugs", "list", "Prior drugs the disease progressed on.",
         "clinical.prior_therapies[*].progressed"),
    spec("clinical.progressed_on_classes", "list", "Drug classes the disease progressed on.",
         "computed from clinical.prior_therapies", inputs=_PT),
    spec("clinical.stopped_for_toxicity_drugs", "list", "Prior drugs stopped for toxicity (stop_reason).",
         "clinical.prior_therapies[*].stop_reason"),
    spec("clinical.prior_lines_of_therapy", "int", "Highest line of therapy recorded among prior therapies.",
         "clinical.prior_therapies[*].line"),
    spec("clinical.concurrent_drugs", "list", "Drugs given in the same regimen (generic names).",
         "clinical.concurrent_drugs"),
    spec("clinical.concurrent_drug_classes", "list", "Drug classes of the regimen.",
         "computed from clinical.concurrent_drugs", inputs=("clinical.concurrent_drugs",)),
)
def therapies(ctx, c):
    """Prior therapies and the current regimen, as drugs and drug classes."""
    kb, prior, clin = ctx.kb, ctx.prior, ctx.clin
    has_prior = "prior_therapies" in clin
    pdrugs = tuple(sorted({t["drug"] for t in prior}))
    met = tuple(sorted({t["drug"] for t in prior if t.get("setting") in ("metastatic", "recurrent")}))
    # stop_reason "progression" says the disease progressed as well as progressed: true does (as the clinical-gap
    # facts read it); a record that gives only the stop reason is not "no progression" (metamorph MM-F2)
    prog = tuple(sorted({t["drug"] for t in prior if t.get("progressed") or t.get("stop_reason") == "progression"}))
    tox = tuple(sorted({t["drug"] for t in prior if t.get("stop_reason") == "toxicity"}))
    lines = [t["line"] for t in prior if t.get("line")]
    has_conc = "concurrent_drugs" in clin
    conc = set(ctx.concurrent)
    return {
        "clinical.prior_therapy_drugs": pdrugs if has_prior else None,
        "clinical.prior_therapy_classes": drug_classes(kb, pdrugs) if has_prior else None,
        "clinical.prior_metastatic_drugs": met if has_prior else None,
        "clinical.prior_metastatic_classes": drug_classes(kb, met) if has_prior else None,
        "clinical.progressed_on_drugs": prog if has_prior else None,
        "clinical.progressed_on_classes": drug_classes(kb, prog) if has_prior else None,
        "clinical.stopped_for_toxicity_drugs": tox if has_prior else None,
        "clinical.prior_lines_of_therapy": max(lines) if lines else None,
        "clinical.concurrent_drugs": tuple(sorted(conc)) if has_conc else None,
        "clinical.concurrent_drug_classes": drug_classes(kb, conc) if has_conc else None,
    }


@claim_family(
    spec("clinical.response_assessment_count", "int", "Number of response assessments (absent when none).",
         "clinical.response_assessments"),
    spec("clinical.latest_response_status", "str", "Latest response status.", "clinical.response_assessments[-1].status",
         ("response", "stable", "progression")),
    spec("clinical.latest_response_date", "date", "Date of the latest response assessment.",
         "clinical.response_assessments[-1].date"),
    spec("clinical.latest_response_regimen", "list", "Drugs of the regimen the latest response assessment refers to.",
         "clinical.response_assessments[-1].regimen"),
)
def response(ctx, c):
    """Response assessments."""
    resp = sorted(ctx.clin.get("response_assessments", []), key=lambda r: r["date"])
    reg = resp[-1].get("regimen") if resp else None
    return {
        "clinical.response_assessment_count": len(resp) or None,
        "clinical.latest_response_status": resp[-1]["status"] if resp else None,
        "clinical.latest_response_date": resp[-1]["date"] if resp else None,
        "clinical.latest_response_regimen": tuple(sorted({ctx.kb.canonical_drug(x) or x.strip().lower() for x in reg}))
        if reg is not None else None,
    }


_DOC_FLAGS = ("physician_order", "adverse_reactions_documented", "guideline_cited", "medical_necessity_documented",
              "her2_report_in_record", "lvef_report_in_record", "step_therapy_exception")


@claim_family(
    spec("documentation.on_file", "bool", "The document has a documentation section (say nothing about the record "
         "itself: use documentation.record_available).", "documentation"),
    spec("documentation.record_available", "bool", "The medical record for the date of service is available: true "
         "when the documentation section is given, false only when records were requested and not received "
         "(documentation.records_request.received: false), absent otherwise.", "documentation",
         inputs=("documentation", "documentation.records_request.received")),
    spec("documentation.records_requested", "bool", "The payer asked for the records (ADR).",
         "documentation.records_request"),
    spec("documentation.records_received", "bool", "The document reports the records requested and received "
         "(documentation.records_request.received: true): the record was reviewed, so a documentation denial may "
         "rest on an item the document leaves out. False otherwise (no review is reported: an item left out is then "
         "not known, and no documentation denial rests on its absence).",
         "documentation.records_request.received"),
    spec("documentation.physician_order", "bool", "Signed physician order in the record.", "documentation.physician_order"),
    spec("documentation.drug", "drug", "Drug the record says was given (version-1 field; per-drug facts are line.*).",
         "documentation.drug", "drug"),
    spec("documentation.dose_mg", "num", "Documented dose (mg) (version-1 field).", "documentation.dose_mg"),
    spec("documentation.route", "str", "Documented route (version-1 field).", "documentation.route", ("IV", "SC")),
    spec("documentation.infusion_start", "datetime", "Infusion start (version-1 field).", "documentation.infusion_start"),
    spec("documentation.infusion_end", "datetime", "Infusion end (version-1 field).", "documentation.infusion_end"),
    spec("documentation.infusion_minutes", "num", "Infusion duration in minutes (version-1 fields).",
         "computed from documentation.infusion_*",
         inputs=("documentation.infusion_start", "documentation.infusion_end")),
    spec("documentation.lot_number", "str", "Drug lot number (version-1 field).", "documentation.lot_number"),
    spec("documentation.waste_mg", "num", "Documented amount discarded (mg) (version-1 field).", "documentation.waste_mg"),
    spec("documentation.adverse_reactions_documented", "bool", "Adverse reactions (or their absence) documented.",
         "documentation.adverse_reactions_documented"),
    spec("documentation.guideline_cited", "str", "Guideline cited (e.g. NCCN).", "documentation.guideline_cited"),
    spec("documentation.medical_necessity_documented", "bool", "Clinical rationale documented.",
         "documentation.medical_necessity_documented"),
    spec("documentation.her2_report_in_record", "bool", "HER2 pathology report in the record.",
         "documentation.her2_report_in_record"),
    spec("documentation.lvef_report_in_record", "bool", "LVEF report in the record.", "documentation.lvef_report_in_record"),
    spec("documentation.step_therapy_exception", "bool", "Payer approved a step-therapy exception.",
         "documentation.step_therapy_exception"),
    spec("documentation.clinical_justification_documented", "bool", "The record gives a reason to depart from a rule "
         "(documentation.clinical_justification).", "documentation.clinical_justification"),
)
def documentation(ctx, c):
    """What the medical record of the encounter holds (record-level; per-drug facts are line facts)."""
    from denialkb.engine.facts.helpers import minutes_between

    docu = ctx.docu
    rr = (docu or {}).get("records_request")
    received = (rr or {}).get("received")
    if received is False:
        available = False
    elif docu is not None:
        available = True
    else:
        available = None
    d = docu or {}
    out = {"documentation.on_file": docu is not None, "documentation.record_available": available,
           "documentation.records_requested": True if rr is not None else None,
           "documentation.records_received": received is True}
    for k in _DOC_FLAGS + ("dose_mg", "route", "infusion_start", "infusion_end", "lot_number", "waste_mg"):
        out[f"documentation.{k}"] = d.get(k)
    out["documentation.drug"] = ctx.doc_drug
    out["documentation.infusion_minutes"] = minutes_between(d.get("infusion_start"), d.get("infusion_end"))
    cj = d.get("clinical_justification")
    out["documentation.clinical_justification_documented"] = bool(cj and cj.strip()) if docu is not None else None
    return out


def _payer_dynamic(kb):
    from denialkb.engine.facts.registry import FactSpec

    out = []
    for key in sorted(kb.payer_setting_names()):
        vals = kb.setting_values(key)
        typ = value_type(vals[0]) if vals else "str"
        doc = "Payer setting (kb/payers)" + ("; false when a payer does not set it." if typ == "bool" else
                                             "; absent when a payer does not set it.")
        out.append(FactSpec(f"payer.{key}", typ, doc, "kb payer settings", inputs=(f"kb:payers.{key}",)))
    return out


def value_type(v) -> str:
    """The fact type of a KB value (bool, num, date or str)."""
    import re

    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return "date"
    return "str"


def payer_setting_defaults(kb) -> dict:
    """Default of each payer setting for payers that do not set it: false for yes/no settings."""
    cached = getattr(kb, "_payer_defaults", None)
    if cached is None:
        cached = {}
        for key in sorted(kb.payer_setting_names()):
            vals = kb.setting_values(key)
            cached[key] = False if vals and all(isinstance(v, bool) for v in vals) else None
        kb._payer_defaults = cached
    return cached


@claim_family(
    spec("payer.id", "str", "Payer profile id.", "kb payer profile", inputs=("claim.payer",)),
    spec("payer.name", "str", "Payer profile name.", "kb payer profile", inputs=("claim.payer",)),
    dynamic=_payer_dynamic,
)
def payer(ctx, c):
    """The payer profile and its settings (``payer.<setting>``)."""
    p = ctx.payer
    out = {"payer.id": p.id, "payer.name": p.name}
    # a payer profile is authoritative: a yes/no policy it does not set is off (false), not
    # unknown; other settings it does not set stay absent (rules guard them with `exists`)
    for k, default in payer_setting_defaults(ctx.kb).items():
        out[f"payer.{k}"] = p.setting(k, c["claim.in_force_date"], default)
    return out


_ICD_INPUTS = ("claim.diagnoses", "claim.lines[*].service_date", "kb:tables/code_sets.yaml")


@claim_family(
    spec("claim.diagnoses_not_in_code_set", "list",
         "Diagnosis codes the ICD-10-CM code set does not have (the simple-icd-10-cm release, plus codes the KB's "
         "icd10cm_dates table lists): invalid codes.", "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
    spec("claim.diagnoses_not_billable", "list",
         "Diagnosis codes of the code set that are headers with more specific codes below them (C50.9, C50.91): "
         "not billable.", "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
    spec("claim.diagnoses_not_valid_on_dos", "list",
         "Diagnosis codes that were not valid on a date of service of the claim (before the effective_from or after "
         "the effective_to the KB's icd10cm_dates table gives the code or an ancestor).",
         "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
    spec("claim.diagnoses_not_in_code_set_count", "int", "Number of claim.diagnoses_not_in_code_set.",
         "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
    spec("claim.diagnoses_not_billable_count", "int", "Number of claim.diagnoses_not_billable.",
         "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
    spec("claim.diagnoses_not_valid_on_dos_count", "int", "Number of claim.diagnoses_not_valid_on_dos.",
         "computed: ICD-10-CM code set", inputs=_ICD_INPUTS),
)
def diagnosis_validity(ctx, c):
    """Validity, billability and dates of the claim's diagnosis codes (engine/icd10.py)."""
    from denialkb.engine.icd10 import code_set

    cs = code_set()
    dated = ctx.kb.icd10cm_dates
    dates = sorted({str(ln["service_date"]) for ln in ctx.lines_in if ln.get("service_date")})
    unknown, header, off_date = [], [], []
    for code in dict.fromkeys(ctx.dx):
        bare = code.replace(".", "")
        # the KB's dated entries that apply: the code itself or an ancestor (Z17.3 for Z17.32)
        rows = [dated[k] for k in dated if bare.startswith(k.replace(".", ""))]
        in_release = cs.is_code(code)
        own = dated.get(code)
        if not in_release and own is None:
            unknown.append(code)
            continue
        if (not cs.is_billable(code)) if in_release else (own.get("billable") is False):
            header.append(code)
        for row in rows:
            lo, hi = row.get("effective_from"), row.get("effective_to")
            if any((lo and d < str(lo)) or (hi and d > str(hi)) for d in dates):
                off_date.append(code)
                break
    return {"claim.diagnoses_not_in_code_set": tuple(unknown),
            "claim.diagnoses_not_billable": tuple(header),
            "claim.diagnoses_not_valid_on_dos": tuple(off_date),
            "claim.diagnoses_not_in_code_set_count": len(unknown),
            "claim.diagnoses_not_billable_count": len(header),
            "claim.diagnoses_not_valid_on_dos_count": len(off_date)}
