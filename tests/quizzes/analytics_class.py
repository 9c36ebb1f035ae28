"""A small class for the analytics tests: three students with known mastery and a few graded
answers on one template, with times and hints chosen so every figure can be worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import LearnerTopicState, PartVerdict, Problem, Submission, Topic
from tests.conftest import UserFactory, right_answers


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", role="students")


@pytest.fixture
def small_class(synced, student_a, student_b, carol):
    """alice: first-steps 0.9 (5 tries), next-steps 0.6 (3); bob: first-steps 0.3 (2);
    carol has not practised."""
    first, second = Topic.objects.get(slug="first-steps"), Topic.objects.get(slug="next-steps")
    for user, topic, mastery, attempts in [
        (student_a, first, 0.9, 5),
        (student_a, second, 0.6, 3),
        (student_b, first, 0.3, 2),
    ]:
        LearnerTopicState.objects.create(
            user=user, topic=topic, mastery=mastery, attempts=attempts, correct=attempts // 2
        )
    return {"alice": student_a, "bob": student_b, "carol": carol}


# Submissions: t0 is when each problem was served.
def answered(problem, attempt, *, score, correct, after_s, wrong_text=None):
    keys = list(right_answers(problem))
    answers = dict(right_answers(problem))
    if wrong_text is not None:
        answers[keys[0]] = wrong_text
    at = problem.created_at + timedelta(seconds=after_s)
    submission = Submission.objects.create(
        problem=problem,
        user=problem.user,
        answers=answers,
        status=Submission.Status.GRADED,
        attempt_number=attempt,
        score=score,
        correct=correct,
        graded_at=at,
    )
    Submission.objects.filter(pk=submission.pk).update(created_at=at)
    for key in keys:
        PartVerdict.objects.create(
            submission=submission,
            key=key,
            status="graded",
            correct=not (wrong_text is not None and key == keys[0]),
            score=1.0,
        )
    return submission


@pytest.fixture
def answered_class(small_class, make_problem):
    """On the first template: alice wrong ("2*3") then right, after 30 s and 50 s with one hint;
    bob right at once after 10 s; carol half right with "6" after an hour (capped at 20 min)."""
    served = timezone.now() - timedelta(days=1)
    problems = {}
    for name, user in small_class.items():
        problem = make_problem(user)
        Problem.objects.filter(pk=problem.pk).update(created_at=served)
        problem.refresh_from_db()
        problems[name] = problem
    Problem.objects.filter(pk=problems["alice"].pk).update(hints_revealed=1)
    answered(problems["alice"], 1, score=0.0, correct=False, after_s=30, wrong_text="2*3")
    answered(problems["alice"], 2, score=1.0, correct=True, after_s=50)
    answered(problems["bob"], 1, score=1.0, correct=True, after_s=10)
    answered(problems["carol"], 1, score=0.5, correct=False, after_s=3600, wrong_text="6")
    return problems
