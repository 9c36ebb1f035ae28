import shutil
from pathlib import Path

import pytest

from content.errors import ContentError
from content.loader import load_bank, load_template, parse_template, template_files
from content.topics import TOPICS_FILE

BROKEN = Path(__file__).parent / "broken"

MINIMAL = """\
id = "minimal"
version = 1
title = "Minimal"
topic = "derivatives"
difficulty = 1
statement = "What is ${{a}} + 1$?"
solution = "It is ${{= a + 1}}$."

[parameters]
a = { int = [1, 9] }

[[parts]]
key = "sum"
kind = "number"
answer = "a + 1"
"""


@pytest.mark.parametrize(
    ("fixture", "line", "words"),
    [
        ("bad_toml.toml", 10, "not valid TOML"),
        ("unknown_parameter_kind.toml", 11, "did you mean `int`?"),
        ("unknown_placeholder.toml", 8, "did you mean `alpha`?"),
        ("bad_mistake_part.toml", 18, "use one of sum"),
    ],
)
def test_a_broken_file_is_reported_with_its_path_and_line(fixture, line, words):
    with pytest.raises(ContentError) as info:
        load_template(BROKEN / fixture)
    assert info.value.path.endswith(fixture)
    assert info.value.line == line
    assert words in info.value.message
    assert str(info.value).startswith(f"{info.value.path}:{line}: ")


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("difficulty = 1", "difficulty = 7"), 5, "from 1 to 5"),
        (('id = "minimal"', 'id = "Not Valid"'), 1, "lower-case"),
        (('title = "Minimal"', 'titel = "Minimal"'), 3, "did you mean `title`?"),
        (('kind = "number"', 'kind = "numbr"'), 14, "did you mean `number`?"),
        (("a = { int = [1, 9] }", "a = { int = [9, 1] }"), 10, "low ≤ high"),
        (("a = { int = [1, 9] }", 'a = { matrix = "invertable", size = 2 }'), 10, "not one of"),
        (
            ("a = { int = [1, 9] }", 'a = { matrix = "rank", shape = [2, 3], rank = 3 }'),
            10,
            "from 1 to 2",
        ),
        (('answer = "a + 1"', 'answer = ""'), 12, "needs an `answer`"),
    ],
)
def test_schema_errors_name_the_line_and_the_fix(change, line, words):
    text = MINIMAL.replace(*change)
    with pytest.raises(ContentError) as info:
        parse_template(text, path="x.toml")
    assert info.value.line == line, info.value
    assert words in info.value.message


def test_a_missing_required_key_is_named():
    with pytest.raises(ContentError, match="missing required key `solution`"):
        parse_template(MINIMAL.replace('solution = "It is ${{= a + 1}}$."\n', ""), path="x.toml")


def test_a_minimal_template_loads_with_its_lines():
    template = parse_template(MINIMAL, path="x.toml")
    assert template.id == "minimal"
    assert [p.name for p in template.parameters] == ["a"]
    assert template.parts[0].line == 12
    assert template.parts[0].answer_line == 15
    assert template.line_of("statement") == 6
    assert template.parts[0].options["variables"] == []


def test_lines_inside_multiline_strings_are_not_mistaken_for_keys():
    text = MINIMAL.replace(
        'statement = "What is ${{a}} + 1$?"', "statement = '''\nkind = 3\n${{a}}\n'''"
    )
    text = text.replace('kind = "number"', 'kind = "nope"')
    with pytest.raises(ContentError) as info:
        parse_template(text, path="x.toml")
    assert info.value.line == text.splitlines().index('kind = "nope"') + 1


def test_an_unknown_topic_is_reported_at_its_line(tmp_path):
    shutil.copy(BROKEN / "unknown_topic.toml", tmp_path / "unknown_topic.toml")
    shutil.copy(TOPICS_FILE, tmp_path / "topics.toml")
    with pytest.raises(ContentError) as info:
        load_bank(tmp_path)
    assert info.value.path.endswith("unknown_topic.toml")
    assert info.value.line == 4
    assert "did you mean `eigenvalues`?" in info.value.message


def test_cyclic_prerequisites_stop_the_bank_from_loading(tmp_path):
    (tmp_path / "topics.toml").write_text(
        '[[topics]]\nslug = "a"\ntitle = "A"\narea = "calculus"\nprerequisites = ["b"]\n\n'
        '[[topics]]\nslug = "b"\ntitle = "B"\narea = "calculus"\nprerequisites = ["a"]\n'
    )
    with pytest.raises(ContentError) as info:
        load_bank(tmp_path)
    assert "cycle" in info.value.message
    assert info.value.path.endswith("topics.toml")
    assert info.value.line in (2, 8)


def test_a_lenient_load_collects_broken_templates_and_keeps_the_rest(tmp_path):
    shutil.copy(TOPICS_FILE, tmp_path / "topics.toml")
    (tmp_path / "ok.toml").write_text(MINIMAL)
    shutil.copy(BROKEN / "bad_toml.toml", tmp_path / "bad_toml.toml")
    shutil.copy(BROKEN / "unknown_topic.toml", tmp_path / "unknown_topic.toml")
    bank = load_bank(tmp_path, strict=False)
    assert [t.id for t in bank.templates] == ["minimal"]
    assert sorted(Path(e.path).name for e in bank.errors) == ["bad_toml.toml", "unknown_topic.toml"]


def test_duplicate_ids_are_an_error(tmp_path):
    shutil.copy(TOPICS_FILE, tmp_path / "topics.toml")
    (tmp_path / "one.toml").write_text(MINIMAL)
    (tmp_path / "two.toml").write_text(MINIMAL)
    with pytest.raises(ContentError, match="already used"):
        load_bank(tmp_path)


def test_the_bank_loads_and_spans_every_area_and_part_kind():
    bank = load_bank()
    assert len(bank.templates) == len(template_files())
    areas = {bank.topics.by_slug[t.topic].area for t in bank.templates}
    assert areas == {"linear-algebra", "calculus", "probability", "optimization", "neural-networks"}
    kinds = {part.kind for t in bank.templates for part in t.parts}
    assert kinds >= {"expression", "number", "matrix", "equation", "set", "choice"}
    for template in bank.templates:
        folder = Path(template.source_path).parent.name
        assert folder == bank.topics.by_slug[template.topic].area, template.source_path


def test_a_placeholder_in_a_choice_text_must_name_a_value():
    text = MINIMAL.replace(
        'kind = "number"\nanswer = "a + 1"',
        'kind = "choice"\nchoices = [\n  { label = "A", text = "{{b}}", correct = "true" },\n'
        '  { label = "B", text = "no", correct = "false" },\n]',
    )
    with pytest.raises(ContentError) as info:
        parse_template(text, path="x.toml")
    assert "{{b}}" in info.value.message
    assert info.value.line == 16
