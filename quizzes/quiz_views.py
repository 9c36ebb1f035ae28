"""Quiz pages. Instructors create quizzes and choose who takes them, follow every attempt, extend
and regrade (on the workers, the page following the progress); students list the quizzes set for
them, take one (quiz.js autosaves and checks questions on the JSON API and shows the server's
timer) and read their results as the quiz's release policy allows."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quizzes import quiz_selectors
from quizzes.models import ProblemTemplate
from quizzes.permissions import is_staff_member
from quizzes.quiz_access import access_attempt, access_quiz
from quizzes.quiz_forms import ExtendForm, QuizForm, QuizSettingsForm, RegradeForm
from quizzes.quiz_pages import take_page
from quizzes.services.quizzes import (
    QuizError,
    create_quiz,
    expire_if_overdue,
    expire_overdue_attempts,
    extend_attempt,
    record_attempt_score,
    request_regrade,
    start_attempt,
    update_quiz,
)


def require_staff(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("Quizzes are set by instructors.")


@login_required
@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    staff = is_staff_member(request.user)
    rows = [
        row
        | {
            "closes": datetime.fromisoformat(row["closes_at"]),
            "minutes": round(row["time_limit_seconds"] / 60),
        }
        for row in quiz_selectors.quizzes_for(user=request.user, for_staff=staff)
    ]
    return render(
        request, "quizzes/quiz/list.html", {"quizzes": rows, "staff": staff, "nav": "quizzes"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def quiz_new(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    form = QuizForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quiz = create_quiz(
                created_by=request.user, audience=form.audience(), **form.quiz_settings()
            )
        except QuizError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Quiz “{quiz.title}” created.")
            return redirect("quiz-detail", quiz_id=quiz.pk)
    context = {"form": form, "topics": quiz_selectors.pool_choices(), "nav": "quizzes"}
    return render(request, "quizzes/quiz/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def quiz_edit(request: HttpRequest, quiz_id: int) -> HttpResponse:
    require_staff(request)
    quiz = access_quiz(request.user, quiz_id)
    form = QuizSettingsForm(request.POST or None, initial=QuizSettingsForm.initial_for(quiz))
    if request.method == "POST" and form.is_valid():
        try:
            update_quiz(quiz=quiz, changes=form.quiz_settings(), audience=form.audience())
        except QuizError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Quiz settings saved.")
            return redirect("quiz-detail", quiz_id=quiz.pk)
    context = {"form": form, "editing": quiz, "nav": "quizzes"}
    return render(request, "quizzes/quiz/form.html", context)


@login_required
@require_GET
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = access_quiz(request.user, quiz_id)
    staff = is_staff_member(request.user)
    context = {
        "quiz": quiz_selectors.quiz_detail(quiz, for_staff=staff),
        "quiz_row": quiz,
        "staff": staff,
        "nav": "quizzes",
    }
    if staff:
        # Without a beat process (the quickstart) nothing else closes an abandoned attempt.
        expire_overdue_attempts(quiz=quiz)
        context["attempts"] = quiz_selectors.attempts_of_quiz(quiz)
        context["templates"] = quiz_selectors.templates_in_quiz(quiz)
        context["regrades"] = quiz_selectors.regrades_of_quiz(quiz)
    else:
        context["own_attempts"] = quiz_selectors.own_attempts(user=request.user, quiz=quiz)
    return render(request, "quizzes/quiz/detail.html", context)


@login_required
@require_POST
def quiz_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = access_quiz(request.user, quiz_id)
    try:
        attempt = start_attempt(user=request.user, quiz=quiz)
    except QuizError as exc:
        messages.error(request, str(exc))
        return redirect("quiz-detail", quiz_id=quiz.pk)
    return redirect("quiz-attempt", attempt_id=attempt.pk)


@login_required
@require_GET
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = access_attempt(request.user, attempt_id)
    expire_if_overdue(attempt=attempt)
    own = attempt.user_id == request.user.pk
    if own and attempt.submitted_at is None:
        context = take_page(attempt=attempt) | {"nav": "quizzes"}
        return render(request, "quizzes/quiz/take.html", context)
    record_attempt_score(attempt=attempt)
    view = quiz_selectors.attempt_view(attempt, for_staff=not own)
    return render(request, "quizzes/quiz/results.html", {"attempt": view, "nav": "quizzes"})


@login_required
@require_POST
def attempt_extend(request: HttpRequest, attempt_id: int) -> HttpResponse:
    require_staff(request)
    attempt = access_attempt(request.user, attempt_id)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            extend_attempt(attempt=attempt, seconds=form.cleaned_data["minutes"] * 60)
            messages.success(request, f"{form.cleaned_data['minutes']} more minutes given.")
        except QuizError as exc:
            messages.error(request, str(exc))
    return redirect("quiz-detail", quiz_id=attempt.quiz_id)


@login_required
@require_POST
def quiz_regrade(request: HttpRequest, quiz_id: int) -> HttpResponse:
    require_staff(request)
    quiz = access_quiz(request.user, quiz_id)
    form = RegradeForm(request.POST)
    template = None
    if form.is_valid():
        template = ProblemTemplate.objects.filter(key=form.cleaned_data["template"]).first()
    if template is None:
        messages.error(request, "Choose a template of this quiz.")
        return redirect("quiz-detail", quiz_id=quiz.pk)
    try:
        request_regrade(quiz=quiz, template=template, requested_by=request.user)
        messages.success(request, f"Regrade of “{template.title}” queued; its progress is below.")
    except QuizError as exc:
        messages.error(request, str(exc))
    return redirect("quiz-detail", quiz_id=quiz.pk)
