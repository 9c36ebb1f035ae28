"""Printing: LaTeX that reads like a textbook, and text the parser reads back to the same object."""

from __future__ import annotations

from typing import Any

import pytest
import sympy
from sympy import E, Eq, FiniteSet, Float, I, ImmutableMatrix, Integer, Rational, Symbol, pi

from grading.latex import to_latex, to_text
from grading.parser import parse

x, y = Symbol("x"), Symbol("y")


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("2x", "2 x"),
        ("x/2", r"\frac{x}{2}"),
        ("x^2", "x^{2}"),
        ("-x^2", "- x^{2}"),
        ("2(x+1)", r"2 \left(x + 1\right)"),
        ("sqrt(x)", r"\sqrt{x}"),
        ("e^x", "e^{x}"),
        ("|x|", r"\left|{x}\right|"),
        ("asin(x)", r"\arcsin{\left(x \right)}"),
        ("sigma^2", r"\sigma^{2}"),
        ("0.5", "0.5"),
        ("pi", r"\pi"),
        ("x = 1", "x = 1"),
        ("[[1, 2], [3, 4]]", r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}"),
        ("[1, 2]", r"\begin{bmatrix}1\\2\end{bmatrix}"),
        ("{1, 3}", r"\left\{1, 3\right\}"),
    ],
)
def test_to_latex_reads_like_a_textbook(text: str, latex: str) -> None:
    assert to_latex(parse(text, variables=["x", "sigma"])) == latex


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (x**2, "x^2"),
        (E**x, "exp(x)"),
        (E, "e"),
        (1 + 2 * I, "1 + 2*i"),
        (sympy.Abs(x), "abs(x)"),
        (Rational(1, 3), "1/3"),
        (Float("0.1", precision=53), "0.1"),
        (Float("6.02e23", precision=53), "6.02e23"),
        (Float("1e-7", precision=53), "1e-07"),
        (ImmutableMatrix([1, 2]), "[1, 2]"),
        (ImmutableMatrix([[1, 2]]), "[[1, 2]]"),
        (ImmutableMatrix([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]"),
        (FiniteSet(1, 3), "{1, 3}"),
        (FiniteSet(), "{}"),
        (Eq(x, 1, evaluate=False), "x = 1"),
        (sympy.Ne(x, 1), "x != 1"),
        (sympy.ceiling(x), "ceil(x)"),
        (sympy.Max(x, y), "max(x, y)"),
        (sympy.Piecewise((x, x > 0), (-x, True)), "piecewise(x > 0, x, -x)"),
        (sympy.true, "true"),
    ],
)
def test_to_text_writes_the_parser_grammar(value: sympy.Basic, text: str) -> None:
    assert to_text(value) == text


ROUND_TRIPS: list[tuple[str, dict[str, Any]]] = [
    ("2x(w x - y)", {"variables": ["w", "x", "y"]}),
    ("exp(-x)/(1+exp(-x))^2", {"variables": ["x"]}),
    ("1/(sqrt(2pi) sigma) exp(-(x-mu)^2/(2sigma^2))", {"variables": ["x", "mu", "sigma"]}),
    ("2(x+1)", {"variables": ["x"]}),
    ("-(x+1)", {"variables": ["x"]}),
    ("y - (x + 1)", {"variables": ["x", "y"]}),
    ("(x+1)/2", {"variables": ["x"]}),
    ("-x/2", {"variables": ["x"]}),
    ("0.1 + 0.2", {}),
    ("0.1*3", {}),
    ("1e400", {}),
    ("2.5e-300", {}),
    ("3.14159265358979323846", {}),
    ("-0.5x + 0.25", {"variables": ["x"]}),
    ("x^(1/3) + x^(-2) + x^0.5", {"variables": ["x"]}),
    ("(-2)^x + (1/2)^x", {"variables": ["x"]}),
    ("e^2 + e^x + pi", {"variables": ["x"]}),
    ("sin(x)^2 + cos(x^2) + tan(x) + sec(x) + csc(x) + cot(x)", {"variables": ["x"]}),
    ("asin(x) + acos(x) + atan(x) + sinh(x) + cosh(x) + tanh(x) + sech(x)", {"variables": ["x"]}),
    ("log(x) + log(x, 3) + sqrt(x) + |x - 1|", {"variables": ["x"]}),
    ("x^2 = 4", {"variables": ["x"]}),
    ("[[1, 2.5], [x, -3]]", {"variables": ["x"]}),
    ("[1, 2, 3]", {}),
    ("[[1, 2, 3]]", {}),
    ("{1, 2.5, x}", {"variables": ["x"]}),
    ("{}", {}),
    ("-oo", {}),
    ("3 + 4i", {"allow_complex": True}),
    ("x_1 + x_2", {"variables": ["x_1", "x_2"]}),
    ("lambda + eta", {"variables": ["lambda", "eta"]}),
    ("max(x, 0) + floor(x) + ceil(x)", {"variables": ["x"], "level": "template"}),
    ("piecewise(x < 0, -x, x > 1, 1, x)", {"variables": ["x"], "level": "template"}),
    ("binomial(n, 2) + factorial(n)", {"variables": ["n"], "level": "template"}),
    ("numeric(pi, 5)", {"level": "template"}),
    ("x != 1", {"variables": ["x"], "level": "template"}),
]


@pytest.mark.parametrize(("text", "options"), ROUND_TRIPS, ids=[t for t, _ in ROUND_TRIPS])
def test_to_text_reads_back_to_an_equal_object(text: str, options: dict[str, Any]) -> None:
    value = parse(text, **options)
    assert parse(to_text(value), **options) == value


def test_floats_keep_their_full_precision_in_text() -> None:
    value = parse("0.1*3")
    assert to_text(value) == "0.30000000000000004"


def test_computed_values_round_trip_too() -> None:
    for value in (
        Integer(10) ** 50 + Rational(1, 7),
        pi * x**3 - sympy.sqrt(2) / 3,
        Float(2, precision=53) ** Rational(1, 2) * x,
        ImmutableMatrix([[Rational(1, 2), pi], [x**2, -1]]),
    ):
        assert parse(to_text(value), variables=["x"]) == value
