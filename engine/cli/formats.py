"""CLI for external formats: ``denialkb convert`` and the x12-835 / fhir outputs of ``check``."""

from __future__ import annotations

import datetime as dt
import json

import click

from denialkb.engine.cli.app import handle_errors, load_claims, main
from denialkb.engine.errors import Problem, UsageError


def emit_remittance(fmt: str, records: list, docs: list) -> None:
    """Print a predicted 835 (all claims in one interchange) or FHIR ClaimResponses (one
    resource, or a collection Bundle of several); notes on claims left out go to stderr."""
    from denialkb.engine import formats
    from denialkb.engine.formats.remit import fhir_bundle

    try:
        if fmt == "x12-835":
            # deterministic: the interchange date is the latest date any claim was evaluated as of
            created = dt.datetime.fromisoformat(max(r["evaluated_as_of"] for r in records))
            notes: list[str] = []
            text = formats.render_835([(r, d.data) for r, d in zip(records, docs, strict=True)],
                                      on_undetermined="pend", notes=notes, created=created)
            for note in notes:
                click.echo(f"835 note: {note}", err=True)
            click.echo(text, nl=False)
        else:
            out = [formats.render_fhir(r, d.data) for r, d in zip(records, docs, strict=True)]
            click.echo(json.dumps(out[0] if len(out) == 1 else fhir_bundle(out), indent=2))
    except formats.FormatError as e:
        raise UsageError([Problem(e.code, e.message, e.file or "", place=e.location or "")]) from None


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--to", "to", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--payer", default=None, help="Payer profile id (overrides the payer id map).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="Clinical facts (YAML/JSON file, or a folder matched by claim or patient id) to merge.")
@click.option("--ack", "ack", type=click.Path(dir_okay=False), default=None,
              help="Write pyx12's 999 acknowledgment of the (one) X12 input to this file, even when it is rejected.")
@handle_errors
def convert(inputs, to, payer, clinical, ack):
    """Show the claim documents that X12 837 / FHIR inputs become (validated), to check the mapping.

    Converter warnings are printed as comments (YAML) and on stderr.
    """
    import yaml

    if ack:
        _write_ack(inputs, ack)
    docs = load_claims(inputs, payer=payer, clinical=clinical)
    for d in docs:
        for w in getattr(d, "converter_warnings", None) or []:
            click.echo(f"{d.file}: warning: {w['code']}: {w['message']}", err=True)
    if to == "json":
        data = [d.data for d in docs]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        click.echo("\n---\n".join(f"# {d.file}\n" + yaml.safe_dump(d.data, sort_keys=False, allow_unicode=True)
                                   for d in docs), nl=False)


def _write_ack(inputs, ack: str) -> None:
    from pathlib import Path

    from denialkb.engine import formats
    from denialkb.engine.formats.reader import sniff_file

    x12 = [f for f in inputs if Path(f).is_file() and sniff_file(f) == "x12"]
    if len(x12) != 1:
        raise UsageError([Problem("usage_error", f"--ack needs exactly one X12 input, got {len(x12)}")])
    result = formats.read_x12_result(Path(x12[0]), ack=True)
    if not result.ack:
        raise UsageError([Problem("usage_error", "pyx12 produced no 999 for this input (its envelope cannot be read)",
                                  x12[0])])
    Path(ack).write_text(result.ack, encoding="ascii", errors="replace")
