"""The student pages. Each view parses the request, checks access, calls one service or read,
and renders; the practice page's behaviour lives in static/gradient/practice.js on the JSON API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from quizzes import pages
from quizzes.forms import SignupForm
from quizzes.permissions import access_own_problem
from quizzes.services.next_problem import NoProblemAvailable, choose_next_problem
from quizzes.services.practice import TemplateUnavailable


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "quizzes/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (user := form.register()) is not None:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Welcome, {user.get_username()}! Pick a topic or press Continue."
        )
        return redirect("dashboard")
    return render(request, "quizzes/signup.html", {"form": form, "nav": "signup"})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "areas": pages.dashboard_areas(user=request.user),
        "nav": "dashboard",
    }
    return render(request, "quizzes/dashboard.html", context)


@login_required
@require_GET
def practice(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic") or None
    try:
        problem = choose_next_problem(user=request.user, topic_slug=topic)
    except (NoProblemAvailable, TemplateUnavailable) as exc:
        messages.error(request, f"{exc} Pick another topic below.")
        return redirect("dashboard")
    if reason := getattr(problem, "reason", ""):
        messages.info(request, reason)
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_GET
def problem(request: HttpRequest, problem_id: int) -> HttpResponse:
    found = access_own_problem(request.user, problem_id)
    context = {**pages.problem_page(problem=found), "nav": "practice"}
    return render(request, "quizzes/problem.html", context)


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    page = pages.attempt_history(user=request.user, page_number=request.GET.get("page"))
    return render(request, "quizzes/history.html", {"page_obj": page, "nav": "history"})
