"""Request limits of the JSON API: per signed-in user on submissions, previews, quiz autosaves,
quiz checks and the diagnostic's answers; per client address and per user name on logins, per
client address on registrations. Rates come from `settings.RATE_LIMITS` when the request arrives,
so a deployment tunes them by environment. The diagnostic's answer page counts with its API
(`page_wait`)."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.exceptions import ErrorDetail, Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView, exception_handler

log = logging.getLogger(__name__)


class SettingsRateThrottle(SimpleRateThrottle):
    """A rate named by `scope` in `settings.RATE_LIMITS`, counted in the default cache."""

    def get_rate(self) -> str:
        return str(settings.RATE_LIMITS[self.scope])

    def identity(self, request: Request) -> str:
        raise NotImplementedError

    def client_address(self, request: Request) -> str:
        """REMOTE_ADDR, unless NUM_PROXIES says how many proxies to trust: DRF would otherwise
        take the client's own X-Forwarded-For, which a client rotates to escape the limit."""
        if api_settings.NUM_PROXIES is None:
            return str(request.META.get("REMOTE_ADDR", ""))
        return str(self.get_ident(request))

    def get_cache_key(self, request: Request, view: APIView | None) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.identity(request)}

    def allow_request(self, request: Request, view: APIView | None) -> bool:
        # The counts live in the cache (Redis in a deployment). If it cannot be reached the
        # request goes through: refusing it would turn a Redis outage into lost submissions,
        # while the limits only matter again once the counts can be kept.
        try:
            return bool(super().allow_request(request, view))
        except Exception as exc:
            log.warning(
                "request limit %s not applied: the cache is unreachable (%s)", self.scope, exc
            )
            return True


class PerUserThrottle(SettingsRateThrottle):
    """Counted per signed-in user (per address for the anonymous, who are refused anyway)."""

    def identity(self, request: Request) -> str:
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return f"addr-{self.client_address(request)}"


class PerAddressThrottle(SettingsRateThrottle):
    def identity(self, request: Request) -> str:
        return f"addr-{self.client_address(request)}"


class SubmitThrottle(PerUserThrottle):
    scope = "submit"


class PreviewThrottle(PerUserThrottle):
    scope = "preview"


class AutosaveThrottle(PerUserThrottle):
    """Quiz autosaves: the page saves half a second after typing stops, so the default rate is
    well above one save a second."""

    scope = "autosave"


class CheckThrottle(PerUserThrottle):
    """Quiz checks: each one that is accepted costs a grading on the workers."""

    scope = "check"


class DiagnosticAnswerThrottle(PerUserThrottle):
    scope = "diagnostic-answer"


class LoginThrottle(PerAddressThrottle):
    scope = "login"


class LoginNameThrottle(SettingsRateThrottle):
    """Counted per user name tried, so guessing one account's password from many addresses is
    slowed as well."""

    scope = "login-name"

    def identity(self, request: Request) -> str:
        data = request.data if isinstance(request.data, Mapping) else {}
        name = str(data.get("username") or "").strip().lower()
        return "name-" + hashlib.sha256(name.encode()).hexdigest()[:32]


class RegisterThrottle(PerAddressThrottle):
    scope = "register"


def throttled_message(wait: float | None) -> str:
    if wait is None:
        return "Too many requests in a short time. Wait a little and try again."
    seconds = max(1, math.ceil(wait))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many requests in a short time. Try again in {seconds} {unit}."


def page_wait(request: HttpRequest, throttle: SettingsRateThrottle) -> float | None:
    """For a page (a plain Django view) sharing an API endpoint's limit: None when the request
    may go on (and is counted), else the seconds to wait (`throttled_message` says so)."""
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    return max(1.0, float(throttle.wait() or 1.0))


def explain_throttling(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, with a plain-language message on 429 (Retry-After stays)."""
    if isinstance(exc, Throttled):
        exc.detail = ErrorDetail(throttled_message(getattr(exc, "wait", None)), code="throttled")
    return exception_handler(exc, context)
