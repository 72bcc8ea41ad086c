"""Broken knowledge bases never decide (reliability-review.md section 3, K1-K9).

Each case is a copy of kb/ with one defect. ``check --kb`` must refuse it with exit 2 and
a located message; a regex cannot hang the engine (K7) and cycle reporting cannot hang (K8).
"""

import shutil
import time

import pytest

from denialkb.engine.errors import KBInvalidError
from denialkb.engine.gate import load_kb_for_deciding
from denialkb.engine.kb import check_kb
from denialkb.engine.kbchecks import cycle_problems
from denialkb.engine.runtime import Decider

from .conftest import EXAMPLES, KB, run_cli

CLEAN = EXAMPLES / "pertuzumab-clean-medicare.yaml"
JZ_MISSING = EXAMPLES / "pertuzumab-jz-missing-medicare.yaml"


@pytest.fixture
def kb_copy(tmp_path):
    dst = tmp_path / "kb"
    shutil.copytree(KB, dst)
    return dst


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def refused(kb_dir) -> str:
    with pytest.raises(KBInvalidError) as e:
        load_kb_for_deciding(kb_dir)
    return str(e.value)


def test_shipped_kb_is_fit_for_deciding():
    assert load_kb_for_deciding(KB).rules


def test_k1_missing_rules_folder_is_refused(kb_copy):
    shutil.rmtree(kb_copy / "rules")
    text = refused(kb_copy)
    assert "kb_no_rules: the knowledge base has no rules" in text
    r = run_cli("check", CLEAN, "--kb", kb_copy)
    assert r.returncode == 2 and r.stdout == ""
    assert "kb_no_rules" in r.stderr and "Traceback" not in r.stderr


def test_k2_missing_payer_rules_is_refused_with_the_lint_messages(kb_copy):
    (kb_copy / "rules" / "payer.yaml").unlink()
    text = refused(kb_copy)
    # the payer files' remittance rows name a rule of the deleted file: the loader says so first (kbfix)
    dangling = "kb_unknown_ref: payer 'medicare' remittance names 'PAYER-UNIT-LIMIT-EXCEEDED', which is not a denial rule"
    assert ("kb_case_unknown_rule: case 'medicare-late-filing': fires names unknown rule 'TIMELY-FILING-EXPIRED'" in text
            and "lints with" in text) or dangling in text
    assert text.endswith("nothing was decided")
    r = run_cli("check", EXAMPLES / "pertuzumab-clean-medicare.yaml", "--kb", kb_copy)
    assert r.returncode == 2 and r.stdout == "" and ("kb_case_unknown_rule" in r.stderr or dangling in r.stderr)


def test_k2_audit_refuses_too(kb_copy, tmp_path):
    (kb_copy / "rules" / "payer.yaml").unlink()
    r = run_cli("audit", CLEAN, "--kb", kb_copy, "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 2, r.stderr
    assert ("kb_case_unknown_rule" in r.stderr or "remittance names 'PAYER-UNIT-LIMIT-EXCEEDED'" in r.stderr)
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("old,new,message", [
    ("timely_filing_months: 12", "timely_filing_months: twelve",
     "kb_schema_error: payer.settings.timely_filing_months: expected a whole number or null, "
     "found 'twelve'"),
    ("timely_filing_months: 12", "timely_filing_months: 1.0e+20",
     "kb_schema_error: payer.settings.timely_filing_months: found number 1e+20"),
    ("timely_filing_months: 12", "timely_filing_months: -12",
     "kb_schema_error: payer.settings.timely_filing_months: found integer -12"),
    ("      per_days: 1\n", "      per_days: 100000000\n",
     "kb_schema_error: payer.unit_limits[0].per_days: found integer 100000000"),
    ('jz_required_from: "2023-07-01"', 'jz_required_from: "soon"',
     "kb_schema_error: payer.settings.jz_required_from: found 'soon'"),
    ("ndc_required: false", "ndc_required: 0",
     "kb_schema_error: payer.settings.ndc_required: expected true or false or null, "
     "found integer 0"),
], ids=["K3-twelve", "K3-1e20", "K6-negative", "K4-per-days", "K5-soon", "bool-setting"])
def test_k3_to_k6_mistyped_payer_settings_are_located_errors(kb_copy, old, new, message):
    edit(kb_copy / "payers" / "medicare.yaml", old, new)
    _, problems = check_kb(kb_copy)
    errors = [p for p in problems if p.severity == "error"]
    hits = [p for p in errors if p.format().startswith(f"kb/payers/medicare.yaml:{p.line}:{p.col}: " + message)]
    assert hits, [p.format() for p in errors]
    lines = (kb_copy / "payers" / "medicare.yaml").read_text().splitlines()
    key = new.strip().split(":")[0]
    assert all(key in lines[p.line - 1] for p in hits)  # located on the setting's own line
    with pytest.raises(KBInvalidError):
        Decider(kb_copy)


def test_k3_check_cli_exit_2_no_traceback(kb_copy):
    edit(kb_copy / "payers" / "medicare.yaml", "timely_filing_months: 12", "timely_filing_months: twelve")
    r = run_cli("check", CLEAN, "--kb", kb_copy)
    assert (r.returncode, r.stdout) == (2, "")
    assert "timely_filing_months" in r.stderr and "Traceback" not in r.stderr


def test_k5_lint_fails_on_a_mistyped_date_setting(kb_copy):
    edit(kb_copy / "payers" / "medicare.yaml", 'jz_required_from: "2023-07-01"', 'jz_required_from: "soon"')
    r = run_cli("kb", "lint", kb_copy)
    assert r.returncode == 1 and "jz_required_from" in r.stdout


def test_nan_and_infinity_in_kb_tables_are_refused(kb_copy):
    edit(kb_copy / "payers" / "commercial.yaml", "lvef_baseline_min_percent_mbc: 50", "lvef_baseline_min_percent_mbc: .nan")
    _, problems = check_kb(kb_copy)
    hits = [p for p in problems if p.file == "kb/payers/commercial.yaml" and p.line
            and "payer.settings.lvef_baseline_min_percent_mbc: found NaN" in p.message]
    assert hits, [p.format() for p in problems]


REDOS_RULE = """
  - id: ZZ-LOT-PATTERN
    title: Lot number pattern
    level: claim
    when:
      all:
        - {fact: documentation.lot_number, matches: "^(a+)+$"}
    conclude: {finding: ZZ-LOT-ODD}
    explanation: "the lot number has an odd pattern."
    remedy: None needed.
    sources: ["test"]
    confidence: low
"""


def test_k7_redos_pattern_is_matched_in_linear_time(kb_copy, tmp_path):
    with open(kb_copy / "rules" / "documentation.yaml", "a") as fh:
        fh.write(REDOS_RULE)
    claim = tmp_path / "c.yaml"
    claim.write_text(CLEAN.read_text().replace("lot_number: H0123", "lot_number: " + "a" * 36 + "!"))
    decider = Decider(kb_copy, lint=False)  # the new rule has no golden case (a warning only)
    from denialkb.engine.claim import load_claim

    t0 = time.perf_counter()
    rec = decider.check_document(load_claim(claim))
    assert time.perf_counter() - t0 < 5  # Python's re needs minutes here (2**36 paths)
    assert rec["outcome"] == "clean"
    from denialkb.engine.safe_regex import compile_pattern, search

    t0 = time.perf_counter()
    assert search(compile_pattern("^(a+)+$"), "a" * 100_000 + "!") is False
    assert search(compile_pattern("^(a+)+$"), "a" * 100_000) is True
    assert time.perf_counter() - t0 < 2


def test_k7_pattern_re2_cannot_run_is_a_located_error(kb_copy):
    with open(kb_copy / "rules" / "documentation.yaml", "a") as fh:
        fh.write(REDOS_RULE.replace("^(a+)+$", "^(a)\\\\1$"))
    _, problems = check_kb(kb_copy)
    got = [p.format() for p in problems if p.severity == "error"]
    assert len(got) == 1, got
    assert "ZZ-LOT-PATTERN: kb_schema_error: invalid regular expression: invalid escape sequence: \\1" in got[0]
    assert "hint: patterns use RE2 syntax" in got[0]


def _clique_rules(n: int) -> str:
    out = ["rules:"]
    ids = [f"ZZ-F{i:02d}" for i in range(n)]
    for i, f in enumerate(ids):
        needs = "\n".join(f"        - {{finding: {o}}}" for o in ids if o != f)
        out.append(f"""  - id: ZZ-R{i:02d}
    title: Clique rule {i}
    level: claim
    when:
      all:
{needs}
    conclude: {{finding: {f}}}
    explanation: "the findings depend on each other."
    remedy: None needed.
    sources: ["test"]
    confidence: low""")
    return "\n".join(out) + "\n"


def test_k8_cycles_reported_once_per_component_without_hanging(kb_copy):
    (kb_copy / "rules" / "zz_clique.yaml").write_text(_clique_rules(14))
    t0 = time.perf_counter()
    _, problems = check_kb(kb_copy)
    assert time.perf_counter() - t0 < 10  # enumerating every simple cycle of K14 never ends
    cycles = [p for p in problems if p.code == "kb_cycle"]
    assert len(cycles) == 1
    assert cycles[0].message == "findings depend on each other in a cycle: ZZ-F00 -> ZZ-F01 -> ZZ-F00"
    assert cycles[0].rule == "ZZ-R00" and cycles[0].file == "kb/rules/zz_clique.yaml"


def test_cycle_problems_one_per_component_and_self_loops():
    edges = [("A", "B", "R1"), ("B", "A", "R2"), ("C", "C", "R3"), ("D", "E", "R4"),
             ("E", "F", "R5"), ("F", "D", "R6"), ("F", "E", "R7"), ("X", "Y", "R8")]
    assert cycle_problems(edges) == [("R2", ["A", "B"]), ("R3", ["C"]), ("R6", ["D", "E", "F"])]


def test_k9_non_string_keys_are_a_located_error_not_a_traceback(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text("yes: 1\nfoo: 2\n")
    _, problems = check_kb(kb_copy)
    got = [p.format() for p in problems if p.file == "kb/rules/zz.yaml"]
    assert got and all("kb_schema_error" in g for g in got), got
    assert any("unknown keys" in g for g in got)


def test_warnings_alone_do_not_refuse_a_kb(kb_copy):
    with open(kb_copy / "rules" / "documentation.yaml", "a") as fh:
        fh.write(REDOS_RULE)
    kb = load_kb_for_deciding(kb_copy)  # no golden case for the new rule: a warning
    assert "ZZ-LOT-PATTERN" in kb.rules_by_id


@pytest.mark.parametrize("defect", ["none", "drug_literal", "case_rule", "duplicate"])
def test_gate_sees_every_lint_error(kb_copy, defect):
    """The gate lints errors-only (fast); it must find exactly the errors the full lint finds."""
    from denialkb.engine.authoring import lint_problems
    from denialkb.engine.kb import load_kb

    rules = kb_copy / "rules"
    if defect == "drug_literal":
        edit(rules / "administration.yaml", "any_in: [pertuzumab-trastuzumab-hyaluronidase,", "any_in: [phesgoo,")
    elif defect == "case_rule":
        edit(kb_copy / "cases" / "dosing.yaml", "fires: [DOSE-INTERVAL-TOO-SHORT]", "fires: [DOSE-INTERVAL-TOO-SHORTT]")
    elif defect == "duplicate":
        import yaml

        first = yaml.safe_load((rules / "dosing.yaml").read_text())["rules"][0]
        (rules / "dosing_copy.yaml").write_text(yaml.safe_dump({"rules": [{**first, "id": "COPY-" + first["id"]}]}))
    kb = load_kb(kb_copy)
    full = sorted(p.format() for p in lint_problems(kb) if p.severity == "error")
    fast = sorted(p.format() for p in lint_problems(kb, errors_only=True))
    assert fast == full
    assert bool(full) == (defect != "none")
