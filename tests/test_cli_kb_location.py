"""Where the KB comes from (issue 11 item 8): ``--kb DIR``, then ``$DENIALKB_KB``, then
``./kb`` when the working directory holds ``kb/kb.yaml``, else the shipped KB; every text
output names the KB in its first line; ``unknown payer`` / ``unknown drug`` hint at ``--kb``.

Each KB copy gets a marker comment in kb.yaml, which changes its content version, so the
``kb_version`` of a decision record proves which KB decided it.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from denialkb.engine.kb import default_kb_dir, load_kb

from .conftest import EXAMPLES, KB, body, run_cli

CLAIM = EXAMPLES / "pertuzumab-clean-medicare.yaml"


def _copy(dst, marker):
    shutil.copytree(KB, dst)
    with open(dst / "kb.yaml", "a", encoding="utf-8") as f:
        f.write(f"# copy {marker}\n")
    return dst


@pytest.fixture(scope="module")
def kbs(tmp_path_factory):
    root = tmp_path_factory.mktemp("kbloc")
    work = root / "work"
    work.mkdir()
    (root / "empty").mkdir()
    (root / "halfkb" / "kb").mkdir(parents=True)  # a kb/ folder that is not a KB (no kb.yaml)
    k = {"flag": _copy(root / "flag-kb", "flag"), "env": _copy(root / "env-kb", "env"),
         "cwd": _copy(work / "kb", "cwd")}
    versions = {name: load_kb(p).version for name, p in k.items()}
    versions["shipped"] = load_kb(default_kb_dir()).version
    assert len(set(versions.values())) == 4
    return {"root": root, "work": work, "dirs": k, "versions": versions}


def _decided_by(kbs, *args, env=None, cwd):
    r = run_cli("check", "--format", "json", CLAIM, *args, env=env, cwd=cwd)
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)["kb_version"]
    return next(name for name, ver in kbs["versions"].items() if ver == v)


def test_flag_wins_over_env_and_cwd(kbs):
    env = {"DENIALKB_KB": str(kbs["dirs"]["env"])}
    assert _decided_by(kbs, "--kb", kbs["dirs"]["flag"], env=env, cwd=kbs["work"]) == "flag"


def test_env_wins_over_cwd(kbs):
    env = {"DENIALKB_KB": str(kbs["dirs"]["env"])}
    assert _decided_by(kbs, env=env, cwd=kbs["work"]) == "env"


def test_cwd_kb_wins_over_shipped(kbs):
    assert _decided_by(kbs, cwd=kbs["work"]) == "cwd"
    assert _decided_by(kbs, env={"DENIALKB_KB": ""}, cwd=kbs["work"]) == "cwd"  # empty variable: unset


def test_shipped_kb_when_nothing_else(kbs):
    assert _decided_by(kbs, cwd=kbs["root"] / "empty") == "shipped"
    assert _decided_by(kbs, cwd=kbs["root"] / "halfkb") == "shipped"


def test_text_header_names_path_version_and_origin(kbs):
    ver = {k: v[:19] for k, v in kbs["versions"].items()}
    r = run_cli("check", CLAIM, cwd=kbs["work"])
    assert r.stdout.splitlines()[0] == f"kb: kb (version {ver['cwd']}, from ./kb in the working directory)"
    r = run_cli("check", CLAIM, env={"DENIALKB_KB": str(kbs["dirs"]["env"])}, cwd=kbs["work"])
    assert r.stdout.splitlines()[0] == (f"kb: {kbs['dirs']['env']} (version {ver['env']}, "
                                        "from the DENIALKB_KB environment variable)")
    r = run_cli("check", CLAIM, "--kb", kbs["dirs"]["flag"], cwd=kbs["work"])
    assert r.stdout.splitlines()[0] == f"kb: {kbs['dirs']['flag']} (version {ver['flag']}, from --kb)"
    r = run_cli("check", CLAIM, cwd=kbs["root"] / "empty")
    assert r.stdout.splitlines()[0] == (f"kb: {default_kb_dir()} (version {ver['shipped']}, "
                                        "from the KB shipped with denialkb)")


def _env_header(kbs):
    return f"kb: {kbs['dirs']['env']} (version {kbs['versions']['env'][:19]}, from the DENIALKB_KB environment variable)"


@pytest.mark.parametrize("args", [
    ["why", CLAIM],
    ["why-not", CLAIM, "JZ-MISSING-NO-WASTE"],
    ["paths", "197"],
    ["what-if", CLAIM, "--set", "claim.lines[0].units=2"],
    ["fix", CLAIM],
    ["kb", "lint"],
    ["graph", "--out", "{tmp}/g.json"],
    ["report", CLAIM, "--out", "{tmp}/r.html"],
    ["audit", CLAIM, "--out", "{tmp}/audit", "--workers", "1"],
], ids=lambda a: a[0] if a[0] != "kb" else "kb-lint")
def test_every_text_output_names_the_resolved_kb(kbs, tmp_path, args):
    """Every command that takes a KB resolves it the same way and names it first."""
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    r = run_cli(*args, env={"DENIALKB_KB": str(kbs["dirs"]["env"])}, cwd=kbs["work"])
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout.splitlines()[0] == _env_header(kbs)
    body(r.stdout)
    if args[0] == "audit":
        rec = json.loads((tmp_path / "audit" / "decisions.jsonl").read_text().splitlines()[0])
        assert rec["kb_version"] == kbs["versions"]["env"]


def test_kb_test_and_facts_use_the_resolved_kb(kbs):
    env = {"DENIALKB_KB": str(kbs["dirs"]["env"])}
    r = run_cli("kb", "test", env=env, cwd=kbs["work"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == _env_header(kbs)
    r = run_cli("facts", env=env, cwd=kbs["work"])
    assert r.returncode == 0 and r.stdout.startswith("# Fact names")  # a document: header on stderr
    assert r.stderr.splitlines()[0] == _env_header(kbs)


def test_kb_argument_beats_the_environment(kbs):
    r = run_cli("kb", "lint", kbs["dirs"]["flag"], env={"DENIALKB_KB": str(kbs["dirs"]["env"])})
    assert r.stdout.splitlines()[0] == (f"kb: {kbs['dirs']['flag']} (version {kbs['versions']['flag'][:19]}, "
                                        "from the command line)")


def test_unknown_payer_hints_at_kb(kbs, tmp_path):
    """A near miss of a profile id is a typo: refused with "did you mean" and the KB used."""
    doc = yaml.safe_load(CLAIM.read_text())
    doc["claim"]["payer"] = "comercial"
    p = tmp_path / "acme.yaml"
    p.write_text(yaml.safe_dump(doc))
    r = run_cli("check", p, cwd=kbs["work"])
    assert r.returncode == 2
    assert "unknown payer 'comercial'" in r.stderr and "hint: did you mean 'commercial'?" in r.stderr
    assert r.stderr.splitlines()[-1] == ("note: the knowledge base used is kb (from ./kb in the working directory); "
                                         "pass --kb DIR or set DENIALKB_KB to use another")
    j = run_cli("check", "--format", "json", p, cwd=kbs["work"])
    err = json.loads(j.stderr)
    assert err["kb"] == {"path": "kb", "origin": "./kb"} and "--kb DIR" in err["hint"]


def test_unknown_drug_and_payer_options_hint_at_kb(tmp_path):
    r = run_cli("graph", "--drug", "pemetrexedx", "--out", tmp_path / "g.json")
    assert r.returncode == 2 and "unknown drug 'pemetrexedx'" in r.stderr
    assert "pass --kb DIR or set DENIALKB_KB" in r.stderr
    r = run_cli("graph", "--payer", "acme", "--out", tmp_path / "g.json")
    assert r.returncode == 2 and "pass --kb DIR or set DENIALKB_KB" in r.stderr


def test_other_claim_errors_carry_no_kb_note(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("claim: {id: X}\n")
    r = run_cli("check", p)
    assert r.returncode == 2 and "note: the knowledge base" not in r.stderr


def test_missing_kb_from_env_is_named(tmp_path):
    r = run_cli("check", CLAIM, env={"DENIALKB_KB": str(tmp_path / "nowhere")})
    assert r.returncode == 2
    assert "knowledge-base directory not found" in r.stderr
    assert "(from the DENIALKB_KB environment variable)" in r.stderr


def test_audit_rejections_for_unknown_payer_name_the_kb(kbs, tmp_path):
    doc = yaml.safe_load(CLAIM.read_text())
    doc["claim"]["payer"] = "medicar"
    p = tmp_path / "acme.yaml"
    p.write_text(yaml.safe_dump(doc))
    r = run_cli("audit", p, CLAIM, "--out", tmp_path / "o", "--workers", "1", cwd=kbs["work"])
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-1] == ("1 claim rejected for an unknown payer or drug; the knowledge base used is "
                                         "kb (from ./kb in the working directory); pass --kb DIR or set DENIALKB_KB "
                                         "to use another")
