"""Template helpers for the staff navigation and the students' assignment list."""

from __future__ import annotations

from typing import Any

from django import template

from quizzes.permissions import AnyUser, is_staff_member
from quizzes.services.assignments import assignments_of_student

register = template.Library()


@register.filter(name="is_staff_member")
def is_staff_member_filter(user: AnyUser) -> bool:
    return is_staff_member(user)


@register.inclusion_tag("quizzes/authoring/_student_assignments.html")
def student_assignments(user: AnyUser) -> dict[str, Any]:
    """The student's assignments, unfinished first, for the top of the dashboard."""
    if not user.is_authenticated:
        return {"assignments": []}
    return {"assignments": assignments_of_student(user=user)}  # type: ignore[arg-type]
