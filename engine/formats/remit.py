"""Decision records -> a predicted X12 835 remittance and a FHIR R4 ClaimResponse.

Both outputs are predictions, and say so: the 835 is sent as test data (ISA15 ``T``),
its trace number (TRN02) and payer claim control numbers (CLP07) read ``PREDICTED``,
and the ClaimResponse carries a ``predicted`` meta tag and says so in ``disposition``.

Amounts: denialkb predicts denials, not prices. A denied line is adjusted for its whole
billed charge and pays 0; a line without a denial is shown as paid at its billed charge
with no adjustment. These are placeholders that keep the 835 balanced (CLP03 - CAS =
CLP04; BPR02 = sum of CLP04), not payment estimates.

Claim status (CLP02): ``4`` (denied) when a claim-level denial exists or every line is
denied; ``1`` (processed as primary) for a clean claim and for a claim with only some
lines denied. An ``undetermined`` outcome has no 835 status of its own: with
``on_undetermined="pend"`` it is shown as pended (CLP02 ``1``, nothing paid, every line
adjusted ``OA-133`` "pending further review"); ``"skip"`` leaves it out and ``"error"``
refuses it. Every claim left out is named in ``notes``.

Adjustments (CAS): every denial's group and CARC, one segment per group (up to six
reason trios each, repeated beyond); the adjusted amount is split evenly over the
distinct reasons (an 835 reports non-zero adjustments only), so the claim stays balanced.

Voids (claim frequency code 8, from ``claim.frequency_code`` or the last digit of an 837I
type of bill) are never shown as paid: an 835 answers a void by reversing the original
claim's payment (CLP02 ``22`` with group ``CR`` adjustments negating the original ones,
X12 RFI 1429), which a prediction does not know, so a void is left out of the 835 (named
in ``notes``) and its ClaimResponse pays nothing. When every claim is left out, the 835
has no claim loop and pays nothing (``BPR*H*0*C*NON``).
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from denialkb.engine.formats.errors import RemitRenderError

__all__ = ["render_835", "render_fhir", "fhir_bundle", "claim_response_id", "CARC_SYSTEM", "RARC_SYSTEM"]

CARC_SYSTEM = "https://x12.org/codes/claim-adjustment-reason-codes"
RARC_SYSTEM = "https://x12.org/codes/remittance-advice-remark-codes"
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
C4BB_DISCRIMINATOR = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
_GROUPS = ("CO", "PR", "OA", "PI")
_DELIMS = set("*~:^")


def _amount(value: Decimal) -> str:
    """X12 R-type amount: no trailing zeros (4800, 53.37, 0)."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _clean(value: Any, what: str) -> str:
    text = "" if value is None else str(value)
    if _DELIMS & set(text):
        raise RemitRenderError(
            f"{what} contains an X12 delimiter (one of * ~ : ^)",
            location=what,
            hint="claim ids, codes and patient ids must not contain * ~ : ^",
        )
    return text


class _Claim:
    """The numbers of one claim, shared by the 835 and the ClaimResponse."""

    def __init__(self, record: dict, document: dict) -> None:
        self.record = record
        self.document = document
        claim = document.get("claim") or {}
        self.claim = claim
        self.claim_id = record.get("claim_id") or claim.get("id")
        if claim.get("id") and record.get("claim_id") and claim["id"] != record["claim_id"]:
            raise RemitRenderError(
                "decision record and claim document are for different claims",
                location="claim_id",
            )
        self.outcome = record.get("outcome")
        if self.outcome not in ("denied", "clean", "undetermined"):
            raise RemitRenderError(
                f"unknown outcome {self.outcome!r}",
                location=f"{self.claim_id}: outcome",
                expected="denied, clean or undetermined",
            )
        self.lines = claim.get("lines") or []
        numbers = {ln.get("number", i) for i, ln in enumerate(self.lines, start=1)}
        denials = record.get("denials") or []
        self.claim_denials = [d for d in denials if d.get("line") is None]
        self.line_denials: dict[int, list[dict]] = {}
        for d in denials:
            if d.get("group") not in _GROUPS:
                raise RemitRenderError(
                    f"denial {d.get('id')}: group {d.get('group')!r} is not a CAS group",
                    location=f"{self.claim_id}: denials",
                    expected="one of: " + ", ".join(_GROUPS),
                )
            if d.get("line") is not None:
                if d["line"] not in numbers:
                    raise RemitRenderError(
                        f"denial {d.get('id')} names line {d['line']}, which the claim lacks",
                        location=f"{self.claim_id}: denials",
                    )
                self.line_denials.setdefault(d["line"], []).append(d)
        self.charge = {
            ln.get("number", i): Decimal(str(ln.get("charge") or 0))
            for i, ln in enumerate(self.lines, start=1)
        }
        self.total_charge = sum(self.charge.values(), Decimal(0))
        self.void = _frequency(claim) == "8"
        if self.claim_denials or self.void or self.outcome == "undetermined":
            self.paid = {n: Decimal(0) for n in self.charge}
        else:
            self.paid = {
                n: Decimal(0) if n in self.line_denials else c for n, c in self.charge.items()
            }
        self.total_paid = sum(self.paid.values(), Decimal(0))
        all_denied = bool(self.lines) and all(n in self.line_denials for n in self.charge)
        self.status = "4" if (self.claim_denials or all_denied) else "1"


def _frequency(claim: dict) -> str | None:
    """Claim frequency code: ``claim.frequency_code`` (v2), else an 837I type of bill's last digit."""
    if claim.get("frequency_code"):
        return str(claim["frequency_code"])
    tob = claim.get("type_of_bill")
    if claim.get("form") == "institutional" and tob:
        return str(tob)[-1]
    return None


def _cas(denials: list[dict], amount: Decimal) -> list[list[str]]:
    """The CAS segments of an adjustment: every denial's (group, CARC) appears once, one
    segment per group (in the order the denials come) with up to six reason / amount
    trios, repeated when a group has more. The 835 allows no zero adjustment (X12 RFI
    2353), so ``amount`` is split evenly over the distinct reasons, in cents, the first
    reasons taking the remainder; a reason whose share would be 0 (an amount of fewer
    cents than reasons) is not written. Placeholders that keep the claim balanced, not
    a payer's apportionment."""
    reasons = list(dict.fromkeys((d.get("group"), _clean(d.get("carc"), "carc")) for d in denials))
    cents = int((amount * 100).to_integral_value())
    if not reasons or cents <= 0:
        return []
    share, extra = divmod(cents, len(reasons))
    by_group: dict[str, list[tuple[str, Decimal]]] = {}
    for k, (group, carc) in enumerate(reasons):
        part = share + (1 if k < extra else 0)
        if part:
            by_group.setdefault(group, []).append((carc, Decimal(part) / 100))
    segs = []
    for group, trios in by_group.items():
        for start in range(0, len(trios), 6):
            seg = ["CAS", group]
            for carc, value in trios[start:start + 6]:
                seg += [carc, _amount(value), ""]
            segs.append(seg[:-1])  # no empty quantity after the last trio
    return segs


def render_835(
    pairs: Iterable[tuple[dict, dict]],
    *,
    on_undetermined: str = "error",
    notes: list[str] | None = None,
    created: _dt.datetime | None = None,
    control_number: int = 1,
    sender_id: str = "DENIALKB",
    receiver_id: str = "PROVIDER",
) -> str:
    """Render decision records as one predicted X12 835 (005010X221A1) interchange.

    Parameters
    ----------
    pairs : iterable of (record, document)
        Decision records (FORMATS.md section 2 dicts) with their claim documents.
    on_undetermined : {"error", "skip", "pend"}
        What to do with an ``undetermined`` outcome (an 835 has no status for it):
        refuse, leave it out, or show it pended (``OA-133`` on every line, nothing paid).
    notes : list, optional
        Receives one line per claim left out of the 835 (undetermined with "skip", voids).
    created : datetime, optional
        Interchange date/time (default: now). Pass one for reproducible output.
    control_number : int
        ISA13 / GS06 control number.
    sender_id, receiver_id : str
        ISA06 / ISA08 (padded to 15).

    Returns
    -------
    str
        The 835, one segment per line, ``~`` terminated.

    Raises
    ------
    RemitRenderError
        No input at all, an undetermined outcome (with ``on_undetermined="error"``), a denial naming a line
        the claim lacks, an unknown CAS group, or a value containing an X12 delimiter.
    """
    created = created or _dt.datetime.now()
    notes = notes if notes is not None else []
    claims = []
    for record, document in pairs:
        c = _Claim(record, document)
        if c.void:
            original = c.claim.get("original_claim_id")
            notes.append(
                f"{c.claim_id}: a void (frequency 8)"
                + (f" of {original}" if original else "")
                + " is left out of the 835: it reverses the original payment, which is not known here"
            )
            continue
        if c.outcome == "undetermined":
            if on_undetermined == "pend":
                notes.append(f"{c.claim_id}: undetermined, shown as pended (OA-133 on every line, nothing paid)")
                claims.append(c)
                continue
            if on_undetermined == "skip":
                notes.append(f"{c.claim_id}: undetermined, left out of the 835")
                continue
            raise RemitRenderError(
                "outcome is undetermined; an 835 has no claim status for that",
                code="remit_undetermined",
                location=f"{c.claim_id}: outcome",
                hint="pass on_undetermined='skip' to leave such claims out",
            )
        claims.append(c)
    if not claims and not notes:
        raise RemitRenderError("no claim to render in the 835: no input", location="835")
    # every claim left out (voids, skipped undetermined): an 835 with no claim loop and no
    # payment (BPR*H*0*C*NON), valid; ``notes`` says why each claim is not in it
    d8, d6, tm = created.strftime("%Y%m%d"), created.strftime("%y%m%d"), created.strftime("%H%M")
    ctl = f"{control_number:09d}"
    total = sum((c.total_paid for c in claims), Decimal(0))
    body: list[list[str]] = [
        ["ST", "835", "0001"],
        (["BPR", "I", _amount(total), "C", "CHK"] if total > 0 else ["BPR", "H", "0", "C", "NON"])
        + [""] * 11 + [d8],
        ["TRN", "1", f"PREDICTED{ctl}", "1999999999"],
        ["DTM", "405", d8],
        ["N1", "PR", "DENIALKB PREDICTED REMITTANCE"],
        ["N3", "NOT A PAYER ADDRESS"],
        ["N4", "NONE", "PA", "00000"],
        ["PER", "BL", "DENIALKB", "EM", "PREDICTED.INVALID"],
        ["N1", "PE", "PROVIDER", "FI", "000000000"],
    ]
    if claims:
        body.append(["LX", "1"])
    for c in claims:
        body += _claim_segments(c)
    body.append(["SE", str(len(body) + 1), "0001"])
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        _clean(sender_id, "sender_id").ljust(15)[:15],
        "ZZ",
        _clean(receiver_id, "receiver_id").ljust(15)[:15],
        d6,
        tm,
        "^",
        "00501",
        ctl,
        "0",
        "T",
        ":",
    ]
    segs = [
        isa,
        ["GS", "HP", sender_id, receiver_id, d8, tm, str(control_number), "X", "005010X221A1"],
    ]
    segs += body
    segs += [["GE", "1", str(control_number)], ["IEA", "1", ctl]]
    return "".join("*".join(s) + "~\n" for s in segs)


def _claim_segments(c: _Claim) -> list[list[str]]:
    payer = c.claim.get("payer")
    form = c.claim.get("form")
    filing = {
        "medicare": "MA" if form == "institutional" else "MB",
    }.get(payer, "ZZ")
    if form == "institutional" and c.claim.get("type_of_bill"):
        tob = str(c.claim["type_of_bill"]).zfill(4)
        facility, freq = tob[1:3], tob[3]
    else:
        facility, freq = str(c.claim.get("place_of_service") or ""), _frequency(c.claim) or "1"
    segs = [
        [
            "CLP",
            _clean(c.claim_id, "claim_id"),
            c.status,
            _amount(c.total_charge),
            _amount(c.total_paid),
            "",
            filing,
            "PREDICTED",
            _clean(facility, "facility"),
            freq,
        ]
    ]
    if c.claim_denials:
        segs += _cas(c.claim_denials, c.total_charge)
    pid = (c.document.get("patient") or {}).get("id")
    nm1 = ["NM1", "QC", "1", "UNKNOWN"]
    if pid:
        nm1 += ["", "", "", "", "MI", _clean(pid, "patient.id")]
    segs.append(nm1)
    rarcs = [r for d in c.claim_denials for r in d.get("rarc") or []]
    if rarcs:
        segs.append(["MOA", "", ""] + [_clean(r, "rarc") for r in dict.fromkeys(rarcs)][:5])
    if c.claim_denials:
        return segs
    for i, ln in enumerate(c.lines, start=1):
        n = ln.get("number", i)
        units = ln.get("units")
        if not ln.get("code") and ln.get("revenue_code"):
            # a revenue-code-only line: SVC01 is NU:<revenue code>, SVC04 is not used
            comp = ":".join(["NU", _clean(ln["revenue_code"], "revenue_code")])
        else:
            comp = ":".join(
                [_clean(x, "line code") for x in ["HC", ln.get("code"), *(ln.get("modifiers") or [])]]
            )
        svc = ["SVC", comp, _amount(c.charge[n]), _amount(c.paid[n])]
        if form == "institutional" and ln.get("revenue_code") and ln.get("code"):
            svc += [_clean(ln["revenue_code"], "revenue_code")]
        elif units is not None:
            svc += [""]
        if units is not None:
            svc += [_amount(Decimal(str(units)))]
        segs.append(svc)
        if ln.get("service_date"):
            segs.append(["DTM", "472", ln["service_date"].replace("-", "")])
        denials = c.line_denials.get(n, [])
        if c.outcome == "undetermined":
            denials = [{"group": "OA", "carc": "133", "rarc": []}]
        if denials:
            segs += _cas(denials, c.charge[n])
        segs.append(["REF", "6R", str(n)])
        for rarc in dict.fromkeys(r for d in denials for r in d.get("rarc") or []):
            segs.append(["LQ", "HE", _clean(rarc, "rarc")])
    return segs


def _money(value: Decimal) -> dict:
    return {"value": float(value), "currency": "USD"}


def _denial_adjudication(d: dict) -> dict:
    return {
        "category": {
            "coding": [
                {"system": C4BB_DISCRIMINATOR, "code": "denialreason", "display": "Denial Reason"}
            ]
        },
        "reason": {
            "coding": [{"system": CARC_SYSTEM, "code": str(d.get("carc"))}],
            "text": f"{d.get('group')}-{d.get('carc')} {d.get('id')}",
        },
    }


def render_fhir(record: dict, document: dict) -> dict:
    """Render one decision record as a FHIR R4 ClaimResponse (JSON dict), validated.

    Each claim line becomes an ``item`` with a ``submitted`` and a ``benefit``
    adjudication (CodeSystem ``adjudication``), plus one ``denialreason`` adjudication
    (CARIN BB ``C4BBAdjudicationDiscriminator``) per denial whose ``reason`` is the CARC
    (``https://x12.org/codes/claim-adjustment-reason-codes``). Claim-level denials go to
    ``ClaimResponse.adjudication``. Explanations and RARCs
    (``https://x12.org/codes/remittance-advice-remark-codes``) are ``processNote`` entries
    linked from ``item.noteNumber``. Amounts follow the same placeholder rule as the 835.

    Raises
    ------
    RemitRenderError
        The record does not fit the claim, or the result does not validate as a
        ClaimResponse (should not happen; reported with the field path).
    """
    import pydantic
    from fhir.resources.R4B.claimresponse import ClaimResponse

    c = _Claim(record, document)
    notes: list[dict] = []
    if c.void:
        notes.append({"number": 1, "type": "display", "text": "A void (claim frequency 8): nothing is paid."})

    def note_for(d: dict) -> int:
        rarcs = d.get("rarc") or []
        text = d.get("explanation") or d.get("title") or str(d.get("id"))
        if rarcs:
            text += " Remark codes (" + RARC_SYSTEM + "): " + ", ".join(rarcs) + "."
        notes.append({"number": len(notes) + 1, "type": "display", "text": text})
        return len(notes)

    items = []
    for i, ln in enumerate(c.lines, start=1):
        n = ln.get("number", i)
        adj = [
            {
                "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "submitted"}]},
                "amount": _money(c.charge[n]),
            },
            {
                "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "benefit"}]},
                "amount": _money(c.paid[n]),
            },
        ]
        note_numbers = []
        for d in c.line_denials.get(n, []):
            adj.append(_denial_adjudication(d))
            note_numbers.append(note_for(d))
        item: dict[str, Any] = {"itemSequence": n, "adjudication": adj}
        if note_numbers:
            item["noteNumber"] = note_numbers
        items.append(item)
    resource: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": claim_response_id(c.claim_id),
        "meta": {
            "tag": [
                {
                    "system": "urn:denialkb",
                    "code": "predicted",
                    "display": "Predicted by denialkb, not a payer response",
                }
            ]
        },
        "status": "active",
        "type": {
            "coding": [{"system": CLAIM_TYPE_SYSTEM, "code": c.claim.get("form") or "professional"}]
        },
        "use": "claim",
        "patient": _patient_ref(document),
        "created": record.get("evaluated_as_of") or _dt.date.today().isoformat(),
        "insurer": {"display": str(c.claim.get("payer") or "unknown payer")},
        "request": {"identifier": {"value": str(c.claim_id)}},
        "outcome": "partial" if c.outcome == "undetermined" else "complete",
        "disposition": _disposition(c),
        "item": items,
        "total": [
            {
                "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "submitted"}]},
                "amount": _money(c.total_charge),
            },
            {
                "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "benefit"}]},
                "amount": _money(c.total_paid),
            },
        ],
    }
    if c.claim_denials:
        resource["adjudication"] = [_denial_adjudication(d) for d in c.claim_denials]
        for d in c.claim_denials:
            note_for(d)
    if notes:
        resource["processNote"] = notes
    try:
        ClaimResponse.model_validate(resource)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        raise RemitRenderError(
            f"ClaimResponse does not validate: {err['msg']}",
            location=".".join(str(p) for p in err["loc"]),
        ) from None
    return resource


def claim_response_id(claim_id: Any) -> str:
    """The ClaimResponse id of a claim: a UUID-5 of its claim id (deterministic)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:denialkb:claimresponse:{claim_id}"))


def fhir_bundle(resources: list[dict]) -> dict:
    """Several ClaimResponses as one FHIR ``collection`` Bundle (entries with fullUrl)."""
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:denialkb:bundle:" + ",".join(r["id"] for r in resources))),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def _patient_ref(document: dict) -> dict:
    pid = (document.get("patient") or {}).get("id")
    return {"identifier": {"value": str(pid)}} if pid else {"display": "unknown patient"}


def _disposition(c: _Claim) -> str:
    n = len(c.record.get("denials") or [])
    if c.outcome == "denied":
        return f"Predicted by denialkb (not a payer decision): denied, {n} denial reason(s)."
    if c.outcome == "clean":
        return "Predicted by denialkb (not a payer decision): no denial found."
    return "Predicted by denialkb (not a payer decision): undetermined, information missing."
