from django.urls import include, path

from quizzes.api import views

app_name = "api"

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("topics", views.TopicsView.as_view(), name="topics"),
    path("practice/next", views.NextProblemView.as_view(), name="next-problem"),
    path("problems/<int:problem_id>", views.ProblemView.as_view(), name="problem"),
    path("problems/<int:problem_id>/another", views.AnotherProblemView.as_view(), name="another"),
    path("problems/<int:problem_id>/hints", views.HintsView.as_view(), name="hints"),
    path("problems/<int:problem_id>/solution", views.SolutionView.as_view(), name="solution"),
    path("problems/<int:problem_id>/submissions", views.SubmitView.as_view(), name="submit"),
    path("submissions/<int:submission_id>", views.SubmissionView.as_view(), name="submission"),
    path("progress", views.ProgressView.as_view(), name="progress"),
    path("attempts", views.AttemptsView.as_view(), name="attempts"),
    path("preview", views.PreviewView.as_view(), name="preview"),
    path("authoring/", include("quizzes.api.authoring")),
    path("", include("quizzes.api.quizzes")),
    path("", include("quizzes.api.diagnostic")),
]
