"""Analytics figures on a small class, worked out by hand."""

from __future__ import annotations

import math

import pytest

import adaptive
from quizzes import analytics
from quizzes.models import (
    Assignment,
)
from quizzes.services.learner_model import author_difficulty
from tests.conftest import right_answers

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.quizzes.analytics_class"]


def names(heatmap):
    return [row.username for row in heatmap.rows]


def test_the_heatmap_has_every_student_and_topic_with_overall_mastery(small_class, admin_user):
    heatmap = analytics.class_heatmap(viewer=admin_user)
    assert [c.slug for c in heatmap.columns] == ["first-steps", "next-steps", "side-road"]
    assert names(heatmap) == ["alice", "bob", "carol"]
    alice, bob, carol = heatmap.rows
    assert [c.mastery for c in alice.cells] == [0.9, 0.6, None]
    assert alice.attempts == 8
    assert alice.overall == pytest.approx(1.5 / 3)
    assert bob.overall == pytest.approx(0.1)
    assert carol.overall == 0.0 and carol.attempts == 0
    assert [c.band for c in alice.cells] == ["m9", "m6", "m-none"]
    assert heatmap.total_students == 3


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("first-steps", True, ["alice", "bob", "carol"]),
        ("first-steps", False, ["bob", "alice", "carol"]),
        ("next-steps", True, ["alice", "bob", "carol"]),
        ("overall", False, ["carol", "bob", "alice"]),
        ("attempts", True, ["alice", "bob", "carol"]),
        ("name", True, ["carol", "bob", "alice"]),
        ("no-such-column", False, ["alice", "bob", "carol"]),
    ],
)
def test_the_heatmap_sorts_by_any_column_with_untouched_topics_last(
    small_class, admin_user, sort, descending, expected
):
    heatmap = analytics.class_heatmap(viewer=admin_user, sort=sort, descending=descending)
    assert names(heatmap) == expected


def test_the_heatmap_pages_through_the_class(small_class, admin_user):
    second = analytics.class_heatmap(viewer=admin_user, page=2, page_size=2)
    assert names(second) == ["carol"]
    assert (second.page_count, second.has_previous, second.has_next) == (2, True, False)
    assert names(analytics.class_heatmap(viewer=admin_user, page="junk", page_size=2)) == [
        "alice",
        "bob",
    ]


def test_an_instructor_sees_only_the_students_they_assigned_work(small_class, instructor):
    assert analytics.class_heatmap(viewer=instructor).rows == ()
    assignment = Assignment.objects.create(title="Week 1", created_by=instructor)
    assignment.students.add(small_class["bob"])
    assert names(analytics.class_heatmap(viewer=instructor)) == ["bob"]


def test_the_naive_baseline_reads_the_same_grid(small_class, admin_user):
    fast = analytics.class_heatmap(viewer=admin_user).rows
    naive = analytics.naive_class_heatmap(viewer=admin_user)
    assert [(r.username, r.cells, round(r.overall, 9), r.attempts) for r in fast] == [
        (r.username, r.cells, round(r.overall, 9), r.attempts) for r in naive
    ]


def test_the_heatmap_csv_has_a_header_and_a_row_per_student(small_class, admin_user):
    rows = list(analytics.heatmap_csv_rows(viewer=admin_user))
    assert rows[0] == [
        "student_id",
        "username",
        "overall_mastery",
        "attempts",
        "first-steps",
        "next-steps",
        "side-road",
    ]
    assert rows[1][1:] == ["alice", "0.5000", 8, "0.9000", "0.6000", ""]
    assert len(rows) == 4


def test_a_template_reports_attempts_mean_difficulty_and_median_time(answered_class, admin_user):
    template = answered_class["alice"].template
    report = analytics.template_report(template=template, viewer=admin_user)
    summary = report.summary
    assert (summary.attempts, summary.students) == (4, 3)
    assert summary.mean_score == pytest.approx((0 + 1 + 1 + 0.5) / 4)
    assert (summary.first_tries, summary.first_try_correct) == (3, 1)
    assert summary.difficulty == pytest.approx(1 / 3)
    # first answers after 30 s, 10 s and min(3600 s, 20 min)
    assert report.median_seconds == 30


def test_discrimination_correlates_item_score_with_overall_mastery(answered_class, admin_user):
    template = answered_class["alice"].template
    report = analytics.template_report(template=template, viewer=admin_user)
    # item means alice 0.5, bob 1, carol 0.5; overall mastery 0.5, 0.1, 0
    # deviations (-1/6, 1/3, -1/6) and (0.3, -0.1, -0.2): r = -0.05 / sqrt(1/6 * 0.14)
    assert report.discrimination == pytest.approx(-0.05 / math.sqrt(0.14 / 6))


def test_wrong_answers_group_by_their_parsed_form(answered_class, admin_user):
    template = answered_class["alice"].template
    report = analytics.template_report(template=template, viewer=admin_user)
    key = list(right_answers(answered_class["alice"]))[0]
    assert [(w.part, w.answer, w.count, w.parsed) for w in report.wrong_answers] == [
        (key, "6", 2, True)
    ]
    assert report.wrong_answers_scanned == 2


def test_template_figures_count_only_the_instructors_students(answered_class, instructor):
    assignment = Assignment.objects.create(title="Week 1", created_by=instructor)
    assignment.students.add(answered_class["bob"].user)
    template = answered_class["bob"].template
    report = analytics.template_report(template=template, viewer=instructor)
    assert (report.summary.attempts, report.summary.first_try_correct) == (1, 1)
    assert report.discrimination is None
    assert report.wrong_answers == ()
    listed = {s.key: s for s in analytics.template_summaries(viewer=instructor)}
    assert listed[template.key].attempts == 1


def test_template_summaries_list_every_template(answered_class, admin_user, synced):
    summaries = {s.key: s for s in analytics.template_summaries(viewer=admin_user)}
    assert set(summaries) == {t.id for t in synced.templates}
    first = summaries[answered_class["alice"].template.key]
    assert (first.attempts, first.first_tries, first.first_try_correct) == (4, 3, 1)
    untouched = [s for key, s in summaries.items() if key != first.key]
    assert all(s.attempts == 0 and s.difficulty is None for s in untouched)


def test_a_students_report_replays_mastery_and_counts_hints_and_time(answered_class):
    alice = answered_class["alice"]
    report = analytics.student_report(student=alice.user)
    # The learner model applied by hand to her two answers (0, then 1; one hint shown).
    state, item = adaptive.initial_state(), {}
    expected = []
    for submission in alice.submissions.order_by("attempt_number"):
        state, item = adaptive.record_answer(
            state,
            item,
            topic=alice.topic.slug,
            template_id=str(alice.template_id),
            score=submission.score,
            hints_used=1,
            at=submission.graded_at,
            template_difficulty=author_difficulty(alice.template.difficulty),
        )
        expected.append(adaptive.topic_mastery(state, alice.topic.slug, submission.graded_at))
    assert [p.mastery for p in report.history[alice.topic.slug]] == pytest.approx(expected)
    assert expected[1] > expected[0]
    assert (report.submissions, report.graded, report.problems) == (2, 2, 1)
    assert (report.hints_revealed, report.problems_with_hints) == (1, 1)
    assert report.time_on_task_seconds == 50
    assert report.median_seconds_per_problem == 50
    assert [a.attempt_number for a in report.attempts] == [2, 1]
    assert [t.percent for t in report.topics] == [90, 60, 0]


def test_time_on_task_is_capped_per_problem(answered_class):
    carol = answered_class["carol"].user
    report = analytics.student_report(student=carol)
    assert report.time_on_task_seconds == analytics.TIME_ON_TASK_CAP.total_seconds()


@pytest.mark.parametrize(
    ("text", "kind", "options", "expected"),
    [
        ("2x", "expression", {"variables": ["x"]}, ("2*x", True)),
        ("x*2", "expression", {"variables": ["x"]}, ("2*x", True)),
        ("  2 *  x ", "expression", {"variables": ["x"]}, ("2*x", True)),
        ("2y", "expression", {"variables": ["x"]}, ("2y", False)),
        ("2 + * 3", "number", {}, ("2 + * 3", False)),
        ("b", "choice", {}, ("b", False)),
        ("9" * 300, "number", {}, ("9" * 200, False)),
    ],
)
def test_wrong_answers_are_normalised_through_the_parser(text, kind, options, expected):
    assert analytics.normalised_answer(text, kind=kind, options=options) == expected


@pytest.mark.parametrize(
    ("xs", "ys", "expected"),
    [
        ([1, 2, 3], [2, 4, 6], 1.0),
        ([1, 2, 3], [3, 2, 1], -1.0),
        ([1, 1, 1], [1, 2, 3], None),
        ([1], [1], None),
    ],
)
def test_pearson_correlation(xs, ys, expected):
    result = analytics.pearson(xs, ys)
    assert result == (pytest.approx(expected) if expected is not None else None)
