"""The quiz endpoints: who may do what (the audience included), per-question checks, regrades on
the workers, and that no verdict, answer or solution reaches a student before the quiz's release
policy allows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Quiz, QuizAttempt, QuizRegrade, Submission
from quizzes.services.quizzes import Audience, start_attempt
from quizzes.services.variants import variant_from_snapshot
from tests.conftest import right_answers, unparsable_answers

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
    assert client_a.get(f"/api/v1/quizzes/{quiz.pk}/regrade").status_code == 403
    response = instructor_client.post(f"/api/v1/quizzes/{quiz.pk}/regrade", body)
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert not QuizRegrade.objects.filter(requested_by__isnull=True).exists()


def test_a_regrade_is_queued_then_followed_to_the_end(
    instructor_client, student_a, make_quiz, synced, django_capture_on_commit_callbacks
):
    quiz = make_quiz()
    submitted_attempt(
        client_for_user(student_a), student_a, quiz, django_capture_on_commit_callbacks
    )
    url = f"/api/v1/quizzes/{quiz.pk}/regrade"
    body = {"template": synced.templates[0].id}
    with django_capture_on_commit_callbacks(execute=True):
        queued = instructor_client.post(url, body, format="json")
    assert queued.status_code == 202
    assert (queued.json()["status"], queued.json()["done"]) == ("queued", 0)
    [row] = instructor_client.get(url).json()
    assert row["id"] == queued.json()["id"] and row["template"] == synced.templates[0].id
    assert (row["status"], row["total"], row["done"], row["sent"], row["graded"]) == (
        "finished",
        1,
        1,
        1,
        1,
    )
    assert row["finished"] is True


def test_a_second_regrade_of_the_same_template_waits_for_the_first(
    instructor_client, make_quiz, synced, monkeypatch
):
    from quizzes import quiz_tasks

    monkeypatch.setattr(quiz_tasks.regrade_quiz_template_task, "delay", lambda regrade_id: None)
    quiz = make_quiz()
    url = f"/api/v1/quizzes/{quiz.pk}/regrade"
    body = {"template": synced.templates[0].id}
    assert instructor_client.post(url, body, format="json").status_code == 202
    again = instructor_client.post(url, body, format="json")
    assert again.status_code == 409 and "already under way" in again.json()["detail"]


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
        ("/api/v1/quizzes/{quiz}/regrade", "get", 3),
    ],
)
def test_quiz_endpoints_cost_a_fixed_number_of_queries(
    client_a, student_a, make_quiz, django_assert_max_num_queries, url, method, budget
):
    quiz = make_quiz()
    attempt = start_attempt(user=student_a, quiz=quiz)
    client = client_a
    if "regrade" in url:
        from tests.conftest import UserFactory, client_for

        client = client_for(UserFactory(username="ian", role="instructors"))
    client.get("/api/v1/quizzes")
    with django_assert_max_num_queries(budget):
        response = getattr(client, method)(
            url.format(attempt=attempt.pk, quiz=quiz.pk),
            {"answers": {}, "sequence": 1},
            format="json",
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


def client_for_user(user):
    from tests.conftest import client_for

    return client_for(user)


# --- per-question checks ------------------------------------------------------------------


def answers_url(attempt, position=1):
    return f"/api/v1/quizzes/attempts/{attempt.pk}/questions/{position}/answers"


def far_off_answers(problem):
    """A wrong answer that shares no text with the right one (the leak checks look for it)."""
    return {part.key: "123457" for part in variant_from_snapshot(problem.snapshot).parts}


@pytest.fixture
def checked_quiz(make_quiz):
    return make_quiz(
        feedback_release="immediately", solution_release="after_close", checks_per_question=2
    )


def test_a_check_is_graded_and_its_verdict_read_on_the_long_poll(
    client_a, student_a, checked_quiz, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            answers_url(attempt), {"answers": right_answers(problem), "sequence": 7}, format="json"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["checks_used"], body["checks_left"], body["sequence"]) == (1, 1, 7)
    assert body["submission_url"] == f"/api/v1/submissions/{body['id']}"
    verdict = client_a.get(body["submission_url"] + "?wait=5").json()
    assert verdict["status"] == "graded" and verdict["score"] == 1.0
    assert all(part["correct"] for part in verdict["parts"].values())
    # The same answers again: the same check, nothing used.
    again = client_a.post(
        answers_url(attempt), {"answers": right_answers(problem), "sequence": 8}, format="json"
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["checks_left"] == 1
    # The attempt shows the check while it runs, and the page's reload finds it.
    question = client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json()["questions"][0]
    assert question["check"]["submission"] == body["id"] and question["check"]["left"] == 1
    assert question["check"]["result"]["score"] == 1.0 and "result" not in question


def test_a_check_never_shows_the_answer_or_the_solution_before_the_policy_allows(
    client_a, student_a, checked_quiz, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    variant = variant_from_snapshot(problem.snapshot)
    with django_capture_on_commit_callbacks(execute=True):
        check = client_a.post(
            answers_url(attempt),
            {"answers": far_off_answers(problem), "sequence": 1},
            format="json",
        )
    bodies = [
        check.json(),
        client_a.get(check.json()["submission_url"] + "?wait=5").json(),
        client_a.get(f"/api/v1/quizzes/attempts/{attempt.pk}").json(),
    ]
    assert bodies[1]["status"] == "graded" and bodies[1]["correct"] is False
    for body in bodies:
        text = json.dumps(body)
        assert not {"solution", "answer_latex"} & set(keys_in(body))
        assert json.dumps(variant.solution_html)[1:-1] not in text
        for part in variant.parts:
            assert json.dumps(part.answer)[1:-1] not in text or len(part.answer) < 3


def keys_in(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)


def test_an_unreadable_check_returns_the_parsers_message_and_uses_nothing(
    client_a, student_a, checked_quiz
):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    response = client_a.post(
        answers_url(attempt), {"answers": unparsable_answers(problem), "sequence": 1}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == set(right_answers(problem))
    assert all(e["message"] and isinstance(e["position"], int) for e in errors.values())
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("settings", "reason", "code"),
    [
        ({"feedback_release": "after_submission"}, "not_offered", 403),
        ({"feedback_release": "immediately", "checks_per_question": 0}, "not_offered", 403),
    ],
)
def test_a_quiz_that_does_not_offer_checks_refuses_them(
    client_a, student_a, make_quiz, settings, reason, code
):
    attempt = start_attempt(user=student_a, quiz=make_quiz(**settings))
    problem = attempt.questions.get(position=1).problem
    response = client_a.post(
        answers_url(attempt), {"answers": right_answers(problem), "sequence": 1}, format="json"
    )
    assert response.status_code == code and response.json()["reason"] == reason
    assert "submitted" in response.json()["detail"] or "checks" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_checks_run_out(client_a, student_a, make_quiz):
    quiz = make_quiz(feedback_release="immediately", checks_per_question=1)
    attempt = start_attempt(user=student_a, quiz=quiz)
    problem = attempt.questions.get(position=1).problem
    first = client_a.post(
        answers_url(attempt), {"answers": far_off_answers(problem), "sequence": 1}, format="json"
    )
    assert first.status_code == 202 and first.json()["checks_left"] == 0
    second = client_a.post(
        answers_url(attempt), {"answers": right_answers(problem), "sequence": 2}, format="json"
    )
    assert second.status_code == 409 and second.json()["reason"] == "no_checks_left"
    assert "every check" in second.json()["detail"]
    assert Submission.objects.count() == 1


def test_a_check_after_the_deadline_is_refused_and_submits_the_attempt(
    client_a, student_a, checked_quiz, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            answers_url(attempt), {"answers": right_answers(problem), "sequence": 1}, format="json"
        )
    assert response.status_code == 409 and response.json()["reason"] == "attempt_closed"
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.expired


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("client_b", 404), ("instructor_client", 404), ("anonymous_client", 401)],
)
def test_no_one_else_checks_a_students_question(request, student_a, checked_quiz, caller, expected):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    client = request.getfixturevalue(caller)
    response = client.post(
        answers_url(attempt), {"answers": right_answers(problem), "sequence": 1}, format="json"
    )
    assert response.status_code == expected
    assert not Submission.objects.exists()
    assert attempt.questions.get(position=1).answers == {}


def test_another_student_cannot_read_a_check(client_a, client_b, student_a, checked_quiz):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    check = client_a.post(
        answers_url(attempt), {"answers": right_answers(problem), "sequence": 1}, format="json"
    ).json()
    assert client_b.get(check["submission_url"]).status_code == 404
    assert client_a.get(check["submission_url"]).status_code == 200


def test_the_check_endpoint_costs_a_fixed_number_of_queries(
    client_a, student_a, checked_quiz, django_assert_max_num_queries
):
    attempt = start_attempt(user=student_a, quiz=checked_quiz)
    problem = attempt.questions.get(position=1).problem
    client_a.get("/api/v1/quizzes")
    with django_assert_max_num_queries(13):
        response = client_a.post(
            answers_url(attempt), {"answers": right_answers(problem), "sequence": 1}, format="json"
        )
    assert response.status_code == 202


def test_the_schema_describes_the_check_and_the_regrade_progress(anonymous_client):
    paths = anonymous_client.get("/api/schema/?format=json").json()["paths"]
    answers = paths["/api/v1/quizzes/attempts/{attempt_id}/questions/{position}/answers"]
    assert {"put", "post"} <= set(answers)
    assert {"202", "400", "403", "409"} <= set(answers["post"]["responses"])
    assert {"get", "post"} <= set(paths["/api/v1/quizzes/{quiz_id}/regrade"])


# --- the audience -----------------------------------------------------------------------------


@pytest.fixture
def alices_quiz(make_quiz, student_a):
    return make_quiz(audience=Audience(students=[student_a]))


def test_a_student_outside_the_audience_neither_sees_nor_starts_the_quiz(
    client_a, client_b, alices_quiz
):
    assert [row["id"] for row in client_b.get("/api/v1/quizzes").json()] == []
    assert client_b.get(f"/api/v1/quizzes/{alices_quiz.pk}").status_code == 404
    assert client_b.get(f"/api/v1/quizzes/{alices_quiz.pk}/attempts").status_code == 404
    assert client_b.post(f"/api/v1/quizzes/{alices_quiz.pk}/attempts").status_code == 404
    assert not QuizAttempt.objects.exists()
    assert [row["id"] for row in client_a.get("/api/v1/quizzes").json()] == [alices_quiz.pk]
    assert client_a.post(f"/api/v1/quizzes/{alices_quiz.pk}/attempts").status_code == 201


def test_a_group_audience_lets_its_members_in(client_b, student_b, make_quiz):
    from django.contrib.auth.models import Group

    section = Group.objects.create(name="section-2")
    quiz = make_quiz(audience=Audience(groups=[section]))
    assert client_b.get(f"/api/v1/quizzes/{quiz.pk}").status_code == 404
    student_b.groups.add(section)
    assert client_b.get(f"/api/v1/quizzes/{quiz.pk}").status_code == 200


def test_an_instructor_sets_and_changes_the_audience(
    instructor_client, client_b, student_a, student_b, synced
):
    from django.contrib.auth.models import Group

    Group.objects.create(name="section-3")
    body = create_body(synced, audience={"students": ["alice"], "groups": ["section-3"]})
    created = instructor_client.post("/api/v1/quizzes", body, format="json")
    assert created.status_code == 201, created.content
    quiz_id = created.json()["id"]
    assert created.json()["audience"] == {"students": ["alice"], "groups": ["section-3"]}
    assert client_b.get(f"/api/v1/quizzes/{quiz_id}").status_code == 404
    changed = instructor_client.patch(
        f"/api/v1/quizzes/{quiz_id}", {"audience": {"students": ["bob"]}}, format="json"
    )
    assert changed.json()["audience"] == {"students": ["bob"], "groups": []}
    assert client_b.get(f"/api/v1/quizzes/{quiz_id}").status_code == 200
    # The students never see who else the quiz is set for.
    assert "audience" not in client_b.get(f"/api/v1/quizzes/{quiz_id}").json()


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        ({"students": ["nobody"]}, "no student 'nobody'"),
        ({"groups": ["no-such-group"]}, "no group 'no-such-group'"),
        ({"students": ["ines"]}, "is staff"),
    ],
)
def test_an_audience_names_existing_students_and_groups(
    instructor_client, synced, audience, message
):
    response = instructor_client.post(
        "/api/v1/quizzes", create_body(synced, audience=audience), format="json"
    )
    assert response.status_code == 400 and message in json.dumps(response.json())
    assert not Quiz.objects.exists()
