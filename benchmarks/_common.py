"""Shared helpers for the benchmark scripts (not tests): generated KBs and claims."""

from __future__ import annotations

import copy
import datetime as dt
import random
import shutil
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
EXAMPLES = ROOT / "examples"


def _bump(node, k):
    """Shift numeric literals in a condition tree by k (thresholds vary; facts refs kept)."""
    if isinstance(node, dict):
        return {key: (v + k if key in ("gt", "ge", "lt", "le") and isinstance(v, (int, float))
                      and not isinstance(v, bool) else _bump(v, k)) for key, v in node.items()}
    if isinstance(node, list):
        return [_bump(v, k) for v in node]
    return node


def generated_kb(n_rules: int = 200) -> Path:
    """A temp copy of the shipped KB with denial rules cloned (new ids, shifted thresholds)
    until it holds ``n_rules`` rules. Caller removes the directory."""
    tmp = Path(tempfile.mkdtemp(prefix="denialkb-bench-kb-"))
    shutil.copytree(KB, tmp / "kb", ignore=shutil.ignore_patterns("__pycache__", "cases"))
    (tmp / "kb" / "cases").mkdir()
    rules = []
    for f in sorted((tmp / "kb" / "rules").glob("*.yaml")):
        rules += yaml.safe_load(f.read_text())["rules"]
    denials = [r for r in rules if "denial" in r["conclude"]]
    clones, k = [], 0
    while len(rules) + len(clones) < n_rules:
        src = denials[k % len(denials)]
        c = copy.deepcopy(src)
        c["id"] = f"{src['id']}-G{k:03d}"
        c["when"] = _bump(c["when"], (k // len(denials)) % 3)
        clones.append(c)
        k += 1
    (tmp / "kb" / "rules" / "zz_generated.yaml").write_text(yaml.safe_dump({"rules": clones}, sort_keys=False))
    return tmp / "kb"


def example_docs() -> list[dict]:
    from denialkb.engine.claim import load_claim

    return [load_claim(p).data for p in sorted(EXAMPLES.glob("*.yaml"))]


def _shift(s: str, days: int) -> str:
    if len(s) >= 10 and s[4] == "-" and s[7] == "-":
        try:
            return (dt.date.fromisoformat(s[:10]) + dt.timedelta(days=days)).isoformat() + s[10:]
        except ValueError:
            return s
    return s


def _shift_dates(node, days):
    if isinstance(node, dict):
        return {k: _shift_dates(v, days) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift_dates(v, days) for v in node]
    if isinstance(node, str):
        return _shift(node, days)
    return node


def generate_claims(n: int, seed: int = 7):
    """Yield n claim documents: variations of examples/*.yaml (ids, dates, units, modifiers)."""
    rnd = random.Random(seed)
    base = example_docs()
    for i in range(n):
        d = copy.deepcopy(base[i % len(base)])
        d = _shift_dates(d, rnd.choice([0, 0, 7, 30, -30, 120]))
        d["claim"]["id"] = f"GEN-{i:07d}"
        for ln in d["claim"]["lines"]:
            if rnd.random() < 0.2:
                ln["units"] = max(1, int(ln["units"] * rnd.choice([0.5, 1.5, 2])))
            if rnd.random() < 0.1 and ln.get("modifiers") is not None:
                ln["modifiers"] = rnd.choice([[], ["JZ"], ["JW"], ["JW", "JZ"]])
        yield d
