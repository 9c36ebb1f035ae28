"""Learner and item state, updated from each graded submission.

The adaptive engine (`adaptive/`) is the learner model; `quizzes.services.learner_model` stores
its state and keeps each topic's `LearnerTopicState` (mastery, counts) in step with it."""

from __future__ import annotations

from django.utils import timezone

from quizzes.services.learner_model import record_verdict_of

# The moving average that analytics replays to draw a student's mastery over time.
MASTERY_RATE = 0.3
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
    """Fold one graded submission into the learner model, the template's item state and the
    topic's counts. Call inside the transaction that stores the verdict, once per submission
    (marking's claim guard makes a redelivered task skip this). Concurrent gradings of one
    student are serialised by a row lock on the student's learner-model row."""
    record_verdict_of(
        user_id=user_id,
        topic_id=topic_id,
        template_id=template_id,
        score=score,
        correct=correct,
        hints_used=hints_used,
        at=timezone.now(),
    )
