"""Celery tasks: they take ids and call services. Schedules live in quizzes.schedules."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from quizzes.models import Submission
from quizzes.services.learner_model import refresh_faded_mastery
from quizzes.services.marking import grade_submission, release_submission, sweep_stuck_submissions
from quizzes.services.variant_pool import refill_variant_pool

RETRY_COUNTDOWN_SECONDS = 2


# Queues come from CELERY_TASK_ROUTES: grading on `grading`, housekeeping on `default`.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.GRADING_TASK_SOFT_SECONDS,
    time_limit=settings.GRADING_TASK_HARD_SECONDS,
)
def grade_submission_task(submission_id: int) -> str:
    """Grade one submission. Idempotent: a duplicate delivery finds the row already claimed."""
    try:
        return grade_submission(submission_id=submission_id)
    except SoftTimeLimitExceeded:
        status = release_submission(submission_id=submission_id, reason="soft time limit")
    except Exception as exc:  # the row must never stay claimed by a task that gave up
        status = release_submission(submission_id=submission_id, reason=repr(exc))
    if status == Submission.Status.PENDING:
        grade_submission_task.apply_async((submission_id,), countdown=RETRY_COUNTDOWN_SECONDS)
    return status


@shared_task(ignore_result=True)
def sweep_stuck_submissions_task(
    pending_after_seconds: float | None = None,
) -> dict[str, list[int]]:
    """Re-enqueue submissions left pending or stuck in grading; fail exhausted ones."""
    report = sweep_stuck_submissions(pending_after_seconds=pending_after_seconds)
    return {"requeued": list(report.requeued), "failed": list(report.failed)}


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def refill_variant_pool_task(version_id: int) -> int:
    """Generate variants of one template version ahead of demand."""
    return refill_variant_pool(version_id=version_id)


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def refresh_faded_mastery_task() -> int:
    """Lower stored mastery of mastered topics for forgetting since the last answer."""
    return refresh_faded_mastery(now=timezone.now())
