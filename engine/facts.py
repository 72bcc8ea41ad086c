"""Claim facts: the documented fact names rules use, and the enrichment that computes them.

A validated claim document becomes one dict of claim-level facts and one dict per
claim line (``line.*`` names). Values are plain: strings, numbers, booleans, ISO date
strings, tuples for lists, and ``None`` for "absent" (never a default that would
look like a pass). Everything a rule author should not have to compute is computed
here, generically and driven by the KB tables (codes, drugs, products, payers), so
that a new drug, payer or threshold needs no Python change.

The catalog (:func:`fact_catalog`) documents every name; ``docs/facts.md`` is
generated from it (``denialkb facts``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from denialkb.engine.dated import dated_value, is_dated
from denialkb.engine.errors import ClaimInvalidError, Problem, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from denialkb.engine.claim import ClaimDocument
    from denialkb.engine.kb import KnowledgeBase


@dataclass(frozen=True)
class FactSpec:
    """What a fact name means. ``source`` is where in the claim document it comes from
    (``{i}`` = line index), or ``computed from ...`` for enriched facts."""

    name: str
    type: str  # str | num | int | bool | date | datetime | list | code | drug
    doc: str
    source: str = ""
    values: tuple | str | None = None


def _s(name, typ, doc, source="", values=None):
    return FactSpec(name, typ, doc, source, values)


SETTINGS = ("metastatic", "neoadjuvant", "adjuvant", "locally_advanced", "recurrent")
SITES = ("breast", "stomach", "gastroesophageal_junction", "esophagus", "lung_nsclc", "colorectal",
         "liver_hcc", "other")
AUTH_STATUSES = ("valid", "expired", "not_yet_valid", "other_code", "not_on_file", "none")

STATIC_FACTS = [
    # claim
    _s("claim.id", "str", "Claim id.", "claim.id"),
    _s("claim.form", "str", "professional or institutional.", "claim.form", ("professional", "institutional")),
    _s("claim.payer", "str", "Payer profile id.", "claim.payer"),
    _s("claim.received_date", "date", "Date the payer received the claim.", "claim.received_date"),
    _s("claim.place_of_service", "str", "CMS place-of-service code.", "claim.place_of_service"),
    _s("claim.type_of_bill", "str", "Type of bill (institutional).", "claim.type_of_bill"),
    _s("claim.prior_authorization", "str", "Authorization number reported on the claim.", "claim.prior_authorization"),
    _s("claim.diagnoses", "list", "ICD-10-CM codes, dotted (C50.911), primary first.", "claim.diagnoses"),
    _s("claim.primary_diagnosis", "str", "First diagnosis on the claim.", "claim.diagnoses[0]"),
    _s("claim.codes", "list", "Every code billed on the claim.", "claim.lines[*].code"),
    _s("claim.line_count", "int", "Number of lines.", "claim.lines"),
    _s("claim.first_service_date", "date", "Earliest line date of service.", "claim.lines[*].service_date"),
    _s("claim.in_force_date", "date", "Date whose rules and tables apply to claim-level rules: "
       "--as-of if given, else the first date of service.", "computed"),
    # patient
    _s("patient.id", "str", "Patient id.", "patient.id"),
    _s("patient.birth_date", "date", "Birth date.", "patient.birth_date"),
    _s("patient.sex", "str", "F, M or U.", "patient.sex", ("F", "M", "U")),
    _s("patient.weight_kg", "num", "Weight in kg.", "patient.weight_kg"),
    _s("patient.pregnant", "bool", "Pregnancy status; absent = unknown.", "patient.pregnant"),
    _s("patient.age", "int", "Age in whole years on the first date of service.", "computed from patient.birth_date"),
    # coverage
    _s("coverage.start_date", "date", "Eligibility start.", "coverage.start_date"),
    _s("coverage.end_date", "date", "Eligibility end (absent = still covered).", "coverage.end_date"),
    _s("coverage.on_file", "bool", "The document has a coverage section.", "coverage"),
    # clinical
    _s("clinical.cancer.primary_site", "str", "Primary cancer site.", "clinical.cancer.primary_site", SITES),
    _s("clinical.cancer.setting", "str", "Treatment setting.", "clinical.cancer.setting", SETTINGS),
    _s("clinical.cancer.tumor_size_cm", "num", "Tumour size (cm).", "clinical.cancer.tumor_size_cm"),
    _s("clinical.cancer.node_positive", "bool", "Node-positive disease.", "clinical.cancer.node_positive"),
    _s("clinical.cancer.inflammatory", "bool", "Inflammatory breast cancer.", "clinical.cancer.inflammatory"),
    _s("clinical.cancer.high_risk", "bool", "Record states high risk of recurrence.", "clinical.cancer.high_risk"),
    _s("clinical.biomarkers.her2", "str", "Summary of the HER2 result (e.g. 'IHC 3+'); absent = no result.",
       "clinical.biomarkers.her2"),
    _s("clinical.biomarkers.her2.ihc", "str", "HER2 IHC score.", "clinical.biomarkers.her2.ihc", ("0", "1+", "2+", "3+")),
    _s("clinical.biomarkers.her2.ish", "str", "HER2 ISH result.", "clinical.biomarkers.her2.ish", ("amplified", "not_amplified")),
    _s("clinical.biomarkers.her2.test_date", "date", "HER2 test date.", "clinical.biomarkers.her2.test_date"),
    _s("clinical.biomarkers.her2.fda_approved_test", "bool", "HER2 test FDA-approved.", "clinical.biomarkers.her2.fda_approved_test"),
    _s("clinical.biomarkers.egfr", "str", "EGFR mutation.", "clinical.biomarkers.egfr", ("exon19_deletion", "l858r", "wild_type")),
    _s("clinical.biomarkers.afp_ng_ml", "num", "Alpha-fetoprotein (ng/mL).", "clinical.biomarkers.afp_ng_ml"),
    _s("clinical.lvef.count", "int", "Number of LVEF measurements (absent when none recorded).", "clinical.lvef"),
    _s("clinical.lvef.baseline_percent", "num", "First LVEF measurement (%).", "clinical.lvef[0].percent"),
    _s("clinical.lvef.baseline_date", "date", "Date of the first LVEF measurement.", "clinical.lvef[0].date"),
    _s("clinical.lvef.latest_percent", "num", "Latest LVEF measurement (%).", "clinical.lvef[-1].percent"),
    _s("clinical.lvef.latest_date", "date", "Date of the latest LVEF measurement.", "clinical.lvef[-1].date"),
    _s("clinical.lvef.drop_from_baseline", "num", "Baseline minus latest LVEF (points).", "computed from clinical.lvef"),
    _s("clinical.ecog", "int", "ECOG performance status.", "clinical.ecog"),
    _s("clinical.prior_therapy_drugs", "list", "Drugs of prior therapies (generic names).", "clinical.prior_therapies[*].drug"),
    _s("clinical.prior_therapy_classes", "list", "Drug classes of prior therapies.", "computed from clinical.prior_therapies"),
    _s("clinical.prior_metastatic_drugs", "list", "Drugs given before for metastatic disease.", "clinical.prior_therapies[*]"),
    _s("clinical.prior_metastatic_classes", "list", "Drug classes given before for metastatic disease.", "computed from clinical.prior_therapies"),
    _s("clinical.progressed_on_drugs", "list", "Prior drugs the disease progressed on.", "clinical.prior_therapies[*].progressed"),
    _s("clinical.progressed_on_classes", "list", "Drug classes the disease progressed on.", "computed from clinical.prior_therapies"),
    _s("clinical.concurrent_drugs", "list", "Drugs given in the same regimen (generic names).", "clinical.concurrent_drugs"),
    _s("clinical.concurrent_drug_classes", "list", "Drug classes of the regimen.", "computed from clinical.concurrent_drugs"),
    _s("clinical.response_assessment_count", "int", "Number of response assessments (absent when none).", "clinical.response_assessments"),
    _s("clinical.latest_response_status", "str", "Latest response status.", "clinical.response_assessments[-1].status",
       ("response", "stable", "progression")),
    _s("clinical.latest_response_date", "date", "Date of the latest response assessment.", "clinical.response_assessments[-1].date"),
    # documentation
    _s("documentation.on_file", "bool", "The document has a documentation section.", "documentation"),
    _s("documentation.physician_order", "bool", "Signed physician order in the record.", "documentation.physician_order"),
    _s("documentation.drug", "drug", "Drug the record says was given (generic name).", "documentation.drug", "drug"),
    _s("documentation.dose_mg", "num", "Documented dose (mg).", "documentation.dose_mg"),
    _s("documentation.route", "str", "Documented route.", "documentation.route", ("IV", "SC")),
    _s("documentation.infusion_start", "datetime", "Infusion start.", "documentation.infusion_start"),
    _s("documentation.infusion_end", "datetime", "Infusion end.", "documentation.infusion_end"),
    _s("documentation.infusion_minutes", "num", "Infusion duration in minutes.", "computed from documentation.infusion_*"),
    _s("documentation.lot_number", "str", "Drug lot number.", "documentation.lot_number"),
    _s("documentation.waste_mg", "num", "Documented amount discarded (mg).", "documentation.waste_mg"),
    _s("documentation.adverse_reactions_documented", "bool", "Adverse reactions (or their absence) documented.",
       "documentation.adverse_reactions_documented"),
    _s("documentation.guideline_cited", "str", "Guideline cited (e.g. NCCN).", "documentation.guideline_cited"),
    _s("documentation.medical_necessity_documented", "bool", "Clinical rationale documented.",
       "documentation.medical_necessity_documented"),
    _s("documentation.her2_report_in_record", "bool", "HER2 pathology report in the record.", "documentation.her2_report_in_record"),
    _s("documentation.lvef_report_in_record", "bool", "LVEF report in the record.", "documentation.lvef_report_in_record"),
    _s("documentation.step_therapy_exception", "bool", "Payer approved a step-therapy exception.",
       "documentation.step_therapy_exception"),
    _s("payer.id", "str", "Payer profile id.", "kb payer profile"),
    _s("payer.name", "str", "Payer profile name.", "kb payer profile"),
    # line
    _s("line.number", "int", "Line number.", "claim.lines[{i}].number"),
    _s("line.code", "code", "Billed HCPCS/CPT code.", "claim.lines[{i}].code"),
    _s("line.modifiers", "list", "Modifiers on the line.", "claim.lines[{i}].modifiers"),
    _s("line.modifier_count", "int", "Number of modifiers.", "claim.lines[{i}].modifiers"),
    _s("line.has_jw", "bool", "Line carries JW.", "claim.lines[{i}].modifiers"),
    _s("line.has_jz", "bool", "Line carries JZ.", "claim.lines[{i}].modifiers"),
    _s("line.units", "num", "Billed units.", "claim.lines[{i}].units"),
    _s("line.service_date", "date", "Date of service.", "claim.lines[{i}].service_date"),
    _s("line.in_force_date", "date", "Date whose rules and tables apply: --as-of if given, else the date of service.", "computed"),
    _s("line.ndc", "str", "NDC as billed.", "claim.lines[{i}].ndc"),
    _s("line.ndc11", "str", "NDC normalised to 11 digits (5-4-2).", "computed from claim.lines[{i}].ndc"),
    _s("line.ndc_format_valid", "bool", "NDC has a valid 10- or 11-digit shape (absent when no NDC).", "claim.lines[{i}].ndc"),
    _s("line.ndc_known", "bool", "NDC is in the KB product table (absent when no NDC).", "computed from claim.lines[{i}].ndc"),
    _s("line.ndc_drug", "drug", "Drug the NDC belongs to.", "computed from claim.lines[{i}].ndc", "drug"),
    _s("line.ndc_product", "str", "Product name of the NDC.", "computed from claim.lines[{i}].ndc"),
    _s("line.ndc_quantity", "num", "NDC quantity.", "claim.lines[{i}].ndc_quantity"),
    _s("line.ndc_unit", "str", "NDC unit of measure.", "claim.lines[{i}].ndc_unit"),
    _s("line.charge", "num", "Line charge.", "claim.lines[{i}].charge"),
    _s("line.revenue_code", "str", "Revenue code.", "claim.lines[{i}].revenue_code"),
    _s("line.pointed_diagnoses", "list", "Diagnoses the line points to (all claim diagnoses when no pointers).",
       "claim.lines[{i}].diagnosis_pointers"),
    _s("line.code_known", "bool", "Code is in the KB HCPCS table.", "computed from claim.lines[{i}].code"),
    _s("line.code_kind", "str", "drug, administration or unlisted.", "kb hcpcs table", ("drug", "administration", "unlisted")),
    _s("line.code_drug", "drug", "Drug the billed code describes.", "kb hcpcs table", "drug"),
    _s("line.code_descriptor", "str", "Descriptor of the billed code.", "kb hcpcs table"),
    _s("line.billing_unit_mg", "num", "Milligrams per billing unit of the code.", "kb hcpcs table"),
    _s("line.code_setting", "str", "Setting the code is for: any, or hospital_outpatient (e.g. C-codes under OPPS).",
       "kb hcpcs table", ("any", "hospital_outpatient")),
    _s("line.drug_route", "str", "Route of the line's drug per the KB drug table (IV, SC, oral).", "kb drugs table",
       ("IV", "SC", "oral")),
    _s("line.days_since_response_assessment", "int",
       "Days from the latest response assessment on or before the date of service to that date.",
       "clinical.response_assessments[*].date"),
    _s("line.code_valid_on_dos", "bool", "Code is in force on the date of service (unknown dates count as in force).",
       "kb hcpcs table"),
    _s("line.drug", "drug", "Drug of the line: the documented drug when the code's drug is unknown, else the code's drug.",
       "computed", "drug"),
    _s("line.container", "str", "single_dose or multi_dose, from the NDC or the drug's products.", "kb products",
       ("single_dose", "multi_dose")),
    _s("line.dose_mg", "num", "Dose given on the date of service (administrations, else documentation).",
       "administrations / documentation.dose_mg"),
    _s("line.dose_units", "int", "Dose in billing units, rounded up.", "computed"),
    _s("line.dose_per_kg", "num", "Dose in mg per kg of weight.", "computed"),
    _s("line.documented_waste_mg", "num", "Documented waste of this line's drug (mg).", "documentation.waste_mg"),
    _s("line.documented_waste_units", "int", "Documented waste in billing units, rounded down "
       "(the administered units were rounded up).", "computed"),
    _s("line.vials_mg", "num", "Smallest total of single-dose vials that holds the dose (mg).", "computed from kb products"),
    _s("line.waste_possible", "bool", "Whole single-dose vials leave something to discard.", "computed from kb products"),
    _s("line.max_waste_units", "int", "Most units that may be billed as waste from those vials.", "computed"),
    _s("line.expected_units", "int", "Units the record supports: documented waste for a JW line, else the dose.", "computed"),
    _s("line.units_same_code_same_day", "num", "Units of this code on this date across the claim.", "computed"),
    _s("line.previous_dose_date", "date", "Previous administration of the drug.", "administrations"),
    _s("line.previous_dose_mg", "num", "Previous dose of the drug (mg).", "administrations"),
    _s("line.days_since_previous_dose", "int", "Days since the previous dose of the same drug.", "administrations"),
    _s("line.cycle_number", "int", "Ordinal of this dose among administrations of the drug.", "administrations"),
    _s("line.duplicate_in_claim", "bool", "An earlier line bills the same code, date, modifiers and NDC.", "computed"),
    _s("line.duplicate_of_prior_claim", "bool", "A prior claim bills the same code, date, units and modifiers.",
       "prior_claims"),
    _s("line.prior_auth_required", "bool", "Payer requires prior authorization for the code on the date.", "kb payer"),
    _s("line.auth_status", "str", "Authorization for this line: " + ", ".join(AUTH_STATUSES) + ".",
       "authorizations / claim.prior_authorization", AUTH_STATUSES),
    _s("line.auth_number", "str", "Number of the authorization covering the line.", "authorizations"),
    _s("line.auth_units_remaining", "num", "Approved units left before this line.", "authorizations / prior_claims"),
    _s("line.payer_unit_limit", "num", "Payer unit ceiling for the code in force on the date.", "kb payer unit_limits"),
    _s("line.payer_unit_limit_days", "int", "Window of the ceiling in days (1 = per date of service).", "kb payer unit_limits"),
    _s("line.units_in_limit_window", "num", "Units of the code billed within that window, this line included.",
       "prior_claims / claim.lines"),
    _s("line.step_preferred_drugs", "list", "Drugs the payer wants tried first for this code.", "kb payer step_therapy"),
    _s("line.filing_deadline", "date", "Last day to file under the payer's timely-filing limit.", "kb payer settings"),
    _s("line.coverage_active", "bool", "Member covered on the date of service (absent when no coverage section).",
       "coverage"),
    _s("line.same_day_codes", "list", "Codes on other lines with the same date of service.", "claim.lines"),
    _s("line.same_day_drugs", "list", "Drugs of the codes on other lines of the same date.", "claim.lines"),
]


def _payer_setting_defaults(kb: KnowledgeBase) -> dict:
    """Default of each payer setting for payers that do not set it: false for yes/no settings."""
    cached = getattr(kb, "_payer_defaults", None)
    if cached is None:
        cached = {}
        for key in sorted(kb.payer_setting_names()):
            vals = kb.setting_values(key)
            cached[key] = False if vals and all(isinstance(v, bool) for v in vals) else None
        kb._payer_defaults = cached
    return cached


def fact_catalog(kb: KnowledgeBase | None = None) -> dict[str, FactSpec]:
    """Every fact name a rule may use: the static ones plus payer settings
    (``payer.<setting>``) and drug dosing parameters (``line.dosing.<key>``) of ``kb``."""
    cat = {f.name: f for f in STATIC_FACTS}
    if kb is not None:
        for key in sorted(kb.payer_setting_names()):
            vals = kb.setting_values(key)
            typ = _value_type(vals[0]) if vals else "str"
            doc = "Payer setting (kb/payers)" + ("; false when a payer does not set it." if typ == "bool" else
                                                 "; absent when a payer does not set it.")
            cat[f"payer.{key}"] = FactSpec(f"payer.{key}", typ, doc, "kb payer settings")
        for key in sorted(kb.dosing_keys()):
            vals = kb.dosing_values(key)
            cat[f"line.dosing.{key}"] = FactSpec(f"line.dosing.{key}", _value_type(vals[0]),
                                                 "Dosing parameter of the line's drug (kb drugs table).", "kb drugs")
    return cat


def _value_type(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return "date"
    return "str"


# --------------------------------------------------------------------------- helpers

def normalize_ndc(ndc: str) -> str | None:
    """NDC to the 11-digit 5-4-2 form, or None when the shape is not a valid NDC.

    >>> normalize_ndc("50242-145-01"), normalize_ndc("0002-7669-01"), normalize_ndc("50242014501")
    ('50242014501', '00002766901', '50242014501')
    """
    s = str(ndc).strip()
    if "-" in s:
        parts = s.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        a, b, c = parts
        shape = (len(a), len(b), len(c))
        if shape == (4, 4, 2):
            a = "0" + a
        elif shape == (5, 3, 2):
            b = "0" + b
        elif shape == (5, 4, 1):
            c = "0" + c
        elif shape != (5, 4, 2):
            return None
        return a + b + c
    if s.isdigit() and len(s) == 11:
        return s
    return None  # 10 digits without hyphens is ambiguous (4-4-2, 5-3-2 or 5-4-1)


def normalize_icd(code: str) -> str:
    """ICD-10-CM code upper-cased with the dot after the third character."""
    c = str(code).strip().upper().replace(".", "")
    return c[:3] + "." + c[3:] if len(c) > 3 else c


def _d(s) -> _dt.date | None:
    return _dt.date.fromisoformat(s) if s else None


def _add_months(d: _dt.date, months: int) -> _dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    day = min(d.day, [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30,
                      31, 31, 30, 31, 30, 31][m - 1])
    return _dt.date(y, m, day)


def in_force(row: dict, date: str) -> bool:
    """True when ``row``'s effective_from/effective_to (unknown start = always) cover ``date``."""
    frm = row.get("effective_from")
    to = row.get("effective_to")
    if frm and frm != "unknown" and date < frm:
        return False
    if to and date > to:
        return False
    return True


def best_vials(dose: float, sizes: list[float]) -> float | None:
    """Smallest total of whole vials (any mix of ``sizes``) holding ``dose``; ties: fewer vials."""
    if not sizes or dose <= 0:
        return None
    sizes = sorted(set(sizes))
    best = None
    big = sizes[-1]
    max_big = int(math.ceil(dose / big)) + 1
    # enumerate counts of the largest size, fill the rest greedily-exactly with the smaller ones
    def rec(i, remaining, total, count):
        nonlocal best
        if remaining <= 0:
            cand = (total, count)
            if best is None or cand < best:
                best = cand
            return
        if i < 0:
            return
        s = sizes[i]
        limit = int(math.ceil(remaining / s))
        for n in range(limit, -1, -1):
            rec(i - 1, remaining - n * s, total + n * s, count + n)
    if len(sizes) > 4 or max_big > 200:  # keep it bounded for absurd doses
        n = int(math.ceil(dose / big))
        return n * big
    rec(len(sizes) - 1, dose, 0, 0)
    return best[0] if best else None


@dataclass
class ClaimFacts:
    """The enriched facts of one claim: claim-level dict, one dict per line, and where
    each input fact came from in the document."""

    claim: dict
    lines: list
    as_of: str | None = None
    notes: list = field(default_factory=list)


def enrich(doc: ClaimDocument, kb: KnowledgeBase, as_of: str | None = None) -> ClaimFacts:
    """Compute the facts of one validated claim document.

    Raises
    ------
    ClaimInvalidError
        When the document names an unknown payer or drug (with a "did you mean").
    """
    data = doc.data
    problems: list[Problem] = []
    file = doc.file
    marks = doc.marks

    def bad(path: tuple, msg: str, choices, expected: str):
        from denialkb.engine.validation import place_of
        from denialkb.engine.yamlio import Loaded

        line, col = Loaded(None, marks, file).mark(path) if marks else (0, 0)
        problems.append(Problem("claim_invalid", msg, file, line, col, place_of(path),
                                expected=expected, hint=did_you_mean(msg.split("'")[1], choices)))

    cl = data["claim"]
    payer = kb.payers.get(cl["payer"])
    if payer is None:
        bad(("claim", "payer"), f"unknown payer '{cl['payer']}'", kb.payers,
            "a payer profile id: " + ", ".join(sorted(kb.payers)))

    def drug(name, path):
        c = kb.canonical_drug(name)
        if c is None:
            bad(path, f"unknown drug name '{name}'", list(kb.aliases), "a generic or brand name the KB knows")
        return c

    clin = data.get("clinical") or {}
    docu = data.get("documentation")
    pt = data.get("patient") or {}
    prior = [dict(t, drug=drug(t["drug"], ("clinical", "prior_therapies", i, "drug")))
             for i, t in enumerate(clin.get("prior_therapies", []))]
    concurrent = [drug(x, ("clinical", "concurrent_drugs", i)) for i, x in enumerate(clin.get("concurrent_drugs", []))]
    admins = [dict(a, drug=drug(a["drug"], ("administrations", i, "drug")))
              for i, a in enumerate(data.get("administrations", []))]
    doc_drug = None
    if docu and docu.get("drug"):
        doc_drug = drug(docu["drug"], ("documentation", "drug"))
    if problems:
        raise ClaimInvalidError(problems)

    lines_in = cl["lines"]
    dates = sorted(ln["service_date"] for ln in lines_in)
    first = dates[0]
    c: dict = {}
    c["claim.id"] = cl["id"]
    c["claim.form"] = cl.get("form")
    c["claim.payer"] = cl["payer"]
    c["claim.received_date"] = cl.get("received_date")
    c["claim.place_of_service"] = cl.get("place_of_service")
    c["claim.type_of_bill"] = cl.get("type_of_bill")
    c["claim.prior_authorization"] = cl.get("prior_authorization") or None
    dx = tuple(normalize_icd(x) for x in cl["diagnoses"])
    c["claim.diagnoses"] = dx
    c["claim.primary_diagnosis"] = dx[0]
    c["claim.codes"] = tuple(sorted({ln["code"].upper() for ln in lines_in}))
    c["claim.line_count"] = len(lines_in)
    c["claim.first_service_date"] = first
    c["claim.in_force_date"] = as_of or first

    c["patient.id"] = pt.get("id")
    c["patient.birth_date"] = pt.get("birth_date")
    c["patient.sex"] = pt.get("sex")
    c["patient.weight_kg"] = pt.get("weight_kg")
    c["patient.pregnant"] = pt.get("pregnant")
    if pt.get("birth_date"):
        b, f = _d(pt["birth_date"]), _d(first)
        c["patient.age"] = f.year - b.year - ((f.month, f.day) < (b.month, b.day))
    else:
        c["patient.age"] = None

    cov = data.get("coverage")
    c["coverage.on_file"] = cov is not None
    c["coverage.start_date"] = (cov or {}).get("start_date")
    c["coverage.end_date"] = (cov or {}).get("end_date")

    cancer = clin.get("cancer") or {}
    for k in ("primary_site", "setting", "tumor_size_cm", "node_positive", "inflammatory", "high_risk"):
        c[f"clinical.cancer.{k}"] = cancer.get(k)
    bio = clin.get("biomarkers") or {}
    her2 = bio.get("her2")
    if her2:
        parts = []
        if her2.get("ihc"):
            parts.append(f"IHC {her2['ihc']}")
        if her2.get("ish"):
            parts.append(f"ISH {her2['ish'].replace('_', ' ')}")
        c["clinical.biomarkers.her2"] = ", ".join(parts) or "reported without a score"
    else:
        c["clinical.biomarkers.her2"] = None
    her2 = her2 or {}
    for k in ("ihc", "ish", "test_date", "fda_approved_test"):
        c[f"clinical.biomarkers.her2.{k}"] = her2.get(k)
    c["clinical.biomarkers.egfr"] = bio.get("egfr")
    c["clinical.biomarkers.afp_ng_ml"] = bio.get("afp_ng_ml")
    lvef = sorted(clin.get("lvef", []), key=lambda m: m["date"])
    c["clinical.lvef.count"] = len(lvef) or None
    c["clinical.lvef.baseline_percent"] = lvef[0]["percent"] if lvef else None
    c["clinical.lvef.baseline_date"] = lvef[0]["date"] if lvef else None
    c["clinical.lvef.latest_percent"] = lvef[-1]["percent"] if lvef else None
    c["clinical.lvef.latest_date"] = lvef[-1]["date"] if lvef else None
    c["clinical.lvef.drop_from_baseline"] = (lvef[0]["percent"] - lvef[-1]["percent"]) if lvef else None
    c["clinical.ecog"] = clin.get("ecog")

    def classes(drugs):
        out = set()
        for dname in drugs:
            out.update(kb.drugs.get(dname, {}).get("classes", []))
        return tuple(sorted(out))

    has_prior = "prior_therapies" in clin
    pdrugs = tuple(sorted({t["drug"] for t in prior}))
    met = tuple(sorted({t["drug"] for t in prior if t.get("setting") in ("metastatic", "recurrent")}))
    prog = tuple(sorted({t["drug"] for t in prior if t.get("progressed")}))
    c["clinical.prior_therapy_drugs"] = pdrugs if has_prior else None
    c["clinical.prior_therapy_classes"] = classes(pdrugs) if has_prior else None
    c["clinical.prior_metastatic_drugs"] = met if has_prior else None
    c["clinical.prior_metastatic_classes"] = classes(met) if has_prior else None
    c["clinical.progressed_on_drugs"] = prog if has_prior else None
    c["clinical.progressed_on_classes"] = classes(prog) if has_prior else None
    has_conc = "concurrent_drugs" in clin
    c["clinical.concurrent_drugs"] = tuple(sorted(set(concurrent))) if has_conc else None
    c["clinical.concurrent_drug_classes"] = classes(set(concurrent)) if has_conc else None
    resp = sorted(clin.get("response_assessments", []), key=lambda r: r["date"])
    c["clinical.response_assessment_count"] = len(resp) or None
    c["clinical.latest_response_status"] = resp[-1]["status"] if resp else None
    c["clinical.latest_response_date"] = resp[-1]["date"] if resp else None

    c["documentation.on_file"] = docu is not None
    docu = docu or {}
    for k in ("physician_order", "dose_mg", "route", "infusion_start", "infusion_end", "lot_number", "waste_mg",
              "adverse_reactions_documented", "guideline_cited", "medical_necessity_documented",
              "her2_report_in_record", "lvef_report_in_record", "step_therapy_exception"):
        c[f"documentation.{k}"] = docu.get(k)
    c["documentation.drug"] = doc_drug
    mins = None
    if docu.get("infusion_start") and docu.get("infusion_end"):
        t0 = _dt.datetime.fromisoformat(docu["infusion_start"].replace("Z", "+00:00"))
        t1 = _dt.datetime.fromisoformat(docu["infusion_end"].replace("Z", "+00:00"))
        mins = (t1 - t0).total_seconds() / 60
    c["documentation.infusion_minutes"] = mins

    if payer is not None:
        c["payer.id"] = payer.id
        c["payer.name"] = payer.name
        # a payer profile is authoritative: a yes/no policy it does not set is off (false), not
        # unknown; other settings it does not set stay absent (rules guard them with `exists`)
        for k, default in _payer_setting_defaults(kb).items():
            c[f"payer.{k}"] = payer.setting(k, c["claim.in_force_date"], default)

    # ---------------------------------------------------------------- lines
    lines = []
    auths = data.get("authorizations", [])
    prior_lines = [(pc["id"], pl) for pc in data.get("prior_claims", []) for pl in pc["lines"]]
    seen_keys: set = set()
    for i, ln in enumerate(lines_in):
        L: dict = {}
        code = ln["code"].upper()
        dos = ln["service_date"]
        eff = as_of or dos
        mods = tuple(m.upper() for m in ln.get("modifiers", []))
        L["line.index"] = i
        L["line.number"] = ln.get("number", i + 1)
        L["line.code"] = code
        L["line.modifiers"] = mods
        L["line.modifier_count"] = len(mods)
        L["line.has_jw"] = "JW" in mods
        L["line.has_jz"] = "JZ" in mods
        L["line.units"] = ln["units"]
        L["line.service_date"] = dos
        L["line.in_force_date"] = eff
        ndc = ln.get("ndc")
        L["line.ndc"] = ndc
        ndc11 = normalize_ndc(ndc) if ndc else None
        L["line.ndc11"] = ndc11
        L["line.ndc_format_valid"] = (ndc11 is not None) if ndc else None
        prod = kb.ndc_index.get(ndc11) if ndc11 else None
        L["line.ndc_known"] = (prod is not None) if ndc11 else (False if ndc else None)
        L["line.ndc_drug"] = prod[0] if prod else None
        L["line.ndc_product"] = prod[1]["name"] if prod else None
        L["line.ndc_quantity"] = ln.get("ndc_quantity")
        L["line.ndc_unit"] = ln.get("ndc_unit")
        L["line.charge"] = ln.get("charge")
        L["line.revenue_code"] = ln.get("revenue_code")
        ptrs = ln.get("diagnosis_pointers")
        L["line.pointed_diagnoses"] = tuple(dx[p - 1] for p in ptrs) if ptrs else dx
        row = kb.hcpcs.get(code)
        L["line.code_known"] = row is not None
        L["line.code_kind"] = row.get("kind") if row else None
        L["line.code_drug"] = row.get("drug") if row else None
        L["line.code_descriptor"] = row.get("descriptor") if row else None
        unit = row.get("unit_mg") if row else None
        L["line.billing_unit_mg"] = unit
        L["line.code_valid_on_dos"] = in_force(row, eff) if row else None
        L["line.code_setting"] = (row.get("setting") or "any") if row else None
        ldrug = L["line.code_drug"] or (doc_drug if row is None else None)
        L["line.drug"] = ldrug
        # container
        dinfo = kb.drugs.get(ldrug, {}) if ldrug else {}
        products = [p for p in dinfo.get("products", []) if in_force(p, eff)]
        if prod and prod[0] == ldrug:
            container = prod[1]["container"]
        else:
            kinds = {p["container"] for p in products}
            container = kinds.pop() if len(kinds) == 1 else None
        L["line.container"] = container
        L["line.drug_route"] = dinfo.get("route")
        prior_resp = [r["date"] for r in resp if r["date"] <= dos]
        L["line.days_since_response_assessment"] = (_d(dos) - _d(prior_resp[-1])).days if prior_resp else None
        # dose on this date
        dose = None
        for a in admins:
            if a["date"] == dos and a["drug"] == ldrug and a.get("dose_mg"):
                dose = a["dose_mg"]
        if dose is None and doc_drug and doc_drug == ldrug:
            dose = docu.get("dose_mg")
        L["line.dose_mg"] = dose
        L["line.dose_units"] = int(math.ceil(dose / unit - 1e-9)) if (dose and unit) else None
        w = c["patient.weight_kg"]
        L["line.dose_per_kg"] = round(dose / w, 2) if (dose and w) else None
        waste = docu.get("waste_mg") if (doc_drug and doc_drug == ldrug) else None
        L["line.documented_waste_mg"] = waste
        L["line.documented_waste_units"] = int(math.floor(waste / unit + 1e-9)) if (waste is not None and unit) else None
        sizes = [p["strength_mg"] for p in products if p["container"] == "single_dose"]
        vials = best_vials(dose, sizes) if (dose and sizes) else None
        L["line.vials_mg"] = vials
        L["line.waste_possible"] = (vials - dose > 1e-9) if vials is not None else None
        L["line.max_waste_units"] = (int(math.floor(vials / unit + 1e-9)) - L["line.dose_units"]) \
            if (vials is not None and unit) else None
        if L["line.has_jw"]:
            L["line.expected_units"] = L["line.documented_waste_units"]
        else:
            L["line.expected_units"] = L["line.dose_units"]
        # same day
        same = [o for j, o in enumerate(lines_in) if j != i and o["service_date"] == dos]
        L["line.same_day_codes"] = tuple(sorted({o["code"].upper() for o in same}))
        L["line.same_day_drugs"] = tuple(sorted({kb.hcpcs[o["code"].upper()]["drug"] for o in same
                                                 if o["code"].upper() in kb.hcpcs
                                                 and kb.hcpcs[o["code"].upper()].get("drug")}))
        L["line.units_same_code_same_day"] = sum(o["units"] for o in lines_in
                                                 if o["code"].upper() == code and o["service_date"] == dos)
        # dosing history
        hist = sorted(a["date"] for a in admins if a["drug"] == ldrug) if ldrug else []
        before = [dd for dd in hist if dd < dos]
        if before:
            prev = before[-1]
            L["line.previous_dose_date"] = prev
            L["line.days_since_previous_dose"] = (_d(dos) - _d(prev)).days
            pdoses = [a.get("dose_mg") for a in admins if a["drug"] == ldrug and a["date"] == prev]
            L["line.previous_dose_mg"] = pdoses[-1] if pdoses else None
        else:
            L["line.previous_dose_date"] = None
            L["line.days_since_previous_dose"] = None
            L["line.previous_dose_mg"] = None
        if ldrug and "administrations" in data:
            L["line.cycle_number"] = len(before) + 1
        else:
            L["line.cycle_number"] = None
        for k, v in dinfo.get("dosing", {}).items():
            L[f"line.dosing.{k}"] = dated_value(v, eff)
        # duplicates
        key = (code, dos, tuple(sorted(mods)), ndc11)
        L["line.duplicate_in_claim"] = key in seen_keys
        seen_keys.add(key)
        L["line.duplicate_of_prior_claim"] = any(
            pl["code"].upper() == code and pl["service_date"] == dos and pl["units"] == ln["units"]
            and tuple(sorted(m.upper() for m in pl.get("modifiers", []))) == tuple(sorted(mods))
            for _, pl in prior_lines)
        # payer-driven facts
        if payer is not None:
            pa_rows = [r for r in payer.prior_auth if r["code"] == code and in_force(r, eff)]
            L["line.prior_auth_required"] = bool(pa_rows)
            # a row may apply to some primary sites only (caps that differ by indication); rows for
            # the claim's site come before rows for every site
            site = c["clinical.cancer.primary_site"]
            lim = [r for r in payer.unit_limits if r["code"] == code and in_force(r, eff) and "max_units" in r
                   and (not r.get("primary_sites") or site in r["primary_sites"])]
            lim.sort(key=lambda r: 0 if r.get("primary_sites") else 1)
            if lim:
                r = lim[0]
                days = r.get("per_days", 1)
                L["line.payer_unit_limit"] = r["max_units"]
                L["line.payer_unit_limit_days"] = days
                lo = (_d(dos) - _dt.timedelta(days=days - 1)).isoformat()
                used = sum(pl["units"] for _, pl in prior_lines
                           if pl["code"].upper() == code and lo <= pl["service_date"] <= dos)
                used += sum(o["units"] for o in lines_in if o["code"].upper() == code and lo <= o["service_date"] <= dos)
                L["line.units_in_limit_window"] = used
            else:
                L["line.payer_unit_limit"] = L["line.payer_unit_limit_days"] = L["line.units_in_limit_window"] = None
            st = [r for r in payer.step_therapy if r["code"] == code and in_force(r, eff)]
            L["line.step_preferred_drugs"] = tuple(st[0]["preferred_drugs"]) if st else None
            for k, v in payer.settings.items():  # dated settings take the value in force on the line's date
                if is_dated(v):
                    L[f"payer.{k}"] = payer.setting(k, eff, _payer_setting_defaults(kb).get(k))
            months, days = payer.setting("timely_filing_months", eff), payer.setting("timely_filing_days", eff)
            if months:
                L["line.filing_deadline"] = _add_months(_d(dos), int(months)).isoformat()
            elif days:
                L["line.filing_deadline"] = (_d(dos) + _dt.timedelta(days=int(days))).isoformat()
            else:
                L["line.filing_deadline"] = None
        # authorization
        number = cl.get("prior_authorization") or None
        for_code = [a for a in auths if a["code"].upper() == code]
        covering = [a for a in for_code if (a.get("start_date") or "0000") <= dos <= (a.get("end_date") or "9999")]
        if number:
            matching = [a for a in covering if a["number"] == number]
            covering = matching or covering
        rem = None
        if covering:
            a = covering[0]
            status, anum = "valid", a["number"]
            if a.get("units") is not None:
                lo, hi = a.get("start_date") or "0000", a.get("end_date") or "9999"
                used = sum(pl["units"] for _, pl in prior_lines
                           if pl["code"].upper() == code and lo <= pl["service_date"] <= hi)
                used += sum(o["units"] for j, o in enumerate(lines_in)
                            if j < i and o["code"].upper() == code and lo <= o["service_date"] <= hi)
                rem = a["units"] - used
        elif for_code:
            status = "expired" if all((a.get("end_date") or "9999") < dos for a in for_code) else "not_yet_valid"
            anum = for_code[0]["number"]
        elif number and any(a["number"] == number for a in auths):
            status, anum = "other_code", number
        elif number:
            status, anum = "not_on_file", number
        else:
            status, anum = "none", None
        L["line.auth_status"] = status
        L["line.auth_number"] = anum
        L["line.auth_units_remaining"] = rem
        # coverage
        if cov is None:
            L["line.coverage_active"] = None
        else:
            L["line.coverage_active"] = ((cov.get("start_date") or "0000") <= dos <= (cov.get("end_date") or "9999"))
        lines.append(L)
    return ClaimFacts(c, lines, as_of)


def fact_source(name: str, line_index: int | None, catalog: dict) -> str:
    """Where a fact came from in the claim document, e.g. ``claim.lines[1].units``."""
    spec = catalog.get(name)
    if spec is None or not spec.source:
        return ""
    src = spec.source
    if "{i}" in src:
        src = src.replace("{i}", str(line_index if line_index is not None else "*"))
    return src


def catalog_markdown(kb: KnowledgeBase) -> str:
    """The fact catalog as a Markdown table (``docs/facts.md`` is generated from it)."""
    out = ["# Fact names rules can use", "",
           "Generated by `denialkb facts` from the fact catalog (engine/facts.py) and the shipped KB",
           "(payer settings become `payer.<setting>`, drug dosing parameters `line.dosing.<key>`).",
           "Absent values are `null`: a comparison with an absent fact is *unknown*, and only",
           "`exists` / `missing` test absence itself.", "",
           "| name | type | meaning | from |", "|---|---|---|---|"]
    for name, spec in sorted(fact_catalog(kb).items()):
        vals = f" One of: {', '.join(spec.values)}." if isinstance(spec.values, tuple) else ""
        out.append(f"| `{name}` | {spec.type} | {spec.doc}{vals} | {spec.source} |")
    return "\n".join(out) + "\n"
