"""Golden cases: claim facts in, the exact denials (and optionally findings and explanation
text) out. Used by ``denialkb kb test`` and by the test suite.

A case names a claim inline (``claim:``) or a ``base`` claim file (relative to the case
file) changed by ``set`` (``{path: value}``) and ``unset`` (``[path]``), with paths like
``claim.lines[0].modifiers`` (the same paths what-if uses).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import ClaimInvalidError, Problem, UsageError
from denialkb.engine.yamlio import LoadError, load_document

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> list:
    """``claim.lines[0].units`` -> ``['claim', 'lines', 0, 'units']``.

    >>> parse_path("claim.lines[0].units")
    ['claim', 'lines', 0, 'units']
    """
    parts, pos = [], 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        m = _PART.match(text, pos)
        if not m:
            raise ValueError(f"cannot read path '{path}' at character {pos + 1}")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts:
        raise ValueError("empty path")
    return parts


def set_path(doc: dict, path: str, value) -> None:
    """Set ``path`` in ``doc``, creating mappings on the way; raises ValueError when a list index is out of range."""
    parts = parse_path(path)
    cur = doc
    for i, p in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(p, int):
            if not isinstance(cur, list) or p >= len(cur):
                raise ValueError(f"{path}: index [{p}] is out of range")
            cur = cur[p]
            continue
        if not isinstance(cur, dict):
            raise ValueError(f"{path}: '{p}' is inside a value that is not a mapping")
        if p not in cur or cur[p] is None:
            cur[p] = [] if isinstance(nxt, int) else {}
        cur = cur[p]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(cur, list) or last > len(cur):
            raise ValueError(f"{path}: index [{last}] is out of range")
        if last == len(cur):
            cur.append(value)
        else:
            cur[last] = value
    else:
        if not isinstance(cur, dict):
            raise ValueError(f"{path}: '{last}' is inside a value that is not a mapping")
        cur[last] = value


def unset_path(doc: dict, path: str) -> None:
    """Remove ``path`` from ``doc`` (nothing happens when it is already absent)."""
    parts = parse_path(path)
    cur = doc
    for p in parts[:-1]:
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            return
    try:
        del cur[parts[-1]]
    except (KeyError, IndexError, TypeError):
        return


@dataclass
class CaseResult:
    """Outcome of one golden case."""

    case: str
    file: str
    passed: bool
    diffs: list = field(default_factory=list)
    record: dict | None = None
    error: str = ""
    fired: list = field(default_factory=list)  # rules that fired, as RULE@line:N (set by kb test)


def case_document(case, kb_root: Path) -> dict:
    """The claim document a case describes (base + set/unset, or inline)."""
    raw = case.raw
    if "claim" in raw:
        doc = copy.deepcopy(raw["claim"])
    elif "base" in raw:
        base = (kb_root.parent / case.file).parent / raw["base"]
        try:
            doc = copy.deepcopy(load_document(base, "kb_case_error").data)
        except LoadError as e:
            raise UsageError([Problem("kb_case_error", f"case '{case.id}': base {raw['base']}: {e.problem.message}",
                                      case.file, case.line, case.col)]) from None
    else:
        raise UsageError([Problem("kb_case_error", f"case '{case.id}' needs 'claim' or 'base'",
                                  case.file, case.line, case.col)])
    for path, value in (raw.get("set") or {}).items():
        try:
            set_path(doc, path, value)
        except ValueError as e:
            raise UsageError([Problem("kb_case_error", f"case '{case.id}': set {e}", case.file, case.line,
                                      case.col)]) from None
    for path in raw.get("unset") or []:
        unset_path(doc, path)
    return doc


def run_case(decider, case) -> CaseResult:
    """Decide a case and compare with what it expects (exact denial set)."""
    kb = decider.kb
    try:
        doc = validate_claim(case_document(case, kb.root), f"{case.file}#{case.id}")
    except (ClaimInvalidError, UsageError) as e:
        return CaseResult(case.id, case.file, False, error=e.format())
    record = decider.check_document(doc, case.raw.get("as_of"))
    exp = case.raw["expect"]
    diffs = []
    got_denials = sorted(f"{d['id']}@line:{d['line']}" if d["line"] else d["id"] for d in record["denials"])
    if "denials" in exp:
        want = sorted(exp["denials"])
        if want != got_denials:
            missing = sorted(set(want) - set(got_denials))
            extra = sorted(set(got_denials) - set(want))
            diffs.append("denials differ:" + (f"\n      expected but not produced: {', '.join(missing)}" if missing else "")
                         + (f"\n      produced but not expected: {', '.join(extra)}" if extra else ""))
    if "outcome" in exp and exp["outcome"] != record["outcome"]:
        diffs.append(f"outcome: expected {exp['outcome']}, got {record['outcome']}")
    if "findings" in exp:
        got = sorted({f["id"] for f in record["findings"]})
        want = sorted(set(exp["findings"]))
        if not set(want) <= set(got):
            diffs.append(f"findings: expected {', '.join(sorted(set(want) - set(got)))} among {', '.join(got) or 'none'}")
    if "missing_information" in exp:
        got = sorted(m["fact"] for m in record["missing_information"])
        if sorted(exp["missing_information"]) != got:
            diffs.append(f"missing_information: expected {sorted(exp['missing_information'])}, got {got}")
    for rid, text in (exp.get("explanations") or {}).items():
        texts = [d["explanation"] for d in record["denials"] if d["id"] == rid]
        if text not in texts:
            diffs.append(f"explanation of {rid}:\n      expected: {text}\n      got:      {texts[0] if texts else '(no such denial)'}")
    got_stages = {(f"{d['id']}@line:{d['line']}" if d["line"] else d["id"]): d["stage"] for d in record["denials"]}
    for key, stage in (exp.get("stages") or {}).items():
        if got_stages.get(key) != stage:
            diffs.append(f"stage of {key}: expected {stage}, got {got_stages.get(key, '(no such denial)')}")
    for rid in case.fires:
        produced = {d["id"] for d in record["denials"]} | {f["rule"] for f in
                                                           (j for fd in record["findings"] for j in fd["justifications"])}
        if rid not in produced:
            diffs.append(f"case says it fires {rid}, which did not fire")
    for rid in case.near_miss:
        fired = {t["rule"] for t in record["trace"]}
        if rid in fired:
            diffs.append(f"case is a near miss for {rid}, which fired")
    return CaseResult(case.id, case.file, not diffs, diffs, record)
