"""Learner and item state, updated from each graded submission.

The model here is small on purpose — an exponential moving average of scores per topic — and
keeps its parameters in `state` so the adaptive engine can replace it without a migration."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.utils import timezone

from quizzes.models import ItemState, LearnerTopicState

MASTERY_RATE = 0.3
# Each hint revealed before answering takes this much off the evidence of a correct answer.
HINT_DISCOUNT = 0.15


def record_graded_attempt(
    *,
    user_id: int,
    topic_id: int,
    template_id: int,
    score: float,
    correct: bool,
    hints_used: int = 0,
) -> None:
    """Fold one graded submission into the learner's topic state and the template's counts.
    Call inside the transaction that stores the verdict. The update is one statement computed
    by the database from the row's current values, so concurrent gradings never lose one."""
    evidence = max(0.0, score - HINT_DISCOUNT * hints_used)
    now = timezone.now()
    changes = {
        "mastery": F("mastery") + MASTERY_RATE * (Value(evidence) - F("mastery")),
        "attempts": F("attempts") + 1,
        "correct": F("correct") + int(correct),
        "last_practised_at": now,
        "updated_at": now,
    }
    rows = LearnerTopicState.objects.filter(user_id=user_id, topic_id=topic_id)
    if not rows.update(**changes):
        try:
            with transaction.atomic():
                LearnerTopicState.objects.create(
                    user_id=user_id,
                    topic_id=topic_id,
                    state={"model": "ema", "rate": MASTERY_RATE},
                    mastery=MASTERY_RATE * evidence,
                    attempts=1,
                    correct=int(correct),
                    last_practised_at=now,
                )
        except IntegrityError:
            # Another grading created the row first; apply ours on top of it.
            rows.update(**changes)
    ItemState.objects.filter(template_id=template_id).update(
        attempts=F("attempts") + 1, correct=F("correct") + int(correct)
    )
