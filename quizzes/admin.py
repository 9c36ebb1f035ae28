"""The admin: instructors author templates and assignments; admins see everything."""

from __future__ import annotations

from django.contrib import admin

from quizzes.models import (
    Assignment,
    ItemState,
    LearnerTopicState,
    PartVerdict,
    PracticeSession,
    Problem,
    ProblemTemplate,
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
    readonly_fields = ("template", "number", "source_text", "source_hash", "created_at")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("title", "created_by", "due_at", "created_at")
    filter_horizontal = ("topics", "templates", "students")
    list_select_related = ("created_by",)


class PartVerdictInline(admin.TabularInline):
    model = PartVerdict
    extra = 0
    readonly_fields = ("key", "status", "correct", "score", "message", "feedback", "elapsed_ms")
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "problem", "status", "score", "attempt_number", "created_at")
    list_filter = ("status",)
    list_select_related = ("user", "problem")
    readonly_fields = [field.name for field in Submission._meta.fields]
    inlines = [PartVerdictInline]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "template", "topic", "seed", "attempts_used", "best_score")
    list_select_related = ("user", "template", "topic")
    list_filter = ("topic",)
    readonly_fields = [field.name for field in Problem._meta.fields]


@admin.register(LearnerTopicState)
class LearnerTopicStateAdmin(admin.ModelAdmin):
    list_display = ("user", "topic", "mastery", "attempts", "correct", "last_practised_at")
    list_select_related = ("user", "topic")
    list_filter = ("topic",)


@admin.register(ItemState)
class ItemStateAdmin(admin.ModelAdmin):
    list_display = ("template", "difficulty", "attempts", "correct")
    list_select_related = ("template",)


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "started_at", "last_activity_at")
    list_select_related = ("user",)
