"""Fuzz suite (issue 17 item 6): claim, X12, FHIR and KB readers under hypothesis.

Fixed seed (``derandomize``), bounded example counts: the whole file runs in well under two
minutes in CI. ``scripts/fuzz.py`` runs the same properties with far more examples.
Every input must be decided (exit 0/1) or refused with located problems (exit 2); no other
exception, no run over 10 s, and semantics-preserving rewrites give byte-identical records.
The harness is tests/fuzzlib.py.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import fuzzlib as F
from .conftest import run_cli

SCALE = float(os.environ.get("DENIALKB_FUZZ_SCALE", "1"))
# scripts/fuzz.py sets per-test counts: "test_fuzz_claim_bytes=8000,test_fuzz_kb_reader=150"
COUNTS = dict((k, int(v)) for k, v in (item.split("=") for item in
                                        os.environ.get("DENIALKB_FUZZ_COUNTS", "").split(",") if "=" in item))


def fuzz(n: int):
    """Hypothesis settings: ``n`` examples (times DENIALKB_FUZZ_SCALE), fixed seed, no database."""
    def deco(fn):
        count = COUNTS.get(fn.__name__, max(1, int(n * SCALE)))
        return settings(max_examples=count, derandomize=True, deadline=None, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                               HealthCheck.filter_too_much], print_blob=True)(fn)
    return deco


_TMP = Path(tempfile.mkdtemp(prefix="denialkb-fuzz-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
EXAMPLE_DOCS = {p.name: F.load_example(p) for p in F.EXAMPLES}
EXAMPLE_JSON = {name: json.dumps(d, indent=1).encode() for name, d in EXAMPLE_DOCS.items()}
ORIGINAL = {}


def original_records(name: str) -> list:
    if name not in ORIGINAL:
        kind, out = F.outcome(F.read_claim_text((F.ROOT / "examples" / name).read_bytes(), name))
        assert kind == "decided"
        ORIGINAL[name] = out
    return ORIGINAL[name]


names = st.sampled_from(sorted(EXAMPLE_DOCS))


@fuzz(150)
@given(name=names, as_json=st.booleans(), edits=F.byte_edits())
def test_fuzz_claim_bytes(name, as_json, edits):
    src = EXAMPLE_JSON[name] if as_json else (F.ROOT / "examples" / name).read_bytes()
    data = F.apply_edits(src, edits)
    F.outcome(F.read_claim_text(data, "fuzz.json" if as_json else "fuzz.yaml"))


@fuzz(200)
@given(name=names, pick=st.integers(min_value=0), value=st.one_of(F.NASTY, st.just(...)))
def test_fuzz_claim_values(name, pick, value):
    from denialkb.engine.claim import validate_claim

    doc = EXAMPLE_DOCS[name]
    paths = F.leaf_paths(doc)
    path = paths[pick % len(paths)]
    if value is Ellipsis and not path:
        value = None
    mutated = F.replace_at(doc, path, value)
    F.outcome(lambda: [validate_claim(mutated, "fuzz.json")])
    # NaN or infinity written as JSON text: not JSON, so the reader refuses it, located
    try:
        json.dumps(mutated, allow_nan=False)
    except ValueError:
        try:
            text = json.dumps(mutated, allow_nan=True)
        except (ValueError, TypeError):  # e.g. an integer too long to print
            return
        kind, _ = F.outcome(F.read_claim_text(text, "fuzz.json"))
        assert kind == "refused"


@fuzz(60)
@given(name=names, how=st.sampled_from(F.REWRITES), seed=st.integers(0, 10 ** 6))
def test_fuzz_semantics_preserving_rewrites_give_identical_records(name, how, seed):
    fname, text = F.rewrite(EXAMPLE_DOCS[name], how, seed)
    kind, out = F.outcome(F.read_claim_text(text, fname))
    assert kind == "decided", out
    assert out == original_records(name), f"{how} changed the record of {name}"


needs_x12 = pytest.mark.skipif(sys.version_info < (3, 11), reason="pyx12 needs Python 3.11+")


@needs_x12
@fuzz(12)
@given(which=st.sampled_from(F.X12_FILES), edits=F.byte_edits(3))
def test_fuzz_x12_reader(which, edits):
    p = _TMP / "fuzz_837.txt"
    p.write_bytes(F.apply_edits(which.read_bytes(), edits))
    F.outcome(F.read_file(p, F.X12_CLINICAL), "x12")


@fuzz(60)
@given(edits=F.byte_edits(3))
def test_fuzz_fhir_reader_bytes(edits):
    p = _TMP / "fuzz_bundle.json"
    p.write_bytes(F.apply_edits(F.FHIR_FILE.read_bytes(), edits))
    F.outcome(F.read_file(p, F.FHIR_CLINICAL), "fhir")


FHIR_DOC = json.loads(F.FHIR_FILE.read_text())


@fuzz(60)
@given(pick=st.integers(min_value=0), value=st.one_of(F.NASTY, st.just(...)))
def test_fuzz_fhir_reader_values(pick, value):
    paths = F.leaf_paths(FHIR_DOC)
    path = paths[1 + pick % (len(paths) - 1)]
    mutated = F.replace_at(FHIR_DOC, path, value)
    try:
        text = json.dumps(mutated)
    except (ValueError, TypeError):
        return
    p = _TMP / "fuzz_bundle_v.json"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    F.outcome(F.read_file(p, F.FHIR_CLINICAL), "fhir")


KB_DIR = F.fresh_kb(_TMP / "kb")
KB_FILES = sorted(p.relative_to(KB_DIR) for p in KB_DIR.rglob("*.yaml"))


@fuzz(10)
@given(which=st.sampled_from(KB_FILES), edits=F.byte_edits(2))
def test_fuzz_kb_reader(which, edits):
    target = KB_DIR / which
    original = target.read_bytes()
    try:
        target.write_bytes(F.apply_edits(original, edits))
        F.kb_outcome(KB_DIR, F.EXAMPLES[0])
    finally:
        target.write_bytes(original)


CLI_CASES = [
    ("yaml-nul", "examples/pertuzumab-clean-medicare.yaml", [("replace", 0.5, b"\x00")]),
    ("yaml-trunc", "examples/pertuzumab-jz-missing-medicare.yaml", [("truncate", 0.37, b"x")]),
    ("yaml-esc", "examples/ramucirumab-clean-medicare.yaml", [("insert", 0.02, b"\x1b[2J")]),
    ("x12-gs", "tests/data/formats/pertuzumab_837p.txt", [("delete", 0.1, b"GS*HC*SENDER*RECEIVER*")]),
]


@pytest.mark.parametrize("label,src,edits", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_fuzz_cli_exit_codes(tmp_path, label, src, edits):
    p = tmp_path / Path(src).name
    p.write_bytes(F.apply_edits((F.ROOT / src).read_bytes(), edits))
    args = ["check", p] + (["--clinical", F.X12_CLINICAL] if src.endswith(".txt") else [])
    if src.endswith(".txt") and sys.version_info < (3, 11):
        pytest.skip("pyx12 needs Python 3.11+")
    r = run_cli(*args)
    assert r.returncode in (0, 1, 2), r.stderr
    assert "Traceback" not in r.stderr
    if r.returncode == 2:
        assert r.stdout == "" and f"{p.name}" in r.stderr.splitlines()[0]


def test_fuzz_finding_fhir_claim_type_not_a_codeable_concept_is_refused(tmp_path):
    # found by test_fuzz_fhir_reader_values: Claim.type given as a number crashed the reader
    # (AttributeError, exit 3) before validation could refuse it
    doc = json.loads(F.FHIR_FILE.read_text())
    claim = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["type"] = 2 ** 63
    p = tmp_path / "b.json"
    p.write_text(json.dumps(doc))
    kind, problems = F.outcome(F.read_file(p, F.FHIR_CLINICAL), "fhir")
    assert kind == "refused"
    assert any(".type" in p and "CodeableConcept" in p for p in problems), problems


def test_fuzz_finding_fhir_claim_identifier_not_a_list_is_refused(tmp_path):
    # found by scripts/fuzz.py (fhir_values): Claim.identifier given as a number crashed the reader
    doc = json.loads(F.FHIR_FILE.read_text())
    claim = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["identifier"] = 5
    p = tmp_path / "b.json"
    p.write_text(json.dumps(doc))
    kind, problems = F.outcome(F.read_file(p, F.FHIR_CLINICAL), "fhir")
    assert kind == "refused" and any(".identifier" in p for p in problems), problems


@pytest.mark.parametrize("path,message", [
    (("claim", "lines", 0, "diagnosis_pointers"), "found a decimal number"),
    (("claim", "lines", 0, "number"), "found a decimal number"),
    (("clinical", "ecog"), "found a decimal number"),
])
def test_fuzz_finding_decimal_numbers_in_whole_number_fields_are_refused(path, message):
    # found by scripts/fuzz.py (claim_values): JSON Schema counts 1.0 as an integer, and a
    # diagnosis pointer of 1.0 then crashed enrichment (a tuple index)
    from denialkb.engine.claim import validate_claim

    doc = EXAMPLE_DOCS["pertuzumab-clean-medicare.yaml"]
    value = [1.0] if path[-1] == "diagnosis_pointers" else 1.0
    mutated = F.replace_at(doc, path, value)
    kind, problems = F.outcome(lambda: [validate_claim(mutated, "x.json")])
    assert kind == "refused" and any(message in p for p in problems), problems
