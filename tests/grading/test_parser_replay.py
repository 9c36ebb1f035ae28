"""A template text read once is rebuilt for new values exactly as a fresh reading would build it.

Each case reads a text with one set of values (which remembers its value tree), then with
another; the second result, value or error, must equal what a parse with nothing remembered gives.
"""

import pytest
from sympy import Eq, ImmutableMatrix, Integer, Rational, Symbol

from grading import parser
from grading.errors import MathInputError
from grading.parser import parse, parse_with_info

A = ImmutableMatrix([[1, 2], [3, 4]])
SINGULAR = ImmutableMatrix([[1, 2], [2, 4]])
V = ImmutableMatrix([1, 2])

# (text, first values, second values)
CASES = [
    (
        "(a - 1)*b + k",
        {"a": Integer(3), "b": Integer(2), "k": Integer(5)},
        {"a": Integer(-1), "b": Integer(7), "k": Integer(0)},
    ),
    ("a*x^2 + b*x", {"a": Integer(2), "b": Integer(3)}, {"a": Integer(-4), "b": Integer(0)}),
    ("1/(a - b)", {"a": Integer(3), "b": Integer(1)}, {"a": Integer(2), "b": Integer(2)}),
    ("a/b", {"a": Integer(1), "b": Integer(3)}, {"a": Integer(1), "b": Integer(0)}),
    ("-(a + 1)", {"a": Integer(2)}, {"a": Rational(1, 2)}),
    ("2(a*x + 1)", {"a": Integer(2)}, {"a": Integer(-3)}),
    ("sqrt(a)", {"a": Integer(4)}, {"a": Integer(-4)}),
    ("log(a)", {"a": Integer(4)}, {"a": Integer(0)}),
    ("a^b", {"a": Integer(2), "b": Integer(3)}, {"a": Integer(0), "b": Integer(-1)}),
    ("a^b", {"a": Integer(2), "b": Integer(3)}, {"a": Integer(10), "b": Integer(10**6)}),
    ("inv(M)", {"M": A}, {"M": SINGULAR}),
    ("M^-1", {"M": A}, {"M": SINGULAR}),
    ("det(M) + entry(M, 1, 2)", {"M": A}, {"M": SINGULAR}),
    ("M*v", {"M": A, "v": V}, {"M": A, "v": ImmutableMatrix([1, 2, 3])}),
    ("M + a", {"M": Integer(1), "a": Integer(2)}, {"M": A, "a": Integer(2)}),
    ("[a, b]", {"a": Integer(1), "b": Integer(2)}, {"a": V, "b": Integer(2)}),
    ("[a, b]", {"a": Integer(1), "b": Integer(2)}, {"a": V, "b": V}),
    (
        "{a, b, 3}",
        {"a": Integer(1), "b": Integer(2)},
        {"a": Integer(3), "b": Eq(Symbol("x"), 1, evaluate=False)},
    ),
    ("|a - 3|", {"a": Integer(1)}, {"a": V}),
    ("sin^2 a + cos a", {"a": Integer(1)}, {"a": V}),
    ("diff(f, x)", {"f": Symbol("x") ** 3}, {"f": Symbol("x") * Integer(2)}),
    (
        "max(a, b) < c",
        {"a": Integer(1), "b": Integer(2), "c": Integer(3)},
        {"a": Integer(5), "b": Integer(2), "c": Integer(3)},
    ),
    ("a == b", {"a": V, "b": V}, {"a": V, "b": A}),
    ("0.5*a + 1.25e-1", {"a": Integer(2)}, {"a": Integer(3)}),
]


def _outcome(text, names):
    try:
        parsed = parse_with_info(text, variables=["x"], level="template", names=names)
    except MathInputError as exc:
        return ("error", type(exc).__name__, exc.message, exc.position, exc.end, exc.code)
    return (
        "value",
        parsed.value,
        parsed.has_float,
        parsed.decimal_literals,
        parsed.sigfigs,
        parsed.symbols,
        parsed.functions,
    )


@pytest.mark.parametrize(("text", "first", "second"), CASES)
def test_a_remembered_text_rebuilds_what_a_fresh_reading_gives(text, first, second):
    parser.clear_template_caches()
    fresh = _outcome(text, second)
    parser.clear_template_caches()
    assert _outcome(text, first)[0] == "value"
    assert _outcome(text, second) == fresh


def test_a_remembered_text_still_sees_which_names_are_bound():
    parser.clear_template_caches()
    assert parse("ab", variables=["a", "b"], level="template") == Symbol("a") * Symbol("b")
    bound = parse("ab", variables=["a", "b"], level="template", names={"ab": Integer(7)})
    assert bound == Integer(7)
    assert parse("a", variables=["a"], level="template", names={"a": Integer(2)}) == 2
    assert parse("a", variables=["a"], level="template") == Symbol("a")


def test_student_answers_are_not_remembered():
    parser.clear_template_caches()
    parse("x^2 + 2x + 1", variables=["x"])
    assert not parser._compiled
    assert parser._template_tokens.cache_info().currsize == 0


def test_a_text_that_failed_to_read_is_read_again():
    parser.clear_template_caches()
    with pytest.raises(MathInputError):
        parse("1/a +", level="template", names={"a": Integer(2)})
    with pytest.raises(MathInputError) as raised:
        parse("1/a +", level="template", names={"a": Integer(0)})
    assert raised.value.code == "undefined"


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "a + b - c",
            {"a": Integer(3), "b": Rational(-1, 6), "c": Rational(7, 4)},
            Rational(13, 12),
        ),
        ("a*b/c", {"a": Integer(3), "b": Rational(-1, 6), "c": Rational(7, 4)}, Rational(-2, 7)),
        ("-a/b*c", {"a": Integer(-9), "b": Integer(6), "c": Integer(0)}, Integer(0)),
        ("2*a - 3/b + 1", {"a": Rational(5, 3), "b": Integer(-2)}, Rational(35, 6)),
        ("a + b", {"a": Rational(1, 2), "b": Rational(1, 2)}, Integer(1)),
    ],
)
def test_exact_numbers_combine_to_the_exact_rational(text, names, expected):
    value = parse(text, level="template", names=names)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("relu(a)", Integer(0)),
        ("relu(b)", Rational(5, 2)),
        ("relu([a, b, 0])", ImmutableMatrix([0, Rational(5, 2), 0])),
        ("max(a, b, 1)", Rational(5, 2)),
        ("min(a, b, 1)", Integer(-3)),
        ("max([a, b])", Rational(5, 2)),
    ],
)
def test_relu_max_and_min_of_exact_numbers_are_exact(text, expected):
    value = parse(text, level="template", names={"a": Integer(-3), "b": Rational(5, 2)})
    assert value == expected
    assert type(value) is type(expected)
