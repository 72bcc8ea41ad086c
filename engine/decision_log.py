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
        input        TEXT,            -- the input document (canonical JSON), only with --store-input
        run_id       TEXT,            -- the run (audit or check invocation) that logged the row
        seq          INTEGER          -- the claim's position in that run's input; (run_id, seq) unique
    );

Logs written before ``run_id``/``seq`` existed are upgraded in place (the columns are
added, old rows keep NULL). A locked or full database is an :class:`IncompleteError`
(exit 4) with a message, never a traceback.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import secrets
import sqlite3
from pathlib import Path

from denialkb.engine.errors import IncompleteError, Problem, UsageError

DEFAULT_LOG = "denialkb-decisions.sqlite"
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer before giving up

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
    input        TEXT,
    run_id       TEXT,
    seq          INTEGER
);
CREATE INDEX IF NOT EXISTS decisions_claim_id ON decisions (claim_id, id);
CREATE TABLE IF NOT EXISTS dispositions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id     TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    line         INTEGER,          -- NULL for a claim-level denial
    disposition  TEXT NOT NULL,    -- agree | disagree | note
    note         TEXT,
    annotated_at TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,    -- the claim as decided when annotated
    rule_sha256  TEXT NOT NULL     -- the rule's definition when annotated
);
CREATE INDEX IF NOT EXISTS dispositions_claim ON dispositions (claim_id, id);
"""
RUN_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS decisions_run_seq ON decisions (run_id, seq)"

DISPOSITIONS = ("agree", "disagree", "note")


def rule_sha256(rule) -> str:
    """sha256 of a rule's definition (its YAML data): a disposition is carried to a re-run only
    while this and the claim are unchanged."""
    return hashlib.sha256(json.dumps(rule.raw, sort_keys=True, default=str).encode("utf-8")).hexdigest()

COLUMNS = ("id", "claim_id", "kb_version", "decided_at", "outcome", "as_of", "record", "input_sha256", "input",
           "run_id", "seq")


def utc_now() -> str:
    """The current UTC time as ISO 8601 with 'Z', to the second."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """A fresh run id: UTC start time and 6 random hex digits, e.g. ``20240315T091000Z-3fa9c1``."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(3)}"


def canonical(data: dict) -> str:
    """The canonical JSON of a document: sorted keys, separators ``,`` ``:``, UTF-8 as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_sha256(data: dict) -> str:
    """sha256 of the canonical JSON of a (validated) claim document."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def record_line(record: dict) -> str:
    """One decision record as one JSON line (deterministic)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _db_error(path, e: sqlite3.Error, *, opening: bool = False):
    """The message and error class for a SQLite failure on the log at ``path``."""
    msg = str(e).lower()
    if "locked" in msg or "busy" in msg:
        return IncompleteError([Problem("log_locked", f"the decision log is locked by another process "
                                        f"(waited {LOCK_TIMEOUT:g} s)", str(path),
                                        hint="wait for the other writer to finish, then run again "
                                             "(audit: --resume)")])
    if "full" in msg:
        return IncompleteError([Problem("disk_full", "the decision log cannot grow: database or disk is full",
                                        str(path), hint="free space, then run again (audit: --resume)")])
    if opening or "not a database" in msg or "unable to open" in msg:
        return UsageError([Problem("log_invalid", f"cannot use as a decision log: {e}", str(path),
                                   expected="a denialkb SQLite decision log, or a new file in an existing folder")])
    return IncompleteError([Problem("log_error", f"writing the decision log failed: {e}", str(path))])


class DecisionLog:
    """Append decision records to, and read them from, one SQLite file.

    Raises
    ------
    UsageError
        When ``path`` cannot be opened as a SQLite decision log (exit 2).
    IncompleteError
        When the log is locked by another writer or the disk is full (exit 4).
    """

    def __init__(self, path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise UsageError([Problem("usage_error", f"no decision log at {self.path}", str(self.path))])
        try:
            self.db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT)
            self.db.executescript(SCHEMA)
            cols = {row[1] for row in self.db.execute("PRAGMA table_info(decisions)")}
            with self.db:
                for col, kind in (("run_id", "TEXT"), ("seq", "INTEGER")):
                    if col not in cols:  # a log from before run ids
                        self.db.execute(f"ALTER TABLE decisions ADD COLUMN {col} {kind}")
                self.db.execute(RUN_INDEX)
        except sqlite3.Error as e:
            raise _db_error(self.path, e, opening=True) from None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _insert(self, rows) -> None:
        try:
            with self.db:
                self.db.executemany(
                    "INSERT INTO decisions (claim_id, kb_version, decided_at, outcome, as_of, record, input_sha256,"
                    " input, run_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as e:
            raise _db_error(self.path, e) from None

    def append(self, record: dict, document: dict, *, as_of: str | None = None,
               store_input: bool = False, run_id: str | None = None, seq: int | None = None) -> None:
        """Log one decision record with the validated input document it was decided from."""
        self._insert([(record["claim_id"], record["kb_version"], utc_now(), record["outcome"], as_of,
                       record_line(record), canonical_sha256(document),
                       canonical(document) if store_input else None, run_id, seq)])

    def append_results(self, results: list, as_of: str | None = None, run_id: str | None = None) -> None:
        """Log batch results (from :func:`denialkb.engine.batch.process_chunk`) in one transaction."""
        now = utc_now()
        self._insert([(r["claim_id"], r["kb_version"], now, r["outcome"], as_of, r["record"], r["sha256"],
                       canonical(r["input"]) if "input" in r else None, run_id, r.get("seq"))
                      for r in results])

    def forget_run(self, run_id: str, from_seq: int = 0) -> int:
        """Delete the rows a run logged for claims at ``seq >= from_seq`` (an interrupted run being
        resumed or replaced); return how many were deleted."""
        try:
            with self.db:
                cur = self.db.execute("DELETE FROM decisions WHERE run_id = ? AND seq >= ?", (run_id, from_seq))
        except sqlite3.Error as e:
            raise _db_error(self.path, e) from None
        return cur.rowcount

    def run_rows(self, run_id: str) -> list[tuple]:
        """``(seq, claim_id)`` of every row a run logged, by seq."""
        return self.db.execute("SELECT seq, claim_id FROM decisions WHERE run_id = ? ORDER BY seq",
                               (run_id,)).fetchall()

    def entries(self, claim_id: str) -> list[dict]:
        """Every logged row of a claim, oldest first, as dicts of :data:`COLUMNS`."""
        cur = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE claim_id = ? ORDER BY id",
                              (claim_id,))
        return [dict(zip(COLUMNS, row, strict=True)) for row in cur]

    def annotate(self, claim_id: str, rule_id: str, line, disposition: str, note: str | None,
                 input_sha256: str, rule_hash: str) -> None:
        """Record an auditor's disposition of one finding (append-only: the latest wins)."""
        with self.db:
            self.db.execute("INSERT INTO dispositions (claim_id, rule_id, line, disposition, note, annotated_at,"
                            " input_sha256, rule_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (claim_id, rule_id, line, disposition, note, utc_now(), input_sha256, rule_hash))

    def dispositions(self, claim_id: str) -> list[dict]:
        """Every disposition recorded for a claim, oldest first."""
        cols = ("rule_id", "line", "disposition", "note", "annotated_at", "input_sha256", "rule_sha256")
        cur = self.db.execute(f"SELECT {', '.join(cols)} FROM dispositions WHERE claim_id = ? ORDER BY id",
                              (claim_id,))
        return [dict(zip(cols, row, strict=True)) for row in cur]

    def carried(self, claim_id: str, input_sha256: str, rule_hashes: dict) -> dict:
        """``(rule id, line) -> {"disposition", "note"}``: the latest disposition of each finding
        whose claim input and rule definition are unchanged (``rule_hashes``: rule id -> sha256)."""
        out = {}
        for d in self.dispositions(claim_id):
            if d["input_sha256"] == input_sha256 and rule_hashes.get(d["rule_id"]) == d["rule_sha256"]:
                out[(d["rule_id"], d["line"])] = {"disposition": d["disposition"], "note": d["note"]}
        return out

    def latest(self, claim_id: str) -> dict:
        """The newest logged row of a claim; a :class:`UsageError` when there is none."""
        rows = self.entries(claim_id)
        if not rows:
            raise UsageError([Problem("usage_error", f"claim '{claim_id}' is not in the log {self.path}")])
        return rows[-1]


def log_check_records(path, pairs, *, as_of: str | None = None, store_input: bool = False) -> str:
    """For ``denialkb check --log PATH``: log ``(record, ClaimDocument)`` pairs in one
    transaction, under a fresh run id (returned)."""
    run_id = new_run_id()
    rows = [(record["claim_id"], record["kb_version"], utc_now(), record["outcome"], as_of, record_line(record),
             canonical_sha256(doc.data), canonical(doc.data) if store_input else None, run_id, i)
            for i, (record, doc) in enumerate(pairs)]
    with DecisionLog(path) as log:
        log._insert(rows)
    return run_id


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

    with DecisionLog(log_path, create=False) as log:
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


def annotate(log_path, claim_id: str, rule_id: str, disposition: str, note: str | None = None, line=None,
             kb_dir=None) -> dict:
    """Record a disposition for the denial ``rule_id`` (on ``line``) of the latest logged decision
    of ``claim_id``; the rule's definition is hashed from ``kb_dir`` (it must be the KB that decided)."""
    from denialkb.engine.errors import did_you_mean
    from denialkb.engine.kb import load_kb

    if disposition not in DISPOSITIONS:
        raise UsageError([Problem("usage_error", f"--disposition: '{disposition}'",
                                  expected="agree, disagree or note")])
    with DecisionLog(log_path) as log:
        entry = log.latest(claim_id)
        record = json.loads(entry["record"])
        found = [d for d in record["denials"] if d["id"] == rule_id]
        ids = sorted({d["id"] for d in record["denials"]})
        if not found:
            raise UsageError([Problem("usage_error", f"claim '{claim_id}' has no denial '{rule_id}' in the log",
                                      expected="one of " + (", ".join(ids) or "(none: the claim is not denied)"),
                                      hint=did_you_mean(rule_id, ids))])
        lines = sorted({d["line"] for d in found}, key=lambda x: -1 if x is None else x)
        if line is None and len(lines) > 1:
            raise UsageError([Problem("usage_error", f"'{rule_id}' denies lines {', '.join(map(str, lines))} "
                                      f"of '{claim_id}'", hint="pass --line N")])
        if line is not None and line not in lines:
            raise UsageError([Problem("usage_error", f"'{rule_id}' does not deny line {line} of '{claim_id}'",
                                      expected="line " + ", ".join("claim" if x is None else str(x) for x in lines))])
        target = line if line is not None else lines[0]
        kb = load_kb(kb_dir)
        if kb.version != entry["kb_version"]:
            raise UsageError([Problem("usage_error", f"the logged decision of '{claim_id}' was made with KB "
                                      f"{entry['kb_version'][:19]}, not {kb.version[:19]}",
                                      hint="pass --kb with the KB that decided it, or re-run the audit first")])
        log.annotate(claim_id, rule_id, target, disposition, note, entry["input_sha256"],
                     rule_sha256(kb.rules_by_id[rule_id]))
    return {"claim_id": claim_id, "rule_id": rule_id, "line": target, "disposition": disposition, "note": note}
