"""Quiz pages: the instructor's form (audience and checks included), attempts table, extension
and regrade with its progress; the student's list (only the quizzes set for them), taking page
(saved answers shown, no solutions, a check button when offered) and results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Quiz, QuizAttempt, QuizRegrade
from quizzes.services.quizzes import Audience, autosave_answers, start_attempt, submit_attempt
from tests.conftest import right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_a(client, student_a):
    client.force_login(student_a)
    return client


@pytest.fixture
def browser_instructor(client, instructor):
    client.force_login(instructor)
    return client


def test_an_instructor_creates_a_quiz_from_the_form(browser_instructor, synced):
    now = timezone.now()
    response = browser_instructor.post(
        "/quizzes/new",
        {
            "title": "Friday check",
            "pool": f"side-road 1\n{synced.templates[0].id} 1",
            "question_count": 2,
            "time_limit_minutes": 10,
            "attempts_allowed": 1,
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "feedback_release": "after_submission",
            "solution_release": "after_close",
            "shuffle_questions": "on",
        },
    )
    quiz = Quiz.objects.get()
    assert response.status_code == 302 and response.url == f"/quizzes/{quiz.pk}"
    assert quiz.time_limit_seconds == 600 and quiz.pool.count() == 2
    assert quiz.checks_per_question == 1 and not quiz.audience_students.exists()


def test_the_form_sets_checks_and_the_audience(browser_instructor, student_a, synced):
    from django.contrib.auth.models import Group

    section = Group.objects.create(name="section-a")
    now = timezone.now()
    page = browser_instructor.get("/quizzes/new").content.decode()
    assert "section-a" in page and "alice" in page and "instructors" not in page
    response = browser_instructor.post(
        "/quizzes/new",
        {
            "title": "Checked quiz",
            "pool": "side-road 1",
            "question_count": 1,
            "time_limit_minutes": 10,
            "attempts_allowed": 1,
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "feedback_release": "immediately",
            "solution_release": "after_close",
            "checks_per_question": 3,
            "audience_groups": [section.pk],
            "audience_students": [student_a.pk],
        },
    )
    assert response.status_code == 302
    quiz = Quiz.objects.get()
    assert quiz.checks_per_question == 3
    assert list(quiz.audience_groups.all()) == [section]
    assert list(quiz.audience_students.all()) == [student_a]
    detail = browser_instructor.get(f"/quizzes/{quiz.pk}").content.decode()
    assert "groups section-a; students alice" in detail
    assert "3 checks per question during the attempt" in detail
    edit = browser_instructor.get(f"/quizzes/{quiz.pk}/edit").content.decode()
    assert 'name="checks_per_question" value="3"' in edit


def test_the_form_refuses_more_checks_than_a_problem_allows(browser_instructor, synced, settings):
    settings.MAX_ATTEMPTS_PER_PROBLEM = 4
    response = browser_instructor.post("/quizzes/new", {"checks_per_question": 9})
    assert response.status_code == 200
    assert "less than or equal to 4" in response.content.decode()


def test_a_student_outside_the_audience_finds_no_quiz_page(client, student_a, student_b, make_quiz):
    quiz = make_quiz(audience=Audience(students=[student_a]))
    client.force_login(student_b)
    assert "Week 3 quiz" not in client.get("/quizzes").content.decode()
    assert client.get(f"/quizzes/{quiz.pk}").status_code == 404
    assert client.post(f"/quizzes/{quiz.pk}/start").status_code == 404
    assert not QuizAttempt.objects.exists()
    client.force_login(student_a)
    assert "Week 3 quiz" in client.get("/quizzes").content.decode()


def test_the_take_page_offers_checks_only_when_feedback_is_immediate(
    browser_a, student_a, make_quiz
):
    immediate = start_attempt(
        user=student_a, quiz=make_quiz(feedback_release="immediately", checks_per_question=2)
    )
    page = browser_a.get(f"/quizzes/attempts/{immediate.pk}").content.decode()
    assert "Check this question" in page and "2 checks left for this question." in page
    assert "gradient/answers.js" in page and 'id="verdict-1-' in page
    later = start_attempt(user=student_a, quiz=make_quiz(title="Later feedback"))
    page = browser_a.get(f"/quizzes/attempts/{later.pk}").content.decode()
    assert "Check this question" not in page


def test_the_form_names_an_unknown_pool_entry(browser_instructor, synced):
    response = browser_instructor.post("/quizzes/new", {"title": "x", "pool": "nowhere 2"})
    assert response.status_code == 200 and "no topic or template" in response.content.decode()


def test_the_form_lists_the_topics_and_templates_a_pool_may_name(browser_instructor, synced):
    page = browser_instructor.get("/quizzes/new").content.decode()
    assert "<code>side-road</code>" in page and f"<code>{synced.templates[0].id}</code>" in page


def test_students_cannot_open_the_quiz_form(browser_a):
    assert browser_a.get("/quizzes/new").status_code == 403


def test_the_take_page_shows_saved_answers_and_no_solution(browser_a, student_a, make_quiz):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    question = attempt.questions.select_related("attempt", "problem").get(position=1)
    key = next(iter(right_answers(question.problem)))
    autosave_answers(question=question, answers={key: "41x+7"}, sequence=3)
    page = browser_a.get(f"/quizzes/attempts/{attempt.pk}").content.decode()
    assert 'value="41x+7"' in page and "quiz.js" in page
    assert "Worked solution" not in page


def test_a_submitted_attempt_shows_results_as_released(
    browser_a, student_a, make_quiz, django_capture_on_commit_callbacks
):
    attempt = start_attempt(user=student_a, quiz=make_quiz(solution_release="after_close"))
    question = attempt.questions.select_related("attempt", "problem").get(position=1)
    autosave_answers(question=question, answers=right_answers(question.problem), sequence=1)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt=attempt)
    page = browser_a.get(f"/quizzes/attempts/{attempt.pk}").content.decode()
    assert "Score: 33%" in page and "Worked solution" not in page


def test_another_students_attempt_page_is_not_found(client, student_b, student_a, make_quiz):
    attempt = start_attempt(user=student_a, quiz=make_quiz())
    client.force_login(student_b)
    assert client.get(f"/quizzes/attempts/{attempt.pk}").status_code == 404


def test_the_instructor_extends_a_students_time_from_the_attempts_table(
    browser_instructor, student_a, make_quiz
):
    quiz = make_quiz()
    attempt = start_attempt(user=student_a, quiz=quiz)
    page = browser_instructor.get(f"/quizzes/{quiz.pk}").content.decode()
    assert "alice" in page and "Add minutes" in page
    browser_instructor.post(f"/quizzes/attempts/{attempt.pk}/extend", {"minutes": 5})
    attempt.refresh_from_db()
    assert attempt.extra_seconds == 300


def test_the_instructor_regrades_from_the_quiz_page_and_follows_it(
    browser_instructor, student_a, make_quiz, synced, monkeypatch
):
    from quizzes import quiz_tasks
    from quizzes.services.quizzes import run_regrade

    quiz = make_quiz()
    submit_attempt(attempt=start_attempt(user=student_a, quiz=quiz))
    # No worker has taken it yet.
    monkeypatch.setattr(quiz_tasks.regrade_quiz_template_task, "delay", lambda regrade_id: None)
    response = browser_instructor.post(
        f"/quizzes/{quiz.pk}/regrade", {"template": synced.templates[0].id}, follow=True
    )
    page = response.content.decode()
    assert "queued; its progress is below" in page
    assert "queued, waiting for a worker" in page and 'data-finished="no"' in page
    assert "gradient/quiz.js" in page
    run_regrade(regrade_id=QuizRegrade.objects.get().pk)
    page = browser_instructor.get(f"/quizzes/{quiz.pk}").content.decode()
    assert "finished: 0 answers regraded" in page and 'data-finished="yes"' in page


def test_the_quiz_list_offers_start_then_resume(browser_a, student_a, make_quiz):
    quiz = make_quiz()
    assert "Start" in browser_a.get("/quizzes").content.decode()
    response = browser_a.post(f"/quizzes/{quiz.pk}/start")
    attempt = QuizAttempt.objects.get()
    assert response.url == f"/quizzes/attempts/{attempt.pk}"
    assert "Resume" in browser_a.get("/quizzes").content.decode()


@pytest.mark.parametrize(
    "path", ["/quizzes", "/quizzes/new", "/quizzes/{quiz}", "/quizzes/attempts/{attempt}"]
)
def test_every_quiz_page_renders_for_staff(browser_instructor, student_a, make_quiz, path):
    quiz = make_quiz()
    attempt = start_attempt(user=student_a, quiz=quiz)
    response = browser_instructor.get(path.format(quiz=quiz.pk, attempt=attempt.pk))
    assert response.status_code == 200


def test_an_instructor_edits_a_quiz_and_the_pool_stays(browser_instructor, make_quiz):
    quiz = make_quiz()
    page = browser_instructor.get(f"/quizzes/{quiz.pk}/edit").content.decode()
    assert 'value="Week 3 quiz"' in page and 'name="pool"' not in page
    now = timezone.now()
    response = browser_instructor.post(
        f"/quizzes/{quiz.pk}/edit",
        {
            "title": "Week 3 quiz (moved)",
            "question_count": 3,
            "time_limit_minutes": 15,
            "attempts_allowed": 2,
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "feedback_release": "after_close",
            "solution_release": "after_close",
        },
    )
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.title, quiz.time_limit_seconds, quiz.attempts_allowed) == (
        "Week 3 quiz (moved)",
        900,
        2,
    )
    assert quiz.pool.count() == 3 and not quiz.shuffle_questions


def test_students_cannot_edit_a_quiz(browser_a, make_quiz):
    assert browser_a.get(f"/quizzes/{make_quiz().pk}/edit").status_code == 403


def test_the_quiz_list_links_to_the_latest_results(browser_a, student_a, make_quiz):
    quiz = make_quiz(attempts_allowed=2)
    submit_attempt(attempt=start_attempt(user=student_a, quiz=quiz))
    second = start_attempt(user=student_a, quiz=quiz)
    submit_attempt(attempt=second)
    assert f"/quizzes/attempts/{second.pk}" in browser_a.get("/quizzes").content.decode()


def quiz_template_contexts(*, student, quiz, run_on_commit) -> dict[str, dict]:
    """A context for each quiz template, built as the quiz views build it (for the test that
    renders every template). `quiz` is open, allows two attempts and releases scores and
    solutions after submission; `student` has no attempt at it yet. `run_on_commit` is
    pytest-django's django_capture_on_commit_callbacks (grading runs once a submit commits).

    The student submits a first attempt (question 1 right, the others wrong) and leaves a
    second one in progress with an answer saved: the results page shows verdicts and solutions,
    the taking page a saved answer, the instructor's quiz page both attempts."""
    from datetime import datetime

    from quizzes import quiz_selectors
    from quizzes.quiz_forms import QuizForm
    from quizzes.quiz_pages import take_page
    from quizzes.services.quizzes import (
        expire_overdue_attempts,
        record_attempt_score,
        request_regrade,
    )

    submitted = start_attempt(user=student, quiz=quiz)
    for question in submitted.questions.select_related("attempt", "problem"):
        answers = right_answers if question.position == 1 else wrong_answers
        autosave_answers(question=question, answers=answers(question.problem), sequence=1)
    with run_on_commit(execute=True):
        submit_attempt(attempt=submitted)
    record_attempt_score(attempt=submitted)
    in_progress = start_attempt(user=student, quiz=quiz)
    question = in_progress.questions.select_related("attempt", "problem").get(position=1)
    autosave_answers(question=question, answers=wrong_answers(question.problem), sequence=1)

    rows = [
        row
        | {
            "closes": datetime.fromisoformat(row["closes_at"]),
            "minutes": round(row["time_limit_seconds"] / 60),
        }
        for row in quiz_selectors.quizzes_for(user=student, for_staff=False)
    ]
    expire_overdue_attempts(quiz=quiz)
    with run_on_commit(execute=True):
        request_regrade(quiz=quiz, template=question.problem.template, requested_by=quiz.created_by)
    return {
        "quizzes/quiz/list.html": {"quizzes": rows, "staff": False, "nav": "quizzes"},
        "quizzes/quiz/form.html": {
            "form": QuizForm(),
            "topics": quiz_selectors.pool_choices(),
            "nav": "quizzes",
        },
        "quizzes/quiz/detail.html": {
            "quiz": quiz_selectors.quiz_detail(quiz, for_staff=True),
            "quiz_row": quiz,
            "staff": True,
            "nav": "quizzes",
            "attempts": quiz_selectors.attempts_of_quiz(quiz),
            "templates": quiz_selectors.templates_in_quiz(quiz),
            "regrades": quiz_selectors.regrades_of_quiz(quiz),
        },
        "quizzes/quiz/take.html": take_page(attempt=in_progress) | {"nav": "quizzes"},
        "quizzes/quiz/results.html": {
            "attempt": quiz_selectors.attempt_view(submitted, for_staff=False),
            "nav": "quizzes",
        },
    }
