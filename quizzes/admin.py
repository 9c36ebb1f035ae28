"""The admin: instructors author templates and assignments; admins see everything."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from quizzes.models import (
    Assignment,
    DiagnosticSession,
    ItemState,
    LearnerModelState,
    LearnerTopicState,
    PartVerdict,
    PracticeSession,
    PreparedVariant,
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


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "area", "position")
    list_filter = ("area",)
    search_fields = ("slug", "title")
    filter_horizontal = ("prerequisites",)


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    extra = 0
    fields = ("number", "declared_version", "source_hash", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "topic", "difficulty", "is_active", "current_version")
    list_filter = ("is_active", "topic__area", "topic")
    search_fields = ("key", "title", "tags")
    list_select_related = ("topic", "current_version__template")
    readonly_fields = ("current_version", "created_at", "updated_at")
    inlines = [TemplateVersionInline]


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "declared_version", "created_at")
    list_select_related = ("template",)
    list_filter = ("template__topic",)
    search_fields = ("template__key", "template__title", "declared_version", "source_hash")
    date_hierarchy = "created_at"
    readonly_fields = ("template", "number", "source_text", "source_hash", "created_at")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("title", "created_by", "due_at", "created_at")
    filter_horizontal = ("topics", "templates", "students")
    list_select_related = ("created_by",)
    list_filter = ("due_at", "topics")
    search_fields = ("title", "created_by__username")
    date_hierarchy = "created_at"


class PartVerdictInline(admin.TabularInline):
    model = PartVerdict
    extra = 0
    readonly_fields = ("key", "status", "correct", "score", "message", "feedback", "elapsed_ms")
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "problem",
        "status",
        "score",
        "correct",
        "attempt_number",
        "tries",
        "created_at",
        "graded_at",
    )
    list_filter = ("status", "correct", "problem__topic", "created_at")
    list_select_related = ("user", "problem")
    search_fields = ("=id", "user__username", "problem__template__key", "message")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in Submission._meta.fields]
    inlines = [PartVerdictInline]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "template",
        "topic",
        "seed",
        "attempts_used",
        "hints_revealed",
        "best_score",
        "created_at",
    )
    list_select_related = ("user", "template", "topic")
    list_filter = ("topic", "template__is_active", "created_at")
    search_fields = ("=id", "user__username", "template__key")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in Problem._meta.fields]


@admin.register(LearnerTopicState)
class LearnerTopicStateAdmin(admin.ModelAdmin):
    list_display = ("user", "topic", "mastery", "attempts", "correct", "last_practised_at")
    list_select_related = ("user", "topic")
    list_filter = ("topic__area", "topic")
    search_fields = ("user__username", "topic__slug", "topic__title")
    raw_id_fields = ("user",)
    readonly_fields = ("updated_at",)


@admin.register(LearnerModelState)
class LearnerModelStateAdmin(admin.ModelAdmin):
    list_display = ("user", "revision", "updated_at")
    list_select_related = ("user",)
    list_filter = ("updated_at",)
    search_fields = ("user__username",)
    # Written only by grading under a row lock: hand edits would race it.
    readonly_fields = ("user", "state", "revision", "updated_at")


@admin.register(DiagnosticSession)
class DiagnosticSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "status", "created_at", "finished_at")
    list_select_related = ("user",)
    list_filter = ("status", "created_at")
    search_fields = ("=id", "user__username")
    # The diagnostic engine owns these rows; the admin only reads them.
    readonly_fields = (
        "user",
        "status",
        "state",
        "questions",
        "current_problem",
        "estimates",
        "created_at",
        "finished_at",
    )


@admin.register(ItemState)
class ItemStateAdmin(admin.ModelAdmin):
    list_display = ("template", "difficulty", "attempts", "correct", "updated_at")
    list_select_related = ("template",)
    list_filter = ("template__topic",)
    search_fields = ("template__key", "template__title")
    readonly_fields = ("updated_at",)


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "assignment", "started_at", "last_activity_at")
    list_select_related = ("user", "assignment")
    list_filter = ("started_at",)
    search_fields = ("=id", "user__username")
    raw_id_fields = ("user", "assignment")
    date_hierarchy = "started_at"


# Read-only records: verdicts and prepared variants are written by the platform, never by hand.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PartVerdict)
class PartVerdictAdmin(ReadOnlyAdmin):
    list_display = ("submission", "key", "status", "correct", "score", "elapsed_ms")
    list_filter = ("status", "correct", "submission__problem__topic")
    list_select_related = ("submission",)
    search_fields = ("=submission__id", "key", "message", "submission__user__username")
    show_full_result_count = False


@admin.register(PreparedVariant)
class PreparedVariantAdmin(ReadOnlyAdmin):
    list_display = ("id", "template_version", "seed", "created_at")
    list_select_related = ("template_version__template",)
    list_filter = ("template_version__template__topic",)
    search_fields = ("template_version__template__key", "=seed")


# Timed quizzes.


class QuizPoolEntryInline(admin.TabularInline):
    model = QuizPoolEntry
    extra = 0
    raw_id_fields = ("topic", "template")


@admin.register(QuizPoolEntry)
class QuizPoolEntryAdmin(admin.ModelAdmin):
    list_display = ("quiz", "topic", "template", "count")
    list_select_related = ("quiz", "topic", "template")
    list_filter = ("topic",)
    search_fields = ("quiz__title", "topic__slug", "template__key")


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "created_by", "question_count", "opens_at", "closes_at")
    list_filter = ("opens_at", "feedback_release", "solution_release")
    list_select_related = ("created_by",)
    search_fields = ("title", "created_by__username")
    raw_id_fields = ("created_by",)
    filter_horizontal = ("audience_students", "audience_groups")
    date_hierarchy = "opens_at"
    inlines = [QuizPoolEntryInline]


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0
    fields = ("position", "problem", "submission", "saved_at")
    readonly_fields = fields
    can_delete = False


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ("quiz", "user", "number", "started_at", "deadline", "submitted_at", "score")
    list_filter = ("expired", "quiz")
    list_select_related = ("quiz", "user")
    search_fields = ("quiz__title", "user__username")
    readonly_fields = ("quiz", "user", "number", "started_at", "submitted_at", "expired", "score")
    date_hierarchy = "started_at"
    inlines = [QuizQuestionInline]


@admin.register(QuizQuestion)
class QuizQuestionAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "position", "problem", "submission", "saved_at")
    list_select_related = ("attempt", "problem", "submission")
    search_fields = ("attempt__user__username", "attempt__quiz__title")


@admin.register(QuizRegrade)
class QuizRegradeAdmin(ReadOnlyAdmin):
    list_display = ("quiz", "template", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("quiz", "template")
    search_fields = ("quiz__title", "template__key")
    exclude = ("submissions",)
