"""``denialkb audit`` (batch audit) and ``denialkb log show|replay`` (decision log).

Imported by :mod:`denialkb.engine.cli`, which registers the commands on ``main``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from denialkb.engine.cli.app import (
    as_of_option,
    check_date,
    current_kb,
    echo_header,
    engine_option,
    handle_errors,
    kb_note,
    kb_option,
    main,
)
from denialkb.engine.decision_log import DEFAULT_LOG

min_confidence_option = click.option(
    "--min-confidence", type=click.Choice(["low", "medium", "high"]), default=None,
    help="Only denials of at least this confidence in the tables, summary and pages "
         "(decisions.jsonl and the log keep every denial).")
log_option = click.option("--log", "log_path", type=click.Path(dir_okay=False), default=DEFAULT_LOG,
                          show_default=True, help="SQLite decision log.")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for decisions.jsonl, rejected.jsonl, summary.*, denials.* and lines.* (CSV, Parquet).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: the number of CPUs; 1 = in this process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask distributed cluster (e.g. tcp://host:8786) instead of local processes.")
@as_of_option
@kb_option
@click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
              help="Append every decision to this SQLite decision log.")
@click.option("--store-input", is_flag=True, help="With --log: store each input document too (for replay).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a TTY).")
@click.option("--payer", default=None, help="Payer profile id for X12/FHIR inputs (overrides the payer id map).")
@click.option("--clinical", type=click.Path(exists=True), default=None,
              help="Clinical facts for X12/FHIR inputs: a file, or a folder matched by claim id or patient id.")
@click.option("--resume", is_flag=True,
              help="Continue the interrupted run in --out (same inputs and options) after its last committed claim.")
@click.option("--run-id", "run_id", default=None, metavar="ID",
              help="Name the run ID instead of a fresh one (written to every output and log row).")
@click.option("--xlsx", is_flag=True, help="Also write workpapers.xlsx (denials, lines, impact; patient data).")
@min_confidence_option
@engine_option
@handle_errors
def audit(inputs, out_dir, workers, scheduler, as_of, kb_dir, log_path, store_input, progress, payer, clinical,
          resume, run_id, engine, xlsx, min_confidence):
    """Decide many claims (files, folders, .jsonl, .csv, .parquet, X12 837, FHIR, NDJSON) in parallel.

    A bad claim, line or file is reported in rejected.jsonl with its place and skipped; it
    never stops the run, and read = decided + rejected always holds. While the run is
    incomplete --out holds a RUNNING marker and *.partial files; SIGTERM or Ctrl-C stops it
    cleanly and --resume continues it.

    Exit 0 every claim read was decided, 1 the run completed and some claims were rejected,
    2 invalid arguments or KB (nothing decided), 3 internal error, 4 incomplete (interrupted,
    disk full, log locked, workers failing): the outputs are partial, --resume continues.
    """
    from denialkb.engine.batch import run_audit

    as_of = check_date(as_of)
    from denialkb.engine.safety import refuse_overwrite

    outputs = ("decisions.jsonl", "rejected.jsonl", "summary.json", "summary.csv", "summary.html",
               "denials.csv", "lines.csv", "denials.parquet", "lines.parquet", "workpapers.xlsx")
    refuse_overwrite([out_dir, *(Path(out_dir) / n for n in outputs)], inputs)
    # the shipped KB is passed as None, so that Dask workers use their own installed copy
    s = run_audit(inputs, out_dir, workers=workers or os.cpu_count(), scheduler=scheduler, as_of=as_of,
                  kb_dir=None if current_kb().shipped else str(Path(kb_dir).resolve()), log_path=log_path,
                  store_input=store_input, progress=progress, payer=payer, clinical=clinical, resume=resume,
                  run_id=run_id, engine=engine, xlsx=xlsx,
                  min_confidence=min_confidence)
    echo_header()
    outcomes = ", ".join(f"{k} {v['count']}" for k, v in s.to_dict()["by"]["outcome"].items())
    click.echo(f"read {s.read} = decided {s.decided} + rejected {s.rejected}"
               + (f" ({outcomes})" if outcomes else "") + f"; run {s.run_id}; results in {out_dir}")
    if s.unknown_refs:
        click.echo(f"{s.unknown_refs} claim{'s' if s.unknown_refs != 1 else ''} rejected for an unknown payer or "
                   f"drug; {kb_note().removeprefix('note: ')}", err=True)
    sys.exit(0 if s.rejected == 0 else 1)


@main.group("log")
def log_group():
    """Read the decision log."""


@log_group.command("show")
@click.argument("claim_id")
@log_option
@click.option("--all", "show_all", is_flag=True, help="Every logged decision of the claim, not just the latest.")
@handle_errors
def log_show(claim_id, log_path, show_all):
    """Print the logged decision(s) of CLAIM_ID as JSON."""
    from denialkb.engine.decision_log import DecisionLog

    with DecisionLog(log_path, create=False) as log:
        rows = log.entries(claim_id) if show_all else [log.latest(claim_id)]
        if not rows:
            rows = [log.latest(claim_id)]  # raises the "not in the log" error
        dispositions = log.dispositions(claim_id)
    out = []
    for r in rows:
        r = dict(r)
        r["record"] = json.loads(r["record"])
        r["input"] = json.loads(r["input"]) if r["input"] else None
        # the auditor's dispositions that hold for this decision (same claim input)
        r["dispositions"] = [d for d in dispositions if d["input_sha256"] == r["input_sha256"]]
        out.append(r)
    click.echo(json.dumps(out if show_all else out[0], indent=2, ensure_ascii=False))


@log_group.command("replay")
@click.argument("claim_id")
@log_option
@kb_option
@click.option("--claim", "claim_file", type=click.Path(dir_okay=False), default=None,
              help="The claim document, when the log holds no input (its sha256 must match).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@handle_errors
def log_replay(claim_id, log_path, kb_dir, claim_file, as_json):
    """Decide a logged claim again with the current KB and compare. Exit 0 same, 1 changed."""
    from denialkb.engine.decision_log import replay

    res = replay(log_path, claim_id, claim_file=claim_file, kb_dir=kb_dir)
    if as_json:
        click.echo(json.dumps({k: v for k, v in res.items() if k != "record"}, indent=2))
    else:
        echo_header(res["record"]["kb_version"])
        click.echo(f"claim {claim_id}, logged {res['logged_at']}")
        click.echo("kb_version: same as logged" if res["same_kb_version"] else
                   f"kb_version: changed ({res['logged_kb_version']} -> {res['current_kb_version']})")
        click.echo("record: same" if res["same"] else
                   f"record: changed (outcome {res['outcome'][0]} -> {res['outcome'][1]})")
        for d in res["denials_added"]:
            click.echo(f"  + {d['id']}" + (f" (line {d['line']})" if d["line"] else ""))
        for d in res["denials_removed"]:
            click.echo(f"  - {d['id']}" + (f" (line {d['line']})" if d["line"] else ""))
    sys.exit(0 if res["same"] else 1)
