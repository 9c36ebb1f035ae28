"""Hostile input is normal input: every case is refused with a typed error that points into the
text, quickly, and nothing on the way evaluates Python."""

from __future__ import annotations

import builtins
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from grading.errors import InputTooLarge, MathInputError
from grading.parser import parse
from tests.grading.hostile_corpus import HOSTILE_CASES

# Generous enough never to flake on a loaded machine, tight enough to catch a hang or a blow-up;
# the measured times are a fraction of a millisecond to a few milliseconds.
SECONDS_PER_CASE = 2.0

# Legitimate template-level text: comparisons are how templates state constraints, and templates
# may be ten times longer than answers.
VALID_AT_TEMPLATE_LEVEL = {"comparison at student level", "many tokens"}


def refuse(text: str, **options: Any) -> MathInputError:
    started = time.perf_counter()
    with pytest.raises(MathInputError) as caught:
        parse(text, **options)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS_PER_CASE, f"took {elapsed:.2f}s"
    return caught.value


@pytest.mark.parametrize(("label", "text"), HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_student_input_is_refused_quickly_with_a_position(label: str, text: str) -> None:
    error = refuse(text, variables=["x", "y"])
    assert 0 <= error.position <= error.end <= max(len(text), 1)
    assert error.message
    assert error.code


@pytest.mark.parametrize(
    ("label", "text"),
    [c for c in HOSTILE_CASES if c[0] not in VALID_AT_TEMPLATE_LEVEL],
    ids=[c[0] for c in HOSTILE_CASES if c[0] not in VALID_AT_TEMPLATE_LEVEL],
)
def test_hostile_template_input_is_refused_quickly(label: str, text: str) -> None:
    error = refuse(text, variables=["x", "y"], level="template")
    assert 0 <= error.position <= error.end <= max(len(text), 1)


@pytest.mark.parametrize(
    "text",
    [
        "9^9^9^9",
        "(((9^64)^64)^64)^64",
        "1e999999",
        "factorial(10^9)",
        "binomial(10^6, 5000)",
        "diff(x, x, 10^6)",
        "identity(10^6)",
        "zeros(10^9, 10^9)",
        "taylor(exp(x), x, 0, 10^6)",
        "numeric(pi, 10^6)",
        "round(x, 10^9)",
        "[[2, 0], [0, 2]]^(10^9)",
        "[[10^20, 1], [1, 1]]^600",
        "[[1, 1], [1, 1]]^1001",
        "[[10^9000]] * [[10^9000]]",
        "expand((x + 1)^10000)",
        "(" * 60 + "x" + ")" * 60,
        "x+" * 10_001,
    ],
)
def test_template_level_bounds_hold_before_any_evaluation(text: str) -> None:
    error = refuse(text, variables=["x"], level="template")
    assert isinstance(error, InputTooLarge)


@pytest.fixture
def python_evaluation_forbidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []

    def forbidden(name: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return record

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    parser_module = sys.modules.get("sympy.parsing.sympy_parser")
    if parser_module is not None:
        monkeypatch.setattr(parser_module, "parse_expr", forbidden("parse_expr"))
    yield calls


def test_parsing_never_evaluates_python(python_evaluation_forbidden: list[str]) -> None:
    for _, text in HOSTILE_CASES:
        with pytest.raises(MathInputError):
            parse(text, variables=["x", "y"])
    for text in ("2x(w x - y)", "exp(-x)/(1+exp(-x))^2", "[[1, 2], [3, 4]]", "{1, 3}"):
        parse(text, variables=["x", "y", "w"])
    assert python_evaluation_forbidden == []


def test_a_nearly_exhausted_stack_gives_a_typed_error_not_a_recursion_error() -> None:
    nested = "(" * 45 + "x" + ")" * 45
    outcomes: list[str] = []

    def descend(remaining: int) -> None:
        if remaining > 0:
            descend(remaining - 1)
            return
        try:
            parse(nested, variables=["x"])
            outcomes.append("parsed")
        except MathInputError:
            outcomes.append("refused")

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        descend(250)
    finally:
        sys.setrecursionlimit(limit)
    assert outcomes in (["parsed"], ["refused"])


def test_nesting_just_under_the_limit_still_parses() -> None:
    assert parse("(" * 49 + "x" + ")" * 49, variables=["x"]) == parse("x", variables=["x"])
