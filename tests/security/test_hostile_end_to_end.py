"""The grading tests' hostile corpus, sent the way students send it: through the JSON API (preview
and submit, token auth), through the practice page's own path (session cookie and CSRF token),
and through the browser's login and signup forms. Every entry is refused with a message, never
answers 500, returns within a bound, and never reaches Python's or SymPy's string evaluators."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from quizzes.models import Submission
from tests.conftest import client_for
from tests.grading.hostile_corpus import HOSTILE_CASES
from tests.security.conftest import EVALUATORS

pytestmark = pytest.mark.django_db

CORPUS_FILE = Path(__file__).resolve().parents[2] / "bench" / "corpus" / "hostile.jsonl"
# Parsing is refused in milliseconds; an answer that parses is graded under GRADING_CPU_SECONDS
# in a child process. The bound leaves room for a busy two-core machine.
REQUEST_SECONDS = 8.0
GENEROUS = {
    "submit": "100000/minute",
    "preview": "100000/minute",
    "login": "100000/minute",
    "login-name": "100000/minute",
    "register": "100000/minute",
}
FINISHED = {"graded", "failed", "timeout"}


def corpus_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS_FILE.read_text().splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def generous_rates(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **GENEROUS}
    settings.LOGIN_PAGE_FAILURES = 100_000


def assert_never_evaluated(text: str, seen: list[str]) -> None:
    if len(text.strip()) >= 3:
        assert not [call for call in seen if text in call], f"{text[:40]!r} reached an evaluator"


def post_json(client: Any, url: str, payload: dict[str, Any], **headers: Any) -> Any:
    """The body as a real client sends it: JSON text (lone surrogates escaped, as JSON allows)."""
    return client.post(url, json.dumps(payload), content_type="application/json", **headers)


def put_json(client: Any, url: str, payload: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(payload), content_type="application/json")


def timed(request: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def message_of(body: dict[str, Any]) -> str:
    """The first human-readable message of a refusal, wherever the endpoint puts it."""
    for value in body.values():
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        if isinstance(value, dict):
            found = message_of(value)
            if found:
                return found
    return ""


@pytest.fixture
def problem(student_a: Any, make_problem: Any) -> Any:
    return make_problem(student_a)


def submit_checked(
    post: Callable[[dict[str, Any]], Any],
    problem: Any,
    text: str,
    capture: Any,
) -> None:
    """One hostile answer in every part: refused with a message per part, or, should it parse,
    graded to a finished verdict with a message — never pending, never a 500, always in time."""
    answers = {key: text for key in problem_part_keys(problem)}
    with capture(execute=True):
        response, seconds = timed(lambda: post({"answers": answers}))
    assert seconds < REQUEST_SECONDS, f"{text[:40]!r} took {seconds:.1f} s"
    assert response.status_code in (400, 202), (text[:40], response.status_code)
    body = response.json()
    if response.status_code == 400:
        assert message_of(body), body
        return
    submission = Submission.objects.get(pk=body["id"])
    assert submission.status in FINISHED
    assert submission.message or submission.verdicts.exists(), submission


def problem_part_keys(problem: Any) -> list[str]:
    from quizzes.services.variants import variant_from_snapshot

    return [part.key for part in variant_from_snapshot(problem.snapshot).parts]


CASE_IDS = [label for label, _ in HOSTILE_CASES]


@pytest.mark.parametrize(("label", "text"), HOSTILE_CASES, ids=CASE_IDS)
def test_the_api_refuses_each_hostile_answer_with_a_message(
    student_a, problem, evaluator_calls, django_capture_on_commit_callbacks, label, text
):
    client = client_for(student_a)
    url = f"/api/v1/problems/{problem.pk}/submissions"
    for kind in ("expression", "number"):
        preview, seconds = timed(
            lambda kind=kind: post_json(
                client,
                "/api/v1/preview",
                {"kind": kind, "text": text, "options": {"variables": ["x", "y"]}},
            )
        )
        assert seconds < REQUEST_SECONDS, f"preview took {seconds:.1f} s"
        assert preview.status_code in (200, 400), preview.status_code
        body = preview.json()
        assert "latex" not in body, f"{label} was read as {body}"
        assert message_of(body), body
    submit_checked(
        lambda data: post_json(client, url, data),
        problem,
        text,
        django_capture_on_commit_callbacks,
    )
    assert_never_evaluated(text, evaluator_calls)


@pytest.mark.parametrize("line", corpus_lines(), ids=lambda line: line["id"])
def test_the_preview_answers_each_corpus_line_without_reading_it_as_math(
    student_a, evaluator_calls, line
):
    client = client_for(student_a)
    payload = {"kind": line["kind"], "text": line["answer"], "options": line["options"]}
    response, seconds = timed(lambda: post_json(client, "/api/v1/preview", payload))
    assert seconds < REQUEST_SECONDS
    assert response.status_code in (200, 400), response.status_code
    body = response.json()
    if line["kind"] == "choice" and "latex" in body:
        # A choice is a label, shown back as escaped text and checked against the choices later.
        assert body["latex"].startswith("\\text{")
    else:
        assert "latex" not in body and message_of(body), body
    assert_never_evaluated(line["answer"], evaluator_calls)


def test_the_practice_page_path_refuses_every_hostile_answer(
    student_a, problem, evaluator_calls, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student_a)
    page = client.get(f"/problems/{problem.pk}")
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    url = f"/api/v1/problems/{problem.pk}/submissions"

    def post(data: dict[str, Any]) -> Any:
        return post_json(client, url, data, HTTP_X_CSRFTOKEN=token)

    for _, text in HOSTILE_CASES:
        submit_checked(post, problem, text, django_capture_on_commit_callbacks)
        assert_never_evaluated(text, evaluator_calls)


def form_texts() -> Iterator[str]:
    """The corpus as a browser can send it in a form: UTF-8 (a lone surrogate becomes "?")."""
    for _, text in HOSTILE_CASES:
        yield text[:5000].encode("utf-8", "replace").decode()


@pytest.mark.parametrize("form", ["login", "signup"])
def test_the_account_forms_refuse_hostile_text_with_a_message(db, student_a, form):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/{form}")
    token = client.cookies["csrftoken"].value
    for text in form_texts():
        fields = {"username": text, "password": text, "password1": text, "password2": text}
        response, seconds = timed(
            lambda fields=fields: client.post(f"/{form}", {**fields, "csrfmiddlewaretoken": token})
        )
        assert seconds < REQUEST_SECONDS
        assert response.status_code == 200, (text[:40], response.status_code)
        assert b'class="errorlist' in response.content, text[:40]
        assert "_auth_user_id" not in client.session


def test_the_evaluator_spy_records_what_reaches_sympy(evaluator_calls):
    """Control: the checks above can fail."""
    owner, name = EVALUATORS[2]
    spied = getattr(owner, name)
    spied("x + 12345")
    with pytest.raises(AssertionError):
        assert_never_evaluated("x + 12345", evaluator_calls)


@pytest.mark.parametrize("text", ["x\x00+1", "1+" * 15_000 + "1"], ids=["NUL", "over-long"])
def test_text_the_serializer_refuses_is_reported_per_part_like_unreadable_answers(
    student_a, problem, text
):
    """The practice page marks parts from `errors`: a NUL or an over-long answer must land there."""
    keys = problem_part_keys(problem)
    response = post_json(
        client_for(student_a),
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": dict.fromkeys(keys, text)},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == set(keys)
    assert all(error["message"] for error in errors.values())


# The quiz saves answers as typed and parses them only when graded, after submission: these
# reach the worker, which must finish each one with a message.
QUIZ_CASES = [
    "dunder import",
    "class escape",
    "NUL byte",
    "power tower",
    "factorial call",
    "deep parentheses within length",
    "power chain",
    "many tokens",
    "division by zero",
]


@pytest.mark.parametrize("label", QUIZ_CASES)
def test_a_hostile_quiz_answer_is_graded_to_a_message_after_submission(
    synced, instructor, student_a, evaluator_calls, django_capture_on_commit_callbacks, label
):
    from tests.security.conftest import open_quiz_attempt

    text = dict(HOSTILE_CASES)[label]
    attempt = open_quiz_attempt(instructor, student_a)[1]
    question = attempt.questions.select_related("problem").first()
    client = client_for(student_a)
    saved, seconds = timed(
        lambda: put_json(
            client,
            f"/api/v1/quizzes/attempts/{attempt.pk}/questions/{question.position}/answers",
            {"answers": dict.fromkeys(problem_part_keys(question.problem), text), "sequence": 1},
        )
    )
    assert seconds < REQUEST_SECONDS
    assert saved.status_code in (200, 400), saved.content[:200]
    if saved.status_code == 400:
        assert message_of(saved.json())
        return
    with django_capture_on_commit_callbacks(execute=True):
        submitted, seconds = timed(
            lambda: client.post(f"/api/v1/quizzes/attempts/{attempt.pk}/submit")
        )
    assert submitted.status_code == 200
    assert seconds < REQUEST_SECONDS, f"grading {label} took {seconds:.1f} s"
    submission = Submission.objects.get(problem_id=question.problem_id)
    assert submission.status in FINISHED | {"invalid"}, submission.status
    assert submission.message or submission.verdicts.exclude(message="").exists()
    view = client.get(f"/api/v1/quizzes/attempts/{attempt.pk}")
    assert view.status_code == 200
    assert_never_evaluated(text, evaluator_calls)
