"""Line-level fact families (``line.*``): one dict per claim line.

Per-drug facts (dose, waste, route, times, lot, NDC) come from the administration entry of
the line's drug on its date (``administrations``, or the version-1 ``documentation`` fields
read as one). A line whose code the KB does not model has no drug (it never inherits the
documented drug), and the engine treats it as out of scope.
"""

from __future__ import annotations

import datetime as _dt
import math

from denialkb.engine.dated import dated_value, is_dated
from denialkb.engine.facts.claim_facts import payer_setting_defaults, value_type
from denialkb.engine.facts.helpers import (
    add_months,
    as_date,
    best_vials,
    in_force,
    minutes_between,
    next_workday,
    normalize_ndc,
)
from denialkb.engine.facts.registry import FactSpec, line_family, spec

AUTH_STATUSES = ("valid", "expired", "not_yet_valid", "other_code", "not_on_file", "none", "pending", "denied")
ADM = "{adm}"  # placeholder: the administration entry of the line's drug on its date


@line_family(
    spec("line.number", "int", "Line number.", "claim.lines[{i}].number"),
    spec("line.code", "code", "Billed HCPCS/CPT code (absent on a revenue-code-only institutional line: unknown, "
         "and the line is out of scope).", "claim.lines[{i}].code"),
    spec("line.modifiers", "list", "Modifiers on the line.", "claim.lines[{i}].modifiers"),
    spec("line.modifier_count", "int", "Number of modifiers.", "claim.lines[{i}].modifiers"),
    spec("line.has_jw", "bool", "Line carries JW.", "claim.lines[{i}].modifiers"),
    spec("line.has_jz", "bool", "Line carries JZ.", "claim.lines[{i}].modifiers"),
    spec("line.units", "num", "Billed units.", "claim.lines[{i}].units"),
    spec("line.service_date", "date", "Date of service.", "claim.lines[{i}].service_date"),
    spec("line.in_force_date", "date", "Date whose rules and tables apply: --as-of if given, else the date of service.",
         "computed", inputs=("claim.lines[{i}].service_date",)),
    spec("line.service_date_end", "date", "Last date of a span line (institutional); absent for a one-day line.",
         "claim.lines[{i}].service_date_end"),
    spec("line.place_of_service", "str", "Place of service of the line: its own, else the claim's.",
         "claim.lines[{i}].place_of_service", inputs=("claim.lines[{i}].place_of_service", "claim.place_of_service")),
    spec("line.charge", "num", "Line charge.", "claim.lines[{i}].charge"),
    spec("line.allowed_amount", "num", "Allowed amount from the payer's remittance.", "claim.lines[{i}].allowed_amount"),
    spec("line.paid_amount", "num", "Paid amount from the payer's remittance.", "claim.lines[{i}].paid_amount"),
    spec("line.revenue_code", "str", "Revenue code.", "claim.lines[{i}].revenue_code"),
    spec("line.pointed_diagnoses", "list", "Diagnoses the line points to (all claim diagnoses when no pointers).",
         "claim.lines[{i}].diagnosis_pointers"),
)
def line_basics(ctx, i, ln, c, L):
    """The line as billed."""
    mods = tuple(m.upper() for m in ln.get("modifiers", []))
    ptrs = ln.get("diagnosis_pointers")
    dx = ctx.dx
    return {
        "line.number": ln.get("number", i + 1),
        "line.code": ctx.codes[i],
        "line.modifiers": mods,
        "line.modifier_count": len(mods),
        "line.has_jw": "JW" in mods,
        "line.has_jz": "JZ" in mods,
        "line.units": ln["units"],
        "line.service_date": ln["service_date"],
        "line.in_force_date": ctx.as_of or ln["service_date"],
        "line.service_date_end": ln.get("service_date_end"),
        "line.place_of_service": ln.get("place_of_service") or ctx.claim.get("place_of_service"),
        "line.charge": ln.get("charge"),
        "line.allowed_amount": ln.get("allowed_amount"),
        "line.paid_amount": ln.get("paid_amount"),
        "line.revenue_code": ln.get("revenue_code"),
        "line.pointed_diagnoses": tuple(dx[p - 1] for p in ptrs) if ptrs else dx,
    }


_NDC = ("claim.lines[{i}].ndc",)


@line_family(
    spec("line.ndc", "str", "NDC as billed.", "claim.lines[{i}].ndc"),
    spec("line.ndc11", "str", "NDC normalised to 11 digits (5-4-2).", "computed from claim.lines[{i}].ndc", inputs=_NDC),
    spec("line.ndc_format_valid", "bool", "NDC has a valid 10- or 11-digit shape (absent when no NDC).",
         "claim.lines[{i}].ndc"),
    spec("line.ndc_known", "bool", "NDC is in the KB product table (absent when no NDC).",
         "computed from claim.lines[{i}].ndc", inputs=_NDC),
    spec("line.ndc_drug", "drug", "Drug the NDC belongs to.", "computed from claim.lines[{i}].ndc", "drug", inputs=_NDC),
    spec("line.ndc_product", "str", "Product name of the NDC.", "computed from claim.lines[{i}].ndc", inputs=_NDC),
    spec("line.ndc_quantity", "num", "NDC quantity.", "claim.lines[{i}].ndc_quantity"),
    spec("line.ndc_unit", "str", "NDC unit of measure.", "claim.lines[{i}].ndc_unit"),
)
def line_ndc(ctx, i, ln, c, L):
    """The line's NDC and the KB product it names."""
    ndc = ln.get("ndc")
    ndc11 = normalize_ndc(ndc) if ndc else None
    prod = ctx.kb.ndc_index.get(ndc11) if ndc11 else None
    return {
        "line.ndc": ndc,
        "line.ndc11": ndc11,
        "line.ndc_format_valid": (ndc11 is not None) if ndc else None,
        "line.ndc_known": (prod is not None) if ndc11 else (False if ndc else None),
        "line.ndc_drug": prod[0] if prod else None,
        "line.ndc_product": prod[1]["name"] if prod else None,
        "line.ndc_quantity": ln.get("ndc_quantity"),
        "line.ndc_unit": ln.get("ndc_unit"),
    }


_HCPCS = ("claim.lines[{i}].code", "kb:tables/hcpcs.yaml")


@line_family(
    spec("line.code_known", "bool", "Code is in the KB HCPCS table (a code that is not is out of scope: a warning, "
         "and no rule for drug or administration lines applies to it).", "computed from claim.lines[{i}].code",
         inputs=_HCPCS),
    spec("line.code_kind", "str", "drug, administration or unlisted.", "kb hcpcs table", ("drug", "administration", "unlisted"),
         inputs=_HCPCS),
    spec("line.code_drug", "drug", "Drug the billed code describes.", "kb hcpcs table", "drug", inputs=_HCPCS),
    spec("line.code_descriptor", "str", "Descriptor of the billed code.", "kb hcpcs table", inputs=_HCPCS),
    spec("line.billing_unit_mg", "num", "Milligrams per billing unit of the code.", "kb hcpcs table", inputs=_HCPCS),
    spec("line.code_setting", "str", "Setting the code is for: any, or hospital_outpatient (e.g. C-codes under OPPS).",
         "kb hcpcs table", ("any", "hospital_outpatient"), inputs=_HCPCS),
    spec("line.code_valid_on_dos", "bool", "Code is in force on the date of service (unknown dates count as in force).",
         "kb hcpcs table", inputs=_HCPCS),
)
def line_code(ctx, i, ln, c, L):
    """The billed code as the KB's HCPCS table describes it."""
    row = ctx.rows[i]
    if row is None:
        return {"line.code_known": False, "line.code_kind": None, "line.code_drug": None, "line.code_descriptor": None,
                "line.billing_unit_mg": None, "line.code_valid_on_dos": None, "line.code_setting": None}
    return {
        "line.code_known": True,
        "line.code_kind": row.get("kind"),
        "line.code_drug": row.get("drug"),
        "line.code_descriptor": row.get("descriptor"),
        "line.billing_unit_mg": row.get("unit_mg"),
        "line.code_valid_on_dos": in_force(row, L["line.in_force_date"]),
        "line.code_setting": row.get("setting") or "any",
    }


@line_family(
    spec("line.drug", "drug", "Drug of the line: the drug of its code (absent for a code that names no drug, and "
         "for a code the KB does not model: such a line never takes the documented drug).",
         "computed", "drug", inputs=_HCPCS),
    spec("line.container", "str", "single_dose or multi_dose, from the NDC or the drug's products.", "kb products",
         ("single_dose", "multi_dose"), inputs=("claim.lines[{i}].ndc", "kb:tables/drugs.yaml")),
    spec("line.container_ambiguous", "bool", "The container of the line's drug cannot be told: no NDC of the line "
         "names a KB product, and the drug's products in force come in both single- and multiple-dose containers, or "
         "none is encoded, so neither the KB nor a payer's JW/JZ edit knows it. False when the container is known; "
         "absent when the line bills no modelled drug.", "kb products", inputs=("claim.lines[{i}].ndc", "kb:tables/drugs.yaml")),
    spec("line.drug_route", "str", "Route of the line's drug per the KB drug table (IV, SC, oral).", "kb drugs table",
         ("IV", "SC", "oral"), inputs=("kb:tables/drugs.yaml",)),
    spec("line.days_since_response_assessment", "int",
         "Days from the latest response assessment on or before the date of service to that date.",
         "clinical.response_assessments[*].date"),
)
def line_drug(ctx, i, ln, c, L):
    """The line's drug and its KB product facts."""
    ldrug = L["line.code_drug"]
    eff, dos = L["line.in_force_date"], L["line.service_date"]
    dinfo = ctx.kb.drugs.get(ldrug, {}) if ldrug else {}
    products = [p for p in dinfo.get("products", []) if in_force(p, eff)]
    ndc11 = L["line.ndc11"]
    prod = ctx.kb.ndc_index.get(ndc11) if ndc11 else None
    if prod and prod[0] == ldrug:
        container = prod[1]["container"]
    else:
        kinds = {p["container"] for p in products}
        container = kinds.pop() if len(kinds) == 1 else None
    ambiguous = (container is None) if ldrug else None
    if ambiguous and L["line.code_kind"] == "drug" and c.get("payer.jz_required_from"):
        mods = {str(m).upper() for m in ln.get("modifiers") or []}
        if not mods & {"JW", "JZ"}:
            # a JW/JZ edit needs the container; say which line it could not be checked on (no patient data)
            ctx.warn("container_not_known", f"claim.lines[{i}].ndc",
                     f"line {ln.get('number', i + 1)} ({L['line.code']}): the container (single- or multiple-dose) "
                     "is not known without an NDC of a product the KB models, so JW/JZ is not checked on it")
    resp = sorted(ctx.clin.get("response_assessments", []), key=lambda r: r["date"])
    prior_resp = [r["date"] for r in resp if r["date"] <= dos]
    return {
        "line.drug": ldrug,
        "line.container": container,
        "line.container_ambiguous": ambiguous,
        "line.drug_route": dinfo.get("route"),
        "line.days_since_response_assessment": (as_date(dos) - as_date(prior_resp[-1])).days if prior_resp else None,
    }


def _adm_field(entries, key):
    out = None
    for a in entries:
        if a.get(key) is not None:
            out = a.get(key)
    return out


@line_family(
    spec("line.administration_on_file", "bool", "An administration record entry of the line's drug on its date (an "
         "administrations entry, or the version-1 documentation fields): true when the record holds one; false when a version-2 "
         "administrations list is given without one, or records were requested and not received; absent otherwise.",
         "administrations", inputs=("administrations",)),
    spec("line.documented_lot_number", "str", "Lot number of the line's drug as administered that day.",
         "administrations (the line's drug and date)", inputs=(ADM + ".lot_number",)),
    spec("line.documented_route", "str", "Route of the line's drug as administered that day.",
         "administrations (the line's drug and date)", ("IV", "SC"), inputs=(ADM + ".route",)),
    spec("line.infusion_start", "datetime", "Start of the line's drug's administration that day.",
         "administrations (the line's drug and date)", inputs=(ADM + ".start",)),
    spec("line.infusion_end", "datetime", "End of the line's drug's administration that day.",
         "administrations (the line's drug and date)", inputs=(ADM + ".end",)),
    spec("line.infusion_minutes", "num", "Duration of the line's drug's infusion that day (minutes).",
         "computed from administrations", inputs=(ADM + ".start", ADM + ".end")),
    spec("line.documented_waste_reason", "str", "Documented reason for the discarded amount of the line's drug.",
         "administrations (the line's drug and date)", inputs=(ADM + ".waste_reason",)),
    spec("line.administered_ndc", "str", "NDC of the product administered (11 digits), from the administration entry.",
         "administrations (the line's drug and date)", inputs=(ADM + ".ndc",)),
)
def line_administration(ctx, i, ln, c, L):
    """The administration of the line's drug on its date, from the administration record."""
    entries = [a for a in ctx.administration(L["line.service_date"], L["line.drug"]) if a.record]
    start, end = _adm_field(entries, "start"), _adm_field(entries, "end")
    ndc = _adm_field(entries, "ndc")
    if entries:
        on_file = True
    elif c["documentation.record_available"] is False or (
            ctx.data.get("format_version") == 2 and "administrations" in ctx.data and L["line.drug"]):
        on_file = False
    else:
        on_file = None
    return {
        "line.administration_on_file": on_file,
        "line.documented_lot_number": _adm_field(entries, "lot_number"),
        "line.documented_route": _adm_field(entries, "route"),
        "line.infusion_start": start,
        "line.infusion_end": end,
        "line.infusion_minutes": minutes_between(start, end),
        "line.documented_waste_reason": _adm_field(entries, "waste_reason"),
        "line.administered_ndc": normalize_ndc(ndc) if ndc else None,
    }


def _dosing_weight(ctx, dos: str):
    """(kg, days before ``dos``) of the weight nearest on or before ``dos``; an undated weight_kg has no age."""
    pt = ctx.data.get("patient") or {}
    dated = [(str(w["date"]), w["kg"]) for w in pt.get("weights", [])]
    if pt.get("weight_kg") is not None and pt.get("weight_date") is not None:
        dated.append((str(pt["weight_date"]), pt["weight_kg"]))
    before = sorted((d, kg) for d, kg in dated if d <= dos)
    if before:
        d, kg = before[-1]
        return kg, (as_date(dos) - as_date(d)).days
    if pt.get("weight_kg") is not None and pt.get("weight_date") is None:
        return pt["weight_kg"], None
    return None, None


@line_family(
    spec("line.dose_mg", "num", "Dose of the line's drug given on the date of service (its administration entry; "
         "for a fixed-dose combination with component doses, their sum: the J9316 convention).",
         "administrations / documentation.dose_mg", inputs=(ADM + ".dose_mg",)),
    spec("line.dose_units", "int", "Dose in billing units, rounded up.", "computed",
         inputs=(ADM + ".dose_mg", "kb:tables/hcpcs.yaml")),
    spec("line.dose_per_kg", "num", "Dose in mg per kg of the dosing weight (absent when that weight is older than "
         "the payer's dosing_weight_max_age_days).", "computed",
         # a dated weight on or before the date, inside the payer's window, also gives it a value
         inputs=(ADM + ".dose_mg", "patient.weight_kg", "patient.weights")),
    spec("line.dosing_weight_kg", "num", "Weight the dose is measured against: the dated weight nearest on or before "
         "the line's date of service (patient.weights, or patient.weight_kg with its weight_date); an undated "
         "patient.weight_kg when no dated weight is on or before that date.", "patient.weights / patient.weight_kg",
         inputs=("patient.weights", "patient.weight_kg", "patient.weight_date")),
    spec("line.dosing_weight_current", "bool", "A dosing weight is known and not older than the payer's "
         "dosing_weight_max_age_days: the weight-based dose checks run only then (payers do not edit on weight; "
         "without a current weight a warning says the check was not run).", "computed",
         inputs=("patient.weights", "patient.weight_kg", "patient.weight_date")),
    spec("line.dosing_weight_age_days", "int", "Days from the dosing weight's measurement to the line's date of "
         "service (absent for an undated weight).", "patient.weights[*].date / patient.weight_date",
         inputs=("patient.weights", "patient.weight_date")),
    spec("line.documented_waste_mg", "num", "Documented waste of this line's drug (mg).", "documentation.waste_mg",
         inputs=(ADM + ".waste_mg",)),
    spec("line.documented_waste_units", "int", "Documented waste in billing units, rounded down "
         "(the administered units were rounded up).", "computed", inputs=(ADM + ".waste_mg", "kb:tables/hcpcs.yaml")),
    spec("line.vials_mg", "num", "Smallest total of single-dose vials that holds the dose (mg).",
         "computed from kb products", inputs=(ADM + ".dose_mg", "kb:tables/drugs.yaml")),
    spec("line.waste_possible", "bool", "Whole single-dose vials leave something to discard (from the KB's vial "
         "sizes; without them, true when the record documents waste).",
         "computed from kb products", inputs=(ADM + ".dose_mg", ADM + ".waste_mg", "kb:tables/drugs.yaml")),
    spec("line.max_waste_units", "int", "Most units that may be billed as waste from those vials.", "computed",
         inputs=(ADM + ".dose_mg", "kb:tables/drugs.yaml")),
    spec("line.expected_units", "int", "Units the record supports: documented waste for a JW line, else the dose.",
         "computed", inputs=(ADM + ".dose_mg", ADM + ".waste_mg")),
)
def line_dose(ctx, i, ln, c, L):
    """Dose, waste and vials of the line's drug on its date."""
    ldrug, dos, eff = L["line.drug"], L["line.service_date"], L["line.in_force_date"]
    entries = ctx.administration(dos, ldrug)
    dose = None
    for a in entries:
        comps = a.get("components")
        if comps:
            dose = sum(comps.values())
        elif a.get("dose_mg"):
            dose = a.get("dose_mg")
    unit = L["line.billing_unit_mg"]
    out = {"line.dose_mg": dose}
    out["line.dose_units"] = int(math.ceil(dose / unit - 1e-9)) if (dose and unit) else None
    w, age = _dosing_weight(ctx, dos)
    out["line.dosing_weight_kg"], out["line.dosing_weight_age_days"] = w, age
    # a weight older than the payer's window (setting dosing_weight_max_age_days) is not the patient's weight
    # on the date of service: the dose per kg is then not known (never measured against a stale weight)
    window = ctx.payer.setting("dosing_weight_max_age_days", eff)
    current = w if (age is None or window is None or age <= window) else None
    out["line.dose_per_kg"] = round(dose / current, 2) if (dose and current) else None
    out["line.dosing_weight_current"] = current is not None
    dinfo = ctx.kb.drugs.get(ldrug, {}) if ldrug else {}
    if dose and not current and any("per_kg" in k for k in dinfo.get("dosing", {})):
        # the weight-based dose checks are not run without a current weight (no patient data in the message)
        why = ("the document gives no patient weight" if not w else
               "the patient's weight is older than the payer's dosing-weight window")
        ctx.warn("dose_per_kg_not_checked", "patient.weight_kg",
                 f"line {ln.get('number', i + 1)} ({L['line.code']}): the dose per kg of {ldrug} is not checked "
                 f"because {why}")
    waste = _adm_field(entries, "waste_mg")
    out["line.documented_waste_mg"] = waste
    out["line.documented_waste_units"] = int(math.floor(waste / unit + 1e-9)) if (waste is not None and unit) else None
    products = [p for p in dinfo.get("products", []) if in_force(p, eff)]
    sizes = [p["strength_mg"] for p in products if p["container"] == "single_dose"]
    vials = best_vials(dose, sizes) if (dose and sizes) else None
    out["line.vials_mg"] = vials
    # without vial sizes in the KB, a record that documents waste says there was some to discard
    out["line.waste_possible"] = (vials - dose > 1e-9) if vials is not None else (True if (waste or 0) > 0 else None)
    out["line.max_waste_units"] = (int(math.floor(vials / unit + 1e-9)) - out["line.dose_units"]) \
        if (vials is not None and unit) else None
    out["line.expected_units"] = out["line.documented_waste_units"] if L["line.has_jw"] else out["line.dose_units"]
    return out


_DAY = ("administrations[*].start", "administrations[*].end")
# CPT 96416 / 96425: initiation of a prolonged infusion, "more than 8 hours", with a pump
PROLONGED_INFUSION_MINUTES = 480


@line_family(
    spec("line.day_infusion_count", "int", "Administrations of drugs the KB models, other than subcutaneous, "
         "premedication (IV pushes) or hydration, on the "
         "line's date (absent when the record holds none for that date).", "administrations", inputs=("administrations",)),
    spec("line.day_infusions_untimed", "int", "How many of those lack a start or an end time.", "administrations",
         inputs=_DAY),
    spec("line.day_infusions_timed", "int", "Entries of the administration record on the line's date that may be "
         "timed infusions (not subcutaneous, not premedication or hydration; drugs the KB does not model count) "
         "and have a start and an end time (absent when the record holds no entry for the date).",
         "administrations", inputs=_DAY),
    spec("line.day_timed_infusions_billed", "num", "Units billed on the line's date of the codes in KB code set "
         "timed_infusion_services (each unit one infusion whose start and stop the record must show: 96413, "
         "96417, ...).", "claim.lines", inputs=("claim.lines", "kb:tables/code_sets.yaml")),
    spec("line.day_administered_drugs", "list", "Drugs the record says were given on the line's date (any drug, "
         "modelled or not).", "administrations[*].drug", inputs=("administrations",)),
    spec("line.day_longest_infusion_minutes", "num", "Longest single timed infusion of that date (minutes): what an "
         "additional-hour code (96415) is measured against; absent (not known) when it is 90 or less while an infusion "
         "of the date is untimed or an infused drug billed that date has no administration entry.",
         "computed from administrations", inputs=_DAY),
)
def line_day_infusions(ctx, i, ln, c, L):
    """The infusions of the line's date (for administration codes: each infusion timed on its own)."""
    every = ctx.day_administrations(L["line.service_date"])
    # premedication (KB drug class `premedication`) is given as IV pushes (96374/96375), which
    # carry no start and stop times: only the infusions of the other modelled drugs are timed
    day = [a for a in every if a.modelled and a.get("route") != "SC"
           and not {"premedication", "hydration"} & set(ctx.kb.drugs.get(a.drug, {}).get("classes", ()))]
    mins = [m for m in (minutes_between(a.get("start"), a.get("end")) for a in day) if m is not None]
    if ctx.day_units_in_code_set(L["line.service_date"], "prolonged_pump_infusion_services"):
        # a prolonged pump infusion (96416: more than 8 hours) is not measured in additional hours (96415)
        mins = [m for m in mins if m <= PROLONGED_INFUSION_MINUTES]
        day = [a for a in day if (minutes_between(a.get("start"), a.get("end")) or 0) <= PROLONGED_INFUSION_MINUTES]
    longest = max(mins) if mins else None
    if longest is not None and longest <= 90:
        # "no infusion over 90 minutes" is known only when every infusion of the date is timed and every
        # infused drug billed that date is in the record (absent is not "short")
        given = {a.drug for a in every}
        billed = {ctx.line_code_drug(j) for j, o in enumerate(ctx.lines_in)
                  if o["service_date"] == L["line.service_date"] and ctx.line_code_drug(j)}
        infused = {d for d in billed if ctx.kb.drugs.get(d, {}).get("route") != "SC"
                   and "premedication" not in ctx.kb.drugs.get(d, {}).get("classes", ())}
        if len(mins) < len(day) or infused - given:
            longest = None
    return {
        "line.day_infusion_count": len(day) or None,
        "line.day_infusions_untimed": sum(1 for a in day if not (a.get("start") and a.get("end"))) if day else None,
        "line.day_infusions_timed": sum(1 for a in every if a.get("start") and a.get("end") and a.get("route") != "SC"
                                        and not {"premedication", "hydration"}
                                        & set(ctx.kb.drugs.get(a.drug, {}).get("classes", ()))) if every else None,
        "line.day_timed_infusions_billed": ctx.day_units_in_code_set(L["line.service_date"], "timed_infusion_services"),
        "line.day_administered_drugs": tuple(sorted({a.drug for a in every if a.drug})) if every else None,
        "line.day_longest_infusion_minutes": longest,
    }


@line_family(
    spec("line.same_day_codes", "list", "Codes on other lines with the same date of service.", "claim.lines"),
    spec("line.same_day_drugs", "list", "Drugs of the codes on other lines of the same date.", "claim.lines"),
    spec("line.same_day_undocumented_drug_lines", "int", "Number of other lines of the same date billing a drug "
         "code the KB models with no administration record entry of their drug on that date (kind drug in the "
         "hcpcs table; partner drugs, premedication and administration codes are not counted).", "claim.lines",
         inputs=("claim.lines", "administrations", "kb:tables/hcpcs.yaml")),
    spec("line.units_same_code_same_day", "num", "Units of this code on this date across the claim.", "computed",
         inputs=("claim.lines",)),
)
def line_same_day(ctx, i, ln, c, L):
    """The other lines of the same date."""
    dos, code = L["line.service_date"], L["line.code"]
    same = [j for j, o in enumerate(ctx.lines_in) if j != i and o["service_date"] == dos]
    return {
        "line.same_day_codes": tuple(sorted({ctx.codes[j] for j in same if ctx.codes[j]})),
        "line.same_day_drugs": tuple(sorted({ctx.line_code_drug(j) for j in same if ctx.line_code_drug(j)})),
        "line.same_day_undocumented_drug_lines": sum(
            1 for j in same if (ctx.rows[j] or {}).get("kind") == "drug"
            and not any(a.record for a in ctx.administration(dos, ctx.line_code_drug(j)))),
        "line.units_same_code_same_day": sum(o["units"] for j, o in enumerate(ctx.lines_in)
                                             if ctx.codes[j] == code and o["service_date"] == dos),
    }


def _dosing_dynamic(kb):
    out = []
    for key in sorted(kb.dosing_keys()):
        vals = kb.dosing_values(key)
        out.append(FactSpec(f"line.dosing.{key}", value_type(vals[0]),
                            "Dosing parameter of the line's drug (kb drugs table).", "kb drugs",
                            inputs=("kb:tables/drugs.yaml",)))
    return out


def _exposure_members(kb, drug: str) -> frozenset:
    """The drugs that share ``drug``'s dosing history (same ``exposure`` in the drugs table)."""
    group = (kb.drugs.get(drug) or {}).get("exposure") or drug
    return frozenset(d for d, row in kb.drugs.items() if (row.get("exposure") or d) == group) | {drug}


COURSE_GAP_DAYS = 120  # a longer gap between two doses of one course starts a new course (a recurrence, a new line)


def _course_members(kb, drug: str) -> frozenset:
    """The drugs that count as one treatment course with ``drug`` (same ``course`` in the drugs table)."""
    def name(d, row):
        return row.get("course") or row.get("exposure") or d
    group = name(drug, kb.drugs.get(drug) or {})
    return frozenset(d for d, row in kb.drugs.items() if name(d, row) == group) | {drug}


@line_family(
    spec("line.previous_dose_date", "date", "Previous administration of the drug (or of a drug of the same exposure, "
         "e.g. IV pertuzumab before Phesgo).", "administrations"),
    spec("line.previous_dose_mg", "num", "Previous dose of the drug or its exposure group (mg, in that product's "
         "own convention).", "administrations"),
    spec("line.days_since_previous_dose", "int", "Days since the previous dose of the same drug or exposure group.",
         "administrations"),
    spec("line.cycle_number", "int", "Ordinal of this dose among administrations of the drug and the drugs of the same "
         "exposure (IV pertuzumab and Phesgo count as one pertuzumab exposure).", "administrations"),
    spec("line.course_days", "int", "Days from the first dose of the current course to this line's date: doses of "
         "the drugs of the same course (the trastuzumab products and Phesgo are one trastuzumab course) going back "
         "from the date of service, a gap of more than 120 days starting a new course. Absent without an "
         "administrations section; a record that lists only recent doses gives a shorter course, never a longer one.",
         "administrations"),
    dynamic=_dosing_dynamic,
)
def line_history(ctx, i, ln, c, L):
    """The dosing history of the line's drug (and its KB dosing parameters, ``line.dosing.<key>``)."""
    ldrug, dos = L["line.drug"], L["line.service_date"]
    admins = ctx.administrations
    # one exposure: drugs the KB groups under the same `exposure` name share one history (IV pertuzumab and Phesgo)
    same = _exposure_members(ctx.kb, ldrug) if ldrug else frozenset()
    hist = sorted(a.date for a in admins if a.drug in same) if ldrug else []
    before = [dd for dd in hist if dd < dos]
    out = {}
    if before:
        prev = before[-1]
        out["line.previous_dose_date"] = prev
        out["line.days_since_previous_dose"] = (as_date(dos) - as_date(prev)).days
        pdoses = [a.get("dose_mg") for a in admins if a.drug in same and a.date == prev]
        out["line.previous_dose_mg"] = pdoses[-1] if pdoses else None
    else:
        out["line.previous_dose_date"] = None
        out["line.days_since_previous_dose"] = None
        out["line.previous_dose_mg"] = None
    out["line.cycle_number"] = len(before) + 1 if (ldrug and "administrations" in ctx.data) else None
    out["line.course_days"] = None
    if ldrug and "administrations" in ctx.data:
        course = _course_members(ctx.kb, ldrug)
        start = as_date(dos)
        for dd in sorted({a.date for a in admins if a.drug in course and a.date <= dos}, reverse=True):
            if (start - as_date(dd)).days > COURSE_GAP_DAYS:
                break
            start = as_date(dd)
        out["line.course_days"] = (as_date(dos) - start).days
    dinfo = ctx.kb.drugs.get(ldrug, {}) if ldrug else {}
    for k, v in dinfo.get("dosing", {}).items():
        out[f"line.dosing.{k}"] = dated_value(v, L["line.in_force_date"])
    return out


def _mods(x) -> tuple:
    return tuple(sorted(m.upper() for m in x.get("modifiers", [])))


def replaced_by_this_claim(ctx, pc) -> bool:
    """A prior claim this claim replaces or voids (frequency 7 or 8 naming it as the original)."""
    cl = ctx.claim
    return cl.get("frequency_code") in ("7", "8") and cl.get("original_claim_id") == pc["id"]


def voided(pc) -> bool:
    """A prior claim that was voided (status voided, or itself a void, frequency 8)."""
    return pc.get("status") == "voided" or pc.get("frequency_code") == "8"


def consuming_prior_lines(ctx) -> list:
    """Lines of prior claims that count as billed (paid, pending or of unknown status): a denied or voided
    prior claim, or one this claim replaces, consumes nothing."""
    return [pl for pc in ctx.data.get("prior_claims", [])
            if pc.get("status") != "denied" and not voided(pc) and not replaced_by_this_claim(ctx, pc)
            for pl in pc["lines"]]


@line_family(
    spec("line.duplicate_in_claim", "bool", "An earlier line bills the same code, date, modifiers, NDC and revenue "
         "code (institutional claims).", "computed",
         inputs=("claim.lines",)),
    spec("line.duplicate_of_prior_claim", "bool", "A prior claim that was paid or is pending (or whose status is not "
         "stated) bills the same code, date, units and modifiers; a denied or voided prior claim, and the claim this one "
         "replaces or voids, do not count.", "prior_claims"),
    spec("line.repeats_denied_prior_claim", "bool", "A prior claim with status denied bills the same code, date, units "
         "and modifiers (whether it was denied after adjudication or returned as unprocessable is not stated).",
         "prior_claims"),
)
def line_duplicates(ctx, i, ln, c, L):
    """Duplicates within the claim and of prior claims (unknown for a line without a code)."""
    if L["line.code"] is None:  # a revenue-code-only line: which service it repeats is not known
        return {"line.duplicate_in_claim": None, "line.duplicate_of_prior_claim": None,
                "line.repeats_denied_prior_claim": None}
    # on a UB-04 / 837I the revenue code is part of the line: the same HCPCS and date under another revenue code is
    # another line, not a duplicate (realfiles3 R3-13); a professional line has none on either side
    key = (L["line.code"], L["line.service_date"], tuple(sorted(L["line.modifiers"])), L["line.ndc11"],
           ln.get("revenue_code"))
    earlier = {(ctx.codes[j], o["service_date"], _mods(o), normalize_ndc(o["ndc"]) if o.get("ndc") else None,
                o.get("revenue_code")) for j, o in enumerate(ctx.lines_in[:i])}

    def same(pl):
        return (pl["code"].upper() == L["line.code"] and pl["service_date"] == L["line.service_date"]
                and pl["units"] == ln["units"] and _mods(pl) == key[2])

    # a duplicate repeats a service paid or pending on another claim (Palmetto GBA, CARC 18): a denied prior claim
    # may have been returned as unprocessable (MA130), which must be sent again as a new claim
    denied = [pl for pc in ctx.data.get("prior_claims", []) if pc.get("status") == "denied" and not voided(pc)
              and not replaced_by_this_claim(ctx, pc) for pl in pc["lines"]]
    return {
        "line.duplicate_in_claim": key in earlier,
        "line.duplicate_of_prior_claim": any(same(pl) for pl in consuming_prior_lines(ctx)),
        "line.repeats_denied_prior_claim": any(same(pl) for pl in denied),
    }


def _same_provider(ctx, pc) -> bool:
    """A prior claim that may be the same provider's: its NPI and this claim's billing NPI agree, or one is not known."""
    mine = ((ctx.data.get("providers") or {}).get("billing") or {}).get("npi")
    theirs = pc.get("provider_npi")
    return mine is None or theirs is None or mine == theirs


@line_family(
    spec("line.prior_claim_codes_same_day", "list", "Codes on prior claims of the same provider (or of a provider not "
         "named) with lines on the line's date; denied ones included, voided ones and the claim this one replaces "
         "not (absent when the document holds no prior_claims).", "prior_claims",
         inputs=("prior_claims", "providers.billing.npi")),
    spec("line.prior_claim_paid_codes_same_day", "list", "Codes on those prior claims whose status is paid (absent "
         "when the document holds no prior_claims, or a prior claim with lines on the date gives no status).",
         "prior_claims[*].status", inputs=("prior_claims", "providers.billing.npi")),
)
def line_prior_same_day(ctx, i, ln, c, L):
    """The services of the line's date billed on earlier claims (an add-on code's primary service may be there)."""
    if "prior_claims" not in ctx.data:
        return {"line.prior_claim_codes_same_day": None, "line.prior_claim_paid_codes_same_day": None}
    dos = L["line.service_date"]
    claims = [(pc, [pl["code"].upper() for pl in pc["lines"] if pl["service_date"] == dos])
              for pc in ctx.data["prior_claims"]
              if not voided(pc) and not replaced_by_this_claim(ctx, pc) and _same_provider(ctx, pc)]
    claims = [(pc, codes) for pc, codes in claims if codes]
    every = tuple(sorted({x for _, codes in claims for x in codes}))
    paid = None if any(pc.get("status") is None for pc, _ in claims) else tuple(
        sorted({x for pc, codes in claims if pc.get("status") == "paid" for x in codes}))
    return {"line.prior_claim_codes_same_day": every, "line.prior_claim_paid_codes_same_day": paid}


@line_family(
    spec("line.prior_auth_required", "bool", "Payer requires prior authorization for the code on the date.", "kb payer",
         inputs=("kb:payers",)),
    spec("line.payer_unit_limit", "num", "Payer unit ceiling for the code in force on the date.", "kb payer unit_limits",
         inputs=("kb:payers",)),
    spec("line.payer_unit_limit_days", "int", "Window of the ceiling in days (1 = per date of service).",
         "kb payer unit_limits", inputs=("kb:payers",)),
    spec("line.units_in_limit_window", "num", "Units of the code billed within that window, this line included "
         "(denied and voided prior claims do not count).", "prior_claims / claim.lines",
         inputs=("claim.lines",)),
    spec("line.step_preferred_drugs", "list", "Drugs the payer wants tried first for this code.", "kb payer step_therapy",
         inputs=("kb:payers",)),
    spec("line.filing_deadline", "date", "Last day to file under the payer's timely-filing limit, counted from the "
         "line's date of service (an institutional claim: its Through date, the latest date on the claim); where the "
         "payer setting filing_deadline_next_workday is on, a last day on a weekend or US federal holiday moves to "
         "the next workday (holidays are looked up for a claim received after the unmoved day).", "kb payer settings",
         inputs=("kb:payers", "claim.form", "claim.lines[*].service_date")),
)
def line_payer(ctx, i, ln, c, L):
    """The payer's policies for the line's code: prior authorization, unit ceilings, step therapy, filing limit."""
    payer, code, dos, eff = ctx.payer, L["line.code"], L["line.service_date"], L["line.in_force_date"]
    out = {"line.prior_auth_required": bool([r for r in payer.prior_auth if r["code"] == code and in_force(r, eff)])}
    # a row may apply to some primary sites only (caps that differ by indication); rows for
    # the claim's site come before rows for every site
    site = c["clinical.cancer.primary_site"]
    lim = [r for r in payer.unit_limits if r["code"] == code and in_force(r, eff) and "max_units" in r
           and (not r.get("primary_sites") or site in r["primary_sites"])]
    lim.sort(key=lambda r: 0 if r.get("primary_sites") else 1)
    if lim:
        r = lim[0]
        days = r.get("per_days", 1)
        out["line.payer_unit_limit"] = r["max_units"]
        out["line.payer_unit_limit_days"] = days
        lo = (as_date(dos) - _dt.timedelta(days=days - 1)).isoformat()
        used = sum(pl["units"] for pl in consuming_prior_lines(ctx)
                   if pl["code"].upper() == code and lo <= pl["service_date"] <= dos)
        used += sum(o["units"] for j, o in enumerate(ctx.lines_in) if ctx.codes[j] == code and lo <= o["service_date"] <= dos)
        out["line.units_in_limit_window"] = used
    else:
        out["line.payer_unit_limit"] = out["line.payer_unit_limit_days"] = out["line.units_in_limit_window"] = None
    st = [r for r in payer.step_therapy if r["code"] == code and in_force(r, eff)]
    out["line.step_preferred_drugs"] = tuple(st[0]["preferred_drugs"]) if st else None
    for k, v in payer.settings.items():  # dated settings take the value in force on the line's date
        if is_dated(v):
            out[f"payer.{k}"] = payer.setting(k, eff, payer_setting_defaults(ctx.kb).get(k))
    out["line.filing_deadline"] = _filing_deadline(ctx, payer, dos, eff)
    return out


def _filing_deadline(ctx, payer, dos: str, eff: str) -> str | None:
    """The last day to file for a line (see the ``line.filing_deadline`` spec)."""
    months, days = payer.setting("timely_filing_months", eff), payer.setting("timely_filing_days", eff)
    if ctx.claim.get("form") == "institutional":
        # CMS Pub 100-04 ch.1 s.70.1: an institutional claim's timeliness runs from its Through date
        dos = max(ln["service_date"] for ln in ctx.lines_in)
    if months:
        last = add_months(as_date(dos), int(months))
    elif days:
        last = as_date(dos) + _dt.timedelta(days=int(days))
    else:
        return None
    if payer.setting("filing_deadline_next_workday", eff):
        received = as_date(ctx.claim.get("received_date"))
        last = next_workday(last, holidays_too=bool(received and received > last))
    return last.isoformat()


def auth_codes(a) -> set:
    """The codes an authorization covers (``codes:``, and ``code:`` for one)."""
    out = {x.upper() for x in a.get("codes") or []}
    if a.get("code"):
        out.add(a["code"].upper())
    return out


@line_family(
    spec("line.auth_status", "str", "Authorization for this line: " + ", ".join(AUTH_STATUSES) + ". Absent when the "
         "document has no authorizations section (not known); none and not_on_file need authorizations: [] or a list "
         "without a match (the payer's file was checked).",
         "authorizations / claim.prior_authorization", AUTH_STATUSES, inputs=("authorizations",)),
    spec("line.auth_number", "str", "Number of the authorization covering the line.", "authorizations"),
    spec("line.auth_units_remaining", "num", "Approved units left before this line: units minus units_used when the "
         "payer reports it, else minus the units of its codes on paid or pending prior claims and earlier lines of "
         "this claim inside its window.", "authorizations / prior_claims",
         inputs=("authorizations[*].units", "authorizations[*].units_used")),
    spec("line.auth_product_matches", "bool", "The NDC billed is the product the authorization approves "
         "(absent when either is not stated).", "authorizations[*].ndc",
         inputs=("authorizations[*].ndc", "claim.lines[{i}].ndc")),
    spec("line.auth_provider_matches", "bool", "The servicing provider the authorization names (provider_npi) is "
         "one of the claim's providers - billing, rendering, attending or ordering (absent when the authorization "
         "names none or the claim states no billing NPI).", "authorizations[*].provider_npi",
         inputs=("authorizations[*].provider_npi", "providers.billing.npi")),
)
def line_authorization(ctx, i, ln, c, L):
    """The authorization on file for the line's code and date."""
    code, dos = L["line.code"], L["line.service_date"]
    auths = ctx.auths
    number = c["claim.prior_authorization"]
    out = {"line.auth_units_remaining": None, "line.auth_product_matches": None, "line.auth_provider_matches": None}
    if auths is None:
        out["line.auth_status"] = None
        out["line.auth_number"] = number
        return out
    for_code = [a for a in auths if code in auth_codes(a)]
    covering = [a for a in for_code if (a.get("start_date") or "0000") <= dos <= (a.get("end_date") or "9999")]
    if number:
        matching = [a for a in covering if a["number"] == number]
        covering = matching or covering
    if covering:
        a = covering[0]
        status = {"denied": "denied", "pending": "pending"}.get(a.get("status"), "valid")
        anum = a["number"]
        if a.get("units") is not None:
            codes = auth_codes(a)
            lo, hi = a.get("start_date") or "0000", a.get("end_date") or "9999"
            if a.get("units_used") is not None:
                used = a["units_used"]
            else:
                used = sum(pl["units"] for pl in consuming_prior_lines(ctx)
                           if pl["code"].upper() in codes and lo <= pl["service_date"] <= hi)
            used += sum(o["units"] for j, o in enumerate(ctx.lines_in)
                        if j < i and ctx.codes[j] in codes and lo <= o["service_date"] <= hi)
            out["line.auth_units_remaining"] = a["units"] - used
        if a.get("ndc") and L["line.ndc11"]:
            out["line.auth_product_matches"] = normalize_ndc(a["ndc"]) == L["line.ndc11"]
        provs = ctx.data.get("providers") or {}
        npis = {str(p["npi"]) for p in provs.values() if isinstance(p, dict) and p.get("npi")}
        # the billing provider is the one a precertification names most often: with its NPI not stated the
        # authorization is not known to be another provider's (absent is not "no"; metamorph MM-F1)
        if a.get("provider_npi") and npis and (provs.get("billing") or {}).get("npi"):
            out["line.auth_provider_matches"] = str(a["provider_npi"]) in npis
    elif for_code:
        status = "expired" if all((a.get("end_date") or "9999") < dos for a in for_code) else "not_yet_valid"
        anum = for_code[0]["number"]
    elif number and any(a["number"] == number for a in auths):
        status, anum = "other_code", number
    elif number:
        status, anum = "not_on_file", number
    else:
        status, anum = "none", None
    out["line.auth_status"] = status
    out["line.auth_number"] = anum
    return out


@line_family(
    spec("line.coverage_active", "bool", "Member covered on the date of service (absent when no coverage section).",
         "coverage"),
    spec("line.abn_on_file", "bool", "A signed advance beneficiary notice dated on or before the date of service "
         "names the line's code (absent when the document has no abn section).", "abn", inputs=("abn",)),
)
def line_coverage(ctx, i, ln, c, L):
    """Eligibility on the date of service, and an ABN on file."""
    cov, dos, code = ctx.cov, L["line.service_date"], L["line.code"]
    abn = ctx.data.get("abn")
    return {
        "line.coverage_active": None if cov is None else
        ((cov.get("start_date") or "0000") <= dos <= (cov.get("end_date") or "9999")),
        "line.abn_on_file": None if abn is None else any(
            a.get("signed") is True and a["date"] <= dos and (not a.get("codes") or code in {x.upper() for x in a["codes"]})
            for a in abn),
    }
