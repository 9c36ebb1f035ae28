"""Accounts and roles: sign-up, API tokens, demo accounts for the quickstart."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from quizzes.permissions import ADMINS, INSTRUCTORS, STUDENTS

DEMO_ROLES = (("student", STUDENTS), ("instructor", INSTRUCTORS), ("admin", ADMINS))


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str


@transaction.atomic
def register_student(*, username: str, password: str) -> AbstractUser:
    """Create a student account. Raises ValidationError for a taken name or a weak password."""
    user_model = get_user_model()
    username = user_model.normalize_username(username.strip())
    if not username:
        raise ValidationError({"username": ["Choose a user name."]})
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["That user name is taken."]})
    candidate = user_model(username=username)
    try:
        candidate.clean_fields(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user = user_model.objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get(name=STUDENTS))
    return user


def issue_token(*, user: AbstractUser) -> str:
    """The user's API token, created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


@transaction.atomic
def create_demo_accounts() -> list[DemoAccount]:
    """One account per role with a fresh random password each time (printed by the command)."""
    user_model = get_user_model()
    accounts: list[DemoAccount] = []
    for username, group_name in DEMO_ROLES:
        password = secrets.token_urlsafe(9)
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = group_name != STUDENTS
        user.is_superuser = group_name == ADMINS
        user.save(update_fields=["password", "is_staff", "is_superuser"])
        user.groups.set([Group.objects.get(name=group_name)])
        accounts.append(DemoAccount(username=username, password=password, role=group_name))
    return accounts
