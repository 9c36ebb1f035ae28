"""`GET /api/v1/submissions/{id}?wait=N`: the request returns as soon as grading finishes."""

from __future__ import annotations

import os
import threading
import time
from unittest import mock

import pytest
from django.test import override_settings

from quizzes import verdict_channel
from quizzes.models import Submission
from quizzes.services.marking import grade_submission
from tests.conftest import right_answers


def submit(client, problem) -> int:
    response = client.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": right_answers(problem)},
        format="json",
    )
    assert response.status_code == 202
    return response.json()["id"]


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    reason = ""
    if not url:
        reason = "TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)"
    else:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            reason = f"Redis at {url} is not reachable: {exc}"
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def fresh_channel_client():
    verdict_channel._client = None
    verdict_channel.stop_listener()
    yield
    verdict_channel._client = None
    verdict_channel.stop_listener()


def test_it_answers_at_once_when_the_submission_is_already_graded(
    client_a, student_a, make_problem, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    with django_capture_on_commit_callbacks(execute=True):
        submission_id = submit(client_a, problem)
    started = time.monotonic()
    body = client_a.get(f"/api/v1/submissions/{submission_id}?wait=5").json()
    assert body["status"] == "graded"
    assert time.monotonic() - started < 1.0


def test_it_returns_the_pending_submission_when_the_wait_runs_out(
    client_a, student_a, make_problem
):
    problem = make_problem(student_a)
    submission_id = submit(client_a, problem)
    started = time.monotonic()
    body = client_a.get(f"/api/v1/submissions/{submission_id}?wait=0.3").json()
    assert body["status"] == "pending"
    assert 0.25 <= time.monotonic() - started < 2.0


@pytest.mark.parametrize("raw", ["abc", "-3", "nan", ""])
def test_an_unreadable_or_negative_wait_never_blocks_for_long(
    raw, client_a, student_a, make_problem
):
    problem = make_problem(student_a)
    submission_id = submit(client_a, problem)
    started = time.monotonic()
    response = client_a.get(f"/api/v1/submissions/{submission_id}?wait={raw}")
    assert response.status_code == 200
    assert time.monotonic() - started < verdict_channel.MAX_WAIT_SECONDS + 1


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(None, 0.0), ("", 0.0), ("x", 0.0), ("nan", 0.0), ("-1", 0.0), ("2.5", 2.5), ("inf", 10.0)],
)
def test_the_wait_parameter_is_read_within_its_range(raw, seconds):
    from quizzes.api.views import wait_seconds

    assert wait_seconds(raw) == seconds


def test_another_students_submission_is_not_found_even_with_a_wait(
    client_a, client_b, student_a, make_problem
):
    problem = make_problem(student_a)
    submission_id = submit(client_a, problem)
    assert client_b.get(f"/api/v1/submissions/{submission_id}?wait=5").status_code == 404


def test_storing_a_verdict_announces_it_after_commit(
    client_a, student_a, make_problem, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    submission_id = submit(client_a, problem)
    with mock.patch("quizzes.services.marking.announce_finished") as announce:
        with django_capture_on_commit_callbacks(execute=True):
            grade_submission(submission_id=submission_id)
    announce.assert_called_once_with(submission_id)
    assert Submission.objects.get(pk=submission_id).status == Submission.Status.GRADED


def test_a_wait_on_redis_wakes_on_the_announcement(redis_url, fresh_channel_client):
    done = threading.Event()

    def finish_later() -> None:
        time.sleep(0.3)
        done.set()
        verdict_channel.announce_finished(424242)

    with override_settings(REDIS_URL=redis_url):
        worker = threading.Thread(target=finish_later)
        started = time.monotonic()
        worker.start()
        verdict_channel.wait_until(424242, finished=done.is_set, seconds=8)
        waited = time.monotonic() - started
        worker.join()
    assert done.is_set()
    assert waited < 3.0


def test_a_wait_on_redis_times_out_without_an_announcement(redis_url, fresh_channel_client):
    with override_settings(REDIS_URL=redis_url):
        started = time.monotonic()
        verdict_channel.wait_until(434343, finished=lambda: False, seconds=0.4)
    assert 0.35 <= time.monotonic() - started < 2.0


def test_an_unreachable_redis_falls_back_to_reading_the_row(fresh_channel_client):
    calls = []

    def finished() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        started = time.monotonic()
        verdict_channel.wait_until(1, finished=finished, seconds=5)
    assert len(calls) >= 3
    assert time.monotonic() - started < 3.0


def test_many_waits_share_one_subscriber_connection(redis_url, fresh_channel_client):
    import redis

    ids = list(range(515000, 515012))
    done: set[int] = set()
    with override_settings(REDIS_URL=redis_url):
        admin = redis.Redis.from_url(redis_url)

        def wait(submission_id: int) -> None:
            verdict_channel.wait_until(
                submission_id, finished=lambda: submission_id in done, seconds=8
            )

        waiters = [threading.Thread(target=wait, args=(i,)) for i in ids]
        started = time.monotonic()
        for waiter in waiters:
            waiter.start()
        time.sleep(0.5)
        # Every waiting request listens through the process's one pattern subscription.
        assert admin.pubsub_numpat() == 1
        for submission_id in ids:
            done.add(submission_id)
            verdict_channel.announce_finished(submission_id)
        for waiter in waiters:
            waiter.join()
        assert time.monotonic() - started < 4.0


def test_a_wait_falls_back_to_the_row_when_the_subscriber_loses_redis(
    redis_url, fresh_channel_client
):
    calls: list[int] = []

    def finished() -> bool:
        calls.append(1)
        return len(calls) >= 4

    with override_settings(REDIS_URL=redis_url):
        listener = verdict_channel._current_listener()
        assert listener is not None and listener.connected.wait(3)
        # The subscriber's connection breaks while a request waits: it is woken and reads the
        # row instead of sleeping until its timeout.
        threading.Timer(0.3, lambda: (listener.connected.clear(), listener._wake(None))).start()
        started = time.monotonic()
        verdict_channel.wait_until(525252, finished=finished, seconds=8)
    assert len(calls) >= 4
    assert time.monotonic() - started < 3.0
