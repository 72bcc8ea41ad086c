"""The claims every engine must decide identically: the examples, the golden cases (with
their ``as_of``) and generated claims (``benchmarks/_common.py``, seed 7)."""

from __future__ import annotations

import sys

from .conftest import EXAMPLES, ROOT


def corpus(kb, n_generated: int = 400):
    """Yield ``(name, validated document, as_of)``."""
    from denialkb.engine.cases import case_document
    from denialkb.engine.claim import load_claim, validate_claim

    for p in sorted(EXAMPLES.glob("*.yaml")):
        yield p.name, load_claim(p), None
    for c in kb.cases:
        yield f"case:{c.id}", validate_claim(case_document(c, kb.root), c.id), c.raw.get("as_of")
    if n_generated:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        try:
            from _common import generate_claims
        finally:
            sys.path.remove(str(ROOT / "benchmarks"))
        for i, d in enumerate(generate_claims(n_generated)):
            yield f"gen:{i}", validate_claim(d), None
