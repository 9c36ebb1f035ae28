"""Mistake rules on SymPy objects: each recognises its mistake and stays quiet otherwise."""

from __future__ import annotations

import pytest
import sympy
from sympy import cos, exp, sin, tanh

from grading import feedback
from grading.options import GradingOptions

x, y, w = sympy.symbols("x y w")
s = 1 / (1 + exp(-x))


@pytest.mark.parametrize(
    ("expected", "answer", "fragment"),
    [
        (s * (1 - s), -s * (1 - s), "sign"),
        (2 * x * (w * x - y), 2 * x * (y - w * x), "sign"),
        (2 * x * cos(x**2), cos(x**2), "chain rule"),
        (-3 * x**2 * sin(x**3), -sin(x**3), "chain rule"),
        (
            w * exp(-(w * x)) / (1 + exp(-(w * x))) ** 2,
            exp(-(w * x)) / (1 + exp(-(w * x))) ** 2,
            "chain rule",
        ),
        (3 * cos(3 * x), cos(3 * x), "missing a constant factor of 3"),
        (x**2, 2 * x**2, "2 times"),
        (x / 2, x / 3, "2/3 times"),
        (x**2 + 1, x**2 + 3, "constant 2"),
        (tanh(x), tanh(x) - sympy.Rational(1, 2), "constant -1/2"),
    ],
)
def test_a_recognised_mistake_gets_specific_feedback(
    expected: sympy.Expr, answer: sympy.Expr, fragment: str
) -> None:
    diagnosis = feedback.diagnose_scalar(expected, answer, GradingOptions())
    assert diagnosis is not None
    assert fragment in diagnosis.feedback


@pytest.mark.parametrize(
    ("expected", "answer"),
    [
        (sin(x), cos(x)),
        (x**2, x**3),
        (exp(x), exp(2 * x)),
        (s, tanh(x)),
    ],
)
def test_an_unrelated_wrong_answer_gets_no_specific_feedback(
    expected: sympy.Expr, answer: sympy.Expr
) -> None:
    assert feedback.diagnose_scalar(expected, answer, GradingOptions()) is None


@pytest.mark.parametrize(
    ("expected", "answer", "has_decimals", "fragment"),
    [
        (0.375, -0.375, True, "sign"),
        (0.6931, 0.69, True, "round too early"),
        (0.25, 2.5, True, "10^1"),
        (0.25, 0.0025, True, "10^-2"),
    ],
)
def test_numeric_mistakes_are_named(
    expected: float, answer: float, has_decimals: bool, fragment: str
) -> None:
    diagnosis = feedback.diagnose_number(
        complex(expected), complex(answer), answer_has_decimals=has_decimals, tolerance=1e-9
    )
    assert diagnosis is not None
    assert fragment in diagnosis.feedback


def test_an_exact_answer_close_to_the_value_is_not_called_rounding() -> None:
    diagnosis = feedback.diagnose_number(
        complex(0.5), complex(0.51), answer_has_decimals=False, tolerance=1e-9
    )
    assert diagnosis is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(2, "2"), (0.5, "1/2"), (-3, "-3"), (1 / 3, "1/3"), (0.1370001, "0.137")],
)
def test_constants_are_described_briefly(value: float, text: str) -> None:
    assert feedback.describe_number(complex(value)) == text


def test_wrong_shape_messages_name_both_shapes() -> None:
    assert feedback.wrong_shape((2, 3), (3, 2)) == "Expected a 2×3 matrix, got a 3×2 matrix."
    assert (
        feedback.wrong_shape((3, 1), None) == "Expected a vector of 3 entries, got a single number."
    )
    assert feedback.wrong_shape((1, 2), (2, 1)) == (
        "Expected a row vector of 2 entries, got a vector of 2 entries."
    )
    assert "got a single number" in feedback.wrong_shape((2, 2), None)
