"""What the platform stores: topics, templates and their versions, the problems served to each
student (a template version plus a seed), submissions with their per-part verdicts, and learner
state. Every write goes through `quizzes.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Topic(models.Model):
    """A node of the prerequisite graph, mirrored from `content/bank/topics.toml`."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    area = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    # Topological order from the bank: every topic comes after its prerequisites.
    position = models.PositiveIntegerField(default=0)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependents", blank=True
    )

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class ProblemTemplate(models.Model):
    """A family of problems, identified by the stable `id` of its content file."""

    key = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="templates")
    difficulty = models.FloatField(default=0.0)
    tags = models.JSONField(default=list, blank=True)
    author = models.CharField(max_length=200, blank=True)
    source_path = models.CharField(max_length=300, blank=True)
    # Templates removed from the bank stay (old attempts point at them) but are no longer served.
    is_active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "TemplateVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        indexes = [models.Index(fields=["topic", "is_active"])]

    def __str__(self) -> str:
        return self.key


class TemplateVersion(models.Model):
    """The template's source text as it was; a problem keeps the version it was generated from."""

    template = models.ForeignKey(ProblemTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source_text = models.TextField()
    source_hash = models.CharField(max_length=64)
    declared_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="template_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"


class PreparedVariant(models.Model):
    """A variant generated ahead of time (seed drawn with `secrets`), waiting to be served, so
    that serving a problem never waits for the generator."""

    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.CASCADE, related_name="prepared_variants"
    )
    seed = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template_version", "pk"]

    def __str__(self) -> str:
        return f"prepared {self.template_version_id} seed {self.seed}"


class ItemState(models.Model):
    """What the platform has learned about a template (difficulty), for the adaptive engine."""

    template = models.OneToOneField(
        ProblemTemplate, on_delete=models.CASCADE, related_name="item_state"
    )
    state = models.JSONField(default=dict, blank=True)
    difficulty = models.FloatField(default=0.0)
    attempts = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"item state of {self.template_id}"


class Assignment(models.Model):
    """Work an instructor sets for a group of students: topics and/or templates, a due date."""

    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments_created"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="assignments")
    templates = models.ManyToManyField(ProblemTemplate, blank=True, related_name="assignments")
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assignments"
    )
    # Problems a student completes (graded at least once) to finish the assignment.
    problem_count = models.PositiveSmallIntegerField(default=5)
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PracticeSession(models.Model):
    """A stretch of practice; problems served close together belong to the same session."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "-last_activity_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"


class Problem(models.Model):
    """One concrete variant served to one student: (template version, seed) plus a snapshot of
    the generated variant, so grading and re-display never re-run the generator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problems"
    )
    template = models.ForeignKey(ProblemTemplate, on_delete=models.PROTECT, related_name="problems")
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="problems"
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="problems")
    seed = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)
    snapshot = models.JSONField()
    session = models.ForeignKey(
        PracticeSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    hints_revealed = models.PositiveSmallIntegerField(default=0)
    # Attempts used: submissions accepted for grading (input that did not parse never counts).
    attempts_used = models.PositiveSmallIntegerField(default=0)
    best_score = models.FloatField(null=True, blank=True)
    # Set when the first submission is graded: from then on the student may see the solution.
    solution_unlocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "template"]),
        ]

    def __str__(self) -> str:
        return f"problem {self.pk} ({self.template_id}, seed {self.seed})"


class Submission(models.Model):
    """A student's answers to a problem, graded asynchronously."""

    class Status(models.TextChoices):
        PENDING = "pending"
        GRADING = "grading"
        GRADED = "graded"
        INVALID = "invalid"
        FAILED = "failed"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    answers = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_number = models.PositiveSmallIntegerField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    score = models.FloatField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    message = models.TextField(blank=True)
    # Times a worker has claimed this row; a poison submission stops at the limit as `failed`.
    tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # "<host>:<pid>" of the process grading it, so a claim by a process that has died on the
    # same host can be taken over at once instead of after the hard time limit.
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "attempt_number"], name="submission_attempt_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="submission_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"


class PartVerdict(models.Model):
    """The grading engine's verdict on one part of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="verdicts")
    key = models.CharField(max_length=40)
    status = models.CharField(max_length=10)
    correct = models.BooleanField(default=False)
    score = models.FloatField(default=0.0)
    message = models.TextField(blank=True)
    feedback = models.JSONField(default=list, blank=True)
    latex = models.TextField(blank=True)
    elapsed_ms = models.FloatField(default=0.0)

    class Meta:
        ordering = ["submission", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "key"], name="verdict_part_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.key} {self.status}"


class LearnerTopicState(models.Model):
    """What the platform believes a student knows about a topic. `state` holds the learner
    model's own data; `mastery` and the counts are kept in columns for listings and policies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_states"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="learner_states")
    state = models.JSONField(default=dict, blank=True)
    mastery = models.FloatField(default=0.0)
    attempts = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    last_practised_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="learner_topic_unique")
        ]
        indexes = [models.Index(fields=["user", "mastery"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.topic_id}: {self.mastery:.2f}"


# ---------------------------------------------------------------------------------------------
# Timed quizzes: an instructor's quiz, each student's attempts, and one served problem per question.


class Quiz(models.Model):
    """A timed assessment. Questions are drawn per attempt from the pool (QuizPoolEntry rows), so
    every student gets their own variants."""

    class Release(models.TextChoices):
        IMMEDIATELY = "immediately"
        AFTER_SUBMISSION = "after_submission"
        AFTER_CLOSE = "after_close"

    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quizzes_created"
    )
    question_count = models.PositiveSmallIntegerField()
    time_limit_seconds = models.PositiveIntegerField()
    attempts_allowed = models.PositiveSmallIntegerField(default=1)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # When a student sees their per-question verdicts, and when the answers and worked solutions.
    feedback_release = models.CharField(
        max_length=20, choices=Release.choices, default=Release.AFTER_SUBMISSION
    )
    solution_release = models.CharField(
        max_length=20, choices=Release.choices, default=Release.AFTER_CLOSE
    )
    shuffle_questions = models.BooleanField(default=True)
    # Checks a student may ask for per question while the attempt runs; only quizzes that release
    # feedback immediately offer them, and 0 turns them off.
    checks_per_question = models.PositiveSmallIntegerField(default=1)
    # Who may see and take the quiz: these students and the members of these groups (looked up
    # when asked, so joining a group later counts). Both empty: every student.
    audience_students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="quizzes_set_for"
    )
    audience_groups = models.ManyToManyField("auth.Group", blank=True, related_name="quizzes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="quiz_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title


class QuizPoolEntry(models.Model):
    """Part of a quiz's pool: `count` questions from one topic or from one template."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="pool")
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(
        ProblemTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["quiz", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=True, template__isnull=False)
                | Q(topic__isnull=False, template__isnull=True),
                name="quiz_pool_topic_or_template",
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} from {self.template_id or self.topic_id}"


class QuizAttempt(models.Model):
    """One student's sitting of a quiz. The deadline is fixed at start (time limit, capped by the
    close time); an instructor's extension adds `extra_seconds`."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    extra_seconds = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # True when the server submitted it because time ran out.
    expired = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "number"], name="quiz_attempt_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["submitted_at", "deadline"]),
            models.Index(fields=["user", "quiz"]),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.user_id} on quiz {self.quiz_id}"


class QuizQuestion(models.Model):
    """A question of an attempt: its own Problem (variant from its own secret seed) and the
    autosaved answers. `saved_sequence` orders autosaves: a late-arriving older save never
    overwrites a newer one. `submission` is the latest check while the attempt runs, then the
    submission that scores the question."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, related_name="quiz_question")
    answers = models.JSONField(default=dict, blank=True)
    saved_sequence = models.BigIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="quiz_question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"question {self.position} of attempt {self.attempt_id}"


class QuizRegrade(models.Model):
    """An instructor's regrade of one template's questions in a quiz's submitted attempts, carried
    out by a worker. `done` counts the questions the worker has been through (variant regenerated,
    answers sent for grading); `submissions` are the new submissions it sent."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="regrades")
    template = models.ForeignKey(ProblemTemplate, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    submissions = models.ManyToManyField(Submission, blank=True, related_name="+")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written with each step of progress: a running regrade that stops moving lost its worker.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "template"],
                condition=Q(status__in=["queued", "running"]),
                name="quiz_regrade_one_at_a_time",
            )
        ]

    def __str__(self) -> str:
        return f"regrade of {self.template_id} in quiz {self.quiz_id} ({self.status})"


# ---------------------------------------------------------------------------------------------
# The adaptive learner model: one JSON document per student, written only by the grading
# transaction (under select_for_update on this row) and by a diagnostic.


class LearnerModelState(models.Model):
    """The adaptive engine's state of one student (every topic in one document, see
    `adaptive.initial_state`). `revision` counts the updates applied to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_model"
    )
    state = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"learner model of {self.user_id} (revision {self.revision})"


# ---------------------------------------------------------------------------------------------
# The adaptive diagnostic: where a new student stands, from a few questions (adaptive.diagnostic).


class DiagnosticSession(models.Model):
    """One student's diagnostic: the engine's JSON state (graph, settings, answers so far), the
    question being answered and the questions asked, each as {topic, problem, correct}."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        FINISHED = "finished"
        SKIPPED = "skipped"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diagnostics"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    state = models.JSONField(default=dict, blank=True)
    questions = models.JSONField(default=list, blank=True)
    current_problem = models.ForeignKey(
        Problem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    estimates = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"diagnostic {self.pk} of {self.user_id} ({self.status})"
