"""``denialkb kb new drug|payer|rule``: files from the shipped templates that lint, and whose cases
pass once the TODOs are filled in."""

import re
import shutil
from pathlib import Path

from denialkb.engine.authoring import lint_kb, settings_read
from denialkb.engine.kb import load_kb
from denialkb.engine.kbrun import run_kb_tests
from denialkb.engine.yamlio import load_document

from .conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"


def copy_kb(tmp_path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(KB, dst, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return dst


def fill_todos(kb: Path, *files):
    """What the author does next: every TODO string becomes a real value."""
    for f in files:
        p = kb / f
        text = re.sub(r'"TODO: URL[^"]*"', '"https://example.org/source"', p.read_text())
        text = re.sub(r'"TODO: ([^"]*)"', r'"\1"', text)
        p.write_text(text)


def codes(kb):
    _, ps = lint_kb(kb)
    return sorted(p.code for p in ps if p.severity != "info")


def test_new_drug_scaffold_lints_and_its_cases_pass(tmp_path):
    kb = copy_kb(tmp_path)
    r = run_cli("kb", "new", "drug", "margetuximab", "--code", "J9353", "--unit-mg", "5",
                "--max-mg-per-kg", "15", "--dose-mg-per-kg", "15", "--brand", "Margenza", "--kb", kb)
    assert r.returncode == 0, r.stdout + r.stderr
    files = ["tables/margetuximab.yaml", "rules/margetuximab.yaml",
             "cases/margetuximab.yaml"]
    assert r.stdout.splitlines()[:3] == [f"wrote {kb / f}" for f in files]
    assert codes(kb) == ["kb_todo"] * 4  # descriptor and 3 sources: the author's to fill in
    fill_todos(kb, *files)
    assert codes(kb) == []
    loaded = load_kb(kb)
    assert loaded.drugs["margetuximab"]["dosing"] == {"dose_mg_per_kg": 15, "max_dose_mg_per_kg": 15}
    assert loaded.canonical_drug("margenza") == "margetuximab"
    rule = loaded.rules_by_id["MARGETUXIMAB-DOSE-ABOVE-LABEL"]
    assert rule.raw["when"]["all"][0] == {"fact": "line.has_jw", "eq": False}  # the JW guard
    run = run_kb_tests(kb)
    new = [x for x in run.results if x.file.endswith("margetuximab.yaml")]
    assert [(x.case, x.passed) for x in new] == [
        ("margetuximab-above-label", True), ("margetuximab-at-label-maximum", True),
        ("margetuximab-above-label-with-jw-line", True)]
    assert run.failed == 0


def test_jw_case_of_the_drug_scaffold_needs_the_guard(tmp_path):
    kb = copy_kb(tmp_path)
    assert run_cli("kb", "new", "drug", "x-drug", "--code", "J9353", "--unit-mg", "1", "--max-mg-per-kg", "5",
                   "--kb", kb).returncode == 0
    p = kb / "rules" / "x-drug.yaml"
    text = p.read_text()
    assert text.count("- {fact: line.has_jw, eq: false}\n") == 1
    p.write_text(re.sub(r" *- \{fact: line.has_jw, eq: false\}\n", "", text))
    run = run_kb_tests(kb)
    assert [x.case for x in run.results if not x.passed] == ["x-drug-above-label-with-jw-line"]


def test_new_payer_lists_every_setting_read_with_a_source_field(tmp_path):
    kb = copy_kb(tmp_path)
    r = run_cli("kb", "new", "payer", "acme", "--name", "Acme Health", "--kb", kb)
    assert r.returncode == 0, r.stderr
    doc = load_document(kb / "payers" / "acme.yaml", "x").data["payer"]
    read = settings_read(load_kb(KB))
    assert sorted(doc["settings"]) == sorted(read) == sorted(doc["setting_sources"])
    assert all(v is None for v in doc["settings"].values())
    text = (kb / "payers" / "acme.yaml").read_text()
    assert "    timely_filing_days: null   # read by the engine (timely filing), TIMELY-FILING-EXPIRED; set by commercial 90, highmark 365, qualchoice 365, texas-medicaid 95, uhc 90\n" in text
    assert codes(kb) == ["kb_todo", "kb_todo"]  # the description, the source of the clinical-review stage
    # setting a value without its source is a lint error, with the source it is clean
    p = kb / "payers" / "acme.yaml"
    p.write_text(p.read_text().replace("timely_filing_days: null", "timely_filing_days: 120", 1))
    assert "kb_no_source" in codes(kb)
    p.write_text(re.sub(r'    timely_filing_days: ""[^\n]*', "    timely_filing_days: https://example.org/acme", p.read_text()))
    assert "kb_no_source" not in codes(kb)
    # never overwrites: a second run writes nothing and exits 2
    again = run_cli("kb", "new", "payer", "acme2", "--name", "X", "--kb", kb)
    assert again.returncode == 0
    twice = run_cli("kb", "new", "rule", "ACME-RULE", "--kb", kb)
    assert twice.returncode == 0
    r2 = run_cli("kb", "new", "rule", "ACME-RULE", "--kb", kb)
    assert r2.returncode == 2 and "already exists; nothing was written" in r2.stdout + r2.stderr


def test_new_rule_starts_red_until_written(tmp_path):
    kb = copy_kb(tmp_path)
    r = run_cli("kb", "new", "rule", "ACME-NEW-RULE", "--kb", kb)
    assert r.returncode == 0
    assert sorted(set(codes(kb))) == ["kb_todo"]
    run = run_kb_tests(kb)
    assert [(x.case, x.passed) for x in run.results if x.file.endswith("acme-new-rule.yaml")] == [
        ("acme-new-rule-fires", False), ("acme-new-rule-near-miss", True)]
    assert run.failed == 1  # the placeholder condition never holds: no shipped case changes


def test_new_bad_arguments_exit_2(tmp_path):
    kb = copy_kb(tmp_path)
    r = run_cli("kb", "new", "drug", "Margenza", "--code", "J9353", "--unit-mg", "1", "--max-mg-per-kg", "5",
                "--kb", kb)
    assert r.returncode == 2 and "drug id 'Margenza' is not a lower-case id" in r.stdout + r.stderr
    r = run_cli("kb", "new", "rule", "acme-rule", "--kb", kb)
    assert r.returncode == 2 and "is not an upper-case dashed id" in r.stdout + r.stderr
    r = run_cli("kb", "new", "payer", "medicare", "--name", "M", "--kb", kb)
    assert r.returncode == 2 and "payer 'medicare' already exists" in r.stdout + r.stderr
    r = run_cli("kb", "new", "payer", "acme", "--name", "M", "--kb", tmp_path / "nowhere")
    assert r.returncode == 2
    assert not (kb / "tables" / "Enhertu.yaml").exists()
