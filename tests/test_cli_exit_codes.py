"""Total exit codes (issue 17 item 1): 0 clean, 1 denied/undetermined, 2 invalid input or KB,
3 internal error (short message; traceback only with --debug), 4 incomplete.

The crash reproducers C1-C7 of reliability-review.md §1.2 reach the CLI: whatever the input
validation makes of them (exit 2 once it refuses them), they never exit 1, never print a
traceback and never print a decision for an input the engine could not handle.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner

from denialkb.engine.cli import main
from denialkb.engine.cli.app import EXIT_HELP

from .conftest import ROOT, SMALL, run_cli

E = SMALL / "pertuzumab-clean-medicare.yaml"


def _doc():
    return yaml.safe_load(E.read_text())


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return doc


def _yaml(tmp_path, name, doc):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return p


def _c5(tmp_path):
    doc = json.loads(json.dumps(_doc(), default=str))
    text = json.dumps(doc).replace('"units": 420', '"units": ' + "9" * 5000, 1)
    assert "9" * 5000 in text
    p = tmp_path / "c5.json"
    p.write_text(text)
    return [p]


REPRODUCERS = {
    # id: (make the input files and extra args)
    "C1": lambda t: [_yaml(t, "c1.yaml", _set(_doc(), ("documentation", "infusion_start"), "2024-02-30T09:10"))],
    "C1-minute": lambda t: [_yaml(t, "c1m.yaml", _set(_doc(), ("documentation", "infusion_start"), "2024-03-15T09:60"))],
    "C2": lambda t: [_yaml(t, "c2.yaml", _set(_doc(), ("documentation", "infusion_start"), "2024-03-15T09:10Z"))],
    "C3": lambda t: [_yaml(t, "c3.yaml", _set(_set(_doc(), ("claim", "lines", 0, "service_date"), "9999-12-31"),
                                             ("claim", "lines", 1, "service_date"), "9999-12-31"))],
    "C4": lambda t: [_yaml(t, "c4.yaml", _set(_doc(), ("documentation", "waste_mg"), float("inf")))],
    "C5": _c5,
    "C6": lambda t: [_yaml(t, "c6.yaml", _set(_doc(), ("patient", "id"), "P-\ud800")), "--log", t / "c6.sqlite"],
    "C7": lambda t: ["--format", "x12-835", _yaml(t, "c7.yaml", _set(_doc(), ("claim", "lines", 0, "charge"),
                                                                    float("inf")))],
}


FMT = ROOT / "tests" / "data" / "formats"


def _x1(t):
    pytest.importorskip("pyx12")
    p = t / "x1.txt"
    p.write_text("".join(seg for seg in (FMT / "pertuzumab_837p.txt").read_text().splitlines(keepends=True)
                         if not seg.startswith("GS*")))
    return [p, "--clinical", FMT / "pertuzumab_clinical.yaml"]


def _x2(t):
    pytest.importorskip("pyx12")
    text = (FMT / "pertuzumab_837p.txt").read_text()
    assert "*000000101*" in text.splitlines()[0]
    p = t / "x2.txt"
    p.write_text(text.replace("*000000101*", "*000000101", 1))
    return [p, "--clinical", FMT / "pertuzumab_clinical.yaml"]


def _f1(t):
    text = (FMT / "pertuzumab_bundle.json").read_text()
    assert '"id": "pat-1"' in text
    p = t / "f1.json"
    p.write_text(text.replace('"id": "pat-1"', '"id": "pat-1", "extension": ' + "[" * 3000 + "]" * 3000, 1))
    return [p, "--clinical", FMT / "pertuzumab_bundle_complement.yaml"]


# the X12/FHIR reader crashes of reliability-review.md §2 reach the CLI too
REPRODUCERS.update({"X1": _x1, "X2": _x2, "F1": _f1})


@pytest.mark.parametrize("rid", sorted(REPRODUCERS))
def test_crash_reproducers_never_exit_1(tmp_path, rid):
    args = REPRODUCERS[rid](tmp_path)
    r = run_cli("check", *args)
    assert r.returncode in (2, 3), (rid, r.returncode, r.stdout[:200], r.stderr[-400:])
    assert "Traceback" not in r.stderr
    assert r.stdout == ""  # nothing decided, nothing printed
    if r.returncode == 3:
        (line,) = r.stderr.splitlines()
        assert line.startswith("denialkb: internal error: ") and "--debug" in line


def test_c6_surrogate_message_does_not_echo_it(tmp_path):
    r = run_cli("check", *REPRODUCERS["C6"](tmp_path))
    assert "ud800" not in r.stderr.lower() and "P-0001" not in r.stderr


def _boom(*a, **k):
    raise ValueError("patient P-0001 born 1961-07-04")  # an exception text that quotes claim values


@pytest.fixture
def crashing(monkeypatch):
    from denialkb.engine import runtime

    monkeypatch.setattr(runtime.Decider, "check_document", _boom)
    monkeypatch.setattr(runtime.Decider, "decide", _boom)


@pytest.mark.parametrize("args", [["check", str(E)], ["check", "--format", "json", str(E)], ["why", str(E)],
                                  ["report", str(E), "--out", "{tmp}/r.html"]])
def test_internal_error_is_exit_3_short_and_without_claim_values(crashing, tmp_path, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 3, res.output
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert "P-0001" not in res.stderr and "1961" not in res.stderr
    text = res.stderr if "json" not in args else json.loads(res.stderr)["summary"]
    assert re.search(r"^denialkb: internal error: ValueError at [\w/]+\.py:\d+; nothing was decided", text)
    assert "nothing was decided" in text


def test_debug_shows_the_traceback(crashing):
    res = CliRunner().invoke(main, ["--debug", "check", str(E)])
    assert res.exit_code == 3
    assert "Traceback (most recent call last)" in res.stderr and "patient P-0001" in res.stderr
    res = CliRunner().invoke(main, ["check", str(E)], env={"DENIALKB_DEBUG": "1"})
    assert res.exit_code == 3 and "Traceback" in res.stderr


def test_exit_codes_of_check():
    assert run_cli("check", E).returncode == 0
    assert run_cli("check", SMALL / "pertuzumab-her2-missing.yaml").returncode == 1
    assert run_cli("check", ROOT / "nope.yaml").returncode == 2


def test_keyboard_interrupt_is_incomplete_not_denied(monkeypatch):
    from denialkb.engine import runtime

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runtime.Decider, "check_document", interrupted)
    res = CliRunner().invoke(main, ["check", str(E)])
    assert res.exit_code == 4 and "interrupted" in res.stderr and "Traceback" not in res.stderr


def test_disk_full_is_a_message_with_exit_4(monkeypatch):
    import errno

    from denialkb.engine import record

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(record, "render_text", full)
    res = CliRunner().invoke(main, ["check", str(E)])
    assert res.exit_code == 4 and "no space left on device" in res.stderr and "Traceback" not in res.stderr


def test_log_that_is_not_a_database_is_exit_2(tmp_path):
    r = run_cli("check", E, "--log", E)  # a YAML file
    assert r.returncode == 2 and "cannot use as a decision log" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("check", E, "--log", tmp_path / "no" / "such" / "dir" / "log.sqlite")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cli("log", "show", "X", "--log", tmp_path / "new.sqlite")
    assert r.returncode == 2 and not (tmp_path / "new.sqlite").exists()  # no empty log created


def test_locked_log_is_exit_4(tmp_path, monkeypatch):
    import sqlite3

    from denialkb.engine import decision_log

    log = tmp_path / "l.sqlite"
    decision_log.DecisionLog(log).close()
    monkeypatch.setattr(decision_log, "LOCK_TIMEOUT", 0.2)
    holder = sqlite3.connect(log, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = CliRunner().invoke(main, ["check", str(E), "--log", str(log)])
    finally:
        holder.rollback()
        holder.close()
    assert res.exit_code == 4, res.output
    assert "the decision log is locked by another process" in res.stderr and "Traceback" not in res.stderr


def test_help_documents_the_exit_codes():
    r = run_cli("--help")
    for code in ("0  clean", "1  check:", "2  invalid input", "3  internal error", "4  incomplete"):
        assert code in r.stdout
    assert "Exit codes" in EXIT_HELP
    readme = (ROOT / "README.md").read_text()
    assert "### Exit codes" in readme and "| 4 | incomplete" in readme
    a = " ".join(run_cli("audit", "--help").stdout.split())
    assert "1 the run completed and some claims were rejected" in a and "4 incomplete" in a
