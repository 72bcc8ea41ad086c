"""The ``direct`` engine: stratified evaluation of the compiled rules, without RETE.

It runs the same :class:`~denialkb.engine.compiler.CompiledRule` closures as the experta
engines and returns the same firings, in the same order, with the same step numbers,
matched facts and justifications, so every decision record is byte-identical
(``tests/test_engine_equivalence.py`` checks this on every example, golden case and a
generated claim set). experta stays the default engine and the reference.

Why the order is experta's: salience is unique and follows the strata of findings
(every producer of a finding fires before every rule using it), and conclusions are
never retracted. So experta fires the rules one after the other in salience order, and
the activations of one rule by its ``DepthStrategy`` key: the matched facts' ids in
descending order, largest first. Fact ids are simulated as experta assigns them:
``InitialFact`` 0, the claim 1, the lines 2, 3, ... in order, then each *new* finding or
denial the next id (a duplicate declaration gets none).
"""

from __future__ import annotations

from denialkb.engine.trace import fact_key


def run_direct(compiled, facts) -> tuple[list, dict, list]:
    """Decide enriched ``facts`` with the rules of ``compiled`` (a ``CompiledKB``).

    Returns ``(firings, justifications, unknown_candidates)`` in the shape the experta
    ``RecordingEngine`` records them.
    """
    c = facts.claim
    payer = c.get("claim.payer")
    lines = [(ln, ln.get("line.number"), 2 + i) for i, ln in enumerate(facts.lines)]
    level = compiled.finding_levels
    ids: dict = {}  # fact key -> experta fact id
    by_finding: dict = {}  # finding id -> number of facts with that id
    next_id = 2 + len(lines)
    firings: list = []
    justifications: dict = {}
    unknown: list = []
    step = 0
    for cr in compiled.rules:
        if cr.payers is not None and payer not in cr.payers:
            continue
        test, in_scope = cr.test, cr.in_scope
        acts = []
        if cr.line_level:
            for ln, n, lid in lines:
                if cr.codes is not None and ln.get("line.code") not in cr.codes:
                    continue
                if cr.drugs is not None and ln.get("line.drug") not in cr.drugs:
                    continue
                bound = []
                ok = True
                for fid in cr.positive_refs:
                    k = fact_key("finding", fid, n if level[fid] == "line" else None)
                    if k not in ids:
                        ok = False
                        break
                    bound.append(k)
                if not ok:
                    continue
                if any(fact_key("finding", fid, n if level[fid] == "line" else None) in ids
                       for fid in cr.negative_refs):
                    continue
                if not in_scope(ln):
                    continue
                res = test(c, ln)
                if res is None:
                    unknown.append((cr.index, n))
                if res is not True:
                    continue
                key = sorted([lid, 1] + [ids[k] for k in bound], reverse=True)
                acts.append((key, n, tuple(sorted({"claim", f"line:{n}", *bound}))))
        else:
            bound = []
            ok = True
            for fid in cr.positive_refs:
                if level[fid] == "line":  # EXISTS: any fact of that finding
                    if not by_finding.get(fid):
                        ok = False
                        break
                else:
                    k = fact_key("finding", fid, None)
                    if k not in ids:
                        ok = False
                        break
                    bound.append(k)
            if not ok:
                continue
            if any(by_finding.get(fid) if level[fid] == "line" else fact_key("finding", fid, None) in ids
                   for fid in cr.negative_refs):
                continue
            if not in_scope(c):
                continue
            res = test(c, {})
            if res is None:
                unknown.append((cr.index, 0))
            if res is not True:
                continue
            acts.append(([ids[k] for k in bound] + [1], None, tuple(sorted({"claim", *bound}))))
        if not acts:
            continue
        acts.sort(key=lambda a: a[0], reverse=True)
        kind = cr.rule.conclusion
        ident = cr.rule.concludes
        for _, n, matched in acts:
            step += 1
            key = fact_key(kind, ident, n)
            new = key not in ids
            if new:
                ids[key] = next_id
                next_id += 1
                if kind == "finding":
                    by_finding[ident] = by_finding.get(ident, 0) + 1
            justifications.setdefault(key, []).append(step)
            firings.append((step, cr.rule.id, n, matched, key, kind, new))
    return firings, justifications, unknown
