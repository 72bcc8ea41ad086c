"""X12 837P / 837I (005010) -> claim documents, validated with pyx12.

pyx12 validates every interchange against its implementation-guide maps (837P
005010X222A1, 837I 005010X223A2) before anything is converted; a file with findings is
rejected as a whole with an :class:`~denialkb.engine.formats.errors.InvalidX12Error`
that carries every finding (segment id, segment number, line, element). The conversion
then walks pyx12's loop tree (``X12ContextReader.iter_segments('2300')``); no segment is
split by hand here.

Patient values are never logged: pyx12's own logger is muted while it runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyx12.error_handler
import pyx12.errors
import pyx12.params
import pyx12.x12context
import pyx12.x12file
import pyx12.x12n_document

from denialkb.engine.formats._common import (
    ConvertedClaim,
    PayerMap,
    as_payer_map,
    dotted_icd10,
    hyphenated_ndc,
    number,
    x12_date,
)
from denialkb.engine.formats.errors import Finding, InvalidX12Error, UnsupportedX12Error

__all__ = ["read_x12", "validate_x12", "SUPPORTED_VERSIONS"]

#: GS08 version codes we convert, and the claim form each one is.
SUPPORTED_VERSIONS = {
    "005010X222A1": "professional",
    "005010X223A2": "institutional",
}

# HI qualifiers that carry diagnoses we map (principal first, then others).
_PRINCIPAL = {"ABK", "BK"}
_OTHER = {"ABF", "BF"}
_ICD9 = {"BK", "BF"}


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
    """Return (text, display name). A str that starts with ``ISA`` is X12 text."""
    if isinstance(path_or_text, Path):
        return path_or_text.read_text(encoding="utf-8", errors="replace"), path_or_text.name
    if path_or_text.lstrip().startswith("ISA") or any(c in path_or_text for c in "*~\n"):
        return path_or_text, "<text>"
    path = Path(path_or_text)
    try:
        return path.read_text(encoding="utf-8", errors="replace"), path.name
    except OSError as exc:
        raise InvalidX12Error(
            f"cannot read the file: {exc.strerror}",
            code="file_unreadable",
            file=str(path_or_text),
            location="-",
        ) from None


def _findings_from_json(doc: dict) -> list[Finding]:
    """Flatten pyx12's JSON error tree into findings, in file order."""
    out: list[Finding] = []

    def envelope(node: dict, seg: str) -> None:
        for err in node.get("errors", []):
            line = node.get("cur_line")
            out.append(
                Finding(
                    location=f"line {line}, {seg} envelope",
                    message=err["err_str"],
                    code=str(err["err_cde"]),
                    segment_id=seg,
                    line=line,
                )
            )

    for isa in doc.get("interchanges", []):
        envelope(isa, "ISA")
        for gs in isa.get("groups", []):
            envelope(gs, "GS")
            for st in gs.get("transactions", []):
                envelope(st, "ST")
                for seg in st.get("segments", []):
                    where = f"line {seg['cur_line']}, segment {seg['seg_count']} {seg['seg_id']}"
                    common = {
                        "segment_id": seg["seg_id"],
                        "segment_number": seg["seg_count"],
                        "line": seg["cur_line"],
                    }
                    for err in seg.get("errors", []):
                        out.append(Finding(where, err["err_str"], str(err["err_cde"]), **common))
                    for ele in seg.get("elements", []):
                        ref = f"{seg['seg_id']}{int(ele['ele_pos']):02d}"
                        if ele.get("subele_pos"):
                            ref += f"-{ele['subele_pos']}"
                        for err in ele.get("errors", []):
                            out.append(
                                Finding(
                                    f"{where}, element {ref}",
                                    err["err_str"],
                                    str(err["err_cde"]),
                                    element=ref,
                                    **common,
                                )
                            )
    out.sort(key=lambda f: (f.line or 0, f.segment_number or 0))
    return out


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
    _validate_text(text, name)


def _validate_text(text: str, name: str) -> None:
    with _quiet_pyx12():
        try:
            pyx12.x12file.X12Reader(io.StringIO(text)).close()
        except pyx12.errors.X12Error as exc:
            raise InvalidX12Error(
                f"not an X12 interchange: {exc}",
                file=name,
                location="line 1",
                expected="an interchange starting with a 106-character ISA segment",
                findings=[Finding("line 1", str(exc), segment_id="ISA", line=1)],
            ) from None
        out_json = io.StringIO()
        try:
            ok = pyx12.x12n_document.x12n_document(
                pyx12.params.params(), io.StringIO(text), None, None, None, out_json
            )
        except pyx12.errors.EngineError as exc:
            raise UnsupportedX12Error(
                str(exc),
                file=name,
                location="GS08",
                expected="one of: " + ", ".join(SUPPORTED_VERSIONS),
            ) from None
    raw = out_json.getvalue()
    findings = _findings_from_json(json.loads(raw)) if raw else []
    if findings:
        first = findings[0]
        raise InvalidX12Error(
            first.message + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            file=name,
            location=first.location,
            expected="an interchange valid against the 005010 implementation guide",
            findings=findings,
        )
    if not ok:
        raise InvalidX12Error(
            "pyx12 rejected the interchange without a located finding",
            file=name,
            location="line 1",
        )


def read_x12(
    path_or_text: str | Path,
    *,
    payer: str | None = None,
    payer_map: PayerMap | dict | str | Path | None = None,
) -> list[ConvertedClaim]:
    """Convert an 837P / 837I (005010) interchange into claim documents.

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
        One per CLM (loop 2300), in file order.

    Raises
    ------
    InvalidX12Error, UnsupportedX12Error

    Examples
    --------
    >>> claims = read_x12("tests/data/formats/pertuzumab_837p.txt")  # doctest: +SKIP
    >>> claims[0].document["claim"]["lines"][0]["code"]  # doctest: +SKIP
    'J9306'
    """
    text, name = _read_source(path_or_text)
    _validate_text(text, name)
    pmap = as_payer_map(payer_map)
    with _quiet_pyx12():
        try:
            return list(_convert(text, name, payer, pmap))
        except ValueError as exc:  # a value pyx12 let through but we cannot read
            raise InvalidX12Error(f"unreadable value: {exc}", file=name, location="-") from None


class _Context:
    """What the loops above 2300 said about the claims below them."""

    def __init__(self) -> None:
        self.form: str | None = None
        self.reset_subscriber()

    def reset_subscriber(self) -> None:
        self.member_id: str | None = None
        self.payer_id: str | None = None
        self.filing_indicator: str | None = None
        self.subscriber_dmg: tuple[str | None, str | None] | None = None
        self.dependent = False
        self.patient_dmg: tuple[str | None, str | None] | None = None


def _convert(text: str, name: str, payer: str | None, pmap: PayerMap) -> Iterator[ConvertedClaim]:
    ctx = _Context()
    reader = pyx12.x12context.X12ContextReader(
        pyx12.params.params(), pyx12.error_handler.errh_null(), io.StringIO(text)
    )
    count = 0
    with reader:
        for node in reader.iter_segments("2300"):
            seg_id = node.id
            if seg_id == "GS":
                version = node.get_value("GS08")
                if version not in SUPPORTED_VERSIONS:
                    raise UnsupportedX12Error(
                        f"functional group version {version!r} is not an 837P/837I we convert",
                        file=name,
                        location=f"line {node.cur_line_number}, GS08",
                        expected="one of: " + ", ".join(SUPPORTED_VERSIONS),
                    )
                ctx.form = SUPPORTED_VERSIONS[version]
            elif seg_id == "HL":
                level = node.get_value("HL03")
                if level == "22":
                    ctx.reset_subscriber()
                elif level == "23":
                    ctx.dependent = True
                    ctx.patient_dmg = None
            elif seg_id == "SBR":
                ctx.filing_indicator = node.get_value("SBR09")
            elif seg_id == "NM1":
                qual = node.get_value("NM101")
                if qual == "IL":
                    ctx.member_id = node.get_value("NM109")
                elif qual == "PR" and "2010BB" in node.cur_path:
                    ctx.payer_id = node.get_value("NM109")
            elif seg_id == "DMG":
                dmg = (node.get_value("DMG02"), node.get_value("DMG03"))
                if "2010CA" in node.cur_path:
                    ctx.patient_dmg = dmg
                elif "2010BA" in node.cur_path:
                    ctx.subscriber_dmg = dmg
            elif seg_id == "2300":
                count += 1
                yield _claim(node, ctx, name, count, payer, pmap)


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
    statement_start = _claim_statement_start(node)
    claim["lines"] = [_line(ln, form, statement_start, warnings) for ln in node.select("2400")]
    document: dict[str, Any] = {"claim": {k: v for k, v in claim.items() if v is not None}}
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
            else:
                warnings.append(f"diagnoses: HI qualifier {qual} is not mapped (ignored)")
    return principal + other


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


def _line(ln: Any, form: str, statement_start: str | None, warnings: list[str]) -> dict:
    number_ = number(ln.get_value("LX01"))
    line: dict[str, Any] = {"number": number_}
    prefix = "SV1" if form == "professional" else "SV2"
    comp = "SV101" if form == "professional" else "SV202"
    qual = ln.get_value(f"{comp}-1")
    if qual not in ("HC",):
        warnings.append(f"line {number_}: procedure qualifier {qual!r} is not HCPCS/CPT (HC)")
    line["code"] = ln.get_value(f"{comp}-2")
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
            service_date = _dtp_start(
                dtp.get_value("DTP02"), dtp.get_value("DTP03"), warnings, "472"
            )
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
    if form == "professional":
        pointers = [ln.get_value(f"SV107-{i}") for i in range(1, 5)]
        pointers = [int(p) for p in pointers if p]
        if pointers:
            line["diagnosis_pointers"] = pointers
    return {k: v for k, v in line.items() if v is not None}
