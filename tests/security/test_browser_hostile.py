"""Hostile answers typed into the practice page of a real browser (Debian's chromium through
Playwright): each is shown back as an error, uses up no attempt, and none of them — nor markup
meant to run as script — executes in the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group

from quizzes.models import Problem, ProblemTemplate, TemplateVersion, Topic
from tests.browser.chromium import launched_chromium
from tests.conftest import PASSWORD, UserFactory
from tests.grading.hostile_corpus import HOSTILE_CASES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000

TEMPLATE = """
id = "browser-hostile-sum"
version = 1
title = "Add a multiple of x"
topic = "hostile-input"
difficulty = 1
variables = ["x", "y"]
statement = "Simplify ${{a}} x + {{b}} x$."
solution = "It is ${{= a + b}} x$."

[parameters]
a = { int = [2, 9] }
b = { int = [2, 9] }

[[parts]]
key = "sum"
kind = "expression"
prompt = "Simplified:"
answer = "(a + b)*x"
"""

# Markup and script that must stay text wherever the page shows the answer back.
SCRIPT_INJECTIONS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
]
TYPED_CASES = [
    "dunder import",
    "class escape",
    "eval call",
    "NUL byte",
    "power tower",
    "huge exponent literal",
    "deep parentheses within length",
    "long unary chain",
    "division by zero",
    "unknown name",
]


def typed_answers() -> list[str]:
    by_label = dict(HOSTILE_CASES)
    return [by_label[label] for label in TYPED_CASES] + SCRIPT_INJECTIONS


@pytest.fixture
def hostile_template(monkeypatch: pytest.MonkeyPatch) -> ProblemTemplate:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls are plain blocking
    # calls made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Group.objects.get_or_create(name="students")
    topic = Topic.objects.create(slug="hostile-input", title="Hostile input", area="calculus")
    template = ProblemTemplate.objects.create(
        key="browser-hostile-sum", title="Add a multiple of x", topic=topic
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, source_text=TEMPLATE, source_hash="browser-hostile-1"
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    return template


@pytest.fixture
def browser(live_server: Any, hostile_template: ProblemTemplate) -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def test_hostile_answers_typed_in_the_page_are_refused_and_never_run(browser, live_server):
    from playwright.sync_api import expect

    UserFactory(username="mallory", role="students")
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = str(live_server)

    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")
    page.goto(f"{base}/practice?topic=hostile-input")
    expect(page).to_have_url(re.compile(r"/problems/\d+$"))
    problem = Problem.objects.get(user__username="mallory")

    answer = page.locator("#answer-sum")
    for text in typed_answers():
        answer.fill(text)
        expect(page.locator("#preview-sum .parse-error")).to_be_visible()
        page.get_by_role("button", name="Check answer").click()
        expect(page.locator("#status")).to_contain_text("did not use up an attempt")
        # Nothing typed became markup: no image, script or svg appeared inside the form.
        assert page.locator("#answer-form img, #answer-form svg:not(.katex *)").count() == 0

    assert dialogs == []
    assert Problem.objects.get(pk=problem.pk).attempts_used == 0
    assert not problem.submissions.exists()
