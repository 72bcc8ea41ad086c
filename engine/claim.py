"""Claim documents (FORMATS.md sections 1 and 3): load, validate against the shipped JSON Schema.

Validation uses the ``jsonschema`` library with the schema in
``denialkb/engine/schemas/claim.schema.json``. Every problem is reported at once, with
its place in the document (``claim.lines[1].units``), its ``line:col`` for YAML files,
what was expected and what was found, and a "did you mean" for unknown keys.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from denialkb.engine.bounds import checked_values, describe
from denialkb.engine.errors import ClaimInvalidError, Problem
from denialkb.engine.validation import _found, place_of, schema_problem
from denialkb.engine.yamlio import Loaded, LoadError, load_document, parse_text

CODE = "claim_invalid"


@dataclass
class ClaimDocument:
    """A validated claim document.

    ``data`` is the JSON-like document (dates as ISO strings); ``file`` names where it
    came from; ``marks`` maps document paths to ``(line, col)`` for YAML input.
    """

    data: dict
    file: str = "<input>"
    marks: dict = field(default_factory=dict)

    @property
    def claim_id(self) -> str:
        return self.data["claim"]["id"]


@lru_cache(maxsize=1)
def claim_schema() -> dict:
    """The JSON Schema of claim documents, as shipped in the package."""
    text = resources.files("denialkb.engine").joinpath("schemas/claim.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator():
    schema = claim_schema()
    import jsonschema  # only for documents the compiled validator refuses

    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _fast_validator():
    """The compiled (fastjsonschema) validator of the same claim schema: ``doc -> bool``, used to
    accept valid documents quickly; documents it refuses are validated again with ``jsonschema``
    so the problems reported are always the detailed ones (engine/fastschema.py; agreement with
    jsonschema is tested on 1,500 mutants)."""
    from denialkb.engine import fastschema

    return fastschema.validator("claim")


def _jsonable(obj, path, problems, file, marks):
    """Dates to ISO strings; refuse non-string keys and values JSON cannot hold."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                line, col = Loaded(None, marks, file).mark(path + (k,))
                problems.append(Problem(CODE, f"key {k!r} is not a string", file, line, col,
                                        place_of(path + (str(k),)), hint="quote the key"))
                continue
            out[k] = _jsonable(v, path + (k,), problems, file, marks)
        return out
    if isinstance(obj, list):
        return [_jsonable(v, path + (i,), problems, file, marks) for i, v in enumerate(obj)]
    if isinstance(obj, _dt.datetime):
        return obj.isoformat(timespec="minutes") if obj.second == 0 else obj.isoformat()
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if isinstance(obj, bytes):
        return obj.decode("latin-1")
    return obj


def _semantic_problems(doc: dict, file: str, marks: dict) -> list[Problem]:
    """Checks the schema cannot express: pointers in range, unique numbers, date order."""
    out = []
    ld = Loaded(None, marks, file)

    def add(path, msg, expected="", hint=""):
        line, col = ld.mark(path) if marks else (0, 0)
        out.append(Problem(CODE, msg, file, line, col, place_of(path), expected=expected, hint=hint))

    claim = doc.get("claim", {})
    ndx = len(claim.get("diagnoses", []))
    seen = {}
    for i, line in enumerate(claim.get("lines", [])):
        num = line.get("number", i + 1)
        if num in seen:
            add(("claim", "lines", i, "number"), f"line number {num} is used twice (also lines[{seen[num]}])",
                expected="unique line numbers")
        seen[num] = i
        if "code" not in line and claim.get("form") != "institutional":
            add(("claim", "lines", i, "code"), "required key is missing: only an institutional line may bill a "
                "revenue code without a HCPCS/CPT code", expected="a value for 'code'")
        if line.get("service_date_end") and line["service_date_end"] < line["service_date"]:
            add(("claim", "lines", i, "service_date_end"),
                f"the line ends ({line['service_date_end']}) before it starts ({line['service_date']})")
        for j, p in enumerate(line.get("diagnosis_pointers", [])):
            if p > ndx:
                add(("claim", "lines", i, "diagnosis_pointers", j),
                    f"pointer {p} points past the {ndx} diagnoses on the claim",
                    expected=f"a number from 1 to {ndx}")
    pt = doc.get("patient") or {}
    dates = sorted((ln["service_date"], i) for i, ln in enumerate(claim.get("lines", [])) if ln.get("service_date"))
    if pt.get("birth_date") and dates and pt["birth_date"] > dates[0][0]:
        # patient data: the message names the places, never the dates
        add(("patient", "birth_date"), f"the patient is born after the first date of service "
            f"(claim.lines[{dates[0][1]}].service_date)", expected="a birth date on or before every date of service")
    weights = {}
    if pt.get("weight_date") and pt.get("weight_kg") is not None:
        weights[pt["weight_date"]] = (pt["weight_kg"], ("patient", "weight_kg"))
    for i, w in enumerate(pt.get("weights") or []):
        if not isinstance(w, dict) or "date" not in w or "kg" not in w:
            continue
        if w["date"] in weights and weights[w["date"]][0] != w["kg"]:
            add(("patient", "weights", i, "kg"), f"two different weights on one date (also "
                f"{place_of(weights[w['date']][1])})", expected="one weight per date: correct or remove one of them")
        weights.setdefault(w["date"], (w["kg"], ("patient", "weights", i, "kg")))
    cov = doc.get("coverage") or {}
    if cov.get("start_date") and cov.get("end_date") and cov["end_date"] < cov["start_date"]:
        add(("coverage", "end_date"), f"coverage ends ({cov['end_date']}) before it starts ({cov['start_date']})")
    for i, a in enumerate(doc.get("authorizations", [])):
        if a.get("start_date") and a.get("end_date") and a["end_date"] < a["start_date"]:
            add(("authorizations", i, "end_date"),
                f"authorization ends ({a['end_date']}) before it starts ({a['start_date']})")
    for i, a in enumerate(doc.get("administrations", [])):
        if a.get("start") and a.get("date") and a["start"][:10] != a["date"]:
            add(("administrations", i, "start"), f"the administration starts on {a['start'][:10]}, not on its date "
                f"({a['date']})", expected=f"a start time on {a['date']} (an infusion may end the next day)")
        if a.get("start") and a.get("end") and a["end"].replace(" ", "T") < a["start"].replace(" ", "T"):
            add(("administrations", i, "end"), "the administration ends before it starts",
                expected=f"a time after {a['start']}")
    d = doc.get("documentation") or {}
    if d.get("infusion_start") and d.get("infusion_end") and d["infusion_end"] < d["infusion_start"]:
        add(("documentation", "infusion_end"), "infusion ends before it starts",
            expected=f"a time after {d['infusion_start']}")
    return out


def validate_claim(data, file: str = "<input>", marks: dict | None = None) -> ClaimDocument:
    """Validate a parsed document; return a :class:`ClaimDocument` or raise.

    Raises
    ------
    ClaimInvalidError
        With every problem found, each naming its place.
    """
    marks = marks or {}
    problems: list[Problem] = []
    if not isinstance(data, dict):
        # a document that is one scalar may be anything (a pasted name, a whole record): described, never quoted
        found = describe(data) if isinstance(data, (str, int, float)) and not isinstance(data, bool) else _found(data)
        raise ClaimInvalidError([Problem(CODE, f"expected a mapping with a 'claim' key, found {found}",
                                         file, 1 if marks else 0, 1 if marks else 0, "(document)")])
    doc = _jsonable(data, (), problems, file, marks)
    bad, doc = checked_values(doc, file, marks, CODE)  # NaN/inf, maxima, text, dates (engine/bounds.py)
    problems.extend(bad)
    valid = not problems and _fast_validator()(doc)
    if not valid:
        seen = {p.place for p in bad}
        for err in _validator().iter_errors(doc):
            p = schema_problem(err, file, marks, CODE)
            if p.place not in seen:  # one problem per place: a bad date fails both "format" and "pattern"
                seen.add(p.place)
                problems.append(p)
    if not problems:
        problems.extend(_semantic_problems(doc, file, marks))
    if problems:
        raise ClaimInvalidError(problems)
    return ClaimDocument(doc, file, marks)


def load_claim(path) -> ClaimDocument:
    """Load and validate one claim document from a YAML or JSON file.

    Raises
    ------
    ClaimInvalidError
        When the file cannot be read or parsed, or the document is invalid.
    """
    try:
        loaded = load_document(path, CODE)
    except LoadError as e:
        raise ClaimInvalidError([e.problem]) from None
    return validate_claim(loaded.data, str(path), loaded.marks)


def parse_claim_text(text: str, name: str = "<input>.yaml") -> ClaimDocument:
    """Parse and validate a claim document given as text (YAML, or JSON by name)."""
    try:
        loaded = parse_text(text, name, CODE)
    except LoadError as e:
        raise ClaimInvalidError([e.problem]) from None
    return validate_claim(loaded.data, name, loaded.marks)
