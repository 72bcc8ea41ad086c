"""Facts of the remaining clinical review rows (kb-review 1.3, 1.11, 1.12; issue 13 pathway 12).

* the drug classes of prior therapies stopped for toxicity (intolerance exceptions);
* how many prior therapies name a drug the KB does not model, so that "no prior targeted therapy" is never
  concluded from a history that holds a drug the KB cannot classify;
* whether the tumour has an EGFR or ALK genomic aberration;
* the days from the last major surgery to the line's date of service;
* the Medicare gender-specific override: KX on a line, condition code 45 on an institutional claim.

Every fact is "absent = unknown": a missing input gives ``None`` (the rule is then undetermined or does not
apply), never a "no" that denies. Drug classes come from the KB tables only.
"""

from __future__ import annotations

from denialkb.engine.dated import dated_value
from denialkb.engine.facts import line_facts as _line_facts  # (registers the line facts first)
from denialkb.engine.facts.claim_facts import drug_classes
from denialkb.engine.facts.helpers import as_date
from denialkb.engine.facts.registry import claim_family, line_family, spec

_PT = ("clinical.prior_therapies",)
_METASTATIC = ("metastatic", "recurrent")
# a therapy that ended without progression: the line of therapy it belonged to goes on (e.g. P+T after docetaxel)
_STOPPED_WITHOUT_PROGRESSION = ("completed", "toxicity", "other")
# EGFR results that are sensitising genomic aberrations (the claim document's enum; wild_type is none)
EGFR_ABERRATIONS = ("exon19_deletion", "l858r")


@claim_family(
    spec("clinical.stopped_for_toxicity_classes", "list", "Drug classes of prior drugs stopped for toxicity "
         "(stop_reason: toxicity): the intolerance exceptions of payer policy.", "computed from clinical.prior_therapies",
         inputs=_PT),
    spec("clinical.current_metastatic_line_classes", "list", "Drug classes of prior therapies of the metastatic line "
         "still going on: metastatic or recurrent setting, stopped without progression (stop_reason completed, "
         "toxicity or other; not progressed), and no later metastatic line and no progression in the same or a later "
         "line recorded (e.g. docetaxel of first-line THP before P+T maintenance).",
         "computed from clinical.prior_therapies", inputs=_PT),
    spec("clinical.prior_therapy_unmodelled_count", "int", "How many prior therapies name a drug the KB does not "
         "model (it belongs to no drug class, so it could be the therapy a rule looks for).",
         "computed from clinical.prior_therapies", inputs=_PT),
    spec("clinical.concurrent_unmodelled_count", "int", "How many drugs of the current regimen (concurrent_drugs) "
         "are names the KB does not model, e.g. a regimen name such as FOLFIRI (it belongs to no drug class, so it "
         "could be the partner drug a rule looks for).", "computed from clinical.concurrent_drugs",
         inputs=("clinical.concurrent_drugs",)),
    spec("clinical.egfr_or_alk_aberration", "bool", "The tumour has an EGFR sensitising mutation (exon 19 deletion, "
         "L858R) or is ALK positive; false only when EGFR is wild type and ALK negative; absent otherwise.",
         "computed from clinical.biomarkers.egfr and clinical.biomarkers.alk",
         inputs=("clinical.biomarkers.egfr", "clinical.biomarkers.alk")),
    spec("claim.condition_codes", "list", "Institutional condition codes (837I HI*BG), e.g. 45 (gender-specific "
         "service).", "claim.condition_codes"),
    spec("claim.lines_with_kx_count", "int", "Number of claim lines carrying the KX modifier (Medicare: requirements "
         "met / gender-specific service).", "claim.lines[*].modifiers"),
)
def clinical_gaps(ctx, c):
    """Intolerance, unmodelled prior drugs, EGFR/ALK aberration, condition codes and KX lines."""
    kb, prior, clin = ctx.kb, ctx.prior, ctx.clin
    has_prior = "prior_therapies" in clin
    tox = sorted({t["drug"] for t in prior if t.get("stop_reason") == "toxicity"})
    bio = clin.get("biomarkers") or {}
    egfr, alk = bio.get("egfr"), bio.get("alk")
    if egfr in EGFR_ABERRATIONS or alk == "positive":
        aberration = True
    elif egfr == "wild_type" and alk == "negative":
        aberration = False
    else:
        aberration = None
    cc = ctx.claim.get("condition_codes")
    return {
        "clinical.stopped_for_toxicity_classes": drug_classes(kb, tox) if has_prior else None,
        "clinical.current_metastatic_line_classes": drug_classes(kb, current_line_drugs(prior)) if has_prior else None,
        "clinical.prior_therapy_unmodelled_count": sum(1 for t in prior if t["drug"] not in kb.drugs)
        if has_prior else None,
        "clinical.concurrent_unmodelled_count": sum(1 for d in ctx.concurrent if d not in kb.drugs)
        if "concurrent_drugs" in clin else None,
        "clinical.egfr_or_alk_aberration": aberration,
        "claim.condition_codes": tuple(sorted({str(x) for x in cc})) if cc is not None else None,
        "claim.lines_with_kx_count": sum(1 for ln in ctx.lines_in if "KX" in (ln.get("modifiers") or [])),
    }


def current_line_drugs(prior) -> list:
    """Prior metastatic drugs stopped without progression whose line of therapy no later or progressed line ended."""
    met = [t for t in prior if t.get("setting") in _METASTATIC]
    out = set()
    for t in met:
        if t.get("stop_reason") not in _STOPPED_WITHOUT_PROGRESSION or t.get("progressed"):
            continue
        ln = t.get("line")
        ended = False
        for o in met:
            if o is t:
                continue
            ol = o.get("line")
            progressed = bool(o.get("progressed")) or o.get("stop_reason") == "progression"
            # a line unknown on either side cannot be placed: a recorded progression then ends the line
            if progressed and (ln is None or ol is None or ol >= ln):
                ended = True
            elif ln is not None and ol is not None and ol > ln:
                ended = True
        if not ended:
            out.add(t["drug"])
    return sorted(out)


def _first_dose_mg(a):
    comps = a.get("components")
    return sum(comps.values()) if comps else a.get("dose_mg")


@line_family(
    spec("line.regimen_earlier_dose_classes", "list", "Drug classes of the drugs administered from the first "
         "recorded dose of the line's drug (or its exposure group) up to the day before the line's date of service: "
         "the earlier doses of the regimen (e.g. docetaxel of the THP cycles before P+T alone).", "administrations"),
    spec("line.exposure_history_partial", "bool", "The administration record starts the line's drug (or its "
         "exposure group) with a dose below the drug's loading dose: earlier doses are not in the record, so the "
         "dose ordinal is only a lower bound. False when it starts with a loading dose; absent when unknown.",
         "administrations", inputs=("administrations", "kb:tables/drugs.yaml")),
)
def line_regimen(ctx, i, ln, c, L):
    """The regimen's earlier doses and whether the record holds the drug's course from its start."""
    ldrug, dos = L["line.drug"], L["line.service_date"]
    if not ldrug or "administrations" not in ctx.data:
        return {"line.regimen_earlier_dose_classes": None, "line.exposure_history_partial": None}
    same = _line_facts._exposure_members(ctx.kb, ldrug)
    mine = sorted((a for a in ctx.administrations if a.drug in same), key=lambda a: a.date)
    first = mine[0].date if mine else dos
    earlier = sorted({a.drug for a in ctx.administrations if a.drug and first <= a.date < dos})
    partial = None
    if mine:
        d0 = [a for a in mine if a.date == first]
        loading = (ctx.kb.drugs.get(d0[0].drug) or {}).get("dosing", {}).get("loading_dose_mg")
        loading = dated_value(loading, L["line.in_force_date"]) if loading is not None else None
        doses = [_first_dose_mg(a) for a in d0 if _first_dose_mg(a)]
        if loading and doses:
            partial = max(doses) < loading - 1e-9
    return {"line.regimen_earlier_dose_classes": drug_classes(ctx.kb, earlier),
            "line.exposure_history_partial": partial}


@line_family(
    spec("line.days_since_major_surgery", "int", "Days from clinical.last_major_surgery_date to the line's date of "
         "service (absent when the date is not given or falls after the date of service).",
         "computed from clinical.last_major_surgery_date", inputs=("clinical.last_major_surgery_date",
                                                                    "claim.lines[{i}].service_date")),
)
def line_surgery(ctx, i, ln, c, L):
    """Days since the last major surgery, on the line's date of service."""
    surgery, dos = as_date(ctx.clin.get("last_major_surgery_date")), as_date(L.get("line.service_date"))
    if surgery is None or dos is None or surgery > dos:
        return {"line.days_since_major_surgery": None}
    return {"line.days_since_major_surgery": (dos - surgery).days}


@claim_family(
    spec("clinical.progression_not_stated_classes", "list", "Drug classes of prior therapies whose record states "
         "neither `progressed` nor a `stop_reason`: whether the disease progressed on them is not known (metamorph "
         "MM-F4), so a rule asking for progression on a class must not conclude \"no progression\" from them.",
         "computed from clinical.prior_therapies", inputs=_PT),
)
def progression_not_stated(ctx, c):
    """Drug classes of prior therapies whose outcome (progressed / stop reason) the record does not state."""
    if "prior_therapies" not in ctx.clin:
        return {"clinical.progression_not_stated_classes": None}
    drugs = sorted({t["drug"] for t in ctx.prior if t.get("progressed") is None and not t.get("stop_reason")})
    return {"clinical.progression_not_stated_classes": drug_classes(ctx.kb, drugs)}
