"""The topic graph as a server-rendered SVG: one column per area, topics placed by depth within
their area, edges for prerequisites, each node coloured by estimated mastery."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.html import escape

from content.topics import AREAS, TopicGraph

NODE_W, NODE_H, COLUMN_W, ROW_H, MARGIN = 150, 34, 180, 52, 20


def mastery_colour(p: float) -> str:
    """Red (0) through amber to green (1), as an hsl() string."""
    hue = round(120 * min(max(p, 0.0), 1.0))
    return f"hsl({hue}, 65%, 72%)"


def topic_map_svg(graph: TopicGraph, mastery: Mapping[str, float]) -> str:
    """An <svg> of `graph` with each topic's mastery (missing topics count as 0)."""
    rows: dict[str, int] = {}
    place: dict[str, tuple[float, float]] = {}
    for topic in graph:
        column = AREAS.index(topic.area) if topic.area in AREAS else len(AREAS)
        row = rows.get(topic.area, 0)
        rows[topic.area] = row + 1
        place[topic.slug] = (MARGIN + column * COLUMN_W, MARGIN + 24 + row * ROW_H)
    columns = len(AREAS) + (1 if any(t.area not in AREAS for t in graph) else 0)
    width = MARGIN * 2 + COLUMN_W * columns - (COLUMN_W - NODE_W)
    height = MARGIN * 2 + 24 + max(rows.values(), default=0) * ROW_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="topic-map" viewBox="0 0 {width} '
        f'{height}" role="img" aria-label="Estimated mastery on the topic graph">'
    ]
    for column, area in enumerate(AREAS):
        parts.append(
            f'<text x="{MARGIN + column * COLUMN_W}" y="{MARGIN + 8}" class="area" '
            f'font-size="12" font-weight="bold">{escape(area)}</text>'
        )
    for topic in graph:
        x2, y2 = place[topic.slug]
        for prerequisite in topic.prerequisites:
            x1, y1 = place[prerequisite]
            parts.append(
                f'<line x1="{x1 + NODE_W / 2}" y1="{y1 + NODE_H}" x2="{x2 + NODE_W / 2}" '
                f'y2="{y2}" stroke="#999" stroke-width="1" opacity="0.6"/>'
            )
    for topic in graph:
        x, y = place[topic.slug]
        p = float(mastery.get(topic.slug, 0.0))
        parts.append(
            f'<g class="topic" data-topic="{escape(topic.slug)}" data-mastery="{p:.2f}">'
            f"<title>{escape(topic.title)}: {round(100 * p)}%</title>"
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" '
            f'fill="{mastery_colour(p)}" stroke="#555"/>'
            f'<text x="{x + 6}" y="{y + 14}" font-size="11">{escape(topic.title[:24])}</text>'
            f'<text x="{x + 6}" y="{y + 28}" font-size="10">{round(100 * p)}%</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
