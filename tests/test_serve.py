"""denialkb serve (issue 19): the HTTP API with the framework's test client.

Every endpoint answers exactly what the matching command prints with ``--format json`` (the
same library call behind both), for every input format; bad input is 400 with the located
problems the CLI prints; the size limit, the time limit, the token, the host refusal and
the decision log are each exercised, and concurrent requests give byte-identical records.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import EXAMPLES, KB, ROOT

pytest.importorskip("fastapi")
# starlette 1.x prefers the httpx2 fork for its test client; httpx works (a deprecation warning)
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
import warnings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from denialkb.engine.cli import main  # noqa: E402
from denialkb.engine.serve import create_app  # noqa: E402
from denialkb.engine.serve.app import openapi_text  # noqa: E402

FORMATS = ROOT / "tests" / "data" / "formats"
STEM = "pertuzumab-jz-missing-medicare"
YAML_FILE = EXAMPLES / f"{STEM}.yaml"
# the earlier single-drug form of the example: small (under the 4 KB test limit), line 2 is its 96413
SMALL_YAML = ROOT / "tests" / "data" / "small_examples" / f"{STEM}.yaml"
X12_FILE = FORMATS / "examples" / f"{STEM}.837p.txt"
X12I_FILE = FORMATS / "examples" / f"{STEM}.837i.txt"
FHIR_FILE = FORMATS / "examples" / f"{STEM}.fhir.json"
CLINICAL = FORMATS / "examples" / f"{STEM}.clinical.yaml"
MULTI_X12 = FORMATS / "multi_837p.txt"


@pytest.fixture(scope="module")
def app(kb):
    return create_app(kb, examples_dir=EXAMPLES)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def cli(*args) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    r = CliRunner().invoke(main, [*args, "--kb", str(KB)] if args[0] != "paths" else [*args, "--kb", str(KB)])
    return r.exit_code, r.stdout, r.stderr


def json_input(path: Path) -> bytes:
    """The example claim document as JSON (the JSON form of the same document)."""
    return json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str).encode()


# --------------------------------------------------------------------------- endpoints = CLI

def test_health_and_kb(client, kb):
    h = client.get("/health").json()
    assert h == {"status": "ok", "kb_version": kb.version, "engine": "experta"}
    info = client.get("/v1/kb").json()
    assert info["version"] == kb.version
    assert [r["id"] for r in info["rules"]] == [r.id for r in kb.rules]
    assert {"line.units", "line.modifiers"} <= {f["name"] for f in info["facts"]}
    assert set(info["payers"]) == set(kb.payers)


@pytest.mark.parametrize("kind", ["yaml", "json", "x12-837p", "x12-837i", "fhir"])
def test_check_every_format_is_the_cli_record(client, kind, tmp_path):
    if kind == "yaml":
        body, files, cli_args = YAML_FILE.read_bytes(), None, [str(YAML_FILE)]
    elif kind == "json":
        p = tmp_path / "claim.json"
        p.write_bytes(json_input(YAML_FILE))
        body, files, cli_args = p.read_bytes(), None, [str(p)]
    else:
        src = {"x12-837p": X12_FILE, "x12-837i": X12I_FILE, "fhir": FHIR_FILE}[kind]
        body = None
        files = {"claim": (src.name, src.read_bytes()), "clinical": (CLINICAL.name, CLINICAL.read_bytes())}
        cli_args = [str(src), "--clinical", str(CLINICAL), "--payer", "medicare"]
    if files:
        r = client.post("/v1/check", files=files, data={"payer": "medicare"})
    else:
        r = client.post("/v1/check", content=body, headers={"content-type": "application/yaml"})
    code, out, _ = cli("check", "--format", "json", *cli_args)
    assert code == 1 and r.status_code == 200
    assert r.text == out  # byte-identical to denialkb check --format json
    rec = r.json()
    assert rec["outcome"] == "denied" and r.headers["x-denialkb-outcome"] == "denied"
    assert [(d["id"], d["line"], d["group"], d["carc"]) for d in rec["denials"]] == [("JZ-MISSING-NO-WASTE", 1, "CO", "4")]


def test_curl_data_binary_is_a_raw_body(client):
    """curl --data-binary sends application/x-www-form-urlencoded: still the input itself."""
    r = client.post("/v1/check", content=YAML_FILE.read_bytes(),
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.json()["claim_id"] == "CLM-P-NO-JZ"


@pytest.mark.slow
def test_several_claims_give_an_array_and_queries_need_claim_id(client):
    body = MULTI_X12.read_bytes()
    r = client.post("/v1/check", files={"claim": (MULTI_X12.name, body)})  # named as the CLI names it
    code, out, _ = cli("check", "--format", "json", str(MULTI_X12))
    assert r.status_code == 200 and r.text == out
    records = r.json()
    assert isinstance(records, list) and len(records) > 1
    assert "x-denialkb-outcome" not in r.headers
    r = client.post("/v1/why", content=body)
    assert r.status_code == 400 and "claim_id" in r.json()["problems"][0]["hint"]
    cid = records[1]["claim_id"]
    r = client.post("/v1/why", content=body, params={"claim_id": cid})
    assert r.status_code == 200 and r.json()["claim_id"] == cid


@pytest.mark.slow
def test_why_why_not_what_if_fix_paths_are_the_cli_answers(client):
    body = YAML_FILE.read_bytes()
    f = str(YAML_FILE)
    cases = [
        ("/v1/why", {}, ["why", f, "--format", "json"]),
        ("/v1/why", {"denial": "JZ-MISSING-NO-WASTE"}, ["why", f, "--denial", "JZ-MISSING-NO-WASTE", "--format", "json"]),
        ("/v1/why-not", {"target": "UNITS-EXCEED-DOCUMENTED-DOSE"},
         ["why-not", f, "UNITS-EXCEED-DOCUMENTED-DOSE", "--format", "json"]),
        ("/v1/what-if", {"set": ["claim.lines[0].modifiers=[JZ]"]},
         ["what-if", f, "--set", "claim.lines[0].modifiers=[JZ]", "--format", "json"]),
        ("/v1/what-if", {"set": ["claim.lines[0].units=840"], "unset": ["documentation.lot_number"]},
         ["what-if", f, "--set", "claim.lines[0].units=840", "--unset", "documentation.lot_number", "--format", "json"]),
        ("/v1/fix", {}, ["fix", f, "--format", "json"]),
        ("/v1/why", {"as_of": "2023-01-01"}, ["why", f, "--as-of", "2023-01-01", "--format", "json"]),
    ]
    for path, params, args in cases:
        r = client.post(path, content=body, params=params)
        code, out, err = cli(*args)
        assert (r.status_code, code) == (200, 0), (path, params, r.text[:300], err)
        assert r.text == out, (path, params)
    wi = client.post("/v1/what-if", content=body, params={"set": "claim.lines[0].modifiers=[JZ]"}).json()
    assert (wi["outcome_before"], wi["outcome_after"]) == ("denied", "clean")
    assert [d["id"] for d in wi["removed"]] == ["JZ-MISSING-NO-WASTE"]
    r = client.post("/v1/paths", params={"target": "JZ-MISSING-NO-WASTE"})
    code, out, _ = cli("paths", "JZ-MISSING-NO-WASTE", "--format", "json")
    assert r.status_code == 200 and r.text == out and r.json()["paths"]
    r = client.post("/v1/paths", params={"target": "4", "payer": "medicare"})
    code, out, _ = cli("paths", "4", "--payer", "medicare", "--format", "json")
    assert code == 0 and r.text == out and r.json()["paths"]


def test_options_as_multipart_fields(client):
    r = client.post("/v1/what-if", files={"claim": ("c.yaml", YAML_FILE.read_bytes())},
                    data={"set": "claim.lines[0].modifiers=[JZ]"})
    assert r.status_code == 200 and r.json()["outcome_after"] == "clean"


def test_graph_svg(client):
    body = YAML_FILE.read_bytes()
    r = client.post("/v1/graph", content=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    node = "rule__JZ&#45;MISSING&#45;NO&#45;WASTE"  # graphviz writes '-' as &#45;
    assert r.text.startswith("<svg") and node in r.text
    focused = client.post("/v1/graph", content=body, params={"denial": "JZ-MISSING-NO-WASTE"})
    assert focused.status_code == 200 and node in focused.text and len(focused.text) < len(r.text) / 5
    r = client.post("/v1/graph", content=body, params={"denial": "JZ-MISSING-NO-WAST"})
    assert r.status_code == 400
    assert r.json()["problems"][0]["hint"] == "did you mean 'JZ-MISSING-NO-WASTE'?"


def test_openapi_is_published_and_current():
    doc = ROOT / "docs" / "openapi.json"
    assert doc.read_text(encoding="utf-8") == openapi_text(), \
        "docs/openapi.json is stale: .venv/bin/denialkb serve --openapi > docs/openapi.json"
    paths = json.loads(doc.read_text())["paths"]
    assert {"/v1/check", "/v1/why", "/v1/why-not", "/v1/what-if", "/v1/fix", "/v1/paths", "/v1/graph", "/v1/kb",
            "/health"} <= set(paths)
    assert "multipart/form-data" in paths["/v1/check"]["post"]["requestBody"]["content"]


# --------------------------------------------------------------------------- bad input

def _cli_problems(path: Path, *extra) -> list:
    code, _, err = cli("check", "--format", "json", str(path), *extra)
    assert code == 2
    return json.loads(err)["problems"]


def _as_body(problems, name: str) -> list:
    return [{**p, "file": "<body>"} if p.get("file") == name else p for p in problems]


def test_bad_yaml_is_400_with_the_cli_problems(client, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("claim:\n  id: 3\n  payer: medicare\n  lines: x\n  diagnoses: [C50.911]\n", encoding="utf-8")
    r = client.post("/v1/check", content=bad.read_bytes())
    assert r.status_code == 400
    got = r.json()
    assert got["error"] == "ClaimInvalidError" and got["summary"].endswith("nothing was decided")
    assert got["problems"] == _as_body(_cli_problems(bad), str(bad))
    assert {(p["place"], p["line"]) for p in got["problems"]} >= {("claim.id", 2), ("claim.lines", 4)}


def test_unparsable_yaml_and_empty_body(client):
    r = client.post("/v1/check", content=b"claim: [unclosed\n  id: x\n")
    p = r.json()["problems"][0]
    assert r.status_code == 400 and p["file"] == "<body>" and p["line"] >= 1
    r = client.post("/v1/check", content=b"")
    assert r.status_code == 400 and r.json()["error"] == "UsageError"


def test_bad_x12_is_400_located(client):
    src = ROOT / "tests" / "data" / "third_party" / "ims_x12_bad_first_line.txt"
    r = client.post("/v1/check", files={"claim": (src.name, src.read_bytes())})
    assert r.status_code == 400
    assert r.json()["problems"] == _cli_problems(src)  # the upload keeps its file name
    assert r.text == cli("check", "--format", "json", str(src))[2]  # the very text the CLI prints
    assert r.json()["problems"][0]["line"] == 1


def test_bad_options_are_400_without_values(client):
    body = YAML_FILE.read_bytes()
    r = client.post("/v1/why-not", content=body)
    assert r.status_code == 400 and r.json()["problems"][0]["place"] == "query.target"
    r = client.post("/v1/check", content=body, params={"as_of": "P-0001-secret"})
    assert r.status_code == 400 and "P-0001-secret" not in r.text
    r = client.post("/v1/what-if", content=body, params={"set": "claim.lines[9].units=3"})
    assert r.status_code == 400 and r.json()["problems"][0]["place"] == "claim.lines[9].units"
    r = client.post("/v1/check", content=body, params={"payer": "medicar"})
    assert r.status_code == 400 and r.json()["problems"][0]["hint"] == "did you mean 'medicare'?"
    r = client.post("/v1/graph", content=body, params={"full": "perhaps"})
    assert r.status_code == 400 and "perhaps" not in r.text


def test_no_temporary_path_leaks(client):
    r = client.post("/v1/check", files={"claim": ("x.json", b'{"resourceType": "Bundle", "type": "collection"}')})
    assert r.status_code == 400
    assert "denialkb-serve-" not in r.text and "denialkb-input" not in r.text and "/tmp" not in r.text


def test_converter_warnings_name_the_upload(client):
    r = client.post("/v1/check", files={"claim": (FHIR_FILE.name, FHIR_FILE.read_bytes()),
                                        "clinical": (CLINICAL.name, CLINICAL.read_bytes())})
    warnings = r.json()["warnings"]
    assert warnings and "denialkb-input" not in r.text and "denialkb-clinical" not in r.text


# --------------------------------------------------------------------------- limits, token, host

def test_size_limit_413(kb):
    app = create_app(kb, max_body=4096)
    with TestClient(app) as c:
        small = c.post("/v1/check", content=SMALL_YAML.read_bytes())
        assert small.status_code == 200
        big = SMALL_YAML.read_bytes() + b"\n# " + b"x" * 5000 + b"\n"
        r = c.post("/v1/check", content=big)
        assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge"

        def chunks():  # no Content-Length: counted while read
            for _ in range(10):
                yield b"#" * 1000 + b"\n"
        r = c.post("/v1/check", content=chunks())
        assert r.status_code == 413


def test_time_limits_504_and_503(kb):
    app = create_app(kb, timeout=0.5)
    svc = app.state.service
    with TestClient(app) as c:
        real = svc.fix

        def slow_fix(*a, **kw):
            time.sleep(2.0)
            return real(*a, **kw)
        svc.fix = slow_fix
        try:
            t = time.monotonic()
            r = c.post("/v1/fix", content=YAML_FILE.read_bytes())
            assert r.status_code == 504 and r.json()["error"] == "GatewayTimeout"
            assert time.monotonic() - t < 1.8  # answered at the limit (+ grace), not when the work ended
        finally:
            svc.fix = real
        time.sleep(1.5)  # let the abandoned work finish
        with svc.lock:  # the engine is busy with someone else's request for longer than the limit
            r = c.post("/v1/check", content=YAML_FILE.read_bytes())
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        app.state.timeout = 60.0  # a real decision on a loaded machine may take longer than 0.5 s
        assert c.post("/v1/check", content=YAML_FILE.read_bytes()).status_code == 200


TOKEN = "s3cret-token-0123456789abcdef"


def test_token_missing_wrong_right(kb):
    app = create_app(kb, token=TOKEN)
    with TestClient(app) as c:
        for path in ("/health", "/v1/kb"):
            assert c.get(path).status_code == 401
            assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get(path, headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
            assert c.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        r = c.post("/v1/check", content=YAML_FILE.read_bytes())
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        r = c.post("/v1/check", content=YAML_FILE.read_bytes(), headers={"Authorization": f"bearer {TOKEN}"})
        assert r.status_code == 200
        # the workbench: redirected to the login form, which sets the cookie
        r = c.get("/ui", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/login"
        assert c.get("/ui/login").status_code == 200
        assert c.get("/static/workbench.css").status_code == 200  # the login form's stylesheet
        assert c.post("/ui/login", data={"token": "nope"}, follow_redirects=False).status_code == 401
        r = c.post("/ui/login", data={"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        assert "samesite=strict" in r.headers["set-cookie"].lower()
        assert c.get("/ui").status_code == 200  # the cookie now carries the token
        c.cookies.clear()
        assert c.get("/v1/kb").status_code == 401


def test_host_check_refuses_other_host_names(kb):
    app = create_app(kb, allowed_hosts=["127.0.0.1", "localhost", "::1"])
    with TestClient(app, base_url="http://127.0.0.1:8080") as c:
        assert c.get("/health").status_code == 200
        assert c.get("/health", headers={"host": "localhost:8080"}).status_code == 200
        assert c.get("/health", headers={"host": "[::1]:8080"}).status_code == 200
        assert c.get("/health", headers={"host": "attacker.example:8080"}).status_code == 421


def test_cross_site_post_is_refused(client):
    r = client.post("/ui/decide", data={"claim_text": "x"}, headers={"origin": "http://attacker.example"})
    assert r.status_code == 403
    r = client.post("/v1/check", content=YAML_FILE.read_bytes(), headers={"origin": "http://testserver"})
    assert r.status_code == 200


def test_serve_refuses_a_public_host_without_token(tmp_path):
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--kb", str(KB)])
    assert r.exit_code == 2 and "--token-file" in r.stderr
    short = tmp_path / "short"
    short.write_text("abc\n")
    short.chmod(0o600)
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token-file", str(short), "--kb", str(KB)])
    assert r.exit_code == 2 and "usable token" in r.stderr
    loose = tmp_path / "loose"
    loose.write_text(TOKEN + "\n")
    loose.chmod(0o644)
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token-file", str(loose), "--kb", str(KB)])
    assert r.exit_code == 2 and "readable by other users" in r.stderr
    r = CliRunner().invoke(main, ["serve", "--kb", str(tmp_path / "no-kb")])  # nothing served from a bad KB
    assert r.exit_code == 2 and "knowledge base invalid" in r.stderr
    r = CliRunner().invoke(main, ["serve", "--openapi"])
    assert r.exit_code == 0 and r.stdout == openapi_text()


def test_read_token_accepts_a_private_file(tmp_path):
    from denialkb.engine.cli.serve import read_token

    f = tmp_path / "tok"
    f.write_text(f"  {TOKEN}\n")
    f.chmod(0o600)
    assert read_token(f) == TOKEN


# --------------------------------------------------------------------------- logs, errors, determinism

def test_access_log_has_no_query_body_or_patient_data(client, caplog):
    body = YAML_FILE.read_bytes()
    with caplog.at_level(logging.INFO, logger="denialkb.serve"):
        client.post("/v1/check", content=body, params={"as_of": "2024-03-15"})
        client.post("/v1/check", content=b"claim:\n  id: P-0001\n")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("denialkb.serve")]
    assert lines == ["POST /v1/check 200 " + lines[0].split(" 200 ")[1], "POST /v1/check 400 " + lines[1].split(" 400 ")[1]]
    text = "\n".join(lines)
    for secret in ("2024-03-15", "P-0001", "1968-04-02", "CLM-P-NO-JZ", "C50.911", "as_of"):
        assert secret not in text


def test_internal_error_is_500_without_the_message(app, client, caplog):
    svc = app.state.service

    def boom(*a, **kw):
        raise RuntimeError("patient P-0001 born 1968-04-02")
    real, svc.why = svc.why, boom
    try:
        with caplog.at_level(logging.INFO):
            r = client.post("/v1/why", content=YAML_FILE.read_bytes())
    finally:
        svc.why = real
    assert r.status_code == 500 and r.json()["error"] == "InternalError" and r.json()["exception"] == "RuntimeError"
    assert "P-0001" not in r.text and "1968" not in r.text
    assert not any("P-0001" in rec.getMessage() for rec in caplog.records)


def test_decision_log_only_when_asked(kb, tmp_path):
    from denialkb.engine.decision_log import DecisionLog

    log = tmp_path / "log" / "d.sqlite"
    log.parent.mkdir()
    with TestClient(create_app(kb, log_path=log)) as c:
        rec = c.post("/v1/check", content=YAML_FILE.read_bytes()).json()
        c.post("/v1/why", content=YAML_FILE.read_bytes())  # queries are not decisions to log
        with DecisionLog(log) as dl:
            rows = dl.entries("CLM-P-NO-JZ")
        assert len(rows) == 1 and json.loads(rows[0]["record"]) == rec and rows[0]["input"] is None
        page = c.get("/ui/log")
        assert page.status_code == 200 and "CLM-P-NO-JZ" in page.text
        # the workbench logs the claims it decides, not its what-if variants
        text = YAML_FILE.read_text(encoding="utf-8")
        assert c.post("/ui/decide", data={"claim_text": text}).status_code == 200
        assert c.post("/ui/what-if", data={"claim_text": text, "f:claim.lines[0].modifiers": "JZ"}).status_code == 200
        with DecisionLog(log) as dl:
            assert [r["outcome"] for r in dl.entries("CLM-P-NO-JZ")] == ["denied", "denied"]
        entry = c.get("/ui/log/entry", params={"id": rows[0]["id"]})
        assert entry.status_code == 200 and "JZ-MISSING-NO-WASTE" in entry.text
    with TestClient(create_app(kb)) as c:  # no log: nothing written anywhere
        c.post("/v1/check", content=YAML_FILE.read_bytes())
        assert "log is off" in c.get("/ui/log").text
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d.sqlite", "log"]


def test_concurrent_requests_give_byte_identical_records(client):
    """Requests run in 4 worker threads against one Decider behind a lock: 48 concurrent
    requests over 4 claims give exactly the records of one-at-a-time requests."""
    files = [EXAMPLES / n for n in ("pertuzumab-jz-missing-medicare.yaml", "pertuzumab-clean-medicare.yaml",
                                    "ramucirumab-hcc-several-denials.yaml", "phesgo-several-denials-commercial.yaml")]
    bodies = [f.read_bytes() for f in files]
    expected = [client.post("/v1/check", content=b).text for b in bodies]
    assert len(set(expected)) == 4

    def one(i):
        return i % 4, client.post("/v1/check", content=bodies[i % 4]).text
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(48)))
    assert all(text == expected[k] for k, text in results)


def test_the_engine_is_used_by_one_thread_at_a_time(app, client):
    """The lock is what keeps experta single-threaded: no two decisions overlap."""
    svc = app.state.service
    active, overlaps, guard = [0], [0], threading.Lock()
    real = svc.decider.check_document

    def watched(*a, **kw):
        with guard:
            active[0] += 1
            overlaps[0] = max(overlaps[0], active[0])
        try:
            time.sleep(0.01)
            return real(*a, **kw)
        finally:
            with guard:
                active[0] -= 1
    svc.decider.check_document = watched
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda _: client.post("/v1/check", content=YAML_FILE.read_bytes()).status_code,
                                  range(16)))
    finally:
        del svc.decider.check_document
    assert codes == [200] * 16 and overlaps[0] == 1


# --------------------------------------------------------------------------- workbench (HTML)

def test_workbench_pages(client):
    index = client.get("/ui")
    assert index.status_code == 200 and f"{STEM}.yaml" in index.text
    assert "http://" not in index.text.replace("http://www.w3.org", "") and "https://" not in index.text
    page = client.get("/ui/example", params={"name": f"{STEM}.yaml"})
    assert page.status_code == 200
    assert 'data-outcome="denied"' in page.text and "JZ-MISSING-NO-WASTE" in page.text and "<svg" in page.text
    assert 'name="f:claim.lines[0].modifiers"' in page.text and 'name="f:documentation.lot_number"' in page.text
    assert client.get("/ui/example", params={"name": "../kb/kb.yaml"}).status_code == 400
    # paste; why-not and fix on request
    text = YAML_FILE.read_text(encoding="utf-8")
    r = client.post("/ui/decide", data={"claim_text": text, "why_not": "UNITS-EXCEED-DOCUMENTED-DOSE", "fix": "1"})
    assert r.status_code == 200 and "UNITS-EXCEED-DOCUMENTED-DOSE" in r.text and 'class="fix-text"' in r.text
    # what-if form: a modifier added by name
    r = client.post("/ui/what-if", data={"claim_text": text, "f:claim.lines[0].modifiers": "JZ"})
    assert r.status_code == 200 and 'id="outcome-after">clean<' in r.text
    assert "claim.lines[0].modifiers" in r.text and 'class="changed"' in r.text
    assert r.text.count('class="denial removed" data-rule="JZ-MISSING-NO-WASTE"') == 1  # struck out in "as sent"
    # a number field holding words: the located problem, nothing decided
    r = client.post("/ui/what-if", data={"claim_text": text, "f:claim.lines[0].units": "many"})
    assert r.status_code == 400 and "claim.lines[0].units" in r.text and "expected a number" in r.text


def test_workbench_upload_x12_with_clinical_and_bad_input(client):
    r = client.post("/ui/decide", files={"claim": (X12_FILE.name, X12_FILE.read_bytes()),
                                         "clinical": (CLINICAL.name, CLINICAL.read_bytes())})
    assert r.status_code == 200 and 'data-outcome="denied"' in r.text
    # no payer id map entry: the default profile 'other' (a payer the KB does not model), so no payer's own policy
    # (prior authorization) applies, and the converter says which profile it used
    r = client.post("/ui/decide", files={"claim": (FHIR_FILE.name, FHIR_FILE.read_bytes()),
                                         "clinical": (CLINICAL.name, CLINICAL.read_bytes())})
    assert r.status_code == 200 and 'data-outcome="clean"' in r.text
    assert "used the default payer profile &#39;other&#39;" in r.text or "used the default payer profile 'other'" in r.text
    r = client.post("/ui/decide", data={"claim_text": "claim:\n  id: 3\n"})
    assert r.status_code == 400 and "claim.id" in r.text and "&lt;body&gt;:2:" in r.text


def test_forms_round_trip():
    import doctest

    from denialkb.engine.serve import forms

    assert doctest.testmod(forms).failed == 0
    data = yaml.safe_load(SMALL_YAML.read_text())
    fields = {f.path: f for s in forms.sections(data) for f in s.fields}
    assert fields["claim.lines[0].units"].kind == "int" and fields["claim.lines[1].code"].text == "96413"
    sets, unsets, errors = forms.changes(data, {"claim.lines[1].code": "96415", "claim.diagnoses": "C50.911, Z17.0",
                                                "documentation.lot_number": "", "patient.pregnant": "true",
                                                "claim.lines[0].diagnosis_pointers": "1, 2"})
    assert sets == [("claim.lines[1].code", "96415"), ("claim.diagnoses", ["C50.911", "Z17.0"]),
                    ("patient.pregnant", True), ("claim.lines[0].diagnosis_pointers", [1, 2])]
    assert unsets == ["documentation.lot_number"] and errors == []
    # every example's form, sent back as shown, changes nothing
    from denialkb.engine.claim import load_claim

    for f in sorted(EXAMPLES.glob("*.yaml")) + sorted((ROOT / "tests" / "data" / "v2").glob("*.yaml")):
        d = load_claim(f).data
        shown = {fl.path: fl.text for s in forms.sections(d) for fl in s.fields}
        assert forms.changes(d, shown) == ([], [], []), f.name


def test_workbench_takes_a_large_pasted_claim(client):
    text = YAML_FILE.read_text(encoding="utf-8") + "# " + "x" * 1_500_000 + "\n"  # above multipart's 1 MB default
    r = client.post("/ui/decide", files={"claim": ("", b"")}, data={"claim_text": text})
    assert r.status_code == 200 and 'data-outcome="denied"' in r.text


def test_workbench_escapes_claim_values(client):
    text = YAML_FILE.read_text(encoding="utf-8").replace("lot_number: H0123", "lot_number: '<script>x()</script>'")
    r = client.post("/ui/decide", data={"claim_text": text})
    assert r.status_code == 200 and "<script>" not in r.text and "&lt;script&gt;" in r.text


@pytest.mark.slow
def test_the_command_serves_with_two_workers_and_a_token(tmp_path):
    """``denialkb serve`` itself (uvicorn, two worker processes configured through the
    environment, the token read from its file in each worker), stopped by its pid."""
    import socket
    import subprocess
    import sys

    import httpx

    tok = tmp_path / "token"
    tok.write_text(TOKEN + "\n")
    tok.chmod(0o600)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("denialkb"))
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--workers", "2", "--token-file", str(tok),
                             "--kb", str(KB), "--log-decisions", str(tmp_path / "logs")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 401:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(url + "/health", headers=auth).json()["status"] == "ok"
        codes = {httpx.post(url + "/v1/check", content=YAML_FILE.read_bytes(), headers=auth).status_code
                 for _ in range(4)}
        assert codes == {200}
        assert httpx.get(url + "/health", headers={"Host": "elsewhere.example"}).status_code == 421  # loopback only
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "POST /v1/check 200" in err and "token required" in err
    assert "CLM-P-NO-JZ" not in err and TOKEN not in err and "P-0001" not in err
    assert (tmp_path / "logs" / "denialkb-decisions.sqlite").is_file()


def test_workbench_records_dispositions(kb, tmp_path):
    """Browse the decision log and record a disposition of a logged denial (the decision
    log's ``annotate``, as ``denialkb log annotate``); shown on the entry's page."""
    from denialkb.engine.decision_log import DecisionLog

    log = tmp_path / "d.sqlite"
    with TestClient(create_app(KB, log_path=log)) as c:
        c.post("/v1/check", content=YAML_FILE.read_bytes())
        with DecisionLog(log) as dl:
            (row,) = dl.entries("CLM-P-NO-JZ")
        page = c.get("/ui/log/entry", params={"id": row["id"]})
        assert 'name="rule_line"' in page.text and "None recorded" in page.text
        r = c.post("/ui/log/annotate", data={"entry": str(row["id"]), "claim_id": "CLM-P-NO-JZ",
                                             "rule_line": "JZ-MISSING-NO-WASTE|1", "disposition": "disagree",
                                             "note": "JZ is on the corrected claim"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/ui/log/entry?id={row['id']}"
        with DecisionLog(log) as dl:
            got = [(d["rule_id"], d["line"], d["disposition"], d["note"]) for d in dl.dispositions("CLM-P-NO-JZ")]
        assert got == [("JZ-MISSING-NO-WASTE", 1, "disagree", "JZ is on the corrected claim")]
        page = c.get("/ui/log/entry", params={"id": row["id"]})
        assert "JZ is on the corrected claim" in page.text and "disagree" in page.text
        # a denial the logged decision does not have: the located problem, nothing recorded
        r = c.post("/ui/log/annotate", data={"entry": str(row["id"]), "claim_id": "CLM-P-NO-JZ",
                                             "rule_line": "JZ-MISSING-NO-WAST|1", "disposition": "agree"})
        assert r.status_code == 400 and "did you mean" in r.text
        r = c.post("/ui/log/annotate", data={"entry": str(row["id"]), "claim_id": "CLM-P-NO-JZ",
                                             "rule_line": "JZ-MISSING-NO-WASTE|1", "disposition": "maybe"})
        assert r.status_code == 400
        with DecisionLog(log) as dl:
            assert len(dl.dispositions("CLM-P-NO-JZ")) == 1
