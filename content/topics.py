"""The topic graph: topics with their area and prerequisites, loaded from `bank/topics.toml`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from content.errors import ContentError, toml_error_line

AREAS = ("linear-algebra", "calculus", "probability", "optimization", "neural-networks")
BANK_DIR = Path(__file__).resolve().parent / "bank"
TOPICS_FILE = BANK_DIR / "topics.toml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    area: str
    description: str
    prerequisites: tuple[str, ...]


@dataclass(frozen=True)
class TopicGraph:
    """Topics in a topological order (every topic after all of its prerequisites)."""

    topics: tuple[Topic, ...]

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def __contains__(self, slug: object) -> bool:
        return slug in self.by_slug

    @property
    def by_slug(self) -> Mapping[str, Topic]:
        return {topic.slug: topic for topic in self.topics}

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(topic.slug for topic in self.topics)

    def prerequisites_of(self, slug: str) -> tuple[str, ...]:
        return self.by_slug[slug].prerequisites

    def dependents_of(self, slug: str) -> tuple[str, ...]:
        return tuple(t.slug for t in self.topics if slug in t.prerequisites)

    def ancestors_of(self, slug: str) -> frozenset[str]:
        """Every topic that `slug` builds on, directly or through others."""
        seen: set[str] = set()
        stack = list(self.prerequisites_of(slug))
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.prerequisites_of(current))
        return frozenset(seen)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def parse_topic_graph(text: str, *, path: str = "topics.toml") -> TopicGraph:
    """Parse and check a topic graph; raise ContentError naming the line on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"not valid TOML: {exc}", path=path, line=toml_error_line(exc)) from None
    entries = data.get("topics")
    if not isinstance(entries, list) or not entries:
        raise ContentError("expected one or more [[topics]] tables", path=path, line=1)

    topics: dict[str, Topic] = {}
    for entry in entries:
        slug = entry.get("slug")
        where = _line_of(text, f'"{slug}"') if isinstance(slug, str) else None
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise ContentError(
                f"topic slug {slug!r} must be lower-case words joined by hyphens",
                path=path,
                line=where,
            )
        if slug in topics:
            raise ContentError(f"topic {slug!r} is defined twice", path=path, line=where)
        area = entry.get("area")
        if area not in AREAS:
            raise ContentError(
                f"topic {slug!r} has area {area!r}; use one of {', '.join(AREAS)}",
                path=path,
                line=where,
            )
        prerequisites = entry.get("prerequisites", [])
        if not isinstance(prerequisites, list) or not all(
            isinstance(p, str) for p in prerequisites
        ):
            raise ContentError(
                f"topic {slug!r}: prerequisites must be a list of topic slugs",
                path=path,
                line=where,
            )
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ContentError(f"topic {slug!r} needs a title", path=path, line=where)
        topics[slug] = Topic(
            slug=slug,
            title=title,
            area=area,
            description=str(entry.get("description", "")),
            prerequisites=tuple(prerequisites),
        )

    for topic in topics.values():
        for prerequisite in topic.prerequisites:
            if prerequisite not in topics:
                raise ContentError(
                    f"topic {topic.slug!r} lists unknown prerequisite {prerequisite!r}",
                    path=path,
                    line=_line_of(text, f'"{prerequisite}"'),
                )
    return TopicGraph(topics=_topological_order(topics, text=text, path=path))


def _topological_order(topics: Mapping[str, Topic], *, text: str, path: str) -> tuple[Topic, ...]:
    ordered: list[Topic] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(slug: str, trail: list[str]) -> None:
        if state.get(slug) == 2:
            return
        if state.get(slug) == 1:
            cycle = trail[trail.index(slug) :] + [slug]
            raise ContentError(
                "prerequisites form a cycle: " + " → ".join(cycle) + "; remove one of these links",
                path=path,
                line=_line_of(text, f'slug = "{slug}"'),
            )
        state[slug] = 1
        for prerequisite in topics[slug].prerequisites:
            visit(prerequisite, trail + [slug])
        state[slug] = 2
        ordered.append(topics[slug])

    for slug in topics:
        visit(slug, [])
    return tuple(ordered)


def load_topic_graph(path: Path | str = TOPICS_FILE) -> TopicGraph:
    """Load the topic graph file (by default the bank's own)."""
    file = Path(path)
    return parse_topic_graph(file.read_text(encoding="utf-8"), path=str(file))
