"""The KB correctness review (../shared/domain/kb-review.md) fixes that golden cases cannot state: the
remittance codes each payer sends (payer ``remittance`` rows) and the loader's check of those rows."""

import copy
import shutil

import pytest

from denialkb.engine.cases import set_path
from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import KBInvalidError
from denialkb.engine.kb import load_kb
from denialkb.engine.yamlio import load_document

from .conftest import KB

BASE = KB / "cases" / "base" / "pertuzumab-medicare.yaml"


def _doc(changes):
    data = copy.deepcopy(load_document(BASE, "test").data)
    for path, value in changes.items():
        set_path(data, path, value)
    return validate_claim(data, "test")


def _denials(decider, changes):
    return [(d["id"], d["line"], d["group"], d["carc"], d["rarc"]) for d in decider.check_document(_doc(changes))["denials"]]


def test_medicare_unit_ceiling_is_co_96_n362(decider):
    # 840 units of J9306 on one date above Medicare's per-date ceiling (and the 420 mg dose): Noridian sends CO-96 + N362
    got = _denials(decider, {"claim.lines[0].units": 841})
    assert ("PAYER-UNIT-LIMIT-EXCEEDED", 1, "CO", "96", ["N362"]) in got


def test_commercial_unit_ceiling_keeps_the_rules_co_151(decider):
    got = _denials(decider, {"claim.payer": "commercial", "claim.prior_authorization": "PA-778",
                             "authorizations": [{"number": "PA-778", "code": "J9306", "units": 9000,
                                                 "start_date": "2024-01-01", "end_date": "2024-06-30"}],
                             "claim.lines[0].units": 841})
    assert ("PAYER-UNIT-LIMIT-EXCEEDED", 1, "CO", "151", ["N362"]) in got


def test_duplicate_line_group_is_payer_specific(decider):
    dup = {"claim.lines[2]": {"number": 3, "code": "96413", "units": 1, "service_date": "2024-03-15"}}
    assert ("DUPLICATE-LINE-ON-CLAIM", 3, "OA", "18", ["N522"]) in _denials(decider, dup)
    com = {**dup, "claim.payer": "commercial", "claim.prior_authorization": "PA-778",
           "authorizations": [{"number": "PA-778", "code": "J9306", "units": 2940,
                               "start_date": "2024-01-01", "end_date": "2024-06-30"}]}
    assert ("DUPLICATE-LINE-ON-CLAIM", 3, "CO", "18", ["N522"]) in _denials(decider, com)


def test_override_cites_its_source(decider):
    rec = decider.check_document(_doc({"claim.lines[0].units": 841}))
    (d,) = [x for x in rec["denials"] if x["id"] == "PAYER-UNIT-LIMIT-EXCEEDED"]
    assert "https://med.noridianmedicare.com/web/jfb/topics/claim-submission/reason-code-guidance/mue-service-exceeds-max" in d["sources"]


def test_no_rule_sends_n115_without_a_cited_lcd():
    kb = load_kb(KB)
    for r in kb.rules:
        if r.conclusion == "denial" and "N115" in r.denial["rarc"]:
            assert any("lcd" in s.lower() or "article" in s.lower() for s in r.sources), r.id


@pytest.mark.parametrize("row, message", [
    ("    - rules: [NO-SUCH-RULE]\n      carc: \"96\"\n      sources: [x-source]\n",
     "payer 'medicare' remittance names 'NO-SUCH-RULE', which is not a denial rule"),
    ("    - rules: [PAYER-UNIT-LIMIT-EXCEEDED]\n      carc: \"996\"\n      sources: [x-source]\n", "unknown CARC '996'"),
    ("    - rules: [PAYER-UNIT-LIMIT-EXCEEDED]\n      rarc: [N9999]\n      sources: [x-source]\n", "unknown RARC 'N9999'"),
])
def test_bad_remittance_rows_are_located_errors(tmp_path, row, message):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__"))
    p = kb / "payers" / "medicare.yaml"
    p.write_text(p.read_text().replace("  remittance:\n", "  remittance:\n" + row, 1))
    with pytest.raises(KBInvalidError) as e:
        load_kb(kb)
    got = [x.format() for x in e.value.problems]
    assert any(g.startswith("kb/payers/medicare.yaml:") and message in g for g in got), got
