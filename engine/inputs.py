"""Reading claim inputs of every kind into validated claim documents.

The content decides (``denialkb.engine.formats.sniff``): X12 837 when the text starts with
an ISA, GS or ST segment, FHIR when it is JSON with a top-level ``resourceType`` (a Bundle,
a bare Claim or ExplanationOfBenefit), NDJSON for one resource per line, and a claim
document (FORMATS.md) otherwise; byte-order marks and UTF-16 are handled.
X12 and FHIR inputs can be completed with clinical facts (``--clinical FILE`` or a
folder matched by claim or patient id, see docs/formats.md). Every problem of every
input is collected; one bad input means nothing is decided.
"""

from __future__ import annotations

from pathlib import Path

from denialkb.engine.claim import ClaimDocument, load_claim, validate_claim
from denialkb.engine.errors import ClaimInvalidError, Problem


def detect_kind(path: Path) -> str:
    """``x12``, ``fhir``, ``ndjson`` or ``claim``, from the file's content (BOM and UTF-16 aware)."""
    from denialkb.engine.formats.reader import sniff_file

    return sniff_file(path)


def _format_problem(err) -> Problem:
    return Problem(err.code, err.message, err.file or "", 0, 0, err.location or "",
                   expected=err.expected or "", hint=err.hint or "")


def rejection_problems(rej) -> list[Problem]:
    """Every finding of a converter rejection as a located :class:`Problem` (X12: line,
    segment number and id, element; FHIR: entry and field path)."""
    err = rej.error
    if not err.findings:
        return [Problem(err.code, err.message, rej.source, 0, 0, err.location or "",
                        expected=err.expected or "", hint=err.hint or "")]
    return [Problem(err.code, f.message, rej.source, f.line or 0, 0, f.location,
                    expected=err.expected or "" if i == 0 else "")
            for i, f in enumerate(err.findings)]


def payer_map_of(kb_dir) -> Path | None:
    """The payer id map (``mappings/payer_ids.yaml``) of the KB in ``kb_dir``, if it has one."""
    if kb_dir is None:
        return None
    p = Path(kb_dir) / "mappings" / "payer_ids.yaml"
    return p if p.is_file() else None


def read_inputs(files, payer: str | None = None, clinical: str | None = None,
                kb_dir=None) -> list[ClaimDocument]:
    """Read and validate every input file; return claim documents in input order.

    X12 and FHIR inputs map payer ids with the payer id map of the KB in ``kb_dir``
    (``mappings/payer_ids.yaml``) when it has one, else the packaged map. Converted
    documents carry their converter warnings as ``doc.converter_warnings``
    (``{code, place, message}`` dicts); :func:`attach_warnings` adds them to a record.

    Raises
    ------
    ClaimInvalidError
        With every problem of every input, when any input is invalid.
    """
    import dataclasses
    import tempfile

    docs: list[ClaimDocument] = []
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="denialkb-stdin-") as tmp:
        for f in files:
            _read_one(_materialise(f, Path(tmp)), payer, clinical, kb_dir, docs, problems)
        for d in docs:  # what came from stdin is named so, not by its temporary file
            if str(d.file).startswith(tmp):
                d.file = "<stdin>"
        problems = [dataclasses.replace(p, file="<stdin>") if str(p.file).startswith(tmp) else p
                    for p in problems]
    seen: dict = {}
    for d in docs:
        if d.claim_id in seen:
            problems.append(Problem("claim_invalid", f"claim id '{d.claim_id}' is also used by {seen[d.claim_id]}",
                                    d.file, place="claim.id", expected="claim ids unique within a batch"))
        seen.setdefault(d.claim_id, d.file)
    if problems:
        raise ClaimInvalidError(problems)
    return docs


def _note(w):
    from denialkb.engine.formats._common import as_warning

    return as_warning(w)


def _materialise(f, tmp: Path) -> Path:
    """``-``, a pipe or ``/dev/stdin``: read once into a file, so that the content can be
    sniffed and then read (a pipe cannot be read twice); a regular file as it is."""
    path = Path(f)
    if str(f) != "-" and (path.is_file() or not path.exists() or path.is_dir()):
        return path
    import sys

    data = sys.stdin.buffer.read() if str(f) == "-" else path.read_bytes()
    from denialkb.engine.formats.sniff import decode_bytes, ends_with_resource_type, sniff_text

    try:
        kind = sniff_text(decode_bytes(data[:65536], "stdin"), "stdin")
        if kind == "claim" and len(data) > 65536 and ends_with_resource_type(
                data[-4096:].decode("utf-8", errors="replace")):
            kind = "fhir"
    except Exception:  # undecodable: the claim reader reports it
        kind = "claim"
    out = tmp / ("stdin.json" if data.lstrip()[:1] == b"{" or kind in ("fhir", "ndjson") else
                 "stdin.txt" if kind == "x12" else "stdin.yaml")
    out.write_bytes(data)
    return out


def _read_one(path: Path, payer, clinical, kb_dir, docs: list, problems: list) -> None:
    """Read one input into ``docs`` / ``problems``."""
    from denialkb.engine import formats
    from denialkb.engine.formats.reader import read_file

    kind = detect_kind(path) if path.is_file() else "claim"
    if kind == "claim":
        try:
            docs.append(load_claim(path))
        except ClaimInvalidError as e:
            problems.extend(e.problems)
        return
    try:
        result = read_file(path, payer=payer, payer_map=payer_map_of(kb_dir), clinical=clinical)
    except formats.FormatError as e:
        problems.append(_format_problem(e))
        return
    for rej in result.rejections:
        problems.extend(rejection_problems(rej))
    if not result.claims and not result.rejections and result.skipped is not None:
        # every claim of the file was skipped (a pharmacy Claim, a prior-authorization request):
        # nothing was read, which is not "clean"; say why, as the strict readers do
        problems.append(_format_problem(result.skipped))
    for conv in result.claims:
        try:
            doc = validate_claim(conv.document, conv.source)
        except ClaimInvalidError as e:
            problems.extend(_with_converter_notes(e.problems, conv))
            continue
        doc.converter_warnings = [_note(w).to_dict() for w in result.warnings] + conv.warning_dicts()
        docs.append(doc)


def _with_converter_notes(found: list[Problem], conv) -> list[Problem]:
    """Problems of a converted claim that the claim document refuses, each with the converter's
    notes about the same field as its hint: an empty ``claim.diagnoses`` says why when the
    converter dropped a diagnosis that is not ICD-10-CM (HL7 R4 Claim 960150)."""
    import dataclasses
    import re

    notes = [_note(w) for w in conv.warnings]
    out = []
    for p in found:
        leaf = re.sub(r"\[\d+\]", "", p.place or "").rsplit(".", 1)[-1]
        stem = leaf.replace("_", " ")[:6].lower()
        about = [str(n) for n in notes if len(stem) >= 4 and stem in str(n).lower().replace("_", " ")]
        if about and not p.hint:
            p = dataclasses.replace(p, hint="converter: " + "; ".join(about[:3]))
        out.append(p)
    return out


def attach_warnings(record: dict, doc) -> dict:
    """Add a converted document's converter warnings to its decision record's ``warnings``
    (FORMATS.md section 3), after any the engine put there; returns the record."""
    notes = getattr(doc, "converter_warnings", None)
    if notes:
        record["warnings"] = list(record.get("warnings") or []) + [n for n in notes if n not in (record.get("warnings") or [])]
    return record


def render_warnings(text: str, record: dict) -> str:
    """``text`` (a rendered record) plus those of its ``warnings`` the renderer left out.

    A warning counts as rendered when its message is in ``text``; the text of a claim (an id,
    a message) that happens to hold the word "Warnings:" does not hide the block."""
    notes = [n if isinstance(n, dict) else {"message": str(n)} for n in record.get("warnings") or []]
    left = [n for n in notes if str(n.get("message", "")) not in text]
    if not left:
        return text
    lines = ["  Warnings:"] + [f"    - {n['place']}: {n.get('message', '')}" if n.get("place")
                               else f"    - {n.get('message', '')}" for n in left]
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
