"""The world every security test probes: student A's problem with one graded submission whose
answers carry a marker no other caller may ever see, and one session client per caller."""

from __future__ import annotations

import builtins
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import right_answers

CALLERS = ("anonymous", "student_a", "student_b", "instructor", "admin")
# Added to each of A's answers (it does not change their value): any response that shows it to
# someone else leaks A's work.
MARKER = "987654321"


def marked_answers(problem: Any) -> dict[str, str]:
    return {key: f"({text}) + 0*{MARKER}" for key, text in right_answers(problem).items()}


@dataclass(frozen=True)
class World:
    users: dict[str, Any]
    problem: Any
    submission: Any
    quiz: Any
    quiz_attempt: Any
    assignment: Any

    def client(self, caller: str) -> APIClient:
        """A browser-like session client (the page's own JavaScript calls the API this way)."""
        client = APIClient()
        user = self.users[caller]
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def world(
    student_a: Any, student_b: Any, instructor: Any, admin_user: Any, make_problem: Any
) -> World:
    from quizzes.services.submissions import submit_answers

    problem = make_problem(student_a)
    submission = submit_answers(
        user=student_a, problem=problem, answers=marked_answers(problem)
    ).submission
    submission.refresh_from_db()
    users = {
        "anonymous": None,
        "student_a": student_a,
        "student_b": student_b,
        "instructor": instructor,
        "admin": admin_user,
    }
    quiz, attempt = open_quiz_attempt(instructor, student_a)
    return World(
        users=users,
        problem=problem,
        submission=submission,
        quiz=quiz,
        quiz_attempt=attempt,
        assignment=assignment_for(instructor, student_a),
    )


def open_quiz_attempt(instructor: Any, student: Any) -> tuple[Any, Any]:
    """The instructor's open one-question quiz, and the student's attempt in progress."""
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.models import Topic
    from quizzes.services.quizzes import PoolItem, create_quiz, start_attempt

    now = timezone.now()
    quiz = create_quiz(
        created_by=instructor,
        title="Security quiz",
        pool=[PoolItem(count=1, topic=Topic.objects.get(slug="first-steps"))],
        question_count=1,
        time_limit_seconds=600,
        attempts_allowed=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )
    return quiz, start_attempt(user=student, quiz=quiz)


def assignment_for(instructor: Any, student: Any) -> Any:
    from quizzes.models import Topic
    from quizzes.services.assignments import AssignmentSpec, create_assignment

    spec = AssignmentSpec(
        title="Security assignment",
        topics=[Topic.objects.get(slug="first-steps")],
        templates=[],
        students=[student.pk],
        problem_count=2,
    )
    return create_assignment(created_by=instructor, spec=spec)


# Looked up by name: the project bans importing these anywhere else (ruff TID251).
EVALUATORS = [
    (builtins, "eval"),
    (builtins, "exec"),
    (importlib.import_module("sympy"), "sympify"),
    (importlib.import_module("sympy.core.sympify"), "sympify"),
    (importlib.import_module("sympy"), "parse_expr"),
    (importlib.import_module("sympy.parsing.sympy_parser"), "parse_expr"),
]


@pytest.fixture
def evaluator_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Text handed to eval/exec/sympify/parse_expr while the test runs (in this process)."""
    seen: list[str] = []

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            seen.extend(arg for arg in args if isinstance(arg, str))
            return original(*args, **kwargs)

        return recorded

    for owner, name in EVALUATORS:
        if hasattr(owner, name):
            monkeypatch.setattr(owner, name, spy(getattr(owner, name)))
    return seen
