"""Gradient's content engine: templates as TOML files, turned into seed-reproducible variants.

Pure Python (grading, stdlib, SymPy, NumPy); see ``docs/packages.md`` for the contract and
``docs/templates.md`` for the template format. Names load on first use, so reading the topic
graph (``content.topics``) does not pull in SymPy or the grading engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Bank": "content.loader",
    "load_bank": "content.loader",
    "load_template": "content.loader",
    "parse_template": "content.loader",
    "Template": "content.schema",
    "generate": "content.engine",
    "Variant": "content.engine",
    "VariantPart": "content.engine",
    "validate_bank": "content.validate",
    "run_validation": "content.validate",
    "ValidationReport": "content.validate",
    "ContentError": "content.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'content' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
