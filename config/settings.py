"""Gradient settings: one module, driven by environment variables (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def envstr(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
# The quickstart runs with DEBUG on and a throwaway key; a deployment must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "insecure-quickstart-key-set-SECRET_KEY-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "quizzes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file for the quickstart; PostgreSQL (DATABASE_URL) for real deployments.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # Off by default: it costs a round trip per request; a connection broken by a database
        # restart fails one request and is then replaced.
        conn_health_checks=envbool("DB_CONN_HEALTH_CHECKS", False),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "quizzes.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {
        "register": envstr("REGISTER_THROTTLE", "30/hour"),
        "login": envstr("LOGIN_THROTTLE", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gradient API",
    "DESCRIPTION": "Adaptive practice for the mathematics of deep learning.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Celery: with REDIS_URL unset, grading runs in-process (eager) under the same time and memory bounds.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "quizzes.tasks.grade_submission_task": {"queue": "grading"},
    "quizzes.tasks.sweep_stuck_submissions_task": {"queue": "default"},
    "quizzes.tasks.refill_variant_pool_task": {"queue": "default"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 300),
    # Consume queues in the order given to the worker (`-Q grading,default`): a waiting grading
    # task always goes before housekeeping such as refilling the variant pools.
    "queue_order_strategy": "priority",
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Per grading task: the soft limit lets the task put the row back; the hard limit kills the child.
GRADING_TASK_SOFT_SECONDS = envint("GRADING_TASK_SOFT_SECONDS", 30)
GRADING_TASK_HARD_SECONDS = envint("GRADING_TASK_HARD_SECONDS", 45)
# A submission claimed this many times without a verdict is marked failed (poison input).
GRADING_MAX_TRIES = envint("GRADING_MAX_TRIES", 3)
# The sweeper re-enqueues pending rows older than this, and reclaims rows stuck in grading.
SWEEP_PENDING_AFTER_SECONDS = envint("SWEEP_PENDING_AFTER_SECONDS", 60)
SWEEP_INTERVAL_SECONDS = envint("SWEEP_INTERVAL_SECONDS", 60)

# The variant bank (quizzes.services.variant_pool): generated variants kept per template version
# and served again to other students (never twice to one student), up to this many per version;
# 0 generates every problem on demand. After a sync or a publish the worker pre-fills each version
# with VARIANT_BANK_PREFILL of them (without a broker the bank fills as students are served).
VARIANT_BANK_SIZE = envint("VARIANT_BANK_SIZE", 40)
VARIANT_BANK_PREFILL = envint("VARIANT_BANK_PREFILL", 8)

# Seconds each process keeps the templates' item states (all students' answers) for choosing
# the next problem; one answer moves them very little.
ITEM_STATE_CACHE_SECONDS = envfloat("ITEM_STATE_CACHE_SECONDS", 5.0)

# Seconds each process remembers an API token's user (revocation takes effect within this).
TOKEN_CACHE_SECONDS = envint("TOKEN_CACHE_SECONDS", 10)

# Practice rules.
MAX_ATTEMPTS_PER_PROBLEM = envint("MAX_ATTEMPTS_PER_PROBLEM", 5)
MAX_ANSWER_LENGTH = envint("MAX_ANSWER_LENGTH", 2000)
# Problems served within this many minutes of the last one join the same practice session.
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)

# Grading bounds: CPU seconds and memory per answer, enforced in a child process.
GRADING_CPU_SECONDS = envfloat("GRADING_CPU_SECONDS", 2.0)
GRADING_MEMORY_MB = envint("GRADING_MEMORY_MB", 512)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timed"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Security: request limits and the cache that counts them. Rates are "<count>/<second|minute|hour|day>".
# The cache is per process (locmem) unless REDIS_URL is set, where every web process shares one count.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": envstr("CACHE_REDIS_URL", REDIS_URL),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMITS = {
    # per signed-in user
    "submit": envstr("SUBMIT_THROTTLE", "30/minute"),
    # the practice page previews as the student types (250 ms after the last key)
    "preview": envstr("PREVIEW_THROTTLE", "180/minute"),
    # quiz autosave: the page saves 500 ms after typing stops; ten a second on average is far
    # above any typist, and a student saving every second uses a tenth of it
    "autosave": envstr("AUTOSAVE_THROTTLE", "600/minute"),
    # quiz checks (each accepted one is a grading) and the diagnostic's answers (API and page)
    "check": envstr("CHECK_THROTTLE", "30/minute"),
    "diagnostic-answer": envstr("DIAGNOSTIC_ANSWER_THROTTLE", "30/minute"),
    # per client address, and per user name tried
    "login": envstr("LOGIN_THROTTLE", "30/minute"),
    "login-name": envstr("LOGIN_NAME_THROTTLE", "10/minute"),
    "register": envstr("REGISTER_THROTTLE", "30/hour"),
}
# Failed browser logins allowed per client address and per user name within the window.
LOGIN_PAGE_FAILURES = envint("LOGIN_PAGE_FAILURES", 10)
LOGIN_PAGE_WINDOW_SECONDS = envint("LOGIN_PAGE_WINDOW_SECONDS", 300)
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "quizzes.api.throttles.explain_throttling"
# Behind N reverse proxies, the client address is read from X-Forwarded-For (the N-th from the
# right); unset, the limits use REMOTE_ADDR and ignore a header any client can forge.
if os.environ.get("NUM_PROXIES"):
    REST_FRAMEWORK["NUM_PROXIES"] = envint("NUM_PROXIES", 0)
# One name per choice set in the schema, so `check --deploy` stays clean.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "ReleaseEnum": ["immediately", "after_submission", "after_close"],
    "QuestionStatusEnum": ["unanswered", "grading", "graded", "invalid", "failed"],
    "AttemptStatusEnum": ["in_progress", "submitted"],
}

# Timed quizzes: quiz questions are reachable only through the quiz endpoints (release policy);
# the periodic sweep submits attempts whose time ran out this often.
MIDDLEWARE.append("quizzes.quiz_access.QuizProblemFence")
QUIZ_EXPIRY_SWEEP_SECONDS = envfloat("QUIZ_EXPIRY_SWEEP_SECONDS", 15.0)
CELERY_IMPORTS = ("quizzes.quiz_tasks",)

# Adaptive practice (adaptive.PolicyConfig): the chance of success a served problem aims at, the
# predicted retention below which a mastered topic comes back for review, the share of choices
# that explore a topic beyond the frontier, and the longest run on one topic.
ADAPTIVE_TARGET_SUCCESS = envfloat("ADAPTIVE_TARGET_SUCCESS", 0.7)
ADAPTIVE_REVIEW_RETENTION = envfloat("ADAPTIVE_REVIEW_RETENTION", 0.7)
ADAPTIVE_EXPLORE_SHARE = envfloat("ADAPTIVE_EXPLORE_SHARE", 0.03)
ADAPTIVE_MAX_BLOCK = envint("ADAPTIVE_MAX_BLOCK", 3)
# How often stored mastery is lowered for what students have forgotten since their last answer.
ADAPTIVE_MASTERY_REFRESH_SECONDS = envfloat("ADAPTIVE_MASTERY_REFRESH_SECONDS", 6 * 3600.0)
