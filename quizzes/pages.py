"""Reads behind the student pages: the dashboard's topic cards, a problem page's state and the
attempt history. Writes stay in `quizzes.services`; these functions only shape data for templates.

Nothing here hands an answer or a listed mistake to the page before the student has a graded
submission: the client sees prompts, allowed variable names and its own verdicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.urls import reverse

from content.topics import AREAS
from quizzes.models import Problem, Submission
from quizzes.selectors import attempts_of, may_see_solution, problem_view, topic_map
from quizzes.services.variants import variant_from_snapshot

AREA_TITLES: Mapping[str, str] = {
    "linear-algebra": "Linear algebra",
    "calculus": "Calculus",
    "probability": "Probability and statistics",
    "optimization": "Optimization",
    "neural-networks": "Neural networks",
}

# Part options the browser may know: they change how the input is read, never what is right.
CLIENT_OPTION_KEYS = ("variables", "complex", "assume", "allow_floats", "multiple")

TYPING_HINTS: Mapping[str, str] = {
    "expression": "Type e.g. 3x^2 + 2x, sin(x), exp(-x), sqrt(x), ln(x); 2x means 2·x.",
    "number": "A number: 0.25, 1/4, sqrt(2)/2 or 2.5e-3.",
    "matrix": "Type a matrix by rows: [[1,2],[3,4]]. A column vector: [1,2,3].",
    "equation": "An equation, e.g. y = 2x + 1.",
    "set": "A set in braces, e.g. {1, 3}.",
}

API_ROOT = "/api/v1/"
HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class TopicCard:
    slug: str
    title: str
    description: str
    mastery_percent: int
    attempts: int
    correct: int
    locked: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class AreaSection:
    slug: str
    title: str
    topics: tuple[TopicCard, ...]


def dashboard_areas(*, user: AbstractBaseUser) -> list[AreaSection]:
    """Topics grouped by area in graph order, with this user's mastery and lock state (the
    selector's unlock rule, so the dashboard and the next-problem policy agree)."""
    mapped = topic_map(user=user)
    cards: dict[str, list[TopicCard]] = {}
    for topic in mapped.topics:
        state = mapped.states.get(topic.pk)
        missing = tuple(
            pre.title for pre in topic.prerequisites.all() if not mapped.mastered(pre.pk)
        )
        cards.setdefault(topic.area, []).append(
            TopicCard(
                slug=topic.slug,
                title=topic.title,
                description=topic.description,
                mastery_percent=round(max(0.0, min(1.0, mapped.mastery(topic.pk))) * 100),
                attempts=state.attempts if state else 0,
                correct=state.correct if state else 0,
                locked=topic.pk not in mapped.unlocked,
                missing=missing,
            )
        )
    ordered_areas = [area for area in AREAS if area in cards] + sorted(set(cards) - set(AREAS))
    return [
        AreaSection(
            slug=area,
            title=AREA_TITLES.get(area, area.replace("-", " ").capitalize()),
            topics=tuple(cards[area]),
        )
        for area in ordered_areas
    ]


def api_urls(problem_id: int) -> dict[str, str]:
    """The JSON endpoints the practice page calls (`__id__` is filled in by the page)."""
    base = f"{API_ROOT}problems/{problem_id}"
    return {
        "preview": f"{API_ROOT}preview",
        "problem": base,
        "submit": f"{base}/submissions",
        "hints": f"{base}/hints",
        "another": f"{base}/another",
        "submission": f"{API_ROOT}submissions/__id__",
        "page": reverse("problem", args=[0]).removesuffix("0") + "__id__",
    }


def _choices_of(raw: object) -> list[dict[str, str]]:
    choices = []
    for entry in raw if isinstance(raw, Sequence) and not isinstance(raw, str) else ():
        if isinstance(entry, Mapping):
            value = str(entry.get("label") or entry.get("value") or "")
            text = str(entry.get("text_html") or entry.get("text") or value)
        elif isinstance(entry, Sequence) and not isinstance(entry, str) and len(entry) == 2:
            value, text = str(entry[0]), str(entry[1])
        else:
            value = text = str(entry)
        choices.append({"value": value, "text_html": text})
    return choices


def problem_page(*, problem: Problem) -> dict[str, Any]:
    """Template context for a problem page: what to render and the script's starting state."""
    view = problem_view(problem, reveal_solution=may_see_solution(problem=problem, is_staff=False))
    variant_parts = {part.key: part for part in variant_from_snapshot(problem.snapshot).parts}
    parts = []
    client_parts = []
    for part in view["parts"]:
        variant_part = variant_parts.get(part["key"])
        options = dict(variant_part.options) if variant_part else {}
        raw_choices = (variant_part.choices if variant_part else ()) or part.get("choices")
        client_options = {k: options[k] for k in CLIENT_OPTION_KEYS if k in options}
        parts.append(
            {
                "key": part["key"],
                "kind": part["kind"],
                "prompt_html": part["prompt"] or "Your answer",
                "typing_hint": _typing_hint(part["kind"], client_options),
                "choices": _choices_of(raw_choices) if part["kind"] == "choice" else [],
                "multiple": bool(options.get("multiple")),
            }
        )
        client_parts.append({"key": part["key"], "kind": part["kind"], "options": client_options})
    page_data = {
        "id": problem.pk,
        "topic": view["topic"],
        "parts": client_parts,
        "hints": view["hints"],
        "hints_remaining": view["hints_available"] - len(view["hints"]),
        "submissions": view["submissions"],
        "solution": view.get("solution"),
        "urls": api_urls(problem.pk),
        "attempts_used": problem.attempts_used,
        "max_attempts": settings.MAX_ATTEMPTS_PER_PROBLEM,
    }
    return {
        "problem": {
            "id": problem.pk,
            "topic_slug": problem.topic.slug,
            "topic_title": problem.topic.title,
            "template_title": view["title"],
            "statement_html": view["statement"],
            "parts": parts,
            "attempts_used": problem.attempts_used,
            "max_attempts": settings.MAX_ATTEMPTS_PER_PROBLEM,
        },
        "page_data": page_data,
        "max_answer_length": settings.MAX_ANSWER_LENGTH,
    }


def _typing_hint(kind: str, options: Mapping[str, Any]) -> str:
    hint = TYPING_HINTS.get(kind, "")
    variables = options.get("variables") or ()
    if kind in ("expression", "equation") and variables:
        hint += " Variables: " + ", ".join(str(name) for name in variables) + "."
    return hint


@dataclass(frozen=True)
class HistoryRow:
    problem_id: int
    template_title: str
    topic_title: str
    attempt_number: int
    created_at: Any
    result: str
    badge: str


def _result_of(submission: Submission) -> tuple[str, str]:
    if submission.status == Submission.Status.GRADED:
        score = submission.score or 0.0
        if score >= 1.0:
            return "Correct", "graded-correct"
        if score > 0.0:
            return f"Partly right ({round(score * 100)}%)", "graded-partial"
        return "Incorrect", "graded-incorrect"
    return {
        Submission.Status.PENDING: ("Waiting to be graded", ""),
        Submission.Status.GRADING: ("Grading…", ""),
        Submission.Status.INVALID: ("Could not be read", "graded-incorrect"),
        Submission.Status.FAILED: ("Not graded (server error)", "graded-incorrect"),
    }.get(submission.status, (submission.status, ""))


def attempt_history(*, user: AbstractBaseUser, page_number: str | int | None) -> Page:
    """The user's submissions, newest first, one page of HistoryRow (two queries)."""
    page = Paginator(attempts_of(user=user), HISTORY_PAGE_SIZE).get_page(page_number)
    rows = []
    for submission in page.object_list:
        result, badge = _result_of(submission)
        rows.append(
            HistoryRow(
                problem_id=submission.problem_id,
                template_title=submission.problem.template.title,
                topic_title=submission.problem.topic.title,
                attempt_number=submission.attempt_number,
                created_at=submission.created_at,
                result=result,
                badge=badge,
            )
        )
    page.object_list = rows
    return page
