from django.urls import path

from quizzes import diagnostic_views as views

urlpatterns = [
    path("diagnostic", views.diagnostic, name="diagnostic"),
    path("diagnostic/start", views.diagnostic_start, name="diagnostic-start"),
    path("diagnostic/skip", views.diagnostic_skip, name="diagnostic-skip"),
    path("diagnostic/answer", views.diagnostic_answer, name="diagnostic-answer"),
    path("diagnostic/result", views.diagnostic_result, name="diagnostic-result"),
]
