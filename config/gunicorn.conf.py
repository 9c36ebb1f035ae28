"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

Threaded workers: a practice page waits for its verdict with `GET /api/v1/submissions/{id}?wait=N`,
which holds a thread for up to ten seconds while doing nothing; a threaded worker keeps serving
other requests meanwhile, where a synchronous one would stand still. Environment overrides:
GUNICORN_BIND, WEB_CONCURRENCY (processes), GUNICORN_THREADS (threads per process),
GUNICORN_ACCESS_LOG ("-" for stdout, empty for none)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "24"))
# Browsers and API clients reuse their connection between the requests of a practice loop.
keepalive = 30
# A request that takes longer than this is stuck (grading never runs in the web process).
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
