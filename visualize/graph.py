"""Knowledge-base graphs and decision graphs as networkx DiGraphs.

Nodes are typed (attribute ``kind``): ``fact`` -> ``condition`` -> ``rule`` ->
``finding`` | ``denial`` -> ``carc``. Edges carry a ``label``. Everything is built from
the rules as data (:class:`~denialkb.engine.kb.Rule`) and, for one claim, from the plain
trace (:class:`~denialkb.engine.trace.Decision`); no experta type is touched.

Node ids are ``<kind>__<name>`` with every character other than letters, digits, ``_``,
``-`` and ``.`` replaced by ``_`` (Graphviz reads a colon as a port separator), e.g.
``rule__PRIOR-AUTH-ABSENT``, ``fact__line.units``, ``cond__PRIOR-AUTH-ABSENT__1``.
Nodes and edges are added in sorted order, so the same input gives the same picture.

>>> from denialkb.visualize.graph import node_id
>>> node_id("rule", "PRIOR-AUTH-ABSENT")
'rule__PRIOR-AUTH-ABSENT'
>>> node_id("fact", "line:units")
'fact__line_units'
"""

from __future__ import annotations

import re

import networkx as nx

from denialkb.engine.conditions import (
    Leaf,
    Node,
    explain_condition,
    finding_refs,
    format_value,
    strip_findings,
)
from denialkb.engine.kb import KnowledgeBase
from denialkb.engine.record import rule_applies
from denialkb.engine.trace import Decision

KINDS = ("fact", "condition", "rule", "finding", "denial", "carc")
STATUSES = ("fired", "held", "failed", "not_applicable")
_PREFIX = {"fact": "fact", "condition": "cond", "rule": "rule", "finding": "finding",
           "denial": "denial", "carc": "carc"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def node_id(kind: str, name: str) -> str:
    """Stable Graphviz-safe node id: ``<kind>__<name>``, no colons or spaces."""
    return f"{_PREFIX[kind]}__{_UNSAFE.sub('_', str(name))}"


def _leaf_paths(cond, trail=()):
    """Yield ``(leaf_or_ref, combinator trail)`` for every leaf and finding reference."""
    if isinstance(cond, Node):
        for c in cond.children:
            yield from _leaf_paths(c, trail + (cond.kind,))
    elif cond is not None:
        yield cond, trail


def rule_leaves(rule) -> list:
    """The rule's comparison leaves with their combinator trail, in document order."""
    return [(lf, tr) for lf, tr in _leaf_paths(rule.when) if isinstance(lf, Leaf)]


def _in_scope(rule, kb: KnowledgeBase, drug=None, payer=None, stage=None, as_of=None) -> bool:
    sc = rule.scope or {}
    if drug:
        canon = kb.canonical_drug(drug) or drug
        if sc.get("drugs") and canon not in sc["drugs"]:
            return False
        if sc.get("codes"):
            codes = {c for c, h in kb.hcpcs.items() if isinstance(h, dict) and h.get("drug") == canon}
            if codes and not codes & set(sc["codes"]):
                return False
    if payer and sc.get("payers") and payer not in sc["payers"]:
        return False
    if stage and rule.conclusion == "denial":
        # a stage role (clinical_review) is where the payer applies it: the named payer's, or any payer's
        own = rule.denial["stage"]
        payers = [kb.payers[payer]] if payer in kb.payers else list(kb.payers.values())
        if stage != own and stage not in {p.stage_for(own) for p in payers}:
            return False
    if as_of:
        frm = sc.get("effective_from")
        to = sc.get("effective_to")
        if frm not in (None, "unknown") and str(as_of) < str(frm):
            return False
        if to and str(as_of) > str(to):
            return False
    return True


def _keep_needed(kb: KnowledgeBase, rules: list) -> list:
    """Drop finding rules whose finding no kept denial rule uses, directly or through findings."""
    kept = {r.id for r in rules if r.conclusion == "denial"}
    needed: set = set()
    frontier = [r for r in rules if r.conclusion == "denial"]
    while frontier:
        r = frontier.pop()
        for ref in finding_refs(r.when):
            if ref.finding in needed:
                continue
            needed.add(ref.finding)
            frontier.extend(x for x in rules if x.conclusion == "finding" and x.finding == ref.finding)
    return [r for r in rules if r.id in kept or (r.conclusion == "finding" and r.finding in needed)]


def kb_graph(kb: KnowledgeBase, *, drug: str | None = None, payer: str | None = None,
             stage: str | None = None, as_of: str | None = None, rules=None) -> nx.DiGraph:
    """The knowledge base as a graph: facts -> conditions -> rules -> findings/denials -> CARC.

    Parameters
    ----------
    kb : KnowledgeBase
    drug, payer, stage, as_of : str, optional
        Keep only rules whose scope admits this drug (generic or brand name), payer, denial
        stage, and date (``effective_from``/``effective_to``). When filtering, finding rules
        stay only when a kept denial rule needs their finding; unfiltered, every rule is shown
        (informational findings such as a pregnancy review flag included).
    rules : list, optional
        Use exactly these rules instead (no filtering).

    Returns
    -------
    networkx.DiGraph
        Node attributes: ``kind``, ``label`` and kind-specific data (``stage``, ``group``,
        ``carc``, ``rarc``, ``cluster``...). Edge attribute: ``label``.
    """
    if rules is None:
        rules = [r for r in kb.rules if _in_scope(r, kb, drug, payer, stage, as_of)]
        if any(x is not None for x in (drug, payer, stage, as_of)):
            rules = _keep_needed(kb, rules)
    g = nx.DiGraph(name="denialkb", kb_version=kb.version)
    nodes: dict = {}
    edges: dict = {}
    for r in sorted(rules, key=lambda r: r.id):
        rid = node_id("rule", r.id)
        cluster = r.denial["stage"] if r.conclusion == "denial" else "findings"
        nodes[rid] = dict(kind="rule", label=r.id, title=r.title, level=r.level,
                          conclusion=r.conclusion, rule=r.id, cluster=cluster,
                          drugs=",".join(r.scope.get("drugs", [])))
        for i, (lf, trail) in enumerate(rule_leaves(r)):
            cid = node_id("condition", f"{r.id}__{i}")
            nodes[cid] = dict(kind="condition", label=lf.describe(), rule=r.id, index=i,
                              fact=lf.fact, op=lf.op, cluster=cluster)
            edges[(cid, rid)] = dict(label="/".join(trail) or "when")
            fid = node_id("fact", lf.fact)
            nodes.setdefault(fid, dict(kind="fact", label=lf.fact, fact=lf.fact))
            edges[(fid, cid)] = dict(label="tests")
            if lf.ref and lf.ref[0] == "fact":
                oid = node_id("fact", lf.ref[1])
                nodes.setdefault(oid, dict(kind="fact", label=lf.ref[1], fact=lf.ref[1]))
                edges.setdefault((oid, cid), dict(label="compared with"))
        for ref in finding_refs(r.when):
            fnid = node_id("finding", ref.finding)
            nodes.setdefault(fnid, dict(kind="finding", label=ref.finding, finding=ref.finding,
                                        cluster="findings"))
            edges[(fnid, rid)] = dict(label="requires absence" if ref.negated else "requires")
        if r.conclusion == "finding":
            fnid = node_id("finding", r.finding)
            nodes.setdefault(fnid, dict(kind="finding", label=r.finding, finding=r.finding,
                                        cluster="findings"))
            edges[(rid, fnid)] = dict(label="concludes")
        else:
            d = r.denial
            did = node_id("denial", r.id)
            nodes[did] = dict(kind="denial", label=f"{r.id}\n{d['group']}-{d['carc']}"
                              + (f" {' '.join(d['rarc'])}" if d.get("rarc") else ""),
                              rule=r.id, stage=d["stage"], group=d["group"], carc=str(d["carc"]),
                              rarc=" ".join(d.get("rarc", [])), cluster=d["stage"],
                              drugs=",".join(r.scope.get("drugs", [])))
            edges[(rid, did)] = dict(label="concludes")
            kid = node_id("carc", d["carc"])
            desc = kb.carc.get(str(d["carc"]), {})
            desc = desc.get("description", desc.get("title", "")) if isinstance(desc, dict) else str(desc)
            nodes.setdefault(kid, dict(kind="carc", label=f"CARC {d['carc']}", carc=str(d["carc"]),
                                       description=desc))
            edges[(did, kid)] = dict(label=d["group"])
    for n in sorted(nodes):
        g.add_node(n, **nodes[n])
    for u, v in sorted(edges):
        g.add_edge(u, v, **edges[(u, v)])
    return g


def _values(decision: Decision, fact: str) -> str:
    """A fact's actual value(s) on this claim; line facts as ``1: v; 2: v``."""
    facts = decision.facts
    if fact.startswith("line."):
        return "; ".join(f"{ln['line.number']}: {format_value(ln.get(fact))}" for ln in facts.lines)
    return format_value(facts.claim.get(fact))


def decision_graph(decision: Decision, kb: KnowledgeBase, *, prune: bool = True) -> nx.DiGraph:
    """The KB graph for one claim with its fired path highlighted.

    Every node gets ``status``: ``fired`` (rule fired, finding/denial derived, CARC
    reported, and the facts and conditions on that path), ``held`` (condition true, fact
    present), ``failed`` (rule evaluated and not fired; condition false or undecided;
    finding/denial not derived) or ``not_applicable``. Fact nodes carry ``value`` (the actual
    value on this claim). Failing conditions of near-miss rules (one failing condition)
    get ``near_miss=True``. With ``prune`` (default) rules whose scope cannot apply to the
    claim are removed together with everything only they used.
    """
    facts = decision.facts
    applicable = [r for r in kb.rules if rule_applies(r, facts)] if prune else list(kb.rules)
    applicable = _keep_needed(kb, applicable)
    g = kb_graph(kb, rules=applicable)
    fired_rules: dict = {}
    for f in decision.firings:
        fired_rules.setdefault(f.rule, []).append(f.line)
    derived = {k.split(":", 1)[1].split("@")[0] for k in decision.justifications}
    by_line = {ln["line.number"]: ln for ln in facts.lines}
    for _n, a in g.nodes(data=True):
        a["status"] = "not_applicable"
    for r in applicable:
        rid = node_id("rule", r.id)
        lvs = rule_leaves(r)
        fired = r.id in fired_rules
        if r.level == "line":
            lines = [n for n in fired_rules[r.id] if n] if fired else [
                ln["line.number"] for ln in facts.lines if _line_in_scope(r, ln)]
        else:
            lines = [None]
        best = None
        for n in lines or [None]:
            ln = by_line.get(n, {})
            results = [explain_condition(lf, facts.claim, ln, kb.value_set, r.level == "line")[0]
                       for lf, _ in lvs]
            _, deciding = explain_condition(strip_findings(r.when), facts.claim, ln, kb.value_set,
                                            r.level == "line")
            failing = {i for i, (lf, _) in enumerate(lvs) if not fired and any(
                d.fact == lf.fact and d.op == lf.op and d.result is not True for d in deciding)}
            score = len(failing)
            if best is None or score < best[0]:
                best = (score, n, results, failing)
        _, line_no, results, failing = best
        missing_refs = [ref for ref in finding_refs(r.when)
                        if (ref.finding in derived) == ref.negated]
        near = not fired and len(failing) + len(missing_refs) == 1
        g.nodes[rid]["status"] = "fired" if fired else "failed"
        g.nodes[rid]["near_miss"] = near
        if fired:
            g.nodes[rid]["lines"] = ",".join(str(n) for n in fired_rules[r.id] if n)
        for i, res in enumerate(results):
            cid = node_id("condition", f"{r.id}__{i}")
            a = g.nodes[cid]
            a["status"] = "held" if res else "failed"
            a["result"] = {True: "true", False: "false", None: "unknown"}[res]
            a["near_miss"] = near and i in failing
            if fired and res:
                a["status"] = "fired"
    for n, a in g.nodes(data=True):
        if a["kind"] == "fact":
            a["value"] = _values(decision, a["fact"])
            on_path = any(g.nodes[s]["status"] == "fired" for s in g.successors(n))
            a["status"] = "fired" if on_path else (
                "held" if a["value"] not in ("absent",) and "absent" not in a["value"] else "not_applicable")
        elif a["kind"] in ("finding", "denial"):
            key = a.get("finding") or a.get("rule")
            a["status"] = "fired" if key in derived else "failed"
    for n, a in g.nodes(data=True):
        if a["kind"] == "carc":
            a["status"] = "fired" if any(g.nodes[p]["status"] == "fired" for p in g.predecessors(n)) \
                else "not_applicable"
    g.graph.update(claim_id=decision.claim_id, evaluated_as_of=decision.evaluated_as_of)
    return g


def _line_in_scope(rule, ln: dict) -> bool:
    sc = rule.scope
    if sc.get("codes") and ln["line.code"] not in sc["codes"]:
        return False
    if sc.get("drugs") and ln["line.drug"] not in sc["drugs"]:
        return False
    return True


def focus_graph(g: nx.DiGraph, *, denial: str | None = None, fact: str | None = None) -> nx.DiGraph:
    """The part of ``g`` behind one denial (its ancestors, plus its CARC) or downstream of
    one fact (its descendants).

    ``denial`` is a rule id (``PERTUZUMAB-HER2-NOT-DOCUMENTED``) or a node id; ``fact`` a fact
    name (``clinical.biomarkers.her2``) or node id. Raises ``KeyError`` when absent.
    """
    if (denial is None) == (fact is None):
        raise ValueError("give exactly one of denial= or fact=")
    if denial is not None:
        n = denial if denial in g else node_id("denial", denial)
        if n not in g:
            raise KeyError(denial)
        keep = nx.ancestors(g, n) | {n} | set(g.successors(n))
    else:
        n = fact if fact in g else node_id("fact", fact)
        if n not in g:
            raise KeyError(fact)
        keep = nx.descendants(g, n) | {n}
    return g.subgraph(sorted(keep)).copy()


def fired_graph(g: nx.DiGraph) -> nx.DiGraph:
    """The readable default picture of a claim: every fired denial with the reasons behind it
    (the union of :func:`focus_graph` for each fired denial: rules, conditions, facts, findings
    and the CARC). A claim with no denial shows its fired findings and their reasons."""
    fired = [n for n, a in g.nodes(data=True) if a.get("kind") == "denial" and a.get("status") == "fired"]
    if not fired:
        fired = [n for n, a in g.nodes(data=True) if a.get("kind") == "finding" and a.get("status") == "fired"]
    keep: set = set()
    for n in fired:
        keep |= nx.ancestors(g, n) | {n} | set(g.successors(n))
    return g.subgraph(sorted(keep)).copy()


__all__ = ["KINDS", "STATUSES", "decision_graph", "fired_graph", "focus_graph", "kb_graph",
           "node_id", "rule_leaves"]
