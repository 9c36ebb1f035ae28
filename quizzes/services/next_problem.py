"""Which problem a student should do next: the adaptive engine's policy (`adaptive.choose_next`).

The engine sees the synced topic graph, every servable template (`TemplateInfo`, cached per
process for each catalog load), the templates' item states and the student's learner state, and
answers with a topic, a template and the one line the student sees (`problem.reason`). An open,
unfinished assignment of the student overrides it, and so does a topic the student picked.
Reads are a fixed handful of queries whatever the length of the student's history."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

import adaptive
from content.topics import Topic as GraphTopic
from content.topics import TopicGraph
from quizzes.models import (
    Assignment,
    ItemState,
    LearnerModelState,
    PracticeSession,
    Problem,
    ProblemTemplate,
)
from quizzes.selectors import Catalog, catalog
from quizzes.services.assignments import assignments_of_student, servable_templates
from quizzes.services.learner_model import author_difficulty, learner_state_from
from quizzes.services.practice import create_problem, current_session, latest_session_of


class NoProblemAvailable(Exception):
    """Nothing can be served: unknown topic, or no active template in it."""


@dataclass(frozen=True)
class EngineCatalog:
    """The catalog as the engine sees it: slugs and string template ids."""

    graph: TopicGraph
    templates: tuple[adaptive.TemplateInfo, ...]
    by_template_id: Mapping[str, ProblemTemplate]


_engine_lock = threading.Lock()
_engine: list[tuple[Catalog, EngineCatalog]] = []


def engine_catalog(served: Catalog) -> EngineCatalog:
    """The engine's view of `served`, built once per catalog load (so once per bank sync)."""
    cached = _engine[0] if _engine else None
    if cached is not None and cached[0] is served:
        return cached[1]
    slugs = {topic.pk: topic.slug for topic in served.topics}
    graph = TopicGraph(
        tuple(
            GraphTopic(
                slug=topic.slug,
                title=topic.title,
                area=topic.area,
                description=topic.description,
                prerequisites=tuple(slugs[p.pk] for p in topic.prerequisites.all()),
            )
            for topic in served.topics
        )
    )
    templates = [t for topic in served.topics for t in served.templates_by_topic.get(topic.pk, ())]
    built = EngineCatalog(
        graph=graph,
        templates=tuple(
            adaptive.TemplateInfo(str(t.pk), slugs[t.topic_id], author_difficulty(t.difficulty))
            for t in templates
        ),
        by_template_id={str(t.pk): t for t in templates},
    )
    with _engine_lock:
        _engine[:] = [(served, built)]
    return built


def policy_config(state: Mapping[str, Any]) -> adaptive.PolicyConfig:
    """The policy's settings for this student. Exploring (serving a locked topic to see whether
    it is already known) waits for a first right answer: a student who has shown nothing yet
    gains nothing from a problem beyond the frontier, and a new one takes the diagnostic."""
    return adaptive.PolicyConfig(
        target_success=settings.ADAPTIVE_TARGET_SUCCESS,
        review_retention=settings.ADAPTIVE_REVIEW_RETENTION,
        explore_share=settings.ADAPTIVE_EXPLORE_SHARE if state.get("wins") else 0.0,
        max_block=settings.ADAPTIVE_MAX_BLOCK,
    )


_item_states_lock = threading.Lock()
_item_states: list[tuple[float, dict[str, Any]]] = []


def forget_item_states() -> None:
    with _item_states_lock:
        _item_states.clear()


def item_states() -> dict[str, Any]:
    """Template id → what all students' answers taught about it (answered templates only).

    A population statistic that one answer moves very little: each process reads it at most
    once every `ITEM_STATE_CACHE_SECONDS` (0 reads it on every call)."""
    ttl = settings.ITEM_STATE_CACHE_SECONDS
    now = time.monotonic()
    cached = _item_states[0] if _item_states else None
    if ttl > 0 and cached is not None and cached[0] > now:
        return cached[1]
    states = {
        str(template_id): state
        for template_id, state in ItemState.objects.filter(attempts__gt=0).values_list(
            "template_id", "state"
        )
        if state
    }
    if ttl > 0:
        with _item_states_lock:
            _item_states[:] = [(now + ttl, states)]
    return states


@dataclass(frozen=True)
class PracticeContext:
    """What choosing a problem reads about the student, in one query."""

    state: dict[str, Any]
    has_assignments: bool
    latest_session: Any  # PracticeSession | None


def practice_context(*, user: AbstractBaseUser) -> PracticeContext:
    """The student's learner state, whether they have any assignment, and their latest
    practice session (id and last activity), read in one statement. Written as SQL: it runs on
    every problem served, and composing the same four subqueries with the ORM cost more than
    running them."""
    quote = connection.ops.quote_name
    states = quote(LearnerModelState._meta.db_table)
    members = quote(Assignment.students.through._meta.db_table)
    sessions = quote(PracticeSession._meta.db_table)
    latest = f"FROM {sessions} WHERE user_id = %s ORDER BY last_activity_at DESC, id DESC LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT state FROM {states} WHERE user_id = %s), "  # noqa: S608 (names)
            f"EXISTS (SELECT 1 FROM {members} WHERE user_id = %s), "
            f"(SELECT id {latest}), (SELECT last_activity_at {latest})",
            [user.pk] * 4,
        )
        state, has_assignments, session_id, session_at = cursor.fetchone()
    if isinstance(session_at, str):  # SQLite hands datetimes back as text
        session_at = parse_datetime(session_at)
    if session_at is not None and timezone.is_naive(session_at):
        session_at = timezone.make_aware(session_at, UTC)
    return PracticeContext(
        state=learner_state_from(state),
        has_assignments=bool(has_assignments),
        latest_session=latest_session_of(
            user_id=user.pk, pk=session_id, last_activity_at=session_at
        ),
    )


def active_assignment(*, user: AbstractBaseUser) -> Assignment | None:
    """The student's open, unfinished assignment due soonest, if any."""
    for row in assignments_of_student(user=user):
        if row.is_open and not row.is_complete:
            return Assignment.objects.get(pk=row.pk)
    return None


def assignment_target(
    assignment: Assignment,
    engine: EngineCatalog,
    state: Mapping[str, Any],
    rng: np.random.Generator,
) -> str | None:
    """What the engine should serve for `assignment`: its first topic (in graph order) the
    student has not mastered, or its first topic; a template id when the assignment names
    templates rather than the topic."""
    templates = [t for t in servable_templates(assignment) if str(t.pk) in engine.by_template_id]
    if not templates:
        return None
    slugs = {t.topic.slug for t in templates}
    topics = [topic.slug for topic in engine.graph.topics if topic.slug in slugs]
    open_topics = [slug for slug in topics if not adaptive.is_mastered(state, slug)]
    topic = (open_topics or topics)[0]
    if assignment.topics.filter(slug=topic).exists():
        return topic
    named = [t for t in templates if t.topic.slug == topic]
    return str(named[int(rng.integers(len(named)))].pk)


def choose_next_problem(
    *,
    user: AbstractBaseUser,
    topic_slug: str | None = None,
    now: datetime | None = None,
    rng: np.random.Generator | None = None,
) -> Problem:
    """Create and return the next problem for `user` (in `topic_slug` when given), with the
    line the student sees in `problem.reason`."""
    engine = engine_catalog(catalog())
    if topic_slug is not None and topic_slug not in engine.graph:
        raise NoProblemAvailable(f"There is no topic {topic_slug!r}.")
    if not engine.templates:
        raise NoProblemAvailable("The content bank is empty; run `manage.py sync_content`.")
    context = practice_context(user=user)
    state = context.state
    rng = rng or np.random.default_rng()
    wants_assignment = topic_slug is None and context.has_assignments
    assignment = active_assignment(user=user) if wants_assignment else None
    target = assignment_target(assignment, engine, state, rng) if assignment else None
    if target is None:
        assignment = None
    try:
        choice = adaptive.choose_next(
            state,
            item_states(),
            graph=engine.graph,
            templates=engine.templates,
            now=now or timezone.now(),
            config=policy_config(state),
            rng=rng,
            chosen_topic=topic_slug,
            assignment=target,
        )
    except adaptive.NoTemplateError:
        raise NoProblemAvailable("This topic has no problems yet.") from None
    problem = create_problem(
        user=user,
        template=engine.by_template_id[choice.template_id],
        assignment=assignment,
        session=current_session(user=user, latest=context.latest_session),
    )
    problem.reason = choice.reason  # type: ignore[attr-defined]
    return problem
