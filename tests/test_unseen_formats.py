"""Unseen claims (tests/data/unseen/) as a biller's system would send them: a professional scenario written as an 837P
(engine/formats/writers.py), an institutional one as an 837I, read back by the pyx12-validated reader with the scenario's
clinical sidecar merged, gets the same decision as the YAML document (outcome and (rule id, line, group, CARC, RARC) of
every denial). All 94 scenarios passed this at the time of writing (about 140 s under load: pyx12); the test keeps the
15 that exercise converter paths (NDCs on every line, two NDC lines of one code, JW lines, several dates, pointers,
replacement and duplicate claims, revenue-code-only lines, 340B TB, span and inpatient 837I days)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from denialkb.engine.claim import load_claim, validate_claim
from denialkb.engine.formats import merge_clinical, read_x12
from denialkb.engine.formats.clinical import _dates_to_iso
from denialkb.engine.formats.writers import write_837

from .conftest import ROOT

HERE = Path(__file__).parent / "data" / "unseen"
PREFIXES = ("03-", "10-", "16-", "17-", "22-", "24-", "33-", "34-", "35-", "37-", "61-", "67-", "72-", "77-", "85-")
NAMES = sorted(p.stem for p in HERE.glob("[0-9]*.yaml") if p.name.startswith(PREFIXES))
_spec = importlib.util.spec_from_file_location("make_format_examples", ROOT / "scripts" / "make_format_examples.py")
_mfe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mfe)


def _key(rec):
    return rec["outcome"], [(d["id"], d["line"], d["group"], d["carc"], tuple(d["rarc"])) for d in rec["denials"]]


def _round_trip(name):
    """The scenario written as an 837, read back, with its clinical sidecar merged."""
    doc = _dates_to_iso(yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8")))
    variant = "I" if doc["claim"]["form"] == "institutional" else "P"
    text = write_837(doc, variant)
    converted = read_x12(text)[0].document
    side = _mfe.sidecar(doc, converted)
    return merge_clinical(converted, side)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_837_of_an_unseen_claim_gets_the_same_decision(decider, name):
    """837P/837I + sidecar decides exactly like the YAML document."""
    want = _key(decider.check_document(load_claim(HERE / f"{name}.yaml")))
    merged = _round_trip(name)
    got = _key(decider.check_document(validate_claim(merged)))
    assert got == want
