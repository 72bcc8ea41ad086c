"""Compile a knowledge base (rules as data) into experta rules, once per KB version.

Every YAML rule is compiled once into a :class:`CompiledRule`: its condition tree as
closures (:func:`denialkb.engine.conditions.compile_condition`), its scope, its dates,
its finding references and a unique salience. Two experta compilations are built from
those same closures:

``scoped`` (the default, compiled for experta's cost model)
    * a line rule is **one** ``Line`` pattern (code/drug scope as alpha predicates) plus
      its finding patterns and one ``TEST``: the claim's facts ride on every line fact,
      so there is no ``Claim`` x ``Line`` join; a claim rule is one ``Claim`` pattern;
    * rules are pre-filtered by scope (payer, and the code/drug of some line) for each
      claim; one engine is built lazily per set of fitting rules and cached
      (:class:`Engines`);
    * ``reset()`` wipes only the memory nodes and declares ``InitialFact`` directly, and
      experta polls only the conflict sets that changed (:mod:`denialkb.engine._experta`).

``reference`` (the straightforward compilation, kept as the reference for tests)
    every rule is ``Claim`` (payer predicate) [x ``Line`` (code/drug predicates)] plus
    finding patterns plus ``TEST``, all rules in one engine, experta's own ``reset()``.

Both decide byte-identical records (``tests/test_engine_equivalence.py``), and so does
the stratified evaluator of :mod:`denialkb.engine.direct`, which runs the same closures
without a RETE network.

Salience is unique per rule and follows the dependency strata of findings (a rule
that uses a finding fires after every rule that can conclude it), so firing order
is deterministic and negated findings are only tested once complete.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from denialkb.engine._experta import (
    AS,
    MATCH,
    NOT,
    TEST,
    Fact,
    FastReteMatcher,
    KnowledgeEngine,
    P,
    Rule,
    fast_reset,
)
from denialkb.engine._experta import EXISTS as _EXISTS
from denialkb.engine.conditions import compile_condition, finding_refs, strip_findings
from denialkb.engine.kb import KnowledgeBase

MODES = ("scoped", "reference")
ENGINE_CACHE_SIZE = 256


class ClaimFact(Fact):
    """The claim-level facts of one claim (``values`` holds the dict)."""


class LineFact(Fact):
    """One claim line (``n`` = line number, ``values`` = its ``line.*`` facts; ``values.claim``
    holds the claim-level dict, so a line rule needs no join with the claim)."""


class FindingFact(Fact):
    """A derived finding: ``id``, ``line`` (0 = claim level)."""


class DenialFact(Fact):
    """A concluded denial: ``id`` (rule id), ``line`` (0 = claim level)."""


class Values:
    """Hashable-by-identity holder of a fact dict, so experta does not copy or freeze it.

    ``claim`` is the claim-level dict (set on line values), ``unknown`` collects the
    ``(rule index, line)`` pairs whose condition was undetermined.
    """

    __slots__ = ("d", "unknown", "claim")

    def __init__(self, d: dict, unknown: list | None = None, claim: dict | None = None):
        self.d = d
        self.unknown = unknown
        self.claim = claim

    def __repr__(self):  # keep patient data out of any experta debug output
        return "<values>"


@dataclass
class CompiledRule:
    """One rule compiled once: closures, scope, dates, finding references, salience."""

    rule: object  # kb.Rule
    salience: int
    stratum: int
    test: object  # f(claim_dict, line_dict) -> True | False | None
    positive_refs: tuple
    negative_refs: tuple
    index: int = 0
    payers: frozenset | None = None
    codes: frozenset | None = None
    drugs: frozenset | None = None
    in_scope: object = None  # f(fact dict) -> bool: the effective dates
    line_level: bool = True

    def fits(self, payer, pairs) -> bool:
        """Can the rule's scope fit a claim of ``payer`` with these (code, drug) lines?"""
        if self.payers is not None and payer not in self.payers:
            return False
        if not self.line_level:
            return True
        return any((self.codes is None or c in self.codes) and (self.drugs is None or d in self.drugs)
                   for c, d in pairs)


@dataclass
class CompiledKB:
    """A KB compiled for experta: the rules in salience order, and the engines.

    ``engine_class`` is the reference compilation (every rule, Claim x Line joins);
    :meth:`engines` gives the engines that decide claims in the chosen ``mode``.
    """

    kb: KnowledgeBase
    engine_class: type
    rules: list  # CompiledRule, in salience order (first to fire first)
    by_id: dict
    mode: str = "scoped"
    scoped_rules: dict = field(default_factory=dict, repr=False)  # (index, line predicate?) -> experta Rule
    _subsets: dict = field(default_factory=dict, repr=False)
    finding_levels: dict = field(default_factory=dict)  # finding id -> "claim" | "line"

    def subset_for(self, payer, pairs: frozenset) -> tuple:
        """``(index, needs line predicate)`` of the rules whose scope can fit the claim (cached
        per scope signature). A line rule whose code/drug scope fits *every* line of the claim
        needs no code/drug predicate in the network."""
        key = (payer, pairs)
        sub = self._subsets.get(key)
        if sub is None:
            if len(self._subsets) > 4 * ENGINE_CACHE_SIZE:
                self._subsets.clear()
            sub = self._subsets[key] = tuple(
                (cr.index, cr.line_level and (cr.codes is not None or cr.drugs is not None)
                 and not all(cr.fits(payer, (p,)) for p in pairs))
                for cr in self.rules if cr.fits(payer, pairs))
        return sub

    def engines(self) -> Engines:
        """A new, empty set of engines for this KB (one per thread: experta is not thread-safe)."""
        return Engines(self)


class Engines:
    """The experta engines one :class:`~denialkb.engine.runtime.Decider` decides with.

    ``scoped``: one engine per distinct set of fitting rules, built on first use and kept (at
    most :data:`ENGINE_CACHE_SIZE`, least recently used dropped). ``reference``: one engine
    with every rule. Not shared between threads (experta engines and rules are not
    thread-safe); the compiled rules are.
    """

    def __init__(self, compiled: CompiledKB):
        self.compiled = compiled
        self._engines: OrderedDict = OrderedDict()
        self._reference = None

    def __len__(self) -> int:
        return len(self._engines) + (self._reference is not None)

    def engine_for(self, payer, pairs: frozenset):
        """The engine (reset it before use) that decides a claim of ``payer`` whose lines have
        these ``(code, drug)`` pairs."""
        ckb = self.compiled
        if ckb.mode == "reference":
            if self._reference is None:
                self._reference = ckb.engine_class()
            return self._reference
        sub = ckb.subset_for(payer, pairs)
        eng = self._engines.get(sub)
        if eng is None:
            attrs = {f"r{i}": ckb.scoped_rules[(i, pred)] for i, pred in sub}
            eng = type("DenialKBScopedEngine", (ScopedEngine,), attrs)()
            self._engines[sub] = eng
            if len(self._engines) > ENGINE_CACHE_SIZE:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(sub)
        return eng


def strata(kb: KnowledgeBase) -> dict:
    """Stratum of every rule: 0 without finding references, else 1 + max stratum of the
    rules concluding the findings it uses (cycles are rejected by the loader)."""
    preds: dict = {r.id: set() for r in kb.rules}
    for r in kb.rules:
        for ref in finding_refs(r.when):
            for producer in kb.finding_rules.get(ref.finding, []):
                preds[r.id].add(producer.id)
    out: dict = {}
    for rid in TopologicalSorter(preds).static_order():
        p = preds[rid]
        out[rid] = 1 + max(out[x] for x in p) if p else 0
    return out


_CACHE: dict = {}


def compile_kb(kb: KnowledgeBase, mode: str = "scoped") -> CompiledKB:
    """Compile ``kb`` (cached by its content hash and ``mode``: ``scoped`` or ``reference``)."""
    if mode not in MODES:
        raise ValueError(f"unknown compile mode {mode!r}; expected one of {MODES}")
    hit = _CACHE.get((kb.version, mode))
    if hit is not None and hit.kb is kb:
        return hit
    st = strata(kb)
    ordered = sorted(kb.rules, key=lambda r: (st[r.id], r.order))
    n = len(ordered)
    compiled = []
    attrs = {}
    scoped = {}
    for idx, r in enumerate(ordered):
        salience = n - idx  # unique; earlier strata fire first
        cond = strip_findings(r.when)
        line_level = r.level == "line"
        test = compile_condition(cond, kb.value_set, line_level=line_level)
        refs = finding_refs(r.when)
        scope = r.scope
        cr = CompiledRule(r, salience, st[r.id], test,
                          tuple(x.finding for x in refs if not x.negated),
                          tuple(x.finding for x in refs if x.negated),
                          index=idx,
                          payers=frozenset(scope["payers"]) if scope.get("payers") else None,
                          codes=frozenset(scope["codes"]) if scope.get("codes") else None,
                          drugs=frozenset(scope["drugs"]) if scope.get("drugs") else None,
                          in_scope=_date_check(scope, line_level),
                          line_level=line_level)
        compiled.append(cr)
        attrs[f"r{idx}"] = _reference_rule(kb, cr, idx)
        scoped[(idx, True)] = _scoped_rule(kb, cr, idx, True)
        scoped[(idx, False)] = _scoped_rule(kb, cr, idx, False)
    engine_class = type("DenialKBEngine", (RecordingEngine,), attrs)
    ckb = CompiledKB(kb, engine_class, compiled, {c.rule.id: c for c in compiled}, mode, scoped,
                     finding_levels={f: _finding_level(kb, f) for f in kb.finding_rules})
    # one KB version per process is the norm; do not grow without bound
    for k in [k for k in _CACHE if k[0] != kb.version or _CACHE[k].kb is not kb]:
        del _CACHE[k]
    _CACHE[(kb.version, mode)] = ckb
    return ckb


def _finding_level(kb: KnowledgeBase, fid: str) -> str:
    return kb.finding_rules[fid][0].level


def _date_check(scope: dict, line_level: bool):
    eff_from = scope.get("effective_from")
    eff_from = None if eff_from in (None, "unknown") else eff_from
    eff_to = scope.get("effective_to")
    key = "line.in_force_date" if line_level else "claim.in_force_date"

    def in_scope(d):
        date = d.get(key)
        return not ((eff_from and date < eff_from) or (eff_to and date > eff_to))

    return in_scope


def _finding_patterns(kb: KnowledgeBase, cr: CompiledRule) -> list:
    """Patterns of the finding references (the same in both compilations)."""
    patterns = []
    line_level = cr.line_level
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
    return patterns


def _in(s):
    return P(lambda v: v in s)


def _body(cr: CompiledRule):
    kind = cr.rule.conclusion
    concl_id = cr.rule.concludes

    def body(engine, line=None, **_):
        engine.conclude(kind, concl_id, line["n"] if line is not None else 0)

    body.__name__ = cr.rule.id
    return body


def _reference_rule(kb: KnowledgeBase, cr: CompiledRule, idx: int):
    """The straightforward compilation: Claim [x Line] + findings + TEST."""
    line_level = cr.line_level
    claim_kw = {}
    if cr.payers is not None:
        claim_kw["payer"] = _in(cr.payers)
    patterns = [AS.claim << ClaimFact(**claim_kw)]
    if line_level:
        line_kw = {"n": MATCH.n}
        if cr.codes is not None:
            line_kw["code"] = _in(cr.codes)
        if cr.drugs is not None:
            line_kw["drug"] = _in(cr.drugs)
        patterns.append(AS.line << LineFact(**line_kw))
    patterns += _finding_patterns(kb, cr)
    test, in_scope = cr.test, cr.in_scope

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
    return Rule(*patterns, salience=cr.salience)(_body(cr))


def _scoped_rule(kb: KnowledgeBase, cr: CompiledRule, idx: int, line_predicate: bool):
    """One pattern per rule: the line fact carries the claim's facts. The payer scope is
    not a pattern here: engines only hold rules whose payer scope fits the claim; nor is
    the code/drug scope when it fits every line of the claim (``line_predicate`` false)."""
    test, in_scope = cr.test, cr.in_scope
    if cr.line_level:
        line_kw = {"n": MATCH.n}
        if line_predicate and cr.codes is not None:
            line_kw["code"] = _in(cr.codes)
        if line_predicate and cr.drugs is not None:
            line_kw["drug"] = _in(cr.drugs)
        patterns = [AS.line << LineFact(**line_kw)]

        def check(line):
            v = line["values"]
            ln = v.d
            if not in_scope(ln):
                return False
            res = test(v.claim, ln)
            if res is None:
                v.unknown.append((idx, line["n"]))
            return res is True
    else:
        patterns = [AS.claim << ClaimFact()]

        def check(claim):
            v = claim["values"]
            c = v.d
            if not in_scope(c):
                return False
            res = test(c, {})
            if res is None:
                v.unknown.append((idx, 0))
            return res is True
    patterns += _finding_patterns(kb, cr)
    patterns.append(TEST(check))
    return Rule(*patterns, salience=cr.salience)(_body(cr))


class RecordingEngine(KnowledgeEngine):
    """experta engine that records every firing and every justification of a conclusion.

    ``run()`` is experta's loop with one addition: before a rule's body runs, the
    activation (rule, matched facts) is recorded; ``conclude()`` links the declared fact
    to that firing, also when the fact already existed (a second justification).
    """

    def reset(self, **kwargs):
        super().reset(**kwargs)
        self._start()

    def _start(self):
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
            # every rule matches the claim (in the scoped compilation through the line fact)
            matched = tuple(sorted({_fact_key(f) for f in activation.facts} - {""} | {"claim"}))
            self._current = (execution, activation.rule.__name__, line["n"] if line is not None else None,
                             matched)
            activation.rule(self, **{k: v for k, v in ctx.items() if not k.startswith("__")})
        self.running = False


class ScopedEngine(RecordingEngine):
    """The scoped compilation's engine: experta's matcher with dirty-only conflict-set
    polling, and a reset that wipes only the memory nodes."""

    __matcher__ = FastReteMatcher

    def reset(self, **kwargs):
        fast_reset(self)
        self._start()


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
