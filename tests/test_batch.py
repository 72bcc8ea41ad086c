"""Batch audit (issue 7): mixed inputs, counts, records, Dask, decision log."""

import csv
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from denialkb.engine.batch import (
    FLAT_COLUMNS,
    canonical_sha256,
    document_to_rows,
    record_line,
    rows_to_document,
    run_audit,
)
from denialkb.engine.claim import load_claim
from denialkb.engine.cli import main
from tests.conftest import EXAMPLES, KB, SMALL

YAMLS = ["pertuzumab-clean-medicare.yaml", "pertuzumab-her2-missing.yaml", "pertuzumab-lot-number-missing.yaml"]
JSONL = ["ramucirumab-clean-medicare.yaml", "pertuzumab-jw-whole-vial.yaml"]
CSVS = ["pertuzumab-clean-commercial.yaml", "pertuzumab-units-exceed-dose.yaml"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A YAML folder, a JSONL file and a CSV file, with malformed claims among them.

    Expected order (folder sorted, then the files as given):
      yaml/a..c (3 good), yaml/d-bad.yaml (invalid), jsonl: good, non-JSON, good, invalid, duplicate id,
      csv: good, bad units, good.  -> read 12 = decided 7 + rejected 5
    """
    d = tmp_path_factory.mktemp("mixed")
    ydir = d / "yaml"
    ydir.mkdir()
    for i, name in enumerate(YAMLS):
        shutil.copy(SMALL / name, ydir / f"{'abc'[i]}-{name}")
    (ydir / "d-bad.yaml").write_text("claim:\n  id: BAD-YAML\n  payer: medicare\n  unts: 3\n")
    docs = {n: load_claim(SMALL / n).data for n in YAMLS + JSONL + CSVS}
    jl = d / "claims.jsonl"
    jl.write_text("\n".join([
        json.dumps(docs[JSONL[0]]),
        "{not json",
        json.dumps(docs[JSONL[1]]),
        json.dumps({"claim": {"id": "BAD-JSONL", "payer": "medicare", "diagnoses": [], "lines": []}}),
        json.dumps(docs[YAMLS[0]]),  # same claim id as the first YAML: rejected as duplicate
    ]) + "\n")
    rows = document_to_rows(docs[CSVS[0]])
    bad = document_to_rows({**docs[CSVS[1]], "claim": {**docs[CSVS[1]]["claim"], "id": "BAD-CSV"}})
    bad[0]["units"] = "lots"
    rows += bad + document_to_rows(docs[CSVS[1]])
    cf = d / "claims.csv"
    with open(cf, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FLAT_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    expected_ok = [docs[n] for n in YAMLS] + [docs[n] for n in JSONL] + [docs[n] for n in CSVS]
    return d, [ydir, jl, cf], expected_ok


def test_flat_rows_round_trip():
    for p in sorted(EXAMPLES.glob("*.yaml")):
        data = load_claim(p).data
        back = rows_to_document(document_to_rows(data))
        # an empty cell means "absent": an empty list (modifiers: []) comes back as no key
        for ln in data["claim"]["lines"]:
            for k in [k for k, v in ln.items() if v == []]:
                del ln[k]
        assert canonical_sha256(back) == canonical_sha256(data), p.name


def test_mixed_input_counts_and_records(mixed, decider, tmp_path):
    d, inputs, expected_ok = mixed
    out = tmp_path / "out"
    s = run_audit(inputs, out, workers=2, kb_dir=KB, progress=False, chunk_size=3, run_id="R1")
    assert (s.read, s.decided, s.rejected) == (12, 7, 5)
    got = (out / "decisions.jsonl").read_text().splitlines()
    # each line is the decision record with the run id as its last key
    want = [record_line(decider.check_document(load_claim_data(x)))[:-1] + ',"run_id":"R1"}'
            for x in expected_ok]
    assert got == want
    rej = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["source"].replace(str(d), ""), r["claim_id"]) for r in rej] == [
        ("/yaml/d-bad.yaml", "BAD-YAML"),
        ("/claims.jsonl:2", None),
        ("/claims.jsonl:4", "BAD-JSONL"),
        ("/claims.jsonl:5", "CLM-P-CLEAN-MCR"),
        ("/claims.csv#claim:BAD-CSV", "BAD-CSV"),
    ]
    assert rej[1]["problems"][0]["message"].startswith("not JSON")
    assert "also used by" in rej[3]["problems"][0]["message"]
    assert any(p.get("place") == "claim.lines[0].units" for p in rej[4]["problems"])
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["read"], summary["decided"], summary["rejected"]) == (12, 7, 5)
    outcomes = {k: v["count"] for k, v in summary["by"]["outcome"].items()}
    assert sum(outcomes.values()) == 7
    assert summary["by"]["denial"]["PERTUZUMAB-HER2-NOT-DOCUMENTED"] == {"count": 1, "amount": 4800.0}
    assert {"path": "HER2-STATUS-NOT-ESTABLISHED > PERTUZUMAB-HER2-NOT-DOCUMENTED", "count": 1} \
        in summary["top_why_paths"]
    # the serial run gives the same bytes
    s1 = run_audit(inputs, tmp_path / "serial", workers=1, kb_dir=KB, progress=False, run_id="R1")
    assert (s1.read, s1.decided, s1.rejected) == (12, 7, 5)
    for f in ("decisions.jsonl", "rejected.jsonl", "summary.json", "summary.csv", "summary.html"):
        assert (tmp_path / "serial" / f).read_bytes() == (out / f).read_bytes(), f
    html = (out / "summary.html").read_text()
    assert "<p class=meta>read 12: decided 7, rejected 5</p>" in html
    assert ("<tr><td>PERTUZUMAB-HER2-NOT-DOCUMENTED</td><td>HER2 status not documented for a HER2 antibody</td>"
            "<td class=num data-v='1'><a href='#k-rule-PERTUZUMAB-HER2-NOT-DOCUMENTED'>1</a></td>") in html
    assert "HER2-STATUS-NOT-ESTABLISHED &gt; PERTUZUMAB-HER2-NOT-DOCUMENTED" in html
    assert "http" not in html.split("</head>")[1]  # self-contained: no links out


def load_claim_data(data):
    from denialkb.engine.claim import validate_claim

    return validate_claim(data)


def test_dask_local_cluster_byte_identical(mixed, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    d, inputs, _ = mixed
    run_audit(inputs, tmp_path / "local", workers=2, kb_dir=KB, progress=False, chunk_size=4, run_id="R1")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        s = run_audit(inputs, tmp_path / "dask", scheduler=cluster.scheduler_address, kb_dir=KB,
                      progress=False, chunk_size=4, run_id="R1")
    assert (s.read, s.decided, s.rejected) == (12, 7, 5)
    for f in ("decisions.jsonl", "rejected.jsonl", "summary.json", "summary.csv", "summary.html"):
        assert (tmp_path / "dask" / f).read_bytes() == (tmp_path / "local" / f).read_bytes(), f


def test_cli_audit_log_show_and_replay(tmp_path):
    runner = CliRunner()
    log = tmp_path / "log.sqlite"
    lot = SMALL / "pertuzumab-jz-missing-medicare.yaml"
    res = runner.invoke(main, ["audit", str(lot), str(SMALL / "pertuzumab-clean-medicare.yaml"),
                               "--out", str(tmp_path / "o"), "--workers", "1", "--log", str(log),
                               "--store-input", "--kb", str(KB)])
    assert res.exit_code == 0, res.output
    assert "read 2 = decided 2 + rejected 0" in res.output
    cid = load_claim(lot).claim_id
    with sqlite3.connect(log) as db:
        rows = db.execute("SELECT claim_id, outcome, input_sha256, input IS NOT NULL FROM decisions"
                          " ORDER BY id").fetchall()
    assert rows == [(cid, "denied", canonical_sha256(load_claim(lot).data), 1),
                    ("CLM-P-CLEAN-MCR", "clean", canonical_sha256(
                        load_claim(SMALL / "pertuzumab-clean-medicare.yaml").data), 1)]

    res = runner.invoke(main, ["log", "show", cid, "--log", str(log)])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)
    assert shown["claim_id"] == cid and shown["outcome"] == "denied"
    assert [d["id"] for d in shown["record"]["denials"]] == ["JZ-MISSING-NO-WASTE"]

    res = runner.invoke(main, ["log", "replay", cid, "--log", str(log), "--kb", str(KB)])
    assert res.exit_code == 0, res.output
    assert "kb_version: same as logged" in res.output and "record: same" in res.output

    # a changed KB: the JZ rule no longer applies
    kb2 = tmp_path / "kb2"
    shutil.copytree(KB, kb2, ignore=shutil.ignore_patterns("__pycache__"))
    rules = kb2 / "rules" / "modifiers.yaml"
    text = rules.read_text()
    rules.write_text(text.replace("        - {fact: line.has_jz, eq: false}",
                                  "        - {fact: line.has_jz, eq: false}\n"
                                  "        - {fact: documentation.physician_order, eq: false}", 1))
    res = runner.invoke(main, ["log", "replay", cid, "--log", str(log), "--kb", str(kb2), "--json"])
    assert res.exit_code == 1, res.output
    cmp = json.loads(res.output)
    assert cmp["same_kb_version"] is False and cmp["same"] is False
    assert cmp["denials_removed"] == [{"id": "JZ-MISSING-NO-WASTE", "line": 1}]
    assert cmp["denials_added"] == []
    assert cmp["outcome"] == ["denied", "clean"]


def test_replay_needs_input_or_matching_claim_file(tmp_path):
    runner = CliRunner()
    log = tmp_path / "log.sqlite"
    clean = SMALL / "pertuzumab-clean-medicare.yaml"
    res = runner.invoke(main, ["audit", str(clean), "--out", str(tmp_path / "o"), "--workers", "1",
                               "--log", str(log)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["log", "replay", "CLM-P-CLEAN-MCR", "--log", str(log)])
    assert res.exit_code == 2 and "holds no input" in res.output
    res = runner.invoke(main, ["log", "replay", "CLM-P-CLEAN-MCR", "--log", str(log), "--claim", str(clean)])
    assert res.exit_code == 0 and "record: same" in res.output
    other = SMALL / "pertuzumab-her2-missing.yaml"
    res = runner.invoke(main, ["log", "replay", "CLM-P-CLEAN-MCR", "--log", str(log), "--claim", str(other)])
    assert res.exit_code == 2 and "is not the logged input" in res.output
    res = runner.invoke(main, ["log", "show", "NOPE", "--log", str(log)])
    assert res.exit_code == 2 and "not in the log" in res.output


def test_parquet_input(tmp_path, decider):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    names = ["pertuzumab-her2-missing.yaml", "ramucirumab-clean-medicare.yaml"]
    docs = [load_claim(SMALL / n).data for n in names]
    rows = [r for d in docs for r in document_to_rows(d)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "claims.parquet")
    s = run_audit([tmp_path / "claims.parquet"], tmp_path / "o", workers=1, kb_dir=KB, progress=False,
                  run_id="R1")
    assert (s.read, s.decided, s.rejected) == (2, 2, 0)
    assert (tmp_path / "o" / "decisions.jsonl").read_text().splitlines() == [
        record_line(decider.check_document(load_claim_data(d)))[:-1] + ',"run_id":"R1"}' for d in docs]


def test_fast_validation_agrees_with_jsonschema():
    """The compiled fast path (fastjsonschema) accepts exactly what jsonschema accepts, on the
    examples and 1,500 random mutants; validate_claim trusts it only to accept."""
    import copy
    import random

    from denialkb.engine.claim import _fast_validator, _jsonable, _validator

    fast = _fast_validator()
    assert fast is not None
    rnd = random.Random(3)
    base = [load_claim(p).data for p in sorted(EXAMPLES.glob("*.yaml"))]
    values = ["", "x", -1, 0, 3.5, None, [], {}, "2024-02-30", "2024-13-01", True, "J9306", {"zz": 1}, ["a"]]

    def mutate(d):
        d = copy.deepcopy(d)
        slots = []

        def walk(n):
            items = n.items() if isinstance(n, dict) else enumerate(n) if isinstance(n, list) else ()
            for k, v in items:
                slots.append((n, k))
                walk(v)
        walk(d)
        n, k = rnd.choice(slots)
        n[k] = rnd.choice(values)
        return d

    docs = base + [mutate(rnd.choice(base)) for _ in range(1500)]
    invalid = 0
    disagree = []
    for i, d in enumerate(docs):
        doc = _jsonable(d, (), [], "x", {})
        slow_ok = not any(True for _ in _validator().iter_errors(doc))
        fast_ok = fast(doc)
        invalid += not slow_ok
        if slow_ok != fast_ok:
            disagree.append(i)
    assert disagree == []
    assert invalid > 1000  # the mutants really exercise the invalid side

def test_count_claims_matches_read(mixed):
    from denialkb.engine.batch import count_claims

    _d, inputs, _ = mixed
    assert count_claims(inputs) == 12


def test_cached_decider_follows_kb_edits(tmp_path):
    """The in-process Decider is cached per KB directory; after the KB's files change, the next
    chunk (and the next audit in the same process) decides with the new KB, never the old one."""
    from denialkb.engine import batch

    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    data = load_claim(EXAMPLES / "pertuzumab-jz-missing-medicare.yaml").data
    item = [(0, "jz.yaml", data, None)]

    def denials():
        (r,) = batch.process_chunk(item, None, str(kb))
        assert r["status"] == "decided", r
        return [d["id"] for d in json.loads(r["record"])["denials"]], json.loads(r["record"])["kb_version"]

    before, v1 = denials()
    assert before == ["JZ-MISSING-NO-WASTE"]
    d1 = batch._decider(str(kb))
    assert batch._decider(str(kb)) is d1  # unchanged KB: the compiled engine is reused
    payer = kb / "payers" / "medicare.yaml"
    text = payer.read_text()
    assert 'jz_required_from: "2023-07-01"' in text
    payer.write_text(text.replace('jz_required_from: "2023-07-01"', 'jz_required_from: "2025-07-01"', 1))
    after, v2 = denials()
    assert after == [] and v2 != v1  # JZ not yet required on 2024-03-15 under the edited KB
    payer.write_text(text)  # and back: same version as at first
    again, v3 = denials()
    assert again == before and v3 == v1
    # a whole audit after the edit sees it too, also in worker processes forked from this one
    # (they inherit the cached Decider of the old KB)
    payer.write_text(text.replace('jz_required_from: "2023-07-01"', 'jz_required_from: "2025-07-01"', 1))
    (tmp_path / "in").mkdir()
    shutil.copy(EXAMPLES / "pertuzumab-jz-missing-medicare.yaml", tmp_path / "in")
    shutil.copy(EXAMPLES / "pertuzumab-clean-medicare.yaml", tmp_path / "in")
    run_audit([tmp_path / "in"], tmp_path / "out", workers=2, kb_dir=str(kb), progress=False, chunk_size=1)
    recs = [json.loads(ln) for ln in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    assert [(r["outcome"], r["kb_version"]) for r in recs] == [("clean", v2), ("clean", v2)]
