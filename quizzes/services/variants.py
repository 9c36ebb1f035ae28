"""The bridge to the content engine: template versions become problem snapshots.

A template version's source text is parsed once per process and kept, so serving a problem costs
one generation, not a parse."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

import content
from quizzes.models import TemplateVersion

# Seeds fit a signed 64-bit column.
SEED_BITS = 62

_parsed_lock = threading.Lock()
_parsed: dict[tuple[int, str], Any] = {}


@dataclass(frozen=True)
class GeneratedVariant:
    seed: int
    fingerprint: str
    snapshot: dict[str, Any]


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def parsed_template(version: TemplateVersion) -> Any:
    """The content engine's template for this stored version (parsed once per process)."""
    cache_key = (version.pk, version.source_hash)
    template = _parsed.get(cache_key)
    if template is None:
        template = content.parse_template(
            version.source_text, path=version.template.source_path or version.template.key
        )
        with _parsed_lock:
            _parsed[cache_key] = template
    return template


def generate_variant(version: TemplateVersion, seed: int | None = None) -> GeneratedVariant:
    """Generate the (version, seed) variant and its JSON snapshot."""
    chosen_seed = new_seed() if seed is None else seed
    variant = content.generate(parsed_template(version), chosen_seed)
    return GeneratedVariant(
        seed=chosen_seed, fingerprint=str(variant.fingerprint), snapshot=variant.to_dict()
    )


def variant_from_snapshot(snapshot: dict[str, Any]) -> Any:
    """The stored variant, exactly as it was served (the generator never re-runs)."""
    return content.Variant.from_dict(snapshot)
