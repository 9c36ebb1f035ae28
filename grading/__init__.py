"""Gradient's grading engine: a safe math parser, answer checkers, feedback and bounded evaluation.

Pure Python (stdlib, SymPy, NumPy); see ``docs/packages.md`` for the contract. Names are loaded
on first use, so importing one submodule (the sandbox, the errors) does not pull in the rest.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "errors": ("grading.errors", None),
    "MathInputError": ("grading.errors", "MathInputError"),
    "ParseError": ("grading.errors", "ParseError"),
    "UnknownNameError": ("grading.errors", "UnknownNameError"),
    "InputTooLarge": ("grading.errors", "InputTooLarge"),
    "parse": ("grading.parser", "parse"),
    "to_latex": ("grading.latex", "to_latex"),
    "to_text": ("grading.latex", "to_text"),
    "grade": ("grading.api", "grade"),
    "grade_many": ("grading.api", "grade_many"),
    "preview": ("grading.api", "preview"),
    "clear_cache": ("grading.api", "clear_cache"),
    "Verdict": ("grading.verdict", "Verdict"),
    "GradingOptions": ("grading.options", "GradingOptions"),
    "OptionsError": ("grading.options", "OptionsError"),
    "parse_options": ("grading.options", "parse_options"),
    "run_bounded": ("grading.sandbox", "run_bounded"),
    "BoundedTimeout": ("grading.sandbox", "BoundedTimeout"),
    "BoundedMemoryError": ("grading.sandbox", "BoundedMemoryError"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'grading' has no attribute {name!r}")
    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value
