"""The dashboard's offer of the diagnostic, shown to a new student until they take or skip it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from quizzes.pages import AreaSection
from quizzes.permissions import AnyUser
from quizzes.services.diagnostic import is_diagnostic_offered

register = template.Library()


@register.inclusion_tag("quizzes/diagnostic/_offer.html")
def diagnostic_offer(user: AnyUser, areas: Sequence[AreaSection]) -> dict[str, Any]:
    """Offered while the student has no mastery and no answers yet (read from the dashboard's
    own cards, so a student who has practised costs no query) and has not finished or skipped a
    diagnostic."""
    started = any(card.attempts or card.mastery_percent for area in areas for card in area.topics)
    offered = user.is_authenticated and not started and is_diagnostic_offered(user=user)
    return {"offered": offered}
