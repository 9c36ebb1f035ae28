"""The diagnostic pages: an offer to start or skip, one question at a time (a plain form; the
answer is graded by the workers and the page refreshes until the verdict is in), then the result
as a map of the topic graph."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from quizzes import pages
from quizzes.api.throttles import DiagnosticAnswerThrottle, page_wait, throttled_message
from quizzes.models import DiagnosticSession
from quizzes.services.diagnostic import (
    advance_diagnostic,
    current_verdict,
    latest_diagnostic,
    skip_diagnostic,
    start_diagnostic_session,
    topic_graph,
)
from quizzes.services.submissions import InvalidAnswers, NoAttemptsLeft, submit_answers
from quizzes.topic_map import topic_map_svg


@login_required
@require_GET
def diagnostic(request: HttpRequest) -> HttpResponse:
    return diagnostic_page(request)


def diagnostic_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    session = latest_diagnostic(user=request.user)
    if session is not None and session.status == DiagnosticSession.Status.ACTIVE:
        session = advance_diagnostic(session=session, user=request.user)
    if session is not None and session.status == DiagnosticSession.Status.FINISHED:
        return redirect("diagnostic-result")
    if session is None or session.current_problem is None:
        return render(request, "quizzes/diagnostic/offer.html", {"nav": "diagnostic"})
    context = {
        **pages.problem_page(problem=session.current_problem),
        "asked": len(session.questions),
        "grading": current_verdict(session=session) is not None,
        "nav": "diagnostic",
    }
    return render(request, "quizzes/diagnostic/question.html", context, status=status)


@login_required
@require_POST
def diagnostic_start(request: HttpRequest) -> HttpResponse:
    start_diagnostic_session(user=request.user)
    return redirect("diagnostic")


@login_required
@require_POST
def diagnostic_skip(request: HttpRequest) -> HttpResponse:
    skip_diagnostic(user=request.user)
    messages.info(request, "Diagnostic skipped: practice starts from the first topics.")
    return redirect("dashboard")


@login_required
@require_POST
def diagnostic_answer(request: HttpRequest) -> HttpResponse:
    session = latest_diagnostic(user=request.user)
    if session is None or session.current_problem is None:
        return redirect("diagnostic")
    # The same per-student count as the API's answer endpoint.
    wait = page_wait(request, DiagnosticAnswerThrottle())
    if wait is not None:
        messages.error(request, throttled_message(wait))
        response = diagnostic_page(request, status=429)
        response["Retry-After"] = str(math.ceil(wait))
        return response
    answers = {
        key.removeprefix("answer-"): ", ".join(request.POST.getlist(key))
        for key in request.POST
        if key.startswith("answer-")
    }
    try:
        submit_answers(user=request.user, problem=session.current_problem, answers=answers)
    except InvalidAnswers as exc:
        for key, error in exc.errors.items():
            messages.error(request, f"{key}: {error.get('message', 'cannot be read')}")
    except NoAttemptsLeft as exc:
        messages.error(request, str(exc))
    return redirect("diagnostic")


@login_required
@require_GET
def diagnostic_result(request: HttpRequest) -> HttpResponse:
    session = latest_diagnostic(user=request.user)
    if session is None or session.status != DiagnosticSession.Status.FINISHED:
        return redirect("diagnostic")
    graph = topic_graph()
    topics = [
        {"slug": t.slug, "title": t.title, "percent": round(100 * session.estimates.get(t.slug, 0))}
        for t in graph
    ]
    context = {
        "svg": topic_map_svg(graph, session.estimates),
        "topics": topics,
        "asked": len(session.questions),
        "nav": "diagnostic",
    }
    return render(request, "quizzes/diagnostic/result.html", context)
