"""The diagnostic pages: offered on the dashboard until taken or skipped, one question at a
time through plain forms, the result as a map of the topic graph."""

import pytest
from django.test import Client

from quizzes.models import DiagnosticSession, Problem
from tests.conftest import right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_a(student_a, django_capture_on_commit_callbacks):
    """Student A logged in; each POST's grading runs in-process once the request commits."""
    client = Client()
    client.force_login(student_a)
    post = client.post

    def post_then_run_callbacks(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_then_run_callbacks
    return client


def answer_all(client, knows: set[str]) -> None:
    client.post("/diagnostic/start")
    for _ in range(30):
        session = DiagnosticSession.objects.get()
        if session.status != "active":
            return
        problem = Problem.objects.get(pk=session.current_problem_id)
        answers = right_answers(problem) if problem.topic.slug in knows else wrong_answers(problem)
        client.post("/diagnostic/answer", {f"answer-{k}": v for k, v in answers.items()})
        client.get("/diagnostic")
    raise AssertionError("the diagnostic never finished")


def mastery_on_map(html: str, slug: str) -> float:
    marker = f'data-topic="{slug}" data-mastery="'
    start = html.index(marker) + len(marker)
    return float(html[start : html.index('"', start)])


def test_the_dashboard_offers_the_diagnostic_until_it_is_skipped(synced, browser_a):
    assert "diagnostic-banner" in browser_a.get("/dashboard").content.decode()
    assert browser_a.post("/diagnostic/skip").status_code == 302
    assert "diagnostic-banner" not in browser_a.get("/dashboard").content.decode()


def test_a_question_page_shows_a_real_problem_without_its_answer(synced, browser_a):
    browser_a.post("/diagnostic/start")
    page = browser_a.get("/diagnostic").content.decode()
    problem = Problem.objects.get()
    assert 'id="diagnostic-answer"' in page and problem.topic.title in page
    assert "Worked solution" not in page


def test_a_student_who_knows_only_the_basics_sees_them_green_on_the_map(synced, browser_a):
    answer_all(browser_a, {"first-steps", "side-road"})
    html = browser_a.get("/diagnostic/result").content.decode()
    assert mastery_on_map(html, "first-steps") >= 0.5
    assert mastery_on_map(html, "side-road") >= 0.5
    assert mastery_on_map(html, "next-steps") < 0.5
    assert "diagnostic-banner" not in browser_a.get("/dashboard").content.decode()


def test_a_student_who_knows_everything_sees_every_topic_mastered(synced, browser_a):
    answer_all(browser_a, {"first-steps", "next-steps", "side-road"})
    html = browser_a.get("/diagnostic/result").content.decode()
    assert all(mastery_on_map(html, s) >= 0.9 for s in ("first-steps", "next-steps", "side-road"))


def test_the_result_page_waits_for_a_finished_diagnostic(synced, browser_a):
    assert browser_a.get("/diagnostic/result")["Location"] == "/diagnostic"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/diagnostic"),
        ("post", "/diagnostic/start"),
        ("post", "/diagnostic/answer"),
        ("post", "/diagnostic/skip"),
        ("get", "/diagnostic/result"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(synced, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302 and "/login" in response["Location"]
