from fractions import Fraction

import numpy as np
import pytest
import sympy

from content.errors import ContentError
from content.loader import parse_template
from content.sampling import parameter_space_size, sample_parameter

TEMPLATE = """\
id = "names"
version = 1
title = "Names"
topic = "derivatives"
difficulty = 1
variables = ["w"]
statement = "Differentiate ${{{{= a*(w - c)^2}}}}$."
solution = "It is ${{{{= 2*a*(w - c)}}}}$."

[parameters]
a = {{ int = [1, 9] }}
c = {{ int = [1, 9] }}
{parameter_lines}
[derived]
{derived_lines}
[[parts]]
key = "d"
kind = "expression"
answer = "2*a*(w - c)"
"""


def template_text(parameter_lines: str = "", derived_lines: str = "") -> str:
    return TEMPLATE.format(parameter_lines=parameter_lines, derived_lines=derived_lines)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(needle))


@pytest.mark.parametrize(
    ("parameter_lines", "derived_lines", "needle"),
    [
        ("w = { int = [1, 5] }\n", "", "w = { int"),
        ("", 'w = "a + c"\n', 'w = "a'),
    ],
)
def test_a_value_named_like_an_answer_variable_is_refused(parameter_lines, derived_lines, needle):
    text = template_text(parameter_lines, derived_lines)
    with pytest.raises(ContentError) as info:
        parse_template(text, path="bank/names.toml")
    kind = "parameter" if parameter_lines else "derived value"
    assert str(info.value) == (
        f"bank/names.toml:{line_of(text, needle)}: {kind} `w` is also declared as an answer "
        "variable; rename one"
    )


def test_values_with_other_names_than_the_variables_load():
    template = parse_template(template_text("k = { int = [1, 5] }\n", 'm = "a + c"\n'))
    assert [p.name for p in template.parameters] == ["a", "c", "k"]


def rational_spec(settings: str):
    text = template_text(f"q = {{ rational = {settings} }}\n")
    return next(p for p in parse_template(text).parameters if p.name == "q")


@pytest.mark.parametrize(
    ("settings", "low", "high"),
    [
        ('["1/5", 5], denominators = [5]', Fraction(1, 5), Fraction(5)),
        ('["-2/3", "2/3"], denominators = [3]', Fraction(-2, 3), Fraction(2, 3)),
        ('[0.2, "7/5"], denominators = [5]', Fraction(1, 5), Fraction(7, 5)),
    ],
)
def test_a_rational_range_takes_exact_fraction_bounds(settings, low, high):
    spec = rational_spec(settings)
    rng = np.random.default_rng(7)
    samples = {sample_parameter(spec, rng) for _ in range(200)}
    assert all(isinstance(s, sympy.Rational) for s in samples)
    assert min(samples) == sympy.Rational(low.numerator, low.denominator)
    assert all(low <= Fraction(int(s.p), int(s.q)) <= high for s in samples)


def test_a_fraction_bound_counts_exactly_the_fractions_in_range():
    # 1/3 ... 2/3 with thirds and sixths: 1/3, 1/2, 2/3 (2/6 and 4/6 are the same numbers).
    spec = rational_spec('["1/3", "2/3"], denominators = [3, 6]')
    assert parameter_space_size(spec) == 3


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ('["a/b", 2]', "`rational` must be [low, high]"),
        ('["1/0", 2]', "`rational` must be [low, high]"),
        ('["2", "1/2"]', "`rational` must be [low, high]"),
    ],
)
def test_a_bad_rational_range_is_refused(settings, words):
    with pytest.raises(ContentError) as info:
        rational_spec(settings)
    assert words in info.value.message
