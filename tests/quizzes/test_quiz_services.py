"""Timed quizzes: drawing questions, autosave ordering, server-enforced deadlines, extensions,
final submission through the grading pipeline, and regrading after a template fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Problem, QuizAttempt, QuizQuestion, Submission, TemplateVersion
from quizzes.services.quizzes import (
    AttemptClosed,
    NoAttemptsLeftOnQuiz,
    PoolItem,
    QuizError,
    QuizNotOpen,
    autosave_answers,
    expire_overdue_attempts,
    extend_attempt,
    record_attempt_score,
    regrade_template,
    start_attempt,
    submit_attempt,
)
from tests.conftest import right_answers, wrong_answers

pytestmark = pytest.mark.django_db


def questions_of(attempt):
    return list(attempt.questions.select_related("attempt", "problem").order_by("position"))


def test_each_student_gets_their_own_variants(make_quiz, student_a, student_b):
    quiz = make_quiz()
    seeds_a = [q.problem.seed for q in questions_of(start_attempt(user=student_a, quiz=quiz))]
    seeds_b = [q.problem.seed for q in questions_of(start_attempt(user=student_b, quiz=quiz))]
    assert len(seeds_a) == quiz.question_count == 3
    assert set(seeds_a).isdisjoint(seeds_b)


def test_a_fixed_order_quiz_serves_the_pool_in_order(make_quiz, student_a, synced):
    quiz = make_quiz()
    keys = [q.problem.template.key for q in questions_of(start_attempt(user=student_a, quiz=quiz))]
    assert keys == sorted(t.id for t in synced.templates)


def test_a_topic_pool_draws_from_the_topic_and_question_count_trims_the_pool(
    make_quiz, student_a, synced
):
    from quizzes.models import Topic

    topics = list(Topic.objects.filter(templates__isnull=False).distinct())
    quiz = make_quiz(pool=[PoolItem(count=2, topic=topic) for topic in topics], question_count=2)
    questions = questions_of(start_attempt(user=student_a, quiz=quiz))
    assert len(questions) == 2
    assert {q.problem.topic_id for q in questions} <= {t.pk for t in topics}


def test_starting_again_resumes_the_attempt_in_progress(make_quiz, student_a):
    quiz = make_quiz()
    first = start_attempt(user=student_a, quiz=quiz)
    assert start_attempt(user=student_a, quiz=quiz).pk == first.pk
    assert QuizAttempt.objects.count() == 1


def test_it_refuses_a_second_attempt_beyond_the_allowance(make_quiz, student_a):
    quiz = make_quiz()
    submit_attempt(attempt=start_attempt(user=student_a, quiz=quiz))
    with pytest.raises(NoAttemptsLeftOnQuiz):
        start_attempt(user=student_a, quiz=quiz)


def test_it_refuses_to_start_a_quiz_that_is_not_open(make_quiz, student_a):
    now = timezone.now()
    quiz = make_quiz(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    with pytest.raises(QuizNotOpen):
        start_attempt(user=student_a, quiz=quiz)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"question_count": 4}, "pool holds 3"),
        ({"time_limit_seconds": 5}, "time limit"),
        ({"attempts_allowed": 0}, "at least one attempt"),
    ],
)
def test_it_refuses_inconsistent_quiz_settings(make_quiz, settings, message):
    with pytest.raises(QuizError, match=message):
        make_quiz(**settings)


def test_the_deadline_never_passes_the_close_time(make_quiz, student_a):
    now = timezone.now()
    quiz = make_quiz(closes_at=now + timedelta(minutes=2), time_limit_seconds=3600)
    attempt = start_attempt(user=student_a, quiz=quiz, now=now)
    assert attempt.deadline == quiz.closes_at


def test_autosave_keeps_the_newest_save_when_an_older_one_arrives_late(make_quiz, student_a):
    question = questions_of(start_attempt(user=student_a, quiz=make_quiz()))[0]
    key = next(iter(right_answers(question.problem)))
    assert autosave_answers(question=question, answers={key: "newer"}, sequence=5).saved
    late = autosave_answers(question=question, answers={key: "older"}, sequence=4)
    repeated = autosave_answers(question=question, answers={key: "newer"}, sequence=5)
    assert not late.saved and not repeated.saved and late.sequence == 5
    question.refresh_from_db()
    assert question.answers[key] == "newer"


def test_autosave_refuses_parts_the_question_does_not_have(make_quiz, student_a):
    question = questions_of(start_attempt(user=student_a, quiz=make_quiz()))[0]
    with pytest.raises(QuizError, match="no part"):
        autosave_answers(question=question, answers={"nonsense": "1"}, sequence=1)


def test_autosave_after_the_deadline_changes_nothing(make_quiz, student_a):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    question = questions_of(attempt)[0]
    key = next(iter(right_answers(question.problem)))
    with pytest.raises(AttemptClosed):
        autosave_answers(question=question, answers={key: "late"}, sequence=1)
    question.refresh_from_db()
    assert question.answers == {}


def test_submission_grades_every_answered_question_on_the_pipeline(
    make_quiz, student_a, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    first, second, _unanswered = questions_of(attempt)
    autosave_answers(question=first, answers=right_answers(first.problem), sequence=1)
    autosave_answers(question=second, answers=wrong_answers(second.problem), sequence=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert submit_attempt(attempt=attempt)
    assert not submit_attempt(attempt=attempt)
    submissions = Submission.objects.filter(user=student_a).order_by("pk")
    assert [s.status for s in submissions] == ["graded", "graded"]
    assert record_attempt_score(attempt=attempt) == pytest.approx(
        (1.0 + (submissions[1].score or 0.0)) / 3
    )


def test_the_sweep_submits_an_overdue_attempt_with_what_was_saved(
    make_quiz, student_a, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    question = questions_of(attempt)[0]
    autosave_answers(question=question, answers=right_answers(question.problem), sequence=1)
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_overdue_attempts() == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.expired and attempt.submitted_at is not None
    assert Submission.objects.get(problem=question.problem).answers == right_answers(
        question.problem
    )


def test_an_extension_moves_only_that_students_deadline(make_quiz, student_a, student_b):
    quiz = make_quiz()
    mine = start_attempt(user=student_a, quiz=quiz)
    theirs = start_attempt(user=student_b, quiz=quiz)
    before = mine.deadline
    extend_attempt(attempt=mine, seconds=300)
    theirs_before = theirs.deadline
    theirs.refresh_from_db()
    assert mine.deadline == before + timedelta(seconds=300) and mine.extra_seconds == 300
    assert theirs.deadline == theirs_before


def test_a_submitted_attempt_cannot_be_extended(make_quiz, student_a):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    submit_attempt(attempt=attempt)
    with pytest.raises(AttemptClosed):
        extend_attempt(attempt=attempt, seconds=60)


def test_regrading_uses_the_new_version_and_keeps_the_seed(
    make_quiz, student_a, django_capture_on_commit_callbacks
):
    quiz = make_quiz()
    attempt = start_attempt(user=student_a, quiz=quiz)
    question = questions_of(attempt)[0]
    autosave_answers(question=question, answers=wrong_answers(question.problem), sequence=1)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt=attempt)
    template = question.problem.template
    old = template.current_version
    fixed = TemplateVersion.objects.create(
        template=template,
        number=old.number + 1,
        source_text=old.source_text,
        source_hash="fixed",
    )
    template.current_version = fixed
    template.save(update_fields=["current_version"])
    with django_capture_on_commit_callbacks(execute=True):
        assert regrade_template(quiz=quiz, template=template) == 1
    problem = Problem.objects.get(pk=question.problem_id)
    assert problem.template_version_id == fixed.pk and problem.seed == question.problem.seed
    question = QuizQuestion.objects.select_related("submission").get(pk=question.pk)
    assert question.submission.status == "graded"
    assert question.submission.answers == wrong_answers(problem)
    assert Submission.objects.filter(problem=problem).count() == 2


def test_two_starts_at_once_share_one_attempt(make_quiz, student_a, monkeypatch):
    from django.db.models import QuerySet

    from quizzes.services import quizzes as service

    quiz = make_quiz()
    real_create = service._create_attempt

    def create_after_a_competitor(**kwargs):
        real_create(**kwargs)
        return real_create(**kwargs)

    monkeypatch.setattr(service, "_create_attempt", create_after_a_competitor)
    # Both see no attempt yet, as two requests racing would.
    monkeypatch.setattr(QuerySet, "aggregate", lambda self, **kwargs: {"n": 0})
    attempt = start_attempt(user=student_a, quiz=quiz)
    assert QuizAttempt.objects.filter(quiz=quiz, user=student_a).get().pk == attempt.pk
