"""ICD-10-CM from the real code set: the one place that imports ``simple_icd_10_cm``.

The package ships the CMS ICD-10-CM tabular list (:data:`RELEASE` names the release) and parses
all of it when imported (about two seconds). This module asks the package once for what the engine
needs - which codes exist (categories and subcategories, not chapters or blocks) and which of them
are leaves (billable) - and keeps that as a small index file in the user's cache directory, keyed
by the package version and data file, so a ``denialkb check`` reads two lines of text instead of
parsing the tabular list. The index is rebuilt from the package whenever the key changes; if the
cache cannot be written the index is kept in memory for the process.

Family membership (``C50`` and its descendants) follows the tabular hierarchy: in ICD-10-CM every
ancestor of a category or subcategory is a prefix of it, so a code is in the family of a valid
code ``F`` when it is itself valid and starts with ``F`` (tests/test_icd10.py checks this against
the package's own ``get_descendants``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = "simple-icd-10-cm"
CACHE_FORMAT = 1


def _undotted(code: str) -> str:
    return str(code).strip().upper().replace(".", "")


def _package_key() -> dict:
    """What the index depends on: the package's data file (name, size, time), found without
    importing the package (which would parse it) or scanning installed distributions."""
    from importlib.util import find_spec

    spec = find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed (pip install {PACKAGE})")
    files = sorted(Path(next(iter(spec.submodule_search_locations)), "data").glob("*.xml"))
    st = files[0].stat() if files else None
    return {"format": CACHE_FORMAT, "package": PACKAGE, "data": files[0].name if files else "unknown",
            "data_bytes": st.st_size if st else 0, "data_mtime": int(st.st_mtime) if st else 0}


def _cache_dir() -> Path:
    base = os.environ.get("DENIALKB_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "denialkb"


def _build(key: dict) -> dict:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm as cm

    codes, leaves = [], []
    for c in cm.get_all_codes(with_dots=False):
        if cm.is_category_or_subcategory(c):
            codes.append(c)
            if cm.is_leaf(c):
                leaves.append(c)
    return {**key, "version": metadata.version(PACKAGE), "codes": " " + " ".join(codes) + " ",
            "leaves": " " + " ".join(leaves) + " "}


def _write(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        pass  # read-only cache: keep the index in memory


class CodeSet:
    """What the ICD-10-CM release says about codes (dotted or not, any case).

    The codes are kept as one space-delimited string: a lookup is a substring search (well
    under a millisecond), which is cheaper for one claim than building a set of 98,000 codes;
    answers are cached per code for batches."""

    def __init__(self, data: dict):
        self.release = {k: data[k] for k in ("package", "version", "data")}
        self._codes = data["codes"]
        self._leaves = data["leaves"]

    @lru_cache(maxsize=4096)  # noqa: B019 - one CodeSet per process (code_set() is cached)
    def is_code(self, code: str) -> bool:
        """The code is a category or subcategory of this release (billable or not)."""
        c = _undotted(code)
        return bool(c) and " " not in c and f" {c} " in self._codes

    @lru_cache(maxsize=4096)  # noqa: B019
    def is_billable(self, code: str) -> bool:
        """The code is a leaf of the tabular list (a header such as C50.9 is not)."""
        c = _undotted(code)
        return bool(c) and " " not in c and f" {c} " in self._leaves

    def in_family(self, code: str, family: str) -> bool:
        """``code`` is ``family`` or one of its descendants (both codes of this release)."""
        c, f = _undotted(code), _undotted(family)
        return c.startswith(f) and self.is_code(c) and self.is_code(f)


@lru_cache(maxsize=1)
def code_set() -> CodeSet:
    """The ICD-10-CM code set of the installed package (built once, then read from the cache)."""
    key = _package_key()
    # one file per installed copy of the package (two environments must not overwrite each other's index)
    tag = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    path = _cache_dir() / f"icd10cm-{key['data'].removesuffix('.xml')}-{tag}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if {k: data.get(k) for k in key} != key:
            raise ValueError("stale index")
    except (OSError, ValueError, KeyError):
        data = _build(key)
        _write(path, data)
    return CodeSet(data)


def release() -> dict:
    """Which package, version and CMS data file the code set comes from."""
    return dict(code_set().release)
