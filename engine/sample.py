"""Statistical samples of a decided population, in the form OIG's RAT-STATS reads.

``denialkb sample`` numbers the sampling units of an audit (claims, or claim lines) 1..N in
a fixed order (claim id, line number) -- the *sample frame* -- and draws a simple random
sample, or a sample stratified by the amount under review (the paid amount when the claim
document has it, else the billed charge). The draw is reproducible from the seed alone:
each frame number gets the key ``sha256("<seed>:<stratum>:<frame number>")`` and the
units with the smallest keys in each stratum are taken, so the same seed and frame give
the same sample on every machine and Python version.

Files written (``--out DIR``):

* ``frame.csv``: the whole universe, one row per unit (``frame_number, stratum, claim_id,
  line, examined_value, predicted_at_risk, outcome``); a RAT-STATS frame or data file;
* ``sample.csv``: the selected units (``sample_number`` 1..n per stratum, the frame columns,
  and empty ``audited_value``, ``difference`` and ``error`` columns for the reviewer);
* ``sample.json``: the design (seed, unit, population filter, strata bounds, universe and
  sample size per stratum, the source file's sha256, KB version), read by ``appraise``.

The frame and sample hold claim ids (patient data of a kind): keep them with the workpapers.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError

FRAME_COLUMNS = ("frame_number", "stratum", "claim_id", "line", "examined_value", "predicted_at_risk", "outcome")
SAMPLE_COLUMNS = ("sample_number",) + FRAME_COLUMNS + ("audited_value", "difference", "error")


def _usage(msg, **kw):
    return UsageError([Problem("usage_error", msg, **kw)])


def _lines_table(source) -> Path:
    p = Path(source)
    if p.is_dir():
        for name in ("lines.parquet", "lines.csv"):
            if (p / name).exists():
                return p / name
        raise _usage(f"{p}: no lines.parquet or lines.csv here", expected="the --out folder of denialkb audit")
    if not p.exists():
        raise _usage(f"{p}: no such file or folder")
    return p


def population(source, unit: str = "claim", only: str = "all") -> tuple[list[dict], dict]:
    """The sampling units of an audit's line table, in frame order, and facts about the source.

    ``unit``: ``claim`` (examined value = the sum of its lines) or ``line``.
    ``only``: ``all`` units, or only ``denied`` ones (a unit with something at risk).
    """
    from denialkb.engine.tables import read_table

    path = _lines_table(source)
    rows = read_table(path)
    need = {"claim_id", "line", "charge", "paid", "amount_at_risk", "outcome", "kb_version"}
    if rows and not need <= set(rows[0]):
        raise _usage(f"{path}: not a denialkb line table", expected="columns " + ", ".join(sorted(need)),
                     hint="found columns " + ", ".join(sorted(rows[0]))[:200])
    units: dict = {}
    for r in rows:
        value = r["paid"] if r["paid"] is not None else (r["charge"] or 0.0)
        key = (r["claim_id"],) if unit == "claim" else (r["claim_id"], r["line"])
        u = units.setdefault(key, {"claim_id": r["claim_id"], "line": None if unit == "claim" else r["line"],
                                   "examined_value": 0.0, "predicted_at_risk": 0.0, "outcome": r["outcome"]})
        u["examined_value"] = round(u["examined_value"] + value, 2)
        u["predicted_at_risk"] = round(u["predicted_at_risk"] + (r["amount_at_risk"] or 0.0), 2)
    out = [units[k] for k in sorted(units, key=lambda k: (k[0], k[1] if len(k) > 1 and k[1] is not None else 0))]
    if only == "denied":
        out = [u for u in out if u["predicted_at_risk"] > 0]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    kbs = sorted({r["kb_version"] for r in rows})
    return out, {"source": str(path), "source_sha256": sha, "kb_version": kbs[0] if len(kbs) == 1 else kbs}


def _key(seed: int, stratum: int, frame_number: int) -> str:
    return hashlib.sha256(f"{seed}:{stratum}:{frame_number}".encode()).hexdigest()


def quantile_bounds(values: list[float], k: int) -> list[float]:
    """``k - 1`` stratum bounds splitting ``values`` into ``k`` groups of about equal count."""
    import bisect

    vs = sorted(values)
    cands = sorted(set(vs))[1:]  # a bound b puts values >= b above it; the minimum splits nothing
    out = set()
    for i in range(1, k):
        target = len(vs) * i / k
        best = min(cands, key=lambda b: (abs(bisect.bisect_left(vs, b) - target), b), default=None)
        if best is not None:
            out.add(best)
    return sorted(out)


def allocate(sizes: list[int], n: int, minimum: int = 2) -> list[int]:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder), at least
    ``minimum`` per stratum (a variance needs two), never more than the stratum holds."""
    total = sum(sizes)
    if n > total:
        raise _usage(f"--size {n} is larger than the universe ({total} units)")
    base = [min(s, max(minimum, (n * s) // total)) for s in sizes]
    rema = sorted(range(len(sizes)), key=lambda i: (-((n * sizes[i]) % total), i))
    i = 0
    while sum(base) < n and i < 10 * len(sizes) + n:
        j = rema[i % len(sizes)]
        if base[j] < sizes[j]:
            base[j] += 1
        i += 1
    while sum(base) > n:  # the minimums overshot: take from the largest strata
        j = max((j for j in range(len(sizes)) if base[j] > minimum), key=lambda j: base[j], default=None)
        if j is None:
            break
        base[j] -= 1
    return base


def draw(units: list[dict], size: int, seed: int, bounds: list[float] | None = None) -> dict:
    """Number the frame, assign strata and draw the sample. Returns ``{"frame", "sample", "design"}``."""
    if size < 1:
        raise _usage("--size must be at least 1")
    if not units:
        raise _usage("the population is empty: nothing to sample")
    bounds = sorted(bounds or [])
    frame = []
    for i, u in enumerate(units, 1):
        stratum = 1 + sum(1 for b in bounds if u["examined_value"] >= b)
        frame.append({"frame_number": i, "stratum": stratum, **u})
    present = sorted({f["stratum"] for f in frame})
    renumber = {h: i for i, h in enumerate(present, 1)}  # empty strata (tied bounds) are dropped
    for f in frame:
        f["stratum"] = renumber[f["stratum"]]
    strata = list(renumber.values())
    members = {h: [f for f in frame if f["stratum"] == h] for h in strata}
    sizes = [len(members[h]) for h in strata]
    alloc = allocate(sizes, size, 2 if len(strata) > 1 else 1) if len(strata) > 1 else [size]
    if alloc[0] > sizes[0] and len(strata) == 1:
        raise _usage(f"--size {size} is larger than the universe ({sizes[0]} units)")
    sample = []
    for h, n_h in zip(strata, alloc, strict=True):
        chosen = sorted(members[h], key=lambda f: _key(seed, h, f["frame_number"]))[:n_h]
        for j, f in enumerate(sorted(chosen, key=lambda f: f["frame_number"]), 1):
            sample.append({"sample_number": j, **f, "audited_value": None, "difference": None, "error": None})
    design = {"method": "stratified" if len(strata) > 1 else "simple_random", "seed": seed,
              "selection": "the units with the smallest sha256('<seed>:<stratum>:<frame_number>') per stratum",
              "bounds": bounds,
              "strata": [{"stratum": h, "universe_size": len(members[h]), "sample_size": n_h,
                          "universe_value": round(sum(f["examined_value"] for f in members[h]), 2),
                          "low": min(f["examined_value"] for f in members[h]),
                          "high": max(f["examined_value"] for f in members[h])}
                         for h, n_h in zip(strata, alloc, strict=True)],
              "universe_size": len(frame), "sample_size": len(sample)}
    return {"frame": frame, "sample": sample, "design": design}


def _write_csv(path: Path, cols, rows) -> None:
    from denialkb.engine.tables import _cell

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])


def write_sample(result: dict, out, meta: dict) -> list[Path]:
    """Write frame.csv, sample.csv and sample.json into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "frame.csv", FRAME_COLUMNS, result["frame"])
    _write_csv(out / "sample.csv", SAMPLE_COLUMNS, result["sample"])
    design = {**result["design"], **meta}
    (out / "sample.json").write_text(json.dumps(design, indent=2) + "\n", encoding="utf-8")
    return [out / "frame.csv", out / "sample.csv", out / "sample.json"]


def make_sample(source, out, *, size: int, seed: int, unit: str = "claim", only: str = "all",
                strata: int | None = None, bounds: list[float] | None = None) -> dict:
    """Population -> frame + sample files. ``strata`` = number of strata by examined value
    (quantile bounds), or explicit ``bounds``. Returns the design dict."""
    units, meta = population(source, unit, only)
    if strata and bounds:
        raise _usage("give --strata or --bounds, not both")
    if strata and strata > 1:
        bounds = quantile_bounds([u["examined_value"] for u in units], strata)
    res = draw(units, size, seed, bounds)
    write_sample(res, out, {"unit": unit, "population": only, **meta})
    return {**res["design"], "unit": unit, "population": only, **meta}
