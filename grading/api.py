"""The grading entry points: ``grade``, ``grade_many`` and ``preview``."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from grading.checkers import KINDS, STUDENT_EXTRA_FUNCTIONS, check_answer
from grading.errors import MathInputError
from grading.latex import to_latex
from grading.options import GradingOptions, OptionsError, parse_options
from grading.parser import parse
from grading.sandbox import get_pool
from grading.verdict import Verdict, invalid, timed_out

CACHE_SIZE = 4096
MAX_TEXT_LENGTH = 100_000

_cache: OrderedDict[tuple[str, str, str, str], Verdict] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_key(
    kind: str, expected: str, answer: str, options: Mapping[str, Any] | None
) -> tuple[str, str, str, str]:
    try:
        frozen = json.dumps(options or {}, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        frozen = repr(options)
    return (kind, expected, answer, frozen)


def _remember(key: tuple[str, str, str, str], verdict: Verdict) -> None:
    with _cache_lock:
        _cache[key] = verdict
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every remembered verdict (tests and benchmarks use this)."""
    with _cache_lock:
        _cache.clear()


def _checked_text(value: Any, role: str) -> str | Verdict:
    if not isinstance(value, str):
        return invalid(f"The {role} must be text.")
    if len(value) > MAX_TEXT_LENGTH:
        return invalid(f"The {role} is too long.", position=MAX_TEXT_LENGTH)
    return value


def _grade_uncached(kind: str, expected: str, answer: str, options: GradingOptions) -> Verdict:
    if not answer.strip() and kind != "choice":
        return invalid("Enter an answer.", position=0)
    outcome = get_pool().run(check_answer, (kind, expected, answer, options), lane="grading")
    if outcome.kind == "ok" and isinstance(outcome.value, Verdict):
        return outcome.value
    if outcome.kind == "timeout":
        return timed_out()
    if outcome.kind == "memory":
        return invalid("This answer is too large to check.")
    error = outcome.value
    if isinstance(error, RecursionError):
        return invalid("This answer is nested too deeply to check.")
    if isinstance(error, MathInputError):
        return invalid(error.message, position=error.position)
    return invalid("This answer could not be checked.")


def grade(
    kind: str,
    expected: str,
    answer: str,
    options: Mapping[str, Any] | None = None,
) -> Verdict:
    """Grade a student's ``answer`` against the ``expected`` answer, both given as text.

    Runs under the CPU and memory budget of :mod:`grading.sandbox`; never raises for bad input.
    ``invalid`` verdicts (unreadable answer, malformed expected answer or options) carry a message
    and, for the student's text, the character position. Graded and invalid verdicts are cached;
    timeouts never are.
    """
    started = time.perf_counter()
    verdict = _grade(kind, expected, answer, options)
    return verdict.with_elapsed((time.perf_counter() - started) * 1000)


def _grade(kind: Any, expected: Any, answer: Any, options: Mapping[str, Any] | None) -> Verdict:
    if not isinstance(kind, str) or kind not in KINDS:
        return invalid(f"Unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}.")
    checked_expected = _checked_text(expected, "expected answer")
    if isinstance(checked_expected, Verdict):
        return checked_expected
    checked_answer = _checked_text(answer, "answer")
    if isinstance(checked_answer, Verdict):
        return checked_answer
    try:
        parsed_options = parse_options(options)
    except OptionsError as error:
        return invalid(f"Grading error: the grading options are malformed ({error}).")
    key = _cache_key(kind, checked_expected, checked_answer, options)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    verdict = _grade_uncached(kind, checked_expected, checked_answer, parsed_options)
    if verdict.status != "timeout":
        _remember(key, verdict)
    return verdict


def grade_many(
    items: Iterable[tuple[str, str, str, Mapping[str, Any] | None]],
) -> list[Verdict]:
    """Grade ``(kind, expected, answer, options)`` tuples in order."""
    return [grade(kind, expected, answer, options) for kind, expected, answer, options in items]


def preview(kind: str, text: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read an answer without grading it: ``{"latex": ...}`` or ``{"error": ..., "position": ...}``."""
    if not isinstance(text, str):
        return {"error": "The answer must be text.", "position": 0}
    if not text.strip():
        return {"error": "Enter an answer.", "position": 0}
    try:
        parsed_options = parse_options(options)
    except OptionsError as error:
        return {"error": f"The grading options are malformed ({error}).", "position": None}
    if kind == "choice":
        return {"latex": "\\text{" + _escape_text(text.strip()[:200]) + "}"}
    variables = () if kind == "number" else (parsed_options.variables or ())
    try:
        value = parse(
            text,
            variables=variables,
            level="student",
            allow_complex=parsed_options.complex,
            functions=STUDENT_EXTRA_FUNCTIONS,
        )
    except MathInputError as error:
        return {"error": error.message, "position": error.position}
    except (RecursionError, MemoryError):
        return {"error": "This answer is too large.", "position": 0}
    return {"latex": to_latex(value)}


def _escape_text(text: str) -> str:
    escaped = []
    for character in text:
        if character in "\\{}$&#^_%~":
            escaped.append("\\" + character if character not in "\\^~" else " ")
        elif character.isprintable():
            escaped.append(character)
    return "".join(escaped)
