"""The decision log: an append-only SQLite table of decision records (stdlib sqlite3).

Schema (see docs/audit.md)::

    CREATE TABLE decisions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        claim_id     TEXT NOT NULL,
        kb_version   TEXT NOT NULL,
        decided_at   TEXT NOT NULL,   -- UTC, ISO 8601 with 'Z'
        outcome      TEXT NOT NULL,   -- denied | clean | undetermined
        as_of        TEXT,            -- the --as-of date used, NULL for each date of service
        record       TEXT NOT NULL,   -- the decision record, JSON
        input_sha256 TEXT NOT NULL,   -- sha256 of the canonical JSON of the validated input
        input        TEXT             -- the input document (canonical JSON), only with --store-input
    );
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError

DEFAULT_LOG = "denialkb-decisions.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id     TEXT NOT NULL,
    kb_version   TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    as_of        TEXT,
    record       TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    input        TEXT
);
CREATE INDEX IF NOT EXISTS decisions_claim_id ON decisions (claim_id, id);
"""

COLUMNS = ("id", "claim_id", "kb_version", "decided_at", "outcome", "as_of", "record", "input_sha256", "input")


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def canonical(data: dict) -> str:
    """The canonical JSON of a document: sorted keys, separators ``,`` ``:``, UTF-8 as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(data: dict) -> str:
    """sha256 of the canonical JSON of a (validated) claim document."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def record_line(record: dict) -> str:
    """One decision record as one JSON line (deterministic)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class DecisionLog:
    """Append decision records to, and read them from, one SQLite file."""

    def __init__(self, path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path))
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _insert(self, rows) -> None:
        with self.db:
            self.db.executemany(
                "INSERT INTO decisions (claim_id, kb_version, decided_at, outcome, as_of, record, input_sha256,"
                " input) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def append(self, record: dict, document: dict, *, as_of: str | None = None,
               store_input: bool = False) -> None:
        """Log one decision record with the validated input document it was decided from."""
        self._insert([(record["claim_id"], record["kb_version"], utc_now(), record["outcome"], as_of,
                       record_line(record), canonical_sha256(document),
                       canonical(document) if store_input else None)])

    def append_results(self, results: list, as_of: str | None = None) -> None:
        """Log batch results (from :func:`denialkb.engine.batch.process_chunk`) in one transaction."""
        now = utc_now()
        self._insert([(r["claim_id"], r["kb_version"], now, r["outcome"], as_of, r["record"], r["sha256"],
                       canonical(r["input"]) if "input" in r else None) for r in results])

    def entries(self, claim_id: str) -> list[dict]:
        cur = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE claim_id = ? ORDER BY id",
                              (claim_id,))
        return [dict(zip(COLUMNS, row, strict=True)) for row in cur]

    def latest(self, claim_id: str) -> dict:
        rows = self.entries(claim_id)
        if not rows:
            raise UsageError([Problem("usage_error", f"claim '{claim_id}' is not in the log {self.path}")])
        return rows[-1]


def log_check_records(path, pairs, *, as_of: str | None = None, store_input: bool = False) -> None:
    """For ``denialkb check --log PATH``: log ``(record, ClaimDocument)`` pairs."""
    with DecisionLog(path) as log:
        for record, doc in pairs:
            log.append(record, doc.data, as_of=as_of, store_input=store_input)


def compare_records(old: dict, new: dict) -> dict:
    """Compare two decision records of one claim (kb_version reported separately)."""
    def keys(r):
        return {(d["id"], d["line"]) for d in r["denials"]}

    strip = ("kb_version",)
    same = {k: v for k, v in old.items() if k not in strip} == {k: v for k, v in new.items() if k not in strip}
    return {
        "same_kb_version": old["kb_version"] == new["kb_version"],
        "logged_kb_version": old["kb_version"], "current_kb_version": new["kb_version"],
        "same": same,
        "outcome": [old["outcome"], new["outcome"]],
        "denials_added": [{"id": i, "line": ln} for i, ln in sorted(keys(new) - keys(old), key=str)],
        "denials_removed": [{"id": i, "line": ln} for i, ln in sorted(keys(old) - keys(new), key=str)],
    }


def replay(log_path, claim_id: str, *, claim_file=None, kb_dir=None) -> dict:
    """Decide a logged claim again with the current KB and compare with the logged record."""
    from denialkb.engine.claim import load_claim, validate_claim
    from denialkb.engine.runtime import Decider

    with DecisionLog(log_path) as log:
        entry = log.latest(claim_id)
    if claim_file is not None:
        doc = load_claim(claim_file)
        sha = canonical_sha256(doc.data)
        if sha != entry["input_sha256"]:
            raise UsageError([Problem("usage_error", f"{claim_file} is not the logged input of '{claim_id}'"
                                      f" (sha256 {sha[:12]}… != logged {entry['input_sha256'][:12]}…)",
                                      str(claim_file))])
    elif entry["input"] is not None:
        doc = validate_claim(json.loads(entry["input"]), f"log:{claim_id}")
    else:
        raise UsageError([Problem("usage_error", f"the log holds no input for '{claim_id}'",
                                  hint="log with --store-input, or pass --claim FILE")])
    old = json.loads(entry["record"])
    new = Decider(kb_dir).check_document(doc, entry["as_of"])
    out = compare_records(old, new)
    out.update(claim_id=claim_id, logged_at=entry["decided_at"], record=new)
    return out
