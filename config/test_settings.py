"""Test settings: the real settings, made faster. Integration tests switch the database to
PostgreSQL through TEST_DATABASE_URL (see tests/conftest.py)."""

import os

import dj_database_url

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["TEST_DATABASE_URL"])}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "test.sqlite3"}
    }

CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
# Tests read item states fresh; the per-process cache has its own test.
ITEM_STATE_CACHE_SECONDS = 0.0
