"""The adaptive diagnostic over the JSON API: start it, read the next question (which records a
graded answer and moves on), answer through the submission pipeline, read the result; or skip."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quizzes import selectors
from quizzes.api.throttles import DiagnosticAnswerThrottle
from quizzes.api.views import parsed
from quizzes.models import DiagnosticSession
from quizzes.services.diagnostic import (
    advance_diagnostic,
    latest_diagnostic,
    skip_diagnostic,
    start_diagnostic_session,
    topic_graph,
)
from quizzes.services.submissions import (
    IdempotencyKeyReused,
    InvalidAnswers,
    NoAttemptsLeft,
    submit_answers,
)
from quizzes.topic_map import topic_map_svg


class DiagnosticAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=2000)
    )


class DiagnosticSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    asked = serializers.IntegerField()
    grading = serializers.BooleanField()
    question = serializers.DictField(allow_null=True)


class DiagnosticResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    asked = serializers.IntegerField()
    estimates = serializers.DictField(child=serializers.FloatField())
    questions = serializers.ListField(child=serializers.DictField())


def _session_view(session: DiagnosticSession) -> dict[str, Any]:
    problem = session.current_problem
    question = None
    grading = False
    if problem is not None:
        question = selectors.problem_summary(problem)
        grading = problem.submissions.exists()
    return {
        "id": session.pk,
        "status": session.status,
        "asked": len(session.questions),
        "grading": grading,
        "question": question,
    }


def _active(request: Request) -> DiagnosticSession:
    session = latest_diagnostic(user=request.user)
    if session is None or session.status != DiagnosticSession.Status.ACTIVE:
        raise NotFound("No diagnostic in progress.")
    return session


class DiagnosticStartView(APIView):
    @extend_schema(request=None, responses={201: DiagnosticSessionSerializer})
    def post(self, request: Request) -> Response:
        session = start_diagnostic_session(user=request.user)
        return Response(_session_view(session), status=status.HTTP_201_CREATED)


class DiagnosticNextView(APIView):
    @extend_schema(responses=DiagnosticSessionSerializer)
    def get(self, request: Request) -> Response:
        session = advance_diagnostic(session=_active(request), user=request.user)
        return Response(_session_view(session))


class DiagnosticAnswerView(APIView):
    # Its own count (shared with the diagnostic page's form), so a diagnostic does not use up
    # the practice submissions' allowance.
    throttle_classes = [DiagnosticAnswerThrottle]

    @extend_schema(request=DiagnosticAnswerSerializer, responses={202: None})
    def post(self, request: Request) -> Response:
        data = parsed(DiagnosticAnswerSerializer, request)
        session = _active(request)
        if session.current_problem is None:
            raise NotFound("No question to answer.")
        try:
            result = submit_answers(
                user=request.user, problem=session.current_problem, answers=data["answers"]
            )
        except InvalidAnswers as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        except (NoAttemptsLeft, IdempotencyKeyReused) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"id": result.submission.pk, "status": result.submission.status},
            status=status.HTTP_202_ACCEPTED,
        )


class DiagnosticResultView(APIView):
    @extend_schema(responses=DiagnosticResultSerializer)
    def get(self, request: Request) -> Response:
        session = latest_diagnostic(user=request.user)
        if session is None or session.status != DiagnosticSession.Status.FINISHED:
            raise NotFound("No finished diagnostic.")
        return Response(
            {
                "id": session.pk,
                "status": session.status,
                "asked": len(session.questions),
                "estimates": session.estimates,
                "questions": session.questions,
            }
        )


class DiagnosticMapView(APIView):
    @extend_schema(responses={200: str})
    def get(self, request: Request) -> Response:
        session = latest_diagnostic(user=request.user)
        if session is None or session.status != DiagnosticSession.Status.FINISHED:
            raise NotFound("No finished diagnostic.")
        return Response({"svg": topic_map_svg(topic_graph(), session.estimates)})


class DiagnosticSkipView(APIView):
    @extend_schema(request=None, responses=DiagnosticSessionSerializer)
    def post(self, request: Request) -> Response:
        return Response(_session_view(skip_diagnostic(user=request.user)))


urlpatterns = [
    path("diagnostic/start", DiagnosticStartView.as_view(), name="diagnostic-start"),
    path("diagnostic/next", DiagnosticNextView.as_view(), name="diagnostic-next"),
    path("diagnostic/answer", DiagnosticAnswerView.as_view(), name="diagnostic-answer"),
    path("diagnostic/result", DiagnosticResultView.as_view(), name="diagnostic-result"),
    path("diagnostic/map", DiagnosticMapView.as_view(), name="diagnostic-map"),
    path("diagnostic/skip", DiagnosticSkipView.as_view(), name="diagnostic-skip"),
]
