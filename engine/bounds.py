"""Bounds on input values, checked by meaning wherever a document is read.

The JSON Schema of claim documents says what shape a value has; this module says what
values make sense, for every document whatever the reader (YAML, JSON, JSON Lines, X12,
FHIR, ``--set``):

- numbers are finite (NaN and infinity are refused, never read as "absent") and at most
  the field's maximum: the schema's ``maximum`` or, for fields it leaves open, the central
  table :data:`NUMBER_MAX` (by key name), and never more than :data:`DEFAULT_MAX`;
- strings hold no control characters (free-text fields may hold tabs and line breaks)
  and no lone surrogates (text that cannot be written as UTF-8);
- dates and date-times are real calendar values (``date.fromisoformat`` /
  ``datetime.fromisoformat``) with years from 1900 to 2100;
- one time-zone rule: the date-times of one document either all carry a UTC offset or
  none does (naive times are the local time at the place of service). Mixing the two
  cannot be compared, so it is refused, with both places named.

Which fields are dates and date-times is read from the claim schema itself (its
``format: date`` and date-time patterns), so fields added to the schema are covered
without a change here. Problems never quote the value found (it may be patient data):
they name the file, line:col, place, what was expected and what kind of value was found.

>>> from denialkb.engine.bounds import value_problems
>>> [p.message for p in value_problems({"claim": {"lines": [{"charge": float("inf")}]}})]
['found infinity']
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from functools import lru_cache

from denialkb.engine.errors import Problem

YEAR_MIN, YEAR_MAX = 1900, 2100
DEFAULT_MAX = 1_000_000_000
"""No number in any input is larger than this (in absolute value)."""

NUMBER_MAX: dict[str, float] = {
    # amounts in US dollars: far above any one line of an oncology infusion claim
    "charge": 10_000_000, "allowed_amount": 10_000_000, "paid_amount": 10_000_000,
    # billing units and quantities (the schema caps line units at 1,000,000 already)
    "units": 1_000_000, "units_used": 1_000_000, "paid_units": 1_000_000, "ndc_quantity": 1_000_000,
    "count": 10_000,
    # milligrams of one dose or of what was discarded
    "dose_mg": 100_000, "waste_mg": 100_000, "pertuzumab_mg": 100_000, "trastuzumab_mg": 100_000,
    # lab values
    "afp_ng_ml": 10_000_000, "ish_ratio": 1_000, "copy_number": 1_000,
    # body measurements
    "height_cm": 300, "weight_kg": 500,
    # ordinals
    "number": 10_000, "line": 100,
}
"""Maximum by key name, for numbers the claim schema does not bound itself."""

FREE_TEXT_KEYS = frozenset({"clinical_justification", "waste_reason", "note", "description"})
"""Keys whose strings may hold tabs and line breaks (every other control character is refused)."""

SENSITIVE_PREFIXES = ("patient", "coverage.member_id", "claim.diagnoses", "clinical",
                      "documentation.clinical_justification")
"""Places whose values are patient data: messages describe them, never quote them."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def place_of(path) -> str:
    """Render a path tuple as ``claim.lines[1].units``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def is_sensitive(place: str) -> bool:
    """Whether the value at ``place`` (``patient.id``, ``claim.diagnoses[1]``) is patient data."""
    return any(place == p or place.startswith(p + ".") or place.startswith(p + "[")
               for p in SENSITIVE_PREFIXES)


def describe(value) -> str:
    """A description of ``value`` that does not reveal it (for messages about patient data)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"a string of {len(value)} character{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a value"


# ------------------------------------------------------------------ the schema's dates and numbers

def _resolve(schema: dict, root: dict) -> dict:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _kind(schema: dict) -> str | None:
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    pat = schema.get("pattern", "")
    if isinstance(pat, str) and pat.startswith("^[0-9]{4}-[0-9]{2}-[0-9]{2}[T "):
        return "datetime"
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "number" in types or "integer" in types:
        return "number"
    return None


def schema_fields(schema: dict) -> dict[tuple, dict]:
    """Every typed leaf of a JSON Schema: ``{path: {"kind": date|datetime|number, "maximum": ...}}``.

    Paths use ``"*"`` for list items, e.g. ``("claim", "lines", "*", "charge")``.
    """
    out: dict[tuple, dict] = {}

    def visit(node, path, depth):
        node = _resolve(node, schema)
        if depth > 30 or not node:
            return
        kind = _kind(node)
        if kind:
            entry = out.setdefault(path, {"kind": kind, "maximum": None, "integer": False})
            types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
            if "integer" in types and "number" not in types:
                entry["integer"] = True  # JSON Schema accepts 1.0 as an integer; an index or count cannot be
            for key in ("maximum", "exclusiveMaximum"):
                if isinstance(node.get(key), (int, float)):
                    entry["maximum"] = node[key]
        for key, sub in (node.get("properties") or {}).items():
            visit(sub, path + (key,), depth + 1)
        if isinstance(node.get("items"), dict):
            visit(node["items"], path + ("*",), depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key) or []:
                visit(sub, path, depth + 1)

    visit(schema, (), 0)
    return out


@lru_cache(maxsize=1)
def claim_fields() -> dict[tuple, dict]:
    """:func:`schema_fields` of the shipped claim schema (read here, not through
    ``claim.claim_schema``: claim.py imports this module, and the import graph has no cycle)."""
    from importlib import resources

    text = resources.files("denialkb.engine").joinpath("schemas/claim.schema.json").read_text("utf-8")
    return schema_fields(json.loads(text))


def number_max(path: tuple, fields: dict | None = None) -> float:
    """The largest value allowed at ``path``: the schema's maximum, else the table's, else the default."""
    fields = claim_fields() if fields is None else fields
    pattern = tuple("*" if isinstance(p, int) else p for p in path)
    entry = fields.get(pattern)
    if entry and entry.get("maximum") is not None:
        return min(entry["maximum"], DEFAULT_MAX)
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    return NUMBER_MAX.get(key, DEFAULT_MAX)


# ------------------------------------------------------------------ checking a document

def _year_ok(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


def option_date_problem(text: str) -> str:
    """Why ``text`` is not a date an option may give (``--as-of``), or "" when it is one.

    Only ``YYYY-MM-DD`` from 1900 to 2100, as in claim documents: every date is compared as ISO
    text, so the other forms ``date.fromisoformat`` reads (``20230601``, ``2023-W22-4``) would
    order wrongly and decide as of another day.
    """
    if not isinstance(text, str) or not _DATE_RE.match(text) or len(text) != 10:
        return "is not a date written YYYY-MM-DD"
    try:
        d = _dt.date.fromisoformat(text)
    except ValueError:
        return "is not a date (no such day)"
    if not _year_ok(d.year):
        return f"is outside the years {YEAR_MIN} to {YEAR_MAX}"
    return ""


def parse_datetime(text: str) -> _dt.datetime:
    """Parse an ISO 8601 date-time as claim documents hold it (``Z`` means UTC).

    Raises ValueError for an impossible date or time.
    """
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return _dt.datetime.fromisoformat(text)


def value_problems(doc, file: str = "", marks: dict | None = None, code: str = "claim_invalid",
                   fields: dict | None = None, free_text: bool = False) -> list[Problem]:
    """Every out-of-bounds value of a JSON-like document, as located problems.

    Parameters
    ----------
    doc : the parsed document (mappings, lists, scalars; dates as ISO strings)
    file, marks : where it came from; ``marks`` maps paths to ``(line, col)`` (YAML input)
    code : the problem code (``claim_invalid`` for claim documents)
    fields : typed fields of the document's schema (default: the claim schema's)
    free_text : allow tabs and line breaks in every string (KB files), not only in
        :data:`FREE_TEXT_KEYS`
    """
    return _check(doc, file, marks, code, fields, free_text)[0]


def checked_values(doc, file: str = "", marks: dict | None = None, code: str = "claim_invalid",
                   fields: dict | None = None) -> tuple[list[Problem], object]:
    """:func:`value_problems`, and a copy of ``doc`` in which each refused value is null.

    Schema validation then runs on the copy, so it never meets a value it cannot handle
    (a 5,000-digit integer, which jsonschema cannot even print) and every other problem
    is still reported. Returns ``doc`` itself when nothing was refused.
    """
    problems, paths = _check(doc, file, marks, code, fields, False)
    if not paths:
        return problems, doc
    return problems, _masked(doc, {tuple(p) for p in paths})


def _masked(v, paths, path=()):
    if path in paths:
        return None
    if isinstance(v, dict):
        return {k: _masked(x, paths, path + (k,)) for k, x in v.items()}
    if isinstance(v, list):
        return [_masked(x, paths, path + (i,)) for i, x in enumerate(v)]
    return v


_INDEX: dict = {}


def _field_index(fields: dict) -> tuple[dict, dict]:
    """``(kinds, limits)`` by path pattern, computed once per fields table."""
    key = id(fields)
    hit = _INDEX.get(key)
    if hit is None or hit[0] is not fields:
        kinds = {p: ("integer" if e.get("integer") else e["kind"]) for p, e in fields.items()}
        limits = {p: min(e["maximum"], DEFAULT_MAX) for p, e in fields.items()
                  if e["kind"] == "number" and e.get("maximum") is not None}
        hit = _INDEX[key] = (fields, kinds, limits)
    return hit[1], hit[2]


_BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _trie(fields: dict) -> dict:
    """The typed fields as a tree of keys (``"*"`` for list items); leaves hold ``None``."""
    root: dict = {}
    for path in fields:
        node = root
        for k in path:
            node = node.setdefault(k, {})
    return root


@lru_cache(maxsize=1)
def _claim_trie() -> dict:
    return _trie(claim_fields())


# what json.dumps(ensure_ascii=False) writes for a control character, and the characters it
# leaves raw that are refused (DEL, C1 controls, lone surrogates)
_ESCAPED_OR_RAW_BAD = re.compile(r'\\[bfnrt]|\\u00|[\x7f-\x9f\ud800-\udfff]')


def _text_is_clean(doc) -> bool:
    """True when no string or key of ``doc`` can hold a refused character and no number is
    NaN, infinite or too long to print: one C-speed ``json.dumps`` instead of a walk."""
    try:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return False
    return _ESCAPED_OR_RAW_BAD.search(text) is None


def _check_typed(doc, trie, file, marks, code, kinds, limits):
    """The fast path: only the schema's numbers, dates and date-times (text is known clean)."""
    problems = []
    slow = False
    zones: set = set()
    stack = [(doc, trie, (), ())]
    while stack and not slow:
        v, node, path, pat = stack.pop()
        t = type(v)
        if t is dict:
            for k, sub in node.items():
                if k in v:
                    stack.append((v[k], sub, path + (k,), pat + (k,)))
        elif t is list:
            sub = node.get("*")
            if sub is not None:
                for i, x in enumerate(v):
                    stack.append((x, sub, path + (i,), pat + ("*",)))
        elif t is int or t is float:
            if t is float and kinds.get(pat) == "integer":
                return problems, True
            top = limits.get(pat)
            if top is None:
                top = NUMBER_MAX.get(pat[-1] if pat and pat[-1] != "*" else "", DEFAULT_MAX)
            slow = abs(v) > top
        elif t is str:
            kind = kinds.get(pat)
            if kind == "date":
                slow = _DATE_RE.match(v) is not None and not _year_ok(int(v[:4]))
            elif kind == "datetime" and _DATE_RE.match(v):
                try:
                    when = parse_datetime(v)
                except ValueError:
                    return problems, True
                slow = not _year_ok(when.year)
                zones.add(when.tzinfo is not None)
    return problems, slow or len(zones) > 1  # mixed offsets: the full walk names both places


def _check(doc, file, marks, code, fields, free_text):
    fast = fields is None and not free_text
    fields = claim_fields() if fields is None else fields
    kinds, limits = _field_index(fields)
    if fast and _text_is_clean(doc):
        _, slow = _check_typed(doc, _claim_trie(), file, marks, code, kinds, limits)
        if not slow:
            return [], []
    marks = marks or {}
    out: list[Problem] = []
    bad_paths: list[tuple] = []
    zones: list[tuple[bool, tuple]] = []

    def where(path):
        p = tuple(path)
        while p:
            if p in marks:
                return marks[p]
            p = p[:-1]
        return marks.get((), (0, 0)) if marks else (0, 0)

    def add(path, msg, expected=""):
        bad_paths.append(tuple(path))
        line, col = where(path)
        out.append(Problem(code, msg, file, line, col, place_of(path), expected=expected))

    def text_ok(path, s, key):
        if not _BAD_TEXT.search(s):
            return True
        if _SURROGATE.search(s):
            add(path, "found text with a lone surrogate (not valid Unicode)",
                "UTF-8 text (each character a valid Unicode code point)")
            return False
        free = free_text or key in FREE_TEXT_KEYS
        if (_CONTROL if free else _CONTROL_ALL).search(s):
            allowed = " (tabs and line breaks are allowed here)" if free else ""
            add(path, "found a control character", "printable text" + allowed)
            return False
        return True

    def number(v, path, pat, key):
        if type(v) is float and kinds.get(pat) == "integer":
            add(path, "found a number with a fraction part" if v != int(v) else "found a decimal number",
                "a whole number written without a decimal point")
            return
        top = limits.get(pat)
        if top is None:
            top = NUMBER_MAX.get(key, DEFAULT_MAX)
        if abs(v) > top:
            add(path, f"found a number larger than {top:,.0f}" if abs(v) < 1e18 else "found a huge number",
                f"a number of at most {top:,.0f}" if kinds.get(pat) in ("number", "integer") else "")

    def text(v, path, pat, key):
        if not text_ok(path, v, key):
            return
        kind = kinds.get(pat)
        if kind == "date" and _DATE_RE.match(v):
            if not _year_ok(int(v[:4])):
                add(path, "found a date outside the years 1900 to 2100", "a date from 1900-01-01 to 2100-12-31")
        elif kind == "datetime" and _DATE_RE.match(v):
            try:
                t = parse_datetime(v)
            except ValueError as e:
                add(path, f"found an impossible date-time ({e})", "an ISO 8601 date-time like 2024-03-15T09:10")
                return
            if not _year_ok(t.year):
                add(path, "found a date-time outside the years 1900 to 2100", "a date-time from 1900 to 2100")
                return
            zones.append((t.tzinfo is not None, path))

    # iterative, in document order (children pushed in reverse); (value, path, pattern, nearest key)
    stack = [(doc, (), (), "")]
    while stack:
        v, path, pat, key = stack.pop()
        t = type(v)
        if t is dict:
            if len(path) > 200:  # the readers bound depth at 40; this only guards direct callers
                continue
            items = []
            for k, x in v.items():
                if type(k) is str:
                    if not text_ok(path + (k,), k, ""):
                        continue
                    items.append((x, path + (k,), pat + (k,), k))
                else:
                    items.append((x, path + (k,), pat + (k,), key))
            stack.extend(reversed(items))
        elif t is list:
            if len(path) > 200:
                continue
            stack.extend(reversed([(x, path + (i,), pat + ("*",), key) for i, x in enumerate(v)]))
        elif t is str:
            text(v, path, pat, key)
        elif t is float:
            if v != v:
                add(path, "found NaN (not a number)", "a number, or leave the field out when it is not known")
            elif v in (math.inf, -math.inf):
                add(path, "found infinity", "a finite number")
            else:
                number(v, path, pat, key)
        elif t is int:
            number(v, path, pat, key)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):  # subclasses
            number(float(v) if isinstance(v, float) else int(v), path, pat, key)
        elif isinstance(v, str):
            text(str(v), path, pat, key)

    aware = [p for z, p in zones if z]
    naive = [p for z, p in zones if not z]
    if aware and naive:
        add(aware[0], f"this date-time has a UTC offset and {place_of(naive[0])} has none",
            "every date-time of a document with a UTC offset (like +01:00 or Z), or none with one")
    return out, bad_paths
