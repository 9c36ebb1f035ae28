"""The quiz-taking page's context: questions as the practice page renders parts, the saved
answers, each question's checks (when the quiz offers them) and the starting state of quiz.js
(deadline, endpoints). No answer or solution is in it unless the quiz releases solutions
immediately; a check carries only the student's own answers and the verdicts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from quizzes.models import QuizAttempt
from quizzes.pages import API_ROOT, CLIENT_OPTION_KEYS, _choices_of, _typing_hint
from quizzes.quiz_selectors import attempt_view
from quizzes.services.variants import variant_from_snapshot


def take_page(*, attempt: QuizAttempt) -> dict[str, Any]:
    view = attempt_view(attempt, for_staff=False)
    questions = []
    client_questions = []
    snapshots = {
        q.position: q.problem.snapshot for q in attempt.questions.select_related("problem")
    }
    for question in view["questions"]:
        variant_parts = {
            p.key: p for p in variant_from_snapshot(snapshots[question["position"]]).parts
        }
        parts = []
        client_parts = []
        for part in question["parts"]:
            variant_part = variant_parts[part["key"]]
            options = dict(variant_part.options)
            client_options = {k: options[k] for k in CLIENT_OPTION_KEYS if k in options}
            saved = str(question["answers"].get(part["key"], ""))
            parts.append(
                {
                    "key": part["key"],
                    "kind": part["kind"],
                    "prompt_html": part["prompt"] or "Your answer",
                    "typing_hint": _typing_hint(part["kind"], client_options),
                    "choices": _choices_of(variant_part.choices)
                    if part["kind"] == "choice"
                    else [],
                    "multiple": bool(options.get("multiple")),
                    "saved": saved,
                    "saved_values": [v.strip() for v in saved.split(",") if v.strip()],
                }
            )
            client_parts.append(
                {"key": part["key"], "kind": part["kind"], "options": client_options}
            )
        questions.append(question | {"parts": parts})
        client_question = {
            "position": question["position"],
            "parts": client_parts,
            "answers": question["answers"],
            "sequence": question["saved_sequence"],
        }
        if "check" in question:
            client_question["check"] = question["check"]
        client_questions.append(client_question)
    attempt_url = f"{API_ROOT}quizzes/attempts/{attempt.pk}"
    page_data = {
        "attempt": attempt.pk,
        "seconds_left": view["seconds_left"],
        "deadline": view["deadline"],
        "server_now": timezone.now().isoformat(),
        "questions": client_questions,
        "checks_offered": view["checks_offered"],
        "urls": {
            "attempt": attempt_url,
            # PUT saves a question's answers; POST saves and checks them.
            "save": attempt_url + "/questions/__position__/answers",
            "submit": attempt_url + "/submit",
            "preview": f"{API_ROOT}preview",
            "submission": f"{API_ROOT}submissions/__id__",
        },
    }
    return {
        "attempt": view,
        "questions": questions,
        "page_data": page_data,
        "max_answer_length": settings.MAX_ANSWER_LENGTH,
    }
