"""Analytics pages for instructors and admins: the class heatmap, a student's progress, the
templates' statistics. Every table is also a CSV download (`?format=csv`). Students get 403."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from quizzes import analytics
from quizzes.charts import Series, bar_chart, line_chart
from quizzes.permissions import is_staff_member

View = Callable[..., HttpResponseBase]
# A spreadsheet runs a cell that starts like a formula; such text is exported quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHART_TOPICS = 8


def staff_only(view: View) -> View:
    @login_required
    @require_GET
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff_member(request.user):
            raise PermissionDenied("Analytics are for instructors and admins.")
        return view(request, *args, **kwargs)

    return guarded


class _Echo:
    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines: Iterator[str] = (writer.writerow([spreadsheet_safe(v) for v in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def heatmap_rows_html(
    heatmap: analytics.Heatmap,
) -> list[tuple[analytics.HeatmapRow, SafeString]]:
    """Each row with its cells as markup in one string: a class page holds tens of thousands of
    cells, too many for template tags. Topic titles are escaped once, per column."""
    titles = [escape(column.title) for column in heatmap.columns]
    rows = []
    for row in heatmap.rows:
        cells = "".join(
            f'<td class="{cell.band}" title="{title}: '
            f'{"not practised" if cell.percent is None else f"{cell.percent}%"}">'
            f"{'' if cell.percent is None else cell.percent}</td>"
            for cell, title in zip(row.cells, titles, strict=True)
        )
        rows.append((row, mark_safe(cells)))  # noqa: S308 - escaped titles, classes, integers
    return rows


@staff_only
def heatmap(request: HttpRequest) -> HttpResponseBase:
    sort = request.GET.get("sort")
    if wants_csv(request):
        return csv_response(
            "class-heatmap.csv", analytics.heatmap_csv_rows(viewer=request.user, sort=sort)
        )
    grid = analytics.class_heatmap(
        viewer=request.user,
        sort=sort,
        descending=request.GET.get("dir") == "desc",
        page=request.GET.get("page"),
    )
    context = {"heatmap": grid, "rows": heatmap_rows_html(grid), "nav": "analytics"}
    return render(request, "quizzes/analytics/heatmap.html", context)


@staff_only
def student(request: HttpRequest, student_id: int) -> HttpResponseBase:
    found = analytics.access_student(viewer=request.user, student_id=student_id)
    if wants_csv(request):
        return csv_response(*student_table(found, request.GET.get("table")))
    report = analytics.student_report(student=found)
    practised = sorted(report.history.items(), key=lambda item: -len(item[1]))[:CHART_TOPICS]
    chart = line_chart(
        [
            Series(label=slug, points=tuple((p.at, p.mastery) for p in points))
            for slug, points in practised
        ],
        title=f"Mastery over time of {report.username}",
    )
    context = {"report": report, "chart": chart, "nav": "analytics"}
    return render(request, "quizzes/analytics/student.html", context)


def student_table(found: Any, table: str | None) -> tuple[str, Iterable[Iterable[Any]]]:
    name = found.get_username()
    if table == "topics":
        report = analytics.student_report(student=found, recent=0)
        rows = [["topic", "mastery", "attempts", "correct", "last_practised_at"]] + [
            [t.slug, f"{t.mastery:.4f}", t.attempts, t.correct, t.last_practised_at or ""]
            for t in report.topics
        ]
        return f"student-{found.pk}-topics.csv", rows
    header = [
        [
            "submission_id",
            "at",
            "template",
            "topic",
            "attempt",
            "status",
            "score",
            "correct",
            "hints_revealed",
            "seconds",
            "student",
        ]
    ]
    body = (
        [
            a.submission_id,
            a.at.isoformat(),
            a.template_key,
            a.topic_slug,
            a.attempt_number,
            a.status,
            "" if a.score is None else a.score,
            "" if a.correct is None else a.correct,
            a.hints_revealed,
            "" if a.seconds is None else round(a.seconds, 1),
            name,
        ]
        for a in analytics.student_attempts(student=found)
    )
    return f"student-{found.pk}-attempts.csv", _chain(header, body)


def _chain(*parts: Iterable[Iterable[Any]]) -> Iterator[Iterable[Any]]:
    for part in parts:
        yield from part


@staff_only
def templates(request: HttpRequest) -> HttpResponseBase:
    summaries = analytics.template_summaries(viewer=request.user)
    if wants_csv(request):
        return csv_response("templates.csv", template_rows(summaries))
    return render(
        request, "quizzes/analytics/templates.html", {"summaries": summaries, "nav": "analytics"}
    )


def template_rows(summaries: Iterable[analytics.TemplateSummary]) -> Iterator[list[Any]]:
    yield [
        "template",
        "title",
        "topic",
        "attempts",
        "students",
        "mean_score",
        "first_tries",
        "first_try_correct",
        "difficulty",
    ]
    for s in summaries:
        yield [
            s.key,
            s.title,
            s.topic_slug,
            s.attempts,
            s.students,
            "" if s.mean_score is None else f"{s.mean_score:.4f}",
            s.first_tries,
            s.first_try_correct,
            "" if s.difficulty is None else f"{s.difficulty:.4f}",
        ]


@staff_only
def template_detail(request: HttpRequest, key: str) -> HttpResponseBase:
    template = analytics.access_template(key=key)
    report = analytics.template_report(template=template, viewer=request.user)
    if wants_csv(request):
        rows = [["part", "answer", "count", "parsed"]] + [
            [w.part, w.answer, w.count, w.parsed] for w in report.wrong_answers
        ]
        return csv_response(f"template-{template.pk}-wrong-answers.csv", rows)
    chart = bar_chart(
        [(f"{w.part}: {w.answer}", float(w.count)) for w in report.wrong_answers],
        title=f"Most common wrong answers to {template.key}",
    )
    context = {"template": template, "report": report, "chart": chart, "nav": "analytics"}
    return render(request, "quizzes/analytics/template.html", context)
