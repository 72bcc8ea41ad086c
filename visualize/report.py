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
        if b.get("text") and not b["text"].startswith(b["fact"] + " "):
            txt = _e(b["text"])
            if b.get("source"):
                txt += f" <span class=meta>[{_e(b['source'])}]</span>"
            out.append(f"<li>{txt}</li>")
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
    """The graph shown for one claim: its fired denials with their reasons (ancestors and CARC);
    for a claim without denials, its fired findings (:func:`~denialkb.visualize.graph.fired_graph`)."""
    from denialkb.visualize.graph import fired_graph

    return fired_graph(decision_graph(decision, kb))


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
                     "<th>CARC</th><th>RARC</th><th>Confidence</th><th>Remedy</th></tr>")
        for d in record["denials"]:
            parts.append(f"<tr><td><b>{_e(d['id'])}</b><br>{_e(d['title'])}</td><td>{_e(d['line'] or '')}</td>"
                         f"<td>{_e(d['stage'])}</td><td>{_e(d['group'])}</td><td>{_e(d['carc'])}</td>"
                         f"<td>{_e(' '.join(d['rarc']))}</td><td>{_e(d.get('confidence') or '')}</td>"
                         f"<td>{_e(d['remedy'])}</td></tr>")
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
    if g is None:
        parts.append("<p class=meta>Decision graph: not drawn in a multi-claim report (--pictures draws it; "
                     "or <code>denialkb graph --claim FILE --out g.svg</code>).</p>")
    else:
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


def build_report(decider, docs, as_of=None, pictures: bool | None = None, min_confidence: str | None = None) -> str:
    """Decide ``docs`` with ``decider`` and return the report as one HTML string.

    ``pictures``: draw each claim's decision graph (its fired denials with their reasons).
    Default: for a one-claim report only, so that a multi-claim report stays small."""
    kb = decider.kb
    if pictures is None:
        pictures = len(docs) == 1
    records, sections = [], []
    for doc in docs:
        decision = decider.decide(doc, as_of)
        rec = build_record(decision, kb, doc)
        if min_confidence:
            from denialkb.engine.tables import filter_record

            rec = filter_record(rec, min_confidence)
        records.append(rec)
        sections.append(claim_section(rec, report_graph(decision, kb) if pictures else None))
    head = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
            f"<title>denialkb audit report</title><style>{CSS}</style></head><body>"
            f"<h1>denialkb audit report</h1><p class=meta>{len(records)} claim"
            f"{'s' if len(records) != 1 else ''}</p>")
    body = (summary_section(records) if len(records) > 1 else "") + "\n".join(sections)
    return head + body + "</body></html>\n"


# --------------------------------------------------------------------------- summary page

# A small script of our own (no library): click a column header to sort, type in the box above
# a table to filter its rows. It reads only the page; it loads nothing.
SCRIPT = """
(function(){
function val(td){var v=td.getAttribute('data-v');if(v!==null&&v!==''&&!isNaN(v))return parseFloat(v);
 return td.textContent.trim().toLowerCase();}
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){th.tabIndex=0;th.title='sort';
  function go(){var asc=th.getAttribute('aria-sort')!=='ascending';
   t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
   th.setAttribute('aria-sort',asc?'ascending':'descending');
   var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
   rows.sort(function(a,b){var x=val(a.cells[i]),y=val(b.cells[i]);
    if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*(asc?1:-1);});
   rows.forEach(function(r){body.appendChild(r);});}
  th.addEventListener('click',go);th.addEventListener('keydown',function(e){if(e.key==='Enter')go();});});});
document.querySelectorAll('input.filter').forEach(function(inp){
 var t=document.getElementById(inp.getAttribute('data-for'));
 inp.addEventListener('input',function(){var q=inp.value.trim().toLowerCase(),n=0;
  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var ok=!q||r.textContent.toLowerCase().indexOf(q)>=0;
   r.style.display=ok?'':'none';if(ok)n++;});
  var c=document.getElementById(inp.getAttribute('data-for')+'-count');if(c)c.textContent=n;});});
function hash(){var h=decodeURIComponent(location.hash.slice(1));if(h.indexOf('k-')!==0)return;
 var d=document.getElementById(h);if(d&&d.tagName==='DETAILS')d.open=true;}
window.addEventListener('hashchange',hash);hash();
})();
"""
_SCRIPT_TAG = f"<script>{SCRIPT}</script>"

SUMMARY_CSS = CSS + """
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}table.sortable th{cursor:pointer}
input.filter{margin:.2em 0;padding:.2em .4em;width:22em}.charts{display:flex;flex-wrap:wrap;gap:1em}
.charts figure{margin:0;border:1px solid #ddd;padding:.3em}.charts svg{max-width:100%;height:auto}
details{margin:.1em 0}details summary{cursor:pointer}.muted{color:#888}
"""


def _page_head(title: str, css: str = SUMMARY_CSS) -> str:
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(title)}</title><style>{css}</style></head><body>")


def _money(x) -> str:
    return "" if x is None else f"${x:,.2f}"


def _slug(text) -> str:
    return node_id("fact", str(text)).split("__", 1)[1]


_TABLES = [0]


def _table(headers, rows, *, raw_cols=(), num_cols=None, table_id=None, filterable=False) -> str:
    """A sortable table; ``rows`` are lists of cells (str/number, or ``(html, sort value)`` tuples
    for cells already escaped). Numbers are right-aligned and sort numerically."""
    _TABLES[0] += 1
    tid = table_id or f"t{_TABLES[0]}"
    out = []
    if filterable:
        out.append(f"<input type=search class=filter data-for='{_e(tid)}' placeholder='filter rows' "
                   f"aria-label='filter {_e(headers[0])} rows'> <span class=muted><span id='{_e(tid)}-count'>"
                   f"{len(rows)}</span> rows</span>")
    out.append(f"<table class=sortable id='{_e(tid)}'><thead><tr>"
               + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead><tbody>")
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            if isinstance(v, tuple):
                html_text, sort = v
                cells.append(f"<td class=num data-v='{_e(sort)}'>{html_text}</td>" if isinstance(sort, (int, float))
                             else f"<td>{html_text}</td>")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f"<td class=num data-v='{v}'>{v:,}</td>")
            elif i in raw_cols:
                cells.append(f"<td class=num>{v}</td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _link(n, dim, key):
    """A count linked to the list of claims behind it."""
    return (f"<a href='#k-{_e(dim)}-{_e(_slug(key))}'>{n:,}</a>", n)


def _amount(x):
    return (_money(x), x)


def _charts(impact: dict) -> str:
    try:
        from denialkb.visualize.charts import bar_chart_svg
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return ""
    figs = []
    top = 12
    for dim, label in (("rule", "rule"), ("carc", "CARC"), ("stage", "stage"), ("month", "month of service")):
        rows = impact["by"].get(dim, {})
        if not rows:
            continue
        items = sorted(rows.items(), key=lambda kv: kv[0]) if dim == "month" else list(rows.items())[:top]
        labels = [k for k, _ in items]
        figs.append(bar_chart_svg(labels, [e["denials"] for _, e in items], title=f"Denials by {label}",
                                  xlabel="denials", color="#7f8c8d"))
        figs.append(bar_chart_svg(labels, [e["at_risk"] for _, e in items], title=f"Dollars at risk by {label}",
                                  xlabel="amount at risk", money=True))
    return "<div class=charts>" + "".join(f"<figure>{f}</figure>" for f in figs) + "</div>"


def render_audit_summary(summary: dict, title: str = "denialkb audit summary", claims: dict | None = None,
                         charts: bool = True) -> str:
    """A self-contained HTML page of a batch audit's ``summary.json``: run facts (KB version,
    run date), totals (charge, paid, at risk counted once per line), charts (inline SVG),
    sortable and filterable tables by rule (with titles), CARC, stage, payer, drug, provider,
    month and outcome, every count linked to the claims behind it, and a compact claim list.

    It holds claim ids (in the claim list and the links), never patient ids, names or dates of
    birth. No network resource: the script is inline and loads nothing."""
    _TABLES[0] = 0
    run = summary.get("run", {})
    titles = summary.get("rule_titles", {})
    parts = [_page_head(title), f"<h1>{_e(title)}</h1>",
             f"<p class=meta>read {summary['read']}: decided {summary['decided']}, rejected {summary['rejected']}</p>"]
    if run:
        parts.append("<p class=meta>KB " + _e(run.get("kb_version") or "") + "; run "
                     + _e(run.get("run_date") or "") + "; rules as of "
                     + _e(run.get("as_of") or "each date of service")
                     + (f"; only denials of confidence {_e(run['min_confidence'])} or higher"
                        if run.get("min_confidence") else "") + "</p>")
    imp = summary.get("impact")
    if imp:
        t = imp["total"]
        parts.append("<h2>Financial impact</h2>"
                     "<p>Amount at risk = a denied line's paid amount when known, else its billed charge; a "
                     "claim-level denial puts every line of its claim at risk; <b>each line is counted once</b>, "
                     "however many denials it has. A line with denials of two rules (or CARCs) counts under each "
                     "of them, so those tables can add up to more than the total.</p>")
        paid_known = t["paid_known_lines"] > 0
        if paid_known:
            parts.append(_table(["", "claims", "lines", "denials", "billed", "paid (where known)", "at risk"],
                                [["total", t["claims"], t["lines"], t["denials"], _amount(t["charge"]),
                                  _amount(t["paid"]), _amount(t["at_risk"])],
                                 ["denied lines with a known paid amount", "", "", "", "",
                                  _amount(t["at_risk_paid_known"]), ""]]))
        else:
            parts.append("<p class=meta>The input holds no paid amounts, so amounts at risk are billed charges.</p>"
                         + _table(["", "claims", "lines", "denials", "billed", "at risk"],
                                  [["total", t["claims"], t["lines"], t["denials"], _amount(t["charge"]),
                                    _amount(t["at_risk"])], ["denied", "", t["at_risk_lines"], "", "",
                                                             _amount(t["at_risk"])]]))
        if charts:
            parts.append(_charts(imp))
        labels = {"rule": "Rule", "carc": "CARC", "stage": "Stage", "payer": "Payer", "drug": "Drug",
                  "provider": "Provider (billing NPI)", "month": "Month of service", "outcome": "Outcome"}
        for dim in ("rule", "carc", "stage", "payer", "drug", "provider", "month", "outcome"):
            rows = imp["by"].get(dim, {})
            head = [labels[dim]] + (["Title"] if dim == "rule" else []) + ["claims", "denials", "lines", "billed"] \
                + (["paid"] if paid_known else []) + ["at risk"]
            body = []
            for key, e in rows.items():
                body.append([key] + ([titles.get(key, "")] if dim == "rule" else [])
                            + [_link(e["claims"], dim, key), e["denials"], e["lines"], _amount(e["charge"])]
                            + ([_amount(e["paid"])] if paid_known else []) + [_amount(e["at_risk"])])
            parts.append(f"<h2>By {_e(labels[dim].lower())}</h2>"
                         + _table(head, body, table_id=f"by-{dim}", filterable=len(body) > 8))
    else:
        for dim, rows in summary["by"].items():
            parts.append(f"<h2>By {_e(dim)}</h2>" + _table([dim, "count", "amount"],
                                                          [[k, e["count"], _amount(e["amount"])]
                                                           for k, e in rows.items()]))
    parts.append("<h2>Most frequent why-paths</h2>"
                 + _table(["Path", "count"], [[p["path"], p["count"]] for p in summary["top_why_paths"]]))
    if claims:
        parts.append(_claims_section(claims, titles))
    parts.append(_SCRIPT_TAG + "</body></html>\n")
    return "\n".join(parts)


def _claims_section(index: dict, titles: dict) -> str:
    out = ["<h2 id=claims>Claims</h2>"]
    if not index["complete"]:
        out.append(f"<p class=meta>The first {len(index['claims']):,} claims are listed; denials.csv and "
                   "lines.csv hold every one.</p>")
    rows = []
    for c in index["claims"]:
        den = "; ".join(f"{rid}" + (f"@{ln}" if ln is not None else "") + f" {carc}" for rid, ln, carc, _ in
                        c["denials"])
        rows.append([(f"<span id='c-{_e(_slug(c['claim_id']))}'>{_e(c['claim_id'])}</span>", c["claim_id"]),
                     c["outcome"], c["payer"] or "", c["service_date"], c["lines"], _amount(c["charge"]),
                     _amount(c["at_risk"]), den])
    out.append(_table(["Claim", "Outcome", "Payer", "First DOS", "lines", "billed", "at risk",
                       "Denials (rule@line CARC)"], rows, table_id="claims-table", filterable=True))
    out.append("<h3>Claims behind each count</h3>")
    for (dim, key), ids in sorted(index["by"].items()):
        links = ", ".join(f"<a href='#c-{_e(_slug(i))}'>{_e(i)}</a>" for i in ids)
        label = f"{dim} {key}" + (f": {titles[key]}" if dim == "rule" and key in titles else "")
        out.append(f"<details id='k-{_e(dim)}-{_e(_slug(key))}'><summary>{_e(label)} ({len(ids)})</summary>"
                   f"{links}</details>")
    return "\n".join(out)


def render_compare_page(res: dict, title: str = "denialkb: predicted vs actual remittance") -> str:
    """A self-contained HTML page of :func:`denialkb.engine.compare.compare` (claim ids, no other
    patient data): confusion matrix, per-CARC and per-rule precision/recall, blind spots, the lines."""
    c = res["confusion"]

    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f}&nbsp;%"

    parts = [_page_head(title), f"<h1>{_e(title)}</h1>",
             f"<p class=meta>{len(res['lines'])} lines compared; "
             + ", ".join(f"{_e(k.replace('_', ' '))} {v}" for k, v in res["line_status"].items()) + "</p>",
             "<h2>Confusion matrix (lines)</h2><table><tr><th></th><th>actually denied</th>"
             "<th>actually not denied</th></tr>",
             f"<tr><th>predicted denied</th><td class=num>{c['true_positive']}</td>"
             f"<td class=num>{c['false_positive']}</td></tr>",
             f"<tr><th>predicted not denied</th><td class=num>{c['false_negative']}</td>"
             f"<td class=num>{c['true_negative']}</td></tr></table>",
             f"<p>precision {pct(c['precision'])}, recall {pct(c['recall'])}, accuracy {pct(c['accuracy'])}</p>",
             "<h2>By CARC</h2>" + _table(["CARC", "agree", "predicted only", "actual only", "precision", "recall"],
                                         [[k, e["tp"], e["fp"], e["fn"], pct(e["precision"]), pct(e["recall"])]
                                          for k, e in res["by_carc"].items()], raw_cols={4, 5}),
             "<h2>By rule</h2>" + _table(["Rule", "CARC", "fired", "agree", "predicted only", "precision", "recall"],
                                         [[k, e["carc"], e["fired"], e["tp"], e["fp"], pct(e["precision"]),
                                           pct(e["recall"])] for k, e in res["by_rule"].items()], raw_cols={5, 6}),
             "<h2>Blind spots: actual denials no rule predicts</h2>"
             + (_table(["CARC", "lines", "amount", "claims"],
                       [["/".join(b["groups"]) + "-" + b["carc"], b["lines"], _money(b["amount"]),
                         ", ".join(b["claims"])] for b in res["blind_spots"]]) if res["blind_spots"] else "<p>none</p>"),
             "<h2>Lines</h2>" + _table(["Claim", "Line", "Code", "Status", "Agree", "Predicted only", "Actual only"],
                                       [[r["claim_id"], r["line"] if r["line"] is not None else "claim", r["code"] or "",
                                         r["status"].replace("_", " "), " ".join(r["agree"]),
                                         " ".join(r["predicted_only"]), " ".join(r["actual_only"])]
                                        for r in res["lines"]]),
             _SCRIPT_TAG, "</body></html>\n"]
    return "\n".join(parts)
