"""Gradient's grading engine: a safe math parser, answer checkers, feedback and bounded evaluation.

Pure Python (stdlib, SymPy, NumPy); see ``docs/packages.md`` for the contract.
"""

from grading import errors
from grading.api import clear_cache, grade, grade_many, preview
from grading.errors import InputTooLarge, MathInputError, ParseError, UnknownNameError
from grading.latex import to_latex, to_text
from grading.options import GradingOptions, OptionsError, parse_options
from grading.parser import parse, parse_with_info
from grading.sandbox import BoundedMemoryError, BoundedTimeout, run_bounded
from grading.verdict import Verdict

__all__ = [
    "BoundedMemoryError",
    "BoundedTimeout",
    "GradingOptions",
    "InputTooLarge",
    "MathInputError",
    "OptionsError",
    "ParseError",
    "UnknownNameError",
    "Verdict",
    "clear_cache",
    "errors",
    "grade",
    "grade_many",
    "parse",
    "parse_options",
    "parse_with_info",
    "preview",
    "run_bounded",
    "to_latex",
    "to_text",
]
