"""Appraisal of a reviewed sample, as OIG's RAT-STATS computes it.

* **Attribute appraisal** (how many units are in error): the sample error rate, the
  projected number of units in error, and a two-sided 90 % confidence interval. For an
  unrestricted (simple random) sample the limits are exact hypergeometric limits: the
  lower limit is the smallest number of universe errors ``K`` for which seeing at least the
  sample's errors has probability above 5 %, the upper the largest ``K`` for which seeing
  at most that many has probability above 5 %. For a stratified sample, the stratified
  estimate ``sum W_h p_h`` with the normal approximation
  ``var = sum W_h^2 (1 - n_h/N_h) p_h (1 - p_h) / (n_h - 1)``.
* **Variable appraisal** (how many dollars): the mean-per-unit (difference) estimator of the
  total overpayment. Unrestricted: point estimate ``N * mean(d)``, standard error
  ``N * s / sqrt(n) * sqrt(1 - n/N)``; the two-sided 90 % interval is ``point -/+ t * SE`` with
  Student's ``t`` at 95 % and ``n - 1`` degrees of freedom. The **lower limit** is the
  amount OIG demands when it extrapolates. Stratified: the stratum totals and variances are
  added; ``t`` has ``sum(n_h - 1)`` degrees of freedom (Cochran's conservative choice; the
  limits with the normal ``z`` are given too, ``lower_limit_z``, for reconciling with a tool
  that uses ``z`` for stratified designs).

The overpayment of a sample unit is its ``difference`` (examined value minus audited value);
when the reviewer filled only ``audited_value`` it is computed. ``error`` is true when
written so, else when the difference is not zero.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError

CONFIDENCE = 0.90


def _usage(problems):
    return UsageError(problems)


def hypergeometric_limits(k: int, n: int, N: int, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """Exact two-sided limits on the number of universe errors ``K`` after ``k`` errors in a
    simple random sample of ``n`` from ``N`` (each tail ``(1 - confidence) / 2``)."""
    from scipy.stats import hypergeom

    alpha = (1 - confidence) / 2
    # lower: smallest K with P(X >= k | K) > alpha  (P(X >= k) grows with K)
    if k == 0:
        lower = 0
    else:
        lo, hi = k, N - (n - k)
        while lo < hi:
            mid = (lo + hi) // 2
            if hypergeom.sf(k - 1, N, mid, n) > alpha:
                hi = mid
            else:
                lo = mid + 1
        lower = lo
    # upper: largest K with P(X <= k | K) > alpha  (P(X <= k) falls with K)
    if k == n:
        upper = N
    else:
        lo, hi = k, N - (n - k)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if hypergeom.cdf(k, N, mid, n) > alpha:
                lo = mid
            else:
                hi = mid - 1
        upper = lo
    return lower, upper


def t_value(df: int, confidence: float = CONFIDENCE) -> float:
    """Student's t for a two-sided ``confidence`` interval with ``df`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(1 - (1 - confidence) / 2, df))


def _stats(values):
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return n, mean, var


def variable_appraisal(strata: list[dict], confidence: float = CONFIDENCE) -> dict:
    """``strata``: ``[{"stratum", "universe_size", "differences": [...]}, ...]``. The
    projected total overpayment with its two-sided interval (lower limit = OIG's demand)."""
    point = var_total = 0.0
    df = 0
    per = []
    for s in strata:
        N, d = s["universe_size"], s["differences"]
        n, mean, var = _stats(d)
        fpc = 1 - n / N
        total = N * mean
        v = N * N * fpc * var / n
        point += total
        var_total += v
        df += n - 1
        per.append({"stratum": s["stratum"], "universe_size": N, "sample_size": n, "mean": round(mean, 4),
                    "std_dev": round(math.sqrt(var), 4), "point_estimate": round(total, 2),
                    "standard_error": round(math.sqrt(v), 2), "sample_total": round(sum(d), 2),
                    "nonzero": sum(1 for x in d if x != 0)})
    se = math.sqrt(var_total)
    t = t_value(max(df, 1), confidence)
    out = {"confidence": confidence, "point_estimate": round(point, 2), "standard_error": round(se, 2),
           "t_value": round(t, 6), "degrees_of_freedom": df,
           "lower_limit": round(point - t * se, 2), "upper_limit": round(point + t * se, 2),
           "precision_amount": round(t * se, 2),
           "precision_percent": round(100 * t * se / point, 2) if point else None, "strata": per}
    if len(strata) > 1:
        # the same interval with the normal z, for reconciling with a tool that uses z for stratified
        # designs (whether RAT-STATS does could not be checked against its documentation: docs/audit.md)
        from scipy.stats import norm

        z = float(norm.ppf(1 - (1 - confidence) / 2))
        out.update(z_value=round(z, 6), lower_limit_z=round(point - z * se, 2), upper_limit_z=round(point + z * se, 2))
    return out


def attribute_appraisal(strata: list[dict], confidence: float = CONFIDENCE) -> dict:
    """``strata``: ``[{"stratum", "universe_size", "sample_size", "errors"}, ...]``. The error
    rate and projected errors with a two-sided interval (exact for one stratum)."""
    N = sum(s["universe_size"] for s in strata)
    n = sum(s["sample_size"] for s in strata)
    k = sum(s["errors"] for s in strata)
    if len(strata) == 1:
        lo, hi = hypergeometric_limits(k, n, N, confidence)
        return {"confidence": confidence, "method": "exact hypergeometric", "universe_size": N, "sample_size": n,
                "errors": k, "rate": round(k / n, 6), "projected_errors": round(N * k / n, 2),
                "lower_errors": lo, "upper_errors": hi, "lower_rate": round(lo / N, 6), "upper_rate": round(hi / N, 6)}
    from scipy.stats import norm

    rate = var = 0.0
    for s in strata:
        W = s["universe_size"] / N
        p = s["errors"] / s["sample_size"]
        rate += W * p
        if s["sample_size"] > 1:
            var += W * W * (1 - s["sample_size"] / s["universe_size"]) * p * (1 - p) / (s["sample_size"] - 1)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    half = z * math.sqrt(var)
    return {"confidence": confidence, "method": "stratified, normal approximation", "universe_size": N,
            "sample_size": n, "errors": k, "rate": round(rate, 6), "projected_errors": round(N * rate, 2),
            "lower_rate": round(max(0.0, rate - half), 6), "upper_rate": round(min(1.0, rate + half), 6),
            "lower_errors": round(N * max(0.0, rate - half), 2), "upper_errors": round(N * min(1.0, rate + half), 2)}


_TRUE = {"true", "yes", "y", "1", "error"}
_FALSE = {"false", "no", "n", "0", "ok", "none"}


def _num(text):
    try:
        return float(str(text).replace(",", "").replace("$", ""))
    except ValueError:
        return None


def read_review(folder, *, predicted: bool = False) -> tuple[dict, list[dict]]:
    """The design (sample.json) and the reviewed units (sample.csv) of a sample folder, each
    with ``difference`` and ``error`` resolved. Every unreadable cell is reported at once."""
    folder = Path(folder)
    sample_csv = folder / "sample.csv" if folder.is_dir() else folder
    design_path = sample_csv.with_name("sample.json")
    problems = []
    if not sample_csv.exists() or not design_path.exists():
        raise _usage([Problem("usage_error", f"{folder}: needs sample.csv and sample.json",
                              expected="the --out folder of denialkb sample")])
    design = json.loads(design_path.read_text(encoding="utf-8"))
    units = []
    with open(sample_csv, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), 2):
            where = f"{sample_csv.name} row {i} (sample {r.get('stratum')}-{r.get('sample_number')})"
            before = len(problems)
            examined = _num(r.get("examined_value", ""))
            diff = _num(r["difference"]) if (r.get("difference") or "").strip() else None
            if diff is None and (r.get("difference") or "").strip():
                problems.append(Problem("usage_error", f"{where}: difference is not a number",
                                        str(sample_csv), i, expected=f"a number, found '{r['difference'][:20]}'"))
            audited = (r.get("audited_value") or "").strip()
            if diff is None and audited:
                a = _num(audited)
                if a is None or examined is None:
                    problems.append(Problem("usage_error", f"{where}: audited_value is not a number",
                                            str(sample_csv), i, expected=f"a number, found '{audited[:20]}'"))
                else:
                    diff = round(examined - a, 2)
            if diff is None and predicted:
                diff = _num(r.get("predicted_at_risk") or "0") or 0.0
            err_text = (r.get("error") or "").strip().lower()
            if err_text in _TRUE:
                error = True
            elif err_text in _FALSE:
                error = False
            elif err_text:
                problems.append(Problem("usage_error", f"{where}: error must be yes or no", str(sample_csv), i,
                                        expected=f"yes or no, found '{err_text[:20]}'"))
                error = None
            else:
                error = None if diff is None else diff != 0
            if diff is None and error is None and len(problems) == before:
                problems.append(Problem("usage_error", f"{where}: not reviewed", str(sample_csv), i,
                                        expected="audited_value or difference (variable), or error (attribute)",
                                        hint="or appraise --predicted to project the predicted denials"))
            units.append({"stratum": int(r["stratum"]), "difference": diff, "error": error})
    if problems:
        raise _usage(problems)
    return design, units


def appraise(folder, *, predicted: bool = False, confidence: float = CONFIDENCE) -> dict:
    """Attribute and variable appraisal of a reviewed sample folder (see module docstring)."""
    design, units = read_review(folder, predicted=predicted)
    strata = []
    for s in design["strata"]:
        us = [u for u in units if u["stratum"] == s["stratum"]]
        if len(us) != s["sample_size"]:
            raise _usage([Problem("usage_error", f"stratum {s['stratum']}: {len(us)} reviewed units in sample.csv, "
                                  f"the design says {s['sample_size']}")])
        strata.append({"stratum": s["stratum"], "universe_size": s["universe_size"], "sample_size": len(us),
                       "errors": sum(1 for u in us if u["error"]),
                       "differences": [u["difference"] for u in us if u["difference"] is not None]})
    out = {"design": {k: design.get(k) for k in ("method", "seed", "unit", "population", "universe_size",
                                                 "sample_size", "kb_version", "source_sha256")},
           "basis": "predicted denials (every predicted denial holds)" if predicted else "reviewer's findings",
           "attribute": attribute_appraisal(strata, confidence)}
    if all(len(s["differences"]) == s["sample_size"] for s in strata):
        out["variable"] = variable_appraisal(strata, confidence)
    return out


def render_appraisal(res: dict) -> str:
    """The appraisal as text for a workpaper."""
    d, a = res["design"], res["attribute"]
    pct = int(round(100 * a["confidence"]))
    out = [f"Appraisal of a {d['method'].replace('_', ' ')} sample of {d['sample_size']} {d['unit']}s "
           f"from {d['universe_size']} (seed {d['seed']}); basis: {res['basis']}",
           "",
           f"Attribute appraisal ({a['method']}):",
           f"  errors in sample      {a['errors']} of {a['sample_size']} ({100 * a['rate']:.2f} %)",
           f"  projected errors      {a['projected_errors']:,.2f} of {a['universe_size']:,}",
           f"  {pct} % interval (two-sided)  {100 * a['lower_rate']:.2f} % to {100 * a['upper_rate']:.2f} % "
           f"({a['lower_errors']:,} to {a['upper_errors']:,} units)"]
    v = res.get("variable")
    if v:
        out += ["",
                "Variable appraisal (difference estimator, overpayment):",
                f"  point estimate        ${v['point_estimate']:,.2f}",
                f"  standard error        ${v['standard_error']:,.2f}",
                f"  t ({v['degrees_of_freedom']} df)             {v['t_value']:.4f}",
                f"  lower limit ({pct} %)    ${v['lower_limit']:,.2f}   <- the amount OIG would demand",
                f"  upper limit ({pct} %)    ${v['upper_limit']:,.2f}",
                f"  precision             ${v['precision_amount']:,.2f}"
                + (f" ({v['precision_percent']:.2f} % of the point estimate)" if v["precision_percent"] else "")]
        if "lower_limit_z" in v:
            out.append(f"  with z {v['z_value']:.4f} instead ${v['lower_limit_z']:,.2f} to ${v['upper_limit_z']:,.2f}")
        if len(v["strata"]) > 1:
            out.append("  by stratum: " + "; ".join(
                f"{s['stratum']}: N={s['universe_size']} n={s['sample_size']} point ${s['point_estimate']:,.2f}"
                for s in v["strata"]))
    else:
        out += ["", "Variable appraisal: not computed (some units have no audited value or difference)."]
    return "\n".join(out) + "\n"
