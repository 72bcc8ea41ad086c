"""Knowledge-base checks that keep a broken KB from deciding claims.

- :func:`value_problems_of_files`: every KB file's values are finite numbers and valid
  text (NaN, infinity, lone surrogates and control characters are refused);
- :func:`payer_problems`: payer settings and unit-limit rows are typed by what they mean
  (``schemas/payer_values.schema.json``): ``timely_filing_months: twelve``, ``-12``,
  ``1e20``, ``per_days: 100000000`` or ``jz_required_from: soon`` are errors, located;
- :func:`cycle_problems`: findings that depend on each other are reported once per
  strongly connected component (never by enumerating every cycle, which is exponential);
- :func:`structure_problems`: a KB without rules decides nothing and is refused;
(The gate that refuses a KB which lints with errors, ``load_kb_for_deciding``, is in
engine/gate.py, above this module and engine/authoring.py.)

``check_kb`` (engine/kb.py) calls the first four, so ``kb lint`` reports the same problems;
the authoring toolchain can call each of them on its own.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from denialkb.engine.bounds import value_problems
from denialkb.engine.errors import Problem


@lru_cache(maxsize=1)
def _payer_validator():
    import jsonschema

    text = resources.files("denialkb.engine").joinpath("schemas/payer_values.schema.json").read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def value_problems_of_files(loaded: dict) -> list[Problem]:
    """Out-of-range values in every loaded KB file (``{name: Loaded}``): NaN, infinity,
    numbers beyond 1e9, lone surrogates, control characters other than tab and line breaks."""
    out = []
    for name, ld in sorted(loaded.items()):
        for p in value_problems(ld.data, name, ld.marks, "kb_schema_error", fields={}, free_text=True):
            out.append(Problem(p.code, f"{p.place}: {p.message}", p.file, p.line, p.col,
                               expected=p.expected))
    return out


def payer_problems(loaded: dict) -> list[Problem]:
    """Type errors in payer settings and unit-limit rows of every loaded file with a ``payer`` section."""
    from denialkb.engine.fastschema import validator as compiled
    from denialkb.engine.validation import schema_problem

    out = []
    fast_ok = compiled("payer")  # accepts a well-typed payer fast; a refused one gets jsonschema's located errors
    for name, ld in sorted(loaded.items()):
        data = ld.data
        if not isinstance(data, dict) or not isinstance(data.get("payer"), dict):
            continue
        payer = data["payer"]
        if fast_ok(payer):
            continue
        for err in _payer_validator().iter_errors(payer):
            err.path.appendleft("payer")  # locate inside the file, not inside the section
            p = schema_problem(err, name, ld.marks, "kb_schema_error")
            out.append(Problem(p.code, f"{p.place}: {p.message}" if p.place else p.message, name,
                               p.line, p.col, expected=p.expected, hint=p.hint))
    return out


def cycle_problems(edges: list[tuple[str, str, str]]) -> list[tuple[str, list[str]]]:
    """One cycle per strongly connected component of the finding graph.

    Parameters
    ----------
    edges : ``(required_finding, concluded, rule_id)`` for every rule that needs a finding.

    Returns
    -------
    ``[(rule_id, cycle)]``: for each component that has a cycle, a shortest cycle through
    its smallest node (``cycle`` lists the nodes; it closes on its first), and the rule of
    the edge that closes it. Linear in the graph's size plus one breadth-first search per
    component, whatever the number of cycles.
    """
    import networkx as nx

    g = nx.DiGraph()
    for a, b, rule in edges:
        if not g.has_edge(a, b):
            g.add_edge(a, b, rule=rule)
        else:  # several rules give the same edge: keep the smallest id, for determinism
            g.edges[a, b]["rule"] = min(g.edges[a, b]["rule"], rule)
    out = []
    for comp in nx.strongly_connected_components(g):
        start = min(comp)
        if len(comp) == 1 and not g.has_edge(start, start):
            continue
        if g.has_edge(start, start):
            out.append((g.edges[start, start]["rule"], [start]))
            continue
        sub = g.subgraph(comp)
        # shortest path from start back to start: BFS from start's successors
        best = None
        for succ in sorted(sub.successors(start)):
            path = nx.shortest_path(sub, succ, start)
            cand = [start] + path[:-1]
            if best is None or (len(cand), cand) < (len(best), best):
                best = cand
        out.append((g.edges[best[-1], best[0]]["rule"], best))
    return sorted(out, key=lambda rc: (sorted(rc[1]), rc[1]))


def structure_problems(kb, loaded: dict) -> list[Problem]:
    """A KB with no rules (a missing ``rules/`` folder) decides nothing: an error."""
    if kb is None or kb.rules:
        return []
    has_rules_section = any(isinstance(ld.data, dict) and "rules" in ld.data for ld in loaded.values())
    if has_rules_section:  # its rules were refused for their own errors, reported already
        return []
    return [Problem("kb_no_rules", "the knowledge base has no rules", str(kb.root),
                    hint="a KB keeps its rules in rules/*.yaml; is the rules/ folder missing?")]


def load_problems(kb, loaded: dict) -> list[Problem]:
    """The checks above that need the parsed files (``check_kb`` calls this once)."""
    return value_problems_of_files(loaded) + payer_problems(loaded) + structure_problems(kb, loaded)
