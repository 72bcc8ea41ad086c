"""Rendering graphs: Graphviz (SVG, PNG, PDF, DOT) and networkx exports (GraphML, JSON).

The ``graphviz`` package is imported only here, inside the functions that need it.
DOT, GraphML and node-link JSON never need the Graphviz binary; SVG, PNG and PDF do.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx

from denialkb.engine.errors import DenialKBError, Problem

BINARY_FORMATS = ("svg", "png", "pdf")
TEXT_FORMATS = ("dot", "graphml", "json")
FORMATS = BINARY_FORMATS + TEXT_FORMATS
_EXT = {"gv": "dot", "dot": "dot", "svg": "svg", "png": "png", "pdf": "pdf", "graphml": "graphml",
        "json": "json"}
INSTALL_HINT = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu) or "
                "`brew install graphviz` (macOS)")

_FILL = {"fact": "#e8f1fb", "condition": "#f4f4f4", "rule": "#fff6d6", "finding": "#e6f5e6",
         "denial": "#fde2e2", "carc": "#f1e6fa"}
_SHAPE = {"fact": "note", "condition": "box", "rule": "box", "finding": "ellipse",
          "denial": "octagon", "carc": "doubleoctagon"}
_STATUS_STYLE = {
    "fired": {"color": "#c0392b", "penwidth": "2.5"},
    "held": {"color": "#27ae60"},
    "failed": {"color": "#7f8c8d", "style": "dashed"},
    "not_applicable": {"color": "#bdc3c7", "fontcolor": "#95a5a6"},
}


class RenderError(DenialKBError):
    """Graphviz could not draw the graph (reported with its message, never a silent exit)."""

    exit_code = 3

    def default_summary(self) -> str:
        return "the graph could not be drawn; nothing was written"


def _lit(text) -> str:
    """A Graphviz string drawn exactly as written: backslashes doubled so ``\\N \\G \\L``, a
    trailing backslash or a quote in claim data are text, not escapes (and not HTML labels)."""
    import graphviz

    return graphviz.escape(str(text))


def _pipe(dot, fmt: str, encoding=None):
    """``dot.pipe`` with Graphviz failures turned into :class:`RenderError`."""
    import graphviz

    try:
        return dot.pipe(format=fmt, encoding=encoding)
    except graphviz.ExecutableNotFound:
        raise
    except (graphviz.CalledProcessError, OSError) as e:
        detail = ""
        stderr = getattr(e, "stderr", None)
        if stderr:
            detail = (stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr))
            detail = " ".join(detail.split())[:200]
        raise RenderError([Problem("render_error", f"Graphviz failed to render {fmt.upper()}: "
                                   + (detail or type(e).__name__),
                                   hint="write .dot or .graphml instead, or report this as a bug")]) from None


class GraphvizMissingError(DenialKBError):
    """The Graphviz ``dot`` binary is needed for the requested format and is not installed."""

    def default_summary(self) -> str:
        return "Graphviz is not installed"


def format_for(path) -> str:
    """The output format chosen by a file name's extension (``.gv`` and ``.dot`` are DOT)."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in _EXT:
        raise ValueError(f"unknown extension '.{ext}': use one of "
                         + ", ".join(f".{e}" for e in sorted(_EXT)))
    return _EXT[ext]


def has_graphviz() -> bool:
    """Whether the Graphviz ``dot`` binary is on PATH."""
    return shutil.which("dot") is not None


def _attrs(a: dict) -> dict:
    kind = a.get("kind", "")
    label = a.get("label", "")
    if kind == "fact" and a.get("value") is not None:
        label = f"{label}\n= {a['value']}"
    if kind == "condition" and a.get("result"):
        label = f"{label}\n[{a['result']}]"
    out = {"label": _lit(label), "shape": _SHAPE.get(kind, "box"), "style": "filled",
           "fillcolor": _FILL.get(kind, "white"), "fontname": "Helvetica", "fontsize": "10"}
    st = _STATUS_STYLE.get(a.get("status", ""), {})
    out.update(st)
    if "style" in st:
        out["style"] = "filled," + st["style"]
    if a.get("near_miss") and kind == "condition":
        out["color"] = "#e67e22"
        out["penwidth"] = "2.5"
        out["label"] = _lit(label + "\n(near miss)")
    if a.get("title"):
        out["tooltip"] = _lit(a["title"])
    return out


def _cluster_key(a: dict, cluster: str):
    if cluster == "none" or a.get("kind") not in ("rule", "denial"):
        return None
    if cluster == "drug":
        return a.get("drugs") or "any drug"
    return a.get("cluster")


def to_graphviz(g: nx.DiGraph, cluster: str = "stage"):
    """A ``graphviz.Digraph`` of ``g``: left to right, colours by kind, line style by status.

    ``cluster``: ``stage`` groups rules and denials by denial stage (finding rules in
    ``findings``), ``drug`` by the drugs their scope names, ``none`` draws no clusters."""
    import graphviz

    dot = graphviz.Digraph(name=str(g.graph.get("name", "denialkb")),
                           graph_attr={"rankdir": "LR", "fontname": "Helvetica", "fontsize": "11",
                                       "newrank": "true"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    if g.graph.get("claim_id"):
        dot.attr(label=_lit(f"claim {g.graph['claim_id']} (rules as of {g.graph.get('evaluated_as_of', '')})"),
                 labelloc="t")
    groups: dict = {}
    for n in sorted(g.nodes):
        a = g.nodes[n]
        key = _cluster_key(a, cluster)
        groups.setdefault(key, []).append(n)
    for key in sorted(groups, key=lambda k: (k is not None, k or "")):
        if key is None:
            for n in groups[key]:
                dot.node(_lit(n), **_attrs(g.nodes[n]))
            continue
        with dot.subgraph(name="cluster_" + re.sub(r"[^A-Za-z0-9_]", "_", key)) as sub:
            sub.attr(label=_lit(key.replace("_", " ").replace(",", ", ")), style="rounded", color="#999999")
            for n in groups[key]:
                sub.node(_lit(n), **_attrs(g.nodes[n]))
    for u, v in sorted(g.edges):
        a = g.edges[u, v]
        ea = {"label": _lit(a.get("label", ""))}
        if g.nodes[u].get("status") == "fired" and g.nodes[v].get("status") == "fired":
            ea.update(color="#c0392b", penwidth="2")
        dot.edge(_lit(u), _lit(v), **ea)
    return dot


def to_dot(g: nx.DiGraph, cluster: str = "stage") -> str:
    """DOT source of ``g`` (no Graphviz binary needed)."""
    return to_graphviz(g, cluster).source


def _plain_graph(g: nx.DiGraph) -> nx.DiGraph:
    """A copy whose attributes GraphML can hold (no None, no lists)."""
    h = nx.DiGraph()
    h.graph.update({k: str(v) for k, v in g.graph.items() if v is not None})
    for n, a in g.nodes(data=True):
        h.add_node(n, **{k: v for k, v in a.items() if v is not None})
    for u, v, a in g.edges(data=True):
        h.add_edge(u, v, **{k: val for k, val in a.items() if val is not None})
    return h


def write_graphml(g: nx.DiGraph, path) -> Path:
    """Write GraphML (readable back with ``networkx.read_graphml``)."""
    nx.write_graphml(_plain_graph(g), str(path))
    return Path(path)


def write_json(g: nx.DiGraph, path) -> Path:
    """Write networkx node-link JSON (sorted keys)."""
    data = nx.node_link_data(_plain_graph(g), edges="edges")
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Path(path)


def render_svg_text(g: nx.DiGraph) -> str:
    """SVG text of ``g`` without XML prolog and DOCTYPE, ready to inline in HTML.

    Raises GraphvizMissingError when the ``dot`` binary is missing."""
    import graphviz

    try:
        svg = _pipe(to_graphviz(g), "svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError([Problem("graphviz_missing", "the Graphviz `dot` binary was not found",
                                            hint=INSTALL_HINT)]) from None
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def render(g: nx.DiGraph, out, cluster: str = "stage") -> list[Path]:
    """Write ``g`` to ``out`` in the format its extension names; return the files written.

    When the format needs the Graphviz binary and it is missing, the DOT, GraphML and JSON
    forms are written next to ``out`` (same stem) and :class:`GraphvizMissingError` is
    raised listing them, so nothing is lost.
    """
    out = Path(out)
    fmt = format_for(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        out.write_text(to_dot(g, cluster), encoding="utf-8")
        return [out]
    if fmt == "graphml":
        return [write_graphml(g, out)]
    if fmt == "json":
        return [write_json(g, out)]
    import graphviz

    try:
        data = _pipe(to_graphviz(g, cluster), fmt)
    except graphviz.ExecutableNotFound:
        written = []
        for ext, fn in (("dot", None), ("graphml", write_graphml), ("json", write_json)):
            p = out.with_suffix(f".{ext}")
            if fn is None:
                p.write_text(to_dot(g, cluster), encoding="utf-8")
            else:
                fn(g, p)
            written.append(p)
        raise GraphvizMissingError([Problem(
            "graphviz_missing", f"cannot write {out.name}: the Graphviz `dot` binary was not found",
            hint=INSTALL_HINT,
            expected="written instead: " + ", ".join(str(p) for p in written))]) from None
    out.write_bytes(data)
    return [out]
