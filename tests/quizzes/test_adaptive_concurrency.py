"""Two submissions of one student graded at the same moment by two workers: the second waits for
the first's row lock and builds on its result, so neither answer is lost. Needs PostgreSQL
(SQLite serialises every writer anyway)."""

import os
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

import adaptive
from quizzes.models import LearnerModelState, LearnerTopicState, ProblemTemplate
from quizzes.services.learner_model import record_verdict_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        reason = "row locks need PostgreSQL (set TEST_DATABASE_URL)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)


def test_two_gradings_of_one_student_at_once_both_count(postgres, synced, student_a):
    # Two templates, so that only the student's row is shared between the two workers.
    first, second = ProblemTemplate.objects.select_related("topic").order_by("pk")[:2]

    def verdict(template: ProblemTemplate) -> dict:
        return {
            "user_id": student_a.pk,
            "topic_id": template.topic_id,
            "template_id": template.pk,
            "score": 1.0,
            "correct": True,
            "hints_used": 0,
        }

    # The student has a document already (their first grading creates it under a unique key).
    LearnerModelState.objects.create(user=student_a, state=adaptive.initial_state())
    first_holds_lock = threading.Event()
    errors: list[BaseException] = []

    def slow_worker() -> None:
        try:
            with transaction.atomic():
                record_verdict_of(**verdict(first), at=timezone.now())
                first_holds_lock.set()
                time.sleep(0.5)  # the other worker reaches the lock meanwhile
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_holds_lock.set()
            connection.close()

    def quick_worker() -> None:
        try:
            first_holds_lock.wait(5)
            record_verdict_of(**verdict(second), at=timezone.now())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=slow_worker), threading.Thread(target=quick_worker)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
    assert not errors
    row = LearnerModelState.objects.get(user=student_a)
    assert row.revision == 2
    assert row.state["answers"] == 2
    assert set(row.state["topics"]) == {first.topic.slug, second.topic.slug}
    assert LearnerTopicState.objects.filter(user=student_a, attempts=1).count() == 2
