"""FHIR R4 Bundle -> claim documents, parsed and validated with fhir.resources.

fhir.resources 8.x ships FHIR R4B (4.3.0) models, which replaced its R4 (4.0.1) models;
for the resources read here (Bundle, Claim, Patient, Coverage, Condition, Observation,
MedicationAdministration) R4 content validates unchanged. Every entry is validated with
its own model class first, so an error names the entry index and the field path.

What is not understood is reported: an unknown ``resourceType`` or an invalid field is an
:class:`InvalidFhirError`; a known resource type we do not convert (Organization,
Practitioner, Encounter ...) and any field or code we do not map become warnings on the
:class:`ConvertedClaim`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class

from denialkb.engine.formats._common import (
    ConvertedClaim,
    PayerMap,
    as_payer_map,
    hyphenated_ndc,
    number,
)
from denialkb.engine.formats.errors import Finding, InvalidFhirError, UnsupportedFhirError

__all__ = ["read_fhir", "HER2_IHC_LOINC", "HER2_ISH_LOINC", "LVEF_LOINC"]

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NDC = "http://hl7.org/fhir/sid/ndc"
LOINC = "http://loinc.org"
#: LOINC codes read as HER2 by immunohistochemistry (verified against the mCODE tumor
#: marker value set): 85319-2 HER2 [Presence] in Breast cancer specimen by Immune stain;
#: 18474-7 HER2 Ag [Presence] in Tissue by Immune stain.
HER2_IHC_LOINC = {"85319-2", "18474-7"}
#: ... and as HER2 by in situ hybridization: 85318-4 HER2 [Presence] in Breast cancer
#: specimen by FISH; 31150-6 HER2 [Presence] in Tissue by FISH.
HER2_ISH_LOINC = {"85318-4", "31150-6"}
#: 10230-1 Left ventricular Ejection fraction.
LVEF_LOINC = {"10230-1"}
_ISH_POSITIVE = {"amplified", "positive", "la6576-8"}
_ISH_NEGATIVE = {"not amplified", "not_amplified", "negative", "la6577-6"}
_SUPPORTED = {
    "Claim",
    "Patient",
    "Coverage",
    "Condition",
    "Observation",
    "MedicationAdministration",
}
_SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
# ICD-10-CM category -> clinical.cancer.primary_site (primary malignant neoplasms only).
_PRIMARY_SITE = [
    ("C50", "breast"),
    ("C16", "stomach"),
    ("C15", "esophagus"),
    ("C18", "colorectal"),
    ("C19", "colorectal"),
    ("C20", "colorectal"),
    ("C22.0", "liver_hcc"),
]
_SECONDARY = ("C77", "C78", "C79")


def _load(source: str | Path | dict) -> tuple[dict, str]:
    if isinstance(source, dict):
        return source, "<bundle>"
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text, name = source, "<text>"
    else:
        path = Path(source)
        text, name = path.read_text(encoding="utf-8"), path.name
    from denialkb.engine.yamlio import LoadError, loads_json

    try:  # strict JSON: duplicate keys, NaN/Infinity, overlong numbers and deep nesting refused
        return loads_json(text, name, "fhir_invalid"), name
    except LoadError as exc:
        p = exc.problem
        raise InvalidFhirError(
            p.message.replace("invalid JSON: ", "not JSON: "),
            file=name,
            location=f"{p.line}:{p.col}" if p.line else "",
            expected="a FHIR R4 Bundle in JSON",
        ) from None


def _loc(parts: tuple) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(bundle: dict, name: str) -> None:
    """Validate the Bundle entry by entry; raise one error listing every finding."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidFhirError(
            "top-level resource is not a Bundle",
            file=name,
            location="resourceType",
            expected="resourceType 'Bundle'",
        )
    findings: list[Finding] = []
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidFhirError("Bundle.entry must be a list", file=name, location="entry")
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            findings.append(Finding(f"entry[{i}].resource", "entry has no resource"))
            continue
        rtype = resource.get("resourceType")
        try:
            cls = get_fhir_model_class(str(rtype))
        except (ValueError, KeyError):
            findings.append(
                Finding(f"entry[{i}].resource.resourceType", f"unknown resourceType {rtype!r}")
            )
            continue
        try:
            cls.model_validate(resource)
        except pydantic.ValidationError as exc:
            for err in exc.errors():
                findings.append(
                    Finding(f"entry[{i}].resource({rtype}).{_loc(err['loc'])}", err["msg"])
                )
    if not findings:
        shell = {k: v for k, v in bundle.items() if k != "entry"}
        try:
            get_fhir_model_class("Bundle").model_validate(shell)
        except pydantic.ValidationError as exc:
            findings += [Finding(_loc(e["loc"]), e["msg"]) for e in exc.errors()]
    if findings:
        first = findings[0]
        raise InvalidFhirError(
            first.message + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            file=name,
            location=first.location,
            expected="a valid FHIR R4 resource",
            findings=findings,
        )


def read_fhir(
    source: str | Path | dict,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
) -> list[ConvertedClaim]:
    """Convert a FHIR R4 Bundle (JSON) into claim documents, one per Claim resource.

    Parameters
    ----------
    source : str, Path or dict
        A path to a JSON file, the JSON text, or the parsed Bundle.
    payer : str, optional
        Payer profile id for every claim; overrides the payer map.
    payer_map : PayerMap, dict, path, optional
        Maps the insurer / Coverage payor identifier value to a payer profile id.

    Returns
    -------
    list of ConvertedClaim

    Raises
    ------
    InvalidFhirError
        Not JSON, not a Bundle, unknown resource type, or an invalid field (location =
        ``entry[i].resource(Type).field.path``).
    UnsupportedFhirError
        No Claim in the Bundle, or a Claim type other than professional / institutional.
    """
    bundle, name = _load(source)
    _validate(bundle, name)
    pmap = as_payer_map(payer_map)
    entries = [e["resource"] for e in bundle.get("entry") or []]
    index: dict[str, dict] = {}
    for entry, res in zip(bundle.get("entry") or [], entries, strict=True):
        if entry.get("fullUrl"):
            index[entry["fullUrl"]] = res
        if res.get("id"):
            index[f"{res['resourceType']}/{res['id']}"] = res
    common: list[str] = []
    for i, res in enumerate(entries):
        if res["resourceType"] not in _SUPPORTED:
            common.append(f"entry[{i}]: {res['resourceType']} is not converted (ignored)")
    claims = [(i, r) for i, r in enumerate(entries) if r["resourceType"] == "Claim"]
    if not claims:
        raise UnsupportedFhirError(
            "the Bundle holds no Claim resource",
            file=name,
            location="entry",
            expected="at least one Claim",
        )
    out = []
    for count, (i, res) in enumerate(claims, start=1):
        warnings = list(common)
        doc = _convert_claim(res, i, entries, index, payer, pmap, warnings, name)
        cid = doc["claim"].get("id")
        out.append(ConvertedClaim(doc, f"{name}:claim {count} (Claim {cid})", warnings))
    return out


def _codes(concept: dict | None, system: str | None = None) -> list[str]:
    if not concept:
        return []
    return [
        c["code"]
        for c in concept.get("coding") or []
        if c.get("code") and (system is None or c.get("system") == system)
    ]


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def _ref_target(ref: dict | None, index: dict) -> dict | None:
    if not ref or not ref.get("reference"):
        return None
    return index.get(ref["reference"])


def _subject_ok(res: dict, patient: dict | None, index: dict) -> bool:
    """Is the resource about this claim's patient (or about no one in particular)?"""
    subj = res.get("subject") or res.get("patient") or res.get("beneficiary")
    if subj is None or patient is None:
        return True
    target = _ref_target(subj, index)
    return target is None or target is patient


def _convert_claim(
    res: dict,
    pos: int,
    entries: list[dict],
    index: dict,
    payer: str | None,
    pmap: PayerMap,
    warnings: list[str],
    name: str,
) -> dict:
    where = f"entry[{pos}](Claim)"
    ctype = (_codes(res.get("type")) or [None])[0]
    if ctype not in ("professional", "institutional"):
        raise UnsupportedFhirError(
            f"Claim.type {ctype!r} is not converted",
            file=name,
            location=f"{where}.type",
            expected="professional or institutional",
        )
    ident = [i.get("value") for i in res.get("identifier") or [] if i.get("value")]
    claim: dict[str, Any] = {"id": ident[0] if ident else res.get("id"), "form": ctype}
    patient = _ref_target(res.get("patient"), index)
    coverage = None
    for ins in res.get("insurance") or []:
        if ins.get("preAuthRef"):
            claim["prior_authorization"] = ins["preAuthRef"][0]
        cov = _ref_target(ins.get("coverage"), index)
        if cov is not None and (coverage is None or ins.get("focal")):
            coverage = cov
    payer_id = (res.get("insurer") or {}).get("identifier", {}).get("value")
    if payer_id is None and coverage:
        for payor in coverage.get("payor") or []:
            payer_id = payer_id or (payor.get("identifier") or {}).get("value")
    claim["payer"] = payer or pmap.resolve(payer_id, None, warnings)
    for key in ("procedure", "accident", "related", "prescription"):
        if res.get(key):
            warnings.append(f"{where}.{key} is not converted")

    # Diagnoses, ordered by sequence; a sequence number -> its position (pointer).
    dx: list[tuple[int, str]] = []
    for d in res.get("diagnosis") or []:
        codes = _codes(d.get("diagnosisCodeableConcept"), ICD10CM)
        if not codes and d.get("diagnosisReference"):
            cond = _ref_target(d["diagnosisReference"], index)
            codes = _codes((cond or {}).get("code"), ICD10CM)
        if codes:
            dx.append((d["sequence"], codes[0]))
        else:
            warnings.append(
                f"{where}.diagnosis sequence {d.get('sequence')}: no ICD-10-CM code (ignored)"
            )
    dx.sort()
    claim["diagnoses"] = [code for _, code in dx]
    pointer = {seq: n for n, (seq, _) in enumerate(dx, start=1)}

    for info in res.get("supportingInfo") or []:
        if "typeofbill" in _codes(info.get("category")):
            tob = _codes(info.get("code"))
            if tob:
                claim["type_of_bill"] = tob[0]
        else:
            cat = (_codes(info.get("category")) or ["?"])[0]
            warnings.append(f"{where}.supportingInfo category {cat!r} is not converted")

    lines = []
    pos_codes = []
    for k, item in enumerate(res.get("item") or []):
        line, pos_code = _item(item, f"{where}.item[{k}]", pointer, ctype, warnings)
        lines.append(line)
        if pos_code:
            pos_codes.append(pos_code)
    if ctype == "professional" and pos_codes:
        claim["place_of_service"] = pos_codes[0]
        if len(set(pos_codes)) > 1:
            warnings.append(f"{where}: items differ in place of service; used the first")
    claim["lines"] = lines
    document: dict[str, Any] = {"claim": claim}

    if patient:
        document["patient"] = _patient(patient)
    if coverage and coverage.get("period"):
        period = coverage["period"]
        document["coverage"] = {
            k: v
            for k, v in (
                ("start_date", _date(period.get("start"))),
                ("end_date", _date(period.get("end"))),
            )
            if v
        }
    related = [r for r in entries if _subject_ok(r, patient, index)]
    clinical = _clinical(related, warnings)
    if clinical:
        document["clinical"] = clinical
    admins = _administrations(related, warnings)
    if admins:
        document["administrations"] = admins
    return document


def _item(
    item: dict, where: str, pointer: dict, ctype: str, warnings: list[str]
) -> tuple[dict, str | None]:
    line: dict[str, Any] = {"number": item["sequence"]}
    codes = _codes(item.get("productOrService"))
    line["code"] = codes[0] if codes else None
    line["modifiers"] = [c for m in item.get("modifier") or [] for c in _codes(m)]
    line["units"] = number((item.get("quantity") or {}).get("value"))
    line["service_date"] = item.get("servicedDate") or _date(
        (item.get("servicedPeriod") or {}).get("start")
    )
    if ctype == "institutional":
        rev = _codes(item.get("revenue"))
        if rev:
            line["revenue_code"] = rev[0]
    details = item.get("detail") or []
    ndc_details = [d for d in details if _codes(d.get("productOrService"), NDC)]
    if ndc_details:
        d = ndc_details[0]
        raw = _codes(d["productOrService"], NDC)[0]
        line["ndc"] = raw if "-" in raw else hyphenated_ndc(raw)
        qty = d.get("quantity") or {}
        line["ndc_quantity"] = number(qty.get("value"))
        unit = qty.get("code") or qty.get("unit")
        line["ndc_unit"] = unit.upper() if unit else None
    if len(ndc_details) > 1 or len(details) > len(ndc_details):
        warnings.append(f"{where}.detail: only the first NDC detail is converted")
    if item.get("extension"):
        warnings.append(f"{where}.extension is not converted")
    net = (item.get("net") or {}).get("value")
    if net is None and item.get("unitPrice") and line["units"] is not None:
        net = item["unitPrice"].get("value", 0) * line["units"]
    line["charge"] = number(net)
    seqs = item.get("diagnosisSequence") or []
    if seqs:
        missing = [s for s in seqs if s not in pointer]
        if missing:
            warnings.append(f"{where}.diagnosisSequence {missing} names no converted diagnosis")
        line["diagnosis_pointers"] = [pointer[s] for s in seqs if s in pointer]
    pos_code = None
    loc = item.get("locationCodeableConcept")
    if loc:
        pos_code = (_codes(loc) or [None])[0]
    return {k: v for k, v in line.items() if v is not None}, pos_code


def _patient(patient: dict) -> dict:
    out: dict[str, Any] = {}
    idents = patient.get("identifier") or []
    member = [i for i in idents if "MB" in _codes(i.get("type")) and i.get("value")]
    chosen = member or [i for i in idents if i.get("value")]
    pid = chosen[0]["value"] if chosen else patient.get("id")
    if pid:
        out["id"] = pid
    if patient.get("birthDate"):
        out["birth_date"] = patient["birthDate"]
    if patient.get("gender"):
        out["sex"] = _SEX.get(patient["gender"], "U")
    return out


def _her2_ihc(obs: dict) -> str | None:
    values = []
    if obs.get("valueString"):
        values.append(obs["valueString"])
    concept = obs.get("valueCodeableConcept") or {}
    values += (
        [concept.get("text") or ""]
        + [c.get("code") or "" for c in concept.get("coding") or []]
        + [c.get("display") or "" for c in concept.get("coding") or []]
    )
    for value in values:
        m = re.fullmatch(r"\s*([0-3])\s*(\+)?\s*", value or "")
        if m:
            return "0" if m.group(1) == "0" else f"{m.group(1)}+"
    return None


def _her2_ish(obs: dict) -> str | None:
    concept = obs.get("valueCodeableConcept") or {}
    values = [obs.get("valueString"), concept.get("text")]
    for c in concept.get("coding") or []:
        values += [c.get("code"), c.get("display")]
    for value in values:
        v = (value or "").strip().lower()
        if v in _ISH_POSITIVE:
            return "amplified"
        if v in _ISH_NEGATIVE:
            return "not_amplified"
    return None


def _clinical(resources: list[dict], warnings: list[str]) -> dict:
    clinical: dict[str, Any] = {}
    her2: dict[str, Any] = {}
    her2_dates: dict[str, str] = {}
    lvef = []
    sites = []
    metastatic = False
    for res in resources:
        rtype = res["resourceType"]
        rid = res.get("id", "?")
        if rtype == "Observation":
            if res.get("status") in ("entered-in-error", "cancelled"):
                warnings.append(f"Observation {rid}: status {res['status']} (ignored)")
                continue
            codes = set(_codes(res.get("code"), LOINC))
            when = _date(
                res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
            )
            if codes & HER2_IHC_LOINC:
                value = _her2_ihc(res)
                if value is None:
                    warnings.append(f"Observation {rid}: HER2 IHC value not one of 0, 1+, 2+, 3+")
                elif when is None or when >= her2_dates.get("ihc", ""):
                    her2["ihc"], her2_dates["ihc"] = value, when or ""
            elif codes & HER2_ISH_LOINC:
                value = _her2_ish(res)
                if value is None:
                    warnings.append(
                        f"Observation {rid}: HER2 ISH value not amplified/not amplified"
                    )
                elif when is None or when >= her2_dates.get("ish", ""):
                    her2["ish"], her2_dates["ish"] = value, when or ""
            elif codes & LVEF_LOINC:
                qty = res.get("valueQuantity") or {}
                if qty.get("value") is None:
                    warnings.append(f"Observation {rid}: LVEF without valueQuantity (ignored)")
                else:
                    lvef.append({"date": when, "percent": number(qty["value"])})
            else:
                label = sorted(codes)[0] if codes else "(no LOINC code)"
                warnings.append(f"Observation {rid}: code {label} is not converted")
        elif rtype == "Condition":
            status = _codes(res.get("verificationStatus"))
            if set(status) & {"refuted", "entered-in-error"}:
                continue
            for code in _codes(res.get("code"), ICD10CM):
                if code.startswith(_SECONDARY):
                    metastatic = True
                for prefix, site in _PRIMARY_SITE:
                    if code.startswith(prefix):
                        sites.append(site)
            if not _codes(res.get("code"), ICD10CM):
                warnings.append(f"Condition {rid}: no ICD-10-CM code (ignored)")
            if res.get("stage"):
                warnings.append(f"Condition {rid}: stage is not converted")
    if her2:
        dates = [d for d in her2_dates.values() if d]
        if dates:
            her2["test_date"] = max(dates)
        clinical["biomarkers"] = {"her2": her2}
    if lvef:
        clinical["lvef"] = sorted(lvef, key=lambda x: x["date"] or "")
    cancer: dict[str, Any] = {}
    if sites:
        cancer["primary_site"] = sites[0]
        if len(set(sites)) > 1:
            warnings.append("Condition: several primary sites coded; used the first")
    if metastatic:
        cancer["setting"] = "metastatic"
    if cancer:
        clinical["cancer"] = cancer
    return clinical


def _administrations(resources: list[dict], warnings: list[str]) -> list[dict]:
    out = []
    for res in resources:
        if res["resourceType"] != "MedicationAdministration":
            continue
        rid = res.get("id", "?")
        if res.get("status") != "completed":
            warnings.append(f"MedicationAdministration {rid}: status {res.get('status')} (ignored)")
            continue
        concept = res.get("medicationCodeableConcept")
        if not concept:
            warnings.append(f"MedicationAdministration {rid}: medicationReference is not converted")
            continue
        drug = concept.get("text") or next(
            (c.get("display") for c in concept.get("coding") or [] if c.get("display")), None
        )
        when = _date(
            res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
        )
        entry: dict[str, Any] = {"date": when, "drug": drug.strip().lower() if drug else None}
        dose = (res.get("dosage") or {}).get("dose") or {}
        unit = (dose.get("code") or dose.get("unit") or "").lower()
        if dose.get("value") is not None and unit == "mg":
            entry["dose_mg"] = number(dose["value"])
        else:
            warnings.append(f"MedicationAdministration {rid}: dose not in mg (dose_mg omitted)")
        out.append({k: v for k, v in entry.items() if v is not None})
    return sorted(out, key=lambda a: a.get("date") or "")
