import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.engine import Variant, generate
from content.errors import ContentError
from content.loader import load_bank, load_template, parse_template
from grading import grade

BROKEN = Path(__file__).parent / "broken"
BANK = load_bank()

TEMPLATE = """\
id = "affine"
version = 1
title = "Affine"
topic = "derivatives"
difficulty = 1
variables = ["x"]
constraints = ["a != b"]
statement = "Differentiate $f(x) = {{= a*x^2 + b*x}}$ where $b = {{b}}$."
hints = ["Use the power rule on ${{a}}x^2$."]
solution = "$f'(x) = {{df}}$."

[parameters]
a = { nonzero = [-5, 5] }
b = { int = [-5, 5] }

[derived]
df = "diff(a*x^2 + b*x, x)"

[[parts]]
key = "df"
kind = "expression"
prompt = "Find $f'(x)$."
answer = "df"

[[mistakes]]
part = "df"
answer = "a*x^2 + b*x"
feedback = "Differentiate: you gave $f$ itself."
"""


def test_the_same_seed_gives_the_same_variant():
    template = parse_template(TEMPLATE, path="t.toml")
    assert generate(template, 11) == generate(template, 11)


def test_different_seeds_give_different_fingerprints():
    template = parse_template(TEMPLATE, path="t.toml")
    fingerprints = {generate(template, seed).fingerprint for seed in range(30)}
    assert len(fingerprints) > 20


def test_a_new_version_changes_the_fingerprint():
    first = parse_template(TEMPLATE, path="t.toml")
    second = parse_template(TEMPLATE.replace("version = 1", "version = 2"), path="t.toml")
    assert generate(first, 3).fingerprint != generate(second, 3).fingerprint


def test_a_variant_carries_what_grading_needs():
    variant = generate(parse_template(TEMPLATE, path="t.toml"), 5)
    part = variant.parts[0]
    assert part.options["variables"] == ["x"]
    assert part.options["mistakes"][0]["feedback"] == "Differentiate: you gave $f$ itself."
    assert grade(part.kind, part.answer, part.answer, part.options).correct
    wrong = grade(part.kind, part.answer, part.options["mistakes"][0]["answer"], part.options)
    assert not wrong.correct
    assert "you gave $f$ itself" in " ".join(wrong.feedback) + wrong.message


def test_a_variant_round_trips_through_json():
    variant = generate(parse_template(TEMPLATE, path="t.toml"), 2)
    assert Variant.from_dict(json.loads(json.dumps(variant.to_dict()))) == variant


def test_constraints_are_respected():
    template = parse_template(TEMPLATE, path="t.toml")
    for seed in range(40):
        values = generate(template, seed).values
        assert values["a"] != values["b"]


def test_the_rendered_statement_reads_like_a_textbook():
    template = parse_template(TEMPLATE, path="t.toml")
    for seed in range(40):
        variant = generate(template, seed)
        for html in (variant.statement_html, *variant.hints_html, variant.solution_html):
            assert "+ -" not in html and "- -" not in html
            assert "$1x" not in html and "-1x" not in html and "{{" not in html


def test_an_unknown_function_names_the_file_line_and_a_suggestion():
    template = load_template(BROKEN / "unknown_function.toml")
    with pytest.raises(ContentError) as info:
        generate(template, 0)
    assert info.value.path.endswith("unknown_function.toml")
    assert info.value.line == 15
    assert "`dif`" in info.value.message
    assert info.value.message.count("did you mean `diff`?") == 1


def test_an_unsatisfiable_constraint_reports_the_acceptance_rate_and_line():
    template = load_template(BROKEN / "unsatisfiable.toml")
    with pytest.raises(ContentError) as info:
        generate(template, 0)
    assert info.value.line == 7
    assert "acceptance rate 0%" in info.value.message
    assert "a > 100" in info.value.message


def test_a_choice_part_marks_the_option_whose_condition_holds():
    template = BANK.by_id("convexity-two-variable-quadratic")
    for seed in range(20):
        variant = generate(template, seed)
        part = variant.parts[0]
        a, b, c = (int(variant.values[name]) for name in "abc")
        assert part.answer == ("convex" if 4 * a * b - c * c > 0 else "neither")
        assert part.options["choices"] == ["convex", "concave", "neither"]
        assert [label for label, _ in part.choices] == part.options["choices"]


def test_a_derived_division_by_zero_draws_again():
    template = parse_template(
        TEMPLATE.replace('df = "diff(a*x^2 + b*x, x)"', 'df = "diff(a*x^2 + b*x, x)/b"'),
        path="t.toml",
    )
    for seed in range(30):
        assert generate(template, seed).values["b"] != "0"


@pytest.mark.parametrize("template", BANK.templates, ids=lambda t: t.id)
@settings(
    max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(seed=st.integers(min_value=0, max_value=2**62))
def test_every_bank_template_grades_its_own_answers_correct(template, seed):
    variant = generate(template, seed)
    for part in variant.parts:
        verdict = grade(part.kind, part.answer, part.answer, part.options)
        assert verdict.correct, (seed, part.key, verdict)
        for mistake in part.options["mistakes"]:
            assert not grade(part.kind, part.answer, mistake["answer"], part.options).correct


def test_an_unknown_function_in_a_placeholder_points_at_its_line():
    text = TEMPLATE.replace(
        'statement = "Differentiate $f(x) = {{= a*x^2 + b*x}}$ where $b = {{b}}$."',
        "statement = '''\nDifferentiate\n$f(x) = {{= a*x^2 + sqr(b)}}$.\n'''",
    )
    with pytest.raises(ContentError) as info:
        generate(parse_template(text, path="t.toml"), 0)
    assert info.value.line == 10
    assert "did you mean `sqrt`?" in info.value.message


@pytest.mark.parametrize(
    ("constraint", "holds"),
    [
        ("a >= 2", True),
        ("a < 2", False),
        ("[a, 1] != [1, a]", True),
        ("{a, 1} = {1, a}", True),
        ("a^2 ≥ a", True),
        ("(a - 2)*(a + 1) = a^2 - a - 2", True),
    ],
)
def test_constraints_compare_numbers_vectors_and_sets(constraint, holds):
    text = MINIMAL_CONSTRAINT.replace("CONSTRAINT", constraint)
    template = parse_template(text, path="t.toml")
    if holds:
        assert generate(template, 0).values["a"] == "3"
    else:
        with pytest.raises(ContentError, match="acceptance rate 0%"):
            generate(template, 0, max_attempts=5)


MINIMAL_CONSTRAINT = """\
id = "c"
version = 1
title = "C"
topic = "derivatives"
difficulty = 1
constraints = ["CONSTRAINT"]
statement = "${{a}}$"
solution = "."

[parameters]
a = { int = [3, 3] }

[[parts]]
key = "a"
kind = "number"
answer = "a"
"""
