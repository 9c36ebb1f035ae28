"""Who may reach a quiz, an attempt or a question; and the fence that keeps quiz questions out of
the practice endpoints.

Students see the quizzes set for them (every quiz without an audience) and only their own
attempts: another student's attempt, or a quiz set for others, answers 404. Staff create and edit
quizzes, read every attempt and extend or regrade, but never type into a student's attempt."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from quizzes.models import Quiz, QuizAttempt, QuizQuestion
from quizzes.permissions import AnyUser, is_staff_member
from quizzes.quiz_selectors import in_audience


def access_quiz(user: AnyUser, quiz_id: int) -> Quiz:
    """The quiz if it is set for `user` (or for everyone), or `user` is staff; 404 otherwise.
    A student in the audience costs one query."""
    quiz = Quiz.objects.filter(in_audience(user), pk=quiz_id).first()
    if quiz is None and is_staff_member(user):
        quiz = Quiz.objects.filter(pk=quiz_id).first()
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def access_attempt(user: AnyUser, attempt_id: int) -> QuizAttempt:
    """The attempt if `user` made it or is staff; 404 otherwise."""
    try:
        attempt = QuizAttempt.objects.select_related("quiz").get(pk=attempt_id)
    except QuizAttempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    if attempt.user_id != user.pk and not is_staff_member(user):
        raise Http404("No such attempt.")
    return attempt


def access_own_attempt(user: AnyUser, attempt_id: int) -> QuizAttempt:
    try:
        return QuizAttempt.objects.select_related("quiz").get(pk=attempt_id, user_id=user.pk)
    except QuizAttempt.DoesNotExist:
        raise Http404("No such attempt.") from None


def access_own_question(user: AnyUser, attempt_id: int, position: int) -> QuizQuestion:
    """A question of the user's own attempt, with its attempt, quiz and problem (one query)."""
    try:
        return QuizQuestion.objects.select_related("attempt__quiz", "problem").get(
            attempt_id=attempt_id, position=position, attempt__user_id=user.pk
        )
    except QuizQuestion.DoesNotExist:
        raise Http404("No such question.") from None


PROBLEM_PATH = re.compile(r"^/(?:api/v1/)?problems/(\d+)(?:/|$)")


def is_fenced(method: str, path: str) -> bool:
    """Whether a practice endpoint is asked about a quiz question.

    Quiz problems belong to the quiz's author, so the practice endpoints already refuse them to
    students; two holes remain, closed here. A quiz submission is the student's own, and its
    practice view would show verdicts before the quiz's feedback release; and the author could
    act on a quiz problem (submit, reveal hints) through the practice endpoints. Reading a
    problem (GET) stays open to its author and staff.

    The first hole is closed where the submission is read, in the same query
    (`quizzes.permissions.access_submission`, `QUIZ_FENCED`): a quiz that releases feedback
    immediately keeps its submissions readable (by their student and staff, as any submission),
    since the taking page waits for a check's verdict on the same long-poll as practice. The
    submission view carries verdicts and the student's own answers, never the expected answers
    or the worked solution."""
    if method != "GET" and (match := PROBLEM_PATH.match(path)):
        return QuizQuestion.objects.filter(problem_id=int(match.group(1))).exists()
    return False


class QuizProblemFence:
    """Middleware: quiz questions and their submissions are out of the practice endpoints' reach."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_fenced(request.method or "GET", request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": "No such problem."}, status=404)
            raise Http404("No such problem.")
        return self.get_response(request)
