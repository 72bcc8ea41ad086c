"""The workbench's what-if form: a claim document's values as named fields, and back.

Every value an auditor may change (units, modifiers, codes, dates, documented values, clinical
facts) becomes one field named by its document path, the path ``denialkb what-if --set``
takes (``claim.lines[0].modifiers``). The form shows each value as text (lists of scalars as
``A, B``); :func:`changes` compares what comes back with the document and turns every
changed field into a ``(path, value)`` assignment, typed as the original value was (a code
stays a string, units stay a number), or an unset when a field was emptied.

>>> doc = {"claim": {"id": "C1", "lines": [{"number": 1, "code": "J9306", "units": 420, "modifiers": []}]}}
>>> [f.path for s in sections(doc) for f in s.fields][:3]
['claim.id', 'claim.lines[0].code', 'claim.lines[0].units']
>>> changes(doc, {"claim.lines[0].modifiers": "JZ", "claim.lines[0].units": "420"})
([('claim.lines[0].modifiers', ['JZ'])], [], [])
"""

from __future__ import annotations

from dataclasses import dataclass, field

# fields offered on every line even when the document leaves them out
LINE_ALWAYS = ("code", "units", "modifiers", "service_date")
# never offered: they identify, they do not decide
HIDDEN = ("claim.lines[*].number",)
SECTION_TITLES = {"claim": "Claim", "patient": "Patient", "coverage": "Coverage", "documentation": "Documentation",
                  "clinical": "Clinical", "authorizations": "Authorizations", "administrations": "Administrations",
                  "prior_claims": "Prior claims"}


@dataclass
class Field:
    """One form field: its document path, a label, the value as text and its kind
    (``str``, ``int``, ``num``, ``bool``, ``list`` or ``intlist``)."""

    path: str
    label: str
    text: str
    kind: str


@dataclass
class Section:
    """A group of fields (the claim, each line, documentation, ...)."""

    title: str
    fields: list = field(default_factory=list)
    open: bool = False


def _kind(v) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in v):
        return "intlist" if v and all(isinstance(x, int) for x in v) else "list"
    return None


def as_text(v) -> str:
    """A value as the form shows it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def _walk(value, path: str, label: str, out: list) -> None:
    k = _kind(value)
    if k is not None:
        out.append(Field(path, label, as_text(value), k))
    elif isinstance(value, dict):
        for key, v in value.items():
            _walk(v, f"{path}.{key}", f"{label} · {key}" if label else key, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]", f"{label} {i + 1}", out)


def sections(data: dict) -> list[Section]:
    """The what-if form of a claim document: the claim, each line (open), then the other
    sections, in document order."""
    out = []
    claim = data.get("claim") or {}
    head = Section("Claim", open=True)
    for key, v in claim.items():
        if key != "lines":
            _walk(v, f"claim.{key}", key, head.fields)
    out.append(head)
    for i, ln in enumerate(claim.get("lines") or []):
        sec = Section(f"Line {ln.get('number', i + 1)}: {ln.get('code', '')}", open=True)
        seen = set()
        for key in (*LINE_ALWAYS, *ln):
            if key in seen or key == "number":
                continue
            seen.add(key)
            v = ln.get(key)
            path = f"claim.lines[{i}].{key}"
            if v is None:
                sec.fields.append(Field(path, key, "", "list" if key == "modifiers" else
                                        "int" if key == "units" else "str"))
            else:
                _walk(v, path, key, sec.fields)
        out.append(sec)
    for top, v in data.items():
        if top == "claim" or v is None:
            continue
        sec = Section(SECTION_TITLES.get(top, top))
        if isinstance(v, dict):
            for key, x in v.items():
                _walk(x, f"{top}.{key}", key, sec.fields)
        else:
            _walk(v, top, "", sec.fields)
        if sec.fields:
            out.append(sec)
    # put the claim's own fields first: id, then the rest
    head.fields.sort(key=lambda f: f.path != "claim.id")
    return out


def _parse(text: str, kind: str):
    text = text.strip()
    if kind == "bool":
        low = text.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise ValueError("expected true or false")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            return float(text)  # a dose in mg may become fractional; the schema says what is allowed
    if kind == "num":
        return float(text)
    if kind in ("list", "intlist"):
        items = [x.strip() for x in text.split(",") if x.strip()]
        return [int(x) for x in items] if kind == "intlist" else items
    return text


def changes(data: dict, submitted: dict) -> tuple[list, list, list]:
    """``(sets, unsets, errors)`` from submitted field texts (path -> text): only fields whose
    text differs from the document's. ``errors`` are ``(path, message)`` for values that do
    not read as their kind (a number field holding words)."""
    fields = {f.path: f for s in sections(data) for f in s.fields}
    sets, unsets, errors = [], [], []
    for path, text in submitted.items():
        f = fields.get(path)
        if f is None or text.strip() == f.text.strip():
            continue
        if not text.strip():
            if f.kind in ("list", "intlist"):
                sets.append((path, []))
            elif f.text:
                unsets.append(path)
            continue
        try:
            sets.append((path, _parse(text, f.kind)))
        except ValueError as e:
            errors.append((path, str(e) if "expected" in str(e) else f"expected a {'number' if f.kind in ('int', 'num', 'intlist') else f.kind}"))
    return sets, unsets, errors
