"""X12 837P / 837I (005010) -> claim documents, validated with pyx12.

pyx12 validates every interchange against its implementation-guide maps (837P
005010X222A1, 837I 005010X223A2). The later errata 005010X222A2 / 005010X223A3 are read
with those maps (pyx12 has none for them), with a warning. Version 4010 is refused,
naming the version.

**Acceptance at the finest grain the standard allows.** Each finding is attributed to
the smallest unit that holds it, and only that unit is rejected:

- a segment of a claim (loop 2300 and its 2400 lines) rejects that claim;
- a segment of a hierarchical level (2000A billing provider, 2000B subscriber, 2000C
  patient, with their 2010 loops) rejects the claims below that level;
- the transaction set header/trailer (ST, BHT, 1000A/B, SE) rejects that transaction set
  (as a 999 AK5 would);
- envelope findings (ISA/IEA, GS/GE control numbers and counts) are *noted*: the claims
  are read and the finding is a file-level warning (as a TA1 "accepted with errors").

Every finding is reported, located by line, segment number (within its ST) and segment
id and element. pyx12's messages can quote values: element values of names, addresses,
identifiers, birth dates and contacts are replaced by ``…`` in every message.

The conversion then walks pyx12's loop tree (``X12ContextReader.iter_segments('2300')``);
no segment is split by hand here. pyx12's logger is muted while it runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyx12.error_handler
import pyx12.errors
import pyx12.params
import pyx12.x12context
import pyx12.x12file
import pyx12.x12n_document

from denialkb.engine.formats._common import (
    MAX_X12_BYTES,
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
    x12_date,
)
from denialkb.engine.formats.errors import (
    Finding,
    FormatError,
    InvalidX12Error,
    UnsupportedX12Error,
)

__all__ = ["read_x12", "read_x12_result", "validate_x12", "SUPPORTED_VERSIONS", "ERRATA_VERSIONS"]

#: GS08 version codes we convert, and the claim form each one is.
SUPPORTED_VERSIONS = {
    "005010X222A1": "professional",
    "005010X223A2": "institutional",
}
#: Later errata, read with pyx12's map of the version they amend (pyx12 has no map for them).
ERRATA_VERSIONS = {
    "005010X222A2": "005010X222A1",
    "005010X223A3": "005010X223A2",
}
#: 5010 versions before the errata HIPAA adopted (75 FR 62684, 2010-10-13: "only the 5010 (with
#: errata) transactions" from 2012-01-01); refused, naming the version that replaced them.
PRE_ERRATA_VERSIONS = {
    "005010X222": "005010X222A1",
    "005010X223": "005010X223A2",
    "005010X223A1": "005010X223A2",
}

# HI qualifiers that carry diagnoses we map (principal first, then others).
_PRINCIPAL = {"ABK", "BK"}
_OTHER = {"ABF", "BF"}
_ICD9 = {"BK", "BF"}
# HI qualifier of the 837I condition codes (CLM-level "Condition Information", e.g. 45 gender incongruence)
_CONDITION = {"BG"}

# Elements whose values are patient data (or can be): never quoted in a message.
_PHI_ELEMENTS = {
    "NM1": (3, 4, 5, 7, 9),
    "N3": (1, 2),
    "N4": (1, 3),
    "DMG": (2,),
    "REF": (2,),
    "PER": (2, 4, 6, 8),
    "CLM": (1,),
    "NTE": (2,),
    "K3": (1,),
}


@contextlib.contextmanager
def _quiet_pyx12() -> Iterator[None]:
    """Mute pyx12's logger: its messages quote element values (patient data)."""
    logger = logging.getLogger("pyx12")
    handler = logging.NullHandler()
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


def _read_source(path_or_text: str | Path) -> tuple[str, str]:
    """Return (text, display name). A str that looks like X12 is the text itself."""
    from denialkb.engine.formats.sniff import read_input_text

    if isinstance(path_or_text, Path):
        path = path_or_text
    elif path_or_text.lstrip().startswith(("ISA", "GS", "ST")) or any(
        c in path_or_text for c in "*~\n"
    ):
        return path_or_text, "<text>"
    else:
        path = Path(path_or_text)
    try:
        return read_input_text(path, MAX_X12_BYTES, "an X12 file"), path.name
    except FormatError as exc:
        if exc.code == "file_unreadable":
            raise InvalidX12Error(exc.message, code=exc.code, file=str(path_or_text),
                                  location="-") from None
        raise


# --------------------------------------------------------------------------- units


@dataclass
class _Claim:
    index: int
    line: int  # pyx12 line (segment ordinal in the file) of its CLM
    st: int
    gs: int
    hls: tuple[int, ...]
    claim_id: str | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Scan:
    """What one pass over the segments found: units, owners, values never to quote."""

    owner: dict[int, tuple] = field(default_factory=dict)  # pyx12 line -> owning unit
    phys: dict[int, int] = field(default_factory=dict)  # pyx12 line -> text line
    st_lines: list[tuple[int, int, int, str]] = field(default_factory=list)  # (first, last, gs, ST02)
    gs_versions: list[tuple[int, str]] = field(default_factory=list)  # (line, GS08)
    claims: list[_Claim] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    structure_error: tuple[int, str] | None = None


def _physical_lines(text: str, seg_term: str) -> list[int]:
    """The text line each segment starts on (index 0 = first segment)."""
    out = []
    line = 1
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n" and text[i] != seg_term:
            if text[i] == "\n":
                line += 1
            i += 1
        if i >= n:
            break
        out.append(line)
        j = text.find(seg_term, i)
        if j < 0:
            break
        line += text.count("\n", i, j + (1 if seg_term == "\n" else 0))
        i = j + 1
    return out


def _scan(text: str) -> _Scan:
    """One pass with pyx12's reader: units, owners, physical lines and secret values."""
    scan = _Scan()
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    phys = _physical_lines(text, reader.seg_term or "~")
    st_idx = gs_idx = -1
    in_gs = in_st = False
    st_first = 0
    st_id = ""
    hl: dict[str, int | None] = {"20": None, "22": None, "23": None}
    last_hl: int | None = None
    claim: _Claim | None = None
    hl_count = 0
    segments = iter(reader)
    while True:
        try:
            seg = next(segments)
        except StopIteration:
            break
        except pyx12.errors.X12Error:
            raise
        except Exception:  # pyx12's reader trips over a trailer without its header (X1)
            if scan.structure_error is None:
                line = reader.get_cur_line() + 1
                scan.phys.setdefault(line, phys[line - 1] if 0 < line <= len(phys) else line)
                scan.structure_error = (line, "the envelope is broken at this segment (a GE, SE or "
                                        "IEA trailer without its GS, ST or ISA header)")
            break
        line = reader.get_cur_line()
        scan.phys[line] = phys[line - 1] if 0 < line <= len(phys) else line
        sid = seg.get_seg_id()
        for pos in _PHI_ELEMENTS.get(sid, ()):
            value = seg.get_value(f"{pos:02d}")
            if value and len(value.strip()) >= 2:
                scan.secrets.add(value.strip())
        if sid in ("ISA", "IEA"):
            scan.owner[line] = ("env",)
            if sid == "ISA":
                in_gs = in_st = False
        elif sid == "GS":
            gs_idx += 1
            in_gs = True
            scan.gs_versions.append((line, seg.get_value("GS08") or ""))
            scan.owner[line] = ("env",)
        elif sid == "GE":
            in_gs = False
            scan.owner[line] = ("env",)
        elif sid == "ST":
            if not in_gs and scan.structure_error is None:
                scan.structure_error = (line, "an ST transaction set outside a functional group "
                                        "(no GS segment before it)")
            st_idx += 1
            in_st = True
            st_first, st_id = line, seg.get_value("ST02") or ""
            hl = {"20": None, "22": None, "23": None}
            last_hl, claim = None, None
            scan.owner[line] = ("st", st_idx)
        elif sid == "SE":
            scan.owner[line] = ("st", st_idx)
            scan.st_lines.append((st_first, line, gs_idx, st_id))
            in_st = False
            claim = None
        elif not in_st:
            scan.owner[line] = ("env",)
        elif sid == "HL":
            level = seg.get_value("HL03") or "23"
            hl_count += 1
            last_hl = hl_count
            if level == "20":
                hl = {"20": last_hl, "22": None, "23": None}
            elif level == "22":
                hl["22"], hl["23"] = last_hl, None
            else:
                hl["23"] = last_hl
            claim = None
            scan.owner[line] = ("hl", last_hl)
        elif sid == "CLM":
            ancestors = tuple(h for h in (hl["20"], hl["22"], hl["23"]) if h is not None)
            claim = _Claim(len(scan.claims), line, st_idx, gs_idx, ancestors, short_id(seg.get_value("CLM01")))
            scan.claims.append(claim)
            scan.owner[line] = ("claim", claim.index)
        elif claim is not None:
            scan.owner[line] = ("claim", claim.index)
        elif last_hl is not None:
            scan.owner[line] = ("hl", last_hl)
        else:
            scan.owner[line] = ("st", st_idx)
    if in_st:  # an unterminated transaction set
        scan.st_lines.append((st_first, max(scan.phys or {0: 0}), gs_idx, st_id))
    return scan


def _scrubber(secrets: set[str]):
    words = sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![A-Za-z0-9])"
    )
    return lambda text: pattern.sub("…", text)


def _cap(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _findings_from_json(doc: dict, scan: _Scan | None = None, scrub=None) -> list[tuple[Finding, str]]:
    """Flatten pyx12's JSON error tree into (finding, level), level = env / st / seg."""
    scrub = scrub or (lambda t: t)
    phys = scan.phys if scan else {}
    out: list[tuple[Finding, str]] = []

    def line_of(raw: int | None) -> int | None:
        return phys.get(raw, raw) if raw is not None else None

    def envelope(node: dict, seg: str, level: str) -> None:
        for err in node.get("errors", []):
            raw = node.get("cur_line")
            line = line_of(raw)
            out.append(
                (
                    Finding(
                        location=f"line {line}, {seg} envelope",
                        message=_cap(scrub(err["err_str"])),
                        code=str(err["err_cde"]),
                        segment_id=seg,
                        line=line,
                    ),
                    f"{level}:{raw}",
                )
            )

    for isa in doc.get("interchanges", []):
        envelope(isa, "ISA", "env")
        for gs in isa.get("groups", []):
            envelope(gs, "GS", "env")
            for st in gs.get("transactions", []):
                envelope(st, "ST", "st")
                for seg in st.get("segments", []):
                    raw = seg["cur_line"]
                    line = line_of(raw)
                    where = f"line {line}, segment {seg['seg_count']} {seg['seg_id']}"
                    common = {
                        "segment_id": seg["seg_id"],
                        "segment_number": seg["seg_count"],
                        "line": line,
                    }
                    for err in seg.get("errors", []):
                        out.append(
                            (
                                Finding(where, _cap(scrub(err["err_str"])), str(err["err_cde"]), **common),
                                f"seg:{raw}",
                            )
                        )
                    for ele in seg.get("elements", []):
                        ref = f"{seg['seg_id']}{int(ele['ele_pos']):02d}"
                        if ele.get("subele_pos"):
                            ref += f"-{ele['subele_pos']}"
                        for err in ele.get("errors", []):
                            msg = err["err_str"]
                            val = err.get("err_val")
                            if val and _is_phi(seg["seg_id"], int(ele["ele_pos"])):
                                msg = msg.replace(str(val), "…")
                            elif val and len(str(val)) > 20:  # quote at most 20 characters
                                msg = msg.replace(str(val), str(val)[:19] + "…")
                            out.append(
                                (
                                    Finding(
                                        f"{where}, element {ref}",
                                        _cap(scrub(msg)),
                                        str(err["err_cde"]),
                                        element=ref,
                                        **common,
                                    ),
                                    f"seg:{raw}",
                                )
                            )
    out.sort(key=lambda fl: (fl[0].line or 0, fl[0].segment_number or 0))
    return out


def _is_phi(seg_id: str, pos: int) -> bool:
    return pos in _PHI_ELEMENTS.get(seg_id, ())


# --------------------------------------------------------------------------- validation


def _whole_file(name: str, message: str, line: int = 1, cls=InvalidX12Error, **kw) -> FormatError:
    return cls(
        message,
        file=name,
        location=f"line {line}",
        findings=[Finding(f"line {line}", message, line=line, segment_id=kw.pop("segment_id", None))],
        **kw,
    )


def _relabel(text: str, scan: _Scan) -> tuple[str, list[ConverterWarning]]:
    """Rewrite errata versions (GS08/ST03) to the map pyx12 has; same length, same lines."""
    notes = []
    for version, base in ERRATA_VERSIONS.items():
        if version in text:
            text = text.replace(version, base)
            notes.append(
                ConverterWarning(
                    f"version {version} was validated with pyx12's {base} map (pyx12 has no "
                    f"{version} map); rules the {version} errata changed are not checked",
                    code="x12_errata_version",
                    place="GS08",
                )
            )
    return text, notes


def _prepare(text: str, name: str) -> tuple[str, _Scan, list[ConverterWarning], int]:
    """Strip what precedes ISA, scan the segments; raise for a file that is not X12."""
    stripped = text.lstrip(" \t\r\n\ufeff")
    offset = text[: len(text) - len(stripped)].count("\n")
    if not stripped.startswith("ISA"):
        found = re.match(r"[A-Z0-9]{2,3}", stripped)
        what = f"it starts with a {found.group(0)} segment" if found else "it does not start with ISA"
        raise _whole_file(
            name,
            f"not an X12 interchange: {what}; the ISA interchange header is missing",
            1 + offset,
            expected="an interchange starting with a 106-character ISA segment",
            segment_id="ISA",
        )
    try:
        with _quiet_pyx12():
            scan = _scan(stripped)
    except pyx12.errors.X12Error as exc:
        msg = str(exc)
        if "ISA segment must have 16 elements" in msg:
            msg = "the ISA segment must have 16 elements"
        elif "ISA Interchange Control Version Number is unknown" in msg:
            msg = "the ISA segment is malformed (ISA12 version or its fixed 106-character layout)"
        elif "ISA line is only" in msg:
            msg = "the ISA segment is shorter than its fixed 106 characters"
        else:
            msg = "the interchange envelope cannot be read"
        raise _whole_file(
            name,
            f"not an X12 interchange: {msg}",
            1 + offset,
            expected="an interchange starting with a 106-character ISA segment",
            segment_id="ISA",
        ) from None
    except Exception as exc:  # pyx12's reader fails on a broken envelope (X1)
        raise _whole_file(
            name,
            f"the interchange envelope cannot be read ({type(exc).__name__} in the X12 reader)",
            1 + offset,
            expected="ISA, GS, ST ... SE, GE, IEA in order",
        ) from None
    if offset:
        scan.phys = {k: v + offset for k, v in scan.phys.items()}
    if scan.structure_error:
        raw, msg = scan.structure_error
        raise _whole_file(name, msg, scan.phys.get(raw, raw), expected="ISA, GS, ST ... SE, GE, IEA in order",
                          segment_id="ST")
    _refuse_4010(scan, name)
    relabelled, notes = _relabel(stripped, scan)
    return relabelled, scan, notes, offset


def _refuse_4010(scan: _Scan, name: str) -> None:
    """A file whose every group is HIPAA 4010 is refused before validation, naming it."""
    versions = [v for _, v in scan.gs_versions]
    if versions and all(v.startswith("004010") for v in versions):
        raw, version = scan.gs_versions[0]
        raise UnsupportedX12Error(
            f"functional group version {version!r} is HIPAA 4010, retired in 2012; only 5010 "
            "(005010X222A1/A2, 005010X223A2/A3) is converted",
            file=name,
            location=f"line {scan.phys.get(raw, raw)}, GS08",
            expected="one of: " + ", ".join([*SUPPORTED_VERSIONS, *ERRATA_VERSIONS]),
        )


def _run_pyx12(text: str, name: str, ack: bool) -> tuple[dict, str | None]:
    out_json = io.StringIO()
    out_999 = io.StringIO() if ack else None
    with _quiet_pyx12():
        try:
            pyx12.x12n_document.x12n_document(
                pyx12.params.params(), io.StringIO(text), out_999, None, None, out_json
            )
        except pyx12.errors.EngineError as exc:
            m = re.search(r"vriic=([0-9A-Z]+)", str(exc))
            version = m.group(1) if m else "?"
            if version in PRE_ERRATA_VERSIONS:
                raise UnsupportedX12Error(
                    f"functional group version {version!r} is the 5010 guide before its errata; HIPAA "
                    f"requires {PRE_ERRATA_VERSIONS[version]} since 2012-01-01, and this version is not read",
                    file=name,
                    location="GS08",
                    expected="one of: " + ", ".join([*SUPPORTED_VERSIONS, *ERRATA_VERSIONS]),
                    hint="https://www.govinfo.gov/content/pkg/FR-2010-10-13/html/2010-25684.htm",
                ) from None
            raise UnsupportedX12Error(
                f"functional group version {version!r} has no implementation-guide map",
                file=name,
                location="GS08",
                expected="one of: " + ", ".join([*SUPPORTED_VERSIONS, *ERRATA_VERSIONS]),
            ) from None
        except Exception as exc:
            raise _whole_file(
                name,
                f"the interchange cannot be validated ({type(exc).__name__} in pyx12): its "
                "envelope or loop structure is broken",
                expected="ISA, GS, ST ... SE, GE, IEA in order",
            ) from None
    raw = out_json.getvalue()
    return (json.loads(raw) if raw else {}), (out_999.getvalue() if out_999 else None)


def validate_x12(path_or_text: str | Path) -> None:
    """Validate an X12 interchange with pyx12; raise if the validator has any finding.

    Parameters
    ----------
    path_or_text : str or Path
        A file path, or the X12 text itself (a str starting with ``ISA``).

    Raises
    ------
    InvalidX12Error
        Not X12 at all, or pyx12 reported findings (all are in ``.findings``).
    UnsupportedX12Error
        pyx12 has no map for the version (GS08) of a functional group.
    """
    text, name = _read_source(path_or_text)
    relabelled, scan, _notes, _ = _prepare(text, name)
    doc, _ = _run_pyx12(relabelled, name, False)
    scrub = _scrubber(scan.secrets)
    findings = [f for f, _lvl in _findings_from_json(doc, scan, scrub)]
    if findings:
        raise _combined(findings, name)


def _combined(findings: list[Finding], name: str) -> InvalidX12Error:
    first = findings[0]
    return InvalidX12Error(
        first.message + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
        file=name,
        location=first.location,
        expected="an interchange valid against the 005010 implementation guide",
        findings=findings,
    )


# --------------------------------------------------------------------------- reading


def read_x12(
    path_or_text: str | Path,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
) -> list[ConvertedClaim]:
    """Convert an 837P / 837I (005010) interchange into claim documents, all or nothing.

    The strict form of :func:`read_x12_result`: when any unit of the file is rejected,
    it raises one error carrying every finding of every rejected unit.

    Parameters
    ----------
    path_or_text : str or Path
        A file path, or the X12 text itself (a str starting with ``ISA``).
    payer : str, optional
        Payer profile id for every claim; overrides the payer map.
    payer_map : PayerMap, dict, path, optional
        Payer identifier mapping; defaults to the packaged ``kb/mappings/payer_ids.yaml``.

    Returns
    -------
    list of ConvertedClaim
        One per CLM (loop 2300), in file order; file-level warnings are added to each.

    Raises
    ------
    InvalidX12Error, UnsupportedX12Error

    Examples
    --------
    >>> claims = read_x12("tests/data/formats/pertuzumab_837p.txt")  # doctest: +SKIP
    >>> claims[0].document["claim"]["lines"][0]["code"]  # doctest: +SKIP
    'J9306'
    """
    result = read_x12_result(path_or_text, payer=payer, payer_map=payer_map)
    if result.rejections:
        errors = [r.error for r in result.rejections]
        if all(isinstance(e, UnsupportedX12Error) for e in errors):
            raise errors[0]
        findings: list[Finding] = []
        for e in errors:
            for f in e.findings or [Finding(e.location or "-", e.message)]:
                if f not in findings:
                    findings.append(f)
        findings.sort(key=lambda f: (f.line or 0, f.segment_number or 0))
        if len(errors) == 1 and not errors[0].findings:
            raise errors[0]
        raise _combined(findings, result.file)
    for claim in result.claims:
        claim.warnings[:0] = [w for w in result.warnings if w not in claim.warnings]
    return result.claims


def read_x12_result(
    path_or_text: str | Path,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
    ack: bool = False,
) -> ReadResult:
    """Read an 837P / 837I interchange: every readable claim, every unreadable unit located.

    Parameters
    ----------
    path_or_text, payer, payer_map
        As for :func:`read_x12`.
    ack : bool
        Also return pyx12's 999 acknowledgment of the interchange (``result.ack``).

    Returns
    -------
    ReadResult
        ``claims`` (one per accepted 2300), ``rejections`` (one per rejected claim, or per
        rejected transaction set / group / file that holds no claim), file-level
        ``warnings``. A file that cannot be read at all is one rejection.
    """
    try:
        text, name = _read_source(path_or_text)
    except FormatError as exc:
        return ReadResult(str(path_or_text), "x12", rejections=[Rejection(exc.file or "-", None, exc)])
    result = ReadResult(name, "x12")
    try:
        relabelled, scan, notes, _ = _prepare(text, name)
        result.warnings += notes
        doc, result.ack = _run_pyx12(relabelled, name, ack)
        if result.ack:  # the 999 names the versions the sender used
            for version, base in ERRATA_VERSIONS.items():
                if version in text:
                    result.ack = result.ack.replace(base, version)
    except FormatError as exc:
        result.rejections.append(Rejection(name, None, exc))
        return result
    scrub = _scrubber(scan.secrets)
    pmap = as_payer_map(payer_map)
    _attribute(result, scan, _findings_from_json(doc, scan, scrub), name)
    _convert_accepted(result, scan, relabelled, name, payer, pmap, scrub)
    return result


def _st_of_line(scan: _Scan, raw: int) -> int | None:
    for i, (first, last, _gs, _id) in enumerate(scan.st_lines):
        if first <= raw <= last:
            return i
    return len(scan.st_lines) - 1 if scan.st_lines and raw > scan.st_lines[-1][0] else None


def _attribute(result: ReadResult, scan: _Scan, findings: list[tuple[Finding, str]], name: str) -> None:
    """Give every finding to its unit; envelope findings become file-level warnings."""
    st_findings: dict[int, list[Finding]] = {}
    hl_findings: dict[int, list[Finding]] = {}
    for finding, level in findings:
        kind, _, raw_s = level.partition(":")
        raw = int(raw_s) if raw_s not in ("", "None") else None
        owner = scan.owner.get(raw) if kind == "seg" and raw is not None else None
        if kind == "env" or (owner and owner[0] == "env"):
            result.warnings.append(
                ConverterWarning(
                    f"{finding.location}: {finding.message} (the interchange is accepted with "
                    "this envelope error noted)",
                    code="x12_envelope",
                    place=finding.location,
                )
            )
            continue
        if kind == "st" or owner is None:
            st = _st_of_line(scan, raw) if raw is not None else None
            st_findings.setdefault(st if st is not None else -1, []).append(finding)
        elif owner[0] == "st":
            st_findings.setdefault(owner[1], []).append(finding)
        elif owner[0] == "hl":
            hl_findings.setdefault(owner[1], []).append(finding)
        else:
            scan.claims[owner[1]].findings.append(finding)
    for claim in scan.claims:
        for h in claim.hls:
            claim.findings.extend(hl_findings.get(h, []))
        claim.findings.extend(st_findings.get(claim.st, []))
        claim.findings.sort(key=lambda f: (f.line or 0, f.segment_number or 0))
    with_claims = {c.st for c in scan.claims}
    for st, found in sorted(st_findings.items()):
        gs = scan.st_lines[st][2] if 0 <= st < len(scan.st_lines) else -1
        version = scan.gs_versions[gs][1] if 0 <= gs < len(scan.gs_versions) else ""
        if version not in SUPPORTED_VERSIONS and version not in ERRATA_VERSIONS:
            continue  # an 835, a 999, a 4010 group ...: its group is refused as a whole
        if st not in with_claims:
            where = _st_label(scan, st)
            result.rejections.append(
                Rejection(f"{name}:{where}", None, _combined(found, name))
            )
    claimed_hls = {h for c in scan.claims for h in c.hls}
    for h, found in sorted(hl_findings.items()):
        if h not in claimed_hls:
            result.rejections.append(Rejection(f"{name}:HL {h}", None, _combined(found, name)))


def _st_label(scan: _Scan, st: int) -> str:
    if 0 <= st < len(scan.st_lines):
        return f"ST {scan.st_lines[st][3] or st + 1}"
    return "transaction set"


def _claim_label(scan: _Scan, c: _Claim, name: str) -> str:
    cid = f" (CLM*{short_id(c.claim_id)})" if c.claim_id else ""
    multi = len(scan.st_lines) > 1
    st = f"{_st_label(scan, c.st)}, " if multi else ""
    return f"{name}:{st}claim {c.index + 1}{cid}"


def _group_problem(scan: _Scan, c: _Claim, name: str) -> FormatError | None:
    if not (0 <= c.gs < len(scan.gs_versions)):
        return None
    raw, version = scan.gs_versions[c.gs]
    line = scan.phys.get(raw, raw)
    if version in SUPPORTED_VERSIONS or version in ERRATA_VERSIONS:
        return None
    if version.startswith("004010"):
        msg = (f"functional group version {version!r} is HIPAA 4010, retired in 2012; only "
               "5010 (005010X222A1/A2, 005010X223A2/A3) is converted")
    else:
        msg = f"functional group version {version!r} is not an 837P/837I we convert"
    return UnsupportedX12Error(
        msg,
        file=name,
        location=f"line {line}, GS08",
        expected="one of: " + ", ".join([*SUPPORTED_VERSIONS, *ERRATA_VERSIONS]),
    )


def _convert_accepted(
    result: ReadResult, scan: _Scan, text: str, name: str, payer: str | None, pmap: PayerMap, scrub
) -> None:
    done: set[int] = set()
    by_line = {c.line: c for c in scan.claims}
    # groups that hold no claim and are not an 837 (an 835, a 999 ...): one rejection each
    claimed_gs = {c.gs for c in scan.claims}
    for gs, (raw, version) in enumerate(scan.gs_versions):
        if gs in claimed_gs or version in SUPPORTED_VERSIONS or version in ERRATA_VERSIONS:
            continue
        dummy = _Claim(-1, raw, -1, gs, (), None)
        err = _group_problem(scan, dummy, name)
        if err is not None:
            result.rejections.append(Rejection(f"{name}:GS {gs + 1}", None, err))
    pending: dict[int, ConvertedClaim | Rejection] = {}
    for c in scan.claims:
        err = _group_problem(scan, c, name)
        if err is not None:
            pending[c.index] = Rejection(_claim_label(scan, c, name), c.claim_id, err)
            done.add(c.index)
        elif c.findings:
            pending[c.index] = Rejection(_claim_label(scan, c, name), c.claim_id, _combined(c.findings, name))
            done.add(c.index)
    wanted = {c.index for c in scan.claims} - done
    if wanted:
        try:
            with _quiet_pyx12():
                for node, ctx in _iter_claims(text):
                    c = by_line.get(node.cur_line_number)
                    if c is None or c.index not in wanted:
                        continue
                    done.add(c.index)
                    try:
                        conv = _claim(node, ctx, name, c.index + 1, payer, pmap)
                    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                        pending[c.index] = Rejection(
                            _claim_label(scan, c, name),
                            c.claim_id,
                            InvalidX12Error(
                                f"a value of the claim cannot be read ({type(exc).__name__}: "
                                f"{_cap(scrub(str(exc)), 60)})",
                                file=name,
                                location=f"line {scan.phys.get(c.line, c.line)}, CLM",
                            ),
                        )
                        continue
                    conv.source = _claim_label(scan, c, name)
                    pending[c.index] = conv
        except Exception as exc:  # pyx12's loop reader gave up: the rest is unreadable
            reason = type(exc).__name__
        else:
            reason = None
        for c in scan.claims:
            if c.index in wanted and c.index not in done:
                pending[c.index] = Rejection(
                    _claim_label(scan, c, name),
                    c.claim_id,
                    InvalidX12Error(
                        "the claim could not be placed in the 837 loop structure"
                        + (f" ({reason} in pyx12's loop reader)" if reason else ""),
                        file=name,
                        location=f"line {scan.phys.get(c.line, c.line)}, CLM",
                    ),
                )
    for index in sorted(pending):
        item = pending[index]
        if isinstance(item, Rejection):
            result.rejections.append(item)
        else:
            result.claims.append(item)


class _Context:
    """What the loops above 2300 said about the claims below them."""

    def __init__(self) -> None:
        self.form: str | None = None
        self.version: str | None = None
        self.reset_billing()
        self.reset_subscriber()

    def reset_billing(self) -> None:
        self.billing_npi: str | None = None
        self.billing_taxonomy: str | None = None

    def reset_subscriber(self) -> None:
        self.member_id: str | None = None
        self.payer_id: str | None = None
        self.filing_indicator: str | None = None
        self.payer_sequence: str | None = None
        self.subscriber_dmg: tuple[str | None, str | None] | None = None
        self.dependent = False
        self.patient_dmg: tuple[str | None, str | None] | None = None


def _iter_claims(text: str) -> Iterator[tuple[Any, _Context]]:
    ctx = _Context()
    reader = pyx12.x12context.X12ContextReader(
        pyx12.params.params(), pyx12.error_handler.errh_null(), io.StringIO(text)
    )
    with reader:
        for node in reader.iter_segments("2300"):
            seg_id = node.id
            if seg_id == "GS":
                version = node.get_value("GS08")
                ctx.version = version
                ctx.form = SUPPORTED_VERSIONS.get(version)
            elif seg_id == "HL":
                level = node.get_value("HL03")
                if level == "20":
                    ctx.reset_billing()
                    ctx.reset_subscriber()
                elif level == "22":
                    ctx.reset_subscriber()
                elif level == "23":
                    ctx.dependent = True
                    ctx.patient_dmg = None
            elif seg_id == "SBR":
                ctx.filing_indicator = node.get_value("SBR09")
                ctx.payer_sequence = node.get_value("SBR01")
            elif seg_id == "PRV" and "2000A" in node.cur_path and node.get_value("PRV01") == "BI":
                ctx.billing_taxonomy = node.get_value("PRV03")
            elif seg_id == "NM1":
                qual = node.get_value("NM101")
                if qual == "IL":
                    ctx.member_id = node.get_value("NM109")
                elif qual == "85" and node.get_value("NM108") == "XX":
                    ctx.billing_npi = node.get_value("NM109")
                elif qual == "PR" and "2010BB" in node.cur_path:
                    ctx.payer_id = node.get_value("NM109")
            elif seg_id == "DMG":
                dmg = (node.get_value("DMG02"), node.get_value("DMG03"))
                if "2010CA" in node.cur_path:
                    ctx.patient_dmg = dmg
                elif "2010BA" in node.cur_path:
                    ctx.subscriber_dmg = dmg
            elif seg_id == "2300":
                yield node, ctx


def _claim(
    node: Any, ctx: _Context, name: str, count: int, payer: str | None, pmap: PayerMap
) -> ConvertedClaim:
    warnings: list[str] = []
    claim_id = node.get_value("CLM01")
    form = ctx.form or "professional"
    claim: dict[str, Any] = {"id": claim_id, "form": form}
    claim["payer"] = payer or pmap.resolve(ctx.payer_id, ctx.filing_indicator, warnings)
    if form == "professional":
        claim["place_of_service"] = node.get_value("CLM05-1")
    else:
        facility, frequency = node.get_value("CLM05-1"), node.get_value("CLM05-3")
        claim["type_of_bill"] = f"0{facility}{frequency}"
    for ref in node.select("REF"):
        if ref.get_value("REF01") == "G1":
            claim["prior_authorization"] = ref.get_value("REF02")
    claim["diagnoses"] = _diagnoses(node, warnings)
    if form == "institutional":
        conditions = _condition_codes(node)
        if conditions:
            claim["condition_codes"] = conditions
    statement_start = _claim_statement_start(node)
    v2 = v2_fields_supported()
    claim["lines"] = [_line(ln, form, statement_start, warnings, v2) for ln in node.select("2400")]
    if v2:
        _claim_v2(node, claim)
    document: dict[str, Any] = {"claim": {k: v for k, v in claim.items() if v is not None}}
    if v2:
        _document_v2(node, ctx, document, pmap, warnings)
    patient: dict[str, Any] = {}
    if ctx.dependent:
        warnings.append(
            "patient: the patient is a dependent (loop 2000C); patient.id is left empty "
            "because the 837 carries only the subscriber's member id"
        )
        dmg = ctx.patient_dmg
    else:
        if ctx.member_id:
            patient["id"] = ctx.member_id
        dmg = ctx.subscriber_dmg
    if dmg:
        birth, sex = dmg
        if birth:
            patient["birth_date"] = x12_date(birth)
        if sex:
            patient["sex"] = sex
    if patient:
        document["patient"] = patient
    return ConvertedClaim(document, f"{name}:claim {count} (CLM*{claim_id})", warnings)


#: SBR09 -> coverage.plan_type. MA / MB (Medicare Part A / B) say the claim was sent to Medicare, not how the member
#: is enrolled: a Medicare Advantage enrollee's claim sent to the MAC carries MB too (the mismatch is what
#: MEDICARE-ADVANTAGE-ENROLLEE-BILLED-TO-FFS decides from an eligibility sidecar), so they give no plan type.
_PLAN_TYPES = {"16": "medicare_advantage", "MC": "medicaid", "CI": "commercial", "BL": "commercial", "HM": "commercial"}


def _claim_v2(node: Any, claim: dict) -> None:
    """Version-2 claim fields: CLM05-3 frequency, REF*F8 original claim."""
    claim["frequency_code"] = node.get_value("CLM05-3")
    for ref in node.select("REF"):
        if ref.get_value("REF01") == "F8":
            claim["original_claim_id"] = ref.get_value("REF02")


#: a NUCC provider taxonomy code (the claim schema's shape)
_NUCC = re.compile(r"^[0-9A-Za-z]{9}X$")


def _provider(npi: str | None, taxonomy: str | None, role: str = "", warnings: list | None = None) -> dict:
    if taxonomy and not _NUCC.match(taxonomy):
        if warnings is not None:
            warnings.append(ConverterWarning(
                f"providers.{role}: PRV03 is not a NUCC taxonomy code (ten characters ending in X); not used",
                code="x12_taxonomy_invalid", place=f"providers.{role}.taxonomy"))
        taxonomy = None
    return {k: v for k, v in (("npi", npi), ("taxonomy", taxonomy)) if v}


def _rendering(loop_parent: Any, loop_id: str, entity: str = "82", prv_code: str = "PE", role: str = "rendering",
               warnings: list | None = None) -> dict:
    """NM1 of ``entity`` (NPI when NM108 is XX) and its PRV (``prv_code``) in a loop: 837P 2310B
    rendering (NM1*82, PRV*PE); 837I 2310A attending (NM1*71, PRV*AT), 2310D rendering (NM1*82)."""
    for loop in loop_parent.select(loop_id):
        npi = tax = None
        for nm1 in loop.select("NM1"):
            if nm1.get_value("NM101") == entity and nm1.get_value("NM108") == "XX":
                npi = nm1.get_value("NM109")
        for prv in loop.select("PRV"):
            if prv.get_value("PRV01") == prv_code:
                tax = prv.get_value("PRV03")
        return _provider(npi, tax, role, warnings)
    return {}


def _document_v2(node: Any, ctx: _Context, document: dict, pmap: PayerMap, warnings: list[str]) -> None:
    """Version-2 sections: providers (2010AA; 837P 2310B; 837I 2310A attending, 2310D rendering),
    coverage (member id, plan, COB 2320)."""
    providers = {}
    billing = _provider(ctx.billing_npi, ctx.billing_taxonomy, "billing", warnings)
    if billing:
        providers["billing"] = billing
    if (ctx.form or "professional") == "professional":
        roles = {"rendering": _rendering(node, "2310B", warnings=warnings)}
    else:
        roles = {"rendering": _rendering(node, "2310D", warnings=warnings),
                 "attending": _rendering(node, "2310A", "71", "AT", "attending", warnings)}
    providers.update({role: p for role, p in roles.items() if p})
    if providers:
        document["providers"] = providers
    coverage: dict[str, Any] = {}
    if ctx.member_id:
        coverage["member_id"] = ctx.member_id
    plan = _PLAN_TYPES.get(ctx.filing_indicator or "")
    if plan:
        coverage["plan_type"] = plan
    others = []
    for loop in node.select("2320"):
        for sbr in loop.select("SBR"):
            notes: list[str] = []
            profile = pmap.resolve(None, sbr.get_value("SBR09"), notes)
            if profile:
                others.append({"payer": profile, "primary": sbr.get_value("SBR01") == "P"})
    if others:
        coverage["other_coverage"] = others
    if coverage:
        document["coverage"] = coverage
    # no format_version: a v1 clinical sidecar merged into it keeps its v1 meaning


def _diagnoses(node: Any, warnings: list[str]) -> list[str]:
    principal: list[str] = []
    other: list[str] = []
    for hi in node.select("HI"):
        for i in range(1, 13):
            qual = hi.get_value(f"HI{i:02d}-1")
            code = hi.get_value(f"HI{i:02d}-2")
            if not qual or not code:
                continue
            if qual in _ICD9:
                warnings.append(
                    f"diagnoses: HI qualifier {qual} is ICD-9-CM; the knowledge base expects "
                    "ICD-10-CM"
                )
                (principal if qual in _PRINCIPAL else other).append(code)
            elif qual in _PRINCIPAL:
                principal.append(dotted_icd10(code))
            elif qual in _OTHER:
                other.append(dotted_icd10(code))
            elif qual in _CONDITION:
                continue  # condition codes, not diagnoses (_condition_codes)
            else:
                warnings.append(f"diagnoses: HI qualifier {qual} is not mapped (ignored)")
    return principal + other


def _condition_codes(node: Any) -> list[str]:
    """Condition codes of an 837I claim (HI*BG), in the order sent."""
    out: list[str] = []
    for hi in node.select("HI"):
        for i in range(1, 13):
            if hi.get_value(f"HI{i:02d}-1") in _CONDITION and hi.get_value(f"HI{i:02d}-2"):
                out.append(str(hi.get_value(f"HI{i:02d}-2")).strip().upper())
    return out


#: CAS groups whose amounts the patient owes: allowed = paid + these (the 5010 balancing rule
#: SV102 - sum of the 2430 CAS = SVD02 makes the other groups the payer's write-offs)
_PATIENT_GROUPS = {"PR"}


def _line_adjudication(adj: Any) -> dict:
    """A prior payer's adjudication of the line (2430): SVD02 paid, CAS trios, and the allowed
    amount they imply (paid + patient responsibility). Another payer's figures, never this
    payer's: they go to ``lines[].other_payers``, not ``paid_amount`` / ``allowed_amount``."""
    out: dict[str, Any] = {}
    for svd in adj.select("SVD"):
        paid = number(svd.get_value("SVD02"))
        if paid is not None:
            out["paid_amount"] = paid
    adjustments = []
    for cas in adj.select("CAS"):
        group = cas.get_value("CAS01")
        for k in range(2, 19, 3):
            carc, amount = cas.get_value(f"CAS{k:02d}"), number(cas.get_value(f"CAS{k + 1:02d}"))
            if carc and amount is not None:
                adjustments.append({"group": group, "carc": carc, "amount": amount})
    if adjustments:
        out["adjustments"] = adjustments
    if "paid_amount" in out:
        owed = sum(a["amount"] for a in adjustments if a["group"] in _PATIENT_GROUPS)
        out["allowed_amount"] = round(out["paid_amount"] + owed, 2)
    return out


def _claim_statement_start(node: Any) -> str | None:
    for dtp in node.select("DTP"):
        if dtp.get_value("DTP01") == "434":
            return _dtp_start(dtp.get_value("DTP02"), dtp.get_value("DTP03"), [], "434")
    return None


def _dtp_start(fmt: str | None, value: str | None, warnings: list[str], qual: str) -> str | None:
    if not value:
        return None
    if fmt == "RD8":
        start, _, end = value.partition("-")
        if end and end != start:
            warnings.append(f"DTP*{qual} is a date range; service_date is its start date")
        return x12_date(start)
    return x12_date(value)


def _line(ln: Any, form: str, statement_start: str | None, warnings: list[str], v2: bool = False) -> dict:
    number_ = number(ln.get_value("LX01"))
    line: dict[str, Any] = {"number": number_}
    prefix = "SV1" if form == "professional" else "SV2"
    comp = "SV101" if form == "professional" else "SV202"
    qual = ln.get_value(f"{comp}-1")
    if not qual and form == "institutional":
        pass  # a revenue-code-only line (room and board, pharmacy 025x): no HCPCS code
    elif qual not in ("HC",):
        warnings.append(f"line {number_}: procedure qualifier {qual!r} is not HCPCS/CPT (HC)")
    line["code"] = ln.get_value(f"{comp}-2") or None
    modifiers = [ln.get_value(f"{comp}-{i}") for i in range(3, 7)]
    line["modifiers"] = [m for m in modifiers if m]
    if form == "professional":
        unit, qty, charge = ln.get_value("SV103"), ln.get_value("SV104"), ln.get_value("SV102")
    else:
        unit, qty, charge = ln.get_value("SV204"), ln.get_value("SV205"), ln.get_value("SV203")
        line["revenue_code"] = ln.get_value("SV201")
    if unit != "UN":
        warnings.append(f"line {number_}: {prefix} unit basis is {unit!r}, not UN (units)")
    line["units"] = number(qty)
    service_date = None
    for dtp in ln.select("DTP"):
        if dtp.get_value("DTP01") == "472":
            fmt, value = dtp.get_value("DTP02"), dtp.get_value("DTP03")
            if v2 and fmt == "RD8" and value:
                start, _, end = value.partition("-")
                service_date = x12_date(start)
                if end and end != start:
                    line["service_date_end"] = x12_date(end)
            else:
                service_date = _dtp_start(fmt, value, warnings, "472")
    if service_date is None and statement_start is not None:
        warnings.append(
            f"line {number_}: no DTP*472; service_date is the claim statement start (DTP*434)"
        )
        service_date = statement_start
    if service_date is None:
        warnings.append(f"line {number_}: no service date (DTP*472)")
    line["service_date"] = service_date
    for drug in ln.select("2410"):
        if drug.get_value("LIN02") == "N4":
            line["ndc"] = hyphenated_ndc(drug.get_value("LIN03"))
        else:
            warnings.append(
                f"line {number_}: LIN qualifier {drug.get_value('LIN02')!r} is not N4 (NDC)"
            )
        line["ndc_quantity"] = number(drug.get_value("CTP04"))
        line["ndc_unit"] = drug.get_value("CTP05-1")
    line["charge"] = number(charge)
    if v2:
        if form == "professional" and ln.get_value("SV105"):
            line["place_of_service"] = ln.get_value("SV105")
        others = [o for o in (_line_adjudication(adj) for adj in ln.select("2430")) if o]
        if others:
            line["other_payers"] = others
    if form == "professional":
        pointers = [ln.get_value(f"SV107-{i}") for i in range(1, 5)]
        pointers = [int(p) for p in pointers if p]
        if pointers:
            line["diagnosis_pointers"] = pointers
    return {k: v for k, v in line.items() if v is not None}
