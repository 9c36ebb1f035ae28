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
    """Top the pool of `version_id` up to the configured size; returns how many were added."""
    missing = (
        settings.VARIANT_POOL_SIZE
        - PreparedVariant.objects.filter(template_version_id=version_id).count()
    )
    if missing <= 0:
        return 0
    version = TemplateVersion.objects.select_related("template").get(pk=version_id)
    generated = [generate_variant(version) for _ in range(missing)]
    PreparedVariant.objects.bulk_create(
        PreparedVariant(
            template_version=version,
            seed=variant.seed,
            fingerprint=variant.fingerprint[:64],
            snapshot=variant.snapshot,
        )
        for variant in generated
    )
    return len(generated)


def enqueue_refill(*, version_id: int) -> None:
    from quizzes.tasks import refill_variant_pool_task

    transaction.on_commit(lambda: refill_variant_pool_task.delay(version_id), robust=True)
