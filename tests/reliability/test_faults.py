"""Real faults under the real pipeline: every submission ends graded exactly once, or failed with
a message, whatever happens to the worker, the broker or the database in between."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import psycopg
import pytest

from tests.reliability.conftest import FAULT_SETTINGS, PRESUMED_DEAD_SECONDS, Platform, wait_until

pytestmark = pytest.mark.reliability

# A presumed-dead claim is reclaimed by the sweeper within one interval after it goes stale.
RECOVERY_SECONDS = PRESUMED_DEAD_SECONDS + 30
SUBMIT_WHILE_BROKER_DOWN_SECONDS = 5.0
MAX_TRIES = int(FAULT_SETTINGS["GRADING_MAX_TRIES"])


def submit_right_answers(platform: Platform, students: int, each: int) -> list[int]:
    """`students` new students each submit the right answers `each` times; the new ids."""
    ids = []
    for _ in range(students):
        token = platform.register()
        problem = platform.next_problem(token)
        answers = platform.right_answers(problem["id"])
        for _ in range(each):
            status, body = platform.submit(token, problem["id"], answers)
            assert status == 202 and body["status"] == "pending", body
            ids.append(int(body["id"]))
    return ids


def student_sees(platform: Platform, token: str, submission_id: int) -> dict[str, object]:
    status, body = platform.call("GET", f"submissions/{submission_id}", token=token)
    assert status == 200, body
    return dict(body)


def blocked_on_the_problem_row(platform: Platform) -> list[int]:
    """Database backends of gradings waiting to store a verdict on a locked problem row."""
    return [
        pid
        for (pid,) in platform.rows(
            """SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
               AND query LIKE 'UPDATE "quizzes_problem"%'"""
        )
    ]


def test_a_worker_killed_mid_grading_leaves_every_submission_graded_exactly_once(
    platform: Platform,
) -> None:
    token = platform.register()
    problem = platform.next_problem(token)
    answers = platform.right_answers(problem["id"])
    ids = []
    for _ in range(6):
        status, body = platform.submit(token, problem["id"], answers)
        assert status == 202, body
        ids.append(int(body["id"]))

    # Grading takes milliseconds on a quiet machine, too short to catch by watching. Holding a
    # lock on the problem row stops each grading where it stores its verdict, after its claim;
    # the worker is killed there.
    with psycopg.connect(platform.cluster.url(platform.database)) as lock:
        lock.execute("SELECT 1 FROM quizzes_problem WHERE id = %s FOR UPDATE", (problem["id"],))
        worker = platform.start_worker()
        wait_until(
            lambda: blocked_on_the_problem_row(platform),
            timeout=60,
            what="a grading to reach its verdict",
            interval=0.02,
        )
        in_flight = [sid for sid, status in platform.statuses(ids).items() if status == "grading"]
        assert in_flight
        worker.kill_hard()
        # The dead processes' backends would wait on the lock until PostgreSQL noticed.
        for pid in blocked_on_the_problem_row(platform):
            platform.rows("SELECT pg_terminate_backend(%s)", pid)
        lock.rollback()
    assert platform.statuses(in_flight)[in_flight[0]] == "grading"

    platform.start_worker()
    final = platform.wait_settled(ids, timeout=RECOVERY_SECONDS)

    assert set(final.values()) == {"graded"}
    platform.assert_graded_exactly_once(ids)
    seen = student_sees(platform, token, in_flight[0])
    assert seen["status"] == "graded" and seen["score"] == pytest.approx(1.0)


def test_submissions_made_while_redis_is_down_are_stored_and_graded_once_it_returns(
    platform: Platform,
) -> None:
    platform.start_worker()
    token = platform.register()
    problem = platform.next_problem(token)
    answers = platform.right_answers(problem["id"])

    platform.redis.stop()
    ids = []
    for _ in range(4):
        started = time.monotonic()
        status, body = platform.submit(token, problem["id"], answers)
        took = time.monotonic() - started
        assert status == 202 and body["status"] == "pending", body
        assert took < SUBMIT_WHILE_BROKER_DOWN_SECONDS, f"submit hung {took:.1f} s"
        ids.append(int(body["id"]))
    time.sleep(2)
    assert set(platform.statuses(ids).values()) == {"pending"}
    seen = student_sees(platform, token, ids[0])
    assert seen["status"] == "pending"

    platform.redis.start()
    final = platform.wait_settled(ids, timeout=60)

    assert set(final.values()) == {"graded"}
    platform.assert_graded_exactly_once(ids)
    # Only the sweeper could have sent these: their messages were never published.
    assert set(ids) <= platform.requeued_by_sweeper()


def test_a_worker_survives_a_postgresql_restart_without_losing_or_doubling_a_verdict(
    platform: Platform,
) -> None:
    worker = platform.start_worker()
    before = submit_right_answers(platform, students=2, each=3)
    wait_until(
        lambda: "graded" in platform.statuses(before).values(),
        timeout=60,
        what="the first verdict",
        interval=0.02,
    )

    platform.cluster.restart()
    # Without connection health checks (the default), each web connection the restart broke
    # fails one request and is then replaced; a client retry with the same key is safe.
    token = platform.register_retrying()
    problem = platform.retrying(lambda: platform.call("POST", "practice/next", {}, token))
    answers = platform.right_answers(problem["id"])
    after = [
        int(platform.retrying(
            lambda n=n: platform.submit(token, problem["id"], answers, key=f"after-restart-{n}")
        )["id"])
        for n in range(3)
    ]  # fmt: skip
    ids = before + after
    final = platform.wait_settled(ids, timeout=RECOVERY_SECONDS)

    assert worker.process.poll() is None, "the worker died with the database"
    assert platform.server_errors <= platform.web_connections
    assert set(final.values()) == {"graded"}
    platform.assert_graded_exactly_once(ids)


def test_a_poison_submission_fails_after_bounded_tries_while_others_are_graded(
    platform: Platform,
) -> None:
    worker = platform.start_worker()
    poisoner = platform.register()
    problem = platform.next_problem(poisoner)
    status, body = platform.submit(poisoner, problem["id"], platform.right_answers(problem["id"]))
    poison = int(body["id"])

    # Whatever grades this submission dies by SIGKILL, every time, after its claim and before
    # its verdict commits. To catch it there deterministically, this test holds a lock on the
    # problem row, where storing the verdict has to wait.
    others: list[int] = []
    kills = 0
    terminated: set[int] = set()
    with psycopg.connect(platform.cluster.url(platform.database)) as lock:
        lock.execute("SELECT 1 FROM quizzes_problem WHERE id = %s FOR UPDATE", (problem["id"],))
        while kills < MAX_TRIES:
            blocked = wait_until(
                lambda: [
                    pid
                    for (pid,) in platform.rows(
                        """SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                           AND query LIKE 'UPDATE "quizzes_problem"%'"""
                    )
                    if pid not in terminated
                ],
                timeout=RECOVERY_SECONDS,
                what="the poison submission's grading to reach its verdict",
                interval=0.05,
            )
            for pid in worker.pool_children():
                os.kill(pid, signal.SIGKILL)
            # The dead process's backend would wait on the lock until PostgreSQL noticed.
            platform.rows("SELECT pg_terminate_backend(%s)", blocked[0])
            terminated.add(blocked[0])
            kills += 1
            if kills == 1:
                others = submit_right_answers(platform, students=2, each=1)
                assert set(platform.wait_settled(others, timeout=30).values()) == {"graded"}
        lock.rollback()
    platform.wait_settled([poison], timeout=RECOVERY_SECONDS)

    state, tries, message = platform.row(
        "SELECT status, tries, message FROM quizzes_submission WHERE id = %s", poison
    )
    assert state == "failed" and tries == kills == MAX_TRIES
    seen = student_sees(platform, poisoner, poison)
    assert seen["status"] == "failed" and seen["message"]
    assert platform.row(
        "SELECT attempts_used FROM quizzes_problem WHERE id = %s", problem["id"]
    ) == (0,), "a failed check must give the attempt back"
    logs = "".join(service.log() for service in platform.services)
    assert f"submission {poison} marked failed" in logs

    # No redelivery loop: nothing claims it again.
    time.sleep(6)
    assert platform.row("SELECT status, tries FROM quizzes_submission WHERE id = %s", poison) == (
        "failed",
        MAX_TRIES,
    )
    platform.assert_graded_exactly_once([poison, *others])


def test_a_double_submit_with_one_idempotency_key_stores_one_submission(
    platform: Platform,
) -> None:
    platform.start_worker()
    token = platform.register()
    problem = platform.next_problem(token)
    answers = platform.right_answers(problem["id"])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        replies = list(
            pool.map(
                lambda _: platform.submit(token, problem["id"], answers, key="click-1"), range(4)
            )
        )
    retry = platform.submit(token, problem["id"], answers, key="click-1")

    ids = {body["id"] for _, body in [*replies, retry]}
    assert len(ids) == 1, replies
    assert sorted(status for status, _ in replies).count(202) == 1
    assert platform.row(
        "SELECT count(*) FROM quizzes_submission WHERE problem_id = %s", problem["id"]
    ) == (1,)
    platform.wait_settled(list(ids), timeout=30)
    platform.assert_graded_exactly_once(list(ids))
