"""The quiz endpoints: who may do what, and that no verdict, answer or solution reaches a
student before the quiz's release policy allows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Quiz, QuizAttempt
from quizzes.services.quizzes import start_attempt
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db


def create_body(synced, **changes):
    now = timezone.now()
    return {
        "title": "Derivatives check",
        "pool": [{"template": synced.templates[0].id, "count": 1}, {"topic": "side-road"}],
        "question_count": 2,
        "time_limit_seconds": 300,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "shuffle_questions": False,
    } | changes


def test_an_instructor_creates_a_quiz(instructor_client, synced):
    response = instructor_client.post("/api/v1/quizzes", create_body(synced), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["pool"][1] == {"topic": "side-road", "template": None, "count": 1}


@pytest.mark.parametrize("caller", ["client_a", "anonymous_client"])
def test_only_staff_create_quizzes(request, caller, synced):
    client = request.getfixturevalue(caller)
    response = client.post("/api/v1/quizzes", create_body(synced), format="json")
    assert response.status_code in (401, 403)
    assert not Quiz.objects.exists()


def test_an_unknown_topic_in_the_pool_is_a_field_error(instructor_client, synced):
    body = create_body(synced, pool=[{"topic": "no-such-topic", "count": 2}])
    response = instructor_client.post("/api/v1/quizzes", body, format="json")
    assert response.status_code == 400 and "pool" in response.json()


def test_a_student_lists_open_quizzes_but_not_future_ones(client_a, make_quiz):
    now = timezone.now()
    open_quiz = make_quiz()
    make_quiz(title="Later", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    assert [row["id"] for row in client_a.get("/api/v1/quizzes").json()] == [open_quiz.pk]


def test_starting_shows_questions_without_answers(client_a, make_quiz):
    quiz = make_quiz(solution_release=Quiz.Release.AFTER_CLOSE)
    response = client_a.post(f"/api/v1/quizzes/{quiz.pk}/attempts")
    assert response.status_code == 201
    body = response.json()
    assert len(body["questions"]) == 3 and body["seconds_left"] > 590
    assert all("solution" not in q and "result" not in q for q in body["questions"])
    attempt = QuizAttempt.objects.get(pk=body["id"])
    problem = attempt.questions.first().problem
    for answer in right_answers(problem).values():
        assert json.dumps(answer)[1:-1] not in json.dumps(body) or len(answer) < 3


def test_autosave_round_trip_and_reload(client_a, student_a, make_quiz):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    question = attempt.questions.order_by("position").first()
    key = next(iter(right_answers(question.problem)))
    url = f"/api/v1/quizzes/attempts/{attempt.pk}/questions/1/answers"
    response = client_a.put(url, {"answers": {key: "3x"}, "sequence": 2}, format="json")
    assert response.status_code == 200 and response.json()["saved"] is True
    stale = client_a.put(url, {"answers": {key: "x"}, "sequence": 1}, format="json").json()
    assert (stale["saved"], stale["sequence"]) == (False, 2)
    reloaded = client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json()
    assert reloaded["questions"][0]["answers"][key] == "3x"


@pytest.mark.parametrize(
    ("caller", "method", "path", "expected"),
    [
        ("client_b", "get", "", 404),
        ("client_b", "put", "/questions/1/answers", 404),
        ("instructor_client", "put", "/questions/1/answers", 404),
        ("client_b", "post", "/submit", 404),
        ("instructor_client", "post", "/submit", 404),
        ("client_a", "post", "/extend", 403),
        ("anonymous_client", "get", "", 401),
        ("instructor_client", "get", "", 200),
    ],
)
def test_who_may_touch_an_attempt(request, student_a, make_quiz, caller, method, path, expected):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    client = request.getfixturevalue(caller)
    body = {"answers": {}, "sequence": 1, "seconds": 60}
    url = f"/api/v1/quizzes/attempts/{attempt.pk}{path}"
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.extra_seconds == 0


@pytest.mark.parametrize(
    ("method", "url", "refused"),
    [
        ("get", "/api/v1/problems/{problem}", 404),
        ("get", "/api/v1/problems/{problem}/solution", 403),
        ("post", "/api/v1/problems/{problem}/hints", 404),
        ("post", "/api/v1/problems/{problem}/another", 404),
        ("post", "/api/v1/problems/{problem}/submissions", 404),
    ],
)
def test_practice_endpoints_do_not_serve_quiz_questions_to_the_student(
    client_a, student_a, make_quiz, method, url, refused
):
    attempt = start_attempt(user=student_a, quiz=make_quiz(solution_release="after_close"))
    problem = attempt.questions.first().problem
    path = url.format(problem=problem.pk)
    response = getattr(client_a, method)(path, {"answers": right_answers(problem)}, format="json")
    assert response.status_code == refused
    assert not problem.submissions.exists()
    problem.refresh_from_db()
    assert problem.hints_revealed == 0


def test_the_practice_page_does_not_show_a_quiz_question(client, student_a, make_quiz):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    client.force_login(student_a)
    assert client.get(f"/problems/{attempt.questions.first().problem_id}").status_code == 404


def submitted_attempt(client, user, quiz, django_capture_on_commit_callbacks):
    attempt = start_attempt(user=user, quiz=quiz)
    question = attempt.questions.order_by("position").first()
    url = f"/api/v1/quizzes/attempts/{attempt.pk}/questions/1/answers"
    client.put(url, {"answers": right_answers(question.problem), "sequence": 1}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/quizzes/attempts/{attempt.pk}/submit")
    assert response.status_code == 200
    return attempt


@pytest.mark.parametrize(
    ("feedback", "solution", "result_shown", "solution_shown"),
    [
        ("after_submission", "after_close", True, False),
        ("after_close", "after_close", False, False),
        ("immediately", "after_submission", True, True),
    ],
)
def test_results_follow_the_release_policy_while_the_quiz_is_open(
    client_a,
    student_a,
    make_quiz,
    django_capture_on_commit_callbacks,
    feedback,
    solution,
    result_shown,
    solution_shown,
):
    quiz = make_quiz(feedback_release=feedback, solution_release=solution)
    attempt = submitted_attempt(client_a, student_a, quiz, django_capture_on_commit_callbacks)
    body = client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json()
    first = body["questions"][0]
    assert ("result" in first) is result_shown
    assert ("solution" in first) is solution_shown
    assert (body["score"] is not None) is result_shown
    if result_shown:
        assert first["result"]["score"] == 1.0 and body["questions"][1]["result"]["status"] == (
            "unanswered"
        )


def test_solutions_after_close_appear_once_the_quiz_closes(
    client_a, student_a, make_quiz, django_capture_on_commit_callbacks
):
    quiz = make_quiz(solution_release="after_close")
    attempt = submitted_attempt(client_a, student_a, quiz, django_capture_on_commit_callbacks)
    Quiz.objects.filter(pk=quiz.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    body = client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json()
    assert "answers" in body["questions"][0]["solution"]


def test_solutions_released_immediately_show_during_the_attempt(client_a, make_quiz):
    quiz = make_quiz(solution_release="immediately")
    body = client_a.post(f"/api/v1/quizzes/{quiz.pk}/attempts").json()
    assert all("solution" in q for q in body["questions"])


def test_reading_an_overdue_attempt_submits_it(
    client_a, student_a, make_quiz, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        body = client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json()
    assert body["status"] == "submitted" and body["expired"] is True
    url = f"/api/v1/quizzes/attempts/{attempt.pk}/questions/1/answers"
    assert client_a.put(url, {"answers": {}, "sequence": 9}, format="json").status_code == 409


def test_an_instructor_sees_every_attempt_and_extends_one(
    instructor_client, student_a, student_b, make_quiz
):
    quiz = make_quiz()
    mine = start_attempt(user=student_a, quiz=quiz)
    start_attempt(user=student_b, quiz=quiz)
    rows = instructor_client.get(f"/api/v1/quizzes/{quiz.pk}/attempts").json()
    assert [row["user"] for row in rows] == ["alice", "bob"]
    response = instructor_client.post(
        f"/api/v1/quizzes/attempts/{mine.pk}/extend", {"seconds": 120}, format="json"
    )
    assert response.status_code == 200 and response.json()["extra_seconds"] == 120


def test_a_student_sees_only_their_own_attempts_of_a_quiz(client_b, student_a, make_quiz):
    quiz = make_quiz()
    start_attempt(user=student_a, quiz=quiz)
    assert client_b.get(f"/api/v1/quizzes/{quiz.pk}/attempts").json() == []


def test_only_staff_regrade(client_a, instructor_client, make_quiz, synced):
    quiz = make_quiz()
    body = {"template": synced.templates[0].id}
    assert client_a.post(f"/api/v1/quizzes/{quiz.pk}/regrade", body).status_code == 403
    response = instructor_client.post(f"/api/v1/quizzes/{quiz.pk}/regrade", body)
    assert response.status_code == 200 and response.json() == {"regraded": 0}


def test_an_instructor_edits_the_close_time(instructor_client, make_quiz):
    quiz = make_quiz()
    closes = (timezone.now() + timedelta(days=3)).isoformat()
    response = instructor_client.patch(
        f"/api/v1/quizzes/{quiz.pk}", {"closes_at": closes}, format="json"
    )
    assert response.status_code == 200
    quiz.refresh_from_db()
    assert quiz.closes_at > timezone.now() + timedelta(days=2)


@pytest.mark.parametrize(
    ("url", "method", "budget"),
    [
        ("/api/v1/quizzes/attempts/{attempt}/questions/1/answers", "put", 3),
        ("/api/v1/quizzes/attempts/{attempt}", "get", 6),
        ("/api/v1/quizzes", "get", 4),
    ],
)
def test_quiz_endpoints_cost_a_fixed_number_of_queries(
    client_a, student_a, make_quiz, django_assert_max_num_queries, url, method, budget
):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    client_a.get("/api/v1/quizzes")
    with django_assert_max_num_queries(budget):
        response = getattr(client_a, method)(
            url.format(attempt=attempt.pk), {"answers": {}, "sequence": 1}, format="json"
        )
    assert response.status_code == 200


def test_a_quiz_submission_is_not_readable_through_the_practice_endpoint(
    client_a, student_a, make_quiz, django_capture_on_commit_callbacks
):
    quiz = make_quiz(feedback_release="after_close")
    attempt = submitted_attempt(client_a, student_a, quiz, django_capture_on_commit_callbacks)
    submission = attempt.questions.get(position=1).submission
    assert submission.user_id == student_a.pk and submission.status == "graded"
    assert client_a.get(f"/api/v1/submissions/{submission.pk}").status_code == 404


def test_the_quiz_author_cannot_act_on_a_quiz_question_through_practice(
    instructor_client, student_a, make_quiz
):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    problem = attempt.questions.first().problem
    response = instructor_client.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": right_answers(problem)},
        format="json",
    )
    assert response.status_code == 404 and not problem.submissions.exists()


def test_the_schema_describes_the_quiz_endpoints(anonymous_client):
    paths = anonymous_client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/quizzes",
        "/api/v1/quizzes/{quiz_id}/attempts",
        "/api/v1/quizzes/attempts/{attempt_id}",
        "/api/v1/quizzes/attempts/{attempt_id}/questions/{position}/answers",
        "/api/v1/quizzes/attempts/{attempt_id}/submit",
    ):
        assert path in paths


def test_the_instructors_attempt_list_closes_abandoned_attempts(
    instructor_client, student_a, make_quiz, django_capture_on_commit_callbacks
):
    quiz = make_quiz()
    attempt = start_attempt(user=student_a, quiz=quiz)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        rows = instructor_client.get(f"/api/v1/quizzes/{quiz.pk}/attempts").json()
    assert rows[0]["status"] == "submitted" and rows[0]["expired"] is True


@pytest.mark.parametrize("students", [1, 3])
def test_the_instructors_attempt_list_costs_the_same_for_any_class_size(
    instructor_client, make_quiz, django_assert_max_num_queries, students
):
    from tests.conftest import UserFactory

    quiz = make_quiz()
    for index in range(students):
        start_attempt(user=UserFactory(username=f"s{index}", role="students"), quiz=quiz)
    instructor_client.get("/api/v1/quizzes")
    with django_assert_max_num_queries(5):
        response = instructor_client.get(f"/api/v1/quizzes/{quiz.pk}/attempts")
    assert len(response.json()) == students
