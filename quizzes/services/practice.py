"""Serving problems: sessions, new variants, "another one like this", hints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from quizzes.models import Assignment, PracticeSession, Problem, ProblemTemplate
from quizzes.services.variant_pool import bank_enabled, bank_variant, serve_from_bank
from quizzes.services.variants import generate_variant, variant_from_snapshot


class TemplateUnavailable(Exception):
    """The template has no version to serve (it was never synced or was retired)."""


# Marking a session active is skipped when it was marked this recently (saves a write per problem).
SESSION_TOUCH_SECONDS = 60


# `current_session(latest=...)` when the caller has not looked the latest session up.
NOT_READ = object()


def latest_session_of(*, user_id: int, pk: int | None, last_activity_at: Any) -> Any:
    """The latest session as already read by a caller (its id and last activity), so that
    `current_session` need not read it again; None when the user has none."""
    if pk is None:
        return None
    session = PracticeSession(pk=pk, user_id=user_id, last_activity_at=last_activity_at)
    session._state.adding = False
    return session


def current_session(*, user: AbstractBaseUser, latest: Any = NOT_READ) -> PracticeSession:
    """The user's open practice session, or a new one after a pause. `latest` is the user's
    most recent session when the caller has read it already (None: they have none)."""
    now = timezone.now()
    if latest is NOT_READ:
        latest = (
            PracticeSession.objects.filter(user_id=user.pk).order_by("-last_activity_at").first()
        )
    if latest is None or latest.last_activity_at < now - timedelta(
        minutes=settings.SESSION_IDLE_MINUTES
    ):
        return PracticeSession.objects.create(user_id=user.pk, last_activity_at=now)
    if latest.last_activity_at < now - timedelta(seconds=SESSION_TOUCH_SECONDS):
        latest.last_activity_at = now
        latest.save(update_fields=["last_activity_at"])
    return latest


def create_problem(
    *,
    user: AbstractBaseUser,
    template: ProblemTemplate,
    seed: int | None = None,
    assignment: Assignment | None = None,
    session: PracticeSession | None = None,
) -> Problem:
    """A variant of `template`'s current version that `user` has not met: from the variant bank,
    or freshly generated with a seed drawn with `secrets`; exactly `seed` when given."""
    version = template.current_version
    if version is None or not template.is_active:
        raise TemplateUnavailable(f"Template {template.key} has nothing to serve.")
    version.template = template
    session = session or current_session(user=user)
    if seed is None and bank_enabled():
        served = serve_from_bank(
            version=version,
            values={
                "user_id": user.pk,
                "template_id": template.pk,
                "topic_id": template.topic_id,
                "session_id": session.pk,
                "assignment_id": assignment.pk if assignment is not None else None,
            },
        )
        if served is not None:
            served.template, served.template_version, served.topic = (
                template,
                version,
                template.topic,
            )
            served.session, served.assignment = session, assignment
            return served
    generated = generate_variant(version, seed)
    if seed is None and bank_enabled():
        # Nothing unseen in the bank: the fresh variant joins it while it has room.
        bank_variant(version=version, variant=generated)
    return Problem.objects.create(
        user_id=user.pk,
        template=template,
        template_version=version,
        topic=template.topic,
        seed=generated.seed,
        fingerprint=generated.fingerprint[:64],
        snapshot=generated.snapshot,
        session=session,
        assignment=assignment,
    )


def create_another_problem(*, problem: Problem) -> Problem:
    """Another one like this: the same template (at its current version) with a new seed."""
    template = ProblemTemplate.objects.select_related("current_version", "topic").get(
        pk=problem.template_id
    )
    another = create_problem(user=problem.user, template=template, assignment=problem.assignment)
    another.reason = f"another one like this: {template.topic.title}"  # type: ignore[attr-defined]
    return another


def reveal_hint(*, problem: Problem) -> Problem:
    """Reveal the next hint, if any is left, and record that it was used."""
    total = len(variant_from_snapshot(problem.snapshot).hints_html)
    # One conditional update: two quick clicks cannot reveal past the last hint.
    Problem.objects.filter(pk=problem.pk, hints_revealed__lt=total).update(
        hints_revealed=F("hints_revealed") + 1
    )
    problem.refresh_from_db(fields=["hints_revealed"])
    return problem
