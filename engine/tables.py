"""Workpaper tables of a batch audit: one row per denial and one row per claim line, and the
financial impact (dollars at risk) with each line's amount counted once.

The rows are built from a decision record and the claim document it decided
(:func:`claim_rows`); :class:`TableWriter` streams them to CSV while the audit runs and, at
the end, converts them to Parquet (pyarrow) and, on request, an Excel workbook (openpyxl).
:class:`Impact` aggregates the dollars at risk per outcome, rule, CARC, stage, payer, drug,
provider and month of service.

The amount at risk of a line is its paid amount when the document knows it, else its
billed charge (FORMATS.md section 3); a denial's amount at risk is that of its line, or of
every line of the claim for a claim-level denial. When the record carries
``amount_at_risk`` on a denial (claim document version 2), that figure is used.

These tables hold patient data (patient id, dates of service): they are workpapers, to be
kept where patient data belongs, never logs.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

CONFIDENCE_ORDER = ("low", "medium", "high")

DENIAL_COLUMNS = (
    "claim_id", "patient_id", "payer", "provider_npi", "line", "code", "modifiers", "drug", "service_date",
    "units", "charge", "allowed", "paid", "rule_id", "rule_title", "group", "carc", "rarc", "stage",
    "confidence", "explanation", "remedy", "amount_at_risk", "disposition", "note", "kb_version",
)
LINE_COLUMNS = (
    "claim_id", "patient_id", "payer", "provider_npi", "line", "code", "modifiers", "drug", "service_date",
    "units", "charge", "allowed", "paid", "outcome", "denied", "denial_count", "rule_ids", "carcs",
    "stages", "min_confidence", "amount_at_risk", "kb_version",
)
# column -> arrow type name (everything else is a string)
NUMERIC = {"line": "int64", "units": "float64", "charge": "float64", "allowed": "float64", "paid": "float64",
           "amount_at_risk": "float64", "denial_count": "int64"}
BOOLEAN = {"denied"}

DIMENSIONS = ("outcome", "rule", "carc", "stage", "payer", "drug", "provider", "month")


def run_day() -> str:
    """Today's date (UTC), or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else \
        dt.datetime.now(dt.timezone.utc)
    return now.date().isoformat()


def _num(v):
    if v is None or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _r2(x: float) -> float:
    return round(x + 0.0, 2)


def line_amount(line: dict) -> float:
    """A line's amount at risk: its paid amount when known, else its billed charge (0 when neither)."""
    paid = _num(line.get("paid_amount"))
    if paid is not None:
        return paid
    return _num(line.get("charge")) or 0.0


def confidence_ok(confidence: str | None, minimum: str | None) -> bool:
    """Whether a denial of ``confidence`` passes a ``--min-confidence`` filter."""
    if not minimum:
        return True
    rank = {c: i for i, c in enumerate(CONFIDENCE_ORDER)}
    return rank.get(confidence or "low", 0) >= rank[minimum]


def filter_record(record: dict, min_confidence: str | None) -> dict:
    """The record with denials below ``min_confidence`` left out (outcome recomputed:
    denied only when a denial remains). The record itself is not changed."""
    if not min_confidence:
        return record
    kept = [d for d in record["denials"] if confidence_ok(d.get("confidence"), min_confidence)]
    if len(kept) == len(record["denials"]):
        return record
    out = dict(record)
    out["denials"] = kept
    if not kept and record["outcome"] == "denied":
        out["outcome"] = "undetermined" if record.get("missing_information") else "clean"
    return out


def claim_rows(record: dict, document: dict, drug_of: dict | None = None,
               dispositions: dict | None = None) -> dict:
    """The table rows of one decided claim: ``{"denials": [...], "lines": [...]}``.

    ``drug_of`` maps line number -> drug id (from the decision's facts); ``dispositions``
    maps ``(rule id, line)`` -> ``{"disposition", "note"}`` (from the decision log).
    """
    claim = document.get("claim") or {}
    lines = claim.get("lines") or []
    pid = (document.get("patient") or {}).get("id")
    npi = ((document.get("providers") or {}).get("billing") or {}).get("npi")
    drug_of = drug_of or {}
    dispositions = dispositions or {}
    base = {"claim_id": record["claim_id"], "patient_id": pid, "payer": record.get("payer"),
            "provider_npi": npi, "kb_version": record["kb_version"]}
    by_no = {}
    line_info = []
    for i, ln in enumerate(lines):
        n = ln.get("number", i + 1)
        info = {"line": n, "code": ln.get("code"), "modifiers": ";".join(ln.get("modifiers") or []) or None,
                "drug": drug_of.get(n), "service_date": ln.get("service_date"), "units": _num(ln.get("units")),
                "charge": _num(ln.get("charge")), "allowed": _num(ln.get("allowed_amount")),
                "paid": _num(ln.get("paid_amount"))}
        by_no[n] = (info, line_amount(ln))
        line_info.append(info)
    denial_rows = []
    per_line: dict = {n: [] for n in by_no}
    for d in record["denials"]:
        targets = [d["line"]] if d["line"] is not None else list(by_no)
        for n in targets:
            if n in per_line:
                per_line[n].append(d)
        if d["line"] is not None and d["line"] in by_no:
            info, amt = by_no[d["line"]]
            row = dict(info)
        else:
            amt = sum(a for _, a in by_no.values())
            row = {"line": None, "code": None, "modifiers": None, "drug": None,
                   "service_date": min((i["service_date"] for i in line_info if i["service_date"]), default=None),
                   "units": None,
                   "charge": _sum(i["charge"] for i in line_info), "allowed": _sum(i["allowed"] for i in line_info),
                   "paid": _sum(i["paid"] for i in line_info)}
        if d.get("amount_at_risk") is not None:
            amt = float(d["amount_at_risk"])
        disp = dispositions.get((d["id"], d["line"])) or {}
        denial_rows.append({**base, **row, "rule_id": d["id"], "rule_title": d["title"], "group": d["group"],
                            "carc": d["carc"], "rarc": ";".join(d["rarc"]) or None, "stage": d["stage"],
                            "confidence": d.get("confidence"), "explanation": d["explanation"],
                            "remedy": d["remedy"], "amount_at_risk": _r2(amt),
                            "disposition": disp.get("disposition"), "note": disp.get("note")})
    line_rows = []
    rank = {c: i for i, c in enumerate(CONFIDENCE_ORDER)}
    for info in line_info:
        n = info["line"]
        ds = per_line.get(n, [])
        confs = [d.get("confidence") or "low" for d in ds]
        line_rows.append({**base, **info, "outcome": record["outcome"], "denied": bool(ds),
                          "denial_count": len(ds), "rule_ids": ";".join(d["id"] for d in ds) or None,
                          "carcs": ";".join(dict.fromkeys(f"{d['group']}-{d['carc']}" for d in ds)) or None,
                          "stages": ";".join(dict.fromkeys(d["stage"] for d in ds)) or None,
                          "min_confidence": min(confs, key=rank.get) if confs else None,
                          "amount_at_risk": _r2(by_no[n][1]) if ds else 0.0})
    return {"denials": denial_rows, "lines": line_rows}


def apply_dispositions(rows: dict, carried: dict) -> None:
    """Fill the ``disposition`` and ``note`` of denial rows from ``(rule id, line) -> {...}``."""
    for d in rows["denials"]:
        got = carried.get((d["rule_id"], d["line"]))
        if got:
            d["disposition"], d["note"] = got["disposition"], got["note"]


def _sum(values):
    vals = [v for v in values if v is not None]
    return _r2(sum(vals)) if vals else None


def keyed_amounts(rows: dict):
    """For one claim's rows: ``(dimension, key, denial count, amount at risk)`` for the
    ``denial`` (rule id), ``carc`` and ``stage`` dimensions of ``summary.json``, each line's
    amount counted once per key (a claim-level denial puts every line at risk)."""
    by_line = {r["line"]: r["amount_at_risk"] if r["denied"] else 0.0 for r in rows["lines"]}
    keyed: dict = {}
    for d in rows["denials"]:
        targets = [d["line"]] if d["line"] is not None else list(by_line)
        for dim, key in (("denial", d["rule_id"]), ("carc", d["carc"]), ("stage", d["stage"])):
            e = keyed.setdefault((dim, key), [0, set()])
            e[0] += 1
            e[1].update(n for n in targets if n in by_line)
    for (dim, key), (count, nums) in sorted(keyed.items(), key=lambda x: (x[0][0], str(x[0][1]))):
        yield dim, key, count, _r2(sum(by_line[n] for n in nums))


# --------------------------------------------------------------------------- impact

class Impact:
    """Dollars at risk by outcome, rule, CARC, stage, payer, drug, provider and month of
    service; each line's amount is counted once per key, however many denials it has.

    Within one dimension a line with two denials of different rules (or CARCs) counts under
    each of them, so the rows of the ``rule`` and ``carc`` dimensions can add up to more
    than ``total.at_risk``; ``total`` and the ``outcome``, ``payer``, ``drug``, ``provider``
    and ``month`` dimensions (one key per line) add up exactly.
    """

    CLAIM_LIST_MAX = 5000  # claims listed in summary.html (the tables hold every one)
    KEY_CLAIMS_MAX = 500   # claim links per key in summary.html

    def __init__(self):
        self.claims: list = []
        self.claims_by: dict = {}
        self.claims_listed_all = True
        self.total = {"claims": 0, "lines": 0, "charge": 0.0, "paid": 0.0, "paid_known_lines": 0,
                      "at_risk": 0.0, "at_risk_lines": 0, "at_risk_paid_known": 0.0, "denials": 0}
        self.by: dict = {d: {} for d in DIMENSIONS}

    def _bump(self, dim, key, *, denials=0, lines=0, at_risk=0.0, charge=0.0, paid=0.0, claims=0):
        e = self.by[dim].setdefault("(none)" if key in (None, "") else str(key),
                                    {"claims": 0, "denials": 0, "lines": 0, "charge": 0.0, "paid": 0.0,
                                     "at_risk": 0.0})
        e["claims"] += claims
        e["denials"] += denials
        e["lines"] += lines
        e["charge"] = _r2(e["charge"] + charge)
        e["paid"] = _r2(e["paid"] + paid)
        e["at_risk"] = _r2(e["at_risk"] + at_risk)

    def add(self, rows: dict, outcome: str) -> None:
        """Add one claim's rows (from :func:`claim_rows`)."""
        t = self.total
        t["claims"] += 1
        self._index(rows, outcome)
        t["denials"] += len(rows["denials"])
        lines = rows["lines"]
        self._bump("outcome", outcome, claims=1, denials=len(rows["denials"]), lines=len(lines),
                   charge=sum(r["charge"] or 0.0 for r in lines), paid=sum(r["paid"] or 0.0 for r in lines),
                   at_risk=sum(r["amount_at_risk"] for r in lines))
        # per denial-side key: the set of lines at risk under that key (each line once per key)
        keyed: dict = {}
        counts: dict = {}
        by_line = {r["line"]: r for r in lines}
        for d in rows["denials"]:
            targets = [d["line"]] if d["line"] is not None else list(by_line)
            for dim, key in (("rule", d["rule_id"]), ("carc", f"{d['group']}-{d['carc']}"), ("stage", d["stage"])):
                counts[(dim, key)] = counts.get((dim, key), 0) + 1
                keyed.setdefault((dim, key), set()).update(n for n in targets if n in by_line)
        for (dim, key), nums in sorted(keyed.items(), key=lambda x: (x[0][0], str(x[0][1]))):
            ls = [by_line[n] for n in sorted(nums)]
            self._bump(dim, key, claims=1, denials=counts[(dim, key)], lines=len(ls),
                       at_risk=sum(r["amount_at_risk"] for r in ls), charge=sum(r["charge"] or 0.0 for r in ls),
                       paid=sum(r["paid"] or 0.0 for r in ls))
        claims_seen: set = set()
        for r in lines:
            t["lines"] += 1
            t["charge"] = _r2(t["charge"] + (r["charge"] or 0.0))
            if r["paid"] is not None:
                t["paid"] = _r2(t["paid"] + r["paid"])
                t["paid_known_lines"] += 1
            if r["denied"]:
                t["at_risk"] = _r2(t["at_risk"] + r["amount_at_risk"])
                t["at_risk_lines"] += 1
                if r["paid"] is not None:
                    t["at_risk_paid_known"] = _r2(t["at_risk_paid_known"] + r["amount_at_risk"])
            month = (r["service_date"] or "")[:7] or None
            for dim, key in (("payer", r["payer"]), ("drug", r["drug"]), ("provider", r["provider_npi"]),
                             ("month", month)):
                first = (dim, key) not in claims_seen
                claims_seen.add((dim, key))
                self._bump(dim, key, claims=1 if first else 0, lines=1, charge=r["charge"] or 0.0,
                           paid=r["paid"] or 0.0, at_risk=r["amount_at_risk"],
                           denials=r["denial_count"])

    def _index(self, rows, outcome) -> None:
        lines = rows["lines"]
        if not lines:
            return
        cid = lines[0]["claim_id"]
        if len(self.claims) < self.CLAIM_LIST_MAX:
            self.claims.append({"claim_id": cid, "outcome": outcome, "payer": lines[0]["payer"],
                                "service_date": min((r["service_date"] or "" for r in lines), default=""),
                                "lines": len(lines), "charge": _r2(sum(r["charge"] or 0.0 for r in lines)),
                                "at_risk": _r2(sum(r["amount_at_risk"] for r in lines)),
                                "denials": [(d["rule_id"], d["line"], f"{d['group']}-{d['carc']}", d["confidence"])
                                            for d in rows["denials"]]})
        else:
            self.claims_listed_all = False
        keys = {("outcome", outcome)}
        for d in rows["denials"]:
            keys |= {("rule", d["rule_id"]), ("carc", f"{d['group']}-{d['carc']}"), ("stage", d["stage"])}
        for r in lines:
            keys |= {("payer", r["payer"]), ("drug", r["drug"]), ("provider", r["provider_npi"]),
                     ("month", (r["service_date"] or "")[:7] or None)}
        for dim, key in keys:
            k = (dim, "(none)" if key in (None, "") else str(key))
            lst = self.claims_by.setdefault(k, [])
            if len(lst) < self.KEY_CLAIMS_MAX:
                lst.append(cid)

    def claim_index(self) -> dict:
        """For summary.html: compact claim rows and the claim ids behind each key (capped)."""
        return {"claims": self.claims, "by": self.claims_by, "complete": self.claims_listed_all}

    def to_dict(self) -> dict:
        """JSON-ready: ``total`` and ``by.<dimension>.<key>``, keys sorted by amount at risk (desc)."""
        by = {dim: dict(sorted(v.items(), key=lambda kv: (-kv[1]["at_risk"], -kv[1]["denials"], kv[0])))
              for dim, v in self.by.items()}
        return {"basis": "amount at risk = a denied line's paid amount when known, else its charge; "
                         "each line counted once per key", "total": dict(self.total), "by": by}


# --------------------------------------------------------------------------- writing

def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _csv_cell(col, v):
    if v is None:
        return ""
    if col == "units" and isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _cell(v)


class TableWriter:
    """Streams denial and line rows to ``denials.csv`` and ``lines.csv`` in ``out`` (written as
    ``NAME.csv`` + ``suffix`` while the run goes on); :meth:`close` renames them into place and
    converts them to Parquet (and XLSX when asked)."""

    def __init__(self, out: Path, suffix: str = ""):
        self.out = Path(out)
        self.suffix = suffix
        self._files = {}
        self._writers = {}
        for name, cols in (("denials", DENIAL_COLUMNS), ("lines", LINE_COLUMNS)):
            f = open(self.out / f"{name}.csv{suffix}", "w", newline="", encoding="utf-8")
            w = csv.writer(f)
            w.writerow(cols)
            self._files[name], self._writers[name] = f, w

    def add(self, rows: dict) -> None:
        """Append one claim's rows."""
        for name, cols in (("denials", DENIAL_COLUMNS), ("lines", LINE_COLUMNS)):
            for r in rows[name]:
                self._writers[name].writerow([_csv_cell(c, r.get(c)) for c in cols])

    def abort(self) -> None:
        """Close the files without converting them (an interrupted run keeps its partial CSVs)."""
        for f in self._files.values():
            f.close()

    def close(self, *, parquet: bool = True, xlsx: bool = False, about: dict | None = None) -> list[Path]:
        """Close the CSV files, rename them into place; write Parquet (and XLSX); return every
        file written."""
        for name, f in self._files.items():
            f.flush()
            os.fsync(f.fileno())
            f.close()
            if self.suffix:
                os.replace(self.out / f"{name}.csv{self.suffix}", self.out / f"{name}.csv")
        written = [self.out / "denials.csv", self.out / "lines.csv"]
        if parquet:
            for name, cols in (("denials", DENIAL_COLUMNS), ("lines", LINE_COLUMNS)):
                written.append(csv_to_parquet(self.out / f"{name}.csv", self.out / f"{name}.parquet", cols))
        if xlsx:
            written.append(write_xlsx(self.out, self.out / "workpapers.xlsx", about or {}))
        return written


def _arrow_schema(cols):
    import pyarrow as pa

    types = {"int64": pa.int64(), "float64": pa.float64()}
    return pa.schema([(c, types[NUMERIC[c]] if c in NUMERIC else pa.bool_() if c in BOOLEAN else pa.string())
                      for c in cols])


def csv_to_parquet(src: Path, dst: Path, cols) -> Path:
    """Convert one table CSV to Parquet with fixed column types (empty cell = null), streaming."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    schema = _arrow_schema(cols)
    opts = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=True,
                                true_values=["true"], false_values=["false"], null_values=[""])
    reader = pacsv.open_csv(src, convert_options=opts,
                            read_options=pacsv.ReadOptions(block_size=1 << 22))
    with pq.ParquetWriter(dst, schema) as w:
        for batch in reader:
            w.write_batch(batch)
    return dst


EXCEL_MAX_ROWS = 1_048_576


def _typed(col, text):
    if text == "":
        return None
    if col in NUMERIC:
        return int(text) if NUMERIC[col] == "int64" else float(text)
    if col in BOOLEAN:
        return text == "true"
    return text


def write_xlsx(out: Path, dst: Path, about: dict) -> Path:
    """One workbook: sheets ``denials``, ``lines``, ``impact`` and ``about`` (KB version, run
    date, a note that the sheets hold patient data). Streams (openpyxl write-only)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for name, cols in (("denials", DENIAL_COLUMNS), ("lines", LINE_COLUMNS)):
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for i, c in enumerate(cols, 1):
            ws.column_dimensions[get_column_letter(i)].width = 40 if c in ("explanation", "remedy", "rule_title") \
                else 14
        ws.append(list(cols))
        with open(out / f"{name}.csv", newline="", encoding="utf-8") as f:
            rd = csv.reader(f)
            next(rd)
            for n, row in enumerate(rd, 2):
                if n > EXCEL_MAX_ROWS:
                    raise ValueError(f"{name}: more rows than an Excel sheet holds ({EXCEL_MAX_ROWS}); "
                                     "use the CSV or Parquet table")
                ws.append([_typed(c, v) for c, v in zip(cols, row, strict=True)])
    impact = about.get("impact")
    if impact:
        ws = wb.create_sheet("impact")
        ws.append(["dimension", "key", "claims", "denials", "lines", "charge", "paid", "at_risk"])
        for dim, rows in impact["by"].items():
            for key, e in rows.items():
                ws.append([dim, key, e["claims"], e["denials"], e["lines"], e["charge"], e["paid"], e["at_risk"]])
        t = impact["total"]
        ws.append(["total", "", t["claims"], t["denials"], t["lines"], t["charge"], t["paid"], t["at_risk"]])
    ws = wb.create_sheet("about")
    for k in ("kb_version", "run_date", "as_of", "min_confidence"):
        ws.append([k, about.get(k)])
    ws.append(["note", "These sheets hold patient data (patient ids, dates of service): keep them where "
                       "patient data belongs."])
    ws.append(["amounts", "amount_at_risk = the paid amount of a denied line when known, else its charge; "
                          "a claim-level denial puts every line of the claim at risk; each line counted once."])
    wb.save(dst)
    return dst


def read_table(path) -> list[dict]:
    """Rows of a table written here (``.csv`` or ``.parquet``), typed as in Parquet."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(p).to_pylist()
    with open(p, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        return [{c: _typed(c, v) for c, v in r.items()} for r in rd]


def dumps(obj) -> str:
    """Deterministic JSON text."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
