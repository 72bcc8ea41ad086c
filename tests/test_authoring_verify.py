"""Lint checks that catch the mistakes which silently switch a policy off (users-trial §A5), and the
decision-table verification across rules (versions overlapping, subsumption, contradiction,
rules that can never fire) on minimal knowledge bases."""

import shutil
import textwrap
from pathlib import Path

from denialkb.engine.authoring import format_problem, lint_kb
from denialkb.engine.kb import check_kb

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"

TABLES = """\
hcpcs:
  J9306: {descriptor: "Injection, pertuzumab, 1 mg", kind: drug, drug: pertuzumab, unit_mg: 1,
          effective_from: "2013-01-01", sources: ["https://example.org/hcpcs"], confidence: high}
  J9308: {descriptor: "Injection, ramucirumab, 5 mg", kind: drug, drug: ramucirumab, unit_mg: 5,
          effective_from: "2015-01-01", sources: ["https://example.org/hcpcs"], confidence: high}
drugs:
  pertuzumab: {aliases: [Perjeta], route: IV}
  ramucirumab: {aliases: [Cyramza], route: IV}
  trastuzumab-anns: {aliases: [Kanjinti], route: IV}
carc:
  "16": {label: "Lacks information"}
  "50": {label: "Not medically necessary"}
  "197": {label: "Authorization absent"}
rarc:
  N130: {label: "See plan guidelines"}
"""

PAYER = """\
payer:
  id: acme
  name: Acme Health
  stages: {clinical_review: prior_authorization}  # where Acme checks clinical criteria (stage model)
  settings:
    timely_filing_days: 90
    lvef_min_percent: 50
  setting_sources:
    timely_filing_days: https://example.org/acme/filing
    lvef_min_percent: https://example.org/acme/lvef
"""


def rule(rid, conds, scope="", carc="50", group="CO", concl=None, title=None, explanation="line {line.number}."):
    body = "\n".join(f"        - {c}" for c in conds)
    concl = concl or f'denial: {{stage: adjudication, group: {group}, carc: "{carc}", rarc: [N130]}}'
    return f"""\
  - id: {rid}
    title: {title or 'Rule ' + rid}
    level: line
    {('scope: ' + scope + chr(10) + '    ') if scope else ''}when:
      all:
{body}
    conclude:
      {concl}
    explanation: "{explanation} Wrong here."
    remedy: Fix it.
    sources: ["https://example.org/policy"]
    confidence: low
"""


def mini_kb(tmp_path, *rules, payer=PAYER) -> Path:
    kb = tmp_path / "kb"
    for d in ("tables", "payers", "rules"):
        (kb / d).mkdir(parents=True, exist_ok=True)
    (kb / "tables" / "t.yaml").write_text(TABLES)
    (kb / "payers" / "acme.yaml").write_text(payer)
    (kb / "rules" / "r.yaml").write_text("rules:\n" + "".join(rules))
    return kb


def problems(kb, code):
    _, ps = lint_kb(kb)
    return [format_problem(p) for p in ps if p.code == code]


def copy_kb(tmp_path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(KB, dst, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return dst


# --------------------------------------------------------------------------- the six silent mistakes

ACME = """\
payer:
  id: acme
  name: Acme Health
  stages: {clinical_review: prior_authorization}  # where Acme checks clinical criteria (stage model)
  settings:
    timely_filing_days: 90
    ndc_required: true
  setting_sources:
    timely_filing_days: https://example.org/acme/filing
    ndc_required: https://example.org/acme/ndc
  prior_auth:
    - {code: J9306, sources: ["https://example.org/acme/pa"], confidence: medium}
  step_therapy:
    - {code: J9355, preferred_drugs: [trastuzumab-anns, trastuzumab-dkst, trastuzumab-qyyp],
       sources: ["https://example.org/acme/step"], confidence: medium}
"""


def with_acme(tmp_path, old, new) -> Path:
    kb = copy_kb(tmp_path)
    assert ACME.count(old) == 1, old
    (kb / "payers" / "acme.yaml").write_text(ACME.replace(old, new))
    return kb


def test_acme_as_written_is_clean(tmp_path):
    kb = copy_kb(tmp_path)
    (kb / "payers" / "acme.yaml").write_text(ACME)
    _, ps = lint_kb(kb)
    assert [format_problem(p) for p in ps if p.severity != "info"] == []


def test_mistake_prior_auth_code_typo(tmp_path):
    kb = with_acme(tmp_path, "{code: J9306, sources", "{code: J9036, sources")
    assert problems(kb, "kb_unknown_ref") == [
        "kb/payers/acme.yaml:12:8: kb_unknown_ref: payer acme prior_auth row: unknown code 'J9036' "
        "(the row can never apply)\n"
        "    expected a code of the hcpcs table\n"
        "    hint: did you mean 'J9306'?"]


def test_mistake_setting_name_typo(tmp_path):
    kb = with_acme(tmp_path, "    timely_filing_days: 90\n", "    timely_filing_day: 90\n")
    out = problems(kb, "kb_unknown_setting")
    assert out[0].startswith("kb/payers/acme.yaml:6:5: kb_unknown_setting: payer acme sets 'timely_filing_day', "
                             "which no rule and no engine computation reads (it has no effect)\n")
    assert out[0].endswith("    hint: did you mean 'timely_filing_days'?")
    # its source line now names no setting either
    assert "setting_sources names 'timely_filing_days', which is not one of its settings" in out[1]


def test_mistake_unknown_drug_in_preferred_drugs(tmp_path):
    kb = with_acme(tmp_path, "trastuzumab-dkst,", "trastuzumab-dksst,")
    assert problems(kb, "kb_unknown_ref") == [
        "kb/payers/acme.yaml:14:57: kb_unknown_ref: payer acme step_therapy row for J9355: unknown drug "
        "'trastuzumab-dksst' in preferred_drugs\n"
        "    expected a KB drug id (a key of a drugs table)\n"
        "    hint: did you mean 'trastuzumab-dkst'?"]


def test_mistake_brand_names_in_preferred_drugs(tmp_path):
    kb = with_acme(tmp_path, "[trastuzumab-anns, trastuzumab-dkst, trastuzumab-qyyp]", "[kanjinti, Ogivri, trazimera]")
    out = problems(kb, "kb_unknown_ref")
    assert [x.splitlines()[-1] for x in out] == [
        "    hint: 'kanjinti' is an alias of trastuzumab-anns: use the KB drug id 'trastuzumab-anns'",
        "    hint: 'Ogivri' is an alias of trastuzumab-dkst: use the KB drug id 'trastuzumab-dkst'",
        "    hint: 'trazimera' is an alias of trastuzumab-qyyp: use the KB drug id 'trastuzumab-qyyp'"]
    assert out[0].startswith("kb/payers/acme.yaml:14:39: kb_unknown_ref: payer acme step_therapy row for J9355: "
                             "unknown drug 'kanjinti' in preferred_drugs")
    # no schema error ("expected a lower-case name") hides the real fix any more
    assert problems(kb, "kb_schema_error") == []


def test_mistake_setting_without_source(tmp_path):
    kb = with_acme(tmp_path, "    ndc_required: https://example.org/acme/ndc\n", "")
    assert problems(kb, "kb_no_source") == [
        "kb/payers/acme.yaml:7:5: kb_no_source: payer acme setting 'ndc_required' cites no source\n"
        "    hint: add `ndc_required: URL (what it says)` under setting_sources"]


def test_mistake_old_rule_version_left_open(tmp_path):
    """The trial's LVEF 2027 copy: the old version was not given an effective_to."""
    kb = copy_kb(tmp_path)
    src = (kb / "rules" / "clinical_safety.yaml").read_text()
    start = src.index("  - id: PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-METASTATIC\n")
    end = src.index("  - id: PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-EARLY\n")
    old = src[start:end]
    new = (old.replace("LVEF-HOLD-METASTATIC\n", "LVEF-HOLD-METASTATIC-2027\n", 1)
              .replace("scope: {drug_classes:", 'scope: {effective_from: "2027-01-01", drug_classes:')
              .replace("latest_percent, lt: 40}", "latest_percent, lt: 45}"))
    (kb / "rules" / "clinical_safety.yaml").write_text(src[:end] + new + src[end:])
    out = problems(kb, "kb_version_overlap")
    assert len(out) == 1
    head, hint = out[0].splitlines()
    assert head.startswith("kb/rules/clinical_safety.yaml:")
    assert head.endswith(": PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-METASTATIC-2027: kb_version_overlap: "
                         "PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-METASTATIC-2027 and PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-"
                         "METASTATIC (kb/rules/clinical_safety.yaml:4) look like two versions of one rule (same scope "
                         "and denial) and both are in force from 2027-01-01 to now (warning)")
    assert hint == "    hint: end PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-METASTATIC with effective_to the day before 2027-01-01"
    # closing the old version clears it
    (kb / "rules" / "clinical_safety.yaml").write_text(
        src[:start] + old.replace("scope: {drug_classes:", 'scope: {effective_to: "2026-12-31", drug_classes:') + new + src[end:])
    assert problems(kb, "kb_version_overlap") == []


def test_mistake_stale_number_in_explanation(tmp_path):
    kb = copy_kb(tmp_path)
    p = kb / "rules" / "clinical_safety.yaml"
    src = p.read_text()
    # the prose states a threshold no condition holds (40 is held elsewhere in the rule's scope since the class
    # scopes, so the prose is edited instead of the condition)
    p.write_text(src.replace("meets the metastatic hold criteria (below 40 %", "meets the metastatic hold criteria (below 37 %", 1))
    out = problems(kb, "kb_explanation_number")
    assert out == [
        "kb/rules/clinical_safety.yaml:25:5: PERTUZUMAB-GIVEN-DURING-LVEF-HOLD-METASTATIC: kb_explanation_number: "
        "explanation states 37, which no condition, setting or dosing value of the rule holds (warning)\n"
        "    hint: print the value with a placeholder ({payer.<setting>}, {line.dosing.<key>}) or correct the text "
        "to match the conditions"]


def test_mistake_gte_suggests_ge_and_symbols(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gte: 5}"]),
                 rule("B-RULE", ['{fact: line.units, ">=": 5}']), rule("C-RULE", ["{fact: line.units, lte: 5}"]),
                 rule("D-RULE", ['{fact: line.units, "<": 5}']))
    hints = [x.splitlines()[-1] for x in problems(kb, "kb_schema_error")]
    assert hints == ["    hint: did you mean 'ge'?", "    hint: did you mean 'ge'?", "    hint: did you mean 'le'?",
                     "    hint: did you mean 'lt'?"]


# --------------------------------------------------------------------------- cascades and root causes

def test_schema_error_in_a_rule_does_not_cascade_into_cases(tmp_path):
    kb = copy_kb(tmp_path)
    p = kb / "rules" / "ramucirumab.yaml"
    src = p.read_text()
    p.write_text(src.replace("{fact: line.has_jw, eq: false}", "{fact: line.has_jw, eqq: false}", 1))
    _, ps = lint_kb(kb)
    errors = [p for p in ps if p.severity == "error"]
    assert [p.code for p in errors] == ["kb_schema_error"]
    assert "unknown operator 'eqq'" in errors[0].message


def test_missing_sources_prints_first_without_cascade(tmp_path):
    kb = copy_kb(tmp_path)
    p = kb / "rules" / "ramucirumab.yaml"
    src = p.read_text()
    i = src.index("    sources:")
    j = src.index("\n", i)
    p.write_text(src[:i] + src[j + 1:])
    _, ps = lint_kb(kb)
    assert ps[0].code == "kb_schema_error" and "sources" in format_problem(ps[0])
    assert [p.code for p in ps if p.severity == "error"] == ["kb_schema_error"]


def test_root_causes_first_in_load_error(tmp_path):
    from denialkb.engine.errors import KBInvalidError
    from denialkb.engine.kb import load_kb

    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5}"], scope="{payers: [acmee]}"))
    (kb / "tables" / "zz.yaml").write_text("hcpcs:\n\tJ9999: {}\n")
    try:
        load_kb(kb)
    except KBInvalidError as e:
        codes = [p.code for p in e.problems]
    assert codes == ["kb_parse_error", "kb_unknown_ref"]


# --------------------------------------------------------------------------- verification, minimal KBs

def test_minimal_kb_is_clean(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5}", "{fact: payer.lvef_min_percent, exists: true}"]))
    _, ps = lint_kb(kb)
    assert [p.code for p in ps if p.severity == "error"] == []
    assert {p.code for p in ps} <= {"kb_no_golden_case", "kb_no_near_miss"}


def test_version_overlap_two_dated_versions(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("DOSE-HIGH", ["{fact: line.units, gt: 100}"], scope='{codes: [J9306], effective_to: "2025-06-30"}'),
                 rule("DOSE-HIGH-2025", ["{fact: line.units, gt: 120}"], scope='{codes: [J9306], effective_from: "2025-06-01"}'))
    out = problems(kb, "kb_version_overlap")
    assert out == ["kb/rules/r.yaml:18:5: DOSE-HIGH-2025: kb_version_overlap: DOSE-HIGH-2025 and DOSE-HIGH "
                   "(kb/rules/r.yaml:2) look like two versions of one rule (same scope and denial) and both are in "
                   "force from 2025-06-01 to 2025-06-30 (warning)\n"
                   "    hint: end DOSE-HIGH with effective_to the day before 2025-06-01"]


def test_versions_that_follow_each_other_are_fine(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("DOSE-HIGH", ["{fact: line.units, gt: 100}"], scope='{codes: [J9306], effective_to: "2025-05-31"}'),
                 rule("DOSE-HIGH-2025", ["{fact: line.units, gt: 120}"], scope='{codes: [J9306], effective_from: "2025-06-01"}'))
    assert problems(kb, "kb_version_overlap") == []


def test_subsumed_rule(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("BROAD", ["{fact: line.units, gt: 100}"]),
                 rule("NARROW", ["{fact: line.units, ge: 200}", "{fact: line.modifier_count, eq: 0}"],
                      scope="{codes: [J9306]}"))
    out = problems(kb, "kb_subsumed_rule")
    assert out == ["kb/rules/r.yaml:18:5: NARROW: kb_subsumed_rule: is subsumed by BROAD (kb/rules/r.yaml:2): "
                   "whenever this rule fires, BROAD fires too with the same conclusion (denial CO-50 (adjudication)) "
                   "(warning)\n    hint: drop this rule, or narrow BROAD"]


def test_not_subsumed_when_broader_rule_is_narrower_somewhere(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("BROAD", ["{fact: line.units, gt: 100}"], scope="{codes: [J9308]}"),
                 rule("NARROW", ["{fact: line.units, ge: 200}"], scope="{codes: [J9306]}"),
                 rule("OTHER-CARC", ["{fact: line.units, ge: 200}"], carc="16", scope="{codes: [J9308]}"),
                 rule("ANY-BROAD", ["{any: [{fact: line.units, gt: 1}, {fact: line.units, lt: 0}]}"], carc="197"),
                 rule("ANY-NARROW", ["{fact: line.units, gt: 5}"], carc="197", scope="{codes: [J9308]}"))
    assert problems(kb, "kb_subsumed_rule") == []


def test_contradictory_conclusions(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("AS-CO", ["{fact: line.units, gt: 100}"], group="CO"),
                 rule("AS-PR", ["{fact: line.units, gt: 100}"], group="PR"))
    out = problems(kb, "kb_conflicting_conclusion")
    assert out == ["kb/rules/r.yaml:20:5: AS-PR: kb_conflicting_conclusion: concludes denial PR-50 (adjudication) on "
                   "the same conditions and scope where AS-CO (kb/rules/r.yaml:2) concludes denial CO-50 "
                   "(adjudication): the two denials contradict each other (warning)\n"
                   "    hint: make the conditions differ, or keep one conclusion"]


def test_contradictory_findings(tmp_path):
    kb = mini_kb(tmp_path,
                 rule("F-POS", ["{fact: line.units, gt: 100}"], concl="finding: HIGH-UNITS"),
                 rule("F-NEG", ["{fact: line.units, gt: 100}"], concl="finding: LOW-UNITS"))
    out = problems(kb, "kb_conflicting_conclusion")
    assert len(out) == 1 and "concludes finding LOW-UNITS on the same conditions and scope where F-POS" in out[0]


def test_never_fires_scope_code_and_drug_disagree(tmp_path):
    kb = mini_kb(tmp_path, rule("MISMATCH", ["{fact: line.units, gt: 1}"], scope="{codes: [J9306], drugs: [ramucirumab]}"))
    assert problems(kb, "kb_unreachable_rule") == [
        "kb/rules/r.yaml:5:29: MISMATCH: kb_unreachable_rule: rule can never fire: no code in scope (J9306) bills "
        "a drug in scope (ramucirumab)"]


def test_never_fires_condition_outside_scope(tmp_path):
    kb = mini_kb(tmp_path, rule("OUTSIDE", ["{fact: line.code, eq: J9308}"], scope="{codes: [J9306]}"))
    out = problems(kb, "kb_unreachable_rule")
    assert len(out) == 1 and "line.code must be \"J9308\", which the rule's scope (J9306) leaves out" in out[0]


def test_dated_setting_entries_overlap(tmp_path):
    payer = PAYER.replace("    lvef_min_percent: 50\n", textwrap.indent(textwrap.dedent("""\
        lvef_min_percent:
          - {value: 50, effective_to: "2027-01-31", sources: ["https://example.org/a"]}
          - {value: 55, effective_from: "2027-01-01", sources: ["https://example.org/b"]}
        """), "    "))
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: {setting: lvef_min_percent}}"]), payer=payer)
    assert problems(kb, "kb_dated_overlap") == [
        "kb/payers/acme.yaml:9:9: kb_dated_overlap: payer acme setting 'lvef_min_percent': entries 1 and 2 are both "
        "in force from 2027-01-01\n"
        "    hint: end the earlier entry with effective_to the day before the later one starts"]


def test_unknown_setting_operand(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: {setting: lvef_min_percen}}"]))
    _, ps = check_kb(kb)
    out = [format_problem(p) for p in ps if p.code == "kb_unknown_ref"]
    assert out == ["kb/rules/r.yaml:7:35: A-RULE: kb_unknown_ref: unknown fact 'payer.lvef_min_percen'\n"
                   "    expected a fact name from docs/facts.md\n"
                   "    hint: did you mean 'payer.lvef_min_percent'?"]


# --------------------------------------------------------------------------- YAML and date errors in plain words

def test_tab_indentation_says_replace_tabs(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5}"]))
    (kb / "payers" / "acme.yaml").write_text(PAYER.replace("    timely_filing_days: 90", "\ttimely_filing_days: 90"))
    out = problems(kb, "kb_parse_error")
    assert out == ["kb/payers/acme.yaml:6:1: kb_parse_error: invalid YAML: a tab character is used for indentation "
                   "or spacing; YAML allows only spaces\n"
                   "    hint: replace each tab with spaces (2 per level, lined up with the lines above)"]


def test_unclosed_flow_mapping_in_plain_words(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5"]))
    out = problems(kb, "kb_parse_error")
    assert len(out) == 1 and "is not closed, or a comma is missing" in out[0] and "hint: close it with '}'" in out[0]


def test_code_with_leading_zero_must_be_quoted(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.code, in: [J9306, 0131]}"]))
    out = problems(kb, "kb_parse_error")
    assert out == ['kb/rules/r.yaml:7:41: kb_parse_error: 0131 would be read as the number 89 (a leading zero makes '
                   'it octal)\n    hint: codes are text: put it in quotes, "0131"']


def test_us_date_reported_once_with_the_format(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5}"], scope='{effective_to: "12/14/2025"}'))
    out = problems(kb, "kb_schema_error")
    assert out == ["kb/rules/r.yaml:5:13: A-RULE: kb_schema_error: rules[0].scope.effective_to: '12/14/2025' is not "
                   "a valid date\n"
                   '    expected a date written YYYY-MM-DD in quotes, like "2025-12-14", or null']


def test_slashed_date_in_a_table_no_schema_jargon(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: 5}"]))
    p = kb / "tables" / "t.yaml"
    p.write_text(p.read_text().replace('effective_from: "2013-01-01"', "effective_from: 2020/07/01"))
    out = problems(kb, "kb_schema_error")
    assert len(out) == 1 and "not valid under any" not in out[0]
    assert out[0].endswith('expected a date written YYYY-MM-DD in quotes, like "2025-12-14", or \'unknown\' when no '
                           'source states it')


def test_dated_setting_with_a_bad_entry_is_located(tmp_path):
    payer = PAYER.replace("    lvef_min_percent: 50\n",
                          "    lvef_min_percent:\n      - {value: 50, effective_to: 2026-12-31, sourcez: [x]}\n")
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: line.units, gt: {setting: lvef_min_percent}}"]), payer=payer)
    out = problems(kb, "kb_schema_error")
    assert len(out) == 1 and "unknown key 'sourcez'" in out[0] and "hint: did you mean 'sources'?" in out[0]


def test_drug_names_in_condition_lists_must_be_ids(tmp_path):
    kb = mini_kb(tmp_path, rule("A-RULE", ["{fact: clinical.concurrent_drugs, none_in: [Perjeta, ramucirumb, pertuzumab]}"]))
    out = problems(kb, "kb_unknown_ref")
    assert [x.splitlines()[0] for x in out] == [
        "kb/rules/r.yaml:7:45: A-RULE: kb_unknown_ref: clinical.concurrent_drugs holds drug ids; 'Perjeta' is not one",
        "kb/rules/r.yaml:7:45: A-RULE: kb_unknown_ref: clinical.concurrent_drugs holds drug ids; 'ramucirumb' is not one"]
    assert [x.splitlines()[-1] for x in out] == [
        "    hint: 'Perjeta' is an alias of pertuzumab: use the KB drug id 'pertuzumab'",
        "    hint: did you mean 'ramucirumab'?"]


def test_schema_error_in_one_rule_keeps_the_other_rules_of_the_file(tmp_path):
    kb = mini_kb(tmp_path, rule("GOOD-RULE", ["{fact: line.units, gt: 5}"]),
                 rule("BAD-RULE", ["{fact: line.units, gt: 6}"]).replace("    remedy: Fix it.\n", ""),
                 rule("USES-FINDING", ["{finding: BAD-FINDING}", "{fact: line.units, gt: 7}"]))
    (kb / "rules" / "f.yaml").write_text("rules:\n" + rule("F-RULE", ["{fact: line.units, gt: 1}"],
                                                           concl="finding: BAD-FINDING").replace("level: line", "level: lines"))
    loaded, ps = check_kb(kb)
    assert sorted(r.id for r in loaded.rules) == ["GOOD-RULE", "USES-FINDING"]
    assert sorted(loaded.broken_rules) == ["BAD-RULE", "F-RULE"]
    errors = [format_problem(p).splitlines()[0] for p in ps if p.severity == "error"]
    assert [e.split(": ", 1)[1] for e in errors] == [
        "F-RULE: kb_schema_error: rules[0].level: found 'lines'",
        "BAD-RULE: kb_schema_error: rules[1].remedy: required key is missing"]
