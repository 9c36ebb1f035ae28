"""Small server-side SVG charts for the analytics pages: a line chart of values in [0, 1] over
time and a horizontal bar chart of counts. The SVG is built from escaped text only, so a label
typed by a student or an instructor can never become markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[datetime, float], ...]


def _number(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    width: int = 720,
    height: int = 280,
    y_label: str = "mastery",
) -> SafeString:
    """Lines of values in [0, 1] against time, with a legend; an empty chart says so."""
    left, right, top, bottom = 48, 160, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_number(y)}" y2="{_number(y)}" '
            f'stroke="#d5dbe5" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_number(y + 4)}" text-anchor="end" font-size="11" '
            f'fill="#4a5566">{round(tick * 100)}%</text>'
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" fill="#4a5566" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    times = [at for s in series for at, _ in s.points]
    if not times:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'font-size="13" fill="#4a5566">No graded answers yet</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 - built from escaped text only
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 1.0)

    def x_of(at: datetime) -> float:
        return left + plot_w * (at - start).total_seconds() / span

    for label_at, anchor in ((start, "start"), (end, "end")):
        parts.append(
            f'<text x="{_number(x_of(label_at))}" y="{height - 12}" text-anchor="{anchor}" '
            f'font-size="11" fill="#4a5566">{escape(label_at.strftime("%Y-%m-%d %H:%M"))}</text>'
        )
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        coords = " ".join(
            f"{_number(x_of(at))},{_number(top + plot_h * (1 - min(1.0, max(0.0, value))))}"
            for at, value in one.points
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}">'
            f"<title>{escape(one.label)}</title></polyline>"
        )
        if len(one.points) == 1:
            dot_x, dot_y = coords.split(",")
            parts.append(f'<circle cx="{dot_x}" cy="{dot_y}" r="3" fill="{colour}"/>')
        legend_y = top + 16 * index
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{legend_y}" width="12" height="4" '
            f'fill="{colour}"/><text x="{left + plot_w + 30}" y="{legend_y + 6}" '
            f'font-size="11" fill="#1d2430">{escape(one.label[:22])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped text only


def bar_chart(
    bars: Sequence[tuple[str, float]], *, title: str, width: int = 720, bar_height: int = 22
) -> SafeString:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    label_w, gap, top = 220, 6, 8
    height = top * 2 + max(1, len(bars)) * (bar_height + gap)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    if not bars:
        parts.append(
            f'<text x="{width / 2:.1f}" y="{top + bar_height - 6}" text-anchor="middle" '
            f'font-size="13" fill="#4a5566">Nothing to show yet</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 - built from escaped text only
    largest = max(value for _, value in bars) or 1.0
    room = width - label_w - 60
    for index, (label, value) in enumerate(bars):
        y = top + index * (bar_height + gap)
        length = room * max(0.0, value) / largest
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_height - 6}" text-anchor="end" font-size="12" '
            f'fill="#1d2430">{escape(shown)}<title>{escape(label)}</title></text>'
            f'<rect x="{label_w}" y="{y}" width="{_number(length)}" height="{bar_height}" '
            f'fill="{PALETTE[0]}" rx="3"/>'
            f'<text x="{_number(label_w + length + 6)}" y="{y + bar_height - 6}" '
            f'font-size="12" fill="#1d2430">{value:g}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped text only
