"""Decision graphs, KB graphs and their rendering (visualize.graph, visualize.render)."""

import json

import networkx as nx
import pytest

from denialkb.engine.claim import load_claim
from denialkb.visualize.graph import decision_graph, focus_graph, kb_graph, node_id
from denialkb.visualize.render import GraphvizMissingError, render, to_dot
from tests.conftest import SMALL, body

HER2_MISSING = SMALL / "pertuzumab-her2-missing.yaml"
DENIAL = "PERTUZUMAB-HER2-NOT-DOCUMENTED"

FOCUS_NODES = {
    "carc__16",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__0",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__1",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__10",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__11",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__12",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__13",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__14",
    # the gastro-oesophageal branch (ratio >= 2.0 is positive there whatever the copy number; labels4)
    "cond__HER2-POSITIVE-BY-ASCO-CAP__15",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__16",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__17",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__18",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__2",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__3",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__4",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__5",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__6",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__7",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__8",
    "cond__HER2-POSITIVE-BY-ASCO-CAP__9",
    "cond__PERTUZUMAB-HER2-NOT-DOCUMENTED__0",
    "denial__PERTUZUMAB-HER2-NOT-DOCUMENTED",
    "fact__clinical.biomarkers.her2.copy_number",
    "fact__clinical.biomarkers.her2.ihc",
    "fact__clinical.biomarkers.her2.ish",
    "fact__clinical.biomarkers.her2.ish_ratio",
    "fact__clinical.biomarkers.her2.reported",
    "fact__clinical.cancer.primary_site",
    "finding__HER2-NOT-ESTABLISHED",
    "finding__HER2-POSITIVE",
    "rule__HER2-POSITIVE-BY-ASCO-CAP",
    "rule__HER2-STATUS-NOT-ESTABLISHED",
    "rule__PERTUZUMAB-HER2-NOT-DOCUMENTED",
}
FOCUS_EDGES = {
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__0", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__1", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__10", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__11", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__12", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__13", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__14", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__15", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__16", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__17", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__18", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__2", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__3", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all/any"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__4", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all/any"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__5", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__6", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__7", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__8", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__HER2-POSITIVE-BY-ASCO-CAP__9", "rule__HER2-POSITIVE-BY-ASCO-CAP", "any/all"),
    ("cond__PERTUZUMAB-HER2-NOT-DOCUMENTED__0", "rule__PERTUZUMAB-HER2-NOT-DOCUMENTED", "all"),
    ("denial__PERTUZUMAB-HER2-NOT-DOCUMENTED", "carc__16", "CO"),
    ("fact__clinical.biomarkers.her2.copy_number", "cond__HER2-POSITIVE-BY-ASCO-CAP__10", "tests"),
    ("fact__clinical.biomarkers.her2.copy_number", "cond__HER2-POSITIVE-BY-ASCO-CAP__13", "tests"),
    ("fact__clinical.biomarkers.her2.copy_number", "cond__HER2-POSITIVE-BY-ASCO-CAP__4", "tests"),
    ("fact__clinical.biomarkers.her2.copy_number", "cond__HER2-POSITIVE-BY-ASCO-CAP__6", "tests"),
    ("fact__clinical.biomarkers.her2.copy_number", "cond__HER2-POSITIVE-BY-ASCO-CAP__8", "tests"),
    ("fact__clinical.biomarkers.her2.ihc", "cond__HER2-POSITIVE-BY-ASCO-CAP__0", "tests"),
    ("fact__clinical.biomarkers.her2.ihc", "cond__HER2-POSITIVE-BY-ASCO-CAP__11", "tests"),
    ("fact__clinical.biomarkers.her2.ihc", "cond__HER2-POSITIVE-BY-ASCO-CAP__14", "tests"),
    ("fact__clinical.biomarkers.her2.ish", "cond__HER2-POSITIVE-BY-ASCO-CAP__1", "tests"),
    ("fact__clinical.biomarkers.her2.ish", "cond__HER2-POSITIVE-BY-ASCO-CAP__2", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__12", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__3", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__5", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__7", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__9", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__17", "tests"),
    ("fact__clinical.biomarkers.her2.ish_ratio", "cond__HER2-POSITIVE-BY-ASCO-CAP__18", "tests"),
    ("fact__clinical.cancer.primary_site", "cond__HER2-POSITIVE-BY-ASCO-CAP__15", "tests"),
    ("fact__clinical.cancer.primary_site", "cond__HER2-POSITIVE-BY-ASCO-CAP__16", "tests"),
    ("fact__clinical.biomarkers.her2.reported", "cond__PERTUZUMAB-HER2-NOT-DOCUMENTED__0", "tests"),
    ("finding__HER2-NOT-ESTABLISHED", "rule__PERTUZUMAB-HER2-NOT-DOCUMENTED", "requires"),
    ("finding__HER2-POSITIVE", "rule__HER2-STATUS-NOT-ESTABLISHED", "requires absence"),
    ("rule__HER2-POSITIVE-BY-ASCO-CAP", "finding__HER2-POSITIVE", "concludes"),
    ("rule__HER2-STATUS-NOT-ESTABLISHED", "finding__HER2-NOT-ESTABLISHED", "concludes"),
    ("rule__PERTUZUMAB-HER2-NOT-DOCUMENTED", "denial__PERTUZUMAB-HER2-NOT-DOCUMENTED", "concludes"),
}


@pytest.fixture(scope="module")
def her2_graph(decider):
    return decision_graph(decider.decide(load_claim(HER2_MISSING)), decider.kb)


def test_node_ids_have_no_colons():
    assert node_id("finding", "X@line:2") == "finding__X_line_2"
    assert node_id("rule", "PRIOR-AUTH-ABSENT") == "rule__PRIOR-AUTH-ABSENT"


def test_focus_graph_of_denial_exact(her2_graph):
    f = focus_graph(her2_graph, denial=DENIAL)
    assert set(f.nodes) == FOCUS_NODES
    assert {(u, v, a["label"]) for u, v, a in f.edges(data=True)} == FOCUS_EDGES


def test_decision_graph_statuses_and_values(her2_graph):
    g = her2_graph
    status = {n: a["status"] for n, a in g.nodes(data=True)}
    assert status["rule__HER2-STATUS-NOT-ESTABLISHED"] == "fired"
    assert status["rule__PERTUZUMAB-HER2-NOT-DOCUMENTED"] == "fired"
    assert status["denial__PERTUZUMAB-HER2-NOT-DOCUMENTED"] == "fired"
    assert status["carc__16"] == "fired"
    assert status["rule__HER2-POSITIVE-BY-ASCO-CAP"] == "failed"
    assert status["finding__HER2-POSITIVE"] == "failed"
    assert status["denial__PRIOR-AUTH-ABSENT"] == "failed"
    assert g.nodes["fact__clinical.biomarkers.her2"]["value"] == "absent"
    assert g.nodes["fact__line.code_kind"]["value"] == "1: drug; 2: administration"
    assert g.nodes["cond__PERTUZUMAB-HER2-NOT-DOCUMENTED__0"]["result"] == "true"
    # only denials this claim actually got are fired
    fired = sorted(a["rule"] for _, a in g.nodes(data=True) if a["kind"] == "denial" and a["status"] == "fired")
    assert fired == [DENIAL]
    # a near-miss rule (one failing condition) has that condition marked
    assert g.nodes["rule__PRIOR-AUTH-ABSENT"]["near_miss"] is True
    assert g.nodes["cond__PRIOR-AUTH-ABSENT__0"]["near_miss"] is True
    assert g.nodes["cond__PRIOR-AUTH-ABSENT__0"]["status"] == "failed"
    assert {a["status"] for _, a in g.nodes(data=True)} <= {"fired", "held", "failed", "not_applicable"}


def test_decision_graph_prunes_rules_that_cannot_apply(decider):
    g = decision_graph(decider.decide(load_claim(SMALL / "ramucirumab-clean-medicare.yaml")), decider.kb)
    assert "rule__PERTUZUMAB-HER2-NOT-DOCUMENTED" not in g
    assert "rule__HER2-STATUS-NOT-ESTABLISHED" not in g  # only pertuzumab denials need it
    assert "rule__PRIOR-AUTH-ABSENT" in g


def test_decision_graph_is_deterministic(decider):
    a = decision_graph(decider.decide(load_claim(HER2_MISSING)), decider.kb)
    b = decision_graph(decider.decide(load_claim(HER2_MISSING)), decider.kb)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert to_dot(a) == to_dot(b)
    assert ":" not in "".join(a.nodes)


def test_kb_graph_filters(decider):
    kb = decider.kb
    full = kb_graph(kb)
    kinds = {a["kind"] for _, a in full.nodes(data=True)}
    assert kinds == {"fact", "condition", "rule", "finding", "denial", "carc"}
    assert sum(a["kind"] == "rule" for _, a in full.nodes(data=True)) == len(kb.rules)
    ram = kb_graph(kb, drug="Cyramza")
    assert "rule__PERTUZUMAB-HER2-NOT-DOCUMENTED" not in ram and "rule__PRIOR-AUTH-ABSENT" in ram
    assert "rule__HER2-STATUS-NOT-ESTABLISHED" not in ram
    fe = kb_graph(kb, stage="front_end")
    stages = {a["stage"] for _, a in fe.nodes(data=True) if a["kind"] == "denial"}
    assert stages == {"front_end"}
    assert nx.is_directed_acyclic_graph(full)


def test_focus_on_fact_is_descendants(her2_graph):
    f = focus_graph(her2_graph, fact="clinical.biomarkers.her2.ihc")
    assert "denial__PERTUZUMAB-HER2-EQUIVOCAL" in f
    assert "denial__PRIOR-AUTH-ABSENT" not in f
    assert all(nx.has_path(f, "fact__clinical.biomarkers.her2.ihc", n) for n in f)


def test_svg_contains_denial_nodes(her2_graph, tmp_path):
    pytest.importorskip("graphviz")
    from denialkb.visualize.render import has_graphviz

    if not has_graphviz():
        pytest.skip("Graphviz binary `dot` not installed (scripts/setup.sh installs it)")
    out = tmp_path / "g.svg"
    render(focus_graph(her2_graph, denial=DENIAL), out)
    import html

    svg = html.unescape(out.read_text())  # Graphviz writes '-' as &#45;
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]
    assert "<title>denial__PERTUZUMAB-HER2-NOT-DOCUMENTED</title>" in svg
    assert "CARC 16" in svg


def test_graphml_round_trip(her2_graph, tmp_path):
    out = tmp_path / "g.graphml"
    render(her2_graph, out)
    back = nx.read_graphml(out)
    assert dict(back.nodes(data=True)) == {n: {k: v for k, v in a.items() if v is not None}
                                           for n, a in her2_graph.nodes(data=True)}
    assert {(u, v): a for u, v, a in back.edges(data=True)} == \
        {(u, v): a for u, v, a in her2_graph.edges(data=True)}


def test_json_export_is_node_link(her2_graph, tmp_path):
    out = tmp_path / "g.json"
    render(her2_graph, out)
    data = json.loads(out.read_text())
    back = nx.node_link_graph(data, edges="edges")
    assert set(back.edges) == set(her2_graph.edges)


def test_missing_graphviz_still_writes_text_formats(her2_graph, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "g.svg"
    with pytest.raises(GraphvizMissingError) as ei:
        render(her2_graph, out)
    msg = ei.value.format()
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg
    assert not out.exists()
    for ext in ("dot", "graphml", "json"):
        assert (tmp_path / f"g.{ext}").stat().st_size > 0
    assert "denial__PERTUZUMAB-HER2-NOT-DOCUMENTED" in (tmp_path / "g.dot").read_text()
    # text formats requested directly need no binary
    render(her2_graph, tmp_path / "h.dot")
    assert (tmp_path / "h.dot").exists()


def test_cli_graph_missing_graphviz_exit_2(cli, tmp_path):
    import sys

    env = {"PATH": str(tmp_path / "empty")}
    r = cli("graph", "--claim", HER2_MISSING, "--out", tmp_path / "d.png", env=env)
    assert r.returncode == 2, (sys.executable, r.stderr)
    assert "brew install graphviz" in r.stderr
    assert (tmp_path / "d.dot").exists() and (tmp_path / "d.graphml").exists()
    r = cli("graph", "--claim", HER2_MISSING, "--out", tmp_path / "d2.graphml", env=env)
    assert r.returncode == 0, r.stderr


def test_cli_graph_focus_and_errors(cli, tmp_path):
    r = cli("graph", "--claim", HER2_MISSING, "--denial", DENIAL, "--out", tmp_path / "f.json")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout) == f"wrote {tmp_path / 'f.json'} (33 nodes, 46 edges)\n"
    r = cli("graph", "--denial", "PERTUZUMAB-HER2-NOT-DOCUMENTE", "--out", tmp_path / "f.json")
    assert r.returncode == 2
    assert "no denial 'PERTUZUMAB-HER2-NOT-DOCUMENTE'" in r.stderr and DENIAL in r.stderr
    r = cli("graph", "--out", tmp_path / "f.txt")
    assert r.returncode == 2 and "unknown extension '.txt'" in r.stderr


def test_scope_filters_on_rule_data(decider):
    import dataclasses

    from denialkb.visualize.graph import _in_scope

    kb = decider.kb
    r = kb.rules_by_id["PRIOR-AUTH-ABSENT"]
    dated = dataclasses.replace(r, scope={"effective_from": "2023-07-01", "effective_to": "2024-12-31",
                                          "payers": ["commercial"]})
    assert _in_scope(dated, kb, as_of="2024-03-15")
    assert not _in_scope(dated, kb, as_of="2023-06-30")
    assert not _in_scope(dated, kb, as_of="2025-01-01")
    assert _in_scope(dated, kb, payer="commercial") and not _in_scope(dated, kb, payer="medicare")
    her2 = kb.rules_by_id[DENIAL]
    assert _in_scope(her2, kb, drug="Perjeta") and not _in_scope(her2, kb, drug="ramucirumab")
    assert not _in_scope(her2, kb, stage="front_end") and not _in_scope(her2, kb, stage="adjudication")
    # staged clinical_review: Medicare applies it at medical review, the commercial plan at prior authorization
    assert _in_scope(her2, kb, stage="medical_review") and _in_scope(her2, kb, stage="clinical_review")
    assert _in_scope(her2, kb, stage="prior_authorization", payer="commercial")
    assert not _in_scope(her2, kb, stage="prior_authorization", payer="medicare")


def test_clusters_by_stage_or_drug(her2_graph):
    by_stage = to_dot(her2_graph)
    assert "subgraph cluster_front_end" in by_stage and "subgraph cluster_findings" in by_stage
    by_drug = to_dot(her2_graph, cluster="drug")
    assert "subgraph cluster_pertuzumab_pertuzumab_trastuzumab_hyaluronidase" in by_drug
    assert "cluster_front_end" not in by_drug
    assert "subgraph cluster" not in to_dot(her2_graph, cluster="none")


def test_claim_graph_default_is_the_fired_denials(tmp_path):
    """graph --claim draws each fired denial with its reasons (the --denial pictures together);
    --full draws every rule tried (issue 15 item 6)."""
    import json as _json

    from tests.conftest import EXAMPLES as _EX
    from tests.conftest import run_cli

    claim = _EX / "phesgo-several-denials-commercial.yaml"
    r = run_cli("graph", "--claim", claim, "--out", tmp_path / "g.json")
    assert r.returncode == 0, r.stderr
    small = _json.loads((tmp_path / "g.json").read_text())
    r = run_cli("graph", "--claim", claim, "--full", "--out", tmp_path / "full.json")
    full = _json.loads((tmp_path / "full.json").read_text())
    fired = sorted(n["rule"] for n in small["nodes"] if n["kind"] == "denial")
    assert fired == sorted(n["rule"] for n in full["nodes"] if n["kind"] == "denial" and n["status"] == "fired")
    assert len(small["nodes"]) < 40 < 300 < len(full["nodes"])
    # the union of the --denial pictures
    ids = set()
    for rid in fired:
        r = run_cli("graph", "--claim", claim, "--denial", rid, "--out", tmp_path / f"{rid}.json")
        ids |= {n["id"] for n in _json.loads((tmp_path / f"{rid}.json").read_text())["nodes"]}
    assert ids == {n["id"] for n in small["nodes"]}
