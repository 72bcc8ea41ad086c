"""Batch audit: decide many claim documents in parallel, streaming, in input order.

Pipeline (memory stays flat: only ``2 * workers`` chunks are in flight)::

    iter_items(paths)            -> (seq, source, data | None, problems | None)   parent process
      -> chunks of CHUNK_SIZE     -> process_chunk(chunk, as_of, kb_dir)          worker process
      -> results, in input order  -> decisions.jsonl / rejected.jsonl / summary    parent process

Every worker process builds one :class:`~denialkb.engine.runtime.Decider` (the KB is
compiled once per process) and keeps it in a module global, so the same
:func:`process_chunk` runs in a local ``ProcessPoolExecutor`` or on Dask workers.

Input formats (see docs/audit.md): claim documents (``.yaml``, ``.yml``, ``.json``),
folders of them (recursively, sorted by path), JSON Lines (``.jsonl``, one document per
line) and the flat CSV / Parquet layout (one row per line item, rows of a claim contiguous).
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import os
import re
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from denialkb.engine.decision_log import canonical_sha256, record_line
from denialkb.engine.errors import (
    DenialKBError,
    IncompleteError,
    Problem,
    UsageError,
    exception_place,
)

__all__ = ["canonical_sha256", "record_line", "run_audit", "process_chunk", "iter_documents",
           "rows_to_document", "document_to_rows", "Summary"]

CHUNK_SIZE = 64
DOC_SUFFIXES = (".yaml", ".yml", ".json")
BATCH_SUFFIXES = (".jsonl", ".csv", ".parquet")
#: In a folder, files with these suffixes are read when their content is X12 or FHIR.
CONVERTED_SUFFIXES = (".txt", ".edi", ".x12", ".837", ".837p", ".837i", ".ndjson", ".dat")
TOP_PATHS = 20

# --------------------------------------------------------------------------- flat layout

# column -> (section, key, kind); kinds: str, num, list (";"-separated), ilist, bool
CLAIM_COLUMNS = {
    "claim_id": ("claim", "id", "str"),
    "form": ("claim", "form", "str"),
    "payer": ("claim", "payer", "str"),
    "received_date": ("claim", "received_date", "str"),
    "place_of_service": ("claim", "place_of_service", "str"),
    "type_of_bill": ("claim", "type_of_bill", "str"),
    "prior_authorization": ("claim", "prior_authorization", "str"),
    "diagnoses": ("claim", "diagnoses", "list"),
    "patient_id": ("patient", "id", "str"),
    "patient_birth_date": ("patient", "birth_date", "str"),
    "patient_sex": ("patient", "sex", "str"),
    "patient_weight_kg": ("patient", "weight_kg", "num"),
    "patient_pregnant": ("patient", "pregnant", "bool"),
    "coverage_start_date": ("coverage", "start_date", "str"),
    "coverage_end_date": ("coverage", "end_date", "str"),
}
LINE_COLUMNS = {
    "line_number": ("number", "num"),
    "code": ("code", "str"),
    "modifiers": ("modifiers", "list"),
    "units": ("units", "num"),
    "service_date": ("service_date", "str"),
    "ndc": ("ndc", "str"),
    "ndc_quantity": ("ndc_quantity", "num"),
    "ndc_unit": ("ndc_unit", "str"),
    "charge": ("charge", "num"),
    "diagnosis_pointers": ("diagnosis_pointers", "ilist"),
    "revenue_code": ("revenue_code", "str"),
}
EXTRA_COLUMN = "document_json"  # the other sections (clinical, documentation, ...) as JSON
FLAT_COLUMNS = tuple(CLAIM_COLUMNS) + tuple(LINE_COLUMNS) + (EXTRA_COLUMN,)


def _empty(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, float) and v != v)


def _convert(v, kind):
    """A flat cell to its document value; a value that does not convert is kept as is so
    that validation reports it with its place."""
    if kind == "str":
        return v if isinstance(v, str) else str(v)
    if kind == "num":
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return int(v) if float(v).is_integer() and not isinstance(v, float) else v
        try:
            f = float(v)
        except (TypeError, ValueError):
            return v
        return int(f) if f.is_integer() and "." not in str(v) else f
    if kind == "bool":
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(s, v)
    items = list(v) if isinstance(v, (list, tuple)) else [p.strip() for p in str(v).split(";") if p.strip()]
    if kind == "ilist":
        return [_convert(p, "num") if not isinstance(p, int) else p for p in items]
    return [str(p) for p in items]


def rows_to_document(rows: list[dict]) -> dict:
    """One claim document from the flat rows of one claim (claim-level columns from the
    first row; one line item per row)."""
    first = rows[0]
    doc: dict = {}
    extra = first.get(EXTRA_COLUMN)
    if not _empty(extra):
        try:
            loaded = json.loads(extra) if isinstance(extra, str) else extra
        except json.JSONDecodeError as e:
            raise ValueError(f"column {EXTRA_COLUMN} is not JSON: {e}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"column {EXTRA_COLUMN} must hold a JSON object")
        doc.update(loaded)
    for col, (section, key, kind) in CLAIM_COLUMNS.items():
        v = first.get(col)
        if not _empty(v):
            doc.setdefault(section, {})[key] = _convert(v, kind)
    lines = []
    for r in rows:
        ln = {}
        for col, (key, kind) in LINE_COLUMNS.items():
            v = r.get(col)
            if not _empty(v):
                ln[key] = _convert(v, kind)
        lines.append(ln)
    doc.setdefault("claim", {})["lines"] = lines
    return doc


def document_to_rows(doc: dict) -> list[dict]:
    """The flat rows (one per line item) of a claim document; the inverse of
    :func:`rows_to_document` for documents whose claim/patient/coverage keys are all columns."""
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, list):
            return ";".join(str(x) for x in v)
        if isinstance(v, bool):
            return "true" if v else "false"
        return v if isinstance(v, str) else str(v)

    head = {}
    for col, (section, key, _kind) in CLAIM_COLUMNS.items():
        head[col] = cell((doc.get(section) or {}).get(key))
    rest = {k: v for k, v in doc.items() if k not in ("claim", "patient", "coverage")}
    for section in ("patient", "coverage"):
        extra = {k: v for k, v in (doc.get(section) or {}).items()
                 if (section, k) not in {(s, k2) for s, k2, _ in CLAIM_COLUMNS.values()}}
        if extra:
            rest[section] = extra
    rows = []
    for i, ln in enumerate(doc["claim"]["lines"]):
        row = dict(head) if i == 0 else {c: head[c] for c in head}
        for col, (key, _kind) in LINE_COLUMNS.items():
            row[col] = cell(ln.get(key))
        row[EXTRA_COLUMN] = json.dumps(rest, sort_keys=True) if i == 0 and rest else ""
        rows.append(row)
    return rows


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (read with surrogateescape)


def _not_utf8(text: str) -> int | None:
    """1-based column of the first byte that was not UTF-8 in ``text``, or None."""
    m = _UNDECODED.search(text)
    return m.start() + 1 if m else None


def _flat_groups(rows: Iterable[tuple[int, dict]], source: str) -> Iterator[tuple[str, dict | None, list | None]]:
    for n, (cid, grp) in enumerate(groupby(rows, key=lambda r: r[1].get("claim_id")), 1):
        rs = list(grp)
        label = f"{source}#claim:{cid}" if not _empty(cid) else f"{source}#group:{n}"
        first = rs[0][0]
        bad = next(((ln, c) for ln, r in rs for v in r.values() if isinstance(v, str)
                    for c in [_not_utf8(v)] if c), None)
        if bad:
            yield label, None, [Problem("claim_invalid", "not UTF-8", source, bad[0], 0,
                                        expected="UTF-8 text")]
            continue
        try:
            yield label, rows_to_document([r for _, r in rs]), None
        except ValueError as e:
            yield label, None, [Problem("claim_invalid", str(e), source, first)]


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line, row)`` of a CSV file; bytes that are not UTF-8 are kept as surrogates so that
    only the claim they are in is rejected."""
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        start = 2
        for row in reader:
            yield start, row
            start = reader.line_num + 1


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the extra
        raise ImportError("Parquet input needs pyarrow: pip install 'denialkb[scale]'") from None
    pf = pq.ParquetFile(path)
    n = 0
    for batch in pf.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            n += 1
            yield n, row


# --------------------------------------------------------------------------- reading

def _expand(paths: Iterable[str | Path], exclude: Path | None = None) -> Iterator[Path]:
    from denialkb.engine.formats.reader import sniff_file

    ex = exclude.resolve() if exclude is not None else None
    for p in map(Path, paths):
        if p.is_dir():
            for q in sorted(p.rglob("*")):
                if not q.is_file():
                    continue
                if ex is not None and ex in q.resolve().parents:
                    continue  # the audit's own output folder inside an input folder
                suf = q.suffix.lower()
                if suf in DOC_SUFFIXES + BATCH_SUFFIXES or (
                        suf in CONVERTED_SUFFIXES and sniff_file(q) != "claim"):
                    yield q
        else:
            yield p


def _json_line(raw: bytes, p: Path, i: int) -> tuple[dict | None, list | None]:
    """One JSON Lines line: decoded and parsed on its own, so a bad line costs only itself."""
    from denialkb.engine.yamlio import LoadError, parse_json

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, [Problem("claim_invalid", f"not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                              str(p), i, e.start + 1, expected="UTF-8 text")]
    try:
        return parse_json(text, f"{p}:{i}", "claim_invalid").data, None
    except LoadError as e:
        q = e.problem
        msg = "not JSON: " + q.message[len("invalid JSON: "):] if q.message.startswith("invalid JSON: ") else q.message
        return None, [Problem(q.code, msg, str(p), i, q.col, expected=q.expected, hint=q.hint)]
    except (ValueError, RecursionError, OverflowError) as e:  # e.g. a 5,000-digit integer
        return None, [Problem("claim_invalid", f"not JSON: {type(e).__name__}: {str(e)[:120]}", str(p), i)]


def _payer_map_of(kb_dir):
    from denialkb.engine.inputs import payer_map_of

    return payer_map_of(kb_dir)


class ConvertedData(dict):
    """A claim document converted from X12/FHIR; ``converter_warnings`` travel with it
    to the worker (``{code, place, message}`` dicts for the record's ``warnings``)."""

    converter_warnings: list


def _converted_items(p: Path, payer, clinical, payer_map=None) -> Iterator[tuple[str, dict | None, list | None]]:
    """The claims and rejections of one X12 / FHIR / NDJSON file, in file order."""
    from denialkb.engine.formats._common import as_warning
    from denialkb.engine.formats.reader import read_file
    from denialkb.engine.inputs import rejection_problems

    result = read_file(p, payer=payer, payer_map=payer_map, clinical=clinical)
    common = [as_warning(w).to_dict() for w in result.warnings]

    def label(source: str) -> str:
        # the converters name the file alone; name it as reached from the audit's input argument
        # (like YAML inputs), so two x.837 in two folders stay apart
        return str(p) + source[len(p.name):] if source.startswith(p.name) else source

    for conv in result.claims:
        data = ConvertedData(conv.document)
        data.converter_warnings = common + conv.warning_dicts()
        yield label(conv.source), data, None
    for rej in result.rejections:
        rej.source = label(rej.source)
        yield rej.source, ({"claim": {"id": rej.claim_id}} if rej.claim_id else None), rejection_problems(rej)


def iter_documents(paths: Iterable[str | Path], payer: str | None = None, clinical: str | None = None,
                   payer_map=None, exclude: Path | None = None) -> Iterator[tuple[str, dict | None, list | None]]:
    """Yield ``(source label, parsed document or None, problems or None)`` in input order.

    A file or line that cannot be read or parsed yields its problems instead of a document:
    JSON Lines are decoded and parsed line by line, CSV claims checked one by one, so one bad
    line or byte costs only its own claim. When a file breaks off (an I/O error, a corrupt
    Parquet page), the rest of it is one rejection naming the place it broke. X12 837, FHIR
    (Bundle, Claim, EOB) and NDJSON files are converted (``payer`` and the ``clinical`` file
    or folder apply to them); each claim is one item, each unit the converter refused is one
    item with its located problems. ``exclude`` is a folder to skip inside input folders
    (the audit's own output).
    """
    from denialkb.engine.formats.reader import sniff_file
    from denialkb.engine.yamlio import LoadError, load_document

    for p in _expand(paths, exclude):
        suf = p.suffix.lower()
        at = 0  # the last line / row reached, for a file that breaks off
        try:
            if suf not in BATCH_SUFFIXES and p.is_file() and sniff_file(p) != "claim":
                yield from _converted_items(p, payer, clinical, payer_map)
            elif suf == ".jsonl":
                with open(p, "rb") as f:
                    for i, raw in enumerate(f, 1):
                        at = i
                        if i == 1 and raw.startswith(b"\xef\xbb\xbf"):
                            raw = raw[3:]
                        if not raw.strip():
                            continue
                        data, problems = _json_line(raw, p, i)
                        yield f"{p}:{i}", data, problems
            elif suf in (".csv", ".parquet"):
                rows = _csv_rows(p) if suf == ".csv" else _parquet_rows(p)

                def track(rows=rows):
                    nonlocal at
                    for pos, row in rows:
                        at = pos
                        yield pos, row
                yield from _flat_groups(track(), str(p))
            else:
                try:
                    loaded = load_document(p, "claim_invalid")
                except LoadError as e:
                    yield str(p), None, [e.problem]
                    continue
                yield str(p), loaded.data, None
        except Exception as e:  # an unreadable file is a rejection, never the end of the audit
            where = f" from {'line' if suf != '.parquet' else 'row'} {at} on" if at else ""
            reason = e.strerror if isinstance(e, OSError) and e.strerror else f"{type(e).__name__}: {str(e)[:120]}"
            yield (f"{p}:{at}" if at else str(p)), None, [
                Problem("claim_invalid", f"cannot read{where}: {reason}", str(p), at)]


def count_claims(paths: Iterable[str | Path], exclude: Path | None = None) -> int | None:
    """How many claims ``iter_documents`` will yield (for the progress bar's ETA): one cheap
    pass (JSONL lines, CSV claim groups, Parquet claim_id column). None when it cannot tell."""
    from denialkb.engine.formats.reader import sniff_file

    n = 0
    try:
        for p in _expand(paths, exclude):
            suf = p.suffix.lower()
            if suf == ".jsonl":
                with open(p, "rb") as f:
                    n += sum(1 for t in f if t.strip())
            elif suf == ".csv":
                n += sum(1 for _ in groupby(r.get("claim_id") for _, r in _csv_rows(p)))
            elif suf == ".parquet":
                import pyarrow.parquet as pq

                col = pq.read_table(p, columns=["claim_id"]).column("claim_id").to_pylist()
                n += sum(1 for _ in groupby(col))
            elif sniff_file(p) == "claim":
                n += 1
            else:
                return None  # X12 / FHIR: counting needs a parse; no ETA
    except Exception:
        return None
    return n


# --------------------------------------------------------------------------- worker side

_DECIDERS: dict = {}


def _kb_stamp(kb_dir) -> str | None:
    """The version (content hash) of the KB files in ``kb_dir`` (the shipped KB when None), as
    :func:`~denialkb.engine.kb.load_kb` computes it; None when they cannot be read."""
    from denialkb.engine.kb import default_kb_dir, kb_files, kb_version

    root = Path(kb_dir) if kb_dir else default_kb_dir()
    try:
        return kb_version(root, kb_files(root))
    except OSError:
        return None


def _decider(kb_dir, engine: str = "experta"):
    """The per-process Decider (compiled once per process, KB directory, engine and KB version).

    The cached Decider is reused only while the KB's files hash to its version (about 2 ms per
    chunk for the shipped KB): a KB edited between two runs in one process (a test, a server,
    workers forked from a parent that decided before) is compiled again, never decided with
    the old rules."""
    key = (str(kb_dir) if kb_dir else None, engine, threading.get_ident())  # one engine per thread
    d = _DECIDERS.get(key)
    if d is None or d.kb.version != _kb_stamp(kb_dir):
        from denialkb.engine.runtime import Decider

        d = _DECIDERS[key] = Decider(kb_dir, engine=engine)
    return d


def _die_with_parent() -> None:
    """Linux: have the kernel stop this worker when the parent process dies (even by SIGKILL),
    so that an audit killed hard leaves no orphan workers."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - best effort
        pass


def init_worker(kb_dir=None, engine: str = "experta") -> None:
    """ProcessPoolExecutor initializer: compile the KB once in this process. Ctrl-C goes to the
    parent (which stops the run cleanly), not to the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _decider(kb_dir, engine)


def why_paths(record: dict) -> list[str]:
    """For each denial firing in the trace, the rule ids of the firings that led to it
    (through the findings it matched), in step order, joined with ' > '."""
    trace = record.get("trace", [])
    producer: dict = {}
    for f in trace:
        producer.setdefault(f["concluded"], f)
    out = []
    for f in trace:
        if not f["concluded"].startswith("denial:"):
            continue
        seen: dict = {}
        stack = [f]
        while stack:
            g = stack.pop()
            if g["step"] in seen:
                continue
            seen[g["step"]] = g["rule"]
            stack.extend(producer[k] for k in g["facts"] if k.startswith("finding:") and k in producer)
        out.append(" > ".join(seen[s] for s in sorted(seen)))
    return out


def validate_fast(data, source: str):
    """Kept for callers of the batch module: validation is fast in ``validate_claim`` itself."""
    from denialkb.engine.claim import validate_claim

    return validate_claim(data, source)


def _decide_one(decider, data: dict, source: str, as_of):
    from denialkb.engine.record import build_record

    doc = validate_fast(data, source)
    decision = decider.decide(doc, as_of)
    rec = build_record(decision, decider.kb, doc)
    notes = getattr(data, "converter_warnings", None)
    if notes:
        rec["warnings"] = list(rec.get("warnings") or []) + [n for n in notes if n not in (rec.get("warnings") or [])]
    lines = doc.data["claim"]["lines"]
    drug_of = {ln["line.number"]: ln.get("line.drug") for ln in decision.facts.lines}
    charge_of = {ln.get("number", i + 1): float(ln.get("charge") or 0) for i, ln in enumerate(lines)}
    return doc, rec, drug_of, charge_of


def _table_rows(rec, doc, drug_of, min_confidence, kb=None):
    """Hook: the workpaper rows of one claim (engine/tables.py), after the --min-confidence filter,
    with the definition hash of each denial's rule (to carry dispositions from the log)."""
    from denialkb.engine.decision_log import rule_sha256
    from denialkb.engine.tables import claim_rows, filter_record

    rows = claim_rows(filter_record(rec, min_confidence), doc.data, drug_of)
    if kb is not None:
        rows["rule_sha256"] = {d["id"]: rule_sha256(kb.rules_by_id[d["id"]]) for d in rec["denials"]}
    return rows


def _claim_id(data) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("claim"), dict):
        cid = data["claim"].get("id")
        return cid if isinstance(cid, str) else None
    return None


_LINE_LABEL = re.compile(r"^(.*):(\d+)$")


def _located(problems: list[dict], source: str) -> list[dict]:
    """Problems of a JSON Lines claim (validated under the label ``file:N``) located at the
    file and line."""
    m = _LINE_LABEL.match(source)
    if not m:
        return problems
    out = []
    for p in problems:
        if p.get("file") == source and not p.get("line"):
            p = {**p, "file": m.group(1), "line": int(m.group(2))}
        out.append(p)
    return out


def process_chunk(chunk: list, as_of: str | None = None, kb_dir=None, want_input: bool = False,
                  engine: str = "experta", min_confidence: str | None = None) -> list:
    """Decide one chunk of ``(seq, source, data, problems)``; return one result dict per
    item, in the chunk's order. Never raises for a bad claim."""
    decider = _decider(kb_dir, engine)
    out = []
    for seq, source, data, problems in chunk:
        res = {"seq": seq, "source": source, "claim_id": _claim_id(data)}
        if problems is not None:
            res.update(status="rejected", problems=[p.to_dict() for p in problems])
            out.append(res)
            continue
        try:
            doc, rec, drug_of, charge_of = _decide_one(decider, data, source, as_of)
            line = record_line(rec)
            line.encode("utf-8")  # a lone surrogate cannot be written: reject the claim, not the run
            decided = dict(status="decided", record=line, outcome=rec["outcome"],
                           kb_version=rec["kb_version"], payer=rec.get("payer"),
                           amount=round(sum(charge_of.values()), 2),
                           drugs=sorted({d for d in drug_of.values() if d}),
                           denials=[{"id": d["id"], "carc": d["carc"], "stage": d["stage"],
                                     "amount": charge_of.get(d["line"], 0.0) if d["line"]
                                     else round(sum(charge_of.values()), 2)} for d in rec["denials"]],
                           why=why_paths(rec), sha256=canonical_sha256(doc.data),
                           table=_table_rows(rec, doc, drug_of, min_confidence, decider.kb))
            if want_input:
                decided["input"] = doc.data
        except DenialKBError as e:
            res.update(status="rejected", problems=_located([p.to_dict() for p in e.problems], source))
        except UnicodeEncodeError:
            res.update(status="rejected", problems=[Problem(
                "claim_invalid", "the claim holds text that is not valid Unicode (a lone surrogate)",
                source, expected="valid Unicode text").to_dict()])
        except Exception as e:  # a bad claim never stops the run; the message names no claim value
            res.update(status="rejected", problems=[Problem(
                "internal_error", f"internal error {type(e).__name__} at {exception_place(e)} (a bug: please "
                "report it)", source).to_dict()])
        else:
            res.update(decided)
        out.append(res)
    return out


# --------------------------------------------------------------------------- summary

@dataclass
class Summary:
    """The counts and amounts of one audit run (``summary.json``)."""

    read: int = 0
    decided: int = 0
    rejected: int = 0
    by: dict = field(default_factory=lambda: {k: {} for k in
                                              ("outcome", "denial", "carc", "stage", "payer", "drug")})
    paths: Counter = field(default_factory=Counter)
    run_id: str | None = None
    unknown_refs: int = 0  # rejections for an unknown payer or drug (the CLI then names the KB)
    about: dict = field(default_factory=dict)  # kb_version, run_date, as_of, min_confidence, rule titles
    impact: object = None  # engine/tables.Impact
    tables: object = None  # engine/tables.TableWriter (None: no tables written)

    def _add(self, dim, key, amount, count=1):
        e = self.by[dim].setdefault(str(key), {"count": 0, "amount": 0.0})
        e["count"] += count
        e["amount"] = round(e["amount"] + amount, 2)

    def add(self, r: dict) -> None:
        """Count one decided claim (a :func:`process_chunk` result or a progress entry)."""
        from denialkb.engine.tables import Impact, keyed_amounts

        self.decided += 1
        amt = r["amount"]
        table = r.get("table")
        outcome = table["lines"][0]["outcome"] if table and table["lines"] else r["outcome"]
        self._add("outcome", outcome, amt)
        self._add("payer", r["payer"], amt)
        for d in r["drugs"]:
            self._add("drug", d, amt)
        if table is not None:
            # each line's amount once per key, however many denials it has (engine/tables.py)
            for dim, key, count, amount in keyed_amounts(table):
                self._add(dim, key, amount, count)
            if self.impact is None:
                self.impact = Impact()
            self.impact.add(table, outcome)
            if self.tables is not None:
                self.tables.add(table)
            self.about.setdefault("kb_version", r["kb_version"])
            for d in table["denials"]:
                self.about.setdefault("titles", {}).setdefault(d["rule_id"], d["rule_title"])
        else:
            for d in r["denials"]:
                self._add("denial", d["id"], d["amount"])
                self._add("carc", d["carc"], d["amount"])
                self._add("stage", d["stage"], d["amount"])
        self.paths.update(r["why"])

    def to_dict(self) -> dict:
        """The content of ``summary.json``."""
        out = {
            "read": self.read, "decided": self.decided, "rejected": self.rejected,
            "by": {dim: {k: v[k] for k in sorted(v)} for dim, v in self.by.items()},
            "top_why_paths": [{"path": p, "count": n}
                              for p, n in sorted(self.paths.items(), key=lambda x: (-x[1], x[0]))[:TOP_PATHS]],
        }
        if self.about:
            out["run"] = {k: v for k, v in self.about.items() if k not in ("titles", "parquet", "xlsx")}
            out["rule_titles"] = dict(sorted(self.about.get("titles", {}).items()))
        if self.impact is not None:
            out["impact"] = self.impact.to_dict()
        if self.run_id:
            out["run_id"] = self.run_id
        return out

    def write(self, out: Path) -> None:
        """Write summary.json, summary.csv and summary.html into ``out`` (each through a
        temporary file renamed into place)."""
        d = self.to_dict()
        _write_atomic(out / "summary.json", json.dumps(d, indent=2, ensure_ascii=False) + "\n")
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(["dimension", "key", "count", "amount"])
        if self.run_id:
            w.writerow(["run", "id", self.run_id, ""])
        w.writerow(["total", "read", self.read, ""])
        w.writerow(["total", "decided", self.decided, ""])
        w.writerow(["total", "rejected", self.rejected, ""])
        for dim, v in d["by"].items():
            for k, e in v.items():
                w.writerow([dim, k, e["count"], f"{e['amount']:.2f}"])
        for p in d["top_why_paths"]:
            w.writerow(["why_path", p["path"], p["count"], ""])
        _write_atomic(out / "summary.csv", buf.getvalue())
        from denialkb.visualize.report import render_audit_summary

        if self.tables is not None:
            self.tables.close(parquet=self.about.get("parquet", True), xlsx=self.about.get("xlsx", False),
                              about={**d.get("run", {}), "impact": d.get("impact")})
        index = self.impact.claim_index() if self.impact is not None else None
        title = "denialkb audit summary" + (f", run {self.run_id}" if self.run_id else "")
        _write_atomic(out / "summary.html", render_audit_summary(d, title=title, claims=index))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- driver

RUNNING = "RUNNING"
DECISIONS, REJECTED = "decisions.jsonl", "rejected.jsonl"
PARTIAL = ".partial"
PROGRESS = "progress.jsonl.partial"
OUTPUTS = (DECISIONS, REJECTED, "summary.json", "summary.csv", "summary.html",
           "denials.csv", "lines.csv", "denials.parquet", "lines.parquet", "workpapers.xlsx")
MAX_RESTARTS = 5  # consecutive worker-pool failures with no claim decided in between
_TIMEOUTS = (TimeoutError, concurrent.futures.TimeoutError)


class _Stop(BaseException):
    """SIGTERM / SIGINT asked the run to stop (raised in the driver only)."""


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    buf = []
    for it in items:
        buf.append(it)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


class _Serial:
    """In-process 'pool' for one worker (no process start-up, same code path)."""

    def __init__(self, kb_dir, kb=None, engine="experta"):
        if kb is not None:
            from denialkb.engine.runtime import Decider

            _DECIDERS[(str(kb_dir) if kb_dir else None, engine, threading.get_ident())] = Decider(kb, engine=engine)
        else:
            _decider(kb_dir, engine)

    def submit(self, fn, *args):
        fut: concurrent.futures.Future = concurrent.futures.Future()
        try:
            fut.set_result(fn(*args))
        except Exception as e:
            fut.set_exception(e)
        return fut

    def restart(self):
        pass

    def shutdown(self, kill: bool = False):
        pass


class _Local:
    """Local worker processes; a broken pool is replaced, workers are stopped on shutdown."""

    def __init__(self, workers: int, kb_dir, engine: str = "experta"):
        self.workers, self.kb_dir, self.engine = workers, kb_dir, engine
        self.ex = self._new()

    def _new(self):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn") if sys.platform == "darwin" else None
        return ProcessPoolExecutor(max_workers=self.workers, initializer=init_worker, initargs=(self.kb_dir, self.engine),
                                   mp_context=ctx)

    def submit(self, fn, *args):
        return self.ex.submit(fn, *args)

    def _kill(self):
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
                p.kill()
                p.join(timeout=5)

    def restart(self):
        self._kill()
        self.ex = self._new()

    def shutdown(self, kill: bool = False):
        if kill:
            self._kill()
        else:
            self.ex.shutdown()


class _Dask:
    """A Dask distributed cluster (it reschedules the work of a lost worker itself)."""

    def __init__(self, scheduler):
        import asyncio

        from dask.distributed import Client

        self.timeouts = (asyncio.TimeoutError,)  # a distinct class on Python 3.10

        try:
            self.client = Client(scheduler)
        except (OSError, TimeoutError) as e:
            raise UsageError([Problem("usage_error", f"--scheduler: cannot connect to {scheduler}: "
                                      f"{type(e).__name__}")]) from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def restart(self):
        pass

    def shutdown(self, kill: bool = False):
        self.client.close()


def _pool(workers: int, scheduler, kb_dir, kb=None, engine: str = "experta"):
    if scheduler:
        return _Dask(scheduler)
    if workers <= 1:
        return _Serial(kb_dir, kb, engine)
    return _Local(workers, kb_dir, engine)


def _rejected_line(r: dict, run_id: str) -> str:
    row = {"source": r["source"], "claim_id": r["claim_id"], "problems": r["problems"], "run_id": run_id}
    try:
        line = json.dumps(row, ensure_ascii=False)
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in an id or message: escape it, keep the row
        line = json.dumps(row, ensure_ascii=True)
    return line


def _lost(item, err: BaseException) -> dict:
    seq, source, data, _ = item
    return {"seq": seq, "source": source, "claim_id": _claim_id(data), "status": "rejected",
            "problems": [Problem("worker_crashed", f"the worker deciding this claim failed ({type(err).__name__}),"
                                 " also when the claim was run alone", source).to_dict()]}


class _Run:
    """The state of one audit run: output files, summary, decision log, worker pool."""

    def __init__(self, out: Path, run_id: str, summary: Summary, seen_ids: dict, log, as_of, bar):
        self.out, self.run_id, self.summary, self.seen_ids = out, run_id, summary, seen_ids
        self.log, self.as_of, self.bar = log, as_of, bar
        self.stop = threading.Event()
        self.signum = None
        self.restarts = 0
        self.files: dict = {}
        self.pool = None
        self.submit_args: tuple = ()
        self.committed = summary.decided + summary.rejected

    # -- outputs
    def open(self, mode: str) -> None:
        for name in (DECISIONS, REJECTED):
            self.files[name] = open(self.out / (name + PARTIAL), mode, encoding="utf-8", newline="\n")
        self.files[PROGRESS] = open(self.out / PROGRESS, mode, encoding="ascii", newline="\n")

    def close(self) -> None:
        for f in self.files.values():
            try:
                f.close()
            except OSError:  # pragma: no cover - the disk-full error is reported by the write
                pass

    def commit(self, results: list) -> None:
        """Write one chunk's results in input order: the decision and rejection lines, then the
        log rows, then the progress entries (the commit point ``--resume`` trusts)."""
        dec, rej, prog, log_rows = [], [], [], []
        rid = json.dumps(self.run_id)
        for r in results:
            if r["status"] == "decided" and r["claim_id"] in self.seen_ids:
                r = {"seq": r["seq"], "source": r["source"], "claim_id": r["claim_id"], "status": "rejected",
                     "problems": [Problem("claim_invalid", f"claim id '{r['claim_id']}' is also used by "
                                          f"{self.seen_ids[r['claim_id']]}", r["source"], place="claim.id",
                                          expected="claim ids unique within a batch").to_dict()]}
            if r["status"] == "decided":
                self.seen_ids[r["claim_id"]] = r["source"]
                dec.append(r["record"][:-1] + f',"run_id":{rid}}}\n')
                if self.log is not None and r.get("table"):  # dispositions carried from the log
                    from denialkb.engine.tables import apply_dispositions

                    apply_dispositions(r["table"], self.log.carried(r["claim_id"], r["sha256"],
                                                                    r["table"].get("rule_sha256", {})))
                self.summary.add(r)
                log_rows.append(r)
                # the workpaper rows ride in the progress entry: --resume rebuilds the tables and the
                # impact from it (the progress file holds patient data, like decisions.jsonl)
                prog.append({k: r[k] for k in ("seq", "status", "claim_id", "source", "outcome", "payer",
                                               "amount", "drugs", "denials", "why", "kb_version", "table")
                             if k in r})
            else:
                self.summary.rejected += 1
                if any(str(q.get("message", "")).startswith(("unknown payer", "unknown drug"))
                       for q in r["problems"]):
                    self.summary.unknown_refs += 1
                rej.append(_rejected_line(r, self.run_id) + "\n")
                prog.append({k: r[k] for k in ("seq", "status", "claim_id", "source")})
        fd, fr = self.files[DECISIONS], self.files[REJECTED]
        fd.write("".join(dec))
        fr.write("".join(rej))
        fd.flush()
        fr.flush()
        if self.log is not None and log_rows:
            self.log.append_results(log_rows, self.as_of, self.run_id)
        fp = self.files[PROGRESS]
        fp.write("".join(json.dumps(p, ensure_ascii=True, separators=(",", ":")) + "\n" for p in prog))
        fp.flush()
        self.committed += len(results)
        if self.bar is not None:
            self.bar.update(len(results))

    # -- signals
    def _on_signal(self, signum, frame):
        if self.stop.is_set():
            raise _Stop()
        self.signum = signum
        self.stop.set()

    def install_signals(self) -> dict:
        import signal

        old = {}
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGTERM, signal.SIGINT):
                old[s] = signal.signal(s, self._on_signal)
        return old

    # -- workers
    def submit(self, chunk):
        try:
            return self.pool.submit(process_chunk, chunk, *self.submit_args)
        except Exception as e:  # e.g. BrokenProcessPool at submit: handled like a lost result
            fut: concurrent.futures.Future = concurrent.futures.Future()
            fut.set_exception(e)
            return fut

    def result(self, fut):
        while True:
            if self.stop.is_set():
                raise _Stop()
            try:
                return fut.result(timeout=0.25)
            except _TIMEOUTS + getattr(self.pool, "timeouts", ()):
                continue

    def restart(self, err: BaseException) -> None:
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise IncompleteError([Problem("workers_failing", f"the worker processes keep failing "
                                           f"({type(err).__name__}, {MAX_RESTARTS} restarts in a row); "
                                           "the run stopped", str(self.out),
                                           hint="denialkb audit ... --resume continues the run")])
        self.pool.restart()

    def drive(self, items: Iterator, chunk_size: int, in_flight: int) -> None:
        """Decide every item; a chunk whose worker fails is run again alone, then claim by claim,
        and a claim that fails alone is rejected: no claim is lost."""
        pending: deque = deque()
        for chunk in _chunks(items, chunk_size):
            if self.stop.is_set():
                raise _Stop()
            pending.append((chunk, self.submit(chunk)))
            while len(pending) >= in_flight:
                self._take(pending)
        while pending:
            self._take(pending)

    def _take(self, pending: deque) -> None:
        chunk, fut = pending.popleft()
        try:
            results = self.result(fut)
        except Exception as e:
            if self.stop.is_set():
                raise _Stop() from None
            redo = [chunk] + [c for c, _ in pending]
            pending.clear()
            self.restart(e)
            for c in redo:
                self._alone(c)
            return
        self.restarts = 0
        self.commit(results)

    def _alone(self, chunk: list) -> None:
        try:
            results = self.result(self.submit(chunk))
        except Exception as e:
            if self.stop.is_set():
                raise _Stop() from None
            self.restart(e)
            for item in chunk:
                try:
                    one = self.result(self.submit([item]))
                except Exception as e1:
                    if self.stop.is_set():
                        raise _Stop() from None
                    self.restart(e1)
                    one = [_lost(item, e1)]
                else:
                    self.restarts = 0
                self.commit(one)
            return
        self.restarts = 0
        self.commit(results)


def _read_marker(out: Path) -> dict | None:
    p = out / RUNNING
    if not p.is_file():
        return None
    try:
        m = json.loads(p.read_text("utf-8"))
        return m if isinstance(m, dict) and isinstance(m.get("run_id"), str) else {}
    except (OSError, ValueError):
        return {}


def _usage(msg: str, out: Path, hint: str = "") -> UsageError:
    return UsageError([Problem("usage_error", msg, str(out), hint=hint)])


def _truncate_lines(path: Path, n: int) -> bool:
    """Keep the first ``n`` complete lines of ``path``; False when it has fewer."""
    with open(path, "rb+") as f:
        data = f.read()
        pos = 0
        for _ in range(n):
            nl = data.find(b"\n", pos)
            if nl < 0:
                return False
            pos = nl + 1
        f.truncate(pos)
    return True


def _resume_state(out: Path, summary: Summary) -> tuple[Summary, dict, int, int, int]:
    """Summary, seen ids and (next seq, decided, rejected) from the progress of an interrupted run
    (``summary`` is fresh; its workpaper tables are rewritten from the progress entries)."""
    seen: dict = {}
    k = d = r = 0
    good = 0
    path = out / PROGRESS
    if path.is_file():
        with open(path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break
                try:
                    e = json.loads(raw)
                except ValueError:
                    break
                if not isinstance(e, dict) or e.get("seq") != k:
                    break
                if e["status"] == "decided":
                    summary.add(e)
                    seen[e["claim_id"]] = e["source"]
                    d += 1
                else:
                    summary.rejected += 1
                    r += 1
                k += 1
                good += len(raw)
        with open(path, "rb+") as f:
            f.truncate(good)
    summary.read = k
    return summary, seen, k, d, r


def run_audit(inputs, out_dir, *, workers: int | None = None, scheduler=None, as_of: str | None = None,
              kb_dir=None, log_path=None, store_input: bool = False, progress: bool | None = None,
              chunk_size: int = CHUNK_SIZE, payer: str | None = None, clinical: str | None = None,
              resume: bool = False, run_id: str | None = None, engine: str = "experta",
              tables: bool = True, xlsx: bool = False, min_confidence: str | None = None,
              run_date: str | None = None) -> Summary:
    """Decide every claim in ``inputs``; write decisions.jsonl, rejected.jsonl, summary.json,
    .csv, .html and the workpaper tables (denials.*, lines.*, with ``xlsx`` workpapers.xlsx)
    into ``out_dir``; return the :class:`Summary`.

    ``scheduler`` is a Dask scheduler address (or a ``LocalCluster``); without it,
    ``workers`` local processes (default ``os.cpu_count()``; 1 = in this process).

    The KB is loaded and checked here, before any worker starts or any output is touched.
    While the run is incomplete, ``out_dir`` holds a ``RUNNING`` marker (JSON: run id,
    inputs, options) and ``*.partial`` files; at the end they are renamed into place and the
    marker is removed. Every decisions line, rejection row, summary and log row names the
    ``run_id`` (a fresh one unless given). ``resume=True`` continues the interrupted run in
    ``out_dir`` (same inputs, ``as_of`` and KB) after the last claim it committed, and drops
    any log row that run wrote past that point, so no row is duplicated. A fresh run over an
    interrupted one replaces it (and its rows in the same log).

    Raises
    ------
    KBInvalidError, UsageError
        Nothing was decided (exit 2).
    IncompleteError
        Interrupted by SIGTERM / SIGINT, or an output could not be written (disk full, log
        locked, workers failing): the outputs are partial and ``resume=True`` continues (exit 4).
    """
    from denialkb.engine.decision_log import DecisionLog, new_run_id, utc_now
    from denialkb.engine.gate import load_kb_for_deciding
    from denialkb.engine.runtime import check_engine

    check_engine(engine)

    out = Path(out_dir)
    workers = workers or os.cpu_count() or 1
    # a broken KB (or one that lints with errors) is exit 2 here, never a BrokenProcessPool in a worker
    kb = load_kb_for_deciding(kb_dir)
    meta = {"inputs": [str(Path(p).resolve()) for p in inputs], "as_of": as_of, "kb_version": kb.version,
            "store_input": bool(store_input), "payer": payer,
            "clinical": str(Path(clinical).resolve()) if clinical else None, "min_confidence": min_confidence}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _usage(f"--out: cannot create the folder: {e.strerror}", out) from None
    marker = _read_marker(out)
    if resume:
        if marker is None:
            raise _usage("--resume: no interrupted run here (no RUNNING marker)", out,
                         hint="run without --resume to start a new audit")
        if not marker:
            raise _usage("--resume: the RUNNING marker is unreadable", out, hint="run without --resume")
        for key, label in (("inputs", "the inputs"), ("as_of", "--as-of"), ("kb_version", "the KB version"),
                           ("store_input", "--store-input"), ("payer", "--payer"), ("clinical", "--clinical"),
                           ("min_confidence", "--min-confidence")):
            if marker.get(key) != meta[key]:
                raise _usage(f"--resume: {label} differ from the interrupted run's", out,
                             hint="resume with the same inputs and options, or run without --resume")
        logged = marker.get("log")
        if log_path is None:
            log_path = logged
        elif logged != str(Path(log_path).resolve()):
            raise _usage("--resume: --log differs from the interrupted run's", out)
        run_id = marker["run_id"]
        run_date = run_date or marker.get("run_date")
    run_id = run_id or new_run_id()
    from denialkb.engine.tables import TableWriter, run_day

    run_date = run_date or run_day()  # the workpapers' run date (UTC), kept by --resume

    def new_summary() -> Summary:
        sm = Summary(run_id=run_id)
        sm.about.update(kb_version=kb.version, run_date=run_date, as_of=as_of, min_confidence=min_confidence,
                        parquet=True, xlsx=xlsx)
        sm.tables = TableWriter(out, suffix=PARTIAL) if tables else None
        return sm

    log = DecisionLog(log_path) if log_path else None
    bar = None
    summary = None
    try:
        if resume:
            summary, seen, start, n_dec, n_rej = _resume_state(out, new_summary())
            for name, n in ((DECISIONS, n_dec), (REJECTED, n_rej)):
                part, final = out / (name + PARTIAL), out / name
                if not part.exists() and final.exists():  # stopped while renaming at the end
                    os.replace(final, part)
                if not part.exists():
                    part.touch()
                if not _truncate_lines(part, n):
                    raise _usage(f"--resume: {name}{PARTIAL} holds fewer lines than the run committed", out,
                                 hint="run without --resume to start again")
            if log is not None:
                log.forget_run(run_id, start)
            mode = "a"
        else:
            if marker and log is not None and marker.get("log") == str(Path(log_path).resolve()):
                log.forget_run(marker["run_id"])  # a rerun replaces the interrupted run's rows
            summary, seen, start = None, {}, 0
            mode = "w"
        if not resume:
            _write_atomic(out / RUNNING, json.dumps(
                {"run_id": run_id, "started_at": utc_now(), "run_date": run_date, **meta,
                 "log": str(Path(log_path).resolve()) if log_path else None, "pid": os.getpid()}, indent=2) + "\n")
            for name in OUTPUTS:
                for p in (out / name, out / (name + PARTIAL), out / (name + ".tmp")):
                    if p.exists():
                        p.unlink()
            if (out / PROGRESS).exists():
                (out / PROGRESS).unlink()
            summary = new_summary()
        if progress is None:
            progress = sys.stderr.isatty()
        if progress:
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm comes with the [scale] extra; no bar without it
                tqdm = None
            if tqdm is not None:
                bar = tqdm(total=count_claims(inputs, out), initial=start, unit="claim", desc="audit",
                           file=sys.stderr, smoothing=0.1)
        run = _Run(out, run_id, summary, seen, log, as_of, bar)
        run.open(mode)

        def numbered():
            for seq, (source, data, problems) in enumerate(
                    iter_documents(inputs, payer, clinical, _payer_map_of(kb_dir), exclude=out)):
                if seq < start:
                    continue
                summary.read += 1
                yield seq, source, data, problems

        old_signals = run.install_signals()
        finished = False
        try:
            run.pool = _pool(workers, scheduler, kb_dir, kb, engine)
            run.submit_args = (as_of, kb_dir, bool(log and store_input), engine, min_confidence)
            run.drive(numbered(), chunk_size, max(2, 2 * workers))
            finished = True
        except _Stop:
            import signal

            name = signal.Signals(run.signum).name if run.signum else "a signal"
            raise IncompleteError([Problem("interrupted", f"stopped by {name} after {run.committed} claims "
                                           f"(decided {summary.decided} + rejected {summary.rejected}); the "
                                           "outputs are partial (RUNNING)", str(out),
                                           hint="denialkb audit ... --resume continues the run")]) from None
        except OSError as e:
            raise _write_failed(e, out) from None
        finally:
            if run.pool is not None:
                run.pool.shutdown(kill=not finished)  # stopped or failed: stop the workers now
            run.close()
            import signal

            for s, h in old_signals.items():
                signal.signal(s, h)
        if summary.decided + summary.rejected != summary.read:
            raise RuntimeError(f"a claim was lost: read {summary.read} != decided {summary.decided} + "
                               f"rejected {summary.rejected}")
        try:
            for name in (DECISIONS, REJECTED):
                with open(out / (name + PARTIAL), "rb+") as f:
                    os.fsync(f.fileno())
                os.replace(out / (name + PARTIAL), out / name)
            summary.write(out)
            (out / PROGRESS).unlink()
            (out / RUNNING).unlink()
        except OSError as e:
            raise _write_failed(e, out) from None
    finally:
        if bar is not None:
            bar.close()
        if log is not None:
            log.close()
        if summary is not None and summary.tables is not None:
            summary.tables.abort()  # closes the table files (a no-op once they are written)
    return summary


def _write_failed(e: OSError, out: Path) -> IncompleteError:
    import errno

    what = "no space left on device" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
    return IncompleteError([Problem("disk_full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else "write_error",
                                    f"cannot write the outputs: {what}", str(e.filename or out),
                                    hint="fix the cause, then denialkb audit ... --resume continues the run")])
