from denialkb.engine.claim import load_claim
from denialkb.engine.facts import best_vials, enrich, normalize_ndc

from .conftest import EXAMPLES


def test_ndc_normalisation():
    assert normalize_ndc("50242-145-01") == "50242014501"
    assert normalize_ndc("0002-7669-01") == "00002766901"
    assert normalize_ndc("50242-0145-01") == "50242014501"
    assert normalize_ndc("5024201450") is None  # 10 digits without hyphens is ambiguous
    assert normalize_ndc("50242-14-01") is None


def test_best_vials_prefers_least_waste_then_fewest_vials():
    assert best_vials(560, [100, 500]) == 600
    assert best_vials(420, [420]) == 420
    assert best_vials(840, [420]) == 840
    assert best_vials(1000, [100, 500]) == 1000


def test_ramucirumab_enrichment_numbers(decider):
    facts = enrich(load_claim(EXAMPLES / "ramucirumab-clean-medicare.yaml"), decider.kb)
    administered, waste = facts.lines[0], facts.lines[1]
    assert administered["line.dose_mg"] == 560
    assert administered["line.dose_units"] == 112
    assert administered["line.vials_mg"] == 600
    assert administered["line.waste_possible"] is True
    assert administered["line.max_waste_units"] == 8
    assert administered["line.dose_per_kg"] == 8.0
    assert administered["line.days_since_previous_dose"] == 14
    assert administered["line.cycle_number"] == 3
    assert waste["line.expected_units"] == 8
    assert waste["line.container"] == "single_dose"
    assert facts.claim["patient.age"] == 66


def test_absent_sections_stay_absent(decider):
    from denialkb.engine.claim import validate_claim

    doc = validate_claim({"claim": {"id": "X", "payer": "medicare", "diagnoses": ["C50911"],
                                    "lines": [{"code": "J9306", "units": 420, "service_date": "2024-03-15"}]}})
    facts = enrich(doc, decider.kb)
    assert facts.claim["claim.diagnoses"] == ("C50.911",)
    assert facts.claim["clinical.biomarkers.her2"] is None
    assert facts.claim["clinical.concurrent_drugs"] is None
    assert facts.lines[0]["line.coverage_active"] is None
    assert facts.lines[0]["line.dose_mg"] is None


def test_docs_facts_md_is_generated_from_the_catalog(decider):
    from pathlib import Path

    from denialkb.engine.facts import catalog_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "facts.md"
    assert doc.read_text() == catalog_markdown(decider.kb), "regenerate: denialkb facts --kb kb > docs/facts.md"


def test_every_family_returns_exactly_the_facts_it_declares(decider):
    """The registry is the documentation: a family computing an undeclared name (or missing one) fails."""
    from denialkb.engine.facts.context import Context
    from denialkb.engine.facts.registry import REGISTRY

    dynamic = {s.name for f in REGISTRY.families if f.dynamic for s in f.dynamic(decider.kb)}
    for path in sorted(EXAMPLES.glob("*.yaml"))[:8]:
        doc = load_claim(path)
        ctx = Context(doc.data, decider.kb, None, doc.file, doc.marks)
        c: dict = {}
        for fam in REGISTRY.of_level("claim"):
            out = fam.fn(ctx, c)
            declared = {s.name for s in fam.specs}
            assert declared <= set(out) and set(out) - declared <= dynamic, (fam.name, set(out) ^ declared)
            c.update(out)
        for i, ln in enumerate(ctx.lines_in):
            L = {"line.index": i}
            for fam in REGISTRY.of_level("line"):
                out = fam.fn(ctx, i, ln, c, L)
                declared = {s.name for s in fam.specs}
                assert declared <= set(out) and set(out) - declared <= dynamic, (fam.name, set(out) ^ declared)
                L.update(out)


def test_every_declared_fact_has_a_doc_type_and_inputs_a_user_can_supply(decider):
    from denialkb.engine.facts import fact_catalog

    for name, spec in fact_catalog(decider.kb).items():
        assert spec.doc and spec.type in ("str", "num", "int", "bool", "date", "datetime", "list", "code", "drug"), name
        assert spec.input_paths(), f"{name} declares no input"


def test_facts_and_kb_do_not_import_each_other_in_a_cycle():
    """engine/facts/ never imports engine/kb.py (the KB loader imports the registry to check fact names);
    checked on the module import graph with networkx."""
    import ast
    from pathlib import Path

    import networkx as nx

    root = Path(__file__).resolve().parent.parent / "engine"
    g = nx.DiGraph()
    for f in list(root.glob("*.py")) + list((root / "facts").glob("*.py")):
        rel = f.relative_to(root).with_suffix("")
        mod = "denialkb.engine." + ".".join(p for p in rel.parts if p != "__init__")
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("denialkb.engine"):
                g.add_edge(mod, node.module)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("denialkb.engine"):
                        g.add_edge(mod, a.name)
    facts = {n for n in g if n == "denialkb.engine.facts" or n.startswith("denialkb.engine.facts.")}
    assert facts and not any(g.has_edge(m, "denialkb.engine.kb") for m in facts)
    for cycle in nx.simple_cycles(g):
        assert not (set(cycle) & facts and "denialkb.engine.kb" in cycle), cycle
