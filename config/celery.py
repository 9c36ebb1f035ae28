"""The Celery application; tasks live in quizzes.tasks, periodic schedules in quizzes.schedules."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gradient")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def install_schedules(sender: Celery, **kwargs: object) -> None:
    from quizzes.schedules import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
