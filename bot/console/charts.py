"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched."""

from __future__ import annotations

import datetime as dt
from html import escape

from markupsafe import Markup


def bar_chart(counts: list[tuple[dt.date, int]], *, title: str, width: int = 600, height: int = 160) -> Markup:
    """Bars of a count per day, with the highest value and the first and last day labelled."""
    top = max((n for _, n in counts), default=0)
    left, bottom, right, upper = 28, 22, 6, 14
    plot_w, plot_h = width - left - right, height - bottom - upper
    step = plot_w / max(1, len(counts))
    bars = []
    for i, (day, n) in enumerate(counts):
        h = 0 if top == 0 else plot_h * n / top
        x = left + i * step
        bars.append(f'<rect x="{x + 1:.1f}" y="{upper + plot_h - h:.1f}" width="{max(1.0, step - 2):.1f}" height="{h:.1f}">'
                    f'<title>{day:%m-%d}：{n} 次</title></rect>')
    labels = ""
    if counts:
        labels = (f'<text x="{left}" y="{height - 6}" class="axis">{counts[0][0]:%m-%d}</text>'
                  f'<text x="{width - right}" y="{height - 6}" class="axis" text-anchor="end">{counts[-1][0]:%m-%d}</text>')
    svg = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{width - right}" y2="{upper + plot_h}" class="base"/>'
        f'<text x="{left - 4}" y="{upper + 4}" class="axis" text-anchor="end">{top}</text>'
        f'<text x="{left - 4}" y="{upper + plot_h}" class="axis" text-anchor="end">0</text>'
        + "".join(bars) + labels + "</svg>"
    )
    return Markup(svg)  # safe: built from numbers and escaped text only
