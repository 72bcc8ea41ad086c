"""The fact registry: every computed fact is declared once, with its type, meaning and inputs.

A *family* is one small function that computes a few related facts. It is declared with
:func:`claim_family` or :func:`line_family`, listing a :class:`FactSpec` for each name it
returns. The catalog (``denialkb facts``, ``docs/facts.md``), the KB loader's fact-name
checks and the decision record's ``missing_information`` (which maps a computed fact to
the document inputs it reads) are all generated from these declarations, so a fact and its
documentation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FactSpec:
    """What a fact name means.

    Parameters
    ----------
    name : str
        The fact name rules use (``line.dose_mg``).
    type : str
        ``str | num | int | bool | date | datetime | list | code | drug``.
    doc : str
        One sentence for rule authors.
    source : str
        Where in the claim document the value comes from (``{i}`` = line index), or a short
        description (``computed``, ``kb hcpcs table``). Shown next to values in records.
    values : tuple or str, optional
        The closed set of values, or ``"drug"`` for a drug name.
    inputs : tuple of str
        The document paths (``{i}`` = line index, ``[*]`` = any item, ``{adm}`` = the
        administration entry of the line's drug on its date) and KB tables (``kb:...``)
        the value is computed from. A user supplies these; ``missing_information`` names
        them instead of the computed fact.
    """

    name: str
    type: str
    doc: str
    source: str = ""
    values: tuple | str | None = None
    inputs: tuple = ()

    def input_paths(self) -> tuple:
        """The inputs a user can supply: the declared ones, else the document path in ``source``."""
        if self.inputs:
            return self.inputs
        if self.source and _is_path(self.source):
            return (self.source,)
        return ()


def _is_path(s: str) -> bool:
    head = s.split(".")[0].split("[")[0]
    return head in DOCUMENT_SECTIONS and " " not in s


DOCUMENT_SECTIONS = ("format_version", "claim", "patient", "coverage", "providers", "authorizations", "abn", "clinical",
                     "administrations", "documentation", "prior_claims")


def spec(name, typ, doc, source="", values=None, inputs=()) -> FactSpec:
    """Shorthand for :class:`FactSpec`."""
    return FactSpec(name, typ, doc, source, values, tuple(inputs))


@dataclass
class Family:
    """A function computing some facts, with the specs of the names it returns."""

    fn: Callable
    level: str  # claim | line
    specs: tuple
    dynamic: Callable | None = None  # kb -> list[FactSpec] for names that depend on the KB

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().splitlines()[0] if self.fn.__doc__ else ""


@dataclass
class Registry:
    """Families in the order they run (a family may read facts computed by earlier ones)."""

    families: list = field(default_factory=list)

    def add(self, fam: Family) -> Family:
        names = {s.name for f in self.families for s in f.specs}
        for s in fam.specs:
            if s.name in names:  # pragma: no cover - a programming error caught at import
                raise ValueError(f"fact {s.name} is declared twice")
        self.families.append(fam)
        return fam

    def of_level(self, level: str) -> list:
        return [f for f in self.families if f.level == level]

    def specs(self, kb=None) -> dict:
        """Every declared fact name (plus KB-dependent names when ``kb`` is given)."""
        out = {}
        for f in self.families:
            for s in f.specs:
                out[s.name] = s
            if kb is not None and f.dynamic is not None:
                for s in f.dynamic(kb):
                    out[s.name] = s
        return out


REGISTRY = Registry()


def claim_family(*specs: FactSpec, dynamic=None):
    """Declare a function ``fn(ctx, c) -> dict`` computing the claim-level facts ``specs``."""
    def deco(fn):
        REGISTRY.add(Family(fn, "claim", specs, dynamic))
        return fn
    return deco


def line_family(*specs: FactSpec, dynamic=None):
    """Declare a function ``fn(ctx, line, c, L) -> dict`` computing line-level facts ``specs``
    (``line`` is the line's input, ``c`` the claim facts, ``L`` the line's facts so far)."""
    def deco(fn):
        REGISTRY.add(Family(fn, "line", specs, dynamic))
        return fn
    return deco
