"""Dispositions (issue 15 item 8): log annotate, shown in the tables and log show, carried to a
re-run while the claim and the rule are unchanged."""

import json
import shutil

from click.testing import CliRunner

from denialkb.engine.cli import main
from denialkb.engine.tables import read_table
from tests.conftest import KB, SMALL


def _audit(src, out, log, kb=KB):
    r = CliRunner().invoke(main, ["audit", str(src), "--out", str(out), "--workers", "1", "--kb", str(kb),
                                  "--no-progress", "--log", str(log)])
    assert r.exit_code == 0, r.output
    return {(x["rule_id"], x["line"]): (x["disposition"], x["note"]) for x in read_table(out / "denials.csv")}


def test_annotate_show_and_carry(tmp_path):
    src = tmp_path / "c"
    src.mkdir()
    shutil.copy(SMALL / "pertuzumab-jw-and-jz.yaml", src / "a.yaml")
    log = tmp_path / "log.sqlite"
    first = _audit(src, tmp_path / "o1", log)
    assert set(first.values()) == {(None, None)}
    cli = CliRunner()
    r = cli.invoke(main, ["log", "annotate", "CLM-P-JW-JZ", "JW-JZ-SAME-LINE", "--disposition", "agree",
                          "--note", "both modifiers on line 1", "--log", str(log), "--kb", str(KB)])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "CLM-P-JW-JZ JW-JZ-SAME-LINE (line 1): agree - both modifiers on line 1"
    r = cli.invoke(main, ["log", "annotate", "CLM-P-JW-JZ", "JW-UNITS-NOT-DOCUMENTED-WASTE", "--disposition",
                          "disagree", "--log", str(log), "--kb", str(KB)])
    assert r.exit_code == 0, r.output
    # errors: unknown denial (did-you-mean), bad line
    r = cli.invoke(main, ["log", "annotate", "CLM-P-JW-JZ", "JW-JZ-SAME-LIN", "--disposition", "note",
                          "--log", str(log), "--kb", str(KB)])
    assert r.exit_code == 2 and "did you mean 'JW-JZ-SAME-LINE'" in r.output
    r = cli.invoke(main, ["log", "annotate", "CLM-P-JW-JZ", "JW-JZ-SAME-LINE", "--disposition", "note",
                          "--line", "2", "--log", str(log), "--kb", str(KB)])
    assert r.exit_code == 2 and "does not deny line 2" in r.output
    shown = json.loads(cli.invoke(main, ["log", "show", "CLM-P-JW-JZ", "--log", str(log)]).output)
    assert [(d["rule_id"], d["line"], d["disposition"]) for d in shown["dispositions"]] == [
        ("JW-JZ-SAME-LINE", 1, "agree"), ("JW-UNITS-NOT-DOCUMENTED-WASTE", 1, "disagree")]
    # a re-run of the unchanged claim with the unchanged KB carries both into the tables
    second = _audit(src, tmp_path / "o2", log)
    assert second[("JW-JZ-SAME-LINE", 1)] == ("agree", "both modifiers on line 1")
    assert second[("JW-UNITS-NOT-DOCUMENTED-WASTE", 1)] == ("disagree", None)
    assert second[("JW-WITHOUT-POSSIBLE-WASTE", 1)] == (None, None)
    # the claim changed (another charge): nothing is carried
    (src / "a.yaml").write_text((src / "a.yaml").read_text().replace("charge: 4800.0", "charge: 4900.0"))
    third = _audit(src, tmp_path / "o3", log)
    assert set(third.values()) == {(None, None)}


def test_changed_rule_is_not_carried(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    src = tmp_path / "c"
    src.mkdir()
    shutil.copy(SMALL / "pertuzumab-jw-and-jz.yaml", src / "a.yaml")
    log = tmp_path / "log.sqlite"
    _audit(src, tmp_path / "o1", log, kb)
    r = CliRunner().invoke(main, ["log", "annotate", "CLM-P-JW-JZ", "JW-JZ-SAME-LINE", "--disposition", "agree",
                                  "--log", str(log), "--kb", str(kb)])
    assert r.exit_code == 0, r.output
    kb2 = tmp_path / "kb2"  # a fresh path: the in-process Decider is cached per KB directory
    shutil.copytree(kb, kb2)
    rules = next(p for p in (kb2 / "rules").glob("*.yaml") if "JW-JZ-SAME-LINE" in p.read_text())
    text = rules.read_text()
    i = text.index("id: JW-JZ-SAME-LINE")
    j = text.index("title:", i)
    k = text.index("\n", j)
    rules.write_text(text[:k] + " (edited)" + text[k:])
    again = _audit(src, tmp_path / "o2", log, kb2)
    assert again[("JW-JZ-SAME-LINE", 1)] == (None, None)
