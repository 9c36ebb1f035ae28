"""Every periodic job, in one place (installed on the Celery app by config/celery.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def beat_schedule() -> dict[str, dict[str, Any]]:
    interval = float(settings.SWEEP_INTERVAL_SECONDS)
    return {
        "sweep-stuck-submissions": {
            "task": "quizzes.tasks.sweep_stuck_submissions_task",
            "schedule": interval,
            "options": {"queue": "default", "expires": interval},
        },
        # Timed quizzes: submit attempts whose time ran out (requests check their own, too).
        "expire-overdue-quiz-attempts": {
            "task": "quizzes.quiz_tasks.expire_overdue_quiz_attempts_task",
            "schedule": float(settings.QUIZ_EXPIRY_SWEEP_SECONDS),
            "options": {"queue": "default", "expires": float(settings.QUIZ_EXPIRY_SWEEP_SECONDS)},
        },
        # Adaptive practice: dashboards show what forgetting has left of mastered topics.
        "refresh-faded-mastery": {
            "task": "quizzes.tasks.refresh_faded_mastery_task",
            "schedule": float(settings.ADAPTIVE_MASTERY_REFRESH_SECONDS),
            "options": {
                "queue": "default",
                "expires": float(settings.ADAPTIVE_MASTERY_REFRESH_SECONDS),
            },
        },
    }
