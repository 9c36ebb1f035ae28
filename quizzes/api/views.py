"""API views: parse, authorize, call a service or selector, return."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

import grading
from quizzes import selectors, verdict_channel
from quizzes.api import serializers as s
from quizzes.api.throttles import (
    LoginNameThrottle,
    LoginThrottle,
    PreviewThrottle,
    RegisterThrottle,
    SubmitThrottle,
)
from quizzes.permissions import (
    access_own_problem,
    access_problem,
    access_submission,
    is_staff_member,
)
from quizzes.services.accounts import issue_token, register_student
from quizzes.services.next_problem import NoProblemAvailable, choose_next_problem
from quizzes.services.practice import TemplateUnavailable, create_another_problem, reveal_hint
from quizzes.services.submissions import (
    IdempotencyKeyReused,
    InvalidAnswers,
    NoAttemptsLeft,
    submit_answers,
)


def wait_seconds(raw: str | None) -> float:
    """The `wait` query parameter as seconds within the allowed range; 0 when absent or unreadable."""
    try:
        value = float(raw) if raw else 0.0
    except ValueError:
        return 0.0
    if value != value:  # NaN
        return 0.0
    return min(max(value, 0.0), verdict_channel.MAX_WAIT_SECONDS)


def parsed(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """The request body validated by `serializer_class` (400 with field errors otherwise)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=s.HealthSerializer)
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(request=s.CredentialsSerializer, responses={201: s.TokenSerializer})
    def post(self, request: Request) -> Response:
        data = parsed(s.CredentialsSerializer, request)
        try:
            user = register_student(username=data["username"], password=data["password"])
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None
        return Response({"token": issue_token(user=user)}, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle, LoginNameThrottle]

    @extend_schema(request=s.CredentialsSerializer, responses=s.TokenSerializer)
    def post(self, request: Request) -> Response:
        data = parsed(s.CredentialsSerializer, request)
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            return Response(
                {"detail": "Wrong user name or password."},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Token"},
            )
        return Response({"token": issue_token(user=user)})


class TopicsView(APIView):
    @extend_schema(responses=s.TopicSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(selectors.topics_with_mastery(user=request.user))


class NextProblemView(APIView):
    @extend_schema(request=s.NextProblemRequestSerializer, responses=s.ProblemSummarySerializer)
    def post(self, request: Request) -> Response:
        data = parsed(s.NextProblemRequestSerializer, request)
        try:
            problem = choose_next_problem(user=request.user, topic_slug=data.get("topic"))
        except NoProblemAvailable as exc:
            raise NotFound(str(exc)) from None
        return Response(selectors.problem_summary(problem))


class ProblemView(APIView):
    @extend_schema(responses=s.ProblemDetailSerializer)
    def get(self, request: Request, problem_id: int) -> Response:
        problem = access_problem(request.user, problem_id)
        reveal = selectors.may_see_solution(problem=problem, is_staff=is_staff_member(request.user))
        return Response(selectors.problem_view(problem, reveal_solution=reveal))


class AnotherProblemView(APIView):
    @extend_schema(request=None, responses={201: s.ProblemSummarySerializer})
    def post(self, request: Request, problem_id: int) -> Response:
        problem = access_own_problem(request.user, problem_id)
        try:
            another = create_another_problem(problem=problem)
        except TemplateUnavailable as exc:
            raise NotFound(str(exc)) from None
        return Response(selectors.problem_summary(another), status=status.HTTP_201_CREATED)


class HintsView(APIView):
    @extend_schema(request=None, responses=s.HintsSerializer)
    def post(self, request: Request, problem_id: int) -> Response:
        problem = reveal_hint(problem=access_own_problem(request.user, problem_id))
        return Response(selectors.hints_of(problem))


class SolutionView(APIView):
    @extend_schema(responses=s.SolutionSerializer)
    def get(self, request: Request, problem_id: int) -> Response:
        if not is_staff_member(request.user):
            raise PermissionDenied("Solutions are for instructors.")
        return Response(selectors.solution_of(access_problem(request.user, problem_id)))


def answer_errors(errors: dict[str, Any]) -> dict[str, Any]:
    """Field errors of a submission body. A part's text refused by the serializer (too long, a
    NUL character) is reported per part, in the shape of unreadable answers, so the practice page
    marks that part with the message."""
    per_part = errors.get("answers")
    if set(errors) == {"answers"} and isinstance(per_part, dict):
        return {
            "errors": {
                str(part): {"message": str(messages[0]), "position": None}
                for part, messages in per_part.items()
            }
        }
    return dict(errors)


class SubmitView(APIView):
    throttle_classes = [SubmitThrottle]

    @extend_schema(
        request=s.SubmitRequestSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={
            202: s.SubmissionAcceptedSerializer,
            200: s.SubmissionAcceptedSerializer,
            400: s.InvalidAnswersSerializer,
        },
    )
    def post(self, request: Request, problem_id: int) -> Response:
        serializer = s.SubmitRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(answer_errors(serializer.errors), status=status.HTTP_400_BAD_REQUEST)
        data = dict(serializer.validated_data)
        key = request.headers.get("Idempotency-Key", "") or data.get("idempotency_key", "")
        if len(key) > 100:
            raise ApiValidationError({"idempotency_key": ["At most 100 characters."]})
        problem = access_own_problem(request.user, problem_id)
        try:
            result = submit_answers(
                user=request.user, problem=problem, answers=data["answers"], idempotency_key=key
            )
        except InvalidAnswers as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except (NoAttemptsLeft, IdempotencyKeyReused) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_202_ACCEPTED if result.created else status.HTTP_200_OK
        return Response({"id": result.submission.pk, "status": result.submission.status}, code)


class SubmissionView(APIView):
    @extend_schema(
        responses=s.SubmissionSerializer,
        parameters=[
            OpenApiParameter(
                "wait",
                float,
                description="Seconds (at most 10) to wait for grading to finish before answering.",
            )
        ],
    )
    def get(self, request: Request, submission_id: int) -> Response:
        submission = access_submission(request.user, submission_id)
        wait = wait_seconds(request.query_params.get("wait"))
        if wait and submission.status in selectors.UNFINISHED:
            submission = selectors.submission_when_finished(submission=submission, seconds=wait)
        return Response(selectors.submission_view(submission))


class ProgressView(APIView):
    @extend_schema(responses=s.ProgressSerializer)
    def get(self, request: Request) -> Response:
        return Response(selectors.progress_of(user=request.user))


class AttemptsView(ListAPIView):
    serializer_class = s.AttemptSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.attempts_of(user=self.request.user)


class PreviewView(APIView):
    throttle_classes = [PreviewThrottle]

    @extend_schema(request=s.PreviewRequestSerializer, responses=s.PreviewSerializer)
    def post(self, request: Request) -> Response:
        data = parsed(s.PreviewRequestSerializer, request)
        return Response(grading.preview(data["kind"], data["text"], data.get("options", {})))
