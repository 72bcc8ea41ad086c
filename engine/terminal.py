"""Text that reaches a terminal: control characters shown as visible escapes.

A leaf module (no denialkb imports), used by :mod:`denialkb.engine.errors` to format every
problem and re-exported by :mod:`denialkb.engine.safety`.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\x1b": "\\x1b", "\x00": "\\0"}


def _show(m: re.Match) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character that could drive a terminal shown as an escape."""
    return _UNSAFE.sub(_show, text) if _UNSAFE.search(text) else text
