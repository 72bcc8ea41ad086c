"""Reading claim inputs of every kind into validated claim documents.

A file is read as X12 837 when its text starts with ``ISA``, as a FHIR Bundle when it is
JSON with ``"resourceType": "Bundle"``, and as a claim document (FORMATS.md) otherwise.
X12 and FHIR inputs can be completed with clinical facts (``--clinical FILE`` or a
folder matched by claim or patient id, see docs/formats.md). Every problem of every
input is collected; one bad input means nothing is decided.
"""

from __future__ import annotations

import json
from pathlib import Path

from denialkb.engine.claim import ClaimDocument, load_claim, validate_claim
from denialkb.engine.errors import ClaimInvalidError, Problem


def detect_kind(path: Path) -> str:
    """``x12``, ``fhir`` or ``claim``, from the file's first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "claim"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"ISA"):
        return "x12"
    if text.startswith(b"{") and b'"resourceType"' in head:
        try:
            if json.loads(Path(path).read_text("utf-8")).get("resourceType") == "Bundle":
                return "fhir"
        except (ValueError, UnicodeDecodeError, AttributeError):
            return "claim"
    return "claim"


def _format_problem(err) -> Problem:
    return Problem(err.code, err.message, err.file or "", 0, 0, err.location or "",
                   expected=err.expected or "", hint=err.hint or "")


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
    (``mappings/payer_ids.yaml``) when it has one, else the packaged map.

    Raises
    ------
    ClaimInvalidError
        With every problem of every input, when any input is invalid.
    """
    docs: list[ClaimDocument] = []
    problems: list[Problem] = []
    for f in files:
        path = Path(f)
        kind = detect_kind(path) if path.is_file() else "claim"
        if kind == "claim":
            try:
                docs.append(load_claim(path))
            except ClaimInvalidError as e:
                problems.extend(e.problems)
            continue
        from denialkb.engine import formats

        try:
            pmap = payer_map_of(kb_dir)
            reader = formats.read_x12 if kind == "x12" else formats.read_fhir
            converted = reader(path, payer=payer, payer_map=pmap)
            documents = [c.document for c in converted]
            labels = [c.source for c in converted]
            if clinical:
                cpath = Path(clinical)
                if cpath.is_dir():
                    matches = formats.match_clinical(cpath, documents)
                    documents = [formats.merge_clinical(m.document, m.path) if m.path else m.document for m in matches]
                else:
                    documents = [formats.merge_clinical(d, cpath) for d in documents]
        except formats.FormatError as e:
            problems.append(_format_problem(e))
            continue
        for doc, label in zip(documents, labels, strict=True):
            try:
                docs.append(validate_claim(doc, label))
            except ClaimInvalidError as e:
                problems.extend(e.problems)
    seen: dict = {}
    for d in docs:
        if d.claim_id in seen:
            problems.append(Problem("claim_invalid", f"claim id '{d.claim_id}' is also used by {seen[d.claim_id]}",
                                    d.file, place="claim.id", expected="claim ids unique within a batch"))
        seen.setdefault(d.claim_id, d.file)
    if problems:
        raise ClaimInvalidError(problems)
    return docs
