"""Listings cost a fixed number of queries however much data there is."""

import pytest
from django.test import override_settings

from quizzes.models import ProblemTemplate
from quizzes.services.submissions import submit_answers
from quizzes.services.variant_pool import refill_variant_pool
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


@override_settings(VARIANT_BANK_PREFILL=5)
def test_next_problem_queries_do_not_grow_with_history(
    client_a, busy_student, django_assert_max_num_queries
):
    for version_id in ProblemTemplate.objects.values_list("current_version_id", flat=True):
        # The student has met the three variants banked while serving them; a warm bank, as
        # after a sync, holds two more.
        for _ in range(2):
            refill_variant_pool(version_id=version_id)
    client_a.post("/api/v1/practice/next", {}, format="json")  # loads the topic catalog
    # the practice context (learner state, any assignment, latest session), item states, the
    # insert from an unseen banked variant; a session touch at most once a minute (the token is
    # remembered)
    with django_assert_max_num_queries(4):
        assert client_a.post("/api/v1/practice/next", {}, format="json").status_code == 200


@override_settings(VARIANT_BANK_SIZE=1)
def test_a_variant_bank_miss_costs_two_more_queries(
    client_a, busy_student, django_assert_max_num_queries
):
    client_a.post("/api/v1/practice/next", {}, format="json")
    # as above, plus counting the bank, keeping the fresh variant in it and inserting it
    with django_assert_max_num_queries(6):
        assert client_a.post("/api/v1/practice/next", {}, format="json").status_code == 200
