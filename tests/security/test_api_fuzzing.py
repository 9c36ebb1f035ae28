"""The JSON API fuzzed from its own OpenAPI schema (schemathesis): valid and invalid requests,
generated per operation with a bounded number of examples, as a student and as an instructor.
No request may answer 5xx. The whole run stays well under two minutes on two cores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token

# CI (REQUIRE_SERVICES=1) must fuzz: there a missing schemathesis is an error, not a skip.
if os.environ.get("REQUIRE_SERVICES"):
    import schemathesis
else:
    schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode. Operations that generate variants in a child
# process (authoring, new problems, quiz attempts) cost far more per request and get fewer.
EXAMPLES = 10
COSTLY_EXAMPLES = 3
COSTLY_PATHS = ("/api/v1/authoring/", "/api/v1/practice/next", "/another", "/attempts")
# The fuzzed requests must not be throttled: limits have their own tests.
GENEROUS = "1000000/minute"


@pytest.fixture(autouse=True)
def generous_rates(settings: Any) -> None:
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, GENEROUS)
    settings.LOGIN_PAGE_FAILURES = 1_000_000


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Served through the real WSGI handler, whose end-of-request hook would close the test's
    database connection (and with it the transaction that holds the fixtures)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def server_errors(schema: Any, token: str, only_staff_paths: bool, statuses: set[int]) -> list[str]:
    found: list[str] = []
    headers = {"Authorization": f"Token {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        staff_path = path.startswith("/api/v1/authoring/") or path.startswith("/api/v1/quizzes")
        if only_staff_paths and not staff_path:
            continue
        examples = COSTLY_EXAMPLES if any(part in path for part in COSTLY_PATHS) else EXAMPLES
        for mode in (
            schemathesis.GenerationMode.POSITIVE,
            schemathesis.GenerationMode.NEGATIVE,
        ):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case: Any) -> None:
                response = case.call(headers=headers)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    found.append(
                        f"{case.method} {case.formatted_path} {response.status_code} "
                        f"body={case.body!r:.200} query={case.query!r:.200}"
                    )

            try:
                probe()
            except Unsatisfiable:
                # No invalid request exists for this operation (nothing in it can be wrong).
                continue
    return found


def test_no_fuzzed_request_answers_5xx(student_a, instructor, make_problem, in_test_transaction):
    make_problem(student_a)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    student_token = Token.objects.get_or_create(user=student_a)[0].key
    instructor_token = Token.objects.get_or_create(user=instructor)[0].key
    statuses: set[int] = set()
    errors = server_errors(schema, student_token, only_staff_paths=False, statuses=statuses)
    errors += server_errors(schema, instructor_token, only_staff_paths=True, statuses=statuses)
    assert not errors, errors
    # The requests were authenticated and some were valid: the run did reach the views.
    assert {200, 400, 404} <= statuses, statuses
