"""Every URL pattern the project serves, against every kind of caller.

The patterns come from Django's resolver, so an endpoint added later is probed too: it must get a
row in EXPECTED (or fall under the admin rule), or `test_every_url_pattern_has_a_row` fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PASSWORD, right_answers
from tests.security.conftest import CALLERS, MARKER, World
from tests.security.routes import fill, served_routes

pytestmark = pytest.mark.django_db


ADMIN_PREFIX = "admin/"

Body = Callable[[World, str], Any] | None


def answers_body(world: World, caller: str) -> dict[str, Any]:
    return {"answers": right_answers(world.problem)}


def credentials_body(world: World, caller: str) -> dict[str, str]:
    return {"username": world.users["student_a"].username, "password": PASSWORD}


def registration_body(world: World, caller: str) -> dict[str, str]:
    return {"username": f"new-{caller}", "password": "a-long-enough-pass-phrase-3"}


def empty_body(world: World, caller: str) -> dict[str, Any]:
    return {}


def quiz_answers_body(world: World, caller: str) -> dict[str, Any]:
    question = world.quiz_attempt.questions.order_by("position").first()
    return {"answers": right_answers(question.problem), "sequence": 1}


def preview_body(world: World, caller: str) -> dict[str, str]:
    return {"kind": "number", "text": "1/2"}


# route -> [(method, body, expected status per caller in CALLERS order)]
# anonymous, student A (owns the problem and submission), student B, instructor, admin
EXPECTED: dict[str, list[tuple[str, Body, tuple[int, int, int, int, int]]]] = {
    "api/v1/health": [("get", None, (200, 200, 200, 200, 200))],
    "api/v1/auth/register": [("post", registration_body, (201, 201, 201, 201, 201))],
    "api/v1/auth/token": [("post", credentials_body, (200, 200, 200, 200, 200))],
    "api/v1/topics": [("get", None, (401, 200, 200, 200, 200))],
    "api/v1/practice/next": [("post", empty_body, (401, 200, 200, 200, 200))],
    "api/v1/problems/<int:problem_id>": [("get", None, (401, 200, 404, 200, 200))],
    "api/v1/problems/<int:problem_id>/another": [("post", None, (401, 201, 404, 404, 404))],
    "api/v1/problems/<int:problem_id>/hints": [("post", None, (401, 200, 404, 404, 404))],
    "api/v1/problems/<int:problem_id>/solution": [("get", None, (401, 403, 403, 200, 200))],
    "api/v1/problems/<int:problem_id>/submissions": [
        ("post", answers_body, (401, 202, 404, 404, 404))
    ],
    "api/v1/submissions/<int:submission_id>": [("get", None, (401, 200, 404, 200, 200))],
    "api/v1/progress": [("get", None, (401, 200, 200, 200, 200))],
    "api/v1/attempts": [("get", None, (401, 200, 200, 200, 200))],
    "api/v1/preview": [("post", preview_body, (401, 200, 200, 200, 200))],
    "api/schema/": [("get", None, (200, 200, 200, 200, 200))],
    "": [("get", None, (200, 302, 302, 302, 302))],
    "signup": [("get", None, (200, 302, 302, 302, 302))],
    "login": [("get", None, (200, 302, 302, 302, 302))],
    "logout": [("post", None, (302, 302, 302, 302, 302)), ("get", None, (405,) * 5)],
    "dashboard": [("get", None, (302, 200, 200, 200, 200))],
    "practice": [("get", None, (302, 302, 302, 302, 302))],
    "problems/<int:problem_id>": [("get", None, (302, 200, 404, 404, 404))],
    "history": [("get", None, (302, 200, 200, 200, 200))],
    # Analytics: staff only; an instructor reads only students given work of theirs (A is).
    "analytics/": [("get", None, (302, 403, 403, 200, 200))],
    "analytics/students/<int:student_id>": [("get", None, (302, 403, 403, 200, 200))],
    "analytics/templates": [("get", None, (302, 403, 403, 200, 200))],
    "analytics/templates/<str:key>": [("get", None, (302, 403, 403, 200, 200))],
    # Authoring (API and pages): staff only. An empty body reaches validation (400) for staff.
    "api/v1/authoring/check": [("post", empty_body, (401, 403, 403, 400, 400))],
    "api/v1/authoring/preview": [("post", empty_body, (401, 403, 403, 400, 400))],
    "api/v1/authoring/try": [("post", empty_body, (401, 403, 403, 400, 400))],
    "api/v1/authoring/templates/<slug:key>/versions": [
        ("post", empty_body, (401, 403, 403, 400, 400))
    ],
    "authoring/": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/templates/new": [("post", empty_body, (302, 403, 403, 400, 400))],
    "authoring/templates/<slug:key>": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/templates/<slug:key>/history": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/templates/<slug:key>/export": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/export.zip": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/import": [("post", empty_body, (302, 403, 403, 400, 400))],
    "authoring/assignments": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/assignments/new": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/assignments/<int:assignment_id>": [("get", None, (302, 403, 403, 200, 200))],
    "authoring/assignments/<int:assignment_id>/edit": [("get", None, (302, 403, 403, 200, 200))],
    # An assignment is practised only by the students it names (A here).
    "assignments/<int:assignment_id>/practice": [("get", None, (302, 302, 404, 404, 404))],
    # Quizzes: anyone signed in may read and take an open quiz; staff set, regrade and extend.
    # An attempt is read by its student and staff, answered and submitted by its student only.
    "api/v1/quizzes": [
        ("get", None, (401, 200, 200, 200, 200)),
        ("post", empty_body, (401, 403, 403, 400, 400)),
    ],
    "api/v1/quizzes/<int:quiz_id>": [
        ("get", None, (401, 200, 200, 200, 200)),
        ("patch", empty_body, (401, 403, 403, 200, 200)),
    ],
    "api/v1/quizzes/<int:quiz_id>/attempts": [
        ("get", None, (401, 200, 200, 200, 200)),
        ("post", None, (401, 201, 201, 201, 201)),
    ],
    "api/v1/quizzes/<int:quiz_id>/regrade": [("post", empty_body, (401, 403, 403, 400, 400))],
    "api/v1/quizzes/attempts/<int:attempt_id>": [("get", None, (401, 200, 404, 200, 200))],
    "api/v1/quizzes/attempts/<int:attempt_id>/questions/<int:position>/answers": [
        ("put", quiz_answers_body, (401, 200, 404, 404, 404))
    ],
    "api/v1/quizzes/attempts/<int:attempt_id>/submit": [("post", None, (401, 200, 404, 404, 404))],
    "api/v1/quizzes/attempts/<int:attempt_id>/extend": [
        ("post", empty_body, (401, 403, 403, 400, 400))
    ],
    "quizzes": [("get", None, (302, 200, 200, 200, 200))],
    "quizzes/new": [("get", None, (302, 403, 403, 200, 200))],
    "quizzes/<int:quiz_id>/edit": [("get", None, (302, 403, 403, 200, 200))],
    "quizzes/<int:quiz_id>": [("get", None, (302, 200, 200, 200, 200))],
    "quizzes/<int:quiz_id>/start": [("post", None, (302, 302, 302, 302, 302))],
    "quizzes/<int:quiz_id>/regrade": [("post", None, (302, 403, 403, 302, 302))],
    "quizzes/attempts/<int:attempt_id>": [("get", None, (302, 200, 404, 200, 200))],
    "quizzes/attempts/<int:attempt_id>/extend": [("post", None, (302, 403, 403, 302, 302))],
    # The placement diagnostic: each caller's own session, nothing addressed by id.
    "api/v1/diagnostic/start": [("post", None, (401, 201, 201, 201, 201))],
    "api/v1/diagnostic/next": [("get", None, (401, 404, 404, 404, 404))],
    "api/v1/diagnostic/answer": [("post", empty_body, (401, 400, 400, 400, 400))],
    "api/v1/diagnostic/result": [("get", None, (401, 404, 404, 404, 404))],
    "api/v1/diagnostic/map": [("get", None, (401, 404, 404, 404, 404))],
    "api/v1/diagnostic/skip": [("post", None, (401, 200, 200, 200, 200))],
    "diagnostic": [("get", None, (302, 200, 200, 200, 200))],
    "diagnostic/start": [("post", None, (302, 302, 302, 302, 302))],
    "diagnostic/skip": [("post", None, (302, 302, 302, 302, 302))],
    "diagnostic/answer": [("post", None, (302, 302, 302, 302, 302))],
    "diagnostic/result": [("get", None, (302, 302, 302, 302, 302))],
}

# Pages an anonymous caller may see; every other anonymous redirect must go to the login page.
PUBLIC_PAGES = {"", "signup", "login", "logout"}


def test_every_url_pattern_has_a_row():
    missing = [
        route
        for route in served_routes()
        if route not in EXPECTED and not route.startswith(ADMIN_PREFIX)
    ]
    assert not missing, f"add rows to EXPECTED for: {missing}"


SERVED = set(served_routes())
# Rows for routes not (or no longer) served are kept out, so a row may land before its endpoint.
CASES = [
    (route, method, body, expected)
    for route, rows in EXPECTED.items()
    if route in SERVED
    for method, body, expected in rows
]


@pytest.mark.parametrize(
    ("route", "method", "body", "expected"), CASES, ids=[f"{c[1]} /{c[0]}" for c in CASES]
)
def test_each_caller_gets_the_expected_status(world, route, method, body, expected):
    """One world per row, the callers in turn (none of their requests changes another's)."""
    got = []
    for caller in CALLERS:
        data = body(world, caller) if body else None
        response = getattr(world.client(caller), method)(fill(route, world), data, format="json")
        got.append(response.status_code)
        if caller == "anonymous" and response.status_code == 302 and route not in PUBLIC_PAGES:
            assert response["Location"].startswith("/login"), response["Location"]
    assert tuple(got) == expected, dict(zip(CALLERS, got, strict=True))


def test_an_instructor_reads_only_the_students_given_work_of_theirs(world):
    bob = world.users["student_b"]
    path = f"/analytics/students/{bob.pk}"
    assert world.client("instructor").get(path).status_code == 404
    assert world.client("admin").get(path).status_code == 200


ADMIN_ROUTES = [route for route in served_routes() if route.startswith(ADMIN_PREFIX)]


def admin_route_problems(world: World, route: str) -> list[str]:
    path = fill(route, world)
    problems = []
    for caller in ("anonymous", "student_a", "student_b", "instructor"):
        response = world.client(caller).get(path)
        status, location = response.status_code, response.get("Location", "")
        if route == "admin/logout/":
            # Logging out is a POST; a GET leads nowhere.
            ok = status in (302, 405)
        elif route == "admin/login/":
            # The form only: a signed-in non-staff caller is told they lack access.
            ok = status == 200 and b"id_password" in response.content
        else:
            ok = status == 302 and location.startswith("/admin/login/")
        if not ok:
            problems.append(f"{caller} GET {path}: {status} {location}")
    status = world.client("admin").get(path).status_code
    if status >= 500:
        problems.append(f"admin GET {path}: {status}")
    return problems


def test_admin_pages_stay_admin_only(world):
    """Every admin URL (each registered model's too) sends non-admins to the admin login."""
    assert len(ADMIN_ROUTES) > 20
    problems = [problem for route in ADMIN_ROUTES for problem in admin_route_problems(world, route)]
    assert not problems, problems


def get_routes() -> list[str]:
    return [
        route
        for route, rows in EXPECTED.items()
        if route in SERVED
        for method, _, _ in rows
        if method == "get"
    ]


@pytest.mark.parametrize("caller", ["anonymous", "student_b"])
def test_no_page_or_endpoint_shows_student_as_work_to_others(world, caller):
    client = world.client(caller)
    for route in get_routes():
        response = client.get(fill(route, world))
        assert MARKER.encode() not in response.content, route
    for route in ("practice/next",):
        response = client.post(f"/api/v1/{route}", {}, format="json")
        assert MARKER.encode() not in response.content


def test_student_a_sees_her_own_answers(world):
    """The marker check above can fail: A's own submission shows it."""
    response = world.client("student_a").get(f"/api/v1/submissions/{world.submission.pk}")
    assert MARKER.encode() in response.content
