"""Celery tasks of timed quizzes (the beat entry lives in quizzes.schedules). Without REDIS_URL
they run in-process (eager), like grading."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from quizzes.services.quizzes import expire_overdue_attempts, fail_regrade, run_regrade


@shared_task(ignore_result=True)
def expire_overdue_quiz_attempts_task() -> list[int]:
    """Submit, with what was saved, every quiz attempt whose time ran out."""
    return expire_overdue_attempts()


# On the `default` queue (CELERY_TASK_DEFAULT_QUEUE), behind grading. Regenerating a template's
# variants for a large class takes a while: the bounds are generous, and a regrade stopped by
# them is marked failed for the instructor to request again.
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=900,
    time_limit=960,
)
def regrade_quiz_template_task(regrade_id: int) -> str:
    """Carry out one queued regrade (idempotent: a duplicate delivery finds it claimed)."""
    try:
        return run_regrade(regrade_id=regrade_id)
    except SoftTimeLimitExceeded:
        fail_regrade(regrade_id=regrade_id, reason="it ran past its time limit")
    except Exception as exc:
        # The instructor must see that it stopped, not a regrade running for ever.
        fail_regrade(regrade_id=regrade_id, reason=type(exc).__name__)
        raise
    return "failed"
