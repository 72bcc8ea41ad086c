"""Decoding and content sniffing of input files (X12, FHIR JSON, NDJSON, claim documents).

The content decides, never only the file name:

- byte-order marks are honoured (UTF-8, UTF-16 LE/BE) and UTF-16 without a BOM is
  recognised by its NUL bytes, so a file saved by a Windows tool reads like any other;
- text that starts with ``ISA``, or with a ``GS``/``ST`` segment (an interchange whose
  ISA is missing), is X12 and goes to the X12 reader, which reports the missing header;
- a JSON object with a top-level ``resourceType`` is FHIR; several such objects one per
  line (or a ``.ndjson`` file) are a FHIR bulk export;
- anything else is a claim document (YAML/JSON, FORMATS.md).

:func:`load_json` is the bounded JSON loader of the FHIR readers: size and nesting
limits, duplicate keys, NaN/Infinity and over-long numbers refused with a location and
without quoting the input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from denialkb.engine.formats.errors import FormatError, InvalidFhirError

__all__ = ["decode_bytes", "sniff_text", "read_input_text", "load_json", "json_depth_exceeds"]

_X12_START = re.compile(r"(ISA.|GS[*|^!~:]|ST[*|^!~:]8)")


def decode_bytes(raw: bytes, name: str) -> str:
    """Decode an input file's bytes: UTF-8 (with or without BOM) or UTF-16 (BOM or not);
    an X12 interchange that is not UTF-8 is read as Latin-1 (one character per byte).

    Raises
    ------
    FormatError
        Code ``input_encoding`` when the bytes are not text in one of those encodings.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8", raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, body = "utf-16", raw
    elif len(raw) >= 4 and raw[1:2] == b"\x00" and raw[3:4] == b"\x00" and raw[0:1] != b"\x00":
        encoding, body = "utf-16-le", raw
    elif len(raw) >= 4 and raw[0:1] == b"\x00" and raw[2:3] == b"\x00" and raw[1:2] != b"\x00":
        encoding, body = "utf-16-be", raw
    else:
        encoding, body = "utf-8", raw
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            # X12 is byte-oriented: a file with a Latin-1 / Windows-1252 byte (an accented name)
            # is still an interchange; read each byte as one character and let the X12
            # validator locate the character its character set does not allow
            latin = body.decode("latin-1")
            if _X12_START.match(latin.lstrip(" \t\r\n")[:4]):
                return latin
        raise FormatError(
            f"the file is not {encoding.upper()} text (undecodable byte at offset {exc.start})",
            code="input_encoding",
            file=name,
            location=f"byte {exc.start}",
            expected="UTF-8 or UTF-16 text",
        ) from None
    if "\x00" in text:
        raise FormatError(
            "the file is binary (it holds NUL characters)",
            code="input_encoding",
            file=name,
            location=f"character {text.index(chr(0))}",
            expected="an X12 837, FHIR JSON or claim document text file",
        )
    return text


def read_input_text(path: str | Path, max_bytes: int, what: str = "input") -> str:
    """Read and decode a file, refusing it (``input_too_large``) above ``max_bytes``."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FormatError(
                f"the file is {size} bytes, larger than the {max_bytes} byte limit for {what}",
                code="input_too_large",
                file=name,
                location="-",
                hint="split it into smaller files",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(
            f"cannot read the file: {exc.strerror or type(exc).__name__}",
            code="file_unreadable",
            file=name,
            location="-",
        ) from None
    return decode_bytes(raw, name)


def sniff_text(text: str, name: str = "") -> str:
    """``x12``, ``fhir``, ``ndjson`` or ``claim`` for decoded text (see the module doc)."""
    head = text.lstrip(" \t\r\n\ufeff")
    if _X12_START.match(head[:4]):
        return "x12"
    if name.lower().endswith(".ndjson"):
        return "ndjson"
    if head.startswith("{"):
        first, _, rest = head.partition("\n")
        if rest.strip() and first.rstrip().endswith("}") and '"resourceType"' in first:
            return "ndjson"
        if _top_level_key(head, "resourceType"):
            return "fhir"
    return "claim"


_TRAILING_TYPE = re.compile(r'"resourceType"\s*:\s*"[A-Za-z]{1,64}"\s*\}\s*$')


def ends_with_resource_type(tail: str) -> bool:
    """Does a JSON text whose head was inconclusive end with a top-level ``resourceType``?

    Some servers write ``resourceType`` as the last key of a Bundle, after every entry
    (the Inferno CARIN test kit's searchset); followed by nothing but the closing brace,
    the key is in the top-level object.
    """
    return bool(_TRAILING_TYPE.search(tail))


def _top_level_key(text: str, key: str) -> bool:
    """Does the JSON object in ``text`` have ``key`` at its top level? (a bounded scan)"""
    depth = 0
    in_str = False
    esc = False
    start = -1
    target = f'"{key}"'
    limit = min(len(text), 2_000_000)
    i = 0
    while i < limit:
        c = text[i]
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
                if depth == 1 and text[start : i + 1] == target:
                    rest = text[i + 1 : i + 40].lstrip()
                    if rest.startswith(":"):
                        return True
        elif c == '"':
            in_str = True
            start = i
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth <= 0:
                return False
        i += 1
    return False


def json_depth_exceeds(text: str, limit: int) -> int | None:
    """The 1-based line where JSON nesting first goes deeper than ``limit``, else None."""
    depth = 0
    in_str = False
    esc = False
    line = 1
    for c in text:
        if c == "\n":
            line += 1
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
            if depth > limit:
                return line
        elif c in "}]":
            depth -= 1
    return None


def _no_duplicates(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str, name: str, *, max_depth: int, error=InvalidFhirError, line_offset: int = 0):
    """Parse JSON safely: depth limit, no duplicate keys, no NaN/Infinity, bounded numbers.

    Errors (``error`` class) name the line and column (shifted by ``line_offset``) and the
    kind of problem; a duplicate key is named (keys are field names, not values).
    """
    deep = json_depth_exceeds(text, max_depth)
    if deep is not None:
        raise error(
            f"the JSON is nested deeper than {max_depth} levels",
            file=name,
            location=f"line {deep + line_offset}",
            expected=f"at most {max_depth} levels of nesting",
        )
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise error(
            f"not JSON: {exc.msg}",
            file=name,
            location=f"line {exc.lineno + line_offset}, column {exc.colno}",
            expected="FHIR R4 JSON",
        ) from None
    except _Duplicate as exc:
        key = exc.key if len(exc.key) <= 40 else exc.key[:37] + "..."
        raise error(
            f"duplicate key {key!r} in a JSON object",
            file=name,
            location=f"line {1 + line_offset}" if line_offset else "-",
            expected="each key once per object",
        ) from None
    except (ValueError, RecursionError) as exc:
        what = "NaN or Infinity" if "not a JSON number" in str(exc) else "a number too long to read"
        if isinstance(exc, RecursionError):
            what = "nesting too deep to read"
        raise error(
            f"the JSON holds {what}",
            file=name,
            location=f"line {1 + line_offset}" if line_offset else "-",
            expected="finite numbers of ordinary size",
        ) from None
