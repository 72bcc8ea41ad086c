"""Claim documents -> X12 837P / 837I (005010) and FHIR R4 Bundles.

The writers produce test material and exports; they write exactly what
:func:`~denialkb.engine.formats.x12.read_x12` and
:func:`~denialkb.engine.formats.fhir.read_fhir` read back, so a round trip through
either format gives the same claim section (see docs/formats.md, "Writers").

Everything is deterministic: no clock, no random ids. Interchange dates are the claim's
``received_date`` (else its last service date); FHIR ids are UUID-5 values derived from
the claim id. Header values an 837 needs but a claim document does not hold (submitter,
billing provider, names and addresses) are fixed placeholders.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

from denialkb.engine.formats._common import (
    CLAIM_INFO_CATEGORY,
    FREQUENCY_SYSTEM,
    RELATED_CLAIM_SYSTEM,
)

__all__ = ["write_837", "write_bundle"]

_VERSIONS = {"P": "005010X222A1", "I": "005010X223A2"}
_FILING = {"medicare": "MB", "commercial": "CI"}
#: coverage.plan_type -> SBR09 (read back by read_x12 as the same plan type).
_PLAN_FILING = {"medicare_ffs": "MB", "medicare_advantage": "16", "medicaid": "MC", "commercial": "CI"}
_PAYER_NAME = {"medicare": "MEDICARE", "commercial": "COMMERCIAL PAYER"}
#: Revenue code for an 837I line that has none: drugs (J/Q codes) 0636, else 0335.
_REV_DRUG, _REV_ADMIN = "0636", "0335"
_DEFAULT_TOB = "0131"

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NDC = "http://hl7.org/fhir/sid/ndc"
LOINC = "http://loinc.org"
HCPCS = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
#: productOrService of a revenue-code-only item (no HCPCS/CPT), as CARIN Blue Button does
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
_SEX = {"F": "female", "M": "male", "U": "unknown"}
#: clinical.cancer.primary_site -> an ICD-10-CM code read_fhir maps back to that site
#: (used when no claim diagnosis already names the site).
SITE_CODES = {
    "breast": "C50.919",
    "stomach": "C16.9",
    "esophagus": "C15.9",
    "colorectal": "C18.9",
    "liver_hcc": "C22.0",
}
_SITE_PREFIX = {
    "breast": ("C50",),
    "stomach": ("C16",),
    "esophagus": ("C15",),
    "colorectal": ("C18", "C19", "C20"),
    "liver_hcc": ("C22.0",),
}
_SECONDARY = ("C77", "C78", "C79")
_ISH = {
    "amplified": ("LA6576-8", "Positive"),
    "not_amplified": ("LA6577-6", "Negative"),
}


def _num(value: Any) -> str:
    """A decimal for X12 (``420``, ``7.15``, ``4800``)."""
    num = float(value)
    if num.is_integer():
        return str(int(num))
    return f"{num:.10f}".rstrip("0").rstrip(".")


def _d8(iso: str) -> str:
    return str(iso)[:10].replace("-", "")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    return str(value)[:10]


def _fhir_time(value: Any) -> str:
    """A claim-document date-time (``2024-03-15T09:10``) as a FHIR dateTime. FHIR requires a
    time zone and the document has none: the time is written as UTC (read back unchanged)."""
    text = value.isoformat(timespec="minutes") if isinstance(value, _dt.datetime) else str(value)
    text = text.replace(" ", "T")[:16]
    return f"{text}:00Z" if len(text) == 16 else text


def _interchange_date(claim: dict) -> str:
    if claim.get("received_date"):
        return _iso(claim["received_date"])  # type: ignore[return-value]
    dates = [_iso(ln.get("service_date")) for ln in claim.get("lines") or []]
    dates = [d for d in dates if d]
    return max(dates) if dates else "2000-01-01"


def ndc11(ndc: str) -> str:
    """An NDC as the 11 digits (5-4-2) an 837 LIN03 carries.

    A hyphenated 10-digit NDC is padded with a leading zero in the short segment
    (4-4-2 labeler, 5-3-2 product, 5-4-1 package), the HIPAA 11-digit form; anything
    else loses its hyphens unchanged.
    """
    parts = str(ndc).split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        widths = (5, 4, 2)
        if sum(map(len, parts)) == 10:
            return "".join(p.zfill(w) for p, w in zip(parts, widths, strict=True))
    return str(ndc).replace("-", "")


def _is_drug(code: str) -> bool:
    return code[:1] in ("J", "Q")


def write_837(doc: dict, variant: str = "P") -> str:
    """Write a claim document's claim, patient and payer data as an 837 interchange.

    Parameters
    ----------
    doc : dict
        A claim document (FORMATS.md section 1). Only ``claim`` and ``patient`` (id,
        birth date, sex) are written; everything else has no 837 element here.
    variant : {"P", "I"}
        ``"P"``: 837P 005010X222A1 (SV1, place of service, diagnosis pointers).
        ``"I"``: 837I 005010X223A2 (SV2 with revenue code, type of bill, statement dates).

    Returns
    -------
    str
        The interchange, one segment per line, ``~`` terminated; valid against pyx12's
        maps (tested).

    Notes
    -----
    Lines are written in ``number`` order (LX01 must count 1, 2, 3 ...; numbers that are
    not 1..n raise ValueError). An 837 requires a charge on every service line (SV102 / SV203): a line without
    ``charge`` is written with 0. 837P requires a diagnosis pointer (SV107): a line without
    ``diagnosis_pointers`` points to the first (up to four) diagnoses. The type of bill of
    an 837I is ``claim.type_of_bill`` or ``0131``; a line's revenue code is
    ``revenue_code`` or 0636 (J/Q drug codes) / 0335 (anything else). A 10-digit NDC is
    written in its 11-digit form (:func:`ndc11`), so it reads back as 5-4-2.
    """
    if variant not in _VERSIONS:
        raise ValueError(f"variant must be 'P' or 'I', not {variant!r}")
    claim = doc["claim"]
    patient = doc.get("patient") or {}
    version = _VERSIONS[variant]
    when = _interchange_date(claim)
    d8 = _d8(when)
    payer = claim.get("payer") or "commercial"
    lines = sorted(claim.get("lines") or [], key=lambda ln: ln.get("number") or 0)
    numbers = [ln.get("number") for ln in lines]
    if numbers != list(range(1, len(lines) + 1)):
        raise ValueError(
            f"claim {claim['id']}: line numbers {numbers} are not 1..n; an 837 numbers its "
            "service lines (LX01) 1, 2, 3 ..."
        )
    diagnoses = [str(d).replace(".", "") for d in claim.get("diagnoses") or []]

    segs: list[str] = []
    add = segs.append
    add(f"BHT*0019*00*{str(claim['id'])[:30]}*{d8}*0900*CH")
    add("NM1*41*2*DENIALKB EXAMPLE SUBMITTER*****46*DENIALKB")
    add("PER*IC*BILLING OFFICE*TE*5555550100")
    add(f"NM1*40*2*{_PAYER_NAME.get(payer, 'PAYER')}*****46*RECEIVER01")
    providers = doc.get("providers") or {}
    coverage = doc.get("coverage") or {}
    billing = providers.get("billing") or {}
    add("HL*1**20*1")
    if billing.get("taxonomy"):
        add(f"PRV*BI*PXC*{billing['taxonomy']}")
    add(f"NM1*85*2*EXAMPLE PROVIDER*****XX*{billing.get('npi') or '1234567893'}")
    add("N3*100 MAIN STREET")
    add("N4*ANYTOWN*PA*171110000")
    add("REF*EI*123456789")
    add("HL*2*1*22*0")
    # SBR09 names the plan the claim is sent to: a claim sent to Medicare carries MB even when the eligibility record
    # says the member is in a Medicare Advantage plan (that mismatch is what MEDICARE-ADVANTAGE-ENROLLEE-BILLED-TO-FFS
    # decides from coverage.plan_type); only a claim sent to another payer takes the plan type's indicator
    filing = (_FILING["medicare"] if payer == "medicare" else
              _PLAN_FILING.get(coverage.get("plan_type") or "") or _FILING.get(payer, "CI"))
    others = _other_payers(coverage, lines)
    add(f"SBR*{'S' if any(o['sbr'] == 'P' for o in others) else 'P'}*18*******{filing}")
    member = coverage.get("member_id") or patient.get("id") or "UNKNOWN"
    add(f"NM1*IL*1*EXAMPLE*PATIENT****MI*{member}")
    add("N3*1 TEST LANE")
    add("N4*ANYTOWN*PA*171110000")
    if patient.get("birth_date"):
        add(f"DMG*D8*{_d8(_iso(patient['birth_date']))}*{patient.get('sex') or 'U'}")
    add(f"NM1*PR*2*{_PAYER_NAME.get(payer, 'PAYER')}*****PI*{payer.upper()[:20]}")
    total = _num(sum(float(ln.get("charge") or 0) for ln in lines))
    if variant == "P":
        pos = claim.get("place_of_service") or "11"
        add(f"CLM*{claim['id']}*{total}***{pos}:B:{claim.get('frequency_code') or 1}*Y*A*Y*Y")
    else:
        tob = str(claim.get("type_of_bill") or _DEFAULT_TOB)
        # CLM05-3 is the claim frequency (the type of bill's last digit): the document's
        # frequency_code wins, so a replacement (7) or void (8) stays one on an 837I
        frequency = claim.get("frequency_code") or tob[3]
        add(f"CLM*{claim['id']}*{total}***{tob[1:3]}:A:{frequency}**A*Y*Y")
        dates = sorted(_d8(_iso(ln["service_date"])) for ln in lines if ln.get("service_date"))
        start, end = (dates[0], dates[-1]) if dates else (d8, d8)
        add(f"DTP*434*RD8*{start}-{end}")
        add("CL1*3**01")
    if claim.get("prior_authorization"):
        add(f"REF*G1*{claim['prior_authorization']}")
    if claim.get("original_claim_id"):
        add(f"REF*F8*{claim['original_claim_id']}")
    if diagnoses:
        if variant == "P":
            add("HI*" + "*".join([f"ABK:{diagnoses[0]}"] + [f"ABF:{d}" for d in diagnoses[1:12]]))
        else:
            add(f"HI*ABK:{diagnoses[0]}")
            if len(diagnoses) > 1:
                add("HI*" + "*".join(f"ABF:{d}" for d in diagnoses[1:13]))
    if variant == "I" and claim.get("condition_codes"):
        add("HI*" + "*".join(f"BG:{c}" for c in claim["condition_codes"][:12]))  # condition information (2300)
    rendering = providers.get("rendering") or {}
    if variant == "P" and rendering.get("npi"):
        add(f"NM1*82*1*EXAMPLE*RENDERING****XX*{rendering['npi']}")  # 2310B
        if rendering.get("taxonomy"):
            add(f"PRV*PE*PXC*{rendering['taxonomy']}")
    if variant == "I":
        attending = providers.get("attending") or {}
        add(f"NM1*71*1*EXAMPLE*ATTENDING****XX*{attending.get('npi') or '1234567893'}")  # 2310A
        if attending.get("taxonomy"):
            add(f"PRV*AT*PXC*{attending['taxonomy']}")
        if rendering.get("npi"):  # 2310D: no PRV in an 837I
            add(f"NM1*82*1*EXAMPLE*RENDERING****XX*{rendering['npi']}")
    member = coverage.get("member_id") or patient.get("id") or "UNKNOWN"
    for o in others:  # 2320 other subscriber, 2330A / 2330B
        add(f"SBR*{o['sbr']}*18*******{o['filing']}")
        if o["paid"] is not None:
            add(f"AMT*D*{_num(o['paid'])}")
        add("OI***Y***Y")
        add(f"NM1*IL*1*EXAMPLE*PATIENT****MI*{member}")
        add(f"NM1*PR*2*OTHER PAYER {o['id']}*****PI*{o['id']}")
    for k, ln in enumerate(lines, start=1):
        add(f"LX*{k}")
        # a revenue-code-only institutional line leaves SV202 empty
        proc = (":".join(["HC", str(ln["code"])] + [str(m) for m in (ln.get("modifiers") or [])[:4]])
                if ln.get("code") else "")
        charge = _num(ln.get("charge") or 0)
        units = _num(ln.get("units") if ln.get("units") is not None else 1)
        if variant == "P":
            pointers = ln.get("diagnosis_pointers") or list(range(1, min(len(diagnoses), 4) + 1))
            ptr = ":".join(str(p) for p in pointers[:4]) or "1"
            add(f"SV1*{proc}*{charge}*UN*{units}*{ln.get('place_of_service') or ''}**{ptr}")
        else:
            rev = ln.get("revenue_code") or (_REV_DRUG if _is_drug(str(ln.get("code"))) else _REV_ADMIN)
            add(f"SV2*{rev}*{proc}*{charge}*UN*{units}")
        if ln.get("service_date") and ln.get("service_date_end"):
            add(f"DTP*472*RD8*{_d8(_iso(ln['service_date']))}-{_d8(_iso(ln['service_date_end']))}")
        elif ln.get("service_date"):
            add(f"DTP*472*D8*{_d8(_iso(ln['service_date']))}")
        if ln.get("ndc"):
            add(f"LIN**N4*{ndc11(ln['ndc'])}")
            qty = ln.get("ndc_quantity")
            add(f"CTP****{_num(qty if qty is not None else 1)}*{ln.get('ndc_unit') or 'UN'}")
        for j, adj in enumerate(ln.get("other_payers") or []):  # 2430 line adjudication
            o = others[min(j, len(others) - 1)]
            if variant == "P":
                add(f"SVD*{o['id']}*{_num(adj.get('paid_amount') or 0)}*{proc}**{units}")
            else:  # 837I: SVD04 revenue code is required, SVD03 only with a HCPCS code
                add(f"SVD*{o['id']}*{_num(adj.get('paid_amount') or 0)}*{proc}*{rev}*{units}")
            by_group: dict = {}
            for a in adj.get("adjustments") or []:
                by_group.setdefault(a["group"], []).append(a)
            for group, trios in by_group.items():
                for k in range(0, len(trios), 6):
                    add("CAS*" + group + "".join(f"*{a['carc']}*{_num(a['amount'])}*" for a in trios[k:k + 6]).rstrip("*"))
            add(f"DTP*573*D8*{_d8(_iso(ln.get('service_date') or when))}")
    body = [f"ST*837*0001*{version}"] + segs
    body.append(f"SE*{len(body) + 1}*0001")
    yymmdd = d8[2:]
    isa = (
        "ISA*00*          *00*          *ZZ*DENIALKB       *ZZ*PAYER          "
        f"*{yymmdd}*0900*^*00501*000000001*0*T*:"
    )
    out = [isa, f"GS*HC*DENIALKB*PAYER*{d8}*0900*1*X*{version}", *body, "GE*1*1", "IEA*1*000000001"]
    return "".join(s + "~\n" for s in out)


def _other_payers(coverage: dict, lines: list) -> list[dict]:
    """The 2320 loops to write: one per ``coverage.other_coverage`` entry (SBR01 P for the
    primary, S/T/... otherwise), or one placeholder payer when only lines carry
    ``other_payers``; ``paid`` is the sum of their line payments (2320 AMT*D)."""
    entries = list(coverage.get("other_coverage") or [])
    if not entries and any(ln.get("other_payers") for ln in lines):
        entries = [{"payer": "commercial", "primary": True}]
    seconds = iter("STABCDEFGH")
    out = []
    for j, e in enumerate(entries):
        paid = [adj.get("paid_amount") for ln in lines for k, adj in enumerate(ln.get("other_payers") or [])
                if min(k, len(entries) - 1) == j and adj.get("paid_amount") is not None]
        out.append({"sbr": "P" if e.get("primary") else next(seconds), "id": f"OTHER{j + 1}",
                    "filing": _FILING.get(e.get("payer"), "CI"), "paid": sum(paid) if paid else None})
    if sum(o["sbr"] == "P" for o in out) > 1:  # one primary only
        for o in out[1:]:
            if o["sbr"] == "P":
                o["sbr"] = next(seconds)
    return out


def _uuid(claim_id: str, name: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"denialkb:{claim_id}:{name}"))


def _site_condition_codes(doc: dict) -> list[str]:
    """Condition codes that read_fhir maps back to clinical.cancer.primary_site / setting."""
    cancer = (doc.get("clinical") or {}).get("cancer") or {}
    dx = [str(d) for d in (doc["claim"].get("diagnoses") or [])]
    codes: list[str] = []
    site = cancer.get("primary_site")
    if site in SITE_CODES:
        coded = [d for d in dx if d.startswith(_SITE_PREFIX[site])]
        codes.append(coded[0] if coded else SITE_CODES[site])
    if cancer.get("setting") == "metastatic":
        coded = [d for d in dx if d.startswith(_SECONDARY)]
        codes.append(coded[0] if coded else "C79.9")
    return codes


_ADMIN_FHIR_KEYS = {"date", "drug", "dose_mg", "route", "start", "end", "lot_number", "ndc"}
_ROUTE_SNOMED = {"IV": ("47625008", "Intravenous route"), "SC": ("34206005", "Subcutaneous route")}
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"


def fhir_admin(admin: dict) -> bool:
    """Can this administration record round-trip through a MedicationAdministration?"""
    return set(admin) <= _ADMIN_FHIR_KEYS and bool(admin.get("date")) and bool(admin.get("drug"))


def _provider_ref(provider: dict | None) -> dict:
    if provider and provider.get("npi"):
        return {"identifier": {"system": NPI, "value": str(provider["npi"])}}
    return {"display": "Example provider"}


def write_bundle(doc: dict) -> dict:
    """Write a claim document as a FHIR R4 Bundle (type ``collection``).

    The Bundle holds a Claim, the Patient, a Coverage (``coverage.start_date`` /
    ``end_date``), a Condition for ``clinical.cancer.primary_site`` (and one for
    ``setting: metastatic``), Observations for HER2 IHC / ISH and each LVEF, and one
    MedicationAdministration per ``administrations`` record (date, drug, dose in mg).
    It validates against the fhir.resources R4B models (tested) and ``read_fhir`` maps it
    back. The payer has no FHIR code that the packaged payer map resolves: pass
    ``payer=`` to ``read_fhir``.
    """
    claim = doc["claim"]
    cid = str(claim["id"])
    patient = doc.get("patient") or {}
    clinical = doc.get("clinical") or {}
    form = claim.get("form") or "professional"
    pat_url = _uuid(cid, "patient")
    cov_url = _uuid(cid, "coverage")
    subject = {"reference": pat_url}
    entries: list[dict] = []

    pat: dict[str, Any] = {"resourceType": "Patient", "id": "patient"}
    if patient.get("id"):
        pat["identifier"] = [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}
                    ]
                },
                "value": str(patient["id"]),
            }
        ]
    if patient.get("sex"):
        pat["gender"] = _SEX.get(patient["sex"], "unknown")
    if patient.get("birth_date"):
        pat["birthDate"] = _iso(patient["birth_date"])
    entries.append({"fullUrl": pat_url, "resource": pat})

    coverage = doc.get("coverage") or {}
    payer = claim.get("payer") or "commercial"
    cov: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": "coverage",
        "status": "active",
        "beneficiary": subject,
        # the payer's identifier is the profile id in upper case, as NM109 of the 837 writer (kb/mappings/payer_ids.yaml
        # maps it back); Medicare and the generic commercial plan keep their display-only payor
        "payor": [{"display": _PAYER_NAME.get(payer, "PAYER")}
                  | ({} if payer in _PAYER_NAME else {"identifier": {"value": payer.upper()[:20]}})],
    }
    period = {
        k: _iso(coverage[src])
        for k, src in (("start", "start_date"), ("end", "end_date"))
        if coverage.get(src)
    }
    if period:
        cov["period"] = period
    entries.append({"fullUrl": cov_url, "resource": cov})

    billing = (doc.get("providers") or {}).get("billing") or {}
    billing_ref = _provider_ref(billing)
    if billing.get("npi") and billing.get("taxonomy"):
        # the billing provider's taxonomy: a PractitionerRole of the billing Organization (R4's
        # Organization has no qualification); Claim.provider references it
        role_url = _uuid(cid, "billing-role")
        npi_ident = {"system": NPI, "value": str(billing["npi"])}
        entries.append({"fullUrl": role_url, "resource": {
            "resourceType": "PractitionerRole", "id": role_url.rsplit(":", 1)[1], "identifier": [npi_ident],
            "organization": {"identifier": npi_ident, "display": "Example provider"},
            "specialty": [{"coding": [{"system": NUCC, "code": str(billing["taxonomy"])}]}]}})
        billing_ref = {"reference": role_url, "identifier": npi_ident}

    for n, code in enumerate(_site_condition_codes(doc), start=1):
        entries.append(
            {
                "fullUrl": _uuid(cid, f"condition-{n}"),
                "resource": {
                    "resourceType": "Condition",
                    "id": f"condition-{n}",
                    "subject": subject,
                    "code": {"coding": [{"system": ICD10CM, "code": code}]},
                },
            }
        )

    her2 = (clinical.get("biomarkers") or {}).get("her2") or {}
    test_date = _iso(her2.get("test_date"))
    observations: list[dict] = []
    if her2.get("ihc") in ("0", "1+", "2+", "3+"):
        observations.append(
            {
                "id": "her2-ihc",
                "code": {"coding": [{"system": LOINC, "code": "85319-2"}]},
                "valueCodeableConcept": {"text": her2["ihc"]},
                "date": test_date,
            }
        )
    if her2.get("ish") in _ISH:
        code, display = _ISH[her2["ish"]]
        observations.append(
            {
                "id": "her2-ish",
                "code": {"coding": [{"system": LOINC, "code": "85318-4"}]},
                "valueCodeableConcept": {
                    "coding": [{"system": LOINC, "code": code, "display": display}]
                },
                "date": test_date,
            }
        )
    biomarkers = clinical.get("biomarkers") or {}
    for key, code in (("er", "85337-4"), ("pr", "85339-0")):
        if biomarkers.get(key) in ("positive", "negative"):
            observations.append({"id": key, "code": {"coding": [{"system": LOINC, "code": code}]},
                                 "valueCodeableConcept": {"text": biomarkers[key].capitalize()},
                                 "date": test_date})
    for n, lv in enumerate(clinical.get("lvef") or [], start=1):
        if set(lv) <= {"date", "percent"} and lv.get("percent") is not None and lv.get("date"):
            observations.append(
                {
                    "id": f"lvef-{n}",
                    "code": {"coding": [{"system": LOINC, "code": "10230-1"}]},
                    "valueQuantity": {
                        "value": lv["percent"],
                        "unit": "%",
                        "system": "http://unitsofmeasure.org",
                        "code": "%",
                    },
                    "date": _iso(lv["date"]),
                }
            )
    for obs in observations:
        when = obs.pop("date")
        res = {"resourceType": "Observation", "id": obs.pop("id"), "status": "final", **obs}
        res["subject"] = subject
        if when:
            res["effectiveDateTime"] = when
        entries.append({"fullUrl": _uuid(cid, res["id"]), "resource": res})

    for n, admin in enumerate(doc.get("administrations") or [], start=1):
        if not fhir_admin(admin):
            continue
        ma: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "id": f"administration-{n}",
            "status": "completed",
            "medicationCodeableConcept": {"text": str(admin["drug"])},
            "subject": subject,
            "effectiveDateTime": _iso(admin["date"]),
        }
        if admin.get("dose_mg") is not None:
            ma["dosage"] = {
                "dose": {
                    "value": admin["dose_mg"],
                    "unit": "mg",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg",
                }
            }
        if admin.get("route") in _ROUTE_SNOMED:
            code, display = _ROUTE_SNOMED[admin["route"]]
            ma.setdefault("dosage", {})["route"] = {
                "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}
        if admin.get("start"):
            ma.pop("effectiveDateTime")
            period = {"start": _fhir_time(admin["start"])}
            if admin.get("end"):
                period["end"] = _fhir_time(admin["end"])
            ma["effectivePeriod"] = period
        if admin.get("lot_number") or admin.get("ndc"):  # the product given: a contained Medication
            med: dict[str, Any] = {"resourceType": "Medication", "id": "med",
                                   "code": dict(ma.pop("medicationCodeableConcept"))}
            if admin.get("ndc"):
                med["code"]["coding"] = [{"system": NDC, "code": str(admin["ndc"])}]
            if admin.get("lot_number"):
                med["batch"] = {"lotNumber": str(admin["lot_number"])}
            ma["contained"] = [med]
            ma["medicationReference"] = {"reference": "#med"}
        entries.append({"fullUrl": _uuid(cid, ma["id"]), "resource": ma})

    res: dict[str, Any] = {
        "resourceType": "Claim",
        "id": "claim",
        "identifier": [{"system": "urn:denialkb:claim-id", "value": cid}],
        "status": "active",
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": form}
            ]
        },
        "use": "claim",
        "patient": subject,
        "created": _interchange_date(claim),
        "provider": billing_ref,
        "priority": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}
            ]
        },
    }
    info: list[dict[str, Any]] = []
    if form == "institutional" and claim.get("type_of_bill"):
        info = [
            {
                "sequence": 1,
                "category": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType",
                            "code": "typeofbill",
                        }
                    ]
                },
                "code": {
                    "coding": [
                        {
                            "system": "https://www.nubc.org/CodeSystem/TypeOfBill",
                            "code": str(claim["type_of_bill"]),
                        }
                    ]
                },
            }
        ]
    if claim.get("frequency_code"):  # FHIR R4 has no element for the X12 claim frequency (CLM05-3)
        info.append({
            "sequence": len(info) + 1,
            "category": {"coding": [{"system": CLAIM_INFO_CATEGORY, "code": "info"}]},
            "code": {"coding": [{"system": FREQUENCY_SYSTEM, "code": str(claim["frequency_code"])}]},
        })
    if info:
        res["supportingInfo"] = info
    if claim.get("original_claim_id"):  # the claim a replacement / void refers to (837 REF*F8)
        res["related"] = [{
            "claim": {"identifier": {"value": str(claim["original_claim_id"])}},
            "relationship": {"coding": [{"system": RELATED_CLAIM_SYSTEM, "code": "prior"}]},
        }]
    dx = claim.get("diagnoses") or []
    if dx:
        res["diagnosis"] = [
            {
                "sequence": n,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": str(code)}]},
            }
            for n, code in enumerate(dx, start=1)
        ]
    insurance: dict[str, Any] = {"sequence": 1, "focal": True, "coverage": {"reference": cov_url}}
    if claim.get("prior_authorization"):
        insurance["preAuthRef"] = [str(claim["prior_authorization"])]
    res["insurance"] = [insurance]
    items = []
    for k, ln in enumerate(claim.get("lines") or [], start=1):
        item: dict[str, Any] = {"sequence": ln.get("number", k)}
        if ln.get("diagnosis_pointers"):
            item["diagnosisSequence"] = list(ln["diagnosis_pointers"])
        if form == "institutional" and ln.get("revenue_code"):
            item["revenue"] = {"coding": [{"code": str(ln["revenue_code"])}]}
        if ln.get("code"):
            item["productOrService"] = {"coding": [{"system": HCPCS, "code": str(ln["code"])}]}
        else:  # a revenue-code-only line: productOrService is required (1..1), its code not applicable
            item["productOrService"] = {"coding": [{"system": DATA_ABSENT, "code": "not-applicable"}]}
        if ln.get("modifiers"):
            item["modifier"] = [{"coding": [{"system": HCPCS, "code": str(m)}]} for m in ln["modifiers"]]
        if ln.get("service_date"):
            item["servicedDate"] = _iso(ln["service_date"])
        pos = ln.get("place_of_service") or claim.get("place_of_service")
        if form == "professional" and pos:
            item["locationCodeableConcept"] = {"coding": [{"system": _POS, "code": str(pos)}]}
        if ln.get("units") is not None:
            item["quantity"] = {"value": ln["units"]}
        if ln.get("charge") is not None:
            item["net"] = {"value": ln["charge"], "currency": "USD"}
        if ln.get("ndc"):
            qty: dict[str, Any] = {}
            if ln.get("ndc_quantity") is not None:
                qty["value"] = ln["ndc_quantity"]
            if ln.get("ndc_unit"):
                qty["unit"] = qty["code"] = str(ln["ndc_unit"])
            detail: dict[str, Any] = {
                "sequence": 1,
                "productOrService": {"coding": [{"system": NDC, "code": str(ln["ndc"])}]},
            }
            if qty:
                detail["quantity"] = qty
            item["detail"] = [detail]
        items.append(item)
    if items:
        res["item"] = items
    team = []
    for role, key in (("primary", "rendering"), ("attending", "attending"), ("referring", "ordering")):
        prov = (doc.get("providers") or {}).get(key) or {}
        if not prov.get("npi"):
            continue
        member: dict[str, Any] = {
            "sequence": len(team) + 1,
            "provider": _provider_ref(prov),
            "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
                                 if role == "primary" else
                                 "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole",
                                 "code": role}]},
        }
        if prov.get("taxonomy"):
            member["qualification"] = {"coding": [{"system": NUCC, "code": str(prov["taxonomy"])}]}
        team.append(member)
    if team:
        res["careTeam"] = team
    entries.append({"fullUrl": _uuid(cid, "claim"), "resource": res})
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"denialkb:{cid}:bundle")),
        "type": "collection",
        "entry": entries,
    }
