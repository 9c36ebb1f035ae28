"""An instructor edits a template in a real browser: introduces an error and sees it at its line,
fixes it, previews variants side by side, tries an answer, publishes a new version and reads
the diff. Drives Debian's chromium through Playwright (set-up as in test_student_flow)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from quizzes.models import ProblemTemplate, TemplateVersion, Topic
from quizzes.services import authoring
from quizzes.services.practice import create_problem
from tests.browser.chromium import SCREENSHOTS, launched_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
WAIT_MS = 20_000


@pytest.fixture
def authored(monkeypatch: pytest.MonkeyPatch) -> ProblemTemplate:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls below are plain
    # blocking calls made between browser steps, never from inside a coroutine.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Topic.objects.create(slug="derivatives", title="Derivatives", area="calculus")
    source = authoring.starter_source(
        key="quadratic-derivative", topic="derivatives", title="Differentiate a quadratic"
    )
    return authoring.create_template(source=source)


@pytest.fixture
def browser(live_server: object, authored: ProblemTemplate) -> Iterator[object]:
    with launched_chromium() as launched:
        yield launched


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)  # type: ignore[attr-defined]


def edit_line(page: object, text: str, replacement: str) -> None:
    """Click at the end of the editor line showing `text` and retype its last character."""
    line = page.locator(".CodeMirror-line", has_text=text).first  # type: ignore[attr-defined]
    line.click()
    page.keyboard.press("End")  # type: ignore[attr-defined]
    page.keyboard.press("Backspace")  # type: ignore[attr-defined]
    page.keyboard.type(replacement)  # type: ignore[attr-defined]


def test_an_instructor_fixes_an_error_previews_and_publishes_a_version(
    browser: object, live_server: object, authored: ProblemTemplate
) -> None:
    from playwright.sync_api import expect

    user = get_user_model().objects.create_user(username="ines", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="instructors")[0])
    student = get_user_model().objects.create_user(username="sam", password=PASSWORD)
    served_before = create_problem(user=student, template=authored)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    base = str(live_server)

    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Templates").click()
    expect(page).to_have_url(f"{base}/authoring/")
    page.get_by_role("link", name="Differentiate a quadratic").click()
    expect(page.locator(".CodeMirror")).to_be_visible()
    expect(page.locator(".CodeMirror .cm-string").first).to_be_visible()

    edit_line(page, "difficulty = 1", "9")
    page.get_by_role("button", name="Validate").click()
    note = page.locator(".cm-problem-note")
    expect(note).to_have_attribute("data-line", "5")
    expect(note).to_contain_text("difficulty")
    expect(page.locator("#problems")).to_contain_text("Line 5")
    expect(page.locator(".cm-problem-line")).to_have_count(1)
    shot(page, "authoring-error-at-line.png")

    edit_line(page, "difficulty = 9", "2")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#editor-status")).to_contain_text("No problems found")
    expect(page.locator(".cm-problem-note")).to_have_count(0)

    page.get_by_label("Variants").select_option("3")
    page.get_by_role("button", name="Preview").click()
    cards = page.locator(".variant-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(2).locator(".statement .katex").first).to_be_visible()
    expect(cards.first.locator(".solution-body .katex").first).to_be_visible()
    first = cards.first
    answer = first.locator(".answer-text").inner_text()
    first.get_by_placeholder("Try an answer").fill(answer)
    first.get_by_role("button", name="Try").click()
    expect(first.locator(".verdict")).to_have_class(re.compile(r"\bcorrect\b"))
    expect(first.locator(".verdict")).to_contain_text("Correct")
    first.get_by_placeholder("Try an answer").fill("x + * 1")
    first.get_by_role("button", name="Try").click()
    expect(first.locator(".verdict")).to_contain_text("invalid")
    first.get_by_placeholder("Try an answer").fill(answer)
    first.get_by_role("button", name="Try").click()
    expect(first.locator(".verdict")).to_contain_text("Correct")
    shot(page, "authoring-previews.png")

    page.get_by_role("button", name="Publish new version").click()
    expect(page.locator("#editor-status")).to_contain_text("Published version 2")
    expect(page.locator("#current-version")).to_have_text("version 2")
    latest = TemplateVersion.objects.get(template=authored, number=2)
    assert "difficulty = 2" in latest.source_text
    served_before.refresh_from_db()
    assert served_before.template_version.number == 1

    page.get_by_role("link", name="Version history").click()
    expect(page.locator("#diff .diff_chg").first).to_be_visible()
    expect(page.locator("#diff")).to_contain_text("version 1")
    shot(page, "authoring-history-diff.png")
    context.close()


def test_an_instructor_assigns_work_and_the_student_sees_it_first(
    browser: object, live_server: object, authored: ProblemTemplate
) -> None:
    from playwright.sync_api import expect

    user = get_user_model().objects.create_user(username="ines", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="instructors")[0])
    students = Group.objects.get_or_create(name="students")[0]
    sam = get_user_model().objects.create_user(username="sam", password=PASSWORD)
    sam.groups.add(students)
    base = str(live_server)

    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Assignments").click()
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Title").fill("Derivatives, week 1")
    page.get_by_label("Derivatives").check()
    page.get_by_label("Students", exact=True).select_option(label="sam")
    page.get_by_label("Number of problems").fill("2")
    page.get_by_label("Due").fill("2030-01-15T09:00")
    shot(page, "assignment-form.png")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#completion")).to_contain_text("sam")
    expect(page.locator("#completion")).to_contain_text("0 / 2")
    context.close()

    student = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    phone = student.new_page()
    phone.set_default_timeout(WAIT_MS)
    phone.goto(f"{base}/login")
    phone.get_by_label("Username").fill("sam")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("h2").first).to_have_text("Your assignments")
    expect(phone.locator("[data-assignment]")).to_contain_text("0/2 done")
    shot(phone, "assignment-student-dashboard.png")
    phone.get_by_role("link", name=re.compile("Start")).click()
    expect(phone).to_have_url(re.compile(r"/problems/\d+$"))
    expect(phone.locator("#problem .statement .katex").first).to_be_visible()
    student.close()
