import pytest
from django.contrib import admin
from django.test import Client

from quizzes.services.submissions import submit_answers
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db

QUIZZES_MODELS = [model for model in admin.site._registry if model._meta.app_label == "quizzes"]


@pytest.fixture
def admin_browser(admin_user, make_problem, student_a):
    problem = make_problem(student_a)
    submit_answers(user=student_a, problem=problem, answers=right_answers(problem))
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", QUIZZES_MODELS, ids=lambda m: m._meta.model_name)
def test_every_admin_list_and_change_page_renders(admin_browser, model):
    meta = model._meta
    listing = admin_browser.get(f"/admin/{meta.app_label}/{meta.model_name}/")
    assert listing.status_code == 200
    first = model.objects.first()
    if first is not None:
        page = admin_browser.get(f"/admin/{meta.app_label}/{meta.model_name}/{first.pk}/change/")
        assert page.status_code == 200


def test_a_student_cannot_open_the_admin(student_a):
    client = Client()
    client.force_login(student_a)
    assert client.get("/admin/quizzes/submission/").status_code == 302
