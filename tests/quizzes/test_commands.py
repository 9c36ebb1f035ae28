from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import override_settings

from quizzes.models import ProblemTemplate, Topic

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_sync_content_loads_the_whole_bank_and_is_idempotent(content_bank):
    first = run("sync_content")
    added = ProblemTemplate.objects.filter(is_active=True).count()
    assert added >= len(content_bank.templates) > 0
    assert f"{added} templates added" in first
    assert Topic.objects.count() == len(content_bank.topics)
    second = run("sync_content")
    assert "0 templates added, 0 updated" in second


@override_settings(DEBUG=True)
def test_demo_accounts_are_printed_with_passwords_that_work(db):
    for _ in range(2):
        output = run("create_demo_accounts")
    for username, group in (
        ("student", "students"),
        ("instructor", "instructors"),
        ("admin", "admins"),
    ):
        line = next(line for line in output.splitlines() if f"username: {username} " in line)
        password = line.split("password:")[1].strip()
        user = authenticate(username=username, password=password)
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [group]
    assert get_user_model().objects.count() == 3


@override_settings(DEBUG=False)
def test_demo_accounts_are_refused_when_debug_is_off(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("create_demo_accounts")


def test_validate_content_reports_json_and_exits_1_exactly_when_something_fails(db):
    import json

    out = StringIO()
    try:
        call_command("validate_content", "--seeds", "1", "--json", stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    report = json.loads(out.getvalue())
    assert report["templates"] > 0
    assert code == (0 if not report["failures"] else 1)
