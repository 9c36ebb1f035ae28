import pytest
from django.db import IntegrityError, transaction

from quizzes.models import LearnerTopicState, Submission, Topic

pytestmark = pytest.mark.django_db


def make_submission(problem, **fields):
    defaults = {"problem": problem, "user": problem.user, "answers": {}, "attempt_number": 1}
    return Submission.objects.create(**(defaults | fields))


def test_an_attempt_number_is_used_once_per_problem(make_problem, student_a):
    problem = make_problem(student_a)
    make_submission(problem)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_submission(problem)


def test_an_idempotency_key_is_unique_per_user_but_blank_keys_repeat(make_problem, student_a):
    problem = make_problem(student_a)
    make_submission(problem, attempt_number=1)
    make_submission(problem, attempt_number=2)
    make_submission(problem, attempt_number=3, idempotency_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_submission(problem, attempt_number=4, idempotency_key="k")


def test_learner_state_is_one_row_per_user_and_topic(synced, student_a):
    topic = Topic.objects.first()
    LearnerTopicState.objects.create(user=student_a, topic=topic)
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerTopicState.objects.create(user=student_a, topic=topic)


def test_roles_exist_as_groups_with_staff_permissions(db):
    from django.contrib.auth.models import Group

    instructors = Group.objects.get(name="instructors")
    assert instructors.permissions.filter(codename="change_problemtemplate").exists()
    assert not instructors.permissions.filter(codename="delete_submission").exists()
    assert (
        Group.objects.get(name="admins").permissions.filter(codename="delete_submission").exists()
    )
    assert not Group.objects.get(name="students").permissions.exists()
