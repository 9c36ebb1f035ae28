"""JSON behind the template editor (staff only): check a source, preview variants, try an
answer against a variant, publish a version. Included under /api/v1/authoring/."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quizzes.models import ProblemTemplate
from quizzes.permissions import is_staff_member
from quizzes.services import authoring


class IsStaffMember(BasePermission):
    message = "Only instructors and admins may author templates."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)


class AuthoringSourceSerializer(serializers.Serializer):
    source = serializers.CharField(
        max_length=authoring.SOURCE_MAX_CHARS, trim_whitespace=False, allow_blank=True
    )


class AuthoringCheckRequestSerializer(AuthoringSourceSerializer):
    template = serializers.CharField(max_length=120, required=False)


class AuthoringPreviewRequestSerializer(AuthoringSourceSerializer):
    count = serializers.IntegerField(min_value=1, max_value=authoring.PREVIEW_MAX, default=3)
    first_seed = serializers.IntegerField(min_value=0, max_value=authoring.SEED_MAX, default=0)


class AuthoringTryRequestSerializer(AuthoringSourceSerializer):
    seed = serializers.IntegerField(min_value=0, max_value=authoring.SEED_MAX)
    part = serializers.CharField(max_length=40)
    answer = serializers.CharField(
        max_length=authoring.ANSWER_MAX_CHARS, allow_blank=True, trim_whitespace=False
    )


CheckResult = inline_serializer(
    "AuthoringCheck",
    {
        "ok": serializers.BooleanField(),
        "id": serializers.CharField(allow_null=True),
        "problems": serializers.ListField(child=serializers.DictField()),
    },
)


def parsed(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def preview_row(preview: authoring.VariantPreview) -> dict[str, Any]:
    if preview.variant is None:
        error = preview.error.to_dict() if preview.error else {"message": "failed"}
        return {"seed": preview.seed, "error": error}
    variant = preview.variant
    return {
        "seed": preview.seed,
        "statement_html": variant["statement_html"],
        "hints_html": variant["hints_html"],
        "solution_html": variant["solution_html"],
        "values": variant["values"],
        "parts": [
            {
                "key": part["key"],
                "kind": part["kind"],
                "prompt_html": part["prompt_html"],
                "answer": part["answer"],
                "answer_latex": part["answer_latex"],
                "choices": part["choices"],
                "mistakes": part["options"].get("mistakes", []),
            }
            for part in variant["parts"]
        ],
    }


class CheckView(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=AuthoringCheckRequestSerializer, responses=CheckResult)
    def post(self, request: Request) -> Response:
        data = parsed(AuthoringCheckRequestSerializer, request)
        check = authoring.check_source(source=data["source"], expected_key=data.get("template"))
        return Response(check.to_dict())


class PreviewView(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        request=AuthoringPreviewRequestSerializer,
        responses=inline_serializer(
            "AuthoringPreview",
            {
                "problems": serializers.ListField(child=serializers.DictField()),
                "variants": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = parsed(AuthoringPreviewRequestSerializer, request)
        check, previews = authoring.preview_variants(
            source=data["source"], count=data["count"], first_seed=data["first_seed"]
        )
        return Response(
            {
                "problems": [problem.to_dict() for problem in check.problems],
                "variants": [preview_row(preview) for preview in previews],
            }
        )


class TryView(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        request=AuthoringTryRequestSerializer,
        responses=inline_serializer("AuthoringVerdict", {"status": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        data = parsed(AuthoringTryRequestSerializer, request)
        verdict = authoring.try_answer(
            source=data["source"], seed=data["seed"], part_key=data["part"], answer=data["answer"]
        )
        return Response(verdict.to_dict())


class PublishView(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        request=AuthoringSourceSerializer,
        responses={
            201: inline_serializer(
                "AuthoringPublished",
                {
                    "template": serializers.CharField(),
                    "number": serializers.IntegerField(),
                    "created": serializers.BooleanField(),
                },
            ),
            400: CheckResult,
        },
    )
    def post(self, request: Request, key: str) -> Response:
        data = parsed(AuthoringSourceSerializer, request)
        template = get_object_or_404(
            ProblemTemplate.objects.select_related("current_version"), key=key
        )
        before = template.current_version_id
        try:
            version = authoring.publish_template_version(template=template, source=data["source"])
        except authoring.SourceRejected as error:
            return Response(error.check.to_dict(), status=status.HTTP_400_BAD_REQUEST)
        created = version.pk != before
        return Response(
            {"template": template.key, "number": version.number, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


urlpatterns = [
    path("check", CheckView.as_view(), name="authoring-check"),
    path("preview", PreviewView.as_view(), name="authoring-preview"),
    path("try", TryView.as_view(), name="authoring-try"),
    path("templates/<slug:key>/versions", PublishView.as_view(), name="authoring-publish"),
]
