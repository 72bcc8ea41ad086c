"""Line facts of the NDC quantity and unit of measure (issue 13, pathway 5; kb-review probe P17).

The NDC quantity a line reports (``ndc_quantity`` in ``ndc_unit``) is compared with the quantity the billed HCPCS
units mean for the KB product of the line's NDC: units x milligrams per unit, divided by the product's strength,
gives vials (UN); times its volume gives millilitres (ML); ME is the milligrams themselves. Payers disagree on
whole-vial versus administered quantities, so both are accepted (the nearer one is compared). The tolerance is the
rule author's: rules compare ``line.ndc_quantity_deviation_percent`` with a number they choose.

A drug with several vial sizes (Cyramza 100 / 500 mg, trastuzumab 150 / 420 mg) may hold a dose in a mix of sizes;
``line.ndc_quantity_any_size_deviation_percent`` also accepts the whole-vial count (UN) or volume (ML) of every mix
of the drug's sizes that holds the billed units without a spare vial. A quantity only such a mix explains is a
two-size dose reported on one NDC line (the payers that want one line per NDC deny it).

Whole vials across NDC lines: the units of a single-dose drug's code on a date, JW (waste) lines included, are
compared with the smallest whole-vial total of the sizes the lines' NDCs name that holds the administered units
(CMS: the discarded amount is the labelled amount of the vial less the amount administered).

Absent is unknown: no NDC, quantity or unit, an NDC the KB does not list, a product without strength (or volume,
for ML), or a unit the arithmetic cannot convert (GR, F2) gives ``None``, which never makes a rule apply.
"""

from __future__ import annotations

import math

from denialkb.engine.facts.helpers import best_vials, in_force, normalize_ndc
from denialkb.engine.facts.registry import line_family, spec

# bounds of the vial-mix enumeration (a dose needing more vials than this is not compared)
_MAX_SIZES = 4
_MAX_VIALS = 60

_IN = ("claim.lines[{i}].units", "claim.lines[{i}].ndc", "claim.lines[{i}].ndc_quantity",
       "claim.lines[{i}].ndc_unit", "kb:tables/drugs.yaml", "kb:tables/hcpcs.yaml")


def _candidates(unit, mg, strength, volume):
    vials = mg / strength
    if unit == "UN":
        return (vials, float(math.ceil(vials - 1e-9)))
    if unit == "ML" and volume:
        ml = vials * volume  # the exact volume, rounded up to whole millilitres, or whole vials' volume
        return (ml, float(math.ceil(ml - 1e-9)), math.ceil(vials - 1e-9) * volume)
    if unit == "ME":
        return (mg,)
    return ()


def _sizes(ctx, drug, date):
    """The drug's vial sizes in force: strength (mg) -> volume (mL, None when unknown or conflicting)."""
    out: dict = {}
    for p in ctx.kb.drugs.get(drug, {}).get("products", []):
        if not in_force(p, date) or not p.get("strength_mg"):
            continue
        st, vol = p["strength_mg"], p.get("volume_ml")
        out[st] = vol if (st not in out or out[st] == vol) else None
    return out


def _mixes(mg, sizes):
    """Every count of vials per size (a tuple aligned with ``sizes``) whose total holds ``mg`` with no spare vial:
    leaving out any one vial would not hold it."""
    found = []
    if not sizes or mg <= 0 or len(sizes) > _MAX_SIZES or mg / min(sizes) > _MAX_VIALS:
        return found

    def rec(k, counts, total):
        if total >= mg - 1e-9:
            if all(total - s < mg - 1e-9 for s, n in zip(sizes, counts, strict=True) if n):
                found.append(tuple(counts))
            return
        if k == len(sizes) or sum(counts) >= _MAX_VIALS:
            return
        rec(k + 1, counts, total)
        counts = list(counts)
        while total < mg - 1e-9 and sum(counts) < _MAX_VIALS:
            counts[k] += 1
            total += sizes[k]
            rec(k + 1, counts, total)

    rec(0, [0] * len(sizes), 0.0)
    return found


def _mix_candidates(unit, mg, sizes, own):
    """Quantities a mix of the drug's vial sizes that holds ``mg`` gives: the whole mix (its vial count for UN, its
    whole-vial volume for ML) and, for a mix with vials of the line's own size ``own`` and of another size, the
    own-size vials alone (the line reports only its NDC's part of a two-size dose). None when the ML arithmetic
    is not known (a size without volume, or sizes of different concentrations)."""
    strengths = sorted(sizes)
    mixes = _mixes(mg, strengths)
    k = strengths.index(own) if own in strengths else None
    parts = [m[k] for m in mixes if k is not None and m[k] and sum(m) > m[k]]
    if unit == "UN":
        return tuple(float(sum(m)) for m in mixes) + tuple(float(n) for n in parts)
    if unit == "ML":
        vols = [sizes[s] for s in strengths]
        if not all(vols) or len({round(s / v, 6) for s, v in zip(strengths, vols, strict=True)}) > 1:
            return None
        return (tuple(float(sum(n * v for n, v in zip(m, vols, strict=True))) for m in mixes)
                + tuple(float(n * vols[k]) for n in parts))
    return ()


@line_family(
    spec("line.ndc_quantity_expected", "num", "NDC quantity the billed units mean in the line's NDC unit for the KB "
         "product of its NDC: vials (UN), millilitres from the product's volume (ML) or milligrams (ME); the exact "
         "amount, not rounded to whole vials. Absent when the product, its strength (volume for ML), the units or the "
         "NDC unit is not known, or the unit is GR / F2.", "computed", inputs=_IN),
    spec("line.ndc_quantity_deviation_percent", "num", "How far the reported NDC quantity is from the expected one, "
         "in percent of it (the nearest of the exact amount, whole millilitres for ML, and whole vials for UN and ML); "
         "a quantity within one billing unit of the billed units (they are rounded: up when given, down for JW) is "
         "the exact amount (0); absent when either is absent.", "computed", inputs=_IN),
    spec("line.ndc_drug_one_vial_size", "bool", "Every KB product of the NDC's drug in force on the date has the same "
         "strength, so no second vial size can explain a quantity that differs from the units (absent without a "
         "known NDC).", "kb products", inputs=("claim.lines[{i}].ndc", "kb:tables/drugs.yaml")),
    spec("line.ndc_quantity_any_size_deviation_percent", "num", "How far the reported NDC quantity is from the "
         "nearest quantity any of the drug's vial sizes explain: the line's own NDC (as "
         "line.ndc_quantity_deviation_percent) or a mix of the drug's sizes in force that holds the billed units "
         "with no spare vial (its vial count for UN, its whole-vial volume for ML; or, for a mix with vials of the "
         "NDC's own size and of another, the own-size vials alone), in percent. Equal to "
         "line.ndc_quantity_deviation_percent for a one-size drug; absent when that is absent, for a multiple-dose "
         "vial of a drug with several sizes, or for ML when a size has no volume or the sizes differ in "
         "concentration.", "computed", inputs=_IN),
)
def line_ndc_quantity(ctx, i, ln, c, L):
    """The NDC quantity the billed HCPCS units mean for the line's product, and how far the reported one is from it."""
    ndc11, q, unit = L.get("line.ndc11"), ln.get("ndc_quantity"), ln.get("ndc_unit")
    per_unit, units = L.get("line.billing_unit_mg"), ln.get("units")
    prod = ctx.kb.ndc_index.get(ndc11) if ndc11 else None
    one = None
    if prod:
        sizes = {p.get("strength_mg") for p in ctx.kb.drugs.get(prod[0], {}).get("products", [])
                 if in_force(p, L.get("line.in_force_date"))}
        one = len(sizes) == 1
    none = {"line.ndc_quantity_expected": None, "line.ndc_quantity_deviation_percent": None,
            "line.ndc_drug_one_vial_size": one, "line.ndc_quantity_any_size_deviation_percent": None}
    if not (prod and q and unit and per_unit and units) or L.get("line.ndc_drug") != L.get("line.code_drug"):
        return none
    strength, volume = prod[1].get("strength_mg"), prod[1].get("volume_ml")
    if not strength:
        return none
    cands = _candidates(unit, units * per_unit, strength, volume)
    if not cands:
        return none
    mg = units * per_unit
    # the billed units are the amount rounded to whole billing units (up when given, down for JW waste), so the
    # exact amount lies within one billing unit of them: a quantity inside that band is the exact amount
    lo = _candidates(unit, max(units - 1, 0) * per_unit, strength, volume)[0]
    hi = _candidates(unit, (units + 1) * per_unit, strength, volume)[0]
    band = 0.0 if lo <= q <= hi else min(abs(q - lo), abs(q - hi)) / cands[0] * 100
    dev = min([band] + [abs(q - e) / e * 100 for e in cands[1:]])
    if one:
        mixed = ()
    elif prod[1].get("container") == "multi_dose":
        # a multiple-dose vial of a drug with several sizes is drawn across doses and mixed with single-dose vials
        # (480 mg of trastuzumab: 1 UN of the 420 mg vial and more): not compared
        mixed = None
    else:
        mixed = _mix_candidates(unit, mg, _sizes(ctx, prod[0], L.get("line.in_force_date")), strength)
    any_dev = None if mixed is None else min([dev] + [abs(q - e) / e * 100 for e in mixed if e])
    return {"line.ndc_quantity_expected": round(cands[0], 3), "line.ndc_quantity_deviation_percent": round(dev, 1),
            "line.ndc_drug_one_vial_size": one,
            "line.ndc_quantity_any_size_deviation_percent": None if any_dev is None else round(any_dev, 1)}


def _jw(ln) -> bool:
    return "JW" in {m.upper() for m in ln.get("modifiers", [])}


_DAY_IN = ("claim.lines", "administrations[*].vials", "kb:tables/drugs.yaml")


@line_family(
    spec("line.day_record_ndcs_not_billed", "list", "NDCs (11 digits) of the vials the administration record lists "
         "for the line's drug on its date, KB products of that drug, that no line of the line's code on that date "
         "reports. Given on the first line of the code on the date only; absent on the others and when the record "
         "lists no vials.", "computed", inputs=_DAY_IN),
    spec("line.day_record_ndcs_not_billed_count", "int", "The number of vial NDCs of the line's drug in the "
         "administration record for its date that no line of its code reports (given as "
         "line.day_record_ndcs_not_billed is).", "computed", inputs=_DAY_IN),
)
def line_day_record_ndcs(ctx, i, ln, c, L):
    """The vial NDCs of the administration record that no NDC line of the code reports."""
    none = {"line.day_record_ndcs_not_billed": None, "line.day_record_ndcs_not_billed_count": None}
    code, dos, drug = L.get("line.code"), L.get("line.service_date"), L.get("line.drug")
    same = [j for j, o in enumerate(ctx.lines_in) if ctx.codes[j] == code and o["service_date"] == dos]
    if not drug or not same or same[0] != i:
        return none
    vials = [v for a in ctx.administration(dos, drug) if a.record for v in (a.get("vials") or [])]
    listed = {normalize_ndc(str(v.get("ndc"))) for v in vials if v.get("ndc")}
    listed = {n for n in listed if n and ctx.kb.ndc_index.get(n, (None,))[0] == drug}
    if not vials:
        return none
    billed = {normalize_ndc(str(ctx.lines_in[j].get("ndc"))) for j in same if ctx.lines_in[j].get("ndc")}
    missing = tuple(sorted(listed - billed))
    return {"line.day_record_ndcs_not_billed": missing, "line.day_record_ndcs_not_billed_count": len(missing)}


@line_family(
    spec("line.day_units_with_waste", "num", "Units of the line's code on its date, JW (waste) lines included. Given "
         "on the first JW line of the code on the date only.", "computed", inputs=("claim.lines",)),
    spec("line.day_administered_units", "num", "Units of the line's code on its date on the lines without JW. Given "
         "on the first JW line of the code on the date only.", "computed", inputs=("claim.lines",)),
    spec("line.day_whole_vial_units", "num", "Units of the smallest whole-vial total of the vial sizes the NDCs of "
         "the code's lines on the date name (at least one vial of each) that holds the administered units: what "
         "administered plus JW units make when the JW lines bill the rest of the vials. Given on the first JW line "
         "of the code on the date, when every line of the code on the date names a single-dose KB product of the "
         "code's drug whose strength is a whole number of billing units; absent otherwise (with a warning).",
         "computed", inputs=("claim.lines", "kb:tables/drugs.yaml", "kb:tables/hcpcs.yaml")),
    spec("line.day_billed_vial_sizes_mg", "list", "The vial sizes (mg) those NDCs name.", "computed",
         inputs=("claim.lines", "kb:tables/drugs.yaml")),
)
def line_day_whole_vials(ctx, i, ln, c, L):
    """Administered plus wasted units of a single-dose drug across its NDC lines against whole vials."""
    out = {"line.day_units_with_waste": None, "line.day_administered_units": None,
           "line.day_whole_vial_units": None, "line.day_billed_vial_sizes_mg": None}
    code, dos, drug, unit = L.get("line.code"), L.get("line.service_date"), L.get("line.drug"), L.get("line.billing_unit_mg")
    if not (drug and unit and _jw(ln)) or L.get("line.code_kind") != "drug":
        return out
    same = [j for j, o in enumerate(ctx.lines_in) if ctx.codes[j] == code and o["service_date"] == dos]
    if next(j for j in same if _jw(ctx.lines_in[j])) != i:
        return out
    admin = sum(ctx.lines_in[j]["units"] for j in same if not _jw(ctx.lines_in[j]))
    out["line.day_units_with_waste"] = sum(ctx.lines_in[j]["units"] for j in same)
    out["line.day_administered_units"] = admin
    sizes, why = set(), None
    for j in same:
        nd = ctx.lines_in[j].get("ndc")
        prod = ctx.kb.ndc_index.get(normalize_ndc(str(nd))) if nd else None
        if not prod or prod[0] != drug or not in_force(prod[1], L.get("line.in_force_date")):
            why = f"line {ctx.lines_in[j].get('number', j + 1)} names no NDC of a {code} product this knowledge base lists"
            break
        st = prod[1].get("strength_mg")
        if prod[1].get("container") != "single_dose" or not st or abs(st / unit - round(st / unit)) > 1e-9:
            why = f"line {ctx.lines_in[j].get('number', j + 1)} names a product that is not single-dose, or whose vial is not whole billing units"
            break
        sizes.add(st)
    if why:
        ctx.warn("whole_vials_not_checked", f"claim.lines[{i}]",
                 f"line {ln.get('number', i + 1)}: administered plus JW units of {code} are not checked against whole "
                 f"vials: {why}")
        return out
    base = sum(sizes)
    need = admin * unit - base
    total = base + (best_vials(need, sorted(sizes)) or 0) if need > 1e-9 else base
    out["line.day_whole_vial_units"] = round(total / unit)
    out["line.day_billed_vial_sizes_mg"] = tuple(sorted(sizes))
    return out



@line_family(
    spec("line.day_other_ndcs_of_drug_count", "int", "The number of other NDCs of the line's drug (KB products) "
         "reported on the other lines of its code on its date: 0 when none is (absent without a known NDC on the "
         "line).", "computed", inputs=("claim.lines", "kb:tables/drugs.yaml")),
)
def line_day_other_ndcs(ctx, i, ln, c, L):
    """Other NDCs of the line's drug on the lines of its code and date."""
    ndc11, drug = L.get("line.ndc11"), L.get("line.drug")
    if not (ndc11 and drug and ctx.kb.ndc_index.get(ndc11, (None,))[0] == drug):
        return {"line.day_other_ndcs_of_drug_count": None}
    code, dos = L.get("line.code"), L.get("line.service_date")
    others = set()
    for j, o in enumerate(ctx.lines_in):
        if j == i or ctx.codes[j] != code or o["service_date"] != dos or not o.get("ndc"):
            continue
        n = normalize_ndc(str(o["ndc"]))
        if n and n != ndc11 and ctx.kb.ndc_index.get(n, (None,))[0] == drug:
            others.add(n)
    return {"line.day_other_ndcs_of_drug_count": len(others)}
