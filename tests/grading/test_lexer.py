"""Tokenizer and Unicode normalisation: what the student typed becomes ASCII tokens whose
positions still point at the typed text."""

from __future__ import annotations

import pytest

from grading.errors import InputTooLarge, ParseError
from grading.lexer import normalise, tokenize


def kinds_and_texts(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text, max_tokens=1000)[:-1]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2x+1", [("number", "2"), ("name", "x"), ("op", "+"), ("number", "1")]),
        ("x**2", [("name", "x"), ("op", "^"), ("number", "2")]),
        ("a<=b", [("name", "a"), ("op", "<="), ("name", "b")]),
        ("a != b", [("name", "a"), ("op", "!="), ("name", "b")]),
        ("a==b", [("name", "a"), ("op", "=="), ("name", "b")]),
        ("|x|", [("|", "|"), ("name", "x"), ("|", "|")]),
        ("[1,2]", [("[", "["), ("number", "1"), (",", ","), ("number", "2"), ("]", "]")]),
        ("{1}", [("{", "{"), ("number", "1"), ("}", "}")]),
        ("x_1", [("name", "x_1")]),
        ("x2", [("name", "x2")]),
        ("sigma_max", [("name", "sigma_max")]),
    ],
)
def test_it_splits_text_into_tokens(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_and_texts(text) == expected


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("12", "12"),
        ("0.5", "0.5"),
        (".5", ".5"),
        ("2.", "2."),
        ("1e-3", "1e-3"),
        ("6.02e23", "6.02e23"),
        ("6.02E+23", "6.02E+23"),
    ],
)
def test_it_reads_numeric_literals_whole(text: str, literal: str) -> None:
    assert kinds_and_texts(text) == [("number", literal)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2e", [("number", "2"), ("name", "e")]),
        ("2e-x", [("number", "2"), ("name", "e"), ("op", "-"), ("name", "x")]),
        ("2ex", [("number", "2"), ("name", "ex")]),
    ],
)
def test_an_e_without_digits_after_it_is_a_name(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_and_texts(text) == expected


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("x−1", "x-1"),
        ("2×3", "2*3"),
        ("2·x", "2*x"),
        ("6÷2", "6/2"),
        ("x²", "x^(2)"),
        ("x⁻¹", "x^(-1)"),
        ("x²³", "x^(23)"),
        ("x₁", "x_1"),
        ("π", "pi"),
        ("√x", "sqrt x"),
        ("2πr", "2 pi r"),
        ("σ₁", "sigma_1"),
        ("∞", "oo"),
        ("a≤b", "a<=b"),
        ("a≠b", "a!=b"),
        ("σ", "sigma"),
        ("µ", "mu"),
        ("ｘ＋１", "x+1"),
        ("（x）", "(x)"),
        ("x\u00a0+\u20031", "x + 1"),
        ("x\u200b+1", "x+1"),
        ("x\n+\t1", "x + 1"),
    ],
)
def test_it_normalises_pasted_unicode(typed: str, normalised: str) -> None:
    assert normalise(typed).text == normalised


def test_positions_point_at_the_typed_text_after_normalisation() -> None:
    typed = "π²+ｙ"
    tokens = tokenize(typed, max_tokens=100)
    by_text = {t.text: (t.position, t.end) for t in tokens[:-1]}
    assert by_text["pi"] == (0, 1)
    assert by_text["+"] == (2, 3)
    assert by_text["y"] == (3, 4)
    assert typed[slice(*by_text["y"])] == "ｙ"


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("x'", 1, "quotes"),
        ('"a"', 0, "quotes"),
        ("x.y", 1, "decimal point"),
        ("_x", 0, "starts with a letter"),
        ("x;y", 1, ";"),
        ("\\sqrt{2}", 0, "LaTeX"),
        ("3!", 1, "factorial"),
        ("x@y", 1, "@"),
        ("x # y", 2, "#"),
        ("é", 0, "unexpected character"),
    ],
)
def test_it_refuses_characters_outside_the_grammar_with_their_position(
    text: str, position: int, fragment: str
) -> None:
    with pytest.raises(ParseError) as caught:
        tokenize(text, max_tokens=100)
    assert caught.value.position == position
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "position"),
    [("\x00", 0), ("x+\x00", 2), ("ab\x1b", 2), ("x\x7f", 1), ("ｘ\x00", 1)],
)
def test_it_refuses_nul_and_control_characters(text: str, position: int) -> None:
    with pytest.raises(ParseError) as caught:
        tokenize(text, max_tokens=100)
    assert caught.value.position == position
    assert caught.value.code == "control_character"


@pytest.mark.parametrize(
    "text",
    ["1" * 101, "0." + "1" * 100, "1e401", "1e-401", "1e9999999999999", "2.5e1000"],
)
def test_it_refuses_oversized_literals_before_converting_them(text: str) -> None:
    with pytest.raises(InputTooLarge) as caught:
        tokenize(text, max_tokens=100)
    assert caught.value.position == 0


def test_literals_at_the_limit_are_accepted() -> None:
    assert kinds_and_texts("1" * 100) == [("number", "1" * 100)]
    assert kinds_and_texts("1e400") == [("number", "1e400")]


def test_it_stops_at_the_token_limit() -> None:
    with pytest.raises(InputTooLarge) as caught:
        tokenize("x+" * 60, max_tokens=100)
    assert caught.value.position == 100


def test_the_token_list_ends_with_an_end_token_at_the_text_length() -> None:
    last = tokenize("x + 1  ", max_tokens=10)[-1]
    assert (last.kind, last.position) == ("end", 7)
