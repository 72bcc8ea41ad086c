"""Every input bounded and validated by meaning (reliability-review.md sections 1.2-1.3, C1-C8).

Each reproducer of the review is here with the behaviour issue 17 asks for: exit 2, a
located message naming the place, what was expected and what kind of value was found,
never a traceback and never the value itself when it is patient data.
"""

import json
import math

import pytest
import yaml

from denialkb.engine.bounds import NUMBER_MAX, YEAR_MAX, claim_fields, number_max, value_problems
from denialkb.engine.claim import load_claim, validate_claim
from denialkb.engine.errors import ClaimInvalidError
from denialkb.engine.yamlio import LoadError, loads_json

from .conftest import EXAMPLES, SMALL, run_cli

E = SMALL / "pertuzumab-clean-medicare.yaml"
JZ = SMALL / "pertuzumab-jz-missing-medicare.yaml"


def sed(tmp_path, old, new, src=E, name="c.yaml"):
    text = src.read_text()
    assert old in text, old
    p = tmp_path / name
    p.write_text(text.replace(old, new))
    return p


def problems_of(path) -> list[str]:
    with pytest.raises(ClaimInvalidError) as e:
        load_claim(path)
    return [p.format() for p in e.value.problems]


def as_json(src=E) -> dict:
    return json.loads(json.dumps(yaml.safe_load(src.read_text()), default=str))


@pytest.mark.parametrize("value,why", [
    ('"2024-02-30T09:10"', "day is out of range for month"),
    ('"2024-03-15T09:60"', "minute must be in 0..59"),
    ('"2024-13-15T09:10"', "month must be in 1..12"),
])
def test_c1_impossible_date_times_are_refused(tmp_path, value, why):
    got = problems_of(sed(tmp_path, "infusion_start: 2024-03-15T09:10", f"infusion_start: {value}"))
    assert got == [f"{tmp_path / 'c.yaml'}:61:3: claim_invalid: documentation.infusion_start: "
                   f"found an impossible date-time ({why})\n"
                   "    expected an ISO 8601 date-time like 2024-03-15T09:10"]


@pytest.mark.parametrize("value", ['"2024-03-15T09:10Z"', '"2024-03-15T09:10+05:00"'])
def test_c2_one_time_zone_rule(tmp_path, value):
    got = problems_of(sed(tmp_path, "infusion_start: 2024-03-15T09:10", f"infusion_start: {value}"))
    assert len(got) == 1
    assert ("documentation.infusion_start: this date-time has a UTC offset and documentation.infusion_end has none"
            in got[0])


def test_c2_offsets_on_every_date_time_are_decided(tmp_path, decider):
    p = sed(tmp_path, "infusion_start: 2024-03-15T09:10", "infusion_start: 2024-03-15T09:10+01:00")
    p.write_text(p.read_text().replace("infusion_end: 2024-03-15T09:50", "infusion_end: 2024-03-15T09:50+01:00"))
    assert decider.check_document(load_claim(p))["outcome"] == decider.check_file(E)["outcome"]


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_c3_dates_outside_1900_to_2100_are_refused(tmp_path, date):
    got = problems_of(sed(tmp_path, "service_date: 2024-03-15", f"service_date: {date}"))
    assert got[0].endswith("claim.lines[0].service_date: found a date outside the years 1900 to 2100\n"
                           "    expected a date from 1900-01-01 to 2100-12-31")


def test_dates_at_the_edges_of_the_range_are_accepted(tmp_path):
    doc = as_json()
    doc["patient"]["birth_date"] = "1900-01-01"
    doc["coverage"]["end_date"] = f"{YEAR_MAX}-12-31"
    validate_claim(doc, "edge.json")


@pytest.mark.parametrize("yaml_value,place,line", [
    ("waste_mg: .inf", "documentation.waste_mg", 64),
    ("waste_mg: -.inf", "documentation.waste_mg", 64),
])
def test_c4_infinite_waste(tmp_path, yaml_value, place, line):
    got = problems_of(sed(tmp_path, "  waste_mg: 0\n", f"  {yaml_value}\n"))
    assert got == [f"{tmp_path / 'c.yaml'}:{line}:3: claim_invalid: {place}: found infinity\n"
                   "    expected a finite number"]


def test_c4_c7_cli_exit_2_not_a_traceback(tmp_path):
    for old, new in (("  waste_mg: 0\n", "  waste_mg: .inf\n"), ("charge: 4800.00", "charge: .inf"),
                     ("charge: 4800.00", "charge: 1.0e+300")):
        p = sed(tmp_path, old, new)
        for fmt in ("text", "x12-835"):
            r = run_cli("check", "--format", fmt, p)
            assert (r.returncode, r.stdout) == (2, ""), (old, new, fmt, r.stderr)
            assert "Traceback" not in r.stderr
            assert ("claim.lines[0].charge" if "charge" in old else "documentation.waste_mg") in r.stderr


def test_c5_5000_digit_json_integer_is_a_located_error(tmp_path):
    text = json.dumps(as_json(), indent=1).replace('"charge": 4800.0', '"charge": ' + "9" * 5000)
    p = tmp_path / "c5.json"
    p.write_text(text)
    got = problems_of(p)
    assert len(got) == 1 and got[0].startswith(f"{p}:")
    assert "a number has more than 30 digits" in got[0]
    assert "9" * 40 not in got[0]
    line = int(got[0].split(":")[1])
    assert '"charge": 9999' in text.splitlines()[line - 1]


def test_c5_huge_integer_from_any_reader_never_crashes_the_validator():
    doc = as_json()
    doc["patient"]["id"] = 10 ** 5000  # jsonschema cannot even repr this
    doc["claim"]["lines"][0]["units"] = 2 ** 63
    doc["claim"]["lines"][1]["units"] = 2_000_000
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(doc, "big.json")
    got = {p.place: p.message for p in e.value.problems}
    assert got == {"patient.id": "found a huge number",
                   "claim.lines[1].units": "found a number larger than 1,000,000",
                   "claim.lines[0].units": "found a huge number"}


def test_c6_lone_surrogate_refused_before_the_log(tmp_path):
    p = sed(tmp_path, "  id: P-0001", '  id: "P-\\uD800"')
    got = problems_of(p)
    assert got == [f"{p}:28:3: claim_invalid: patient.id: found text with a lone surrogate (not valid Unicode)\n"
                   "    expected UTF-8 text (each character a valid Unicode code point)"]
    r = run_cli("check", p, "--log", tmp_path / "c6.sqlite")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "lone surrogate" in r.stderr


def test_c8_json_duplicate_keys_are_refused_not_last_wins(tmp_path):
    text = json.dumps(as_json(JZ)).replace('"payer": "medicare"', '"payer": "medicare", "payer": "commercial"')
    p = tmp_path / "c8.json"
    p.write_text(text)
    col = text.index(', "payer": "commercial"') + 3
    assert problems_of(p) == [f"{p}:1:{col}: claim_invalid: "
                              'duplicate key "payer"\n    hint: each key may appear once in a mapping']
    r = run_cli("check", p)
    assert (r.returncode, r.stdout) == (2, "") and 'duplicate key "payer"' in r.stderr


def test_c8_duplicate_key_located_on_its_line_in_pretty_json(tmp_path):
    text = json.dumps(as_json(JZ), indent=2).replace('"payer": "medicare",', '"payer": "medicare",\n"payer": "x",')
    p = tmp_path / "c8b.json"
    p.write_text(text)
    (got,) = problems_of(p)
    line = int(got.split(":")[1])
    assert text.splitlines()[line - 1] == '"payer": "x",'


def test_fhir_duplicate_keys_refused(tmp_path):
    from .conftest import ROOT

    src = ROOT / "tests" / "data" / "formats" / "pertuzumab_bundle.json"
    p = tmp_path / "dup.json"
    p.write_text(src.read_text().replace('"id": "pat-1"', '"id": "pat-1", "id": "pat-2"', 1))
    r = run_cli("check", p, "--clinical", ROOT / "tests" / "data" / "formats" / "pertuzumab_bundle_complement.yaml")
    assert r.returncode == 2 and "duplicate key" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_not_json(tmp_path, token):
    text = json.dumps(as_json(), indent=1).replace('"dose_mg": 420', f'"dose_mg": {token}')
    p = tmp_path / "nan.json"
    p.write_text(text)
    (got,) = problems_of(p)
    assert f"claim_invalid: {token} is not a number JSON allows" in got
    line = int(got.split(":")[1])
    assert token in text.splitlines()[line - 1]


def test_yaml_nan_is_refused_not_read_as_absent(tmp_path):
    got = problems_of(sed(tmp_path, "  dose_mg: 420\n", "  dose_mg: .nan\n"))
    assert got == [f"{tmp_path / 'c.yaml'}:59:3: claim_invalid: documentation.dose_mg: found NaN (not a number)\n"
                   "    expected a number, or leave the field out when it is not known"]


@pytest.mark.parametrize("path,value", [
    (("claim", "lines", 0, "charge"), 2 ** 63), (("documentation", "waste_mg"), 1e20),
    (("documentation", "dose_mg"), 2 ** 63), (("claim", "lines", 0, "ndc_quantity"), 1e308),
    (("claim", "lines", 0, "number"), 1e20), (("authorizations",), [{"number": "PA", "code": "J9306", "units": 1e20}]),
    (("claim", "lines", 0, "units"), math.inf),
])
def test_implausible_numbers_are_refused(path, value):
    doc = as_json()
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    with pytest.raises(ClaimInvalidError) as e:
        validate_claim(doc, "n.json")
    assert any(p.message.startswith(("found a number larger than", "found a huge number", "found infinity",
                                     "found a decimal number"))
               for p in e.value.problems), [p.format() for p in e.value.problems]


@pytest.mark.parametrize("text", ["A\x00B", "A\x1b[2JB", "A\nB", "A\rB", "A\x85B", "A\x7fB"])
def test_control_characters_in_ids_are_refused(text):
    for path in (("claim", "id"), ("patient", "id"), ("documentation", "lot_number")):
        doc = as_json()
        doc[path[0]][path[1]] = text
        with pytest.raises(ClaimInvalidError) as e:
            validate_claim(doc, "c.json")
        assert [(p.place, p.message) for p in e.value.problems] == [(".".join(path), "found a control character")]


def test_free_text_may_hold_line_breaks_but_not_escapes():
    assert value_problems({"documentation": {"clinical_justification": "LVEF 48%\ncleared"}}) == []
    (p,) = value_problems({"documentation": {"clinical_justification": "x\x1b[2J"}})
    assert p.message == "found a control character"


def test_semantics_preserving_text_still_accepted(decider):
    for cid in ("CLM-\u05d0\u05d1-1", "CLM-\U0001F600", "<b>CLM</b>", "CLM \u200d joined"):
        doc = as_json()
        doc["claim"]["id"] = cid
        assert decider.check_document(validate_claim(doc))["claim_id"] == cid


def test_every_number_of_the_claim_schema_has_a_maximum():
    fields = claim_fields()
    numbers = {p: e for p, e in fields.items() if e["kind"] == "number"}
    assert len(numbers) >= 15
    for path, entry in numbers.items():
        key = next(k for k in reversed(path) if k != "*")
        assert entry["maximum"] is not None or key in NUMBER_MAX, f"{path}: no maximum in the schema or NUMBER_MAX"
        assert number_max(tuple(0 if k == "*" else k for k in path)) <= 1e9


def test_date_and_date_time_fields_come_from_the_schema():
    fields = claim_fields()
    assert fields[("claim", "lines", "*", "service_date")]["kind"] == "date"
    assert fields[("patient", "birth_date")]["kind"] == "date"
    assert fields[("documentation", "infusion_start")]["kind"] == "datetime"


def test_loads_json_refuses_duplicate_keys_at_any_depth():
    with pytest.raises(LoadError) as e:
        loads_json('{"a": [{"b": 1, "b": 2}]}', "x.json")
    assert e.value.problem.format().startswith('x.json:1:17: claim_invalid: duplicate key "b"')


def test_set_values_use_the_bounded_loader():
    bomb = "[&a0 [t,t,t,t,t,t,t,t,t], &a1 [*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0]]"
    r = run_cli("what-if", E, "--set", f"clinical.concurrent_drugs={bomb}")
    assert r.returncode == 2
    assert "YAML anchors and aliases are not allowed" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("what-if", E, "--set", "claim.lines[0].units=.inf")
    assert r.returncode == 2 and "claim.lines[0].units: found infinity" in r.stderr
    r = run_cli("what-if", E, "--set", "clinical.concurrent_drugs=" + "[" * 60 + "]" * 60)
    assert r.returncode == 2 and "nested deeper than 40 levels" in r.stderr


@pytest.mark.parametrize("text,line,col", [("\x01claim: 1\n", 1, 1), ('claim:\n  id: "a\x02b"\n', 2, 9)])
def test_yaml_control_character_is_a_located_error_not_a_traceback(tmp_path, text, line, col):
    # found by tests/test_fuzz.py: PyYAML's reader raised ReaderError outside the parser's handlers
    p = tmp_path / "ctl.yaml"
    p.write_bytes(text.encode())
    (got,) = problems_of(p)
    assert got.startswith(f"{p}:{line}:{col}: claim_invalid: invalid YAML: control character #x000")


def test_fast_path_and_full_walk_agree():
    # value_problems takes a C-speed path for clean documents; every refusal goes through the full walk
    from denialkb.engine.bounds import _check

    for p in sorted(EXAMPLES.glob("*.yaml")):
        doc = as_json(p)
        assert value_problems(doc) == _check(doc, "", {}, "claim_invalid", claim_fields(), False)[0] == []
    doc = as_json()
    doc["documentation"]["infusion_end"] = "2024-03-15T09:50+01:00"
    assert [p.place for p in value_problems(doc)] == ["documentation.infusion_end"]
    doc = as_json()
    doc["claim"]["lines"][0]["charge"] = 20_000_000
    assert [p.place for p in value_problems(doc)] == ["claim.lines[0].charge"]


def test_empty_document_says_null_once(tmp_path):
    p = tmp_path / "empty.yaml"
    p.write_text("# nothing\n")
    (got,) = problems_of(p)
    assert got.endswith("expected a mapping with a 'claim' key, found null")


def test_audit_of_an_infinite_charge_rejects_it_and_writes_valid_json(tmp_path):
    p = sed(tmp_path, "charge: 4800.00", "charge: .inf")
    r = run_cli("audit", p, "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 1 and "read 1 = decided 0 + rejected 1" in r.stdout, r.stdout + r.stderr

    def refuse(token):
        raise ValueError(token)

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(), parse_constant=refuse)
    assert summary["rejected"] == 1
    (rej,) = [json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert rej["problems"][0]["place"] == "claim.lines[0].charge"


def test_jsonl_duplicate_keys_are_rejected_per_line(tmp_path):
    good = json.dumps(as_json(JZ))
    dup = good.replace('"payer": "medicare"', '"payer": "medicare", "payer": "commercial"', 1)
    p = tmp_path / "b.jsonl"
    p.write_text(good.replace("CLM-P-NO-JZ", "A") + "\n" + dup.replace("CLM-P-NO-JZ", "B") + "\n")
    r = run_cli("audit", p, "--out", tmp_path / "out", "--workers", "1")
    assert "read 2 = decided 1 + rejected 1" in r.stdout, r.stdout + r.stderr
    (rej,) = [json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert rej["problems"][0]["message"] == 'duplicate key "payer"' and rej["problems"][0]["line"] == 2
