"""Turning JSON Schema errors into :class:`~denialkb.engine.errors.Problem` s a person can act on.

Shared by claim documents and knowledge-base files: each error names its place
(``claim.lines[1].units``), its ``line:col`` when the source was YAML, what was
expected, what was found, and a "did you mean" for unknown keys and values.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported only where a document was refused (the fast path never needs it)
    import jsonschema

from denialkb.engine.bounds import describe, is_sensitive
from denialkb.engine.errors import Problem, did_you_mean
from denialkb.engine.yamlio import Loaded


def place_of(path) -> str:
    """Render a path tuple as ``claim.lines[1].units``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _json_type(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "mapping"
    return type(v).__name__


def _found(v, path=()) -> str:
    if path and is_sensitive(place_of(path)):  # patient data is described, never quoted
        return describe(v)
    if v is None:
        return "null"
    if isinstance(v, (dict, list)):
        return f"a {_json_type(v)}"
    if isinstance(v, str):
        return f"{v[:80]!r}" + ("..." if len(v) > 80 else "")
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 64:
        return "a huge whole number"
    text = json.dumps(v)
    return f"{_json_type(v)} {text if len(text) <= 40 else text[:20] + '...'}"


_TYPE_WORDS = {"string": "a string", "number": "a number", "integer": "a whole number",
               "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "null"}


def schema_problem(err: jsonschema.ValidationError, file: str, marks: dict, code: str = "claim_invalid") -> Problem:
    path = tuple(err.absolute_path)
    v = err.validator
    inst = err.instance
    sch = err.schema if isinstance(err.schema, dict) else {}
    expected = sch.get("x-expected", "")
    hint = ""
    loc_path = path
    if v == "additionalProperties":
        allowed = sorted(sch.get("properties", {}))
        extras = sorted((k for k in inst if k not in allowed), key=str)
        key = extras[0]
        loc_path = path + (key,)
        section = place_of(path) if path else "the document"
        msg = f"unknown key '{key}' in {section}"
        if len(extras) > 1:
            msg = f"unknown keys {', '.join(repr(k) for k in extras)} in {section}"
        expected = "one of: " + ", ".join(allowed) if allowed else ""
        if sch.get("patternProperties") and not allowed:
            expected = sch.get("x-expected", "")
        hint = did_you_mean(key, allowed)
        place = place_of(loc_path)
    elif v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else str(err.validator_value)
        loc_path = path
        place = place_of(path + (missing,))
        msg = "required key is missing"
        expected = f"a value for '{missing}'"
    elif v == "anyOf" and all(set(sub) == {"required"} for sub in err.validator_value):
        keys = [k for sub in err.validator_value for k in sub["required"]]
        place = place_of(path)
        msg = "required key is missing"
        expected = "a value for " + " or ".join(f"'{k}'" for k in keys)
    elif v == "type":
        types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        # a scalar where a section or a list goes may be misplaced content of any kind: described, never quoted
        # (knowledge-base files hold no patient data: their values are quoted)
        scalar_for_section = set(types) <= {"object", "array"} and isinstance(inst, str) and not code.startswith("kb_")
        found = describe(inst) if scalar_for_section else _found(inst, path)
        msg = f"expected {' or '.join(_TYPE_WORDS.get(t, t) for t in types)}, found {found}"
        place = place_of(path)
        if "string" in types and isinstance(inst, (int, float)) and not isinstance(inst, bool):
            hint = "codes are strings: put the value in quotes"
        expected = expected or ""
    elif v == "enum":
        choices = [c for c in err.validator_value if c is not None]
        msg = f"found {_found(inst, path)}"
        expected = "one of: " + ", ".join(str(c) for c in choices)
        hint = did_you_mean(inst, [str(c) for c in choices]) if isinstance(inst, str) else ""
        if isinstance(inst, str) and any(not isinstance(c, str) and str(c) == inst for c in choices):
            hint = f"write {inst} without quotes: it is a number here, not a string"
        place = place_of(path)
    elif v in ("pattern", "format"):
        msg = f"found {_found(inst, path)}"
        if v == "format":
            msg = f"{_found(inst, path)} is not a valid {err.validator_value}"
        expected = expected or f"a value matching {err.validator_value}"
        place = place_of(path)
    elif v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        word = {"minimum": "at least", "exclusiveMinimum": "greater than",
                "maximum": "at most", "exclusiveMaximum": "less than"}[v]
        msg = f"found {_found(inst, path)}"
        expected = f"a number {word} {err.validator_value}"
        place = place_of(path)
    elif v in ("minItems", "maxItems", "minLength", "maxLength"):
        n = len(inst) if hasattr(inst, "__len__") else 0
        what = "item" if v.endswith("Items") else "character"
        word = "at least" if v.startswith("min") else "at most"
        msg = f"found {n} {what}{'s' if n != 1 else ''}"
        expected = f"{word} {err.validator_value} {what}{'s' if err.validator_value != 1 else ''}"
        place = place_of(path)
    else:  # pragma: no cover - every keyword the schema uses is handled above
        msg = err.message
        place = place_of(path)
    line, col = Loaded(None, marks, file).mark(loc_path) if marks else (0, 0)
    return Problem(code, msg, file, line, col, place, expected=expected, hint=hint)


