"""The adaptive learner model in the database: one `LearnerModelState` row per student holds the
engine's whole state, every template's `ItemState.state` what all students' answers taught about
it. Each update is O(1) in the student's history and runs under a row lock on the student's
row, so two submissions of one student graded at once by two workers are applied one after the
other. `LearnerTopicState.mastery` is kept equal to `adaptive.topic_mastery` so listings read
columns only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F

import adaptive
from quizzes.models import ItemState, LearnerModelState, LearnerTopicState, Topic
from quizzes.selectors import catalog

# Stored mastery is refreshed for forgetting only when it moved at least this much (one percent
# point is what the dashboard shows).
MASTERY_REFRESH_STEP = 0.005


def author_difficulty(value: float) -> int:
    """The engine's 1–5 author difficulty from the stored column (0 means never set)."""
    return min(5, max(1, round(value))) if value else 3


def learner_state_from(stored: Any) -> dict[str, Any]:
    """The learner state held in a `LearnerModelState.state` value as read from the database
    (JSON text on backends that hand it back unparsed; None or empty: a fresh state)."""
    if isinstance(stored, str | bytes):
        stored = json.loads(stored)
    return dict(stored) if stored else adaptive.initial_state()


def load_learner_state(*, user: AbstractBaseUser) -> dict[str, Any]:
    """The student's learner state (a fresh one when they have none yet); one query."""
    found = LearnerModelState.objects.filter(user_id=user.pk).values_list("state", flat=True)
    return learner_state_from(next(iter(found), None))


def _locked_row(user_id: int) -> LearnerModelState:
    """The student's row, locked until the end of the surrounding transaction."""
    rows = LearnerModelState.objects.select_for_update().filter(user_id=user_id)
    row = rows.first()
    if row is None:
        try:
            with transaction.atomic():
                LearnerModelState.objects.create(user_id=user_id, state=adaptive.initial_state())
        except IntegrityError:
            pass  # another grading created it first; the lock below waits for that one
        row = rows.get()
    return row


def _topic_ids() -> dict[str, int]:
    return {topic.slug: topic.pk for topic in catalog().topics}


def _sync_topic(
    *,
    user_id: int,
    topic_id: int,
    state: Mapping[str, Any],
    slug: str,
    at: datetime,
    answered: bool | None = None,
) -> None:
    """Write the topic's mastery and mastered flag into its LearnerTopicState row; with
    `answered` (right or not), count one more answer too, in the same statement."""
    mastery = adaptive.topic_mastery(state, slug, at)
    summary = {"model": "adaptive", "mastered": adaptive.is_mastered(state, slug)}
    counts: dict[str, Any] = {}
    if answered is not None:
        counts = {
            "attempts": F("attempts") + 1,
            "correct": F("correct") + int(answered),
            "last_practised_at": at,
        }
    if not LearnerTopicState.objects.filter(user_id=user_id, topic_id=topic_id).update(
        mastery=mastery, state=summary, **counts
    ):
        # The caller holds the student's row lock, so no other writer races this insert.
        first = (
            {"attempts": 1, "correct": int(answered), "last_practised_at": at}
            if answered is not None
            else {}
        )
        LearnerTopicState.objects.create(
            user_id=user_id, topic_id=topic_id, mastery=mastery, state=summary, **first
        )


# No savepoint: inside marking's transaction a savepoint costs two statements and buys nothing
# (an error here must roll the whole verdict back anyway).
@transaction.atomic(savepoint=False)
def record_verdict_of(
    *,
    user_id: int,
    topic_id: int,
    template_id: int,
    score: float,
    correct: bool,
    hints_used: int,
    at: datetime,
) -> dict[str, Any]:
    """Fold one graded submission into the student's learner state, the template's item state
    and the topic's LearnerTopicState row (mastery, attempts, correct). Call exactly once per
    graded submission: marking calls it behind its claim guard, so a redelivered grading task
    never reaches it twice. Returns the new learner state."""
    row = _locked_row(user_id)
    slug = next((t.slug for t in catalog().topics if t.pk == topic_id), None)
    if slug is None:
        # A topic synced after this process cached its catalog.
        slug = Topic.objects.values_list("slug", flat=True).get(pk=topic_id)
    item = ItemState.objects.select_for_update().filter(template_id=template_id).first()
    state, item_state = adaptive.record_answer(
        row.state or adaptive.initial_state(),
        item.state if item is not None else {},
        topic=slug,
        template_id=str(template_id),
        score=min(1.0, max(0.0, float(score))),
        hints_used=max(0, int(hints_used)),
        at=at,
        template_difficulty=author_difficulty(item.difficulty if item is not None else 0.0),
    )
    row.state = state
    row.revision += 1
    row.save(update_fields=["state", "revision", "updated_at"])
    if item is not None:
        ItemState.objects.filter(pk=item.pk).update(
            state=item_state, attempts=F("attempts") + 1, correct=F("correct") + int(correct)
        )
    _sync_topic(user_id=user_id, topic_id=topic_id, state=state, slug=slug, at=at, answered=correct)
    return state


def record_verdict(
    *,
    user: AbstractBaseUser,
    topic_slug: str,
    template_id: int,
    score: float,
    hints_used: int,
    at: datetime,
) -> dict[str, Any]:
    """`record_verdict_of` by topic slug (a full score counts as a correct answer)."""
    return record_verdict_of(
        user_id=user.pk,
        topic_id=_topic_ids()[topic_slug],
        template_id=template_id,
        score=score,
        correct=score >= 1.0,
        hints_used=hints_used,
        at=at,
    )


@transaction.atomic
def apply_diagnostic_estimates(
    *, user: AbstractBaseUser, estimates: Mapping[str, float], at: datetime
) -> dict[str, Any]:
    """Seed the student's per-topic P(known) from a diagnostic (estimates at the mastery
    threshold count as tested out); unknown topic slugs are ignored. Returns the new state."""
    topic_ids = _topic_ids()
    known = {slug: float(p) for slug, p in estimates.items() if slug in topic_ids}
    row = _locked_row(user.pk)
    state = adaptive.seed_estimates(row.state or adaptive.initial_state(), known, at=at)
    row.state = state
    row.revision += 1
    row.save(update_fields=["state", "revision", "updated_at"])
    for slug in known:
        _sync_topic(user_id=user.pk, topic_id=topic_ids[slug], state=state, slug=slug, at=at)
    return state


def refresh_faded_mastery(*, now: datetime, batch_size: int = 500) -> int:
    """Lower the stored mastery of mastered topics to what forgetting has left of it by `now`,
    so dashboards show a student back after weeks what has faded before they answer anything.
    Returns the number of topic rows changed. A row graded meanwhile is left alone (the update
    is conditional on the value read)."""
    changed = 0
    documents = LearnerModelState.objects.order_by("pk").values_list("pk", "user_id", "state")
    last_pk = 0
    while True:
        page = list(documents.filter(pk__gt=last_pk)[:batch_size])
        if not page:
            return changed
        last_pk = page[-1][0]
        states = {user_id: state for _, user_id, state in page}
        rows = LearnerTopicState.objects.filter(
            user_id__in=states, state__mastered=True
        ).values_list("pk", "user_id", "topic__slug", "mastery")
        for pk, user_id, slug, stored in rows:
            faded = adaptive.topic_mastery(states[user_id], slug, now)
            if abs(faded - stored) >= MASTERY_REFRESH_STEP:
                changed += LearnerTopicState.objects.filter(pk=pk, mastery=stored).update(
                    mastery=faded
                )
