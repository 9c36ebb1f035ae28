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
    refresh_faded_mastery,
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


def test_stored_mastery_of_mastered_topics_fades_with_time_and_only_once(synced, student_a):
    slugs = [topic.slug for topic in synced.topics][:2]
    state = apply_diagnostic_estimates(
        user=student_a, estimates={slugs[0]: 0.97, slugs[1]: 0.4}, at=AT
    )
    later = AT + timedelta(days=60)
    assert refresh_faded_mastery(now=later) == 1
    rows = {r.topic.slug: r.mastery for r in LearnerTopicState.objects.select_related("topic")}
    assert rows[slugs[0]] == pytest.approx(adaptive.topic_mastery(state, slugs[0], later))
    assert rows[slugs[0]] < 0.97
    assert rows[slugs[1]] == pytest.approx(0.4)  # not mastered: nothing to forget
    assert refresh_faded_mastery(now=later) == 0


def test_refreshing_mastery_right_after_an_answer_changes_nothing(make_problem, student_a):
    problem = make_problem(student_a)
    apply_diagnostic_estimates(user=student_a, estimates={problem.topic.slug: 0.99}, at=AT)
    record_verdict(
        user=student_a,
        topic_slug=problem.topic.slug,
        template_id=problem.template_id,
        score=1.0,
        hints_used=0,
        at=AT + timedelta(days=1),
    )
    assert refresh_faded_mastery(now=AT + timedelta(days=1)) == 0


def test_the_beat_schedule_refreshes_faded_mastery_on_the_default_queue():
    from config.celery import app
    from quizzes.schedules import beat_schedule

    entry = beat_schedule()["refresh-faded-mastery"]
    assert entry["task"] in app.tasks
    assert entry["options"]["queue"] == "default"
    assert entry["schedule"] > 0
