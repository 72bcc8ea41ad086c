"""The version-1 view of a converted claim document (for tests written against v1 documents).

Once the claim schema is version 2 the converters add what the formats carry (providers,
frequency code, member id, plan type, line places of service ...). Tests that compare a
converted document with a hand-written version-1 document compare its v1 view; the v2 fields
have their own tests (tests/test_formats_v2.py).
"""

from __future__ import annotations

import copy

_TOP = ("format_version", "providers")
_CLAIM = ("frequency_code", "original_claim_id")
_COVERAGE = ("member_id", "plan_type", "other_coverage")
_LINE = ("place_of_service", "service_date_end", "paid_amount", "allowed_amount")


def v1_view(doc: dict, reference: dict | None = None) -> dict:
    """``doc`` without the v2 fields that ``reference`` (the expected document) does not hold."""
    ref = reference or {}
    out = copy.deepcopy(doc)
    for key in _TOP:
        if key not in ref:
            out.pop(key, None)
    claim, ref_claim = out.get("claim") or {}, ref.get("claim") or {}
    for key in _CLAIM:
        if key not in ref_claim:
            claim.pop(key, None)
    ref_lines = {ln.get("number"): ln for ln in ref_claim.get("lines") or []}
    for ln in claim.get("lines") or []:
        for key in _LINE:
            if key not in ref_lines.get(ln.get("number"), {}):
                ln.pop(key, None)
    if "coverage" in out:
        ref_cov = ref.get("coverage") or {}
        for key in _COVERAGE:
            if key not in ref_cov:
                out["coverage"].pop(key, None)
        if not out["coverage"] and "coverage" not in ref:
            out.pop("coverage")
    return out
