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

import csv
import json
import os
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from denialkb.engine.decision_log import canonical_sha256, record_line
from denialkb.engine.errors import DenialKBError, Problem

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


def _flat_groups(rows: Iterable[dict], source: str) -> Iterator[tuple[str, dict | None, list | None]]:
    for n, (cid, grp) in enumerate(groupby(rows, key=lambda r: r.get("claim_id")), 1):
        rs = list(grp)
        label = f"{source}#claim:{cid}" if not _empty(cid) else f"{source}#group:{n}"
        try:
            yield label, rows_to_document(rs), None
        except ValueError as e:
            yield label, None, [Problem("claim_invalid", str(e), label)]


def _csv_rows(path: Path) -> Iterator[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f)


def _parquet_rows(path: Path) -> Iterator[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the extra
        raise ImportError("Parquet input needs pyarrow: pip install 'denialkb[scale]'") from None
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=4096):
        yield from batch.to_pylist()


# --------------------------------------------------------------------------- reading

def _expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    from denialkb.engine.formats.reader import sniff_file

    for p in map(Path, paths):
        if p.is_dir():
            for q in sorted(p.rglob("*")):
                if not q.is_file():
                    continue
                suf = q.suffix.lower()
                if suf in DOC_SUFFIXES + BATCH_SUFFIXES or (
                        suf in CONVERTED_SUFFIXES and sniff_file(q) != "claim"):
                    yield q
        else:
            yield p


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
    for conv in result.claims:
        data = ConvertedData(conv.document)
        data.converter_warnings = common + conv.warning_dicts()
        yield conv.source, data, None
    for rej in result.rejections:
        yield rej.source, ({"claim": {"id": rej.claim_id}} if rej.claim_id else None), rejection_problems(rej)


def iter_documents(paths: Iterable[str | Path], payer: str | None = None,
                   clinical: str | None = None, payer_map=None) -> Iterator[tuple[str, dict | None, list | None]]:
    """Yield ``(source label, parsed document or None, problems or None)`` in input order.

    A file or line that cannot be read or parsed yields its problems instead of a document.
    X12 837, FHIR (Bundle, Claim, EOB) and NDJSON files are converted (``payer`` and the
    ``clinical`` file or folder apply to them); each claim is one item, each unit the
    converter refused is one item with its located problems.
    """
    from denialkb.engine.formats.reader import sniff_file
    from denialkb.engine.yamlio import LoadError, load_document, loads_json

    for p in _expand(paths):
        suf = p.suffix.lower()
        try:
            if suf not in BATCH_SUFFIXES and p.is_file() and sniff_file(p) != "claim":
                yield from _converted_items(p, payer, clinical, payer_map)
            elif suf == ".jsonl":
                with open(p, encoding="utf-8") as f:
                    for i, text in enumerate(f, 1):
                        if not text.strip():
                            continue
                        label = f"{p}:{i}"
                        try:  # strict JSON (yamlio.loads_json): duplicate keys, NaN, long numbers refused
                            yield label, loads_json(text, str(p), "claim_invalid"), None
                        except LoadError as e:
                            q = e.problem
                            yield label, None, [Problem("claim_invalid", q.message.replace("invalid JSON: ", "not JSON: "),
                                                        str(p), i, q.col, expected=q.expected, hint=q.hint)]
            elif suf == ".csv":
                yield from _flat_groups(_csv_rows(p), str(p))
            elif suf == ".parquet":
                yield from _flat_groups(_parquet_rows(p), str(p))
            else:
                try:
                    loaded = load_document(p, "claim_invalid")
                except LoadError as e:
                    yield str(p), None, [e.problem]
                    continue
                yield str(p), loaded.data, None
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            yield str(p), None, [Problem("claim_invalid", f"cannot read: {e}", str(p))]


def count_claims(paths: Iterable[str | Path]) -> int | None:
    """How many claims ``iter_documents`` will yield (for the progress bar's ETA): one cheap
    pass (JSONL lines, CSV claim groups, Parquet claim_id column). None when it cannot tell."""
    from denialkb.engine.formats.reader import sniff_file

    n = 0
    try:
        for p in _expand(paths):
            suf = p.suffix.lower()
            if suf == ".jsonl":
                with open(p, encoding="utf-8") as f:
                    n += sum(1 for t in f if t.strip())
            elif suf == ".csv":
                n += sum(1 for _ in groupby(r.get("claim_id") for r in _csv_rows(p)))
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


def _decider(kb_dir, engine: str = "experta"):
    """The per-process Decider (compiled once per process, KB directory and engine)."""
    key = (str(kb_dir) if kb_dir else None, engine, threading.get_ident())  # one engine per thread
    d = _DECIDERS.get(key)
    if d is None:
        from denialkb.engine.runtime import Decider

        d = _DECIDERS[key] = Decider(kb_dir, engine=engine)
    return d


def init_worker(kb_dir=None, engine: str = "experta") -> None:
    """ProcessPoolExecutor initializer: compile the KB once in this process."""
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


def process_chunk(chunk: list, as_of: str | None = None, kb_dir=None, want_input: bool = False,
                  engine: str = "experta") -> list:
    """Decide one chunk of ``(seq, source, data, problems)``; return one result dict per
    item, in the chunk's order. Never raises for a bad claim."""
    decider = _decider(kb_dir, engine)
    out = []
    for seq, source, data, problems in chunk:
        cid = None
        if isinstance(data, dict) and isinstance(data.get("claim"), dict):
            cid = data["claim"].get("id") if isinstance(data["claim"].get("id"), str) else None
        res = {"seq": seq, "source": source, "claim_id": cid}
        if problems is not None:
            res.update(status="rejected", problems=[p.to_dict() for p in problems])
            out.append(res)
            continue
        try:
            doc, rec, drug_of, charge_of = _decide_one(decider, data, source, as_of)
        except DenialKBError as e:
            res.update(status="rejected", problems=[p.to_dict() for p in e.problems])
        except Exception as e:  # a bad claim never stops the run
            res.update(status="rejected", problems=[Problem("internal_error", f"{type(e).__name__}: {e}",
                                                            source).to_dict()])
        else:
            res.update(status="decided", record=record_line(rec), outcome=rec["outcome"],
                       kb_version=rec["kb_version"], payer=rec.get("payer"),
                       amount=round(sum(charge_of.values()), 2),
                       drugs=sorted({d for d in drug_of.values() if d}),
                       denials=[{"id": d["id"], "carc": d["carc"], "stage": d["stage"],
                                 "amount": charge_of.get(d["line"], 0.0) if d["line"]
                                 else round(sum(charge_of.values()), 2)} for d in rec["denials"]],
                       why=why_paths(rec), sha256=canonical_sha256(doc.data))
            if want_input:
                res["input"] = doc.data
        out.append(res)
    return out


# --------------------------------------------------------------------------- summary

@dataclass
class Summary:
    read: int = 0
    decided: int = 0
    rejected: int = 0
    by: dict = field(default_factory=lambda: {k: {} for k in
                                              ("outcome", "denial", "carc", "stage", "payer", "drug")})
    paths: Counter = field(default_factory=Counter)

    def _add(self, dim, key, amount):
        e = self.by[dim].setdefault(str(key), {"count": 0, "amount": 0.0})
        e["count"] += 1
        e["amount"] = round(e["amount"] + amount, 2)

    def add(self, r: dict) -> None:
        self.decided += 1
        amt = r["amount"]
        self._add("outcome", r["outcome"], amt)
        self._add("payer", r["payer"], amt)
        for d in r["drugs"]:
            self._add("drug", d, amt)
        for d in r["denials"]:
            self._add("denial", d["id"], d["amount"])
            self._add("carc", d["carc"], d["amount"])
            self._add("stage", d["stage"], d["amount"])
        self.paths.update(r["why"])

    def to_dict(self) -> dict:
        return {
            "read": self.read, "decided": self.decided, "rejected": self.rejected,
            "by": {dim: {k: v[k] for k in sorted(v)} for dim, v in self.by.items()},
            "top_why_paths": [{"path": p, "count": n}
                              for p, n in sorted(self.paths.items(), key=lambda x: (-x[1], x[0]))[:TOP_PATHS]],
        }

    def write(self, out: Path) -> None:
        d = self.to_dict()
        (out / "summary.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", "utf-8")
        with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["dimension", "key", "count", "amount"])
            w.writerow(["total", "read", self.read, ""])
            w.writerow(["total", "decided", self.decided, ""])
            w.writerow(["total", "rejected", self.rejected, ""])
            for dim, v in d["by"].items():
                for k, e in v.items():
                    w.writerow([dim, k, e["count"], f"{e['amount']:.2f}"])
            for p in d["top_why_paths"]:
                w.writerow(["why_path", p["path"], p["count"], ""])
        from denialkb.visualize.report import render_audit_summary

        (out / "summary.html").write_text(render_audit_summary(d), "utf-8")


# --------------------------------------------------------------------------- driver

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

    def __init__(self, kb_dir, engine="experta"):
        init_worker(kb_dir, engine)

    def submit(self, fn, *args):
        from concurrent.futures import Future

        fut: Future = Future()
        fut.set_result(fn(*args))
        return fut

    def shutdown(self):
        pass


def _pool(workers: int, scheduler: str | None, kb_dir, engine: str = "experta"):
    if scheduler:
        import dask
        from dask.distributed import Client

        # distributed keeps the last messages of every batched stream for debugging
        # (low-level-log-length, 1,000 by default); ours carry whole claim chunks, so that
        # history would grow the client by ~1 MB per task. Schedulers and workers need the
        # same setting (benchmarks/README.md, "Dask").
        with dask.config.set({"distributed.admin.low-level-log-length": 0}):
            client = Client(scheduler) if isinstance(scheduler, str) else Client(scheduler)

        class _Dask:
            def submit(self, fn, *args):
                return client.submit(fn, *args, pure=False)

            def shutdown(self):
                client.close()
        return _Dask()
    if workers <= 1:
        return _Serial(kb_dir, engine)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn") if sys.platform == "darwin" else None
    ex = ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(kb_dir, engine),
                             mp_context=ctx)

    class _Local:
        def submit(self, fn, *args):
            return ex.submit(fn, *args)

        def shutdown(self):
            ex.shutdown()
    return _Local()


def run_audit(inputs, out_dir, *, workers: int | None = None, scheduler=None, as_of: str | None = None,
              kb_dir=None, log_path=None, store_input: bool = False, progress: bool | None = None,
              chunk_size: int = CHUNK_SIZE, payer: str | None = None, clinical: str | None = None, engine: str = "experta") -> Summary:
    """Decide every claim in ``inputs``; write decisions.jsonl, rejected.jsonl, summary.json
    and summary.csv into ``out_dir``; return the :class:`Summary`.

    ``scheduler`` is a Dask scheduler address (or a ``LocalCluster``); without it,
    ``workers`` local processes (default ``os.cpu_count()``; 1 = in this process).
    ``engine``: ``experta`` (default) or ``direct`` (see :class:`~denialkb.engine.runtime.Decider`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    summary = Summary()
    log = None
    if log_path:
        from denialkb.engine.decision_log import DecisionLog

        log = DecisionLog(log_path)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm comes with the [scale] extra; no bar without it
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=count_claims(inputs), unit="claim", desc="audit", file=sys.stderr,
                       smoothing=0.1)

    def numbered():
        for seq, (source, data, problems) in enumerate(iter_documents(inputs, payer, clinical, _payer_map_of(kb_dir))):
            summary.read += 1
            yield seq, source, data, problems

    from denialkb.engine.runtime import check_engine

    check_engine(engine)
    pool = _pool(workers, scheduler, kb_dir, engine)
    want_input = bool(log and store_input)
    seen_ids: dict = {}
    in_flight = max(2, 2 * workers)
    pending: deque = deque()
    try:
        with open(out / "decisions.jsonl", "w", encoding="utf-8") as fd, \
             open(out / "rejected.jsonl", "w", encoding="utf-8") as fr:

            def collect(fut):
                results = fut.result()
                log_rows = []
                for r in results:
                    if r["status"] == "decided" and r["claim_id"] in seen_ids:
                        r = {"seq": r["seq"], "source": r["source"], "claim_id": r["claim_id"],
                             "status": "rejected",
                             "problems": [Problem("claim_invalid",
                                                  f"claim id '{r['claim_id']}' is also used by "
                                                  f"{seen_ids[r['claim_id']]}", r["source"], place="claim.id",
                                                  expected="claim ids unique within a batch").to_dict()]}
                    if r["status"] == "decided":
                        seen_ids[r["claim_id"]] = r["source"]
                        fd.write(r["record"] + "\n")
                        summary.add(r)
                        if log:
                            log_rows.append(r)
                    else:
                        summary.rejected += 1
                        fr.write(json.dumps({"source": r["source"], "claim_id": r["claim_id"],
                                             "problems": r["problems"]}, ensure_ascii=False) + "\n")
                if log and log_rows:
                    log.append_results(log_rows, as_of)
                if bar is not None:
                    bar.update(len(results))

            for chunk in _chunks(numbered(), chunk_size):
                pending.append(pool.submit(process_chunk, chunk, as_of, kb_dir, want_input, engine))
                while len(pending) >= in_flight:
                    collect(pending.popleft())
            while pending:
                collect(pending.popleft())
    finally:
        pool.shutdown()
        if bar is not None:
            bar.close()
        if log:
            log.close()
    assert summary.decided + summary.rejected == summary.read, "a claim was lost"
    summary.write(out)
    return summary
