"""Failed browser logins are counted per client address and per user name in the cache; past
`settings.LOGIN_PAGE_FAILURES` within `settings.LOGIN_PAGE_WINDOW_SECONDS` the login page answers
429 with a message until the window passes. A successful login does not count."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]
log = logging.getLogger(__name__)


def failure_keys(request: HttpRequest) -> tuple[str, str]:
    address = request.META.get("REMOTE_ADDR", "")
    name = request.POST.get("username", "").strip().lower()
    hashed = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"login-failures:addr:{address}", f"login-failures:name:{hashed}"


def count_failure(key: str) -> None:
    window = settings.LOGIN_PAGE_WINDOW_SECONDS
    # add() starts the window only once; incr() keeps its expiry.
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def limit_failed_logins(view: View) -> View:
    """Wrap a login view: a POST answered with the form again (200) is a failed attempt."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        keys = failure_keys(request)
        try:
            counts = cache.get_many(keys)
        except Exception as exc:  # the cache is down: let people log in rather than lock them out
            log.warning("failed-login counts not applied: the cache is unreachable (%s)", exc)
            return view(request, *args, **kwargs)
        if any(count >= settings.LOGIN_PAGE_FAILURES for count in counts.values()):
            minutes = max(1, settings.LOGIN_PAGE_WINDOW_SECONDS // 60)
            message = (
                "Too many failed log-in attempts. Wait "
                f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
            )
            messages.error(request, message)
            # The login page again (its form empty), so the person sees why and where they are.
            response = render(
                request,
                "quizzes/login.html",
                {"form": AuthenticationForm(request), "nav": "login"},
                status=429,
            )
            response["Retry-After"] = str(settings.LOGIN_PAGE_WINDOW_SECONDS)
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            try:
                for key in keys:
                    count_failure(key)
            except Exception as exc:
                log.warning("failed login not counted: the cache is unreachable (%s)", exc)
        return response

    return wrapped
