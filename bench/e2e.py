"""End-to-end benchmark: PostgreSQL + Redis + gunicorn (2 workers) + one Celery worker
(concurrency 2), all on this machine, with simulated students over HTTP keep-alive.

Every student registers first (outside the measured window: sign-up hashes a password on
purpose slowly), then loops: next problem → submit (the right answer 70% of the time, read from
the database) → read the submission with `?wait=10`, which returns as soon as it is graded →
optionally a reading pause (`--think MIN MAX`). A no-op endpoint (`GET /api/v1/health`) is
timed in the same run as the baseline. Prints a table; stops everything it started; never gates CI.

    .venv/bin/python bench/e2e.py [--students 20] [--seconds 30] [--think 1 3] [--port 8765]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://root@127.0.0.1:5432/postgres")
PG_BENCH_DB = "gradient_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WAIT_SECONDS = 10
BENCH_DATABASE_URL = f"postgres://root@127.0.0.1:5432/{PG_BENCH_DB}"
# Share of problems a simulated student answers right.
RIGHT_SHARE = 0.7
# Seconds a student spends reading the next problem, drawn per problem (0, 0: back to back).
THINK_SECONDS = (1.0, 3.0)


@dataclass
class Samples:
    next_ms: list[float] = field(default_factory=list)
    noop_ms: list[float] = field(default_factory=list)
    graded_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: float) -> None:
        with self.lock:
            getattr(self, name).append(value)

    def count(self, status: str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


class Client:
    """One keep-alive HTTP connection with a token."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = json.dumps(body) if body is not None else None
        for attempt in range(2):
            try:
                self.connection.request(method, path, payload, headers)
                response = self.connection.getresponse()
                return response.status, json.loads(response.read() or b"null")
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def timed(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        started = time.perf_counter()
        status, data = self.call(method, path, body)
        return status, data, (time.perf_counter() - started) * 1000


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def wait_for(predicate: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def process_tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and all of its descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def queues_drained() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    return client.llen("default") == 0 and client.llen("grading") == 0


def server_up(port: int) -> bool:
    try:
        return Client(port).call("GET", "/api/v1/health")[0] == 200
    except OSError:
        return False


def register(port: int, index: int, samples: Samples) -> Client | None:
    """A new student's keep-alive connection with its token (sign-up hashes a password on
    purpose slowly, so it happens before the measured window)."""
    client = Client(port)
    name = f"bench-{index}-{secrets.token_hex(3)}"
    status, body = client.call(
        "POST", "/api/v1/auth/register", {"username": name, "password": "bench-pass-phrase-9"}
    )
    if status != 201:
        samples.errors.append(f"register {status}: {body}")
        return None
    client.token = body["token"]
    return client


def student_loop(port: int, stop_at: float, samples: Samples, client: Client | None) -> None:
    if client is None:
        return
    import psycopg

    answers_db = psycopg.connect(BENCH_DATABASE_URL, autocommit=True)
    if THINK_SECONDS[1] > 0:
        # Students with reading time do not all arrive in the same instant.
        time.sleep(random.uniform(0, THINK_SECONDS[1]))
    while time.monotonic() < stop_at:
        status, _, noop_ms = client.timed("GET", "/api/v1/health")
        samples.add("noop_ms", noop_ms)
        status, problem, next_ms = client.timed("POST", "/api/v1/practice/next", {})
        if status != 200:
            samples.errors.append(f"next {status}: {problem}")
            continue
        samples.add("next_ms", next_ms)
        # The simulated student knows the answer (read from the database, so that knowing it
        # costs the server under test nothing) and gives it RIGHT_SHARE of the time; otherwise
        # a wrong one, which the grader answers with feedback.
        parts = answers_db.execute(
            "SELECT part->>'key', part->>'answer' FROM quizzes_problem, "
            "jsonb_array_elements(snapshot->'parts') AS part WHERE id = %s",
            [problem["id"]],
        ).fetchall()
        right = random.random() < RIGHT_SHARE
        answers = {
            key: (answer if right or "=" in answer or "{" in answer else f"2*({answer})")
            for key, answer in parts
        }
        started = time.perf_counter()
        status, accepted = client.call(
            "POST", f"/api/v1/problems/{problem['id']}/submissions", {"answers": answers}
        )
        if status != 202:
            samples.errors.append(f"submit {status}: {accepted}")
            continue
        while True:
            # A waiting read returns the moment the worker announces the verdict.
            status, submission = client.call(
                "GET", f"/api/v1/submissions/{accepted['id']}?wait={WAIT_SECONDS}"
            )
            if submission["status"] not in ("pending", "grading"):
                break
            if time.perf_counter() - started > 30:
                samples.errors.append(f"submission {accepted['id']} not graded in 30 s")
                break
        samples.add("graded_ms", (time.perf_counter() - started) * 1000)
        samples.count(submission["status"])
        if THINK_SECONDS[1] > 0:
            time.sleep(random.uniform(*THINK_SECONDS))


def run_group(port: int, seconds: float, indices: list[int], ready: Any, go: Any, out: Any) -> None:
    """One client process: registers its students, waits for the start, then runs them as
    threads; sends its samples back to the parent."""
    samples = Samples()
    clients = [register(port, i, samples) for i in indices]
    ready.release()
    go.wait()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=student_loop, args=(port, stop_at, samples, client))
        for client in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(
        {
            "next_ms": samples.next_ms,
            "noop_ms": samples.noop_ms,
            "graded_ms": samples.graded_ms,
            "statuses": samples.statuses,
            "errors": samples.errors,
        }
    )


def run_students(
    port: int,
    seconds: float,
    students: int,
    processes: int,
    on_start: Any,
) -> Samples:
    """Students spread over a few client processes, so that the clients' own interpreter lock
    does not add to the latencies they measure. All register first; `on_start()` runs when
    every one is signed up, just before they all start practising."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    ready = context.Semaphore(0)
    go = context.Event()
    groups = [list(range(students))[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=run_group, args=(port, seconds, group, ready, go, out))
        for group in groups
        if group
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    on_start()
    go.set()
    merged = Samples()
    for _ in workers:
        part = out.get()
        merged.next_ms += part["next_ms"]
        merged.noop_ms += part["noop_ms"]
        merged.graded_ms += part["graded_ms"]
        merged.errors += part["errors"]
        for status, count in part["statuses"].items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    for worker in workers:
        worker.join()
    return merged


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(samples: Samples, seconds: float, students: int) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    think = (
        "back to back"
        if THINK_SECONDS[1] <= 0
        else f"reading {THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s"
    )
    print(
        f"\n{students} students ({think}), {seconds:.0f} s measured; "
        f"load average at the end: {load}\n"
    )
    print(f"{'metric':<26}{'n':>7}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for label, values in (
        ("no-op GET /health", samples.noop_ms),
        ("next problem", samples.next_ms),
        ("submit -> graded", samples.graded_ms),
    ):
        if values:
            print(
                f"{label:<26}{len(values):>7}{percentile(values, 0.5):>10.1f}"
                f"{percentile(values, 0.9):>10.1f}{percentile(values, 0.99):>10.1f}"
                f"{max(values):>10.1f}"
            )
    if samples.noop_ms and samples.next_ms:
        ratio = statistics.median(samples.next_ms) / statistics.median(samples.noop_ms)
        print(f"\nnext problem p50 / no-op p50: {ratio:.2f}x (target <= 5x)")
    graded = samples.statuses.get("graded", 0)
    print(f"graded submissions per second: {graded / seconds:.1f}")
    print(f"final statuses: {samples.statuses}")
    if samples.errors:
        print(f"errors ({len(samples.errors)}): {samples.errors[:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds a student reads each problem before the next request "
        "(default: 1-3; `--think 0 0` runs the students back to back, a saturation test)",
    )
    args = parser.parse_args()
    global THINK_SECONDS
    THINK_SECONDS = (min(args.think), max(args.think))

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://root@127.0.0.1:5432/{PG_BENCH_DB}",
        "REDIS_URL": REDIS_URL,
        # As deployed: DEBUG off (no query log), plain HTTP on the loopback.
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + secrets.token_hex(24),
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # The benchmark measures the pipeline at full speed, not the per-user rate limits.
        "REGISTER_THROTTLE": "100000/hour",
        "LOGIN_THROTTLE": "100000/minute",
        "SUBMIT_THROTTLE": "100000/minute",
        "PREVIEW_THROTTLE": "100000/minute",
        "MAX_ATTEMPTS_PER_PROBLEM": "1000",
    }
    prepare_database()
    flush_redis()
    manage(env, "migrate", "--noinput")
    manage(env, "sync_content")

    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py",
                    "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
                    "--workers", "2", "--access-logfile", "/dev/null", "--log-level", "warning",
                ],
                cwd=ROOT, env=env,
            )
        )  # fmt: skip
        worker_log = Path(tempfile.gettempdir()) / f"gradient-e2e-worker-{os.getpid()}.log"
        with worker_log.open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [
                        str(VENV_BIN / "celery"), "-A", "config", "worker",
                        "-Q", "grading,default", "--concurrency", "2", "--pool", "prefork",
                        "--without-gossip", "--without-mingle", "--without-heartbeat",
                        "-l", "info",
                    ],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        wait_for(lambda: server_up(args.port), "gunicorn")
        wait_for(lambda: b"ready." in worker_log.read_bytes(), "the celery worker")
        # sync_content queued a full pool of prepared variants per template; let the worker
        # finish that before measuring (a deployment does it once, after each sync).
        wait_for(queues_drained, "the variant pools to fill", seconds=300)

        # Warm-up: every student once, so process start-up and first imports are not measured.
        warm = Samples()
        student_loop(args.port, time.monotonic() + 3, warm, register(args.port, -1, warm))

        marks: dict[str, Any] = {}

        def start_clock() -> None:
            marks["started"] = time.monotonic()
            marks["cpu"] = [process_tree_cpu_seconds(p.pid) for p in processes]

        samples = run_students(args.port, args.seconds, args.students, args.processes, start_clock)
        started, cpu_before = marks["started"], marks["cpu"]
        cpu_used = [
            process_tree_cpu_seconds(p.pid) - before
            for p, before in zip(processes, cpu_before, strict=True)
        ]
        elapsed = time.monotonic() - started
        report(samples, elapsed, args.students)
        print(
            f"CPU used in the measured window: web {cpu_used[0]:.1f} s, worker {cpu_used[1]:.1f} s "
            f"(of {elapsed * (os.cpu_count() or 1):.0f} core-seconds on this machine)"
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep_database:
            drop_database()
        flush_redis()


if __name__ == "__main__":
    main()
