"""Policy-author toolchain: lint, test with coverage, and diff knowledge bases.

Library code behind ``denialkb kb lint|test|diff``; the CLI only formats what these
functions return. Every problem is a :class:`~denialkb.engine.errors.Problem` with a
stable code:

========================  ========  ====================================================
code                      severity  meaning
========================  ========  ====================================================
kb_unreachable_rule       error     the rule can never fire (contradictory conditions,
                                    a fact nothing in scope supplies, empty date range,
                                    a finding only unreachable rules conclude)
kb_duplicate_conclusion   error     two rules conclude the same denial (CARC+group+stage)
                                    on the same conditions
kb_no_source              error     a rule cites no source
kb_no_remedy              error     a denial rule gives no remedy
kb_case_unknown_rule      error     a case's fires / near_miss names no rule
kb_no_golden_case         warning   no case fires the rule
kb_no_near_miss           warning   no case is a near miss for the rule
kb_unknown_date           info      a table row, code or rule has effective_from unknown
========================  ========  ====================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from denialkb.engine.conditions import FindingRef, Leaf, Node, leaves, walk
from denialkb.engine.errors import Problem, did_you_mean, root_cause_key
from denialkb.engine.kb import ENGINE_PAYER_SETTINGS, TEMPLATE_RE, KnowledgeBase, check_kb, is_dated
from denialkb.engine.yamlio import LoadError, load_document

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_NUMERIC = ("lt", "le", "gt", "ge")


# --------------------------------------------------------------------------- formatting

def format_problem(p: Problem) -> str:
    """Render a problem in the STYLE format; info-level problems are marked ``(info)``."""
    text = p.format()
    if p.severity == "info":
        head, _, rest = text.partition("\n")
        text = head + " (info)" + ("\n" + rest if rest else "")
    return text


def summarize(problems: list[Problem]) -> str:
    """``N errors, M warnings, K info`` for a list of problems."""
    n = {s: sum(1 for p in problems if p.severity == s) for s in SEVERITY_ORDER}

    def word(k, s):
        return f"{k} {s}{'s' if k != 1 and s != 'info' else ''}"

    return f"{word(n['error'], 'error')}, {word(n['warning'], 'warning')}, {n['info']} info"


def problem_dict(p: Problem) -> dict:
    d = p.to_dict()
    d["severity"] = p.severity
    return d


# --------------------------------------------------------------------------- lint

class _Positions:
    """Line/column of a path inside a KB file (files re-read lazily for their marks)."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict = {}

    def mark(self, file: str, path: tuple) -> tuple[int, int]:
        if file not in self.cache:
            try:
                self.cache[file] = load_document(self.root.parent / file, "kb_parse_error")
            except LoadError:
                self.cache[file] = None
        ld = self.cache[file]
        if ld is None:
            return 0, 0
        try:
            return ld.mark(path)
        except Exception:  # a path the marks do not know: fall back to the file
            return 0, 0


def lint_kb(root: str | Path | None = None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Check a KB for everything ``check_kb`` finds plus authoring problems.

    Returns
    -------
    (kb, problems)
        ``kb`` is None when the KB cannot be loaded; problems come root causes first (parse,
        schema, other errors, warnings, info), by file and line within each.
    """
    kb, problems = check_kb(root)
    problems = list(problems)
    if kb is not None:
        problems += lint_problems(kb)
    return kb, sorted(set(problems), key=root_cause_key)


def lint_problems(kb: KnowledgeBase, *, errors_only: bool = False) -> list[Problem]:
    """The authoring problems of a loaded KB (not the schema/reference ones).

    With ``errors_only`` the checks that can only warn (golden-case coverage, TODO values,
    explanation numbers, the cross-rule verification) are skipped: the gate in front of
    deciding (engine/gate.py) needs the errors alone, and skipping the rest keeps
    ``denialkb check ONE_FILE`` fast. Errors are the same either way (a test compares).
    """
    pos = _Positions(kb.root)
    out: list[Problem] = []

    def at(rule, sub: tuple, code, msg, severity="error", expected="", hint=""):
        path = _rule_path(kb, rule, pos)
        line, col = (rule.line, rule.col)
        if path is not None and sub:
            l2, c2 = pos.mark(rule.file, path + sub)
            if l2:
                line, col = l2, c2
        out.append(Problem(code, msg, rule.file, line, col, "", rule.id, expected, hint, severity))

    unreachable: dict[str, tuple] = {}
    for r in kb.rules:
        why = _never_fires(kb, r)
        if why:
            unreachable[r.id] = why
    # a rule that needs a finding only unreachable rules conclude cannot fire either
    changed = True
    while changed:
        changed = False
        for r in kb.rules:
            if r.id in unreachable:
                continue
            for ref in (n for n in walk(r.when) if isinstance(n, FindingRef) and not n.negated):
                producers = kb.finding_rules.get(ref.finding, [])
                if producers and all(p.id in unreachable for p in producers):
                    unreachable[r.id] = (ref.path[2:] if len(ref.path) > 2 else (),
                                         f"needs finding '{ref.finding}', which no reachable rule concludes")
                    changed = True
                    break
    for r in kb.rules:
        if r.id in unreachable:
            sub, msg = unreachable[r.id]
            at(r, sub, "kb_unreachable_rule", f"rule can never fire: {msg}")

    # same denial on the same conditions
    seen: dict = {}
    for r in kb.rules:
        if r.conclusion != "denial":
            continue
        d = r.denial
        key = (d["carc"], d["group"], d["stage"], _canon_cond(r.raw.get("when")), _canon(r.scope), r.level)
        if key in seen:
            o = seen[key]
            at(r, (), "kb_duplicate_conclusion",
               f"concludes the same denial (CARC {d['carc']}, group {d['group']}, stage {d['stage']}) "
               f"on the same conditions as {o.id} ({o.file}:{o.line})",
               hint="merge the two rules, or make their conditions differ")
        else:
            seen[key] = r

    # documentation
    for r in kb.rules:
        if not [s for s in (r.sources or []) if str(s).strip()]:
            at(r, ("sources",), "kb_no_source", "rule cites no source", expected="at least one source (URL or seed section)")
        if r.conclusion == "denial" and not str(r.remedy or "").strip():
            at(r, ("remedy",), "kb_no_remedy", "denial rule gives no remedy")

    # golden cases
    fired = {rid for c in kb.cases for rid in c.fires}
    near = {rid for c in kb.cases for rid in c.near_miss}
    for c in kb.cases:
        for key in ("fires", "near_miss"):
            for j, rid in enumerate(c.raw.get(key, [])):
                if rid not in kb.rules_by_id and rid not in kb.broken_rules:
                    path = _case_path(kb, c, pos)
                    line, col = pos.mark(c.file, path + (key, j)) if path else (c.line, c.col)
                    out.append(Problem("kb_case_unknown_rule", f"case '{c.id}': {key} names unknown rule '{rid}'",
                                       c.file, line or c.line, col or c.col,
                                       hint=did_you_mean(rid, kb.rules_by_id)))
    if errors_only:
        for r in kb.rules:
            _drug_literals(kb, r, at)
        out += _unknown_dates(kb, pos) + _row_problems(kb, pos)
        return [p for p in out if p.severity == "error"]
    for r in kb.rules:
        if r.id not in fired:
            at(r, (), "kb_no_golden_case", "no golden case fires this rule", "warning",
               hint="add a case with `fires: [" + r.id + "]` under kb/cases/")
        if r.id not in near:
            at(r, (), "kb_no_near_miss", "no golden case is a near miss for this rule", "warning",
               hint="add a case with `near_miss: [" + r.id + "]` where the rule stays silent")

    out += _unknown_dates(kb, pos)
    out += _row_problems(kb, pos)
    out += _todos(kb, pos)
    for r in kb.rules:
        _explanation_numbers(kb, r, at)
        _drug_literals(kb, r, at)
    _verify(kb, at)
    return out


def _rule_path(kb, rule, pos: _Positions):
    pos.mark(rule.file, ())
    ld = pos.cache.get(rule.file)
    if ld is None or not isinstance(ld.data, dict):
        return None
    for i, raw in enumerate(ld.data.get("rules") or []):
        if isinstance(raw, dict) and raw.get("id") == rule.id:
            return ("rules", i)
    return None


def _case_path(kb, case, pos: _Positions):
    pos.mark(case.file, ())
    ld = pos.cache.get(case.file)
    if ld is None or not isinstance(ld.data, dict):
        return None
    for i, raw in enumerate(ld.data.get("cases") or []):
        if isinstance(raw, dict) and raw.get("id") == case.id:
            return ("cases", i)
    return None


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def _canon_cond(data) -> str:
    """A condition's YAML as a string that ignores the order of ``all`` / ``any`` parts."""
    if isinstance(data, list):
        data = {"all": data}
    if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("all", "any") \
            and isinstance(next(iter(data.values())), list):
        kind, parts = next(iter(data.items()))
        if kind == "all":  # nested all flattens into its parent
            flat = []
            for p in parts:
                if isinstance(p, dict) and list(p) == ["all"] and isinstance(p["all"], list):
                    flat.extend(p["all"])
                else:
                    flat.append(p)
            parts = flat
        return kind + "[" + ",".join(sorted(_canon_cond(p) for p in parts)) + "]"
    if isinstance(data, dict) and list(data) == ["not"]:
        return "not(" + _canon_cond(data["not"]) + ")"
    return _canon(data)


def _conjuncts(cond) -> list:
    """Leaves that must all hold for ``cond`` to hold (through nested ``all`` only)."""
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, Node) and cond.kind == "all":
        return [x for c in cond.children for x in _conjuncts(c)]
    return []


def _never_fires(kb: KnowledgeBase, r) -> tuple | None:
    """``(sub-path, reason)`` when the rule can never fire, else None."""
    sc = r.scope or {}
    frm, to = sc.get("effective_from"), sc.get("effective_to")
    if frm and frm != "unknown" and to and str(to) < str(frm):
        return ("scope", "effective_to"), f"scope effective_to {to} is before effective_from {frm}"
    codes = sc.get("codes") or []
    if codes and all(c in kb.hcpcs for c in codes):
        lo = None if frm in (None, "unknown") else str(frm)
        hi = None if not to else str(to)

        def overlaps(row):
            rf, rt = row.get("effective_from"), row.get("effective_to")
            rf = None if rf in (None, "unknown") else str(rf)
            rt = None if not rt else str(rt)
            return not ((hi and rf and rf > hi) or (lo and rt and rt < lo))
        if not any(overlaps(kb.hcpcs[c]) for c in codes):
            return ("scope",), (f"no code in scope ({', '.join(codes)}) is valid between "
                                f"{lo or 'the beginning'} and {hi or 'now'}")
    if codes and sc.get("drugs") and all(c in kb.hcpcs for c in codes) \
            and not any(kb.hcpcs[c].get("drug") in sc["drugs"] for c in codes):
        return ("scope", "drugs"), (f"no code in scope ({', '.join(codes)}) bills a drug in scope "
                                    f"({', '.join(sc['drugs'])})")
    payers = [kb.payers[p] for p in sc.get("payers", []) if p in kb.payers] or list(kb.payers.values())
    conj = _conjuncts(r.when)
    for leaf in conj:  # a condition that asks for a code, drug or payer the scope leaves out
        limit = {"line.code": codes, "line.drug": sc.get("drugs"), "payer.id": sc.get("payers")}.get(leaf.fact)
        if limit and leaf.ref is None and leaf.op in ("eq", "in"):
            vals = leaf.operand if leaf.op == "in" else (leaf.operand,)
            if not set(vals) & set(limit):
                return (_sub(leaf), f"{leaf.fact} must be {_show(vals[0]) if len(vals) == 1 else 'one of ' + ', '.join(map(str, vals))}"
                                    f", which the rule's scope ({', '.join(limit)}) leaves out")
    for leaf in conj:
        if leaf.op == "missing":
            continue
        for fact in leaf.facts():
            if fact.startswith("payer.") and fact not in ("payer.id", "payer.name"):
                key = fact[len("payer."):]
                if not any(p.settings.get(key) is not None for p in payers):
                    names = ", ".join(sorted(p.id for p in payers))
                    return (_sub(leaf), f"no payer in scope ({names}) sets '{key}', so {fact} is always absent")
            if fact.startswith("line.dosing.") and sc.get("drugs"):
                key = fact[len("line.dosing."):]
                drugs = [x for x in sc["drugs"] if x in kb.drugs]
                if drugs and not any(key in kb.drugs[x].get("dosing", {}) for x in drugs):
                    return (_sub(leaf), f"no drug in scope ({', '.join(drugs)}) has dosing '{key}', "
                                        f"so {fact} is always absent")
            table = {"line.step_preferred_drugs": "step_therapy", "line.payer_unit_limit": "unit_limits"}.get(fact)
            if table and not any(getattr(p, table) for p in payers):
                return (_sub(leaf), f"no payer in scope has {table} rows, so {fact} is always absent")
    by_fact: dict[str, list] = {}
    for leaf in conj:
        if leaf.ref is None:
            by_fact.setdefault(leaf.fact, []).append(leaf)
    for fact, group in by_fact.items():
        why = _contradiction(group)
        if why:
            leaf, msg = why
            return (_sub(leaf), f"{fact}: {msg}")
    return None


def _sub(leaf: Leaf) -> tuple:
    # leaf.path is ("rules", i, "when", ...); positions are relative to the rule
    return tuple(leaf.path[2:])


def _contradiction(group: list[Leaf]):
    """The first pair of leaves on one fact that cannot hold together, as (leaf, reason)."""
    ops = {}
    for lf in group:
        ops.setdefault(lf.op, []).append(lf)
    if "exists" in ops and "missing" in ops:
        return ops["missing"][0], "is required both present and absent"
    if "missing" in ops and len(ops) > 1:
        other = next(lf for lf in group if lf.op != "missing")
        return other, f"is required absent but also '{other.describe()}' (never true of an absent fact)"
    eqs = ops.get("eq", [])
    vals = {_key(lf.operand) for lf in eqs}
    if len(vals) > 1:
        return eqs[1], f"must equal both {_show(eqs[0].operand)} and {_show(eqs[1].operand)}"
    allowed = None
    if eqs:
        allowed = {_key(eqs[0].operand)}
    for lf in ops.get("in", []):
        s = {_key(v) for v in lf.operand}
        if allowed is not None and not (allowed & s):
            return lf, f"no value satisfies both '{lf.describe()}' and the other conditions on it"
        allowed = s if allowed is None else allowed & s
    if allowed is not None:
        banned = {_key(lf.operand) for lf in ops.get("ne", [])}
        for lf in ops.get("not_in", []):
            banned |= {_key(v) for v in lf.operand}
        if not (allowed - banned):
            lf = (ops.get("ne") or ops.get("not_in"))[0]
            return lf, f"no value satisfies both '{lf.describe()}' and the other conditions on it"
    # numeric range
    lo, lo_strict, hi, hi_strict = None, False, None, False
    for lf in group:
        v = lf.operand
        if lf.op not in _NUMERIC + ("eq",) or isinstance(v, bool) or not isinstance(v, (int, float, str)):
            continue
        if isinstance(v, str) and lf.op == "eq":
            continue
        pairs = {"gt": [("lo", True)], "ge": [("lo", False)], "lt": [("hi", True)], "le": [("hi", False)],
                 "eq": [("lo", False), ("hi", False)]}[lf.op]
        for side, strict in pairs:
            try:
                if side == "lo" and (lo is None or v > lo or (v == lo and strict)):
                    lo, lo_strict = v, strict
                elif side == "hi" and (hi is None or v < hi or (v == hi and strict)):
                    hi, hi_strict = v, strict
            except TypeError:
                continue
        try:
            if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_strict or hi_strict))):
                return lf, f"ranges cannot overlap (needs {'>' if lo_strict else '>='} {_show(lo)} " \
                           f"and {'<' if hi_strict else '<='} {_show(hi)})"
        except TypeError:
            continue
    return None


def _key(v):
    return json.dumps(v, sort_keys=True, default=str)


def _show(v) -> str:
    return json.dumps(v) if isinstance(v, str) else str(v)


def _unknown_dates(kb: KnowledgeBase, pos: _Positions) -> list[Problem]:
    out = []

    def row_at(section, key):
        file, (line, col) = kb.positions.get((section, key, "pos"), ("", (0, 0)))
        return file, line, col

    for code, row in sorted(kb.hcpcs.items()):
        if row.get("effective_from") == "unknown":
            f, line, col = row_at("hcpcs", code)
            l2, c2 = pos.mark(f, ("hcpcs", code, "effective_from")) if f else (0, 0)
            out.append(Problem("kb_unknown_date", f"code {code}: effective_from is unknown", f, l2 or line,
                               c2 or col, hint="treated as always in force; add the date when a source states it",
                               severity="info"))
    for name, d in sorted(kb.drugs.items()):
        for j, p in enumerate(d.get("products", [])):
            if p.get("effective_from") == "unknown":
                f, line, col = row_at("drugs", name)
                l2, c2 = pos.mark(f, ("drugs", name, "products", j, "effective_from")) if f else (0, 0)
                out.append(Problem("kb_unknown_date", f"product {p.get('ndc')} of {name}: effective_from is unknown",
                                   f, l2 or line, c2 or col, severity="info"))
    for pid, payer in sorted(kb.payers.items()):
        for table in ("prior_auth", "unit_limits", "step_therapy"):
            for j, row in enumerate(getattr(payer, table)):
                if row.get("effective_from") == "unknown":
                    line, col = pos.mark(payer.file, ("payer", table, j, "effective_from"))
                    out.append(Problem("kb_unknown_date", f"payer {pid} {table} row for {row.get('code')}: "
                                       "effective_from is unknown", payer.file, line, col, severity="info"))
        for j, row in enumerate(payer.raw.get("preferred_products") or []):
            if row.get("effective_from") == "unknown":
                line, col = pos.mark(payer.file, ("payer", "preferred_products", j, "effective_from"))
                out.append(Problem("kb_unknown_date", f"payer {pid} programme {row.get('id')}: effective_from is "
                                   "unknown", payer.file, line, col, severity="info"))
    for section in ("ncci_pairs", "mue"):  # row tables (issue 13): a code pair or a per-day ceiling
        for row in getattr(kb, section, []):
            if row.get("effective_from") == "unknown":
                f, path = row["_where"]
                line, col = pos.mark(f, path + ("effective_from",))
                what = f"{row['column1']} / {row['column2']}" if section == "ncci_pairs" else f"{row['payer']} {row['code']}"
                out.append(Problem("kb_unknown_date", f"{section} row {what}: effective_from is unknown", f, line, col,
                                   hint="treated as always in force; add the date when a source states it",
                                   severity="info"))
    for r in kb.rules:
        if (r.scope or {}).get("effective_from") == "unknown":
            path = _rule_path(kb, r, pos)
            line, col = pos.mark(r.file, path + ("scope", "effective_from")) if path else (r.line, r.col)
            out.append(Problem("kb_unknown_date", "scope effective_from is unknown", r.file, line or r.line,
                               col or r.col, rule=r.id, severity="info"))
    return out


# --------------------------------------------------------------------------- diff

@dataclass
class Change:
    """One added, removed or changed item of a KB (rule or table row)."""

    kind: str  # rule | hcpcs | drugs | ... | payer
    id: str
    change: str  # added | removed | changed
    fields: list = field(default_factory=list)  # (field path, old, new)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "change": self.change,
                "fields": [{"field": f, "old": o, "new": n} for f, o, n in self.fields]}


TABLES = ("hcpcs", "drugs", "drug_classes", "code_sets", "modifiers", "carc", "rarc")


def _field_diff(old, new, prefix="") -> list:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new), key=str):
            p = f"{prefix}.{k}" if prefix else str(k)
            if k not in old:
                out.append((p, None, new[k]))
            elif k not in new:
                out.append((p, old[k], None))
            else:
                out += _field_diff(old[k], new[k], p)
        return out
    return [] if old == new else [(prefix or "(value)", old, new)]


def diff_kbs(old: KnowledgeBase, new: KnowledgeBase) -> list[Change]:
    """Rules, table rows and payers added, removed and changed (field by field)."""
    out: list[Change] = []

    def cmp(kind, a: dict, b: dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(Change(kind, str(k), "added"))
            elif k not in b:
                out.append(Change(kind, str(k), "removed"))
            else:
                fd = _field_diff(a[k], b[k])
                if fd:
                    out.append(Change(kind, str(k), "changed", fd))

    cmp("rule", {r.id: r.raw for r in old.rules}, {r.id: r.raw for r in new.rules})
    for t in TABLES:
        cmp(t, getattr(old, t), getattr(new, t))
    cmp("payer", {k: p.raw for k, p in old.payers.items()}, {k: p.raw for k, p in new.payers.items()})
    return out


def show_dated(v) -> str:
    """A dated value in one line: ``50 until 2026-12-31; 55 from 2027-01-01``."""
    parts = []
    for e in v:
        frm, to = e.get("effective_from"), e.get("effective_to")
        when = (f" from {frm}" if frm and frm != "unknown" else "") + (f" until {to}" if to else "")
        parts.append(f"{_short(e['value'])}{when}")
    return "; ".join(parts)


def _short(v) -> str:
    if v is None:
        return "(absent)"
    if is_dated(v):
        return show_dated(v)
    s = json.dumps(v, default=str) if not isinstance(v, str) else v
    return s if len(s) <= 120 else s[:117] + "..."


# --------------------------------------------------------------------------- references rows make

_UNIT = r"(?:%|percent\b|mg/kg\b|mg\b|ng/mL\b|cm\b|points?\b|days?\b|weeks?\b|months?\b|units?\b|minutes?\b|hours?\b|kg\b)"
_EXPL_NUMBER = re.compile(r"(?<![\w.\-/])(\d+(?:\.\d+)?)(?:\s*(?:-|to|or)\s*(\d+(?:\.\d+)?))?\s*" + _UNIT)
_ANY_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def code_hint(code, choices) -> str:
    """did-you-mean for a code: two swapped characters or one wrong character first (J9538 -> J9358),
    else the closest by difflib."""
    code = str(code)
    same_len = sorted(c for c in choices if len(c) == len(code))
    for c in same_len:  # a transposition of two neighbouring characters
        diff = [i for i in range(len(code)) if code[i] != c[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and code[diff[0]] == c[diff[1]] and code[diff[1]] == c[diff[0]]:
            return f"did you mean '{c}'?"
    for c in same_len:  # one character wrong
        if sum(a != b for a, b in zip(code, c, strict=True)) == 1:
            return f"did you mean '{c}'?"
    return did_you_mean(code, choices)


def settings_read(kb: KnowledgeBase) -> dict:
    """Payer setting names something reads -> who reads it (rule ids, or 'the engine')."""
    read: dict[str, list] = {k: ["the engine (dosing weight)" if k.startswith("dosing_weight") else
                                 "the engine (timely filing)"] for k in ENGINE_PAYER_SETTINGS}
    for r in kb.rules:
        names = {f for lf in leaves(r.when) for f in lf.facts()} | set(TEMPLATE_RE.findall(r.explanation))
        for f in sorted(names):
            if f.startswith("payer.") and f not in ("payer.id", "payer.name"):
                read.setdefault(f[len("payer."):], []).append(r.id)
    return read


def _numbers(text) -> set:
    return {float(x) for x in _ANY_NUMBER.findall(str(text or ""))}


def _values(v) -> list:
    return [e["value"] for e in v] if is_dated(v) else [v]


def _rule_numbers(kb: KnowledgeBase, r) -> set:
    """Numbers a rule's explanation may state: its literals, the settings and dosing values it reads,
    and numbers in its remedy / description / notes."""
    known = set()
    for lf in leaves(r.when):
        for v in (lf.operand if isinstance(lf.operand, tuple) else (lf.operand,)):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                known.add(float(v))
    for k in ("remedy", "description", "confidence_note"):
        known |= _numbers(r.raw.get(k))
    known |= _numbers((r.denial or {}).get("pairing_note"))
    names = {f for lf in leaves(r.when) for f in lf.facts()} | set(TEMPLATE_RE.findall(r.explanation))
    payers = [kb.payers[p] for p in (r.scope or {}).get("payers", []) if p in kb.payers] or kb.payers.values()
    drugs = [kb.drugs[d] for d in (r.scope or {}).get("drugs", []) if d in kb.drugs] or kb.drugs.values()
    for f in names:
        vals = []
        if f.startswith("payer."):
            vals = [x for p in payers for x in _values(p.settings.get(f[len("payer."):]))]
        elif f.startswith("line.dosing."):
            vals = [x for d in drugs for x in _values(d.get("dosing", {}).get(f[len("line.dosing."):]))]
        known |= {float(x) for x in vals if isinstance(x, (int, float)) and not isinstance(x, bool)}
    return known


def _lint_programmes(kb: KnowledgeBase, pid: str, payer, add) -> None:
    """Preferred-product programme rows (payer ``preferred_products``): a known drug class, known drug ids
    that belong to it, known partner drugs and codes, a look-back for a new-starts programme, unique ids."""
    seen = set()
    for j, row in enumerate(payer.raw.get("preferred_products") or []):
        at = ("payer", "preferred_products", j)
        rid, cls = row.get("id"), row.get("drug_class")
        if rid in seen:
            add(payer.file, at + ("id",), "kb_duplicate_id", f"payer {pid} programme id '{rid}' is used twice")
        seen.add(rid)
        if cls not in kb.drug_classes:
            add(payer.file, at + ("drug_class",), "kb_unknown_ref",
                f"payer {pid} programme {rid}: unknown drug class '{cls}' (the row can never apply)",
                hint=did_you_mean(cls, kb.drug_classes), expected="a key of the drug_classes table")
        if row.get("applies_to") == "new_starts" and not row.get("new_start_lookback_days"):
            add(payer.file, at + ("applies_to",), "kb_schema_error",
                f"payer {pid} programme {rid} applies to new starts but has no new_start_lookback_days",
                expected="new_start_lookback_days: the days without use of the class that make a new start (180)")
        combo = row.get("combination") or {}
        lists = [("preferred_drugs", row.get("preferred_drugs") or [], True),
                 ("combination.preferred_drugs", combo.get("preferred_drugs") or [], True),
                 ("combination.partner_drugs", combo.get("partner_drugs") or [], False)]
        for name, drugs, in_class in lists:
            for k, drug in enumerate(drugs):
                path = at + tuple(name.split(".")) + (k,)
                if drug not in kb.drugs:
                    add(payer.file, path, "kb_unknown_ref",
                        f"payer {pid} programme {rid}: unknown drug '{drug}' in {name}",
                        hint=kb.drug_hint(drug), expected="a KB drug id (a key of a drugs table)")
                elif in_class and cls in kb.drug_classes and cls not in (kb.drugs[drug].get("classes") or ()):
                    add(payer.file, path, "kb_unknown_ref",
                        f"payer {pid} programme {rid}: preferred drug '{drug}' is not of class {cls}",
                        expected=f"a drug of class {cls}")
        for k, code in enumerate(combo.get("also_preferred_codes") or []):
            if code not in kb.hcpcs:
                add(payer.file, at + ("combination", "also_preferred_codes", k), "kb_unknown_ref",
                    f"payer {pid} programme {rid}: unknown code '{code}'", hint=code_hint(code, kb.hcpcs),
                    expected="a code of the hcpcs table")


def _row_problems(kb: KnowledgeBase, pos: _Positions) -> list[Problem]:
    """What payer rows, settings and table rows refer to: codes, drugs, classes, setting names, sources."""
    out: list[Problem] = []

    def add(file, path, code, msg, hint="", severity="error", expected=""):
        line, col = pos.mark(file, path) if file else (0, 0)
        out.append(Problem(code, msg, file, line, col, expected=expected, hint=hint, severity=severity))

    read = settings_read(kb)
    for pid, payer in sorted(kb.payers.items()):
        f = payer.file
        for table in ("prior_auth", "unit_limits", "step_therapy"):
            for j, row in enumerate(getattr(payer, table)):
                code = row.get("code")
                if code not in kb.hcpcs:
                    add(f, ("payer", table, j, "code"), "kb_unknown_ref",
                        f"payer {pid} {table} row: unknown code '{code}' (the row can never apply)",
                        hint=code_hint(code, kb.hcpcs) or "add the code to a hcpcs table first",
                        expected="a code of the hcpcs table")
                for k, drug in enumerate(row.get("preferred_drugs") or []):
                    if drug not in kb.drugs:
                        add(f, ("payer", table, j, "preferred_drugs", k), "kb_unknown_ref",
                            f"payer {pid} {table} row for {code}: unknown drug '{drug}' in preferred_drugs",
                            hint=kb.drug_hint(drug), expected="a KB drug id (a key of a drugs table)")
        _lint_programmes(kb, pid, payer, add)
        for key, value in sorted(payer.settings.items()):
            if key not in read:
                add(f, ("payer", "settings", key), "kb_unknown_setting",
                    f"payer {pid} sets '{key}', which no rule and no engine computation reads (it has no effect)",
                    hint=did_you_mean(key, read) or "rules read a setting as {fact: payer." + key + "} or {setting: "
                    + key + "}", expected="one of the settings read: " + ", ".join(sorted(read)))
            src = str((payer.raw.get("setting_sources") or {}).get(key) or "").strip()
            if value is None:  # not set: nothing to source
                continue
            if is_dated(value):
                for j, e in enumerate(value):
                    if not e.get("sources") and not src:
                        add(f, ("payer", "settings", key, j), "kb_no_source",
                            f"payer {pid} setting '{key}': dated entry {j + 1} cites no source",
                            hint="give the entry `sources: [URL]`")
                out.extend(_dated_overlaps(value, f, ("payer", "settings", key), f"payer {pid} setting '{key}'", pos))
            elif not src:
                add(f, ("payer", "settings", key), "kb_no_source", f"payer {pid} setting '{key}' cites no source",
                    hint=f"add `{key}: URL (what it says)` under setting_sources")
        for key in sorted(payer.raw.get("setting_sources", {}) or {}):
            if key not in payer.settings:
                add(f, ("payer", "setting_sources", key), "kb_unknown_setting",
                    f"payer {pid}: setting_sources names '{key}', which is not one of its settings",
                    hint=did_you_mean(key, payer.settings), severity="warning")
    for code, row in sorted(kb.hcpcs.items()):
        drug = row.get("drug")
        if drug is not None and drug not in kb.drugs:
            file, _ = kb.positions.get(("hcpcs", code, "pos"), ("", None))
            add(file, ("hcpcs", code, "drug"), "kb_unknown_ref", f"code {code}: unknown drug '{drug}'",
                hint=kb.drug_hint(drug), expected="a KB drug id (a key of a drugs table)")
    for name, d in sorted(kb.drugs.items()):
        file, _ = kb.positions.get(("drugs", name, "pos"), ("", None))
        for j, c in enumerate(d.get("classes", [])):
            if c not in kb.drug_classes:
                add(file, ("drugs", name, "classes", j), "kb_unknown_ref", f"drug {name}: unknown class '{c}'",
                    hint=did_you_mean(c, kb.drug_classes), expected="a key of the drug_classes table")
        for a in d.get("aliases", []):
            other = kb.canonical_drug(a)
            if other and other != name:
                add(file, ("drugs", name, "aliases"), "kb_duplicate_id",
                    f"drug {name}: alias '{a}' also names {other}", hint="an alias names one drug")
        if (d.get("dosing") or d.get("products")) and not d.get("sources"):
            add(file, ("drugs", name), "kb_no_source", f"drug {name} has dosing or products but cites no source",
                hint="add `sources: [URL of the label]`")
        for key, v in sorted((d.get("dosing") or {}).items()):
            if is_dated(v):
                out.extend(_dated_overlaps(v, file, ("drugs", name, "dosing", key), f"drug {name} dosing '{key}'", pos))
    return out


def _todos(kb: KnowledgeBase, pos: _Positions) -> list[Problem]:
    """Values still saying TODO (left by `kb new`): a warning each, at the value."""
    out = []

    def walk_data(file, data, path):
        if isinstance(data, dict):
            for k, v in data.items():
                walk_data(file, v, path + (k,))
        elif isinstance(data, list):
            for i, v in enumerate(data):
                walk_data(file, v, path + (i,))
        elif isinstance(data, str) and data.lstrip().upper().startswith("TODO"):
            line, col = pos.mark(file, path)
            out.append(Problem("kb_todo", f"{_place(path)} still says {_short(data)}", file, line, col,
                               hint="replace the TODO with the real value", severity="warning"))
    for file in kb.files:
        pos.mark(file, ())
        ld = pos.cache.get(file)
        if ld is not None:
            walk_data(file, ld.data, ())
    return out


def _place(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _dated_overlaps(entries: list, file: str, path: tuple, what: str, pos: _Positions) -> list[Problem]:
    """Two entries of one dated value both in force on some date."""
    out = []

    def rng(e):
        frm = e.get("effective_from")
        return (None if frm in (None, "unknown") else str(frm)), (str(e["effective_to"]) if e.get("effective_to") else None)
    for i, a in enumerate(entries):
        for j in range(i + 1, len(entries)):
            (af, at_), (bf, bt) = rng(a), rng(entries[j])
            if (at_ is None or bf is None or bf <= at_) and (bt is None or af is None or af <= bt):
                line, col = pos.mark(file, path + (j,))
                out.append(Problem("kb_dated_overlap", f"{what}: entries {i + 1} and {j + 1} are both in force "
                                   f"from {max(filter(None, (af, bf)), default='the beginning')}", file, line, col,
                                   hint="end the earlier entry with effective_to the day before the later one starts"))
    return out


def _drug_literals(kb: KnowledgeBase, r, at) -> None:
    """Drug names compared with the drug-list facts (``clinical.concurrent_drugs``, ...) must be drug ids,
    and class names compared with the class-list facts must be drug classes: the facts hold ids."""
    for leaf in leaves(r.when):
        if leaf.ref is not None or leaf.op in ("exists", "missing", "matches"):
            continue
        vals = leaf.operand if isinstance(leaf.operand, tuple) else (leaf.operand,)
        if leaf.fact.endswith("_drugs"):
            for v in vals:
                if isinstance(v, str) and v not in kb.drugs:
                    at(r, tuple(leaf.path[2:]), "kb_unknown_ref", f"{leaf.fact} holds drug ids; '{v}' is not one",
                       expected="a KB drug id (a key of a drugs table)", hint=kb.drug_hint(v))
        elif leaf.fact.endswith("_classes"):
            for v in vals:
                if isinstance(v, str) and v not in kb.drug_classes:
                    at(r, tuple(leaf.path[2:]), "kb_unknown_ref", f"{leaf.fact} holds drug classes; '{v}' is not one",
                       expected="a key of the drug_classes table", hint=did_you_mean(v, kb.drug_classes))


def _explanation_numbers(kb: KnowledgeBase, r, at) -> None:
    """Numbers with a unit in the explanation that no condition, setting or dosing value of the rule holds."""
    text = TEMPLATE_RE.sub("", r.explanation)
    known = _rule_numbers(kb, r)
    stale = []
    for m in _EXPL_NUMBER.finditer(text):
        for g in (m.group(1), m.group(2)):
            if g is not None and float(g) not in known and g not in stale:
                stale.append(g)
    if stale:
        at(r, ("explanation",), "kb_explanation_number",
           f"explanation states {', '.join(stale)}, which no condition, setting or dosing value of the rule holds",
           "warning", hint="print the value with a placeholder ({payer.<setting>}, {line.dosing.<key>}) or "
           "correct the text to match the conditions")


# --------------------------------------------------------------------------- verification across rules

def _date_range(scope: dict) -> tuple:
    frm, to = (scope or {}).get("effective_from"), (scope or {}).get("effective_to")
    return (None if frm in (None, "unknown") else str(frm)), (str(to) if to else None)


def _ranges_overlap(a: tuple, b: tuple) -> tuple | None:
    """The overlap ``(from, to)`` of two date ranges (None = open end), or None when they are disjoint."""
    lo = max((x for x in (a[0], b[0]) if x), default=None)
    hi = min((x for x in (a[1], b[1]) if x), default=None)
    if lo and hi and lo > hi:
        return None
    return lo, hi


def _range_contains(outer: tuple, inner: tuple) -> bool:
    return (outer[0] is None or (inner[0] is not None and inner[0] >= outer[0])) and \
           (outer[1] is None or (inner[1] is not None and inner[1] <= outer[1]))


def _scope_sans_dates(r) -> str:
    return _canon({k: sorted(v) for k, v in (r.scope or {}).items() if k in ("codes", "drugs", "payers")})


def _scope_contains(a, b) -> bool:
    """Every claim line in scope of rule ``b`` is in scope of rule ``a``."""
    for k in ("codes", "drugs", "payers"):
        sa, sb = (a.scope or {}).get(k), (b.scope or {}).get(k)
        if sa and (not sb or not set(sb) <= set(sa)):
            return False
    return _range_contains(_date_range(a.scope), _date_range(b.scope))


def _shape(cond) -> str:
    """A condition with its literal operands left out: which facts it compares, and how."""
    if isinstance(cond, Leaf):
        side = cond.ref if cond.ref else "literal"
        return _canon([cond.fact, {"lt": "<", "le": "<", "gt": ">", "ge": ">"}.get(cond.op, cond.op), side])
    if isinstance(cond, FindingRef):
        return _canon(["finding", cond.finding, cond.negated])
    if isinstance(cond, Node):
        parts = sorted(_shape(c) for c in cond.children)
        return cond.kind + "[" + ",".join(parts) + "]"
    return ""


def _same_rule_family(a, b) -> bool:
    """Two rules that look like versions of one: the same facts compared the same way, the same
    title, or one id extending the other (``X`` and ``X-2027``)."""
    return (_shape(a.when) == _shape(b.when) or a.title.strip().lower() == b.title.strip().lower()
            or a.id.startswith(b.id + "-") or b.id.startswith(a.id + "-"))


def _pure_conjunction(cond) -> list | None:
    """The leaves and finding references of a condition made only of (nested) ``all``, else None."""
    if isinstance(cond, (Leaf, FindingRef)):
        return [cond]
    if isinstance(cond, Node) and cond.kind == "all":
        out = []
        for c in cond.children:
            sub = _pure_conjunction(c)
            if sub is None:
                return None
            out += sub
        return out
    return None


def _conclusion(r) -> tuple:
    if r.conclusion == "finding":
        return ("finding", r.finding)
    d = r.denial
    return ("denial", d["carc"], d["group"], d["stage"])


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _implies(b, a) -> bool:
    """Leaf (or finding reference) ``b`` being true makes ``a`` true."""
    if isinstance(a, FindingRef) or isinstance(b, FindingRef):
        return isinstance(a, FindingRef) and isinstance(b, FindingRef) and (a.finding, a.negated) == (b.finding, b.negated)
    if a.fact != b.fact:
        return False
    if a.op == "exists":
        return b.op != "missing"
    if (a.op, a.ref, _key(a.operand)) == (b.op, b.ref, _key(b.operand)):
        return True
    if a.ref or b.ref:
        return False
    x, y = b.operand, a.operand
    if a.op in ("gt", "ge") and b.op in ("gt", "ge", "eq") and _num(x) and _num(y):
        return x > y or (x == y and (a.op == "ge" or b.op == "gt"))
    if a.op in ("lt", "le") and b.op in ("lt", "le", "eq") and _num(x) and _num(y):
        return x < y or (x == y and (a.op == "le" or b.op == "lt"))
    if a.op == "in":
        if b.op == "eq":
            return x in y
        if b.op == "in":
            return set(x) <= set(y)
    if a.op in ("ne", "not_in"):
        banned = set(y) if a.op == "not_in" else {y}
        if b.op == "eq":
            return x not in banned
        if b.op == "in":
            return not (set(x) & banned)
    return False


def _verify(kb: KnowledgeBase, at) -> None:
    """Decision-table checks across rules (cf. the Drools verifier): versions whose dates overlap,
    rules another rule subsumes, and contradictory conclusions on the same conditions."""
    rules = kb.rules
    where = {r.id: f"{r.file}:{r.line}" for r in rules}
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            if a.level != b.level:
                continue
            same_scope = _scope_sans_dates(a) == _scope_sans_dates(b)
            ra, rb = _date_range(a.scope), _date_range(b.scope)
            overlap = _ranges_overlap(ra, rb)
            # two versions of one conclusion: same scope, same denial, the same facts compared the same way
            if (a.conclusion == b.conclusion == "denial" and same_scope and _conclusion(a) == _conclusion(b)
                    and _same_rule_family(a, b) and (any(ra) or any(rb)) and overlap is not None):
                lo, hi = overlap
                older, newer = (a, b) if (ra[0] or "") <= (rb[0] or "") else (b, a)
                frm = _date_range(newer.scope)[0]
                fix = (f"end {older.id} with effective_to the day before {frm}" if frm
                       else "give the versions effective dates that do not overlap")
                at(newer, ("scope",), "kb_version_overlap",
                   f"{newer.id} and {older.id} ({where[older.id]}) look like two versions of one rule (same scope "
                   f"and denial) and both are in force from {lo or 'the beginning'} to {hi or 'now'}",
                   "warning", hint=fix)
                continue
            if overlap is None:
                continue
            ca, cb = _canon_cond(a.raw.get("when")), _canon_cond(b.raw.get("when"))
            # contradictory conclusions: the same conditions, in the same scope, conclude differently
            if (ca == cb and same_scope and ra == rb and a.conclusion == b.conclusion
                    and _conclusion(a) != _conclusion(b)):
                what = ("findings" if a.conclusion == "finding" else "denials")
                at(b, ("conclude",), "kb_conflicting_conclusion",
                   f"concludes {_show_conclusion(b)} on the same conditions and scope where {a.id} ({where[a.id]}) "
                   f"concludes {_show_conclusion(a)}: the two {what} contradict each other",
                   "warning", hint="make the conditions differ, or keep one conclusion")
                continue
            # subsumption: whenever the narrower rule fires, the broader one fires with the same conclusion
            if _conclusion(a) != _conclusion(b) or ca == cb:
                continue
            for broad, narrow in ((a, b), (b, a)):
                conj_broad = _pure_conjunction(broad.when)
                if conj_broad is None or not _scope_contains(broad, narrow):
                    continue
                conj_narrow = _conjuncts_with_findings(narrow.when)
                if all(any(_implies(nb, ab) for nb in conj_narrow) for ab in conj_broad):
                    at(narrow, ("when",), "kb_subsumed_rule",
                       f"is subsumed by {broad.id} ({where[broad.id]}): whenever this rule fires, {broad.id} fires "
                       f"too with the same conclusion ({_show_conclusion(broad)})",
                       "warning", hint=f"drop this rule, or narrow {broad.id}")
                    break


def _conjuncts_with_findings(cond) -> list:
    if isinstance(cond, (Leaf, FindingRef)):
        return [cond]
    if isinstance(cond, Node) and cond.kind == "all":
        return [x for c in cond.children for x in _conjuncts_with_findings(c)]
    return []


def _show_conclusion(r) -> str:
    if r.conclusion == "finding":
        return f"finding {r.finding}"
    d = r.denial
    return f"denial {d['group']}-{d['carc']} ({d['stage']})"
