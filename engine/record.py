"""Decision records (FORMATS.md section 2) and their text form for people.

Everything here is computed from the plain trace (:class:`~denialkb.engine.trace.Decision`)
and the rules as data: explanation text is each rule's template filled with the facts
it bound, never per-rule Python.
"""

from __future__ import annotations

import json

from denialkb.engine._experta import EXPERTA_VERSION
from denialkb.engine.conditions import explain_condition, finding_refs, format_value, strip_findings
from denialkb.engine.facts import (
    collapse_paths,
    fact_catalog,
    fact_source,
    missing_inputs,
    resolve_input,
)
from denialkb.engine.kb import TEMPLATE_RE, KnowledgeBase
from denialkb.engine.sentences import leaf_sentence
from denialkb.engine.trace import Decision, fact_key

# the order denials are listed in within a line; prior_authorization and medical_review are
# format version 2 (FORMATS.md section 3)
STAGES = ("front_end", "adjudication", "prior_authorization", "medical_review", "post_payment_review")


def fill_template(template: str, claim: dict, line: dict) -> str:
    """Replace ``{fact.name}`` placeholders with formatted fact values."""
    def sub(m):
        name = m.group(1)
        src = line if name.startswith("line.") or name in line else claim  # dated payer settings: per line
        return format_value(src.get(name)) if name in src else m.group(0)
    return TEMPLATE_RE.sub(sub, template)


def rule_applies(rule, facts) -> bool:
    """Whether the rule's scope (payers, codes, drugs, dates) fits some part of this claim."""
    sc = rule.scope
    c = facts.claim
    if sc.get("payers") and c.get("claim.payer") not in sc["payers"]:
        return False
    frm = sc.get("effective_from")
    frm = None if frm in (None, "unknown") else frm
    to = sc.get("effective_to")

    def dated(d):
        return not ((frm and d < frm) or (to and d > to))

    if rule.level == "claim":
        return dated(c["claim.in_force_date"])
    for ln in facts.lines:
        if sc.get("codes") and ln["line.code"] not in sc["codes"]:
            continue
        if sc.get("drugs") and ln["line.drug"] not in sc["drugs"]:
            continue
        if dated(ln["line.in_force_date"]):
            return True
    return False


def _finding_dependencies(kb: KnowledgeBase) -> dict:
    """For each denial rule, every finding it depends on (directly or through other findings).
    Computed once per KB."""
    cached = getattr(kb, "_denial_deps", None)
    if cached is not None:
        return cached
    direct = {}
    for r in kb.rules:
        direct.setdefault(r.concludes, set()).update(ref.finding for ref in finding_refs(r.when))
    deps = {}
    for r in kb.rules:
        if r.conclusion != "denial":
            continue
        seen, todo = set(), [ref.finding for ref in finding_refs(r.when)]
        while todo:
            f = todo.pop()
            if f not in seen:
                seen.add(f)
                todo.extend(direct.get(f, ()))
        deps[r.id] = seen
    kb._denial_deps = deps
    return deps


def denial_relevant_findings(kb: KnowledgeBase, facts=None) -> set:
    """Findings that can change a denial (used, directly or through other findings) that
    can apply to this claim (all denials when ``facts`` is None)."""
    out: set = set()
    for rid, fs in _finding_dependencies(kb).items():
        if facts is None or rule_applies(kb.rules_by_id[rid], facts):
            out |= fs
    return out


class _Builder:
    def __init__(self, decision: Decision, kb: KnowledgeBase):
        self.d = decision
        self.kb = kb
        self.cat = fact_catalog(kb)
        self.lines = {ln["line.number"]: ln for ln in decision.facts.lines}

    def line_facts(self, n):
        return self.lines.get(n, {}) if n else {}

    def because(self, rule, line_no) -> list:
        ln = self.line_facts(line_no)
        idx = ln.get("line.index")
        _, leaves = explain_condition(strip_findings(rule.when), self.d.facts.claim, ln, self.kb.value_set,
                                      rule.level == "line")
        out = []
        for lf in leaves:
            item = lf.to_dict()
            item.pop("result", None)
            item["text"] = leaf_sentence(lf, self.cat)  # workpaper sentence (engine/sentences.py)
            src = fact_source(lf.fact, idx, self.cat)
            spec = self.cat.get(lf.fact)
            adm = self.d.facts.adm_places[idx] if idx is not None and idx < len(self.d.facts.adm_places) else None
            v2 = self.d.facts.claim.get("claim.format_version") == 2
            # version 1 keeps the sources it had; the per-drug facts version 2 added name their entry
            if adm is not None and spec is not None and (v2 or spec.source.startswith("administrations (")) and len(spec.inputs) == 1 and spec.inputs[0].startswith("{adm}"):
                src = resolve_input(spec.inputs[0], self.d.facts, idx)  # where this line's drug is documented
            if src:
                item["source"] = src
            out.append(item)
        for ref in finding_refs(rule.when):
            if ref.negated:
                out.append({"finding": ref.finding, "condition": "no_finding"})
        return out

    def derived_from(self, rule, line_no, seen=None) -> list:
        """Findings in the chain below a conclusion, nearest first, each once."""
        seen = [] if seen is None else seen
        for ref in finding_refs(rule.when):
            if ref.negated:
                continue
            for key in self.finding_keys(ref.finding, line_no):
                fid = key.split(":", 1)[1].split("@")[0]
                if fid not in seen:
                    seen.append(fid)
                for f in self.d.firings_of(key):
                    self.derived_from(self.kb.rules_by_id[f.rule], f.line, seen)
        return seen

    def finding_keys(self, fid, line_no) -> list:
        keys = []
        if line_no and fact_key("finding", fid, line_no) in self.d.justifications:
            keys.append(fact_key("finding", fid, line_no))
        if fact_key("finding", fid, None) in self.d.justifications:
            keys.append(fact_key("finding", fid, None))
        if not line_no and not keys:
            keys = sorted(k for k in self.d.justifications if k.startswith(f"finding:{fid}@"))
        return keys


def _liability_shift(payer, denial: dict, ln: dict) -> dict | None:
    """The payer's liability row that applies to a denial on a line (FORMATS.md section 3, ``abn``): the line
    carries one of its modifiers (GA), the denial's CARC is one of its CARCs (50), and, when the row asks,
    a signed ABN for the line's code is on file (``line.abn_on_file`` true; absent is not true). None otherwise."""
    if payer is None or not ln:
        return None
    from denialkb.engine.facts.helpers import in_force

    mods = set(ln.get("line.modifiers") or ())
    date = ln.get("line.in_force_date") or ln.get("line.service_date") or ""
    for row in payer.raw.get("liability", []) or []:
        if (mods & set(row["modifiers"]) and denial["carc"] in row["carcs"] and in_force(row, date)
                and (not row.get("abn_on_file") or ln.get("line.abn_on_file") is True)):
            return row
    return None


def build_record(decision: Decision, kb: KnowledgeBase, doc=None) -> dict:
    """The decision record of one claim, as a JSON-ready dict (FORMATS.md section 2)."""
    b = _Builder(decision, kb)
    c = decision.facts.claim
    denials = []
    stage_ix = {s: i for i, s in enumerate(STAGES)}
    for f in decision.firings:
        if f.kind != "denial" or not f.new:
            continue
        r = kb.rules_by_id[f.rule]
        d = r.denial
        ln = b.line_facts(f.line)
        payer = kb.payers.get(c.get("claim.payer"))
        over = payer.remittance_for(r.id) if payer is not None else None
        if over:  # the payer sends other codes for this denial (kb/payers remittance rows)
            d = {**d, **{k: over[k] for k in ("group", "carc", "rarc") if k in over}}
        shift = _liability_shift(payer, d, ln)
        group_before = d["group"]
        if shift:  # GA with a signed ABN on file: the patient is liable (kb/payers liability rows)
            over = {**(over or {}), "sources": list((over or {}).get("sources", [])) + list(shift["sources"])}
            d = {**d, "group": shift["group"]}
        if payer is not None:  # a stage role (clinical_review) is where this payer applies it
            d = {**d, "stage": payer.stage_for(d["stage"])}
        denials.append({
            "id": r.id,
            "title": r.title,
            "line": f.line,
            "stage": d["stage"],
            "group": d["group"],
            "carc": d["carc"],
            "rarc": list(d["rarc"]),
            "explanation": fill_template(r.explanation, c, ln),
            "because": b.because(r, f.line),
            "derived_from": b.derived_from(r, f.line),
            "remedy": fill_template(r.remedy, c, ln),
            "sources": list(r.sources) + [x for x in (over or {}).get("sources", []) if x not in r.sources],
            "confidence": r.confidence,
            "amount_at_risk": _amount_at_risk(decision.facts, f.line),
        })
        if shift:  # said in the record: which group the rule gave, and why the payer's liability row changed it
            denials[-1]["liability"] = {
                "group_before": group_before,
                "modifiers": [m for m in shift["modifiers"] if m in (ln.get("line.modifiers") or ())],
                "abn_on_file": ln.get("line.abn_on_file") is True, "note": shift.get("note", "")}
    denials.sort(key=lambda x: (x["line"] or 0, stage_ix.get(x["stage"], len(STAGES)), kb.rules_by_id[x["id"]].order))
    findings = []
    for key in sorted(k for k in decision.justifications if k.startswith("finding:")):
        fid = key.split(":", 1)[1].split("@")[0]
        line = int(key.rsplit(":", 1)[1]) if "@line:" in key else None
        just = []
        for f in decision.firings_of(key):
            r = kb.rules_by_id[f.rule]
            just.append({"rule": r.id, "explanation": fill_template(r.explanation, c, b.line_facts(f.line)),
                         "because": b.because(r, f.line), "derived_from": b.derived_from(r, f.line)})
        findings.append({"id": fid, "line": line, "because": just[0]["because"], "justifications": just})
    findings.sort(key=lambda x: (x["line"] or 0, x["id"]))
    relevant = denial_relevant_findings(kb, decision.facts) if decision.unknowns else set()
    missing: dict = {}
    kb_gaps: dict = {}  # (line, KB table) -> {"facts": set, "rules": set}
    for u in decision.unknowns:
        r = kb.rules_by_id[u.rule]
        if r.conclusion == "finding" and r.finding not in relevant:
            continue
        ln = b.line_facts(u.line)
        idx = ln.get("line.index")
        wanted = []
        for fact in u.missing:
            # name what a user can supply: an input fact is its own document path; a computed
            # fact becomes the absent inputs it is computed from (the registry declares them)
            spec = b.cat.get(fact)
            if spec is not None and spec.source and fact_source(fact, idx, b.cat) == fact:
                names = [fact]
            else:
                names = missing_inputs(fact, decision.facts, idx, b.cat)
            wanted.append((fact, names))
        # a value the KB itself lacks (a product without a container or vial sizes) is out of the KB's scope, not
        # information the claim's sender can supply: the rule is silent with a warning, never "undetermined"
        gaps = [(fact, n) for fact, names in wanted for n in names if n.startswith("kb:")]
        if gaps:
            for fact, name in gaps:
                gap = kb_gaps.setdefault((u.line, name), {"facts": set(), "rules": set()})
                gap["facts"].add(fact)
                gap["rules"].add(r.id)
            continue
        for fact, names in wanted:
            for name in names:
                if name == fact:
                    entry = missing.setdefault(name, {"fact": name, "source": fact_source(fact, idx, b.cat),
                                                      "needed_by": []})
                else:
                    entry = missing.setdefault(name, {"fact": name, "source": name, "needed_by": []})
                    if fact not in entry.setdefault("derived_facts", []):
                        entry["derived_facts"].append(fact)
                tag = r.id + (f"@line:{u.line}" if u.line else "")
                if tag not in entry["needed_by"]:
                    entry["needed_by"].append(tag)
    for name in [k for k in missing if k not in collapse_paths(list(missing))]:
        # an input under another missing one (clinical.lvef[0].date under clinical.lvef) joins it
        gone = missing.pop(name)
        top = next(k for k in missing if name.startswith(k + ".") or name.startswith(k + "["))
        for tag in gone["needed_by"]:
            if tag not in missing[top]["needed_by"]:
                missing[top]["needed_by"].append(tag)
        for f in gone.get("derived_facts", [gone["fact"]] if gone["fact"] != name else []):
            if f not in missing[top].setdefault("derived_facts", []):
                missing[top]["derived_facts"].append(f)
    for entry in missing.values():
        if "derived_facts" in entry:
            entry["derived_facts"].sort()
    missing_list = [missing[k] for k in sorted(missing)]
    warnings = list(decision.facts.warnings) + _kb_gap_warnings(kb_gaps, b)
    outcome = "denied" if denials else ("undetermined" if missing_list else "clean")
    return {
        "claim_id": decision.claim_id,
        "kb_version": decision.kb_version,
        "engine": decision.engine or {"name": "experta", "version": EXPERTA_VERSION},
        "evaluated_as_of": decision.evaluated_as_of,
        "outcome": outcome,
        "payer": c.get("claim.payer"),
        "denials": denials,
        "findings": findings,
        "missing_information": missing_list,
        "warnings": warnings,
        "amount_at_risk": _total_at_risk(decision.facts, denials),
        "trace": [f.to_dict() for f in decision.firings],
    }


def _kb_gap_warnings(gaps: dict, b) -> list:
    """One warning per line and KB table whose missing value left rules unevaluated (silent, not undetermined)."""
    out = []
    for (line, table), gap in sorted(gaps.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        ln = b.line_facts(line) if line else {}
        idx = ln.get("line.index")
        place = f"claim.lines[{idx}]" if idx is not None else "claim"
        what = f"line {line} ({ln.get('line.code')})" if line else "the claim"
        out.append({"code": "kb_value_not_modelled", "place": place,
                    "message": f"{what}: this knowledge base does not hold {', '.join(sorted(gap['facts']))} "
                               f"({table.split(':', 1)[1]}), so " + (
                                   f"rule {rules[0]} was" if len(rules := sorted(gap["rules"])) == 1
                                   else f"rules {', '.join(rules)} were")
                               + " not evaluated (out of the KB's scope, not a problem with the claim)"})
    return out


def _line_amount(ln: dict):
    """What a denial of the line puts at risk: its paid amount when known, else its charge."""
    v = ln.get("line.paid_amount")
    if v is None:
        v = ln.get("line.charge")
    return None if v is None else round(float(v), 2)


def _amount_at_risk(facts, line_no):
    """``amount_at_risk`` of one denial: the line's amount; for a claim-level denial, the sum over
    every line (null when any line's amount is unknown)."""
    lines = facts.lines if not line_no else [ln for ln in facts.lines if ln["line.number"] == line_no]
    amounts = [_line_amount(ln) for ln in lines]
    if not amounts or any(a is None for a in amounts):
        return None
    return round(sum(amounts), 2)


def _total_at_risk(facts, denials):
    """The claim's amount at risk: each denied line counted once (every line when a claim-level
    denial holds); 0 without denials, null when a denied line's amount is unknown."""
    if not denials:
        return 0
    if any(not d["line"] for d in denials):
        return _amount_at_risk(facts, None)
    amounts = [_amount_at_risk(facts, n) for n in sorted({d["line"] for d in denials})]
    return None if any(a is None for a in amounts) else round(sum(amounts), 2)


def to_json(records) -> str:
    """Stable JSON text: one object for one record, an array for several."""
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- text

def format_leaf(d: dict) -> str:
    """One condition for a person: fact, actual value, the condition, and where the value came from.

    >>> format_leaf({"fact": "line.units", "value": 840, "condition": "gt line.expected_units",
    ...              "compared_with": {"fact": "line.expected_units", "value": 420}, "source": "claim.lines[0].units"})
    'line.units = 840 (gt line.expected_units = 420)  [claim.lines[0].units]'
    """
    def show(v):
        return "true" if v is True else "false" if v is False else format_value(v)

    cond = d["condition"]
    if cond in ("missing", "exists"):
        s = f"{d['fact']} {'is absent' if d['value'] is None else '= ' + show(d['value'])} ({cond})"
    elif "compared_with" in d:
        cw = d["compared_with"]
        s = f"{d['fact']} = {show(d['value'])} ({cond.split()[0]} {cw['fact']} = {show(cw['value'])})"
    else:
        s = f"{d['fact']} = {show(d['value'])} ({cond})"
    if d.get("negated") or d.get("text", "").startswith("not: "):
        s = "not: " + s
    if d.get("source"):
        s += f"  [{d['source']}]"
    return s


def format_because(d: dict) -> str:
    """One condition as a workpaper sentence with where the value came from; engine notation
    (:func:`format_leaf`) when the item has no sentence.

    >>> format_because({"fact": "line.units", "value": 840, "condition": "gt line.expected_units",
    ...                 "text": "the billed units (840) are greater than the units the record supports (420)",
    ...                 "source": "claim.lines[0].units"})
    'the billed units (840) are greater than the units the record supports (420)  [claim.lines[0].units]'
    """
    if not d.get("text") or d["text"].startswith("not: ") or d["text"].startswith(d.get("fact", "\0") + " "):
        return format_leaf(d)
    src = d.get("source")
    return d["text"] + (f"  [{src}]" if src else "")


def _because_lines(items, indent) -> list:
    out = []
    for it in items:
        if "finding" in it:
            out.append(f"{indent}- no finding {it['finding']}")
        else:
            out.append(f"{indent}- {format_because(it)}")
    return out


def render_text(record: dict) -> str:
    """The decision record for a person: outcome, then each denial with its chain of reasons."""
    out = []
    n = len(record["denials"])
    head = f"{record['claim_id']}: {record['outcome'].upper()}"
    if n:
        head += f" ({n} denial{'s' if n != 1 else ''})"
    out.append(head)
    out.append(f"  payer {record.get('payer')}, evaluated as of {record['evaluated_as_of']}, kb {record['kb_version'][:19]}")
    findings = {(f["id"], f["line"]): f for f in record["findings"]}
    for i, d in enumerate(record["denials"], 1):
        where = f"line {d['line']}" if d["line"] else "claim"
        out.append("")
        out.append(f"  {i}. {d['id']} ({where}): {d['title']}")
        rarc = f" + {', '.join(d['rarc'])}" if d["rarc"] else ""
        out.append(f"     {d['stage'].replace('_', ' ')}: {d['group']}-{d['carc']}{rarc}")
        out.append(f"     Denied because {d['explanation']}")
        out.extend(_because_lines(d["because"], "       "))
        for fid in d["derived_from"]:
            f = findings.get((fid, d["line"])) or findings.get((fid, None)) or next(
                (v for k, v in findings.items() if k[0] == fid), None)
            if f is None:
                continue
            for j in f["justifications"]:
                out.append(f"       because {fid} ({j['rule']}): {j['explanation']}")
                out.extend(_because_lines(j["because"], "         "))
        out.append(f"     Remedy: {d['remedy']}")
        out.append(f"     Sources: {'; '.join(d['sources'])}")
    if record["missing_information"]:
        out.append("")
        out.append("  Missing information (would decide it):")
        for m in record["missing_information"]:
            src = f" [{m['source']}]" if m.get("source") and not m["source"].startswith(("computed", "kb ")) else ""
            out.append(f"    - {m['fact']}{src}: needed by {', '.join(m['needed_by'])}")
    if record.get("warnings"):
        out.append("")
        out.append("  Warnings (outside what the knowledge base models; not reasons to deny):")
        for w in record["warnings"]:
            out.append(f"    - {w['place']}: {w['message']}" if w.get("place") else f"    - {w['message']}")
    if record["outcome"] == "clean":
        out.append("  No denial found by the knowledge base.")
    # ids and values from converted inputs cannot drive a terminal
    from denialkb.engine.safety import terminal_safe

    return terminal_safe("\n".join(out) + "\n")
