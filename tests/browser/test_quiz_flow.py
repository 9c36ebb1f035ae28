"""Timed quizzes in a real browser: an instructor sets a quiz; one student reloads mid-quiz,
finds every answer and submits; another lets the time run out and finds the attempt submitted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.models import ProblemTemplate, QuizAttempt, QuizQuestion, TemplateVersion, Topic
from tests.browser.chromium import SCREENSHOTS, launched_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
WAIT_MS = 15_000

POWER_RULE = """
id = "browser-quiz-power"
version = 1
title = "Differentiate a cubic term"
topic = "quiz-derivatives"
difficulty = 1
variables = ["x"]
statement = "Let $f(x) = {{a}} x^3$. Find $f'(x)$."
solution = "By the power rule, $f'(x) = {{= 3*a}} x^2$."

[parameters]
a = { int = [2, 9] }

[[parts]]
key = "slope"
kind = "expression"
prompt = "$f'(x) =$"
answer = "3*a*x^2"
"""


@pytest.fixture
def quiz_bank(monkeypatch: pytest.MonkeyPatch) -> ProblemTemplate:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain
    # blocking calls made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name in ("students", "instructors"):
        Group.objects.get_or_create(name=name)
    topic = Topic.objects.create(slug="quiz-derivatives", title="Derivatives", area="calculus")
    template = ProblemTemplate.objects.create(
        key="browser-quiz-power", title="Differentiate a cubic term", topic=topic
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, source_text=POWER_RULE, source_hash="browser-quiz-1"
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    users = get_user_model()
    for name, group in (("ines", "instructors"), ("alice", "students"), ("bob", "students")):
        user = users.objects.create_user(username=name, password=PASSWORD)
        user.groups.add(Group.objects.get(name=group))
    return template


@pytest.fixture
def browser(live_server: object, quiz_bank: ProblemTemplate) -> Iterator[object]:
    with launched_chromium() as launched:
        yield launched


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)  # type: ignore[attr-defined]


def log_in(browser: object, base: str, username: str) -> object:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard"))
    return page


def create_quiz_as_instructor(browser: object, base: str) -> str:
    page = log_in(browser, base, "ines")
    page.goto(f"{base}/quizzes/new")
    now = timezone.localtime()
    page.get_by_label("Title").fill("Derivatives quiz")
    page.get_by_label("Pool").fill("quiz-derivatives 2")
    page.get_by_label("Number of questions").fill("2")
    page.get_by_label("Time limit minutes").fill("10")
    page.get_by_label("Opens").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Closes").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create quiz").click()
    page.wait_for_url(re.compile(r"/quizzes/\d+$"))
    url = page.url
    page.context.close()
    return url


def start_quiz(page: object, base: str) -> None:
    page.goto(f"{base}/quizzes")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Start").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+$"))  # type: ignore[attr-defined]


def test_students_take_a_quiz_reload_mid_way_and_run_out_of_time(
    browser: object, live_server: object
) -> None:
    from playwright.sync_api import expect

    base = str(live_server)
    quiz_url = create_quiz_as_instructor(browser, base)

    alice = log_in(browser, base, "alice")
    start_quiz(alice, base)
    first = alice.locator("#answer-1-slope")
    first.fill("3x^2")
    expect(alice.locator("#preview-1-slope .katex")).to_be_visible()
    expect(alice.locator("#save-status")).to_have_text("All answers saved.")
    alice.get_by_role("button", name="Next").click()
    second = alice.locator("#answer-2-slope")
    second.fill("12x^2")
    # Reload at once: the debounced save has not gone yet; the local copy is resent.
    alice.reload()
    expect(alice.locator("#answer-1-slope")).to_have_value("3x^2")
    expect(alice.locator("#answer-2-slope")).to_have_value("12x^2")
    expect(alice.locator("#save-status")).to_have_text("All answers saved.")
    shot(alice, "quiz-after-reload.png")
    saved = QuizQuestion.objects.get(attempt__user__username="alice", position=2)
    assert saved.answers == {"slope": "12x^2"}
    alice.locator("#goto-2").click()
    second.fill("")
    alice.get_by_role("button", name="Submit quiz…").click()
    expect(alice.locator("#unanswered-summary")).to_contain_text("Not answered: question 2")
    shot(alice, "quiz-submit-summary.png")
    alice.get_by_role("button", name="Yes, submit now").click()
    expect(alice.locator("#attempt-state")).to_have_text("submitted")
    expect(alice.locator("#total-score")).to_contain_text("Score:")
    shot(alice, "quiz-results.png")

    bob = log_in(browser, base, "bob")
    start_quiz(bob, base)
    bob.locator("#answer-1-slope").fill("5x")
    expect(bob.locator("#save-status")).to_have_text("All answers saved.")
    QuizAttempt.objects.filter(user__username="bob").update(
        deadline=timezone.now() + timedelta(seconds=3)
    )
    bob.reload()
    expect(bob.locator("#attempt-state")).to_have_text("submitted when time ran out")
    attempt = QuizAttempt.objects.get(user__username="bob")
    assert attempt.expired and attempt.questions.get(position=1).answers == {"slope": "5x"}

    teacher = log_in(browser, base, "ines")
    teacher.goto(quiz_url)
    rows = teacher.locator(".quiz-attempts tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("time ran out")
    shot(teacher, "quiz-instructor.png")
