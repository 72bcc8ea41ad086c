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
