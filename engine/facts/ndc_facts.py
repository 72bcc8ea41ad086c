"""Line facts of the NDC quantity and unit of measure (issue 13, pathway 5; kb-review probe P17).

The NDC quantity a line reports (``ndc_quantity`` in ``ndc_unit``) is compared with the quantity the billed HCPCS
units mean for the KB product of the line's NDC: units x milligrams per unit, divided by the product's strength,
gives vials (UN); times its volume gives millilitres (ML); ME is the milligrams themselves. Payers disagree on
whole-vial versus administered quantities, so both are accepted (the nearer one is compared). The tolerance is the
rule author's: rules compare ``line.ndc_quantity_deviation_percent`` with a number they choose.

Absent is unknown: no NDC, quantity or unit, an NDC the KB does not list, a product without strength (or volume,
for ML), or a unit the arithmetic cannot convert (GR, F2) gives ``None``, which never makes a rule apply.
"""

from __future__ import annotations

import math

from denialkb.engine.facts.helpers import in_force
from denialkb.engine.facts.registry import line_family, spec

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


@line_family(
    spec("line.ndc_quantity_expected", "num", "NDC quantity the billed units mean in the line's NDC unit for the KB "
         "product of its NDC: vials (UN), millilitres from the product's volume (ML) or milligrams (ME); the exact "
         "amount, not rounded to whole vials. Absent when the product, its strength (volume for ML), the units or the "
         "NDC unit is not known, or the unit is GR / F2.", "computed", inputs=_IN),
    spec("line.ndc_quantity_deviation_percent", "num", "How far the reported NDC quantity is from the expected one, "
         "in percent of it (the nearest of the exact amount, whole millilitres for ML, and whole vials for UN and ML); absent when either is "
         "absent.", "computed", inputs=_IN),
    spec("line.ndc_drug_one_vial_size", "bool", "Every KB product of the NDC's drug in force on the date has the same "
         "strength, so no second vial size can explain a quantity that differs from the units (absent without a "
         "known NDC).", "kb products", inputs=("claim.lines[{i}].ndc", "kb:tables/drugs.yaml")),
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
            "line.ndc_drug_one_vial_size": one}
    if not (prod and q and unit and per_unit and units) or L.get("line.ndc_drug") != L.get("line.code_drug"):
        return none
    strength, volume = prod[1].get("strength_mg"), prod[1].get("volume_ml")
    if not strength:
        return none
    cands = _candidates(unit, units * per_unit, strength, volume)
    if not cands:
        return none
    dev = min(abs(q - e) / e * 100 for e in cands)
    return {"line.ndc_quantity_expected": round(cands[0], 3), "line.ndc_quantity_deviation_percent": round(dev, 1),
            "line.ndc_drug_one_vial_size": one}
