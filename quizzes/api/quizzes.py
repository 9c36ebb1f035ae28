"""Timed quizzes over the JSON API: instructors create and edit quizzes, read every attempt,
extend one student's time and regrade; students start an attempt, autosave, submit and read
their results as the quiz's release policy allows."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quizzes import quiz_selectors
from quizzes.api.views import parsed
from quizzes.models import ProblemTemplate, Quiz, Topic
from quizzes.permissions import is_staff_member
from quizzes.quiz_access import (
    access_attempt,
    access_own_attempt,
    access_own_question,
    access_quiz,
)
from quizzes.services.quizzes import (
    AttemptClosed,
    PoolItem,
    QuizError,
    autosave_answers,
    create_quiz,
    expire_if_overdue,
    expire_overdue_attempts,
    extend_attempt,
    record_attempt_score,
    regrade_template,
    start_attempt,
    submit_attempt,
    update_quiz,
)

RELEASES = [choice.value for choice in Quiz.Release]


class QuizPoolEntrySerializer(serializers.Serializer):
    topic = serializers.SlugField(required=False)
    template = serializers.CharField(required=False, max_length=120)
    count = serializers.IntegerField(min_value=1, max_value=50, default=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("topic" in attrs) == ("template" in attrs):
            raise serializers.ValidationError("Give a topic or a template.")
        return attrs


class QuizSettingsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    question_count = serializers.IntegerField(min_value=1)
    time_limit_seconds = serializers.IntegerField(min_value=1)
    attempts_allowed = serializers.IntegerField(min_value=1, default=1)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    feedback_release = serializers.ChoiceField(RELEASES, default=Quiz.Release.AFTER_SUBMISSION)
    solution_release = serializers.ChoiceField(RELEASES, default=Quiz.Release.AFTER_CLOSE)
    shuffle_questions = serializers.BooleanField(default=True)


class QuizCreateSerializer(QuizSettingsSerializer):
    pool = QuizPoolEntrySerializer(many=True, allow_empty=False)


class QuizAutosaveSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False)
    )
    sequence = serializers.IntegerField(min_value=1, max_value=2**62)


class QuizExtendSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1)


class QuizRegradeSerializer(serializers.Serializer):
    template = serializers.CharField(max_length=120)


class QuizSavedSerializer(serializers.Serializer):
    saved = serializers.BooleanField()
    sequence = serializers.IntegerField()
    saved_at = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.FloatField()


class QuizSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    question_count = serializers.IntegerField()
    time_limit_seconds = serializers.IntegerField()
    attempts_allowed = serializers.IntegerField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    feedback_release = serializers.ChoiceField(RELEASES)
    solution_release = serializers.ChoiceField(RELEASES)
    shuffle_questions = serializers.BooleanField()
    pool = QuizPoolEntrySerializer(many=True, required=False, help_text="Staff only.")


class QuizListRowSerializer(QuizSerializer):
    is_open = serializers.BooleanField()
    attempts_used = serializers.IntegerField()
    in_progress = serializers.IntegerField(allow_null=True)
    attempts = serializers.ListField(child=serializers.DictField())
    submitted_attempts = serializers.IntegerField()


class QuizVerdictSerializer(serializers.Serializer):
    status = serializers.CharField()
    correct = serializers.BooleanField()
    score = serializers.FloatField()
    message = serializers.CharField()
    feedback = serializers.ListField()


class QuizQuestionResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["unanswered", "grading", "graded", "invalid", "failed"])
    score = serializers.FloatField(allow_null=True)
    parts = serializers.DictField(child=QuizVerdictSerializer())


class QuizQuestionSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    topic = serializers.CharField()
    statement = serializers.CharField()
    parts = serializers.ListField(child=serializers.DictField())
    answers = serializers.DictField(child=serializers.CharField())
    saved_sequence = serializers.IntegerField()
    saved_at = serializers.DateTimeField(allow_null=True)
    result = QuizQuestionResultSerializer(required=False, help_text="Once feedback is released.")
    solution = serializers.DictField(required=False, help_text="Once solutions are released.")


class QuizAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = serializers.DictField()
    user = serializers.CharField(allow_null=True)
    number = serializers.IntegerField()
    status = serializers.ChoiceField(["in_progress", "submitted"])
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    seconds_left = serializers.FloatField()
    extra_seconds = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    expired = serializers.BooleanField()
    feedback_released = serializers.BooleanField()
    solutions_released = serializers.BooleanField()
    score = serializers.FloatField(allow_null=True)
    questions = QuizQuestionSerializer(many=True)


class QuizAttemptRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(required=False)
    number = serializers.IntegerField()
    status = serializers.ChoiceField(["in_progress", "submitted"])
    started_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.FloatField(allow_null=True, required=False)


class QuizRegradedSerializer(serializers.Serializer):
    regraded = serializers.IntegerField()


class QuizDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def require_staff(request: Request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("Quizzes are set by instructors.")


def pool_items(entries: list[dict[str, Any]]) -> list[PoolItem]:
    items = []
    for entry in entries:
        if "topic" in entry:
            topic = Topic.objects.filter(slug=entry["topic"]).first()
            if topic is None:
                raise ApiValidationError({"pool": [f"There is no topic {entry['topic']!r}."]})
            items.append(PoolItem(count=entry["count"], topic=topic))
        else:
            template = ProblemTemplate.objects.filter(key=entry["template"], is_active=True).first()
            if template is None:
                raise ApiValidationError({"pool": [f"There is no template {entry['template']!r}."]})
            items.append(PoolItem(count=entry["count"], template=template))
    return items


class QuizListView(APIView):
    @extend_schema(operation_id="quizzes_list", responses=QuizListRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        for_staff = is_staff_member(request.user)
        return Response(quiz_selectors.quizzes_for(user=request.user, for_staff=for_staff))

    @extend_schema(request=QuizCreateSerializer, responses={201: QuizSerializer})
    def post(self, request: Request) -> Response:
        require_staff(request)
        data = parsed(QuizCreateSerializer, request)
        pool = pool_items(data.pop("pool"))
        try:
            quiz = create_quiz(created_by=request.user, pool=pool, **data)
        except QuizError as exc:
            raise ApiValidationError({"detail": [str(exc)]}) from None
        return Response(quiz_selectors.quiz_detail(quiz, for_staff=True), status.HTTP_201_CREATED)


class QuizView(APIView):
    @extend_schema(responses=QuizSerializer)
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = access_quiz(request.user, quiz_id)
        return Response(quiz_selectors.quiz_detail(quiz, for_staff=is_staff_member(request.user)))

    @extend_schema(request=QuizSettingsSerializer, responses=QuizSerializer)
    def patch(self, request: Request, quiz_id: int) -> Response:
        require_staff(request)
        quiz = access_quiz(request.user, quiz_id)
        serializer = QuizSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            update_quiz(quiz=quiz, changes=dict(serializer.validated_data))
        except QuizError as exc:
            raise ApiValidationError({"detail": [str(exc)]}) from None
        return Response(quiz_selectors.quiz_detail(quiz, for_staff=True))


class QuizAttemptsView(APIView):
    @extend_schema(
        operation_id="quizzes_attempts_list", responses=QuizAttemptRowSerializer(many=True)
    )
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = access_quiz(request.user, quiz_id)
        if is_staff_member(request.user):
            expire_overdue_attempts(quiz=quiz)
            return Response(quiz_selectors.attempts_of_quiz(quiz))
        return Response(quiz_selectors.own_attempts(user=request.user, quiz=quiz))

    @extend_schema(request=None, responses={201: QuizAttemptSerializer, 409: QuizDetailSerializer})
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = access_quiz(request.user, quiz_id)
        try:
            attempt = start_attempt(user=request.user, quiz=quiz)
        except QuizError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            quiz_selectors.attempt_view(attempt, for_staff=False), status.HTTP_201_CREATED
        )


class AttemptView(APIView):
    @extend_schema(responses=QuizAttemptSerializer)
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = access_attempt(request.user, attempt_id)
        expire_if_overdue(attempt=attempt)
        record_attempt_score(attempt=attempt)
        for_staff = attempt.user_id != request.user.pk
        return Response(quiz_selectors.attempt_view(attempt, for_staff=for_staff))


class AutosaveView(APIView):
    @extend_schema(
        request=QuizAutosaveSerializer,
        responses={200: QuizSavedSerializer, 409: QuizDetailSerializer},
    )
    def put(self, request: Request, attempt_id: int, position: int) -> Response:
        data = parsed(QuizAutosaveSerializer, request)
        question = access_own_question(request.user, attempt_id, position)
        try:
            result = autosave_answers(
                question=question, answers=data["answers"], sequence=data["sequence"]
            )
        except AttemptClosed as exc:
            expire_if_overdue(attempt=question.attempt)
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except QuizError as exc:
            raise ApiValidationError({"answers": [str(exc)]}) from None
        left = question.attempt.deadline - timezone.now()
        return Response(
            {
                "saved": result.saved,
                "sequence": result.sequence,
                "saved_at": result.saved_at.isoformat() if result.saved_at else None,
                "seconds_left": round(max(0.0, left.total_seconds()), 1),
            }
        )


class SubmitAttemptView(APIView):
    @extend_schema(request=None, responses=QuizAttemptSerializer)
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = access_own_attempt(request.user, attempt_id)
        if not expire_if_overdue(attempt=attempt):
            # The page's own timer submits at zero: that is time running out, not a choice.
            submit_attempt(attempt=attempt, expired=timezone.now() >= attempt.deadline)
        attempt.refresh_from_db()
        return Response(quiz_selectors.attempt_view(attempt, for_staff=False))


class ExtendAttemptView(APIView):
    @extend_schema(
        request=QuizExtendSerializer,
        responses={200: QuizAttemptSerializer, 409: QuizDetailSerializer},
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        require_staff(request)
        data = parsed(QuizExtendSerializer, request)
        attempt = access_attempt(request.user, attempt_id)
        try:
            extend_attempt(attempt=attempt, seconds=data["seconds"])
        except QuizError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(quiz_selectors.attempt_view(attempt, for_staff=True))


class RegradeView(APIView):
    @extend_schema(
        request=QuizRegradeSerializer,
        responses={200: QuizRegradedSerializer, 409: QuizDetailSerializer},
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        require_staff(request)
        data = parsed(QuizRegradeSerializer, request)
        quiz = access_quiz(request.user, quiz_id)
        template = (
            ProblemTemplate.objects.select_related("current_version")
            .filter(key=data["template"])
            .first()
        )
        if template is None:
            raise NotFound("No such template.")
        try:
            count = regrade_template(quiz=quiz, template=template)
        except QuizError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"regraded": count})


urlpatterns = [
    path("quizzes", QuizListView.as_view(), name="quizzes"),
    path("quizzes/<int:quiz_id>", QuizView.as_view(), name="quiz"),
    path("quizzes/<int:quiz_id>/attempts", QuizAttemptsView.as_view(), name="quiz-attempts"),
    path("quizzes/<int:quiz_id>/regrade", RegradeView.as_view(), name="quiz-regrade"),
    path("quizzes/attempts/<int:attempt_id>", AttemptView.as_view(), name="quiz-attempt"),
    path(
        "quizzes/attempts/<int:attempt_id>/questions/<int:position>/answers",
        AutosaveView.as_view(),
        name="quiz-autosave",
    ),
    path(
        "quizzes/attempts/<int:attempt_id>/submit",
        SubmitAttemptView.as_view(),
        name="quiz-submit",
    ),
    path(
        "quizzes/attempts/<int:attempt_id>/extend",
        ExtendAttemptView.as_view(),
        name="quiz-extend",
    ),
]
