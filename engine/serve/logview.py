"""Reading the decision log for the workbench, and recording dispositions.

Reads go through :class:`denialkb.engine.decision_log.DecisionLog` (its SQLite connection);
dispositions through the decision log's own ``annotate`` (``denialkb log annotate``).
"""

from __future__ import annotations

import json

LIST_COLUMNS = ("id", "claim_id", "decided_at", "outcome", "kb_version", "as_of", "run_id")


def _open(path):
    from denialkb.engine.decision_log import DecisionLog

    return DecisionLog(path)


def recent(path, *, claim_id: str | None = None, limit: int = 200) -> list[dict]:
    """The newest ``limit`` rows of the log (all claims, or one), newest first."""
    if not path.is_file():
        return []
    with _open(path) as log:
        sql = f"SELECT {', '.join(LIST_COLUMNS)} FROM decisions"
        args: tuple = ()
        if claim_id:
            sql, args = sql + " WHERE claim_id = ?", (claim_id,)
        rows = log.db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in rows]


def entry(path, entry_id: int) -> dict | None:
    """One logged row with its record parsed (``record_obj``), or None."""
    if not path.is_file():
        return None
    from denialkb.engine.decision_log import COLUMNS

    with _open(path) as log:
        row = log.db.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        return None
    out = dict(zip(COLUMNS, row, strict=True))
    out["record_obj"] = json.loads(out["record"])
    return out


def dispositions(path, claim_id: str) -> list[dict]:
    """Every disposition recorded for ``claim_id``, oldest first."""
    if not path.is_file():
        return []
    with _open(path) as log:
        return log.dispositions(claim_id)


def annotate(path, claim_id: str, rule_id: str, disposition: str, note: str | None, line: int | None,
             kb_dir=None) -> dict:
    """Record a disposition of one denial of the latest logged decision of ``claim_id``
    (:func:`denialkb.engine.decision_log.annotate`, as ``denialkb log annotate``)."""
    from denialkb.engine.decision_log import annotate as _annotate

    return _annotate(path, claim_id, rule_id, disposition, note, line=line, kb_dir=kb_dir)
