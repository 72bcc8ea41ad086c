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
import time
from dataclasses import dataclass, field
from pathlib import Path

from denialkb.engine.conditions import FindingRef, Leaf, Node, explain_condition, leaves, walk
from denialkb.engine.errors import Problem, did_you_mean
from denialkb.engine.kb import KnowledgeBase, check_kb
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
        ``kb`` is None when the KB cannot be loaded; problems are sorted by file and line.
    """
    kb, problems = check_kb(root)
    problems = list(problems)
    if kb is not None:
        problems += lint_problems(kb)
    return kb, sorted(set(problems), key=Problem.sort_key)


def lint_problems(kb: KnowledgeBase) -> list[Problem]:
    """The authoring problems of a loaded KB (not the schema/reference ones)."""
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
                if rid not in kb.rules_by_id:
                    path = _case_path(kb, c, pos)
                    line, col = pos.mark(c.file, path + (key, j)) if path else (c.line, c.col)
                    out.append(Problem("kb_case_unknown_rule", f"case '{c.id}': {key} names unknown rule '{rid}'",
                                       c.file, line or c.line, col or c.col,
                                       hint=did_you_mean(rid, kb.rules_by_id)))
    for r in kb.rules:
        if r.id not in fired:
            at(r, (), "kb_no_golden_case", "no golden case fires this rule", "warning",
               hint="add a case with `fires: [" + r.id + "]` under kb/cases/")
        if r.id not in near:
            at(r, (), "kb_no_near_miss", "no golden case is a near miss for this rule", "warning",
               hint="add a case with `near_miss: [" + r.id + "]` where the rule stays silent")

    out += _unknown_dates(kb, pos)
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
    payers = [kb.payers[p] for p in sc.get("payers", []) if p in kb.payers] or list(kb.payers.values())
    conj = _conjuncts(r.when)
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
    for r in kb.rules:
        if (r.scope or {}).get("effective_from") == "unknown":
            path = _rule_path(kb, r, pos)
            line, col = pos.mark(r.file, path + ("scope", "effective_from")) if path else (r.line, r.col)
            out.append(Problem("kb_unknown_date", "scope effective_from is unknown", r.file, line or r.line,
                               col or r.col, rule=r.id, severity="info"))
    return out


# --------------------------------------------------------------------------- test + coverage

@dataclass
class Coverage:
    """What the golden cases exercised."""

    rules_total: int = 0
    rules_fired: set = field(default_factory=set)
    rules_never_fired: list = field(default_factory=list)
    leaves_total: int = 0
    leaves_both: int = 0
    leaves_partial: list = field(default_factory=list)  # (rule id, leaf text, seen values)
    denials_never: list = field(default_factory=list)
    carcs_never: list = field(default_factory=list)

    @property
    def percent(self) -> float:
        """(rules fired + leaves seen both true and false) / (rules + leaves), in percent."""
        total = self.rules_total + self.leaves_total
        done = len(self.rules_fired) + self.leaves_both
        return 100.0 * done / total if total else 100.0

    def to_dict(self) -> dict:
        return {"percent": round(self.percent, 1), "rules_total": self.rules_total,
                "rules_fired": len(self.rules_fired), "rules_never_fired": self.rules_never_fired,
                "conditions_total": self.leaves_total, "conditions_both_ways": self.leaves_both,
                "conditions_not_both_ways": [{"rule": r, "condition": t, "seen": s}
                                             for r, t, s in self.leaves_partial],
                "denials_never_produced": self.denials_never, "carcs_never_produced": self.carcs_never}


@dataclass
class TestRun:
    """Results of running every golden case of a KB."""

    results: list
    coverage: Coverage | None
    seconds: float

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


def run_kb_tests(root: str | Path | None = None, coverage: bool = False) -> TestRun:
    """Run every golden case of the KB in ``root``; with ``coverage``, measure what they exercised.

    Raises
    ------
    KBInvalidError
        When the KB does not load.
    """
    from denialkb.engine.cases import case_document, run_case
    from denialkb.engine.claim import validate_claim
    from denialkb.engine.facts import enrich
    from denialkb.engine.runtime import Decider

    t0 = time.perf_counter()
    decider = Decider(root, lint=False)  # the golden cases report what lint would refuse
    kb = decider.kb
    results = []
    cov = Coverage(rules_total=len(kb.rules)) if coverage else None
    seen: dict = {}  # (rule id, leaf index) -> set of results
    produced_denials, produced_carcs = set(), set()
    for case in kb.cases:
        res = run_case(decider, case)
        results.append(res)
        if cov is None or res.record is None:
            continue
        for t in res.record["trace"]:
            cov.rules_fired.add(t["rule"])
        for d in res.record["denials"]:
            produced_denials.add(d["id"])
            if d.get("carc"):
                produced_carcs.add(str(d["carc"]))
        doc = validate_claim(case_document(case, kb.root), f"{case.file}#{case.id}")
        facts = enrich(doc, kb, case.raw.get("as_of"))
        for r in kb.rules:
            contexts = facts.lines if r.level == "line" else [{}]
            for ln in contexts:
                if not _line_in_scope(r, {**ln, "payer": facts.claim.get("claim.payer")}):
                    continue
                for i, leaf in enumerate(leaves(r.when)):
                    val, _ = explain_condition(leaf, facts.claim, ln, kb.value_set, r.level == "line")
                    seen.setdefault((r.id, i), set()).add(val)
    if cov is not None:
        for r in kb.rules:
            lv = leaves(r.when)
            cov.leaves_total += len(lv)
            for i, leaf in enumerate(lv):
                s = seen.get((r.id, i), set())
                if True in s and False in s:
                    cov.leaves_both += 1
                else:
                    shown = sorted({"true" if v else "false" if v is False else "unknown" for v in s}) or ["never evaluated"]
                    cov.leaves_partial.append((r.id, leaf.describe(), shown))
        cov.rules_never_fired = sorted(r.id for r in kb.rules if r.id not in cov.rules_fired)
        cov.denials_never = sorted(r.id for r in kb.rules if r.conclusion == "denial" and r.id not in produced_denials)
        carcs = {str(r.denial["carc"]) for r in kb.rules if r.conclusion == "denial"}
        cov.carcs_never = sorted(carcs - produced_carcs)
    return TestRun(results, cov, time.perf_counter() - t0)


def _line_in_scope(rule, ln: dict) -> bool:
    sc = rule.scope or {}
    if sc.get("payers") and ln.get("payer") not in sc["payers"]:
        return False
    if sc.get("codes") and ln.get("line.code") not in sc["codes"]:
        return False
    if sc.get("drugs") and ln.get("line.drug") not in sc["drugs"]:
        return False
    return True


def render_test_run(run: TestRun) -> str:
    """Text report of a :class:`TestRun`: PASS/FAIL per case, diffs, coverage, time."""
    out = []
    for r in run.results:
        out.append(f"{'PASS' if r.passed else 'FAIL'} {r.case} ({r.file})")
        for d in r.diffs:
            out.append("    " + d)
        if r.error:
            out.extend("    " + x for x in r.error.splitlines())
    out.append(f"{len(run.results)} cases: {run.passed} passed, {run.failed} failed")
    c = run.coverage
    if c is not None:
        out.append(f"coverage: {c.percent:.1f}% (rules fired {len(c.rules_fired)}/{c.rules_total}, "
                   f"conditions seen true and false {c.leaves_both}/{c.leaves_total})")
        out.append("rules never fired: " + (", ".join(c.rules_never_fired) or "none"))
        out.append("denials never produced: " + (", ".join(c.denials_never) or "none"))
        out.append("CARCs never produced: " + (", ".join(c.carcs_never) or "none"))
        out.append(f"conditions not seen both true and false: {len(c.leaves_partial)}")
        for rid, text, s in c.leaves_partial:
            out.append(f"    {rid}: {text} (seen: {', '.join(s)})")
    out.append(f"time: {run.seconds:.2f}s")
    return "\n".join(out) + "\n"


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


def replay_claims(old_dir, new_dir, claims_dir) -> list[dict]:
    """Decide every claim file in ``claims_dir`` under both KBs; return the decisions that change."""
    from denialkb.engine.inputs import read_inputs as load_claims
    from denialkb.engine.runtime import Decider

    files = sorted(p for p in Path(claims_dir).iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    docs = load_claims([str(f) for f in files])
    a, b = Decider(old_dir, lint=False), Decider(new_dir, lint=False)
    changes = []
    for doc in docs:
        ra, rb = a.check_document(doc), b.check_document(doc)
        da = {_denial_key(d): d for d in ra["denials"]}
        db = {_denial_key(d): d for d in rb["denials"]}
        if ra["outcome"] == rb["outcome"] and set(da) == set(db):
            continue
        changes.append({
            "claim": doc.claim_id, "file": doc.file,
            "outcome": {"old": ra["outcome"], "new": rb["outcome"]},
            "denials_added": [{"denial": k, "explanation": db[k]["explanation"]} for k in sorted(set(db) - set(da))],
            "denials_removed": [{"denial": k, "explanation": da[k]["explanation"]} for k in sorted(set(da) - set(db))],
            "old": {"kb_version": ra["kb_version"], "denials": [_denial_line(d) for d in ra["denials"]]},
            "new": {"kb_version": rb["kb_version"], "denials": [_denial_line(d) for d in rb["denials"]]},
        })
    return changes


def _denial_key(d) -> str:
    return f"{d['id']}@line:{d['line']}" if d.get("line") else d["id"]


def _denial_line(d) -> str:
    return f"{_denial_key(d)}: {d['explanation']}"


def render_diff(changes: list[Change], replay: list[dict] | None) -> str:
    """Text report of :func:`diff_kbs` and :func:`replay_claims`."""
    out = []
    for c in changes:
        sign = {"added": "+", "removed": "-", "changed": "~"}[c.change]
        out.append(f"{sign} {c.kind} {c.id} {c.change}")
        for f, o, n in c.fields:
            out.append(f"    {f}: {_short(o)} -> {_short(n)}")
    out.append(f"{len(changes)} change{'s' if len(changes) != 1 else ''} to rules and tables")
    if replay is not None:
        for ch in replay:
            out.append(f"claim {ch['claim']} ({ch['file']}): outcome {ch['outcome']['old']} -> {ch['outcome']['new']}")
            for d in ch["denials_added"]:
                out.append(f"    + {d['denial']}: {d['explanation']}")
            for d in ch["denials_removed"]:
                out.append(f"    - {d['denial']}: {d['explanation']}")
            out.append("    old: " + ("; ".join(ch["old"]["denials"]) or "no denials"))
            out.append("    new: " + ("; ".join(ch["new"]["denials"]) or "no denials"))
        out.append(f"{len(replay)} decision{'s' if len(replay) != 1 else ''} changed")
    return "\n".join(out) + "\n"


def _short(v) -> str:
    if v is None:
        return "(absent)"
    s = json.dumps(v, default=str) if not isinstance(v, str) else v
    return s if len(s) <= 120 else s[:117] + "..."
