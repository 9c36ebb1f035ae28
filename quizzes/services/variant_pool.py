"""A few variants per template version, generated ahead by the worker.

Serving takes one (one row lock, skipping rows another request holds) and asks the worker to top
the pool back up once the request commits. With `VARIANT_POOL_SIZE = 0` the pool is off and
problems are generated on demand."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connection, transaction

from quizzes.models import PreparedVariant, TemplateVersion
from quizzes.services.variants import GeneratedVariant, generate_variant


def pool_enabled() -> bool:
    return settings.VARIANT_POOL_SIZE > 0


# One statement on PostgreSQL: lock the oldest free row (skipping rows another request holds),
# delete it and hand it back.
TAKE_ONE_SQL = """
DELETE FROM quizzes_preparedvariant
WHERE id = (
    SELECT id FROM quizzes_preparedvariant WHERE template_version_id = %s
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING seed, fingerprint, snapshot
"""


def take_prepared_variant(*, version: TemplateVersion) -> GeneratedVariant | None:
    """Remove and return one prepared variant of `version`, or None when the pool is empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(TAKE_ONE_SQL, [version.pk])
            found = cursor.fetchone()
        if found is None:
            return None
        seed, fingerprint, snapshot = found
        if isinstance(snapshot, str | bytes):
            snapshot = json.loads(snapshot)
        return GeneratedVariant(seed=seed, fingerprint=fingerprint, snapshot=snapshot)
    with transaction.atomic():
        row = PreparedVariant.objects.filter(template_version_id=version.pk).order_by("pk").first()
        if row is None:
            return None
        row.delete()
    return GeneratedVariant(seed=row.seed, fingerprint=row.fingerprint, snapshot=row.snapshot)


def refill_variant_pool(*, version_id: int) -> int:
    """Add one variant to the pool of `version_id` if it is below the configured size; returns
    how many were added. One per call keeps each task short, so grading never queues long
    behind the pool."""
    count = PreparedVariant.objects.filter(template_version_id=version_id).count()
    if count >= settings.VARIANT_POOL_SIZE:
        return 0
    version = TemplateVersion.objects.select_related("template").get(pk=version_id)
    variant = generate_variant(version)
    PreparedVariant.objects.create(
        template_version=version,
        seed=variant.seed,
        fingerprint=variant.fingerprint[:64],
        snapshot=variant.snapshot,
    )
    return 1


def enqueue_refill(*, version_id: int, times: int = 1) -> None:
    """Ask the worker, once the current transaction commits, to add up to `times` variants."""
    from quizzes.tasks import refill_variant_pool_task

    def send() -> None:
        for _ in range(times):
            refill_variant_pool_task.delay(version_id)

    transaction.on_commit(send, robust=True)


def fill_all_pools() -> int:
    """Queue enough refills to fill the pool of every servable template version (after a sync);
    returns how many versions were queued."""
    if not pool_enabled():
        return 0
    from quizzes.models import ProblemTemplate

    version_ids = list(
        ProblemTemplate.objects.filter(is_active=True, current_version__isnull=False).values_list(
            "current_version_id", flat=True
        )
    )
    for version_id in version_ids:
        enqueue_refill(version_id=version_id, times=settings.VARIANT_POOL_SIZE)
    return len(version_ids)
