"""Timed quizzes: drawing questions, autosave ordering, server-enforced deadlines, extensions,
final submission through the grading pipeline, per-question checks, the audience, and regrading
after a template fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import (
    Problem,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizRegrade,
    Submission,
    TemplateVersion,
)
from quizzes.services.quizzes import (
    AttemptClosed,
    Audience,
    ChecksNotOffered,
    NoAttemptsLeftOnQuiz,
    NoChecksLeft,
    NotInAudience,
    PoolItem,
    QuizError,
    QuizNotOpen,
    RegradeUnderWay,
    autosave_answers,
    check_question,
    checks_used,
    expire_overdue_attempts,
    extend_attempt,
    record_attempt_score,
    request_regrade,
    run_regrade,
    start_attempt,
    submit_attempt,
    update_quiz,
)
from quizzes.services.submissions import InvalidAnswers
from tests.conftest import UserFactory, right_answers, unparsable_answers, wrong_answers

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


def submitted_with_a_wrong_answer(quiz, student, run_on_commit):
    """The student's attempt at `quiz`, submitted with question 1 answered wrong and graded."""
    attempt = start_attempt(user=student, quiz=quiz)
    question = questions_of(attempt)[0]
    autosave_answers(question=question, answers=wrong_answers(question.problem), sequence=1)
    with run_on_commit(execute=True):
        submit_attempt(attempt=attempt)
    return attempt, question


def fix_template(template):
    """A new version of the template (same source, as a sync of a fixed file would store)."""
    old = template.current_version
    fixed = TemplateVersion.objects.create(
        template=template, number=old.number + 1, source_text=old.source_text, source_hash="fixed"
    )
    template.current_version = fixed
    template.save(update_fields=["current_version"])
    return fixed


def test_regrading_runs_on_the_worker_uses_the_new_version_and_keeps_the_seed(
    make_quiz, student_a, instructor, django_capture_on_commit_callbacks
):
    quiz = make_quiz()
    attempt, question = submitted_with_a_wrong_answer(
        quiz, student_a, django_capture_on_commit_callbacks
    )
    template = question.problem.template
    fixed = fix_template(template)
    with django_capture_on_commit_callbacks(execute=True):
        regrade = request_regrade(quiz=quiz, template=template, requested_by=instructor)
        assert regrade.status == "queued" and regrade.total == 0
        # Nothing is regenerated inside the request: the work waits for the commit and a worker.
        assert Problem.objects.get(pk=question.problem_id).template_version_id != fixed.pk
    regrade.refresh_from_db()
    assert (regrade.status, regrade.total, regrade.done) == ("finished", 1, 1)
    problem = Problem.objects.get(pk=question.problem_id)
    assert problem.template_version_id == fixed.pk and problem.seed == question.problem.seed
    question = QuizQuestion.objects.select_related("submission").get(pk=question.pk)
    assert question.submission.status == "graded"
    assert question.submission.answers == wrong_answers(problem)
    assert list(regrade.submissions.all()) == [question.submission]
    assert Submission.objects.filter(problem=problem).count() == 2
    attempt.refresh_from_db()
    assert record_attempt_score(attempt=attempt) is not None


def test_a_regrade_is_claimed_once(make_quiz, student_a, instructor, monkeypatch):
    from quizzes import quiz_tasks

    quiz = make_quiz()
    submit_attempt(attempt=start_attempt(user=student_a, quiz=quiz))
    template = questions_of(QuizAttempt.objects.get())[0].problem.template
    # Queued, not yet delivered to a worker.
    monkeypatch.setattr(quiz_tasks.regrade_quiz_template_task, "delay", lambda regrade_id: None)
    regrade = request_regrade(quiz=quiz, template=template, requested_by=instructor)
    with pytest.raises(RegradeUnderWay):
        request_regrade(quiz=quiz, template=template, requested_by=instructor)
    assert run_regrade(regrade_id=regrade.pk) == "finished"
    assert run_regrade(regrade_id=regrade.pk) == "skipped"
    # Once it has finished, the same template may be regraded again.
    assert request_regrade(quiz=quiz, template=template, requested_by=instructor).pk != regrade.pk


def test_a_regrade_whose_worker_died_is_taken_over_without_regrading_twice(
    make_quiz, student_a, student_b, instructor, monkeypatch, django_capture_on_commit_callbacks
):
    from quizzes import quiz_tasks
    from quizzes.services import quizzes as service

    quiz = make_quiz()
    for student in (student_a, student_b):
        submitted_with_a_wrong_answer(quiz, student, django_capture_on_commit_callbacks)
    template = questions_of(QuizAttempt.objects.first())[0].problem.template
    fix_template(template)
    monkeypatch.setattr(quiz_tasks.regrade_quiz_template_task, "delay", lambda regrade_id: None)
    regrade = request_regrade(quiz=quiz, template=template, requested_by=instructor)
    real = service._regrade_question
    calls = []

    def dies_on_the_second(question, **kwargs):
        calls.append(question.pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(question, **kwargs)

    monkeypatch.setattr(service, "_regrade_question", dies_on_the_second)
    with pytest.raises(SystemExit):
        run_regrade(regrade_id=regrade.pk)
    regrade.refresh_from_db()
    assert (regrade.status, regrade.done) == ("running", 1)
    # The redelivered task waits until the claim is stale, then finishes the rest only.
    assert run_regrade(regrade_id=regrade.pk) == "skipped"
    QuizRegrade.objects.filter(pk=regrade.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    monkeypatch.setattr(service, "_regrade_question", real)
    assert run_regrade(regrade_id=regrade.pk) == "finished"
    regrade.refresh_from_db()
    assert (regrade.done, regrade.total, regrade.submissions.count()) == (2, 2, 2)


def test_the_regrade_task_marks_a_regrade_that_crashed_as_failed(
    make_quiz, student_a, instructor, monkeypatch
):
    from quizzes import quiz_tasks
    from quizzes.services import quizzes as service

    quiz = make_quiz()
    submit_attempt(attempt=start_attempt(user=student_a, quiz=quiz))
    template = questions_of(QuizAttempt.objects.get())[0].problem.template
    monkeypatch.setattr(quiz_tasks.regrade_quiz_template_task, "delay", lambda regrade_id: None)
    regrade = request_regrade(quiz=quiz, template=template, requested_by=instructor)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(quiz_tasks, "run_regrade", broken)
    with pytest.raises(RuntimeError):
        quiz_tasks.regrade_quiz_template_task.run(regrade.pk)
    regrade.refresh_from_db()
    assert regrade.status == "failed" and "RuntimeError" in regrade.message
    assert service.request_regrade(quiz=quiz, template=template, requested_by=instructor)


# --- per-question checks ------------------------------------------------------------------


@pytest.fixture
def checking(make_quiz, student_a):
    """Student A's attempt at a quiz that releases feedback immediately, two checks a question."""
    quiz = make_quiz(feedback_release=Quiz.Release.IMMEDIATELY, checks_per_question=2)
    attempt = start_attempt(user=student_a, quiz=quiz)
    return attempt, fetched(attempt, 1)


def fetched(attempt, position):
    """A question as the check endpoint fetches it (with its attempt, quiz and problem)."""
    return QuizQuestion.objects.select_related("attempt__quiz", "problem").get(
        attempt=attempt, position=position
    )


def test_a_check_saves_the_answers_and_grades_the_question_on_the_pipeline(
    checking, student_a, django_capture_on_commit_callbacks
):
    attempt, question = checking
    with django_capture_on_commit_callbacks(execute=True):
        result = check_question(
            user=student_a, question=question, answers=wrong_answers(question.problem), sequence=4
        )
    assert result.created and (result.checks_used, result.checks_allowed) == (1, 2)
    question.refresh_from_db()
    assert question.answers == wrong_answers(question.problem) and question.saved_sequence == 4
    submission = Submission.objects.get(pk=result.submission.pk)
    assert submission.status == "graded" and submission.correct is False
    assert submission.user_id == student_a.pk and question.submission_id == submission.pk
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_checking_the_same_answers_again_uses_no_check(checking, student_a):
    _, question = checking
    answers = wrong_answers(question.problem)
    first = check_question(user=student_a, question=question, answers=answers, sequence=1)
    again = check_question(
        user=student_a, question=fetched(question.attempt, 1), answers=answers, sequence=2
    )
    assert not again.created and again.submission.pk == first.submission.pk
    assert again.checks_used == 1 and Submission.objects.count() == 1


def test_checks_stop_at_the_quizs_allowance(checking, student_a):
    _, question = checking
    check_question(
        user=student_a, question=question, answers=wrong_answers(question.problem), sequence=1
    )
    check_question(
        user=student_a, question=question, answers=right_answers(question.problem), sequence=2
    )
    with pytest.raises(NoChecksLeft, match="every check of this question"):
        check_question(
            user=student_a,
            question=question,
            answers={k: "7" for k in right_answers(question.problem)},
            sequence=3,
        )
    assert Submission.objects.count() == 2
    # The refused check still saved what was typed, as autosave would.
    question.refresh_from_db()
    assert question.saved_sequence == 3


def test_an_unreadable_check_shows_the_parser_message_and_costs_nothing(checking, student_a):
    _, question = checking
    with pytest.raises(InvalidAnswers) as refused:
        check_question(
            user=student_a,
            question=question,
            answers=unparsable_answers(question.problem),
            sequence=1,
        )
    assert all(error["message"] for error in refused.value.errors.values())
    assert not Submission.objects.exists() and checks_used(question) == 0
    question.refresh_from_db()
    assert question.answers == unparsable_answers(question.problem)


def test_a_check_the_workers_could_not_read_is_given_back(checking, student_a):
    _, question = checking
    result = check_question(
        user=student_a, question=question, answers=wrong_answers(question.problem), sequence=1
    )
    Submission.objects.filter(pk=result.submission.pk).update(status="invalid")
    assert checks_used(fetched(question.attempt, 1)) == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"feedback_release": "after_submission"}, "only after the attempt is submitted"),
        ({"feedback_release": "after_close"}, "only after the attempt is submitted"),
        ({"feedback_release": "immediately", "checks_per_question": 0}, "does not offer checks"),
    ],
)
def test_checks_are_refused_unless_the_quiz_offers_them(make_quiz, student_a, settings, message):
    attempt = start_attempt(user=student_a, quiz=make_quiz(**settings))
    question = fetched(attempt, 1)
    with pytest.raises(ChecksNotOffered, match=message):
        check_question(
            user=student_a, question=question, answers=right_answers(question.problem), sequence=1
        )
    assert not Submission.objects.exists()


def test_checks_are_refused_once_the_attempt_is_submitted_or_overdue(checking, student_a):
    attempt, question = checking
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(AttemptClosed, match="Time is up"):
        check_question(
            user=student_a,
            question=fetched(attempt, 1),
            answers=right_answers(question.problem),
            sequence=1,
        )
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(minutes=5))
    submit_attempt(attempt=attempt)
    with pytest.raises(AttemptClosed, match="submitted"):
        check_question(
            user=student_a,
            question=fetched(attempt, 1),
            answers=right_answers(question.problem),
            sequence=2,
        )
    assert not Submission.objects.exists()


def test_only_the_student_sitting_the_attempt_checks_it(checking, student_b):
    _, question = checking
    with pytest.raises(QuizError, match="Only the student"):
        check_question(
            user=student_b, question=question, answers=right_answers(question.problem), sequence=1
        )


def test_the_final_submit_reuses_a_check_of_unchanged_answers(
    checking, student_a, django_capture_on_commit_callbacks
):
    attempt, question = checking
    second = fetched(attempt, 2)
    with django_capture_on_commit_callbacks(execute=True):
        checked = check_question(
            user=student_a, question=question, answers=right_answers(question.problem), sequence=1
        ).submission
        changed = check_question(
            user=student_a, question=second, answers=wrong_answers(second.problem), sequence=1
        ).submission
    autosave_answers(question=second, answers=right_answers(second.problem), sequence=2)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt=attempt)
    by_position = {q.position: q for q in attempt.questions.select_related("submission")}
    assert by_position[1].submission_id == checked.pk
    assert by_position[2].submission_id not in (None, changed.pk)
    assert by_position[3].submission_id is None
    assert Submission.objects.filter(problem=question.problem).count() == 1
    # Scored on the final answers; a check costs nothing.
    assert record_attempt_score(attempt=attempt) == pytest.approx(2 / 3)


def test_an_answer_cleared_after_its_check_is_scored_unanswered(
    checking, student_a, django_capture_on_commit_callbacks
):
    attempt, question = checking
    with django_capture_on_commit_callbacks(execute=True):
        check_question(
            user=student_a, question=question, answers=right_answers(question.problem), sequence=1
        )
    autosave_answers(
        question=question, answers={k: "" for k in right_answers(question.problem)}, sequence=2
    )
    submit_attempt(attempt=attempt)
    question.refresh_from_db()
    assert question.submission_id is None
    assert record_attempt_score(attempt=attempt) == 0.0


def test_a_check_still_grading_when_time_runs_out_counts_for_the_submission(
    checking, student_a, django_capture_on_commit_callbacks
):
    from quizzes.services.marking import grade_submission

    attempt, question = checking
    # The check is stored and enqueued, but no worker has graded it yet.
    pending = check_question(
        user=student_a, question=question, answers=right_answers(question.problem), sequence=1
    ).submission
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert expire_overdue_attempts() == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.expired and record_attempt_score(attempt=attempt) is None
    assert fetched(attempt, 1).submission_id == pending.pk
    grade_submission(submission_id=pending.pk)
    assert record_attempt_score(attempt=attempt) == pytest.approx(1 / 3)


# --- the audience ---------------------------------------------------------------------------


def test_a_quiz_with_an_audience_is_started_only_by_its_students(make_quiz, student_a, student_b):
    from django.contrib.auth.models import Group

    section = Group.objects.create(name="section-b")
    carol = UserFactory(username="carol", role="students")
    carol.groups.add(section)
    quiz = make_quiz(audience=Audience(students=[student_a], groups=[section]))
    assert start_attempt(user=student_a, quiz=quiz)
    assert start_attempt(user=carol, quiz=quiz)
    with pytest.raises(NotInAudience):
        start_attempt(user=student_b, quiz=quiz)


def test_staff_may_try_out_a_quiz_set_for_others(make_quiz, student_a, instructor):
    quiz = make_quiz(audience=Audience(students=[student_a]))
    assert start_attempt(user=instructor, quiz=quiz).user_id == instructor.pk


def test_an_audience_cannot_name_staff(make_quiz, instructor):
    from django.contrib.auth.models import Group

    with pytest.raises(QuizError, match="is staff"):
        make_quiz(audience=Audience(students=[instructor]))
    with pytest.raises(QuizError, match="not for the instructors group"):
        make_quiz(audience=Audience(groups=[Group.objects.get(name="instructors")]))


def test_emptying_the_audience_opens_the_quiz_to_every_student(make_quiz, student_a, student_b):
    quiz = make_quiz(audience=Audience(students=[student_a]))
    update_quiz(quiz=quiz, changes={}, audience=Audience())
    assert start_attempt(user=student_b, quiz=quiz)


@pytest.mark.parametrize("checks", [-1, 6])
def test_checks_per_question_stay_within_the_problem_attempts(make_quiz, checks, settings):
    settings.MAX_ATTEMPTS_PER_PROBLEM = 5
    with pytest.raises(QuizError, match="between 0"):
        make_quiz(checks_per_question=checks)


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
