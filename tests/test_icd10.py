"""engine/icd10.py: the ICD-10-CM code set from simple-icd-10-cm, its cached index, and the KB's use of it."""

import json
import shutil

import pytest

from denialkb.engine import icd10
from denialkb.engine.errors import KBInvalidError
from denialkb.engine.kb import load_kb

from .conftest import KB


@pytest.fixture(scope="module")
def package():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm as cm
    return cm


def test_release_is_named():
    rel = icd10.release()
    assert rel["package"] == "simple-icd-10-cm" and rel["version"] == "1.5.0"
    assert rel["data"] == "icd10c-tabular-April-1-2026.xml"


@pytest.mark.parametrize("code, is_code, billable", [
    ("C50.911", True, True), ("C50911", True, True), ("c50.911", True, True),
    ("C50.9", True, False), ("C50.91", True, False), ("C50", True, False),
    ("Z17.31", True, True), ("Z17.3", True, False), ("C50.A0", True, True),
    ("C50.999", False, False), ("Z17.9", False, False), ("", False, False), ("C50 9", False, False),
    ("C50-C50", False, False),  # a block, not a code
])
def test_validity_and_billability(code, is_code, billable):
    cs = icd10.code_set()
    assert cs.is_code(code) is is_code
    assert cs.is_billable(code) is billable


@pytest.mark.parametrize("family", ["C50", "C50.01", "Z17", "Z85.0", "C79", "C34"])
def test_family_is_the_packages_descendants(package, family):
    cs = icd10.code_set()
    want = {c for c in package.get_descendants(family) if package.is_category_or_subcategory(c)} | {family}
    got = {c for c in package.get_all_codes(with_dots=True) if cs.in_family(c, family)}
    assert got == {package.add_dot(c) if "." not in c else c for c in want}


def test_index_agrees_with_the_package(package):
    cs = icd10.code_set()
    codes = [c for c in package.get_all_codes(with_dots=False) if package.is_category_or_subcategory(c)]
    assert len(codes) > 90000
    assert all(cs.is_code(c) for c in codes[::97])
    assert [cs.is_billable(c) for c in codes[::97]] == [package.is_leaf(c) for c in codes[::97]]


def test_stale_or_broken_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("DENIALKB_CACHE_DIR", str(tmp_path))
    icd10.code_set.cache_clear()
    try:
        assert icd10.code_set().is_billable("C50.911")
        (f,) = (tmp_path / "denialkb").glob("icd10cm-*.json")
        data = json.loads(f.read_text())
        data["format"] = -1
        data["leaves"] = " "
        f.write_text(json.dumps(data))
        icd10.code_set.cache_clear()
        assert icd10.code_set().is_billable("C50.911")  # the stale index was not used
        f.write_text("{not json")
        icd10.code_set.cache_clear()
        assert icd10.code_set().is_code("Z17.0")
    finally:
        icd10.code_set.cache_clear()


def test_unwritable_cache_keeps_the_index_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DENIALKB_CACHE_DIR", str(blocker))  # a file, so no directory can be made under it
    icd10.code_set.cache_clear()
    try:
        assert icd10.code_set().is_code("C50.911")
    finally:
        icd10.code_set.cache_clear()


def test_code_set_naming_a_code_icd_10_cm_lacks_is_a_located_error(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__"))
    p = kb / "tables" / "code_sets.yaml"
    p.write_text(p.read_text().replace('codes: ["Z85.3"]', 'codes: ["Z85.9X"]', 1))
    with pytest.raises(KBInvalidError) as e:
        load_kb(kb)
    got = [x.format() for x in e.value.problems]
    assert any(g.startswith("kb/tables/code_sets.yaml:") and "'Z85.9X' is not an ICD-10-CM code" in g for g in got), got


def test_kb_dated_code_the_release_lacks_is_known(tmp_path, decider):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb, ignore=shutil.ignore_patterns("__pycache__"))
    p = kb / "tables" / "code_sets.yaml"
    p.write_text(p.read_text() + '  Z17.9:\n    effective_to: "2030-09-30"\n    sources: ["https://example.org"]\n')
    loaded = load_kb(kb)
    assert loaded.icd10_known("Z17.9") and not decider.kb.icd10_known("Z17.9")
