"""Dated values: a payer setting or table value that changes on a date.

A value in the KB may be plain (``timely_filing_days: 90``) or a list of dated entries::

    lvef_hold_percent:
      - {value: 40, effective_to: "2026-12-31", sources: [...]}
      - {value: 45, effective_from: "2027-01-01", sources: [...]}

This module has no imports from the engine so that every layer can use it.
"""

from __future__ import annotations


def is_dated(value) -> bool:
    """True when a setting or table value is a list of dated entries ``{value, effective_from, ...}``."""
    return isinstance(value, list) and all(isinstance(e, dict) and "value" in e for e in value) and bool(value)


def dated_value(value, date: str | None):
    """The value in force on ``date`` (ISO) of a plain or dated value.

    A plain value is returned as it is. For a list of ``{value, effective_from, effective_to}``
    entries, the entry whose dates cover ``date`` (``effective_from: unknown`` or absent = from
    the beginning, no ``effective_to`` = still in force); None when no entry covers it. Without a
    date the entry in force last (the newest) is used.

    >>> dated_value([{"value": 40, "effective_to": "2026-12-31"}, {"value": 45, "effective_from": "2027-01-01"}], "2027-01-08")
    45
    """
    if not is_dated(value):
        return value
    for e in value:
        frm, to = e.get("effective_from"), e.get("effective_to")
        if date is None:
            if not to:
                return e["value"]
            continue
        if frm and frm != "unknown" and date < str(frm):
            continue
        if to and date > str(to):
            continue
        return e["value"]
    return None
