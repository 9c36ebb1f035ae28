"""Dashboard benchmark: the class heatmap for 1,000 students × 30 topics on PostgreSQL.

Seeds a dedicated database (students, topics, learner state, a few graded submissions), then
times the heatmap page server-side through Django's test client (full request: session, access
check, queries, template), its CSV download of the whole class, and the grid read one student at
a time (the naive baseline, same run). Shows the query count for 100 and for 1,000 students.
Prints a table; drops the database it made; never gates CI.

    .venv/bin/python bench/dashboard.py [--students 1000] [--topics 30] [--repeats 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://root@127.0.0.1:5432/postgres")
PG_BENCH_DB = "gradient_dashboard_bench"
SUBMISSIONS_PER_STUDENT = 3
TEMPLATES_PER_TOPIC = 2
WRONG_TEXTS = ("2x", "2*x", "x*2", "x^2", "2 x + 0", "x+x", "3x")


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{PG_BENCH_DB}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_topics(count: int) -> list[Any]:
    from quizzes.models import ProblemTemplate, TemplateVersion, Topic

    topics = Topic.objects.bulk_create(
        Topic(slug=f"topic-{i:02d}", title=f"Topic {i:02d}", area="calculus", position=i)
        for i in range(count)
    )
    templates = ProblemTemplate.objects.bulk_create(
        ProblemTemplate(key=f"bench-{t.slug}-{j}", title=f"{t.title} item {j}", topic=t)
        for t in topics
        for j in range(TEMPLATES_PER_TOPIC)
    )
    versions = TemplateVersion.objects.bulk_create(
        TemplateVersion(template=t, number=1, source_text="", source_hash=t.key) for t in templates
    )
    return list(zip(templates, versions, strict=True))


def seed_students(
    start: int, count: int, topics: list[Any], templates: list[Any], rng: random.Random
) -> None:
    """`count` students with state in most topics and a few graded answers each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from quizzes.models import LearnerTopicState, PartVerdict, Problem, Submission

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"student{i:05d}", password=make_password(None))
        for i in range(start, start + count)
    )
    students = Group.objects.get(name="students")
    membership = get_user_model().groups.through
    membership.objects.bulk_create(membership(user_id=u.pk, group_id=students.pk) for u in users)
    LearnerTopicState.objects.bulk_create(
        (
            LearnerTopicState(
                user=u,
                topic=t,
                mastery=rng.random(),
                attempts=rng.randint(1, 20),
                correct=rng.randint(0, 10),
            )
            for u in users
            for t in topics
            if rng.random() < 0.8
        ),
        batch_size=5000,
    )
    snapshot = {"parts": [{"key": "a", "kind": "expression", "options": {"variables": ["x"]}}]}
    problems = Problem.objects.bulk_create(
        (
            Problem(
                user=u,
                template=template,
                template_version=version,
                topic_id=template.topic_id,
                seed=rng.getrandbits(40),
                snapshot=snapshot,
            )
            for u in users
            for template, version in rng.sample(templates, SUBMISSIONS_PER_STUDENT)
        ),
        batch_size=5000,
    )
    submissions = []
    for problem in problems:
        correct = rng.random() < 0.6
        submissions.append(
            Submission(
                problem=problem,
                user_id=problem.user_id,
                answers={"a": "2*x" if correct else rng.choice(WRONG_TEXTS)},
                status=Submission.Status.GRADED,
                attempt_number=1,
                score=1.0 if correct else 0.0,
                correct=correct,
            )
        )
    Submission.objects.bulk_create(submissions, batch_size=5000)
    PartVerdict.objects.bulk_create(
        (
            PartVerdict(submission=s, key="a", status="graded", correct=bool(s.correct))
            for s in submissions
        ),
        batch_size=5000,
    )


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum keeps them on a live database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(action: Callable[[], Any], repeats: int) -> list[float]:
    action()  # warm: templates compiled, connection open
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def count_queries(action: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--topics", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)

    prepare_database()
    try:
        setup_django()
        run(args, rng)
    finally:
        if not args.keep_database:
            drop_database()


def run(args: argparse.Namespace, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.template.loader import render_to_string
    from django.test import Client

    from quizzes import analytics
    from quizzes.analytics_views import heatmap_rows_html
    from quizzes.models import Topic

    pairs = seed_topics(args.topics)
    topics = list(Topic.objects.all())
    admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    sorted_page = f"/analytics/?sort={topics[len(topics) // 2].slug}&dir=desc"

    def page() -> None:
        response = client.get(sorted_page)
        assert response.status_code == 200, response.status_code

    def download() -> None:
        response = client.get("/analytics/?format=csv")
        assert response.status_code == 200
        b"".join(response.streaming_content)

    def naive() -> None:
        analytics.naive_class_heatmap(viewer=admin)

    def whole_class_page() -> None:
        heatmap = analytics.class_heatmap(viewer=admin, page_size=args.students)
        context = {"heatmap": heatmap, "rows": heatmap_rows_html(heatmap), "user": admin}
        render_to_string("quizzes/analytics/heatmap.html", context)

    small = min(100, args.students)
    seed_students(0, small, topics, pairs, rng)
    analyze()
    queries_small = (count_queries(page), count_queries(download), count_queries(naive))
    seed_students(small, args.students - small, topics, pairs, rng)
    analyze()
    queries_large = (count_queries(page), count_queries(download), count_queries(naive))
    template_url = f"/analytics/templates/{pairs[0][0].key}"

    rows = [
        ("heatmap page (100 rows, sorted by a topic)", timed(page, args.repeats), 0),
        ("heatmap CSV, whole class", timed(download, max(5, args.repeats // 3)), 1),
        ("whole class on one page (read + render)", timed(whole_class_page, 5), None),
        ("naive per-student loop (baseline)", timed(naive, 3), 2),
        ("per-template page", timed(lambda: client.get(template_url), 10), None),
    ]
    baseline = statistics.median(rows[3][1])
    print(f"\nClass heatmap: {args.students} students × {args.topics} topics (PostgreSQL)\n")
    print(f"| {'what':<44} | p50 ms | p95 ms | vs naive | queries {small} → {args.students} |")
    print(f"|{'-' * 46}|-------:|-------:|---------:|{'-' * (16 + len(str(args.students)))}:|")
    for name, samples, query_index in rows:
        p50 = statistics.median(samples)
        p95 = sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]
        queries = (
            f"{queries_small[query_index]} → {queries_large[query_index]}"
            if query_index is not None
            else "—"
        )
        print(
            f"| {name:<44} | {p50:6.1f} | {p95:6.1f} | {baseline / p50:7.1f}× | "
            f"{queries:>{14 + len(str(args.students))}} |"
        )
    target = statistics.median(rows[0][1])
    print(
        f"\nheatmap page p50 {target:.1f} ms (target ≤ 300 ms): {'met' if target <= 300 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
