"""Every endpoint against every kind of caller. A student never reads another student's work,
and never reads a solution through the staff endpoint."""

import pytest

from quizzes.services.submissions import submit_answers
from tests.conftest import client_for, right_answers

pytestmark = pytest.mark.django_db

CALLERS = ("anonymous", "student_a", "student_b", "instructor", "admin")

# (method, path, body, expected status per caller in CALLERS order)
MATRIX = [
    ("get", "/api/v1/health", None, (200, 200, 200, 200, 200)),
    ("get", "/api/v1/topics", None, (401, 200, 200, 200, 200)),
    ("post", "/api/v1/practice/next", {}, (401, 200, 200, 200, 200)),
    ("get", "/api/v1/problems/{problem}", None, (401, 200, 404, 200, 200)),
    ("post", "/api/v1/problems/{problem}/hints", None, (401, 200, 404, 404, 404)),
    ("post", "/api/v1/problems/{problem}/another", None, (401, 201, 404, 404, 404)),
    ("get", "/api/v1/problems/{problem}/solution", None, (401, 403, 403, 200, 200)),
    ("post", "/api/v1/problems/{problem}/submissions", "answers", (401, 202, 404, 404, 404)),
    ("get", "/api/v1/submissions/{submission}", None, (401, 200, 404, 200, 200)),
    ("get", "/api/v1/progress", None, (401, 200, 200, 200, 200)),
    ("get", "/api/v1/attempts", None, (401, 200, 200, 200, 200)),
    ("post", "/api/v1/preview", {"kind": "number", "text": "1/2"}, (401, 200, 200, 200, 200)),
]


@pytest.fixture
def world(student_a, student_b, instructor, admin_user, make_problem):
    """Student A's problem with one submission (a second problem takes the new submissions)."""
    problem = make_problem(student_a)
    submission = submit_answers(
        user=student_a, problem=problem, answers=right_answers(problem)
    ).submission
    users = {
        "anonymous": None,
        "student_a": student_a,
        "student_b": student_b,
        "instructor": instructor,
        "admin": admin_user,
    }
    return {"problem": problem, "submission": submission, "users": users}


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[m[1] for m in MATRIX])
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_the_right_status(world, caller, method, path, body, expected):
    problem = world["problem"]
    url = path.format(problem=problem.pk, submission=world["submission"].pk)
    if body == "answers":
        body = {"answers": right_answers(problem)}
    client = client_for(world["users"][caller])
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected[CALLERS.index(caller)], response.content


def test_another_students_listings_never_include_alices_work(world):
    bob = client_for(world["users"]["student_b"])
    assert bob.get("/api/v1/attempts").json()["count"] == 0
    assert all(row["attempts"] == 0 for row in bob.get("/api/v1/progress").json()["topics"])


def keys_anywhere(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_anywhere(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_anywhere(inner)


def test_a_student_response_never_carries_the_answers_before_grading(world, make_problem):
    import json

    from quizzes.services.variants import variant_from_snapshot

    fresh = make_problem(world["users"]["student_a"])
    variant = variant_from_snapshot(fresh.snapshot)
    alice = client_for(world["users"]["student_a"])
    for response in (
        alice.post("/api/v1/practice/next", {}, format="json"),
        alice.get(f"/api/v1/problems/{fresh.pk}"),
        alice.post(f"/api/v1/problems/{fresh.pk}/hints"),
        alice.post(f"/api/v1/problems/{fresh.pk}/another"),
    ):
        body = response.json()
        assert not {"solution", "answer", "answer_latex", "options"} & set(keys_anywhere(body))
        assert json.dumps(variant.solution_html)[1:-1] not in json.dumps(body)
