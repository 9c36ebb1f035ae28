"""Timed quizzes: creating them, sitting them (start, autosave, submit), the server-enforced
deadline, an instructor's extension and regrading after a template is fixed.

Each question is a Problem of its own (the template's current version and a seed drawn with
`secrets`), so neighbours see different numbers and any question can be re-shown and re-graded.
Grading goes through the ordinary submission pipeline: one Submission per answered question,
enqueued on commit and graded by a worker."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from quizzes.models import (
    Problem,
    ProblemTemplate,
    Quiz,
    QuizAttempt,
    QuizPoolEntry,
    QuizQuestion,
    Submission,
    Topic,
)
from quizzes.selectors import catalog
from quizzes.services.submissions import enqueue_grading
from quizzes.services.variants import generate_variant, variant_from_snapshot

# Saves that arrive this soon after the deadline still count: the page's last keystrokes were
# sent before time ran out but were in flight.
SAVE_GRACE_SECONDS = 2
MAX_QUESTIONS = 50
MAX_TIME_LIMIT_SECONDS = 24 * 3600
MAX_EXTENSION_SECONDS = 24 * 3600


class QuizError(Exception):
    """A quiz request that cannot be carried out; the message says why, for the user."""


class QuizNotOpen(QuizError):
    pass


class NoAttemptsLeftOnQuiz(QuizError):
    pass


class AttemptClosed(QuizError):
    """The attempt was submitted (by the student or because time ran out)."""


@dataclass(frozen=True)
class PoolItem:
    """`count` questions from a topic (any of its active templates) or from one template."""

    count: int
    topic: Topic | None = None
    template: ProblemTemplate | None = None


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    sequence: int
    saved_at: datetime | None


def _check_settings(
    *,
    question_count: int,
    time_limit_seconds: int,
    attempts_allowed: int,
    opens_at: datetime,
    closes_at: datetime,
    pool_size: int | None,
) -> None:
    if not 1 <= question_count <= MAX_QUESTIONS:
        raise QuizError(f"A quiz has between 1 and {MAX_QUESTIONS} questions.")
    if not 60 <= time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise QuizError("The time limit is between one minute and one day.")
    if attempts_allowed < 1:
        raise QuizError("Allow at least one attempt.")
    if closes_at <= opens_at:
        raise QuizError("The quiz must close after it opens.")
    if pool_size is not None and pool_size < question_count:
        raise QuizError(
            f"The pool holds {pool_size} questions; the quiz asks for {question_count}."
        )


@transaction.atomic
def create_quiz(
    *,
    created_by: AbstractBaseUser,
    title: str,
    pool: Sequence[PoolItem],
    question_count: int,
    time_limit_seconds: int,
    attempts_allowed: int,
    opens_at: datetime,
    closes_at: datetime,
    feedback_release: str = Quiz.Release.AFTER_SUBMISSION,
    solution_release: str = Quiz.Release.AFTER_CLOSE,
    shuffle_questions: bool = True,
) -> Quiz:
    """A new quiz. The pool must hold at least `question_count` questions; each entry names a
    topic or a template (not both) and a positive count."""
    if not pool or any(
        item.count < 1 or (item.topic is None) == (item.template is None) for item in pool
    ):
        raise QuizError("Each pool entry needs a topic or a template and a count of at least 1.")
    _check_settings(
        question_count=question_count,
        time_limit_seconds=time_limit_seconds,
        attempts_allowed=attempts_allowed,
        opens_at=opens_at,
        closes_at=closes_at,
        pool_size=sum(item.count for item in pool),
    )
    quiz = Quiz.objects.create(
        title=title.strip() or "Quiz",
        created_by_id=created_by.pk,
        question_count=question_count,
        time_limit_seconds=time_limit_seconds,
        attempts_allowed=attempts_allowed,
        opens_at=opens_at,
        closes_at=closes_at,
        feedback_release=feedback_release,
        solution_release=solution_release,
        shuffle_questions=shuffle_questions,
    )
    QuizPoolEntry.objects.bulk_create(
        QuizPoolEntry(quiz=quiz, topic=item.topic, template=item.template, count=item.count)
        for item in pool
    )
    return quiz


EDITABLE_FIELDS = (
    "title",
    "question_count",
    "time_limit_seconds",
    "attempts_allowed",
    "opens_at",
    "closes_at",
    "feedback_release",
    "solution_release",
    "shuffle_questions",
)


@transaction.atomic
def update_quiz(*, quiz: Quiz, changes: Mapping[str, object]) -> Quiz:
    """Change a quiz's settings. Attempts already started keep their questions and deadline."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise QuizError(f"These settings cannot be changed: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(quiz, name, value)
    _check_settings(
        question_count=quiz.question_count,
        time_limit_seconds=quiz.time_limit_seconds,
        attempts_allowed=quiz.attempts_allowed,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        pool_size=sum(entry.count for entry in quiz.pool.all()),
    )
    quiz.save(update_fields=list(changes))
    return quiz


def _draw_templates(quiz: Quiz) -> list[ProblemTemplate]:
    """The templates of one attempt: `count` from each pool entry (different templates of a
    topic while they last), then `question_count` of those, chosen at random."""
    served = catalog()
    rng = secrets.SystemRandom()
    drawn: list[ProblemTemplate] = []
    for entry in quiz.pool.select_related("template__current_version", "template__topic"):
        if entry.template is not None:
            drawn.extend([entry.template] * entry.count)
            continue
        available = list(served.templates_by_topic.get(entry.topic_id or 0, ()))
        if not available:
            raise QuizError("A topic in this quiz's pool has no problems to serve.")
        chosen: list[ProblemTemplate] = []
        while len(chosen) < entry.count:
            chosen.extend(rng.sample(available, min(len(available), entry.count - len(chosen))))
        drawn.extend(chosen)
    if len(drawn) > quiz.question_count:
        keep = sorted(rng.sample(range(len(drawn)), quiz.question_count))
        drawn = [drawn[index] for index in keep]
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def create_quiz_problem(*, quiz: Quiz, template: ProblemTemplate) -> Problem:
    """A fresh variant (seed drawn with `secrets`) of the template's current version.

    The row belongs to the quiz's author, not to the student: the practice endpoints, which show
    verdicts, hints and the worked solution once a problem is graded, answer 404 to the student
    for it, and the student reaches it only through the quiz endpoints, which apply the quiz's
    release policy. Submissions on it are the student's own."""
    version = template.current_version
    if version is None or not template.is_active:
        raise QuizError(f"Template {template.key} has nothing to serve.")
    version.template = template
    generated = generate_variant(version)
    return Problem.objects.create(
        user_id=quiz.created_by_id,
        template=template,
        template_version=version,
        topic_id=template.topic_id,
        seed=generated.seed,
        fingerprint=generated.fingerprint[:64],
        snapshot=generated.snapshot,
    )


def start_attempt(
    *, user: AbstractBaseUser, quiz: Quiz, now: datetime | None = None
) -> QuizAttempt:
    """The student's attempt in progress, or a new one with freshly drawn questions.

    Raises QuizNotOpen outside the quiz's window and NoAttemptsLeftOnQuiz when every allowed
    attempt has been used."""
    now = now or timezone.now()
    current = (
        QuizAttempt.objects.filter(quiz=quiz, user_id=user.pk, submitted_at__isnull=True)
        .order_by("-number")
        .first()
    )
    if current is not None:
        if not expire_if_overdue(attempt=current, now=now):
            return current
    if not quiz.opens_at <= now < quiz.closes_at:
        raise QuizNotOpen("This quiz is not open now.")
    try:
        return _create_attempt(user=user, quiz=quiz, now=now)
    except IntegrityError:
        # Two starts at once (a double click): the other request's attempt stands.
        current = QuizAttempt.objects.filter(
            quiz=quiz, user_id=user.pk, submitted_at__isnull=True
        ).first()
        if current is None:
            raise
        return current


def _create_attempt(*, user: AbstractBaseUser, quiz: Quiz, now: datetime) -> QuizAttempt:
    with transaction.atomic():
        # Two starts racing pick the same number; the unique constraint refuses the second.
        used = (
            QuizAttempt.objects.filter(quiz=quiz, user_id=user.pk).aggregate(n=Max("number"))["n"]
            or 0
        )
        if used >= quiz.attempts_allowed:
            raise NoAttemptsLeftOnQuiz("You have used every attempt at this quiz.")
        deadline = min(now + timedelta(seconds=quiz.time_limit_seconds), quiz.closes_at)
        attempt = QuizAttempt.objects.create(
            quiz=quiz, user_id=user.pk, number=used + 1, started_at=now, deadline=deadline
        )
        QuizQuestion.objects.bulk_create(
            QuizQuestion(
                attempt=attempt,
                position=position,
                problem=create_quiz_problem(quiz=quiz, template=template),
            )
            for position, template in enumerate(_draw_templates(quiz), start=1)
        )
    return attempt


def is_overdue(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return attempt.submitted_at is None and now >= attempt.deadline + timedelta(
        seconds=SAVE_GRACE_SECONDS
    )


def expire_if_overdue(*, attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Submit the attempt with what was saved if its time is up. True when it is closed now."""
    if attempt.submitted_at is not None:
        return True
    if not is_overdue(attempt, now):
        return False
    submit_attempt(attempt=attempt, expired=True)
    attempt.refresh_from_db()
    return True


def clean_answers(*, question: QuizQuestion, answers: Mapping[str, object]) -> dict[str, str]:
    """Only the problem's part keys, as bounded text."""
    keys = [part.key for part in variant_from_snapshot(question.problem.snapshot).parts]
    unknown = set(answers) - set(keys)
    if unknown:
        raise QuizError(f"This question has no part {sorted(unknown)[0]!r}.")
    cleaned = {}
    for key in keys:
        text = answers.get(key, "")
        if not isinstance(text, str):
            raise QuizError("Answers are text.")
        if len(text) > settings.MAX_ANSWER_LENGTH:
            raise QuizError(f"Answers are limited to {settings.MAX_ANSWER_LENGTH} characters.")
        cleaned[key] = text
    return cleaned


def autosave_answers(
    *, question: QuizQuestion, answers: Mapping[str, object], sequence: int
) -> SaveResult:
    """Store the answers typed so far. Idempotent and last-write-wins by the client's
    `sequence` (which only grows): one conditional UPDATE, so an older save that arrives late,
    or any save after submission or past the deadline, changes nothing.

    Preconditions: `question` was fetched with its attempt and problem, for its owner."""
    cleaned = clean_answers(question=question, answers=answers)
    now = timezone.now()
    attempt = question.attempt
    if attempt.submitted_at is not None or is_overdue(attempt, now):
        raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
    # The deadline is part of the statement: an extension or a submission racing this save
    # decides the outcome in the database.
    written = QuizQuestion.objects.filter(
        pk=question.pk,
        saved_sequence__lt=sequence,
        attempt__submitted_at__isnull=True,
        attempt__deadline__gt=now - timedelta(seconds=SAVE_GRACE_SECONDS),
    ).update(answers=cleaned, saved_sequence=sequence, saved_at=now)
    if written:
        return SaveResult(saved=True, sequence=sequence, saved_at=now)
    question.refresh_from_db(fields=["saved_sequence", "saved_at"])
    attempt.refresh_from_db(fields=["submitted_at", "deadline"])
    if attempt.submitted_at is not None or is_overdue(attempt, now):
        raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
    return SaveResult(saved=False, sequence=question.saved_sequence, saved_at=question.saved_at)


def _submit_question(question: QuizQuestion) -> Submission | None:
    """Send a question's saved answers to grading (None when nothing was typed)."""
    answers = {key: str(value) for key, value in (question.answers or {}).items()}
    if not any(text.strip() for text in answers.values()):
        return None
    keys = [part.key for part in variant_from_snapshot(question.problem.snapshot).parts]
    Problem.objects.filter(pk=question.problem_id).update(attempts_used=F("attempts_used") + 1)
    problem = Problem.objects.only("attempts_used").get(pk=question.problem_id)
    submission = Submission.objects.create(
        problem_id=question.problem_id,
        user_id=question.attempt.user_id,
        answers={key: answers.get(key, "") for key in keys},
        attempt_number=problem.attempts_used,
    )
    enqueue_grading(submission_id=submission.pk)
    return submission


@transaction.atomic
def submit_attempt(*, attempt: QuizAttempt, expired: bool = False) -> bool:
    """Close the attempt and send every answered question to the workers for grading.

    Claimed with a conditional update, so a student's submit, the deadline check of a request
    and the periodic sweep never submit twice. True when this call submitted it."""
    now = timezone.now()
    claimed = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
        submitted_at=now, expired=expired
    )
    if not claimed:
        return False
    attempt.submitted_at = now
    attempt.expired = expired
    for question in attempt.questions.select_related("problem", "attempt"):
        submission = _submit_question(question)
        if submission is not None:
            question.submission = submission
            question.save(update_fields=["submission"])
    return True


def expire_overdue_attempts(*, quiz: Quiz | None = None, now: datetime | None = None) -> list[int]:
    """Submit every attempt (of `quiz`, or of every quiz: the periodic sweep) whose time ran
    out. Returns their ids."""
    now = now or timezone.now()
    overdue = QuizAttempt.objects.filter(
        submitted_at__isnull=True, deadline__lte=now - timedelta(seconds=SAVE_GRACE_SECONDS)
    ).order_by("pk")
    if quiz is not None:
        overdue = overdue.filter(quiz=quiz)
    expired = []
    for attempt in overdue:
        if submit_attempt(attempt=attempt, expired=True):
            expired.append(attempt.pk)
    return expired


@transaction.atomic
def extend_attempt(*, attempt: QuizAttempt, seconds: int) -> QuizAttempt:
    """Give one student more time on an attempt still in progress."""
    if not 1 <= seconds <= MAX_EXTENSION_SECONDS:
        raise QuizError("An extension is between one second and one day.")
    updated = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
        deadline=F("deadline") + timedelta(seconds=seconds),
        extra_seconds=F("extra_seconds") + seconds,
    )
    if not updated:
        raise AttemptClosed("This attempt has already been submitted.")
    attempt.refresh_from_db(fields=["deadline", "extra_seconds"])
    return attempt


def record_attempt_score(*, attempt: QuizAttempt) -> float | None:
    """Store the attempt's score (mean over its questions) once every submitted question has a
    verdict; None while grading runs."""
    if attempt.submitted_at is None:
        return None
    total = 0.0
    count = 0
    for question in attempt.questions.select_related("submission"):
        count += 1
        submission = question.submission
        if submission is None:
            continue
        if submission.status not in (Submission.Status.GRADED, Submission.Status.INVALID):
            if submission.status != Submission.Status.FAILED:
                return None
            continue
        total += submission.score or 0.0
    score = total / count if count else 0.0
    if attempt.score != score:
        QuizAttempt.objects.filter(pk=attempt.pk).update(score=score)
        attempt.score = score
    return score


@transaction.atomic
def regrade_template(*, quiz: Quiz, template: ProblemTemplate) -> int:
    """After a template is fixed (a new version synced), regrade its questions in this quiz's
    submitted attempts: the same seed under the current version, the same saved answers, a new
    submission. Returns how many questions were sent for grading."""
    version = template.current_version
    if version is None:
        raise QuizError("That template has nothing to serve.")
    version.template = template
    questions = QuizQuestion.objects.filter(
        attempt__quiz=quiz, attempt__submitted_at__isnull=False, problem__template=template
    ).select_related("problem", "attempt")
    regraded = 0
    by_seed: dict[int, object] = {}
    for question in questions:
        problem = question.problem
        if problem.template_version_id != version.pk:
            generated = by_seed.get(problem.seed) or generate_variant(version, problem.seed)
            by_seed[problem.seed] = generated
            problem.template_version = version
            problem.snapshot = generated.snapshot  # type: ignore[attr-defined]
            problem.fingerprint = generated.fingerprint[:64]  # type: ignore[attr-defined]
            problem.save(update_fields=["template_version", "snapshot", "fingerprint"])
        submission = _submit_question(question)
        if submission is None:
            continue
        question.submission = submission
        question.save(update_fields=["submission"])
        QuizAttempt.objects.filter(pk=question.attempt_id).update(score=None)
        regraded += 1
    return regraded
