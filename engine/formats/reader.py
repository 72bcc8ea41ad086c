"""One entry point for every claim input file: X12 837, FHIR (Bundle, bare Claim / EOB,
NDJSON) and claim documents, completed with clinical sidecars.

:func:`read_file` sniffs the content (:mod:`.sniff`), reads the file with the right
reader and returns a :class:`~denialkb.engine.formats._common.ReadResult`: the claim
documents it could convert (with their warnings), every unit it could not (located), and
file-level warnings. Claim documents (YAML/JSON) are not converted here: ``kind`` is
``"claim"`` and the caller loads them with the claim reader.

:func:`complete_with_clinical` merges a clinical file, or the matching file of a folder
(by claim id, then patient id), into each converted document; a conflict rejects that
claim only.
"""

from __future__ import annotations

from pathlib import Path

from denialkb.engine.formats._common import (
    MAX_FHIR_BYTES,
    MAX_X12_BYTES,
    ConverterWarning,
    PayerMap,
    ReadResult,
    Rejection,
)
from denialkb.engine.formats.errors import FormatError

__all__ = ["read_file", "sniff_file", "complete_with_clinical"]


def sniff_file(path: str | Path) -> str:
    """``x12``, ``fhir``, ``ndjson`` or ``claim`` from the file's content (see :mod:`.sniff`).

    A file that cannot be read or decoded is ``claim`` (the claim reader reports it), unless
    its name says ``.ndjson``.
    """
    from denialkb.engine.formats.sniff import decode_bytes, ends_with_resource_type, sniff_text

    path = Path(path)
    tail = b""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
            if len(head) == 65536 and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
                fh.seek(0, 2)
                fh.seek(max(65536, fh.tell() - 4096))
                tail = fh.read()
    except OSError:
        return "claim"
    try:
        text = decode_bytes(head, path.name)
    except FormatError:
        # a UTF-16 head cut in the middle of a character, or binary: retry on an even cut
        try:
            text = decode_bytes(head[: len(head) // 2 * 2], path.name)
        except FormatError:
            return "claim"
    kind = sniff_text(text, path.name)
    if kind == "claim" and tail and ends_with_resource_type(tail.decode("utf-8", errors="replace")):
        return "fhir"  # a JSON object larger than the head, with resourceType as its last key
    return kind


def read_file(
    path: str | Path,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
    clinical: str | Path | None = None,
    ack: bool = False,
) -> ReadResult:
    """Read one input file into claim documents, rejections and warnings.

    Parameters
    ----------
    path : str or Path
        The file (``-`` is not accepted here: the CLI turns stdin into a file first).
    payer, payer_map
        Payer profile for X12 / FHIR claims (see :func:`~denialkb.engine.formats.read_x12`).
    clinical : path, optional
        A clinical file merged into every converted claim, or a folder of them matched
        by claim id / patient id.
    ack : bool
        X12 only: also produce the 999 acknowledgment (``result.ack``).

    Returns
    -------
    ReadResult
        ``kind`` is ``x12``, ``fhir``, ``ndjson`` or ``claim`` (nothing converted: load it
        as a claim document).
    """
    path = Path(path)
    kind = sniff_file(path)
    if kind == "claim":
        return ReadResult(path.name, "claim")
    if kind == "x12":
        from denialkb.engine.formats import read_x12_result

        result = read_x12_result(path, payer=payer, payer_map=payer_map, ack=ack)
    else:
        from denialkb.engine.formats.fhir import read_fhir_result

        result = read_fhir_result(path, payer=payer, payer_map=payer_map)
    if clinical is not None and result.claims:
        complete_with_clinical(result, clinical)
    return result


def complete_with_clinical(result: ReadResult, clinical: str | Path) -> None:
    """Merge clinical facts into each converted claim of ``result`` (in place).

    A claim whose clinical file conflicts with it, or whose matching file cannot be read,
    moves from ``result.claims`` to ``result.rejections``; a folder file that cannot be
    read and matches no claim by name becomes a file-level warning.
    """
    from denialkb.engine.formats.clinical import (
        load_clinical,
        match_clinical_tolerant,
        merge_clinical,
    )

    cpath = Path(clinical)
    kept = []
    if cpath.is_dir():
        matches, broken = match_clinical_tolerant(cpath, [c.document for c in result.claims])
        for name, err in broken.items():
            stems = {str(c.document.get("claim", {}).get("id")) for c in result.claims}
            if Path(name).stem not in stems:
                result.warnings.append(
                    ConverterWarning(
                        f"clinical file {name} cannot be read and was not used ({err.code})",
                        code="clinical_unreadable",
                        place=name,
                    )
                )
        for conv, match in zip(result.claims, matches, strict=True):
            if isinstance(match, FormatError):
                result.rejections.append(Rejection(conv.source, _cid(conv), match))
                continue
            if match.path is None:
                conv.warnings.append(
                    ConverterWarning(
                        "no clinical file in the folder matches this claim (by claim id or patient "
                        "id); only the claim as billed is known",
                        code="clinical_not_matched",
                        place=conv.source,
                    )
                )
                kept.append(conv)
                continue
            try:
                conv.document = merge_clinical(match.document, match.path)
            except FormatError as exc:
                result.rejections.append(Rejection(conv.source, _cid(conv), exc))
                continue
            kept.append(conv)
    else:
        try:
            data = load_clinical(cpath)
        except FormatError as exc:
            for conv in result.claims:
                result.rejections.append(Rejection(conv.source, _cid(conv), exc))
            result.claims = []
            return
        for conv in result.claims:
            try:
                conv.document = merge_clinical(conv.document, data, file=cpath.name)
            except FormatError as exc:
                result.rejections.append(Rejection(conv.source, _cid(conv), exc))
                continue
            kept.append(conv)
    result.claims = kept


def _cid(conv) -> str | None:
    cid = (conv.document.get("claim") or {}).get("id")
    return cid if isinstance(cid, str) else None


#: The largest file any converter reads (for callers that want to check early).
MAX_INPUT_BYTES = max(MAX_X12_BYTES, MAX_FHIR_BYTES)
