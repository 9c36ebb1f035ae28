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
    }
