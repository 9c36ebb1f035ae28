"""Quiz pages (the JSON API for quizzes lives in quizzes.api.quizzes)."""

from django.urls import path

from quizzes import quiz_views

urlpatterns = [
    path("quizzes", quiz_views.quiz_list, name="quiz-list"),
    path("quizzes/new", quiz_views.quiz_new, name="quiz-new"),
    path("quizzes/<int:quiz_id>", quiz_views.quiz_detail, name="quiz-detail"),
    path("quizzes/<int:quiz_id>/edit", quiz_views.quiz_edit, name="quiz-edit"),
    path("quizzes/<int:quiz_id>/start", quiz_views.quiz_start, name="quiz-start"),
    path("quizzes/<int:quiz_id>/regrade", quiz_views.quiz_regrade, name="quiz-regrade"),
    path("quizzes/attempts/<int:attempt_id>", quiz_views.attempt_page, name="quiz-attempt"),
    path(
        "quizzes/attempts/<int:attempt_id>/extend",
        quiz_views.attempt_extend,
        name="quiz-attempt-extend",
    ),
]
