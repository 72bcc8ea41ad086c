"""``denialkb graph`` and ``denialkb report``: pictures and an HTML audit report.

A thin layer over :mod:`denialkb.visualize`. Exit codes: 0 written; 2 bad arguments,
an invalid claim or KB, or a format that needs the Graphviz binary when it is missing
(DOT, GraphML and JSON are then written instead).
"""

from __future__ import annotations

from pathlib import Path

import click

from denialkb.engine.cli.app import (
    as_of_option,
    check_date,
    echo_header,
    get_decider,
    handle_errors,
    kb_option,
    load_claims,
    main,
)
from denialkb.engine.errors import Problem, UsageError, did_you_mean
from denialkb.engine.safety import refuse_overwrite


def _usage(msg, expected="", hint=""):
    return UsageError([Problem("usage_error", msg, expected=expected, hint=hint)])


@main.command()
@click.option("--claim", "claim_file", type=click.Path(dir_okay=False), default=None,
              help="Draw the decision graph of this claim document (default: the whole KB).")
@click.option("--denial", "denial", default=None, metavar="ID",
              help="Only the part of the graph behind this denial (rule id).")
@click.option("--full", is_flag=True,
              help="With --claim: the whole decision graph (every rule tried), not only the fired denials.")
@click.option("--fact", "fact", default=None, metavar="NAME",
              help="Only the part of the graph downstream of this fact (e.g. line.units).")
@click.option("--drug", default=None, help="KB graph: only rules that can apply to this drug.")
@click.option("--payer", default=None, help="KB graph: only rules that can apply to this payer. With --claim: "
              "also the payer profile of an X12/FHIR claim (as for check).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="With --claim: clinical facts to merge into an X12/FHIR claim (a file, or a folder).")
@click.option("--stage", default=None, type=click.Choice(["front_end", "adjudication", "prior_authorization", "medical_review",
                                                         "post_payment_review"]),
              help="KB graph: only denials of this stage (and the findings they need).")
@click.option("--cluster", default="stage", show_default=True, type=click.Choice(["stage", "drug", "none"]),
              help="Group rules and denials in the picture by denial stage or by drug.")
@as_of_option
@kb_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output file; the extension picks the format: .svg .png .pdf .dot/.gv .graphml .json")
@handle_errors
def graph(claim_file, denial, full, fact, drug, payer, clinical, stage, cluster, as_of, kb_dir, out):
    """Draw the knowledge-base graph or one claim's decision graph."""
    from denialkb.visualize.graph import decision_graph, focus_graph, kb_graph
    from denialkb.visualize.render import format_for, render

    as_of = check_date(as_of)
    try:
        format_for(out)
    except ValueError as e:
        raise _usage(f"--out: {e}") from None
    if denial and fact:
        raise _usage("give --denial or --fact, not both")
    refuse_overwrite([out], [claim_file] if claim_file else [])
    decider = get_decider(kb_dir)
    kb = decider.kb
    if payer and payer not in kb.payers:
        raise _usage(f"--payer: unknown payer '{payer}'", expected="one of " + ", ".join(sorted(kb.payers)),
                     hint=did_you_mean(payer, kb.payers))
    if drug and kb.canonical_drug(drug) is None:
        raise _usage(f"--drug: unknown drug '{drug}'", expected="one of " + ", ".join(sorted(kb.drugs)),
                     hint=did_you_mean(drug, kb.drugs))
    if claim_file:
        doc = load_claims([claim_file], payer=payer, clinical=clinical)[0]
        g = decision_graph(decider.decide(doc, as_of), kb)
    else:
        g = kb_graph(kb, drug=drug, payer=payer, stage=stage, as_of=as_of)
    if denial:
        ids = sorted(a["rule"] for _, a in g.nodes(data=True) if a["kind"] == "denial")
        if denial not in ids:
            raise _usage(f"--denial: no denial '{denial}' in this graph", hint=did_you_mean(denial, ids))
        g = focus_graph(g, denial=denial)
    elif fact:
        names = sorted(a["fact"] for _, a in g.nodes(data=True) if a["kind"] == "fact")
        if fact not in names:
            raise _usage(f"--fact: no fact '{fact}' in this graph", hint=did_you_mean(fact, names))
        g = focus_graph(g, fact=fact)
    elif claim_file and not full:
        from denialkb.visualize.graph import fired_graph

        g = fired_graph(g)  # the readable default: each fired denial with its reasons (--full: everything)
    echo_header(kb.version)
    for p in render(g, out, cluster):
        click.echo(f"wrote {p} ({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write (it holds patient data: keep it where it belongs).")
@click.option("--pictures/--no-pictures", default=None,
              help="Draw each claim's decision graph (default: only for a one-claim report).")
@click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]), default=None,
              help="Show only denials of at least this confidence.")
@as_of_option
@kb_option
@click.option("--payer", default=None, help="Payer profile id for X12/FHIR inputs (overrides the payer id map).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="Clinical facts to merge into X12/FHIR inputs: a file, or a folder matched by claim or patient id.")
@handle_errors
def report(files, out, pictures, min_confidence, as_of, kb_dir, payer, clinical):
    """Write one self-contained HTML audit report for claim documents."""
    from denialkb.visualize.report import build_report

    as_of = check_date(as_of)
    refuse_overwrite([out], files)
    docs = load_claims(files, payer=payer, clinical=clinical)
    decider = get_decider(kb_dir)
    html_text = build_report(decider, docs, as_of, pictures, min_confidence)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(html_text, encoding="utf-8")
    echo_header(decider.kb.version)
    click.echo(f"wrote {p} ({len(docs)} claim{'s' if len(docs) != 1 else ''})")
