"""The module import graph of the installed package has no cycle (issue 11, item 7).

Every module of ``denialkb`` is parsed with :mod:`ast`; each ``import`` and ``from ...
import`` becomes an edge, wherever it is written: at module level, inside a function (a
lazy import is still a dependency) and under ``if TYPE_CHECKING:`` (a type-level
dependency is one too: the two modules cannot be understood, tested or moved apart).
The graph is built with networkx.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import pkgutil
from pathlib import Path

import networkx as nx
import pytest

PACKAGES = ("denialkb.engine", "denialkb.visualize", "denialkb.kb")

# Imports that close a cycle another branch is removing, each with its owner and why it is there.
# The test drops exactly these edges and then requires an acyclic graph, so any other cycle fails;
# the cycles they close are printed (pytest -s), and an entry whose import is gone is reported
# for deletion.
KNOWN_BACK_EDGES: dict[tuple[str, str], str] = {
    # none: the KB gate is engine/gate.py (runtime -> gate -> authoring -> kb) and the runners of
    # golden cases and replays, which need Deciders, are engine/kbrun.py
}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for name in PACKAGES:
        pkg = importlib.import_module(name)
        mods[name] = Path(pkg.__file__)
        for info in pkgutil.walk_packages(pkg.__path__, name + "."):
            spec = importlib.util.find_spec(info.name)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                mods[info.name] = Path(spec.origin)
    return mods


def _owner(target: str, mods: dict) -> str | None:
    while target and target not in mods:
        target = target.rpartition(".")[0]
    return target or None


def import_graph() -> nx.DiGraph:
    """Directed graph module -> module it imports, over every denialkb module; each edge
    carries the ``lines`` where the import is written."""
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".") if is_pkg else name.split(".")[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                # `from pkg import mod` depends on the submodule when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                dep = _owner(t, mods)
                if dep and dep != name:
                    if g.has_edge(name, dep):
                        g[name][dep]["lines"].append(node.lineno)
                    else:
                        g.add_edge(name, dep, lines=[node.lineno])
    return g


def _describe(g: nx.DiGraph, cycle: list[str]) -> str:
    steps = []
    for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        steps.append(f"{a} imports {b} (line {', '.join(map(str, sorted(set(g[a][b]['lines']))))})")
    return "; ".join(steps)


def test_graph_sees_module_and_function_level_imports():
    g = import_graph()
    # module level (cli command modules -> cli.app) and inside a function (check -> cli.formats)
    assert g.has_edge("denialkb.engine.cli.audit", "denialkb.engine.cli.app")
    assert g.has_edge("denialkb.engine.cli.check", "denialkb.engine.cli.formats")
    assert g.has_edge("denialkb.engine.batch", "denialkb.engine.decision_log")
    assert "denialkb.engine.cli.__main__" in g


def _cycles(g: nx.DiGraph) -> list[str]:
    out = []
    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1:
            out.append(_describe(g, [u for u, _ in nx.find_cycle(g.subgraph(scc))]))
    return sorted(out)


def test_no_import_cycles():
    g = import_graph()
    h = g.copy()
    for (a, b), owner in KNOWN_BACK_EDGES.items():
        if not g.has_edge(a, b):
            print(f"KNOWN_BACK_EDGES: {a} no longer imports {b}: delete the entry ({owner})")
            continue
        h.remove_edge(a, b)
        if nx.has_path(g, b, a):
            cycle = [a] + nx.shortest_path(g, b, a)[:-1]
            print(f"known import cycle, owned by {owner}: {_describe(g, cycle)}")
    cycles = _cycles(h)
    assert not cycles, "import cycles:\n" + "\n".join(f"- {c}" for c in cycles)


def test_console_script_is_the_cli_package():
    eps = importlib.metadata.entry_points(group="console_scripts", name="denialkb")
    (ep,) = list(eps)
    assert ep.value == "denialkb.engine.cli:main"
    main = ep.load()
    assert {"check", "audit", "kb", "log", "convert", "graph", "report", "why", "why-not",
            "paths", "what-if", "fix", "facts"} <= set(main.commands)


@pytest.mark.parametrize("module", ["denialkb.engine.cli", "denialkb.engine.cli.app"])
def test_cli_modules_import_alone(module):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
