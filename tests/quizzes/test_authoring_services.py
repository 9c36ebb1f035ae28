"""Authoring services: checking a source with errors at their lines, previews, trying answers,
publishing versions, new templates, and lossless import/export."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest

from quizzes.models import ProblemTemplate, TemplateVersion
from quizzes.services import authoring
from quizzes.services.authoring import SourceRejected

pytestmark = pytest.mark.django_db


def starter(key: str = "authored-quadratic", topic: str = "first-steps") -> str:
    return authoring.starter_source(key=key, topic=topic, title="A quadratic")


@pytest.fixture
def authored(synced: Any) -> ProblemTemplate:
    return authoring.create_template(source=starter(key="authored-template"))


def current(template: ProblemTemplate) -> ProblemTemplate:
    return ProblemTemplate.objects.select_related("current_version").get(pk=template.pk)


def test_the_starter_template_checks_clean(synced: Any) -> None:
    check = authoring.check_source(source=starter())
    assert check.ok, check.problems
    assert check.to_dict()["id"] == "authored-quadratic"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("difficulty = 1", "difficulty = 9"), 5, "difficulty"),
        (('answer = "2*a*x + b"', 'answer = "2*a*x + * b"'), 20, "answer"),
        (('topic = "first-steps"', 'topic = "no-such-topic"'), 4, "no topic"),
        (("[parameters]", "[parameters"), 12, "TOML"),
        (('answer = "a*x + b"', 'answer = "2*a*x + b"'), 24, "grades correct"),
    ],
)
def test_a_broken_source_reports_the_problem_at_its_line(
    synced: Any, change: tuple[str, str], line: int, words: str
) -> None:
    source = starter()
    assert change[0] in source
    check = authoring.check_source(source=source.replace(change[0], change[1], 1))
    assert not check.ok
    assert any(p.line == line and words in p.message for p in check.problems), check.problems


def test_editing_a_template_cannot_change_its_id(authored: ProblemTemplate) -> None:
    template = current(authored)
    source = template.current_version.source_text.replace(template.key, "something-else", 1)
    check = authoring.check_source(source=source, expected_key=template.key)
    assert [p.line for p in check.problems if "id must stay" in p.message] == [1]


def test_an_oversized_source_is_refused_before_parsing(synced: Any) -> None:
    check = authoring.check_source(source="#" * (authoring.SOURCE_MAX_CHARS + 1))
    assert not check.ok
    assert "longer than" in check.problems[0].message


def test_previews_show_distinct_seeds_with_answers_and_solution(synced: Any) -> None:
    check, previews = authoring.preview_variants(source=starter(), count=3, first_seed=7)
    assert check.template is not None
    assert [p.seed for p in previews] == [7, 8, 9]
    for preview in previews:
        assert preview.variant is not None
        assert preview.variant["statement_html"]
        assert preview.variant["solution_html"]
        assert preview.variant["parts"][0]["answer"]


def test_a_preview_asks_for_at_most_the_limit(synced: Any) -> None:
    _, previews = authoring.preview_variants(source=starter(), count=50)
    assert len(previews) == authoring.PREVIEW_MAX


@pytest.mark.parametrize(
    ("answer", "correct", "feedback"),
    [
        ("right", True, ""),
        ("mistake", False, "exponent comes down"),
        ("2 + * 3", False, ""),
    ],
)
def test_trying_an_answer_grades_it_like_a_students(
    synced: Any, answer: str, correct: bool, feedback: str
) -> None:
    _, previews = authoring.preview_variants(source=starter(), count=1, first_seed=3)
    values = previews[0].variant["values"]
    a, b = int(values["a"]), int(values["b"])
    typed = {"right": f"{2 * a}x + {b}", "mistake": f"{a}x + {b}"}.get(answer, answer)
    verdict = authoring.try_answer(source=starter(), seed=3, part_key="derivative", answer=typed)
    assert verdict.correct is correct
    assert feedback in " ".join(verdict.feedback)


def test_trying_an_unknown_part_is_invalid(synced: Any) -> None:
    verdict = authoring.try_answer(source=starter(), seed=0, part_key="nope", answer="1")
    assert verdict.status == "invalid"


def test_publishing_adds_a_version_and_earlier_problems_keep_theirs(
    authored: ProblemTemplate, make_problem: Any, student_a: Any
) -> None:
    template = current(authored)
    problem = make_problem(student_a, template.key)
    old = template.current_version
    edited = old.source_text + "\n# clarified wording\n"
    version = authoring.publish_template_version(template=template, source=edited)
    assert version.number == old.number + 1
    assert version.source_text == edited
    problem.refresh_from_db()
    assert problem.template_version_id == old.pk
    assert current(authored).current_version_id == version.pk


def test_publishing_the_same_text_again_adds_nothing(authored: ProblemTemplate) -> None:
    template = current(authored)
    before = TemplateVersion.objects.count()
    version = authoring.publish_template_version(
        template=template, source=template.current_version.source_text
    )
    assert version.pk == template.current_version_id
    assert TemplateVersion.objects.count() == before


def test_publishing_a_broken_source_is_refused_and_stores_nothing(
    authored: ProblemTemplate,
) -> None:
    template = current(authored)
    before = TemplateVersion.objects.count()
    broken = template.current_version.source_text.replace("difficulty = 1", "difficulty = 0")
    with pytest.raises(SourceRejected) as raised:
        authoring.publish_template_version(template=template, source=broken)
    assert raised.value.check.problems[0].line == 5
    assert TemplateVersion.objects.count() == before


def test_a_new_template_from_the_starter_is_served_at_version_one(synced: Any) -> None:
    template = authoring.create_template(source=starter())
    assert template.current_version.number == 1
    assert template.topic.slug == "first-steps"
    assert template.item_state.difficulty == 1.0


def test_a_new_template_cannot_take_an_existing_id(synced: Any) -> None:
    taken = synced.templates[0].id
    with pytest.raises(SourceRejected) as raised:
        authoring.create_template(source=starter(key=taken))
    assert "exists" in raised.value.check.problems[0].message


def test_a_duplicate_gets_the_new_id_and_the_same_body(authored: ProblemTemplate) -> None:
    original = current(authored)
    source = authoring.duplicate_source(template=original, key="copied-template")
    copy = authoring.create_template(source=source)
    assert copy.key == "copied-template"
    assert copy.title.endswith("(copy)")
    assert copy.topic_id == original.topic_id


def test_export_then_import_round_trips_byte_for_byte(authored: ProblemTemplate) -> None:
    templates = list(ProblemTemplate.objects.select_related("current_version"))
    archive = authoring.export_zip(templates=templates)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        for template in templates:
            stored = opened.read(authoring.exported_name(template))
            assert stored == template.current_version.source_text.encode("utf-8")
    report = authoring.import_sources(files=[("bank.zip", archive)])
    assert sorted(report.unchanged) == sorted(t.key for t in templates)
    assert not report.created and not report.updated and not report.rejected
    assert authoring.export_zip(templates=templates) == archive


def test_importing_a_new_file_with_crlf_lines_keeps_its_exact_bytes(synced: Any) -> None:
    data = starter(key="windows-file").replace("\n", "\r\n").encode("utf-8")
    report = authoring.import_sources(files=[("windows-file.toml", data)])
    assert report.created == ("windows-file",)
    template = ProblemTemplate.objects.select_related("current_version").get(key="windows-file")
    assert authoring.export_source(template=template) == data


def test_importing_a_changed_file_publishes_a_new_version(authored: ProblemTemplate) -> None:
    template = current(authored)
    data = (template.current_version.source_text + "\n# note\n").encode("utf-8")
    report = authoring.import_sources(files=[("changed.toml", data)])
    assert report.updated == (template.key,)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("latin1.toml", 'title = "caf\xe9"'.encode("latin-1"), "UTF-8"),
        ("broken.zip", b"not a zip", "zip"),
        ("bad.toml", b"id = ", "TOML"),
        ("huge.toml", None, "too large"),
    ],
)
def test_an_unreadable_import_is_rejected_with_a_reason(
    synced: Any, name: str, data: bytes | None, words: str
) -> None:
    report = authoring.import_sources(files=[(name, data)])
    assert [entry[0] for entry in report.rejected] == [name]
    assert words in report.rejected[0][1][0].message


def test_a_zip_member_that_expands_past_the_limit_is_rejected_unread(synced: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("huge.toml", b"#" * (authoring.SOURCE_MAX_CHARS * 4 + 10))
    report = authoring.import_sources(files=[("bomb.zip", buffer.getvalue())])
    assert report.rejected[0][0] == "huge.toml"


def test_syncing_the_bank_keeps_templates_authored_in_the_browser(
    authored: ProblemTemplate, bank_slice: Any
) -> None:
    from quizzes.services.content_sync import sync_content

    report = sync_content(bank=bank_slice)
    assert authored.key not in report.deactivated
    assert current(authored).is_active


def test_syncing_the_bank_does_not_overwrite_a_version_published_in_the_browser(
    synced: Any,
) -> None:
    from quizzes.services.content_sync import sync_content

    template = ProblemTemplate.objects.select_related("current_version").get(
        key=synced.templates[0].id
    )
    # The slice moves bank templates into its own topics, so the edit names one of those.
    source = re.sub(
        r'^topic = ".*"$',
        'topic = "first-steps"',
        template.current_version.source_text,
        count=1,
        flags=re.MULTILINE,
    )
    version = authoring.publish_template_version(template=template, source=source)
    sync_content(bank=synced)
    assert current(template).current_version_id == version.pk
