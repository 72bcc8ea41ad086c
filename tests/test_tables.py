"""Workpaper tables (issue 15 items 1-2): per-denial and per-line CSV / Parquet / XLSX, asserted
cell by cell, and dollars at risk counted once per line."""

import csv
import json
import shutil

import pytest

from denialkb.engine.batch import run_audit
from denialkb.engine.claim import load_claim
from denialkb.engine.tables import (
    DENIAL_COLUMNS,
    LINE_COLUMNS,
    Impact,
    claim_rows,
    filter_record,
    read_table,
)
from tests.conftest import KB, SMALL

JWJZ = "pertuzumab-jw-and-jz.yaml"  # three denials on line 1
CLEAN = "pertuzumab-clean-medicare.yaml"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    src = d / "claims"
    src.mkdir()
    shutil.copy(SMALL / JWJZ, src / "a.yaml")
    shutil.copy(SMALL / CLEAN, src / "b.yaml")
    out = d / "out"
    run_audit([src], out, workers=1, kb_dir=KB, progress=False, xlsx=True, run_date="2026-12-01")
    records = [json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()]
    return out, records


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_denial_table_cell_by_cell(audited):
    out, records = audited
    rec = records[0]
    kb = rec["kb_version"]
    texts = {d["id"]: d for d in rec["denials"]}
    rows = _csv(out / "denials.csv")
    assert rows[0] == list(DENIAL_COLUMNS)
    assert len(rows) == 4  # three denials, all on line 1 of CLM-P-JW-JZ; the clean claim has none
    head = ["CLM-P-JW-JZ", "P-0001", "medicare", "", "1", "J9306", "JW;JZ", "pertuzumab", "2024-03-15", "420",
            "4800.00", "", ""]
    want = [("JW-JZ-SAME-LINE", "CO", "4", "N519", "front_end", "high"),
            ("JW-WITHOUT-POSSIBLE-WASTE", "CO", "4", "N823", "adjudication", "high"),
            ("JW-UNITS-NOT-DOCUMENTED-WASTE", "CO", "16", "M53", "post_payment_review", "high")]
    for row, (rid, group, carc, rarc, stage, conf) in zip(rows[1:], want, strict=True):
        d = texts[rid]
        assert row == head + [rid, d["title"], group, carc, rarc, stage, conf, d["explanation"], d["remedy"],
                              "4800.00", "", "", kb]
    assert texts["JW-JZ-SAME-LINE"]["title"] == "JW and JZ on the same line"

    # Parquet: the same cells, typed
    pq = read_table(out / "denials.parquet")
    assert [r["rule_id"] for r in pq] == [w[0] for w in want]
    first = pq[0]
    assert {k: first[k] for k in ("claim_id", "patient_id", "payer", "provider_npi", "line", "code", "modifiers",
                                  "drug", "service_date", "units", "charge", "allowed", "paid", "group", "carc",
                                  "rarc", "stage", "confidence", "amount_at_risk", "disposition", "kb_version")} == {
        "claim_id": "CLM-P-JW-JZ", "patient_id": "P-0001", "payer": "medicare", "provider_npi": None, "line": 1,
        "code": "J9306", "modifiers": "JW;JZ", "drug": "pertuzumab", "service_date": "2024-03-15", "units": 420.0,
        "charge": 4800.0, "allowed": None, "paid": None, "group": "CO", "carc": "4", "rarc": "N519",
        "stage": "front_end", "confidence": "high", "amount_at_risk": 4800.0, "disposition": None,
        "kb_version": kb}
    assert read_table(out / "denials.csv") == pq

    # XLSX: the same cells
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(out / "workpapers.xlsx", read_only=True)
    assert wb.sheetnames == ["denials", "lines", "impact", "about"]
    xl = [list(r) for r in wb["denials"].iter_rows(values_only=True)]
    assert xl[0] == list(DENIAL_COLUMNS)
    assert [dict(zip(DENIAL_COLUMNS, r, strict=True)) for r in xl[1:]] == pq
    about = {r[0]: (r[1] if len(r) > 1 else None) for r in wb["about"].iter_rows(values_only=True)}
    assert about["kb_version"] == kb and about["run_date"] == "2026-12-01"
    assert "patient data" in about["note"]


def test_line_table_cell_by_cell(audited):
    out, records = audited
    kb = records[0]["kb_version"]
    rows = _csv(out / "lines.csv")
    assert rows[0] == list(LINE_COLUMNS)
    assert rows[1:] == [
        ["CLM-P-JW-JZ", "P-0001", "medicare", "", "1", "J9306", "JW;JZ", "pertuzumab", "2024-03-15", "420",
         "4800.00", "", "", "denied", "true", "3",
         "JW-JZ-SAME-LINE;JW-WITHOUT-POSSIBLE-WASTE;JW-UNITS-NOT-DOCUMENTED-WASTE", "CO-4;CO-16",
         "front_end;adjudication;post_payment_review", "high", "4800.00", kb],
        ["CLM-P-JW-JZ", "P-0001", "medicare", "", "2", "96413", "", "", "2024-03-15", "1", "350.00", "", "",
         "denied", "false", "0", "", "", "", "", "0.00", kb],
        ["CLM-P-CLEAN-MCR", "P-0001", "medicare", "", "1", "J9306", "JZ", "pertuzumab", "2024-03-15", "420",
         "4800.00", "", "", "clean", "false", "0", "", "", "", "", "0.00", records[1]["kb_version"]],
        ["CLM-P-CLEAN-MCR", "P-0001", "medicare", "", "2", "96413", "", "", "2024-03-15", "1", "350.00", "", "",
         "clean", "false", "0", "", "", "", "", "0.00", records[1]["kb_version"]],
    ]
    assert read_table(out / "lines.csv") == read_table(out / "lines.parquet")


def test_three_denials_on_one_line_counted_once(audited):
    out, _ = audited
    s = json.loads((out / "summary.json").read_text())
    t = s["impact"]["total"]
    assert (t["claims"], t["lines"], t["denials"], t["charge"], t["at_risk"], t["at_risk_lines"]) == \
        (2, 4, 3, 10300.0, 4800.0, 1)
    by = s["impact"]["by"]
    assert by["carc"]["CO-4"] == {"claims": 1, "denials": 2, "lines": 1, "charge": 4800.0, "paid": 0.0,
                                  "at_risk": 4800.0}
    assert by["stage"]["front_end"]["at_risk"] == 4800.0
    assert by["drug"]["pertuzumab"]["at_risk"] == 4800.0 and by["drug"]["(none)"]["at_risk"] == 0.0
    assert by["month"]["2024-03"]["at_risk"] == 4800.0
    assert by["outcome"]["denied"]["at_risk"] == 4800.0 and by["outcome"]["clean"]["at_risk"] == 0.0
    assert sum(e["at_risk"] for e in by["payer"].values()) == t["at_risk"]
    # the summary's by.carc amounts count the line once too (two CO-4 denials on one $4,800 line)
    assert s["by"]["carc"]["4"] == {"count": 2, "amount": 4800.0}
    assert s["run"] == {"run_date": "2026-12-01", "as_of": None, "min_confidence": None,
                        "kb_version": s["run"]["kb_version"]}
    assert s["rule_titles"]["JW-JZ-SAME-LINE"] == "JW and JZ on the same line"


def _denial(rid, line, carc="16", group="CO", stage="adjudication", confidence="high"):
    return {"id": rid, "title": rid.title(), "line": line, "stage": stage, "group": group, "carc": carc,
            "rarc": [], "explanation": "e", "because": [], "derived_from": [], "remedy": "r", "sources": [],
            "confidence": confidence}


def test_paid_amounts_and_claim_level_denial():
    doc = {"claim": {"id": "C1", "lines": [
        {"number": 1, "code": "J9306", "units": 840, "service_date": "2024-05-02", "charge": 9600.0,
         "allowed_amount": 8200.0, "paid_amount": 6560.0},
        {"number": 2, "code": "96413", "units": 1, "service_date": "2024-05-02", "charge": 350.0}]},
        "patient": {"id": "P-9"}, "providers": {"billing": {"npi": "1234567893"}}}
    rec = {"claim_id": "C1", "kb_version": "sha256:x", "payer": "commercial", "outcome": "denied",
           "missing_information": [],
           "denials": [_denial("A", 1), _denial("B", 1, carc="50"), _denial("C", 1, confidence="low"),
                       _denial("TIMELY", None, carc="29", stage="front_end")]}
    rows = claim_rows(rec, doc, {1: "pertuzumab"})
    # line 1: paid known -> 6560 at risk; line 2: charge; the claim-level denial covers both
    assert [r["amount_at_risk"] for r in rows["denials"]] == [6560.0, 6560.0, 6560.0, 6910.0]
    assert rows["denials"][3]["line"] is None and rows["denials"][3]["charge"] == 9950.0
    assert [(r["line"], r["denial_count"], r["amount_at_risk"], r["paid"], r["allowed"]) for r in rows["lines"]] == \
        [(1, 4, 6560.0, 6560.0, 8200.0), (2, 1, 350.0, None, None)]
    imp = Impact()
    imp.add(rows, "denied")
    d = imp.to_dict()
    assert d["total"]["at_risk"] == 6910.0  # four denials, each line once
    assert d["total"]["paid"] == 6560.0 and d["total"]["paid_known_lines"] == 1
    assert d["total"]["at_risk_paid_known"] == 6560.0
    assert d["by"]["rule"]["TIMELY"]["at_risk"] == 6910.0
    assert d["by"]["carc"]["CO-16"] == {"claims": 1, "denials": 2, "lines": 1, "charge": 9600.0, "paid": 6560.0,
                                        "at_risk": 6560.0}
    assert d["by"]["carc"]["CO-29"] == {"claims": 1, "denials": 1, "lines": 2, "charge": 9950.0, "paid": 6560.0,
                                        "at_risk": 6910.0}
    assert d["by"]["provider"]["1234567893"]["at_risk"] == 6910.0
    # --min-confidence high drops the low-confidence denial everywhere it feeds
    f = filter_record(rec, "high")
    assert [x["id"] for x in f["denials"]] == ["A", "B", "TIMELY"] and rec["denials"][2]["id"] == "C"
    only_low = {**rec, "denials": [_denial("C", 1, confidence="low")]}
    assert filter_record(only_low, "medium")["outcome"] == "clean"


def test_cli_audit_xlsx_and_min_confidence(tmp_path):
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    src = tmp_path / "c"
    src.mkdir()
    shutil.copy(SMALL / JWJZ, src / "a.yaml")
    r = CliRunner().invoke(main, ["audit", str(src), "--out", str(tmp_path / "o"), "--workers", "1",
                                  "--kb", str(KB), "--no-progress", "--xlsx", "--min-confidence", "high"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "workpapers.xlsx").exists()
    rows = read_table(tmp_path / "o" / "denials.parquet")
    assert {x["confidence"] for x in rows} == {"high"} and len(rows) == 3
    assert load_claim(src / "a.yaml").data["claim"]["id"] == "CLM-P-JW-JZ"


def test_min_confidence_filters_check_and_report(tmp_path):
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    f = str(SMALL / "pertuzumab-billed-as-j9308.yaml")
    full = json.loads(CliRunner().invoke(main, ["check", f, "--format", "json", "--kb", str(KB)]).output)
    assert {d["confidence"] for d in full["denials"]} >= {"high", "medium"}
    r = CliRunner().invoke(main, ["check", f, "--format", "json", "--kb", str(KB), "--min-confidence", "high"])
    high = json.loads(r.output)
    assert [d["id"] for d in high["denials"]] == [d["id"] for d in full["denials"] if d["confidence"] == "high"]
    r = CliRunner().invoke(main, ["report", f, "--out", str(tmp_path / "r.html"), "--kb", str(KB),
                                  "--min-confidence", "high"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text()
    for d in full["denials"]:
        assert (d["id"] in html) == (d["confidence"] == "high"), d["id"]
