"""Assignments: creating and editing them, serving problems from them, and who has done what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.models import Problem, ProblemTemplate, Topic
from quizzes.services import assignments
from quizzes.services.assignments import AssignmentSpec, AssignmentUnavailable
from tests.conftest import UserFactory

pytestmark = pytest.mark.django_db


def spec(**changes: Any) -> AssignmentSpec:
    values: dict[str, Any] = {
        "title": "Week 1",
        "topics": [Topic.objects.get(slug="first-steps")],
        "templates": [],
        "students": [],
        "problem_count": 2,
    }
    values.update(changes)
    return AssignmentSpec(**values)


def finish(problem: Problem, score: float = 1.0) -> None:
    """As if a submission on `problem` had been graded."""
    Problem.objects.filter(pk=problem.pk).update(best_score=score, attempts_used=1)


@pytest.fixture
def week(synced: Any, instructor: Any, student_a: Any, student_b: Any) -> Any:
    return assignments.create_assignment(
        created_by=instructor, spec=spec(students=[student_a.pk, student_b.pk])
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"topics": []}, "topic or template"),
        ({"problem_count": 0}, "at least 1"),
        (
            {"opens_at": timezone.now(), "due_at": timezone.now() - timedelta(days=1)},
            "after the opening",
        ),
    ],
)
def test_an_incomplete_assignment_is_refused(
    synced: Any, instructor: Any, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        assignments.create_assignment(created_by=instructor, spec=spec(**changes))


def test_editing_an_assignment_replaces_what_it_asks_for(week: Any, student_a: Any) -> None:
    template = ProblemTemplate.objects.get(topic__slug="side-road")
    assignments.update_assignment(
        assignment=week,
        spec=spec(title="Week 1b", topics=[], templates=[template], students=[student_a.pk]),
    )
    week.refresh_from_db()
    assert week.title == "Week 1b"
    assert list(week.templates.all()) == [template]
    assert not week.topics.exists()
    assert list(week.students.all()) == [student_a]


def test_practice_serves_only_the_assignments_templates(week: Any, student_a: Any) -> None:
    problem = assignments.next_assignment_problem(user=student_a, assignment=week)
    assert problem.assignment_id == week.pk
    assert problem.topic.slug == "first-steps"


def test_an_unanswered_problem_is_served_again_rather_than_a_new_one(
    week: Any, student_a: Any
) -> None:
    first = assignments.next_assignment_problem(user=student_a, assignment=week)
    assert assignments.next_assignment_problem(user=student_a, assignment=week) == first
    finish(first)
    assert assignments.next_assignment_problem(user=student_a, assignment=week) != first


def test_an_assignment_that_has_not_opened_serves_nothing(
    synced: Any, instructor: Any, student_a: Any
) -> None:
    later = assignments.create_assignment(
        created_by=instructor,
        spec=spec(students=[student_a.pk], opens_at=timezone.now() + timedelta(days=1)),
    )
    with pytest.raises(AssignmentUnavailable, match="not open"):
        assignments.next_assignment_problem(user=student_a, assignment=later)


def test_a_group_stands_for_its_members(synced: Any, student_a: Any, student_b: Any) -> None:
    group = Group.objects.create(name="class-2027")
    student_a.groups.add(group)
    assert assignments.students_of_groups([group.pk]) == [student_a.pk]


def test_students_see_unfinished_assignments_first_soonest_due_first(
    synced: Any, instructor: Any, student_a: Any
) -> None:
    now = timezone.now()
    make = assignments.create_assignment
    done = make(created_by=instructor, spec=spec(title="done", students=[student_a.pk]))
    late = make(
        created_by=instructor,
        spec=spec(title="later", students=[student_a.pk], due_at=now + timedelta(days=9)),
    )
    soon = make(
        created_by=instructor,
        spec=spec(title="soon", students=[student_a.pk], due_at=now + timedelta(days=1)),
    )
    make(created_by=instructor, spec=spec(title="not mine", students=[]))
    for _ in range(2):
        finish(assignments.next_assignment_problem(user=student_a, assignment=done))
    rows = assignments.assignments_of_student(user=student_a)
    assert [row.title for row in rows] == ["soon", "later", "done"]
    assert rows[2].is_complete and rows[2].percent == 100
    assert (late.pk, soon.pk) == (rows[1].pk, rows[0].pk)


def test_completion_counts_graded_problems_per_student(
    week: Any, student_a: Any, student_b: Any
) -> None:
    for score in (1.0, 0.5):
        finish(assignments.next_assignment_problem(user=student_a, assignment=week), score)
    finish(assignments.next_assignment_problem(user=student_b, assignment=week), 0.0)
    rows = {row.username: row for row in assignments.completion_of(assignment=week)}
    assert (rows["alice"].done, rows["alice"].mean_score, rows["alice"].complete) == (2, 0.75, True)
    assert (rows["bob"].done, rows["bob"].complete) == (1, False)
    assert assignments.completed_counts([week.pk]) == {week.pk: 1}


def test_completion_reads_a_fixed_number_of_queries(week: Any, instructor: Any) -> None:
    with CaptureQueriesContext(connection) as few:
        assignments.completion_of(assignment=week)
    others = [UserFactory(username=f"s{n}", role="students") for n in range(5)]
    week.students.add(*others)
    with CaptureQueriesContext(connection) as more:
        assignments.completion_of(assignment=week)
    assert len(more) == len(few) == 2
