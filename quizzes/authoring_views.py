"""Instructor pages: templates (list, new, editor, history, import and export) and assignments.
Only staff reach them (students get 403); the editor's behaviour lives in
static/gradient/authoring.js on the JSON endpoints of quizzes.api.authoring. Students reach one
view here: practice inside one of their assignments."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quizzes.authoring_forms import AssignmentForm, DuplicateForm, ImportForm, StarterForm
from quizzes.models import Assignment, ProblemTemplate, TemplateVersion
from quizzes.permissions import is_staff_member
from quizzes.services import assignments, authoring
from quizzes.services.practice import TemplateUnavailable

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; signed-in students get 403."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied("Only instructors and admins may author.")
        return view(request, *args, **kwargs)

    return checked


def access_template(key: str) -> ProblemTemplate:
    return get_object_or_404(
        ProblemTemplate.objects.select_related("current_version", "topic"), key=key
    )


def index_context(**forms: Any) -> dict[str, Any]:
    return {
        "templates": ProblemTemplate.objects.select_related("topic", "current_version").order_by(
            "topic__position", "key"
        ),
        "starter_form": forms.get("starter_form") or StarterForm(prefix="starter"),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(prefix="duplicate"),
        "import_form": forms.get("import_form") or ImportForm(),
        "nav": "authoring",
    }


@staff_required
@require_GET
def authoring_index(request: HttpRequest) -> HttpResponse:
    return render(request, "quizzes/authoring/index.html", index_context())


@staff_required
@require_POST
def template_new(request: HttpRequest) -> HttpResponse:
    """A new template from the starter or as a copy of another, then straight to the editor."""
    if "duplicate-key" in request.POST:
        form: StarterForm | DuplicateForm = DuplicateForm(request.POST, prefix="duplicate")
        context_name = "duplicate_form"
    else:
        form = StarterForm(request.POST, prefix="starter")
        context_name = "starter_form"
    if not form.is_valid():
        context = index_context(**{context_name: form})
        return render(request, "quizzes/authoring/index.html", context, status=400)
    data = form.cleaned_data
    if isinstance(form, DuplicateForm):
        source = authoring.duplicate_source(template=data["original"], key=data["key"])
    else:
        source = authoring.starter_source(
            key=data["key"], topic=data["topic"].slug, title=data["title"]
        )
    try:
        template = authoring.create_template(source=source)
    except authoring.SourceRejected as error:
        form.add_error(None, f"The new template does not check: {error}")
        context = index_context(**{context_name: form})
        return render(request, "quizzes/authoring/index.html", context, status=400)
    messages.success(request, f"Created {template.key}; edit it below and publish.")
    return redirect("authoring-editor", key=template.key)


@staff_required
@require_GET
def template_editor(request: HttpRequest, key: str) -> HttpResponse:
    template = access_template(key)
    context = {"template": template, "version": template.current_version, "nav": "authoring"}
    return render(request, "quizzes/authoring/editor.html", context)


@staff_required
@require_GET
def template_history(request: HttpRequest, key: str) -> HttpResponse:
    template = access_template(key)
    versions = list(template.versions.annotate(served=Count("problems")).order_by("-number"))
    by_number = {version.number: version for version in versions}
    diff_html = ""
    old = new = None
    if len(versions) > 1:
        new = by_number.get(parse_number(request.GET.get("new")), versions[0])
        old = by_number.get(parse_number(request.GET.get("old")), versions[1])
        diff_html = authoring.version_diff(old=old, new=new)
    context = {
        "template": template,
        "versions": versions,
        "old": old,
        "new": new,
        "diff_html": diff_html,
        "nav": "authoring",
    }
    return render(request, "quizzes/authoring/history.html", context)


def parse_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else 0


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
@require_GET
def template_export(request: HttpRequest, key: str) -> HttpResponse:
    template = access_template(key)
    number = parse_number(request.GET.get("version"))
    if number:
        version = get_object_or_404(TemplateVersion, template=template, number=number)
        return download(
            version.source_text.encode("utf-8"),
            authoring.exported_name(template),
            "application/toml",
        )
    if template.current_version is None:
        raise Http404("This template has no version.")
    return download(
        authoring.export_source(template=template),
        authoring.exported_name(template),
        "application/toml",
    )


@staff_required
@require_GET
def templates_export_zip(request: HttpRequest) -> HttpResponse:
    templates = ProblemTemplate.objects.select_related("current_version").order_by("key")
    if topic := request.GET.get("topic"):
        templates = templates.filter(topic__slug=topic)
    return download(authoring.export_zip(templates=templates), "templates.zip", "application/zip")


@staff_required
@require_POST
def templates_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "quizzes/authoring/index.html", index_context(import_form=form), status=400
        )
    files = [
        (
            upload.name or "upload",
            upload.read() if upload.size <= authoring.IMPORT_MAX_BYTES else None,
        )
        for upload in request.FILES.getlist("files")
    ]
    report = authoring.import_sources(files=files)
    context = {"report": report, "nav": "authoring"}
    return render(request, "quizzes/authoring/import_report.html", context)


@staff_required
@require_GET
def assignment_list(request: HttpRequest) -> HttpResponse:
    rows = list(assignments.assignments_overview())
    completed = assignments.completed_counts([row.pk for row in rows])
    for row in rows:
        row.completed_count = completed.get(row.pk, 0)
    context = {"assignments": rows, "nav": "assignments"}
    return render(request, "quizzes/authoring/assignments.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest) -> HttpResponse:
    form = AssignmentForm(request.POST or None, initial={"problem_count": 5})
    if request.method == "POST" and form.is_valid():
        created = assignments.create_assignment(created_by=request.user, spec=form.spec())
        messages.success(request, f"Assignment “{created.title}” created.")
        return redirect("authoring-assignment", assignment_id=created.pk)
    context = {"form": form, "assignment": None, "nav": "assignments"}
    return render(request, "quizzes/authoring/assignment_form.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = get_object_or_404(Assignment, pk=assignment_id)
    initial = {
        "title": found.title,
        "topics": found.topics.all(),
        "templates": found.templates.all(),
        "students": found.students.all(),
        "problem_count": found.problem_count,
        "opens_at": found.opens_at,
        "due_at": found.due_at,
    }
    form = AssignmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        assignments.update_assignment(assignment=found, spec=form.spec())
        messages.success(request, "Assignment saved.")
        return redirect("authoring-assignment", assignment_id=found.pk)
    context = {"form": form, "assignment": found, "nav": "assignments"}
    return render(request, "quizzes/authoring/assignment_form.html", context)


@staff_required
@require_GET
def assignment_completion(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = get_object_or_404(Assignment.objects.select_related("created_by"), pk=assignment_id)
    context = {
        "assignment": found,
        "rows": assignments.completion_of(assignment=found),
        "topics": found.topics.all(),
        "templates": found.templates.all(),
        "nav": "assignments",
    }
    return render(request, "quizzes/authoring/assignment_completion.html", context)


@login_required
@require_GET
def assignment_practice(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = get_object_or_404(Assignment, pk=assignment_id, students=request.user.pk)
    try:
        problem = assignments.next_assignment_problem(user=request.user, assignment=found)
    except (assignments.AssignmentUnavailable, TemplateUnavailable) as error:
        messages.error(request, str(error))
        return redirect("dashboard")
    return redirect("problem", problem_id=problem.pk)
