"""Repeated reads, shaped as plain data for the API and the pages.

Answers and worked solutions appear only in `problem_view` with `reveal` set — which the callers
allow for staff and for the owner once a submission of theirs has been graded."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from quizzes import verdict_channel
from quizzes.models import LearnerTopicState, Problem, ProblemTemplate, Submission, Topic
from quizzes.services.variants import variant_from_snapshot

# The topic graph and the servable templates change only when the bank is synced; each process
# keeps them this long (sync_content clears its own process's copy at once).
CATALOG_SECONDS = 30.0


@dataclass(frozen=True)
class Catalog:
    """Topics in graph order (prerequisites loaded) and the active templates of each topic (with
    their current version and topic loaded). Shared read-only between requests."""

    topics: tuple[Topic, ...]
    templates_by_topic: Mapping[int, tuple[ProblemTemplate, ...]]
    loaded_at: float


_catalog_lock = threading.Lock()
_catalog: list[Catalog] = []


def load_catalog() -> Catalog:
    topics = tuple(Topic.objects.prefetch_related("prerequisites"))
    by_id = {topic.pk: topic for topic in topics}
    templates: dict[int, list[ProblemTemplate]] = {}
    for template in ProblemTemplate.objects.filter(
        is_active=True, current_version__isnull=False
    ).select_related("current_version"):
        template.topic = by_id[template.topic_id]
        templates.setdefault(template.topic_id, []).append(template)
    return Catalog(
        topics=topics,
        templates_by_topic={key: tuple(value) for key, value in templates.items()},
        loaded_at=time.monotonic(),
    )


def catalog() -> Catalog:
    """The cached catalog, reloaded when older than CATALOG_SECONDS (three queries then)."""
    current = _catalog[0] if _catalog else None
    if current is None or time.monotonic() - current.loaded_at > CATALOG_SECONDS:
        current = load_catalog()
        with _catalog_lock:
            _catalog[:] = [current]
    return current


def forget_catalog() -> None:
    with _catalog_lock:
        _catalog.clear()


@dataclass(frozen=True)
class TopicMap:
    """Topics in graph order with a user's state: mastery by topic id and the unlocked ids."""

    topics: tuple[Topic, ...]
    states: dict[int, LearnerTopicState]
    unlocked: set[int]

    def mastery(self, topic_id: int) -> float:
        state = self.states.get(topic_id)
        return state.mastery if state is not None else 0.0

    def mastered(self, topic_id: int) -> bool:
        """The learner model's own verdict (kept in the row's state by every grading)."""
        state = self.states.get(topic_id)
        return bool(state is not None and state.state.get("mastered"))


def topic_map(*, user: AbstractBaseUser) -> TopicMap:
    """One query (the user's states) on top of the cached catalog. A topic is unlocked when
    every prerequisite is mastered, or when it is mastered itself (a student who tested out):
    the rule the next-problem policy follows, so the dashboard never disagrees with it."""
    topics = catalog().topics
    states = {state.topic_id: state for state in LearnerTopicState.objects.filter(user_id=user.pk)}
    mapped = TopicMap(topics=topics, states=states, unlocked=set())
    for topic in topics:
        if mapped.mastered(topic.pk) or all(
            mapped.mastered(p.pk) for p in topic.prerequisites.all()
        ):
            mapped.unlocked.add(topic.pk)
    return mapped


def topics_with_mastery(*, user: AbstractBaseUser) -> list[dict[str, Any]]:
    mapped = topic_map(user=user)
    return [
        {
            "slug": topic.slug,
            "title": topic.title,
            "area": topic.area,
            "description": topic.description,
            "prerequisites": [p.slug for p in topic.prerequisites.all()],
            "mastery": round(mapped.mastery(topic.pk), 4),
            "unlocked": topic.pk in mapped.unlocked,
        }
        for topic in mapped.topics
    ]


def progress_of(*, user: AbstractBaseUser) -> dict[str, Any]:
    states = {s.topic_id: s for s in LearnerTopicState.objects.filter(user_id=user.pk)}
    rows = []
    for topic in catalog().topics:
        state = states.get(topic.pk)
        rows.append(
            {
                "slug": topic.slug,
                "mastery": round(state.mastery, 4) if state else 0.0,
                "attempts": state.attempts if state else 0,
                "correct": state.correct if state else 0,
            }
        )
    return {"topics": rows}


def attempts_of(*, user: AbstractBaseUser) -> QuerySet[Submission]:
    """The user's practice submissions, newest first, with what a history row shows. Quiz
    answers are left out: their scores appear only as the quiz's release policy allows."""
    return (
        Submission.objects.filter(user_id=user.pk, problem__quiz_question__isnull=True)
        .select_related("problem__template", "problem__topic")
        .order_by("-created_at", "-pk")
    )


def part_prompts(problem: Problem) -> list[dict[str, Any]]:
    parts = []
    for part in variant_from_snapshot(problem.snapshot).parts:
        row: dict[str, Any] = {"key": part.key, "kind": part.kind, "prompt": part.prompt_html}
        if part.choices:
            row["choices"] = [{"label": label, "html": html} for label, html in part.choices]
        variables = dict(part.options).get("variables")
        if variables:
            # How the input is read (not what the answer is), so the live preview agrees.
            row["variables"] = list(variables)
        parts.append(row)
    return parts


def problem_summary(problem: Problem) -> dict[str, Any]:
    """What the practice page needs to show a new problem (no answers)."""
    variant = variant_from_snapshot(problem.snapshot)
    return {
        "id": problem.pk,
        "topic": problem.topic.slug,
        "template": problem.template.key,
        "title": problem.template.title,
        "statement": variant.statement_html,
        "parts": part_prompts(problem),
        "hints_available": len(variant.hints_html),
        "attempts_left": max(0, settings.MAX_ATTEMPTS_PER_PROBLEM - problem.attempts_used),
        # Why the policy served it (set on a freshly chosen problem, empty otherwise).
        "reason": getattr(problem, "reason", ""),
    }


def solution_of(problem: Problem) -> dict[str, Any]:
    variant = variant_from_snapshot(problem.snapshot)
    return {
        "html": variant.solution_html,
        "answers": {
            part.key: {"answer": part.answer, "latex": part.answer_latex} for part in variant.parts
        },
    }


def hints_of(problem: Problem) -> dict[str, Any]:
    hints = list(variant_from_snapshot(problem.snapshot).hints_html)
    shown = hints[: problem.hints_revealed]
    return {"hints": shown, "remaining": len(hints) - len(shown)}


def problem_view(problem: Problem, *, reveal_solution: bool) -> dict[str, Any]:
    """The problem again, with its submissions so far; the solution only when `reveal_solution`."""
    submissions = [
        submission_view(s) for s in problem.submissions.prefetch_related("verdicts").order_by("pk")
    ]
    view = problem_summary(problem) | {
        "hints": hints_of(problem)["hints"],
        "submissions": submissions,
        "created_at": problem.created_at.isoformat(),
    }
    if reveal_solution:
        view["solution"] = solution_of(problem)
    return view


FINISHED = (Submission.Status.GRADED, Submission.Status.INVALID)
UNFINISHED = (Submission.Status.PENDING, Submission.Status.GRADING)


def submission_when_finished(*, submission: Submission, seconds: float) -> Submission:
    """The submission once grading has finished, or as it stands after `seconds`."""

    def finished() -> bool:
        return not Submission.objects.filter(pk=submission.pk, status__in=UNFINISHED).exists()

    verdict_channel.wait_until(submission.pk, finished=finished, seconds=seconds)
    return Submission.objects.get(pk=submission.pk)


def submission_view(submission: Submission) -> dict[str, Any]:
    # Verdicts exist only once grading has finished; skip the query while it runs.
    verdicts = submission.verdicts.all() if submission.status in FINISHED else []
    return {
        "id": submission.pk,
        "problem": submission.problem_id,
        "status": submission.status,
        "score": submission.score,
        "correct": submission.correct,
        "attempt": submission.attempt_number,
        "message": submission.message,
        "answers": submission.answers,
        "created_at": submission.created_at.isoformat(),
        "graded_at": submission.graded_at.isoformat() if submission.graded_at else None,
        "parts": {
            verdict.key: {
                "status": verdict.status,
                "correct": verdict.correct,
                "score": verdict.score,
                "message": verdict.message,
                "feedback": verdict.feedback,
                "latex": verdict.latex,
            }
            for verdict in verdicts
        },
    }


def may_see_solution(*, problem: Problem, is_staff: bool) -> bool:
    return is_staff or problem.solution_unlocked_at is not None
