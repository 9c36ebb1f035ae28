"""Load benchmark: simulated students practising against gunicorn + 2 Celery workers + beat +
Redis + PostgreSQL, all on this machine, over HTTP keep-alive.

Each student (account and token made before the measured window) loops: next problem → think →
submit → read the submission with `?wait=10` until graded (as the practice page does) → think,
looking at their progress now and then. Prints requests/s, p50/p99 per endpoint, submissions sent
vs stored vs graded, the number of 5xx, and submit → graded latency measured by the database
(`graded_at - created_at`). Uses its own PostgreSQL database and Redis database; stops everything
it started. Not a test: it never gates CI.

    .venv/bin/python bench/load.py [--students 200] [--seconds 60] [--think 5 15]
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
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("LOAD_PG_ADMIN_URL", "postgres://root@127.0.0.1:5432/postgres")
PG_DATABASE = "gradient_load"
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
POLL_SECONDS = 0.25
WAIT_SECONDS = 10
DRAIN_SECONDS = 60


@dataclass
class Tally:
    """What one client process saw: latencies per endpoint, status codes, submission ids."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    client_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    other_errors: list[str] = field(default_factory=list)
    submissions_sent: int = 0
    accepted_ids: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_dict(self) -> dict[str, Any]:
        return {
            "latencies": dict(self.latencies),
            "server_errors": dict(self.server_errors),
            "client_errors": dict(self.client_errors),
            "other_errors": self.other_errors,
            "submissions_sent": self.submissions_sent,
            "accepted_ids": self.accepted_ids,
        }


class Student:
    """One keep-alive connection and a token; every call is timed under its endpoint name."""

    def __init__(self, port: int, tally: Tally) -> None:
        self.port = port
        self.tally = tally
        self.token = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, endpoint: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, f"/api/v1/{path}", payload, headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            with self.tally.lock:
                self.tally.other_errors.append(f"{endpoint}: {exc!r}")
            return 0, None
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.tally.lock:
            self.tally.latencies[endpoint].append(elapsed_ms)
            if response.status >= 500:
                self.tally.server_errors[endpoint] += 1
            elif response.status >= 400:
                self.tally.client_errors[endpoint] += 1
        try:
            return response.status, json.loads(raw or b"null")
        except json.JSONDecodeError:
            return response.status, None


_answers_lock = threading.Lock()
_answers_db: list[Any] = []


def right_answers(problem_id: int) -> dict[str, str]:
    """The problem's answers, read from the database by the simulated student (one connection
    per client process, shared by its students), so that knowing the answer costs the server
    under test almost nothing."""
    import psycopg

    with _answers_lock:
        if not _answers_db:
            _answers_db.append(psycopg.connect(database_url(), autocommit=True))
        rows = (
            _answers_db[0]
            .execute(
                "SELECT part->>'key', part->>'answer' FROM quizzes_problem, "
                "jsonb_array_elements(snapshot->'parts') AS part WHERE id = %s",
                (problem_id,),
            )
            .fetchall()
        )
    return dict(rows)


def practise(
    port: int, token: str, stop_at: float, think: tuple[float, float], tally: Tally
) -> None:
    student = Student(port, tally)
    rng = random.Random()
    student.token = token
    # Students arrive over the first seconds rather than all in the same instant.
    time.sleep(rng.uniform(0, think[0]))
    while time.monotonic() < stop_at:
        status, problem = student.call("practice/next", "POST", "practice/next", {})
        if status != 200:
            time.sleep(1)
            continue
        answers = right_answers(problem["id"])
        if rng.random() < 0.3:
            # A wrong (but readable) answer to some part, as real students give.
            key = rng.choice(sorted(answers))
            if "=" not in answers[key] and "{" not in answers[key]:
                answers[key] = f"2*({answers[key]})"
        time.sleep(rng.uniform(*think))
        if time.monotonic() >= stop_at:
            break
        with tally.lock:
            tally.submissions_sent += 1
        status, accepted = student.call(
            "submit", "POST", f"problems/{problem['id']}/submissions", {"answers": answers}
        )
        if status == 202:
            with tally.lock:
                tally.accepted_ids.append(int(accepted["id"]))
            while time.monotonic() < stop_at + DRAIN_SECONDS:
                # As the practice page does: a read that returns when the verdict is stored.
                status, seen = student.call(
                    "submission (wait)", "GET", f"submissions/{accepted['id']}?wait={WAIT_SECONDS}"
                )
                if status == 200 and seen["status"] not in ("pending", "grading"):
                    break
                if status != 200:
                    time.sleep(POLL_SECONDS)
        elif status not in (400, 429):
            tally.other_errors.append(f"submit {status}: {accepted}")
        if rng.random() < 0.25:
            student.call("progress", "GET", "progress")
        time.sleep(rng.uniform(think[0] / 2, think[1] / 2))


def client_process(
    port: int, stop_at: float, think: tuple[float, float], tokens: list[str], out: Any
) -> None:
    tally = Tally()
    threads = [
        threading.Thread(target=practise, args=(port, token, stop_at, think, tally), daemon=True)
        for token in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + DRAIN_SECONDS + 30)
    with tally.lock:
        out.put(tally.as_dict())


# Accounts are made before the measured window, with unusable passwords (students use tokens):
# sign-up hashes a password with PBKDF2 on purpose, and 200 of them at once would measure that.
CREATE_STUDENTS = """
import json, sys
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from quizzes.permissions import STUDENTS
from quizzes.services.accounts import issue_token
group = Group.objects.get(name=STUDENTS)
tokens = []
for index in range(int(sys.argv[-1])):
    user = get_user_model()(username=f"load-{index}")
    user.set_unusable_password()
    user.save()
    user.groups.add(group)
    tokens.append(issue_token(user=user))
print(json.dumps(tokens))
"""


def create_students(env: dict[str, str], count: int) -> list[str]:
    script = Path(tempfile.mkdtemp(prefix="gradient-load-")) / "students.py"
    script.write_text(CREATE_STUDENTS)
    result = subprocess.run(
        [sys.executable, "-c", "import django, runpy, sys; django.setup(); "
         f"runpy.run_path({str(script)!r}, run_name='__main__')", str(count)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def database_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def admin_execute(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)


def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as connection:
        return list(connection.execute(sql, params).fetchall())


def wait_for(predicate: Any, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def web_up(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/api/v1/health")
        return connection.getresponse().status == 200
    except OSError:
        return False


def queues_empty() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    return client.llen("grading") == 0 and client.llen("default") == 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_by_part(processes: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """User + system CPU seconds so far: the web server and the workers (with their children),
    and every PostgreSQL process on the machine (Linux /proc)."""
    from bench.e2e import process_tree_cpu_seconds

    ticks = os.sysconf("SC_CLK_TCK")
    database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().split(")", 1)
        except OSError:
            continue
        if name.endswith("(postgres"):
            fields = rest.split()
            database += (int(fields[11]) + int(fields[12])) / ticks
    web, *workers = (process_tree_cpu_seconds(p.pid) for p in processes[:3])
    return {"web": web, "workers": sum(workers), "postgres": database}


def report(tallies: list[dict[str, Any]], elapsed: float, students: int) -> None:
    latencies: dict[str, list[float]] = defaultdict(list)
    server_errors: dict[str, int] = defaultdict(int)
    client_errors: dict[str, int] = defaultdict(int)
    other_errors: list[str] = []
    sent = 0
    accepted: list[int] = []
    for tally in tallies:
        for endpoint, values in tally["latencies"].items():
            latencies[endpoint] += values
        for endpoint, count in tally["server_errors"].items():
            server_errors[endpoint] += count
        for endpoint, count in tally["client_errors"].items():
            client_errors[endpoint] += count
        other_errors += tally["other_errors"]
        sent += tally["submissions_sent"]
        accepted += tally["accepted_ids"]

    requests = sum(len(values) for values in latencies.values())
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n{students} students, {elapsed:.0f} s; load average at the end: {load}")
    print(f"requests: {requests} ({requests / elapsed:.1f}/s)\n")
    print(f"{'endpoint':<22}{'n':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'4xx':>6}{'5xx':>6}")
    for endpoint in sorted(latencies):
        values = latencies[endpoint]
        print(
            f"{endpoint:<22}{len(values):>7}{percentile(values, 0.5):>10.1f}"
            f"{percentile(values, 0.99):>10.1f}{max(values):>10.1f}"
            f"{client_errors[endpoint]:>6}{server_errors[endpoint]:>6}"
        )

    rows = query(
        """SELECT status, EXTRACT(EPOCH FROM graded_at - created_at) * 1000
           FROM quizzes_submission WHERE user_id IN
             (SELECT id FROM auth_user WHERE username LIKE 'load-%%')"""
    )
    statuses: dict[str, int] = defaultdict(int)
    for status, _ in rows:
        statuses[status] += 1
    graded_ms = [float(ms) for status, ms in rows if status == "graded" and ms is not None]
    print(f"\nsubmissions sent {sent}, accepted (202) {len(accepted)}, stored {len(rows)}, "
          f"graded {statuses['graded']}; by status {dict(statuses)}")  # fmt: skip
    lost = len(set(accepted) - {pk for (pk,) in query(
        "SELECT id FROM quizzes_submission WHERE id = ANY(%s)", accepted)})  # fmt: skip
    print(f"lost (accepted but not stored): {lost}")
    if graded_ms:
        print(
            f"submit -> graded (database clock): p50 {percentile(graded_ms, 0.5):.0f} ms, "
            f"p99 {percentile(graded_ms, 0.99):.0f} ms, max {max(graded_ms):.0f} ms"
        )
    print(f"5xx responses: {sum(server_errors.values())}")
    if other_errors:
        print(f"other errors ({len(other_errors)}): {other_errors[:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(5.0, 15.0),
        metavar=("MIN", "MAX"),
        help="seconds a student works on a problem before submitting (default 5-15; half "
        "as long again after the verdict)",
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    args = parser.parse_args()

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(32),
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # Every simulated student comes from 127.0.0.1: the per-address sign-up limit would
        # otherwise stop all but the first few.
        "REGISTER_THROTTLE": "100000/hour",
    }
    admin_execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{PG_DATABASE}"')
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    for command in (["migrate", "--noinput", "-v0"], ["sync_content"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip

    logs = Path(tempfile.mkdtemp(prefix="gradient-load-"))
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
                "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}", "--workers", "2",
                "--access-logfile", "/dev/null", "--log-level", "warning"],
        "worker1": [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", "load1@%h",
                    "-Q", "grading,default", "--concurrency", "1", "--without-gossip",
                    "--without-mingle", "--without-heartbeat", "-l", "warning"],
        "worker2": [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", "load2@%h",
                    "-Q", "grading,default", "--concurrency", "1", "--without-gossip",
                    "--without-mingle", "--without-heartbeat", "-l", "warning"],
        "beat": [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "warning",
                 "-s", str(logs / "beat-schedule"), "--pidfile", str(logs / "beat.pid")],
    }  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            with (logs / f"{name}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
                )  # fmt: skip
        wait_for(lambda: web_up(args.port), "gunicorn", 90)
        # sync_content queued the variant pools; measure the steady state, not the first fill.
        wait_for(queues_empty, "the variant pools to fill", 600)

        context = multiprocessing.get_context("fork")
        out = context.Queue()
        tokens = create_students(env, args.students)
        groups = [tokens[i :: args.processes] for i in range(args.processes)]
        started = time.monotonic()
        cpu_before = cpu_by_part(processes)
        stop_at = started + args.seconds
        clients = [
            context.Process(
                target=client_process, args=(args.port, stop_at, args.think, group, out)
            )
            for group in groups
            if group
        ]
        for client in clients:
            client.start()
        tallies = [out.get() for _ in clients]
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
        cpu_used = {
            part: seconds - cpu_before.get(part, 0.0)
            for part, seconds in cpu_by_part(processes).items()
        }
        # Anything still pending has its chance: the workers and the sweeper keep running.
        wait_for(
            lambda: (
                not query(
                    "SELECT 1 FROM quizzes_submission WHERE status IN ('pending', 'grading') LIMIT 1"
                )
            ),
            "the last submissions to be graded",
            DRAIN_SECONDS,
        )
        report(tallies, elapsed, args.students)
        print(
            "CPU seconds in the measured window: "
            + ", ".join(f"{part} {seconds:.1f}" for part, seconds in cpu_used.items())
            + f" (of {elapsed * (os.cpu_count() or 1):.0f} core-seconds)"
        )
        print(f"logs: {logs}")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        admin_execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
