"""denialkb check: exit codes, exact text, bad input of every kind (exit 2, located, no traceback)."""

import json
import re

import pytest

from .conftest import EXAMPLES, ROOT, SMALL, body

GOOD = SMALL / "pertuzumab-clean-medicare.yaml"


def test_exit_codes(cli):
    assert cli("check", GOOD).returncode == 0
    assert cli("check", SMALL / "pertuzumab-her2-missing.yaml").returncode == 1
    assert cli("check", ROOT / "nope.yaml").returncode == 2


def test_seed_mistake_text_output_exact(cli):
    r = cli("check", SMALL / "pertuzumab-billed-as-j9308.yaml")
    assert r.returncode == 1
    header, *lines = r.stdout.splitlines()
    assert re.fullmatch(r"kb: kb \(version sha256:[0-9a-f]{12}, from \./kb in the working directory\)", header)
    assert lines[0] == "CLM-P-J9308: DENIED (4 denials)"
    assert lines[3] == "  1. CODE-DRUG-NDC-MISMATCH (line 1): Drug billed under a code that describes another drug (NDC)"
    assert lines[4] == "     front end: CO-16 + M119"
    assert lines[5] == ("     Denied because line 1 bills J9308 (Injection, ramucirumab, 5 mg) but its NDC 50242014501 is "
                        "Perjeta 420 mg/14 mL single-dose vial, a pertuzumab product: the code describes ramucirumab.")
    assert ("       - the drug the NDC belongs to (pertuzumab) is not the drug the billed code describes (ramucirumab)"
            "  [computed from claim.lines[0].ndc]" in lines)
    assert any(ln.startswith("     Remedy: Bill the code that describes the drug given (pertuzumab is J9306") for ln in lines)


def test_denial_chain_goes_through_findings(cli):
    r = cli("check", "--format", "json", SMALL / "pertuzumab-her2-missing.yaml")
    rec = json.loads(r.stdout)
    (d,) = rec["denials"]
    assert d["id"] == "PERTUZUMAB-HER2-NOT-DOCUMENTED"
    assert (d["stage"], d["group"], d["carc"], d["rarc"]) == ("medical_review", "CO", "16", ["M127"])
    # false, not absent: the clinical record is on file and holds no HER2 result
    assert d["because"] == [{"fact": "clinical.biomarkers.her2.reported", "value": False, "condition": "eq false",
                             "text": "the clinical record holds a HER2 result: no",
                             "source": "clinical.biomarkers.her2"}]
    assert d["derived_from"] == ["HER2-NOT-ESTABLISHED"]
    assert [t["rule"] for t in rec["trace"]] == ["HER2-STATUS-NOT-ESTABLISHED", "PERTUZUMAB-HER2-NOT-DOCUMENTED"]
    assert rec["kb_version"].startswith("sha256:") and rec["evaluated_as_of"] == "2024-03-15"


def test_json_output_is_byte_identical_across_hash_seeds(cli):
    files = sorted(EXAMPLES.glob("*.yaml"))
    outs = {cli("check", "--format", "json", *files, env={"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "987")}
    assert len(outs) == 1
    assert len(json.loads(outs.pop())) == len(files)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


BASE = """claim:
  id: C1
  payer: medicare
  diagnoses: [C50.911]
  lines:
    - {code: J9306, units: 420, service_date: 2024-03-15}
"""

BAD_DOCS = {
    "unknown_key.yaml": (BASE.replace("payer: medicare", "payer: medicare\n  paer: x"),
                         "4:3: claim_invalid: claim.paer: unknown key 'paer' in claim", "did you mean 'payer'?"),
    "wrong_type.yaml": (BASE.replace("units: 420", "units: lots"), "claim.lines[0].units: expected a number, found 'lots'", ""),
    "missing_required.yaml": (BASE.replace("  payer: medicare\n", ""), "claim.payer: required key is missing", ""),
    "bad_date.yaml": (BASE.replace("2024-03-15", "2024-02-30"), "'2024-02-30' is not a valid date", ""),
    # patient data is described, never quoted (issue 17, S4)
    "bad_enum.yaml": (BASE + "patient: {sex: Female}\n", "patient.sex: found a string of 6 characters",
                      "expected one of: F, M, U"),
    "unknown_payer.yaml": (BASE.replace("payer: medicare", "payer: medicar"), "unknown payer 'medicar'",
                           "did you mean 'medicare'?"),
    # an unknown drug name is a warning, not an error (open world): see tests/test_v2_format.py
    "self_contradictory.yaml": (BASE + "documentation: {drug: pertuzumab, dose_mg: 420}\n"
                                "administrations: [{date: 2024-03-15, drug: Perjeta, dose_mg: 840}]\n",
                                "documentation.dose_mg and administrations[0].dose_mg describe the same administration",
                                "see administrations[0].dose_mg"),
    "alias_bomb.yaml": ("a: &a [1,2,3]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n", "YAML anchors and aliases are not allowed", ""),
    "python_tag.yaml": ("claim: !!python/object/apply:os.system ['echo hacked']\n", "unsupported YAML tag", ""),
    "python_scalar_tag.yaml": ("claim: !!python/name:os.system\n", "could not determine a constructor", ""),
    "deep.yaml": ("claim: " + "[" * 60 + "]" * 60 + "\n", "nested deeper than 40 levels", ""),
    "binary.yaml": (b"\x00\x01\x02claim", "file is binary", ""),
    "latin1.yaml": ("claim:\n  id: caf\xe9\n".encode("latin-1"), "not UTF-8 text", ""),
    "syntax.yaml": ("claim: [1, 2\n", "invalid YAML", ""),
    "syntax.json": ('{"claim": {"id": 1,}}', "invalid JSON", ""),
    "not_mapping.yaml": ("- 1\n- 2\n", "expected a mapping with a 'claim' key", ""),
    "empty.yaml": ("", "expected a mapping with a 'claim' key", ""),
    "pointer.yaml": (BASE.replace("service_date: 2024-03-15}", "service_date: 2024-03-15, diagnosis_pointers: [3]}"),
                     "pointer 3 points past the 1 diagnoses", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_DOCS))
def test_bad_claim_documents_exit_2_with_place(cli, tmp_path, name):
    text, message, hint = BAD_DOCS[name]
    path = _write(tmp_path, name, text)
    r = cli("check", path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stdout == ""  # nothing half-decided
    assert str(path) in r.stderr
    assert message in r.stderr
    assert hint in r.stderr
    assert "nothing was decided" in r.stderr


def test_huge_file_fails_fast(cli, tmp_path):
    p = tmp_path / "huge.yaml"
    p.write_text("# " + "x" * (5 * 1024 * 1024 + 10))
    r = cli("check", p)
    assert r.returncode == 2 and "larger than the 5242880 byte limit" in r.stderr


def test_all_problems_reported_not_just_first(cli, tmp_path):
    p = _write(tmp_path, "many.yaml", BASE.replace("units: 420", "units: -1, modifiers: [JZZ]").replace("C50.911", "50"))
    r = cli("check", p)
    assert r.returncode == 2
    assert "3 problems" in r.stderr
    assert "claim.diagnoses[0]" in r.stderr and "claim.lines[0].units" in r.stderr and "claim.lines[0].modifiers[0]" in r.stderr


@pytest.mark.parametrize("value", ["2024-3-5", "2024-03-05T10:00:00", "2024-02-30"])
def test_a_bad_date_is_one_problem(cli, tmp_path, value):
    # F17: a date that fails both the schema's "format" and its "pattern" is reported once
    p = _write(tmp_path, "date.yaml", BASE + f"coverage: {{start_date: '{value}'}}\n")
    r = cli("check", p)
    assert r.returncode == 2
    assert r.stderr.count("coverage.start_date") == 1, r.stderr
    assert f"coverage.start_date: '{value}' is not a valid date" in r.stderr
    assert "1 problem;" in r.stderr


def test_one_bad_file_means_nothing_decided(cli, tmp_path):
    bad = _write(tmp_path, "bad.yaml", "claim: {}\n")
    r = cli("check", GOOD, bad)
    assert r.returncode == 2 and r.stdout == ""


def test_json_errors(cli, tmp_path):
    bad = _write(tmp_path, "bad.yaml", BASE.replace("J9306", "J 9306"))
    r = cli("check", "--format", "json", bad)
    err = json.loads(r.stderr)
    assert err["error"] == "ClaimInvalidError"
    assert err["problems"][0]["place"] == "claim.lines[0].code"


def test_bad_knowledge_base_exit_2_located(cli, tmp_path):
    import shutil

    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    rules = kb / "rules" / "coding.yaml"
    rules.write_text(rules.read_text().replace("{fact: line.units, gt: {fact: line.expected_units}}",
                                               "{fact: line.unitz, greater: {fact: line.expected_units}}"))
    r = cli("check", "--kb", kb, GOOD)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "kb/rules/coding.yaml:" in r.stderr
    assert "UNITS-EXCEED-DOCUMENTED-DOSE: kb_schema_error: unknown operator 'greater'" in r.stderr
    assert "hint: did you mean 'gt'?" in r.stderr


def test_bad_as_of(cli):
    r = cli("check", "--as-of", "yesterday", GOOD)
    assert r.returncode == 2 and "--as-of: 'yesterday' is not a date" in r.stderr


@pytest.mark.skipif(__import__("sys").version_info < (3, 11), reason="pyx12 4.x (X12 support) needs Python 3.11+")
def test_x12_with_clinical_facts_and_835_output(cli):
    data = ROOT / "tests" / "data" / "formats"
    r = cli("check", data / "pertuzumab_837p.txt", "--clinical", data / "pertuzumab_clinical.yaml")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout).startswith("PTZ-2025-0001: CLEAN")
    # without the clinical facts the record is not known: undetermined, never denied "no HER2 result"
    r = cli("check", data / "pertuzumab_837p.txt")
    assert r.returncode == 1
    assert body(r.stdout).startswith("PTZ-2025-0001: UNDETERMINED")
    assert "DENIED" not in r.stdout
    ex = data / "examples"
    r = cli("check", "--format", "x12-835", ex / "pertuzumab-her2-missing.837p.txt",
            "--clinical", ex / "pertuzumab-her2-missing.clinical.yaml")
    assert r.returncode == 1
    assert r.stdout.startswith("ISA*")
    assert "CLP*CLM-P-HER2-MISSING*1*" in r.stdout  # the drug line denied (the clinical record holds no HER2 result)
    assert "CAS*CO*16*" in r.stdout and "LQ*HE*M127" in r.stdout


def test_check_835_of_a_void_is_not_an_input_error(cli, tmp_path):
    # F20: a void (frequency 8) is valid input: the 835 leaves it out (it would reverse a payment
    # not known here) and says so on stderr; the exit code is the decision's, as for text output
    src = (ROOT / "tests" / "data" / "unseen" / "35-replacement-claim-freq7-medicare.yaml").read_text()
    assert "frequency_code: '7'" in src
    p = _write(tmp_path, "void.yaml", src.replace("frequency_code: '7'", "frequency_code: '8'", 1))
    text = cli("check", p)
    r = cli("check", "--format", "x12-835", p)
    assert r.returncode == text.returncode == 0, r.stderr
    assert r.stdout.startswith("ISA*") and "BPR*H*0*C*NON" in r.stdout and "CLP*" not in r.stdout
    assert r.stderr.strip().endswith(
        "835 note: UNS-35: a void (frequency 8) of UNS-34-ORIG is left out of the 835: it reverses the "
        "original payment, which is not known here")


def test_check_log_then_show_and_replay(cli, tmp_path):
    log = tmp_path / "decisions.sqlite"
    src = SMALL / "pertuzumab-her2-missing.yaml"
    r = cli("check", "--log", log, "--store-input", src)
    assert r.returncode == 1
    show = cli("log", "show", "CLM-P-HER2-MISSING", "--log", log)
    assert show.returncode == 0 and "PERTUZUMAB-HER2-NOT-DOCUMENTED" in show.stdout
    replay = cli("log", "replay", "CLM-P-HER2-MISSING", "--log", log)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def test_readme_example_output_is_real(cli):
    """The README shows `denialkb check examples/pertuzumab-her2-missing.yaml`; keep it true."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("$ denialkb check examples/pertuzumab-her2-missing.yaml\n", 1)[1].split("```", 1)[0]
    out = cli("check", EXAMPLES / "pertuzumab-her2-missing.yaml").stdout
    want = [ln for ln in block.splitlines() if "sha256:" not in ln]
    got = [ln for ln in out.splitlines() if "sha256:" not in ln]
    assert out.startswith("kb: kb (version sha256:") and block.startswith("kb: kb (version sha256:")
    assert got == want


def test_check_imports_neither_networkx_nor_graphviz():
    import subprocess
    import sys

    from .conftest import SMALL

    code = ("import sys\nfrom denialkb.engine.cli import main\n"
            "try:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print('decided', sorted(m for m in ('networkx', 'graphviz') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code, str(SMALL / "pertuzumab-her2-missing.yaml")],
                       capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "decided []", r.stderr
