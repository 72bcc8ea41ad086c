import pytest

from denialkb.engine.conditions import ConditionSyntaxError, compile_condition, parse_condition


def ev(cond, claim=None, line=None):
    return compile_condition(parse_condition(cond), lambda k, n: None)(claim or {}, line or {})


def test_absent_fact_is_unknown_not_false():
    assert ev({"fact": "clinical.ecog", "le": 2}) is None
    assert ev({"fact": "clinical.ecog", "le": 2}, {"clinical.ecog": 1}) is True
    assert ev({"fact": "clinical.ecog", "le": 2}, {"clinical.ecog": 3}) is False


def test_presence_operators_decide_on_absence():
    assert ev({"fact": "clinical.biomarkers.her2", "missing": True}) is True
    assert ev({"fact": "clinical.biomarkers.her2", "exists": True}) is False


def test_three_valued_all_any_not():
    t = {"fact": "a", "eq": 1}
    u = {"fact": "b", "eq": 1}
    f = {"fact": "a", "eq": 2}
    c = {"a": 1}
    assert ev({"all": [t, u]}, c) is None
    assert ev({"all": [f, u]}, c) is False
    assert ev({"any": [t, u]}, c) is True
    assert ev({"any": [f, u]}, c) is None
    assert ev({"not": u}, c) is None
    assert ev({"not": f}, c) is True


def test_fact_to_fact_comparison_and_lists():
    line = {"line.units": 840, "line.expected_units": 420, "line.modifiers": ("JW",)}
    assert ev({"fact": "line.units", "gt": {"fact": "line.expected_units"}}, line=line) is True
    assert ev({"fact": "line.modifiers", "contains": "JW"}, line=line) is True
    assert ev({"fact": "line.modifiers", "none_in": ["JZ", "59"]}, line=line) is True


def test_code_prefix_sets():
    from denialkb.engine.conditions import ValueSet

    vs = ValueSet("breast", ["C50*", "C79.81"])
    assert "C50.911" in vs and "C79.81" in vs and "C79.11" not in vs


def test_unknown_operator_suggests():
    with pytest.raises(ConditionSyntaxError) as e:
        parse_condition({"fact": "line.units", "greater": 3})
    assert e.value.message == "unknown operator 'greater'"
    assert e.value.hint == "did you mean 'gt'?"
    assert e.value.expected.startswith("one of: eq, ne, lt, le, gt, ge")


def test_finding_reference_only_at_top_level():
    with pytest.raises(ConditionSyntaxError) as e:
        parse_condition({"any": [{"finding": "X"}, {"fact": "a", "eq": 1}]})
    assert "top-level 'all'" in e.value.message
