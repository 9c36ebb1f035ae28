"""The instructor's quiz form: settings, the pool typed one entry per line, and the audience
(groups and/or students; none: every student)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator

from quizzes.models import ProblemTemplate, Quiz, Topic
from quizzes.permissions import STAFF_GROUPS, STUDENTS
from quizzes.services.quizzes import Audience, PoolItem, max_checks_per_question

POOL_LINE = re.compile(r"^\s*([A-Za-z0-9_.:-]+)\s*(?:[x×*]?\s*(\d+))?\s*$")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class QuizForm(forms.Form):
    title = forms.CharField(max_length=200)
    pool = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One topic slug or template id per line, optionally followed by how many "
        "questions to draw from it (default 1), e.g. “derivatives 2”.",
    )
    question_count = forms.IntegerField(min_value=1, max_value=50, label="Number of questions")
    time_limit_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, initial=20)
    attempts_allowed = forms.IntegerField(min_value=1, max_value=20, initial=1)
    opens_at = forms.DateTimeField(widget=DATETIME_INPUT, label="Opens")
    closes_at = forms.DateTimeField(widget=DATETIME_INPUT, label="Closes")
    feedback_release = forms.ChoiceField(
        choices=Quiz.Release.choices,
        initial=Quiz.Release.AFTER_SUBMISSION,
        label="Show scores and feedback",
    )
    solution_release = forms.ChoiceField(
        choices=Quiz.Release.choices,
        initial=Quiz.Release.AFTER_CLOSE,
        label="Show answers and worked solutions",
    )
    checks_per_question = forms.IntegerField(
        min_value=0,
        initial=1,
        required=False,
        help_text="While the attempt runs, a student may check each question this many times "
        "and see its verdict at once (only when scores and feedback show immediately); 0: no "
        "checks.",
    )
    shuffle_questions = forms.BooleanField(required=False, initial=True)
    audience_groups = forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=Group.objects.exclude(name__in=STAFF_GROUPS).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Set the quiz for the members of these groups.",
    )
    audience_students = forms.ModelMultipleChoiceField(
        label="Students",
        queryset=get_user_model().objects.filter(groups__name=STUDENTS).order_by("username"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="And/or for these students. No group and no student: every student sees the "
        "quiz.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The ceiling follows MAX_ATTEMPTS_PER_PROBLEM, read when the form is built.
        most = max_checks_per_question()
        checks = self.fields["checks_per_question"]
        checks.validators.append(MaxValueValidator(most))
        checks.widget.attrs["max"] = str(most)

    def clean_checks_per_question(self) -> int:
        # Left empty: the quiz's current value (the default for a new quiz).
        value = self.cleaned_data.get("checks_per_question")
        if value is None:
            field = self.fields["checks_per_question"]
            return int(self.get_initial_for_field(field, "checks_per_question"))
        return int(value)

    def clean_pool(self) -> list[PoolItem]:
        items = []
        topics = {topic.slug: topic for topic in Topic.objects.all()}
        for number, line in enumerate(self.cleaned_data["pool"].splitlines(), start=1):
            if not line.strip():
                continue
            match = POOL_LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    f"Line {number}: write a topic or template and a count."
                )
            name, count = match.group(1), int(match.group(2) or 1)
            if name in topics:
                items.append(PoolItem(count=count, topic=topics[name]))
                continue
            template = ProblemTemplate.objects.filter(key=name, is_active=True).first()
            if template is None:
                raise forms.ValidationError(f"Line {number}: no topic or template {name!r}.")
            items.append(PoolItem(count=count, template=template))
        if not items:
            raise forms.ValidationError("Name at least one topic or template.")
        return items

    def quiz_settings(self) -> dict[str, Any]:
        """The quiz's settings (the audience apart: `audience()`)."""
        data = dict(self.cleaned_data)
        data["time_limit_seconds"] = data.pop("time_limit_minutes") * 60
        data.pop("audience_groups", None)
        data.pop("audience_students", None)
        return data

    def audience(self) -> Audience:
        return Audience(
            students=list(self.cleaned_data.get("audience_students") or []),
            groups=list(self.cleaned_data.get("audience_groups") or []),
        )


class QuizSettingsForm(QuizForm):
    """The settings an instructor may change after creating a quiz (the pool stays)."""

    pool = None  # type: ignore[assignment]

    @classmethod
    def initial_for(cls, quiz: Quiz) -> dict[str, Any]:
        return {
            "title": quiz.title,
            "question_count": quiz.question_count,
            "time_limit_minutes": round(quiz.time_limit_seconds / 60),
            "attempts_allowed": quiz.attempts_allowed,
            "opens_at": quiz.opens_at,
            "closes_at": quiz.closes_at,
            "feedback_release": quiz.feedback_release,
            "solution_release": quiz.solution_release,
            "shuffle_questions": quiz.shuffle_questions,
            "checks_per_question": quiz.checks_per_question,
            "audience_groups": list(quiz.audience_groups.all()),
            "audience_students": list(quiz.audience_students.all()),
        }


class ExtendForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60)


class RegradeForm(forms.Form):
    template = forms.CharField(max_length=120)
