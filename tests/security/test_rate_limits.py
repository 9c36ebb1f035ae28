"""Request limits: per user on submissions, previews, quiz autosaves, quiz checks and the
diagnostic's answers (API and page, one count); per address and per user name on logins (API and
browser), per address on registrations. Past the limit: 429, Retry-After and a message a person
can act on; other users are not affected."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as project_settings
from django.test import Client

from tests.conftest import PASSWORD, client_for, unparsable_answers

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limits(settings: Any) -> None:
    settings.RATE_LIMITS = {scope: f"{LIMIT}/minute" for scope in settings.RATE_LIMITS}
    settings.LOGIN_PAGE_FAILURES = LIMIT


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    detail = response.json()["detail"]
    assert re.fullmatch(r"Too many requests in a short time\. Try again in \d+ seconds?\.", detail)


def test_every_default_rate_is_well_formed():
    for scope, rate in project_settings.RATE_LIMITS.items():
        assert re.fullmatch(r"\d+/(second|minute|hour|day)", rate), scope


def test_submissions_are_limited_per_student(student_a, student_b, make_problem):
    alice, bob = client_for(student_a), client_for(student_b)
    problem = make_problem(student_a)
    url = f"/api/v1/problems/{problem.pk}/submissions"
    body = {"answers": unparsable_answers(problem)}
    for _ in range(LIMIT):
        assert alice.post(url, body, format="json").status_code == 400
    assert_throttled(alice.post(url, body, format="json"))
    bobs = make_problem(student_b)
    response = bob.post(
        f"/api/v1/problems/{bobs.pk}/submissions",
        {"answers": unparsable_answers(bobs)},
        format="json",
    )
    assert response.status_code == 400


def test_previews_are_limited_per_student(student_a, student_b):
    alice, bob = client_for(student_a), client_for(student_b)
    body = {"kind": "number", "text": "1/2"}
    for _ in range(LIMIT):
        assert alice.post("/api/v1/preview", body, format="json").status_code == 200
    assert_throttled(alice.post("/api/v1/preview", body, format="json"))
    assert bob.post("/api/v1/preview", body, format="json").status_code == 200


def test_quiz_autosaves_are_limited_per_student(student_a, student_b, make_quiz):
    from quizzes.services.quizzes import start_attempt

    alice, bob = client_for(student_a), client_for(student_b)
    quiz = make_quiz()
    mine = start_attempt(user=student_a, quiz=quiz)
    theirs = start_attempt(user=student_b, quiz=quiz)
    url = "/api/v1/quizzes/attempts/{}/questions/1/answers"
    for sequence in range(1, LIMIT + 1):
        body = {"answers": {}, "sequence": sequence}
        assert alice.put(url.format(mine.pk), body, format="json").status_code == 200
    assert_throttled(alice.put(url.format(mine.pk), {"answers": {}, "sequence": 9}, format="json"))
    body = {"answers": {}, "sequence": 1}
    assert bob.put(url.format(theirs.pk), body, format="json").status_code == 200


def test_quiz_checks_are_limited_per_student_apart_from_autosaves(student_a, student_b, make_quiz):
    from quizzes.services.quizzes import start_attempt

    alice, bob = client_for(student_a), client_for(student_b)
    quiz = make_quiz(feedback_release="immediately", checks_per_question=2)
    mine = start_attempt(user=student_a, quiz=quiz)
    theirs = start_attempt(user=student_b, quiz=quiz)
    url = "/api/v1/quizzes/attempts/{}/questions/1/answers"
    problem = mine.questions.get(position=1).problem
    unreadable = {"answers": unparsable_answers(problem), "sequence": 1}
    for _ in range(LIMIT):
        assert alice.post(url.format(mine.pk), unreadable, format="json").status_code == 400
    assert_throttled(alice.post(url.format(mine.pk), unreadable, format="json"))
    # Saving is counted apart, so a student out of checks still saves.
    saved = alice.put(url.format(mine.pk), {"answers": {}, "sequence": 5}, format="json")
    assert saved.status_code == 200
    problem = theirs.questions.get(position=1).problem
    body = {"answers": unparsable_answers(problem), "sequence": 1}
    assert bob.post(url.format(theirs.pk), body, format="json").status_code == 400


def test_diagnostic_answers_are_limited_per_student_on_the_api_and_the_page(
    student_a, student_b, synced
):
    from quizzes.models import DiagnosticSession

    page = Client()
    page.force_login(student_a)
    page.post("/diagnostic/start")
    problem = DiagnosticSession.objects.get(user=student_a).current_problem
    form = {f"answer-{key}": text for key, text in unparsable_answers(problem).items()}
    for _ in range(LIMIT - 1):
        assert page.post("/diagnostic/answer", form).status_code == 302
    alice = client_for(student_a)
    assert alice.post("/api/v1/diagnostic/answer", {}, format="json").status_code == 400
    # The page and the API share one count.
    assert_throttled(alice.post("/api/v1/diagnostic/answer", {}, format="json"))
    refused = page.post("/diagnostic/answer", form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert re.search(
        r"Too many requests in a short time\. Try again in \d+ seconds?\.", refused.content.decode()
    )
    assert not problem.submissions.exists()
    # Practice submissions keep their own allowance.
    bob = client_for(student_b)
    assert bob.post("/api/v1/diagnostic/answer", {}, format="json").status_code == 400


def test_the_autosave_default_allows_a_student_saving_every_second_with_room_to_spare():
    from config import settings as defaults

    count, period = defaults.RATE_LIMITS["autosave"].split("/")
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[period]
    per_minute = int(count) * 60 / seconds
    # One save a second is 60 a minute; bench/autosave.py also sends 320 saves back to back
    # from one student just before its load, in the same minute.
    assert per_minute >= 400


def test_token_requests_are_limited_per_user_name_from_any_address(student_a, student_b):
    client = client_for(None)
    wrong = {"username": student_a.username, "password": "not-it"}
    for number in range(LIMIT):
        response = client.post(
            "/api/v1/auth/token", wrong, format="json", REMOTE_ADDR=f"10.0.0.{number}"
        )
        assert response.status_code == 401
    right = {"username": student_a.username, "password": PASSWORD}
    assert_throttled(
        client.post("/api/v1/auth/token", right, format="json", REMOTE_ADDR="10.0.1.1")
    )
    other = {"username": student_b.username, "password": PASSWORD}
    response = client.post("/api/v1/auth/token", other, format="json", REMOTE_ADDR="10.0.1.2")
    assert response.status_code == 200


def test_token_requests_are_limited_per_address(student_a):
    client = client_for(None)
    for number in range(LIMIT):
        body = {"username": f"guess{number}", "password": "not-it"}
        assert client.post("/api/v1/auth/token", body, format="json").status_code == 401
    right = {"username": student_a.username, "password": PASSWORD}
    assert_throttled(client.post("/api/v1/auth/token", right, format="json"))


def test_registrations_are_limited_per_address(db):
    client = client_for(None)
    for number in range(LIMIT):
        body = {"username": f"newcomer{number}", "password": "a-long-enough-pass-phrase-3"}
        assert client.post("/api/v1/auth/register", body, format="json").status_code == 201
    body = {"username": "one-too-many", "password": "a-long-enough-pass-phrase-3"}
    assert_throttled(client.post("/api/v1/auth/register", body, format="json"))


def browser_login(client: Client, username: str, password: str, address: str) -> Any:
    return client.post("/login", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_failed_browser_logins_are_limited_with_a_message(student_a, student_b):
    client = Client()
    for _ in range(LIMIT):
        response = browser_login(client, student_a.username, "not-it", "10.0.0.1")
        assert response.status_code == 200
    blocked = browser_login(client, student_a.username, PASSWORD, "10.0.0.1")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert b"Too many failed log-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session
    # The same name from another address is still blocked; another name elsewhere is not.
    assert browser_login(Client(), student_a.username, PASSWORD, "10.0.0.2").status_code == 429
    assert browser_login(Client(), student_b.username, PASSWORD, "10.0.0.3").status_code == 302


def test_successful_browser_logins_are_not_counted(student_a):
    for _ in range(LIMIT + 2):
        client = Client()
        assert browser_login(client, student_a.username, PASSWORD, "10.0.0.1").status_code == 302


CACHE_PROBE = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
print(settings.CACHES["default"]["BACKEND"])
if settings.REDIS_URL:
    cache.set("gradient-security-probe", 7, timeout=30)
    print(cache.get("gradient-security-probe"))
"""


def cache_backend_with(redis_url: str) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": redis_url}
    result = subprocess.run(
        [sys.executable, "-c", CACHE_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_the_counts_are_per_process_without_redis():
    assert cache_backend_with("") == ["django.core.cache.backends.locmem.LocMemCache"]


def test_the_counts_are_shared_through_redis_when_it_is_configured():
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    assert cache_backend_with(url) == ["django.core.cache.backends.redis.RedisCache", "7"]


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(db):
    client = client_for(None)
    for number in range(LIMIT):
        body = {"username": f"guess{number}", "password": "not-it"}
        response = client.post(
            "/api/v1/auth/token", body, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}"
        )
        assert response.status_code == 401
    body = {"username": "guess-last", "password": "not-it"}
    assert_throttled(
        client.post("/api/v1/auth/token", body, format="json", HTTP_X_FORWARDED_FOR="198.51.100.99")
    )
