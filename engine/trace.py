"""Plain trace records of one decision. No experta type ever leaves the runtime.

Explanations, graphs, reports and the CLI work only on these records and on the
rules as data, so a different engine backend could produce them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def fact_key(kind: str, ident: str, line: int | None) -> str:
    """Stable id of a fact in a trace: ``claim``, ``line:2``, ``finding:HER2-POSITIVE``,
    ``finding:X@line:2``, ``denial:RULE-ID@line:1``."""
    if kind == "claim":
        return "claim"
    if kind == "line":
        return f"line:{line}"
    base = f"{kind}:{ident}"
    return f"{base}@line:{line}" if line else base


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, on which line, matching which facts, concluding what."""

    step: int
    rule: str
    line: int | None
    facts: tuple  # fact keys matched by the rule's patterns
    concluded: str  # fact key of the finding or denial it declared
    kind: str  # "finding" | "denial"
    new: bool = True  # False when the conclusion already existed (another justification)

    def to_dict(self) -> dict:
        return {"step": self.step, "rule": self.rule, "line": self.line, "facts": list(self.facts),
                "concluded": self.concluded}


@dataclass(frozen=True)
class Unknown:
    """A rule whose conditions could not be decided because facts are absent."""

    rule: str
    line: int | None
    missing: tuple  # fact names whose absence left it undecided


@dataclass
class Decision:
    """Everything one claim's run produced, as plain data."""

    claim_id: str
    kb_version: str
    evaluated_as_of: str
    facts: object  # engine.facts.ClaimFacts
    firings: list = field(default_factory=list)
    justifications: dict = field(default_factory=dict)  # fact key -> [step, ...]
    unknowns: list = field(default_factory=list)
    engine: dict | None = None  # the record's "engine" member; None = experta

    def firings_of(self, key: str) -> list:
        steps = set(self.justifications.get(key, ()))
        return [f for f in self.firings if f.step in steps]
