"""Regular expressions in rules, matched in linear time.

A ``matches`` condition in a rule is compiled with Google's RE2 (the ``google-re2``
bindings), whose matching time grows linearly with the text: a pattern such as
``^(a+)+$`` cannot backtrack catastrophically on a claim value the way Python's ``re``
does. RE2 has no back-references and no look-around; a pattern that needs them is refused
when the KB is loaded, with RE2's reason.

>>> compile_pattern(r"^(a+)+$").search("a" * 50_000 + "!") is None
True
"""

from __future__ import annotations

from functools import lru_cache

MAX_PATTERN = 200
"""Longest pattern a rule may hold (characters)."""


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


@lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """Compile ``pattern`` with RE2 (linear-time matching); raise :class:`PatternError`."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of the error on stderr
    options.max_mem = 8 << 20  # a pattern whose automaton needs more is refused, not built
    try:
        return re2.compile(pattern, options=options)
    except re2.error as e:
        reason = e.args[0] if e.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def search(compiled, text) -> bool:
    """Whether ``compiled`` matches anywhere in ``str(text)`` (time linear in its length)."""
    return compiled.search(str(text)) is not None
