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
    FREQUENCY_SYSTEM,
    MAX_FHIR_BYTES,
    MAX_JSON_DEPTH,
    MAX_NDJSON_LINE_BYTES,
    ConvertedClaim,
    ConverterWarning,
    PayerMap,
    ReadResult,
    Rejection,
    as_payer_map,
    dotted_icd10,
    hyphenated_ndc,
    number,
    short_id,
    v2_fields_supported,
)
from denialkb.engine.formats.errors import (
    Finding,
    FormatError,
    InvalidFhirError,
    UnsupportedFhirError,
)

__all__ = ["read_fhir", "read_fhir_result", "HER2_IHC_LOINC", "HER2_ISH_LOINC", "LVEF_LOINC"]

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
_ICD10_SHAPE = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-TV-Z]{1,4})?$")
NDC = "http://hl7.org/fhir/sid/ndc"
#: data-absent-reason codes a productOrService without a HCPCS/CPT code carries
_NO_CODE = {"not-applicable", "unknown", "asked-unknown", "not-asked", "masked"}
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
#: Estrogen / progesterone receptor status (the HL7 Breast Cancer IG value sets):
#: 16112-5 / 16113-3 [Interpretation] in Tissue, 40556-3 / 40557-1 Ag [Presence] in Tissue
#: by Immune stain, 85337-4 / 85339-0 Ag [Presence] in Breast cancer specimen by Immune stain.
ER_LOINC = {"16112-5", "40556-3", "85337-4"}
PR_LOINC = {"16113-3", "40557-1", "85339-0"}
#: 49683-6 ERBB2 gene copy number in tissue (read as HER2 copy_number).
HER2_COPY_LOINC = {"49683-6"}
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"
_ROUTES = {"47625008": "IV", "34206005": "SC", "iv": "IV", "intravenous": "IV",
           "sc": "SC", "subcutaneous": "SC", "intravenous route": "IV", "subcutaneous route": "SC"}
_RENDERING_ROLES = {"primary", "rendering", "performing"}
_ORDERING_ROLES = {"ordering", "referring", "prescribing"}
_POSITIVE = {"positive", "pos", "10828004", "la6576-8"}
_NEGATIVE = {"negative", "neg", "260385009", "la6577-6"}
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


def _load(source: str | Path | dict) -> tuple[Any, str]:
    """The parsed JSON (a resource dict, or a list of resources for NDJSON) and a name."""
    from denialkb.engine.formats.sniff import load_json, read_input_text, sniff_text

    if isinstance(source, (dict, list)):
        return source, "<bundle>"
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text, name = source, "<text>"
    else:
        path = Path(source)
        try:
            text, name = read_input_text(path, MAX_FHIR_BYTES, "a FHIR file"), path.name
        except FormatError as exc:
            raise InvalidFhirError(exc.message, code=exc.code, file=path.name, location=exc.location,
                                   expected=exc.expected) from None
    if sniff_text(text, name) == "ndjson":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if len(line) > MAX_NDJSON_LINE_BYTES:
                raise InvalidFhirError(
                    f"NDJSON line {n} is longer than {MAX_NDJSON_LINE_BYTES} bytes",
                    file=name,
                    location=f"line {n}",
                )
            out.append(load_json(line, name, max_depth=MAX_JSON_DEPTH, line_offset=n - 1))
        return out, name
    return load_json(text.lstrip("\ufeff"), name, max_depth=MAX_JSON_DEPTH), name


def _loc(parts: tuple) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_CLAIM_TYPES = ("Claim", "ExplanationOfBenefit")


def _entries(data: Any, name: str) -> tuple[list[tuple[str, dict | None]], str]:
    """(label, resource) pairs of a Bundle, a bare Claim / EOB, or an NDJSON export."""
    if isinstance(data, list):
        return [(f"line {i + 1}", r if isinstance(r, dict) else None) for i, r in enumerate(data)], "ndjson"
    if not isinstance(data, dict):
        raise InvalidFhirError("the JSON is not a FHIR resource", file=name, location="-",
                               expected="a Bundle, Claim or ExplanationOfBenefit")
    rtype = data.get("resourceType")
    if rtype == "Bundle":
        entries = data.get("entry") or []
        if not isinstance(entries, list):
            raise InvalidFhirError("Bundle.entry must be a list", file=name, location="entry")
        return [
            (f"entry[{i}]", e.get("resource") if isinstance(e, dict) and isinstance(e.get("resource"), dict) else None)
            for i, e in enumerate(entries)
        ], "bundle"
    if rtype in _CLAIM_TYPES:
        return [("resource", data)], "resource"
    raise InvalidFhirError(
        f"a FHIR {str(rtype)[:40]!r} resource holds no claim" if rtype else "the JSON has no resourceType",
        file=name,
        location="resourceType",
        expected="resourceType 'Bundle', 'Claim' or 'ExplanationOfBenefit'",
    )


def _validate_entries(entries: list[tuple[str, dict | None]]) -> dict[int, list[Finding]]:
    """Validate every resource with its fhir.resources model; findings by entry index."""
    bad: dict[int, list[Finding]] = {}
    for i, (label, resource) in enumerate(entries):
        if resource is None:
            bad.setdefault(i, []).append(Finding(f"{label}.resource", "entry has no resource"))
            continue
        rtype = resource.get("resourceType")
        try:
            cls = get_fhir_model_class(str(rtype))
        except (ValueError, KeyError):
            shown = str(rtype) if len(str(rtype)) <= 40 else str(rtype)[:37] + "..."
            bad.setdefault(i, []).append(
                Finding(f"{label}.resource.resourceType", f"unknown resourceType {shown!r}")
            )
            continue
        prefix = str(rtype) if label == "resource" else f"{label}.resource({rtype})"
        try:
            cls.model_validate(resource)
        except pydantic.ValidationError as exc:
            for err in exc.errors():
                bad.setdefault(i, []).append(Finding(f"{prefix}.{_loc(err['loc'])}", _pyd_message(err)))
        except KeyError as exc:
            # fhir.resources looks nested (contained) resources up by type: an STU3-only type such
            # as ReferralRequest (Blue Button 1.0 EOBs) is not an R4 resource
            m = re.fullmatch(r"R4B?\.([A-Za-z]{1,40})Type", str(exc.args[0]) if exc.args else "")
            what = f"a contained {m.group(1)!r}, which is not an R4 resource type (STU3?)" if m else "a key error"
            bad.setdefault(i, []).append(Finding(prefix, f"cannot be validated: it holds {what}"))
        except (RecursionError, ValueError, TypeError, AttributeError, IndexError) as exc:
            bad.setdefault(i, []).append(Finding(prefix, f"cannot be validated ({type(exc).__name__})"))
    return bad


def _pyd_message(err: dict) -> str:
    """pydantic's message without the input value it may quote."""
    msg = str(err.get("msg", "invalid"))
    return msg if len(msg) <= 120 else msg[:117] + "..."


def _invalid(findings: list[Finding], name: str) -> InvalidFhirError:
    first = findings[0]
    return InvalidFhirError(
        first.message + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
        file=name,
        location=first.location,
        expected="a valid FHIR R4 resource",
        findings=findings,
    )


def _validate(bundle: dict, name: str) -> None:
    """Validate a Bundle entry by entry; raise one error listing every finding."""
    entries, _ = _entries(bundle, name)
    bad = _validate_entries(entries)
    findings = [f for i in sorted(bad) for f in bad[i]]
    if not findings and isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle":
        shell = {k: v for k, v in bundle.items() if k != "entry"}
        try:
            get_fhir_model_class("Bundle").model_validate(shell)
        except pydantic.ValidationError as exc:
            findings += [Finding(_loc(e["loc"]), _pyd_message(e)) for e in exc.errors()]
    if findings:
        raise _invalid(findings, name)


def read_fhir(
    source: str | Path | dict,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
) -> list[ConvertedClaim]:
    """Convert FHIR R4 claims (JSON) into claim documents, all or nothing.

    The strict form of :func:`read_fhir_result`: any rejected claim raises one error with
    every finding; claims of types the KB does not decide are skipped with a warning
    (an error only when nothing else is left).

    Parameters
    ----------
    source : str, Path or dict
        A path to a JSON / NDJSON file, the JSON text, or the parsed resource.
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
        Not JSON, not a FHIR claim container, unknown resource type, or an invalid field
        (location = ``entry[i].resource(Type).field.path``).
    UnsupportedFhirError
        No Claim at all, or only Claims of types other than professional / institutional.
    """
    result = read_fhir_result(source, payer=payer, payer_map=payer_map)
    if result.rejections:
        errors = [r.error for r in result.rejections]
        if len(errors) == 1:
            raise errors[0]
        findings: list[Finding] = []
        for e in errors:
            for f in e.findings or [Finding(e.location or "-", e.message)]:
                if f not in findings:
                    findings.append(f)
        raise _invalid(findings, result.file)
    if not result.claims:
        if result.skipped is not None:
            raise result.skipped
        raise UnsupportedFhirError(
            "the Bundle holds no Claim or ExplanationOfBenefit resource",
            file=result.file,
            location="entry",
            expected="at least one Claim or ExplanationOfBenefit",
        )
    return result.claims


def read_fhir_result(
    source: str | Path | dict,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
) -> ReadResult:
    """Read FHIR R4 claims: a Bundle (any type), a bare Claim / ExplanationOfBenefit with
    contained or referenced resources, or an NDJSON bulk export.

    Each Claim (or CARIN Blue Button ExplanationOfBenefit, read as a paid claim) is one
    unit: an invalid Claim, or an invalid resource it depends on (its patient, coverage,
    or a resource about its patient), rejects that claim only. Claims of types the KB does
    not decide (oral, vision, pharmacy) are skipped with a file-level warning.
    """
    name = source.name if isinstance(source, Path) else (
        "<bundle>" if isinstance(source, (dict, list)) else
        ("<text>" if isinstance(source, str) and source.lstrip().startswith("{") else Path(source).name)
    )
    try:
        data, name = _load(source)
        entries, shape = _entries(data, name)
    except FormatError as exc:
        return ReadResult(name, "fhir", rejections=[Rejection(exc.file or name, None, exc)])
    result = ReadResult(name, "ndjson" if shape == "ndjson" else "fhir")
    bad = _validate_entries(entries)
    if shape == "bundle" and not bad:
        shell = {k: v for k, v in data.items() if k != "entry"}
        try:
            get_fhir_model_class("Bundle").model_validate(shell)
        except pydantic.ValidationError as exc:
            result.rejections.append(Rejection(name, None, _invalid(
                [Finding(_loc(e["loc"]), _pyd_message(e)) for e in exc.errors()], name)))
            return result
    pmap = as_payer_map(payer_map)
    resources = [r for _, r in entries]
    index: dict[str, dict] = {}
    raw_entries = data.get("entry") if shape == "bundle" else None
    for i, res in enumerate(resources):
        if res is None:
            continue
        if raw_entries and isinstance(raw_entries[i], dict) and raw_entries[i].get("fullUrl"):
            index[str(raw_entries[i]["fullUrl"])] = res
        if res.get("id") and res.get("resourceType"):
            index[f"{res['resourceType']}/{res['id']}"] = res
    # the providers a claim references (Claim.provider, careTeam) are read for NPI and taxonomy
    read_providers = {id(target) for r in resources if isinstance(r, dict) and r.get("resourceType") in _CLAIM_TYPES
                      for ref in [r.get("provider")] + [m.get("provider") for m in r.get("careTeam") or []
                                                        if isinstance(m, dict)]
                      for target in [_ref_target(ref, index)] if target is not None}
    common: list[str] = []
    for i, res in enumerate(resources):
        if res is not None and i not in bad and res.get("resourceType") not in _SUPPORTED | {"ExplanationOfBenefit"} \
                and id(res) not in read_providers:
            common.append(f"{entries[i][0]}: {res['resourceType']} is not converted (ignored)")
    claims = [i for i, r in enumerate(resources) if r is not None and r.get("resourceType") in _CLAIM_TYPES]
    count = 0
    for i in claims:
        res = resources[i]
        where = res["resourceType"] if shape == "resource" else f"{entries[i][0]}({res['resourceType']})"
        ctype = (_codes(res.get("type")) or [None])[0]
        use = res.get("use")
        if isinstance(use, str) and use != "claim" and i not in bad:
            # a prior-authorization request (Da Vinci PAS Claim), a predetermination, or the
            # payer's record of one (PDex prior-authorization ExplanationOfBenefit): not a claim
            # for services given, so nothing to decide; never read as a paid or billed claim
            note = ConverterWarning(
                f"{where}: {res['resourceType']}.use {use[:20]!r} is not a claim for services given "
                "(only use 'claim' is decided); skipped",
                code="fhir_claim_use_skipped",
                place=f"{where}.use",
            )
            result.warnings.append(note)
            if result.skipped is None:
                result.skipped = UnsupportedFhirError(
                    f"{res['resourceType']}.use {use[:20]!r} is not converted: a prior authorization or "
                    "predetermination is not a claim",
                    file=name,
                    location=f"{where}.use",
                    expected="use 'claim'",
                )
            continue
        if ctype not in ("professional", "institutional") and i not in bad:  # an invalid Claim is refused below
            note = ConverterWarning(
                f"{where}: {res['resourceType']}.type {str(ctype)[:20]!r} is not decided by the knowledge base "
                "(professional and institutional claims are); skipped",
                code="fhir_claim_type_skipped",
                place=f"{where}.type",
            )
            result.warnings.append(note)
            if result.skipped is None:
                result.skipped = UnsupportedFhirError(
                    f"{res['resourceType']}.type {str(ctype)[:20]!r} is not converted",
                    file=name,
                    location=f"{where}.type",
                    expected="professional or institutional",
                )
            continue
        count += 1
        try:
            local = _local_index(res, index)
            patient = _ref_target(res.get("patient"), local)
            related = [
                j for j, r in enumerate(resources)
                if j == i or (r is not None and r.get("resourceType") not in _CLAIM_TYPES
                              and (r is patient or _subject_ok(r, patient, local)))
            ]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            # a Claim too malformed to follow its references: validation has refused it already
            local, patient, related = {}, None, [i]
        findings = [f for j in related if j in bad for f in bad[j]]
        if shape == "bundle" and any(j in bad and resources[j] is None for j in range(len(resources))):
            findings += [f for j in bad if resources[j] is None for f in bad[j]]
        idents = res.get("identifier")
        ident = [x.get("value") for x in (idents if isinstance(idents, list) else [])
                 if isinstance(x, dict) and x.get("value")]
        cid = short_id(ident[0] if ident else res.get("id"))
        label = f"{name}:claim {count} ({res['resourceType']} {cid})"
        if findings:
            result.rejections.append(Rejection(label, cid, _invalid(findings, name)))
            continue
        warnings = list(common)
        try:
            contained = [c for c in res.get("contained") or [] if isinstance(c, dict)]
            pool = [r for j, r in enumerate(resources) if r is not None and j != i] + contained
            doc = _convert_claim(res, i, pool, local, payer, pmap, warnings, name, where)
        except FormatError as exc:
            result.rejections.append(Rejection(label, cid, exc))
            continue
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            result.rejections.append(Rejection(label, cid, InvalidFhirError(
                f"a value of the claim cannot be read ({type(exc).__name__})", file=name, location=where)))
            continue
        result.claims.append(ConvertedClaim(doc, label, warnings))
    if not claims and not result.rejections:
        result.rejections.append(Rejection(name, None, UnsupportedFhirError(
            "the Bundle holds no Claim or ExplanationOfBenefit resource", file=name, location="entry",
            expected="at least one Claim or ExplanationOfBenefit")))
    return result


def _local_index(res: dict, index: dict) -> dict:
    """The reference index seen from one claim: the container's ``#id`` resources too."""
    local = dict(index)
    for c in res.get("contained") or []:
        if isinstance(c, dict) and c.get("id"):
            local[f"#{c['id']}"] = c
            local.setdefault(f"{c.get('resourceType')}/{c['id']}", c)
    return local


def _codes(concept: dict | None, system: str | None = None) -> list[str]:
    if not isinstance(concept, dict):  # absent, or not a CodeableConcept (validation reports it)
        return []
    coding = concept.get("coding")
    return [
        c["code"]
        for c in (coding if isinstance(coding, list) else [])
        if isinstance(c, dict) and c.get("code") and (system is None or c.get("system") == system)
    ]


#: Claim.related relationship codes read as "this claim replaces / voids that one"
_PRIOR = {"prior", "replaces"}


def _related(related: list, claim: dict, where: str, warnings: list) -> None:
    """Claim.related with relationship ``prior`` (or ``replaces``): the original claim of a
    replacement or void -> ``claim.original_claim_id`` (the identifier of ``related.claim``,
    else ``related.reference``), as an 837's REF*F8. Other relationships are warned."""
    for k, rel in enumerate(related):
        if not isinstance(rel, dict):
            continue
        codes = _codes(rel.get("relationship"))
        ident = ((rel.get("claim") or {}).get("identifier") or {}).get("value") or (
            (rel.get("reference") or {}).get("value"))
        if set(codes) & _PRIOR and ident and "original_claim_id" not in claim:
            claim["original_claim_id"] = str(ident)
        else:
            what = f"relationship {codes[0]!r}" if codes else "no relationship"
            warnings.append(f"{where}.related[{k}] ({what}) is not converted")


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def _ref_target(ref: dict | None, index: dict) -> dict | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    target = ref["reference"]
    if target in index:
        return index[target]
    parts = target.rstrip("/").split("/")
    if len(parts) >= 2:  # an absolute URL: match its Type/id tail
        return index.get(f"{parts[-2]}/{parts[-1]}")
    return None


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
    where: str,
) -> dict:
    ctype = (_codes(res.get("type")) or [None])[0]
    eob = res.get("resourceType") == "ExplanationOfBenefit"
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
    v2 = v2_fields_supported()
    for key in ("procedure", "accident", "related", "prescription"):
        if res.get(key) and not (key == "related" and v2):
            warnings.append(f"{where}.{key} is not converted")
    if v2 and res.get("related"):
        _related(res["related"], claim, where, warnings)

    # Diagnoses, ordered by sequence; a sequence number -> its position (pointer).
    dx: list[tuple[int, str]] = []
    for d in res.get("diagnosis") or []:
        concept = d.get("diagnosisCodeableConcept")
        if not concept and d.get("diagnosisReference"):
            concept = (_ref_target(d["diagnosisReference"], index) or {}).get("code")
        codes = _codes(concept, ICD10CM)
        if not codes:
            codes = _icd10_fallback(concept, f"{where}.diagnosis sequence {d.get('sequence')}", warnings)
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
        if "clmrecvddate" in _codes(info.get("category")) and info.get("timingDate"):
            claim["received_date"] = _date(info["timingDate"])
        elif "typeofbill" in _codes(info.get("category")):
            tob = _codes(info.get("code"))
            if tob:
                claim["type_of_bill"] = tob[0]
        elif v2 and _codes(info.get("code"), FREQUENCY_SYSTEM):
            claim["frequency_code"] = _codes(info.get("code"), FREQUENCY_SYSTEM)[0]
        else:
            cat = (_codes(info.get("category")) or ["?"])[0]
            warnings.append(f"{where}.supportingInfo category {cat!r} is not converted")

    lines = []
    pos_codes = []
    period_start = _date((res.get("billablePeriod") or {}).get("start"))
    for k, item in enumerate(res.get("item") or []):
        line, pos_code = _item(item, f"{where}.item[{k}]", pointer, ctype, warnings, period_start, eob)
        lines.append(line)
        if pos_code:
            pos_codes.append(pos_code)
    if v2 and "frequency_code" not in claim and ctype == "institutional" and len(str(claim.get("type_of_bill") or "")) == 4:
        if claim["type_of_bill"][3].isdigit():
            claim["frequency_code"] = claim["type_of_bill"][3]  # as an 837I's CLM05-3
    if ctype == "professional" and pos_codes:
        claim["place_of_service"] = pos_codes[0]
        if v2:  # every item keeps its own place of service
            for line, item in zip(lines, res.get("item") or [], strict=False):
                code = (_codes(item.get("locationCodeableConcept")) or [None])[0]
                if code and code != pos_codes[0]:
                    line["place_of_service"] = code
        elif len(set(pos_codes)) > 1:
            warnings.append(f"{where}: items differ in place of service; used the first")
    if eob:
        lines = _cancel_reversals(lines, where, warnings)
    claim["lines"] = lines
    document: dict[str, Any] = {"claim": claim}

    if patient:
        document["patient"] = _patient(patient)
    if v2:
        providers = _providers(res, index)
        if providers:
            document["providers"] = providers
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
    admins = _administrations(related, warnings, index)
    if admins:
        document["administrations"] = admins
    return document


def _cancel_reversals(lines: list[dict], where: str, warnings: list[str]) -> list[dict]:
    """EOB items with a negative submitted amount reverse an earlier item: drop both."""
    keep = list(lines)
    for neg in [ln for ln in lines if (ln.get("charge") or 0) < 0]:
        match = next(
            (
                ln for ln in keep
                if ln is not neg and (ln.get("charge") or 0) == -neg["charge"]
                and ln.get("code") == neg.get("code") and ln.get("service_date") == neg.get("service_date")
            ),
            None,
        )
        keep.remove(neg)
        if match is not None:
            keep.remove(match)
            warnings.append(ConverterWarning(
                f"{where}: item {neg['number']} reverses item {match['number']}; both are left out",
                code="fhir_reversal", place=f"{where}.item"))
        else:
            warnings.append(ConverterWarning(
                f"{where}: item {neg['number']} has a negative amount and reverses no item; left out",
                code="fhir_reversal", place=f"{where}.item"))
    return keep


def _icd10_fallback(concept: dict | None, where: str, warnings: list[str]) -> list[str]:
    """A WHO ICD-10 code, or a code with no system that has the ICD-10 shape: read, warned."""
    for c in (concept or {}).get("coding") or []:
        code, system = c.get("code"), c.get("system")
        if not code or system not in (ICD10_WHO, None) or not _ICD10_SHAPE.match(code.upper()):
            continue
        what = "WHO ICD-10" if system == ICD10_WHO else "a code without a system"
        warnings.append(ConverterWarning(
            f"{where}: {what} read as ICD-10-CM", code="fhir_icd10_assumed", place=where))
        return [dotted_icd10(code)]
    return []


_PAID = {"benefit", "paidtoprovider", "paid"}
_ALLOWED = {"eligible", "allowed"}


def _adjudicated(item: dict, codes: set[str]) -> float | int | None:
    for adj in item.get("adjudication") or []:
        if set(_codes(adj.get("category"))) & codes and (adj.get("amount") or {}).get("value") is not None:
            return number(adj["amount"]["value"])
    return None


def _item(
    item: dict,
    where: str,
    pointer: dict,
    ctype: str,
    warnings: list[str],
    period_start: str | None = None,
    eob: bool = False,
) -> tuple[dict, str | None]:
    line: dict[str, Any] = {"number": item["sequence"]}
    # a revenue-code-only item says data-absent-reason "not-applicable": it has no code
    codes = [c for c in _codes(item.get("productOrService")) if c not in _NO_CODE]
    line["code"] = codes[0] if codes else None
    line["modifiers"] = [c for m in item.get("modifier") or [] for c in _codes(m)]
    line["units"] = number((item.get("quantity") or {}).get("value"))
    if line["units"] is None:
        line["units"] = 1
        warnings.append(ConverterWarning(
            f"{where}: no quantity; units taken as 1", code="fhir_units_assumed", place=f"{where}.quantity"))
    line["service_date"] = item.get("servicedDate") or _date(
        (item.get("servicedPeriod") or {}).get("start")
    )
    if line["service_date"] is None and period_start:
        line["service_date"] = period_start
        warnings.append(ConverterWarning(
            f"{where}: no serviced date; service_date is the claim's billablePeriod start",
            code="fhir_service_date_assumed", place=f"{where}.servicedDate"))
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
    if net is None and eob:
        net = _adjudicated(item, {"submitted"})
    line["charge"] = number(net)
    if eob:
        paid, allowed = _adjudicated(item, _PAID), _adjudicated(item, _ALLOWED)
        if v2_fields_supported():
            line["paid_amount"], line["allowed_amount"] = paid, allowed
        elif paid is not None or allowed is not None:
            warnings.append(ConverterWarning(
                f"{where}: paid/allowed amounts are not carried (they need claim format v2)",
                code="fhir_amounts_dropped", place=f"{where}.adjudication"))
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
    receptors: dict[str, str] = {}
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
                ratio = _ish_ratio(res)
                if ratio is not None and v2_fields_supported():
                    her2["ish_ratio"] = ratio
            elif codes & HER2_COPY_LOINC and v2_fields_supported():
                qty = res.get("valueQuantity") or {}
                if qty.get("value") is not None:
                    her2["copy_number"] = number(qty["value"])
            elif codes & (ER_LOINC | PR_LOINC) and v2_fields_supported():
                status = _receptor(res)
                key = "er" if codes & ER_LOINC else "pr"
                if status is None:
                    warnings.append(f"Observation {rid}: {key.upper()} value not positive/negative")
                else:
                    receptors[key] = status
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
    if receptors:
        clinical.setdefault("biomarkers", {}).update(receptors)
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


def _administrations(resources: list[dict], warnings: list[str], index: dict | None = None) -> list[dict]:
    out = []
    v2 = v2_fields_supported()
    for res in resources:
        if res["resourceType"] != "MedicationAdministration":
            continue
        rid = res.get("id", "?")
        if res.get("status") != "completed":
            warnings.append(f"MedicationAdministration {rid}: status {res.get('status')} (ignored)")
            continue
        concept = res.get("medicationCodeableConcept")
        medication = None
        if not concept and res.get("medicationReference"):
            local = dict(index or {})
            for c in res.get("contained") or []:
                if isinstance(c, dict) and c.get("id"):
                    local[f"#{c['id']}"] = c
            medication = _ref_target(res["medicationReference"], local)
            concept = (medication or {}).get("code")
        if not concept:
            warnings.append(f"MedicationAdministration {rid}: its medication is not readable (not converted)")
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
        if v2:
            entry.update(_administration_v2(res, concept, medication))
        out.append({k: v for k, v in entry.items() if v is not None})
    return sorted(out, key=lambda a: a.get("date") or "")


def _minutes(value: str | None) -> str | None:
    """An ISO date-time cut to minutes (``2024-03-15T09:10``), time zone kept off."""
    if not value or "T" not in value:
        return None
    return value[:16]


def _administration_v2(res: dict, concept: dict, medication: dict | None) -> dict:
    """Version-2 administration fields: route, start/end, lot (Medication.batch), NDC."""
    out: dict[str, Any] = {}
    dosage = res.get("dosage") or {}
    route = dosage.get("route") or {}
    for value in [*(_codes(route)), route.get("text")]:
        mapped = _ROUTES.get(str(value or "").strip().lower())
        if mapped:
            out["route"] = mapped
            break
    period = res.get("effectivePeriod") or {}
    out["start"] = _minutes(period.get("start"))
    out["end"] = _minutes(period.get("end"))
    if medication:
        out["lot_number"] = (medication.get("batch") or {}).get("lotNumber")
    ndc = _codes(concept, NDC)
    if ndc:
        out["ndc"] = ndc[0] if "-" in ndc[0] else hyphenated_ndc(ndc[0])
    return out


def _ish_ratio(obs: dict) -> float | int | None:
    """HER2/CEP17 ratio: a component (or the value) whose code text or display says ratio."""
    for comp in obs.get("component") or []:
        label = " ".join([(comp.get("code") or {}).get("text") or ""]
                         + [c.get("display") or "" for c in (comp.get("code") or {}).get("coding") or []]).lower()
        if "ratio" in label and (comp.get("valueQuantity") or {}).get("value") is not None:
            return number(comp["valueQuantity"]["value"])
    return None


def _receptor(obs: dict) -> str | None:
    concept = obs.get("valueCodeableConcept") or {}
    values = [obs.get("valueString"), concept.get("text")]
    for c in concept.get("coding") or []:
        values += [c.get("code"), c.get("display")]
    for value in values:
        v = (value or "").strip().lower()
        if v in _POSITIVE:
            return "positive"
        if v in _NEGATIVE:
            return "negative"
    return None


def _npi_of(ref: dict | None, index: dict) -> str | None:
    if not isinstance(ref, dict):
        return None
    ident = ref.get("identifier") or {}
    if ident.get("system") == NPI and ident.get("value"):
        return ident["value"]
    target = _ref_target(ref, index) or {}
    for i in target.get("identifier") or []:
        if i.get("system") == NPI and i.get("value"):
            return i["value"]
    return None


def _taxonomy_of(ref: dict | None, index: dict) -> str | None:
    """NUCC taxonomy of a referenced provider: PractitionerRole.code / specialty, Practitioner
    (or an R5-style Organization) qualification[].code."""
    target = _ref_target(ref, index) or {}
    rtype = target.get("resourceType")
    concepts: list = []
    if rtype == "PractitionerRole":
        concepts = list(target.get("code") or []) + list(target.get("specialty") or [])
    elif rtype in ("Practitioner", "Organization"):
        concepts = [q.get("code") for q in target.get("qualification") or [] if isinstance(q, dict)]
    for concept in concepts:
        tax = _codes(concept, NUCC)
        if tax:
            return tax[0]
    return None


def _same_provider(a: dict | None, b: dict | None, index: dict) -> bool:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    if a.get("reference") and a.get("reference") == b.get("reference"):
        return True
    npi = _npi_of(a, index)
    return npi is not None and npi == _npi_of(b, index)


def _providers(res: dict, index: dict) -> dict:
    """Claim.provider -> billing (taxonomy: the referenced PractitionerRole / Practitioner, else the
    qualification of a careTeam entry for the same provider); careTeam primary/rendering/performing
    -> rendering, attending -> attending, ordering/referring/prescribing -> ordering."""
    out: dict[str, dict] = {}
    billing: dict[str, str] = {}
    npi = _npi_of(res.get("provider"), index)
    if npi:
        billing["npi"] = npi
    tax = _taxonomy_of(res.get("provider"), index)
    for member in res.get("careTeam") or []:
        if tax is None and _same_provider(member.get("provider"), res.get("provider"), index):
            tax = (_codes(member.get("qualification"), NUCC) or [None])[0]
    if tax:
        billing["taxonomy"] = tax
    if billing:
        out["billing"] = billing
    for member in res.get("careTeam") or []:
        roles = set(_codes(member.get("role")))
        key = ("rendering" if roles & _RENDERING_ROLES else "attending" if "attending" in roles
               else "ordering" if roles & _ORDERING_ROLES else None)
        if key is None or key in out:
            continue
        entry = {}
        npi = _npi_of(member.get("provider"), index)
        if npi:
            entry["npi"] = npi
        tax = (_codes(member.get("qualification"), NUCC) or [None])[0] or _taxonomy_of(member.get("provider"), index)
        if tax:
            entry["taxonomy"] = tax
        if entry:
            out[key] = entry
    return out
