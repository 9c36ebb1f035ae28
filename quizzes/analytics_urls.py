"""Analytics pages for instructors and admins, under /analytics/ (included by config.urls)."""

from django.urls import path

from quizzes import analytics_views

urlpatterns = [
    path("", analytics_views.heatmap, name="analytics-heatmap"),
    path("students/<int:student_id>", analytics_views.student, name="analytics-student"),
    path("templates", analytics_views.templates, name="analytics-templates"),
    path("templates/<str:key>", analytics_views.template_detail, name="analytics-template"),
]
