"""Auditor queries over one recorded decision and the rules as data (GitHub issue 4).

* :func:`why` - each denial's full chain down to input facts, every justification;
* :func:`why_not` - for every rule that could conclude a target, what held and what failed;
* :func:`paths` - from the KB alone, every chain of rules that can lead to a target;
* :func:`what_if` - decide again with the document changed; denials added and removed;
* :func:`fix` - the smallest verified sets of document changes that clear each denial.

Everything is computed from the :class:`~denialkb.engine.trace.Decision` and the rules as
data; explanation text comes from rule templates via ``fill_template``, never per-rule Python.
"""

from __future__ import annotations

import copy
import itertools
import re

import yaml

from denialkb.engine.claim import ClaimDocument, validate_claim
from denialkb.engine.conditions import (
    FindingRef,
    Leaf,
    Node,
    ValueSet,
    _plain,
    explain_condition,
    finding_refs,
    format_value,
    strip_findings,
    unmet_count,
)
from denialkb.engine.errors import Problem, UsageError
from denialkb.engine.facts import fact_catalog, fact_source, resolve_input
from denialkb.engine.record import build_record, fill_template, format_because, format_leaf
from denialkb.engine.sentences import leaf_sentence
from denialkb.engine.trace import fact_key
from denialkb.engine.yamlio import LoadError, parse_yaml

CLINICAL_KINDS = ("clinical", "not_billable")


# --------------------------------------------------------------------------- helpers

def _lines(decision) -> dict:
    return {ln["line.number"]: ln for ln in decision.facts.lines}


def _leaf_dicts(rule, decision, kb, line_no, full=False) -> tuple:
    """Evaluate a rule's fact conditions on one line (or the claim): (result, [leaf dict])."""
    cat = fact_catalog(kb)
    ln = _lines(decision).get(line_no, {}) if line_no else {}
    res, leaves = explain_condition(strip_findings(rule.when), decision.facts.claim, ln, kb.value_set,
                                    rule.level == "line", full=full)
    out = []
    for lf in leaves:
        d = lf.to_dict()
        if lf.op not in ("exists", "missing") and not lf.required_fact and not isinstance(lf.required, ValueSet):
            d["condition"] = f"{lf.op} {_lit(lf.required)}"
            d["required"] = _plain(lf.required)
        d["text"] = leaf_sentence(lf, cat)  # workpaper sentence (engine/sentences.py)
        if lf.text.startswith("not: "):
            d["negated"] = True
        src = fact_source(lf.fact, ln.get("line.index"), cat)
        if src:
            d["source"] = src
        out.append(d)
    return res, out


def _lit(v) -> str:
    """A required value as written in rule YAML: booleans true/false, lists in brackets."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_lit(x) for x in v) + "]"
    return format_value(v)


def _finding_keys(decision, fid, line_no) -> list:
    keys = []
    if line_no and fact_key("finding", fid, line_no) in decision.justifications:
        keys.append(fact_key("finding", fid, line_no))
    if fact_key("finding", fid, None) in decision.justifications:
        keys.append(fact_key("finding", fid, None))
    if not line_no and not keys:
        keys = sorted(k for k in decision.justifications if k.startswith(f"finding:{fid}@"))
    return keys


# --------------------------------------------------------------------------- why

def _explain_firing(firing, decision, kb, depth=0) -> dict:
    r = kb.rules_by_id[firing.rule]
    ln = _lines(decision).get(firing.line, {}) if firing.line else {}
    _, conds = _leaf_dicts(r, decision, kb, firing.line)
    node = {"rule": r.id, "title": r.title, "line": firing.line, "concluded": firing.concluded,
            "explanation": fill_template(r.explanation, decision.facts.claim, ln),
            "conditions": conds, "findings": [], "absent_findings": []}
    for ref in finding_refs(r.when):
        if ref.negated:
            node["absent_findings"].append(ref.finding)
            continue
        for key in _finding_keys(decision, ref.finding, firing.line):
            node["findings"].append({"finding": ref.finding, "key": key,
                                     "justifications": [_explain_firing(f, decision, kb, depth + 1)
                                                        for f in decision.firings_of(key)]})
    return node


def _known(value: str, choices, option: str, expected: str) -> None:
    """Refuse an option value the KB does not know (exit 2, with a "did you mean")."""
    from denialkb.engine.errors import did_you_mean

    if value not in choices:
        raise UsageError([Problem("usage_error", f"{option}: unknown {option} {str(value)[:80]!r}",
                                  expected=f"{expected} of this knowledge base",
                                  hint=did_you_mean(value, choices))])


def why(decision, kb, denial: str | None = None) -> list[dict]:
    """Every denial's chain: denial <- rule (conditions, values, sources) <- findings <- rules.

    Parameters
    ----------
    decision : Decision
    kb : KnowledgeBase
    denial : str, optional
        Only denials concluded by this rule id.

    Returns
    -------
    list of dict, one per denial firing, in trace order.

    Raises UsageError for a ``denial`` that is no denial rule of the KB: a typo must not read
    as "that denial was not concluded".
    """
    if denial is not None:
        _known(denial, [r.id for r in kb.rules if r.conclusion == "denial"], "denial", "a denial rule id")
    out = []
    for f in decision.firings:
        if f.kind != "denial" or not f.new or (denial and f.rule != denial):
            continue
        r = kb.rules_by_id[f.rule]
        node = _explain_firing(f, decision, kb)
        d = r.denial
        payer = kb.payers.get(decision.facts.claim.get("claim.payer"))
        stage = payer.stage_for(d["stage"]) if payer is not None else d["stage"]
        node["denial"] = {"group": d["group"], "carc": d["carc"], "rarc": list(d["rarc"]), "stage": stage}
        out.append(node)
    return out


def render_why(claim_id: str, chains: list) -> str:
    """The why-chains as indented text."""
    out = [f"{claim_id}: {len(chains)} denial{'s' if len(chains) != 1 else ''}"]

    def node_lines(n, indent):
        for c in n["conditions"]:
            out.append(f"{indent}- {format_because(c)}")
        for fid in n["absent_findings"]:
            out.append(f"{indent}- no finding {fid}")
        for fd in n["findings"]:
            for j in fd["justifications"]:
                out.append(f"{indent}<- finding {fd['finding']} <- rule {j['rule']}: {j['explanation']}")
                node_lines(j, indent + "   ")

    for n in chains:
        where = f"line {n['line']}" if n["line"] else "claim"
        d = n["denial"]
        out.append("")
        out.append(f"denial {n['rule']} ({where}) {d['group']}-{d['carc']}: {n['title']}")
        out.append(f"  <- rule {n['rule']}: {n['explanation']}")
        node_lines(n, "     ")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- why-not

_GROUP_CARC = re.compile(r"^(CO|PR|OA|PI|CR)-?([0-9A-Z]{1,5})$")
_RARC = re.compile(r"^(M|MA|N)[0-9]{1,3}$")


def remittances(kb, rule, payer: str | None = None) -> set[tuple[str, str, tuple[str, ...]]]:
    """The (group, CARC, RARCs) a denial rule can send: for each payer in its scope (or only
    ``payer``), that payer's ``remittance`` override of the rule's own codes (kb/payers)."""
    d = rule.denial or {}
    own = {"group": d.get("group"), "carc": str(d.get("carc")), "rarc": list(d.get("rarc") or [])}
    scope = (rule.scope or {}).get("payers")
    ids = [payer] if payer else sorted(scope or kb.payers)
    out = set()
    for pid in ids or [None]:
        row = kb.payers[pid].remittance_for(rule.id) if pid in kb.payers else None
        code = {**own, **{k: row[k] for k in ("group", "carc", "rarc") if row and k in row}}
        out.add((code["group"], str(code["carc"]), tuple(code["rarc"] or ())))
    return out


def _matches(kb, rule, t: str, payer: str | None = None) -> bool:
    """Whether denial rule ``rule`` can send target ``t``: a CARC (``16``), a group and CARC
    (``CO-16``, ``CO16``) or a RARC (``M127``)."""
    u = t.upper()
    m = _GROUP_CARC.match(u)
    for group, carc, rarcs in remittances(kb, rule, payer):
        if (m and (group, carc) == m.groups()) or carc == u or (_RARC.match(u) and u in rarcs):
            return True
    return False


def target_names(kb) -> list[str]:
    """Every target ``paths`` / ``why-not`` accept: rule ids, finding ids, CARCs, group-CARCs and RARCs."""
    codes = {c for r in kb.rules if r.conclusion == "denial" for c in remittances(kb, r)}
    return (list(kb.rules_by_id) + list(kb.findings()) + sorted({c for _, c, _ in codes})
            + sorted({f"{g}-{c}" for g, c, _ in codes}) + sorted({x for _, _, rs in codes for x in rs}))


def candidate_rules(kb, target: str, payer: str | None = None) -> list:
    """Rules that conclude ``target``: a rule id, a finding id, a CARC (``16``), a group and
    CARC (``CO-16``) or a RARC (``M127``), as any payer (or ``payer``) would send it.

    Raises UsageError (exit 2, with a "did you mean") for a target the KB cannot conclude.
    """
    t = str(target).strip()
    if t in kb.rules_by_id:
        return [kb.rules_by_id[t]]
    found = [r for r in kb.rules if r.conclusion == "finding" and r.finding == t]
    if found:
        return found
    denials = [r for r in kb.rules if r.conclusion == "denial"]
    if any(_matches(kb, r, t) for r in denials):
        return [r for r in denials if _matches(kb, r, t, payer)]
    from denialkb.engine.errors import did_you_mean

    names = target_names(kb)
    hint = did_you_mean(t, names) or did_you_mean(t.upper(), names)
    raise UsageError([Problem("usage_error", f"unknown target '{t}'",
                              expected="a rule id, a finding id, a CARC (16), a group and CARC (CO-16) or a RARC "
                                       "(M127) the KB can produce",
                              hint=hint)])


def _scope_leaves(rule, decision, line_no) -> list:
    sc = rule.scope or {}
    c = decision.facts.claim
    ln = _lines(decision).get(line_no, {}) if line_no else {}
    out = []
    if sc.get("payers"):
        v = c.get("claim.payer")
        out.append({"fact": "claim.payer", "value": v, "condition": f"in {', '.join(sc['payers'])}",
                    "result": v in sc["payers"], "scope": True, "source": "claim.payer"})
    if rule.level == "line":
        idx = ln.get("line.index")
        for key, fact in (("codes", "line.code"), ("drugs", "line.drug")):
            if sc.get(key):
                v = ln.get(fact)
                d = {"fact": fact, "value": v, "condition": f"in {', '.join(sc[key])}", "result": v in sc[key],
                     "scope": True}
                if fact == "line.code":
                    d["source"] = f"claim.lines[{idx}].code"
                out.append(d)
    date_fact = "line.in_force_date" if rule.level == "line" else "claim.in_force_date"
    date = (ln if rule.level == "line" else c).get(date_fact)
    frm = sc.get("effective_from")
    frm = None if frm in (None, "unknown") else str(frm)
    to = sc.get("effective_to")
    if frm:
        out.append({"fact": date_fact, "value": date, "condition": f"ge {frm}", "result": date >= frm, "scope": True})
    if to:
        out.append({"fact": date_fact, "value": date, "condition": f"le {to}", "result": date <= str(to),
                    "scope": True})
    return out


def _units(rule, decision) -> list:
    if rule.level == "line":
        return [ln["line.number"] for ln in decision.facts.lines]
    return [None]


def _rule_attempt(rule, decision, kb, line_no, seen) -> dict:
    scope = _scope_leaves(rule, decision, line_no)
    res, conds = _leaf_dicts(rule, decision, kb, line_no, full=True)
    findings, sub = [], []
    for ref in finding_refs(rule.when):
        present = bool(_finding_keys(decision, ref.finding, line_no))
        held = present != ref.negated
        findings.append({"finding": ref.finding, "condition": "no_finding" if ref.negated else "finding",
                         "present": present, "result": held})
        if not held and not ref.negated and ref.finding not in seen:
            for fr in kb.rules:
                if fr.conclusion == "finding" and fr.finding == ref.finding:
                    for n in _units(fr, decision) if fr.level == "line" and line_no is None else [
                            line_no if fr.level == "line" else None]:
                        sub.append(_rule_attempt(fr, decision, kb, n, seen | {ref.finding}))
    key = fact_key("denial" if rule.conclusion == "denial" else "finding", rule.concludes, line_no)
    fired = any(f.rule == rule.id and f.line == line_no for f in decision.firings) or (
        key in decision.justifications and any(f.rule == rule.id for f in decision.firings_of(key)))
    failing = [d for d in scope + conds if d["result"] is not True] + [f for f in findings if not f["result"]]
    ln_facts = _lines(decision).get(line_no, {}) if line_no else {}
    n_fail = sum(1 for d in scope if d["result"] is not True) + unmet_count(
        strip_findings(rule.when), decision.facts.claim, ln_facts, kb.value_set, rule.level == "line") + sum(
        min((s["failing_leaves"] for s in sub if s["concludes"] == f["finding"]), default=1)
        for f in findings if not f["result"])
    return {"rule": rule.id, "title": rule.title, "line": line_no, "concludes": rule.concludes,
            "fired": fired, "result": True if fired else res if not failing else (None if res is None and not
                                                                                    [d for d in failing if d["result"] is False] else False),
            "failing_leaves": 0 if fired else n_fail,
            "scope": scope, "conditions": conds, "findings": findings, "finding_rules": sub}


def why_not(decision, kb, target: str) -> list[dict]:
    """For every rule that could conclude ``target``, on every line it could apply to:
    which conditions held and which failed (actual vs required), nearest miss first.

    Scope mismatches (payer, codes, drugs, dates) are failed conditions too; a finding the
    rule needs and that is absent brings the attempts of the rules that conclude it.
    """
    attempts = []
    for r in candidate_rules(kb, target):
        for n in _units(r, decision):
            attempts.append(_rule_attempt(r, decision, kb, n, frozenset()))
    # nearest first: fired, then rules whose scope fits this claim (payer, code, drug, dates),
    # then by how many conditions failed; a rule out of scope is never near
    for a in attempts:
        a["scope_failures"] = sum(1 for d in a["scope"] if d["result"] is not True)
    attempts.sort(key=lambda a: (a["fired"] is False, a["scope_failures"] > 0, a["failing_leaves"],
                                 kb.rules_by_id[a["rule"]].order, a["line"] or 0))
    return attempts


NEAREST = 5


def render_why_not(claim_id: str, target: str, attempts: list, show_all: bool = False) -> str:
    """The why-not attempts as text, nearest first: per rule and line, each condition marked
    met / not met / unknown with its sentence. Only the nearest ``NEAREST`` unless ``show_all``."""
    n = len(attempts)
    shown = attempts if show_all else attempts[:NEAREST]
    out = [f"{claim_id}: why not {target}? {n} way{'s' if n != 1 else ''} to conclude it"
           + ("" if len(shown) == n else f"; the nearest {len(shown)} (--all for every one)")]
    mark = {True: "met    ", False: "not met", None: "unknown"}

    def attempt_lines(a, indent):
        where = f"line {a['line']}" if a["line"] else "claim"
        if a["fired"]:
            status = "FIRED"
        elif a.get("scope_failures"):
            status = "does not apply to this claim"
        else:
            status = f"did not apply: {a['failing_leaves']} condition{'s' if a['failing_leaves'] != 1 else ''} not met"
        out.append(f"{indent}{a['rule']} ({where}): {a['title']} [{status}]")
        for d in a["scope"]:
            out.append(f"{indent}  {mark[d['result']]} scope: {format_leaf(d)}")
        for d in a["conditions"]:
            out.append(f"{indent}  {mark[d['result']]} {format_because(d)}")
        for f in a["findings"]:
            word = "no finding" if f["condition"] == "no_finding" else "finding"
            out.append(f"{indent}  {mark[f['result']]} {word} {f['finding']} "
                       f"({'present' if f['present'] else 'absent'})")
        for s in a["finding_rules"]:
            attempt_lines(s, indent + "    ")

    for a in shown:
        out.append("")
        attempt_lines(a, "")
    if len(shown) < n:
        rest = attempts[len(shown):]
        out.append("")
        out.append(f"{len(rest)} more: " + ", ".join(sorted({a['rule'] for a in rest})))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- paths

def describe_condition(cond, indent="") -> list[str]:
    """A condition tree in plain English, one line per leaf (``Leaf.describe``)."""
    if cond is None:
        return []
    if isinstance(cond, Leaf):
        return [f"{indent}{cond.describe()}"]
    if isinstance(cond, FindingRef):
        return [f"{indent}{cond.describe()}"]
    if isinstance(cond, Node):
        if cond.kind == "not":
            return [f"{indent}not:"] + describe_condition(cond.children[0], indent + "  ")
        if cond.kind == "any":
            out = [f"{indent}any of:"]
            for k in cond.children:
                out += describe_condition(k, indent + "  ")
            return out
        out = []
        for k in cond.children:
            out += describe_condition(k, indent)
        return out
    return []


def _in_filter(rule, payer, as_of) -> bool:
    sc = rule.scope or {}
    if payer and sc.get("payers") and payer not in sc["payers"]:
        return False
    if as_of:
        frm = sc.get("effective_from")
        frm = None if frm in (None, "unknown") else str(frm)
        to = sc.get("effective_to")
        if (frm and as_of < frm) or (to and as_of > str(to)):
            return False
    return True


def _scope_text(rule) -> list[str]:
    sc = rule.scope or {}
    out = []
    for k in ("payers", "codes", "drugs"):
        if sc.get(k):
            out.append(f"{k}: {', '.join(sc[k])}")
    if sc.get("effective_from") not in (None, "unknown"):
        out.append(f"from {sc['effective_from']}")
    if sc.get("effective_to"):
        out.append(f"to {sc['effective_to']}")
    return out


def _chains(kb, rule, payer, as_of, seen) -> list[list[dict]]:
    step = {"rule": rule.id, "title": rule.title, "concludes": rule.concludes, "scope": _scope_text(rule),
            "conditions": describe_condition(strip_findings(rule.when)),
            "absent_findings": [f.finding for f in finding_refs(rule.when) if f.negated]}
    if rule.conclusion == "denial":
        d = rule.denial
        step["remittance"] = f"{d['group']}-{d['carc']}" + (f" + {', '.join(d['rarc'])}" if d["rarc"] else "")
    alternatives = []
    for ref in finding_refs(rule.when):
        if ref.negated:
            continue
        subs = []
        if ref.finding not in seen:
            for fr in kb.rules:
                if fr.conclusion == "finding" and fr.finding == ref.finding and _in_filter(fr, payer, as_of):
                    subs.extend(_chains(kb, fr, payer, as_of, seen | {ref.finding}))
        if not subs:
            return []
        alternatives.append(subs)
    out = []
    for combo in itertools.product(*alternatives):
        chain = [step]
        for sub in combo:
            chain = chain + sub
        out.append(chain)
    return out


def paths(kb, target: str, payer: str | None = None, as_of: str | None = None) -> list[list[dict]]:
    """From the KB alone, every chain of rules leading to ``target`` (rule id, finding id or CARC).

    Each chain is a list of steps, the concluding rule first, then the rules deriving the
    findings it needs. ``payer`` and ``as_of`` keep only rules in that payer's scope and in
    force on that date. An unknown ``payer`` is a UsageError (a typo must not read as every payer).
    """
    if payer is not None:
        _known(payer, sorted(kb.payers), "payer", "a payer profile id")
    out = []
    for r in candidate_rules(kb, target, payer):
        if _in_filter(r, payer, as_of):
            out.extend(_chains(kb, r, payer, as_of, frozenset()))
    return out


def render_paths(target: str, chains: list) -> str:
    """Chains in plain English."""
    out = [f"{len(chains)} way{'s' if len(chains) != 1 else ''} to {target}"]
    for i, chain in enumerate(chains, 1):
        out.append("")
        for j, s in enumerate(chain):
            lead = f"{i}. " if j == 0 else "   needs finding " + s["concludes"] + " from "
            rem = f" -> {s['remittance']}" if s.get("remittance") else ""
            out.append(f"{lead}{s['rule']}: {s['title']}{rem}")
            pad = "     "
            if s["scope"]:
                out.append(f"{pad}applies to {'; '.join(s['scope'])}")
            out.append(f"{pad}when:")
            for c in s["conditions"]:
                out.append(f"{pad}  {c}")
            for f in s["absent_findings"]:
                out.append(f"{pad}  no finding {f}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- what-if

MAX_SET_CHARS = 65_536


def parse_assignment(text: str) -> tuple[str, object]:
    """``PATH=VALUE`` with VALUE read as a YAML scalar or flow collection."""
    if "=" not in text:
        raise UsageError([Problem("usage_error", f"--set '{text}': expected PATH=VALUE",
                                  expected="e.g. claim.lines[0].units=420")])
    path, raw = text.split("=", 1)
    if len(raw) > MAX_SET_CHARS:
        raise UsageError([Problem("usage_error", f"--set {path}: value is {len(raw)} characters long",
                                  expected=f"at most {MAX_SET_CHARS} characters")])
    try:
        # the bounded loader claim files use: no aliases (billion laughs), depth and size limits
        value = parse_yaml(raw, f"--set {path.strip()}", "usage_error").data if raw.strip() else None
    except LoadError as e:
        raise UsageError([e.problem]) from None
    return path.strip(), _iso(value)


def _iso(v):
    """YAML dates as ISO strings, as claim documents hold them (also inside flow collections)."""
    if isinstance(v, dict):
        return {k: _iso(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_iso(x) for x in v]
    return v.isoformat() if hasattr(v, "isoformat") else v


def patch_document(doc: ClaimDocument, sets=(), unsets=()) -> ClaimDocument:
    """A validated copy of ``doc`` with ``sets`` [(path, value)] and ``unsets`` [path] applied.

    Raises UsageError for a path that cannot be read or reached, ClaimInvalidError when the
    result is not a valid claim document (located by path).
    """
    from denialkb.engine.cases import set_path, unset_path

    data = copy.deepcopy(doc.data)
    for path, value in sets:
        try:
            set_path(data, path, value)
        except ValueError as e:
            raise UsageError([Problem("usage_error", f"--set {e}", doc.file, place=path)]) from None
    for path in unsets:
        try:
            unset_path(data, path)
        except ValueError as e:
            raise UsageError([Problem("usage_error", f"--unset {e}", doc.file, place=path)]) from None
    return validate_claim(data, doc.file + " (changed)")


def _dkey(d) -> str:
    return f"{d['id']}@line:{d['line']}" if d["line"] else d["id"]


def what_if(decider, doc: ClaimDocument, sets=(), unsets=(), as_of=None) -> dict:
    """Decide ``doc`` and its changed copy; report denials added and removed with explanations."""
    before = decider.check_document(doc, as_of)
    after = decider.check_document(patch_document(doc, sets, unsets), as_of)
    b = {_dkey(d): d for d in before["denials"]}
    a = {_dkey(d): d for d in after["denials"]}
    pick = ("id", "line", "group", "carc", "explanation")
    return {"claim_id": before["claim_id"],
            "changes": [{"set": p, "value": v} for p, v in sets] + [{"unset": p} for p in unsets],
            "outcome_before": before["outcome"], "outcome_after": after["outcome"],
            "added": [{k: a[x][k] for k in pick} for x in a if x not in b],
            "removed": [{k: b[x][k] for k in pick} for x in b if x not in a],
            "unchanged": [x for x in b if x in a], "record": after}


def render_what_if(res: dict) -> str:
    out = [f"{res['claim_id']}: {res['outcome_before']} -> {res['outcome_after']}"]
    for c in res["changes"]:
        if "set" in c:
            val = yaml.safe_dump(c["value"], default_flow_style=True, width=10**6).strip()
            val = val[:-4] if val.endswith("\n...") else val
            out.append(f"  change: set {c['set']} = {val}")
        else:
            out.append(f"  change: unset {c['unset']}")
    for word in ("removed", "added"):
        for d in res[word]:
            where = f"line {d['line']}" if d["line"] else "claim"
            out.append(f"  {word} {d['id']} ({where}) {d['group']}-{d['carc']}: {d['explanation']}")
    for k in res["unchanged"]:
        out.append(f"  still denied: {k}")
    for m in res["record"]["missing_information"]:
        out.append(f"  missing information: {m['fact']} [{m['source']}], needed by {', '.join(m['needed_by'])}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- fix

def _doc_path(src: str) -> str | None:
    """A fact source that names exactly one place in the document, else None."""
    if not src or any(ch in src for ch in " */") or src.startswith(("computed", "kb")) or "[-1]" in src:
        return None
    return src


def _candidates(leaf: dict, rule, line_no, decision, kb) -> list:
    """Changes (lists of (path, value, label)) that could make a holding leaf fail."""
    cat = fact_catalog(kb)
    ln = _lines(decision).get(line_no, {}) if line_no else {}
    idx = ln.get("line.index")
    fact, cond, value = leaf["fact"], leaf["condition"], leaf["value"]
    op = cond.split()[0]
    negated = bool(leaf.get("negated"))
    out = []
    if fact in ("line.has_jz", "line.has_jw"):
        mod = "JZ" if fact == "line.has_jz" else "JW"
        mods = list(ln.get("line.modifiers") or [])
        new = [m for m in mods if m != mod] if value else mods + [mod]
        verb = "remove" if value else "add"
        out.append([(f"claim.lines[{idx}].modifiers", new, f"{verb} modifier {mod}", "correct_modifier")])
        # a separate waste line (another line bills the same code that day) may go; the administered line never
        if mod == "JW" and value and ln.get("line.code") in (ln.get("line.same_day_codes") or ()):
            out.append([(f"claim.lines[{idx}]", None, f"remove the JW line {ln.get('line.number')}",
                         "correct_modifier")])
        return out
    if fact in ("line.code_drug", "line.ndc_drug", "line.code_valid_on_dos") and idx is not None:
        # correct the code: every code of the KB HCPCS table for the drug given, units recomputed
        cw = (leaf.get("compared_with") or {}).get("value") if fact == "line.code_drug" else None
        drug = cw or ln.get("line.ndc_drug") or decision.facts.claim.get("documentation.drug") or ln.get("line.drug")
        dose = ln.get("line.dose_mg") or decision.facts.claim.get("documentation.dose_mg")
        form = decision.facts.claim.get("claim.form")
        for code, row in sorted(kb.hcpcs.items()):
            if row.get("drug") != drug or code == ln.get("line.code") or not row.get("unit_mg"):
                continue
            # the table's setting column: a hospital-outpatient code (e.g. C9292) only on an institutional claim.
            # No rule reads that column (docs/coverage.md gap c9292-outpatient-only), so verifying the patched
            # claim would not catch it: it must not become a candidate.
            if row.get("setting") == "hospital_outpatient" and form != "institutional":
                continue
            ch = [(f"claim.lines[{idx}].code", code, f"bill {code} ({row.get('descriptor')})", "correct_coding")]
            units = -(-dose // row["unit_mg"]) if dose else None
            if units and int(units) != ln.get("line.units"):
                ch.append((f"claim.lines[{idx}].units", int(units), f"{int(units)} units of {row['unit_mg']} mg",
                           "correct_units"))
            out.append(ch)
        return out
    if fact == "line.units" and "compared_with" in leaf and leaf["compared_with"]["value"] is not None:
        # billing less than the record supports is not a correction (it only hides the denial)
        if ln.get("line.expected_units") is not None and leaf["compared_with"]["value"] < ln["line.expected_units"]:
            return out
        out.append([(f"claim.lines[{idx}].units", leaf["compared_with"]["value"],
                     f"bill {leaf['compared_with']['fact']} = {leaf['compared_with']['value']} units",
                     "correct_units")])
        return out
    if fact in ("line.auth_status", "line.prior_auth_required") or fact == "line.auth_units_remaining":
        number = "PA-NEW"
        code, date, units = ln.get("line.code"), ln.get("line.service_date"), ln.get("line.units")
        return [[("authorizations[+]", {"number": number, "code": code, "units": units, "start_date": date,
                                         "end_date": date}, f"obtain an authorization for {code} on {date}",
                  "obtain_authorization"),
                 ("claim.prior_authorization", number, "report the authorization number on the claim",
                  "obtain_authorization")]]
    spec = cat.get(fact)
    src = fact_source(fact, idx, cat)
    if spec is not None and len(spec.inputs) == 1 and spec.inputs[0].startswith("{adm}") and idx is not None:
        src = resolve_input(spec.inputs[0], decision.facts, idx)  # the administration of the line's drug
    src = _doc_path(src)
    if src is None:
        return out
    if fact.startswith("clinical.") or src.startswith("clinical."):
        kind = "clinical"
    elif fact.startswith("documentation.") or src.startswith("documentation."):
        kind = "add_documentation"
    else:
        kind = rule.get("remedy_kind") or "correct_coding"
    want_false = not negated
    if op == "missing" and want_false or op == "exists" and not want_false:
        placeholder = {"bool": True, "num": 1, "int": 1}.get(spec.type if spec else "", None)
        if spec and isinstance(spec.values, tuple):
            placeholder = spec.values[0]
        if placeholder is None:
            placeholder = "DOCUMENTED"
        out.append([(src, placeholder, f"supply {src} (as the record shows it)", kind)])
    elif op == "exists" and want_false or op == "missing" and not want_false:
        # only what was billed may be taken back; what the record documents is never un-documented
        if src.startswith("claim."):
            out.append([(src, None, f"remove {src}", kind)])
    elif op in ("eq", "ne", "in", "not_in") and "compared_with" not in leaf:
        pool = []
        if isinstance(value, bool):
            pool = [not value]
        elif spec and isinstance(spec.values, tuple):
            pool = [v for v in spec.values if v != value]
        for v in pool:
            out.append([(src, v, f"set {src} to {format_value(v)}", kind)])
    elif op in ("gt", "ge", "ne") and "compared_with" in leaf and leaf["compared_with"]["value"] is not None:
        out.append([(src, leaf["compared_with"]["value"], f"set {src} to {leaf['compared_with']['fact']}", kind)])
    return out


def _apply(doc, changes) -> ClaimDocument:
    from denialkb.engine.cases import set_path, unset_path

    data = copy.deepcopy(doc.data)
    for path, value, _label, _kind in changes:
        if path == "authorizations[+]":
            data.setdefault("authorizations", [])
            data["authorizations"] = list(data["authorizations"] or []) + [value]
        elif value is None:
            unset_path(data, path)
        else:
            set_path(data, path, value)
    return validate_claim(data, doc.file)


def _denial_leaves(rule, decision, kb, line_no, seen=frozenset()) -> list:
    """Holding leaves of a concluding rule and of the rules that justified its findings."""
    out = [(rule, line_no, d) for d in _leaf_dicts(rule, decision, kb, line_no)[1] if d["result"] is True]
    for ref in finding_refs(rule.when):
        if ref.negated or ref.finding in seen:
            continue
        for key in _finding_keys(decision, ref.finding, line_no):
            for f in decision.firings_of(key):
                out += _denial_leaves(kb.rules_by_id[f.rule], decision, kb, f.line, seen | {ref.finding})
    return out


def fix(decider, doc: ClaimDocument, as_of=None, max_size: int = 2) -> dict:
    """For each denial, the smallest verified sets of changes that clear it without raising another.

    Candidates come from the holding leaves of the denial rule and its findings' rules,
    mapped back to document paths; each set is verified by deciding the patched document.
    Clinical facts (``clinical.*``) and rules with ``remedy_kind`` clinical / not_billable are
    never proposed: for those the answer is that the claim should not be billed this way.
    """
    kb = decider.kb
    decision = decider.decide(doc, as_of)
    record = build_record(decision, kb, doc)
    original = {_dkey(d) for d in record["denials"]}
    results = []
    for d in record["denials"]:
        rule = kb.rules_by_id[d["id"]]
        entry = {"denial": d["id"], "line": d["line"], "remedy_kind": rule.get("remedy_kind"),
                 "remedy": d["remedy"], "fixes": [], "clinical": [], "advice": ""}
        if rule.get("remedy_kind") in CLINICAL_KINDS:
            entry["advice"] = (f"not correctable on the claim ({rule.get('remedy_kind')}): do not bill it this way. "
                               + d["remedy"])
            results.append(entry)
            continue
        cands, clinical = [], []
        for r, n, leaf in _denial_leaves(rule, decision, kb, d["line"]):
            for ch in _candidates(leaf, r, n, decision, kb):
                if any(k == "clinical" for *_x, k in ch):
                    clinical.append({"fact": leaf["fact"], "value": leaf["value"], "source": leaf.get("source")})
                    continue
                if ch not in cands:
                    cands.append(ch)
        entry["clinical"] = [c for i, c in enumerate(clinical) if c not in clinical[:i]]
        found = []
        for size in range(1, max_size + 1):
            for combo in itertools.combinations(cands, size):
                changes = [c for ch in combo for c in ch]
                try:
                    new = decider.check_document(_apply(doc, changes), as_of)
                except Exception:  # noqa: BLE001 - a candidate that makes the document invalid is dropped
                    continue
                keys = {_dkey(x) for x in new["denials"]}
                if _dkey(d) in keys or keys - original:
                    continue
                found.append({"changes": [{"path": p, "value": v, "change": lbl, "kind": k}
                                          for p, v, lbl, k in changes],
                              "outcome_after": new["outcome"], "denials_after": sorted(keys)})
            if found:
                break
        entry["fixes"] = found
        if not found:
            entry["advice"] = ("no verified correction on the claim; "
                               + ("the clinical facts above cannot honestly change: do not bill it this way "
                                  "unless the record really documents otherwise. " if entry["clinical"] else "")
                               + d["remedy"])
        results.append(entry)
    return {"claim_id": record["claim_id"], "outcome": record["outcome"], "denials": results}


def render_fix(res: dict) -> str:
    out = [f"{res['claim_id']}: {res['outcome'].upper()}"]
    if not res["denials"]:
        out.append("  nothing to fix")
    for e in res["denials"]:
        where = f"line {e['line']}" if e["line"] else "claim"
        out.append("")
        out.append(f"  {e['denial']} ({where}), remedy kind {e['remedy_kind']}")
        for i, f in enumerate(e["fixes"], 1):
            out.append(f"    fix {i} (verified: {f['outcome_after']}"
                       + (f", still: {', '.join(f['denials_after'])}" if f["denials_after"] else "") + "):")
            for c in f["changes"]:
                val = "(removed)" if c["value"] is None else format_value(c["value"]) if not isinstance(
                    c["value"], dict) else ", ".join(f"{k}: {v}" for k, v in c["value"].items())
                out.append(f"      - [provider-correctable: {c['kind']}] {c['change']}: {c['path']} = {val}")
        for c in e["clinical"]:
            out.append(f"    clinical fact, not changed: {c['fact']} = {format_value(c['value'])}"
                       + (f" [{c['source']}]" if c.get("source") else ""))
        if e["advice"]:
            out.append(f"    {e['advice']}")
    return "\n".join(out) + "\n"
