import pytest
import sympy

from content.render import fill_placeholders

x = sympy.Symbol("x")
VALUES = {
    "one": sympy.Integer(1),
    "minus_one": sympy.Integer(-1),
    "four": sympy.Integer(4),
    "minus_four": sympy.Integer(-4),
    "minus_two": sympy.Integer(-2),
    "minus_half": sympy.Rational(-1, 2),
    "poly": 3 * x - 2,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the {{one}} units", "the 1 units"),
        ("the {{minus_one}} units", "the -1 units"),
        ("take {{one}}(each)", "take 1(each)"),
        ("{{one}} step, then {{minus_one}} more", "1 step, then -1 more"),
        ("rotate by {{one}}\\pi", "rotate by 1\\pi"),
    ],
)
def test_a_one_in_prose_is_never_dropped(text, expected):
    assert fill_placeholders(text, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${{one}}x$", "$x$"),
        ("$${{minus_one}}x$$", "$$-x$$"),
        ("so \\({{one}}x\\) holds", "so \\(x\\) holds"),
        ("so \\[{{minus_one}}(x + 1)\\]", "so \\[-(x + 1)\\]"),
        ("\\({{one}}x\\) and {{one}} unit", "\\(x\\) and 1 unit"),
    ],
)
def test_a_coefficient_of_one_is_dropped_only_inside_math(text, expected):
    assert fill_placeholders(text, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$4 \\cdot {{minus_four}}$", "$4 \\cdot (-4)$"),
        ("$4 \\times {{minus_four}}$", "$4 \\times (-4)$"),
        ("$4 * {{minus_four}}$", "$4 * (-4)$"),
        ("$4 \\cdot {{four}}$", "$4 \\cdot 4$"),
        ("$2 \\cdot {{minus_half}}$", "$2 \\cdot \\left(-\\frac{1}{2}\\right)$"),
        ("$2 \\cdot {{poly}}$", "$2 \\cdot (3 x - 2)$"),
        ("\\(4 \\cdot {{minus_four}}\\)", "\\(4 \\cdot (-4)\\)"),
    ],
)
def test_a_negative_or_sum_after_a_times_sign_is_parenthesised(text, expected):
    assert fill_placeholders(text, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$x^{{minus_two}}$", "$x^{-2}$"),
        ("$x^{{{minus_two}}}$", "$x^{-2}$"),
        ("$x^{{poly}}$", "$x^{3 x - 2}$"),
        ("$x^{{four}}$", "$x^4$"),
        ("${{minus_four}}^2$", "$(-4)^2$"),
        ("${{poly}}^2$", "$(3 x - 2)^2$"),
        ("${{minus_half}}^2$", "$\\left(-\\frac{1}{2}\\right)^2$"),
        ("${{four}}^2$", "$4^2$"),
    ],
)
def test_powers_group_a_negative_or_compound_value(text, expected):
    assert fill_placeholders(text, VALUES) == expected


def test_a_times_sign_in_prose_is_left_alone():
    assert fill_placeholders("score * {{minus_four}} points", VALUES) == "score * -4 points"
