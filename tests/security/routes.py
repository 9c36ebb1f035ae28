"""The URL patterns the project serves, and how to turn one into a concrete path to the
security tests' world (student A's problem, submission, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.conftest import World


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def served_routes() -> list[str]:
    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def fill(route: str, world: World) -> str:
    """The route as a concrete path to the world's rows (A's problem, A's submission, ...)."""
    user_type = ContentType.objects.get_for_model(world.users["student_a"])
    values = {
        "problem_id": world.problem.pk,
        "submission_id": world.submission.pk,
        "student_id": world.users["student_a"].pk,
        "key": world.problem.template.key,
        "quiz_id": world.quiz.pk,
        "attempt_id": world.quiz_attempt.pk,
        "position": world.quiz_attempt.questions.order_by("position").first().position,
        "assignment_id": world.assignment.pk,
        "object_id": world.users["student_a"].pk,
        "id": world.users["student_a"].pk,
        "content_type_id": user_type.pk,
        "app_label": "quizzes",
        "url": "no-such-page/",
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"no value to probe URL parameter {name!r} in {route!r}: add one"
        return str(values[name])

    path = PARAMETER.sub(value, route).replace("^", "").replace("$", "")
    return "/" + path
