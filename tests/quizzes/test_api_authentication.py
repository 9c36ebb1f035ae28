import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_remembered_token_skips_the_lookup(student_a, django_assert_num_queries):
    client = client_for(student_a)
    client.get("/api/v1/progress")
    # The user's learner states and the topic catalog are the only reads left.
    with django_assert_num_queries(1):
        assert client.get("/api/v1/progress").status_code == 200


@override_settings(TOKEN_CACHE_SECONDS=0)
def test_without_memory_a_deleted_token_is_refused_at_once(student_a):
    client = client_for(student_a)
    assert client.get("/api/v1/progress").status_code == 200
    Token.objects.filter(user=student_a).delete()
    assert client.get("/api/v1/progress").status_code == 401


def test_a_wrong_token_is_refused(db):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/progress").status_code == 401
