"""Bar charts as inline SVG text, drawn offline with matplotlib (Agg, no display, no network).

Output is deterministic: no date in the metadata, a fixed hash salt for element ids, and text
kept as text (``svg.fonttype = none``), so the same numbers give the same bytes.
"""

from __future__ import annotations

import io
import re


def bar_chart_svg(labels: list[str], values: list[float], *, title: str, xlabel: str, money: bool = False,
                  color: str = "#c0392b") -> str:
    """A horizontal bar chart of ``values`` (largest first as given) as an ``<svg>`` string."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with matplotlib.rc_context({"svg.hashsalt": "denialkb", "svg.fonttype": "none", "font.size": 9,
                                "font.family": "sans-serif"}):
        height = 0.8 + 0.28 * max(1, len(labels))
        fig, ax = plt.subplots(figsize=(5.8, height))
        ys = list(range(len(labels)))[::-1]
        ax.barh(ys, values, color=color, height=0.6)
        ax.set_yticks(ys)
        ax.set_yticklabels([lb if len(lb) <= 42 else lb[:40] + "…" for lb in labels])
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if money:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"${x:,.0f}"))
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, f" ${v:,.0f}" if money else f" {v:,.0f}", va="center", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0.18)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    svg = buf.getvalue()
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    # inline in HTML: no namespace declarations or RDF metadata needed (the HTML parser knows SVG)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    return re.sub(r' xmlns(:xlink)?="[^"]*"', "", svg)
