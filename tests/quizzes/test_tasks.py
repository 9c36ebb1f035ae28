from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.test import override_settings
from django.utils import timezone

from quizzes.models import Problem, Submission
from quizzes.services import marking
from quizzes.services.submissions import submit_answers
from quizzes.tasks import grade_submission_task, sweep_stuck_submissions_task
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db
Status = Submission.Status


@pytest.fixture
def pending(make_problem, student_a):
    """A stored submission whose grading has not run (on-commit callbacks are not executed)."""
    problem = make_problem(student_a)
    return submit_answers(
        user=student_a, problem=problem, answers=right_answers(problem)
    ).submission


def test_the_task_grades_a_pending_submission(pending):
    assert grade_submission_task.run(pending.pk) == Status.GRADED
    pending.refresh_from_db()
    assert pending.status == Status.GRADED and pending.tries == 1


def test_a_second_delivery_of_the_same_id_does_nothing(pending):
    grade_submission_task.run(pending.pk)
    assert grade_submission_task.run(pending.pk) == "skipped"
    pending.refresh_from_db()
    assert pending.tries == 1
    assert pending.verdicts.count() == len(pending.answers)


def test_a_row_claimed_by_a_live_worker_is_not_claimed_again(pending):
    Submission.objects.filter(pk=pending.pk).update(
        status=Status.GRADING, claimed_at=timezone.now(), tries=1
    )
    assert marking.claim_submission(submission_id=pending.pk) is None


def test_a_row_claimed_by_a_dead_worker_is_claimed_again(pending):
    long_ago = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=pending.pk).update(
        status=Status.GRADING, claimed_at=long_ago, tries=1
    )
    assert grade_submission_task.run(pending.pk) == Status.GRADED


def test_a_stale_worker_cannot_overwrite_a_newer_claim(pending):
    claimed = marking.claim_submission(submission_id=pending.pk)
    # Another worker reclaims it after this one was presumed dead.
    Submission.objects.filter(pk=pending.pk).update(tries=claimed.tries + 1)
    assert marking.store_verdicts(submission=claimed, results=[]) == "skipped"


def test_an_error_puts_the_row_back_and_it_is_graded_on_retry(pending):
    real_grade = marking.grading.grade
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker hiccup")
        return real_grade(*args, **kwargs)

    with mock.patch.object(marking.grading, "grade", side_effect=flaky):
        grade_submission_task.run(pending.pk)
    pending.refresh_from_db()
    assert pending.status == Status.GRADED
    assert pending.tries == 2


@override_settings(GRADING_MAX_TRIES=3)
def test_a_poison_submission_fails_after_the_last_try_and_gives_the_attempt_back(pending):
    with mock.patch.object(marking.grading, "grade", side_effect=RuntimeError("poison")):
        grade_submission_task.run(pending.pk)
    pending.refresh_from_db()
    assert pending.status == Status.FAILED
    assert pending.tries == 3
    assert "could not be checked" in pending.message
    assert Problem.objects.get(pk=pending.problem_id).attempts_used == 0


def test_the_soft_time_limit_releases_the_row(pending):
    with mock.patch.object(marking.grading, "grade", side_effect=SoftTimeLimitExceeded()):
        with mock.patch.object(grade_submission_task, "apply_async") as requeue:
            status = grade_submission_task.run(pending.pk)
    assert status == Status.PENDING
    requeue.assert_called_once()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING and pending.tries == 1


def test_the_sweeper_requeues_old_pending_rows_and_fails_exhausted_ones(make_problem, student_a):
    old = timezone.now() - timedelta(hours=1)
    rows = []
    for tries in (0, 5):
        problem = make_problem(student_a)
        submission = submit_answers(
            user=student_a, problem=problem, answers=right_answers(problem)
        ).submission
        Submission.objects.filter(pk=submission.pk).update(created_at=old, tries=tries)
        rows.append(submission)
    fresh_problem = make_problem(student_a)
    fresh = submit_answers(
        user=student_a, problem=fresh_problem, answers=right_answers(fresh_problem)
    ).submission

    with mock.patch("quizzes.tasks.grade_submission_task.delay") as enqueue:
        report = sweep_stuck_submissions_task.run()

    assert report == {"requeued": [rows[0].pk], "failed": [rows[1].pk]}
    enqueue.assert_called_once_with(rows[0].pk)
    assert Submission.objects.get(pk=rows[1].pk).status == Status.FAILED
    assert Submission.objects.get(pk=fresh.pk).status == Status.PENDING


def test_the_grading_task_is_routed_to_the_grading_queue_with_bounds():
    from config.celery import app

    assert app.amqp.router.route({}, grade_submission_task.name)["queue"].name == "grading"
    assert grade_submission_task.acks_late is True
    assert 0 < grade_submission_task.soft_time_limit < grade_submission_task.time_limit


def test_beat_runs_the_sweeper_on_the_default_queue():
    from config.celery import app

    entry = app.conf.beat_schedule["sweep-stuck-submissions"]
    assert entry["task"] == sweep_stuck_submissions_task.name
    assert entry["options"]["queue"] == "default"
    assert entry["schedule"] > 0


@pytest.fixture
def dead_pid():
    """The pid of a process of this host that has exited (and been reaped)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def claim_as(submission, claimed_by, tries=1):
    Submission.objects.filter(pk=submission.pk).update(
        status=Status.GRADING, claimed_at=timezone.now(), tries=tries, claimed_by=claimed_by
    )


def test_a_claim_records_which_process_grades_the_row(pending):
    claimed = marking.claim_submission(submission_id=pending.pk)
    assert claimed.claimed_by == marking.process_identity()


def test_a_claim_by_a_process_of_this_host_that_died_is_taken_over_at_once(pending, dead_pid):
    import socket

    claim_as(pending, f"{socket.gethostname()}:{dead_pid}")
    assert grade_submission_task.run(pending.pk) == Status.GRADED
    pending.refresh_from_db()
    assert pending.tries == 2 and pending.claimed_by == marking.process_identity()


def test_a_claim_by_a_live_process_or_another_host_waits_for_the_time_limit(pending, dead_pid):
    import os
    import socket

    for claimer in (f"{socket.gethostname()}:{os.getpid()}", f"another-host:{dead_pid}", ""):
        claim_as(pending, claimer)
        assert marking.claim_submission(submission_id=pending.pk) is None
        assert Submission.objects.get(pk=pending.pk).status == Status.GRADING


@override_settings(GRADING_MAX_TRIES=2)
def test_a_dead_claim_on_its_last_try_is_marked_failed(pending, dead_pid):
    import socket

    claim_as(pending, f"{socket.gethostname()}:{dead_pid}", tries=2)
    assert marking.claim_submission(submission_id=pending.pk) is None
    pending.refresh_from_db()
    assert pending.status == Status.FAILED and pending.message == marking.FAILED_MESSAGE


def test_the_sweeper_regrades_rows_left_by_a_dead_process_without_waiting(pending, dead_pid):
    import socket

    claim_as(pending, f"{socket.gethostname()}:{dead_pid}")
    report = marking.sweep_stuck_submissions()
    assert report.requeued == (pending.pk,)
    # Tasks run eagerly in tests: the requeued grading has already run.
    assert Submission.objects.get(pk=pending.pk).status == Status.GRADED


def test_a_sweep_after_a_worker_starts_requeues_every_pending_row(pending):
    assert marking.sweep_stuck_submissions().requeued == ()
    report = marking.sweep_stuck_submissions(pending_after_seconds=0)
    assert report.requeued == (pending.pk,)
    assert Submission.objects.get(pk=pending.pk).status == Status.GRADED


def test_a_starting_worker_queues_a_sweep_of_every_pending_row():
    from config.celery import recover_after_restart

    with mock.patch.object(sweep_stuck_submissions_task, "delay") as delay:
        recover_after_restart(sender=None)
    delay.assert_called_once_with(pending_after_seconds=0)
