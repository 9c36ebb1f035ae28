"""Timed quizzes in a real browser: an instructor sets a quiz; one student reloads mid-quiz,
finds every answer and submits; another lets the time run out and finds the attempt submitted.
On a quiz that releases feedback immediately a student checks a question: the parser's message
for unreadable input, "grading…" and then the verdict, without a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.models import (
    ProblemTemplate,
    QuizAttempt,
    QuizQuestion,
    Submission,
    TemplateVersion,
    Topic,
)
from quizzes.services.variants import variant_from_snapshot
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


def create_quiz_as_instructor(browser: object, base: str, *, checks: int | None = None) -> str:
    """The instructor's new two-question quiz; with `checks`, feedback is released immediately
    and each question may be checked that many times."""
    page = log_in(browser, base, "ines")
    page.goto(f"{base}/quizzes/new")
    now = timezone.localtime()
    page.get_by_label("Title").fill("Derivatives quiz")
    page.get_by_label("Pool").fill("quiz-derivatives 2")
    page.get_by_label("Number of questions").fill("2")
    page.get_by_label("Time limit minutes").fill("10")
    page.get_by_label("Opens").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Closes").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    if checks is not None:
        page.get_by_label("Show scores and feedback").select_option("immediately")
        page.get_by_label("Checks per question").fill(str(checks))
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


def test_a_student_checks_a_question_while_the_quiz_runs(
    browser: object, live_server: object
) -> None:
    from playwright.sync_api import expect

    base = str(live_server)
    create_quiz_as_instructor(browser, base, checks=2)
    alice = log_in(browser, base, "alice")
    start_quiz(alice, base)
    answer = alice.locator("#answer-1-slope")
    check = alice.get_by_role("button", name="Check this question").first
    status = alice.locator("#check-status-1")
    verdict = alice.locator("#verdict-1-slope")
    expect(status).to_have_text("2 checks left for this question.")

    # Unreadable: the parser's message where it stopped, and no check used.
    answer.fill("3x +* 2")
    check.click()
    expect(status).to_contain_text("did not use up a check")
    expect(alice.locator("#preview-1-slope .parse-error")).to_be_visible()
    expect(alice.locator("#preview-1-slope .caret")).to_be_visible()
    assert not Submission.objects.exists()

    # A wrong answer: "grading…" while the verdict is on its way, then the verdict.
    held: list[object] = []
    alice.route("**/api/v1/submissions/*", lambda route: held.append(route))
    answer.fill("5x")
    check.click()
    expect(status).to_contain_text("Grading…")
    expect(check).to_be_disabled()
    alice.wait_for_timeout(200)
    assert held, "the page did not ask for the verdict"
    for route in held:
        route.continue_()  # type: ignore[attr-defined]
    alice.unroute("**/api/v1/submissions/*")
    expect(verdict).to_contain_text("Not quite.")
    expect(status).to_contain_text("Checked: 0%. 1 check left for this question.")
    shot(alice, "quiz-check-wrong.png")

    # The right answer: the old verdict turns stale while typing, the new one is correct.
    question = QuizQuestion.objects.get(attempt__user__username="alice", position=1)
    right = variant_from_snapshot(question.problem.snapshot).parts[0].answer
    answer.fill(right)
    expect(verdict).to_have_class(re.compile(r"\bstale\b"))
    check.click()
    expect(verdict).to_contain_text("Correct.")
    expect(status).to_contain_text("Checked: 100%. No checks left")
    expect(check).to_be_disabled()

    # A reload shows the check again; the submit keeps its verdict instead of grading twice.
    alice.reload()
    expect(alice.locator("#verdict-1-slope")).to_contain_text("Correct.")
    expect(alice.locator("#check-1")).to_be_disabled()
    alice.get_by_role("button", name="Submit quiz…").click()
    alice.get_by_role("button", name="Yes, submit now").click()
    expect(alice.locator("#attempt-state")).to_have_text("submitted")
    expect(alice.locator("#total-score")).to_contain_text("Score: 50%")
    assert Submission.objects.filter(problem=question.problem).count() == 2
    shot(alice, "quiz-check-results.png")


def test_the_instructor_page_follows_a_regrade_without_a_reload(
    browser: object, live_server: object, quiz_bank: ProblemTemplate
) -> None:
    from playwright.sync_api import expect

    from quizzes.models import Quiz, QuizRegrade
    from quizzes.services.quizzes import (
        PoolItem,
        autosave_answers,
        create_quiz,
        run_regrade,
        start_attempt,
        submit_attempt,
    )

    users = get_user_model().objects
    now = timezone.now()
    quiz = create_quiz(
        created_by=users.get(username="ines"),
        title="Regraded quiz",
        pool=[PoolItem(count=1, template=quiz_bank)],
        question_count=1,
        time_limit_seconds=600,
        attempts_allowed=1,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )
    attempt = start_attempt(user=users.get(username="alice"), quiz=quiz)
    question = attempt.questions.select_related("attempt", "problem").get()
    autosave_answers(question=question, answers={"slope": "5x"}, sequence=1)
    submit_attempt(attempt=attempt)
    # Queued, as the request leaves it for a worker.
    regrade = QuizRegrade.objects.create(quiz=quiz, template=quiz_bank)

    teacher = log_in(browser, str(live_server), "ines")
    teacher.goto(f"{live_server}/quizzes/{quiz.pk}")
    progress = teacher.locator(f'[data-regrade="{regrade.pk}"] .regrade-progress')
    expect(progress).to_have_text("queued, waiting for a worker")
    assert run_regrade(regrade_id=regrade.pk) == "finished"
    expect(progress).to_have_text("finished: 1 answer regraded")
    assert Quiz.objects.get(pk=quiz.pk).regrades.get().done == 1
    shot(teacher, "quiz-regrade-progress.png")
