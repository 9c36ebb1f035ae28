"""The role groups survive anything that empties the auth tables and is followed by migrate."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_roles_come_back_after_a_flush():
    Group.objects.all().delete()
    call_command("flush", "--noinput", verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "students",
        "instructors",
        "admins",
    }


def test_instructors_may_change_templates_but_only_view_submissions():
    codenames = set(
        Group.objects.get(name="instructors").permissions.values_list("codename", flat=True)
    )
    assert {"change_problemtemplate", "view_submission"} <= codenames
    assert "change_submission" not in codenames


def test_admins_hold_every_quizzes_permission():
    admins = set(Group.objects.get(name="admins").permissions.values_list("pk", flat=True))
    every = set(
        Permission.objects.filter(content_type__app_label="quizzes").values_list("pk", flat=True)
    )
    assert every <= admins
