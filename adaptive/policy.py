"""The next-problem policy: which topic and template to serve, and the one-line reason shown.

Rules, in order:
1. An instructor's assignment, then a student's chosen topic, override everything ("assigned",
   "chosen").
2. When nothing unlocked is left to learn, review: the mastered topic with the lowest predicted
   retention (FSRS), or else the one whose P(known) has slipped most ("review").
3. After a long absence (`welcome_back_days`), the first few problems review the mastered topics
   that have faded most ("review").
4. A small exploration share, scaled by how often this learner knew a topic at first sight, tries a
   topic just beyond the frontier so a student who already knows it can test out ("explore").
5. Otherwise practise the frontier: unlocked topics (every prerequisite mastered, or the topic
   itself proven) not yet mastered. Topics already started (or being tested out of) come first,
   then the earliest in topological order; no topic is served more than `max_block` times in a row
   when another is open, so practice interleaves ("new", "practice"). Before building on it:
   - a prerequisite whose predicted retention fell below `review_retention` is reviewed;
   - after `struggle_after` wrong answers in a row, the weakest prerequisite not seen during the
     struggle is checked (it may have been forgotten or mastered by luck);
   - with chance `review_share` a due review of any mastered topic is interleaved.
6. The template is the one whose predicted success is closest to the target: `target_success`
   while learning, `confirm_success` once P(known) ≥ `confirm_from` (a hard item makes a right
   answer strong evidence), `review_success` for reviews and checks (an easy item makes a wrong
   answer telling). The very last template of a topic is not repeated when another exists.

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
    SESSION_BREAK_DAYS,
    ModelConfig,
    TemplateInfo,
    current_p_known,
    predict_success,
    topic_retention_at,
    traced_success,
)
from adaptive.review import days_since
from content.topics import Topic, TopicGraph

ChoiceKind = Literal["new", "practice", "review", "explore", "assigned", "chosen"]


@dataclass(frozen=True)
class PolicyConfig:
    target_success: float = 0.7
    targeting: Literal["traced", "response"] = "traced"
    confirm_success: float = 0.65  # target while confirming a topic that is nearly mastered
    # Reviews and checks look for a lapse: an easy item makes a wrong answer telling.
    review_success: float = 0.9
    confirm_from: float = 0.8  # P(known) from which a topic is being confirmed
    review_retention: float = 0.7
    review_share: float = 0.1  # chance of serving a due review that no new topic depends on
    explore_share: float = 0.03
    max_block: int = 3
    # Back after this many days: up to `welcome_back_reviews` reviews of topics whose predicted
    # retention fell below `welcome_back_retention` come first.
    welcome_back_days: float = 14.0
    welcome_back_reviews: int = 3
    welcome_back_retention: float = 0.9
    struggle_after: int = (
        5  # wrong answers in a row on a topic before its prerequisites are checked
    )
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


def _success(
    learner_state: Mapping[str, Any],
    item_states: Mapping[str, Any],
    template: TemplateInfo,
    *,
    now: datetime,
    config: PolicyConfig,
) -> float:
    if config.targeting == "traced":
        return traced_success(learner_state, item_states, template, now=now, config=config.model)
    return predict_success(learner_state, item_states, template, now=now, config=config.model)


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
        p = _success(learner_state, item_states, template, now=now, config=config)
        # Repeating the very last template is allowed only when it is the only one.
        gap = abs(p - target) + (1.0 if template.id == last and len(candidates) > 1 else 0.0)
        if best is None or gap < best[0]:
            best = (gap, template, p)
    if best is None:
        raise NoTemplateError(f"no template for topic {topic!r}")
    return best[1], best[2]


def unlocked_topics(learner_state: Mapping[str, Any], graph: TopicGraph) -> list[str]:
    """Topics whose prerequisites are all mastered, plus any topic proven directly."""
    mastered = {s for s, t in learner_state.get("topics", {}).items() if t["mastered"]}
    return [
        t.slug
        for t in graph.topics
        if t.slug in mastered or all(p in mastered for p in t.prerequisites)
    ]


# Indexes of the (immutable) graph and template tuple, rebuilt only when another object comes in.
_INDEXES: dict[int, tuple[object, Any]] = {}


def _indexed(key_object: object, build: Any) -> Any:
    hit = _INDEXES.get(id(key_object))
    if hit is not None and hit[0] is key_object:
        return hit[1]
    if len(_INDEXES) > 64:
        _INDEXES.clear()
    value = build()
    _INDEXES[id(key_object)] = (key_object, value)
    return value


def _group_templates(templates: Sequence[TemplateInfo]) -> dict[str, list[TemplateInfo]]:
    by_topic: dict[str, list[TemplateInfo]] = {}
    for template in templates:
        by_topic.setdefault(template.topic, []).append(template)
    return by_topic


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
    topic to serve has no template (or no templates are given at all), ValueError for a naive
    `now`.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    # Only a tuple is known not to change between calls, so only a tuple's index is kept.
    by_topic: dict[str, list[TemplateInfo]] = (
        _indexed(templates, lambda: _group_templates(templates))
        if isinstance(templates, tuple)
        else _group_templates(templates)
    )
    topics_state = learner_state.get("topics", {})
    by_slug: Mapping[str, Topic] = _indexed(graph, lambda: graph.by_slug)

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
                p = _success(learner_state, item_states, template, now=now, config=config)
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

    # Mastered topics whose predicted retention has fallen below the target.
    retention: dict[str, float] = {}
    now_ts = now.timestamp()
    for slug, found in topics_state.items():
        if found["mastered"] and slug in by_topic:
            retention[slug] = topic_retention_at(found, now_ts)
    due = sorted((r, slug) for slug, r in retention.items() if r < config.review_retention)

    def review(slug: str, why: str = "") -> Choice:
        days = days_since(topics_state[slug].get("card"), now=now) or 0.0
        return serve(
            slug,
            "review",
            f"review{why}: last practised {_days_text(days)}",
            config.review_success,
        )

    # A prerequisite with no template yet cannot be practised, so it does not block its dependents.
    mastered = {slug for slug, t in topics_state.items() if t["mastered"]}
    unlocked = {
        t.slug
        for t in graph.topics
        if t.slug in mastered or all(p in mastered or p not in by_topic for p in t.prerequisites)
    }
    frontier = [
        s for s in servable if s in unlocked and not (topics_state.get(s) or {}).get("mastered")
    ]
    if not frontier:
        if due:
            return review(due[0][1])
        # Everything is mastered and fresh: strengthen the topic most likely to have slipped.
        # Every unlocked topic is mastered here, and some topic is always unlocked.
        weakest = min(retention, key=lambda s: float(topics_state[s]["p_known"]) * retention[s])
        return serve(
            weakest,
            "review",
            "review: everything is mastered, keeping the weakest fresh",
            config.review_success,
        )

    # Welcome back: the first problems after a long absence refresh what has faded most.
    last_seen = learner_state.get("last_seen")
    away = (now - datetime.fromisoformat(last_seen)).total_seconds() / 86400.0 if last_seen else 0.0
    if away >= SESSION_BREAK_DAYS:
        session_gap, in_session = away, 0
    else:
        session_gap = float(learner_state.get("session_gap_days", 0.0))
        in_session = int(learner_state.get("session_answers", 0))
    if session_gap >= config.welcome_back_days and in_session < config.welcome_back_reviews:
        stale = [(r, s) for s, r in retention.items() if r < config.welcome_back_retention]
        if stale:
            return review(min(stale)[1])

    # Exploration lets a learner test out of topics beyond the frontier; learners who often knew a
    # topic at first sight explore more, those who rarely did explore less.
    first_right = (float(learner_state.get("first_wins", 0.0)) + 0.5) / (
        float(learner_state.get("firsts", 0)) + 2.0
    )
    if config.explore_share > 0 and rng.random() < config.explore_share * 2.0 * first_right:
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

    started = [s for s in frontier if (topics_state.get(s) or {}).get("attempts", 0) > 0]
    # A locked topic answered well so far is being tested out of: keep going.
    testing_out = [
        s
        for s in servable
        if s not in unlocked
        and (topics_state.get(s) or {}).get("attempts", 0) > 0
        and float(topics_state[s]["p_known"]) >= 0.5
    ]
    started += testing_out
    ordered = started + [s for s in frontier if s not in started]
    block = recent_topics[: config.max_block]
    if len(ordered) > 1 and len(block) == config.max_block and len(set(block)) == 1:
        ordered = [s for s in ordered if s != block[0]] + [block[0]]
    slug = ordered[0]

    # A prerequisite that is fading is refreshed before building on it.
    fading = [
        (retention[p], p)
        for p in by_slug[slug].prerequisites
        if p in retention and retention[p] < config.review_retention
    ]
    if fading:
        return review(min(fading)[1], f" before {by_slug[slug].title.lower()}")

    # A long struggle hints that a prerequisite is not really known (forgotten, or mastered by
    # luck): check the weakest prerequisite not seen during the struggle.
    found = topics_state.get(slug)
    streak = int(found.get("wrong_streak", 0)) if found else 0
    if found and streak >= config.struggle_after:
        since = int(found["last_index"]) - streak + 1
        suspects = [
            (current_p_known(topics_state[p], now=now), p)
            for p in by_slug[slug].prerequisites
            if p in topics_state and int(topics_state[p]["last_index"]) < since
        ]
        if suspects:
            suspect = min(suspects)[1]
            return serve(
                suspect,
                "review",
                f"review: checking {by_slug[suspect].title.lower()} before more "
                f"{by_slug[slug].title.lower()}",
                config.review_success,
            )

    if due and config.review_share > 0 and rng.random() < config.review_share:
        return review(due[0][1])

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
