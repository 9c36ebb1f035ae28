"""Practice chosen by the adaptive engine: students who answer everything right, everything
wrong, or come back after weeks; a chosen topic and an assignment override it; reads stay
constant-query however long the history."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import adaptive
from quizzes.models import LearnerTopicState, Topic
from quizzes.services.assignments import AssignmentSpec, create_assignment
from quizzes.services.learner_model import record_verdict
from quizzes.services.next_problem import choose_next_problem

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def practise(user, answers, *, score, start=START, seed=0):
    """Serve and answer `answers` problems a minute apart; returns (topic, reason) per problem
    and the time after the last one."""
    rng = np.random.default_rng(seed)
    served = []
    at = start
    for _ in range(answers):
        problem = choose_next_problem(user=user, now=at, rng=rng)
        served.append((problem.topic.slug, problem.reason))
        record_verdict(
            user=user,
            topic_slug=problem.topic.slug,
            template_id=problem.template_id,
            score=score,
            hints_used=0,
            at=at,
        )
        at += timedelta(minutes=1)
    return served, at


def test_a_student_who_answers_everything_right_moves_on_through_the_graph(synced, student_a):
    served, _ = practise(student_a, 24, score=1.0, seed=1)
    topics = [topic for topic, _ in served]
    assert topics[0] == "first-steps"
    assert {"first-steps", "next-steps", "side-road"} <= set(topics)
    assert topics.index("next-steps") > topics.index("first-steps")
    assert served[topics.index("next-steps")][1] == "next: you've mastered first steps"
    assert all(reason for _, reason in served)
    mastered = LearnerTopicState.objects.filter(user=student_a, state__mastered=True)
    assert mastered.count() == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_student_who_answers_everything_wrong_stays_on_basics(synced, student_a, seed):
    served, _ = practise(student_a, 15, score=0.0, seed=seed)
    topics = {topic for topic, _ in served}
    assert "next-steps" not in topics  # locked behind first-steps
    assert topics <= {"first-steps", "side-road"}
    assert not LearnerTopicState.objects.filter(user=student_a, state__mastered=True).exists()


def test_a_student_back_after_weeks_gets_a_review_saying_when_they_last_practised(
    synced, student_a
):
    served, at = practise(student_a, 24, score=1.0)
    back = at + timedelta(days=40)
    problem = choose_next_problem(user=student_a, now=back, rng=np.random.default_rng(0))
    assert problem.reason.startswith("review")
    assert "last practised 40 days ago" in problem.reason


def test_a_chosen_topic_overrides_the_policy(synced, student_a):
    problem = choose_next_problem(user=student_a, topic_slug="side-road")
    assert problem.topic.slug == "side-road"
    assert problem.reason == "your choice: Side road"


def test_an_open_assignment_overrides_the_policy_and_counts_towards_it(
    synced, student_a, instructor
):
    assignment = create_assignment(
        created_by=instructor,
        spec=AssignmentSpec(
            title="Side roads first",
            topics=[Topic.objects.get(slug="side-road")],
            templates=[],
            students=[student_a.pk],
            problem_count=2,
        ),
    )
    problem = choose_next_problem(user=student_a, now=START, rng=np.random.default_rng(0))
    assert problem.topic.slug == "side-road"
    assert problem.assignment_id == assignment.pk
    assert problem.reason == "assigned by your instructor: Side road"


def test_an_assignment_not_yet_open_does_not_override(synced, student_a, instructor):
    create_assignment(
        created_by=instructor,
        spec=AssignmentSpec(
            title="Later",
            topics=[Topic.objects.get(slug="side-road")],
            templates=[],
            students=[student_a.pk],
            problem_count=2,
            opens_at=datetime(2999, 1, 1, tzinfo=UTC),
        ),
    )
    problem = choose_next_problem(user=student_a, now=START, rng=np.random.default_rng(0))
    assert problem.topic.slug == "first-steps"
    assert problem.assignment_id is None


def test_the_api_returns_the_reason_with_the_next_problem(synced, client_a):
    response = client_a.post(reverse("api:next-problem"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["reason"]


def queries_of(call):
    call()  # warm the per-process caches (catalog, API token) first
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_next_problem_and_progress_queries_stay_flat_as_history_grows(synced, student_a, client_a):
    practise(student_a, 2, score=1.0)
    short = (
        queries_of(lambda: choose_next_problem(user=student_a, now=START)),
        queries_of(lambda: client_a.get(reverse("api:progress"))),
    )
    practise(student_a, 20, score=0.5, start=START + timedelta(hours=1))
    long = (
        queries_of(lambda: choose_next_problem(user=student_a, now=START + timedelta(hours=2))),
        queries_of(lambda: client_a.get(reverse("api:progress"))),
    )
    assert long == short


def test_the_practice_page_shows_why_the_problem_was_served(synced, student_a, client):
    client.force_login(student_a)
    response = client.get(reverse("practice"), follow=True)
    assert response.status_code == 200
    assert "next: first steps has no prerequisites" in response.content.decode()


def test_item_states_are_read_once_per_cache_period(synced, student_a, settings):
    from quizzes.models import ItemState
    from quizzes.services.next_problem import forget_item_states, item_states

    settings.ITEM_STATE_CACHE_SECONDS = 60.0
    forget_item_states()
    try:
        item = ItemState.objects.first()
        item.attempts, item.state = 1, {"difficulty": 0.5}
        item.save()
        first = item_states()
        assert first == {str(item.template_id): {"difficulty": 0.5}}
        ItemState.objects.filter(pk=item.pk).update(state={"difficulty": 2.0})
        with CaptureQueriesContext(connection) as queries:
            assert item_states() == first
        assert len(queries) == 0
        forget_item_states()
        assert item_states()[str(item.template_id)] == {"difficulty": 2.0}
    finally:
        forget_item_states()


def test_the_practice_context_is_one_read_of_state_assignments_and_latest_session(
    synced, student_a, student_b, instructor
):
    from quizzes.models import PracticeSession
    from quizzes.services.next_problem import practice_context

    fresh = practice_context(user=student_a)
    assert not fresh.has_assignments and fresh.latest_session is None
    assert fresh.state == adaptive.initial_state()

    practise(student_a, 2, score=1.0)
    create_assignment(
        created_by=instructor,
        spec=AssignmentSpec(
            title="One", topics=[Topic.objects.get(slug="side-road")], templates=[],
            students=[student_a.pk], problem_count=1,
        ),
    )  # fmt: skip
    later = timezone.now() + timedelta(hours=1)
    older = PracticeSession.objects.create(user=student_a, last_activity_at=later)
    newer = PracticeSession.objects.create(
        user=student_a, last_activity_at=later + timedelta(minutes=5)
    )
    with CaptureQueriesContext(connection) as queries:
        context = practice_context(user=student_a)
    assert len(queries) == 1
    assert context.has_assignments
    assert context.latest_session.pk == newer.pk != older.pk
    assert context.state["answers"] == 2
    # Another student's rows are not theirs.
    assert not practice_context(user=student_b).has_assignments
