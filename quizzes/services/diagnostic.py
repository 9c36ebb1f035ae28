"""The adaptive diagnostic on the platform: each question is a real problem of an easy template
of the topic the engine chose, answered through the ordinary submission pipeline (graded on the
workers); its verdict goes back into the engine, and the final estimates seed the learner model."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from adaptive import diagnostic as engine
from content.topics import Topic as GraphTopic
from content.topics import TopicGraph
from quizzes.models import DiagnosticSession, Problem, ProblemTemplate, Submission
from quizzes.selectors import catalog
from quizzes.services.learner_model import apply_diagnostic_estimates
from quizzes.services.practice import create_problem


class DiagnosticError(Exception):
    """The diagnostic cannot do what was asked (finished, skipped, nothing to ask)."""


def topic_graph() -> TopicGraph:
    """The platform's topic graph (as synced from the bank), in topological order."""
    return TopicGraph(
        topics=tuple(
            GraphTopic(
                slug=t.slug,
                title=t.title,
                area=t.area,
                description="",
                prerequisites=tuple(p.slug for p in t.prerequisites.all()),
            )
            for t in catalog().topics
        )
    )


def latest_diagnostic(*, user: AbstractBaseUser) -> DiagnosticSession | None:
    return DiagnosticSession.objects.filter(user_id=user.pk).first()


def is_diagnostic_offered(*, user: AbstractBaseUser) -> bool:
    """A student who never finished nor skipped a diagnostic is offered one."""
    return not DiagnosticSession.objects.filter(
        user_id=user.pk,
        status__in=[DiagnosticSession.Status.FINISHED, DiagnosticSession.Status.SKIPPED],
    ).exists()


def _easy_template(slug: str) -> ProblemTemplate | None:
    by_slug = {t.slug: t.pk for t in catalog().topics}
    templates = catalog().templates_by_topic.get(by_slug.get(slug, -1), ())
    return min(templates, key=lambda t: (t.difficulty or 3.0, t.key), default=None)


def _askable_slugs() -> set[str]:
    with_templates = catalog().templates_by_topic
    return {t.slug for t in catalog().topics if with_templates.get(t.pk)}


@transaction.atomic
def start_diagnostic_session(*, user: AbstractBaseUser) -> DiagnosticSession:
    """The student's active diagnostic, or a new one with its first question."""
    # Locking the user's row makes two starts at once (two tabs) share one diagnostic.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    active = DiagnosticSession.objects.filter(
        user_id=user.pk, status=DiagnosticSession.Status.ACTIVE
    )
    session = active.first()
    if session is not None:
        return session
    state = engine.start_diagnostic(topic_graph(), askable=_askable_slugs())
    session = DiagnosticSession.objects.create(user_id=user.pk, state=state)
    return _ask_next(session=session, user=user)


@transaction.atomic
def skip_diagnostic(*, user: AbstractBaseUser) -> DiagnosticSession:
    """Skip: the dashboard stops offering it; an active one is closed without estimates."""
    session = (
        DiagnosticSession.objects.select_for_update()
        .filter(user_id=user.pk, status=DiagnosticSession.Status.ACTIVE)
        .first()
    )
    if session is None:
        session = DiagnosticSession(user_id=user.pk)
    session.status = DiagnosticSession.Status.SKIPPED
    session.finished_at = timezone.now()
    session.current_problem = None
    session.save()
    return session


def _ask_next(*, session: DiagnosticSession, user: AbstractBaseUser) -> DiagnosticSession:
    topic = engine.next_question(session.state)
    template = _easy_template(topic) if topic is not None else None
    if topic is None or template is None:
        return _finish(session=session, user=user)
    problem = create_problem(user=user, template=template)
    session.current_problem = problem
    session.questions = [*session.questions, {"topic": topic, "problem": problem.pk}]
    session.save(update_fields=["current_problem", "questions"])
    return session


def _finish(*, session: DiagnosticSession, user: AbstractBaseUser) -> DiagnosticSession:
    now = timezone.now()
    session.estimates = engine.estimates(session.state)
    session.status = DiagnosticSession.Status.FINISHED
    session.current_problem = None
    session.finished_at = now
    session.save(update_fields=["estimates", "status", "current_problem", "finished_at"])
    apply_diagnostic_estimates(user=user, estimates=session.estimates, at=now)
    return session


def current_verdict(*, session: DiagnosticSession) -> Submission | None:
    """The first submission on the current question (None before an answer): only the first
    answer counts."""
    if session.current_problem_id is None:
        return None
    return (
        Submission.objects.filter(problem_id=session.current_problem_id)
        .order_by("created_at", "pk")
        .first()
    )


@transaction.atomic
def advance_diagnostic(*, session: DiagnosticSession, user: AbstractBaseUser) -> DiagnosticSession:
    """Once the current question's answer is graded, record it and ask the next question (or
    finish). While it is still being graded nothing changes. Preconditions: the session is the
    user's; a second call for the same verdict is a no-op."""
    locked = DiagnosticSession.objects.select_for_update().get(pk=session.pk)
    if locked.status != DiagnosticSession.Status.ACTIVE:
        return locked
    submission = current_verdict(session=locked)
    if submission is None or submission.status in (
        Submission.Status.PENDING,
        Submission.Status.GRADING,
    ):
        return locked
    problem: Problem = locked.current_problem
    correct = submission.status == Submission.Status.GRADED and bool(submission.correct)
    locked.state = engine.record_response(locked.state, problem.topic.slug, correct)
    questions: list[dict[str, Any]] = list(locked.questions)
    questions[-1] = {**questions[-1], "correct": correct}
    locked.questions = questions
    locked.save(update_fields=["state", "questions"])
    return _ask_next(session=locked, user=user)
