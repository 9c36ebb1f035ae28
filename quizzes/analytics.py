"""Reads behind the instructor and admin analytics: the class heatmap, a student's progress and
per-template statistics. Every figure is computed from stored rows; nothing here writes.

Who is counted: admins see every student; an instructor sees the students of the assignments
they created. The heatmap grid is one aggregate query whatever the number of students."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, FloatField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

import adaptive
from grading import MathInputError, parse, to_text
from quizzes.models import (
    Assignment,
    LearnerTopicState,
    Problem,
    ProblemTemplate,
    Submission,
    Topic,
)
from quizzes.permissions import ADMINS, STUDENTS, AnyUser
from quizzes.services.learner_model import author_difficulty

HEATMAP_PAGE_SIZE = 100
# Time between serving a problem and answering it counts as work up to this long; beyond it the
# student most likely walked away, and one idle night should not swamp a median or a total.
TIME_ON_TASK_CAP = timedelta(minutes=20)
RECENT_ATTEMPTS = 50
REPLAYED_ANSWERS = 5000
# Wrong answers are read back through the parser; only the latest ones, each of bounded length.
WRONG_ANSWERS_SCANNED = 2000
WRONG_ANSWER_MAX_CHARS = 200
COMMON_WRONG_ANSWERS = 15
PARSED_KINDS = frozenset({"expression", "number", "matrix", "equation", "set"})
MIN_STUDENTS_FOR_DISCRIMINATION = 3


def is_admin(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    groups = user.groups  # type: ignore[union-attr,attr-defined]
    return bool(groups.filter(name=ADMINS).exists())


def visible_students(*, viewer: AnyUser) -> QuerySet[Any]:
    """Students whose progress `viewer` may read: all of them for an admin, those assigned work
    by `viewer` for an instructor. A lazy queryset, used as a subquery by the reads below."""
    students = get_user_model().objects.filter(groups__name=STUDENTS)
    if is_admin(viewer):
        return students
    assigned = Assignment.students.through.objects.filter(assignment__created_by_id=viewer.pk)
    return students.filter(pk__in=assigned.values("user_id"))


def access_student(*, viewer: AnyUser, student_id: int) -> Any:
    """The student if `viewer` may read their progress; 404 otherwise (existence never leaks)."""
    student = visible_students(viewer=viewer).filter(pk=student_id).first()
    if student is None:
        raise Http404("No such student.")
    return student


def access_template(*, key: str) -> ProblemTemplate:
    template = ProblemTemplate.objects.select_related("topic").filter(key=key).first()
    if template is None:
        raise Http404("No such template.")
    return template


# The class heatmap ---------------------------------------------------------------------------


def mastery_band(mastery: float | None) -> str:
    """A CSS class per tenth of mastery, `m-none` for a topic never practised."""
    if mastery is None:
        return "m-none"
    return f"m{min(10, max(0, math.floor(10 * mastery)))}"


@dataclass(frozen=True)
class HeatmapCell:
    mastery: float | None

    @property
    def percent(self) -> int | None:
        return None if self.mastery is None else round(100 * self.mastery)

    @property
    def band(self) -> str:
        return mastery_band(self.mastery)


@dataclass(frozen=True)
class HeatmapRow:
    student_id: int
    username: str
    cells: tuple[HeatmapCell, ...]
    overall: float
    attempts: int

    @property
    def overall_percent(self) -> int:
        return round(100 * self.overall)


@dataclass(frozen=True)
class HeatmapColumn:
    slug: str
    title: str
    area: str


@dataclass(frozen=True)
class Heatmap:
    columns: tuple[HeatmapColumn, ...]
    rows: tuple[HeatmapRow, ...]
    total_students: int
    sort: str
    descending: bool
    page_number: int
    page_count: int

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.page_count


HEATMAP_FIXED_SORTS = ("name", "overall", "attempts")


def _grid(
    *, viewer: AnyUser, topics: Sequence[Topic], sort: str, descending: bool
) -> QuerySet[Any]:
    """One row per student: mastery in each topic, the mean over all topics (never practised
    counts as zero) and the total attempts, aggregated by the database."""
    aggregates: dict[str, Any] = {
        f"m_{topic.pk}": Max("topic_states__mastery", filter=Q(topic_states__topic_id=topic.pk))
        for topic in topics
    }
    total = Coalesce(Sum("topic_states__mastery"), Value(0.0), output_field=FloatField())
    grid = visible_students(viewer=viewer).annotate(
        **aggregates,
        overall=total / Value(float(max(1, len(topics)))),
        attempts_total=Coalesce(Sum("topic_states__attempts"), Value(0)),
    )
    by_slug = {topic.slug: topic for topic in topics}
    if sort in by_slug:
        column = F(f"m_{by_slug[sort].pk}")
    elif sort == "overall":
        column = F("overall")
    elif sort == "attempts":
        column = F("attempts_total")
    else:
        column = F("username")
    ordered = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return grid.order_by(ordered, "username", "pk").values(
        "pk", "username", "overall", "attempts_total", *aggregates
    )


def _heatmap_row(record: Mapping[str, Any], topics: Sequence[Topic]) -> HeatmapRow:
    return HeatmapRow(
        student_id=record["pk"],
        username=record["username"],
        cells=tuple(HeatmapCell(mastery=record[f"m_{topic.pk}"]) for topic in topics),
        overall=float(record["overall"] or 0.0),
        attempts=int(record["attempts_total"] or 0),
    )


def heatmap_sort(sort: str | None, topics: Iterable[Topic]) -> str:
    """The requested sort key if it names a column, else sorting by name."""
    if sort and (sort in HEATMAP_FIXED_SORTS or sort in {topic.slug for topic in topics}):
        return sort
    return "name"


def class_heatmap(
    *,
    viewer: AnyUser,
    sort: str | None = None,
    descending: bool = False,
    page: int | str | None = 1,
    page_size: int = HEATMAP_PAGE_SIZE,
) -> Heatmap:
    """Students × topics, sorted in the database by any column, one page of rows. Three queries
    (topics, student count, grid) whatever the number of students or topics."""
    topics = list(Topic.objects.only("pk", "slug", "title", "area", "position"))
    chosen = heatmap_sort(sort, topics)
    total = visible_students(viewer=viewer).count()
    page_count = max(1, math.ceil(total / page_size))
    try:
        page_number = min(page_count, max(1, int(page or 1)))
    except ValueError:
        page_number = 1
    start = (page_number - 1) * page_size
    grid = _grid(viewer=viewer, topics=topics, sort=chosen, descending=descending)
    return Heatmap(
        columns=tuple(HeatmapColumn(slug=t.slug, title=t.title, area=t.area) for t in topics),
        rows=tuple(_heatmap_row(record, topics) for record in grid[start : start + page_size]),
        total_students=total,
        sort=chosen,
        descending=descending,
        page_number=page_number,
        page_count=page_count,
    )


def heatmap_csv_rows(*, viewer: AnyUser, sort: str | None = None) -> Iterator[list[Any]]:
    """The whole grid as CSV rows (header first), streamed from one query."""
    topics = list(Topic.objects.only("pk", "slug", "title", "area", "position"))
    grid = _grid(viewer=viewer, topics=topics, sort=heatmap_sort(sort, topics), descending=False)
    yield ["student_id", "username", "overall_mastery", "attempts", *(t.slug for t in topics)]
    for record in grid.iterator(chunk_size=500):
        row = _heatmap_row(record, topics)
        yield [
            row.student_id,
            row.username,
            f"{row.overall:.4f}",
            row.attempts,
            *("" if cell.mastery is None else f"{cell.mastery:.4f}" for cell in row.cells),
        ]


def naive_class_heatmap(*, viewer: AnyUser) -> list[HeatmapRow]:
    """The same grid read one student at a time: the baseline the dashboard benchmark compares
    against (one query per student). Never used by a page."""
    topics = list(Topic.objects.all())
    rows = []
    for student in visible_students(viewer=viewer).order_by("username"):
        states = {s.topic_id: s for s in LearnerTopicState.objects.filter(user=student)}
        cells = tuple(
            HeatmapCell(mastery=states[t.pk].mastery if t.pk in states else None) for t in topics
        )
        rows.append(
            HeatmapRow(
                student_id=student.pk,
                username=student.username,
                cells=cells,
                overall=sum(c.mastery or 0.0 for c in cells) / max(1, len(topics)),
                attempts=sum(s.attempts for s in states.values()),
            )
        )
    return rows


# One student ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicProgress:
    slug: str
    title: str
    mastery: float
    attempts: int
    correct: int
    last_practised_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.mastery)

    @property
    def band(self) -> str:
        return mastery_band(self.mastery if self.attempts else None)


@dataclass(frozen=True)
class MasteryPoint:
    at: datetime
    mastery: float


@dataclass(frozen=True)
class AttemptRow:
    submission_id: int
    at: datetime
    template_key: str
    topic_slug: str
    attempt_number: int
    status: str
    score: float | None
    correct: bool | None
    hints_revealed: int
    seconds: float | None


@dataclass(frozen=True)
class StudentReport:
    student_id: int
    username: str
    topics: tuple[TopicProgress, ...]
    history: Mapping[str, tuple[MasteryPoint, ...]]
    attempts: tuple[AttemptRow, ...]
    submissions: int
    graded: int
    problems: int
    problems_with_hints: int
    hints_revealed: int
    time_on_task_seconds: float
    median_seconds_per_problem: float | None


def capped_seconds(start: datetime, end: datetime) -> float:
    return max(0.0, min(end - start, TIME_ON_TASK_CAP).total_seconds())


@dataclass(frozen=True)
class GradedAnswer:
    at: datetime
    topic: str
    template_id: int
    template_difficulty: int
    score: float
    hints: int


def replay_mastery(graded: Iterable[GradedAnswer]) -> dict[str, tuple[MasteryPoint, ...]]:
    """Each topic's mastery after each graded answer, replaying the adaptive learner model from
    a fresh state over the answers in time order. What the replay cannot see: a diagnostic's
    seeded estimates, what other students' answers taught the model about each template (each
    template starts from its author difficulty here), and hints opened after grading (a problem
    stores only how many hints it shows now)."""
    state = adaptive.initial_state()
    items: dict[int, Any] = {}
    points: dict[str, list[MasteryPoint]] = defaultdict(list)
    for answer in graded:
        state, items[answer.template_id] = adaptive.record_answer(
            state,
            items.get(answer.template_id, {}),
            topic=answer.topic,
            template_id=str(answer.template_id),
            score=min(1.0, max(0.0, answer.score)),
            hints_used=max(0, answer.hints),
            at=answer.at,
            template_difficulty=answer.template_difficulty,
        )
        mastery = adaptive.topic_mastery(state, answer.topic, answer.at)
        points[answer.topic].append(MasteryPoint(at=answer.at, mastery=mastery))
    return {topic: tuple(series) for topic, series in points.items()}


def student_report(*, student: Any, recent: int = RECENT_ATTEMPTS) -> StudentReport:
    """Mastery per topic now and over time, recent attempts, hint use and time on task."""
    states = {
        state.topic_id: state
        for state in LearnerTopicState.objects.filter(user=student).select_related("topic")
    }
    topics = tuple(
        TopicProgress(
            slug=topic.slug,
            title=topic.title,
            mastery=states[topic.pk].mastery if topic.pk in states else 0.0,
            attempts=states[topic.pk].attempts if topic.pk in states else 0,
            correct=states[topic.pk].correct if topic.pk in states else 0,
            last_practised_at=states[topic.pk].last_practised_at if topic.pk in states else None,
        )
        for topic in Topic.objects.all()
    )
    # The latest answers only, so one page never replays an unbounded history.
    graded_rows = list(
        Submission.objects.filter(user=student, status=Submission.Status.GRADED)
        .order_by("-graded_at", "-pk")
        .values_list(
            "graded_at",
            "created_at",
            "score",
            "problem__hints_revealed",
            "problem__topic__slug",
            "problem__template_id",
            "problem__template__difficulty",
        )[:REPLAYED_ANSWERS]
    )
    graded_rows.reverse()
    history = replay_mastery(
        GradedAnswer(
            at=graded_at or created_at,
            topic=slug,
            template_id=template_id,
            template_difficulty=author_difficulty(difficulty),
            score=float(score or 0.0),
            hints=hints,
        )
        for graded_at, created_at, score, hints, slug, template_id, difficulty in graded_rows
    )
    graded = Submission.objects.filter(user=student, status=Submission.Status.GRADED).count()

    problems = list(
        Problem.objects.filter(user=student)
        .annotate(last_answer=Max("submissions__created_at"))
        .values_list("created_at", "last_answer", "hints_revealed")
    )
    per_problem = [capped_seconds(start, end) for start, end, _ in problems if end is not None]
    recent_rows = (
        Submission.objects.filter(user=student)
        .select_related("problem__template", "problem__topic")
        .order_by("-created_at", "-pk")[:recent]
    )
    return StudentReport(
        student_id=student.pk,
        username=student.username,
        topics=topics,
        history=history,
        attempts=tuple(attempt_row(s) for s in recent_rows),
        submissions=Submission.objects.filter(user=student).count(),
        graded=graded,
        problems=len(problems),
        problems_with_hints=sum(1 for _, _, hints in problems if hints),
        hints_revealed=sum(hints for _, _, hints in problems),
        time_on_task_seconds=sum(per_problem),
        median_seconds_per_problem=statistics.median(per_problem) if per_problem else None,
    )


def attempt_row(submission: Submission) -> AttemptRow:
    problem = submission.problem
    return AttemptRow(
        submission_id=submission.pk,
        at=submission.created_at,
        template_key=problem.template.key,
        topic_slug=problem.topic.slug,
        attempt_number=submission.attempt_number,
        status=submission.status,
        score=submission.score,
        correct=submission.correct,
        hints_revealed=problem.hints_revealed,
        seconds=capped_seconds(problem.created_at, submission.created_at),
    )


def student_attempts(*, student: Any) -> Iterator[AttemptRow]:
    """Every submission of the student, newest first (for the CSV export)."""
    rows = (
        Submission.objects.filter(user=student)
        .select_related("problem__template", "problem__topic")
        .order_by("-created_at", "-pk")
    )
    for submission in rows.iterator(chunk_size=500):
        yield attempt_row(submission)


# Templates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSummary:
    key: str
    title: str
    topic_slug: str
    attempts: int
    students: int
    mean_score: float | None
    first_tries: int
    first_try_correct: int

    @property
    def difficulty(self) -> float | None:
        """Share of problems answered correctly at the first try (higher is easier)."""
        return self.first_try_correct / self.first_tries if self.first_tries else None


@dataclass(frozen=True)
class WrongAnswer:
    part: str
    answer: str
    count: int
    parsed: bool


@dataclass(frozen=True)
class TemplateReport:
    summary: TemplateSummary
    discrimination: float | None
    median_seconds: float | None
    wrong_answers: tuple[WrongAnswer, ...]
    wrong_answers_scanned: int


def _graded_of(viewer: AnyUser) -> QuerySet[Submission]:
    return Submission.objects.filter(
        status=Submission.Status.GRADED, user_id__in=visible_students(viewer=viewer).values("pk")
    )


SUMMARY_AGGREGATES: Mapping[str, Any] = {
    "attempts": Count("pk"),
    "students": Count("user_id", distinct=True),
    "mean_score": Avg("score"),
    "first_tries": Count("pk", filter=Q(attempt_number=1)),
    "first_try_correct": Count("pk", filter=Q(attempt_number=1, correct=True)),
}


def template_summaries(*, viewer: AnyUser) -> list[TemplateSummary]:
    """Every template with its counts over the viewer's students: two queries."""
    counted = {
        row["problem__template_id"]: row
        for row in _graded_of(viewer)
        .values("problem__template_id")
        .annotate(**SUMMARY_AGGREGATES)
        .order_by()
    }
    summaries = []
    for template in ProblemTemplate.objects.select_related("topic").order_by(
        "topic__position", "key"
    ):
        row = counted.get(template.pk, {})
        summaries.append(_summary(template, row))
    return summaries


def _summary(template: ProblemTemplate, row: Mapping[str, Any]) -> TemplateSummary:
    return TemplateSummary(
        key=template.key,
        title=template.title,
        topic_slug=template.topic.slug,
        attempts=row.get("attempts", 0),
        students=row.get("students", 0),
        mean_score=row.get("mean_score"),
        first_tries=row.get("first_tries", 0),
        first_try_correct=row.get("first_try_correct", 0),
    )


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Correlation of two equally long samples; None when either does not vary."""
    if len(xs) != len(ys) or len(xs) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def normalised_answer(text: str, *, kind: str, options: Mapping[str, Any]) -> tuple[str, bool]:
    """The answer as the parser reads it back (so `2x`, `2*x` and `x*2` group together), or
    the trimmed raw text when it does not parse or is not math."""
    raw = " ".join(str(text).split())
    if kind not in PARSED_KINDS or not raw or len(raw) > WRONG_ANSWER_MAX_CHARS:
        return raw[:WRONG_ANSWER_MAX_CHARS], False
    try:
        value = parse(
            raw,
            variables=tuple(options.get("variables") or ()),
            allow_complex=bool(options.get("complex", False)),
        )
    except (MathInputError, ValueError, TypeError, RecursionError):
        return raw, False
    return to_text(value), True


def common_wrong_answers(
    *, template: ProblemTemplate, viewer: AnyUser, limit: int = COMMON_WRONG_ANSWERS
) -> tuple[tuple[WrongAnswer, ...], int]:
    """The most frequent wrong answers per part, grouped by parsed form, with counts; and how
    many wrong part answers were read (the latest WRONG_ANSWERS_SCANNED)."""
    wrong = (
        _graded_of(viewer)
        .filter(problem__template=template, verdicts__correct=False, verdicts__status="graded")
        .order_by("-created_at", "-pk")
        .values_list("answers", "verdicts__key", "problem__snapshot")[:WRONG_ANSWERS_SCANNED]
    )
    counts: Counter[tuple[str, str, bool]] = Counter()
    seen: dict[tuple[str, str], tuple[str, bool]] = {}
    scanned = 0
    for answers, key, snapshot in wrong:
        text = (answers or {}).get(key)
        if not isinstance(text, str):
            continue
        scanned += 1
        memo = (key, text)
        if memo not in seen:
            part: dict[str, Any] = next(
                (p for p in snapshot.get("parts", []) if p.get("key") == key), {}
            )
            seen[memo] = normalised_answer(
                text, kind=part.get("kind", ""), options=part.get("options") or {}
            )
        answer, parsed = seen[memo]
        counts[(key, answer, parsed)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    return (
        tuple(
            WrongAnswer(part=key, answer=answer, count=count, parsed=parsed)
            for (key, answer, parsed), count in ranked[:limit]
        ),
        scanned,
    )


def template_report(*, template: ProblemTemplate, viewer: AnyUser) -> TemplateReport:
    """Attempts, mean score, difficulty, discrimination (correlation across students of their
    mean score on this template with their overall mastery), median time to the first answer
    and the most common wrong answers."""
    graded = _graded_of(viewer).filter(problem__template=template)
    totals = graded.aggregate(**SUMMARY_AGGREGATES)
    topic_count = max(1, Topic.objects.count())
    per_student = list(graded.values("user_id").annotate(item=Avg("score")).order_by())
    overall = dict(
        LearnerTopicState.objects.filter(user_id__in=[row["user_id"] for row in per_student])
        .values("user_id")
        .annotate(total=Sum("mastery"))
        .order_by()
        .values_list("user_id", "total")
    )
    discrimination = None
    if len(per_student) >= MIN_STUDENTS_FOR_DISCRIMINATION:
        discrimination = pearson(
            [float(row["item"] or 0.0) for row in per_student],
            [float(overall.get(row["user_id"], 0.0)) / topic_count for row in per_student],
        )
    first_answers = graded.filter(attempt_number=1).values_list("problem__created_at", "created_at")
    seconds = [capped_seconds(start, end) for start, end in first_answers]
    wrong, scanned = common_wrong_answers(template=template, viewer=viewer)
    return TemplateReport(
        summary=_summary(template, {k: v for k, v in totals.items() if v is not None}),
        discrimination=discrimination,
        median_seconds=statistics.median(seconds) if seconds else None,
        wrong_answers=wrong,
        wrong_answers_scanned=scanned,
    )
