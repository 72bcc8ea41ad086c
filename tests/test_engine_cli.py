"""`--engine direct` through the CLI: `check` and `audit` decide byte-identical records
(apart from the record's "engine" member, which names the engine that decided)."""

import json
import sys

from .conftest import EXAMPLES, ROOT, run_cli


def _dump(records) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def test_check_json_same_records_with_both_engines():
    from importlib.metadata import version

    files = sorted(EXAMPLES.glob("*.yaml"))
    a = run_cli("check", "--format", "json", *files)
    b = run_cli("check", "--format", "json", "--engine", "direct", *files)
    assert a.returncode == b.returncode == 1, a.stderr + b.stderr
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    assert len(ra) == len(files) and _dump(ra) == a.stdout and _dump(rb) == b.stdout
    for x, y in zip(ra, rb, strict=True):
        assert x["engine"] == {"name": "experta", "version": "1.9.4"}
        assert y["engine"] == {"name": "direct", "version": version("denialkb")}
        y["engine"] = x["engine"]
    assert _dump(rb) == a.stdout


def test_audit_same_decisions_with_both_engines(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _common import generate_claims
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    jl = tmp_path / "claims.jsonl"
    jl.write_text("".join(json.dumps(d) + "\n" for d in generate_claims(300)))
    outs = {}
    for engine in ("experta", "direct"):
        r = run_cli("audit", jl, "--out", tmp_path / engine, "--workers", "1", "--engine", engine, "--run-id", "R1")
        assert r.returncode == 0, r.stderr
        outs[engine] = (tmp_path / engine / "decisions.jsonl").read_text().splitlines()
    assert len(outs["experta"]) == 300
    for a, b in zip(outs["experta"], outs["direct"], strict=True):
        ra, rb = json.loads(a), json.loads(b)
        assert ra["engine"]["name"] == "experta" and rb["engine"]["name"] == "direct"
        rb["engine"] = ra["engine"]
        assert json.dumps(ra) == json.dumps(rb)
    assert (tmp_path / "experta" / "summary.json").read_text() == (tmp_path / "direct" / "summary.json").read_text()


def test_unknown_engine_is_refused_with_exit_2():
    r = run_cli("check", "--engine", "clips", EXAMPLES / "pertuzumab-her2-missing.yaml")
    assert r.returncode == 2 and "clips" in r.stderr
