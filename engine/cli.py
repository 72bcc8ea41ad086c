"""The ``denialkb`` command line: a thin layer over the library.

It parses arguments, calls the library and formats the result. Library errors
(:class:`~denialkb.engine.errors.DenialKBError`) become messages on stderr and exit
code 2; a user mistake never shows a Python traceback.

Exit codes of ``check``: 0 clean, 1 at least one denial or an undetermined outcome,
2 invalid input or knowledge base (nothing decided).
"""

from __future__ import annotations

import functools
import json
import sys

import click

from denialkb.engine.errors import DenialKBError, UsageError

FORMATS = click.Choice(["text", "json"])
CHECK_FORMATS = click.Choice(["text", "json", "x12-835", "fhir"])


def _emit_error(err: DenialKBError, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(err.to_dict(), indent=2), err=True)
    else:
        click.echo(err.format(), err=True)


def handle_errors(fn):
    """Turn library errors into a message and exit 2 (JSON under ``--format json``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DenialKBError as err:
            _emit_error(err, kwargs.get("fmt", "text") or "text")
            sys.exit(2)
    return wrapper


def get_decider(kb_dir, engine: str = "experta"):
    from denialkb.engine.runtime import Decider

    return Decider(kb_dir, engine=engine, cases=False)  # golden cases are for `kb test`


def load_claims(files, payer=None, clinical=None) -> list:
    """Load and validate every input first: one bad input means nothing is decided."""
    from denialkb.engine.inputs import read_inputs

    return read_inputs(files, payer=payer, clinical=clinical)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="denialkb")
def main():
    """denialkb: explain how an oncology drug claim could be denied."""


kb_option = click.option("--kb", "kb_dir", type=click.Path(file_okay=False), default=None,
                         help="Knowledge-base directory (default: the shipped KB).")
format_option = click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                             help="Output format.")
engine_option = click.option(
    "--engine", type=click.Choice(["experta", "direct"]), default="experta", show_default=True,
    help="experta (the reference) or direct: stratified evaluation of the same compiled rules, "
         "several times faster, byte-identical decisions (CI-tested); the record names the engine.")
as_of_option = click.option("--as-of", "as_of", default=None, metavar="DATE",
                            help="Decide with the rules and tables in force on DATE instead of each date of service.")


def _check_date(as_of):
    import datetime as dt

    if as_of is None:
        return None
    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        from denialkb.engine.errors import Problem

        raise UsageError([Problem("usage_error", f"--as-of: '{as_of}' is not a date",
                                  expected="an ISO date like 2024-03-15")]) from None
    return as_of


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
@engine_option
@handle_errors
def check(files, fmt, kb_dir, as_of, payer, clinical, log_path, store_input, engine):
    """Decide claims and print their decision records.

    FILES are claim documents (YAML/JSON, FORMATS.md), X12 837P/837I files or FHIR R4 Bundles.
    """
    from denialkb.engine.record import render_text, to_json

    as_of = _check_date(as_of)
    docs = load_claims(files, payer=payer, clinical=clinical)
    decider = get_decider(kb_dir, engine)
    records = [decider.check_document(d, as_of) for d in docs]
    if log_path:
        from denialkb.engine.decision_log import log_check_records

        log_check_records(log_path, zip(records, docs, strict=True), as_of=as_of, store_input=store_input)
    if fmt == "json":
        click.echo(to_json(records[0] if len(records) == 1 else records), nl=False)
    elif fmt in ("x12-835", "fhir"):
        from denialkb.engine.cli_formats import emit_remittance

        emit_remittance(fmt, records, docs)
    else:
        click.echo("\n".join(render_text(r) for r in records), nl=False)
    sys.exit(0 if all(r["outcome"] == "clean" for r in records) else 1)


@main.command()
@kb_option
@handle_errors
def facts(kb_dir):
    """Print the fact names rules can use (Markdown), with types and where each comes from."""
    from denialkb.engine.facts import catalog_markdown
    from denialkb.engine.kb import load_kb

    click.echo(catalog_markdown(load_kb(kb_dir)), nl=False)


# Command groups live in their own modules (each adds commands to `main`); a module that is
# not there is skipped, so features land independently.
COMMAND_MODULES = ("cli_queries", "cli_graph", "cli_kbtools", "cli_audit", "cli_formats")


def _register_commands() -> None:
    import importlib

    for mod in COMMAND_MODULES:
        name = f"denialkb.engine.{mod}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise


if __name__ == "__main__":  # pragma: no cover
    # run the registered copy of `main` (python -m imports this file a second time as __main__)
    from denialkb.engine.cli import main as registered_main

    registered_main()
else:
    _register_commands()
