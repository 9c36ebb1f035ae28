"""The variant bank: generated variants of each template version, kept and served again.

A variant is a pure function of (template version, seed), so a generated one can be served to
any number of students; what matters is that one student never meets the same numbers twice.
Serving inserts the student's problem straight from a random banked variant of the version that
they have not been served yet, in one statement. Only when there is none does the request run the generator, and the fresh
variant joins the bank while the bank is smaller than `VARIANT_BANK_SIZE`. So generation cost
is paid once per bank entry, not once per problem served, and the worker never has to race the
students to keep a pool topped up.

After a sync or a publish the worker pre-fills each version with `VARIANT_BANK_PREFILL` variants,
so the first students of the day do not pay for generation either. Timed quizzes never use the
bank: each quiz question is generated with its own seed (see `quizzes.services.quizzes`).
`VARIANT_BANK_SIZE = 0` turns the bank off (every problem generated on demand)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from quizzes.models import PreparedVariant, Problem, TemplateVersion
from quizzes.services.variants import GeneratedVariant, generate_variant


def bank_enabled() -> bool:
    return settings.VARIANT_BANK_SIZE > 0


# Columns copied from the banked row; every other column of the new problem is a parameter.
_FROM_BANK = {"seed": "bank.seed", "fingerprint": "bank.fingerprint", "snapshot": "bank.snapshot"}


@functools.cache
def _serve_statement(vendor: str) -> tuple[list[Any], str]:
    """The problem's columns given as parameters, and the statement that serves from the bank
    (built once per process and database backend: only model metadata goes into it)."""
    quote = connection.ops.quote_name
    fields = [f for f in Problem._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    selected = ", ".join(_FROM_BANK.get(f.attname, "%s") for f in fields)
    problem_table = quote(Problem._meta.db_table)
    bank_table = quote(PreparedVariant._meta.db_table)
    sql = (
        f"INSERT INTO {problem_table} ({columns}) "  # noqa: S608
        f"SELECT {selected} FROM {bank_table} bank "
        "WHERE bank.template_version_id = %s AND NOT EXISTS ("
        f"SELECT 1 FROM {problem_table} served WHERE served.user_id = %s "
        "AND served.template_version_id = bank.template_version_id AND served.seed = bank.seed) "
        "ORDER BY random() LIMIT 1 "
        "RETURNING id, seed, fingerprint, snapshot"
    )
    return [f for f in fields if f.attname not in _FROM_BANK], sql


def serve_from_bank(*, version: TemplateVersion, values: Mapping[str, Any]) -> Problem | None:
    """Insert a problem for `values["user_id"]` from a random banked variant of `version` the
    student has not been served, in one statement (the snapshot never leaves the database on
    the way in); the new problem, or None when the bank has nothing unseen for them.

    `values` gives the problem's other columns by attribute name (`user_id`, `template_id`,
    `topic_id`, `session_id`, `assignment_id`, ...); unnamed columns take their defaults."""
    row = dict(values) | {"template_version_id": version.pk, "created_at": timezone.now()}
    fields, sql = _serve_statement(connection.vendor)
    params = [
        field.get_db_prep_save(
            row[field.attname] if field.attname in row else field.get_default(), connection
        )
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, version.pk, row["user_id"]])
        found = cursor.fetchone()
    if found is None:
        return None
    pk, seed, fingerprint, snapshot = found
    if isinstance(snapshot, str | bytes):
        snapshot = json.loads(snapshot)
    problem = Problem(
        pk=pk,
        seed=seed,
        fingerprint=fingerprint,
        snapshot=snapshot,
        **{key: value for key, value in row.items() if key not in _FROM_BANK},
    )
    problem._state.adding = False
    problem._state.db = connection.alias
    return problem


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
