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


def diagnostic_template_contexts(student, run_on_commit) -> dict[str, dict]:
    """A context for each diagnostic template, built as the diagnostic views build it (for the
    test that renders every template). The synced bank slice must be in the database and
    `student` must not have started a diagnostic; `run_on_commit` is pytest-django's
    django_capture_on_commit_callbacks (grading runs once an answer commits).

    The student is offered the diagnostic, starts it (its first question), then answers until
    it finishes, right only on first-steps (the result)."""
    from quizzes import pages
    from quizzes.services.diagnostic import (
        advance_diagnostic,
        current_verdict,
        start_diagnostic_session,
        topic_graph,
    )
    from quizzes.services.submissions import submit_answers
    from quizzes.templatetags.diagnostic_tags import diagnostic_offer
    from quizzes.topic_map import topic_map_svg

    offer = diagnostic_offer(student, pages.dashboard_areas(user=student))
    session = start_diagnostic_session(user=student)
    question = {
        **pages.problem_page(problem=session.current_problem),
        "asked": len(session.questions),
        "grading": current_verdict(session=session) is not None,
        "nav": "diagnostic",
    }
    for _ in range(30):
        problem = session.current_problem
        knows = problem.topic.slug == "first-steps"
        answers = right_answers(problem) if knows else wrong_answers(problem)
        with run_on_commit(execute=True):
            submit_answers(user=student, problem=problem, answers=answers)
        session = advance_diagnostic(session=session, user=student)
        if session.status == DiagnosticSession.Status.FINISHED:
            break
    else:
        raise AssertionError("the diagnostic never finished")
    graph = topic_graph()
    topics = [
        {"slug": t.slug, "title": t.title, "percent": round(100 * session.estimates.get(t.slug, 0))}
        for t in graph
    ]
    return {
        "quizzes/diagnostic/_offer.html": offer,
        "quizzes/diagnostic/offer.html": {"nav": "diagnostic"},
        "quizzes/diagnostic/question.html": question,
        "quizzes/diagnostic/result.html": {
            "svg": topic_map_svg(graph, session.estimates),
            "topics": topics,
            "asked": len(session.questions),
            "nav": "diagnostic",
        },
    }
