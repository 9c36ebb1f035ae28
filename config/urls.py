from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("quizzes.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("analytics/", include("quizzes.analytics_urls")),
    path("", include("quizzes.authoring_urls")),
    path("", include("quizzes.urls")),
]
