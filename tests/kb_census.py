"""Counts of the shipped KB read straight from its YAML (independently of the engine), so tests can assert the
engine's exact numbers without hard-coding the KB's current size."""

from pathlib import Path

import yaml

KB = Path(__file__).resolve().parent.parent / "kb"


def _yaml_files(sub: str) -> list[Path]:
    return sorted((KB / sub).glob("*.yaml"), key=lambda p: p.name)


def _walk(x):
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from _walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v)


def unknown_dates() -> int:
    """Rows (codes, products, payer rows, rule scopes) with ``effective_from: unknown``."""
    return sum(1 for sub in ("tables", "payers", "rules") for p in _yaml_files(sub)
               for d in _walk(yaml.safe_load(p.read_text())) if d.get("effective_from") == "unknown")


def rule_ids() -> list[str]:
    return [r["id"] for p in _yaml_files("rules") for r in yaml.safe_load(p.read_text())["rules"]]


def cases() -> list[tuple[str, str]]:
    """(case id, file relative to the repository) in the order ``kb test`` runs them."""
    return [(c["id"], f"kb/cases/{p.name}") for p in _yaml_files("cases")
            for c in yaml.safe_load(p.read_text())["cases"]]


def condition_leaves() -> int:
    """Fact conditions in the rules' ``when`` trees (finding references are not conditions)."""
    def count(x) -> int:
        if isinstance(x, dict):
            return 1 if "fact" in x else sum(count(v) for v in x.values())
        return sum(count(v) for v in x) if isinstance(x, list) else 0

    return sum(count(r.get("when")) for p in _yaml_files("rules") for r in yaml.safe_load(p.read_text())["rules"])
