import pytest
from django.test import override_settings

from quizzes.models import LearnerTopicState, PartVerdict, Problem, Submission
from quizzes.services.submissions import InvalidAnswers, NoAttemptsLeft, submit_answers
from tests.conftest import right_answers, unparsable_answers, wrong_answers

pytestmark = pytest.mark.django_db


def submit(problem, answers, capture, **kwargs):
    with capture(execute=True):
        result = submit_answers(user=problem.user, problem=problem, answers=answers, **kwargs)
    result.submission.refresh_from_db()
    return result.submission


def test_a_right_answer_is_graded_correct_with_a_verdict_per_part(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    submission = submit(problem, right_answers(problem), django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.GRADED
    assert submission.correct is True
    assert submission.score == pytest.approx(1.0)
    verdicts = PartVerdict.objects.filter(submission=submission)
    assert sorted(v.key for v in verdicts) == sorted(right_answers(problem))
    assert all(v.correct and v.status == "graded" for v in verdicts)


def test_a_wrong_answer_scores_zero_and_says_why(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    submission = submit(problem, wrong_answers(problem), django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.GRADED
    assert submission.correct is False
    assert submission.score == pytest.approx(0.0)
    assert all(v.message for v in submission.verdicts.all())


def test_input_that_does_not_parse_stores_nothing_and_uses_no_attempt(make_problem, student_a):
    problem = make_problem(student_a)
    with pytest.raises(InvalidAnswers) as caught:
        submit_answers(user=student_a, problem=problem, answers=unparsable_answers(problem))
    for error in caught.value.errors.values():
        assert error["message"]
        assert isinstance(error["position"], int)
    assert not Submission.objects.exists()
    problem.refresh_from_db()
    assert problem.attempts_used == 0


def test_a_missing_or_unknown_part_is_reported_by_name(make_problem, student_a):
    problem = make_problem(student_a)
    answers = right_answers(problem)
    missing_key = next(iter(answers))
    answers.pop(missing_key)
    answers["zz"] = "1"
    with pytest.raises(InvalidAnswers) as caught:
        submit_answers(user=student_a, problem=problem, answers=answers)
    assert set(caught.value.errors) == {missing_key, "zz"}


def test_each_graded_submission_uses_an_attempt_until_none_are_left(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    with override_settings(MAX_ATTEMPTS_PER_PROBLEM=2):
        first = submit(problem, wrong_answers(problem), django_capture_on_commit_callbacks)
        second = submit(problem, wrong_answers(problem), django_capture_on_commit_callbacks)
        with pytest.raises(NoAttemptsLeft):
            submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    assert (first.attempt_number, second.attempt_number) == (1, 2)
    assert Problem.objects.get(pk=problem.pk).attempts_used == 2


def test_a_retry_with_the_same_idempotency_key_returns_the_first_submission(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = submit_answers(
            user=student_a, problem=problem, answers=right_answers(problem), idempotency_key="k1"
        )
    again = submit_answers(
        user=student_a, problem=problem, answers=wrong_answers(problem), idempotency_key="k1"
    )
    assert first.created and not again.created
    assert again.submission.pk == first.submission.pk
    assert Submission.objects.count() == 1


def test_the_same_key_from_two_students_makes_two_submissions(
    make_problem, student_a, student_b, django_capture_on_commit_callbacks
):
    for user in (student_a, student_b):
        problem = make_problem(user)
        with django_capture_on_commit_callbacks(execute=True):
            submit_answers(
                user=user, problem=problem, answers=right_answers(problem), idempotency_key="same"
            )
    assert Submission.objects.count() == 2


def test_grading_unlocks_the_solution_and_updates_learner_state(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    problem = make_problem(student_a)
    assert problem.solution_unlocked_at is None
    submit(problem, right_answers(problem), django_capture_on_commit_callbacks)
    problem.refresh_from_db()
    assert problem.solution_unlocked_at is not None
    assert problem.best_score == pytest.approx(1.0)
    state = LearnerTopicState.objects.get(user=student_a, topic=problem.topic)
    assert (state.attempts, state.correct) == (1, 1)
    assert 0 < state.mastery <= 1


def test_mastery_rises_with_right_answers_and_falls_with_wrong_ones(
    make_problem, student_a, django_capture_on_commit_callbacks
):
    mastery = []
    for answers_of in (right_answers, right_answers, wrong_answers):
        problem = make_problem(student_a)
        submit(problem, answers_of(problem), django_capture_on_commit_callbacks)
        mastery.append(LearnerTopicState.objects.get(user=student_a, topic=problem.topic).mastery)
    assert mastery[0] < mastery[1]
    assert mastery[2] < mastery[1]


def test_the_submission_is_enqueued_only_after_commit(make_problem, student_a):
    problem = make_problem(student_a)
    # No on-commit callbacks run inside the test transaction: the row must stay pending.
    result = submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    result.submission.refresh_from_db()
    assert result.submission.status == Submission.Status.PENDING
