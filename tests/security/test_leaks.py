"""Nothing a student is shown before their answer is graded carries an answer, the worked
solution or the listed mistakes (answers or feedback) — in the HTML of the pages, in the JSON of
the API, or in the page's embedded data. Each synced template is checked with every hint shown."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from quizzes.models import Problem
from quizzes.services.variants import variant_from_snapshot
from tests.conftest import client_for, right_answers, unparsable_answers, wrong_answers

pytestmark = pytest.mark.django_db

# Shorter secrets ("2", "x+1") occur in any page by chance; these lengths do not.
MIN_SECRET_LENGTH = 5
MIN_SOLUTION_SENTENCE = 24
FORBIDDEN_KEYS = {"solution", "answer", "answer_latex", "mistakes", "feedback_rules"}
TAG = re.compile(r"<[^>]+>")


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from strings_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_in(inner)
    elif value is not None:
        yield str(value)


def keys_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)


def readable_text(response: Any) -> str:
    """The body as the browser or a JSON client reads it: unescaped, JSON strings decoded."""
    body = response.content.decode()
    texts = [body, html.unescape(body)]
    if response.get("Content-Type", "").startswith("application/json"):
        texts.extend(strings_in(json.loads(body)))
    for embedded in re.findall(
        r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', body, re.S
    ):
        texts.extend(strings_in(json.loads(embedded)))
    return "\n".join(texts)


def public_text(problem: Problem) -> str:
    variant = variant_from_snapshot(problem.snapshot)
    shown = [variant.statement_html, *variant.hints_html]
    for part in variant.parts:
        shown.append(part.prompt_html)
        shown.extend(text for _, text in part.choices)
    joined = "\n".join(shown)
    return joined + "\n" + html.unescape(joined)


def secrets_of(problem: Problem) -> set[str]:
    """What only grading and the worked solution may reveal, less what the statement itself shows."""
    variant = variant_from_snapshot(problem.snapshot)
    candidates = {variant.solution_html}
    for sentence in TAG.sub("\n", variant.solution_html).split("\n"):
        if len(sentence.strip()) >= MIN_SOLUTION_SENTENCE:
            candidates.add(sentence.strip())
    for part in variant.parts:
        candidates.update({part.answer, part.answer_latex})
        for mistake in dict(part.options).get("mistakes") or []:
            candidates.update({str(mistake.get("answer", "")), str(mistake.get("feedback", ""))})
    shown = public_text(problem)
    return {s for s in candidates if len(s.strip()) >= MIN_SECRET_LENGTH and s not in shown}


def assert_no_secret(response: Any, problem: Problem, where: str) -> None:
    assert response.status_code < 500, where
    text = readable_text(response)
    leaked = sorted(secret for secret in secrets_of(problem) if secret in text)
    assert not leaked, f"{where} shows {leaked[:3]}"
    if response.get("Content-Type", "").startswith("application/json"):
        assert not FORBIDDEN_KEYS & set(keys_in(response.json())), where


@pytest.fixture
def alice(student_a: Any) -> Any:
    client = client_for(None)
    client.force_login(student_a)
    return client


def student_views_of(client: Any, problem: Problem) -> Iterator[tuple[str, Any]]:
    pk = problem.pk
    yield "problem page", client.get(f"/problems/{pk}")
    yield "problem JSON", client.get(f"/api/v1/problems/{pk}")
    hints = len(variant_from_snapshot(problem.snapshot).hints_html)
    for number in range(hints + 1):
        yield f"hint {number + 1}", client.post(f"/api/v1/problems/{pk}/hints")
    yield "problem page after hints", client.get(f"/problems/{pk}")
    yield "problem JSON after hints", client.get(f"/api/v1/problems/{pk}")
    yield "dashboard", client.get("/dashboard")
    yield "history", client.get("/history")
    yield "attempts", client.get("/api/v1/attempts")
    yield "progress", client.get("/api/v1/progress")
    yield "topics", client.get("/api/v1/topics")
    yield (
        "unreadable answers",
        client.post(
            f"/api/v1/problems/{pk}/submissions",
            {"answers": unparsable_answers(problem)},
            format="json",
        ),
    )


@pytest.mark.parametrize("index", [0, 1, 2])
def test_no_student_view_shows_secrets_before_submission(
    synced, student_a, alice, make_problem, index
):
    problem = make_problem(student_a, template_key=synced.templates[index].id)
    assert secrets_of(problem), "the template must have something to hide"
    for where, response in student_views_of(alice, problem):
        assert_no_secret(response, problem, where)


def test_served_problems_show_no_secrets(synced, student_a, alice):
    for topic in ("first-steps", "side-road"):
        response = alice.post("/api/v1/practice/next", {"topic": topic}, format="json")
        assert response.status_code == 200
        served = Problem.objects.get(pk=response.json()["id"])
        assert_no_secret(response, served, f"next problem in {topic}")
        page = alice.get(f"/problems/{served.pk}")
        assert_no_secret(page, served, "its page")
        another = alice.post(f"/api/v1/problems/{served.pk}/another")
        assert another.status_code == 201
        fresh = Problem.objects.get(pk=another.json()["id"])
        assert_no_secret(another, fresh, "another like it")


def test_a_pending_submission_reveals_nothing_yet(synced, student_a, alice, make_problem):
    problem = make_problem(student_a)
    # on_commit never fires inside the test transaction: the submission stays pending.
    response = alice.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": wrong_answers(problem)},
        format="json",
    )
    assert response.status_code == 202
    submission = alice.get(f"/api/v1/submissions/{response.json()['id']}")
    assert submission.json()["status"] == "pending"
    for where, view in [
        ("pending submission", submission),
        ("problem JSON", alice.get(f"/api/v1/problems/{problem.pk}")),
        ("problem page", alice.get(f"/problems/{problem.pk}")),
    ]:
        assert_no_secret(view, problem, where)


def test_the_detector_sees_the_solution_once_graded(
    synced, student_a, alice, make_problem, django_capture_on_commit_callbacks
):
    """Control: after a graded submission the owner is shown the solution, and the check fires."""
    problem = make_problem(student_a)
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(
            f"/api/v1/problems/{problem.pk}/submissions",
            {"answers": right_answers(problem)},
            format="json",
        )
    with pytest.raises(AssertionError):
        assert_no_secret(alice.get(f"/api/v1/problems/{problem.pk}"), problem, "graded problem")


@pytest.fixture
def quiz_attempt(synced, instructor, student_a):
    from tests.security.conftest import open_quiz_attempt

    return open_quiz_attempt(instructor, student_a)[1]


def quiz_views_of(client: Any, attempt: Any) -> Iterator[tuple[str, Any]]:
    yield "quiz JSON", client.get(f"/api/v1/quizzes/{attempt.quiz_id}")
    yield "quiz page", client.get(f"/quizzes/{attempt.quiz_id}")
    yield "quiz list", client.get("/api/v1/quizzes")
    yield "quiz attempts", client.get(f"/api/v1/quizzes/{attempt.quiz_id}/attempts")
    yield "attempt JSON", client.get(f"/api/v1/quizzes/attempts/{attempt.pk}")
    yield "attempt page", client.get(f"/quizzes/attempts/{attempt.pk}")
    for question in attempt.questions.all():
        pk = question.problem_id
        # The practice endpoints must not open a back door to a quiz question.
        yield "practice JSON of a question", client.get(f"/api/v1/problems/{pk}")
        yield "practice page of a question", client.get(f"/problems/{pk}")
        yield "hints of a question", client.post(f"/api/v1/problems/{pk}/hints")
        yield "solution of a question", client.get(f"/api/v1/problems/{pk}/solution")


def test_a_quiz_in_progress_shows_no_secrets(quiz_attempt, alice):
    questions = list(quiz_attempt.questions.select_related("problem"))
    assert questions
    for where, response in quiz_views_of(alice, quiz_attempt):
        for question in questions:
            assert_no_secret(response, question.problem, where)


def test_a_submitted_quiz_shows_no_solution_before_the_quiz_closes(
    quiz_attempt, alice, django_capture_on_commit_callbacks
):
    """The default release: feedback after submission, solutions only once the quiz closes."""
    question = quiz_attempt.questions.select_related("problem").first()
    answers = right_answers(question.problem)
    saved = alice.put(
        f"/api/v1/quizzes/attempts/{quiz_attempt.pk}/questions/{question.position}/answers",
        {"answers": answers, "sequence": 1},
        format="json",
    )
    assert saved.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        submitted = alice.post(f"/api/v1/quizzes/attempts/{quiz_attempt.pk}/submit")
    assert submitted.status_code == 200
    solution = variant_from_snapshot(question.problem.snapshot).solution_html
    for where, response in quiz_views_of(alice, quiz_attempt):
        assert response.status_code < 500, where
        assert solution not in readable_text(response), where
        if response.get("Content-Type", "").startswith("application/json"):
            assert "solution" not in set(keys_in(response.json())), where
    # Control: staff are shown the solution on the same attempt, so the check above can fail.
    staff = client_for(quiz_attempt.quiz.created_by)
    shown = staff.get(f"/api/v1/quizzes/attempts/{quiz_attempt.pk}")
    assert "solution" in set(keys_in(shown.json()))


def test_a_diagnostic_question_shows_no_secrets(synced, student_a, alice):
    started = alice.post("/api/v1/diagnostic/start")
    assert started.status_code == 201
    question = started.json()["question"]
    assert question is not None, "the synced slice offers a diagnostic question"
    asked = Problem.objects.get(pk=question["id"])
    for where, response in [
        ("diagnostic start", started),
        ("diagnostic next", alice.get("/api/v1/diagnostic/next")),
        ("diagnostic page", alice.get("/diagnostic")),
    ]:
        assert_no_secret(response, asked, where)
