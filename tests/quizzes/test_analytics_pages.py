"""The analytics pages: who may open them, what they show, their CSV downloads and their
query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from quizzes import analytics
from quizzes.analytics_views import heatmap_rows_html
from quizzes.charts import Series, bar_chart, line_chart
from quizzes.models import Assignment, LearnerTopicState, ProblemTemplate, Topic
from tests.conftest import UserFactory
from tests.quizzes.analytics_class import answered

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.quizzes.analytics_class"]


def browser_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page_urls(answered) -> list[str]:
    alice = answered["alice"]
    return [
        reverse("analytics-heatmap"),
        reverse("analytics-student", args=[alice.user_id]),
        reverse("analytics-templates"),
        reverse("analytics-template", args=[alice.template.key]),
    ]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_anonymous_visitors_are_sent_to_log_in(answered_class):
    for url in page_urls(answered_class):
        response = browser_for(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_students_never_reach_the_analytics(answered_class):
    alice = answered_class["alice"].user
    for url in page_urls(answered_class):
        assert browser_for(alice).get(url).status_code == 403, url
        assert browser_for(alice).get(url + "?format=csv").status_code == 403, url


def test_an_admin_opens_every_page_and_its_csv(answered_class, admin_user):
    client = browser_for(admin_user)
    for url in page_urls(answered_class):
        page = client.get(url)
        assert page.status_code == 200, url
        download = client.get(url + "?format=csv")
        assert download.status_code == 200, url
        assert download["Content-Type"].startswith("text/csv")
        assert "attachment" in download["Content-Disposition"]
        assert len(read_csv(download)) >= 2, url


def test_the_heatmap_links_each_student_and_sorts_by_a_topic(answered_class, admin_user):
    alice = answered_class["alice"].user
    page = browser_for(admin_user).get(reverse("analytics-heatmap") + "?sort=first-steps&dir=desc")
    html = page.content.decode()
    assert reverse("analytics-student", args=[alice.pk]) in html
    assert html.index(">alice<") < html.index(">bob<") < html.index(">carol<")
    assert 'class="m9" title="First steps: 90%">90<' in html
    assert 'aria-sort="descending"' in html


def test_an_instructor_cannot_open_a_student_they_have_not_assigned(answered_class, instructor):
    bob = answered_class["bob"].user
    client = browser_for(instructor)
    url = reverse("analytics-student", args=[bob.pk])
    assert client.get(url).status_code == 404
    Assignment.objects.create(title="Week 1", created_by=instructor).students.add(bob)
    assert client.get(url).status_code == 200
    heatmap = client.get(reverse("analytics-heatmap")).content.decode()
    assert ">bob<" in heatmap and ">alice<" not in heatmap


def test_a_student_page_shows_a_chart_and_attempts(answered_class, admin_user):
    alice = answered_class["alice"]
    html = browser_for(admin_user).get(reverse("analytics-student", args=[alice.user_id])).content
    assert b"<svg" in html and b"<polyline" in html
    assert alice.template.key.encode() in html


def test_a_template_page_lists_the_common_wrong_answer(answered_class, admin_user):
    template = answered_class["alice"].template
    page = browser_for(admin_user).get(reverse("analytics-template", args=[template.key]))
    assert b"<code>6</code>" in page.content
    rows = read_csv(browser_for(admin_user).get(page.request["PATH_INFO"] + "?format=csv"))
    assert rows[0] == ["part", "answer", "count", "parsed"]
    assert rows[1][1:] == ["6", "2", "True"]


def test_an_unknown_template_or_student_answers_404(answered_class, admin_user):
    client = browser_for(admin_user)
    assert client.get(reverse("analytics-template", args=["no-such"])).status_code == 404
    assert client.get(reverse("analytics-student", args=[admin_user.pk])).status_code == 404


def test_topic_titles_in_the_heatmap_are_escaped(small_class, admin_user):
    Topic.objects.filter(slug="side-road").update(title='<b onclick="x">Side</b>')
    html = browser_for(admin_user).get(reverse("analytics-heatmap")).content.decode()
    assert "<b onclick" not in html
    assert 'title="&lt;b onclick=&quot;x&quot;&gt;Side&lt;/b&gt;: not practised"' in html


def test_csv_cells_that_look_like_formulas_are_quoted(synced, admin_user):
    UserFactory(username="=cmd", role="students")
    UserFactory(username="+sum", role="students")
    rows = read_csv(browser_for(admin_user).get(reverse("analytics-heatmap") + "?format=csv"))
    assert sorted(row[1] for row in rows[1:]) == ["'+sum", "'=cmd"]


def test_the_analytics_link_shows_only_for_staff(answered_class, admin_user, instructor):
    # Staff accounts may use the admin site; the navigation reads the flag without a query.
    instructor.is_staff = True
    instructor.save(update_fields=["is_staff"])
    url = reverse("analytics-heatmap")
    assert url.encode() in browser_for(instructor).get(reverse("dashboard")).content
    alice = answered_class["alice"].user
    assert url.encode() not in browser_for(alice).get(reverse("dashboard")).content


def add_students(count: int, topics, prefix: str) -> None:
    for index in range(count):
        student = UserFactory(username=f"{prefix}{index:03d}", role="students")
        LearnerTopicState.objects.bulk_create(
            LearnerTopicState(user=student, topic=topic, mastery=0.1 * (index % 10), attempts=index)
            for topic in topics
        )


def heatmap_queries(client, django_assert_max_num_queries, budget) -> None:
    with django_assert_max_num_queries(budget):
        assert (
            client.get(reverse("analytics-heatmap") + "?sort=side-road&dir=desc").status_code == 200
        )
    with django_assert_max_num_queries(budget):
        assert client.get(reverse("analytics-heatmap") + "?format=csv").status_code == 200


# Session, user, staff check, then topics, student count and the grid (the csv: topics, grid).
HEATMAP_QUERIES = 7


def test_heatmap_queries_do_not_grow_with_the_class(
    synced, admin_user, django_assert_max_num_queries
):
    topics = list(Topic.objects.all())
    client = browser_for(admin_user)
    add_students(3, topics, "small")
    heatmap_queries(client, django_assert_max_num_queries, HEATMAP_QUERIES)
    add_students(40, topics, "large")
    heatmap_queries(client, django_assert_max_num_queries, HEATMAP_QUERIES)


def queries_of(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["templates", "template", "student"])
def test_other_pages_cost_the_same_queries_with_more_answers(
    answered_class, admin_user, make_problem, page
):
    alice = answered_class["alice"]
    url = {
        "templates": reverse("analytics-templates"),
        "template": reverse("analytics-template", args=[alice.template.key]),
        "student": reverse("analytics-student", args=[alice.user_id]),
    }[page]
    client = browser_for(admin_user)
    before = queries_of(client, url)
    for index in range(4):
        newcomer = UserFactory(username=f"newcomer{index}", role="students")
        for learner in (alice.user, newcomer):
            problem = make_problem(learner)
            answered(problem, 1, score=0.0, correct=False, after_s=20, wrong_text=f"{index}*7")
            answered(problem, 2, score=1.0, correct=True, after_s=40)
    assert queries_of(client, url) == before <= 12


def analytics_template_contexts(viewer) -> dict[str, dict]:
    """A context for each analytics template (needs one template in the database), for the
    test that renders every template."""
    heatmap = analytics.class_heatmap(viewer=viewer)
    template = ProblemTemplate.objects.select_related("topic").first()
    report = analytics.template_report(template=template, viewer=viewer)
    return {
        "quizzes/analytics/_tabs.html": {"tab": "heatmap"},
        "quizzes/analytics/heatmap.html": {
            "heatmap": heatmap,
            "rows": heatmap_rows_html(heatmap),
        },
        "quizzes/analytics/student.html": {
            "report": analytics.student_report(student=viewer),
            "chart": line_chart([Series(label="none", points=())], title="empty"),
        },
        "quizzes/analytics/templates.html": {
            "summaries": analytics.template_summaries(viewer=viewer)
        },
        "quizzes/analytics/template.html": {
            "template": template,
            "report": report,
            "chart": bar_chart([], title="empty"),
        },
    }


def test_every_analytics_template_renders(answered_class, admin_user):
    from pathlib import Path

    from django.template.loader import render_to_string
    from django.test import RequestFactory

    contexts = analytics_template_contexts(admin_user)
    folder = Path(analytics.__file__).resolve().parent / "templates"
    on_disk = {
        str(path.relative_to(folder)) for path in (folder / "quizzes" / "analytics").glob("*.html")
    }
    assert on_disk == set(contexts)
    request = RequestFactory().get("/")
    request.user = admin_user
    for name, context in contexts.items():
        assert render_to_string(name, context, request=request).strip(), name
