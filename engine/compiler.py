"""Compile a knowledge base (rules as data) into one experta ``KnowledgeEngine`` class.

Compiled once per KB version and cached. Each YAML rule becomes one experta rule:

* patterns: ``Claim`` (with a payer predicate when the scope names payers), ``Line``
  (with one code/drug predicate for the scope) for line-level rules, and one
  ``Finding`` pattern per ``finding`` / ``no_finding`` reference (``NOT`` / ``EXISTS``);
* one ``TEST`` holding the rule's condition tree compiled to closures
  (:func:`denialkb.engine.conditions.compile_condition`) plus the effective dates;
* a body that declares the conclusion (a ``Finding`` or a ``Denial`` fact).

Salience is unique per rule and follows the dependency strata of findings (a rule
that uses a finding fires after every rule that can conclude it), so firing order
is deterministic and negated findings are only tested once complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from denialkb.engine._experta import AS, MATCH, NOT, TEST, Fact, KnowledgeEngine, P, Rule
from denialkb.engine._experta import EXISTS as _EXISTS
from denialkb.engine.conditions import compile_condition, finding_refs, strip_findings
from denialkb.engine.kb import KnowledgeBase


class ClaimFact(Fact):
    """The claim-level facts of one claim (``values`` holds the dict)."""


class LineFact(Fact):
    """One claim line (``n`` = line number, ``values`` = its ``line.*`` facts)."""


class FindingFact(Fact):
    """A derived finding: ``id``, ``line`` (0 = claim level)."""


class DenialFact(Fact):
    """A concluded denial: ``id`` (rule id), ``line`` (0 = claim level)."""


class Values:
    """Hashable-by-identity holder of a fact dict, so experta does not copy or freeze it."""

    __slots__ = ("d", "unknown")

    def __init__(self, d: dict, unknown: list | None = None):
        self.d = d
        self.unknown = unknown

    def __repr__(self):  # keep patient data out of any experta debug output
        return "<values>"


@dataclass
class CompiledRule:
    rule: object  # kb.Rule
    salience: int
    stratum: int
    test: object  # f(claim_dict, line_dict) -> True | False | None
    positive_refs: tuple
    negative_refs: tuple


@dataclass
class CompiledKB:
    """A KB compiled for experta: the engine class and per-rule metadata."""

    kb: KnowledgeBase
    engine_class: type
    rules: list  # CompiledRule, in salience order (first to fire first)
    by_id: dict


def strata(kb: KnowledgeBase) -> dict:
    """Stratum of every rule: 0 without finding references, else 1 + max stratum of the
    rules concluding the findings it uses (cycles are rejected by the loader)."""
    g = nx.DiGraph()
    for r in kb.rules:
        g.add_node(r.id)
        for ref in finding_refs(r.when):
            for producer in kb.finding_rules.get(ref.finding, []):
                g.add_edge(producer.id, r.id)
    out = {}
    for rid in nx.topological_sort(g):
        preds = list(g.predecessors(rid))
        out[rid] = 1 + max(out[p] for p in preds) if preds else 0
    return out


_CACHE: dict = {}


def compile_kb(kb: KnowledgeBase) -> CompiledKB:
    """Compile ``kb`` (cached by its content hash)."""
    if kb.version in _CACHE and _CACHE[kb.version].kb is kb:
        return _CACHE[kb.version]
    st = strata(kb)
    ordered = sorted(kb.rules, key=lambda r: (st[r.id], r.order))
    n = len(ordered)
    compiled = []
    attrs = {}
    for idx, r in enumerate(ordered):
        salience = n - idx  # unique; earlier strata fire first
        cond = strip_findings(r.when)
        test = compile_condition(cond, kb.value_set, line_level=r.level == "line")
        refs = finding_refs(r.when)
        cr = CompiledRule(r, salience, st[r.id], test,
                          tuple(x.finding for x in refs if not x.negated),
                          tuple(x.finding for x in refs if x.negated))
        compiled.append(cr)
        attrs[f"r{idx}"] = _experta_rule(kb, cr, idx)
    engine_class = type("DenialKBEngine", (RecordingEngine,), attrs)
    ckb = CompiledKB(kb, engine_class, compiled, {c.rule.id: c for c in compiled})
    _CACHE.clear()  # one KB version per process is the norm; do not grow without bound
    _CACHE[kb.version] = ckb
    return ckb


def _finding_level(kb: KnowledgeBase, fid: str) -> str:
    return kb.finding_rules[fid][0].level


def _experta_rule(kb: KnowledgeBase, cr: CompiledRule, idx: int):
    r = cr.rule
    line_level = r.level == "line"
    scope = r.scope
    claim_kw = {}
    if scope.get("payers"):
        payers = frozenset(scope["payers"])
        claim_kw["payer"] = P(lambda v, s=payers: v in s)
    patterns = [AS.claim << ClaimFact(**claim_kw)]
    if line_level:
        line_kw = {"n": MATCH.n}
        if scope.get("codes"):
            codes = frozenset(scope["codes"])
            line_kw["code"] = P(lambda v, s=codes: v in s)
        if scope.get("drugs"):
            drugs = frozenset(scope["drugs"])
            line_kw["drug"] = P(lambda v, s=drugs: v in s)
        patterns.append(AS.line << LineFact(**line_kw))
    for j, fid in enumerate(cr.positive_refs):
        if _finding_level(kb, fid) == "line":
            if line_level:
                patterns.append(getattr(AS, f"f{j}") << FindingFact(id=fid, line=MATCH.n))
            else:
                patterns.append(_EXISTS(FindingFact(id=fid)))
        else:
            patterns.append(getattr(AS, f"f{j}") << FindingFact(id=fid, line=0))
    for fid in cr.negative_refs:
        if _finding_level(kb, fid) == "line" and line_level:
            patterns.append(NOT(FindingFact(id=fid, line=MATCH.n)))
        elif _finding_level(kb, fid) == "line":
            patterns.append(NOT(FindingFact(id=fid)))
        else:
            patterns.append(NOT(FindingFact(id=fid, line=0)))
    test = cr.test
    eff_from = scope.get("effective_from")
    eff_from = None if eff_from in (None, "unknown") else eff_from
    eff_to = scope.get("effective_to")
    key = "line.in_force_date" if line_level else "claim.in_force_date"

    def in_scope(d):
        date = d.get(key)
        return not ((eff_from and date < eff_from) or (eff_to and date > eff_to))

    if line_level:
        def check(claim, line):
            c, ln = claim["values"].d, line["values"].d
            if not in_scope(ln):
                return False
            res = test(c, ln)
            if res is None:
                claim["values"].unknown.append((idx, line["n"]))
            return res is True
    else:
        def check(claim):
            c = claim["values"].d
            if not in_scope(c):
                return False
            res = test(c, {})
            if res is None:
                claim["values"].unknown.append((idx, 0))
            return res is True
    patterns.append(TEST(check))
    kind = r.conclusion
    concl_id = r.concludes

    def body(engine, claim, line=None, **_):
        engine.conclude(kind, concl_id, line["n"] if line is not None else 0)

    body.__name__ = r.id
    return Rule(*patterns, salience=cr.salience)(body)


class RecordingEngine(KnowledgeEngine):
    """experta engine that records every firing and every justification of a conclusion.

    ``run()`` is experta's loop with one addition: before a rule's body runs, the
    activation (rule, matched facts) is recorded; ``conclude()`` links the declared fact
    to that firing, also when the fact already existed (a second justification).
    """

    def reset(self, **kwargs):
        super().reset(**kwargs)
        self.firings = []
        self.justifications = {}
        self._current = None

    def conclude(self, kind: str, ident: str, line: int):
        fact = FindingFact(id=ident, line=line) if kind == "finding" else DenialFact(id=ident, line=line)
        declared = self.declare(fact)
        step, rule, rline, matched = self._current
        key = _key(kind, ident, line)
        self.justifications.setdefault(key, []).append(step)
        self.firings.append((step, rule, rline, matched, key, kind, declared is not None))

    def run(self, steps=float("inf")):
        self.running = True
        execution = 0
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            activation = self.agenda.get_next()
            if activation is None:
                break
            steps -= 1
            execution += 1
            ctx = activation.context
            line = ctx.get("line")
            matched = tuple(sorted(_fact_key(f) for f in activation.facts if _fact_key(f)))
            self._current = (execution, activation.rule.__name__, line["n"] if line is not None else None,
                             matched)
            activation.rule(self, **{k: v for k, v in ctx.items() if not k.startswith("__")})
        self.running = False


def _key(kind, ident, line):
    from denialkb.engine.trace import fact_key

    return fact_key(kind, ident, line or None)


def _fact_key(f) -> str:
    if isinstance(f, ClaimFact):
        return "claim"
    if isinstance(f, LineFact):
        return f"line:{f['n']}"
    if isinstance(f, FindingFact):
        return _key("finding", f["id"], f["line"])
    if isinstance(f, DenialFact):
        return _key("denial", f["id"], f["line"])
    return ""
