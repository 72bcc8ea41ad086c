"""Tests of engine.authoring: lint codes, kb tests with coverage, diff and replay, effective dating,
extending the KB without Python."""

import shutil
import textwrap
from pathlib import Path

import pytest

from denialkb.engine.authoring import (
    diff_kbs,
    format_problem,
    lint_kb,
    summarize,
)
from denialkb.engine.claim import validate_claim
from denialkb.engine.kb import load_kb
from denialkb.engine.kbrun import render_test_run, replay_claims, run_kb_tests
from denialkb.engine.runtime import Decider
from denialkb.engine.yamlio import load_document

from . import kb_census

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
BASE = KB / "cases" / "base" / "pertuzumab-medicare.yaml"

RULE = """\
  - id: {id}
    title: Test rule {id}
    level: line
    {scope}when:
      all:
{conds}
    conclude:
      denial: {{stage: front_end, group: CO, carc: "{carc}", rarc: []}}
    explanation: "line {{line.number}} is wrong."
    remedy: {remedy}
    sources: {sources}
    confidence: low
"""


def copy_kb(tmp_path, name="kb") -> Path:
    dst = tmp_path / name
    shutil.copytree(KB, dst, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return dst


def rule(id, conds, scope="", carc="16", remedy="Fix it.", sources='["https://example.org/policy"]'):
    body = "\n".join(f"        - {c}" for c in conds)
    return RULE.format(id=id, conds=body, scope=scope, carc=carc, remedy=remedy, sources=sources)


def add_rules(kb: Path, *rules, name="extra.yaml") -> Path:
    p = kb / "rules" / name
    p.write_text("rules:\n" + "".join(rules))
    return p


def lint_lines(kb: Path, code: str) -> list[str]:
    _, problems = lint_kb(kb)
    return [format_problem(p) for p in problems if p.code == code]


def claim(unset=(), **sets):
    """The pertuzumab Medicare base claim with dotted-path edits."""
    from denialkb.engine.cases import set_path, unset_path

    doc = load_document(BASE, "claim_invalid").data
    for path, value in sets.items():
        set_path(doc, path, value)
    for path in unset:
        unset_path(doc, path)
    return validate_claim(doc, "test")


def denial_ids(record):
    return sorted(d["id"] for d in record["denials"])


# --------------------------------------------------------------------------- lint

def test_shipped_kb_lints_clean_except_info():
    kb, problems = lint_kb(KB)
    assert kb is not None
    assert [p for p in problems if p.severity != "info"] == []
    assert kb_census.unknown_dates() == 32  # checked by hand: 21 hcpcs rows have effective_from: unknown (the CPT administration and E/M codes, which the CMS Level II HCPCS file does not list, and C9292; the Level II drug codes carry the file's ADD DT since the sources branch), and 11 rows of kb/tables/ncci_pairs.yaml + mue.yaml (issue 13)
    assert summarize(problems) == f"0 errors, 0 warnings, {kb_census.unknown_dates()} info"
    assert {p.code for p in problems} == {"kb_unknown_date"}


def test_unknown_dates_listed_as_info():
    _, problems = lint_kb(KB)
    first = format_problem(problems[0])
    assert first == ("kb/tables/hcpcs.yaml:74:5: kb_unknown_date: code 96413: effective_from is unknown (info)\n"
                     "    hint: treated as always in force; add the date when a source states it")
    codes = [p.message.split(":")[0] for p in problems]
    assert "code J9316" not in codes  # J9316 has a real date (2021-01-01)
    assert "code J9306" not in codes  # J9306 is dated from the CMS HCPCS file (ADD DT 20140101)


def test_unreachable_contradictory_eq(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-EQ-EQ", ["{fact: line.code, eq: J9306}", "{fact: line.code, eq: J9308}"]))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:8:29: TEST-EQ-EQ: kb_unreachable_rule: rule can never fire: "
        'line.code: must equal both "J9306" and "J9308"']


def test_unreachable_ranges_cannot_overlap(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-RANGE", ["{fact: line.units, gt: 10}", "{fact: line.units, le: 10}"]))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:8:30: TEST-RANGE: kb_unreachable_rule: rule can never fire: "
        "line.units: ranges cannot overlap (needs > 10 and <= 10)"]


def test_overlapping_ranges_are_reachable(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-RANGE-OK", ["{fact: line.units, gt: 10}", "{fact: line.units, le: 11}"]))
    assert lint_lines(kb, "kb_unreachable_rule") == []


def test_unreachable_payer_setting_no_payer_defines(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-NO-SETTING", ["{fact: payer.jz_required_from, exists: true}"],
                       scope="scope: {payers: [commercial]}\n    "))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:8:42: TEST-NO-SETTING: kb_unreachable_rule: rule can never fire: no payer in scope "
        "(commercial) sets 'jz_required_from', so payer.jz_required_from is always absent"]


def test_unreachable_dates_reversed(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-DATES", ["{fact: line.units, gt: 1}"],
                       scope='scope:\n      effective_from: "2024-01-01"\n      effective_to: "2023-01-01"\n    '))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:7:7: TEST-DATES: kb_unreachable_rule: rule can never fire: "
        "scope effective_to 2023-01-01 is before effective_from 2024-01-01"]


def test_unreachable_scope_outside_code_dates(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-PHESGO-2019", ["{fact: line.units, gt: 1}"],
                       scope='scope:\n      codes: [J9316]\n      effective_to: "2020-06-30"\n    '))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:5:5: TEST-PHESGO-2019: kb_unreachable_rule: rule can never fire: "
        "no code in scope (J9316) is valid between the beginning and 2020-06-30"]


def test_duplicate_conclusion(tmp_path):
    kb = copy_kb(tmp_path)
    conds = ["{fact: line.units, gt: 999}"]
    add_rules(kb, rule("TEST-DUP-A", conds), rule("TEST-DUP-B", conds))
    assert lint_lines(kb, "kb_duplicate_conclusion") == [
        "kb/rules/extra.yaml:14:5: TEST-DUP-B: kb_duplicate_conclusion: concludes the same denial "
        "(CARC 16, group CO, stage front_end) on the same conditions as TEST-DUP-A (kb/rules/extra.yaml:2)\n"
        "    hint: merge the two rules, or make their conditions differ"]


def test_no_source_and_no_remedy(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-UNDOCUMENTED", ["{fact: line.units, gt: 999}"], remedy='"     "', sources='["   "]'))
    assert lint_lines(kb, "kb_no_source") == [
        "kb/rules/extra.yaml:12:5: TEST-UNDOCUMENTED: kb_no_source: rule cites no source\n"
        "    expected at least one source (URL or seed section)"]
    assert lint_lines(kb, "kb_no_remedy") == [
        "kb/rules/extra.yaml:11:5: TEST-UNDOCUMENTED: kb_no_remedy: denial rule gives no remedy"]


def test_rule_without_cases_warns(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-NO-CASES", ["{fact: line.units, gt: 999}"]))
    assert lint_lines(kb, "kb_no_golden_case") == [
        "kb/rules/extra.yaml:2:5: TEST-NO-CASES: kb_no_golden_case: no golden case fires this rule (warning)\n"
        "    hint: add a case with `fires: [TEST-NO-CASES]` under kb/cases/"]
    assert lint_lines(kb, "kb_no_near_miss") == [
        "kb/rules/extra.yaml:2:5: TEST-NO-CASES: kb_no_near_miss: no golden case is a near miss for this rule "
        "(warning)\n    hint: add a case with `near_miss: [TEST-NO-CASES]` where the rule stays silent"]


def test_case_names_unknown_rule(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "cases" / "extra.yaml").write_text(textwrap.dedent("""\
        cases:
          - id: typo
            base: base/pertuzumab-medicare.yaml
            near_miss: [PRIOR-AUTH-ABSNT]
            expect: {denials: []}
        """))
    assert lint_lines(kb, "kb_case_unknown_rule") == [
        "kb/cases/extra.yaml:4:17: kb_case_unknown_rule: case 'typo': near_miss names unknown rule "
        "'PRIOR-AUTH-ABSNT'\n    hint: did you mean 'PRIOR-AUTH-ABSENT'?"]


def test_lint_keeps_check_kb_errors(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-BAD-FACT", ["{fact: line.unitz, gt: 1}"]))
    lines = lint_lines(kb, "kb_unknown_ref")
    assert lines and lines[0].startswith("kb/rules/extra.yaml:")
    assert "unknown fact 'line.unitz'" in lines[0]


def test_rule_needing_finding_of_unreachable_rule_is_unreachable(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "rules" / "extra.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: TEST-FINDING-NEVER
            title: never
            level: line
            when:
              all:
                - {fact: line.units, lt: 1}
                - {fact: line.units, gt: 2}
            conclude: {finding: NEVER-FOUND}
            explanation: "never fires."
            remedy: nothing to do
            sources: ["https://example.org"]
            confidence: low
        """) + rule("TEST-NEEDS-NEVER", ["{finding: NEVER-FOUND}"]))
    lines = lint_lines(kb, "kb_unreachable_rule")
    assert len(lines) == 2
    assert lines[1].endswith("TEST-NEEDS-NEVER: kb_unreachable_rule: rule can never fire: "
                             "needs finding 'NEVER-FOUND', which no reachable rule concludes")


# --------------------------------------------------------------------------- kb test + coverage

def test_kb_test_on_shipped_kb():
    run = run_kb_tests(KB, coverage=True)
    cases, rules, leaves = kb_census.cases(), kb_census.rule_ids(), kb_census.condition_leaves()
    assert (len(cases), len(rules), leaves) == (536, 152, 669)  # checked by hand against kb/ (session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; session 14 merges; labels4: 14 cases, 12 leaves; final; r2miss merged; all branches merged; lead timely filing scope; ndc2 merged; clin3 merged; her2class merged; lead R2-F1/F7: 4 cases, 11 leaves; fpfix F19: 6 cases, 46 leaves; clin3: 7 cases, 1 rule, 5 leaves; ndc: 10 cases, 3 rules, 11 leaves; dxdates 1 case; biosim: 14 cases, 2 rules, 20 leaves; session 12 lead: 19 cases, 3 rules, 42 leaves; issue 13 added 59 cases, 21 rules, 73 leaves; issue 12 kb12 21 cases, 4 rules, 4 leaves; lead_unseen 3 cases, 1 leaf; clinical 22 cases, 4 rules, 26 leaves)
    assert [(r.case, r.file) for r in run.results] == cases
    assert (len(run.results), run.passed, run.failed) == (len(cases), len(cases), 0)
    c = run.coverage
    assert c.rules_total == len(rules) and sorted(c.rules_fired) == sorted(rules)
    assert (c.leaves_both, c.leaves_total) == (leaves, leaves)
    assert round(c.percent, 1) == 100.0  # (rules + leaves) / (rules + leaves)
    assert c.rules_never_fired == [] and c.denials_never == [] and c.carcs_never == []
    assert c.leaves_partial == []
    text = render_test_run(run)
    assert text.startswith("PASS biosim-uhc-herceptin-first-dose (kb/cases/biosim_programmes.yaml)\n")  # files in name order
    assert "PASS pertuzumab-clean (kb/cases/starter.yaml)\n" in text
    n, r, lv = len(cases), len(rules), leaves
    assert f"\n{n} cases: {n} passed, 0 failed\n" in text
    assert f"coverage: 100.0% (rules fired {r}/{r}, conditions seen true and false {lv}/{lv})\n" in text
    assert "\ntime: " in text


def test_kb_test_failing_case_shows_diff(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "cases" / "extra.yaml").write_text(textwrap.dedent("""\
        cases:
          - id: wrong-expectation
            base: base/pertuzumab-medicare.yaml
            set: {"claim.lines[0].code": J9308}
            expect: {denials: []}
        """))
    run = run_kb_tests(kb, coverage=True)
    bad = [r for r in run.results if not r.passed]
    assert [r.case for r in bad] == ["wrong-expectation"]
    text = render_test_run(run)
    assert ("FAIL wrong-expectation (kb/cases/extra.yaml)\n    fired: CODE-DRUG-DOCUMENTATION-MISMATCH@line:1, "
            "CODE-DRUG-NDC-MISMATCH@line:1, HER2-POSITIVE-BY-ASCO-CAP, RAMUCIRUMAB-DX-NOT-SUPPORTING@line:1, "
            "RAMUCIRUMAB-SITE-NOT-INDICATED@line:1\n"
            "    denials differ:\n      produced but not expected: "
            "CODE-DRUG-DOCUMENTATION-MISMATCH@line:1, CODE-DRUG-NDC-MISMATCH@line:1, "
            "RAMUCIRUMAB-DX-NOT-SUPPORTING@line:1, RAMUCIRUMAB-SITE-NOT-INDICATED@line:1\n") in text


def test_coverage_reports_rule_never_fired(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-NEVER-FIRED", ["{fact: line.units, gt: 99999}"], carc="252"))
    (kb / "tables" / "extra.yaml").write_text(
        'carc:\n  "252": {label: "An attachment is required", sources: ["https://example.org/carc"]}\n')
    run = run_kb_tests(kb, coverage=True)
    assert run.coverage.rules_never_fired == ["TEST-NEVER-FIRED"]
    assert run.coverage.denials_never == ["TEST-NEVER-FIRED"]
    assert run.coverage.carcs_never == ["252"]
    assert ("TEST-NEVER-FIRED", "line.units is greater than 99999", ["false"]) in run.coverage.leaves_partial


# --------------------------------------------------------------------------- diff

def _retire_jz(kb: Path, date: str):
    p = kb / "rules" / "modifiers.yaml"
    text = p.read_text()
    old = "  - id: JZ-MISSING-NO-WASTE\n    title: JZ missing on a single-dose drug line with nothing discarded\n    level: line\n"
    assert old in text
    p.write_text(text.replace(old, old + f'    scope: {{effective_to: "{date}"}}\n'))


def test_diff_and_replay(tmp_path):
    old = copy_kb(tmp_path, "old")
    new = copy_kb(tmp_path, "new")
    _retire_jz(new, "2023-12-31")
    (new / "payers" / "medicare.yaml").write_text(
        (new / "payers" / "medicare.yaml").read_text().replace("timely_filing_months: 12", "timely_filing_months: 6"))
    changes = diff_kbs(load_kb(old), load_kb(new))
    assert [(c.kind, c.id, c.change, c.fields) for c in changes] == [
        ("rule", "JZ-MISSING-NO-WASTE", "changed", [("scope", None, {"effective_to": "2023-12-31"})]),
        ("payer", "medicare", "changed", [("settings.timely_filing_months", 12, 6)])]
    claims = tmp_path / "claims"
    claims.mkdir()
    for name in ("pertuzumab-jz-missing.yaml", "pertuzumab-clean-medicare.yaml"):
        if (ROOT / "examples" / name).exists():
            shutil.copy(ROOT / "examples" / name, claims / name)
    doc = load_document(BASE, "x").data
    doc["claim"]["id"] = "CLM-NO-JZ"
    doc["claim"]["lines"][0]["modifiers"] = []
    import yaml

    (claims / "no-jz.yaml").write_text(yaml.safe_dump(doc))
    replay = replay_claims(old, new, claims)
    no_jz = [c for c in replay if c["claim"] == "CLM-NO-JZ"]
    assert len(no_jz) == 1
    ch = no_jz[0]
    assert ch["outcome"] == {"old": "denied", "new": "clean"}
    assert [d["denial"] for d in ch["denials_removed"]] == ["JZ-MISSING-NO-WASTE@line:1"]
    assert ch["denials_added"] == []
    assert ch["denials_removed"][0]["explanation"].startswith("from 2023-07-01 Medicare Part B")
    assert ch["old"]["kb_version"] != ch["new"]["kb_version"]


def test_diff_added_and_removed(tmp_path):
    old = copy_kb(tmp_path, "old")
    new = copy_kb(tmp_path, "new")
    add_rules(new, rule("TEST-NEW", ["{fact: line.units, gt: 99999}"]))
    (new / "tables" / "hcpcs.yaml").write_text((new / "tables" / "hcpcs.yaml").read_text())
    changes = diff_kbs(load_kb(old), load_kb(new))
    assert [(c.kind, c.id, c.change) for c in changes] == [("rule", "TEST-NEW", "added")]
    back = diff_kbs(load_kb(new), load_kb(old))
    assert [(c.kind, c.id, c.change) for c in back] == [("rule", "TEST-NEW", "removed")]


# --------------------------------------------------------------------------- decision records, dating

@pytest.fixture(scope="module")
def shipped():
    return Decider(KB)


def test_record_carries_kb_version_and_evaluated_as_of(shipped):
    rec = shipped.check_document(claim())
    assert rec["kb_version"] == shipped.kb.version and rec["kb_version"].startswith("sha256:")
    assert rec["evaluated_as_of"] == "2024-03-15"
    rec2 = shipped.check_document(claim(), "2023-06-30")
    assert rec2["evaluated_as_of"] == "2023-06-30"


def test_kb_version_changes_with_content_not_cases(tmp_path):
    kb = copy_kb(tmp_path)
    v0 = load_kb(kb).version
    assert v0 == load_kb(KB).version
    (kb / "cases" / "extra.yaml").write_text("cases: []\n")
    assert load_kb(kb).version == v0
    _retire_jz(kb, "2030-01-01")
    assert load_kb(kb).version != v0


def _no_jz(date, received="2023-10-02"):
    # received after 2023-10-01, when Medicare began returning claims without JZ (jz_returned_from)
    return claim(**{"claim.lines[0].modifiers": [], "claim.lines[0].service_date": date,
                    "claim.lines[1].service_date": date, "claim.received_date": received,
                    "administrations": [{"date": date, "drug": "pertuzumab", "dose_mg": 420}], "prior_claims": []})


@pytest.mark.parametrize("date,fires", [("2023-06-30", False), ("2023-07-01", True)])
def test_jz_required_from_2023_07_01(shipped, date, fires):
    rec = shipped.check_document(_no_jz(date))
    assert ("JZ-MISSING-NO-WASTE" in denial_ids(rec)) is fires


@pytest.mark.parametrize("received,denied", [("2023-09-30", False), ("2023-10-01", True)])
def test_jz_return_edit_from_2023_10_01_by_received_date(shipped, received, denied):
    """A July 2023 date of service needed JZ, but Medicare returned claims without it only from 2023-10-01:
    received before that, the claim was paid and the missing JZ is a finding."""
    rec = shipped.check_document(_no_jz("2023-07-01", received))
    assert ("JZ-MISSING-NO-WASTE" in denial_ids(rec)) is denied
    assert ("JZ-MISSING-NOT-YET-RETURNED" in [f["id"] for f in rec["findings"]]) is (not denied)


def test_as_of_overrides_date_of_service(shipped):
    rec = shipped.check_document(_no_jz("2023-07-01"), "2023-06-30")
    assert "JZ-MISSING-NO-WASTE" not in denial_ids(rec)


def _phesgo(date):
    return claim(**{"claim.lines[0].code": "J9316", "claim.lines[0].units": 120, "claim.lines[0].ndc": "50242-0260-01",
                    "claim.lines[0].service_date": date, "claim.lines[1].service_date": date,
                    "claim.received_date": date, "documentation.drug": "Phesgo", "documentation.dose_mg": 1200,
                    "administrations": [{"date": date, "drug": "Phesgo", "dose_mg": 1200}], "prior_claims": []})


@pytest.mark.parametrize("date,fires", [("2020-12-31", True), ("2021-01-01", False)])
def test_j9316_valid_from_2021_01_01(shipped, date, fires):
    rec = shipped.check_document(_phesgo(date))
    assert ("CODE-INVALID-ON-DOS" in denial_ids(rec)) is fires


@pytest.mark.parametrize("date,fires", [("2023-12-31", True), ("2024-01-01", False)])
def test_rule_retired_with_effective_to(tmp_path, date, fires):
    kb = copy_kb(tmp_path)
    _retire_jz(kb, "2023-12-31")
    rec = Decider(kb).check_document(_no_jz(date))
    assert ("JZ-MISSING-NO-WASTE" in denial_ids(rec)) is fires


# --------------------------------------------------------------------------- extending without Python

DOC = ROOT / "docs" / "authoring.md"


def tutorials() -> list[tuple[str, list]]:
    """(title, [(action, file or command, text)]) of each tutorial in docs/authoring.md."""
    import re

    doc = DOC.read_text()
    out = []
    for section in re.split(r"^## ", doc[doc.index("## Tutorials"):], flags=re.M)[2:]:
        title = section.splitlines()[0]
        steps = []
        for m in re.finditer(r"^(?:(new|replace|write): (\S+)\n```yaml\n(.*?)```|run:\n```\n(.*?)\n```)", section,
                             flags=re.M | re.S):
            if m.group(4) is not None:
                steps.append(("run", m.group(4).strip(), ""))
            else:
                steps.append((m.group(1), m.group(2), m.group(3)))
        out.append((title, steps))
    return out


def _pattern(old: str):
    """The old text of a replace step as a regex: a line ending in ' ...' matches the rest of that line."""
    import re

    parts = []
    for line in old.splitlines(keepends=True):
        body = line.rstrip("\n")
        if body.endswith(" ..."):
            parts.append(re.escape(body[:-4]) + r"[^\n]*" + ("\n" if line.endswith("\n") else ""))
        else:
            parts.append(re.escape(line))
    return re.compile("".join(parts))


def apply_steps(kb: Path, steps):
    import shlex

    from .conftest import run_cli

    for action, file, text in steps:
        if action == "run":
            argv = shlex.split(file)
            assert argv[:3] == ["denialkb", "kb", "new"] and argv[-2:] == ["--kb", "kb"], file
            r = run_cli(*argv[1:-1], kb)
            assert r.returncode == 0, (file, r.stdout, r.stderr)
            continue
        p = kb / file
        if action == "new":
            assert not p.exists(), file
            p.write_text(text)
        elif action == "write":
            assert p.exists(), f"{file}: a command should have written it"
            p.write_text(text)
        else:
            old, new = text.split("# becomes\n")
            content = p.read_text()
            pat = _pattern(old)
            assert len(pat.findall(content)) == 1, f"{file}: text to replace not found once:\n{old}"
            p.write_text(pat.sub(lambda m, new=new: new, content))


def test_docs_have_four_tutorials():
    titles = [t for t, _ in tutorials()]
    assert titles == ["1. Add a payer", "2. Add a drug (dosing) and its rules", "3. Change a threshold on a date",
                      "4. Retire a rule on a date"]
    assert all(steps for _, steps in tutorials())
    # the payer and the drug start from `kb new`; the threshold is a dated setting
    kinds = {t: [a for a, _, _ in s] for t, s in tutorials()}
    assert kinds["1. Add a payer"][0] == "run" and kinds["2. Add a drug (dosing) and its rules"][0] == "run"
    assert "effective_from" in tutorials()[2][1][0][2]


def test_tutorials_lint_and_test_clean(tmp_path):
    kb = copy_kb(tmp_path)
    for title, steps in tutorials():
        apply_steps(kb, steps)
        _, problems = lint_kb(kb)
        assert [format_problem(p) for p in problems if p.severity != "info"] == [], title
        run = run_kb_tests(kb)
        assert run.failed == 0, (title, [(r.case, r.diffs, r.error) for r in run.results if not r.passed])


def test_extend_without_python_decides_claims(tmp_path):
    """New payer, a new drug with dosing, two rules: only YAML, and claims are decided with them."""
    kb = copy_kb(tmp_path)
    for _, steps in tutorials()[:2]:
        apply_steps(kb, steps)
    d = Decider(kb)
    assert "acme" in d.kb.payers
    assert d.kb.drugs["margetuximab"]["dosing"]["max_dose_mg_per_kg"] == 15
    assert d.kb.hcpcs["J9353"]["drug"] == "margetuximab"

    def margenza(payer, dose, date="2024-03-15", prior=("trastuzumab",), **extra):
        return claim(unset=["claim.lines[0].ndc", "claim.lines[0].ndc_quantity", "claim.lines[0].ndc_unit"],
                     **{"claim.payer": payer, "claim.lines[0].code": "J9353", "claim.lines[0].units": dose // 5,
                        "claim.lines[0].modifiers": [], "documentation.drug": "Margenza",
                        "documentation.dose_mg": dose, "claim.lines[0].service_date": date,
                        "claim.lines[1].service_date": date, "claim.received_date": date,
                        "clinical.concurrent_drugs": [],
                        "clinical.prior_therapies": [{"drug": x, "setting": "metastatic", "start_date": "2023-01-10",
                                                      "end_date": "2023-06-30", "progressed": True} for x in prior],
                        "administrations": [{"date": date, "drug": "Margenza", "dose_mg": dose}],
                        "prior_claims": [], **extra})

    # 68 kg: 1020 mg (204 units of 5 mg) is 15 mg/kg (the label dose), 1360 mg is 20 mg/kg
    assert denial_ids(d.check_document(margenza("acme", 1020))) == []
    rec = d.check_document(margenza("medicare", 1360))
    assert denial_ids(rec) == ["MARGETUXIMAB-DOSE-ABOVE-LABEL"]
    assert rec["denials"][0]["explanation"] == (
        "line 1 gives 20 mg/kg of margetuximab; the label allows at most 15 mg/kg.")
    rec = d.check_document(margenza("acme", 1020, prior=("docetaxel",)))
    assert denial_ids(rec) == ["ACME-MARGENZA-WITHOUT-PRIOR-TRASTUZUMAB"]
    assert rec["denials"][0]["explanation"] == (
        "Acme Health covers margetuximab (J9353, line 1) only after trastuzumab; "
        "the record shows no prior trastuzumab.")
    # the payer rule is Acme's alone
    assert denial_ids(d.check_document(margenza("medicare", 1020, prior=("docetaxel",)))) == []
    assert denial_ids(d.check_document(margenza("acme", 1360, prior=("docetaxel",)))) == [
        "ACME-MARGENZA-WITHOUT-PRIOR-TRASTUZUMAB", "MARGETUXIMAB-DOSE-ABOVE-LABEL"]
    # the drug joined the class her2_positive_antibody: the shipped HER2 rules cover it, no rule was edited
    assert "margetuximab" in d.kb.rules_by_id["PERTUZUMAB-HER2-NEGATIVE"].scope["drugs"]
    rec = d.check_document(margenza("medicare", 1020, **{"clinical.biomarkers.her2": {"ihc": "1+"}}))
    assert denial_ids(rec) == ["PERTUZUMAB-HER2-NEGATIVE"]
    assert "margetuximab is indicated only for HER2-positive disease" in rec["denials"][0]["explanation"]


def test_tutorial_retirement_takes_effect_after_the_date(tmp_path):
    kb = copy_kb(tmp_path)
    steps = tutorials()
    for _, s in steps[:2]:
        apply_steps(kb, s)
    before = Decider(kb)
    for _, s in steps[2:]:
        apply_steps(kb, s)
    after = Decider(kb)
    no_prior = claim(unset=["claim.lines[0].ndc", "claim.lines[0].ndc_quantity", "claim.lines[0].ndc_unit"],
                     **{"claim.payer": "acme", "claim.lines[0].code": "J9353", "claim.lines[0].units": 204,
                        "claim.lines[0].modifiers": [], "documentation.drug": "Margenza",
                        "documentation.dose_mg": 1020, "clinical.concurrent_drugs": [], "clinical.prior_therapies": [],
                        "administrations": [{"date": "2024-03-15", "drug": "Margenza", "dose_mg": 1020}],
                        "prior_claims": []})
    assert denial_ids(before.check_document(no_prior, "2025-07-01")) == ["ACME-MARGENZA-WITHOUT-PRIOR-TRASTUZUMAB"]
    assert denial_ids(after.check_document(no_prior, "2025-06-30")) == ["ACME-MARGENZA-WITHOUT-PRIOR-TRASTUZUMAB"]
    assert denial_ids(after.check_document(no_prior, "2025-07-01")) == []


def test_unreachable_exists_and_missing(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-EXISTS-MISSING", ["{fact: line.ndc, exists: true}", "{fact: line.ndc, missing: true}"]))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:8:28: TEST-EXISTS-MISSING: kb_unreachable_rule: rule can never fire: "
        "line.ndc: is required both present and absent"]


def test_unreachable_eq_outside_in_list(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-EQ-IN", ["{fact: line.auth_status, eq: valid}",
                                      "{fact: line.auth_status, in: [expired, none]}"]))
    lines = lint_lines(kb, "kb_unreachable_rule")
    assert lines == ["kb/rules/extra.yaml:8:36: TEST-EQ-IN: kb_unreachable_rule: rule can never fire: "
                     "line.auth_status: no value satisfies both 'line.auth_status is one of expired, none' "
                     "and the other conditions on it"]


def test_conditions_under_any_are_not_flagged(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-ANY", ["{any: [{fact: line.code, eq: J9306}, {fact: line.code, eq: J9308}]}"]))
    assert lint_lines(kb, "kb_unreachable_rule") == []


def test_duplicate_conclusion_ignores_condition_order(tmp_path):
    kb = copy_kb(tmp_path)
    a, b = "{fact: line.units, gt: 999}", "{fact: line.code, eq: J9306}"
    add_rules(kb, rule("TEST-ORDER-A", [a, b]), rule("TEST-ORDER-B", [b, a]),
              rule("TEST-ORDER-C", [a, b], carc="29"))
    lines = lint_lines(kb, "kb_duplicate_conclusion")
    assert [x.split(": ")[1] for x in lines] == ["TEST-ORDER-B"]


def test_unreachable_dosing_key_no_scoped_drug_has(tmp_path):
    kb = copy_kb(tmp_path)
    add_rules(kb, rule("TEST-DOSING", ["{fact: line.dose_mg, gt: {fact: line.dosing.maintenance_dose_mg}}"],
                       scope="scope: {drugs: [ramucirumab]}\n    "))
    assert lint_lines(kb, "kb_unreachable_rule") == [
        "kb/rules/extra.yaml:8:32: TEST-DOSING: kb_unreachable_rule: rule can never fire: no drug in scope "
        "(ramucirumab) has dosing 'maintenance_dose_mg', so line.dosing.maintenance_dose_mg is always absent"]


def test_lint_missing_directory(tmp_path):
    kb, problems = lint_kb(tmp_path / "nope")
    assert kb is None
    assert [p.code for p in problems] == ["kb_parse_error"]
    assert problems[0].message.startswith("knowledge-base directory not found: ")
