"""Quiz autosave benchmark: PostgreSQL + gunicorn (2 workers) on this machine, over HTTP
keep-alive with token auth.

1. Round trip: one student saves an answer N times in a row; the no-op `GET /api/v1/health` is
   timed the same way in the same run as the baseline.
2. Load: S students each save every second for T seconds, in their own threads, alternating
   between two questions with a growing sequence. Afterwards every student's attempt is read
   back and each question's saved text is compared with the last text sent for it: a
   difference is a lost write.

Prints a table; stops everything it started; never gates CI.

    .venv/bin/python bench/autosave.py [--students 50] [--seconds 20] [--saves 300] [--port 8766]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://root@127.0.0.1:5432/postgres")
PG_BENCH_DB = "gradient_autosave_bench"
PASSWORD = secrets.token_urlsafe(16)


class Client:
    """One keep-alive HTTP connection with a token."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = json.dumps(body) if body is not None else None
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, payload, headers)
                response = self.connection.getresponse()
                data = json.loads(response.read() or b"null")
                return response.status, data, (time.perf_counter() - started) * 1000
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")


@dataclass
class Student:
    client: Client
    attempt: int
    parts: dict[int, list[str]]
    last_sent: dict[int, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout


def recreate_database(drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


def server_up(port: int) -> bool:
    try:
        status, _, _ = Client(port).call("GET", "/api/v1/health")
    except OSError:
        return False
    return status == 200


def wait_for(predicate: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def create_quiz(port: int, staff_token: str) -> int:
    staff = Client(port, staff_token)
    _, topics, _ = staff.call("GET", "/api/v1/topics")
    now = datetime.now(UTC)
    body = {
        "title": "Autosave benchmark",
        "pool": [{"topic": topics[0]["slug"], "count": 2}],
        "question_count": 2,
        "time_limit_seconds": 3600,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=2)).isoformat(),
        "shuffle_questions": False,
    }
    status, quiz, _ = staff.call("POST", "/api/v1/quizzes", body)
    if status != 201:
        raise SystemExit(f"could not create the quiz: {status} {quiz}")
    return int(quiz["id"])


def enrol(port: int, quiz_id: int, index: int) -> Student:
    status, body, _ = Client(port).call(
        "POST", "/api/v1/auth/register", {"username": f"saver{index}", "password": PASSWORD}
    )
    if status != 201:
        raise SystemExit(f"could not register a student: {status} {body}")
    client = Client(port, body["token"])
    status, attempt, _ = client.call("POST", f"/api/v1/quizzes/{quiz_id}/attempts")
    if status != 201:
        raise SystemExit(f"could not start an attempt: {status} {attempt}")
    parts = {q["position"]: [p["key"] for p in q["parts"]] for q in attempt["questions"]}
    return Student(client=client, attempt=int(attempt["id"]), parts=parts)


def save(student: Student, position: int, text: str, sequence: int) -> tuple[int, float]:
    answers = dict.fromkeys(student.parts[position], text)
    path = f"/api/v1/quizzes/attempts/{student.attempt}/questions/{position}/answers"
    status, body, ms = student.client.call("PUT", path, {"answers": answers, "sequence": sequence})
    if status != 200 or not body.get("saved"):
        student.failures.append(f"{status} {body}")
    return status, ms


def round_trip(student: Student, port: int, count: int) -> tuple[list[float], list[float]]:
    noop = Client(port, student.client.token)
    saves: list[float] = []
    noops: list[float] = []
    for n in range(count):
        _, ms = save(student, 1, f"{n}*x^2 + 1", sequence=n + 1)
        saves.append(ms)
        noops.append(noop.call("GET", "/api/v1/health")[2])
    return saves, noops


def typing_loop(student: Student, stop_at: float, offset: float) -> None:
    time.sleep(offset)
    n = 0
    next_at = time.monotonic()
    while time.monotonic() < stop_at:
        n += 1
        position = 1 + n % 2
        text = f"{n}*x + {student.attempt}"
        # The sequence grows with wall time, as the page's does (ms since the epoch).
        _, ms = save(student, position, text, sequence=time.time_ns() // 1_000_000)
        student.last_sent[position] = text
        student.latencies.append(ms)
        next_at += 1.0
        time.sleep(max(0.0, next_at - time.monotonic()))


def lost_writes(student: Student) -> int:
    status, attempt, _ = student.client.call("GET", f"/api/v1/quizzes/attempts/{student.attempt}")
    if status != 200:
        return len(student.last_sent)
    saved = {q["position"]: q["answers"] for q in attempt["questions"]}
    lost = 0
    for position, text in student.last_sent.items():
        if any(saved[position].get(key) != text for key in student.parts[position]):
            lost += 1
    return lost


def report(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--saves", type=int, default=300, help="saves in the round-trip run")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://root@127.0.0.1:5432/{PG_BENCH_DB}",
        "REDIS_URL": "",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "REGISTER_THROTTLE": "100000/hour",
    }
    recreate_database()
    manage(env, "migrate", "--noinput")
    manage(env, "sync_content")
    demo = manage(env, "create_demo_accounts")
    line = next(line for line in demo.splitlines() if "username: instructor" in line)
    instructor_password = line.split("password:")[1].strip()

    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"), "config.wsgi:application",
            "--bind", f"127.0.0.1:{args.port}", "--workers", "2",
            "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30",
            "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for(lambda: server_up(args.port), "gunicorn")
        _, body, _ = Client(args.port).call(
            "POST",
            "/api/v1/auth/token",
            {"username": "instructor", "password": instructor_password},
        )
        quiz_id = create_quiz(args.port, body["token"])
        students = [enrol(args.port, quiz_id, index) for index in range(args.students)]

        round_trip(students[0], args.port, 20)  # warm-up: first imports, connections
        saves, noops = round_trip(students[0], args.port, args.saves)
        students[0].failures.clear()

        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=typing_loop, args=(student, stop_at, index / len(students)), daemon=True
            )
            for index, student in enumerate(students)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        under_load = [ms for student in students for ms in student.latencies]
        failures = [f for student in students for f in student.failures]
        lost = sum(lost_writes(student) for student in students)
        checked = sum(len(student.last_sent) for student in students)

        report(
            [
                (f"round trip: autosave p50 (ms, {args.saves} saves)", f"{statistics.median(saves):.1f}"),
                ("round trip: autosave p90 (ms)", f"{percentile(saves, 0.9):.1f}"),
                ("round trip: no-op GET /api/v1/health p50 (ms)", f"{statistics.median(noops):.1f}"),
                ("autosave p50 / no-op p50", f"{statistics.median(saves) / statistics.median(noops):.2f}"),
                (f"load: students saving every second for {args.seconds:.0f} s", str(args.students)),
                ("load: saves sent", str(len(under_load))),
                ("load: autosave p50 / p90 / p99 (ms)", (
                    f"{statistics.median(under_load):.1f} / {percentile(under_load, 0.9):.1f}"
                    f" / {percentile(under_load, 0.99):.1f}"
                )),
                ("load: saves refused or failed", str(len(failures))),
                ("load: questions checked (last sent vs saved)", str(checked)),
                ("load: writes lost", str(lost)),
            ]
        )  # fmt: skip
        for failure in failures[:5]:
            print("failure:", failure)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        recreate_database(drop_only=True)


if __name__ == "__main__":
    main()
