"""The Django admin: every model listed with search and filters; verdicts stay read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from quizzes.models import PartVerdict, Submission
from quizzes.services.submissions import submit_answers
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db

QUIZZES_ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label == "quizzes"
]


def test_every_quizzes_model_is_in_the_admin():
    from django.apps import apps

    registered = {model for model, _ in QUIZZES_ADMINS}
    assert set(apps.get_app_config("quizzes").get_models()) <= registered


@pytest.fixture
def admin_browser(admin_user, make_problem, student_a, django_capture_on_commit_callbacks):
    problem = make_problem(student_a)
    with django_capture_on_commit_callbacks(execute=True):
        submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    ("model", "model_admin"), QUIZZES_ADMINS, ids=lambda m: getattr(m, "__name__", "")
)
def test_every_listing_has_columns_search_and_filters_that_work(admin_browser, model, model_admin):
    assert len(model_admin.list_display) > 1
    assert model_admin.search_fields
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert admin_browser.get(url, {"q": "alice"}).status_code == 200
    if model_admin.list_filter:
        assert model_admin.list_filter
    assert admin_browser.get(url).status_code == 200


def test_verdicts_cannot_be_added_or_changed_by_hand(admin_browser):
    verdict = PartVerdict.objects.first()
    assert verdict is not None
    assert admin_browser.get("/admin/quizzes/partverdict/add/").status_code == 403
    page = admin_browser.get(f"/admin/quizzes/partverdict/{verdict.pk}/change/")
    assert page.status_code == 200
    assert b'name="score"' not in page.content
    submission = Submission.objects.get()
    change = admin_browser.get(f"/admin/quizzes/submission/{submission.pk}/change/")
    assert b'name="score"' not in change.content and b'name="status"' not in change.content


def test_the_verdict_listing_filters_by_correctness(admin_browser):
    listing = admin_browser.get("/admin/quizzes/partverdict/", {"correct__exact": "1"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == PartVerdict.objects.filter(correct=True).count()
