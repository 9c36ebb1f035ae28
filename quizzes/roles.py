"""Roles as groups: students practise; instructors author and review; admins manage everything.

The groups are created by migration 0002 and kept complete after every `migrate` (and after a
test database flush) by a post_migrate handler, so permissions of models added later reach the
roles too.
"""

from __future__ import annotations

from typing import Any

STUDENTS = "students"
INSTRUCTORS = "instructors"
ADMINS = "admins"
# Quizzes models instructors may change; every quizzes model is visible to them.
INSTRUCTOR_WRITES = ("topic", "problemtemplate", "templateversion", "assignment")
ADMIN_USER_PERMISSIONS = ("view_user", "change_user", "add_user", "view_group")


def ensure_roles(*, group_model: Any, permission_model: Any) -> None:
    """Create the three groups if missing and give them their permissions (idempotent)."""
    quizzes_permissions = list(permission_model.objects.filter(content_type__app_label="quizzes"))
    group_model.objects.get_or_create(name=STUDENTS)
    instructors, _ = group_model.objects.get_or_create(name=INSTRUCTORS)
    instructors.permissions.set(
        [
            permission
            for permission in quizzes_permissions
            if permission.codename.startswith("view_")
            or permission.codename.split("_", 1)[1] in INSTRUCTOR_WRITES
        ]
    )
    admins, _ = group_model.objects.get_or_create(name=ADMINS)
    user_permissions = permission_model.objects.filter(
        content_type__app_label="auth", codename__in=ADMIN_USER_PERMISSIONS
    )
    admins.permissions.set([*quizzes_permissions, *user_permissions])


def ensure_roles_after_migrate(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    ensure_roles(group_model=Group, permission_model=Permission)
