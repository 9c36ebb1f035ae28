"""The adaptive diagnostic through the JSON API: real problems graded by the submission
pipeline, the result on the topic map and in the learner model, and who may do what."""

import pytest

from quizzes.models import DiagnosticSession, LearnerTopicState, Problem
from tests.conftest import right_answers, wrong_answers

pytestmark = pytest.mark.django_db

BASICS = {"first-steps", "side-road"}


@pytest.fixture
def graded_on_commit(client_a, django_capture_on_commit_callbacks):
    """Client A's answers are graded in-process as soon as the request commits."""
    post = client_a.post

    def post_then_run_callbacks(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client_a.post = post_then_run_callbacks
    return client_a


def take_diagnostic(client, knows: set[str]) -> dict:
    """Answer every question right on the topics in `knows` and wrong elsewhere."""
    view = client.post("/api/v1/diagnostic/start").json()
    for _ in range(30):
        if view["status"] != "active":
            break
        problem = Problem.objects.get(pk=view["question"]["id"])
        answers = right_answers(problem) if problem.topic.slug in knows else wrong_answers(problem)
        assert (
            client.post(
                "/api/v1/diagnostic/answer", {"answers": answers}, format="json"
            ).status_code
            == 202
        )
        view = client.get("/api/v1/diagnostic/next").json()
    assert view["status"] == "finished"
    return client.get("/api/v1/diagnostic/result").json()


def test_a_student_who_knows_only_the_basics_ends_with_the_basics_mastered(
    synced, graded_on_commit, student_a
):
    result = take_diagnostic(graded_on_commit, BASICS)
    estimates = result["estimates"]
    assert estimates["first-steps"] >= 0.5 and estimates["side-road"] >= 0.5
    assert estimates["next-steps"] < 0.5
    stored = {
        s.topic.slug: s.mastery
        for s in LearnerTopicState.objects.filter(user=student_a).select_related("topic")
    }
    assert stored["next-steps"] < 0.5 <= stored["first-steps"]


def test_a_student_who_knows_everything_ends_with_every_topic_mastered(synced, graded_on_commit):
    result = take_diagnostic(graded_on_commit, {"first-steps", "next-steps", "side-road"})
    assert all(p >= 0.9 for p in result["estimates"].values())
    assert all(q["correct"] for q in result["questions"])
    svg = graded_on_commit.get("/api/v1/diagnostic/map").json()["svg"]
    assert svg.startswith("<svg") and 'data-topic="next-steps"' in svg


def test_the_next_question_waits_for_grading(synced, client_a):
    first = client_a.post("/api/v1/diagnostic/start").json()
    problem = Problem.objects.get(pk=first["question"]["id"])
    client_a.post("/api/v1/diagnostic/answer", {"answers": right_answers(problem)}, format="json")
    waiting = client_a.get("/api/v1/diagnostic/next").json()
    assert waiting["grading"] is True and waiting["asked"] == 1
    assert waiting["question"]["id"] == problem.pk


def test_starting_twice_continues_the_same_diagnostic(synced, client_a):
    first = client_a.post("/api/v1/diagnostic/start").json()
    again = client_a.post("/api/v1/diagnostic/start").json()
    assert again["id"] == first["id"] and again["question"]["id"] == first["question"]["id"]


def test_a_question_shows_no_answer(synced, client_a):
    question = client_a.post("/api/v1/diagnostic/start").json()["question"]
    problem = Problem.objects.get(pk=question["id"])
    text = str(question)
    assert "solution" not in question
    assert all(f"'{answer}'" not in text for answer in right_answers(problem).values())


def test_skipping_closes_the_diagnostic_without_estimates(synced, client_a, student_a):
    client_a.post("/api/v1/diagnostic/start")
    assert client_a.post("/api/v1/diagnostic/skip").json()["status"] == "skipped"
    assert client_a.get("/api/v1/diagnostic/next").status_code == 404
    assert client_a.get("/api/v1/diagnostic/result").status_code == 404
    assert not LearnerTopicState.objects.filter(user=student_a).exists()


def test_one_students_diagnostic_is_invisible_to_another(synced, client_a, client_b):
    client_a.post("/api/v1/diagnostic/start")
    assert client_b.get("/api/v1/diagnostic/next").status_code == 404
    assert (
        client_b.post(
            "/api/v1/diagnostic/answer", {"answers": {"a": "1"}}, format="json"
        ).status_code
        == 404
    )
    assert DiagnosticSession.objects.get().questions[0]["problem"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/diagnostic/start"),
        ("get", "/api/v1/diagnostic/next"),
        ("post", "/api/v1/diagnostic/answer"),
        ("get", "/api/v1/diagnostic/result"),
        ("get", "/api/v1/diagnostic/map"),
        ("post", "/api/v1/diagnostic/skip"),
    ],
)
def test_anonymous_visitors_are_refused(synced, anonymous_client, method, url):
    assert getattr(anonymous_client, method)(url).status_code in (401, 403)


def test_reading_the_next_question_costs_a_bounded_number_of_queries(
    synced, client_a, django_assert_max_num_queries
):
    client_a.post("/api/v1/diagnostic/start")
    client_a.get("/api/v1/diagnostic/next")
    with django_assert_max_num_queries(9):
        assert client_a.get("/api/v1/diagnostic/next").status_code == 200
