"""Loading the content bank into the database.

Templates are upserted by their stable id; a template whose source text changed gets a new
version (old problems keep pointing at the version they were generated from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from quizzes.models import ItemState, ProblemTemplate, TemplateVersion, Topic
from quizzes.selectors import forget_catalog
from quizzes.services.authoring import AUTHORED_PREFIX
from quizzes.services.variant_pool import fill_all_pools


@dataclass(frozen=True)
class SyncReport:
    topics: int
    created: tuple[str, ...] = field(default_factory=tuple)
    updated: tuple[str, ...] = field(default_factory=tuple)
    unchanged: int = 0
    deactivated: tuple[str, ...] = field(default_factory=tuple)


def sync_topics(graph: Any) -> dict[str, Topic]:
    """Upsert every topic of the graph and its prerequisite links; returns topics by slug."""
    existing = {topic.slug: topic for topic in Topic.objects.all()}
    by_slug: dict[str, Topic] = {}
    for position, node in enumerate(graph):
        topic = existing.get(node.slug)
        values = {
            "title": node.title,
            "area": node.area,
            "description": node.description,
            "position": position,
        }
        if topic is None:
            topic = Topic.objects.create(slug=node.slug, **values)
        elif any(getattr(topic, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(topic, name, value)
            topic.save(update_fields=list(values))
        by_slug[node.slug] = topic
    for node in graph:
        wanted = {by_slug[slug].pk for slug in node.prerequisites}
        topic = by_slug[node.slug]
        if set(topic.prerequisites.values_list("pk", flat=True)) != wanted:
            topic.prerequisites.set(wanted)
    return by_slug


@transaction.atomic
def sync_content(*, bank: Any = None) -> SyncReport:
    """Bring topics and templates in line with the bank (by default `content.load_bank()`)."""
    if bank is None:
        import content

        bank = content.load_bank()
    topics = sync_topics(bank.topics)
    stored = {
        template.key: template
        for template in ProblemTemplate.objects.select_related("current_version")
    }
    created: list[str] = []
    updated: list[str] = []
    unchanged = 0
    seen: set[str] = set()
    for source in bank.templates:
        seen.add(source.id)
        values = {
            "title": source.title,
            "topic": topics[source.topic],
            "difficulty": float(source.difficulty),
            "tags": list(source.tags),
            "author": source.author,
            "source_path": source.source_path,
            "is_active": True,
        }
        template = stored.get(source.id)
        if template is not None and template.source_path.startswith(AUTHORED_PREFIX):
            # Published in the browser since: the database holds the newer text, and the bank
            # file does not overwrite it (export it into the bank to bring the two together).
            unchanged += 1
            continue
        if template is None:
            template = ProblemTemplate.objects.create(key=source.id, **values)
            ItemState.objects.create(template=template, difficulty=float(source.difficulty))
            created.append(source.id)
        else:
            changed = [name for name, value in values.items() if getattr(template, name) != value]
            for name in changed:
                setattr(template, name, values[name])
            if changed:
                template.save(update_fields=[*changed, "updated_at"])
        current = template.current_version
        if current is not None and current.source_hash == source.source_hash:
            unchanged += 1
            continue
        version = TemplateVersion.objects.create(
            template=template,
            number=(current.number + 1) if current is not None else 1,
            source_text=source.source_text,
            source_hash=source.source_hash,
            declared_version=str(source.version),
        )
        template.current_version = version
        template.save(update_fields=["current_version", "updated_at"])
        if current is not None:
            updated.append(source.id)

    gone = [
        key
        for key, template in stored.items()
        if key not in seen
        and template.is_active
        and not template.source_path.startswith(AUTHORED_PREFIX)
    ]
    ProblemTemplate.objects.filter(key__in=gone).update(is_active=False)
    forget_catalog()
    fill_all_pools()
    return SyncReport(
        topics=len(topics),
        created=tuple(created),
        updated=tuple(updated),
        unchanged=unchanged,
        deactivated=tuple(gone),
    )
