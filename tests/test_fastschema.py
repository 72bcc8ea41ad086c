"""The compiled schema validators (engine/fastschema.py) agree with jsonschema and are current."""

import copy
import json
import random

import pytest

from denialkb.engine import fastschema
from denialkb.engine.kb import _kb_validator, kb_files
from denialkb.engine.yamlio import load_document

from .conftest import KB


@pytest.mark.parametrize("name", sorted(fastschema.SCHEMAS))
def test_generated_validator_matches_its_schema(name):
    import importlib

    mod = importlib.import_module(f"denialkb.engine.validators.{name}")
    assert mod.SCHEMA_SHA256 == fastschema.schema_sha256(name), (
        f"engine/validators/{name}.py is stale: run python scripts/compile_schemas.py")


@pytest.mark.parametrize("name", sorted(fastschema.SCHEMAS))
def test_schemas_use_only_draft07_keywords(name):
    """fastjsonschema compiles draft-07; the schemas are 2020-12 but must not need more."""
    later = {"prefixItems", "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
             "dependentSchemas", "$dynamicRef", "$dynamicAnchor", "minContains", "maxContains", "$anchor"}
    found = set()

    def walk(o):
        if isinstance(o, dict):
            found.update(k for k in o if k in later)
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.loads(fastschema.schema_text(name)))
    assert found == set()


def test_compiled_kb_validator_agrees_with_jsonschema():
    """Every shipped KB file and 1,500 mutants: the compiled validator accepts exactly what
    jsonschema accepts (it is trusted only to accept)."""
    fast = fastschema.validator("kb")
    slow = _kb_validator()
    base = [load_document(p, "kb_parse_error").data for p in kb_files(KB)]
    rnd = random.Random(5)
    values = ["", "x", -1, 0, 2.5, None, [], {}, "2024-02-30", "unknown", True, "J9306", {"zz": 1}, ["a"],
              "2024-01-01", "denial", "line"]

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
    disagree, invalid = [], 0
    for i, d in enumerate(docs):
        slow_ok = not any(True for _ in slow.iter_errors(d))
        invalid += not slow_ok
        if slow_ok != fast(d):
            disagree.append(i)
    assert disagree == []
    assert all(fast(d) for d in base)
    assert invalid > 500


def test_stale_generated_module_is_compiled_at_run_time(monkeypatch):
    """A generated module that does not match its schema is not used (cost, never a wrong answer)."""
    monkeypatch.setattr(fastschema, "_CACHE", {})
    monkeypatch.setattr(fastschema, "schema_sha256", lambda name: "0" * 64)
    ok = fastschema.validator("claim")
    assert ok({"claim": {}}) is False
    assert ok({"claim": {"id": "C", "payer": "medicare", "diagnoses": ["C50.911"],
                         "lines": [{"code": "J9306", "units": 420, "service_date": "2024-03-01"}]}}) is True


def test_compiled_payer_validator_agrees_with_jsonschema():
    """The payer sections of the shipped payer files and 1,000 mutants: same verdict as jsonschema."""
    from denialkb.engine.kbchecks import _payer_validator

    fast, slow = fastschema.validator("payer"), _payer_validator()
    base = [load_document(p, "kb_parse_error").data["payer"] for p in sorted((KB / "payers").glob("*.yaml"))]
    rnd = random.Random(11)
    values = ["", "x", -1, 0, 2.5, 1e20, None, [], {}, "2024-02-30", "2024-01-01", True, "twelve", {"zz": 1}, ["a"]]
    def slots_of(node, out):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            out.append((node, k))
            slots_of(v, out)
        return out

    docs = list(base)
    for _ in range(1000):
        d = copy.deepcopy(rnd.choice(base))
        n, k = rnd.choice(slots_of(d, []))
        n[k] = rnd.choice(values)
        docs.append(d)
    disagree = [i for i, d in enumerate(docs) if fast(d) != (not any(True for _ in slow.iter_errors(d)))]
    assert disagree == []
    assert all(fast(d) for d in base)
    assert sum(1 for d in docs if not fast(d)) > 100  # the mutants exercise the invalid side
