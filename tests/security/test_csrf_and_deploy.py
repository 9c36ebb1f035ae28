"""CSRF on every browser form and on the API when called with the session cookie; and the
deployment settings: `manage.py check --deploy` is clean with DEBUG off, and the cookies and
headers a production response carries are the secure ones."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.security.conftest import CALLERS
from tests.security.routes import fill, served_routes
from tests.security.test_url_matrix import EXPECTED

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
POST_METHOD = re.compile(r"""method\s*=\s*["']?post""", re.I)
CSRF_INPUT = re.compile(r"""name=["']csrfmiddlewaretoken["']""")
PARAMETERLESS_PAGE = re.compile(r"^(?!api/|admin/)[^<(]*$")


def page_routes(include_parameters: bool) -> list[str]:
    return [
        route
        for route in served_routes()
        if route in EXPECTED
        and not route.startswith(("api/", "admin/"))
        and (include_parameters or PARAMETERLESS_PAGE.match(route))
    ]


def test_every_post_form_on_every_page_carries_a_csrf_token(world):
    forms_seen = 0
    for caller in CALLERS:
        client = world.client(caller)
        for route in page_routes(include_parameters=True):
            response = client.get(fill(route, world), follow=True)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            for attributes, inner in FORM.findall(response.content.decode()):
                if POST_METHOD.search(attributes):
                    forms_seen += 1
                    assert CSRF_INPUT.search(inner), f"{caller} /{route}: {attributes}"
    assert forms_seen >= 3, "the login, signup and logout forms at least"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/login", {"username": "alice", "password": PASSWORD}),
        ("/signup", {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD}),
        ("/logout", {}),
    ],
)
def test_a_form_post_without_the_token_is_refused(student_a, path, fields):
    client = Client(enforce_csrf_checks=True)
    if path == "/logout":
        client.force_login(student_a)
    response = client.post(path, fields)
    assert response.status_code == 403
    if path == "/logout":
        assert "_auth_user_id" in client.session


def test_the_api_called_with_the_session_cookie_needs_the_token(student_a, make_problem):
    problem = make_problem(student_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(student_a)
    client.get(f"/problems/{problem.pk}")
    token = client.cookies["csrftoken"].value
    preview = {"kind": "number", "text": "1/2"}
    refused = client.post("/api/v1/preview", preview, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    accepted = client.post(
        "/api/v1/preview", preview, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "gradient.example.org",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def production_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}
    }
    return {**env, **PRODUCTION_ENV}


def test_the_deployment_check_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = {**production_env(), "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
settings.ALLOWED_HOSTS = ["gradient.example.org", "testserver"]
client = Client(HTTP_X_FORWARDED_PROTO="https")
response = client.get("/login", secure=True)
print("STATUS", response.status_code)
for name in ("Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options",
             "Referrer-Policy", "Cross-Origin-Opener-Policy"):
    print("HEADER", name, response.get(name, "-"))
cookie = response.cookies["csrftoken"]
print("CSRF", bool(cookie["secure"]), bool(settings.SESSION_COOKIE_SECURE),
      bool(settings.SESSION_COOKIE_HTTPONLY))
print("REDIRECT", Client().get("/login").status_code)
"""


def test_a_production_response_carries_the_secure_headers_and_cookies(tmp_path):
    env = {**production_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    headers: dict[str, Any] = {
        line.split(" ", 2)[1]: line.split(" ", 2)[2] for line in lines if line.startswith("HEADER")
    }
    assert "STATUS 200" in lines
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "CSRF True True True" in lines
    # Plain HTTP is sent to HTTPS.
    assert "REDIRECT 301" in lines
