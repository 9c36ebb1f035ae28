"""The student pages: who may open them, what they show, and what they must never show."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from quizzes import pages
from quizzes.models import (
    LearnerTopicState,
    Problem,
    ProblemTemplate,
    Submission,
    TemplateVersion,
    Topic,
)
from quizzes.services.accounts import register_student
from quizzes.services.practice import create_problem
from tests.quizzes.test_analytics_pages import analytics_template_contexts
from tests.quizzes.test_authoring_views import authoring_template_contexts
from tests.quizzes.test_diagnostic_pages import diagnostic_template_contexts
from tests.quizzes.test_quiz_pages import quiz_template_contexts

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(pages.__file__).resolve().parent / "templates"
PASSWORD = "correct-horse-battery-staple"

# A small template of our own so these tests do not depend on what the bank holds today.
SCALED_SQUARE = """
id = "pages-scaled-square"
version = 1
title = "Derivative of a scaled square"
topic = "derivatives"
difficulty = 1
variables = ["x"]
statement = "Differentiate $f(x) = {{a}} x^2$ with respect to $x$."
hints = ["Use the power rule $\\\\frac{d}{dx} x^n = n x^{n-1}$.", "Keep the constant factor."]
solution = "By the power rule, $f'(x) = {{= 2*a}} x$."

[parameters]
a = { int = [2, 9] }

[[parts]]
key = "slope"
kind = "expression"
prompt = "$f'(x) =$"
answer = "2*a*x"

[[mistakes]]
part = "slope"
answer = "a*x"
feedback = "The exponent 2 comes down as a factor."
"""


@pytest.fixture
def topics() -> dict[str, Topic]:
    basics = Topic.objects.create(
        slug="functions", title="Functions <basics>", area="calculus", position=0
    )
    derivatives = Topic.objects.create(
        slug="derivatives", title="Derivatives", area="calculus", position=1
    )
    derivatives.prerequisites.add(basics)
    vectors = Topic.objects.create(
        slug="vectors", title="Vector operations", area="linear-algebra", position=2
    )
    return {"functions": basics, "derivatives": derivatives, "vectors": vectors}


@pytest.fixture
def template(topics: dict[str, Topic]) -> ProblemTemplate:
    template = ProblemTemplate.objects.create(
        key="pages-scaled-square",
        title="Derivative of a scaled square",
        topic=topics["derivatives"],
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, source_text=SCALED_SQUARE, source_hash="pages-test-1"
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    return template


@pytest.fixture
def student():
    return register_student(username="ada", password=PASSWORD)


@pytest.fixture
def other_student():
    return register_student(username="grace", password=PASSWORD)


@pytest.fixture
def student_client(student) -> Client:
    client = Client()
    client.force_login(student)
    return client


@pytest.fixture
def problem(student, template: ProblemTemplate) -> Problem:
    return create_problem(user=student, template=template)


def graded_submission(problem: Problem, *, score: float) -> Submission:
    """A submission as the grading task leaves it (the task itself is tested elsewhere)."""
    submission = Submission.objects.create(
        problem=problem,
        user=problem.user,
        answers={"slope": "3x"},
        status=Submission.Status.GRADED,
        attempt_number=problem.attempts_used + 1,
        score=score,
        correct=score >= 1.0,
        graded_at=timezone.now(),
    )
    submission.verdicts.create(
        key="slope", status="graded", correct=score >= 1.0, score=score, feedback=["Check it."]
    )
    Problem.objects.filter(pk=problem.pk).update(
        attempts_used=submission.attempt_number, solution_unlocked_at=timezone.now()
    )
    problem.refresh_from_db()
    return submission


def page_data(response) -> dict:
    start = response.content.index(b'id="problem-data"')
    body = response.content[response.content.index(b">", start) + 1 :]
    return json.loads(body[: body.index(b"</script>")])


# ---------- who may open what ----------


@pytest.mark.parametrize("name", ["dashboard", "practice", "history"])
def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_it_sends_anonymous_visitors_from_a_problem_to_the_login_page(
    client: Client, problem: Problem
) -> None:
    response = client.get(reverse("problem", args=[problem.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_hides_another_students_problem(other_student, problem: Problem) -> None:
    client = Client()
    client.force_login(other_student)
    response = client.get(reverse("problem", args=[problem.pk]))
    assert response.status_code == 404
    assert b"could not find" in response.content


def test_the_landing_page_welcomes_visitors_and_forwards_students(
    client: Client, student_client: Client
) -> None:
    anonymous = client.get(reverse("landing"))
    assert anonymous.status_code == 200
    assert b"Create an account" in anonymous.content
    assert student_client.get(reverse("landing")).url == reverse("dashboard")


# ---------- accounts ----------


def test_signing_up_makes_a_logged_in_student(client: Client) -> None:
    response = client.post(
        reverse("signup"),
        {"username": "emmy", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    user = get_user_model().objects.get(username="emmy")
    assert list(user.groups.values_list("name", flat=True)) == ["students"]
    assert response.context["user"] == user
    assert b"Welcome, emmy" in response.content


def test_signing_up_with_mismatched_passwords_keeps_the_name_and_says_why(client: Client) -> None:
    response = client.post(
        reverse("signup"),
        {"username": "emmy", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert b'value="emmy"' in response.content
    assert b"password fields didn" in response.content
    assert not get_user_model().objects.filter(username="emmy").exists()


def test_signing_up_with_a_taken_name_says_so(client: Client, student) -> None:
    response = client.post(
        reverse("signup"),
        {"username": "ADA", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert b"already exists" in response.content or b"is taken" in response.content


def test_logging_in_and_out(client: Client, student) -> None:
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.url == reverse("dashboard")
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_is_explained(client: Client, student) -> None:
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


# ---------- dashboard ----------


def test_the_dashboard_groups_topics_with_mastery_and_locks(
    student, student_client: Client, topics: dict[str, Topic], django_assert_max_num_queries
) -> None:
    LearnerTopicState.objects.create(
        user=student, topic=topics["functions"], mastery=0.42, attempts=5, correct=2
    )
    with django_assert_max_num_queries(8):
        response = student_client.get(reverse("dashboard"))
    assert response.status_code == 200
    areas = response.context["areas"]
    assert [area.slug for area in areas] == ["linear-algebra", "calculus"]
    cards = {card.slug: card for area in areas for card in area.topics}
    assert cards["functions"].mastery_percent == 42
    assert (cards["functions"].attempts, cards["functions"].correct) == (5, 2)
    assert cards["derivatives"].locked
    assert cards["derivatives"].missing == ("Functions <basics>",)
    assert not cards["vectors"].locked
    content = response.content.decode()
    assert "Functions &lt;basics&gt;" in content
    assert "Functions <basics>" not in content
    assert 'aria-valuenow="42"' in content
    assert f"{reverse('practice')}?topic=derivatives" in content


def test_a_topic_unlocks_when_its_prerequisites_are_mastered(
    student, student_client: Client, topics: dict[str, Topic]
) -> None:
    LearnerTopicState.objects.create(
        user=student, topic=topics["functions"], mastery=0.95, state={"mastered": True}
    )
    cards = {
        card.slug: card
        for area in student_client.get(reverse("dashboard")).context["areas"]
        for card in area.topics
    }
    assert not cards["derivatives"].locked


def test_high_mastery_without_the_models_mastered_verdict_keeps_dependents_locked(
    student, student_client: Client, topics: dict[str, Topic]
) -> None:
    # The policy serves a topic only once its prerequisites are mastered; so does the dashboard.
    LearnerTopicState.objects.create(
        user=student, topic=topics["functions"], mastery=0.9, state={"mastered": False}
    )
    cards = {
        card.slug: card
        for area in student_client.get(reverse("dashboard")).context["areas"]
        for card in area.topics
    }
    assert cards["derivatives"].locked


# ---------- practice and problem pages ----------


def test_practice_serves_a_problem_in_the_chosen_topic(
    student_client: Client, template: ProblemTemplate
) -> None:
    response = student_client.get(reverse("practice") + "?topic=derivatives")
    problem = Problem.objects.get()
    assert response.url == reverse("problem", args=[problem.pk])
    assert problem.template == template


def test_practice_in_an_unknown_topic_says_what_to_do(
    student_client: Client, template: ProblemTemplate
) -> None:
    response = student_client.get(reverse("practice") + "?topic=alchemy", follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert b"no topic" in response.content
    assert b"Pick another topic" in response.content


def test_the_problem_page_renders_the_statement_and_one_input_per_part(
    student_client: Client, problem: Problem
) -> None:
    response = student_client.get(reverse("problem", args=[problem.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Differentiate $f(x) = " in content
    assert 'id="answer-slope"' in content
    assert 'aria-labelledby="prompt-slope"' in content
    assert "vendor/katex/katex.min.js" in content
    assert "gradient/practice.js" in content
    data = page_data(response)
    assert data["parts"] == [
        {"key": "slope", "kind": "expression", "options": {"variables": ["x"]}}
    ]
    assert data["urls"]["submit"] == f"/api/v1/problems/{problem.pk}/submissions"
    assert data["urls"]["page"] == "/problems/__id__"
    assert data["hints"] == [] and data["hints_remaining"] == 2


def test_the_problem_page_never_shows_answers_or_mistakes_before_grading(
    student_client: Client, problem: Problem
) -> None:
    response = student_client.get(reverse("problem", args=[problem.pk]))
    content = response.content.decode()
    answer = problem.snapshot["parts"][0]["answer"]
    assert page_data(response)["solution"] is None
    assert "Worked solution" in content
    assert answer not in content
    assert "The exponent 2 comes down" not in content
    assert "By the power rule" not in content


def test_the_problem_page_shows_the_solution_and_verdicts_after_a_graded_attempt(
    student_client: Client, problem: Problem
) -> None:
    graded_submission(problem, score=0.0)
    response = student_client.get(reverse("problem", args=[problem.pk]))
    data = page_data(response)
    assert "By the power rule" in data["solution"]["html"]
    assert data["submissions"][0]["parts"]["slope"]["feedback"] == ["Check it."]
    assert '<span id="attempts-used">1</span> of' in response.content.decode()


def test_revealed_hints_come_back_with_the_page(student_client: Client, problem: Problem) -> None:
    Problem.objects.filter(pk=problem.pk).update(hints_revealed=1)
    data = page_data(student_client.get(reverse("problem", args=[problem.pk])))
    assert len(data["hints"]) == 1 and "power rule" in data["hints"][0]
    assert data["hints_remaining"] == 1


def test_the_problem_page_reads_few_queries(
    student_client: Client, problem: Problem, django_assert_max_num_queries
) -> None:
    graded_submission(problem, score=1.0)
    with django_assert_max_num_queries(8):
        student_client.get(reverse("problem", args=[problem.pk]))


# ---------- history ----------


def test_history_lists_the_students_own_attempts_newest_first(
    student_client: Client, problem: Problem, other_student, template: ProblemTemplate
) -> None:
    graded_submission(problem, score=0.0)
    graded_submission(problem, score=1.0)
    create_problem(user=other_student, template=template)
    graded_submission(Problem.objects.get(user=other_student), score=0.5)
    response = student_client.get(reverse("history"))
    rows = response.context["page_obj"].object_list
    assert [(row.attempt_number, row.result) for row in rows] == [(2, "Correct"), (1, "Incorrect")]
    assert reverse("problem", args=[problem.pk]).encode() in response.content


def test_history_without_attempts_points_to_practice(student_client: Client) -> None:
    response = student_client.get(reverse("history"))
    assert b"not submitted any answers yet" in response.content


def test_history_reads_a_constant_number_of_queries(
    student_client: Client, problem: Problem, django_assert_max_num_queries
) -> None:
    for score in (0.0, 0.5, 1.0):
        graded_submission(problem, score=score)
    with django_assert_max_num_queries(6):
        student_client.get(reverse("history"))


# ---------- every template, every form ----------


class _FormFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"id": attributes.get("id"), "csrf": False})
        elif tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["csrf"] = True


def test_every_form_on_every_page_carries_a_csrf_token(
    student_client: Client, problem: Problem
) -> None:
    anonymous = Client(enforce_csrf_checks=True)
    responses = [anonymous.get(reverse(name)) for name in ("login", "signup")]
    responses += [
        student_client.get(url)
        for url in (
            reverse("dashboard"),
            reverse("history"),
            reverse("problem", args=[problem.pk]),
        )
    ]
    for response in responses:
        assert response.status_code == 200
        finder = _FormFinder()
        finder.feed(response.content.decode())
        assert finder.forms
        assert all(form["csrf"] for form in finder.forms), response.request["PATH_INFO"]


def test_the_login_form_rejects_a_post_without_its_token(student) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 403


def _contexts(
    student, problem: Problem, *, newcomer, instructor, quiz, run_on_commit
) -> dict[str, dict]:
    from django.contrib.auth.forms import AuthenticationForm

    from quizzes.forms import SignupForm

    graded_submission(problem, score=1.0)
    return {
        "quizzes/base.html": {},
        "quizzes/_field.html": {"field": SignupForm()["username"]},
        "quizzes/landing.html": {},
        "quizzes/login.html": {"form": AuthenticationForm()},
        "quizzes/signup.html": {"form": SignupForm()},
        "quizzes/dashboard.html": {
            "areas": pages.dashboard_areas(user=student),
        },
        "quizzes/problem.html": pages.problem_page(problem=problem),
        "quizzes/history.html": {"page_obj": pages.attempt_history(user=student, page_number=1)},
        "404.html": {},
        "500.html": {},
        **authoring_template_contexts(instructor, student),
        **quiz_template_contexts(student=student, quiz=quiz, run_on_commit=run_on_commit),
        **diagnostic_template_contexts(newcomer, run_on_commit),
        **analytics_template_contexts(instructor),
    }


def test_every_template_renders(
    student,
    problem: Problem,
    student_a,
    instructor,
    make_quiz,
    django_capture_on_commit_callbacks,
) -> None:
    quiz = make_quiz(
        attempts_allowed=2,
        feedback_release="after_submission",
        solution_release="after_submission",
    )
    contexts = _contexts(
        student,
        problem,
        newcomer=student_a,
        instructor=instructor,
        quiz=quiz,
        run_on_commit=django_capture_on_commit_callbacks,
    )
    on_disk = {str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*.html")}
    assert on_disk == set(contexts), "give every template a context here"
    request = RequestFactory().get("/")
    request.user = student
    for name, context in contexts.items():
        html = render_to_string(name, context, request=request)
        assert html.strip(), name


def test_practice_passes_on_why_the_problem_was_chosen(
    student_client: Client, template: ProblemTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizzes import views

    def choose_with_reason(*, user, topic_slug=None):
        problem = create_problem(user=user, template=template)
        problem.reason = "Derivatives next: your functions practice is strong."
        return problem

    monkeypatch.setattr(views, "choose_next_problem", choose_with_reason)
    response = student_client.get(reverse("practice"), follow=True)
    assert b"Derivatives next: your functions practice is strong." in response.content


PICK_PRODUCT = """
id = "pages-pick-product"
version = 1
title = "Which product is defined"
topic = "derivatives"
difficulty = 1
statement = "Let $A$ be {{m}}×2 and $B$ be 2×{{m}}."
solution = "Inner sizes must agree."

[parameters]
m = { int = [3, 5] }

[[parts]]
key = "pick"
kind = "choice"
prompt = "Which product is defined?"
multiple = true
choices = [
  { label = "AB", text = "$AB$", correct = "m > 2" },
  { label = "BA", text = "$BA$", correct = "m > 2" },
  { label = "AA", text = "$AA$", correct = "m < 2" },
]
"""


def test_a_choice_part_renders_its_options_without_saying_which_are_right(
    student, student_client: Client, topics: dict[str, Topic]
) -> None:
    template = ProblemTemplate.objects.create(
        key="pages-pick-product", title="Which product is defined", topic=topics["derivatives"]
    )
    template.current_version = TemplateVersion.objects.create(
        template=template, number=1, source_text=PICK_PRODUCT, source_hash="pages-test-2"
    )
    template.save(update_fields=["current_version"])
    problem = create_problem(user=student, template=template)
    response = student_client.get(reverse("problem", args=[problem.pk]))
    content = response.content.decode()
    assert content.count('type="checkbox" name="answer-pick"') == 3
    assert 'value="AB"' in content and "$AA$" in content
    assert "m &gt; 2" not in content and "m > 2" not in content
    assert page_data(response)["parts"][0]["options"]["multiple"] is True
