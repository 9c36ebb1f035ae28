"""Assignment pages: instructors create, edit and follow them; students see them first and
practise inside them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Assignment, Problem, Topic
from quizzes.services import assignments
from quizzes.services.assignments import AssignmentSpec

pytestmark = pytest.mark.django_db


def browser_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def week(synced: Any, instructor: Any, student_a: Any) -> Assignment:
    return assignments.create_assignment(
        created_by=instructor,
        spec=AssignmentSpec(
            title="Week 1",
            topics=[Topic.objects.get(slug="first-steps")],
            templates=[],
            students=[student_a.pk],
            problem_count=3,
            due_at=timezone.now() + timedelta(days=2),
        ),
    )


def test_an_instructor_creates_an_assignment_for_a_group(
    synced: Any, instructor: Any, student_a: Any, student_b: Any
) -> None:
    group = Group.objects.create(name="class-a")
    student_a.groups.add(group)
    topic = Topic.objects.get(slug="next-steps")
    response = browser_for(instructor).post(
        reverse("authoring-assignment-new"),
        {
            "title": "Chain rule drill",
            "topics": [topic.pk],
            "groups": [group.pk],
            "students": [student_b.pk],
            "problem_count": 4,
            "opens_at": "2026-01-05T09:00",
            "due_at": "2026-01-12T09:00",
        },
    )
    created = Assignment.objects.get(title="Chain rule drill")
    assert response["Location"] == reverse("authoring-assignment", args=[created.pk])
    assert set(created.students.all()) == {student_a, student_b}
    assert (created.problem_count, list(created.topics.all())) == (4, [topic])
    assert created.opens_at is not None and created.opens_at.day == 5


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"topics": []}, b"at least one topic or template"),
        ({"students": []}, b"a group or at least one student"),
        ({"due_at": "2025-12-01T09:00"}, b"after the opening date"),
    ],
)
def test_an_incomplete_assignment_form_is_shown_again_with_the_reason(
    synced: Any, instructor: Any, student_a: Any, changes: dict[str, Any], words: bytes
) -> None:
    data = {
        "title": "x",
        "topics": [Topic.objects.get(slug="first-steps").pk],
        "students": [student_a.pk],
        "problem_count": 2,
        "opens_at": "2026-01-05T09:00",
        **changes,
    }
    response = browser_for(instructor).post(reverse("authoring-assignment-new"), data)
    assert response.status_code == 200
    assert words in response.content
    assert not Assignment.objects.exists()


def test_editing_keeps_what_is_not_changed(week: Assignment, instructor: Any) -> None:
    url = reverse("authoring-assignment-edit", args=[week.pk])
    form = browser_for(instructor).get(url)
    assert b'value="Week 1"' in form.content
    response = browser_for(instructor).post(
        url,
        {
            "title": "Week 1 (longer)",
            "topics": [t.pk for t in week.topics.all()],
            "students": [s.pk for s in week.students.all()],
            "problem_count": 5,
        },
    )
    assert response.status_code == 302
    week.refresh_from_db()
    assert (week.title, week.problem_count, week.students.count()) == ("Week 1 (longer)", 5, 1)


def test_students_see_their_assignments_above_their_topics(
    week: Assignment, student_a: Any, student_b: Any
) -> None:
    html = browser_for(student_a).get(reverse("dashboard")).content.decode()
    assert html.index("Your assignments") < html.index("Your topics")
    assert "Week 1" in html and "0/3 done" in html
    assert (
        "Your assignments" not in browser_for(student_b).get(reverse("dashboard")).content.decode()
    )


def test_practising_an_assignment_serves_its_problems(week: Assignment, student_a: Any) -> None:
    response = browser_for(student_a).get(reverse("assignment-practice", args=[week.pk]))
    problem = Problem.objects.get(user=student_a)
    assert response["Location"] == reverse("problem", args=[problem.pk])
    assert problem.assignment_id == week.pk and problem.topic.slug == "first-steps"


def test_a_student_outside_the_assignment_gets_404(week: Assignment, student_b: Any) -> None:
    url = reverse("assignment-practice", args=[week.pk])
    assert browser_for(student_b).get(url).status_code == 404


def test_an_assignment_not_yet_open_sends_the_student_back_with_a_note(
    week: Assignment, student_a: Any
) -> None:
    Assignment.objects.filter(pk=week.pk).update(opens_at=timezone.now() + timedelta(days=1))
    response = browser_for(student_a).get(
        reverse("assignment-practice", args=[week.pk]), follow=True
    )
    assert b"not open yet" in response.content
    assert not Problem.objects.exists()


def test_instructors_see_who_has_completed_it(
    week: Assignment, instructor: Any, student_a: Any
) -> None:
    for _ in range(3):
        problem = assignments.next_assignment_problem(user=student_a, assignment=week)
        Problem.objects.filter(pk=problem.pk).update(best_score=1.0, attempts_used=1)
    html = browser_for(instructor).get(reverse("authoring-assignment", args=[week.pk])).content
    assert b"3 / 3" in html and b"complete" in html
    listing = browser_for(instructor).get(reverse("authoring-assignments")).content
    assert b"1 / 1" in listing


def test_students_cannot_open_instructor_assignment_pages(week: Assignment, student_a: Any) -> None:
    client = browser_for(student_a)
    for name in ("authoring-assignment", "authoring-assignment-edit"):
        assert client.get(reverse(name, args=[week.pk])).status_code == 403


def test_the_assignment_list_runs_a_fixed_number_of_queries(
    week: Assignment, instructor: Any, student_a: Any
) -> None:
    client = browser_for(instructor)
    client.get(reverse("authoring-assignments"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("authoring-assignments"))
    for n in range(3):
        assignments.create_assignment(
            created_by=instructor,
            spec=AssignmentSpec(
                title=f"extra {n}",
                topics=list(week.topics.all()),
                templates=[],
                students=[student_a.pk],
                problem_count=1,
            ),
        )
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("authoring-assignments"))
    assert len(more) == len(few)
