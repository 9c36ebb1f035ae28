"""The instructor's quiz form: settings, and the pool typed one entry per line."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from quizzes.models import ProblemTemplate, Quiz, Topic
from quizzes.services.quizzes import PoolItem

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
    shuffle_questions = forms.BooleanField(required=False, initial=True)

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
        data = dict(self.cleaned_data)
        data["time_limit_seconds"] = data.pop("time_limit_minutes") * 60
        return data


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
        }


class ExtendForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60)


class RegradeForm(forms.Form):
    template = forms.CharField(max_length=120)
