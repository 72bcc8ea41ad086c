"""Predicted denials vs the payer's actual 835 remittance: the KB's measured accuracy.

``denialkb compare DECISIONS ACTUAL.835`` reads the decision records (``decisions.jsonl`` or
an audit ``--out`` folder) and the 835 the payer sent (validated and read with pyx12), and
matches them:

* claims by CLP01 (the provider's claim id, which is ``claim.id``);
* lines by REF*6R (the line item control number; denialkb's 837 and 835 writers put the
  line number there), else by the position of the SVC loop within the claim. (In an 835,
  LX numbers groups of claims, not lines, so it is not a line key.)

A line's **actual** reasons are the CARCs of its CAS segments and of the claim's CAS
segments (a claim-level adjustment applies to every line), except the payment adjustments
that are not denials (``IGNORED_CARCS``: 1 deductible, 2 coinsurance, 3 co-payment,
45 contractual fee-schedule reduction, 253 sequestration; configurable). Its **predicted**
reasons are the CARCs of its denials and of the claim-level denials. CARCs are compared by
code (a payer may use PR where the KB says CO).

Reported: per line ``agree`` / ``predicted_only`` / ``actual_only`` CARCs; the line-level
confusion matrix (predicted denied vs actually denied); per CARC and per rule precision
and recall (rule recall: the share of the actual denials with the rule's CARC that the
rule predicted); and the *blind spots*: actual denials whose CARC no rule predicted on
that line.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError

IGNORED_CARCS = ("1", "2", "3", "45", "253")


def _usage(msg, **kw):
    return UsageError([Problem("usage_error", msg, **kw)])


# --------------------------------------------------------------------------- inputs

def read_decisions(path) -> tuple[dict, dict]:
    """``(records by claim id, line numbers by claim id)`` from ``decisions.jsonl`` or an
    audit folder (whose ``lines.csv`` / ``lines.parquet`` gives every line of each claim)."""
    p = Path(path)
    lines: dict = defaultdict(list)
    if p.is_dir():
        from denialkb.engine.tables import read_table

        for name in ("lines.parquet", "lines.csv"):
            if (p / name).exists():
                for r in read_table(p / name):
                    lines[r["claim_id"]].append({"line": r["line"], "code": r["code"],
                                                 "service_date": r["service_date"], "charge": r["charge"]})
                break
        p = p / "decisions.jsonl"
    if not p.exists():
        raise _usage(f"{p}: no such file", expected="decisions.jsonl or the --out folder of denialkb audit")
    records = {}
    problems = []
    with open(p, encoding="utf-8") as f:
        for i, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                rec = json.loads(text)
                records[rec["claim_id"]] = rec
            except (json.JSONDecodeError, KeyError, TypeError):
                problems.append(Problem("usage_error", "not a decision record", str(p), i))
    if problems:
        raise UsageError(problems)
    return records, dict(lines)


def _cas_reasons(node) -> list[dict]:
    out = []
    for cas in node.select("CAS"):
        group = cas.get_value("CAS01")
        for j in range(2, 20, 3):
            carc = cas.get_value(f"CAS{j:02d}")
            if not carc:
                continue
            amt = cas.get_value(f"CAS{j + 1:02d}")
            out.append({"group": group, "carc": str(carc), "amount": float(amt) if amt else 0.0})
    return out


def read_835(path, *, validate: bool = True) -> list[dict]:
    """The claims of an 835: ``[{claim_id, status, charge, paid, cas, lines: [{ref, position,
    code, modifiers, charge, paid, units, service_date, cas, rarc}]}]`` in file order.

    Validated with pyx12 first (a file with findings is refused with every finding)."""
    try:
        import pyx12.error_handler
        import pyx12.params
        import pyx12.x12context

        from denialkb.engine.formats import validate_x12
        from denialkb.engine.formats.errors import FormatError
        from denialkb.engine.formats.x12 import _quiet_pyx12
    except ImportError:  # pragma: no cover - pyx12 needs Python 3.11+
        raise _usage("reading an 835 needs pyx12 (Python 3.11 or newer)") from None
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise _usage(f"{p}: cannot read: {e.strerror}") from None
    if validate:
        try:
            validate_x12(p)  # the path: text that does not start with ISA would be taken for a file name
        except FormatError as e:
            probs = [Problem("remit_invalid", f"not a valid 835: {e.message}", str(p), expected=e.expected or "")]
            for fd in getattr(e, "findings", [])[:50]:
                probs.append(Problem("remit_invalid", f"{fd.location}: {fd.message}", str(p), fd.line or 0))
            raise UsageError(probs) from None
    claims = []
    with _quiet_pyx12():
        reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), pyx12.error_handler.errh_null(),
                                                   io.StringIO(text))
        for node in reader.iter_segments("2100"):
            if node.id != "2100":
                continue
            c = {"claim_id": node.get_value("CLP01"), "status": node.get_value("CLP02"),
                 "charge": float(node.get_value("CLP03") or 0), "paid": float(node.get_value("CLP04") or 0),
                 "cas": _cas_reasons(node), "lines": []}
            for pos, svc in enumerate(node.select("2110"), 1):
                comp = (svc.get_value("SVC01") or "").split(":") if svc.get_value("SVC01") else []
                c["lines"].append({
                    "position": pos, "ref": _ref_6r(svc),
                    "code": comp[1] if len(comp) > 1 else None, "modifiers": comp[2:],
                    "charge": float(svc.get_value("SVC02") or 0), "paid": float(svc.get_value("SVC03") or 0),
                    "units": svc.get_value("SVC05"), "service_date": svc.get_value("DTM02"),
                    "cas": _cas_reasons(svc), "rarc": [lq.get_value("LQ02") for lq in svc.select("LQ")]})
            claims.append(c)
    if not claims:
        raise _usage(f"{p}: no claim (CLP) in this 835")
    return claims


def _ref_6r(svc):
    for ref in svc.select("REF"):
        if ref.get_value("REF01") == "6R":
            return ref.get_value("REF02")
    return None


# --------------------------------------------------------------------------- matching

def _denials(reasons, ignored) -> list[dict]:
    return [r for r in reasons if r["carc"] not in ignored]


def compare(records: dict, line_info: dict, remit: list[dict], ignored=IGNORED_CARCS) -> dict:
    """Match predictions with the 835 and measure them (see the module docstring)."""
    ignored = {str(c) for c in ignored}
    rows = []
    unmatched_remit, unmatched_lines = [], []
    matched_claims = set()
    for c in remit:
        cid = c["claim_id"]
        rec = records.get(cid)
        if rec is None:
            unmatched_remit.append(cid)
            continue
        matched_claims.add(cid)
        known = [x["line"] for x in line_info.get(cid, [])]
        codes = {x["line"]: x["code"] for x in line_info.get(cid, [])}
        actual: dict = {}
        paid: dict = {}
        for sv in c["lines"]:
            n = None
            if sv["ref"] and str(sv["ref"]).isdigit():
                n = int(sv["ref"])
            elif known and sv["position"] <= len(known):
                n = sorted(known)[sv["position"] - 1]
            elif not known:
                n = sv["position"]
            if n is None:
                unmatched_lines.append({"claim_id": cid, "position": sv["position"], "ref": sv["ref"]})
                continue
            actual.setdefault(n, []).extend(_denials(sv["cas"], ignored))
            paid[n] = paid.get(n, 0.0) + sv["paid"]
            codes.setdefault(n, sv["code"])
        claim_level = _denials(c["cas"], ignored)
        predicted: dict = {}
        claim_pred = [d for d in rec["denials"] if d["line"] is None]
        for d in rec["denials"]:
            if d["line"] is not None:
                predicted.setdefault(d["line"], []).append(d)
        universe = sorted(set(known) | set(actual) | set(predicted))
        if not universe:
            universe = [None]
        for n in universe:
            pred = predicted.get(n, []) + claim_pred
            act = actual.get(n, []) + claim_level
            pc = sorted({str(d["carc"]) for d in pred}, key=_carc_key)
            ac = sorted({a["carc"] for a in act}, key=_carc_key)
            rows.append({"claim_id": cid, "line": n, "code": codes.get(n),
                         "predicted": [{"rule": d["id"], "group": d["group"], "carc": str(d["carc"])} for d in pred],
                         "actual": [{"group": a["group"], "carc": a["carc"], "amount": a["amount"]} for a in act],
                         "agree": [x for x in pc if x in ac], "predicted_only": [x for x in pc if x not in ac],
                         "actual_only": [x for x in ac if x not in pc], "paid": paid.get(n),
                         "status": _status(pc, ac)})
    decided_not_in_remit = sorted(set(records) - matched_claims)
    return _measure(rows, unmatched_remit, decided_not_in_remit, unmatched_lines)


def _carc_key(c):
    return (int(c) if str(c).isdigit() else 10 ** 6, str(c))


def _status(pc, ac):
    if not pc and not ac:
        return "both_clean"
    if set(pc) == set(ac):
        return "agree"
    if not ac:
        return "predicted_only"
    if not pc:
        return "actual_only"
    return "partly"


def _ratio(a, b):
    return round(a / b, 4) if b else None


def _measure(rows, unmatched_remit, decided_not_in_remit, unmatched_lines) -> dict:
    tp = sum(1 for r in rows if r["predicted"] and r["actual"])
    fp = sum(1 for r in rows if r["predicted"] and not r["actual"])
    fn = sum(1 for r in rows if not r["predicted"] and r["actual"])
    tn = sum(1 for r in rows if not r["predicted"] and not r["actual"])
    by_carc: dict = {}
    for r in rows:
        for key, word in (("agree", "tp"), ("predicted_only", "fp"), ("actual_only", "fn")):
            for c in r[key]:
                e = by_carc.setdefault(c, {"tp": 0, "fp": 0, "fn": 0})
                e[word] += 1
    for e in by_carc.values():
        e["precision"] = _ratio(e["tp"], e["tp"] + e["fp"])
        e["recall"] = _ratio(e["tp"], e["tp"] + e["fn"])
    actual_by_carc = Counter(c for r in rows for c in {a["carc"] for a in r["actual"]})
    by_rule: dict = {}
    for r in rows:
        ac = {a["carc"] for a in r["actual"]}
        for p in r["predicted"]:
            e = by_rule.setdefault(p["rule"], {"carc": p["carc"], "fired": 0, "tp": 0, "fp": 0})
            e["fired"] += 1
            e["tp" if p["carc"] in ac else "fp"] += 1
    for e in by_rule.values():
        e["actual_with_carc"] = actual_by_carc.get(e["carc"], 0)
        e["precision"] = _ratio(e["tp"], e["fired"])
        e["recall"] = _ratio(e["tp"], e["actual_with_carc"])
    blind: dict = {}
    for r in rows:
        for a in r["actual"]:
            if a["carc"] in r["actual_only"]:
                e = blind.setdefault(a["carc"], {"carc": a["carc"], "groups": [], "lines": 0, "amount": 0.0,
                                                 "claims": []})
                if a["group"] not in e["groups"]:
                    e["groups"].append(a["group"])
                e["lines"] += 1
                e["amount"] = round(e["amount"] + a["amount"], 2)
                if r["claim_id"] not in e["claims"]:
                    e["claims"].append(r["claim_id"])
    status = Counter(r["status"] for r in rows)
    return {
        "lines": rows,
        "line_status": {k: status.get(k, 0) for k in ("agree", "partly", "predicted_only", "actual_only",
                                                        "both_clean")},
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn,
                      "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn),
                      "accuracy": _ratio(tp + tn, len(rows))},
        "by_carc": {k: by_carc[k] for k in sorted(by_carc, key=_carc_key)},
        "by_rule": {k: by_rule[k] for k in sorted(by_rule)},
        "blind_spots": sorted(blind.values(), key=lambda e: (-e["lines"], _carc_key(e["carc"]))),
        "unmatched": {"remit_claims_not_decided": unmatched_remit, "decided_claims_not_in_remit": decided_not_in_remit,
                      "remit_lines_not_matched": unmatched_lines},
    }


def compare_files(decisions, remit_path, ignored=IGNORED_CARCS, validate: bool = True) -> dict:
    """:func:`compare` on files: decisions.jsonl (or an audit folder) and an 835."""
    records, line_info = read_decisions(decisions)
    return compare(records, line_info, read_835(remit_path, validate=validate), ignored)


# --------------------------------------------------------------------------- output

def render_compare(res: dict) -> str:
    """The comparison as text."""
    c = res["confusion"]
    s = res["line_status"]
    out = [f"{len(res['lines'])} lines compared: agree {s['agree']}, partly {s['partly']}, "
           f"predicted only {s['predicted_only']}, actual only {s['actual_only']}, both clean {s['both_clean']}",
           "",
           "confusion matrix (lines)     actually denied   actually not denied",
           f"  predicted denied           {c['true_positive']:>15}   {c['false_positive']:>19}",
           f"  predicted not denied       {c['false_negative']:>15}   {c['true_negative']:>19}",
           f"  precision {_pct(c['precision'])}, recall {_pct(c['recall'])}, accuracy {_pct(c['accuracy'])}",
           "", "by CARC: tp fp fn precision recall"]
    for k, e in res["by_carc"].items():
        out.append(f"  {k:>5}: {e['tp']} {e['fp']} {e['fn']} {_pct(e['precision'])} {_pct(e['recall'])}")
    out += ["", "by rule: fired tp fp precision recall (of the actual denials with its CARC)"]
    for k, e in res["by_rule"].items():
        out.append(f"  {k} (CARC {e['carc']}): {e['fired']} {e['tp']} {e['fp']} {_pct(e['precision'])} "
                   f"{_pct(e['recall'])}")
    out += ["", "blind spots (actual denials no rule predicted):"]
    if not res["blind_spots"]:
        out.append("  none")
    for b in res["blind_spots"]:
        out.append(f"  {'/'.join(b['groups'])}-{b['carc']}: {b['lines']} line(s), ${b['amount']:,.2f}; claims "
                   + ", ".join(b["claims"][:10]) + (" ..." if len(b["claims"]) > 10 else ""))
    u = res["unmatched"]
    out += ["", f"unmatched: {len(u['remit_claims_not_decided'])} 835 claim(s) not decided, "
                f"{len(u['decided_claims_not_in_remit'])} decided claim(s) not in the 835, "
                f"{len(u['remit_lines_not_matched'])} 835 line(s) not matched"]
    out += ["", "lines that differ:"]
    for r in res["lines"]:
        if r["status"] in ("agree", "both_clean"):
            continue
        where = f"line {r['line']}" if r["line"] is not None else "claim"
        out.append(f"  {r['claim_id']} {where} ({r['code'] or '?'}): {r['status'].replace('_', ' ')}; predicted "
                   f"{', '.join(r['predicted_only'] + r['agree']) or 'none'}, actual "
                   f"{', '.join(r['actual_only'] + r['agree']) or 'none'}")
    return "\n".join(out) + "\n"


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f} %"
