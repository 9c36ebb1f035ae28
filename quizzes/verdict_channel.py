"""Telling a waiting request that a submission's grading has finished.

A student's page (or an API client) asks `GET /api/v1/submissions/{id}?wait=N` and the request
returns as soon as the verdict is stored, instead of the client polling every few milliseconds.
The worker announces on a Redis pub/sub channel after its transaction commits.

Each web process keeps one subscriber connection, on a background thread, listening to every
announcement (a pattern subscription); a waiting request only registers an event for its
submission, so a wait costs no Redis round trip and no connection of its own, however many
students wait at once. The request registers *before* it re-reads the row, so an announcement
cannot slip between the read and the wait. While the subscriber is not connected (Redis down,
or the quickstart without Redis) a wait falls back to re-reading the row a few times a second.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 10.0
CHANNEL_PREFIX = "gradient:submission:"
_FALLBACK_INTERVAL_SECONDS = 0.05
# How long a first wait in a process gives the subscriber to connect before reading the row.
_CONNECT_GRACE_SECONDS = 1.0
# The subscriber pings Redis when it has heard nothing for this long, to notice a dead link.
_PING_AFTER_SECONDS = 15.0

_client_lock = threading.Lock()
_client: object | None = None
_listener_lock = threading.Lock()
_listener: _Listener | None = None


def channel_name(submission_id: int) -> str:
    return f"{CHANNEL_PREFIX}{submission_id}"


def _redis():  # type: ignore[no-untyped-def]
    """The publishing client (one per process)."""
    global _client
    if not settings.REDIS_URL:
        return None
    with _client_lock:
        if _client is None:
            import redis

            _client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2
            )
        return _client


def announce_finished(submission_id: int) -> None:
    """Wake every request waiting on this submission. Never raises: a lost announcement only
    means the waiting request returns at its timeout and the client asks again."""
    client = _redis()
    if client is None:
        return
    try:
        client.publish(channel_name(submission_id), b"1")
    except Exception as exc:  # the verdict is stored; only the wake-up is lost
        log.warning("could not announce submission %s: %s", submission_id, exc)


class _Listener:
    """One pattern subscription per process, on a daemon thread, that wakes registered waiters.
    It reconnects after any error (waking every waiter, so that they fall back to the row)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pid = os.getpid()
        self.connected = threading.Event()
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._waiters: dict[int, set[threading.Event]] = {}
        self._thread = threading.Thread(target=self._run, name="verdict-listener", daemon=True)
        self._thread.start()

    def register(self, submission_id: int) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._waiters.setdefault(submission_id, set()).add(event)
        return event

    def unregister(self, submission_id: int, event: threading.Event) -> None:
        with self._lock:
            events = self._waiters.get(submission_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._waiters[submission_id]

    def stop(self) -> None:
        self.stopped.set()

    def _wake(self, submission_id: int | None) -> None:
        with self._lock:
            if submission_id is None:
                events = [e for group in self._waiters.values() for e in group]
            else:
                events = list(self._waiters.get(submission_id, ()))
        for event in events:
            event.set()

    def _run(self) -> None:
        import redis

        backoff = 0.2
        while not self.stopped.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)
                pubsub = client.pubsub()
                pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                self._listen(pubsub)
                backoff = 0.2
            except Exception as exc:
                if self.connected.is_set():
                    log.warning("verdict listener lost Redis: %s", exc)
                self.connected.clear()
                self._wake(None)
                self.stopped.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        pubsub.close()
        self.connected.clear()

    def _listen(self, pubsub) -> None:  # type: ignore[no-untyped-def]
        quiet_since = time.monotonic()
        while not self.stopped.is_set():
            message = pubsub.get_message(timeout=1.0)
            now = time.monotonic()
            if message is None:
                if now - quiet_since > _PING_AFTER_SECONDS:
                    pubsub.ping()
                    quiet_since = now
                continue
            quiet_since = now
            kind = message.get("type")
            if kind == "psubscribe":
                self.connected.set()
            elif kind == "pmessage":
                channel = message.get("channel", b"")
                name = channel.decode() if isinstance(channel, bytes) else str(channel)
                try:
                    self._wake(int(name.removeprefix(CHANNEL_PREFIX)))
                except ValueError:
                    continue


def _current_listener() -> _Listener | None:
    """This process's listener (started on first use, again after a fork), or None without
    Redis."""
    global _listener
    url = settings.REDIS_URL
    if not url:
        return None
    with _listener_lock:
        current = _listener
        if current is None or current.pid != os.getpid() or current.url != url:
            if current is not None and current.pid == os.getpid():
                current.stop()
            current = _listener = _Listener(url)
        return current


def stop_listener() -> None:
    """Stop this process's listener (tests; a new one starts on the next wait)."""
    global _listener
    with _listener_lock:
        if _listener is not None:
            _listener.stop()
        _listener = None


def wait_until(submission_id: int, *, finished: Callable[[], bool], seconds: float) -> None:
    """Return once `finished()` is true or `seconds` have passed (at most MAX_WAIT_SECONDS)."""
    deadline = time.monotonic() + min(max(seconds, 0.0), MAX_WAIT_SECONDS)
    listener = _current_listener()
    if listener is not None and listener.connected.wait(
        min(_CONNECT_GRACE_SECONDS, max(0.0, deadline - time.monotonic()))
    ):
        event = listener.register(submission_id)
        try:
            # Registered first, then read: a verdict stored before this line is seen by the
            # read, one stored after it wakes the event.
            if finished():
                return
            left = deadline - time.monotonic()
            if left > 0 and event.wait(left) and listener.connected.is_set():
                return
        finally:
            listener.unregister(submission_id, event)
        # Woken because the listener lost Redis: read the row for the rest of the wait.
    while not finished() and time.monotonic() < deadline:
        time.sleep(_FALLBACK_INTERVAL_SECONDS)
