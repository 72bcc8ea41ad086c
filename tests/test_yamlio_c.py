"""libyaml (C) composition gives exactly the pure loader's result: same data, same positions,
same located errors (errors are always worded by the pure loader)."""

from pathlib import Path

import pytest
import yaml

from denialkb.engine import yamlio

from .conftest import ROOT

FILES = sorted(p for d in ("kb", "examples", "tests") for p in (ROOT / d).rglob("*.y*ml")
               if "third_party" not in p.parts)


def _both(text, name="doc.yaml"):
    out = []
    for c in (True, False):
        saved = yamlio._CSafeLoader
        if not c:
            yamlio._CSafeLoader = None
        try:
            r = yamlio.parse_yaml(text, name, "kb_parse_error")
            out.append(("ok", r.data, r.marks))
        except yamlio.LoadError as e:
            out.append(("error", e.problem.to_dict() if hasattr(e.problem, "to_dict") else str(e)))
        finally:
            yamlio._CSafeLoader = saved
    return out


def test_libyaml_is_used_here():
    assert yaml.__with_libyaml__ and yamlio._CSafeLoader is not None


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_same_document_and_positions(path: Path):
    c, pure = _both(path.read_text(encoding="utf-8-sig"), str(path))
    assert c == pure


BAD = {
    "alias": "a: &x [1, 2]\nb: *x\n",
    "scalar alias": "a: &x 1\nb: *x\n",
    "duplicate key": "a: 1\nb: 2\na: 3\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "syntax": "a: [1, 2\nb: 3\n",
    "tab": "a:\n\t- 1\n",
    "merge key": "a: {x: 1}\nb:\n  <<: {y: 2}\n",
    "object tag": "a: !!python/object:os.system x\n",
    "bad date": "d: 2024-02-30\n",
    "control character": "a: \"x\x01y\"\n",
    "deep": "[" * 100 + "]" * 100,
    "very deep (libyaml's composer would crash)": "[" * 200_000 + "]" * 200_000,
    "too many nodes": "[" + ", ".join(["1"] * 200_001) + "]",
    "empty": "",
    "anchor without alias": "a: &x 1\nb: 2\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_same_result_on_awkward_documents(name):
    c, pure = _both(BAD[name])
    assert c == pure
