import pytest
import sympy

from grading.parser import parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if(2 = 2, 1, 0)", 1),
        ("if(2 = 3, 1, 0)", 0),
        ("if(2 == 2, 1, 0)", 1),
        ("if(a = 3, 10, 20)", 10),
        ("if(a = 4, 10, 20)", 20),
        ("piecewise(a = 1, 5, a = 3, 7, 9)", 7),
        ("piecewise(a = 1, 5, a = 2, 7, 9)", 9),
        ("if(1/2 = 0.5, 1, 0)", 1),
    ],
)
def test_a_single_equals_in_a_condition_means_equality(text, expected):
    value = parse(text, level="template", names={"a": sympy.Integer(3)})
    assert value == sympy.Integer(expected)


def test_a_symbolic_equality_condition_stays_symbolic():
    value = parse("if(x = 1, 2, 3)", variables=["x"], level="template")
    x = sympy.Symbol("x")
    assert value.subs(x, 1) == 2
    assert value.subs(x, 5) == 3
