"""CLI for external formats: ``denialkb convert`` and the x12-835 / fhir outputs of ``check``."""

from __future__ import annotations

import datetime as dt
import json

import click

from denialkb.engine.cli.app import handle_errors, load_claims, main
from denialkb.engine.errors import Problem, UsageError


def emit_remittance(fmt: str, records: list, docs: list) -> None:
    """Print a predicted 835 (all claims in one interchange) or FHIR ClaimResponses."""
    from denialkb.engine import formats

    try:
        if fmt == "x12-835":
            # deterministic: the interchange date is the latest date any claim was evaluated as of
            created = dt.datetime.fromisoformat(max(r["evaluated_as_of"] for r in records))
            click.echo(formats.render_835([(r, d.data) for r, d in zip(records, docs, strict=True)], on_undetermined="skip",
                                          created=created), nl=False)
        else:
            out = [formats.render_fhir(r, d.data) for r, d in zip(records, docs, strict=True)]
            click.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2))
    except formats.FormatError as e:
        raise UsageError([Problem(e.code, e.message, e.file or "", place=e.location or "")]) from None


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--to", "to", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--payer", default=None, help="Payer profile id (overrides the payer id map).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="Clinical facts (YAML/JSON file, or a folder matched by claim or patient id) to merge.")
@handle_errors
def convert(inputs, to, payer, clinical):
    """Show the claim documents that X12 837 / FHIR inputs become (validated), to check the mapping."""
    import yaml

    docs = load_claims(inputs, payer=payer, clinical=clinical)
    if to == "json":
        data = [d.data for d in docs]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        click.echo("\n---\n".join(f"# {d.file}\n" + yaml.safe_dump(d.data, sort_keys=False, allow_unicode=True)
                                   for d in docs), nl=False)
