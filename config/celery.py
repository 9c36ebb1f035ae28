"""The Celery application; tasks live in quizzes.tasks, periodic schedules in quizzes.schedules."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gradient")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def install_schedules(sender: Celery, **kwargs: object) -> None:
    from quizzes.schedules import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@worker_init.connect
def preload_engines(**kwargs: object) -> None:
    """Import the grading and content engines once in the main worker process, before the pool
    forks, so every child shares them instead of importing SymPy on its first task."""
    import content.engine  # noqa: F401
    import grading.api  # noqa: F401


@worker_process_init.connect
def warm_grading_sandbox(**kwargs: object) -> None:
    """Fork the grading sandbox's first child now rather than during the first submission."""
    from grading.sandbox import get_pool

    get_pool().warm()
