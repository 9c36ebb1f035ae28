"""Who may see what. Roles are groups; `access_*` fetch a row the user is allowed to see.

A student sees only their own problems and submissions; another student's rows answer 404, so
their existence does not leak. Staff (instructors and admins) may read every student's work and
the answers and worked solutions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import Http404

from quizzes.models import Problem, Submission

STUDENTS = "students"
INSTRUCTORS = "instructors"
ADMINS = "admins"
STAFF_GROUPS = (INSTRUCTORS, ADMINS)

AnyUser = AbstractBaseUser | AnonymousUser


def is_staff_member(user: AnyUser) -> bool:
    """Instructors, admins and superusers. Cached on the user object for the request."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_gradient_is_staff", None)
    if cached is None:
        cached = bool(getattr(user, "is_superuser", False)) or (
            user.groups.filter(name__in=STAFF_GROUPS).exists()  # type: ignore[union-attr]
        )
        user._gradient_is_staff = cached  # type: ignore[union-attr]
    return cached


def access_problem(user: AnyUser, problem_id: int) -> Problem:
    """The problem if `user` owns it or is staff; 404 otherwise."""
    try:
        problem = Problem.objects.select_related("template", "topic").get(pk=problem_id)
    except Problem.DoesNotExist:
        raise Http404("No such problem.") from None
    # The owner is the common case: only someone else's row costs the staff lookup.
    if problem.user_id != user.pk and not is_staff_member(user):
        raise Http404("No such problem.")
    return problem


def access_own_problem(user: AnyUser, problem_id: int) -> Problem:
    """The problem only if `user` owns it: staff may read others' work but never act on it."""
    try:
        return Problem.objects.select_related("template", "topic").get(
            pk=problem_id, user_id=user.pk
        )
    except Problem.DoesNotExist:
        raise Http404("No such problem.") from None


# A quiz question's submissions are read through the quiz endpoints, which apply the quiz's
# feedback release; only a quiz that releases feedback immediately lets its submissions be read
# here (the taking page waits on them for a check's verdict).
QUIZ_FENCED = Q(problem__quiz_question__isnull=False) & ~Q(
    problem__quiz_question__attempt__quiz__feedback_release="immediately"
)


def access_submission(user: AnyUser, submission_id: int) -> Submission:
    """The submission if `user` made it or is staff, and it is not fenced off by its quiz; 404
    otherwise. Polled often while grading runs, so this costs one query."""
    try:
        submission = Submission.objects.exclude(QUIZ_FENCED).get(pk=submission_id)
    except Submission.DoesNotExist:
        raise Http404("No such submission.") from None
    if submission.user_id != user.pk and not is_staff_member(user):
        raise Http404("No such submission.")
    return submission
