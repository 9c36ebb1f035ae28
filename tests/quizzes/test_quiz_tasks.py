"""The periodic sweep that submits quiz attempts whose time ran out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from quizzes.models import QuizAttempt
from quizzes.quiz_tasks import expire_overdue_quiz_attempts_task
from quizzes.schedules import beat_schedule
from quizzes.services.quizzes import start_attempt

pytestmark = pytest.mark.django_db


def test_the_beat_schedule_runs_the_quiz_sweep_on_a_registered_task():
    entry = beat_schedule()["expire-overdue-quiz-attempts"]
    # Workers import only the modules the app names: the task's module must be one of them.
    module = entry["task"].rsplit(".", 1)[0]
    assert module in app.conf.imports or module == "quizzes.tasks"
    assert entry["task"] in app.tasks and entry["schedule"] > 0


def test_the_sweep_task_submits_only_overdue_attempts(make_quiz, student_a, student_b):
    quiz = make_quiz()
    overdue = start_attempt(user=student_a, quiz=quiz)
    running = start_attempt(user=student_b, quiz=quiz)
    QuizAttempt.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert expire_overdue_quiz_attempts_task.delay().get() == [overdue.pk]
    running.refresh_from_db()
    assert running.submitted_at is None
