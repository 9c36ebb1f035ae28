"""Assignments: an instructor sets topics and/or templates, a number of problems and open/due
dates for a group of students; practice inside an assignment serves from its templates.

A student has done a problem of the assignment once a submission of theirs on it is graded (the
problem's `best_score` is set); the assignment is complete at `problem_count` such problems."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from quizzes.models import Assignment, Problem, ProblemTemplate, Topic
from quizzes.selectors import catalog
from quizzes.services.practice import create_problem


class AssignmentUnavailable(Exception):
    """The assignment cannot be practised now: not open yet, or nothing in it to serve."""


@dataclass(frozen=True)
class AssignmentSpec:
    """What an instructor sets; `students` are user ids."""

    title: str
    topics: Sequence[Topic]
    templates: Sequence[ProblemTemplate]
    students: Sequence[int]
    problem_count: int
    opens_at: datetime | None = None
    due_at: datetime | None = None


def _check_spec(spec: AssignmentSpec) -> None:
    if not spec.topics and not spec.templates:
        raise ValueError("choose at least one topic or template")
    if spec.problem_count < 1:
        raise ValueError("the number of problems must be at least 1")
    if spec.opens_at and spec.due_at and spec.due_at <= spec.opens_at:
        raise ValueError("the due date must come after the opening date")


def _apply(assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    assignment.topics.set(spec.topics)
    assignment.templates.set(spec.templates)
    assignment.students.set(spec.students)
    return assignment


@transaction.atomic
def create_assignment(*, created_by: AbstractBaseUser, spec: AssignmentSpec) -> Assignment:
    """A new assignment. Raises ValueError when `spec` is incomplete."""
    _check_spec(spec)
    assignment = Assignment.objects.create(
        title=spec.title,
        created_by_id=created_by.pk,
        problem_count=spec.problem_count,
        opens_at=spec.opens_at,
        due_at=spec.due_at,
    )
    return _apply(assignment, spec)


@transaction.atomic
def update_assignment(*, assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    """Change what an assignment asks for; problems already served stay in it."""
    _check_spec(spec)
    assignment.title = spec.title
    assignment.problem_count = spec.problem_count
    assignment.opens_at = spec.opens_at
    assignment.due_at = spec.due_at
    assignment.save(update_fields=["title", "problem_count", "opens_at", "due_at"])
    return _apply(assignment, spec)


def students_of_groups(group_ids: Iterable[int]) -> list[int]:
    """The ids of every member of the given groups (a class is a group of students)."""
    return list(
        get_user_model()
        .objects.filter(groups__pk__in=list(group_ids))
        .values_list("pk", flat=True)
        .distinct()
    )


def servable_templates(assignment: Assignment) -> list[ProblemTemplate]:
    """The active templates of the assignment: those named, then those of its topics."""
    served = catalog()
    by_pk = {t.pk: t for templates in served.templates_by_topic.values() for t in templates}
    chosen = [by_pk[pk] for pk in assignment.templates.values_list("pk", flat=True) if pk in by_pk]
    for topic_id in assignment.topics.values_list("pk", flat=True):
        chosen.extend(served.templates_by_topic.get(topic_id, ()))
    unique: dict[int, ProblemTemplate] = {}
    for template in chosen:
        unique.setdefault(template.pk, template)
    return list(unique.values())


def next_assignment_problem(*, user: AbstractBaseUser, assignment: Assignment) -> Problem:
    """Serve the next problem of `assignment` to `user`: an unfinished problem of theirs in it
    if there is one, else a new variant of the template they have seen least there."""
    now = timezone.now()
    if assignment.opens_at is not None and assignment.opens_at > now:
        raise AssignmentUnavailable("This assignment is not open yet.")
    unfinished = (
        Problem.objects.filter(
            user_id=user.pk, assignment=assignment, best_score__isnull=True, attempts_used=0
        )
        .order_by("-created_at")
        .first()
    )
    if unfinished is not None:
        return unfinished
    templates = servable_templates(assignment)
    if not templates:
        raise AssignmentUnavailable("This assignment has no problems to serve yet.")
    seen = dict(
        Problem.objects.filter(user_id=user.pk, assignment=assignment)
        .values("template_id")
        .annotate(n=Count("pk"))
        .values_list("template_id", "n")
    )
    fewest = min(seen.get(t.pk, 0) for t in templates)
    least_seen = [t for t in templates if seen.get(t.pk, 0) == fewest]
    template = least_seen[secrets.randbelow(len(least_seen))]
    return create_problem(user=user, template=template, assignment=assignment)


@dataclass(frozen=True)
class StudentAssignment:
    """One assignment as its student sees it on the dashboard."""

    pk: int
    title: str
    done: int
    problem_count: int
    opens_at: datetime | None
    due_at: datetime | None
    is_open: bool
    is_overdue: bool

    @property
    def is_complete(self) -> bool:
        return self.done >= self.problem_count

    @property
    def percent(self) -> int:
        return round(100 * min(self.done, self.problem_count) / max(1, self.problem_count))


def done_counts(assignment_ids: Sequence[int], user_ids: Sequence[int] | None = None) -> Any:
    """(assignment id, user id) → (problems done, mean best score), in one query."""
    done = Problem.objects.filter(assignment_id__in=assignment_ids, best_score__isnull=False)
    if user_ids is not None:
        done = done.filter(user_id__in=user_ids)
    return {
        (row["assignment_id"], row["user_id"]): (row["n"], row["mean"])
        for row in done.values("assignment_id", "user_id").annotate(
            n=Count("pk"), mean=Avg("best_score")
        )
    }


def assignments_of_student(*, user: AbstractBaseUser) -> list[StudentAssignment]:
    """The student's assignments, unfinished first (soonest due first), in two queries (one
    when there are none)."""
    now = timezone.now()
    assignments = list(Assignment.objects.filter(students=user.pk))
    if not assignments:
        return []
    counts = done_counts([a.pk for a in assignments], [user.pk])
    rows = [
        StudentAssignment(
            pk=a.pk,
            title=a.title,
            done=counts.get((a.pk, user.pk), (0, None))[0],
            problem_count=a.problem_count,
            opens_at=a.opens_at,
            due_at=a.due_at,
            is_open=a.opens_at is None or a.opens_at <= now,
            is_overdue=a.due_at is not None and a.due_at < now,
        )
        for a in assignments
    ]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (r.is_complete, not r.is_open, r.due_at or far, -r.pk))


def assignments_overview() -> QuerySet[Assignment]:
    """Every assignment with its student count and how many students have completed it."""
    return Assignment.objects.select_related("created_by").annotate(
        student_count=Count("students", distinct=True),
        topic_count=Count("topics", distinct=True),
        template_count=Count("templates", distinct=True),
    )


@dataclass(frozen=True)
class CompletionRow:
    username: str
    user_id: int
    done: int
    mean_score: float | None
    complete: bool


def completion_of(*, assignment: Assignment) -> list[CompletionRow]:
    """Each student of the assignment with the problems done, in two queries."""
    students = list(assignment.students.order_by("username").values_list("pk", "username"))
    counts = done_counts([assignment.pk], [pk for pk, _ in students])
    rows = []
    for pk, username in students:
        done, mean = counts.get((assignment.pk, pk), (0, None))
        rows.append(
            CompletionRow(
                username=username,
                user_id=pk,
                done=done,
                mean_score=mean,
                complete=done >= assignment.problem_count,
            )
        )
    return rows


def completed_counts(assignment_ids: Sequence[int]) -> dict[int, int]:
    """Assignment id → students who completed it (one query)."""
    needed = dict(
        Assignment.objects.filter(pk__in=assignment_ids).values_list("pk", "problem_count")
    )
    members = set(
        Assignment.students.through.objects.filter(assignment_id__in=assignment_ids).values_list(
            "assignment_id", "user_id"
        )
    )
    completed: dict[int, int] = dict.fromkeys(assignment_ids, 0)
    for (assignment_id, user_id), (done, _) in done_counts(assignment_ids).items():
        if (assignment_id, user_id) in members and done >= needed.get(assignment_id, 1):
            completed[assignment_id] += 1
    return completed
