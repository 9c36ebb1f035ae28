"""Timed quizzes: creating them and choosing who may take them, sitting them (start, autosave,
per-question checks, submit), the server-enforced deadline, an instructor's extension and
regrading after a template is fixed (on the workers).

Each question is a Problem of its own (the template's current version and a seed drawn with
`secrets`), so neighbours see different numbers and any question can be re-shown and re-graded.
Grading goes through the ordinary submission pipeline: one Submission per answered question,
enqueued on commit and graded by a worker. A check sends one question through the same pipeline
while the attempt runs; the final submit reuses its verdict when the answers have not changed."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from quizzes.models import (
    Problem,
    ProblemTemplate,
    Quiz,
    QuizAttempt,
    QuizPoolEntry,
    QuizQuestion,
    QuizRegrade,
    Submission,
    TemplateVersion,
    Topic,
)
from quizzes.permissions import STAFF_GROUPS, is_staff_member
from quizzes.quiz_selectors import GIVEN_BACK, is_in_audience
from quizzes.selectors import catalog
from quizzes.services.submissions import (
    InvalidAnswers,
    NoAttemptsLeft,
    enqueue_grading,
    submit_answers,
)
from quizzes.services.variants import GeneratedVariant, generate_variant, variant_from_snapshot

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


class NotInAudience(QuizError):
    """The quiz is set for other students."""


class ChecksNotOffered(QuizError):
    """The quiz does not let students check questions during the attempt."""


class NoChecksLeft(QuizError):
    """Every check of this question has been used."""


class RegradeUnderWay(QuizError):
    """A regrade of the same template in the same quiz is queued or running."""


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


@dataclass(frozen=True)
class Audience:
    """Who may see and take a quiz: these students and the members of these groups. Both empty:
    every student."""

    students: Sequence[AbstractBaseUser] = ()
    groups: Sequence[Group] = ()


@dataclass(frozen=True)
class CheckResult:
    """A check accepted: `submission` grades the question's `answers` (the newest saved);
    `created` is False when those very answers were checked already (no check used)."""

    submission: Submission
    created: bool
    answers: dict[str, str]
    sequence: int
    checks_used: int
    checks_allowed: int


def max_checks_per_question() -> int:
    # A check is a submission on the question's problem, which allows this many.
    return int(settings.MAX_ATTEMPTS_PER_PROBLEM)


def _check_settings(
    *,
    question_count: int,
    time_limit_seconds: int,
    attempts_allowed: int,
    opens_at: datetime,
    closes_at: datetime,
    pool_size: int | None,
    checks_per_question: int = 0,
) -> None:
    if not 1 <= question_count <= MAX_QUESTIONS:
        raise QuizError(f"A quiz has between 1 and {MAX_QUESTIONS} questions.")
    if not 60 <= time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise QuizError("The time limit is between one minute and one day.")
    if attempts_allowed < 1:
        raise QuizError("Allow at least one attempt.")
    if not 0 <= checks_per_question <= max_checks_per_question():
        raise QuizError(
            f"Checks per question are between 0 (none) and {max_checks_per_question()}."
        )
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
    checks_per_question: int = 1,
    audience: Audience | None = None,
) -> Quiz:
    """A new quiz. The pool must hold at least `question_count` questions; each entry names a
    topic or a template (not both) and a positive count. Without an audience every student may
    take it."""
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
        checks_per_question=checks_per_question,
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
        checks_per_question=checks_per_question,
    )
    QuizPoolEntry.objects.bulk_create(
        QuizPoolEntry(quiz=quiz, topic=item.topic, template=item.template, count=item.count)
        for item in pool
    )
    if audience is not None:
        set_audience(quiz=quiz, audience=audience)
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
    "checks_per_question",
)


@transaction.atomic
def update_quiz(
    *, quiz: Quiz, changes: Mapping[str, object], audience: Audience | None = None
) -> Quiz:
    """Change a quiz's settings, and its audience when one is given. Attempts already started
    keep their questions and deadline (and stay their students' own if the audience changes)."""
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
        checks_per_question=quiz.checks_per_question,
    )
    if changes:
        quiz.save(update_fields=list(changes))
    if audience is not None:
        set_audience(quiz=quiz, audience=audience)
    return quiz


def set_audience(*, quiz: Quiz, audience: Audience) -> None:
    """Set who may see and take the quiz. Staff accounts and the staff role groups are refused:
    a quiz is set for students."""
    staff_groups = [group.name for group in audience.groups if group.name in STAFF_GROUPS]
    if staff_groups:
        raise QuizError(f"A quiz is set for students, not for the {staff_groups[0]} group.")
    student_ids = [user.pk for user in audience.students]
    if student_ids:
        from django.contrib.auth import get_user_model

        staff = (
            get_user_model()
            .objects.filter(pk__in=student_ids)
            .filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_GROUPS))
            .values_list("username", flat=True)
            .first()
        )
        if staff is not None:
            raise QuizError(f"{staff} is staff: a quiz is set for students.")
    quiz.audience_students.set(student_ids)
    quiz.audience_groups.set([group.pk for group in audience.groups])


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

    Raises NotInAudience when the quiz is set for other students, QuizNotOpen outside the
    quiz's window and NoAttemptsLeftOnQuiz when every allowed attempt has been used. An attempt
    already started stays its student's, whatever later happens to the audience."""
    now = now or timezone.now()
    current = (
        QuizAttempt.objects.filter(quiz=quiz, user_id=user.pk, submitted_at__isnull=True)
        .order_by("-number")
        .first()
    )
    if current is not None:
        if not expire_if_overdue(attempt=current, now=now):
            return current
    # The audience narrows the students; staff may always try a quiz out.
    if not is_in_audience(user=user, quiz=quiz) and not is_staff_member(user):
        raise NotInAudience("This quiz is set for other students.")
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


def _answers_to_grade(question: QuizQuestion) -> dict[str, str]:
    """The saved answers with every part of the question, as a submission stores them."""
    answers = {key: str(value) for key, value in (question.answers or {}).items()}
    keys = [part.key for part in variant_from_snapshot(question.problem.snapshot).parts]
    return {key: answers.get(key, "") for key in keys}


def _submit_question(question: QuizQuestion, *, reuse_check: bool) -> Submission | None:
    """Send a question's saved answers to grading (None when nothing was typed). With
    `reuse_check`, the latest check stands in when it graded these very answers (a check that
    failed on the workers is graded again)."""
    answers = _answers_to_grade(question)
    if not any(text.strip() for text in answers.values()):
        return None
    checked = question.submission
    if (
        reuse_check
        and checked is not None
        and checked.status != Submission.Status.FAILED
        and checked.answers == answers
    ):
        return checked
    Problem.objects.filter(pk=question.problem_id).update(attempts_used=F("attempts_used") + 1)
    problem = Problem.objects.only("attempts_used").get(pk=question.problem_id)
    submission = Submission.objects.create(
        problem_id=question.problem_id,
        user_id=question.attempt.user_id,
        answers=answers,
        attempt_number=problem.attempts_used,
    )
    enqueue_grading(submission_id=submission.pk)
    return submission


@transaction.atomic
def submit_attempt(*, attempt: QuizAttempt, expired: bool = False) -> bool:
    """Close the attempt and send every answered question to the workers for grading; a
    question whose answers are unchanged since its last check keeps that check's verdict.

    Claimed with a conditional update, so a student's submit, the deadline check of a request
    and the periodic sweep never submit twice (a check holds the attempt's row lock, so a
    submit waits for it). True when this call submitted it."""
    now = timezone.now()
    claimed = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
        submitted_at=now, expired=expired
    )
    if not claimed:
        return False
    attempt.submitted_at = now
    attempt.expired = expired
    for question in attempt.questions.select_related("problem", "attempt", "submission"):
        submission = _submit_question(question, reuse_check=True)
        if submission != question.submission:
            question.submission = submission
            question.save(update_fields=["submission"])
    return True


def checks_used(question: QuizQuestion) -> int:
    """Checks of the question that count: while the attempt runs every submission on its
    problem is a check; input the workers could not read, and gradings that failed, are given
    back, as practice gives back the attempt."""
    submissions = Submission.objects.filter(problem_id=question.problem_id).exclude(
        status__in=GIVEN_BACK
    )
    if question.attempt.submitted_at is not None:
        submissions = submissions.filter(created_at__lt=question.attempt.submitted_at)
    return submissions.count()


def check_question(
    *,
    user: AbstractBaseUser,
    question: QuizQuestion,
    answers: Mapping[str, object],
    sequence: int,
    now: datetime | None = None,
) -> CheckResult:
    """Save the answers (as autosave does) and send the question, with its newest saved
    answers, through the grading pipeline while the attempt runs.

    Offered only by quizzes that release feedback immediately, `checks_per_question` times per
    question. Checking answers already checked returns that check again and uses nothing.
    Raises ChecksNotOffered, AttemptClosed (submitted, or the time is up), NoChecksLeft,
    QuizError for parts the question does not have, and InvalidAnswers (nothing stored, no
    check used) when a part is empty or does not parse.

    Preconditions: `question` was fetched with its attempt, the attempt's quiz and its problem,
    for its owner `user`."""
    attempt = question.attempt
    if attempt.user_id != user.pk:
        raise QuizError("Only the student sitting the attempt checks its questions.")
    quiz = attempt.quiz
    if quiz.feedback_release != Quiz.Release.IMMEDIATELY:
        raise ChecksNotOffered(
            "This quiz shows feedback only after the attempt is submitted, so questions "
            "cannot be checked while it runs."
        )
    if quiz.checks_per_question == 0:
        raise ChecksNotOffered("This quiz does not offer checks: submit the quiz to be graded.")
    cleaned = clean_answers(question=question, answers=answers)
    # Refusals found after the answers are saved are raised once they are committed.
    refused: InvalidAnswers | NoChecksLeft | None = None
    with transaction.atomic():
        # The attempt's row lock orders a check against the final submit, the deadline sweep
        # and the student's other checks: each sees what the one before it wrote.
        locked = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
        now = now or timezone.now()
        if locked.submitted_at is not None:
            raise AttemptClosed("This attempt has been submitted; its questions are graded now.")
        if now >= locked.deadline:
            raise AttemptClosed("Time is up: questions can no longer be checked.")
        QuizQuestion.objects.filter(pk=question.pk, saved_sequence__lt=sequence).update(
            answers=cleaned, saved_sequence=sequence, saved_at=now
        )
        question.refresh_from_db(fields=["answers", "saved_sequence", "saved_at", "submission"])
        question.attempt = locked
        current = _answers_to_grade(question)
        previous = question.submission
        allowed = quiz.checks_per_question
        if (
            previous is not None
            and previous.answers == current
            and previous.status != Submission.Status.FAILED
        ):
            return CheckResult(
                submission=previous,
                created=False,
                answers=current,
                sequence=question.saved_sequence,
                checks_used=checks_used(question),
                checks_allowed=allowed,
            )
        used = checks_used(question)
        if used >= allowed:
            refused = NoChecksLeft(
                f"You have used every check of this question ({allowed}). Your answers are "
                "saved and will be graded when you submit the quiz."
            )
        else:
            try:
                result = submit_answers(user=user, problem=question.problem, answers=current)
            except InvalidAnswers as exc:
                # Nothing was sent and no check used.
                refused = exc
            except NoAttemptsLeft:
                refused = NoChecksLeft(
                    "This question cannot be checked again. Your answers are saved and will be "
                    "graded when you submit the quiz."
                )
            else:
                QuizQuestion.objects.filter(pk=question.pk).update(submission=result.submission)
                question.submission = result.submission
    if refused is not None:
        raise refused
    return CheckResult(
        submission=result.submission,
        created=True,
        answers=current,
        sequence=question.saved_sequence,
        checks_used=used + 1,
        checks_allowed=allowed,
    )


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


# A running regrade whose progress has not moved for this long lost its worker: a redelivered
# task takes it over (skipping the questions it already regraded), and a new request replaces it.
REGRADE_STALE_AFTER = timedelta(minutes=15)


def request_regrade(
    *, quiz: Quiz, template: ProblemTemplate, requested_by: AbstractBaseUser | None
) -> QuizRegrade:
    """Queue a regrade of the template's questions in the quiz's submitted attempts; a worker
    carries it out (`run_regrade`). Raises RegradeUnderWay while another regrade of the same
    template in this quiz is queued or running, QuizError when the template has nothing to
    serve."""
    if template.current_version_id is None:
        raise QuizError("That template has nothing to serve.")
    from quizzes.quiz_tasks import regrade_quiz_template_task

    stale = timezone.now() - REGRADE_STALE_AFTER
    try:
        with transaction.atomic():
            QuizRegrade.objects.filter(
                quiz=quiz,
                template=template,
                status=QuizRegrade.Status.RUNNING,
                updated_at__lt=stale,
            ).update(
                status=QuizRegrade.Status.FAILED,
                message="The worker stopped; the regrade was started again.",
                finished_at=timezone.now(),
            )
            regrade = QuizRegrade.objects.create(
                quiz=quiz, template=template, requested_by_id=getattr(requested_by, "pk", None)
            )
    except IntegrityError:
        raise RegradeUnderWay(
            "A regrade of this template is already under way; its progress is on the quiz page."
        ) from None
    transaction.on_commit(lambda: regrade_quiz_template_task.delay(regrade.pk), robust=True)
    return regrade


def _regrade_questions(quiz_id: int, template_id: int) -> list[int]:
    return list(
        QuizQuestion.objects.filter(
            attempt__quiz_id=quiz_id,
            attempt__submitted_at__isnull=False,
            problem__template_id=template_id,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def run_regrade(*, regrade_id: int) -> str:
    """Carry out a queued regrade: each question gets the same seed under the template's current
    version and its saved answers as a new submission, one question per transaction so the
    quiz page sees the progress. Claimed with a conditional update, so a duplicate delivery does
    nothing while the regrade moves; one redelivered after its worker died takes it over and
    skips the questions already regraded. Returns the final status, or "skipped"."""
    now = timezone.now()
    claimed = QuizRegrade.objects.filter(
        Q(status=QuizRegrade.Status.QUEUED)
        | Q(status=QuizRegrade.Status.RUNNING, updated_at__lt=now - REGRADE_STALE_AFTER),
        pk=regrade_id,
    ).update(status=QuizRegrade.Status.RUNNING, updated_at=now)
    if not claimed:
        return "skipped"
    regrade = QuizRegrade.objects.select_related("template__current_version").get(pk=regrade_id)
    version = regrade.template.current_version
    if version is None:
        return _finish_regrade(
            regrade, QuizRegrade.Status.FAILED, "That template has nothing to serve."
        )
    version.template = regrade.template
    question_ids = _regrade_questions(regrade.quiz_id, regrade.template_id)
    QuizRegrade.objects.filter(pk=regrade.pk).update(total=len(question_ids), done=0)
    by_seed: dict[int, GeneratedVariant] = {}
    for question_id in question_ids:
        with transaction.atomic():
            question = QuizQuestion.objects.select_related("problem", "attempt", "submission").get(
                pk=question_id
            )
            already = (
                question.problem.template_version_id == version.pk
                and question.submission_id is not None
                and regrade.submissions.filter(pk=question.submission_id).exists()
            )
            if not already:
                _regrade_question(question, version=version, by_seed=by_seed, regrade=regrade)
            QuizRegrade.objects.filter(pk=regrade.pk).update(
                done=F("done") + 1, updated_at=timezone.now()
            )
    return _finish_regrade(regrade, QuizRegrade.Status.FINISHED, "")


def _regrade_question(
    question: QuizQuestion,
    *,
    version: TemplateVersion,
    by_seed: dict[int, GeneratedVariant],
    regrade: QuizRegrade,
) -> None:
    problem = question.problem
    if problem.template_version_id != version.pk:
        generated = by_seed.get(problem.seed) or generate_variant(version, problem.seed)
        by_seed[problem.seed] = generated
        problem.template_version = version
        problem.snapshot = generated.snapshot
        problem.fingerprint = generated.fingerprint[:64]
        problem.save(update_fields=["template_version", "snapshot", "fingerprint"])
    submission = _submit_question(question, reuse_check=False)
    if submission is None:
        return
    question.submission = submission
    question.save(update_fields=["submission"])
    regrade.submissions.add(submission)
    QuizAttempt.objects.filter(pk=question.attempt_id).update(score=None)


def _finish_regrade(regrade: QuizRegrade, status: str, message: str) -> str:
    QuizRegrade.objects.filter(pk=regrade.pk).update(
        status=status, message=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return status


def fail_regrade(*, regrade_id: int, reason: str) -> None:
    """Record that a regrade stopped (its worker gave up); the instructor may start it again."""
    QuizRegrade.objects.filter(
        pk=regrade_id, status__in=[QuizRegrade.Status.QUEUED, QuizRegrade.Status.RUNNING]
    ).update(
        status=QuizRegrade.Status.FAILED,
        message=f"The regrade stopped ({reason}). Request it again to finish it.",
        finished_at=timezone.now(),
    )
