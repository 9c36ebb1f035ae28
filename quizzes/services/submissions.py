"""Accepting answers: parse every part first (cheap), then store the submission and enqueue
grading once the row is committed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction

import grading
from quizzes.models import Problem, Submission
from quizzes.services.variants import variant_from_snapshot


class InvalidAnswers(Exception):
    """Some parts do not parse. Nothing was stored and no attempt was used."""

    def __init__(self, errors: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__("Some answers could not be read.")
        self.errors = dict(errors)


class NoAttemptsLeft(Exception):
    """Every attempt at this problem has been used."""


class IdempotencyKeyReused(Exception):
    """The idempotency key already named a submission to a different problem."""


@dataclass(frozen=True)
class SubmitResult:
    submission: Submission
    created: bool


def check_answers(*, problem: Problem, answers: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Parse each part's answer with the grading engine's preview; errors by part key."""
    parts = variant_from_snapshot(problem.snapshot).parts
    expected_keys = {part.key for part in parts}
    errors: dict[str, dict[str, Any]] = {}
    for key in sorted(set(answers) - expected_keys):
        errors[key] = {"message": "This problem has no part with that name.", "position": None}
    for part in parts:
        text = answers.get(part.key)
        if text is None or not text.strip():
            errors[part.key] = {"message": "Enter an answer for this part.", "position": 0}
            continue
        if len(text) > settings.MAX_ANSWER_LENGTH:
            errors[part.key] = {
                "message": f"Answers are limited to {settings.MAX_ANSWER_LENGTH} characters.",
                "position": settings.MAX_ANSWER_LENGTH,
            }
            continue
        result = grading.preview(part.kind, text, dict(part.options))
        if "error" in result:
            errors[part.key] = {"message": result["error"], "position": result.get("position")}
    return errors


def use_an_attempt(*, problem_id: int) -> int | None:
    """Count one more attempt at the problem if one is left, in one conditional statement;
    the attempts used now, or None when none was left."""
    table = connection.ops.quote_name(Problem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET attempts_used = attempts_used + 1 "  # noqa: S608 (table name)
            "WHERE id = %s AND attempts_used < %s RETURNING attempts_used",
            [problem_id, settings.MAX_ATTEMPTS_PER_PROBLEM],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def find_by_idempotency_key(*, user: AbstractBaseUser, key: str) -> Submission | None:
    return Submission.objects.filter(user_id=user.pk, idempotency_key=key).first()


def submit_answers(
    *,
    user: AbstractBaseUser,
    problem: Problem,
    answers: Mapping[str, str],
    idempotency_key: str = "",
) -> SubmitResult:
    """Store a pending submission and enqueue its grading on commit.

    Preconditions: `problem` belongs to `user`. A retry with the same idempotency key returns the
    first submission unchanged. Raises InvalidAnswers (nothing stored), NoAttemptsLeft or
    IdempotencyKeyReused."""
    if idempotency_key:
        existing = find_by_idempotency_key(user=user, key=idempotency_key)
        if existing is not None:
            if existing.problem_id != problem.pk:
                raise IdempotencyKeyReused("That idempotency key was used for another problem.")
            return SubmitResult(submission=existing, created=False)
    errors = check_answers(problem=problem, answers=answers)
    if errors:
        raise InvalidAnswers(errors)
    try:
        with transaction.atomic():
            attempts_used = use_an_attempt(problem_id=problem.pk)
            if attempts_used is None:
                raise NoAttemptsLeft("You have used every attempt at this problem.")
            problem.attempts_used = attempts_used
            submission = Submission.objects.create(
                problem=problem,
                user_id=user.pk,
                answers={key: answers[key] for key in sorted(answers)},
                attempt_number=problem.attempts_used,
                idempotency_key=idempotency_key,
            )
            enqueue_grading(submission_id=submission.pk)
    except IntegrityError:
        # Two requests with one idempotency key raced; the other one's row stands.
        existing = (
            find_by_idempotency_key(user=user, key=idempotency_key) if idempotency_key else None
        )
        if existing is None:
            raise
        return SubmitResult(submission=existing, created=False)
    return SubmitResult(submission=submission, created=True)


def enqueue_grading(*, submission_id: int) -> None:
    """Send the id (only the id) to the grading queue once the current transaction commits."""
    from quizzes.tasks import grade_submission_task

    # robust: a broker hiccup must not turn a stored submission into an error page; the sweeper
    # re-enqueues rows left pending.
    transaction.on_commit(lambda: grade_submission_task.delay(submission_id), robust=True)
