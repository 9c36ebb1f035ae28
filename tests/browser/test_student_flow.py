"""A student's first session in a real browser: sign up, practise, see the input read back,
get feedback without a reload. Drives Debian's chromium through Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group

from quizzes.models import Problem, ProblemTemplate, TemplateVersion, Topic
from tests.browser.chromium import SCREENSHOTS, launched_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
WAIT_MS = 15_000

LINEAR_TERM = """
id = "browser-linear-term"
version = 1
title = "Differentiate a quadratic"
topic = "derivatives"
difficulty = 1
variables = ["x"]
statement = "Let $f(x) = {{a}} x^2 + {{b}} x$. Find the derivative $f'(x)$."
hints = ["Differentiate term by term: $\\\\frac{d}{dx} x^n = n x^{n-1}$."]
solution = "Term by term, $f'(x) = {{= 2*a}} x + {{b}}$."

[parameters]
a = { int = [2, 9] }
b = { int = [2, 9] }

[[parts]]
key = "slope"
kind = "expression"
prompt = "$f'(x) =$"
answer = "2*a*x + b"

[[mistakes]]
part = "slope"
answer = "a*x + b"
feedback = "The exponent 2 comes down as a factor: the derivative of $x^2$ is $2x$."
"""


@pytest.fixture
def browser(live_server: object, derivatives_template: ProblemTemplate) -> Iterator[object]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def derivatives_template(monkeypatch: pytest.MonkeyPatch) -> ProblemTemplate:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls below are plain
    # blocking calls made between browser steps, never from inside a coroutine.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Group.objects.get_or_create(name="students")
    topic = Topic.objects.create(slug="derivatives", title="Derivatives", area="calculus")
    template = ProblemTemplate.objects.create(
        key="browser-linear-term", title="Differentiate a quadratic", topic=topic
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, source_text=LINEAR_TERM, source_hash="browser-test-1"
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    return template


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)  # type: ignore[attr-defined]


def test_a_new_student_signs_up_practises_and_gets_feedback_without_a_reload(
    browser: object, live_server: object, derivatives_template: ProblemTemplate
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    base = str(live_server)

    page.goto(f"{base}/signup")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.get_by_text("Welcome, ada")).to_be_visible()

    page.get_by_role("link", name=re.compile("Practise this")).first.click()
    expect(page).to_have_url(re.compile(r"/problems/\d+$"))
    expect(page.locator("#problem .statement .katex").first).to_be_visible()
    problem = Problem.objects.get(user__username="ada")
    a, b = int(problem.snapshot["values"]["a"]), int(problem.snapshot["values"]["b"])

    answer = page.locator("#answer-slope")
    preview = page.locator("#preview-slope")
    answer.press_sequentially(f"{2 * a}x+*{b}")
    expect(preview.locator(".parse-error")).to_be_visible()
    expect(preview.locator(".caret")).to_be_visible()
    page.reload()
    expect(answer).to_have_value(f"{2 * a}x+*{b}")
    expect(preview.locator(".caret")).to_be_visible()
    page.evaluate("window.loadedOnce = true")
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#status")).to_contain_text("did not use up an attempt")
    assert Problem.objects.get(pk=problem.pk).attempts_used == 0

    answer.fill("")
    answer.press_sequentially(f"{a}x + {b}")
    expect(preview.locator(".katex")).to_be_visible()
    expect(preview).to_contain_text(f"{a}x")
    shot(page, "practice-preview.png")
    # The first polls see the submission still grading, as with a busy worker.
    polls = {"held": 0}

    def hold_first_polls(route: object) -> None:
        if polls["held"] < 4:
            polls["held"] += 1
            route.fulfill(json={"id": 0, "status": "grading", "score": None, "parts": {}})  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    page.route(re.compile(r"/api/v1/submissions/\d+$"), hold_first_polls)
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#status")).to_contain_text("Grading")
    expect(page.locator("#status .spinner")).to_be_visible()
    expect(page.get_by_role("button", name="Check answer")).to_be_disabled()
    verdict = page.locator("#verdict-slope")
    expect(verdict).to_have_class(re.compile(r"\bincorrect\b"))
    expect(verdict).to_contain_text("exponent 2 comes down")
    expect(page.locator("#result")).to_contain_text("Score: 0%")
    page.unroute(re.compile(r"/api/v1/submissions/\d+$"))

    answer.fill("")
    answer.press_sequentially(f"{2 * a}x + {b}")
    page.get_by_role("button", name="Check answer").click()
    expect(verdict).to_have_class(re.compile(r"\bcorrect\b"))
    expect(page.locator("#result")).to_contain_text("Score: 100%")
    expect(page.locator("#solution .solution-body .katex").first).to_be_visible()
    expect(page.get_by_role("button", name="Another one like this")).to_be_visible()
    assert page.evaluate("window.loadedOnce") is True, "the page reloaded"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "practice-graded-phone.png")

    wide = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    desktop = wide.new_page()
    desktop.context.add_cookies(context.cookies())
    desktop.goto(f"{base}/problems/{problem.pk}")
    expect(desktop.locator("#verdict-slope")).to_have_class(re.compile(r"\bcorrect\b"))
    expect(desktop.locator("#solution")).to_be_visible()
    desktop.locator("#solution summary").click()
    shot(desktop, "practice-graded-desktop.png")
    wide.close()
    context.close()
