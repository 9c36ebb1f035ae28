"""Reads of timed quizzes, shaped as plain data for the API and the pages.

The release policy lives here: a student's view of an attempt carries verdicts only once the
quiz's feedback setting allows (a quiz that releases feedback immediately shows each question's
latest check while the attempt runs), and answers and worked solutions only once its solution
setting allows. Staff views carry everything. So does the audience: a student sees only the
quizzes set for everyone or for them (by name or by group)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from quizzes.models import (
    PartVerdict,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizRegrade,
    Submission,
)
from quizzes.selectors import catalog, part_prompts, solution_of
from quizzes.services.variants import variant_from_snapshot

FINISHED = (Submission.Status.GRADED, Submission.Status.INVALID, Submission.Status.FAILED)
# Submissions that do not use up a check: unreadable on the workers, or failed there.
GIVEN_BACK = (Submission.Status.INVALID, Submission.Status.FAILED)


def in_audience(user: AbstractBaseUser | AnonymousUser) -> Q:
    """Quizzes `user` is in the audience of: those without one, and those naming them or one of
    their groups."""
    students = Quiz.audience_students.through.objects
    groups = Quiz.audience_groups.through.objects
    has_audience = Q(Exists(students.filter(quiz_id=OuterRef("pk")))) | Q(
        Exists(groups.filter(quiz_id=OuterRef("pk")))
    )
    if user.pk is None:
        return ~has_audience
    named = Q(Exists(students.filter(quiz_id=OuterRef("pk"), user_id=user.pk))) | Q(
        Exists(groups.filter(quiz_id=OuterRef("pk"), group__user=user.pk))
    )
    return ~has_audience | named


def is_in_audience(*, user: AbstractBaseUser | AnonymousUser, quiz: Quiz) -> bool:
    return Quiz.objects.filter(in_audience(user), pk=quiz.pk).exists()


def is_released(policy: str, *, attempt: QuizAttempt, now: datetime) -> bool:
    if policy == Quiz.Release.IMMEDIATELY:
        return True
    if policy == Quiz.Release.AFTER_SUBMISSION:
        return attempt.submitted_at is not None
    return attempt.submitted_at is not None and now >= attempt.quiz.closes_at


def quiz_summary(quiz: Quiz) -> dict[str, Any]:
    return {
        "id": quiz.pk,
        "title": quiz.title,
        "question_count": quiz.question_count,
        "time_limit_seconds": quiz.time_limit_seconds,
        "attempts_allowed": quiz.attempts_allowed,
        "opens_at": quiz.opens_at.isoformat(),
        "closes_at": quiz.closes_at.isoformat(),
        "feedback_release": quiz.feedback_release,
        "solution_release": quiz.solution_release,
        "shuffle_questions": quiz.shuffle_questions,
        "checks_per_question": quiz.checks_per_question,
    }


def audience_of(quiz: Quiz) -> dict[str, list[str]]:
    """The students and groups a quiz is set for (two queries); both empty: every student."""
    return {
        "students": sorted(quiz.audience_students.values_list("username", flat=True)),
        "groups": sorted(quiz.audience_groups.values_list("name", flat=True)),
    }


def quiz_detail(quiz: Quiz, *, for_staff: bool) -> dict[str, Any]:
    view = quiz_summary(quiz)
    if for_staff:
        view["pool"] = [
            {
                "topic": entry.topic.slug if entry.topic else None,
                "template": entry.template.key if entry.template else None,
                "count": entry.count,
            }
            for entry in quiz.pool.select_related("topic", "template")
        ]
        view["audience"] = audience_of(quiz)
    return view


def quizzes_for(*, user: AbstractBaseUser, for_staff: bool) -> list[dict[str, Any]]:
    """Every quiz for staff; for a student, the quizzes set for them that have opened, with
    their attempts (two queries)."""
    now = timezone.now()
    quizzes: QuerySet[Quiz] = Quiz.objects.all()
    if not for_staff:
        quizzes = quizzes.filter(in_audience(user), opens_at__lte=now)
    quizzes = quizzes.prefetch_related(
        Prefetch(
            "attempts",
            queryset=QuizAttempt.objects.filter(user_id=user.pk).order_by("number"),
            to_attr="own_attempts",
        )
    ).annotate(attempt_count=Count("attempts", filter=Q(attempts__submitted_at__isnull=False)))
    rows = []
    for quiz in quizzes:
        own = quiz.own_attempts  # type: ignore[attr-defined]
        in_progress = next((a for a in own if a.submitted_at is None and a.deadline > now), None)
        rows.append(
            quiz_summary(quiz)
            | {
                "is_open": quiz.opens_at <= now < quiz.closes_at,
                "attempts_used": len(own),
                "in_progress": in_progress.pk if in_progress else None,
                "attempts": [
                    {"id": a.pk, "number": a.number, "submitted": a.submitted_at is not None}
                    for a in own
                ],
                "submitted_attempts": quiz.attempt_count,  # type: ignore[attr-defined]
            }
        )
    return rows


def _questions_of(attempt: QuizAttempt, *, count_checks: bool = False) -> list[QuizQuestion]:
    questions = attempt.questions.select_related(
        "problem__template", "problem__topic", "submission"
    ).prefetch_related(
        Prefetch("submission__verdicts", queryset=PartVerdict.objects.order_by("pk"))
    )
    if count_checks:
        # While the attempt runs every submission on a question's problem is a check of it.
        used = (
            Submission.objects.filter(problem_id=OuterRef("problem_id"))
            .exclude(status__in=GIVEN_BACK)
            .order_by()
            .values("problem_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        questions = questions.annotate(checks_used=Coalesce(Subquery(used), 0))
    return list(questions)


def checks_offered(quiz: Quiz) -> bool:
    return quiz.feedback_release == Quiz.Release.IMMEDIATELY and quiz.checks_per_question > 0


def _check_of(question: QuizQuestion, *, allowed: int) -> dict[str, Any]:
    """A question's checks while the attempt runs: how many are left and the latest one (the
    answers it graded, and its verdicts once in)."""
    used = int(question.checks_used)  # type: ignore[attr-defined]
    latest = question.submission
    return {
        "allowed": allowed,
        "used": used,
        "left": max(0, allowed - used),
        "submission": latest.pk if latest else None,
        "answers": latest.answers if latest else None,
        "result": _result_of(question) if latest else None,
    }


def _result_of(question: QuizQuestion) -> dict[str, Any]:
    submission = question.submission
    if submission is None:
        return {"status": "unanswered", "score": 0.0, "parts": {}}
    if submission.status not in FINISHED:
        return {"status": "grading", "score": None, "parts": {}}
    return {
        "status": submission.status,
        "score": submission.score or 0.0,
        "parts": {
            verdict.key: {
                "status": verdict.status,
                "correct": verdict.correct,
                "score": verdict.score,
                "message": verdict.message,
                "feedback": verdict.feedback,
            }
            for verdict in submission.verdicts.all()
        },
    }


def attempt_view(
    attempt: QuizAttempt, *, for_staff: bool, now: datetime | None = None
) -> dict[str, Any]:
    """An attempt with its questions and saved answers; verdicts and solutions as released."""
    now = now or timezone.now()
    quiz = attempt.quiz
    show_feedback = for_staff or is_released(quiz.feedback_release, attempt=attempt, now=now)
    show_solution = for_staff or is_released(quiz.solution_release, attempt=attempt, now=now)
    with_checks = attempt.submitted_at is None and checks_offered(quiz)
    questions = []
    for question in _questions_of(attempt, count_checks=with_checks):
        problem = question.problem
        row: dict[str, Any] = {
            "position": question.position,
            "title": problem.template.title,
            "topic": problem.topic.slug,
            "statement": variant_from_snapshot(problem.snapshot).statement_html,
            "parts": part_prompts(problem),
            "answers": question.answers,
            "saved_sequence": question.saved_sequence,
            "saved_at": question.saved_at.isoformat() if question.saved_at else None,
        }
        if show_feedback and attempt.submitted_at is not None:
            row["result"] = _result_of(question)
        if with_checks:
            row["check"] = _check_of(question, allowed=quiz.checks_per_question)
        if show_solution:
            row["solution"] = solution_of(problem)
        questions.append(row)
    seconds_left = max(0.0, (attempt.deadline - now).total_seconds())
    view: dict[str, Any] = {
        "id": attempt.pk,
        "quiz": {"id": quiz.pk, "title": quiz.title},
        "user": attempt.user.get_username() if for_staff else None,
        "number": attempt.number,
        "status": "submitted" if attempt.submitted_at else "in_progress",
        "started_at": attempt.started_at.isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "seconds_left": 0.0 if attempt.submitted_at else round(seconds_left, 1),
        "extra_seconds": attempt.extra_seconds,
        "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
        "expired": attempt.expired,
        "feedback_released": show_feedback,
        "solutions_released": show_solution,
        "checks_offered": with_checks,
        "score": attempt.score if show_feedback else None,
        "questions": questions,
    }
    if show_feedback and attempt.submitted_at is not None:
        results = [q["result"] for q in questions]
        if all(r["status"] != "grading" for r in results) and results:
            view["score"] = sum(r["score"] or 0.0 for r in results) / len(results)
    return view


def attempts_of_quiz(quiz: Quiz) -> list[dict[str, Any]]:
    """Every attempt at a quiz, for its instructor (one query)."""
    now = timezone.now()
    return [
        {
            "id": attempt.pk,
            "user": attempt.user.get_username(),
            "number": attempt.number,
            "status": "submitted" if attempt.submitted_at else "in_progress",
            "started_at": attempt.started_at.isoformat(),
            "deadline": attempt.deadline.isoformat(),
            "seconds_left": 0.0
            if attempt.submitted_at
            else round(max(0.0, (attempt.deadline - now).total_seconds()), 1),
            "extra_seconds": attempt.extra_seconds,
            "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
            "expired": attempt.expired,
            "score": attempt.score,
            "answered": attempt.answered,  # type: ignore[attr-defined]
        }
        for attempt in quiz.attempts.select_related("user")
        .annotate(answered=Count("questions", filter=Q(questions__saved_at__isnull=False)))
        .order_by("user__username", "number")
    ]


def own_attempts(*, user: AbstractBaseUser, quiz: Quiz) -> list[dict[str, Any]]:
    return [
        {
            "id": attempt.pk,
            "number": attempt.number,
            "status": "submitted" if attempt.submitted_at else "in_progress",
            "started_at": attempt.started_at.isoformat(),
            "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
        }
        for attempt in QuizAttempt.objects.filter(quiz=quiz, user_id=user.pk).order_by("number")
    ]


def templates_in_quiz(quiz: Quiz) -> list[dict[str, Any]]:
    """The templates served in a quiz's attempts, for the regrade form."""
    rows = (
        QuizQuestion.objects.filter(attempt__quiz=quiz)
        .values("problem__template_id", "problem__template__key", "problem__template__title")
        .annotate(n=Count("pk"))
        .order_by("problem__template__key")
    )
    return [
        {
            "id": row["problem__template_id"],
            "key": row["problem__template__key"],
            "title": row["problem__template__title"],
            "questions": row["n"],
        }
        for row in rows
    ]


def pool_choices() -> list[dict[str, Any]]:
    """Topics with servable templates, for the quiz form's pool help (the cached catalog)."""
    served = catalog()
    return [
        {
            "slug": topic.slug,
            "title": topic.title,
            "templates": [
                {"key": t.key, "title": t.title} for t in served.templates_by_topic[topic.pk]
            ],
        }
        for topic in served.topics
        if served.templates_by_topic.get(topic.pk)
    ]


def _regrades() -> QuerySet[QuizRegrade]:
    return QuizRegrade.objects.select_related("template").annotate(
        sent=Count("submissions", distinct=True),
        graded=Count("submissions", filter=Q(submissions__status__in=FINISHED), distinct=True),
    )


def regrade_view(regrade: QuizRegrade) -> dict[str, Any]:
    """A regrade's progress: `done` of `total` questions gone through by the worker; `sent` new
    submissions of which `graded` have their verdict. Finished once the worker is through and
    every verdict is in."""
    sent = int(getattr(regrade, "sent", 0))
    graded = int(getattr(regrade, "graded", 0))
    return {
        "id": regrade.pk,
        "template": regrade.template.key,
        "title": regrade.template.title,
        "status": regrade.status,
        "total": regrade.total,
        "done": regrade.done,
        "sent": sent,
        "graded": graded,
        "finished": regrade.status == QuizRegrade.Status.FINISHED and graded >= sent,
        "message": regrade.message,
        "created_at": regrade.created_at.isoformat(),
        "finished_at": regrade.finished_at.isoformat() if regrade.finished_at else None,
    }


def regrade_of(regrade_id: int) -> dict[str, Any]:
    return regrade_view(_regrades().get(pk=regrade_id))


def regrades_of_quiz(quiz: Quiz, *, limit: int = 5) -> list[dict[str, Any]]:
    """The quiz's latest regrades, newest first (one query)."""
    return [regrade_view(regrade) for regrade in _regrades().filter(quiz=quiz)[:limit]]
