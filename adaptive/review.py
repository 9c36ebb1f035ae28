"""Spaced review of mastered topics, scheduled by FSRS retrievability.

Each topic carries an FSRS card (stored as the card's own JSON dict). An answer is a review of the
topic rated from its effective score; the card's stability then says how fast recall decays, and
a mastered topic comes back for review when its predicted retention falls below a target.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

__all__ = ["Rating", "days_since", "rating_for", "retention", "retrievability", "review_card"]

# Fuzzing would make the schedule depend on a global random generator; the policy has its own.
_SCHEDULER = Scheduler(enable_fuzzing=False)
_DECAY = -_SCHEDULER.parameters[20]
_FACTOR = 0.9 ** (1.0 / _DECAY) - 1.0
_SECONDS_PER_DAY = 86400.0


def rating_for(score: float, hints_used: int) -> Rating:
    """FSRS rating of an answer: wrong → Again, right with help or partly → Hard, clean → Good."""
    if score < 0.5:
        return Rating.Again
    if hints_used > 0 or score < 0.999:
        return Rating.Hard
    return Rating.Good


def review_card(card: dict[str, Any] | None, *, rating: Rating, at: datetime) -> dict[str, Any]:
    """The card (a JSON dict) after a review at `at`; a missing card starts fresh."""
    moment = at.astimezone(UTC)
    current = Card.from_dict(card) if card else Card(card_id=1, due=moment)  # type: ignore[arg-type]
    updated, _ = _SCHEDULER.review_card(current, rating, review_datetime=moment)
    return dict(updated.to_dict())


def retention(stability: float, days: float) -> float:
    """FSRS forgetting curve: chance of recall `days` after a review, given the stability."""
    return float((1.0 + _FACTOR * max(0.0, days) / stability) ** _DECAY)


def retrievability(card: dict[str, Any] | None, *, now: datetime) -> float:
    """Predicted chance of recall at `now` (1.0 for a card never reviewed)."""
    if not card or card.get("stability") is None or card.get("last_review") is None:
        return 1.0
    last = datetime.fromisoformat(card["last_review"])
    days = max(0.0, (now - last).total_seconds() / _SECONDS_PER_DAY)
    return float((1.0 + _FACTOR * days / float(card["stability"])) ** _DECAY)


def days_since(card: dict[str, Any] | None, *, now: datetime) -> float | None:
    if not card or card.get("last_review") is None:
        return None
    return max(0.0, (now - datetime.fromisoformat(card["last_review"])).total_seconds() / 86400.0)
