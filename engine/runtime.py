"""Deciding claims: one compiled engine per KB version, ``reset()`` per claim.

>>> from denialkb.engine.claim import validate_claim
>>> from denialkb.engine.runtime import Decider
>>> decider = Decider()                      # loads and compiles the shipped KB once
>>> doc = validate_claim({"claim": {"id": "C1", "payer": "medicare", "diagnoses": ["C50.911"],
...     "lines": [{"code": "J9308", "units": 84, "service_date": "2024-03-15", "ndc": "50242-0145-01"}]}})
>>> record = decider.check_document(doc)     # the engine is reset() for every claim
>>> record["outcome"], [d["id"] for d in record["denials"]]
('denied', ['CODE-DRUG-NDC-MISMATCH', 'RAMUCIRUMAB-DX-NOT-SUPPORTING'])
>>> [m["fact"] for m in record["missing_information"]]   # absent sections are not known, never "no"
['administrations', 'claim.received_date', 'clinical', 'documentation']
"""

from __future__ import annotations

from pathlib import Path

from denialkb.engine.claim import ClaimDocument, load_claim
from denialkb.engine.compiler import ClaimFact, CompiledKB, LineFact, Values, compile_kb
from denialkb.engine.conditions import explain_condition, strip_findings
from denialkb.engine.facts import ClaimFacts, enrich
from denialkb.engine.kb import KnowledgeBase, load_kb
from denialkb.engine.trace import Decision, Firing, Unknown, fact_key

ENGINES = ("experta", "experta-reference", "direct")


def check_engine(engine: str) -> None:
    """Raise :class:`~denialkb.engine.errors.UsageError` unless ``engine`` is one of :data:`ENGINES`."""
    if engine not in ENGINES:
        from denialkb.engine.errors import Problem, UsageError, did_you_mean

        raise UsageError([Problem("usage_error", f"unknown engine '{engine}'",
                                  expected="one of: " + ", ".join(ENGINES), hint=did_you_mean(engine, ENGINES))])


def _direct_engine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("denialkb")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        v = "unknown"
    return {"name": "direct", "version": v}


class Decider:
    """Decides claims against one knowledge base.

    The KB is loaded and compiled once. With the default ``experta`` engine, the rules
    that can fit a claim's scope (payer, code and drug of its lines) are run in an
    experta engine built once per such set of rules and reset for every claim.
    Not thread-safe (experta's Rule descriptor is not): use one Decider per thread, or
    processes.

    Parameters
    ----------
    kb : KnowledgeBase or path, optional
        The knowledge base, or its directory. Default: the shipped KB.
    engine : str
        ``experta`` (default: the scoped compilation), ``experta-reference`` (every rule in
        one engine, Claim x Line joins: the straightforward compilation, kept as the
        reference) or ``direct`` (stratified evaluation of the same compiled conditions,
        no RETE). All three decide byte-identical records.
    lint : bool
        When ``kb`` is a directory, refuse a KB that lints with errors (the default: a broken
        KB never decides a claim, see engine/kbchecks.py). The author's tools that run a KB
        under development (``kb test``, ``kb diff --claims``) pass False.
    cases : bool
        With ``lint=False``: load the KB's golden cases too (default). Linting needs them.
    """

    def __init__(self, kb: KnowledgeBase | str | Path | None = None, *, engine: str = "experta",
                 lint: bool = True, cases: bool = True):
        check_engine(engine)
        if isinstance(kb, KnowledgeBase):
            self.kb = kb
        elif lint:
            from denialkb.engine.gate import load_kb_for_deciding

            self.kb = load_kb_for_deciding(kb)
        else:
            self.kb = load_kb(kb, cases=cases)
        self.engine_name = engine
        self.compiled: CompiledKB = compile_kb(self.kb, "reference" if engine == "experta-reference"
                                               else "scoped")
        self.engines = self.compiled.engines()  # this Decider's own (experta is not thread-safe)

    # ------------------------------------------------------------------ deciding
    def decide(self, doc: ClaimDocument, as_of: str | None = None) -> Decision:
        """Decide one validated claim document; return the plain trace."""
        facts = enrich(doc, self.kb, as_of)
        return self.decide_facts(facts)

    def decide_facts(self, facts: ClaimFacts) -> Decision:
        """Run the engine on already enriched facts."""
        c = facts.claim
        if self.engine_name == "direct":
            from denialkb.engine.direct import run_direct

            raw_firings, justifications, unknown = run_direct(self.compiled, facts)
        else:
            eng = self.engines.engine_for(c["claim.payer"],
                                           frozenset((ln["line.code"], ln["line.drug"]) for ln in facts.lines))
            eng.reset()
            unknown = []
            declared = [ClaimFact(payer=c["claim.payer"], values=Values(c, unknown))]
            for ln in facts.lines:
                declared.append(LineFact(n=ln["line.number"], code=ln["line.code"], drug=ln["line.drug"],
                                         values=Values(ln, unknown, c)))
            eng.declare(*declared)
            eng.run()
            raw_firings, justifications = eng.firings, eng.justifications
        firings = [Firing(step, rule, line, matched, key, kind, new)
                   for (step, rule, line, matched, key, kind, new) in raw_firings]
        decision = Decision(c["claim.id"], self.kb.version, facts.as_of or c["claim.first_service_date"],
                            facts, firings, {k: list(v) for k, v in justifications.items()})
        decision.unknowns = self._unknowns(facts, decision, unknown)
        if self.engine_name == "direct":
            decision.engine = _direct_engine()
        return decision

    def _unknowns(self, facts: ClaimFacts, decision: Decision, candidates: list) -> list:
        """Rules left undecided by absent facts, whose finding prerequisites did hold."""
        if not candidates:
            return []
        present = set(decision.justifications)
        by_line = {ln["line.number"]: ln for ln in facts.lines}
        out = {}
        for idx, n in sorted(set(candidates)):
            if n and by_line.get(n, {}).get("line.code_known") is False:
                continue  # open world: a code the KB does not model never leaves a claim undetermined
            cr = self.compiled.rules[idx]
            r = cr.rule
            line = n or None

            def has(fid, line=line):
                if line is not None and fact_key("finding", fid, line) in present:
                    return True
                return fact_key("finding", fid, None) in present or (
                    line is None and any(k.startswith(f"finding:{fid}@") for k in present))

            if not all(has(f) for f in cr.positive_refs) or any(has(f) for f in cr.negative_refs):
                continue
            ln = by_line.get(n, {})
            res, leaves = explain_condition(strip_findings(r.when), facts.claim, ln, self.kb.value_set,
                                            r.level == "line")
            if res is not None:
                continue
            missing = tuple(sorted({lf.fact for lf in leaves if lf.result is None and lf.value is None}
                                   | {lf.required_fact for lf in leaves
                                      if lf.result is None and lf.required_fact and lf.required is None}))
            out[(r.id, line)] = Unknown(r.id, line, missing)
        return [out[k] for k in sorted(out, key=lambda k: (k[1] or 0, k[0]))]

    # ------------------------------------------------------------------ helpers
    def check_document(self, doc: ClaimDocument, as_of: str | None = None) -> dict:
        """Decide a document and return its decision record (FORMATS.md section 2)."""
        from denialkb.engine.record import build_record

        return build_record(self.decide(doc, as_of), self.kb, doc)

    def check_file(self, path, as_of: str | None = None) -> dict:
        """Load, validate and decide one claim file; return its decision record."""
        return self.check_document(load_claim(path), as_of)
