"""Template authoring is for instructors, and a template is data, never code: its expressions go
only through the safe parser's template-level table, and a template that loops, explodes or
errors is rejected at validation (generation runs under a CPU and memory bound) with a message
that says what is wrong — through the authoring API as an instructor would send it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from quizzes.models import ProblemTemplate, TemplateVersion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The validator's own bounds are 5 s (parse) and 10 s (generate) of CPU; wall time on a busy
# two-core machine adds to that.
REJECT_SECONDS = 30.0

BASE = """\
id = "{key}"
version = 1
title = "Sum"
topic = "first-steps"
difficulty = 1
constraints = [{constraints}]
statement = "What is ${{{{a}}}} + {{{{b}}}}$? {statement}"
solution = "It is ${{{{= a + b}}}}$."

[parameters]
a = {{ int = [1, 40] }}
b = {{ int = [1, 40] }}

[derived]
{derived}

[[parts]]
key = "sum"
kind = "number"
answer = "{answer}"
"""


def template_source(
    *,
    key: str = "hostile-sum",
    derived: str = "",
    answer: str = "a + b",
    constraints: str = "",
    statement: str = "",
) -> str:
    return BASE.format(
        key=key, derived=derived, answer=answer, constraints=constraints, statement=statement
    )


# (label, source changes) — each one must be refused.
HOSTILE_TEMPLATES: list[tuple[str, dict[str, str]]] = [
    # code, not math
    ("python import", {"derived": "s = \"__import__('os').system('touch /tmp/owned')\""}),
    ("attribute access", {"derived": 's = "a.__class__.__bases__"'}),
    ("subscript escape", {"derived": 's = "().__class__.__mro__[1]"'}),
    ("lambda", {"derived": 's = "lambda: 1"'}),
    ("string literal", {"derived": "s = \"'text'\""}),
    ("python builtin call", {"answer": "open(a)"}),
    ("eval by name", {"answer": "eval(a)"}),
    ("sympify by name", {"answer": "sympify(a)"}),
    ("getattr", {"answer": "getattr(a, b)"}),
    ("placeholder code", {"statement": "{{= __import__('os')}}"}),
    # loops: never satisfiable, or defined by itself
    ("unsatisfiable constraint", {"constraints": '"a > 100"'}),
    ("contradictory constraints", {"constraints": '"a > b", "b > a"'}),
    ("self-referential value", {"derived": 's = "s + 1"', "answer": "s"}),
    ("mutually recursive values", {"derived": 's = "t + 1"\nt = "s + 1"', "answer": "s"}),
    # explosions
    ("power tower", {"derived": 's = "9^9^9^9"', "answer": "s"}),
    ("huge factorial", {"derived": 's = "factorial(10^7)"', "answer": "s"}),
    ("huge exponent", {"derived": 's = "a^(10^10)"', "answer": "s"}),
    ("huge placeholder", {"statement": "{{= 10^(10^9)}}"}),
    ("deep nesting", {"answer": "(" * 400 + "a" + ")" * 400}),
    # errors
    ("division by zero", {"derived": 's = "1/(a - a)"', "answer": "s"}),
    ("undefined name", {"answer": "a + q"}),
    ("log of zero", {"derived": 's = "log(a - a)"', "answer": "s"}),
]


@pytest.fixture
def instructor_api(synced: Any, instructor: Any) -> Any:
    return client_for(instructor)


def test_the_well_formed_template_passes(instructor_api):
    """Control: each hostile template differs from this one by the change it names."""
    response = instructor_api.post(
        "/api/v1/authoring/check", {"source": template_source()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["ok"], response.json()


@pytest.mark.parametrize(
    ("label", "changes"), HOSTILE_TEMPLATES, ids=[c[0] for c in HOSTILE_TEMPLATES]
)
def test_a_hostile_template_is_rejected_at_validation_with_a_message(
    instructor_api, evaluator_calls, label, changes
):
    source = template_source(**changes)
    started = time.monotonic()
    response = instructor_api.post("/api/v1/authoring/check", {"source": source}, format="json")
    seconds = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert not body["ok"], f"{label} passed validation"
    assert body["problems"] and all(problem["message"] for problem in body["problems"])
    assert seconds < REJECT_SECONDS, f"{label} took {seconds:.1f} s"
    hostile_text = next(iter(changes.values()))
    assert not [call for call in evaluator_calls if hostile_text in call]


def test_a_hostile_template_is_never_published(instructor_api, synced):
    before = TemplateVersion.objects.count()
    source = template_source(key="owned", derived="s = \"__import__('os')\"")
    response = instructor_api.post("/api/v1/authoring/check", {"source": source}, format="json")
    assert not response.json()["ok"]
    key = synced.templates[0].id
    publish = instructor_api.post(
        f"/api/v1/authoring/templates/{key}/versions",
        {"source": template_source(key=key, derived='s = "9^9^9^9"', answer="s")},
        format="json",
    )
    assert publish.status_code == 400, publish.content
    assert TemplateVersion.objects.count() == before


@pytest.mark.parametrize("caller", ["anonymous", "student"])
def test_only_staff_may_check_preview_try_or_publish(synced, student_a, caller):
    client = client_for(student_a if caller == "student" else None)
    key = synced.templates[0].id
    source = template_source(key=key)
    for path, body in [
        ("/api/v1/authoring/check", {"source": source}),
        ("/api/v1/authoring/preview", {"source": source}),
        ("/api/v1/authoring/try", {"source": source, "seed": 1, "part": "sum", "answer": "2"}),
        (f"/api/v1/authoring/templates/{key}/versions", {"source": source}),
    ]:
        response = client.post(path, body, format="json")
        assert response.status_code == (401 if caller == "anonymous" else 403), path
    template = ProblemTemplate.objects.get(key=key)
    assert template.versions.count() == 1
