"""Auditor query commands (GitHub issue 4): why, why-not, paths, what-if, fix.

A thin layer over :mod:`denialkb.engine.explain`: parse arguments, call the library,
print text or ``--format json``. Exit codes: 0 answered, 2 invalid input or KB.
"""

from __future__ import annotations

import json

import click

from denialkb.engine.cli.app import (
    as_of_option,
    check_date,
    echo_header,
    format_option,
    get_decider,
    handle_errors,
    kb_option,
    load_claims,
    main,
)


def _json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def _one(file, payer=None, clinical=None):
    return load_claims([file], payer=payer, clinical=clinical)[0]


def input_options(fn):
    """``--payer`` and ``--clinical`` for X12/FHIR inputs, exactly as ``check`` reads them."""
    fn = click.option("--clinical", type=click.Path(exists=True), default=None,
                      help="Clinical facts (YAML/JSON) to merge into X12/FHIR input: a file, or a folder "
                           "matched by claim or patient id.")(fn)
    return click.option("--payer", "claim_payer", default=None,
                        help="Payer profile id for X12/FHIR input (overrides the payer id map).")(fn)


@main.command("why")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--denial", "denial", default=None, metavar="ID", help="Only this denial (rule id).")
@format_option
@kb_option
@as_of_option
@input_options
@handle_errors
def why_cmd(file, denial, fmt, kb_dir, as_of, claim_payer, clinical):
    """Each denial's full chain: rule, conditions with values and sources, findings, down to input facts."""
    from denialkb.engine.explain import render_why, why

    doc = _one(file, claim_payer, clinical)
    decider = get_decider(kb_dir)
    decision = decider.decide(doc, check_date(as_of))
    chains = why(decision, decider.kb, denial)
    if fmt == "json":
        _json({"claim_id": decision.claim_id, "denials": chains})
    else:
        echo_header(decider.kb.version)
        click.echo(render_why(decision.claim_id, chains), nl=False)


@main.command("why-not")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("target")
@click.option("--all", "show_all", is_flag=True, help="Every way to conclude TARGET, not only the nearest few.")
@format_option
@kb_option
@as_of_option
@input_options
@handle_errors
def why_not_cmd(file, target, show_all, fmt, kb_dir, as_of, claim_payer, clinical):
    """Why TARGET (rule id, finding id, CARC, group-CARC such as CO-16, or RARC) was not concluded: held and failed conditions, nearest miss first."""
    from denialkb.engine.explain import render_why_not, why_not

    doc = _one(file, claim_payer, clinical)
    decider = get_decider(kb_dir)
    decision = decider.decide(doc, check_date(as_of))
    attempts = why_not(decision, decider.kb, target)
    if fmt == "json":
        _json({"claim_id": decision.claim_id, "target": target, "attempts": attempts})
    else:
        echo_header(decider.kb.version)
        click.echo(render_why_not(decision.claim_id, target, attempts, show_all), nl=False)


@main.command("paths")
@click.argument("target")
@click.option("--payer", default=None, metavar="ID", help="Only rules in this payer's scope.")
@format_option
@kb_option
@as_of_option
@handle_errors
def paths_cmd(target, payer, fmt, kb_dir, as_of):
    """From the KB alone: every chain of rules and conditions leading to TARGET (rule id, finding id, CARC, group-CARC such as CO-16, or RARC)."""
    from denialkb.engine.explain import paths, render_paths
    from denialkb.engine.kb import load_kb

    kb = load_kb(kb_dir)
    chains = paths(kb, target, payer, check_date(as_of))
    if fmt == "json":
        _json({"target": target, "payer": payer, "as_of": as_of, "paths": chains})
    else:
        echo_header(kb.version)
        click.echo(render_paths(target, chains), nl=False)


@main.command("what-if")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Change a value (YAML scalar or flow).")
@click.option("--unset", "unsets", multiple=True, metavar="PATH", help="Remove a value.")
@format_option
@kb_option
@as_of_option
@input_options
@handle_errors
def what_if_cmd(file, sets, unsets, fmt, kb_dir, as_of, claim_payer, clinical):
    """Decide again with the document changed: denials added and removed."""
    from denialkb.engine.explain import parse_assignment, render_what_if, what_if

    doc = _one(file, claim_payer, clinical)
    pairs = [parse_assignment(s) for s in sets]
    decider = get_decider(kb_dir)
    res = what_if(decider, doc, pairs, list(unsets), check_date(as_of))
    if fmt == "json":
        _json(res)
    else:
        echo_header(decider.kb.version)
        click.echo(render_what_if(res), nl=False)


@main.command("fix")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
@kb_option
@as_of_option
@input_options
@handle_errors
def fix_cmd(file, fmt, kb_dir, as_of, claim_payer, clinical):
    """For each denial, the smallest verified changes that clear it (or why the claim should not be billed so)."""
    from denialkb.engine.explain import fix, render_fix

    decider = get_decider(kb_dir)
    res = fix(decider, _one(file, claim_payer, clinical), check_date(as_of))
    if fmt == "json":
        _json(res)
    else:
        echo_header(decider.kb.version)
        click.echo(render_fix(res), nl=False)
