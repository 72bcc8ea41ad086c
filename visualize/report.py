"""A self-contained static HTML audit report of decided claims.

One file: inline CSS (with print rules) and inline SVG, no script, no network resource.
Every piece of text from a claim or the KB passes through :func:`html.escape`.
Per claim: the outcome, a denials table (stage, CARC, RARC, line, remedy), the why-chains
(``because`` and ``derived_from`` of the record, and the justifications of findings) and the
decision graph (the part behind the claim's denials; the whole pruned graph when clean).
With several claims a summary table (counts by denial, CARC and stage) comes first.
"""

from __future__ import annotations

import html
from collections import Counter

import networkx as nx

from denialkb.engine.conditions import format_value
from denialkb.engine.record import build_record
from denialkb.visualize.graph import decision_graph, node_id
from denialkb.visualize.render import INSTALL_HINT, GraphvizMissingError, render_svg_text, to_dot

CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}th,td{border:1px solid #bbb;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#eee}
.outcome{display:inline-block;padding:.15em .6em;border-radius:.3em;font-weight:bold;color:#fff}
.denied{background:#c0392b}.clean{background:#27ae60}.undetermined{background:#e67e22}
.graph{overflow:auto;border:1px solid #ddd;padding:.5em}.graph svg{max-width:100%;height:auto}
.why li{margin:.2em 0}code{background:#f4f4f4;padding:0 .2em}.meta{color:#666;font-size:.9em}
@media print{body{margin:0;font-size:10pt}.claim{page-break-before:always}
.graph{border:none;overflow:visible}a{color:inherit;text-decoration:none}nav{display:none}}
"""


def _e(v) -> str:
    return html.escape(str(v), quote=True)


def _anchor(claim_id: str) -> str:
    return "claim-" + node_id("fact", claim_id).split("__", 1)[1]


def _because_html(items) -> str:
    out = []
    for b in items:
        if "finding" in b:
            out.append(f"<li>no finding <code>{_e(b['finding'])}</code></li>")
            continue
        txt = f"<code>{_e(b['fact'])}</code> = {_e(format_value(b.get('value')))} ({_e(b['condition'])})"
        if "compared_with" in b:
            cw = b["compared_with"]
            txt += f"; compared with <code>{_e(cw['fact'])}</code> = {_e(format_value(cw.get('value')))}"
        if b.get("source"):
            txt += f" <span class=meta>[{_e(b['source'])}]</span>"
        out.append(f"<li>{txt}</li>")
    return "<ul>" + "".join(out) + "</ul>" if out else ""


def _graph_html(g: nx.DiGraph) -> str:
    try:
        return f"<div class=graph>{render_svg_text(g)}</div>"
    except GraphvizMissingError:
        return (f"<p class=meta>Graphviz is not installed, so the graph is shown as DOT source "
                f"({_e(INSTALL_HINT)}).</p><pre class=graph>{_e(to_dot(g))}</pre>")


def report_graph(decision, kb) -> nx.DiGraph:
    """The graph shown for one claim: ancestors of its fired denials, or the whole decision
    graph when nothing was denied."""
    g = decision_graph(decision, kb)
    fired = [n for n, a in g.nodes(data=True) if a["kind"] == "denial" and a["status"] == "fired"]
    if not fired:
        return g
    keep = set()
    for n in fired:
        keep |= nx.ancestors(g, n) | {n} | set(g.successors(n))
    return g.subgraph(sorted(keep)).copy()


def claim_section(record: dict, g: nx.DiGraph) -> str:
    """HTML of one claim: outcome, denials table, why-chains, findings, decision graph."""
    cid = record["claim_id"]
    parts = [f"<section class=claim id='{_e(_anchor(cid))}'>",
             f"<h2>Claim {_e(cid)} <span class='outcome {_e(record['outcome'])}'>{_e(record['outcome'])}</span></h2>",
             f"<p class=meta>payer {_e(record.get('payer'))}; rules as of {_e(record['evaluated_as_of'])}; "
             f"KB {_e(record['kb_version'])}; engine {_e(record['engine']['name'])} "
             f"{_e(record['engine']['version'])}</p>"]
    if record["denials"]:
        parts.append("<table class=denials><tr><th>Denial</th><th>Line</th><th>Stage</th><th>Group</th>"
                     "<th>CARC</th><th>RARC</th><th>Remedy</th></tr>")
        for d in record["denials"]:
            parts.append(f"<tr><td><b>{_e(d['id'])}</b><br>{_e(d['title'])}</td><td>{_e(d['line'] or '')}</td>"
                         f"<td>{_e(d['stage'])}</td><td>{_e(d['group'])}</td><td>{_e(d['carc'])}</td>"
                         f"<td>{_e(' '.join(d['rarc']))}</td><td>{_e(d['remedy'])}</td></tr>")
        parts.append("</table><h3>Why</h3><ol class=why>")
        for d in record["denials"]:
            chain = ""
            if d["derived_from"]:
                chain = " through findings " + ", ".join(f"<code>{_e(f)}</code>" for f in d["derived_from"])
            parts.append(f"<li><b>{_e(d['id'])}</b>{' on line ' + _e(d['line']) if d['line'] else ''}: "
                         f"{_e(d['explanation'].rstrip('.'))}{chain}. Because:{_because_html(d['because'])}"
                         f"<span class=meta>Sources: {_e('; '.join(d['sources']))}</span></li>")
        parts.append("</ol>")
    else:
        parts.append("<p>No denial.</p>")
    if record["findings"]:
        parts.append("<h3>Findings</h3><ul class=why>")
        for f in record["findings"]:
            for j in f["justifications"]:
                parts.append(f"<li><code>{_e(f['id'])}</code>{' (line ' + _e(f['line']) + ')' if f['line'] else ''}"
                             f" by rule {_e(j['rule'])}: {_e(j['explanation'])}{_because_html(j['because'])}</li>")
        parts.append("</ul>")
    if record["missing_information"]:
        parts.append("<h3>Missing information</h3><ul>")
        for m in record["missing_information"]:
            parts.append(f"<li><code>{_e(m['fact'])}</code> needed by {_e(', '.join(m['needed_by']))}</li>")
        parts.append("</ul>")
    parts.append(f"<h3>Decision graph</h3><p class=meta>{g.number_of_nodes()} nodes, "
                 f"{g.number_of_edges()} edges; thick red = fired path, dashed = failed, "
                 f"orange = failing condition of a near miss.</p>")
    parts.append(_graph_html(g))
    parts.append("</section>")
    return "\n".join(parts)


def summary_section(records: list) -> str:
    """Counts by outcome, denial, CARC and stage, and links to each claim."""
    outcomes = Counter(r["outcome"] for r in records)
    by_denial = Counter(d["id"] for r in records for d in r["denials"])
    by_carc = Counter(f"{d['group']}-{d['carc']}" for r in records for d in r["denials"])
    by_stage = Counter(d["stage"] for r in records for d in r["denials"])
    parts = ["<section id=summary><h2>Summary</h2>",
             "<table><tr><th>Claim</th><th>Outcome</th><th>Denials</th></tr>"]
    for r in records:
        parts.append(f"<tr><td><a href='#{_e(_anchor(r['claim_id']))}'>{_e(r['claim_id'])}</a></td>"
                     f"<td>{_e(r['outcome'])}</td><td>{_e(', '.join(d['id'] for d in r['denials']))}</td></tr>")
    parts.append("</table>")
    for title, cnt in (("Outcome", outcomes), ("Denial", by_denial), ("CARC", by_carc), ("Stage", by_stage)):
        parts.append(f"<table><tr><th>{title}</th><th>Count</th></tr>")
        for k in sorted(cnt):
            parts.append(f"<tr><td>{_e(k)}</td><td>{cnt[k]}</td></tr>")
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def build_report(decider, docs, as_of=None) -> str:
    """Decide ``docs`` with ``decider`` and return the report as one HTML string."""
    kb = decider.kb
    records, sections = [], []
    for doc in docs:
        decision = decider.decide(doc, as_of)
        rec = build_record(decision, kb, doc)
        records.append(rec)
        sections.append(claim_section(rec, report_graph(decision, kb)))
    head = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
            f"<title>denialkb audit report</title><style>{CSS}</style></head><body>"
            f"<h1>denialkb audit report</h1><p class=meta>{len(records)} claim"
            f"{'s' if len(records) != 1 else ''}</p>")
    body = (summary_section(records) if len(records) > 1 else "") + "\n".join(sections)
    return head + body + "</body></html>\n"


def render_audit_summary(summary: dict, title: str = "denialkb audit summary") -> str:
    """A self-contained HTML page of a batch audit's ``summary.json`` (counts and amounts by
    outcome, denial, CARC, stage, payer and drug; the most frequent why-paths). It holds only
    aggregates, never patient data, and is written next to ``summary.json`` by ``denialkb audit``."""
    parts = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
             "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
             f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(title)}</h1>",
             f"<p class=meta>read {summary['read']}: decided {summary['decided']}, rejected {summary['rejected']}</p>"]
    labels = {"outcome": "Outcome", "denial": "Denial", "carc": "CARC", "stage": "Stage", "payer": "Payer",
              "drug": "Drug"}
    for dim, rows in summary["by"].items():
        parts.append(f"<h2>By {_e(labels.get(dim, dim).lower())}</h2><table><tr><th>{_e(labels.get(dim, dim))}</th>"
                     "<th>Count</th><th>Amount</th></tr>")
        for key, e in rows.items():
            parts.append(f"<tr><td>{_e(key)}</td><td>{e['count']}</td><td>{e['amount']:.2f}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Most frequent why-paths</h2><table><tr><th>Path</th><th>Count</th></tr>")
    for p in summary["top_why_paths"]:
        parts.append(f"<tr><td>{_e(p['path'])}</td><td>{p['count']}</td></tr>")
    parts.append("</table></body></html>\n")
    return "\n".join(parts)
