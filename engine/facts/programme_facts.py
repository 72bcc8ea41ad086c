"""Line facts of biosimilar preferred-product programmes (issue 13, pathway 10): payer rows that name the
preferred products of a drug class from a date, for new starts only or for every patient, and the preferred
products when the class is given with a combination partner (UHC: trastuzumab with Perjeta).

The programme is a row of the payer file (``preferred_products``), so a new programme or payer is YAML only.
"New start" follows the row's look-back (Highmark: no use of the class in the last 180 days) and is read from
the drug history the claim document carries (FORMATS section 3):

* use of a drug of the class *is* found when an ``administrations`` entry dated inside the look-back before
  the date of service, a ``clinical.prior_therapies`` entry running into the look-back, or a paid / pending
  ``prior_claims`` line of a class code inside the look-back names it -> not a new start;
* a prior therapy of the class without a start date cannot be placed in time: it shows no use, and it
  keeps "no use" from being known;
* *no* use is known only when the document carries all three -- ``clinical.prior_therapies`` (earlier
  regimens; an empty list says "none"), ``administrations`` (the doses of the current regimen) and
  ``prior_claims`` (an empty list says "none billed") -- and none of them shows use -> a new start;
* otherwise (a section missing and no use found) the history is not known: ``line.programme_new_start`` is
  absent, so a rule applying the programme to new starts is undetermined, never a denial by default.
"""

from __future__ import annotations

import datetime as _dt

from denialkb.engine.facts.helpers import as_date, in_force
from denialkb.engine.facts.line_facts import consuming_prior_lines
from denialkb.engine.facts.registry import line_family, spec

_HIST = ("clinical.prior_therapies", "administrations", "prior_claims")


def programme_for(kb, payer_id, drug, date):
    """The payer's preferred-product programme row governing ``drug`` on ``date`` (the drug belongs to the
    row's drug class and the row is in force), or None. When several rows match, the last one listed wins."""
    payer = kb.payers.get(payer_id)
    if payer is None or not drug:
        return None
    classes = set((kb.drugs.get(drug) or {}).get("classes", ()))
    rows = [r for r in payer.raw.get("preferred_products") or []
            if r.get("drug_class") in classes and in_force(r, date)]
    return rows[-1] if rows else None


def _class_members(kb, cls) -> frozenset:
    return frozenset(d for d, row in kb.drugs.items() if cls in (row.get("classes") or ()))


def class_use_dates(ctx, cls, dos, lookback_days) -> list:
    """Dates (ISO) on which the document shows a drug of class ``cls`` given in the ``lookback_days`` days
    before ``dos`` (the date of service itself excluded): administrations, prior therapies, prior claims."""
    members = _class_members(ctx.kb, cls)
    lo = (as_date(dos) - _dt.timedelta(days=lookback_days)).isoformat()
    out = [a.date for a in ctx.administrations if a.drug in members and lo <= a.date < dos]
    for t in ctx.prior:
        start, end = t.get("start_date"), t.get("end_date")
        if t["drug"] in members and start and start < dos and (not end or end >= lo):
            out.append(end if end and end < dos else start)
    for pl in consuming_prior_lines(ctx):
        row = ctx.kb.hcpcs.get(pl["code"].upper())
        if row and row.get("drug") in members and lo <= pl["service_date"] < dos:
            out.append(pl["service_date"])
    return sorted(set(out))


@line_family(
    spec("line.programme", "str", "Id of the payer's preferred-product programme (kb/payers preferred_products) "
         "governing the line's drug on its date: the drug belongs to the row's drug class (absent when none).",
         "kb payers", inputs=("claim.payer", "kb:payers")),
    spec("line.programme_applies_to", "str", "Whom that programme applies to: new_starts (no use of the class in "
         "its look-back) or all patients.", "kb payers", ("new_starts", "all"), inputs=("kb:payers",)),
    spec("line.programme_combination", "bool", "A combination partner the programme names (e.g. pertuzumab) is "
         "billed on another line of the same date (false when the programme has no combination row).",
         "claim.lines", inputs=("claim.lines", "kb:payers")),
    spec("line.programme_preferred_drugs", "list", "The programme's preferred drugs for this line: the "
         "combination's when a partner is billed the same day, else the row's.", "kb payers",
         inputs=("kb:payers",)),
    spec("line.programme_nonpreferred", "bool", "The line's drug is not one of those preferred drugs.",
         "computed", inputs=("claim.lines[{i}].code", "kb:payers")),
    spec("line.programme_new_start", "bool", "No drug of the programme's class was given in its look-back before "
         "the date of service (administrations, prior therapies, paid or pending prior claims). True only when "
         "clinical.prior_therapies, administrations and prior_claims are all present and none shows use; false when "
         "any use is found; absent when not known.",
         "computed", inputs=_HIST),
    spec("line.programme_last_class_use", "date", "Latest date in the look-back on which the document shows a drug "
         "of the programme's class (absent when none is shown).", "computed", inputs=_HIST),
    spec("line.programme_lookback_days", "int", "The programme's new-start look-back in days.", "kb payers",
         inputs=("kb:payers",)),
)
def line_programme(ctx, i, ln, c, L):
    """The biosimilar preferred-product programme of the line's drug, and whether the patient is a new start."""
    none = {"line.programme": None, "line.programme_applies_to": None, "line.programme_combination": None,
            "line.programme_preferred_drugs": None, "line.programme_nonpreferred": None,
            "line.programme_new_start": None, "line.programme_last_class_use": None,
            "line.programme_lookback_days": None}
    drug, dos = L["line.drug"], L["line.service_date"]
    row = programme_for(ctx.kb, ctx.claim["payer"], drug, L["line.in_force_date"])
    if row is None:
        return none
    combo = row.get("combination")
    with_partner = False  # a programme without a combination row has no combination to prefer
    if combo:
        others = {ctx.line_code_drug(j) for j, o in enumerate(ctx.lines_in) if j != i and o["service_date"] == dos}
        with_partner = bool(others & set(combo["partner_drugs"]))
    preferred = tuple(combo["preferred_drugs"] if with_partner else row["preferred_drugs"])
    days = row.get("new_start_lookback_days")
    used = class_use_dates(ctx, row["drug_class"], dos, days) if days else []
    members = _class_members(ctx.kb, row["drug_class"])
    undated = any(t["drug"] in members and not t.get("start_date") for t in ctx.prior)
    if used:
        new_start = False
    elif days and "prior_therapies" in ctx.clin and all(k in ctx.data for k in ("administrations", "prior_claims")) \
            and not undated:
        new_start = True
    else:
        new_start = None
    return {
        "line.programme": row["id"],
        "line.programme_applies_to": row["applies_to"],
        "line.programme_combination": with_partner,
        "line.programme_preferred_drugs": preferred,
        "line.programme_nonpreferred": drug not in preferred,
        "line.programme_new_start": new_start,
        "line.programme_last_class_use": used[-1] if used else None,
        "line.programme_lookback_days": days,
    }
