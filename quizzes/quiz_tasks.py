"""Celery tasks of timed quizzes (the beat entry lives in quizzes.schedules)."""

from __future__ import annotations

from celery import shared_task

from quizzes.services.quizzes import expire_overdue_attempts


@shared_task(ignore_result=True)
def expire_overdue_quiz_attempts_task() -> list[int]:
    """Submit, with what was saved, every quiz attempt whose time ran out."""
    return expire_overdue_attempts()
