"""A bar chart as inline SVG, drawn on the server: no script and no chart library in the browser.
Each bar carries a <title> (the browser's tooltip: what, how much, when), the y axis has four
gridlines labelled in the chart's unit, and the x labels thin out when the bars get many."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 14, 28
#: x labels shown at most (every n-th bar is labelled beyond it)
MAX_LABELS = 10


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (a date)
    value: int  # in the unit's base (Wh, L, minor units)
    title: str  # the tooltip: a sentence


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above ``value``: a top a person reads at a glance."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    return next(magnitude * k for k in (1, 2, 5, 10) if magnitude * k >= value)


def bar_chart(
    bars: Sequence[Bar], caption: str, axis_label: Callable[[int], str], css_class: str = "chart"
) -> Markup:
    """The chart of ``bars``; ``axis_label`` writes a value of the y axis (e.g. format_energy)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max((bar.value for bar in bars), default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="{escape(css_class)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(caption)}</title>",
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(axis_label(value))}</text>"
        )
    if bars:
        slot = plot_w / len(bars)
        every = -(-len(bars) // MAX_LABELS)  # ceiling division
        for index, bar in enumerate(bars):
            h = plot_h * bar.value / top
            x = LEFT + slot * index + slot * 0.15
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}"'
                f' height="{h:.1f}" data-value="{bar.value}"><title>{escape(bar.title)}</title>'
                "</rect>"
            )
            if index % every == 0 or index == len(bars) - 1:
                parts.append(
                    f'<text class="label" x="{x + slot * 0.35:.1f}" y="{HEIGHT - 8}" '
                    f'text-anchor="middle">{escape(bar.label)}</text>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))
