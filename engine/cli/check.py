"""``denialkb check`` (decide claims, print their decision records) and ``denialkb facts``.

Exit codes of ``check``: 0 clean, 1 at least one denial or an undetermined outcome,
2 invalid input or knowledge base (nothing decided), 3 internal error, 4 incomplete
(e.g. the ``--log`` could not be written).
"""

from __future__ import annotations

import sys

import click

from denialkb.engine.cli.app import (
    CHECK_FORMATS,
    EXIT_FINDINGS,
    EXIT_OK,
    as_of_option,
    check_date,
    echo_header,
    engine_option,
    get_decider,
    handle_errors,
    kb_option,
    load_claims,
    main,
)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=CHECK_FORMATS, default="text", show_default=True,
              help="text or json decision records; x12-835 (predicted remittance) or fhir (ClaimResponse).")
@kb_option
@as_of_option
@click.option("--payer", default=None, help="Payer profile id for X12/FHIR inputs (overrides the payer id map).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="Clinical facts (YAML/JSON) to merge into X12/FHIR inputs: a file, or a folder matched by claim or patient id.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
              help="Append the decision records to this SQLite decision log (see docs/audit.md).")
@click.option("--store-input", is_flag=True, help="With --log: also store the claim document (patient data).")
@click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]), default=None,
              help="Show only denials of at least this confidence (the --log keeps every denial).")
@engine_option
@handle_errors
def check(files, fmt, kb_dir, as_of, payer, clinical, log_path, store_input, min_confidence, engine):
    """Decide claims and print their decision records.

    FILES are claim documents (YAML/JSON, FORMATS.md), X12 837P/837I files or FHIR R4 Bundles.
    Exit 0 clean, 1 denied or undetermined, 2 invalid input or KB, 3 internal error,
    4 incomplete (the --log could not be written).
    """
    from denialkb.engine.record import render_text, to_json

    as_of = check_date(as_of)
    docs = load_claims(files, payer=payer, clinical=clinical)
    decider = get_decider(kb_dir, engine)
    from denialkb.engine.inputs import attach_warnings, render_warnings

    records = [attach_warnings(decider.check_document(d, as_of), d) for d in docs]
    if log_path:
        from denialkb.engine.decision_log import log_check_records

        log_check_records(log_path, zip(records, docs, strict=True), as_of=as_of, store_input=store_input)
    if min_confidence:
        from denialkb.engine.tables import filter_record

        records = [filter_record(r, min_confidence) for r in records]
    if fmt == "json":
        click.echo(to_json(records[0] if len(records) == 1 else records), nl=False)
    elif fmt in ("x12-835", "fhir"):
        from denialkb.engine.cli.formats import emit_remittance

        emit_remittance(fmt, records, docs)
    else:
        echo_header(decider.kb.version)
        click.echo("\n".join(render_warnings(render_text(r), r) for r in records), nl=False)
    sys.exit(EXIT_OK if all(r["outcome"] == "clean" for r in records) else EXIT_FINDINGS)


@main.command()
@kb_option
@handle_errors
def facts(kb_dir):
    """Print the fact names rules can use (Markdown), with types and where each comes from.

    The output is a document (docs/facts.md is generated from it), so the KB it was made
    from is named on stderr.
    """
    from denialkb.engine.cli.app import kb_header
    from denialkb.engine.facts import catalog_markdown
    from denialkb.engine.kb import load_kb

    kb = load_kb(kb_dir)
    click.echo(kb_header(kb.version), err=True)
    click.echo(catalog_markdown(kb), nl=False)
