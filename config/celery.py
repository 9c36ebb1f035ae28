"""The Celery application; tasks live in quizzes.tasks, periodic schedules in quizzes.schedules."""

import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready

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


@worker_ready.connect
def recover_after_restart(**kwargs: object) -> None:
    """A worker that has just started looks for work a dead one left behind: every pending row
    (its message may have died with the old worker's prefetch) and every row claimed by a process
    of this host that no longer exists. Re-enqueued duplicates find the row claimed and skip."""
    from quizzes.tasks import sweep_stuck_submissions_task

    try:
        sweep_stuck_submissions_task.delay(pending_after_seconds=0)
    except Exception:  # the periodic sweep will do it; never stop a worker from starting
        logging.getLogger(__name__).warning("could not queue the start-up sweep", exc_info=True)
