"""Layered equivalence on SymPy objects (no parsing involved)."""

from __future__ import annotations

import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import (
    Abs,
    Float,
    Integer,
    Rational,
    cos,
    cosh,
    exp,
    log,
    pi,
    sech,
    sin,
    sinh,
    sqrt,
    tanh,
)

from grading.equivalence import compare_scalars, sample_points
from grading.options import GradingOptions, parse_options

x, y, a, w, b, mu, sigma = sympy.symbols("x y a w b mu sigma")
s = 1 / (1 + exp(-x))

EQUAL = [
    (s * (1 - s), exp(-x) / (1 + exp(-x)) ** 2),
    (1 - tanh(x) ** 2, sech(x) ** 2),
    (1 - tanh(x) ** 2, 1 / cosh(x) ** 2),
    ((x - a) ** 6000, (a - x) ** 6000),
    (sqrt(x**2), Abs(x)),
    (2 * x * (w * x - y), 2 * w * x**2 - 2 * x * y),
    (sin(x) ** 2 + cos(x) ** 2, Integer(1)),
    (exp(x) ** 2, exp(2 * x)),
    ((x + 1) ** 2, x**2 + 2 * x + 1),
    (Rational(1, 3), Rational(2, 6)),
    (sqrt(8), 2 * sqrt(2)),
    (sinh(x), (exp(x) - exp(-x)) / 2),
    (tanh(x), (exp(2 * x) - 1) / (exp(2 * x) + 1)),
    (exp(-((x - mu) ** 2) / (2 * sigma**2)), exp(-((mu - x) ** 2) / (2 * sigma**2))),
    (x / (x**2 - 1), (1 / (x - 1) + 1 / (x + 1)) / 2),
    (sqrt(1 - x**2) * sqrt(1 - x**2), 1 - x**2),
    ((x**2 - 1) / (x - 1), x + 1),
    (pi * x, x * pi),
    (exp(x) / (exp(x) + 1), s),
    (2 * (s - 1) * s * (1 - s), -2 * s * (1 - s) ** 2),
    ((x - 1) ** 40, sympy.expand((x - 1) ** 40)),
]

DIFFERENT = [
    (sqrt(x**2), x),
    (log(x**2), 2 * log(x)),
    ((x - a) ** 6000, (a - x) ** 6001),
    (s * (1 - s), s * (1 + s)),
    (1 - tanh(x) ** 2, 1 + tanh(x) ** 2),
    (2 * x * (w * x - y), x * (w * x - y)),
    (x + 1, x + Rational(1000001, 1000000)),
    (sin(x), sin(x + Rational(1, 10**6))),
    (exp(x), exp(x) + Rational(1, 10**6) * exp(x)),
    (log(x * y), log(x) + log(y)),
    (x**2, Abs(x) ** 3),
    (Rational(1, 3), Float(0.333)),
    (x * y, x + y),
    (Integer(0), x - x + Rational(1, 10**40)),
    (cos(x), sqrt(1 - sin(x) ** 2)),
]


@pytest.mark.parametrize(("expected", "answer"), EQUAL)
def test_equivalent_expressions_compare_equal(expected: sympy.Expr, answer: sympy.Expr) -> None:
    assert compare_scalars(expected, answer, GradingOptions()).equal is True


@pytest.mark.parametrize(("expected", "answer"), DIFFERENT)
def test_different_expressions_compare_different(expected: sympy.Expr, answer: sympy.Expr) -> None:
    assert compare_scalars(expected, answer, GradingOptions()).equal is False


def test_identical_trees_are_settled_structurally() -> None:
    assert compare_scalars(x + x, 2 * x, GradingOptions()).layer == "structural"


def test_a_clear_mismatch_is_rejected_numerically_without_algebra() -> None:
    result = compare_scalars(sin(x), cos(x), GradingOptions())
    assert (result.equal, result.layer) == (False, "numeric")


def test_positive_assumption_makes_sqrt_of_square_equal_the_variable() -> None:
    options = parse_options({"assume": "positive"})
    assert compare_scalars(sqrt(x**2), x, options).equal is True
    assert compare_scalars(log(x**2), 2 * log(x), options).equal is True
    assert compare_scalars(log(x * y), log(x) + log(y), options).equal is True


def test_a_domain_option_restricts_the_sample_points() -> None:
    options = parse_options({"domain": {"x": [0, 1]}})
    assert compare_scalars(sqrt(x**2), x, options).equal is True
    points = sample_points((x,), options, 20, salt=0)
    assert all(0 <= point[0] <= 1 for point in points)


def test_real_sampling_includes_negative_values() -> None:
    points = sample_points((x,), GradingOptions(), 10, salt=0)
    assert any(point[0] < 0 for point in points)
    assert any(point[0] > 0 for point in points)


def test_sample_points_are_deterministic() -> None:
    first = sample_points((x, y), GradingOptions(), 10, salt=0)
    assert first == sample_points((x, y), GradingOptions(), 10, salt=0)


def test_narrow_domain_expressions_find_enough_valid_points() -> None:
    expected = sympy.asin(x) + sympy.acos(x)
    assert compare_scalars(expected, pi / 2, GradingOptions()).equal is True


def test_relative_tolerance_accepts_rounded_coefficients() -> None:
    options = parse_options({"rtol": 1e-3})
    assert compare_scalars(x / 3, Float(0.3333) * x, options).equal is True
    assert compare_scalars(x / 3, Float(0.33) * x, options).equal is False


def test_huge_powers_are_compared_quickly() -> None:
    started = time.perf_counter()
    assert compare_scalars((x - a) ** 6000, (a - x) ** 6000, GradingOptions()).equal is True
    assert time.perf_counter() - started < 0.5


def test_complex_mode_samples_complex_points() -> None:
    options = parse_options({"complex": True})
    assert compare_scalars(sqrt(x**2), x, options).equal is False
    assert compare_scalars(exp(sympy.I * x), cos(x) + sympy.I * sin(x), options).equal is True


_atoms = st.sampled_from(
    [x, y, sympy.Integer(2), sympy.Rational(1, 3), exp(x), sin(y), sqrt(x**2 + 1)]
)
_expressions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda a, b: a * b, inner, inner),
        st.builds(lambda a: a**2, inner),
    ),
    max_leaves=6,
)


@settings(max_examples=40, deadline=None)
@given(_expressions)
def test_an_expression_equals_its_expansion(expression: sympy.Expr) -> None:
    assert compare_scalars(expression, sympy.expand(expression), GradingOptions()).equal is True


@settings(max_examples=40, deadline=None)
@given(_expressions, st.integers(min_value=1, max_value=50))
def test_adding_a_constant_is_always_detected(expression: sympy.Expr, shift: int) -> None:
    assert compare_scalars(expression, expression + shift, GradingOptions()).equal is False
