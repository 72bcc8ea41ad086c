"""A batch never loses a claim (issue 17 item 3; reliability-review.md §4, B1-B10 and K10).

Every bad line, byte or file is a located rejection and the accounting line is true; a
crashed worker's chunk is re-run, then claim by claim; the KB is checked before workers
start; outputs are *.partial files under a RUNNING marker until the end; SIGTERM stops the
run (exit 4) and ``--resume`` continues it without duplicating a log row.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import yaml
from click.testing import CliRunner

from denialkb.engine import batch
from denialkb.engine.batch import run_audit
from denialkb.engine.cli import main
from denialkb.engine.errors import IncompleteError, KBInvalidError

from .conftest import EXAMPLES, KB, ROOT

DOCS = [json.loads(json.dumps(yaml.safe_load(open(p)), default=str)) for p in sorted(glob.glob(str(EXAMPLES / "*.yaml")))]


def claims(n: int, tag: str = "") -> list[bytes]:
    """``n`` valid claims (the examples with unique ids), one JSON line each."""
    out = []
    for k in range(n):
        d = json.loads(json.dumps(DOCS[k % len(DOCS)]))
        d["claim"]["id"] += f"-{tag}{k}"
        out.append(json.dumps(d).encode())
    return out


def jsonl(path, lines: list[bytes]):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def audit(inputs, out, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("kb_dir", KB)
    kw.setdefault("progress", False)
    return run_audit(inputs, out, **kw)


def rejected(out):
    return [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]


# B1-B5: each a bad line 21 of 41 (reliability-review.md §4 uses line 201 of 401)
BAD_LINES = {
    "B1-huge-integer": (b'{"claim": {"id": "BIG", "units": ' + b"9" * 5000 + b"}}", "digits"),
    "B2-deep-brackets": (b"[" * 100000 + b"]" * 100000, "nested deeper than"),
    "B3-deep-value": (json.dumps({"claim": {"id": "D"}, "x": json.loads("[" * 900 + "]" * 900)}).encode(),
                      "nested deeper than"),
    "B4-lone-surrogate-id": (b'{"claim": {"id": "S\\ud800"}}', ""),
    "B5-cp1252-byte": (b'{"claim": {"id": "CP1252-\x96"}}', "not UTF-8 (byte 0x96 at column 26)"),
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
@pytest.mark.parametrize("workers", [1, 2])
def test_one_bad_line_is_one_located_rejection(tmp_path, name, workers):
    if workers == 2 and name not in ("B3-deep-value", "B4-lone-surrogate-id"):
        pytest.skip("the worker count matters for what is pickled to workers (B3, B4)")
    bad, message = BAD_LINES[name]
    lines = claims(40)
    lines.insert(20, bad)
    src = jsonl(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    s = audit([src], out, workers=workers)
    assert (s.read, s.decided, s.rejected) == (41, 40, 1)
    (r,) = rejected(out)
    assert r["source"] == f"{src}:21"
    assert r["problems"][0]["file"] == str(src) and r["problems"][0]["line"] == 21
    assert message in r["problems"][0]["message"]
    assert len((out / "decisions.jsonl").read_text().splitlines()) == 40
    assert json.loads((out / "summary.json").read_text())["read"] == 41


def test_valid_claim_with_a_lone_surrogate_is_rejected_not_fatal(tmp_path):
    d = json.loads(claims(1)[0])
    d["patient"]["id"] = "P-\ud800"
    src = jsonl(tmp_path / "s.jsonl", claims(3) + [json.dumps(d).encode()])
    s = audit([src], tmp_path / "out")
    assert (s.read, s.decided, s.rejected) == (4, 3, 1)
    assert rejected(tmp_path / "out")[0]["source"] == f"{src}:4"


def test_bad_files_in_a_folder_cost_only_themselves(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        shutil.copy(EXAMPLES / sorted(p for p in os.listdir(EXAMPLES) if p.endswith(".yaml"))[i], folder / f"{i}.yaml")
    (folder / "big.json").write_text('{"claim": {"id": "X", "n": ' + "9" * 5000 + "}}")
    (folder / "cp1252.yaml").write_bytes(b"claim:\n  id: CP-\x96\n")
    (folder / "binary.csv").write_bytes(b"claim_id,code\nA,J9306\x00\n")
    s = audit([folder], tmp_path / "out")
    assert s.read == s.decided + s.rejected
    assert s.decided == 3
    srcs = sorted(r["source"] for r in rejected(tmp_path / "out"))
    assert any(x.endswith("big.json") for x in srcs) and any("cp1252.yaml" in x for x in srcs)
    assert any("binary.csv" in x for x in srcs)


def test_csv_with_a_bad_byte_rejects_only_that_claim(tmp_path):
    import csv as _csv

    from denialkb.engine.batch import FLAT_COLUMNS, document_to_rows

    rows = [document_to_rows(json.loads(x)) for x in claims(3)]
    rows[1][0]["place_of_service"] = "11\udc96"  # written as the raw byte 0x96 (cp1252 en dash)
    path = tmp_path / "c.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
        w = _csv.DictWriter(f, fieldnames=FLAT_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerows(r)
    bad_line = 2 + len(rows[0])  # header, then claim 1's rows
    assert b"\x96" in path.read_bytes().splitlines()[bad_line - 1]
    s = audit([path], tmp_path / "out")
    assert (s.read, s.decided, s.rejected) == (3, 2, 1)
    (r,) = rejected(tmp_path / "out")
    assert r["problems"][0]["message"] == "not UTF-8" and r["problems"][0]["line"] == bad_line


def test_audit_skips_its_own_output_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "pertuzumab-clean-medicare.yaml", folder / "a.yaml")
    for _ in range(2):
        s = audit([folder], folder / "out")
        assert (s.read, s.decided, s.rejected) == (1, 1, 0)


@pytest.mark.parametrize("defect", ["yaml-syntax", "no-rules-folder"])
def test_broken_kb_is_refused_before_workers_start(tmp_path, defect):
    """K10 (and K1): a broken KB, or one that lints with errors, with --workers 2 is exit 2 with
    the located messages, nothing written."""
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    if defect == "yaml-syntax":
        (kb / "rules" / "zz.yaml").write_text("rules: [\n")
    else:
        shutil.rmtree(kb / "rules")
    src = jsonl(tmp_path / "a.jsonl", claims(4))
    with pytest.raises(KBInvalidError):
        audit([src], tmp_path / "out", workers=2, kb_dir=kb)
    assert not (tmp_path / "out").exists()
    res = CliRunner().invoke(main, ["audit", str(src), "--out", str(tmp_path / "o2"), "--workers", "2",
                                    "--kb", str(kb)])
    assert res.exit_code == 2, res.output
    assert ("kb/rules/zz.yaml" if defect == "yaml-syntax" else "nothing was decided") in res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert not (tmp_path / "o2").exists()


POISON = "POISON"


def crashing_chunk(chunk, *args):
    """process_chunk, except that a worker handed the POISON claim dies on the spot."""
    if any(isinstance(d, dict) and POISON in str(d.get("claim", {}).get("id")) for _, _, d, _ in chunk):
        os._exit(1)
    return batch._REAL_PROCESS_CHUNK(chunk, *args)


@pytest.mark.skipif(sys.platform != "linux", reason="the crashing worker is inherited through fork")
def test_crashed_worker_chunk_is_rerun_then_claim_by_claim(tmp_path, monkeypatch):
    """B6: a worker that dies takes no claim with it; the claim that kills it is rejected alone."""
    monkeypatch.setattr(batch, "_REAL_PROCESS_CHUNK", batch.process_chunk, raising=False)
    monkeypatch.setattr(batch, "process_chunk", crashing_chunk)
    lines = claims(60)
    poison = json.loads(lines[30])
    poison["claim"]["id"] = POISON
    lines[30] = json.dumps(poison).encode()
    src = jsonl(tmp_path / "p.jsonl", lines)
    s = audit([src], tmp_path / "out", workers=2, chunk_size=8, run_id="W")
    assert (s.read, s.decided, s.rejected) == (60, 59, 1)
    (r,) = rejected(tmp_path / "out")
    assert r["source"] == f"{src}:31" and r["problems"][0]["code"] == "worker_crashed"
    ids = [json.loads(x)["claim_id"] for x in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    assert ids == [json.loads(x)["claim"]["id"] for i, x in enumerate(lines) if i != 30]  # in input order


def test_outputs_are_partial_under_a_running_marker_until_the_end(tmp_path, monkeypatch):
    """B7/B8: a run that stops (here: the disk fills up) leaves RUNNING and *.partial files,
    no stale summary, and exit 4 with a message; --resume then finishes it."""
    out = tmp_path / "out"
    old = audit([jsonl(tmp_path / "old.jsonl", claims(2, "old"))], out)
    assert old.read == 2 and (out / "summary.json").exists()
    real = batch._Run.commit
    calls = {"n": 0}

    def commit(self, results):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.out / "decisions.jsonl.partial"))
        return real(self, results)

    monkeypatch.setattr(batch._Run, "commit", commit)
    src = jsonl(tmp_path / "a.jsonl", claims(40))
    with pytest.raises(IncompleteError) as e:
        audit([src], out, chunk_size=8, log_path=tmp_path / "l.sqlite")
    assert e.value.exit_code == 4 and "no space left on device" in e.value.format()
    names = sorted(p.name for p in out.iterdir())
    assert names == ["RUNNING", "decisions.jsonl.partial", "denials.csv.partial", "lines.csv.partial",
                     "progress.jsonl.partial", "rejected.jsonl.partial"]
    marker = json.loads((out / "RUNNING").read_text())
    assert len((out / "decisions.jsonl.partial").read_text().splitlines()) == 16
    monkeypatch.setattr(batch._Run, "commit", real)
    s = audit([src], out, chunk_size=8, resume=True)
    assert (s.read, s.decided, s.rejected, s.run_id) == (40, 40, 0, marker["run_id"])
    assert not (out / "RUNNING").exists()
    with sqlite3.connect(tmp_path / "l.sqlite") as db:
        rows = db.execute("SELECT run_id, seq, claim_id FROM decisions ORDER BY seq").fetchall()
    assert [r[1] for r in rows] == list(range(40)) and {r[0] for r in rows} == {marker["run_id"]}
    # the resumed run's outputs, workpaper tables and impact included, are those of one straight run
    straight = audit([src], tmp_path / "straight", chunk_size=8, run_id=marker["run_id"],
                     run_date=marker["run_date"])
    assert straight.decided == 40
    for f in ("decisions.jsonl", "summary.json", "summary.csv", "summary.html", "denials.csv", "lines.csv"):
        assert (out / f).read_bytes() == (tmp_path / "straight" / f).read_bytes(), f
    assert len((out / "denials.csv").read_text().splitlines()) > 16  # denials before and after the stop
    assert json.loads((out / "summary.json").read_text())["impact"]["total"]["claims"] == 40


def test_disk_full_through_the_cli_is_exit_4(tmp_path, monkeypatch):
    def commit(self, results):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch._Run, "commit", commit)
    src = jsonl(tmp_path / "a.jsonl", claims(3))
    res = CliRunner().invoke(main, ["audit", str(src), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 4, res.output
    assert "no space left on device" in res.stderr and "--resume" in res.stderr and "Traceback" not in res.stderr


def test_locked_log_stops_the_audit_with_exit_4(tmp_path, monkeypatch):
    from denialkb.engine import decision_log

    log = tmp_path / "l.sqlite"
    decision_log.DecisionLog(log).close()
    monkeypatch.setattr(decision_log, "LOCK_TIMEOUT", 0.2)
    holder = sqlite3.connect(log, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = CliRunner().invoke(main, ["audit", str(jsonl(tmp_path / "a.jsonl", claims(3))), "--out",
                                        str(tmp_path / "o"), "--workers", "1", "--log", str(log)])
    finally:
        holder.rollback()
        holder.close()
    assert res.exit_code == 4, res.output
    assert "locked by another process" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o" / "RUNNING").exists()  # stopped before anything was decided


def test_resume_refuses_other_inputs_and_a_finished_run(tmp_path):
    src = jsonl(tmp_path / "a.jsonl", claims(3))
    res = CliRunner().invoke(main, ["audit", str(src), "--out", str(tmp_path / "o"), "--workers", "1",
                                    "--resume"])
    assert res.exit_code == 2 and "no interrupted run here" in res.stderr
    (tmp_path / "o").mkdir(exist_ok=True)
    (tmp_path / "o" / "RUNNING").write_text(json.dumps({"run_id": "X", "inputs": ["/elsewhere.jsonl"]}))
    res = CliRunner().invoke(main, ["audit", str(src), "--out", str(tmp_path / "o"), "--workers", "1",
                                    "--resume"])
    assert res.exit_code == 2 and "the inputs differ" in res.stderr


def test_rerun_over_an_interrupted_run_replaces_its_log_rows(tmp_path, monkeypatch):
    out, log = tmp_path / "out", tmp_path / "l.sqlite"
    src = jsonl(tmp_path / "a.jsonl", claims(24))
    real = batch._Run.commit
    calls = {"n": 0}

    def commit(self, results):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, results)

    monkeypatch.setattr(batch._Run, "commit", commit)
    with pytest.raises(IncompleteError):
        audit([src], out, chunk_size=8, log_path=log)
    monkeypatch.setattr(batch._Run, "commit", real)
    s = audit([src], out, chunk_size=8, log_path=log)  # not --resume: a new run
    with sqlite3.connect(log) as db:
        rows = db.execute("SELECT run_id, count(*) FROM decisions GROUP BY run_id").fetchall()
    assert rows == [(s.run_id, 24)]


def test_old_log_gets_run_columns(tmp_path):
    log = tmp_path / "old.sqlite"
    with sqlite3.connect(log) as db:
        db.executescript("""CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, claim_id TEXT NOT NULL,
            kb_version TEXT NOT NULL, decided_at TEXT NOT NULL, outcome TEXT NOT NULL, as_of TEXT,
            record TEXT NOT NULL, input_sha256 TEXT NOT NULL, input TEXT);
            INSERT INTO decisions (claim_id, kb_version, decided_at, outcome, record, input_sha256)
            VALUES ('OLD', 'v', 't', 'clean', '{}', 'h');""")
    s = audit([jsonl(tmp_path / "a.jsonl", claims(2))], tmp_path / "o", log_path=log)
    with sqlite3.connect(log) as db:
        rows = db.execute("SELECT claim_id, run_id, seq FROM decisions ORDER BY id").fetchall()
    assert rows[0] == ("OLD", None, None) and [r[1:] for r in rows[1:]] == [(s.run_id, 0), (s.run_id, 1)]


def test_run_id_in_every_output(tmp_path):
    src = jsonl(tmp_path / "a.jsonl", claims(2) + [b"{bad"])
    s = audit([src], tmp_path / "o", run_id="RUN-7")
    o = tmp_path / "o"
    assert all(json.loads(x)["run_id"] == "RUN-7" for x in (o / "decisions.jsonl").read_text().splitlines())
    assert rejected(o)[0]["run_id"] == "RUN-7"
    assert json.loads((o / "summary.json").read_text())["run_id"] == "RUN-7"
    assert "run,id,RUN-7," in (o / "summary.csv").read_text()
    assert "run RUN-7" in (o / "summary.html").read_text()
    assert s.run_id == "RUN-7"


# --------------------------------------------------------------------------- the done-when test

def _children(pid: int) -> list[int]:
    try:
        text = open(f"/proc/{pid}/task/{pid}/children").read()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _lines(path) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def _wait_for(cond, timeout, what):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="finds the workers through /proc")
def test_big_audit_survives_a_killed_worker_and_sigterm_then_resumes(tmp_path):
    """Issue 17 done-when: 2,000+ claims with bad lines, a worker SIGKILLed, the parent
    SIGTERMed, then --resume: decided + rejected = read and no log row twice."""
    lines = claims(2016)
    bad = [b"{truncated", b"[1, 2]", b"null", b"{}", b'{"claim": {"id": "BIG", "n": ' + b"9" * 5000 + b"}}",
           b"[" * 5000 + b"]" * 5000, b'{"claim": {"id": "CP-\x96"}}', b'{"claim": {"id": "S\\ud800"}}']
    for i, b in enumerate(bad * 3):  # 24 bad lines spread over the file
        lines.insert(40 + i * 83, b)
    src = jsonl(tmp_path / "mixed.jsonl", lines)
    total = len(lines)
    out, log = tmp_path / "out", tmp_path / "log.sqlite"
    cmd = [sys.executable, "-m", "denialkb.engine.cli", "audit", str(src), "--out", str(out), "--workers", "2",
           "--log", str(log), "--kb", str(KB), "--no-progress"]
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        part = out / "decisions.jsonl.partial"
        _wait_for(lambda: _lines(part) >= 200, 240, "200 decisions")
        workers = _children(p.pid)
        assert len(workers) >= 2, workers
        os.kill(workers[0], signal.SIGKILL)  # B6: a worker dies mid-run
        _wait_for(lambda: _lines(part) >= 700, 240, "700 decisions")
        os.kill(p.pid, signal.SIGTERM)  # B7: the parent is asked to stop
        stdout, stderr = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 4, stderr
    assert "stopped by SIGTERM" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert (out / "RUNNING").exists() and not (out / "summary.json").exists()
    for w in workers:  # no orphan workers
        _wait_for(lambda w=w: not os.path.exists(f"/proc/{w}") or
                  open(f"/proc/{w}/stat").read().split()[2] == "Z", 30, f"worker {w} to stop")
    run_id = json.loads((out / "RUNNING").read_text())["run_id"]

    r = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr  # completed, some claims rejected
    summary = json.loads((out / "summary.json").read_text())
    assert summary["read"] == total == summary["decided"] + summary["rejected"]
    assert summary["rejected"] == 24 and summary["run_id"] == run_id
    assert f"read {total} = decided {total - 24} + rejected 24" in r.stdout
    dec = [json.loads(x) for x in (out / "decisions.jsonl").read_text().splitlines()]
    rej = rejected(out)
    assert len(dec) == total - 24 and len(rej) == 24
    assert len({d["claim_id"] for d in dec}) == len(dec)  # no claim decided twice
    assert sorted(int(x["source"].rsplit(":", 1)[1]) for x in rej) == sorted(
        i + 1 for i, x in enumerate(lines) if x in bad)
    with sqlite3.connect(log) as db:
        rows = db.execute("SELECT run_id, seq, claim_id FROM decisions").fetchall()
    assert len(rows) == len(dec) == len(set(rows)) == len({r[1] for r in rows})  # no duplicate row
    assert {r[0] for r in rows} == {run_id}
    assert sorted(r[2] for r in rows) == sorted(d["claim_id"] for d in dec)
    assert not (out / "RUNNING").exists() and not list(out.glob("*.partial"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux")
def test_sigkill_of_the_parent_leaves_no_orphans_and_resumes(tmp_path):
    """B7: SIGKILL cannot be caught, yet the workers die with the parent, the partial outputs
    are recognisable (RUNNING), and --resume completes them with no duplicate log row."""
    src = jsonl(tmp_path / "k.jsonl", claims(200, "k") + [b"{bad"])
    out, log = tmp_path / "out", tmp_path / "log.sqlite"
    cmd = [sys.executable, "-m", "denialkb.engine.cli", "audit", str(src), "--out", str(out), "--workers", "2",
           "--log", str(log), "--kb", str(KB), "--no-progress"]
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _lines(out / "decisions.jsonl.partial") >= 64, 240, "the first chunk")
        workers = _children(p.pid)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert workers
    for w in workers:
        _wait_for(lambda w=w: not os.path.exists(f"/proc/{w}") or
                  open(f"/proc/{w}/stat").read().split()[2] == "Z", 30, f"worker {w} to die with its parent")
    assert (out / "RUNNING").exists() and not (out / "decisions.jsonl").exists()
    r = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr
    assert "read 201 = decided 200 + rejected 1" in r.stdout
    with sqlite3.connect(log) as db:
        seqs = [s for (s,) in db.execute("SELECT seq FROM decisions ORDER BY seq")]
    decided_seqs = [i for i in range(201) if i != 200]
    assert seqs == decided_seqs
    assert len((out / "decisions.jsonl").read_text().splitlines()) == 200
