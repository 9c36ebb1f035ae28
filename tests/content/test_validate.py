import io
import json
import shutil
from pathlib import Path

import pytest

from content.loader import load_template, parse_template
from content.topics import BANK_DIR, TOPICS_FILE
from content.validate import (
    expected_distinct,
    required_distinct,
    run_validation,
    validate_bank,
    validate_template,
)

BROKEN = Path(__file__).parent / "broken"
SUM = """\
id = "sum-DIFF"
version = 1
title = "Sum"
topic = "derivatives"
difficulty = DIFF
statement = "What is ${{a}} + {{b}}$?"
hints = ["Add."]
solution = "It is ${{= a + b}}$."

[parameters]
a = { int = [1, 40] }
b = { int = [1, 40] }

[[parts]]
key = "sum"
kind = "number"
answer = "a + b"

[[mistakes]]
part = "sum"
answer = "MISTAKE"
feedback = "Add, do not multiply."
"""


def sum_template(difficulty=1, mistake="a*b + 1000"):
    return SUM.replace("DIFF", str(difficulty)).replace("MISTAKE", mistake)


def test_an_answer_that_does_not_grade_correct_fails_at_its_line():
    result = validate_template(load_template(BROKEN / "answer_not_correct.toml"), 3)
    assert not result.ok
    failure = result.failures[0]
    assert failure.path.endswith("answer_not_correct.toml")
    assert failure.line == 17
    assert "does not grade correct" in failure.message
    assert failure.seed == 0


def test_a_mistake_that_grades_correct_fails_at_its_line():
    template = parse_template(sum_template(mistake="b + a"), path="sum.toml")
    result = validate_template(template, 3)
    assert not result.ok
    assert result.failures[0].line == 21
    assert "grades correct" in result.failures[0].message


def test_a_template_whose_problem_never_changes_fails_the_distinct_check():
    frozen = (
        sum_template()
        .replace("a = { int = [1, 40] }", "a = { int = [7, 7] }\nunused = { int = [1, 1000] }")
        .replace("b = { int = [1, 40] }", "b = { int = [7, 7] }")
    )
    result = validate_template(parse_template(frozen, path="sum.toml"), 10)
    assert result.distinct == 1 and result.required_distinct > 1
    assert not result.ok
    assert "distinct variants" in result.failures[0].message
    assert result.failures[0].line == 1


def test_a_varied_template_passes_the_distinct_check():
    result = validate_template(parse_template(sum_template(), path="sum.toml"), 20)
    assert result.ok, result.failures
    assert result.distinct >= result.required_distinct >= 10


def test_expected_distinct_matches_the_uniform_draw_formula():
    assert expected_distinct(1, 50) == 1
    assert round(expected_distinct(100, 50), 1) == 39.5
    assert expected_distinct(10**9, 50) > 49.99


def bank_dir(tmp_path, *templates):
    shutil.copy(TOPICS_FILE, tmp_path / "topics.toml")
    for number, text in enumerate(templates):
        (tmp_path / f"t{number}.toml").write_text(text)
    return tmp_path


def test_the_json_report_lists_templates_topics_and_failures(tmp_path):
    root = bank_dir(tmp_path, sum_template(1), sum_template(2))
    shutil.copy(BROKEN / "bad_toml.toml", root / "bad_toml.toml")
    out = io.StringIO()
    code = run_validation(4, True, out, coverage=False, bank_dir=root)
    report = json.loads(out.getvalue())
    assert code == 1
    assert report["templates"] == 2 and report["topics"] >= 30
    assert [f["line"] for f in report["failures"]] == [10]
    assert report["failures"][0]["path"].endswith("bad_toml.toml")
    assert {r["template"] for r in report["results"]} == {"sum-1", "sum-2"}


def test_a_clean_bank_passes_and_prints_a_table(tmp_path):
    out = io.StringIO()
    code = run_validation(
        4, False, out, coverage=False, bank_dir=bank_dir(tmp_path, sum_template(1))
    )
    assert code == 0
    assert out.getvalue().splitlines()[0].split() == [
        "template",
        "ok",
        "distinct",
        "accept",
        "ms/variant",
    ]
    assert "all checks passed" in out.getvalue()


def test_topics_without_two_difficulty_levels_are_failures(tmp_path):
    report = validate_bank(2, bank_dir=bank_dir(tmp_path, sum_template(1), sum_template(2)), jobs=1)
    messages = [f.message for f in report.failures]
    assert not any("`derivatives`" in m for m in messages)
    assert any("`chain-rule` has 0 template(s)" in m for m in messages)


def test_the_example_bank_passes_every_template_check():
    report = validate_bank(5, bank_dir=BANK_DIR, coverage=False)
    assert report.ok, "\n".join(str(f) for f in report.failures)
    assert len(report.results) >= 12


def test_a_cyclic_topic_graph_is_a_located_failure_not_a_crash(tmp_path):
    (tmp_path / "topics.toml").write_text(
        '[[topics]]\nslug = "a"\ntitle = "A"\narea = "calculus"\nprerequisites = ["b"]\n\n'
        '[[topics]]\nslug = "b"\ntitle = "B"\narea = "calculus"\nprerequisites = ["a"]\n'
    )
    out = io.StringIO()
    assert run_validation(2, True, out, bank_dir=tmp_path) == 1
    failures = json.loads(out.getvalue())["failures"]
    assert len(failures) == 1
    assert failures[0]["path"].endswith("topics.toml") and failures[0]["line"] in (2, 8)
    assert "cycle" in failures[0]["message"]


def test_constraints_that_rarely_hold_are_reported_with_their_acceptance_rate():
    text = sum_template().replace("version = 1\n", 'version = 1\nconstraints = ["a = b"]\n')
    result = validate_template(parse_template(text, path="sum.toml"), 4)
    assert result.acceptance < 0.05
    assert any("accept only" in f.message and f.line == 3 for f in result.failures)


@pytest.mark.parametrize(
    ("space", "draws", "required"),
    [(10**9, 50, 35), (37.5, 5, 3), (40, 20, 11), (1, 10, 1), (3, 50, 2)],
)
def test_the_distinct_requirement_allows_for_chance_repeats(space, draws, required):
    assert required_distinct(space, draws) == required
