"""The adaptive learner model in the database: grading updates it once per submission, a
diagnostic seeds it, and the topic rows that listings read follow it."""

from datetime import UTC, datetime, timedelta

import pytest

import adaptive
from quizzes.models import ItemState, LearnerModelState, LearnerTopicState, Submission
from quizzes.services.learner_model import (
    apply_diagnostic_estimates,
    load_learner_state,
    record_verdict,
)
from quizzes.services.marking import grade_submission
from quizzes.services.submissions import submit_answers
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_student_without_answers_has_a_fresh_state(synced, student_a):
    assert load_learner_state(user=student_a) == adaptive.initial_state()
    assert not LearnerModelState.objects.exists()


def test_a_verdict_updates_the_learner_the_template_and_the_topic_row(make_problem, student_a):
    problem = make_problem(student_a)
    slug = problem.topic.slug
    state = record_verdict(
        user=student_a,
        topic_slug=slug,
        template_id=problem.template_id,
        score=1.0,
        hints_used=0,
        at=AT,
    )
    assert state["topics"][slug]["attempts"] == 1
    assert load_learner_state(user=student_a) == state
    row = LearnerTopicState.objects.get(user=student_a, topic=problem.topic)
    assert (row.attempts, row.correct) == (1, 1)
    assert row.mastery == pytest.approx(adaptive.topic_mastery(state, slug, AT))
    assert row.last_practised_at == AT
    item = ItemState.objects.get(template_id=problem.template_id)
    assert item.attempts == 1
    assert item.state


def test_a_wrong_answer_lowers_mastery_and_a_hint_weakens_a_right_one(make_problem, student_a):
    problem = make_problem(student_a)
    common = {"topic_slug": problem.topic.slug, "template_id": problem.template_id, "at": AT}
    right = record_verdict(user=student_a, score=1.0, hints_used=0, **common)
    wrong = record_verdict(user=student_a, score=0.0, hints_used=0, **common)
    slug = problem.topic.slug
    assert adaptive.topic_mastery(wrong, slug) < adaptive.topic_mastery(right, slug)
    hinted = adaptive.record_answer(
        right, {}, topic=slug, template_id="x", score=1.0, hints_used=2, at=AT
    )[0]
    unhinted = adaptive.record_answer(
        right, {}, topic=slug, template_id="x", score=1.0, hints_used=0, at=AT
    )[0]
    assert adaptive.topic_mastery(hinted, slug) < adaptive.topic_mastery(unhinted, slug)


def test_a_redelivered_grading_task_counts_once(make_problem, student_a):
    problem = make_problem(student_a)
    result = submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    submission = result.submission
    submission.refresh_from_db()
    if submission.status == Submission.Status.PENDING:
        assert grade_submission(submission_id=submission.pk) == Submission.Status.GRADED
    assert grade_submission(submission_id=submission.pk) == "skipped"
    state = load_learner_state(user=student_a)
    assert state["topics"][problem.topic.slug]["attempts"] == 1
    assert LearnerModelState.objects.get(user=student_a).revision == 1
    assert LearnerTopicState.objects.get(user=student_a, topic=problem.topic).attempts == 1


def test_diagnostic_estimates_seed_mastery_and_test_out(synced, student_a):
    slugs = [topic.slug for topic in synced.topics][:2]
    state = apply_diagnostic_estimates(
        user=student_a, estimates={slugs[0]: 0.97, slugs[1]: 0.3, "no-such-topic": 0.9}, at=AT
    )
    assert adaptive.is_mastered(state, slugs[0])
    assert not adaptive.is_mastered(state, slugs[1])
    rows = {r.topic.slug: r for r in LearnerTopicState.objects.select_related("topic")}
    assert set(rows) == set(slugs)
    assert rows[slugs[0]].mastery == pytest.approx(0.97)
    assert rows[slugs[0]].state["mastered"] is True
    assert rows[slugs[1]].attempts == 0


def test_mastery_on_the_topic_row_is_the_models_value_at_grading_time(make_problem, student_a):
    problem = make_problem(student_a)
    slug = problem.topic.slug
    apply_diagnostic_estimates(user=student_a, estimates={slug: 0.99}, at=AT)
    later = AT + timedelta(days=60)
    state = record_verdict(
        user=student_a,
        topic_slug=slug,
        template_id=problem.template_id,
        score=1.0,
        hints_used=0,
        at=later,
    )
    row = LearnerTopicState.objects.get(user=student_a, topic=problem.topic)
    assert row.mastery == pytest.approx(adaptive.topic_mastery(state, slug, later))
