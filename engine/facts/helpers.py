"""Small pure helpers of the fact computations: NDC and ICD-10 normal forms, dates, vials."""

from __future__ import annotations

import datetime as _dt
import functools
import math


def normalize_ndc(ndc: str) -> str | None:
    """NDC to the 11-digit 5-4-2 form, or None when the shape is not a valid NDC.

    >>> normalize_ndc("50242-145-01"), normalize_ndc("0002-7669-01"), normalize_ndc("50242014501")
    ('50242014501', '00002766901', '50242014501')
    """
    s = str(ndc).strip()
    if "-" in s:
        parts = s.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        a, b, c = parts
        shape = (len(a), len(b), len(c))
        if shape == (4, 4, 2):
            a = "0" + a
        elif shape == (5, 3, 2):
            b = "0" + b
        elif shape == (5, 4, 1):
            c = "0" + c
        elif shape != (5, 4, 2):
            return None
        return a + b + c
    if s.isdigit() and len(s) == 11:
        return s
    return None  # 10 digits without hyphens is ambiguous (4-4-2, 5-3-2 or 5-4-1)


def normalize_icd(code: str) -> str:
    """ICD-10-CM code upper-cased with the dot after the third character."""
    c = str(code).strip().upper().replace(".", "")
    return c[:3] + "." + c[3:] if len(c) > 3 else c


def as_date(s) -> _dt.date | None:
    """An ISO date string as a date (None stays None)."""
    return _dt.date.fromisoformat(s) if s else None


def add_months(d: _dt.date, months: int) -> _dt.date:
    """``d`` plus ``months`` calendar months (the day is clipped to the month's last day)."""
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    day = min(d.day, [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30,
                      31, 31, 30, 31, 30, 31][m - 1])
    return _dt.date(y, m, day)


def next_workday(d: _dt.date, holidays_too: bool = True) -> _dt.date:
    """``d``, or the next day that is neither a Saturday, a Sunday nor (with ``holidays_too``) a US federal
    holiday or its observed day (the ``holidays`` package's US calendar)."""
    cal = _us_holidays() if holidays_too else frozenset()
    while d.weekday() >= 5 or d in cal:
        d += _dt.timedelta(days=1)
    return d


@functools.lru_cache(maxsize=1)
def _us_holidays():
    import holidays  # imported when needed: loading every country's calendar takes ~0.1 s

    return holidays.country_holidays("US", years=range(2000, 2041))


def in_force(row: dict, date: str) -> bool:
    """True when ``row``'s effective_from/effective_to (unknown start = always) cover ``date``."""
    frm = row.get("effective_from")
    to = row.get("effective_to")
    if frm and frm != "unknown" and date < frm:
        return False
    if to and date > to:
        return False
    return True


def best_vials(dose: float, sizes: list[float]) -> float | None:
    """Smallest total of whole vials (any mix of ``sizes``) holding ``dose``; ties: fewer vials."""
    if not sizes or dose <= 0:
        return None
    sizes = sorted(set(sizes))
    best = None
    big = sizes[-1]
    max_big = int(math.ceil(dose / big)) + 1
    # enumerate counts of the largest size, fill the rest greedily-exactly with the smaller ones
    def rec(i, remaining, total, count):
        nonlocal best
        if remaining <= 0:
            cand = (total, count)
            if best is None or cand < best:
                best = cand
            return
        if i < 0:
            return
        s = sizes[i]
        limit = int(math.ceil(remaining / s))
        for n in range(limit, -1, -1):
            rec(i - 1, remaining - n * s, total + n * s, count + n)
    if len(sizes) > 4 or max_big > 200:  # keep it bounded for absurd doses
        n = int(math.ceil(dose / big))
        return n * big
    rec(len(sizes) - 1, dose, 0, 0)
    return best[0] if best else None


def minutes_between(start: str | None, end: str | None) -> float | None:
    """Minutes from ``start`` to ``end`` (ISO date-times), or None when either is absent."""
    if not (start and end):
        return None
    t0 = _dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    t1 = _dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
    return (t1 - t0).total_seconds() / 60
