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
    use_kb,
)


def _short(version):
    return version[:19] if version else "unreadable"


@main.group("kb")
def kb_group():
    """Tools for knowledge-base authors: lint, test, diff."""


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
@format_option
@handle_errors
def test(kb_dir, coverage, coverage_min, fmt):
    """Run the KB's golden cases: PASS/FAIL per case with a diff, optional coverage, time taken."""
    from denialkb.engine.authoring import render_test_run, run_kb_tests

    run = run_kb_tests(kb_dir, coverage=coverage or coverage_min is not None)
    low = coverage_min is not None and run.coverage.percent < coverage_min
    if fmt == "json":
        click.echo(json.dumps({
            "cases": [{"case": r.case, "file": r.file, "passed": r.passed, "diffs": r.diffs, "error": r.error}
                      for r in run.results],
            "passed": run.passed, "failed": run.failed,
            "coverage": run.coverage.to_dict() if run.coverage else None,
            "seconds": round(run.seconds, 3)}, indent=2))
    else:
        echo_header()
        click.echo(render_test_run(run), nl=False)
        if low:
            click.echo(f"coverage {run.coverage.percent:.1f}% is below the minimum {coverage_min:g}%")
    sys.exit(1 if run.failed or low else 0)


@kb_group.command("diff")
@click.argument("old", type=click.Path(file_okay=False, exists=True))
@click.argument("new", type=click.Path(file_okay=False, exists=True))
@click.option("--claims", "claims_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Replay every claim file in DIR under both KBs and list the decisions that change.")
@format_option
@handle_errors
def diff(old, new, claims_dir, fmt):
    """Rules and tables added, removed and changed between two KBs; optionally replay claims."""
    from denialkb.engine.authoring import diff_kbs, render_diff, replay_claims
    from denialkb.engine.kb import load_kb

    changes = diff_kbs(load_kb(old), load_kb(new))
    replay = replay_claims(old, new, claims_dir) if claims_dir else None
    if fmt == "json":
        click.echo(json.dumps({"changes": [c.to_dict() for c in changes], "decisions_changed": replay},
                              indent=2, default=str))
    else:
        a, b = KBSource(Path(old), "argument"), KBSource(Path(new), "argument")
        click.echo(f"kb diff: {a.display()} (version {_short(kb_version_of(a.path))}) -> "
                   f"{b.display()} (version {_short(kb_version_of(b.path))})")
        click.echo(render_diff(changes, replay), nl=False)
    sys.exit(0)
