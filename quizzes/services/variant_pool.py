"""The variant bank: generated variants of each template version, kept and served again.

A variant is a pure function of (template version, seed), so a generated one can be served to
any number of students; what matters is that one student never meets the same numbers twice.
Serving picks, in one query, a random banked variant of the version that this student has not
been served yet. Only when there is none does the request run the generator, and the fresh
variant joins the bank while the bank is smaller than `VARIANT_BANK_SIZE`. So generation cost
is paid once per bank entry, not once per problem served, and the worker never has to race the
students to keep a pool topped up.

After a sync or a publish the worker pre-fills each version with `VARIANT_BANK_PREFILL` variants,
so the first students of the day do not pay for generation either. Timed quizzes never use the
bank: each quiz question is generated with its own seed (see `quizzes.services.quizzes`).
`VARIANT_BANK_SIZE = 0` turns the bank off (every problem generated on demand)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from quizzes.models import PreparedVariant, Problem, TemplateVersion
from quizzes.services.variants import GeneratedVariant, generate_variant


def bank_enabled() -> bool:
    return settings.VARIANT_BANK_SIZE > 0


def unseen_banked_variant(*, version: TemplateVersion, user_id: int) -> GeneratedVariant | None:
    """A random banked variant of `version` that `user_id` has not been served, or None."""
    served = Problem.objects.filter(
        user_id=user_id, template_version_id=OuterRef("template_version_id"), seed=OuterRef("seed")
    )
    row = (
        PreparedVariant.objects.filter(template_version_id=version.pk)
        .exclude(Exists(served))
        .order_by("?")
        .values_list("seed", "fingerprint", "snapshot")
        .first()
    )
    if row is None:
        return None
    seed, fingerprint, snapshot = row
    return GeneratedVariant(seed=seed, fingerprint=fingerprint, snapshot=snapshot)


def bank_variant(*, version: TemplateVersion, variant: GeneratedVariant) -> bool:
    """Keep `variant` in the bank if the bank of its version has room; True when kept."""
    if PreparedVariant.objects.filter(template_version_id=version.pk).count() >= (
        settings.VARIANT_BANK_SIZE
    ):
        return False
    PreparedVariant.objects.create(
        template_version_id=version.pk,
        seed=variant.seed,
        fingerprint=variant.fingerprint[:64],
        snapshot=variant.snapshot,
    )
    return True


def variant_for_student(*, version: TemplateVersion, user_id: int) -> GeneratedVariant:
    """A variant of `version` that `user_id` has not met: from the bank when it has one,
    otherwise freshly generated (and banked while the bank has room)."""
    if not bank_enabled():
        return generate_variant(version)
    banked = unseen_banked_variant(version=version, user_id=user_id)
    if banked is not None:
        return banked
    fresh = generate_variant(version)
    bank_variant(version=version, variant=fresh)
    return fresh


def refill_variant_pool(*, version_id: int) -> int:
    """Add one variant to the bank of `version_id` while it holds fewer than the pre-fill
    target; returns how many were added. One per call keeps each worker task short, so grading
    never queues long behind a pre-fill."""
    target = min(settings.VARIANT_BANK_PREFILL, settings.VARIANT_BANK_SIZE)
    if PreparedVariant.objects.filter(template_version_id=version_id).count() >= target:
        return 0
    version = TemplateVersion.objects.select_related("template").get(pk=version_id)
    return int(bank_variant(version=version, variant=generate_variant(version)))


def enqueue_refill(*, version_id: int, times: int = 1) -> None:
    """Ask the worker, once the current transaction commits, to add up to `times` variants.
    Without a broker nothing is queued: the bank then fills as students are served."""
    if not settings.REDIS_URL or not bank_enabled():
        return
    from quizzes.tasks import refill_variant_pool_task

    def send() -> None:
        for _ in range(times):
            refill_variant_pool_task.delay(version_id)

    transaction.on_commit(send, robust=True)


def fill_all_pools() -> int:
    """Queue the pre-fill of every servable template version (after a sync); returns how many
    versions were queued."""
    if not settings.REDIS_URL or not bank_enabled():
        return 0
    from quizzes.models import ProblemTemplate

    version_ids = list(
        ProblemTemplate.objects.filter(is_active=True, current_version__isnull=False).values_list(
            "current_version_id", flat=True
        )
    )
    for version_id in version_ids:
        enqueue_refill(version_id=version_id, times=settings.VARIANT_BANK_PREFILL)
    return len(version_ids)
