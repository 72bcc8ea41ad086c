"""``denialkb kb new drug|payer|rule``: new KB files from the templates in ``engine/templates/``.

The templates are YAML documents shipped with the package (``files: {path: text}``); the text of
each file has ``${name}`` placeholders (:class:`string.Template`). Every value put in is checked
first (ids, codes, numbers), every produced file must parse as YAML, and no existing file is
overwritten: the command writes all files or none.
"""

from __future__ import annotations

import json
import math
import re
import string
from importlib import resources
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError
from denialkb.engine.yamlio import LoadError, parse_yaml

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
CODE_RE = re.compile(r"^[A-Z0-9]{4,7}$")
BASE_WEIGHT_KG = 68.0  # weight of the patient in kb/cases/base/pertuzumab-medicare.yaml


def _template(kind: str) -> dict:
    text = resources.files("denialkb.engine").joinpath(f"templates/{kind}.yaml").read_text("utf-8")
    return parse_yaml(text, f"templates/{kind}.yaml", "kb_template_error").data["files"]


def _bad(msg: str, hint: str = "") -> UsageError:
    return UsageError([Problem("usage_error", msg, hint=hint)])


def _yaml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def render(kind: str, values: dict) -> dict[str, str]:
    """``{relative path: text}`` of the files a template makes with ``values``."""
    out = {}
    for path, text in _template(kind).items():
        rel = string.Template(path).substitute(values)
        body = string.Template(text).substitute(values)
        try:
            parse_yaml(body, rel, "kb_template_error")
        except LoadError as e:  # pragma: no cover - a template bug, not the user's
            raise _bad(f"template {kind} produced invalid YAML for {rel}: {e.problem.message}") from None
        out[rel] = body
    return out


def write_files(kb_dir: str | Path, files: dict[str, str]) -> list[Path]:
    """Write the files under ``kb_dir``; refuse (writing nothing) when one already exists."""
    root = Path(kb_dir)
    if not root.is_dir():
        raise _bad(f"knowledge-base directory not found: {root}", "name the KB to add to with --kb DIR")
    targets = [root / rel for rel in files]
    exists = [str(t) for t in targets if t.exists()]
    if exists:
        raise UsageError([Problem("usage_error", f"{p} already exists; nothing was written", p,
                                  hint="choose another name, or edit the file") for p in exists])
    for t, text in zip(targets, files.values(), strict=True):
        t.parent.mkdir(parents=True, exist_ok=True)
        t.write_text(text, encoding="utf-8")
    return targets


def drug_values(name: str, code: str, unit_mg: float, max_mg_per_kg: float, dose_mg_per_kg: float | None = None,
                brands: tuple = ()) -> dict:
    """Template values of a new drug (and its dose rule and cases), checked."""
    if not NAME_RE.match(name):
        raise _bad(f"drug id '{name}' is not a lower-case id", "like fam-trastuzumab-deruxtecan")
    code = code.upper()
    if not CODE_RE.match(code):
        raise _bad(f"'{code}' is not a HCPCS code", "like J9358")
    for label, v in (("--unit-mg", unit_mg), ("--max-mg-per-kg", max_mg_per_kg)):
        if not v > 0:
            raise _bad(f"{label} must be greater than 0")
    dose = dose_mg_per_kg if dose_mg_per_kg is not None else max_mg_per_kg
    if not 0 < dose <= max_mg_per_kg:
        raise _bad("--dose-mg-per-kg must be greater than 0 and at most --max-mg-per-kg")
    brand = brands[0] if brands else name
    # doses on the 68 kg base patient: at the labelled maximum (whole units), and 20 % above it
    units_max = math.floor(max_mg_per_kg * BASE_WEIGHT_KG / unit_mg)
    units_over = math.ceil(max_mg_per_kg * BASE_WEIGHT_KG * 1.2 / unit_mg)
    units_waste = max(1, math.ceil(units_over * 0.05))
    rule_id = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-") + "-DOSE-ABOVE-LABEL"
    return {"name": name, "file": name, "code": code, "unit_mg": _num(unit_mg), "max_mg_per_kg": _num(max_mg_per_kg),
            "dose_mg_per_kg": _num(dose), "aliases": "[" + ", ".join(_yaml_str(b) for b in brands) + "]",
            "brand": _yaml_str(brand), "title": brand.capitalize() if brands else name,
            "rule_id": rule_id, "case_id": name,
            "units_max": str(units_max), "dose_max": _num(units_max * unit_mg),
            "units_over": str(units_over), "dose_over": _num(units_over * unit_mg),
            "units_waste": str(units_waste), "waste_mg": _num(units_waste * unit_mg)}


def payer_values(kb, pid: str, name: str) -> dict:
    """Template values of a new payer: every setting something reads, each with its readers."""
    from denialkb.engine.authoring import settings_read

    if not NAME_RE.match(pid):
        raise _bad(f"payer id '{pid}' is not a lower-case id", "like acme")
    if pid in kb.payers:
        raise _bad(f"payer '{pid}' already exists ({kb.payers[pid].file})")
    read = settings_read(kb)
    settings, sources = [], []
    for key in sorted(read):
        others = [f"{p.id} {_show(p.settings[key])}" for p in sorted(kb.payers.values(), key=lambda p: p.id)
                  if p.settings.get(key) is not None]
        readers = ", ".join(read[key][:3]) + (f" and {len(read[key]) - 3} more" if len(read[key]) > 3 else "")
        settings.append(f"    {key}: null   # read by {readers}" + (f"; set by {', '.join(others)}" if others else ""))
        sources.append(f'    {key}: ""   # TODO: URL (what it says), once {key} has a value')
    return {"id": pid, "name": _yaml_str(name), "settings": "\n".join(settings),
            "setting_sources": "\n".join(sources)}


def _show(v) -> str:
    from denialkb.engine.authoring import _short

    return _short(v)


def rule_values(rid: str, level: str = "line", file: str | None = None) -> dict:
    """Template values of a new rule and its two cases."""
    if not ID_RE.match(rid):
        raise _bad(f"rule id '{rid}' is not an upper-case dashed id", "like ACME-ENHERTU-WITH-PERTUZUMAB")
    if level not in ("line", "claim"):
        raise _bad("--level must be line or claim")
    file = file or rid.lower()
    if not NAME_RE.match(file):
        raise _bad(f"file name '{file}' is not a lower-case name")
    return {"id": rid, "level": level, "file": file, "case_id": rid.lower(),
            "condition": "{fact: line.units, gt: 999999}" if level == "line"
            else '{fact: claim.received_date, lt: "1900-01-01"}', "at_line": "@line:1" if level == "line" else ""}
