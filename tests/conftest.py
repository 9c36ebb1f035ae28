"""Shared fixtures: the five callers of every permission test (anonymous, student A, student B,
instructor, admin), API clients with their tokens, and a small synced slice of the content bank."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-7"
# Kinds whose wrong answer can be written as "(right answer) + 1".
ARITHMETIC_KINDS = {"number", "expression"}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


@pytest.fixture(scope="session")
def content_bank() -> Any:
    import content

    return content.load_bank()


@dataclass(frozen=True)
class BankSlice:
    """The whole topic graph with a few templates: enough to practise, fast to sync."""

    topics: Any
    templates: tuple[Any, ...]


# A small graph the tests control: one root leads to a second topic, another root stands apart.
SLICE_TOPICS = """
[[topics]]
slug = "first-steps"
title = "First steps"
area = "calculus"
prerequisites = []

[[topics]]
slug = "next-steps"
title = "Next steps"
area = "calculus"
prerequisites = ["first-steps"]

[[topics]]
slug = "side-road"
title = "Side road"
area = "probability"
prerequisites = []
"""


def pick_templates(bank: Any) -> tuple[Any, ...]:
    """Three bank templates whose parts can be answered wrong by adding one (preferring those
    with listed mistakes), placed in the slice's three topics in order."""
    arithmetic = [
        template
        for template in bank.templates
        if all(part.kind in ARITHMETIC_KINDS for part in template.parts)
    ]
    arithmetic.sort(key=lambda template: (not template.mistakes, template.id))
    slugs = ("first-steps", "next-steps", "side-road")
    return tuple(
        replace(template, topic=slug) for template, slug in zip(arithmetic, slugs, strict=False)
    )


@pytest.fixture(scope="session")
def bank_slice(content_bank: Any) -> BankSlice:
    from content.topics import parse_topic_graph

    templates = pick_templates(content_bank)
    assert len(templates) == 3, "the bank needs three templates with number/expression parts"
    return BankSlice(topics=parse_topic_graph(SLICE_TOPICS), templates=templates)


@pytest.fixture
def synced(db: None, bank_slice: BankSlice) -> BankSlice:
    from quizzes.services.content_sync import sync_content

    sync_content(bank=bank_slice)
    return bank_slice


@pytest.fixture
def student_a(db: None) -> Any:
    return UserFactory(username="alice", role="students")


@pytest.fixture
def student_b(db: None) -> Any:
    return UserFactory(username="bob", role="students")


@pytest.fixture
def instructor(db: None) -> Any:
    return UserFactory(username="ines", role="instructors")


@pytest.fixture
def admin_user(db: None) -> Any:
    user = UserFactory(username="ada", role="admins")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous_client(db: None) -> APIClient:
    return client_for(None)


@pytest.fixture
def client_a(student_a: Any) -> APIClient:
    return client_for(student_a)


@pytest.fixture
def client_b(student_b: Any) -> APIClient:
    return client_for(student_b)


@pytest.fixture
def instructor_client(instructor: Any) -> APIClient:
    return client_for(instructor)


@pytest.fixture
def admin_client_api(admin_user: Any) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def make_problem(synced: BankSlice) -> Any:
    """Serve a problem to `user` from the first synced template (or `template_key`)."""
    from quizzes.models import ProblemTemplate
    from quizzes.services.practice import create_problem

    def make(user: Any, template_key: str | None = None, seed: int | None = None) -> Any:
        key = template_key or synced.templates[0].id
        template = ProblemTemplate.objects.select_related("current_version").get(key=key)
        return create_problem(user=user, template=template, seed=seed)

    return make


def right_answers(problem: Any) -> dict[str, str]:
    from quizzes.services.variants import variant_from_snapshot

    return {part.key: part.answer for part in variant_from_snapshot(problem.snapshot).parts}


def wrong_answers(problem: Any) -> dict[str, str]:
    """A listed mistake where the part has one (so feedback shows), else the answer plus one."""
    from quizzes.services.variants import variant_from_snapshot

    wrong = {}
    for part in variant_from_snapshot(problem.snapshot).parts:
        mistakes = dict(part.options).get("mistakes") or []
        wrong[part.key] = mistakes[0]["answer"] if mistakes else f"({part.answer}) + 1"
    return wrong


def unparsable_answers(problem: Any) -> dict[str, str]:
    return {key: "2 + * 3" for key in right_answers(problem)}


@pytest.fixture(autouse=True)
def fresh_process_state() -> Any:
    """Each test's database starts empty: never serve a catalog cached by an earlier test, and
    never carry remembered tokens or request throttles over from one."""
    from django.core.cache import cache

    from quizzes.api.authentication import forget_tokens
    from quizzes.selectors import forget_catalog

    forget_catalog()
    forget_tokens()
    cache.clear()
    yield
    forget_catalog()
    forget_tokens()


@pytest.fixture
def make_quiz(synced: BankSlice, instructor: Any) -> Any:
    """A quiz open now, with one question from each synced template unless told otherwise."""
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.models import ProblemTemplate
    from quizzes.services.quizzes import PoolItem, create_quiz

    def make(**settings: Any) -> Any:
        now = timezone.now()
        templates = ProblemTemplate.objects.filter(key__in=[t.id for t in synced.templates])
        pool = settings.pop("pool", None) or [
            PoolItem(count=1, template=template) for template in templates.order_by("key")
        ]
        values = {
            "title": "Week 3 quiz",
            "question_count": len(pool),
            "time_limit_seconds": 600,
            "attempts_allowed": 1,
            "opens_at": now - timedelta(minutes=5),
            "closes_at": now + timedelta(days=1),
            "shuffle_questions": False,
        } | settings
        return create_quiz(created_by=instructor, pool=pool, **values)

    return make
