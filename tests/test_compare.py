"""Predicted vs actual 835 (issue 15 item 4): a generated 'actual' remittance with known
agreements and disagreements gives the exact confusion matrix, per-CARC and per-rule figures."""

import copy
import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner

pytest.importorskip("pyx12", reason="reading an 835 needs pyx12 4.x (Python 3.11+)")

from denialkb.engine.batch import run_audit  # noqa: E402
from denialkb.engine.claim import load_claim  # noqa: E402
from denialkb.engine.cli import main  # noqa: E402
from denialkb.engine.compare import compare_files, read_835  # noqa: E402
from denialkb.engine.formats import render_835  # noqa: E402
from tests.conftest import KB, SMALL  # noqa: E402

FILES = {"CLM-P-JW-JZ": "pertuzumab-jw-and-jz.yaml", "CLM-P-HER2-MISSING": "pertuzumab-her2-missing.yaml",
         "CLM-P-CLEAN-MCR": "pertuzumab-clean-medicare.yaml", "CLM-P-UNITS": "pertuzumab-units-exceed-dose.yaml"}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    src = d / "claims"
    src.mkdir()
    for name in FILES.values():
        shutil.copy(SMALL / name, src / name)
    out = d / "out"
    run_audit([src], out, workers=1, kb_dir=KB, progress=False, run_date="2026-12-01")
    predicted = {json.loads(x)["claim_id"]: json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()}
    assert [(x["id"], x["line"], x["carc"]) for x in predicted["CLM-P-JW-JZ"]["denials"]] == [
        ("JW-JZ-SAME-LINE", 1, "4"), ("JW-WITHOUT-POSSIBLE-WASTE", 1, "4"), ("JW-UNITS-NOT-DOCUMENTED-WASTE", 1, "16")]
    assert [(x["id"], x["line"]) for x in predicted["CLM-P-HER2-MISSING"]["denials"]] == [
        ("PERTUZUMAB-HER2-NOT-DOCUMENTED", 1)]
    assert predicted["CLM-P-CLEAN-MCR"]["denials"] == []
    assert [(x["id"], x["line"], x["carc"]) for x in predicted["CLM-P-UNITS"]["denials"]] == [
        ("UNITS-EXCEED-DOCUMENTED-DOSE", 1, "16")]
    # what the payer "actually" did
    actual = copy.deepcopy(predicted)
    actual["CLM-P-JW-JZ"]["denials"] = actual["CLM-P-JW-JZ"]["denials"][:1]        # CO-4 only: CARC 16 predicted only
    actual["CLM-P-HER2-MISSING"]["denials"] = []                                    # paid: a false positive
    actual["CLM-P-HER2-MISSING"]["outcome"] = "clean"
    actual["CLM-P-CLEAN-MCR"]["denials"] = [{**predicted["CLM-P-UNITS"]["denials"][0], "id": "PAYER-EDIT",
                                             "carc": "197", "rarc": []}]           # a denial no rule predicts
    actual["CLM-P-CLEAN-MCR"]["outcome"] = "denied"
    pairs = [(actual[c], load_claim(SMALL / f).data) for c, f in FILES.items()]
    text = render_835(pairs, created=dt.datetime(2026, 12, 1, 12, 0))
    lines = text.splitlines()
    # a contractual reduction (CO-45) on the clean claim's second line is a payment adjustment, not a denial
    clp = next(i for i, s in enumerate(lines) if s.startswith("CLP*CLM-P-CLEAN-MCR*"))
    ref2 = next(i for i in range(clp, len(lines)) if lines[i] == "REF*6R*2~")
    lines.insert(ref2, "CAS*CO*45*50~")
    # the units claim without REF*6R: its lines are matched by SVC position
    clp = next(i for i, s in enumerate(lines) if s.startswith("CLP*CLM-P-UNITS*"))
    end = next((i for i in range(clp + 1, len(lines)) if lines[i].startswith(("CLP*", "SE*"))), len(lines))
    lines = lines[:clp] + [s for s in lines[clp:end] if not s.startswith("REF*6R*")] + lines[end:]
    seg_count = sum(1 for s in lines if s and not s.startswith(("ISA", "GS*", "GE*", "IEA")))
    lines = [f"SE*{seg_count}*0001~" if s.startswith("SE*") else s for s in lines]
    remit = d / "actual.835"
    remit.write_text("\n".join(lines) + "\n")
    return out, remit


def test_read_835(case):
    _, remit = case
    claims = read_835(remit)
    assert [c["claim_id"] for c in claims] == list(FILES)
    clean = claims[2]
    assert [(sv["ref"], [(c["group"], c["carc"]) for c in sv["cas"]]) for sv in clean["lines"]] == [
        ("1", [("CO", "197")]), ("2", [("CO", "45")])]
    assert [sv["ref"] for sv in claims[3]["lines"]] == [None, None]


def test_exact_confusion_matrix(case):
    out, remit = case
    res = compare_files(out, remit)
    assert res["confusion"] == {"true_positive": 2, "false_positive": 1, "false_negative": 1, "true_negative": 4,
                                "precision": 0.6667, "recall": 0.6667, "accuracy": 0.75}
    assert res["line_status"] == {"agree": 1, "partly": 1, "predicted_only": 1, "actual_only": 1, "both_clean": 4}
    by_line = {(r["claim_id"], r["line"]): r for r in res["lines"]}
    assert len(by_line) == 8
    jw = by_line[("CLM-P-JW-JZ", 1)]
    assert (jw["agree"], jw["predicted_only"], jw["actual_only"], jw["status"]) == (["4"], ["16"], [], "partly")
    assert by_line[("CLM-P-UNITS", 1)]["status"] == "agree"  # matched by position (no REF*6R)
    assert by_line[("CLM-P-CLEAN-MCR", 2)]["status"] == "both_clean"  # CO-45 ignored
    assert res["by_carc"] == {"4": {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0},
                              "16": {"tp": 1, "fp": 2, "fn": 0, "precision": 0.3333, "recall": 1.0},
                              "197": {"tp": 0, "fp": 0, "fn": 1, "precision": None, "recall": 0.0}}
    assert {k: (v["fired"], v["tp"], v["fp"], v["precision"], v["recall"]) for k, v in res["by_rule"].items()} == {
        "JW-JZ-SAME-LINE": (1, 1, 0, 1.0, 1.0),
        "JW-WITHOUT-POSSIBLE-WASTE": (1, 1, 0, 1.0, 1.0),
        "JW-UNITS-NOT-DOCUMENTED-WASTE": (1, 0, 1, 0.0, 0.0),  # recall: 0 of the 1 actual CARC-16 lines
        "PERTUZUMAB-HER2-NOT-DOCUMENTED": (1, 0, 1, 0.0, 0.0),
        "UNITS-EXCEED-DOCUMENTED-DOSE": (1, 1, 0, 1.0, 1.0),
    }
    assert res["blind_spots"] == [{"carc": "197", "groups": ["CO"], "lines": 1, "amount": 4800.0,
                                   "claims": ["CLM-P-CLEAN-MCR"]}]
    assert res["unmatched"] == {"remit_claims_not_decided": [], "decided_claims_not_in_remit": [],
                                "remit_lines_not_matched": []}


def test_compare_cli_text_json_html(case, tmp_path):
    out, remit = case
    r = CliRunner().invoke(main, ["compare", str(out), str(remit), "--html", str(tmp_path / "c.html")])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("8 lines compared: agree 1, partly 1, predicted only 1, actual only 1, both clean 4")
    assert "  predicted denied                         2                     1" in r.output
    assert "CO-197: 1 line(s), $4,800.00; claims CLM-P-CLEAN-MCR" in r.output
    html = (tmp_path / "c.html").read_text()
    assert "CLM-P-CLEAN-MCR" in html and "http" not in html.split("</head>")[1]
    r = CliRunner().invoke(main, ["compare", str(out / "decisions.jsonl"), str(remit), "--format", "json"])
    assert json.loads(r.output)["confusion"]["true_positive"] == 2
    bad = tmp_path / "bad.835"
    bad.write_text("ISA*garbage~")
    r = CliRunner().invoke(main, ["compare", str(out), str(bad)])
    assert r.exit_code == 2 and "not a valid 835" in r.output


def test_real_third_party_835_refused_then_read_with_accept_invalid(case, tmp_path):
    """The LFH sample 835 (tests/data/third_party) fails 005010 validation (BPR16 date, missing
    PER): refused by default, read with --accept-invalid (findings as warnings); its two claims are
    none of ours, so they are reported unmatched, never silently dropped."""
    from tests.conftest import ROOT

    out, _ = case
    real = ROOT / "tests" / "data" / "third_party" / "lfh_managed-care_X221A1.835"
    r = CliRunner().invoke(main, ["compare", str(out), str(real), "--html", str(tmp_path / "c.html")])
    assert r.exit_code == 2 and "BPR16" in r.output
    r = CliRunner().invoke(main, ["compare", str(out), str(real), "--accept-invalid", "--format", "json",
                                  "--html", str(tmp_path / "c.html")])
    assert r.exit_code == 0, r.output
    assert "warning: " in r.stderr and "BPR16" in r.stderr
    res = json.loads(r.stdout)
    assert len(read_835(real, validate=False)) == 2
    assert res["lines"] == [] and res["confusion"]["true_positive"] == res["confusion"]["false_positive"] == 0
    assert sorted(res["unmatched"]["remit_claims_not_decided"]) == ["5554555444", "8765432112"]
    assert len(res["unmatched"]["decided_claims_not_in_remit"]) == len(FILES)
