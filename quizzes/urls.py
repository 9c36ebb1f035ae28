"""Student pages. The JSON API lives under /api/v1/ (quizzes.api.urls, included by config.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from quizzes import views
from quizzes.login_limits import limit_failed_logins

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup", views.signup, name="signup"),
    path(
        "login",
        limit_failed_logins(
            auth_views.LoginView.as_view(
                template_name="quizzes/login.html",
                redirect_authenticated_user=True,
                extra_context={"nav": "login"},
            )
        ),
        name="login",
    ),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard", views.dashboard, name="dashboard"),
    path("practice", views.practice, name="practice"),
    path("problems/<int:problem_id>", views.problem, name="problem"),
    path("history", views.history, name="history"),
    path("", include("quizzes.quiz_urls")),
    path("", include("quizzes.diagnostic_urls")),
]
