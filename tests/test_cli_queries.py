"""CLI tests of the auditor query commands: exact text where the text is the product."""

import json

from .conftest import SMALL, body, run_cli

WHY_EQUIVOCAL = 'CLM-P-HER2-EQUIVOCAL: 1 denial\n\ndenial PERTUZUMAB-HER2-EQUIVOCAL (line 1) CO-16: HER2 equivocal (IHC 2+) without ISH\n  <- rule PERTUZUMAB-HER2-EQUIVOCAL: HER2 is IHC 2+ (equivocal) and no ISH result is recorded, so HER2 positivity is not established.\n     <- finding HER2-EQUIVOCAL-UNRESOLVED <- rule HER2-EQUIVOCAL-WITHOUT-ISH: HER2 IHC is 2+ (equivocal) and no ISH result is recorded; ASCO/CAP requires reflex ISH.\n        - the HER2 IHC score (2+) is 2+  [clinical.biomarkers.her2.ihc]\n        - the HER2 ISH result is not recorded  [clinical.biomarkers.her2.ish]\n        <- finding HER2-NOT-ESTABLISHED <- rule HER2-STATUS-NOT-ESTABLISHED: the record does not establish HER2 positivity (HER2 result: IHC 2+).\n           - no finding HER2-POSITIVE\n'


def test_why_text_exact():
    r = run_cli("why", SMALL / "pertuzumab-her2-equivocal.yaml")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout) == WHY_EQUIVOCAL


def test_why_json_chain():
    r = run_cli("why", SMALL / "pertuzumab-her2-equivocal.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)

    def rules(node):
        out = [node["rule"]]
        for f in node["findings"]:
            for j in f["justifications"]:
                out += rules(j)
        return out

    assert data["claim_id"] == "CLM-P-HER2-EQUIVOCAL"
    assert [rules(d) for d in data["denials"]] == [
        ["PERTUZUMAB-HER2-EQUIVOCAL", "HER2-EQUIVOCAL-WITHOUT-ISH", "HER2-STATUS-NOT-ESTABLISHED"]]


def test_why_denial_filter_empty_for_other_rule():
    r = run_cli("why", SMALL / "pertuzumab-her2-equivocal.yaml", "--denial", "JW-JZ-SAME-LINE")
    assert body(r.stdout) == "CLM-P-HER2-EQUIVOCAL: 0 denials\n"


def test_why_not_text_names_failing_condition():
    r = run_cli("why-not", SMALL / "pertuzumab-clean-medicare.yaml", "JZ-MISSING-NO-WASTE")
    assert r.returncode == 0, r.stderr
    lines = body(r.stdout).splitlines()
    assert lines[2] == ("JZ-MISSING-NO-WASTE (line 1): JZ missing on a single-dose drug line with nothing "
                        "discarded [did not apply: 1 condition not met]")
    assert "  not met the line carries JZ: yes  [claim.lines[0].modifiers]" in lines
    failed_line1 = [ln for ln in lines[3:12] if ln.startswith("  not met")]
    assert failed_line1 == ["  not met the line carries JZ: yes  [claim.lines[0].modifiers]"]


def test_why_not_json_carc():
    r = run_cli("why-not", SMALL / "pertuzumab-clean-commercial.yaml", "197", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    # the biosimilar programme rules also conclude CO-197; their rows are payer data, so they apply to every payer
    assert {a["rule"] for a in data["attempts"]} == {"PRIOR-AUTH-ABSENT", "PRIOR-AUTH-NOT-IN-FORCE", "STEP-THERAPY-NOT-MET",
                                                     "PRIOR-AUTH-FOR-OTHER-CODE", "BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT",
                                                     "BIOSIMILAR-PROGRAMME-NONPREFERRED-COMBINATION", "PRIOR-AUTH-OTHER-PROVIDER"}
    assert all(not a["fired"] for a in data["attempts"])


def test_why_not_unknown_target_exit_2():
    r = run_cli("why-not", SMALL / "pertuzumab-clean-medicare.yaml", "PRIOR-AUTH-ABSNT")
    assert r.returncode == 2
    assert "unknown target 'PRIOR-AUTH-ABSNT'" in r.stderr
    assert "did you mean 'PRIOR-AUTH-ABSENT'?" in r.stderr


def test_paths_197_text_exact():
    r = run_cli("paths", "197", "--payer", "commercial")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout) == PATHS_197


def test_paths_json_every_carc():
    from denialkb.engine.explain import remittances
    from denialkb.engine.kb import load_kb

    kb = load_kb()
    for carc in sorted({r.denial["carc"] for r in kb.rules if r.conclusion == "denial"}):
        r = run_cli("paths", carc, "--format", "json")
        data = json.loads(r.stdout)
        assert data["paths"], carc
        for chain in data["paths"]:
            # the rule's own CARC, or the one a payer sends instead (kb/payers remittance)
            assert carc in {c for _, c, _ in remittances(kb, kb.rules_by_id[chain[0]["rule"]])}
            assert chain[0]["rule"] in run_cli("paths", carc).stdout


def _path_rules(*args):
    r = run_cli("paths", *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    return sorted({chain[0]["rule"] for chain in json.loads(r.stdout)["paths"]})


def test_paths_accepts_group_carc_carc_and_rarc_targets():
    # F9: CO-16 (and co16) is the group-CARC form of 16: the same rules
    from denialkb.engine.kb import load_kb

    kb = load_kb()
    co16 = _path_rules("CO-16")
    assert co16 and co16 == _path_rules("16") == _path_rules("co16")
    assert all(kb.rules_by_id[r].denial["group"] == "CO" for r in co16)
    m127 = _path_rules("M127")
    assert m127 and all("M127" in kb.rules_by_id[r].denial["rarc"] for r in m127)
    # a payer's remittance override counts: commercial sends CO-146 for a non-billable diagnosis code
    assert _path_rules("CO-146", "--payer", "commercial") == ["DX-CODE-NOT-BILLABLE", "DX-CODE-NOT-VALID-ON-DOS"]
    assert _path_rules("CO-146", "--payer", "medicare") == []
    assert "DX-CODE-NOT-BILLABLE" in _path_rules("CO-16", "--payer", "medicare")
    r = run_cli("why-not", SMALL / "pertuzumab-clean-commercial.yaml", "CO-197", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert {a["rule"] for a in json.loads(r.stdout)["attempts"]} >= {"PRIOR-AUTH-ABSENT", "STEP-THERAPY-NOT-MET"}


def test_unknown_code_target_exit_2_with_did_you_mean():
    for cmd in (["paths"], ["why-not", SMALL / "pertuzumab-clean-medicare.yaml"]):
        r = run_cli(*cmd, "CO-61")
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert "unknown target 'CO-61'" in r.stderr
        assert "did you mean 'CO-96'?" in r.stderr
        assert "a group and CARC (CO-16) or a RARC (M127)" in r.stderr


def test_what_if_text_and_round_trip():
    f = SMALL / "pertuzumab-jz-missing-medicare.yaml"
    r = run_cli("what-if", f, "--set", "claim.lines[0].modifiers=[JZ]")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout).splitlines()[:3] == [
        "CLM-P-NO-JZ: denied -> clean",
        "  change: set claim.lines[0].modifiers = [JZ]",
        "  removed JZ-MISSING-NO-WASTE (line 1) CO-4: from 2023-07-01 Medicare Part B fee-for-service requires "
        "JZ on single-dose container drugs when nothing was discarded; line 1 (J9306, 2024-03-15) has no JZ "
        "and no waste is documented.",
    ]
    base = run_cli("check", f, "--format", "json").stdout
    back = run_cli("what-if", f, "--set", "claim.lines[0].modifiers=[JZ]", "--set", "claim.lines[0].modifiers=[]",
                   "--format", "json")
    assert json.dumps(json.loads(back.stdout)["record"], indent=2, ensure_ascii=False) + "\n" == base


def test_what_if_errors_exit_2_located():
    f = SMALL / "pertuzumab-jz-missing-medicare.yaml"
    r = run_cli("what-if", f, "--set", "claim.lines[5].units=3")
    assert r.returncode == 2
    assert "usage_error: --set claim.lines[5].units: index [5] is out of range" in r.stderr
    r = run_cli("what-if", f, "--set", "claim.lines[0].unts=3")
    assert r.returncode == 2
    assert "claim_invalid: claim.lines[0].unts: unknown key 'unts' in claim.lines[0]" in r.stderr
    assert "Traceback" not in r.stderr


def test_fix_text_exact():
    r = run_cli("fix", SMALL / "pertuzumab-jz-missing-medicare.yaml")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout) == (
        "CLM-P-NO-JZ: DENIED\n\n"
        "  JZ-MISSING-NO-WASTE (line 1), remedy kind correct_modifier\n"
        "    fix 1 (verified: clean):\n"
        "      - [provider-correctable: correct_modifier] add modifier JZ: claim.lines[0].modifiers = JZ\n")


def test_fix_clinical_says_do_not_bill():
    r = run_cli("fix", SMALL / "pertuzumab-her2-low.yaml", "--format", "json")
    data = json.loads(r.stdout)
    (e,) = data["denials"]
    assert e["fixes"] == [] and e["remedy_kind"] == "clinical"
    assert e["advice"].startswith("not correctable on the claim (clinical): do not bill it this way.")


PATHS_197 = "7 ways to 197\n\n1. BIOSIMILAR-PROGRAMME-NONPREFERRED-PRODUCT: Non-preferred trastuzumab product under the payer's preferred-product programme -> CO-197 + N130\n     when:\n       line.programme is present\n       line.has_jw is no\n       line.programme_nonpreferred is yes\n       line.programme_combination is no\n       any of:\n         line.programme_applies_to is all\n         line.programme_new_start is yes\n       line.auth_status is not one of valid\n       documentation.record_available is yes\n       any of:\n         documentation.step_therapy_exception is absent\n         documentation.step_therapy_exception is no\n\n2. BIOSIMILAR-PROGRAMME-NONPREFERRED-COMBINATION: Pertuzumab given with a non-preferred trastuzumab product under the payer's programme -> CO-197 + N130\n     when:\n       line.programme is present\n       line.has_jw is no\n       line.programme_combination is yes\n       line.programme_nonpreferred is yes\n       any of:\n         line.programme_applies_to is all\n         line.programme_new_start is yes\n       line.auth_status is not one of valid\n       documentation.record_available is yes\n       any of:\n         documentation.step_therapy_exception is absent\n         documentation.step_therapy_exception is no\n\n3. PRIOR-AUTH-ABSENT: No prior authorization for a drug that requires one -> CO-197 + M62\n     when:\n       line.prior_auth_required is yes\n       line.auth_status is one of none, not_on_file, denied, pending\n\n4. PRIOR-AUTH-NOT-IN-FORCE: Authorization expired or not yet valid on the date of service -> CO-197 + N54\n     when:\n       line.prior_auth_required is yes\n       line.auth_status is one of expired, not_yet_valid\n\n5. PRIOR-AUTH-OTHER-PROVIDER: The authorization was issued to another servicing provider -> CO-197 + N54\n     when:\n       line.prior_auth_required is yes\n       line.auth_status is valid\n       line.auth_provider_matches is present\n       line.auth_provider_matches is no\n\n6. PRIOR-AUTH-FOR-OTHER-CODE: The authorization on the claim is for a different code -> CO-197 + N54\n     when:\n       line.prior_auth_required is yes\n       line.auth_status is other_code\n\n7. STEP-THERAPY-NOT-MET: Herceptin started without trying a biosimilar or Herceptin Hylecta -> CO-197 + N130\n     when:\n       line.step_preferred_drugs is present\n       line.has_jw is no\n       line.cycle_number is 1\n       clinical.prior_therapy_drugs includes none of line.step_preferred_drugs\n       clinical.prior_therapy_drugs does not include line.drug\n       documentation.record_available is yes\n       any of:\n         documentation.step_therapy_exception is absent\n         documentation.step_therapy_exception is no\n"


def test_what_if_to_undetermined_lists_missing_information():
    from .conftest import KB

    r = run_cli("what-if", KB / "cases/base/ramucirumab-medicare.yaml",
                "--set", 'claim.lines[1]={number: 3, code: "96413", units: 1, service_date: 2024-04-24}',
                "--unset", "claim.lines[2]", "--unset", "documentation.waste_mg")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout).splitlines()[0] == "CLM-R-CLEAN-MCR: clean -> undetermined"
    # the input a user supplies (the waste of today's administration), never the computed line.documented_waste_mg
    assert r.stdout.splitlines()[-1] == ("  missing information: documentation.waste_mg [documentation.waste_mg], "
                                         "needed by JZ-MISSING-NO-WASTE@line:1")


def test_docs_walkthrough_output_is_real():
    """docs/queries.md pastes real output: every `$ denialkb ...` block must match the command."""
    import re
    import shlex

    from .conftest import ROOT

    def same_kb(s):  # the KB hash changes with every KB edit; everything else must match exactly
        return re.sub(r"(kb|version) sha256:[0-9a-f]{12}", r"\1 sha256:(kb)", s)

    text = (ROOT / "docs/queries.md").read_text()
    checked = 0
    for block in re.findall(r"```\n(.*?)```", text, re.S):
        parts = re.split(r"^\$ denialkb (.*)\n", block, flags=re.M)
        for cmd, expected in zip(parts[1::2], parts[2::2], strict=True):
            assert same_kb(run_cli(*shlex.split(cmd)).stdout) == same_kb(expected), cmd
            checked += 1
    assert checked >= 8


WHY_AUTH_UNITS_JSON = {'claim_id': 'CLM-P-COM-PA-UNITS',
 'denials': [{'rule': 'PRIOR-AUTH-UNITS-EXCEEDED',
              'title': 'Billed units exceed the units left on the authorization',
              'line': 1,
              'concluded': 'denial:PRIOR-AUTH-UNITS-EXCEEDED@line:1',
              'explanation': 'line 1 bills 420 units but only 380 remain on authorization PA-778.',
              'conditions': [{'fact': 'line.prior_auth_required',
                              'value': True,
                              'condition': 'eq true',
                              'result': True,
                              'required': True,
                              'text': 'the payer requires prior authorization for the code on the date: yes',
                              'source': 'kb payer'},
                             {'fact': 'line.auth_status',
                              'value': 'valid',
                              'condition': 'eq valid',
                              'result': True,
                              'required': 'valid',
                              'text': 'the auth status (valid) is valid',
                              'source': 'authorizations / claim.prior_authorization'},
                             {'fact': 'line.units',
                              'value': 420,
                              'condition': 'gt line.auth_units_remaining',
                              'result': True,
                              'compared_with': {'fact': 'line.auth_units_remaining', 'value': 380},
                              'text': 'the billed units (420) are greater than the approved units left before this line (380)',
                              'source': 'claim.lines[0].units'}],
              'findings': [],
              'absent_findings': [],
              'denial': {'group': 'CO', 'carc': '198', 'rarc': ['N54'], 'stage': 'adjudication'}}]}


def test_why_json_exact():
    r = run_cli("why", SMALL / "pertuzumab-commercial-auth-units-used.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == WHY_AUTH_UNITS_JSON
