"""When the cache that keeps request counts is down, requests go through: a Redis outage must
not turn into refused submissions or locked-out students."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD, right_answers

pytestmark = pytest.mark.django_db

UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def cache_down(settings: Any) -> None:
    # Changing CACHES makes Django drop its cache connections (its setting_changed handler).
    settings.CACHES = UNREACHABLE


def test_a_submission_is_stored_while_the_cache_is_down(
    client_a, student_a, make_problem, cache_down
):
    problem = make_problem(student_a)
    response = client_a.post(
        f"/api/v1/problems/{problem.pk}/submissions",
        {"answers": right_answers(problem)},
        format="json",
    )
    assert response.status_code == 202


def test_token_login_works_while_the_cache_is_down(anonymous_client, student_a, cache_down):
    response = anonymous_client.post(
        "/api/v1/auth/token", {"username": student_a.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_login_page_works_while_the_cache_is_down(student_a, cache_down):
    browser = Client()
    failed = browser.post("/login", {"username": student_a.username, "password": "wrong-one"})
    assert failed.status_code == 200
    ok = browser.post("/login", {"username": student_a.username, "password": PASSWORD})
    assert ok.status_code == 302
