"""Dated payer settings and dosing values: the value in force on each line's date is what rules
compare with and what explanations print; a threshold change is one row and `kb diff` shows it."""

import shutil
from pathlib import Path

import pytest

from denialkb.engine.authoring import diff_kbs, lint_kb
from denialkb.engine.cases import set_path
from denialkb.engine.claim import validate_claim
from denialkb.engine.kb import Payer, dated_value, load_kb
from denialkb.engine.kbrun import render_diff
from denialkb.engine.runtime import Decider
from denialkb.engine.yamlio import load_document

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
BASE = KB / "cases" / "base" / "pertuzumab-medicare.yaml"

ACME = """\
payer:
  id: acme
  name: Acme Health
  stages: {clinical_review: prior_authorization}  # where Acme checks clinical criteria (stage model)
  settings:
    timely_filing_days:
      - {value: 90, effective_to: "2026-12-31", sources: ["https://example.org/acme/2026"]}
      - {value: 180, effective_from: "2027-01-01", sources: ["https://example.org/acme/2027"]}
    ndc_required: false
    lvef_baseline_min_percent_mbc:
      - {value: 50, effective_to: "2026-12-31", sources: ["https://example.org/acme/2026"]}
      - {value: 55, effective_from: "2027-01-01", sources: ["https://example.org/acme/2027"]}
  setting_sources:
    ndc_required: https://example.org/acme/ndc
"""


@pytest.fixture(scope="module")
def acme_kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("dated") / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    (kb / "payers" / "acme.yaml").write_text(ACME)
    return kb


def claim(dates: list[str], received: str, baseline: int = 52):
    doc = load_document(BASE, "claim_invalid").data
    set_path(doc, "claim.payer", "acme")
    for i, d in enumerate(dates):
        set_path(doc, f"claim.lines[{i}].service_date", d)
    set_path(doc, "claim.received_date", received)
    set_path(doc, "clinical.lvef", [{"date": "2026-11-01", "percent": baseline}])
    set_path(doc, "administrations", [])
    set_path(doc, "prior_claims", [])
    return validate_claim(doc, "test")


def test_dated_value_resolution():
    v = [{"value": 50, "effective_to": "2026-12-31"}, {"value": 55, "effective_from": "2027-01-01"}]
    assert dated_value(v, "2026-12-31") == 50 and dated_value(v, "2027-01-01") == 55
    assert dated_value(v, None) == 55  # no date: the entry still in force
    assert dated_value([{"value": 1, "effective_from": "2027-01-01"}], "2026-01-01") is None
    assert dated_value(90, "2020-01-01") == 90
    p = Payer("x", "X", {"a": v, "b": 3}, [], [], [], "f")
    assert p.setting("a", "2027-03-01") == 55 and p.setting("b") == 3 and p.setting("zz", None, False) is False


def test_dated_kb_lints_clean(acme_kb):
    _, problems = lint_kb(acme_kb)
    assert [p.format() for p in problems if p.severity != "info" and "acme" in p.file] == []


def test_threshold_in_force_on_the_date_decides_and_is_printed(acme_kb):
    d = Decider(acme_kb)
    before = d.check_document(claim(["2026-12-18", "2026-12-18"], "2026-12-20"))
    assert [x["id"] for x in before["denials"]] == []
    after = d.check_document(claim(["2027-01-08", "2027-01-08"], "2027-01-10"))
    assert [(x["id"], x["line"]) for x in after["denials"]] == [("LVEF-BASELINE-BELOW-THRESHOLD", 1)]
    assert after["denials"][0]["explanation"] == (
        "baseline LVEF was 52 % on 2026-11-01; Acme Health requires at least 55 % (more when its policy says "
        "\"greater than\") for metastatic disease before pertuzumab.")


def test_each_line_takes_the_value_of_its_own_date(acme_kb):
    """One claim across the change: the 2026 line is compared with 50, the 2027 line with 55."""
    d = Decider(acme_kb)
    doc = load_document(BASE, "claim_invalid").data
    set_path(doc, "claim.payer", "acme")
    set_path(doc, "claim.lines[0].service_date", "2026-12-30")
    set_path(doc, "claim.lines[1].service_date", "2026-12-30")
    line3 = dict(doc["claim"]["lines"][0], number=3, service_date="2027-01-06")
    set_path(doc, "claim.lines[2]", line3)
    set_path(doc, "claim.received_date", "2027-01-10")
    set_path(doc, "clinical.lvef", [{"date": "2026-11-01", "percent": 52}])
    set_path(doc, "administrations", [])
    set_path(doc, "prior_claims", [])
    rec = d.check_document(validate_claim(doc, "test"))
    assert [(x["id"], x["line"]) for x in rec["denials"] if x["id"].startswith("LVEF")] == [
        ("LVEF-BASELINE-BELOW-THRESHOLD", 3)]


def test_dated_timely_filing_days(acme_kb):
    d = Decider(acme_kb)
    # 100 days after service: too late under the 90-day limit of 2026, in time under 180 days from 2027
    late_2026 = d.check_document(claim(["2026-06-01", "2026-06-01"], "2026-09-09", baseline=60))
    assert {x["id"] for x in late_2026["denials"]} == {"TIMELY-FILING-EXPIRED"}
    ok_2027 = d.check_document(claim(["2027-06-01", "2027-06-01"], "2027-09-09", baseline=60))
    assert [x["id"] for x in ok_2027["denials"]] == []


def test_dated_dosing_value(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    p = kb / "tables" / "drugs.yaml"
    src = p.read_text()
    assert src.count("      max_mg_per_kg_8_regimen: 8.8\n") == 1
    p.write_text(src.replace("      max_mg_per_kg_8_regimen: 8.8\n", (
        "      max_mg_per_kg_8_regimen:\n"
        "        - {value: 8.8, effective_to: \"2026-12-31\", sources: [\"https://example.org/a\"]}\n"
        "        - {value: 8.4, effective_from: \"2027-01-01\", sources: [\"https://example.org/b\"]}\n")))
    loaded = load_kb(kb)
    assert loaded.dosing_values("max_mg_per_kg_8_regimen") == [8.8, 8.4]
    from denialkb.engine.facts import fact_catalog

    assert fact_catalog(loaded)["line.dosing.max_mg_per_kg_8_regimen"].type == "num"


def test_kb_diff_shows_the_threshold_change(tmp_path, acme_kb):
    old = tmp_path / "old"
    shutil.copytree(acme_kb, old)
    p = old / "payers" / "acme.yaml"
    src = p.read_text()
    i = src.index("    lvef_baseline_min_percent_mbc:\n")
    j = src.index("  setting_sources:")
    p.write_text(src[:i] + "    lvef_baseline_min_percent_mbc: 50\n" + src[j:].replace(
        "  setting_sources:\n", "  setting_sources:\n    lvef_baseline_min_percent_mbc: https://example.org/acme/2026\n"))
    text = render_diff(diff_kbs(load_kb(old), load_kb(acme_kb)), None)
    assert ("    settings.lvef_baseline_min_percent_mbc: 50 -> 50 until 2026-12-31; 55 from 2027-01-01\n") in text
