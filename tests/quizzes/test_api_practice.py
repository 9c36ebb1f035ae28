"""The JSON API, contract 5: shapes and behaviour seen through HTTP."""

import pytest
from django.test import override_settings

from quizzes.models import Problem, Submission
from tests.conftest import right_answers, unparsable_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded_on_commit(client_a, django_capture_on_commit_callbacks):
    """Make client A's requests run grading the way the quickstart does: in-process, as soon as
    the request's transaction commits (the test's own transaction never does)."""
    post = client_a.post

    def post_then_run_callbacks(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client_a.post = post_then_run_callbacks
    return client_a


def test_register_returns_a_token_that_authenticates(anonymous_client, db):
    response = anonymous_client.post(
        "/api/v1/auth/register", {"username": "newbie", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 201
    token = response.json()["token"]
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous_client.get("/api/v1/progress").status_code == 200


def test_register_refuses_a_taken_name_and_a_weak_password(anonymous_client, student_a):
    taken = anonymous_client.post(
        "/api/v1/auth/register", {"username": "alice", "password": "a-long-pass-phrase"}
    )
    weak = anonymous_client.post("/api/v1/auth/register", {"username": "carol", "password": "123"})
    odd = anonymous_client.post(
        "/api/v1/auth/register", {"username": "<script>", "password": "a-long-pass-phrase"}
    )
    assert taken.status_code == 400 and "username" in taken.json()
    assert weak.status_code == 400 and "password" in weak.json()
    assert odd.status_code == 400 and "username" in odd.json()


def test_token_login_checks_the_password(anonymous_client, student_a):
    from tests.conftest import PASSWORD

    good = anonymous_client.post("/api/v1/auth/token", {"username": "alice", "password": PASSWORD})
    bad = anonymous_client.post("/api/v1/auth/token", {"username": "alice", "password": "nope"})
    assert good.status_code == 200 and good.json()["token"]
    assert bad.status_code == 401


def test_topics_list_slug_title_prerequisites_and_mastery(client_a, synced):
    topics = client_a.get("/api/v1/topics").json()
    assert [t["slug"] for t in topics] == list(synced.topics.slugs)
    for row in topics:
        assert {"slug", "title", "prerequisites", "mastery", "unlocked"} <= set(row)
        assert row["mastery"] == 0.0
        assert row["unlocked"] == (row["prerequisites"] == [])


def test_next_problem_has_the_contract_fields_and_no_answers(client_a, synced):
    response = client_a.post("/api/v1/practice/next", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "topic", "template", "statement", "parts"} <= set(body)
    for part in body["parts"]:
        assert {"key", "kind", "prompt"} <= set(part)
    problem = Problem.objects.get(pk=body["id"])
    for answer in right_answers(problem).values():
        assert f'"answer": "{answer}"' not in response.content.decode()
    assert "solution" not in body


def test_next_problem_in_a_named_topic_and_404_for_an_unknown_one(client_a, synced):
    slug = "side-road"
    assert client_a.post("/api/v1/practice/next", {"topic": slug}).json()["topic"] == slug
    assert client_a.post("/api/v1/practice/next", {"topic": "nope"}).status_code == 404


def test_submit_then_poll_shows_the_verdict(client_a, student_a, make_problem, graded_on_commit):
    problem = make_problem(student_a)
    response = client_a.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": right_answers(problem)},
        format="json",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    submission_id = response.json()["id"]

    body = client_a.get(f"/api/v1/submissions/{submission_id}").json()
    assert body["status"] == "graded"
    assert body["score"] == pytest.approx(1.0)
    for key in right_answers(problem):
        assert body["parts"][key]["correct"] is True
        assert {"status", "correct", "score", "feedback"} <= set(body["parts"][key])


def test_unparsable_input_answers_400_with_positions_and_stores_nothing(
    client_a, student_a, make_problem
):
    problem = make_problem(student_a)
    response = client_a.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": unparsable_answers(problem)},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == set(right_answers(problem))
    for error in errors.values():
        assert error["message"] and isinstance(error["position"], int)
    assert not Submission.objects.exists()
    assert Problem.objects.get(pk=problem.pk).attempts_used == 0


def test_the_idempotency_key_header_returns_the_same_submission(
    client_a, student_a, make_problem, graded_on_commit
):
    problem = make_problem(student_a)
    url = f"/api/v1/problems/{problem.pk}/submissions"
    payload = {"answers": right_answers(problem)}
    first = client_a.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    retry = client_a.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, retry.status_code) == (202, 200)
    assert first.json()["id"] == retry.json()["id"]


def test_the_idempotency_key_field_works_like_the_header(client_a, student_a, make_problem):
    problem = make_problem(student_a)
    url = f"/api/v1/problems/{problem.pk}/submissions"
    payload = {"answers": right_answers(problem), "idempotency_key": "field-key"}
    first = client_a.post(url, payload, format="json")
    retry = client_a.post(url, payload, format="json")
    assert first.json()["id"] == retry.json()["id"]
    assert Submission.objects.count() == 1


@override_settings(MAX_ATTEMPTS_PER_PROBLEM=1)
def test_submitting_after_the_last_attempt_answers_409(
    client_a, student_a, make_problem, graded_on_commit
):
    problem = make_problem(student_a)
    url = f"/api/v1/problems/{problem.pk}/submissions"
    assert client_a.post(url, {"answers": wrong_answers(problem)}, format="json").status_code == 202
    assert client_a.post(url, {"answers": right_answers(problem)}, format="json").status_code == 409


def test_the_solution_appears_in_the_problem_only_after_a_graded_submission(
    client_a, student_a, make_problem, graded_on_commit
):
    problem = make_problem(student_a)
    before = client_a.get(f"/api/v1/problems/{problem.pk}").json()
    assert "solution" not in before and before["submissions"] == []
    client_a.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": wrong_answers(problem)},
        format="json",
    )
    after = client_a.get(f"/api/v1/problems/{problem.pk}").json()
    assert set(after["solution"]["answers"]) == set(right_answers(problem))
    assert after["solution"]["html"]
    assert len(after["submissions"]) == 1


def test_hints_are_revealed_in_order_with_the_count_left(client_a, student_a, make_problem):
    problem = make_problem(student_a)
    first = client_a.post(f"/api/v1/problems/{problem.pk}/hints").json()
    total = len(first["hints"]) + first["remaining"]
    assert len(first["hints"]) == min(1, total)
    shown = client_a.get(f"/api/v1/problems/{problem.pk}").json()["hints"]
    assert shown == first["hints"]


def test_another_one_like_this_serves_the_same_template(client_a, student_a, make_problem):
    problem = make_problem(student_a)
    response = client_a.post(f"/api/v1/problems/{problem.pk}/another")
    assert response.status_code == 201
    body = response.json()
    assert body["template"] == problem.template.key and body["id"] != problem.pk


def test_progress_counts_graded_attempts(client_a, student_a, make_problem, graded_on_commit):
    problem = make_problem(student_a)
    client_a.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": right_answers(problem)},
        format="json",
    )
    rows = {row["slug"]: row for row in client_a.get("/api/v1/progress").json()["topics"]}
    row = rows[problem.topic.slug]
    assert (row["attempts"], row["correct"]) == (1, 1)
    assert row["mastery"] > 0


def test_attempts_are_the_students_own_newest_first_and_paginated(
    client_a, student_a, student_b, make_problem
):
    for user in (student_a, student_a, student_b):
        problem = make_problem(user)
        from quizzes.services.submissions import submit_answers

        submit_answers(user=user, problem=problem, answers=right_answers(problem))
    body = client_a.get("/api/v1/attempts").json()
    assert body["count"] == 2
    ids = [row["id"] for row in body["results"]]
    assert ids == sorted(ids, reverse=True)
    assert {"problem", "template", "topic", "status", "score", "created_at"} <= set(
        body["results"][0]
    )


@pytest.mark.parametrize(
    ("payload", "expected_keys"),
    [
        ({"kind": "expression", "text": "2x + 1", "options": {"variables": ["x"]}}, {"latex"}),
        ({"kind": "expression", "text": "2 + * 3"}, {"error", "position"}),
        ({"kind": "number", "text": "((("}, {"error", "position"}),
    ],
)
def test_preview_parses_only(client_a, payload, expected_keys):
    response = client_a.post("/api/v1/preview", payload, format="json")
    assert response.status_code == 200
    assert expected_keys <= set(response.json())


def test_preview_refuses_an_unknown_kind_and_odd_variable_names(client_a):
    unknown = client_a.post("/api/v1/preview", {"kind": "python", "text": "1"}, format="json")
    odd = client_a.post(
        "/api/v1/preview",
        {"kind": "expression", "text": "x", "options": {"variables": ["__import__('os')"]}},
        format="json",
    )
    assert unknown.status_code == 400 and odd.status_code == 400


def test_health_needs_no_login(anonymous_client):
    assert anonymous_client.get("/api/v1/health").json() == {"status": "ok"}


def test_the_schema_describes_every_endpoint(anonymous_client):
    response = anonymous_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/practice/next",
        "/api/v1/problems/{problem_id}/submissions",
        "/api/v1/submissions/{submission_id}",
        "/api/v1/preview",
    ):
        assert path in paths


def test_an_idempotency_key_reused_on_another_problem_answers_409(
    client_a, student_a, make_problem
):
    first, second = make_problem(student_a), make_problem(student_a)
    for problem, expected in ((first, 202), (second, 409)):
        response = client_a.post(
            f"/api/v1/problems/{problem.pk}/submissions",
            {"answers": right_answers(problem)},
            format="json",
            HTTP_IDEMPOTENCY_KEY="one-key",
        )
        assert response.status_code == expected
    assert Submission.objects.count() == 1
