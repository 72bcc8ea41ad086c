"""Typed errors and the one shape every user-facing problem takes.

A :class:`Problem` is modelled on OPA's ``ast.Error`` (code, location, message,
details). Library code raises a subclass of :class:`DenialKBError` carrying a list of
problems; the CLI turns them into text or JSON and exit code 2. Problems are collected
and reported all at once, never just the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem found in a claim document or a knowledge-base file.

    Parameters
    ----------
    code : str
        Stable machine code, e.g. ``claim_invalid`` or ``kb_schema_error``.
    message : str
        What is wrong, in one line.
    file : str
        The file the problem is in ("" when not from a file).
    line, col : int
        1-based position in the file, 0 when unknown.
    place : str
        Path inside the document, e.g. ``claim.lines[1].units``.
    rule : str
        The rule id the problem belongs to, if any.
    expected, hint : str
        Optional indented detail lines.
    severity : str
        ``error`` or ``warning``.
    """

    code: str
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    place: str = ""
    rule: str = ""
    expected: str = ""
    hint: str = ""
    severity: str = "error"

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.col, self.place, self.code, self.message)

    def location(self) -> str:
        loc = self.file or "<input>"
        if self.line:
            loc += f":{self.line}:{self.col or 1}"
        return loc

    def format(self) -> str:
        """Render as ``path:line:col: RULE-ID: code: message`` plus detail lines."""
        head = self.location() + ": "
        if self.rule:
            head += f"{self.rule}: "
        head += f"{self.code}: "
        if self.place and self.place not in self.message:
            head += f"{self.place}: "
        head += self.message
        if self.severity == "warning":
            head += " (warning)"
        lines = [head]
        if self.expected:
            lines.append(f"    expected {self.expected}")
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        # file names and ids cannot drive a terminal
        from denialkb.engine.terminal import terminal_safe

        return terminal_safe("\n".join(lines))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", 0) or k in ("code", "message")}


class DenialKBError(Exception):
    """Base of every error denialkb raises for bad input or a bad knowledge base."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem], summary: str = ""):
        self.problems = sorted(problems, key=Problem.sort_key)
        self.summary = summary or self.default_summary()
        super().__init__(self.format())

    def default_summary(self) -> str:
        n = len(self.problems)
        return f"{n} problem{'s' if n != 1 else ''}"

    def format(self) -> str:
        body = "\n".join(p.format() for p in self.problems)
        return f"{body}\n{self.summary}" if body else self.summary

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "summary": self.summary,
                "problems": [p.to_dict() for p in self.problems]}


class ClaimInvalidError(DenialKBError):
    """A claim document cannot be decided: unreadable, or not as FORMATS.md says."""

    def default_summary(self) -> str:
        n = len(self.problems)
        return f"claim document invalid: {n} problem{'s' if n != 1 else ''}; nothing was decided"


ROOT_CAUSE_RANK = {"kb_parse_error": 0, "kb_schema_error": 1}


def root_cause_key(p: Problem) -> tuple:
    """Sort key that puts root causes first: parse errors, schema errors, other errors,
    warnings, info; by file and line within each."""
    rank = ROOT_CAUSE_RANK.get(p.code, 2) if p.severity == "error" else {"warning": 3}.get(p.severity, 4)
    return (rank,) + p.sort_key()


class KBInvalidError(DenialKBError):
    """The knowledge base cannot be loaded or compiled (root causes are listed first)."""

    def __init__(self, problems: Iterable[Problem], summary: str = ""):
        super().__init__(problems, summary)
        self.problems = sorted(self.problems, key=root_cause_key)
        self.args = (self.format(),)

    def default_summary(self) -> str:
        n = len(self.problems)
        return f"knowledge base invalid: {n} problem{'s' if n != 1 else ''}; nothing was decided"


class UsageError(DenialKBError):
    """A command was called with arguments that do not fit (e.g. an unknown rule id)."""


class IncompleteError(DenialKBError):
    """A run stopped before it finished: interrupted, or an output could not be written
    (disk full, decision log locked). Its outputs are partial; exit code 4."""

    exit_code = 4

    def default_summary(self) -> str:
        return "incomplete: the output is partial"


def exception_place(exc: BaseException) -> str:
    """``module.py:LINE`` of the innermost frame of denialkb's own code in ``exc``'s traceback
    (or the innermost frame at all): where an unexpected error arose, without its message,
    which can quote claim values."""
    import os
    import traceback
    from pathlib import Path

    frames = traceback.extract_tb(exc.__traceback__)
    marks = tuple(f"{os.sep}{d}{os.sep}" for d in ("denialkb", "engine", "visualize"))
    ours = [f for f in frames if any(m in f.filename for m in marks)]
    f = (ours or frames or [None])[-1]
    if f is None:
        return ""
    return f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return a ``did you mean 'x'?`` hint, or "" when nothing is close.

    >>> did_you_mean("greater", ["gt", "ge", "greater_than"])
    "did you mean 'greater_than'?"
    """
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


@dataclass
class ProblemList:
    """Collects problems while a file or a whole KB is checked."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, **kw) -> None:
        self.items.append(Problem(code=code, message=message, **kw))

    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    def __bool__(self) -> bool:
        return bool(self.items)
