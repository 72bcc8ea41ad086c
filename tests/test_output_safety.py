"""Output safety (reliability-review.md section 5: S1-S5).

Graphviz labels are text (a trailing backslash or ``\\N \\G \\L`` in claim data is drawn as
written), render failures are messages, terminal output cannot carry control codes,
``--out`` never overwrites an input, and no error message carries patient data.
"""

import copy
import json
import shutil

import pytest
import yaml

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import ClaimInvalidError, Problem
from denialkb.engine.safety import terminal_safe

from .conftest import EXAMPLES, run_cli

E = EXAMPLES / "pertuzumab-clean-medicare.yaml"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


def claim_with(tmp_path, old, new, name="c.yaml"):
    text = E.read_text()
    assert old in text
    p = tmp_path / name
    p.write_text(text.replace(old, new))
    return p


@needs_dot
def test_s1_trailing_backslash_graph_and_report_are_written(tmp_path):
    q = claim_with(tmp_path, "id: CLM-P-CLEAN-MCR", 'id: "CLM-TRAILING\\\\"', name="q.yaml")
    r = run_cli("report", q, "--out", tmp_path / "r.html")
    assert r.returncode == 0, r.stderr
    assert "CLM-TRAILING\\" in (tmp_path / "r.html").read_text()
    r = run_cli("graph", "--claim", q, "--out", tmp_path / "g.svg")
    assert r.returncode == 0, r.stderr
    import xml.dom.minidom

    svg = (tmp_path / "g.svg").read_text()
    xml.dom.minidom.parseString(svg)
    assert "CLM&#45;TRAILING\\ (rules as of" in svg


@needs_dot
def test_s2_graphviz_escapes_in_claim_data_are_drawn_as_written(tmp_path):
    from denialkb.engine.claim import load_claim
    from denialkb.engine.runtime import Decider
    from denialkb.visualize.graph import decision_graph
    from denialkb.visualize.render import render_svg_text, to_dot

    p = claim_with(tmp_path, "id: CLM-P-CLEAN-MCR", 'id: "C-backslashN-X\\\\N\\\\G\\\\L"')
    d = Decider()
    g = decision_graph(d.decide(load_claim(p)), d.kb)
    svg = render_svg_text(g)
    assert "C&#45;backslashN&#45;X\\N\\G\\L" in svg
    assert "XNdenialkbL" not in svg
    assert '\\\\N\\\\G\\\\L' in to_dot(g)


def test_render_failure_is_a_message_with_exit_3(monkeypatch):
    import graphviz
    import networkx as nx

    from denialkb.visualize import render

    def broken(self, *a, **k):
        raise graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: syntax error in line 1")

    monkeypatch.setattr(graphviz.Digraph, "pipe", broken)
    g = nx.DiGraph()
    g.add_node("a", kind="rule", label="a")
    with pytest.raises(render.RenderError) as e:
        render.render_svg_text(g)
    assert e.value.exit_code == 3
    assert e.value.format() == ("<input>: render_error: Graphviz failed to render SVG: Error: syntax error in line 1\n"
                                "    hint: write .dot or .graphml instead, or report this as a bug\n"
                                "the graph could not be drawn; nothing was written")


def test_s3_escape_codes_in_a_claim_id_never_reach_the_terminal(tmp_path):
    p = claim_with(tmp_path, "id: CLM-P-CLEAN-MCR", 'id: "CLM-1\\e[2J\\e[1;32mCLM-1: CLEAN\\e[0m\\rX"')
    r = run_cli("check", p)
    assert r.returncode == 2 and "\x1b" not in r.stdout + r.stderr and "\r" not in r.stderr
    assert "claim.id: found a control character" in r.stderr


def test_s3_terminal_safe_text():
    assert terminal_safe("CLM-1\x1b[2J\x1b[1;32mCLEAN\x1b[0m\rX") == "CLM-1\\x1b[2J\\x1b[1;32mCLEAN\\x1b[0m\\rX"
    assert terminal_safe("a\tb\nc \u05d0 \U0001F600") == "a\tb\nc \u05d0 \U0001F600"
    assert terminal_safe("\u202eevil\x00\x9b\ud800") == "\\u202eevil\\0\\x9b\\ud800"
    p = Problem("claim_invalid", "bad", "dir/\x1b[31mred.yaml", 1, 1)
    assert "\x1b" not in p.format() and "dir/\\x1b[31mred.yaml:1:1" in p.format()


def test_s3_record_text_is_terminal_safe():
    from denialkb.engine.record import render_text
    from denialkb.engine.runtime import Decider

    d = Decider()
    rec = d.check_file(E)
    rec["claim_id"] = "X\x1b[2JY"
    assert render_text(rec).splitlines()[0] == "X\\x1b[2JY: CLEAN"


def test_s5_out_that_is_an_input_is_refused(tmp_path):
    p = tmp_path / "claim.json"
    p.write_text(json.dumps(yaml.safe_load(E.read_text()), default=str))
    before = p.read_bytes()
    for args in (("report", p, "--out", p), ("graph", "--claim", p, "--out", tmp_path / "claim.json"),
                 ("audit", tmp_path, "--out", tmp_path, "--workers", "1")):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "it would be overwritten" in r.stderr and "Traceback" not in r.stderr
    assert p.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["claim.json"]


# ------------------------------------------------------------------ S4: no patient data in messages

SENTINEL = "QZXPHI"
PHI_PLACES = {
    # place: values that are wrong there, each carrying the sentinel
    ("patient", "id"): [SENTINEL * 20, 12345678, [SENTINEL], SENTINEL + "\x00", SENTINEL + "\ud800"],
    ("patient", "birth_date"): [f"{SENTINEL}-01-01", "1968-02-30", 19680230, "9999-01-01"],
    ("patient", "sex"): [SENTINEL, 7],
    ("patient", "weight_kg"): [SENTINEL, -5, 1e12, float("nan")],
    ("patient", "pregnant"): [SENTINEL],
    ("claim", "diagnoses"): [[f"Z17.31 {SENTINEL}"], [SENTINEL], ["C50.911", 77777]],
    ("clinical", "biomarkers", "her2", "ihc"): [f"4+{SENTINEL}"],
    ("clinical", "cancer", "primary_site"): [SENTINEL],
    ("clinical", "cancer", "tumor_size_cm"): [SENTINEL, 1e9],
    ("clinical", "ecog"): [f"{SENTINEL}", 9],
    ("clinical", "concurrent_drugs"): [[SENTINEL * 20], [7]],
    ("clinical", "lvef"): [[{"date": f"2024-{SENTINEL}", "percent": 62}], [{"date": "2024-01-05", "percent": SENTINEL}]],
}


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value


def _cases():
    for path, values in PHI_PLACES.items():
        for i, v in enumerate(values):
            yield pytest.param(path, v, id=f"{'.'.join(path)}-{i}")


@pytest.mark.parametrize("path,value", list(_cases()))
def test_s4_no_patient_value_in_any_claim_error(path, value):
    doc = json.loads(json.dumps(yaml.safe_load(E.read_text()), default=str))
    _set(doc, path, copy.deepcopy(value))
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(doc, "phi.json")
    text = e.value.format() + json.dumps(e.value.to_dict())
    assert e.value.problems, "the wrong value must be refused"
    assert SENTINEL not in text and "19680230" not in text and "1968-02-30" not in text
    assert "12345678" not in text and "77777" not in text


def test_s4_cli_check_audit_and_json_errors_carry_no_patient_data(tmp_path):
    doc = json.loads(json.dumps(yaml.safe_load(E.read_text()), default=str))
    doc["patient"]["id"] = 4242424242
    doc["patient"]["birth_date"] = "1968-02-30"
    doc["claim"]["diagnoses"] = ["C50.911", "Z17.31 HIV+"]
    p = tmp_path / "phi.json"
    p.write_text(json.dumps(doc))
    y = tmp_path / "phi.yaml"
    y.write_text(yaml.safe_dump(doc))
    secrets = ("4242424242", "1968-02-30", "HIV")
    outs = []
    for args in (("check", p), ("check", y), ("check", "--format", "json", p), ("report", y, "--out", tmp_path / "r.html"),
                 ("what-if", E, "--set", "patient.birth_date=1968-02-30"),
                 ("what-if", E, "--set", "claim.diagnoses=[C50.911, Z17.31 HIV+]")):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        outs.append(r.stdout + r.stderr)
    r = run_cli("audit", p, y, "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 1, r.stderr
    outs.append(r.stdout + r.stderr + (tmp_path / "out" / "rejected.jsonl").read_text())
    assert len((tmp_path / "out" / "rejected.jsonl").read_text().splitlines()) == 2
    for text in outs:
        for s in secrets:
            assert s not in text, (s, text)


def test_render_failure_from_the_cli_is_reported_with_exit_3(tmp_path):
    import os

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dot").write_text("#!/bin/sh\ncat > /dev/null\necho 'Error: <stdin>: syntax error in line 3' >&2\nexit 1\n")
    (fake / "dot").chmod(0o755)
    r = run_cli("graph", "--claim", E, "--out", tmp_path / "g.svg",
                env={"PATH": f"{fake}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert r.returncode == 3, r.stderr
    assert "render_error: Graphviz failed to render SVG: Error: <stdin>: syntax error in line 3" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "g.svg").exists()
