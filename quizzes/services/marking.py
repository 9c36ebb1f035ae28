"""Grading a stored submission: claim it, run the grading engine on each part, store the
verdicts and fold the result into the learner state. Called by the Celery task (or in-process
when no broker is configured); safe to call twice for the same id."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

import grading
from quizzes.models import PartVerdict, Problem, Submission
from quizzes.services.progress import record_graded_attempt
from quizzes.services.variants import variant_from_snapshot
from quizzes.verdict_channel import announce_finished

log = logging.getLogger(__name__)
Status = Submission.Status


@dataclass(frozen=True)
class SweepReport:
    requeued: tuple[int, ...]
    failed: tuple[int, ...]


def stale_claim_before(now: datetime) -> datetime:
    """A claim older than this belongs to a worker that died (the hard limit has passed)."""
    return now - timedelta(seconds=settings.GRADING_TASK_HARD_SECONDS + 15)


def claimable(now: datetime) -> Q:
    return Q(status=Status.PENDING) | Q(
        status=Status.GRADING, claimed_at__lt=stale_claim_before(now)
    )


def process_identity() -> str:
    """ "<host>:<pid>" of this process, written on the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claimer_is_dead(claimed_by: str) -> bool:
    """True only when the claim was made on this host by a process that no longer exists. A
    claim from another host, or one whose process might still run, is never presumed dead here
    (the hard time limit decides those)."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user has that pid now
        return False
    return False


def claim_submission(*, submission_id: int) -> Submission | None:
    """Take the submission for grading with one conditional update, so that two workers never
    grade the same row. Returns None when it is not ours to grade."""
    now = timezone.now()
    # `claimable(now)` and the try limit, written out: this runs once per graded answer.
    claimed = execute(
        f"UPDATE {table(Submission)} SET status = %s, claimed_at = %s, tries = tries + 1, "  # noqa: S608
        "claimed_by = %s WHERE id = %s AND tries < %s "
        "AND (status = %s OR (status = %s AND claimed_at < %s))",
        [
            Status.GRADING.value,
            at(now),
            process_identity(),
            submission_id,
            settings.GRADING_MAX_TRIES,
            Status.PENDING.value,
            Status.GRADING.value,
            at(stale_claim_before(now)),
        ],
    )
    if not claimed and not take_over_dead_claim(submission_id=submission_id, now=now):
        fail_exhausted(submission_id=submission_id)
        return None
    return Submission.objects.select_related("problem").get(pk=submission_id)


def take_over_dead_claim(*, submission_id: int, now: datetime) -> bool:
    """Claim a row still marked as being graded by a process of this host that has died (a
    worker killed mid-grading, its task redelivered), without waiting for the claim to go stale.
    Its last try used up, it is marked failed instead. True when the row is now ours."""
    row = (
        Submission.objects.filter(pk=submission_id, status=Status.GRADING)
        .values_list("claimed_by", "claimed_at", "tries")
        .first()
    )
    if row is None or not row[0] or not claimer_is_dead(row[0]):
        return False
    claimed_by, claimed_at, tries = row
    same_claim = Q(status=Status.GRADING, claimed_by=claimed_by, claimed_at=claimed_at)
    if tries >= settings.GRADING_MAX_TRIES:
        mark_failed(submission_id=submission_id, condition=same_claim)
        return False
    log.warning(
        "submission %s: its grading process %s died; grading it again", submission_id, claimed_by
    )
    return bool(
        Submission.objects.filter(same_claim, pk=submission_id).update(
            claimed_at=now, tries=F("tries") + 1, claimed_by=process_identity()
        )
    )


def table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def at(moment: datetime) -> Any:
    """A datetime as the database backend takes it as a statement parameter."""
    return connection.ops.adapt_datetimefield_value(moment)


def execute(sql: str, params: list[Any]) -> int:
    """Run one statement of the grading path (written as SQL: they run once per graded answer,
    and the ORM spent longer composing them than the database spent running them); the number
    of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


FAILED_MESSAGE = "This answer could not be checked. It did not use up an attempt."


def mark_failed(*, submission_id: int, condition: Q) -> bool:
    """Set the submission to failed if `condition` still holds, and give the attempt back."""
    with transaction.atomic():
        problem_ids = list(
            Submission.objects.select_for_update()
            .filter(condition, pk=submission_id)
            .values_list("problem_id", flat=True)
        )
        if not problem_ids:
            return False
        Submission.objects.filter(pk=submission_id).update(
            status=Status.FAILED, message=FAILED_MESSAGE, graded_at=timezone.now()
        )
        Problem.objects.filter(pk=problem_ids[0], attempts_used__gt=0).update(
            attempts_used=F("attempts_used") - 1
        )
        transaction.on_commit(lambda: announce_finished(submission_id))
    # The operators' signal: error level reaches the admins' log handlers and alerting.
    log.error("submission %s marked failed: it could not be graded", submission_id)
    return True


def fail_exhausted(*, submission_id: int) -> bool:
    """Mark a submission that has used every try as failed (a poison input stops here)."""
    return mark_failed(
        submission_id=submission_id,
        condition=claimable(timezone.now()) & Q(tries__gte=settings.GRADING_MAX_TRIES),
    )


def grade_submission(*, submission_id: int) -> str:
    """Claim, grade and store. Returns the submission's final status, or "skipped"."""
    submission = claim_submission(submission_id=submission_id)
    if submission is None:
        return "skipped"
    variant = variant_from_snapshot(submission.problem.snapshot)
    results = []
    for part in variant.parts:
        verdict = grading.grade(
            part.kind, part.answer, str(submission.answers.get(part.key, "")), dict(part.options)
        )
        results.append((part, verdict))
    return store_verdicts(submission=submission, results=results)


@transaction.atomic
def store_verdicts(*, submission: Submission, results: list[tuple[Any, Any]]) -> str:
    """Write the verdicts if our claim still stands; returns the final status."""
    total_weight = sum(float(part.weight) for part, _ in results) or 1.0
    score = sum(float(part.weight) * float(v.score) for part, v in results) / total_weight
    correct = all(v.correct for _, v in results)
    invalid = [v for _, v in results if v.status == "invalid"]
    status = Status.INVALID if invalid else Status.GRADED
    now = timezone.now()
    finished = execute(
        f"UPDATE {table(Submission)} SET status = %s, score = %s, correct = %s, message = %s, "  # noqa: S608
        "graded_at = %s WHERE id = %s AND status = %s AND tries = %s",
        [
            status.value,
            score,
            correct,
            invalid[0].message if invalid else "",
            at(now),
            submission.pk,
            Status.GRADING.value,
            submission.tries,
        ],
    )
    if not finished:
        # A newer claim (after this worker was presumed dead) owns the row now.
        return "skipped"
    transaction.on_commit(lambda: announce_finished(submission.pk))
    PartVerdict.objects.bulk_create(
        PartVerdict(
            submission=submission,
            key=part.key,
            status=verdict.status,
            correct=bool(verdict.correct),
            score=float(verdict.score),
            message=verdict.message,
            feedback=list(verdict.feedback),
            latex=verdict.latex,
            elapsed_ms=float(verdict.elapsed_ms),
        )
        for part, verdict in results
    )
    problem = submission.problem
    if status == Status.INVALID:
        # Input the engine could not read never uses up an attempt.
        Problem.objects.filter(pk=problem.pk, attempts_used__gt=0).update(
            attempts_used=F("attempts_used") - 1
        )
        return status
    # The best score so far, and the solution unlocked from the first graded answer on.
    execute(
        f"UPDATE {table(Problem)} SET best_score = CASE WHEN best_score IS NULL "  # noqa: S608
        "OR best_score < %s THEN %s ELSE best_score END, "
        "solution_unlocked_at = COALESCE(solution_unlocked_at, %s) WHERE id = %s",
        [score, score, at(now), problem.pk],
    )
    record_graded_attempt(
        user_id=submission.user_id,
        topic_id=problem.topic_id,
        template_id=problem.template_id,
        score=score,
        correct=correct,
        hints_used=problem.hints_revealed,
    )
    return status


def release_submission(*, submission_id: int, reason: str) -> str:
    """Give a claimed submission back after an error: pending again while tries remain,
    failed after the last. Returns the new status."""
    log.warning("grading of submission %s interrupted: %s", submission_id, reason)
    if Submission.objects.filter(
        pk=submission_id, status=Status.GRADING, tries__lt=settings.GRADING_MAX_TRIES
    ).update(status=Status.PENDING, claimed_at=None):
        return Status.PENDING
    if mark_failed(submission_id=submission_id, condition=Q(status=Status.GRADING)):
        return Status.FAILED
    return "skipped"


def sweep_stuck_submissions(*, pending_after_seconds: float | None = None) -> SweepReport:
    """Re-enqueue submissions left pending (lost messages) or stuck in grading (dead workers:
    a stale claim, or a claim by a process of this host that has died); fail those that have
    used every try. `pending_after_seconds` overrides SWEEP_PENDING_AFTER_SECONDS (a worker
    that has just started re-enqueues every pending row: a duplicate finds the row claimed)."""
    from quizzes.tasks import grade_submission_task

    now = timezone.now()
    wait = (
        settings.SWEEP_PENDING_AFTER_SECONDS
        if pending_after_seconds is None
        else pending_after_seconds
    )
    old = now - timedelta(seconds=wait)
    stale = stale_claim_before(now)
    stuck = list(
        Submission.objects.filter(
            Q(status=Status.PENDING, created_at__lt=old)
            | Q(status=Status.GRADING, claimed_at__lt=stale)
        ).values_list("pk", "tries")
    )
    # Claims by a dead process of this host: the task takes them over at once (or marks them
    # failed when they have used every try).
    orphaned = tuple(
        pk
        for pk, claimed_by in Submission.objects.filter(
            status=Status.GRADING, claimed_at__gte=stale
        ).values_list("pk", "claimed_by")
        if claimed_by and claimer_is_dead(claimed_by)
    )
    failed = tuple(
        pk
        for pk, tries in stuck
        if tries >= settings.GRADING_MAX_TRIES and fail_exhausted(submission_id=pk)
    )
    requeued = tuple(pk for pk, tries in stuck if tries < settings.GRADING_MAX_TRIES) + orphaned
    for pk in requeued:
        grade_submission_task.delay(pk)
    return SweepReport(requeued=requeued, failed=failed)
