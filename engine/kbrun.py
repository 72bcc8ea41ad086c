"""Running a knowledge base: its golden cases (``kb test``, with coverage) and a replay of claims
under two KBs (``kb diff --claims``).

These run Deciders, so they live apart from the static checks of engine/authoring.py, which the
gate in front of deciding (engine/gate.py) uses: runtime -> gate -> authoring never comes back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from denialkb.engine.authoring import Change, _short
from denialkb.engine.conditions import explain_condition, leaves

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
    fire_counts: dict = field(default_factory=dict)  # rule id -> times fired (per line), all cases
    fire_cases: dict = field(default_factory=dict)  # rule id -> cases in which it fired
    leaf_counts: list = field(default_factory=list)  # (rule id, leaf text, {true, false, unknown: n})
    carc_counts: dict = field(default_factory=dict)  # CARC -> denials produced with it

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

    def report(self) -> dict:
        """Coverage in full, for ``--coverage-out``: every rule with the times it fired and the cases,
        every condition with how often it was true / false / unknown, every CARC with its count."""
        return {**self.to_dict(),
                "rules": [{"rule": r, "fired": self.fire_counts.get(r, 0), "cases": sorted(self.fire_cases.get(r, ()))}
                          for r in sorted(self.fire_counts)],
                "conditions": [{"rule": r, "condition": t, **n} for r, t, n in self.leaf_counts],
                "carcs": [{"carc": c, "produced": n} for c, n in sorted(self.carc_counts.items(), key=_carc_key)]}

    def csv(self) -> str:
        """The same as :meth:`report`, one row per rule, condition and CARC."""
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["kind", "rule", "condition", "carc", "fired", "true", "false", "unknown", "cases"])
        for r in sorted(self.fire_counts):
            w.writerow(["rule", r, "", "", self.fire_counts[r], "", "", "", " ".join(sorted(self.fire_cases.get(r, ())))])
        for r, t, n in self.leaf_counts:
            w.writerow(["condition", r, t, "", "", n["true"], n["false"], n["unknown"], ""])
        for c, n in sorted(self.carc_counts.items(), key=_carc_key):
            w.writerow(["carc", "", "", c, n, "", "", "", ""])
        return buf.getvalue()


def _carc_key(item):
    c = item[0]
    return (int(c) if c.isdigit() else 10**6, c)


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
    seen: dict = {}  # (rule id, leaf index) -> {result: times}
    produced_denials, produced_carcs = set(), set()
    for case in kb.cases:
        res = run_case(decider, case)
        results.append(res)
        if res.record is not None:
            res.fired = sorted({f"{t['rule']}@line:{t['line']}" if t.get("line") else t["rule"]
                                for t in res.record["trace"]})
        if cov is None or res.record is None:
            continue
        for t in res.record["trace"]:
            cov.rules_fired.add(t["rule"])
            cov.fire_counts[t["rule"]] = cov.fire_counts.get(t["rule"], 0) + 1
            cov.fire_cases.setdefault(t["rule"], set()).add(case.id)
        for d in res.record["denials"]:
            produced_denials.add(d["id"])
            if d.get("carc"):
                produced_carcs.add(str(d["carc"]))
                cov.carc_counts[str(d["carc"])] = cov.carc_counts.get(str(d["carc"]), 0) + 1
        doc = validate_claim(case_document(case, kb.root), f"{case.file}#{case.id}")
        facts = enrich(doc, kb, case.raw.get("as_of"))
        for r in kb.rules:
            contexts = facts.lines if r.level == "line" else [{}]
            for ln in contexts:
                if not _line_in_scope(r, {**ln, "payer": facts.claim.get("claim.payer")}):
                    continue
                for i, leaf in enumerate(leaves(r.when)):
                    val, _ = explain_condition(leaf, facts.claim, ln, kb.value_set, r.level == "line")
                    counts = seen.setdefault((r.id, i), {})
                    counts[val] = counts.get(val, 0) + 1
    if cov is not None:
        for r in kb.rules:
            lv = leaves(r.when)
            cov.leaves_total += len(lv)
            for i, leaf in enumerate(lv):
                s = seen.get((r.id, i), {})
                cov.leaf_counts.append((r.id, leaf.describe(), {"true": s.get(True, 0), "false": s.get(False, 0),
                                                                 "unknown": s.get(None, 0)}))
                if True in s and False in s:
                    cov.leaves_both += 1
                else:
                    shown = sorted({"true" if v else "false" if v is False else "unknown" for v in s}) or ["never evaluated"]
                    cov.leaves_partial.append((r.id, leaf.describe(), shown))
        cov.rules_never_fired = sorted(r.id for r in kb.rules if r.id not in cov.rules_fired)
        cov.denials_never = sorted(r.id for r in kb.rules if r.conclusion == "denial" and r.id not in produced_denials)
        carcs = {str(r.denial["carc"]) for r in kb.rules if r.conclusion == "denial"}
        cov.carcs_never = sorted(carcs - produced_carcs)
        for r in kb.rules:
            cov.fire_counts.setdefault(r.id, 0)
        for c in carcs:
            cov.carc_counts.setdefault(c, 0)
    return TestRun(results, cov, time.perf_counter() - t0)


def write_coverage(cov: Coverage, path) -> None:
    """Write coverage as JSON or CSV (chosen by the file's extension)."""
    p = Path(path)
    text = cov.csv() if p.suffix.lower() == ".csv" else json.dumps(cov.report(), indent=2) + "\n"
    p.write_text(text, encoding="utf-8")


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
        if r.record is not None:
            out.append("    fired: " + (", ".join(r.fired) or "none"))
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




@dataclass
class Replay:
    """Claims decided under an old and a new KB: what changed, what one KB could not decide."""

    claims: int = 0
    changes: list = field(default_factory=list)  # one dict per claim whose decision changed
    undecided: list = field(default_factory=list)  # {claim, file, kb, kb_dir, why}
    by_rule: list = field(default_factory=list)  # {rule, added, removed}: claims per rule

    def to_dict(self) -> dict:
        return {"claims": self.claims, "decisions_changed": self.changes, "undecided": self.undecided,
                "by_rule": self.by_rule}


def replay(old_dir, new_dir, claims_dir) -> Replay:
    """Decide every claim file in ``claims_dir`` with each KB separately.

    A claim one KB cannot decide (an unknown payer or drug, an invalid document) is reported
    with the KB and the reason, and the other claims are still compared. Decisions that change
    are summarised by rule: for each rule, the claims on which its denial appears or disappears.
    """
    from denialkb.engine.errors import DenialKBError
    from denialkb.engine.inputs import read_inputs
    from denialkb.engine.runtime import Decider

    files = sorted(p for p in Path(claims_dir).iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    kbs = (("old", str(old_dir), Decider(old_dir, lint=False)), ("new", str(new_dir), Decider(new_dir, lint=False)))
    out = Replay()
    added: dict = {}
    removed: dict = {}
    for f in files:
        try:
            docs = read_inputs([str(f)])
        except DenialKBError as e:
            out.undecided.append({"claim": None, "file": str(f), "kb": "both", "kb_dir": "",
                                  "why": [p.format() for p in e.problems]})
            continue
        for doc in docs:
            out.claims += 1
            recs = {}
            for name, path, decider in kbs:
                try:
                    recs[name] = decider.check_document(doc)
                except DenialKBError as e:
                    out.undecided.append({"claim": doc.claim_id, "file": doc.file, "kb": name, "kb_dir": path,
                                          "why": [p.format() for p in e.problems]})
            if len(recs) != 2:
                continue
            ra, rb = recs["old"], recs["new"]
            da = {_denial_key(d): d for d in ra["denials"]}
            db = {_denial_key(d): d for d in rb["denials"]}
            if ra["outcome"] == rb["outcome"] and set(da) == set(db):
                continue
            for k in set(db) - set(da):
                added.setdefault(db[k]["id"], set()).add(doc.claim_id)
            for k in set(da) - set(db):
                removed.setdefault(da[k]["id"], set()).add(doc.claim_id)
            out.changes.append({
                "claim": doc.claim_id, "file": doc.file,
                "outcome": {"old": ra["outcome"], "new": rb["outcome"]},
                "denials_added": [{"denial": k, "explanation": db[k]["explanation"]} for k in sorted(set(db) - set(da))],
                "denials_removed": [{"denial": k, "explanation": da[k]["explanation"]}
                                    for k in sorted(set(da) - set(db))],
                "old": {"kb_version": ra["kb_version"], "denials": [_denial_line(d) for d in ra["denials"]]},
                "new": {"kb_version": rb["kb_version"], "denials": [_denial_line(d) for d in rb["denials"]]},
            })
    out.by_rule = [{"rule": r, "added": len(added.get(r, ())), "removed": len(removed.get(r, ()))}
                   for r in sorted(set(added) | set(removed))]
    return out


def replay_claims(old_dir, new_dir, claims_dir) -> list[dict]:
    """Decide every claim file in ``claims_dir`` under both KBs; return the decisions that change."""
    return replay(old_dir, new_dir, claims_dir).changes


def _denial_key(d) -> str:
    return f"{d['id']}@line:{d['line']}" if d.get("line") else d["id"]


def _denial_line(d) -> str:
    return f"{_denial_key(d)}: {d['explanation']}"


def render_diff(changes: list[Change], replay: Replay | list | None) -> str:
    """Text report of :func:`diff_kbs` and :func:`replay` (or the list of :func:`replay_claims`)."""
    rep = replay if isinstance(replay, Replay) else None
    if rep is not None:
        replay = rep.changes
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
    if rep is not None:
        for r in rep.by_rule:
            out.append(f"    {r['rule']}: denial added on {r['added']} claim{'s' if r['added'] != 1 else ''}, "
                       f"removed on {r['removed']}")
        for u in rep.undecided:
            who = f"claim {u['claim']} ({u['file']})" if u["claim"] else u["file"]
            kb = "either KB" if u["kb"] == "both" else f"the {u['kb']} KB ({u['kb_dir']})"
            out.append(f"{who}: not decided with {kb}:")
            out.extend("    " + line for why in u["why"] for line in why.splitlines())
        if rep.undecided:
            n = len(rep.undecided)
            out.append(f"{n} claim{'s' if n != 1 else ''} could not be decided with one of the KBs "
                       f"(not compared); {rep.claims} claims read")
    return "\n".join(out) + "\n"


