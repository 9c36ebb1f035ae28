import pytest
import sympy

from content.render import (
    fill_placeholders,
    format_float,
    latex_of,
    markdown_to_html,
    render_markdown,
)

x = sympy.Symbol("x")
VALUES = {
    "one": sympy.Integer(1),
    "minus_one": sympy.Integer(-1),
    "three": sympy.Integer(3),
    "minus_three": sympy.Integer(-3),
    "half": sympy.Rational(1, 2),
    "minus_half": sympy.Rational(-1, 2),
    "rate": sympy.Float("0.1", 15),
    "A": sympy.ImmutableMatrix([[1, -2], [sympy.Rational(1, 3), 4]]),
    "v": sympy.ImmutableMatrix([1, 2]),
    "poly": 3 * x - 2,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${{one}}x$", "$x$"),
        ("${{minus_one}}x$", "$-x$"),
        ("${{one}} x$", "$ x$"),
        ("${{one}}\\sigma$", "$\\sigma$"),
        ("${{one}} \\cdot 2$", "$1 \\cdot 2$"),
        ("${{three}}x$", "$3x$"),
        ("$x + {{minus_three}}$", "$x - 3$"),
        ("$x - {{minus_three}}$", "$x + 3$"),
        ("$x + {{three}}$", "$x + 3$"),
        ("$2 + {{minus_half}}$", "$2 - \\frac{1}{2}$"),
        ("${{half}}$", "$\\frac{1}{2}$"),
        ("${{A}}$", "$\\begin{bmatrix} 1 & -2 \\\\ \\frac{1}{3} & 4 \\end{bmatrix}$"),
        ("${{v}}$", "$\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}$"),
        ("${{poly}}$", "$3 x - 2$"),
        ("rate {{rate}} and {{three}} steps", "rate 0.1 and 3 steps"),
        ("a fraction {{half}}", "a fraction $\\frac{1}{2}$"),
        ("$e^{{{minus_three}}x}$", "$e^{-3x}$"),
        ("$e^{{{one}}x}$", "$e^{x}$"),
    ],
)
def test_placeholders_read_as_a_textbook_prints_them(text, expected):
    assert fill_placeholders(text, VALUES) == expected


def test_computed_placeholders_use_the_evaluator():
    seen = []

    def evaluate(text):
        seen.append(text)
        return 2 * x + 1

    assert fill_placeholders("$f = {{= a*x + b}}$", VALUES, evaluate) == "$f = 2 x + 1$"
    assert seen == ["a*x + b"]


@pytest.mark.parametrize(
    ("value", "latex"),
    [
        (sympy.Float(0.30000000000000004), "0.3"),
        (sympy.Float(2.123456789), "2.12346"),
        (sympy.Float(1.5e-7), "1.5 \\times 10^{-7}"),
        (sympy.Integer(-4), "-4"),
        (sympy.Rational(-7, 3), "-\\frac{7}{3}"),
        (sympy.FiniteSet(3, -1), "\\left\\{-1, 3\\right\\}"),
        (sympy.Eq(sympy.Symbol("y"), 2 * x + 1), "y = 2 x + 1"),
    ],
)
def test_values_have_readable_latex(value, latex):
    assert latex_of(value) == latex


def test_floats_are_cut_to_six_significant_digits():
    assert format_float(123456789.0) == "1.23457 \\times 10^{8}"
    assert format_float(-0.0) == "0"


def test_math_survives_markdown_untouched():
    html = markdown_to_html("Compute $a_1 * b_1 + a_2 * b_2$ and *this*.")
    assert "$a_1 * b_1 + a_2 * b_2$" in html
    assert "<em>this</em>" in html


def test_display_math_keeps_its_backslashes_and_underscores():
    html = markdown_to_html("$$\\sum_{i=1}^n x_i \\\\ y_j$$")
    assert "$$\\sum_{i=1}^n x_i \\\\ y_j$$" in html


def test_raw_html_is_escaped_outside_and_inside_math():
    html = markdown_to_html("<script>alert(1)</script> & $a < b$")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html
    assert "$a &lt; b$" in html


def test_an_escaped_dollar_is_not_math():
    html = markdown_to_html("It costs \\$5 and \\$6.")
    assert "$5 and" in html


def test_render_fills_then_converts_markdown():
    html = render_markdown("**Find** ${{three}}x + {{minus_half}}$.", VALUES)
    assert html == "<p><strong>Find</strong> $3x - \\frac{1}{2}$.</p>"


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("[x](javascript:alert(1))", False),
        ("[x](JaVaScRiPt:alert(1))", False),
        ("[x](java&#115;cript:alert(1))", False),
        ("![i](data:text/html;base64,AAAA)", False),
        ("[x](//elsewhere.example/)", False),
        ("[x](https://example.org/page)", True),
        ("[x](/topics/bayes)", True),
        ("[x](#part-2)", True),
    ],
)
def test_links_lead_only_to_web_pages_and_paths(markdown, kept):
    html = markdown_to_html(markdown)
    assert ('="#"' not in html) == kept, html
