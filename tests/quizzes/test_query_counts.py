"""Listings cost a fixed number of queries however much data there is."""

import pytest

from quizzes.services.submissions import submit_answers
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_student(student_a, make_problem, synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for template in synced.templates:
            for _ in range(3):
                problem = make_problem(student_a, template_key=template.id)
                submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    return student_a


# Token lookup + the endpoint's own reads (+ three for the topic catalog, loaded cold here).
@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/api/v1/topics", 5),
        ("/api/v1/progress", 5),
        ("/api/v1/attempts", 3),
        ("/api/v1/submissions/{submission}", 4),
        ("/api/v1/problems/{problem}", 5),
    ],
)
def test_listing_queries_are_bounded(
    client_a, busy_student, django_assert_max_num_queries, url, budget
):
    submission = busy_student.submissions.order_by("pk").last()
    url = url.format(submission=submission.pk, problem=submission.problem_id)
    with django_assert_max_num_queries(budget):
        response = client_a.get(url)
    assert response.status_code == 200


def test_next_problem_queries_do_not_grow_with_history(
    client_a, busy_student, django_assert_max_num_queries
):
    client_a.post("/api/v1/practice/next", {}, format="json")  # loads the topic catalog
    # token, learner states, seen counts, session, insert; a session touch at most once a minute
    with django_assert_max_num_queries(6):
        assert client_a.post("/api/v1/practice/next", {}, format="json").status_code == 200
