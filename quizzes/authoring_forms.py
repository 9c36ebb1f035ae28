"""Forms behind the instructor pages: a new template, an import, an assignment. Forms read and
check input; the authoring and assignment services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from quizzes.models import ProblemTemplate, Topic
from quizzes.permissions import STAFF_GROUPS, STUDENTS
from quizzes.services.assignments import AssignmentSpec, students_of_groups
from quizzes.services.authoring import is_valid_key

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def clean_new_key(key: str) -> str:
    if not is_valid_key(key):
        raise forms.ValidationError("Use lower-case words joined by hyphens, e.g. chain-rule-2.")
    if ProblemTemplate.objects.filter(key=key).exists():
        raise forms.ValidationError("A template with this id exists already.")
    return key


class StarterForm(forms.Form):
    key = forms.CharField(label="Id", max_length=120, help_text="e.g. chain-rule-of-a-cubic")
    title = forms.CharField(max_length=200)
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), to_field_name="slug")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].label_from_instance = lambda topic: topic.title  # type: ignore[attr-defined]

    def clean_key(self) -> str:
        return clean_new_key(self.cleaned_data["key"])


class DuplicateForm(forms.Form):
    original = forms.ModelChoiceField(
        label="Template to copy",
        queryset=ProblemTemplate.objects.filter(current_version__isnull=False),
        to_field_name="key",
    )
    key = forms.CharField(label="Id of the copy", max_length=120)

    def clean_key(self) -> str:
        return clean_new_key(self.cleaned_data["key"])


class ImportForm(forms.Form):
    files = forms.FileField(
        label="TOML files or a zip of them",
        widget=forms.ClearableFileInput(attrs={"accept": ".toml,.zip"}),
    )


class AssignmentForm(forms.Form):
    title = forms.CharField(max_length=200)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    templates = forms.ModelMultipleChoiceField(
        queryset=ProblemTemplate.objects.filter(is_active=True).select_related("topic"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Optional: particular templates, on top of the topics ticked above.",
    )
    groups = forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=Group.objects.exclude(name__in=STAFF_GROUPS).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every member of a ticked group is assigned.",
    )
    students = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(groups__name=STUDENTS).order_by("username"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    problem_count = forms.IntegerField(label="Number of problems", min_value=1, max_value=200)
    opens_at = forms.DateTimeField(label="Opens", required=False, widget=DATETIME_WIDGET)
    due_at = forms.DateTimeField(label="Due", required=False, widget=DATETIME_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].label_from_instance = lambda topic: topic.title  # type: ignore[attr-defined]
        self.fields["templates"].label_from_instance = (  # type: ignore[attr-defined]
            lambda template: f"{template.title} ({template.topic.title})"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("topics") and not data.get("templates"):
            raise forms.ValidationError("Choose at least one topic or template.")
        if not data.get("groups") and not data.get("students"):
            raise forms.ValidationError("Choose a group or at least one student.")
        opens, due = data.get("opens_at"), data.get("due_at")
        if opens and due and due <= opens:
            self.add_error("due_at", "The due date must come after the opening date.")
        return data

    def spec(self) -> AssignmentSpec:
        data = self.cleaned_data
        students = {user.pk for user in data["students"]}
        students.update(students_of_groups(group.pk for group in data["groups"]))
        return AssignmentSpec(
            title=data["title"],
            topics=list(data["topics"]),
            templates=list(data["templates"]),
            students=sorted(students),
            problem_count=data["problem_count"],
            opens_at=data.get("opens_at"),
            due_at=data.get("due_at"),
        )
