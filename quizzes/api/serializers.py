"""Request parsing and response shapes of the JSON API (the shapes also feed the schema)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

ANSWER_KINDS = ("expression", "number", "matrix", "equation", "set", "choice")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
MAX_KEY_LENGTH = 40
MAX_PARTS = 20


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TopicSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    area = serializers.CharField()
    description = serializers.CharField()
    prerequisites = serializers.ListField(child=serializers.SlugField())
    mastery = serializers.FloatField()
    unlocked = serializers.BooleanField()


class NextProblemRequestSerializer(serializers.Serializer):
    topic = serializers.SlugField(required=False, allow_null=True, max_length=80)


class PartSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.JSONField(), required=False)
    variables = serializers.ListField(child=serializers.CharField(), required=False)


class ProblemSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.SlugField()
    template = serializers.CharField()
    title = serializers.CharField()
    statement = serializers.CharField()
    parts = PartSerializer(many=True)
    hints_available = serializers.IntegerField()
    attempts_left = serializers.IntegerField()
    reason = serializers.CharField(help_text="Why this problem was served, for the student.")


class PartVerdictSerializer(serializers.Serializer):
    status = serializers.CharField()
    correct = serializers.BooleanField()
    score = serializers.FloatField()
    message = serializers.CharField()
    feedback = serializers.ListField(child=serializers.CharField())
    latex = serializers.CharField()


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    problem = serializers.IntegerField()
    status = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    correct = serializers.BooleanField(allow_null=True)
    attempt = serializers.IntegerField()
    message = serializers.CharField()
    answers = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    graded_at = serializers.DateTimeField(allow_null=True)
    parts = serializers.DictField(child=PartVerdictSerializer())


class SolutionSerializer(serializers.Serializer):
    html = serializers.CharField()
    answers = serializers.DictField(child=serializers.DictField())


class ProblemDetailSerializer(ProblemSummarySerializer):
    hints = serializers.ListField(child=serializers.CharField())
    submissions = SubmissionSerializer(many=True)
    created_at = serializers.DateTimeField()
    solution = SolutionSerializer(required=False)


class SubmitRequestSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=20000),
        allow_empty=False,
    )
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_answers(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_PARTS or any(len(key) > MAX_KEY_LENGTH for key in value):
            raise serializers.ValidationError("Too many answers, or a part name that is too long.")
        return value


class SubmissionAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class AnswerErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)


class InvalidAnswersSerializer(serializers.Serializer):
    errors = serializers.DictField(child=AnswerErrorSerializer())


class ProgressTopicSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    mastery = serializers.FloatField()
    attempts = serializers.IntegerField()
    correct = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    topics = ProgressTopicSerializer(many=True)


class HintsSerializer(serializers.Serializer):
    hints = serializers.ListField(child=serializers.CharField())
    remaining = serializers.IntegerField()


class AttemptSerializer(serializers.Serializer):
    """One row of the attempt history."""

    id = serializers.IntegerField()
    problem = serializers.IntegerField(source="problem_id")
    template = serializers.CharField(source="problem.template.key")
    title = serializers.CharField(source="problem.template.title")
    topic = serializers.CharField(source="problem.topic.slug")
    status = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    correct = serializers.BooleanField(allow_null=True)
    attempt = serializers.IntegerField(source="attempt_number")
    created_at = serializers.DateTimeField()


class PreviewRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ANSWER_KINDS)
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=20000)
    options = serializers.DictField(required=False)

    def validate_options(self, value: dict[str, Any]) -> dict[str, Any]:
        """Only the options that change how text is read; anything else is dropped."""
        options: dict[str, Any] = {}
        variables = value.get("variables")
        if variables is not None:
            if not isinstance(variables, list) or len(variables) > 20:
                raise serializers.ValidationError("variables: a list of up to 20 names.")
            if not all(isinstance(v, str) and _VARIABLE.match(v) for v in variables):
                raise serializers.ValidationError("variables: names are letters and digits.")
            options["variables"] = variables
        if "complex" in value:
            options["complex"] = bool(value["complex"])
        if value.get("assume") in ("real", "positive"):
            options["assume"] = value["assume"]
        return options

    def validate_text(self, value: str) -> str:
        if len(value) > settings.MAX_ANSWER_LENGTH:
            raise serializers.ValidationError(
                f"Answers are limited to {settings.MAX_ANSWER_LENGTH} characters."
            )
        return value


class PreviewSerializer(serializers.Serializer):
    latex = serializers.CharField(required=False)
    error = serializers.CharField(required=False)
    position = serializers.IntegerField(required=False, allow_null=True)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
