"""Which problem a student should do next.

`choose_next_problem` is the single entry point the adaptive engine replaces. The policy here is
deliberately simple: among unlocked topics (every prerequisite at or above the unlock mastery),
serve the weakest; within the topic, the template this student has seen least."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count

from quizzes.models import Problem
from quizzes.selectors import catalog, topic_map
from quizzes.services.practice import create_problem


class NoProblemAvailable(Exception):
    """Nothing can be served: unknown topic, or no active template in it."""


def choose_next_problem(*, user: AbstractBaseUser, topic_slug: str | None = None) -> Problem:
    """Create and return the next problem for `user` (in `topic_slug` when given)."""
    served = catalog()
    if topic_slug is not None:
        topic = next((t for t in served.topics if t.slug == topic_slug), None)
        if topic is None:
            raise NoProblemAvailable(f"There is no topic {topic_slug!r}.")
    else:
        mapped = topic_map(user=user)
        servable = [t for t in mapped.topics if t.pk in served.templates_by_topic]
        candidates = [t for t in servable if t.pk in mapped.unlocked] or servable
        if not candidates:
            raise NoProblemAvailable("The content bank is empty; run `manage.py sync_content`.")
        # min() keeps the first of equals, so ties go to the earlier topic in the graph.
        topic = min(candidates, key=lambda t: mapped.mastery(t.pk))

    templates = served.templates_by_topic.get(topic.pk, ())
    if not templates:
        raise NoProblemAvailable("This topic has no problems yet.")
    seen = dict(
        Problem.objects.filter(user_id=user.pk, template_id__in=[t.pk for t in templates])
        .values("template_id")
        .annotate(n=Count("pk"))
        .values_list("template_id", "n")
    )
    fewest = min(seen.get(t.pk, 0) for t in templates)
    least_seen = [t for t in templates if seen.get(t.pk, 0) == fewest]
    template = least_seen[secrets.randbelow(len(least_seen))]
    return create_problem(user=user, template=template)
