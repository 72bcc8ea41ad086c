"""``denialkb kb lint|test|diff``: the policy-author toolchain (thin layer over engine.authoring).

Exit codes: 0 clean; 1 lint errors or warnings (info lines do not count), a failing
case, or coverage below ``--coverage-min``; 2 a KB that cannot be loaded (``test``,
``diff``) or a bad argument. ``diff`` exits 0 whatever changed: it reports, it does not judge.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from denialkb.engine.cli.app import (
    KBSource,
    echo_header,
    format_option,
    handle_errors,
    kb_version_of,
    main,
    resolve_kb,
    use_kb,
)


def _short(version):
    return version[:19] if version else "unreadable"


@main.group("kb")
def kb_group():
    """Tools for knowledge-base authors: lint, test, diff, new."""


kb_dir_arg = click.argument("kb_dir", required=False, type=click.Path(file_okay=False),
                            callback=lambda ctx, param, v: use_kb(v, origin="argument", ctx=ctx))


@kb_group.command("lint")
@kb_dir_arg
@format_option
@handle_errors
def lint(kb_dir, fmt):
    """Report every problem of a KB at once (errors, warnings, info), sorted by file and line."""
    from denialkb.engine.authoring import format_problem, lint_kb, problem_dict, summarize

    _, problems = lint_kb(kb_dir)
    bad = any(p.severity in ("error", "warning") for p in problems)
    if fmt == "json":
        click.echo(json.dumps({"summary": summarize(problems), "problems": [problem_dict(p) for p in problems]},
                              indent=2))
    else:
        echo_header()
        for p in problems:
            click.echo(format_problem(p))
        click.echo(summarize(problems))
    sys.exit(1 if bad else 0)


@kb_group.command("test")
@kb_dir_arg
@click.option("--coverage", is_flag=True, help="Report rules, conditions, denials and CARCs the cases miss.")
@click.option("--coverage-min", type=click.FloatRange(0, 100), default=None, metavar="N",
              help="Fail (exit 1) when coverage is below N percent (implies --coverage).")
@click.option("--coverage-out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write coverage (rules with times fired, conditions, CARCs) to FILE: .json or .csv "
                   "(implies --coverage).")
@click.option("--fail-on-empty", is_flag=True, help="Fail (exit 1) when the KB has no golden cases.")
@format_option
@handle_errors
def test(kb_dir, coverage, coverage_min, coverage_out, fail_on_empty, fmt):
    """Run the KB's golden cases: PASS/FAIL per case with the rules it fired and a diff, optional
    coverage, time taken."""
    from denialkb.engine.kbrun import render_test_run, run_kb_tests, write_coverage

    if coverage_out and not coverage_out.lower().endswith((".json", ".csv")):
        raise click.BadParameter("FILE must end in .json or .csv", param_hint="--coverage-out")
    run = run_kb_tests(kb_dir, coverage=coverage or coverage_min is not None or coverage_out is not None)
    low = coverage_min is not None and run.coverage.percent < coverage_min
    empty = fail_on_empty and not run.results
    if coverage_out:
        write_coverage(run.coverage, coverage_out)
    if fmt == "json":
        click.echo(json.dumps({
            "cases": [{"case": r.case, "file": r.file, "passed": r.passed, "fired": r.fired, "diffs": r.diffs,
                       "error": r.error} for r in run.results],
            "passed": run.passed, "failed": run.failed,
            "coverage": run.coverage.to_dict() if run.coverage else None,
            "seconds": round(run.seconds, 3)}, indent=2))
    else:
        echo_header()
        click.echo(render_test_run(run), nl=False)
        if low:
            click.echo(f"coverage {run.coverage.percent:.1f}% is below the minimum {coverage_min:g}%")
        if empty:
            click.echo("no golden cases: nothing was tested (--fail-on-empty)")
    sys.exit(1 if run.failed or low or empty else 0)


@kb_group.command("diff")
@click.argument("old", type=click.Path(file_okay=False, exists=True))
@click.argument("new", type=click.Path(file_okay=False, exists=True))
@click.option("--claims", "claims_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Replay every claim file in DIR under both KBs and list the decisions that change.")
@format_option
@handle_errors
def diff(old, new, claims_dir, fmt):
    """Rules and tables added, removed and changed between two KBs; optionally replay claims."""
    from denialkb.engine.authoring import diff_kbs
    from denialkb.engine.kb import load_kb
    from denialkb.engine.kbrun import render_diff, replay

    changes = diff_kbs(load_kb(old), load_kb(new))
    rep = replay(old, new, claims_dir) if claims_dir else None
    if fmt == "json":
        click.echo(json.dumps({"changes": [c.to_dict() for c in changes],
                               **(rep.to_dict() if rep else {"decisions_changed": None})}, indent=2, default=str))
    else:
        a, b = KBSource(Path(old), "argument"), KBSource(Path(new), "argument")
        click.echo(f"kb diff: {a.display()} (version {_short(kb_version_of(a.path))}) -> "
                   f"{b.display()} (version {_short(kb_version_of(b.path))})")
        click.echo(render_diff(changes, rep), nl=False)
    sys.exit(0)


@kb_group.group("new")
def new_group():
    """Start a drug, a payer or a rule from a template (then edit the TODOs and run kb lint / kb test)."""


new_kb_option = click.option("--kb", "kb_dir", type=click.Path(file_okay=False), default=None,
                             help="The knowledge-base directory to add the files to (else $DENIALKB_KB or ./kb).")


def _target_kb(kb_dir) -> str:
    from denialkb.engine.errors import Problem, UsageError

    src = resolve_kb(kb_dir)
    if src.origin == "shipped":
        raise UsageError([Problem("usage_error", "kb new writes into a knowledge-base directory, not into the KB "
                                  "shipped with denialkb", hint="name it with --kb DIR (e.g. --kb kb)")])
    return str(src.path)


def _written(paths):
    for p in paths:
        click.echo(f"wrote {p}")
    click.echo("next: replace the TODOs, then run `denialkb kb lint` and `denialkb kb test` on the KB")


@new_group.command("drug")
@click.argument("name")
@click.option("--code", required=True, help="The HCPCS code that bills the drug, e.g. J9358.")
@click.option("--unit-mg", type=float, required=True, help="Milligrams in one billing unit of the code.")
@click.option("--max-mg-per-kg", type=float, required=True, help="Labelled maximum dose in mg/kg.")
@click.option("--dose-mg-per-kg", type=float, default=None, help="Labelled dose in mg/kg (default: the maximum).")
@click.option("--brand", "brands", multiple=True, help="Brand name (an alias); repeat for several.")
@new_kb_option
@handle_errors
def new_drug(name, code, unit_mg, max_mg_per_kg, dose_mg_per_kg, brands, kb_dir):
    """A drug: its code row, drug row (aliases, dosing), a dose rule with the JW guard, golden cases."""
    from denialkb.engine.scaffold import drug_values, render, write_files

    _written(write_files(_target_kb(kb_dir), render("drug", drug_values(name, code, unit_mg, max_mg_per_kg, dose_mg_per_kg,
                                                               brands))))


@new_group.command("payer")
@click.argument("payer_id")
@click.option("--name", required=True, help="The payer's name, as explanations print it.")
@new_kb_option
@handle_errors
def new_payer(payer_id, name, kb_dir):
    """A payer profile listing every setting the KB reads, each with its source field."""
    from denialkb.engine.kb import load_kb
    from denialkb.engine.scaffold import payer_values, render, write_files

    kb_dir = _target_kb(kb_dir)
    _written(write_files(kb_dir, render("payer", payer_values(load_kb(kb_dir), payer_id, name))))


@new_group.command("rule")
@click.argument("rule_id")
@click.option("--level", type=click.Choice(["line", "claim"]), default="line", show_default=True)
@click.option("--file", "file", default=None, help="File name under rules/ and cases/ (default: the id).")
@new_kb_option
@handle_errors
def new_rule(rule_id, level, file, kb_dir):
    """A rule from the template, with a golden case and a near miss to fill in."""
    from denialkb.engine.scaffold import render, rule_values, write_files

    _written(write_files(_target_kb(kb_dir), render("rule", rule_values(rule_id, level, file))))
