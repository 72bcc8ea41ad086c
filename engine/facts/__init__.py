"""Claim facts: the documented fact names rules use, and how each is computed.

A validated claim document becomes one dict of claim-level facts and one dict per claim
line (``line.*`` names). Values are plain: strings, numbers, booleans, ISO date strings,
tuples for lists, and ``None`` for "absent" (never a default that would look like a pass
or a "no"). Everything a rule author should not have to compute is computed here,
generically and driven by the KB tables (codes, drugs, products, payers), so that a new
drug, payer or threshold needs no Python change.

Each computed fact is declared in the registry (:mod:`.registry`) by the small function
that computes it (:mod:`.claim_facts`, :mod:`.line_facts`), with its type, meaning and the
inputs it reads; the catalog (:func:`fact_catalog`, ``denialkb facts``, ``docs/facts.md``)
is generated from those declarations. The document is first read against the KB
(:mod:`.context`): drug names, the version-1 documentation fields, out-of-scope codes.

This package does not import the KB module (the KB loader imports it to check fact names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from denialkb.engine.facts import claim_facts as _claim_facts  # noqa: F401  (registers the families)
from denialkb.engine.facts import clinical_gap_facts as _clinical_gap_facts  # noqa: F401  (clinical review rows)
from denialkb.engine.facts import line_facts as _line_facts  # noqa: F401
from denialkb.engine.facts import ndc_facts as _ndc_facts  # noqa: F401  (NDC quantity; after line facts)
from denialkb.engine.facts import pathway_facts as _pathway_facts  # noqa: F401  (issue-13 pathways; after line facts)
from denialkb.engine.facts import programme_facts as _programme_facts  # noqa: F401  (biosimilar programmes)
from denialkb.engine.facts.claim_facts import SETTINGS, SITES
from denialkb.engine.facts.context import Context
from denialkb.engine.facts.helpers import best_vials, in_force, normalize_icd, normalize_ndc
from denialkb.engine.facts.line_facts import AUTH_STATUSES
from denialkb.engine.facts.registry import REGISTRY, FactSpec

__all__ = ["AUTH_STATUSES", "SETTINGS", "SITES", "ClaimFacts", "FactSpec", "best_vials", "catalog_markdown",
           "collapse_paths", "enrich", "fact_catalog", "fact_source", "in_force", "missing_inputs", "normalize_icd",
           "normalize_ndc", "resolve_input"]


@dataclass
class ClaimFacts:
    """The enriched facts of one claim: claim-level dict, one dict per line.

    ``warnings`` are the open-world notes for the decision record (``{code, place, message}``);
    ``document`` is the claim document the facts were computed from and ``adm_places`` gives,
    per line, the administration entry of the line's drug on its date (a
    :class:`~denialkb.engine.facts.context.Administration`, or None), used to name inputs."""

    claim: dict
    lines: list
    as_of: str | None = None
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    document: dict | None = field(default=None, repr=False)
    adm_places: list = field(default_factory=list, repr=False)


def enrich(doc, kb, as_of: str | None = None) -> ClaimFacts:
    """Compute the facts of one validated claim document (a :class:`~denialkb.engine.claim.ClaimDocument`).

    Raises
    ------
    ClaimInvalidError
        When the document names an unknown payer, or states one administration two ways
        with different values. Unknown drugs and codes are warnings, not errors.
    """
    ctx = Context(doc.data, kb, as_of, doc.file, doc.marks)
    c: dict = {}
    for fam in REGISTRY.of_level("claim"):
        c.update(fam.fn(ctx, c))
    lines = []
    places = []
    line_fams = REGISTRY.of_level("line")
    for i, ln in enumerate(ctx.lines_in):
        L: dict = {"line.index": i}
        for fam in line_fams:
            L.update(fam.fn(ctx, i, ln, c, L))
        lines.append(L)
        entries = ctx.administration(L["line.service_date"], L["line.drug"])
        entries = [a for a in entries if a.record] or entries
        places.append(entries[0] if entries else None)
    return ClaimFacts(c, lines, as_of, warnings=ctx.warnings, document=doc.data, adm_places=places)


def fact_catalog(kb=None) -> dict[str, FactSpec]:
    """Every fact name a rule may use: the declared ones plus, for ``kb``, payer settings
    (``payer.<setting>``) and drug dosing parameters (``line.dosing.<key>``)."""
    return REGISTRY.specs(kb)


def fact_source(name: str, line_index: int | None, catalog: dict) -> str:
    """Where a fact came from in the claim document, e.g. ``claim.lines[1].units``."""
    spec = catalog.get(name)
    if spec is None or not spec.source:
        return ""
    src = spec.source
    if "{i}" in src:
        src = src.replace("{i}", str(line_index if line_index is not None else "*"))
    return src


def _present(data, path: str) -> bool:
    """Whether a document path (``a.b[2].c``, ``a[*].b``) holds a value in ``data``."""
    import re

    parts = [p for p in re.split(r"\.|(\[[^\]]*\])", path) if p]
    nodes = [data]
    for p in parts:
        nxt = []
        for n in nodes:
            if p.startswith("["):
                if not isinstance(n, list):
                    continue
                idx = p[1:-1]
                if idx == "*":
                    nxt.extend(n)
                else:
                    k = int(idx)
                    if -len(n) <= k < len(n):
                        nxt.append(n[k])
            elif isinstance(n, dict) and n.get(p) is not None:
                nxt.append(n[p])
        nodes = nxt
        if not nodes:
            return False
    return True


def resolve_input(path: str, facts: ClaimFacts, line_index: int | None) -> str:
    """An input path of a fact for one line: ``{i}`` becomes the line index and ``{adm}`` the place of
    the administration entry of the line's drug on its date (``administrations[3]``, or the
    version-1 ``documentation`` fields; ``administrations`` when the record holds none)."""
    p = path.replace("{i}", str(line_index if line_index is not None else "*"))
    if not p.startswith("{adm}"):
        return p
    adm = facts.adm_places[line_index] if (line_index is not None and line_index < len(facts.adm_places)) else None
    if adm is None:
        return "administrations"
    return adm.place_of(p[len("{adm}."):])


def missing_inputs(name: str, facts: ClaimFacts, line_index: int | None, catalog: dict) -> list:
    """The inputs a user can supply that would give the absent fact ``name`` a value.

    An input fact names itself (its document path); a computed fact names the declared inputs
    that are absent in the document, the most general first (``documentation`` rather than
    each field under it). An input of the administration of the line's drug names that entry
    (``administrations[3].lot_number``), or ``administrations`` when the record holds none.
    """
    spec = catalog.get(name)
    if spec is None:
        return [name]
    data = facts.document or {}
    cands = [resolve_input(p, facts, line_index) for p in spec.input_paths() if not p.startswith("kb:")]
    absent = [_highest_absent(data, p) for p in dict.fromkeys(cands) if not _present(data, p)]
    out = collapse_paths(absent)
    if out:
        return out
    # every document input is there: the value is missing from the KB (a drug without vial sizes),
    # so name the KB table a user (an author) would complete, never an input that is present
    kb_inputs = [p for p in spec.input_paths() if p.startswith("kb:")]
    if kb_inputs:
        return list(dict.fromkeys(kb_inputs))
    if cands:
        return list(dict.fromkeys(cands))[:1]
    return [name]


def _prefixes(path: str) -> list:
    import re

    return [path[:m.start()] for m in re.finditer(r"\.|\[", path)] + [path]


def _highest_absent(data, path: str) -> str:
    """The shortest prefix of ``path`` that is absent: ``clinical.lvef`` for ``clinical.lvef[-1].percent``
    when the document has no LVEF list, ``documentation`` when it has no documentation section."""
    for pre in _prefixes(path):
        if pre and not _present(data, pre):
            return pre
    return path


def collapse_paths(paths) -> list:
    """Distinct paths without those under another one in the list (``clinical.lvef[0].date`` goes
    when ``clinical.lvef`` is there)."""
    paths = list(dict.fromkeys(paths))
    return [p for p in paths if not any(q != p and (p.startswith(q + ".") or p.startswith(q + "[")) for q in paths)]


def catalog_markdown(kb) -> str:
    """The fact catalog as a Markdown table (``docs/facts.md`` is generated from it)."""
    out = ["# Fact names rules can use", "",
           "Generated by `denialkb facts` from the fact registry (engine/facts/) and the shipped KB",
           "(payer settings become `payer.<setting>`, drug dosing parameters `line.dosing.<key>`).",
           "Absent values are `null`: a comparison with an absent fact is *unknown*, and only",
           "`exists` / `missing` test absence itself. `inputs` are what a user supplies; an undetermined",
           "claim's missing information names them, never a computed fact (`{adm}` is the administration",
           "entry of the line's drug on its date).", "",
           "| name | type | meaning | from | inputs |", "|---|---|---|---|---|"]
    for name, spec in sorted(fact_catalog(kb).items()):
        vals = f" One of: {', '.join(map(str, spec.values))}." if isinstance(spec.values, tuple) else ""
        inputs = ", ".join(f"`{p}`" for p in spec.inputs)
        out.append(f"| `{name}` | {spec.type} | {spec.doc}{vals} | {spec.source} | {inputs} |")
    out += ["", "## Families", "", "Each family is one function computing the facts above "
            "(claim-level families run first, then line families, in this order).", ""]
    for fam in REGISTRY.families:
        names = ", ".join(f"`{s.name}`" for s in fam.specs)
        extra = " (and KB-dependent names)" if fam.dynamic else ""
        out.append(f"- **{fam.name}** ({fam.level}): {fam.doc} {names}{extra}")
    return "\n".join(out) + "\n"
