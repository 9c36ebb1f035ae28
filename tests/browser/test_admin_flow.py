"""An admin reviews a class in a real browser: the heatmap, sorting by a topic, a student's
progress, a template's statistics and a CSV download. Drives Debian's chromium through
Playwright; screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.models import LearnerTopicState, Problem, ProblemTemplate, TemplateVersion, Topic
from quizzes.services.practice import create_problem
from tests.browser.chromium import launched_chromium
from tests.browser.test_student_flow import LINEAR_TERM, shot
from tests.conftest import PASSWORD, UserFactory
from tests.quizzes.analytics_class import answered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000
# (student, mastery in derivatives, mastery in integrals or None, wrong answer or None)
CLASS = [
    ("amara", 0.92, 0.55, None),
    ("bruno", 0.35, None, "3x + 1"),
    ("chen", 0.71, 0.12, "x*3 + 1"),
    ("dana", 0.08, 0.81, "3*x+1"),
]

MORE_TOPICS = [
    ("chain-rule", "Chain rule"),
    ("gradients", "Gradients"),
    ("matrix-products", "Matrix products"),
    ("eigenvalues", "Eigenvalues"),
    ("expectations", "Expectations"),
    ("softmax", "Softmax"),
    ("cross-entropy", "Cross-entropy"),
    ("backpropagation", "Backpropagation"),
]


@pytest.fixture
def seeded_class(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls are plain blocking
    # calls made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    students_group, _ = Group.objects.get_or_create(name="students")
    Group.objects.get_or_create(name="admins")
    derivatives = Topic.objects.create(
        slug="derivatives", title="Derivatives", area="calculus", position=0
    )
    integrals = Topic.objects.create(
        slug="integrals", title="Integrals", area="calculus", position=1
    )
    more: list[Topic] = []
    # More topics so the heatmap reads as one: mastery spread over the scale, some untouched.
    for position, (slug, title) in enumerate(MORE_TOPICS, start=2):
        topic = Topic.objects.create(slug=slug, title=title, area="calculus", position=position)
        more.append(topic)
    template = ProblemTemplate.objects.create(
        key="browser-linear-term", title="Differentiate a quadratic", topic=derivatives
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, source_text=LINEAR_TERM, source_hash="browser-admin-1"
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    served = timezone.now() - timedelta(hours=2)
    for name, first, second, wrong in CLASS:
        student = UserFactory(username=name)
        student.groups.add(students_group)
        LearnerTopicState.objects.create(user=student, topic=derivatives, mastery=first, attempts=4)
        if second is not None:
            LearnerTopicState.objects.create(
                user=student, topic=integrals, mastery=second, attempts=2
            )
        for index, topic in enumerate(more):
            spread = (sum(map(ord, name)) * 7 + index * 53) % 103
            if spread < 100:
                LearnerTopicState.objects.create(
                    user=student, topic=topic, mastery=spread / 100, attempts=1 + index
                )
        problem = create_problem(user=student, template=template, seed=len(name))
        Problem.objects.filter(pk=problem.pk).update(created_at=served)
        problem.refresh_from_db()
        if wrong is not None:
            answered(problem, 1, score=0.0, correct=False, after_s=40, wrong_text=wrong)
            answered(problem, 2, score=1.0, correct=True, after_s=95)
        else:
            answered(problem, 1, score=1.0, correct=True, after_s=25)
    admin = UserFactory(username="ada", role="admins")
    admin.is_staff = True
    admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    return {"template": template}


@pytest.fixture
def browser(live_server: object, seeded_class: dict[str, Any]) -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def test_an_admin_reviews_the_class_and_downloads_a_csv(
    browser: Any, live_server: object, seeded_class: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    base = str(live_server)

    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")
    page.get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(f"{base}/analytics/")
    expect(page.get_by_role("heading", name="Class heatmap")).to_be_visible()
    rows = page.locator("table.heatmap tbody tr")
    expect(rows).to_have_count(len(CLASS))
    shot(page, "analytics-heatmap.png")

    page.get_by_role("link", name="Integrals").click()
    expect(page).to_have_url(re.compile(r"sort=integrals&dir=desc"))
    names_by_integrals = rows.locator("th a").all_inner_texts()
    assert names_by_integrals == ["dana", "amara", "chen", "bruno"]
    expect(rows.first.locator("td.m8").first).to_have_text("81")
    shot(page, "analytics-heatmap-sorted.png")

    page.get_by_role("link", name="chen").click()
    expect(page.get_by_role("heading", name="chen")).to_be_visible()
    expect(page.locator(".chart-box svg polyline").first).to_be_visible()
    shot(page, "analytics-student.png")

    page.locator(".analytics-tabs").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="browser-linear-term").click()
    expect(page.get_by_role("heading", name="Differentiate a quadratic")).to_be_visible()
    wrong = page.locator("table.data tbody tr")
    expect(wrong).to_have_count(1)
    expect(wrong.first).to_contain_text("3")
    shot(page, "analytics-template.png")

    with page.expect_download() as pending:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / pending.value.suggested_filename
    pending.value.save_as(saved)
    with saved.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["part", "answer", "count", "parsed"]
    assert table[1][2] == "3"
    context.close()
