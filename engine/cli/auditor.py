"""The auditor's commands (issue 15): ``sample``, ``appraise``, ``compare`` and ``log annotate``.

A thin layer over :mod:`denialkb.engine.sample`, :mod:`denialkb.engine.appraise`,
:mod:`denialkb.engine.compare` and :mod:`denialkb.engine.decision_log`. Exit codes: 0 done,
2 bad arguments or input (every problem at once, located).
"""

from __future__ import annotations

import json

import click

from denialkb.engine.cli.app import format_option, handle_errors, main


def _bounds(text):
    if not text:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        from denialkb.engine.errors import Problem, UsageError

        raise UsageError([Problem("usage_error", f"--bounds: '{text}' is not a list of amounts",
                                  expected="amounts separated by commas, e.g. 1000,5000")]) from None


@main.command("sample")
@click.argument("population", type=click.Path(exists=True))
@click.option("--size", "size", required=True, type=click.IntRange(min=1), help="Sample size (all strata).")
@click.option("--seed", "seed", required=True, type=int, help="Random seed: the same seed gives the same sample.")
@click.option("--unit", type=click.Choice(["claim", "line"]), default="claim", show_default=True,
              help="Sampling unit.")
@click.option("--population", "only", type=click.Choice(["all", "denied"]), default="all", show_default=True,
              help="Every unit, or only units with a predicted denial.")
@click.option("--strata", type=click.IntRange(min=1), default=None,
              help="Stratify by the amount under review (paid, else charge) into this many strata of equal count.")
@click.option("--bounds", default=None, metavar="A,B,...", help="Stratify at these amounts instead.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for frame.csv, sample.csv and sample.json.")
@format_option
@handle_errors
def sample_cmd(population, size, seed, unit, only, strata, bounds, out, fmt):
    """Draw a seeded simple random or stratified sample from an audit's lines table (POPULATION:
    the audit --out folder, lines.csv or lines.parquet) and export the RAT-STATS frame."""
    from denialkb.engine.sample import make_sample

    d = make_sample(population, out, size=size, seed=seed, unit=unit, only=only, strata=strata,
                    bounds=_bounds(bounds))
    if fmt == "json":
        click.echo(json.dumps(d, indent=2))
        return
    click.echo(f"{d['method'].replace('_', ' ')} sample of {d['sample_size']} {unit}s from {d['universe_size']} "
               f"(seed {seed}); wrote {out}/frame.csv, sample.csv, sample.json")
    for s in d["strata"]:
        click.echo(f"  stratum {s['stratum']}: {s['sample_size']} of {s['universe_size']} "
                   f"(${s['low']:,.2f} to ${s['high']:,.2f}; universe ${s['universe_value']:,.2f})")


@main.command("appraise")
@click.argument("sample_dir", type=click.Path(exists=True))
@click.option("--predicted", is_flag=True,
              help="Units not reviewed count the predicted amount at risk as their overpayment.")
@format_option
@handle_errors
def appraise_cmd(sample_dir, predicted, fmt):
    """Attribute and variable appraisal of a reviewed sample (SAMPLE_DIR from denialkb sample, with
    audited_value / difference / error filled in): error rate and projected overpayment, 90 % intervals."""
    from denialkb.engine.appraise import appraise, render_appraisal

    res = appraise(sample_dir, predicted=predicted)
    if fmt == "json":
        click.echo(json.dumps(res, indent=2))
    else:
        click.echo(render_appraisal(res), nl=False)


@main.command("compare")
@click.argument("decisions", type=click.Path(exists=True))
@click.argument("remit", type=click.Path(exists=True, dir_okay=False))
@click.option("--ignore-carc", "ignore", default=",".join(("1", "2", "3", "45", "253")), show_default=True,
              metavar="CARCS", help="Payment adjustments that are not denials (comma-separated CARCs).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False), default=None,
              help="Write the comparison as a self-contained HTML page (default: compare.html in the audit "
                   "folder when DECISIONS is one; it holds claim ids).")
@click.option("--accept-invalid", is_flag=True,
              help="Compare with an 835 that fails pyx12 validation (its findings are printed as warnings).")
@format_option
@handle_errors
def compare_cmd(decisions, remit, ignore, html_out, fmt, accept_invalid):
    """Compare predicted denials (DECISIONS: decisions.jsonl or the audit --out folder) with the
    payer's actual 835 (REMIT): per line agree / predicted-only / actual-only by CARC, the
    confusion matrix, per-rule precision and recall, and the actual denials no rule predicts."""
    from denialkb.engine.compare import compare_files, render_compare
    from denialkb.engine.errors import UsageError

    ignored = [c.strip() for c in ignore.split(",") if c.strip()]
    try:
        res = compare_files(decisions, remit, ignored=ignored)
    except UsageError as e:
        if not accept_invalid or not all(p.code == "remit_invalid" for p in e.problems):
            raise
        # a payer's 835 the auditor cannot fix: say what is wrong with it, then read it anyway
        for p in e.problems:
            click.echo("warning: " + p.format(), err=True)
        res = compare_files(decisions, remit, ignored=ignored, validate=False)
    from pathlib import Path

    if html_out is None and Path(decisions).is_dir():
        html_out = str(Path(decisions) / "compare.html")  # the summary's companion page, next to it
    if html_out:
        from denialkb.visualize.report import render_compare_page

        Path(html_out).write_text(render_compare_page(res), encoding="utf-8")
    if fmt == "json":
        click.echo(json.dumps(res, indent=2))
    else:
        click.echo(render_compare(res), nl=False)


def _register_annotate():
    from denialkb.engine.cli.app import kb_option
    from denialkb.engine.cli.audit import log_group, log_option

    @log_group.command("annotate")
    @click.argument("claim_id")
    @click.argument("denial")
    @click.option("--disposition", required=True, type=click.Choice(["agree", "disagree", "note"]),
                  help="The auditor's view of this finding.")
    @click.option("--note", default=None, help="Free text (kept in the log; it may hold patient data).")
    @click.option("--line", "line", type=int, default=None, help="The line, when the rule denies several.")
    @log_option
    @kb_option
    @handle_errors
    def log_annotate(claim_id, denial, disposition, note, line, log_path, kb_dir):
        """Record a disposition for DENIAL (rule id) of the latest logged decision of CLAIM_ID. It is
        shown in the audit tables and carried to a re-run while the claim and the rule are unchanged."""
        from denialkb.engine.decision_log import annotate

        res = annotate(log_path, claim_id, denial, disposition, note, line, kb_dir)
        where = f"line {res['line']}" if res["line"] is not None else "claim"
        click.echo(f"{claim_id} {denial} ({where}): {disposition}" + (f" - {note}" if note else ""))


_register_annotate()
