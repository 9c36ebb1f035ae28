"""Instructor pages and the editor's JSON: who may reach them, what they show, what they write."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quizzes.models import ProblemTemplate, TemplateVersion
from quizzes.services import authoring

pytestmark = pytest.mark.django_db


def browser_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def starter(key: str = "authored-template") -> str:
    return authoring.starter_source(key=key, topic="first-steps", title="A quadratic")


@pytest.fixture
def authored(synced: Any) -> ProblemTemplate:
    return authoring.create_template(source=starter())


@pytest.fixture
def edited(authored: ProblemTemplate) -> ProblemTemplate:
    source = authored.current_version.source_text.replace("Find $f'(x)$.", "Differentiate $f$.")
    authoring.publish_template_version(template=authored, source=source)
    return ProblemTemplate.objects.select_related("current_version").get(pk=authored.pk)


def page_urls(template: ProblemTemplate) -> list[str]:
    return [
        reverse("authoring"),
        reverse("authoring-editor", args=[template.key]),
        reverse("authoring-history", args=[template.key]),
        reverse("authoring-export", args=[template.key]),
        reverse("authoring-export-zip"),
        reverse("authoring-assignments"),
        reverse("authoring-assignment-new"),
    ]


def test_students_are_refused_every_instructor_page(
    authored: ProblemTemplate, student_a: Any
) -> None:
    client = browser_for(student_a)
    for url in page_urls(authored):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(authored: ProblemTemplate) -> None:
    for url in page_urls(authored):
        response = browser_for(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("role", ["instructor", "admin_user"])
def test_staff_reach_every_instructor_page(
    authored: ProblemTemplate, role: str, request: pytest.FixtureRequest
) -> None:
    client = browser_for(request.getfixturevalue(role))
    for url in page_urls(authored):
        assert client.get(url).status_code == 200, url


def test_the_navigation_links_to_authoring_for_staff_only(
    authored: ProblemTemplate, instructor: Any, student_a: Any
) -> None:
    link = reverse("authoring").encode()
    assert link in browser_for(instructor).get(reverse("dashboard")).content
    assert link not in browser_for(student_a).get(reverse("dashboard")).content


def test_the_editor_holds_the_current_source(edited: ProblemTemplate, instructor: Any) -> None:
    response = browser_for(instructor).get(reverse("authoring-editor", args=[edited.key]))
    assert "Differentiate $f$." in response.content.decode()
    assert b"version 2" in response.content
    assert b"vendor/codemirror/lib/codemirror.js" in response.content


def test_the_history_shows_a_diff_between_versions(
    edited: ProblemTemplate, instructor: Any
) -> None:
    url = reverse("authoring-history", args=[edited.key])
    html = browser_for(instructor).get(url + "?old=1&new=2").content.decode()
    assert 'class="diff"' in html and 'class="diff_chg"' in html
    assert "version 1" in html and "version 2" in html


def test_the_history_escapes_the_source_in_the_diff(
    authored: ProblemTemplate, instructor: Any
) -> None:
    source = authored.current_version.source_text + "\n# <script>alert(1)</script>\n"
    authoring.publish_template_version(template=authored, source=source)
    html = browser_for(instructor).get(reverse("authoring-history", args=[authored.key])).content
    assert b"<script>alert(1)" not in html
    assert b"&lt;script&gt;" in html


def test_exporting_an_old_version_gives_its_exact_text(
    edited: ProblemTemplate, instructor: Any
) -> None:
    url = reverse("authoring-export", args=[edited.key]) + "?version=1"
    response = browser_for(instructor).get(url)
    first = TemplateVersion.objects.get(template=edited, number=1)
    assert response.content == first.source_text.encode("utf-8")
    assert 'filename="authored-template.toml"' in response["Content-Disposition"]


def test_the_zip_export_reimports_as_unchanged(authored: ProblemTemplate, instructor: Any) -> None:
    client = browser_for(instructor)
    archive = client.get(reverse("authoring-export-zip")).content
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert "authored-template.toml" in opened.namelist()
    upload = io.BytesIO(archive)
    upload.name = "templates.zip"
    response = client.post(reverse("authoring-import"), {"files": upload})
    assert response.status_code == 200
    assert b"0 created \xc2\xb7 0 updated" in response.content


def test_importing_a_broken_file_lists_its_problems(synced: Any, instructor: Any) -> None:
    upload = io.BytesIO(starter("broken-one").replace("difficulty = 1", "difficulty = 7").encode())
    upload.name = "broken-one.toml"
    response = browser_for(instructor).post(reverse("authoring-import"), {"files": upload})
    assert b"line 5" in response.content
    assert not ProblemTemplate.objects.filter(key="broken-one").exists()


def test_a_new_template_from_the_starter_opens_in_the_editor(synced: Any, instructor: Any) -> None:
    response = browser_for(instructor).post(
        reverse("authoring-new"),
        {"starter-key": "my-first", "starter-title": "Mine", "starter-topic": "next-steps"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("authoring-editor", args=["my-first"])
    created = ProblemTemplate.objects.get(key="my-first")
    assert (created.title, created.topic.slug) == ("Mine", "next-steps")


def test_duplicating_a_template_makes_a_copy_with_the_new_id(
    authored: ProblemTemplate, instructor: Any
) -> None:
    response = browser_for(instructor).post(
        reverse("authoring-new"), {"duplicate-original": authored.key, "duplicate-key": "the-copy"}
    )
    assert response.status_code == 302
    assert ProblemTemplate.objects.get(key="the-copy").topic_id == authored.topic_id


@pytest.mark.parametrize("key", ["Bad Key", "authored-template"])
def test_a_new_template_needs_a_fresh_well_formed_id(
    authored: ProblemTemplate, instructor: Any, key: str
) -> None:
    response = browser_for(instructor).post(
        reverse("authoring-new"),
        {"starter-key": key, "starter-title": "x", "starter-topic": "first-steps"},
    )
    assert response.status_code == 400
    assert ProblemTemplate.objects.count() == 4


def test_the_template_list_runs_a_fixed_number_of_queries(
    authored: ProblemTemplate, instructor: Any
) -> None:
    client = browser_for(instructor)
    client.get(reverse("authoring"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("authoring"))
    for n in range(3):
        authoring.create_template(source=starter(f"more-{n}"))
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("authoring"))
    assert len(more) == len(few)


API_ENDPOINTS = ["api:authoring-check", "api:authoring-preview", "api:authoring-try"]


@pytest.mark.parametrize("name", API_ENDPOINTS)
def test_students_cannot_use_the_editor_api(synced: Any, client_a: Any, name: str) -> None:
    body = {"source": starter(), "seed": 0, "part": "derivative", "answer": "1"}
    assert client_a.post(reverse(name), body, format="json").status_code == 403


def test_students_cannot_publish(authored: ProblemTemplate, client_a: Any) -> None:
    url = reverse("api:authoring-publish", args=[authored.key])
    assert client_a.post(url, {"source": starter()}, format="json").status_code == 403


def test_the_check_api_reports_problems_with_lines(synced: Any, instructor_client: Any) -> None:
    source = starter().replace("[parameters]", "[parameters", 1)
    data = instructor_client.post(
        reverse("api:authoring-check"), {"source": source}, format="json"
    ).json()
    assert data["ok"] is False
    assert data["problems"][0]["line"] == 12


def test_the_preview_api_returns_variants_with_answers(synced: Any, instructor_client: Any) -> None:
    data = instructor_client.post(
        reverse("api:authoring-preview"),
        {"source": starter(), "count": 2, "first_seed": 4},
        format="json",
    ).json()
    assert [v["seed"] for v in data["variants"]] == [4, 5]
    part = data["variants"][0]["parts"][0]
    assert part["answer"] and part["mistakes"][0]["feedback"]


def test_the_try_api_grades_through_the_parser(synced: Any, instructor_client: Any) -> None:
    data = instructor_client.post(
        reverse("api:authoring-try"),
        {"source": starter(), "seed": 0, "part": "derivative", "answer": "__import__('os')"},
        format="json",
    ).json()
    assert data["status"] == "invalid"
    assert data["correct"] is False


def test_publishing_through_the_api_creates_the_next_version(
    authored: ProblemTemplate, instructor_client: Any
) -> None:
    url = reverse("api:authoring-publish", args=[authored.key])
    source = authored.current_version.source_text + "\n# v2\n"
    response = instructor_client.post(url, {"source": source}, format="json")
    assert response.status_code == 201
    assert response.json() == {"template": authored.key, "number": 2, "created": True}
    again = instructor_client.post(url, {"source": source}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False


def test_publishing_a_broken_source_through_the_api_answers_400_with_lines(
    authored: ProblemTemplate, instructor_client: Any
) -> None:
    url = reverse("api:authoring-publish", args=[authored.key])
    source = authored.current_version.source_text.replace("difficulty = 1", "difficulty = 0")
    response = instructor_client.post(url, {"source": source}, format="json")
    assert response.status_code == 400
    assert response.json()["problems"][0]["line"] == 5
    assert TemplateVersion.objects.filter(template=authored).count() == 1


def authoring_template_contexts(instructor: Any, student: Any) -> dict[str, dict[str, Any]]:
    """A context for each instructor-page template (for the render-everything test); the
    instructor's assignment is set for `student`, whose dashboard lists it."""
    from quizzes.authoring_forms import AssignmentForm
    from quizzes.authoring_views import index_context
    from quizzes.models import Topic
    from quizzes.services.assignments import AssignmentSpec, create_assignment
    from quizzes.templatetags.authoring_tags import student_assignments

    Topic.objects.get_or_create(slug="first-steps", defaults={"title": "First", "area": "calculus"})
    template = authoring.create_template(source=starter("render-me"))
    assignment = create_assignment(
        created_by=instructor,
        spec=AssignmentSpec(
            title="Week 1",
            topics=[template.topic],
            templates=[],
            students=[student.pk],
            problem_count=2,
        ),
    )
    version = template.current_version
    return {
        "quizzes/authoring/_head.html": {},
        "quizzes/authoring/index.html": index_context(),
        "quizzes/authoring/editor.html": {"template": template, "version": version},
        "quizzes/authoring/history.html": {
            "template": template,
            "versions": [version],
            "diff_html": authoring.version_diff(old=version, new=version),
            "old": version,
            "new": version,
        },
        "quizzes/authoring/import_report.html": {"report": authoring.ImportReport()},
        "quizzes/authoring/assignments.html": {"assignments": [assignment]},
        "quizzes/authoring/assignment_form.html": {"form": AssignmentForm(), "assignment": None},
        "quizzes/authoring/assignment_completion.html": {"assignment": assignment, "rows": []},
        "quizzes/authoring/_student_assignments.html": student_assignments(student),
    }
