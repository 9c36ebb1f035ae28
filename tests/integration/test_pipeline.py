"""The whole grading pipeline with the real things: PostgreSQL, Redis, a `celery worker`
subprocess and HTTP against a live server. register → next → submit → graded within seconds."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from quizzes.services.content_sync import sync_content
from quizzes.services.variants import variant_from_snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)
WORKER_READY_SECONDS = 60
GRADED_WITHIN_SECONDS = 15


def missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        missing("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        missing(f"Redis at {url} is not reachable: {exc}")
    client.flushdb()
    return url


@pytest.fixture
def postgres_url(db: None) -> str:
    if connection.vendor != "postgresql":
        missing("the grading pipeline needs PostgreSQL: set TEST_DATABASE_URL")
    params = connection.settings_dict
    credentials = params["USER"] or ""
    if params.get("PASSWORD"):
        credentials += f":{params['PASSWORD']}"
    host = params["HOST"] or "127.0.0.1"
    port = params["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{params['NAME']}"


@pytest.fixture
def broker(redis_url: str) -> Any:
    """Send tasks from this process (the live server) to Redis instead of running them eagerly."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = redis_url, False
    # Connection pools are cached per app; drop them so the next send uses the new broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield redis_url
    conf.broker_url, conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def grading_worker(broker: str, postgres_url: str, tmp_path: Path) -> Any:
    log_path = tmp_path / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": postgres_url,
        "REDIS_URL": broker,
        "DEBUG": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", "grading,default", "--concurrency", "1", "--pool", "prefork",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while b"ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"celery worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    address = urllib.parse.urlsplit(base)
    connection_ = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        connection_.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection_.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection_.close()


def test_a_submission_is_graded_by_a_real_worker_through_http(
    bank_slice: Any, live_server: Any, grading_worker: Any
) -> None:
    from quizzes.models import Problem

    sync_content(bank=bank_slice)
    base = live_server.url

    status, body = call(base, "POST", "/api/v1/auth/register", {
        "username": "pipeline-student", "password": "a-long-pass-phrase",
    })  # fmt: skip
    assert status == 201
    token = body["token"]

    status, problem = call(base, "POST", "/api/v1/practice/next", {}, token)
    assert status == 200
    parts = variant_from_snapshot(Problem.objects.get(pk=problem["id"]).snapshot).parts
    answers = {part.key: part.answer for part in parts}

    started = time.monotonic()
    status, accepted = call(
        base, "POST", f"/api/v1/problems/{problem['id']}/submissions", {"answers": answers}, token
    )
    assert status == 202 and accepted["status"] == "pending"

    while True:
        status, submission = call(base, "GET", f"/api/v1/submissions/{accepted['id']}", None, token)
        if submission["status"] not in ("pending", "grading"):
            break
        assert time.monotonic() - started < GRADED_WITHIN_SECONDS, "not graded in time"
        time.sleep(0.05)

    assert submission["status"] == "graded"
    assert submission["score"] == pytest.approx(1.0)
    assert all(part["correct"] for part in submission["parts"].values())
    status, progress = call(base, "GET", "/api/v1/progress", None, token)
    row = next(t for t in progress["topics"] if t["slug"] == problem["topic"])
    assert (row["attempts"], row["correct"]) == (1, 1)
