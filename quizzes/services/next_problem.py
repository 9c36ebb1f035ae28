"""Which problem a student should do next.

`choose_next_problem` is the single entry point the adaptive engine replaces. The policy here is
deliberately simple: among unlocked topics (every prerequisite at or above the unlock mastery),
serve the weakest; within the topic, the template this student has seen least."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q

from quizzes.models import Problem, ProblemTemplate, Topic
from quizzes.selectors import topic_map
from quizzes.services.practice import create_problem


class NoProblemAvailable(Exception):
    """Nothing can be served: unknown topic, or no active template in it."""


def choose_next_problem(*, user: AbstractBaseUser, topic_slug: str | None = None) -> Problem:
    """Create and return the next problem for `user` (in `topic_slug` when given)."""
    active = ProblemTemplate.objects.filter(is_active=True, current_version__isnull=False)
    if topic_slug is not None:
        topic_ids = list(Topic.objects.filter(slug=topic_slug).values_list("pk", flat=True))
        if not topic_ids:
            raise NoProblemAvailable(f"There is no topic {topic_slug!r}.")
        topic_id = topic_ids[0]
    else:
        mapped = topic_map(user=user)
        servable = set(active.values_list("topic_id", flat=True).distinct())
        candidates = [t for t in mapped.topics if t.pk in mapped.unlocked and t.pk in servable]
        if not candidates:
            candidates = [t for t in mapped.topics if t.pk in servable]
        if not candidates:
            raise NoProblemAvailable("The content bank is empty; run `manage.py sync_content`.")
        # min() keeps the first of equals, so ties go to the earlier topic in the graph.
        topic_id = min(candidates, key=lambda t: mapped.mastery(t.pk)).pk

    templates = list(
        active.filter(topic_id=topic_id)
        .select_related("current_version")
        .annotate(seen=Count("problems", filter=Q(problems__user_id=user.pk)))
        .order_by("seen", "difficulty")
    )
    if not templates:
        raise NoProblemAvailable("This topic has no problems yet.")
    least_seen = [t for t in templates if t.seen == templates[0].seen]
    template = least_seen[secrets.randbelow(len(least_seen))]
    return create_problem(user=user, template=template)
