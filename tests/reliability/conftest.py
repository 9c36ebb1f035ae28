"""Fault-test machinery: a private PostgreSQL cluster (initdb in a temporary directory), a private
`redis-server`, gunicorn, `celery worker` and `celery beat` subprocesses pointed at them, all on
free ports. The tests stop and restart these, never the machine's shared services.

The test process talks to the platform only through HTTP and reads the database with psycopg, so
what it checks is what a client and an operator would see."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
INITDB = Path("/usr/local/bin/initdb")
PG_CTL = Path("/usr/local/bin/pg_ctl")
REDIS_SERVER = Path("/usr/bin/redis-server")
TEMPLATE_DATABASE = "gradient_template"
STARTUP_SECONDS = 90

# Short bounds so that a fault plays out in seconds: a claim is presumed dead after
# GRADING_TASK_HARD_SECONDS + 15 s, and the sweeper runs every SWEEP_INTERVAL_SECONDS.
FAULT_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "1",
    "LOG_LEVEL": "INFO",
    "GRADING_CPU_SECONDS": "1",
    "GRADING_TASK_SOFT_SECONDS": "3",
    "GRADING_TASK_HARD_SECONDS": "4",
    "GRADING_MAX_TRIES": "2",
    "SWEEP_PENDING_AFTER_SECONDS": "3",
    "SWEEP_INTERVAL_SECONDS": "2",
    "MAX_ATTEMPTS_PER_PROBLEM": "50",
    "REGISTER_THROTTLE": "100000/hour",
    "LOGIN_THROTTLE": "100000/minute",
    "VARIANT_BANK_PREFILL": "0",
}
PRESUMED_DEAD_SECONDS = int(FAULT_SETTINGS["GRADING_TASK_HARD_SECONDS"]) + 15


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: fault tests with private PostgreSQL, Redis and celery processes"
    )


def missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_postgres(*command: str) -> list[str]:
    """initdb and pg_ctl refuse to run as root; run them as the postgres OS user when we are."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def wait_until(predicate: Any, *, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class PostgresCluster:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        subprocess.run(
            as_postgres(str(INITDB), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                        "--no-sync"),
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            as_postgres(str(PG_CTL), "-D", str(self.data), "-o", options,
                        "-l", str(self.directory / "server.log"), "-w", "start"),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            as_postgres(str(PG_CTL), "-D", str(self.data), "-m", "fast", "-w", "stop"),
            check=False, capture_output=True,
        )  # fmt: skip

    def restart(self) -> None:
        """Fast shutdown (every connection is cut) and start again on the same port."""
        self.stop()
        self.start()

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)


@dataclass
class RedisServer:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_until(self.answers, timeout=20, what="redis-server to accept connections")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@dataclass
class Service:
    """One subprocess (its own process group) with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pool_children(self) -> list[int]:
        """Direct children of the main process (a prefork worker's pool processes)."""
        found: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            children = (task / "children").read_text().split()
            found.extend(int(pid) for pid in children)
        return found

    def kill_hard(self) -> None:
        """SIGKILL the whole process group: no handler runs, nothing is acknowledged."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Platform:
    """Web server, workers and beat against one database and one Redis."""

    def __init__(self, cluster: PostgresCluster, database: str, redis: RedisServer, tmp: Path):
        self.cluster = cluster
        self.database = database
        self.redis = redis
        self.tmp = tmp
        self.port = free_port()
        self.services: list[Service] = []
        self.counter = itertools.count(1)
        self.server_errors = 0
        # Database connections the web server can hold: gunicorn workers times threads.
        self.web_connections = 2 * 4
        self.env = (
            os.environ
            | FAULT_SETTINGS
            | {
                "DATABASE_URL": cluster.url(database),
                "REDIS_URL": redis.url,
            }
        )

    # processes -------------------------------------------------------------------------------
    def spawn(self, name: str, command: list[str], ready: str) -> Service:
        log_path = self.tmp / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        service = Service(name, process, log_path)
        self.services.append(service)

        def started() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited:\n{service.log()[-3000:]}")
            return ready in service.log()

        wait_until(started, timeout=STARTUP_SECONDS, what=f"{name} to start", interval=0.2)
        return service

    def start_web(self) -> Service:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4",
                   "--timeout", "60", "--log-level", "info"]  # fmt: skip
        return self.spawn("web", command, "Booting worker")

    def start_worker(self) -> Service:
        name = f"worker{next(self.counter)}"
        command = [sys.executable, "-m", "celery", "-A", "config", "worker",
                   "-n", f"{name}@reliability", "-Q", "grading,default", "--concurrency", "1",
                   "--pool", "prefork", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-l", "info"]  # fmt: skip
        return self.spawn(name, command, "ready.")

    def start_beat(self) -> Service:
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                   "-s", str(self.tmp / "beat-schedule"),
                   "--pidfile", str(self.tmp / "beat.pid")]  # fmt: skip
        return self.spawn("beat", command, "beat: Starting")

    def stop_all(self) -> None:
        """Throwaway processes on a throwaway database: no graceful shutdown to wait for."""
        for service in reversed(self.services):
            service.kill_hard()

    # HTTP ------------------------------------------------------------------------------------
    def call(
        self, method: str, path: str, body: Any = None, token: str = "", key: str = ""
    ) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if key:
            headers["Idempotency-Key"] = key
        try:
            payload = json.dumps(body) if body is not None else None
            connection.request(method, f"/api/v1/{path}", payload, headers)
            response = connection.getresponse()
            raw = response.read()
            try:
                return response.status, json.loads(raw or b"null")
            except json.JSONDecodeError:
                # A debug error page: its title and exception are what a failure should show.
                text = raw.decode(errors="replace")
                found = re.findall(
                    r"<title>(.*?)</title>|exception_value\">(.*?)</pre>", text, re.S
                )
                return response.status, " ".join("".join(pair).strip() for pair in found) or text
        finally:
            connection.close()

    def register(self) -> str:
        username = f"student-{time.monotonic_ns()}-{threading.get_ident() % 1000}"
        status, body = self.call(
            "POST", "auth/register", {"username": username, "password": "a-long-pass-phrase-9"}
        )
        assert status == 201, body
        return str(body["token"])

    def retrying(self, request: Any) -> dict[str, Any]:
        """Repeat a request that failed with a server error (counted in `server_errors`)."""
        for _ in range(2 * self.web_connections + 1):
            status, body = request()
            if status < 500:
                assert status in (200, 201, 202), body
                return dict(body)
            self.server_errors += 1
        raise AssertionError(f"still failing after {self.server_errors} server errors")

    def register_retrying(self) -> str:
        username = f"student-{time.monotonic_ns()}"
        body = self.retrying(
            lambda: self.call("POST", "auth/register",
                              {"username": username, "password": "a-long-pass-phrase-9"})
        )  # fmt: skip
        return str(body["token"])

    def next_problem(self, token: str) -> dict[str, Any]:
        status, problem = self.call("POST", "practice/next", {}, token)
        assert status == 200, problem
        return dict(problem)

    def right_answers(self, problem_id: int) -> dict[str, str]:
        import content

        (snapshot,) = self.row("SELECT snapshot FROM quizzes_problem WHERE id = %s", problem_id)
        return {part.key: part.answer for part in content.Variant.from_dict(snapshot).parts}

    def submit(
        self, token: str, problem_id: int, answers: dict[str, str], key: str = ""
    ) -> tuple[int, Any]:
        return self.call("POST", f"problems/{problem_id}/submissions", {"answers": answers},
                         token, key)  # fmt: skip

    def requeued_by_sweeper(self) -> set[int]:
        """Submission ids the sweeper re-enqueued, read from the workers' task results."""
        logs = "".join(service.log() for service in self.services)
        found: set[int] = set()
        for listed in re.findall(
            r"sweep_stuck_submissions_task\[[^]]*\] succeeded[^{]*\{'requeued': \[([^]]*)\]", logs
        ):
            found.update(int(pid) for pid in listed.split(",") if pid.strip())
        return found

    # database --------------------------------------------------------------------------------
    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """A fresh connection per query, so that a restarted PostgreSQL never breaks a check."""
        with psycopg.connect(self.cluster.url(self.database), autocommit=True) as connection:
            return list(connection.execute(sql, params or None).fetchall())

    def row(self, sql: str, *params: Any) -> tuple[Any, ...]:
        (found,) = self.rows(sql, *params)
        return found

    def statuses(self, ids: list[int]) -> dict[int, str]:
        return dict(self.rows("SELECT id, status FROM quizzes_submission WHERE id = ANY(%s)", ids))

    def wait_settled(self, ids: list[int], *, timeout: float) -> dict[int, str]:
        """Wait until no submission is pending or grading; their final statuses."""

        def settled() -> dict[int, str] | None:
            found = self.statuses(ids)
            if len(found) == len(ids) and not {"pending", "grading"} & set(found.values()):
                return found
            return None

        return dict(wait_until(settled, timeout=timeout, what=f"submissions {ids} to settle"))

    def assert_graded_exactly_once(self, ids: list[int]) -> None:
        """One set of verdicts per graded submission, none for failed ones, and each learner's
        topic state counting every graded submission once."""
        for sid, status, message, verdicts, parts in self.rows(
            """SELECT s.id, s.status, s.message,
                      (SELECT count(*) FROM quizzes_partverdict v WHERE v.submission_id = s.id),
                      jsonb_array_length(p.snapshot::jsonb -> 'parts')
               FROM quizzes_submission s JOIN quizzes_problem p ON p.id = s.problem_id
               WHERE s.id = ANY(%s)""",
            ids,
        ):
            if status == "failed":
                assert message and verdicts == 0, (sid, message, verdicts)
            else:
                assert status == "graded" and verdicts == parts, (sid, status, verdicts, parts)
        for user_id, topic_id, attempts, graded in self.rows(
            """SELECT t.user_id, t.topic_id, t.attempts,
                      (SELECT count(*) FROM quizzes_submission s
                       JOIN quizzes_problem p ON p.id = s.problem_id
                       WHERE s.user_id = t.user_id AND p.topic_id = t.topic_id
                         AND s.status = 'graded')
               FROM quizzes_learnertopicstate t
               WHERE t.user_id IN (SELECT user_id FROM quizzes_submission WHERE id = ANY(%s))""",
            ids,
        ):
            assert attempts == graded, (user_id, topic_id, attempts, graded)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A private cluster with one migrated, synced database kept as a template for each test."""
    for tool in (INITDB, PG_CTL, REDIS_SERVER):
        if not tool.exists():
            missing(f"{tool} is not installed")
    directory = Path(tempfile.mkdtemp(prefix="gradient-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = PostgresCluster(directory)
    try:
        cluster.init()
        cluster.start()
        cluster.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": cluster.url(TEMPLATE_DATABASE),
        }
        for command in (["migrate", "-v0"], ["sync_content"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                           check=True, capture_output=True)  # fmt: skip
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cache_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """The request limiter's cache, apart from the broker: with it on the broker's Redis, a
    broker outage fails every rate-limited request before a submission can be stored."""
    directory = tmp_path / "cache"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def platform(
    postgres_cluster: PostgresCluster,
    redis_server: RedisServer,
    cache_redis: RedisServer,
    tmp_path: Path,
) -> Iterator[Platform]:
    """A fresh database (copied from the template) with the web server and beat running; each
    test starts its own workers."""
    database = f"faults_{time.monotonic_ns()}"
    postgres_cluster.execute(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE_DATABASE}")
    stack = Platform(postgres_cluster, database, redis_server, tmp_path)
    stack.env["CACHE_REDIS_URL"] = cache_redis.url
    try:
        stack.start_web()
        stack.start_beat()
        yield stack
    finally:
        stack.stop_all()
        postgres_cluster.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
