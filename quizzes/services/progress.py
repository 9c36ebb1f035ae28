"""Learner and item state, updated from each graded submission.

The model here is small on purpose — an exponential moving average of scores per topic — and
keeps its parameters in `state` so the adaptive engine can replace it without a migration."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from quizzes.models import ItemState, LearnerTopicState

MASTERY_RATE = 0.3
# Each hint revealed before answering takes this much off the evidence of a correct answer.
HINT_DISCOUNT = 0.15


def locked_topic_state(*, user_id: int, topic_id: int) -> LearnerTopicState:
    """The (user, topic) row, created if missing, locked for this transaction."""
    try:
        return LearnerTopicState.objects.select_for_update().get(user_id=user_id, topic_id=topic_id)
    except LearnerTopicState.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return LearnerTopicState.objects.create(
                user_id=user_id, topic_id=topic_id, state={"model": "ema", "rate": MASTERY_RATE}
            )
    except IntegrityError:
        return LearnerTopicState.objects.select_for_update().get(user_id=user_id, topic_id=topic_id)


def record_graded_attempt(
    *,
    user_id: int,
    topic_id: int,
    template_id: int,
    score: float,
    correct: bool,
    hints_used: int = 0,
) -> LearnerTopicState:
    """Fold one graded submission into the learner's topic state and the template's counts.
    Call inside the transaction that stores the verdict."""
    evidence = max(0.0, score - HINT_DISCOUNT * hints_used)
    state = locked_topic_state(user_id=user_id, topic_id=topic_id)
    state.mastery = state.mastery + MASTERY_RATE * (evidence - state.mastery)
    state.attempts += 1
    state.correct += int(correct)
    state.last_practised_at = timezone.now()
    state.save(update_fields=["mastery", "attempts", "correct", "last_practised_at", "updated_at"])
    ItemState.objects.filter(template_id=template_id).update(
        attempts=F("attempts") + 1, correct=F("correct") + int(correct)
    )
    return state
