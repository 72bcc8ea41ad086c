"""Make a synthetic audit population from the bundled examples (docs/audit.md walkthrough).

    python scripts/make_audit_population.py --n 500 --seed 1 --out /tmp/claims

Each claim is a copy of one example with a new claim id and patient id, every date shifted by
the same random number of days (-60 .. +600), charges scaled by 0.9-1.2, and for about 40 % of
the claims one change (units x1.5 or x2, JZ removed, filed 200 days late). Seeded: the same
arguments give the same files. The patients and claims are made up.

    python scripts/make_audit_population.py --actual-835 OUT/decisions.jsonl --claims /tmp/claims \\
        --seed 1 --out /tmp/actual.835

writes a synthetic "payer's actual 835" for those decisions: the payer upholds each predicted
line denial with probability 0.8, and denies 3 % of the lines the KB passed (CO-96 / CO-197 /
CO-151, reasons the KB may not model). It is a test fixture for `denialkb compare`, not data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$")


def _shift(v, days):
    if isinstance(v, dict):
        return {k: _shift(x, days) for k, x in v.items()}
    if isinstance(v, list):
        return [_shift(x, days) for x in v]
    if isinstance(v, dt.date):
        v = v.isoformat()
    if isinstance(v, str) and DATE.match(v):
        return (dt.date.fromisoformat(v) + dt.timedelta(days=days)).isoformat()
    if isinstance(v, str) and DATETIME.match(v):
        d, t = DATETIME.match(v).groups()
        return (dt.date.fromisoformat(d) + dt.timedelta(days=days)).isoformat() + "T" + t
    return v


def make_population(n: int, seed: int, out: Path) -> None:
    rng = random.Random(seed)
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    out.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        src = examples[rng.randrange(len(examples))]
        doc = yaml.safe_load(src.read_text())
        doc = _shift(doc, rng.randint(-60, 600))
        doc["claim"]["id"] = f"AUD-{i:04d}"
        doc.setdefault("patient", {})["id"] = f"PT-{rng.randrange(10**6):06d}"
        scale = rng.uniform(0.9, 1.2)
        for ln in doc["claim"]["lines"]:
            if "charge" in ln:
                ln["charge"] = round(ln["charge"] * scale, 2)
        r = rng.random()
        first = doc["claim"]["lines"][0]
        if r < 0.15 and "units" in first:
            first["units"] = int(first["units"] * rng.choice((1.5, 2)))
        elif r < 0.28 and "JZ" in (first.get("modifiers") or []):
            first["modifiers"] = [m for m in first["modifiers"] if m != "JZ"]
        elif r < 0.40 and doc["claim"].get("received_date"):
            doc["claim"]["received_date"] = (dt.date.fromisoformat(first["service_date"])
                                             + dt.timedelta(days=200)).isoformat()
        (out / f"AUD-{i:04d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def make_actual_835(decisions: Path, claims: Path, seed: int, out: Path) -> None:
    from denialkb.engine.formats import render_835

    rng = random.Random(seed)
    pairs = []
    for text in decisions.read_text(encoding="utf-8").splitlines():
        rec = json.loads(text)
        if rec["outcome"] == "undetermined":
            continue
        doc = yaml.safe_load((claims / f"{rec['claim_id']}.yaml").read_text())
        doc = _shift(doc, 0)
        kept = [d for d in rec["denials"] if rng.random() < 0.8]
        denied_lines = {d["line"] for d in rec["denials"]}
        for ln in doc["claim"]["lines"]:
            if ln.get("number") not in denied_lines and rng.random() < 0.03:
                kept.append({"id": "PAYER-EDIT", "title": "payer edit", "line": ln.get("number"), "group": "CO",
                             "carc": rng.choice(("96", "197", "151")), "rarc": [], "stage": "adjudication",
                             "explanation": "", "remedy": "", "because": [], "derived_from": [], "sources": []})
        actual = {**rec, "denials": kept, "outcome": "denied" if kept else "clean"}
        pairs.append((actual, doc))
    out.write_text(render_835(pairs, created=dt.datetime(2026, 12, 1, 12, 0)), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--actual-835", type=Path, default=None, metavar="DECISIONS_JSONL")
    ap.add_argument("--claims", type=Path, default=None)
    a = ap.parse_args()
    if a.actual_835:
        make_actual_835(a.actual_835, a.claims, a.seed, a.out)
    else:
        make_population(a.n, a.seed, a.out)


if __name__ == "__main__":
    main()
