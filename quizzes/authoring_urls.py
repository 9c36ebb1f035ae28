"""Instructor pages (under /authoring/) and a student's way into an assignment."""

from django.urls import path

from quizzes import authoring_views as views

urlpatterns = [
    path("authoring/", views.authoring_index, name="authoring"),
    path("authoring/templates/new", views.template_new, name="authoring-new"),
    path("authoring/templates/<slug:key>", views.template_editor, name="authoring-editor"),
    path(
        "authoring/templates/<slug:key>/history",
        views.template_history,
        name="authoring-history",
    ),
    path("authoring/templates/<slug:key>/export", views.template_export, name="authoring-export"),
    path("authoring/export.zip", views.templates_export_zip, name="authoring-export-zip"),
    path("authoring/import", views.templates_import, name="authoring-import"),
    path("authoring/assignments", views.assignment_list, name="authoring-assignments"),
    path("authoring/assignments/new", views.assignment_create, name="authoring-assignment-new"),
    path(
        "authoring/assignments/<int:assignment_id>",
        views.assignment_completion,
        name="authoring-assignment",
    ),
    path(
        "authoring/assignments/<int:assignment_id>/edit",
        views.assignment_edit,
        name="authoring-assignment-edit",
    ),
    path(
        "assignments/<int:assignment_id>/practice",
        views.assignment_practice,
        name="assignment-practice",
    ),
]
