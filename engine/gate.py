"""The gate in front of deciding: a KB that lints with errors never decides a claim.

It sits above both the KB loader (engine/kb.py, engine/kbchecks.py) and the authoring checks
(engine/authoring.py), so neither imports the other back: runtime -> gate -> authoring -> kb.
"""

from __future__ import annotations

from pathlib import Path

from denialkb.engine.errors import KBInvalidError


def load_kb_for_deciding(root: str | Path | None = None):
    """Load a KB for deciding claims: refused (``KBInvalidError``) when it lints with errors.

    ``check``, ``audit``, ``why``, ``what-if``, ``report`` and ``graph`` decide with what this
    returns, so a KB with a missing rules folder, missing payer rules (golden cases that name
    rules it no longer has), mistyped payer settings or rules that can never fire is never
    used to decide. Warnings (a rule with no golden case) do not refuse a KB.
    """
    from denialkb.engine.authoring import lint_problems
    from denialkb.engine.kb import load_kb

    kb = load_kb(root)
    errors = lint_problems(kb, errors_only=True)
    if errors:
        n = len(errors)
        raise KBInvalidError(errors, summary=f"knowledge base lints with {n} error{'s' if n != 1 else ''} "
                             "(denialkb kb lint shows them all); nothing was decided")
    return kb
