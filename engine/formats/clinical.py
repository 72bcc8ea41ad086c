"""Merge the non-claim sections of a clinical file into a converted claim document.

An 837 or a FHIR Claim holds the claim as billed and a few patient demographics; the
rest of a claim document (coverage, authorizations, clinical record, administrations,
documentation, prior claims) comes from a separate YAML or JSON "clinical file" with the
same section names as FORMATS.md section 1.

Merge rule (:func:`merge_clinical`):

- The converted document wins for every field it has. A clinical value for the same
  field that differs is a conflict; all conflicts are collected and raised together as
  one :class:`ClinicalMergeError`. Equal values are fine.
- Fields the converted document lacks are taken from the clinical file (for instance
  ``claim.received_date`` or ``patient.weight_kg``).
- Mappings merge key by key, recursively. Lists of records (``authorizations``,
  ``administrations``, ``prior_claims``, ``clinical.lvef`` ...) are united: the
  document's items first, then the clinical file's items that are not already present.
  ``claim.lines`` and ``claim.diagnoses`` are claim data: they must be equal if both are
  given.
- An unknown top-level section is an error (with a "did you mean").

Matching rule (:func:`match_clinical`), first that applies:

1. a file whose name without extension equals the claim id (``PTZ-2025-0001.yaml``);
2. a file whose ``claim.id`` equals the claim id;
3. the one file whose ``patient.id`` equals the document's ``patient.id`` and that has no
   ``claim.id`` of its own (several such files is an error: ambiguous);
4. otherwise no clinical file (``path`` is None).
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from denialkb.engine.formats.errors import ClinicalMergeError, Finding, FormatError

__all__ = [
    "SECTIONS",
    "ClinicalMatch",
    "load_clinical",
    "match_clinical",
    "match_clinical_tolerant",
    "merge_clinical",
]

#: Top-level sections a clinical file may hold.
SECTIONS = (
    "claim",
    "patient",
    "coverage",
    "authorizations",
    "clinical",
    "administrations",
    "documentation",
    "prior_claims",
)
_EXTS = (".yaml", ".yml", ".json")
_EXACT_LISTS = {"claim.lines", "claim.diagnoses"}


def load_clinical(path: str | Path) -> dict:
    """Read a clinical file (YAML with the bounded safe loader, or JSON) into a dict.

    The loader refuses anchors and aliases (no "billion laughs"), duplicate keys, files
    over 5 MB and nesting deeper than 40 levels; errors name the line and never quote
    the file.

    Raises
    ------
    ClinicalMergeError
        The file does not parse, or is not a mapping (code ``clinical_invalid``).
    """
    from denialkb.engine.formats._common import MAX_SIDECAR_BYTES
    from denialkb.engine.formats.sniff import load_json, read_input_text
    from denialkb.engine.yamlio import LoadError, parse_yaml

    path = Path(path)
    try:
        text = read_input_text(path, MAX_SIDECAR_BYTES, "a clinical file")
    except FormatError as exc:
        raise ClinicalMergeError(exc.message, code="clinical_invalid", file=path.name,
                                 location=exc.location or "1") from None
    if path.suffix.lower() == ".json":
        try:
            data = load_json(text, path.name, max_depth=40, error=ClinicalMergeError)
        except ClinicalMergeError as exc:
            raise ClinicalMergeError(exc.message, code="clinical_invalid", file=path.name,
                                     location=exc.location, expected=exc.expected) from None
    else:
        try:
            data = parse_yaml(text, path.name, "clinical_invalid").data
        except LoadError as exc:
            prob = exc.problem
            raise ClinicalMergeError(
                f"cannot parse: {prob.message}",
                code="clinical_invalid",
                file=path.name,
                location=f"{prob.line}:{prob.col}" if prob.line else "1",
                hint=prob.hint or None,
            ) from None
    if not isinstance(data, dict):
        raise ClinicalMergeError(
            "a clinical file must be a mapping of sections",
            code="clinical_invalid",
            file=path.name,
            location="1",
            expected="sections: " + ", ".join(SECTIONS),
        )
    return _dates_to_iso(data)


def _dates_to_iso(value: Any) -> Any:
    """YAML turns 2024-03-15 into a date; the claim document keeps ISO strings."""
    import datetime as _dt

    if isinstance(value, dict):
        return {k: _dates_to_iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_iso(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def merge_clinical(
    document: dict, clinical_doc: dict | str | Path, *, file: str | None = None
) -> dict:
    """Return a new claim document: ``document`` plus the sections of ``clinical_doc``.

    Parameters
    ----------
    document : dict
        A converted claim document (``ConvertedClaim.document``). Not modified.
    clinical_doc : dict or path
        The clinical file, or its parsed content.
    file : str, optional
        Name to report in errors when ``clinical_doc`` is a dict.

    Returns
    -------
    dict
        The merged document.

    Raises
    ------
    ClinicalMergeError
        Unknown sections, or values that conflict with the converted claim (all listed
        in ``.findings``).

    Examples
    --------
    >>> doc = {"claim": {"id": "C1", "lines": []}, "patient": {"id": "P1", "sex": "F"}}
    >>> merged = merge_clinical(doc, {"patient": {"id": "P1", "weight_kg": 70}})
    >>> merged["patient"]
    {'id': 'P1', 'sex': 'F', 'weight_kg': 70}
    """
    if not isinstance(clinical_doc, dict):
        file = file or Path(clinical_doc).name
        clinical_doc = load_clinical(clinical_doc)
    else:
        clinical_doc = _dates_to_iso(clinical_doc)
    file = file or "<clinical>"
    for key in clinical_doc:
        if key not in SECTIONS:
            close = difflib.get_close_matches(str(key), SECTIONS, n=1)
            raise ClinicalMergeError(
                f"unknown section {key!r}",
                code="clinical_invalid",
                file=file,
                location=str(key),
                expected="one of: " + ", ".join(SECTIONS),
                hint=f"did you mean {close[0]!r}?" if close else None,
            )
    conflicts: list[Finding] = []
    merged = copy.deepcopy(document)
    for key, value in clinical_doc.items():
        if key in merged:
            merged[key] = _merge(merged[key], value, key, conflicts)
        else:
            merged[key] = copy.deepcopy(value)
    if conflicts:
        first = conflicts[0]
        raise ClinicalMergeError(
            first.message + (f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""),
            file=file,
            location=first.location,
            expected="the clinical file to agree with the converted claim, or to omit the field",
            hint="the 837/FHIR claim wins for claim fields: correct or remove the value in the "
            "clinical file",
            findings=conflicts,
        )
    return merged


def _merge(ours: Any, theirs: Any, path: str, conflicts: list[Finding]) -> Any:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = dict(ours)
        for key, value in theirs.items():
            sub = f"{path}.{key}"
            out[key] = (
                _merge(ours[key], value, sub, conflicts) if key in ours else copy.deepcopy(value)
            )
        return out
    if isinstance(ours, list) and isinstance(theirs, list) and path not in _EXACT_LISTS:
        out = list(ours)
        out.extend(copy.deepcopy(item) for item in theirs if item not in ours)
        return out
    if ours != theirs:
        conflicts.append(
            Finding(
                location=path,
                message=f"{path}: the clinical file disagrees with the converted claim",
            )
        )
    return ours


@dataclass(frozen=True)
class ClinicalMatch:
    """The clinical file found for one document, and which rule found it."""

    document: dict
    path: Path | None
    matched_by: str | None  # "file_name" | "claim_id" | "patient_id" | None


def match_clinical(folder: str | Path, documents: list[dict]) -> list[ClinicalMatch]:
    """Find the clinical file for each claim document in ``folder`` (rule: module doc).

    Parameters
    ----------
    folder : str or Path
        Folder holding ``*.yaml``, ``*.yml`` and ``*.json`` clinical files (not recursive).
    documents : list of dict
        Converted claim documents (``ConvertedClaim.document``).

    Returns
    -------
    list of ClinicalMatch
        One per document, in the same order.

    Raises
    ------
    ClinicalMergeError
        A file does not parse, or a patient id matches several patient-level files
        (code ``clinical_ambiguous``).
    """
    files = sorted(p for p in Path(folder).iterdir() if p.suffix in _EXTS and p.is_file())
    by_stem = {p.stem: p for p in files}
    loaded = {p: load_clinical(p) for p in files}
    out: list[ClinicalMatch] = []
    for doc in documents:
        claim_id = str(doc.get("claim", {}).get("id", ""))
        patient_id = doc.get("patient", {}).get("id")
        if claim_id and claim_id in by_stem:
            out.append(ClinicalMatch(doc, by_stem[claim_id], "file_name"))
            continue
        by_claim = [
            p for p, d in loaded.items() if str((d.get("claim") or {}).get("id")) == claim_id
        ]
        if claim_id and by_claim:
            if len(by_claim) > 1:
                raise _ambiguous(claim_id, "claim.id", by_claim)
            out.append(ClinicalMatch(doc, by_claim[0], "claim_id"))
            continue
        by_patient = [
            p
            for p, d in loaded.items()
            if patient_id is not None
            and (d.get("patient") or {}).get("id") == patient_id
            and not (d.get("claim") or {}).get("id")
        ]
        if len(by_patient) > 1:
            raise _ambiguous(str(patient_id), "patient.id", by_patient)
        if by_patient:
            out.append(ClinicalMatch(doc, by_patient[0], "patient_id"))
        else:
            out.append(ClinicalMatch(doc, None, None))
    return out


def match_clinical_tolerant(folder: str | Path, documents: list[dict]) -> tuple[list, dict]:
    """Like :func:`match_clinical`, but a bad file or an ambiguity affects only its claims.

    Returns
    -------
    (matches, broken)
        ``matches`` has, per document, a :class:`ClinicalMatch` or the
        :class:`ClinicalMergeError` that stops that document; ``broken`` maps the name of
        each file that cannot be read to its error.
    """
    files = sorted(p for p in Path(folder).iterdir() if p.suffix in _EXTS and p.is_file())
    loaded: dict[Path, dict] = {}
    broken: dict[str, ClinicalMergeError] = {}
    for p in files:
        try:
            loaded[p] = load_clinical(p)
        except ClinicalMergeError as exc:
            broken[p.name] = exc
    by_stem = {p.stem: p for p in files}
    out: list = []
    for doc in documents:
        claim_id = str(doc.get("claim", {}).get("id", ""))
        if claim_id and claim_id in by_stem:
            p = by_stem[claim_id]
            out.append(broken[p.name] if p.name in broken else ClinicalMatch(doc, p, "file_name"))
            continue
        try:
            (match,) = _match_loaded(loaded, [doc])
        except ClinicalMergeError as exc:
            out.append(exc)
            continue
        out.append(match)
    return out, broken


def _match_loaded(loaded: dict, documents: list[dict]) -> list[ClinicalMatch]:
    out = []
    for doc in documents:
        claim_id = str(doc.get("claim", {}).get("id", ""))
        patient_id = doc.get("patient", {}).get("id")
        by_claim = [p for p, d in loaded.items() if str((d.get("claim") or {}).get("id")) == claim_id]
        if claim_id and by_claim:
            if len(by_claim) > 1:
                raise _ambiguous(claim_id, "claim.id", by_claim)
            out.append(ClinicalMatch(doc, by_claim[0], "claim_id"))
            continue
        by_patient = [
            p
            for p, d in loaded.items()
            if patient_id is not None
            and (d.get("patient") or {}).get("id") == patient_id
            and not (d.get("claim") or {}).get("id")
        ]
        if len(by_patient) > 1:
            raise _ambiguous(str(patient_id), "patient.id", by_patient)
        out.append(ClinicalMatch(doc, by_patient[0], "patient_id") if by_patient else ClinicalMatch(doc, None, None))
    return out


def _ambiguous(value: str, field: str, paths: list[Path]) -> ClinicalMergeError:
    return ClinicalMergeError(
        f"{len(paths)} clinical files match this claim's {field}: " + ", ".join(p.name for p in paths),
        code="clinical_ambiguous",
        file=str(paths[0].parent),
        location=field,
        hint="name the file after the claim id, or give it a claim.id",
    )
