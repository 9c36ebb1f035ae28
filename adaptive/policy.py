"""The next-problem policy: which topic and template to serve, and the reason shown.

Order of rules:
1. An instructor's assignment, then a student's chosen topic, override everything.
2. Spaced review: a mastered topic whose predicted retention fell below `review_retention` comes
   back (the most-forgotten first), at most every other problem so new learning keeps moving.
3. A small exploration share tries a topic just beyond the frontier (all its prerequisites are at
   least started), so a student who already knows it can test out.
4. Otherwise practise the frontier: unlocked topics (every prerequisite mastered, or the topic
   itself proven) not yet mastered. Topics already started come first, then the earliest in the
   topological order; no topic is served more than `max_block` times in a row when another is open.
5. The template is the one whose predicted success is closest to the target; while a topic is
   near mastery the target drops so a right answer is stronger evidence.

Only per-topic aggregates are read, so the cost does not grow with the learner's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np

from adaptive.model import (
    DEFAULT_MODEL,
    ModelConfig,
    TemplateInfo,
    current_p_known,
    item_difficulty,
    predict_success,
)
from adaptive.review import days_since, retrievability
from content.topics import TopicGraph

ChoiceKind = Literal["new", "practice", "review", "explore", "assigned", "chosen"]


@dataclass(frozen=True)
class PolicyConfig:
    target_success: float = 0.75
    confirm_success: float = 0.6  # target while confirming a topic that is nearly mastered
    confirm_from: float = 0.8  # P(known) from which a topic is being confirmed
    review_retention: float = 0.85
    explore_share: float = 0.05
    max_block: int = 3
    model: ModelConfig = DEFAULT_MODEL


@dataclass(frozen=True)
class Choice:
    topic: str
    template_id: str
    reason: str
    predicted_success: float
    kind: ChoiceKind

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "template_id": self.template_id,
            "reason": self.reason,
            "predicted_success": round(self.predicted_success, 4),
            "kind": self.kind,
        }


class NoTemplateError(LookupError):
    """No template is available for the topic the policy had to serve."""


def _days_text(days: float) -> str:
    whole = round(days)
    if whole < 1:
        return "earlier today"
    return f"{whole} day{'s' if whole != 1 else ''} ago"


def _pick_template(
    learner_state: Mapping[str, Any],
    item_states: Mapping[str, Any],
    topic: str,
    candidates: Sequence[TemplateInfo],
    *,
    now: datetime,
    target: float,
    config: PolicyConfig,
) -> tuple[TemplateInfo, float]:
    last = learner_state.get("topics", {}).get(topic, {}).get("last_template")
    best: tuple[float, TemplateInfo, float] | None = None
    for template in candidates:
        p = predict_success(
            learner_state,
            topic,
            item_difficulty(item_states, template),
            now=now,
            config=config.model,
        )
        # Repeating the very last template is allowed only when it is the only one.
        gap = abs(p - target) + (1.0 if template.id == last and len(candidates) > 1 else 0.0)
        if best is None or gap < best[0]:
            best = (gap, template, p)
    if best is None:
        raise NoTemplateError(f"no template for topic {topic!r}")
    return best[1], best[2]


def unlocked_topics(learner_state: Mapping[str, Any], graph: TopicGraph) -> list[str]:
    """Topics whose prerequisites are all mastered, plus any topic proven directly."""
    topics = learner_state.get("topics", {})

    def mastered(slug: str) -> bool:
        found = topics.get(slug)
        return bool(found and found["mastered"])

    return [
        t.slug
        for t in graph.topics
        if mastered(t.slug) or all(mastered(p) for p in t.prerequisites)
    ]


def choose_next(
    learner_state: Mapping[str, Any],
    item_states: Mapping[str, Any],
    *,
    graph: TopicGraph,
    templates: Sequence[TemplateInfo],
    now: datetime,
    config: PolicyConfig,
    rng: np.random.Generator,
    chosen_topic: str | None = None,
    assignment: str | None = None,
) -> Choice:
    """The next problem for this learner.

    `item_states` maps template id → item state. `assignment` is a topic slug or a template id set
    by an instructor; `chosen_topic` a topic the student picked. Raises NoTemplateError when the
    topic to serve has no template (or no templates are given at all).
    """
    by_topic: dict[str, list[TemplateInfo]] = {}
    for template in templates:
        by_topic.setdefault(template.topic, []).append(template)
    topics_state = learner_state.get("topics", {})
    by_slug = graph.by_slug

    def serve(topic: str, kind: ChoiceKind, reason: str, target: float) -> Choice:
        template, p = _pick_template(
            learner_state,
            item_states,
            topic,
            by_topic.get(topic, []),
            now=now,
            target=target,
            config=config,
        )
        return Choice(topic, template.id, reason, p, kind)

    def target_for(topic: str) -> float:
        found = topics_state.get(topic)
        if found and found["attempts"] and float(found["p_known"]) >= config.confirm_from:
            return config.confirm_success
        return config.target_success

    if assignment is not None:
        for template in templates:
            if template.id == assignment:
                p = predict_success(
                    learner_state,
                    template.topic,
                    item_difficulty(item_states, template),
                    now=now,
                    config=config.model,
                )
                return Choice(
                    template.topic, template.id, "assigned by your instructor", p, "assigned"
                )
        title = by_slug[assignment].title if assignment in by_slug else assignment
        return serve(
            assignment, "assigned", f"assigned by your instructor: {title}", target_for(assignment)
        )
    if chosen_topic is not None:
        title = by_slug[chosen_topic].title if chosen_topic in by_slug else chosen_topic
        return serve(chosen_topic, "chosen", f"your choice: {title}", target_for(chosen_topic))

    servable = [t.slug for t in graph.topics if t.slug in by_topic]
    if not servable:
        raise NoTemplateError("no templates for any topic in the graph")
    recent_topics = list(learner_state.get("recent_topics", []))
    # The latest answer was a review when its topic had already been mastered before.
    latest = topics_state.get(recent_topics[0]) if recent_topics else None
    last_was_review = bool(latest and latest["mastered"] and latest.get("attempts", 0) > 1)

    # Spaced review of mastered topics whose retention has fallen.
    due: list[tuple[float, str]] = []
    for slug in servable:
        found = topics_state.get(slug)
        if found and found["mastered"]:
            r = retrievability(found.get("card"), now=now)
            if r < config.review_retention:
                due.append((r, slug))

    unlocked = set(unlocked_topics(learner_state, graph))
    frontier = [
        s for s in servable if s in unlocked and not (topics_state.get(s) or {}).get("mastered")
    ]

    if due and (not last_was_review or not frontier):
        _, slug = min(due)
        days = days_since(topics_state[slug].get("card"), now=now) or 0.0
        return serve(
            slug, "review", f"review: last practised {_days_text(days)}", config.target_success
        )

    if config.explore_share > 0 and rng.random() < config.explore_share:
        beyond = [
            s
            for s in servable
            if s not in unlocked
            and all(
                p in unlocked or (topics_state.get(p) or {}).get("attempts", 0) > 0
                for p in by_slug[s].prerequisites
            )
        ]
        if beyond:
            slug = beyond[int(rng.integers(len(beyond)))]
            return serve(
                slug,
                "explore",
                f"explore: checking whether you already know {by_slug[slug].title.lower()}",
                config.target_success,
            )

    if not frontier:
        # Everything open is mastered: strengthen the topic with the lowest retention.
        weakest = min(
            servable,
            key=lambda s: current_p_known(topics_state[s], now=now) if s in topics_state else 0.0,
        )
        return serve(
            weakest,
            "review",
            "review: everything open is mastered, keeping the weakest fresh",
            config.target_success,
        )

    started = [s for s in frontier if (topics_state.get(s) or {}).get("attempts", 0) > 0]
    ordered = started + [s for s in frontier if s not in started]
    block = recent_topics[: config.max_block]
    if len(ordered) > 1 and len(block) == config.max_block and len(set(block)) == 1:
        ordered = [s for s in ordered if s != block[0]] + [block[0]]
    slug = ordered[0]
    found = topics_state.get(slug)
    if found and found["attempts"]:
        share = round(100 * float(found["p_known"]))
        reason = f"practice: {by_slug[slug].title.lower()} is {share}% mastered"
        return serve(slug, "practice", reason, target_for(slug))
    prerequisites = by_slug[slug].prerequisites
    if prerequisites:
        names = " and ".join(by_slug[p].title.lower() for p in prerequisites)
        reason = f"next: you've mastered {names}"
    else:
        reason = f"next: {by_slug[slug].title.lower()} has no prerequisites"
    return serve(slug, "new", reason, target_for(slug))
