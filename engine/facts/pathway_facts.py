"""Line facts of the denial pathways of issue 13: code-pair edits, per-day unit ceilings, units summed per
date of service, administration-code time arithmetic from each infusion's own times, JW companion lines.

Every fact here is "absent = unknown": a missing section (administrations, a table row) gives ``None`` or a
value that can only make a rule *not* apply, never a "no" that denies. Facts that read KB tables
(``ncci_pairs``, ``mue``) take their values from the rows only, so a new code pair or ceiling is a table row,
not Python.
"""

from __future__ import annotations

import math

from denialkb.engine.facts.helpers import in_force, minutes_between
from denialkb.engine.facts.line_facts import PROLONGED_INFUSION_MINUTES, consuming_prior_lines
from denialkb.engine.facts.registry import line_family, spec

DISTINCT_SERVICE_MODIFIERS = ("59", "XE", "XS", "XP", "XU")
# administration-record entries that are never timed infusions of an anticancer drug
NOT_INFUSION_CLASSES = ("premedication", "hydration")
_ADM = ("administrations",)
_DAY = ("administrations[*].start", "administrations[*].end", "administrations[*].route")


def _pair_applies(row, payer_id, date) -> bool:
    return (row.get("modifier_indicator") != 9 and in_force(row, date)
            and (not row.get("payers") or payer_id in row["payers"]))


@line_family(
    spec("line.ncci_column1_codes", "list", "Column-1 codes of the KB's procedure-to-procedure pairs (kb ncci_pairs) "
         "billed on another line of the same date, with this line's code in column 2 (empty when none).",
         "kb ncci_pairs", inputs=("claim.lines", "kb:tables/ncci_pairs.yaml")),
    spec("line.ncci_edits_not_bypassed", "int", "How many of those pairs this line does not bypass: modifier "
         "indicator 0, or indicator 1 without 59 / XE / XS / XP / XU on this line (0 when none).",
         "kb ncci_pairs", inputs=("claim.lines", "kb:tables/ncci_pairs.yaml")),
    spec("line.ncci_correct_code", "code", "The code the pair row says this service is reported with instead "
         "(e.g. 96367 for a second initial infusion), from the first pair not bypassed.", "kb ncci_pairs",
         inputs=("kb:tables/ncci_pairs.yaml",)),
)
def line_ncci_pairs(ctx, i, ln, c, L):
    """NCCI-style procedure-to-procedure pairs: this line as the column-2 code of a pair billed that day."""
    code, dos, eff = L["line.code"], L["line.service_date"], L["line.in_force_date"]
    rows = [r for r in ctx.kb.ncci_pairs if r["column2"] == code and _pair_applies(r, ctx.claim["payer"], eff)]
    if not rows:
        return {"line.ncci_column1_codes": (), "line.ncci_edits_not_bypassed": 0, "line.ncci_correct_code": None}
    others = {ctx.codes[j] for j, o in enumerate(ctx.lines_in) if j != i and o["service_date"] == dos}
    hits = [r for r in rows if r["column1"] in others]
    modifier = any(m in DISTINCT_SERVICE_MODIFIERS for m in L["line.modifiers"])
    open_ = [r for r in hits if r["modifier_indicator"] == 0 or not modifier]
    return {
        "line.ncci_column1_codes": tuple(sorted({r["column1"] for r in hits})),
        "line.ncci_edits_not_bypassed": len(open_),
        "line.ncci_correct_code": next((r["instead"] for r in open_ if r.get("instead")), None),
    }


def _mue_row(ctx, code, eff):
    rows = [r for r in ctx.kb.mue if r["code"] == code and r["payer"] == ctx.claim["payer"] and in_force(r, eff)]
    return rows[-1] if rows else None


@line_family(
    spec("line.mue_max_units", "int", "The payer's per-patient, per-day unit ceiling for the code (kb mue): the "
         "practitioner value on a professional claim, the facility value on an institutional one; absent when "
         "the KB has no row.", "kb mue", inputs=("claim.form", "kb:tables/mue.yaml")),
    spec("line.mue_adjudication_indicator", "int", "MUE adjudication indicator of that row: 1 per claim line, "
         "2 per date of service (absolute), 3 per date of service (clinical).", "kb mue", (1, 2, 3),
         inputs=("kb:tables/mue.yaml",)),
    spec("line.mue_units_counted", "num", "Units the ceiling is compared with: the line's units (indicator 1), or "
         "every unit of the code on the date on this claim and on paid or pending prior claims, JW lines included "
         "(indicators 2 and 3); absent when there is no ceiling.", "computed",
         inputs=("claim.lines", "prior_claims", "kb:tables/mue.yaml")),
)
def line_mue(ctx, i, ln, c, L):
    """Medically Unlikely Edits: the payer's per-day unit ceiling of the code, and the units it is compared with."""
    code, dos = L["line.code"], L["line.service_date"]
    row = _mue_row(ctx, code, L["line.in_force_date"])
    if row is None:
        return {"line.mue_max_units": None, "line.mue_adjudication_indicator": None, "line.mue_units_counted": None}
    value = row.get("facility") if ctx.claim.get("form") == "institutional" else row.get("practitioner")
    if row["mai"] == 1:
        counted = ln["units"]
    else:
        counted = sum(o["units"] for j, o in enumerate(ctx.lines_in) if ctx.codes[j] == code and o["service_date"] == dos)
        counted += sum(pl["units"] for pl in consuming_prior_lines(ctx)
                       if pl["code"].upper() == code and pl["service_date"] == dos)
    return {"line.mue_max_units": value, "line.mue_adjudication_indicator": row["mai"],
            "line.mue_units_counted": counted if value is not None else None}


@line_family(
    spec("line.day_units_through_line", "num", "Units of this code on this date on this line and the earlier lines "
         "of the claim, JW (waste) lines left out: what the administered dose is compared with when a dose is "
         "split over several (NDC) lines.", "computed", inputs=("claim.lines",)),
    spec("line.day_jw_line_for_code", "bool", "Another line of the claim bills the same code on the same date "
         "with JW (the companion waste line).", "computed", inputs=("claim.lines",)),
)
def line_day_units(ctx, i, ln, c, L):
    """Units of the line's code summed over the lines of its date."""
    code, dos = L["line.code"], L["line.service_date"]
    same = [(j, o) for j, o in enumerate(ctx.lines_in) if ctx.codes[j] == code and o["service_date"] == dos]

    def jw(o):
        return "JW" in {m.upper() for m in o.get("modifiers", [])}

    return {
        "line.day_units_through_line": sum(o["units"] for j, o in same if j <= i and not jw(o)),
        "line.day_jw_line_for_code": any(j != i and jw(o) for j, o in same),
    }


def _classes(ctx, drug) -> tuple:
    return tuple(ctx.kb.drugs.get(drug, {}).get("classes", ())) if drug else ()


def _interval(a):
    from datetime import datetime

    s, e = a.get("start"), a.get("end")
    if not (s and e):
        return None
    return (datetime.fromisoformat(s.replace("Z", "+00:00")), datetime.fromisoformat(e.replace("Z", "+00:00")))


@line_family(
    spec("line.day_iv_infusions", "int", "Entries of the administration record on the line's date that may be "
         "timed infusions: not subcutaneous, not premedication or hydration (KB classes); drugs the KB does not "
         "model count (absent when the document has no administrations section or no entry for the date).",
         "administrations", inputs=_ADM),
    spec("line.day_sequential_infusions_possible", "int", "Most additional sequential infusions (96417) the "
         "record allows on the date: those entries less one. Only for a version-2 document with an administrations "
         "list (the medication administration record); absent otherwise.", "administrations", inputs=_ADM),
    spec("line.day_iv_times_complete", "bool", "Every one of those entries has a start and an end time "
         "(absent when the record holds no entry for the date).", "administrations", inputs=_DAY),
    spec("line.day_longest_iv_minutes", "num", "Longest of those infusions (minutes); absent when none is timed.",
         "computed from administrations", inputs=_DAY),
    spec("line.day_additional_hour_units_supported", "int", "Additional-hour units (96415) the timed infusions of "
         "the date support, each infusion on its own: floor((minutes - 31) / 60) per infusion longer than 90 "
         "minutes, summed; absent when none is timed.", "computed from administrations", inputs=_DAY),
    spec("line.day_hydration_minutes_outside_infusions", "num", "Minutes of hydration (KB class hydration) on the "
         "line's date that do not overlap a timed infusion of another drug; absent when no hydration is timed.",
         "computed from administrations", inputs=_DAY),
)
def line_day_iv_times(ctx, i, ln, c, L):
    """The day's infusions timed one by one (administration codes: 96413 / 96415 / 96417 / 96360)."""
    # every entry of the date, dosing-history entries included: an untimed one makes the times incomplete
    every = [a for a in ctx.administrations if a.date == L["line.service_date"]]
    # without an administrations section the day's other infusions are not known (version-1 documentation
    # describes one drug), so nothing is said about the day as a whole
    if not every or "administrations" not in ctx.data:
        return {"line.day_iv_infusions": None, "line.day_sequential_infusions_possible": None,
                "line.day_iv_times_complete": None, "line.day_longest_iv_minutes": None,
                "line.day_additional_hour_units_supported": None, "line.day_hydration_minutes_outside_infusions": None}
    inf = [a for a in every if a.get("route") != "SC" and not set(_classes(ctx, a.drug)) & set(NOT_INFUSION_CLASSES)]
    hyd = [a for a in every if "hydration" in _classes(ctx, a.drug)]
    mins = [m for m in (minutes_between(a.get("start"), a.get("end")) for a in inf) if m is not None]
    if ctx.day_units_in_code_set(L["line.service_date"], "prolonged_pump_infusion_services"):
        # the prolonged pump infusion (96416, more than 8 hours) is not an additional hour of 96413 / 96415
        mins = [m for m in mins if m <= PROLONGED_INFUSION_MINUTES]
    spans = [iv for iv in (_interval(a) for a in inf) if iv]
    outside = None
    for h in hyd:
        hv = _interval(h)
        if hv is None:
            continue
        total = (hv[1] - hv[0]).total_seconds() / 60
        for s, e in _merged(spans):
            lo, hi = max(s, hv[0]), min(e, hv[1])
            if hi > lo:
                total -= (hi - lo).total_seconds() / 60
        outside = (outside or 0) + total
    return {
        "line.day_iv_infusions": len(inf),
        # only the version-2 medication administration record lists every drug given (FORMATS.md section 3)
        "line.day_sequential_infusions_possible": max(0, len(inf) - 1)
        if ctx.data.get("format_version") == 2 and "administrations" in ctx.data else None,
        "line.day_iv_times_complete": all(a.get("start") and a.get("end") for a in inf),
        "line.day_longest_iv_minutes": max(mins) if mins else None,
        "line.day_additional_hour_units_supported": sum(max(0, math.floor((m - 31) / 60)) for m in mins) if mins else None,
        "line.day_hydration_minutes_outside_infusions": round(outside, 1) if outside is not None else None,
    }


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
