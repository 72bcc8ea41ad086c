"""Reliability round 3: the claim document v2 fields and the newer commands under bad input.

Each finding of /work/wt/STATUS/fuzz3-findings.md (R3-n) has its reproducer here with the
behaviour the contract asks for: a document that contradicts itself or cannot be true is
refused (exit 2) with the place named and patient values never quoted; nothing is decided
from it.
"""

import copy
import json

import pytest
import yaml

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import ClaimInvalidError

from .conftest import EXAMPLES, ROOT, run_cli

V2 = ROOT / "tests" / "data" / "v2" / "formats-section3-example.yaml"
COM = EXAMPLES / "pertuzumab-clean-commercial.yaml"


def doc_of(path=V2) -> dict:
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def refused(doc) -> list[str]:
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(doc, "r3.json")
    return [p.format() for p in e.value.problems]


def test_the_base_documents_are_valid():
    validate_claim(doc_of(V2), "v2.json")
    validate_claim(doc_of(COM), "com.json")


# ------------------------------------------------------------------ R3-1 born after the date of service

def test_r3_1_birth_after_the_date_of_service_is_refused_not_a_denial(tmp_path):
    # before: DENIED PATIENT-UNDER-18-FOR-PERTUZUMAB-OR-RAMUCIRUMAB, "the patient was -1"
    p = tmp_path / "c.yaml"
    text = COM.read_text()
    assert "birth_date: 1968-04-02" in text
    p.write_text(text.replace("birth_date: 1968-04-02", "birth_date: 2025-01-01"))
    r = run_cli("check", p)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert (f"{p}:27:23: claim_invalid: patient.birth_date: the patient is born after the first date of service "
            "(claim.lines[0].service_date)\n    expected a birth date on or before every date of service") in r.stderr
    assert "2025-01-01" not in r.stderr  # patient data is never quoted


def test_r3_1_born_on_the_date_of_service_is_accepted():
    d = doc_of(COM)
    d["patient"]["birth_date"] = d["claim"]["lines"][0]["service_date"]
    validate_claim(d, "com.json")


def test_r3_1_the_first_date_of_service_is_the_one_compared():
    d = doc_of(V2)
    later = copy.deepcopy(d["claim"]["lines"][0])
    later.update(number=2, service_date="2024-04-05", service_date_end="2024-04-05")
    d["claim"]["lines"].insert(0, later)  # the earlier line is second in the list
    d["patient"]["birth_date"] = "2024-03-20"
    got = refused(d)
    assert len(got) == 1 and "(claim.lines[1].service_date)" in got[0], got


# ------------------------------------------------------------------ R3-2 two weights on one date

@pytest.mark.parametrize("how", ["weights", "weight_kg"])
def test_r3_2_two_different_weights_on_one_date_are_refused(how):
    d = doc_of(V2)
    pt = d["patient"]
    if how == "weights":
        pt["weights"] = [{"date": "2024-03-01", "kg": 68.0}, {"date": "2024-03-01", "kg": 90.0}]
        where, also = "patient.weights[1].kg", "patient.weights[0].kg"
    else:  # weight_kg 68.0 with weight_date 2024-03-15 in the example
        pt["weights"] = [{"date": "2024-03-01", "kg": 67.0}, {"date": pt["weight_date"], "kg": 71.5}]
        where, also = "patient.weights[1].kg", "patient.weight_kg"
    got = refused(d)
    assert got == [f"r3.json: claim_invalid: {where}: two different weights on one date (also {also})\n"
                   "    expected one weight per date: correct or remove one of them"]
    assert not any(s in got[0] for s in ("68", "90", "71.5", "2024-03-"))


def test_r3_2_the_same_weight_stated_twice_and_weights_on_other_dates_are_accepted():
    d = doc_of(V2)
    d["patient"]["weights"] = [{"date": "2024-03-15", "kg": 68.0}, {"date": "2024-02-23", "kg": 69.0},
                               {"date": "2024-03-15", "kg": 68.0}]
    validate_claim(d, "v2.json")


# ------------------------------------------------------------------ R3-3 an administration starting on another day

def test_r3_3_administration_start_on_another_day_is_refused():
    d = doc_of(V2)
    d["administrations"][0].update(start="2024-03-16T09:10", end="2024-03-16T09:50")
    assert refused(d) == ["r3.json: claim_invalid: administrations[0].start: the administration starts on "
                          "2024-03-16, not on its date (2024-03-15)\n"
                          "    expected a start time on 2024-03-15 (an infusion may end the next day)"]


def test_r3_3_an_infusion_may_end_the_next_day():
    d = doc_of(V2)
    d["administrations"][0].update(start="2024-03-15T23:30", end="2024-03-16T00:40")
    validate_claim(d, "v2.json")


def test_r3_3_offsets_keep_the_local_date():
    d = doc_of(V2)
    for a in d["administrations"][1:]:
        a.pop("start", None), a.pop("end", None)
    d["administrations"][0].update(start="2024-03-15T23:30-05:00", end="2024-03-16T00:40-05:00")
    validate_claim(d, "v2.json")


# ------------------------------------------------------------------ R3-4 no whole-input echo

@pytest.mark.parametrize("text,expected", [
    ("QZXPHI Smith 1968-04-02\n", "(document): expected a mapping with a 'claim' key, found a string of 23 characters"),
    ("claim: QZXPHI Smith\n", "claim: expected a mapping, found a string of 12 characters"),
    ("claim:\n  lines: QZXPHI\n", "claim.lines: expected a list, found a string of 6 characters"),
    ("4242424242\n", "(document): expected a mapping with a 'claim' key, found a number"),
])
def test_r3_4_a_scalar_where_a_section_goes_is_described_not_quoted(tmp_path, text, expected):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    r = run_cli("check", p)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert expected in r.stderr, r.stderr
    assert "QZXPHI" not in r.stderr and "4242424242" not in r.stderr


# ------------------------------------------------------------------ R3-5 wording

def test_r3_5_a_quoted_number_gets_a_hint_that_helps():
    d = doc_of(V2)
    d["format_version"] = "2"
    assert refused(d) == ["r3.json: claim_invalid: format_version: found '2'\n    expected one of: 1, 2\n"
                          "    hint: write 2 without quotes: it is a number here, not a string"]


def test_r3_5_item_counts_are_singular_when_one():
    d = doc_of(V2)
    d["claim"]["lines"] = []
    assert refused(d) == ["r3.json: claim_invalid: claim.lines: found 0 items\n    expected at least 1 item"]


# ------------------------------------------------------------------ R3-6 --as-of written another way

JZ = EXAMPLES / "pertuzumab-jz-missing-medicare.yaml"


@pytest.mark.parametrize("as_of,why", [
    ("20230601", "is not a date written YYYY-MM-DD"),  # Python 3.11 reads it, but it orders after 2023-07-01
    ("2023-W22-4", "is not a date written YYYY-MM-DD"),
    ("0001-01-01", "is outside the years 1900 to 2100"),
    ("9999-12-31", "is outside the years 1900 to 2100"),
    ("2023-02-29", "is not a date (no such day)"),
])
def test_r3_6_as_of_only_yyyy_mm_dd_in_the_claim_date_range(as_of, why):
    # before: --as-of 20230601 denied JZ-MISSING-NO-WASTE, which --as-of 2023-06-01 does not
    r = run_cli("check", JZ, "--as-of", as_of)
    assert r.returncode == 2 and r.stdout == "", r.stdout
    assert f"usage_error: --as-of: '{as_of}' {why}" in r.stderr and "Traceback" not in r.stderr


def test_r3_6_serve_as_of_is_checked_the_same_way():
    from denialkb.engine.errors import UsageError
    from denialkb.engine.serve.service import check_as_of

    assert check_as_of("2023-06-01") == "2023-06-01"
    with pytest.raises(UsageError) as e:
        check_as_of("20230601")
    assert "as_of: is not a date written YYYY-MM-DD" in str(e.value)


# ------------------------------------------------------------------ R3-7 a typo in an option is not "none"

def test_r3_7_why_with_an_unknown_denial_is_a_usage_error():
    r = run_cli("why", JZ, "--denial", "JZ-MISSING-NO-WAST")
    assert r.returncode == 2 and r.stdout == ""  # before: "0 denials", exit 0
    assert "usage_error: denial: unknown denial 'JZ-MISSING-NO-WAST'" in r.stderr
    assert "did you mean 'JZ-MISSING-NO-WASTE'?" in r.stderr
    ok = run_cli("why", JZ, "--denial", "JZ-MISSING-NO-WASTE")
    assert ok.returncode == 0 and "1 denial" in ok.stdout


def test_r3_7_paths_with_an_unknown_payer_is_a_usage_error():
    r = run_cli("paths", "CO-16", "--payer", "medicar")
    assert r.returncode == 2 and r.stdout == ""  # before: every payer's paths, exit 0
    assert "usage_error: payer: unknown payer 'medicar'" in r.stderr and "did you mean 'medicare'?" in r.stderr


# ------------------------------------------------------------------ R3-8 a mistyped KB row is a located error

@pytest.mark.parametrize("file,old,new,place", [
    ("tables/drugs.yaml", "aliases: [Femara]", "aliases: [0]", "drugs.letrozole.aliases[0]"),
    ("tables/drugs.yaml", "aliases: [Adriamycin]\n    classes: [anthracycline]",
     "aliases: [Adriamycin]\n    classes: -1", "drugs.doxorubicin.classes"),
    ("tables/pathway_codes.yaml", "codes: [207RX0202X, 207RH0003X]", "codes: .nan",
     "code_sets.oncology_taxonomies.codes"),
    ("payers/amerihealth-caritas-pa.yaml", "  stages:\n    clinical_review: prior_authorization",
     "  stages: .inf", "payer.stages"),
])
def test_r3_8_mistyped_kb_rows_are_refused_with_their_place(tmp_path, file, old, new, place):
    # before: AttributeError / TypeError while the KB loaded: exit 3 from check and from kb lint
    import shutil

    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    target = kb / file
    text = target.read_text()
    assert old in text, old
    target.write_text(text.replace(old, new, 1))
    r = run_cli("check", COM, "--kb", kb)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert f"{file}:" in r.stderr and f"kb_schema_error: {place}" in r.stderr and "internal error" not in r.stderr
    lint = run_cli("kb", "lint", kb)
    assert lint.returncode == 1 and f"kb_schema_error: {place}" in lint.stdout + lint.stderr


# ------------------------------------------------------------------ R3-9 an empty list as a condition

@pytest.mark.parametrize("cond", [{"all": [{"fact": "line.units", "gt": 1}, []]}, {"not": []}, []])
def test_r3_9_an_empty_list_is_not_a_condition(cond):
    # before: [] was read as an empty 'all' (always true), so {not: []} silently disabled a rule
    # while {all: []} was refused
    from denialkb.engine.conditions import ConditionSyntaxError, parse_condition

    with pytest.raises(ConditionSyntaxError) as e:
        parse_condition(cond, ("when",))
    assert e.value.message == "an empty list is not a condition"


# ------------------------------------------------------------------ R3-10 compare with a file that is not an 835

@pytest.mark.parametrize("content", ["garbage", ""])
def test_r3_10_compare_names_what_is_wrong_with_a_non_835_file(tmp_path, content):
    # before: the file's text was given to the validator as a file name: "cannot read the file: No such
    # file or directory" (or "Is a directory" for an empty file), though the file was there
    (tmp_path / "decisions.jsonl").write_text("")
    remit = tmp_path / "r.835"
    remit.write_text(content)
    r = run_cli("compare", tmp_path, remit)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "not a valid 835: not an X12 interchange: it does not start with ISA" in r.stderr, r.stderr
    assert "cannot read the file" not in r.stderr
