"""Timed quizzes over the JSON API: instructors create and edit quizzes (and choose who may take
them), read every attempt, extend one student's time and regrade on the workers; students start
an attempt, autosave, check a question when the quiz releases feedback immediately, submit and
read their results as the quiz's release policy allows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from quizzes import quiz_selectors
from quizzes.api.serializers import InvalidAnswersSerializer
from quizzes.api.throttles import AutosaveThrottle, CheckThrottle
from quizzes.api.views import parsed
from quizzes.models import ProblemTemplate, Quiz, Topic
from quizzes.pages import API_ROOT
from quizzes.permissions import is_staff_member
from quizzes.quiz_access import (
    access_attempt,
    access_own_attempt,
    access_own_question,
    access_quiz,
)
from quizzes.services.quizzes import (
    AttemptClosed,
    Audience,
    ChecksNotOffered,
    NoChecksLeft,
    PoolItem,
    QuizError,
    autosave_answers,
    check_question,
    create_quiz,
    expire_if_overdue,
    expire_overdue_attempts,
    extend_attempt,
    record_attempt_score,
    request_regrade,
    start_attempt,
    submit_attempt,
    update_quiz,
)
from quizzes.services.submissions import InvalidAnswers

RELEASES = [choice.value for choice in Quiz.Release]


class QuizPoolEntrySerializer(serializers.Serializer):
    topic = serializers.SlugField(required=False)
    template = serializers.CharField(required=False, max_length=120)
    count = serializers.IntegerField(min_value=1, max_value=50, default=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("topic" in attrs) == ("template" in attrs):
            raise serializers.ValidationError("Give a topic or a template.")
        return attrs


class QuizAudienceSerializer(serializers.Serializer):
    students = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=2000, default=list
    )
    groups = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=200, default=list
    )


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
    checks_per_question = serializers.IntegerField(
        min_value=0,
        default=1,
        help_text="Checks per question while an attempt runs (only when feedback is released "
        "immediately); 0 turns them off.",
    )
    audience = QuizAudienceSerializer(
        required=False,
        help_text="Students (user names) and groups the quiz is set for; both empty: everyone.",
    )


class QuizCreateSerializer(QuizSettingsSerializer):
    pool = QuizPoolEntrySerializer(many=True, allow_empty=False)


class QuizAutosaveSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False)
    )
    sequence = serializers.IntegerField(min_value=1, max_value=2**62)


class QuizCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The submission grading this check.")
    status = serializers.CharField(help_text="pending, grading, graded, invalid or failed.")
    created = serializers.BooleanField(
        help_text="False when these answers were checked already (no check used)."
    )
    submission_url = serializers.CharField(
        help_text="Read the verdict here; `?wait=N` waits up to N seconds for it."
    )
    answers = serializers.DictField(child=serializers.CharField(), help_text="Answers checked.")
    sequence = serializers.IntegerField()
    checks_used = serializers.IntegerField()
    checks_left = serializers.IntegerField()
    seconds_left = serializers.FloatField()


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
    checks_per_question = serializers.IntegerField()
    pool = QuizPoolEntrySerializer(many=True, required=False, help_text="Staff only.")
    audience = QuizAudienceSerializer(required=False, help_text="Staff only.")


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
    check = serializers.DictField(
        required=False,
        help_text="While an attempt runs with checks offered: {allowed, used, left, submission, "
        "answers, result} of the latest check.",
    )
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
    checks_offered = serializers.BooleanField()
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


class QuizRegradeProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    template = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="queued, running, finished or failed.")
    total = serializers.IntegerField(help_text="Questions to regrade.")
    done = serializers.IntegerField(help_text="Questions the worker has been through.")
    sent = serializers.IntegerField(help_text="New submissions sent for grading.")
    graded = serializers.IntegerField(help_text="Of those, with their verdict in.")
    finished = serializers.BooleanField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class QuizDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class QuizCheckRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField(help_text="not_offered, attempt_closed or no_checks_left.")


def require_staff(request: Request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied("Quizzes are set by instructors.")


def audience_from(data: dict[str, Any]) -> Audience:
    """User names and group names as rows; an unknown one is a field error."""
    names = list(dict.fromkeys(data.get("students", [])))
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names)}
    unknown = [name for name in names if name not in users]
    if unknown:
        raise ApiValidationError({"audience": [f"There is no student {unknown[0]!r}."]})
    group_names = list(dict.fromkeys(data.get("groups", [])))
    groups = {g.name: g for g in Group.objects.filter(name__in=group_names)}
    missing = [name for name in group_names if name not in groups]
    if missing:
        raise ApiValidationError({"audience": [f"There is no group {missing[0]!r}."]})
    return Audience(
        students=[users[name] for name in names], groups=[groups[name] for name in group_names]
    )


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
        audience = audience_from(data.pop("audience")) if "audience" in data else None
        try:
            quiz = create_quiz(created_by=request.user, pool=pool, audience=audience, **data)
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
        changes = dict(serializer.validated_data)
        audience = audience_from(changes.pop("audience")) if "audience" in changes else None
        try:
            update_quiz(quiz=quiz, changes=changes, audience=audience)
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


def refusal(exc: Exception, reason: str, code: int) -> Response:
    return Response({"detail": str(exc), "reason": reason}, status=code)


def seconds_left(deadline: Any) -> float:
    return round(max(0.0, (deadline - timezone.now()).total_seconds()), 1)


class QuestionAnswersView(APIView):
    """A question's answers: PUT saves them (autosave); POST saves them and checks the question
    on the grading pipeline (quizzes that release feedback immediately)."""

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":
            return [CheckThrottle()]
        return [AutosaveThrottle()]

    @extend_schema(
        operation_id="quizzes_attempts_questions_answers_save",
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
        return Response(
            {
                "saved": result.saved,
                "sequence": result.sequence,
                "saved_at": result.saved_at.isoformat() if result.saved_at else None,
                "seconds_left": seconds_left(question.attempt.deadline),
            }
        )

    @extend_schema(
        operation_id="quizzes_attempts_questions_answers_check",
        summary="Save a question's answers and check them",
        description="Saves the answers as the PUT does, then sends the question (with its "
        "newest saved answers) to grading. Read the verdict at `submission_url` (`?wait=N` "
        "long-polls). Offered when the quiz releases feedback immediately, "
        "`checks_per_question` times per question; answers already checked return the same "
        "check (200) and use nothing; unreadable answers (400) use nothing either.",
        request=QuizAutosaveSerializer,
        responses={
            202: QuizCheckSerializer,
            200: QuizCheckSerializer,
            400: InvalidAnswersSerializer,
            403: QuizCheckRefusedSerializer,
            409: QuizCheckRefusedSerializer,
        },
    )
    def post(self, request: Request, attempt_id: int, position: int) -> Response:
        data = parsed(QuizAutosaveSerializer, request)
        question = access_own_question(request.user, attempt_id, position)
        try:
            result = check_question(
                user=request.user,
                question=question,
                answers=data["answers"],
                sequence=data["sequence"],
            )
        except InvalidAnswers as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except ChecksNotOffered as exc:
            return refusal(exc, "not_offered", status.HTTP_403_FORBIDDEN)
        except AttemptClosed as exc:
            expire_if_overdue(attempt=question.attempt)
            return refusal(exc, "attempt_closed", status.HTTP_409_CONFLICT)
        except NoChecksLeft as exc:
            return refusal(exc, "no_checks_left", status.HTTP_409_CONFLICT)
        except QuizError as exc:
            raise ApiValidationError({"answers": [str(exc)]}) from None
        submission = result.submission
        return Response(
            {
                "id": submission.pk,
                "status": submission.status,
                "created": result.created,
                "submission_url": f"{API_ROOT}submissions/{submission.pk}",
                "answers": result.answers,
                "sequence": result.sequence,
                "checks_used": result.checks_used,
                "checks_left": max(0, result.checks_allowed - result.checks_used),
                "seconds_left": seconds_left(question.attempt.deadline),
            },
            status=status.HTTP_202_ACCEPTED if result.created else status.HTTP_200_OK,
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
        operation_id="quizzes_regrade_list",
        responses=QuizRegradeProgressSerializer(many=True),
        description="The quiz's latest regrades, newest first, with their progress.",
    )
    def get(self, request: Request, quiz_id: int) -> Response:
        require_staff(request)
        quiz = access_quiz(request.user, quiz_id)
        return Response(quiz_selectors.regrades_of_quiz(quiz))

    @extend_schema(
        request=QuizRegradeSerializer,
        responses={202: QuizRegradeProgressSerializer, 409: QuizDetailSerializer},
        description="Queue a regrade of the template's questions in the quiz's submitted "
        "attempts (same seed, current version, saved answers); a worker carries it out. "
        "Follow it with GET.",
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        require_staff(request)
        data = parsed(QuizRegradeSerializer, request)
        quiz = access_quiz(request.user, quiz_id)
        template = ProblemTemplate.objects.filter(key=data["template"]).first()
        if template is None:
            raise NotFound("No such template.")
        try:
            regrade = request_regrade(quiz=quiz, template=template, requested_by=request.user)
        except QuizError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(quiz_selectors.regrade_of(regrade.pk), status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("quizzes", QuizListView.as_view(), name="quizzes"),
    path("quizzes/<int:quiz_id>", QuizView.as_view(), name="quiz"),
    path("quizzes/<int:quiz_id>/attempts", QuizAttemptsView.as_view(), name="quiz-attempts"),
    path("quizzes/<int:quiz_id>/regrade", RegradeView.as_view(), name="quiz-regrade"),
    path("quizzes/attempts/<int:attempt_id>", AttemptView.as_view(), name="quiz-attempt"),
    path(
        "quizzes/attempts/<int:attempt_id>/questions/<int:position>/answers",
        QuestionAnswersView.as_view(),
        name="quiz-answers",
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
