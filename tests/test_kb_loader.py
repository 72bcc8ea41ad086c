"""Malformed knowledge bases: every kind gives exact, located problems, all at once (never a traceback)."""

import shutil

import pytest

from denialkb.engine.errors import KBInvalidError
from denialkb.engine.kb import load_kb

from .conftest import KB


@pytest.fixture
def kb_copy(tmp_path):
    dst = tmp_path / "kb"
    shutil.copytree(KB, dst)
    return dst


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def problems(kb_dir):
    with pytest.raises(KBInvalidError) as e:
        load_kb(kb_dir)
    return [p.format() for p in e.value.problems], str(e.value)


def test_shipped_kb_loads_clean():
    kb = load_kb(KB)
    assert kb.warnings == [] and len(kb.rules) >= 12


def test_yaml_syntax_error_is_located(kb_copy):
    edit(kb_copy / "rules" / "payer.yaml", "    level: line\n", "    level: [line\n")
    got, _ = problems(kb_copy)
    assert got[0].startswith("kb/rules/payer.yaml:")
    assert "kb_parse_error: invalid YAML" in got[0]


def test_unknown_operator_with_suggestion(kb_copy):
    edit(kb_copy / "rules" / "coding.yaml", "{fact: line.units, gt: {fact: line.expected_units}}",
         "{fact: line.units, greater: {fact: line.expected_units}}")
    got, _ = problems(kb_copy)
    assert got == ["kb/rules/coding.yaml:85:30: UNITS-EXCEED-DOCUMENTED-DOSE: kb_schema_error: unknown operator 'greater'\n"
                   "    expected one of: eq, ne, lt, le, gt, ge, in, not_in, matches, contains, not_contains, any_in, "
                   "none_in, all_in, exists, missing\n"
                   "    hint: did you mean 'gt'?"]


def test_unknown_fact_name(kb_copy):
    edit(kb_copy / "rules" / "payer.yaml", "{fact: line.prior_auth_required, eq: true}\n        - {fact: line.auth_status, in: [none",
         "{fact: line.prior_auth_requird, eq: true}\n        - {fact: line.auth_status, in: [none")
    got, _ = problems(kb_copy)
    assert len(got) == 1
    assert ": PRIOR-AUTH-ABSENT: kb_unknown_ref: unknown fact 'line.prior_auth_requird'" in got[0]
    assert "hint: did you mean 'line.prior_auth_required'?" in got[0]


def test_schema_error_unknown_rule_key_and_bad_stage(kb_copy):
    edit(kb_copy / "rules" / "payer.yaml", "      denial: {stage: adjudication, group: CO, carc: \"197\", rarc: [M62]}",
         "      denial: {stage: frontend, group: CO, carc: \"197\", rarc: [M62]}")
    edit(kb_copy / "rules" / "payer.yaml", "    remedy_kind: obtain_authorization\n", "    remedy_knd: obtain_authorization\n")
    got, text = problems(kb_copy)
    assert len(got) == 2
    assert any("PRIOR-AUTH-ABSENT: kb_schema_error: rules[0].conclude.denial.stage: found 'frontend'" in g
               and "hint: did you mean 'front_end'?" in g for g in got)
    assert any("unknown key 'remedy_knd'" in g and "did you mean 'remedy_kind'?" in g for g in got)
    assert text.endswith("knowledge base invalid: 2 problems; nothing was decided")


def test_duplicate_rule_id(kb_copy):
    edit(kb_copy / "rules" / "payer.yaml", "id: PRIOR-AUTH-NOT-IN-FORCE", "id: PRIOR-AUTH-ABSENT")
    got, _ = problems(kb_copy)
    assert len(got) == 1
    assert "PRIOR-AUTH-ABSENT: kb_duplicate_id: rule id 'PRIOR-AUTH-ABSENT' is used twice (also at kb/rules/payer.yaml:2)" in got[0]


def test_unknown_carc_and_finding(kb_copy):
    edit(kb_copy / "rules" / "her2.yaml", "        - {finding: HER2-EQUIVOCAL-UNRESOLVED}",
         "        - {finding: HER2-EQUIVOCAL-UNRESOLVD}")
    edit(kb_copy / "rules" / "coding.yaml", 'carc: "181"', 'carc: "999"')
    got, _ = problems(kb_copy)
    assert any("CODE-INVALID-ON-DOS: kb_unknown_ref: unknown CARC '999'" in g for g in got)
    assert any("PERTUZUMAB-HER2-EQUIVOCAL: kb_unknown_ref: no rule concludes finding 'HER2-EQUIVOCAL-UNRESOLVD'" in g
               and "did you mean 'HER2-EQUIVOCAL-UNRESOLVED'?" in g for g in got)


def test_cycle_among_findings(kb_copy):
    edit(kb_copy / "rules" / "her2.yaml", "      all:\n        - {no_finding: HER2-POSITIVE}",
         "      all:\n        - {no_finding: HER2-POSITIVE}\n        - {finding: HER2-EQUIVOCAL-UNRESOLVED}")
    got, _ = problems(kb_copy)
    assert any("kb_cycle: findings depend on each other in a cycle:" in g for g in got)


def test_claim_level_rule_cannot_use_line_facts(kb_copy):
    edit(kb_copy / "rules" / "her2.yaml", '        - {fact: clinical.biomarkers.her2.ihc, eq: "3+"}',
         '        - {fact: line.code, eq: "J9306"}')
    got, _ = problems(kb_copy)
    assert any("HER2-POSITIVE-BY-ASCO-CAP: kb_schema_error: claim-level rule uses line fact 'line.code'" in g for g in got)


def test_many_errors_in_many_files_reported_together(kb_copy):
    edit(kb_copy / "rules" / "coding.yaml", 'carc: "181"', 'carc: "999"')
    edit(kb_copy / "payers" / "medicare.yaml", "  name: Medicare Part B fee-for-service\n", "")
    (kb_copy / "tables" / "junk.yaml").write_bytes(b"\x00\x01")
    got, text = problems(kb_copy)
    assert len(got) == 3
    # root causes first (the unreadable file, then the schema error), then the rest
    assert [g.split(":")[0] for g in got] == ["kb/tables/junk.yaml", "kb/payers/medicare.yaml", "kb/rules/coding.yaml"]
    assert "knowledge base invalid: 3 problems" in text
