"""``denialkb kb lint|test|diff`` through the CLI: exact text, JSON, exit codes."""

import json
import shutil
from pathlib import Path

import yaml

from denialkb.engine.yamlio import load_document

from . import kb_census
from .conftest import KB, body, run_cli


def _version(kb_dir):
    from denialkb.engine.kb import load_kb

    return load_kb(kb_dir).version[:19]

ROOT = Path(__file__).resolve().parent.parent


def copy_kb(tmp_path, name="kb") -> Path:
    dst = tmp_path / name
    shutil.copytree(KB, dst, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return dst


def test_lint_shipped_kb_exit_0():
    r = run_cli("kb", "lint", KB)
    assert r.returncode == 0, r.stdout + r.stderr
    assert kb_census.unknown_dates() == 32  # checked by hand: 21 hcpcs rows (CPT administration and E/M codes, and C9292; Level II drug codes are dated from the CMS HCPCS file) and 11 NCCI/MUE rows with effective_from: unknown
    assert r.stdout.endswith(f"\n0 errors, 0 warnings, {kb_census.unknown_dates()} info\n")
    assert body(r.stdout).startswith("kb/tables/hcpcs.yaml:74:5: kb_unknown_date: code 96413: effective_from is unknown "
                               "(info)\n    hint: treated as always in force; add the date when a source states it\n")


def test_lint_default_dir_is_shipped_kb():
    r = run_cli("kb", "lint")
    assert r.returncode == 0 and r.stdout.endswith(f"\n0 errors, 0 warnings, {kb_census.unknown_dates()} info\n")


def test_lint_errors_and_warnings_exit_1_sorted(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "rules" / "zz.yaml").write_text("""\
rules:
  - id: TEST-CONTRADICTION
    title: Contradiction
    level: line
    when:
      all:
        - {fact: line.code_kind, eq: drug}
        - {fact: line.code_kind, eq: administration}
    conclude:
      denial: {stage: front_end, group: CO, carc: "16", rarc: []}
    explanation: "line {line.number} is wrong."
    remedy: Fix the line.
    sources: ["https://example.org/policy"]
    confidence: low
""")
    r = run_cli("kb", "lint", kb)
    assert r.returncode == 1
    lines = [x for x in r.stdout.splitlines() if x.startswith("kb/rules/zz.yaml")]
    assert lines == [  # errors before warnings, by file and line within each
        'kb/rules/zz.yaml:8:34: TEST-CONTRADICTION: kb_unreachable_rule: rule can never fire: line.code_kind: '
        'must equal both "drug" and "administration"',
        'kb/rules/zz.yaml:2:5: TEST-CONTRADICTION: kb_no_golden_case: no golden case fires this rule (warning)',
        'kb/rules/zz.yaml:2:5: TEST-CONTRADICTION: kb_no_near_miss: no golden case is a near miss for this rule '
        '(warning)']
    info = kb_census.unknown_dates()
    assert r.stdout.endswith(f"\n1 error, 2 warnings, {info} info\n")
    j = run_cli("kb", "lint", kb, "--format", "json")
    assert j.returncode == 1
    data = json.loads(j.stdout)
    assert data["summary"] == f"1 error, 2 warnings, {info} info"
    assert {(p["code"], p["severity"]) for p in data["problems"] if p.get("rule") == "TEST-CONTRADICTION"} == {
        ("kb_unreachable_rule", "error"), ("kb_no_golden_case", "warning"), ("kb_no_near_miss", "warning")}


def test_lint_broken_yaml_reports_without_traceback(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "rules" / "zz.yaml").write_text("rules: [\n")
    r = run_cli("kb", "lint", kb)
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert "kb/rules/zz.yaml:" in r.stdout and "kb_parse_error" in r.stdout


def test_kb_test_with_coverage():
    r = run_cli("kb", "test", KB, "--coverage")
    assert r.returncode == 0, r.stdout + r.stderr
    out = body(r.stdout)
    first_case, first_file = kb_census.cases()[0]
    assert out.startswith(f"PASS {first_case} ({first_file})\n")
    assert "PASS pertuzumab-clean (kb/cases/starter.yaml)\n" in out
    n = len(kb_census.cases())
    assert n == 536  # checked by hand against kb/cases/ (session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; labels4 +14; final; r2miss merged; all branches merged; lead timely filing scope; ndc2 merged; clin3 merged; her2class merged; lead R2-F1/F7 +4; fpfix F19 +6; clin3 +7; ndc +10; dxdates +1; issue 12 kb12: +21 probe and ICD-10-CM cases; lead_unseen +3; session 12 lead +19; clinical +22; biosim +14)
    assert f"\n{n} cases: {n} passed, 0 failed\n" in out
    r, lv = len(kb_census.rule_ids()), kb_census.condition_leaves()
    assert f"coverage: 100.0% (rules fired {r}/{r}, conditions seen true and false {lv}/{lv})\n" in out
    assert "rules never fired: none\ndenials never produced: none\nCARCs never produced: none\n" in out
    assert "conditions not seen both true and false: 0\n" in out
    assert out.splitlines()[-1].startswith("time: ") and out.endswith("s\n")


def test_kb_test_coverage_min(tmp_path):
    assert run_cli("kb", "test", KB, "--coverage-min", "100").returncode == 0
    kb = copy_kb(tmp_path)
    (kb / "rules" / "zz_untested.yaml").write_text("""\
rules:
  - id: ZZ-UNTESTED
    title: A rule no golden case exercises
    level: line
    when: {fact: line.units, gt: 99999}
    conclude:
      denial: {stage: front_end, group: CO, carc: "16", rarc: [M53]}
    explanation: line {line.number} bills {line.units} units.
    remedy: Bill fewer units.
    sources: ["test"]
    confidence: low
""")
    r = run_cli("kb", "test", kb, "--coverage-min", "100")
    assert r.returncode == 1
    # (rules + leaves) / (rules + 1 + leaves + 1): one rule never fired, one condition never seen true
    n, lv = len(kb_census.rule_ids()), kb_census.condition_leaves()
    pct = f"{100 * (n + lv) / (n + 1 + lv + 1):.1f}"
    assert f"coverage: {pct}% (rules fired {n}/{n + 1}, conditions seen true and false {lv}/{lv + 1})\n" in r.stdout
    assert r.stdout.endswith(f"coverage {pct}% is below the minimum 100%\n")


def test_kb_test_json_and_failure(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "cases" / "zz.yaml").write_text("""\
cases:
  - id: wrong-outcome
    base: base/pertuzumab-medicare.yaml
    expect: {outcome: denied}
""")
    r = run_cli("kb", "test", kb, "--format", "json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert (data["passed"], data["failed"]) == (len(kb_census.cases()), 1)
    bad = [c for c in data["cases"] if not c["passed"]]
    assert bad == [{"case": "wrong-outcome", "file": "kb/cases/zz.yaml", "passed": False,
                    "fired": ["HER2-POSITIVE-BY-ASCO-CAP"], "diffs": ["outcome: expected denied, got clean"], "error": ""}]
    assert data["coverage"] is None and data["seconds"] > 0


def test_kb_test_unloadable_kb_exit_2(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "rules" / "zz.yaml").write_text("rules: [\n")
    r = run_cli("kb", "test", kb)
    assert r.returncode == 2 and "kb_parse_error" in r.stderr and "Traceback" not in r.stderr


def test_kb_diff_with_claims(tmp_path):
    old = copy_kb(tmp_path, "old")
    new = copy_kb(tmp_path, "new")
    p = new / "payers" / "medicare.yaml"
    p.write_text(p.read_text().replace('jz_required_from: "2023-07-01"', 'jz_required_from: "2024-07-01"'))
    claims = tmp_path / "claims"
    claims.mkdir()
    base = load_document(KB / "cases" / "base" / "pertuzumab-medicare.yaml", "x").data
    no_jz = json.loads(json.dumps(base, default=str))
    no_jz["claim"]["id"] = "CLM-NO-JZ"
    no_jz["claim"]["lines"][0]["modifiers"] = []
    (claims / "no-jz.yaml").write_text(yaml.safe_dump(no_jz))
    (claims / "clean.yaml").write_text(yaml.safe_dump(json.loads(json.dumps(base, default=str))))
    r = run_cli("kb", "diff", old, new, "--claims", claims)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        f"kb diff: {old} (version {_version(old)}) -> {new} (version {_version(new)})\n"
        "~ payer medicare changed\n"
        "    settings.jz_required_from: 2023-07-01 -> 2024-07-01\n"
        "1 change to rules and tables\n"
        "claim CLM-NO-JZ (" + str(claims / "no-jz.yaml") + "): outcome denied -> clean\n"
        "    - JZ-MISSING-NO-WASTE@line:1: " + _jz_explanation(old, claims / "no-jz.yaml") + "\n"
        "    old: JZ-MISSING-NO-WASTE@line:1: " + _jz_explanation(old, claims / "no-jz.yaml") + "\n"
        "    new: no denials\n"
        "1 decision changed\n"
        "    JZ-MISSING-NO-WASTE: denial added on 0 claims, removed on 1\n")
    j = json.loads(run_cli("kb", "diff", old, new, "--claims", claims, "--format", "json").stdout)
    assert j["changes"] == [{"kind": "payer", "id": "medicare", "change": "changed",
                             "fields": [{"field": "settings.jz_required_from", "old": "2023-07-01",
                                         "new": "2024-07-01"}]}]
    assert [c["claim"] for c in j["decisions_changed"]] == ["CLM-NO-JZ"]


def test_kb_diff_claims_a_kb_cannot_decide_are_reported_not_fatal(tmp_path):
    """A claim for a payer only the new KB has: reported with the KB that refused it; the rest compared."""
    old = copy_kb(tmp_path, "old")
    new = copy_kb(tmp_path, "new")
    (old / "payers" / "other.yaml").unlink()  # without a profile for payers it does not model, a KB refuses 'acme'
    acme = (new / "payers" / "commercial.yaml").read_text().replace("id: commercial", "id: acme", 1)
    (new / "payers" / "acme.yaml").write_text(acme.replace("timely_filing_days: 90", "timely_filing_days: 30"))
    claims = tmp_path / "claims"
    claims.mkdir()
    base = json.loads(json.dumps(load_document(KB / "cases" / "base" / "pertuzumab-medicare.yaml", "x").data,
                                 default=str))
    (claims / "a-medicare.yaml").write_text(yaml.safe_dump(base))
    base["claim"]["id"], base["claim"]["payer"] = "CLM-ACME", "acme"
    (claims / "b-acme.yaml").write_text(yaml.safe_dump(base))
    (claims / "c-broken.yaml").write_text("claim: [\n")
    r = run_cli("kb", "diff", old, new, "--claims", claims)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    i = out.index(f"claim CLM-ACME ({claims / 'b-acme.yaml'}): not decided with the old KB ({old}):")
    assert "unknown payer 'acme'" in out[i + 1]
    assert any(x.startswith(f"{claims / 'c-broken.yaml'}: not decided with either KB:") for x in out)
    assert out[-1] == "2 claims could not be decided with one of the KBs (not compared); 2 claims read"
    assert "0 decisions changed" in out
    j = json.loads(run_cli("kb", "diff", old, new, "--claims", claims, "--format", "json").stdout)
    assert [(u["claim"], u["kb"]) for u in j["undecided"]] == [("CLM-ACME", "old"), (None, "both")]
    assert j["claims"] == 2 and j["decisions_changed"] == []


def _jz_explanation(kb, claim_file):
    from denialkb.engine.runtime import Decider

    rec = Decider(kb).check_file(claim_file)
    return [d["explanation"] for d in rec["denials"] if d["id"] == "JZ-MISSING-NO-WASTE"][0]


def test_kb_diff_identical_kbs(tmp_path):
    r = run_cli("kb", "diff", KB, copy_kb(tmp_path))
    assert r.returncode == 0 and r.stdout.endswith(") -> " + str(tmp_path / "kb") + f" (version {_version(KB)})\n0 changes to rules and tables\n")


def test_check_as_of_record_fields(tmp_path):
    r = run_cli("check", KB / "cases" / "base" / "pertuzumab-medicare.yaml", "--format", "json", "--as-of",
                "2023-06-30")
    rec = json.loads(r.stdout)
    assert rec["evaluated_as_of"] == "2023-06-30"
    assert rec["kb_version"].startswith("sha256:") and len(rec["kb_version"]) == 71


def _kb_with_cases(tmp_path, keep=("starter.yaml",)) -> Path:
    kb = copy_kb(tmp_path)
    for f in (kb / "cases").glob("*.yaml"):
        if f.name not in keep:
            f.unlink()
    return kb


def test_kb_test_lists_rules_fired_and_writes_coverage(tmp_path):
    from denialkb.engine.cases import case_document
    from denialkb.engine.claim import validate_claim
    from denialkb.engine.runtime import Decider

    kb = _kb_with_cases(tmp_path)
    out_json, out_csv = tmp_path / "cov.json", tmp_path / "cov.csv"
    r = run_cli("kb", "test", kb, "--coverage-out", out_json)
    assert r.returncode == 0, r.stdout + r.stderr
    # the expected counts, from deciding each case independently
    d = Decider(kb)
    fired, per_case = {}, {}
    for case in d.kb.cases:
        rec = d.check_document(validate_claim(case_document(case, d.kb.root), case.id))
        per_case[case.id] = sorted({f"{t['rule']}@line:{t['line']}" if t.get("line") else t["rule"]
                                    for t in rec["trace"]})
        for t in rec["trace"]:
            fired[t["rule"]] = fired.get(t["rule"], 0) + 1
    lines = r.stdout.splitlines()
    for case in d.kb.cases:
        i = lines.index(f"PASS {case.id} ({case.file})")
        assert lines[i + 1] == "    fired: " + (", ".join(per_case[case.id]) or "none")
    assert any(v for v in per_case.values())
    rep = json.loads(out_json.read_text())
    assert {x["rule"]: x["fired"] for x in rep["rules"] if x["fired"]} == fired
    assert len(rep["rules"]) == len(d.kb.rules)
    assert {x["carc"] for x in rep["carcs"]} == {r.denial["carc"] for r in d.kb.rules if r.conclusion == "denial"}
    assert all(set(c) == {"rule", "condition", "true", "false", "unknown"} for c in rep["conditions"])
    j = json.loads(run_cli("kb", "test", kb, "--coverage-out", out_csv, "--format", "json").stdout)
    assert {c["case"]: c["fired"] for c in j["cases"]} == per_case
    import csv

    rows = list(csv.DictReader(out_csv.open()))
    assert {x["rule"]: int(x["fired"]) for x in rows if x["kind"] == "rule" and x["fired"] != "0"} == fired
    assert {x["kind"] for x in rows} == {"rule", "condition", "carc"}


def test_kb_test_fail_on_empty(tmp_path):
    kb = _kb_with_cases(tmp_path, keep=())
    assert run_cli("kb", "test", kb).returncode == 0
    r = run_cli("kb", "test", kb, "--fail-on-empty")
    assert r.returncode == 1
    assert "no golden cases: nothing was tested (--fail-on-empty)" in r.stdout
    assert run_cli("kb", "test", kb, "--coverage-out", tmp_path / "x.txt").returncode == 2
