"""Printing parsed math: LaTeX for people, text for storage.

``to_latex`` shows a student how their answer was read (``2 x`` rather than ``2 \\cdot x``,
matrices as ``bmatrix``, fractions as ``\\frac``). ``to_text`` writes text that
``grading.parser.parse`` reads back to an equal object (given the same variables and, for
template-level functions such as ``max`` or ``floor``, ``level="template"``); expected answers are
stored this way. Floats are written with the shortest decimal that reads back to the same double.
Unevaluated calculus objects (``Integral``, ``Limit``) and root objects have no text form here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy
from sympy import Basic
from sympy.matrices import MatrixBase
from sympy.printing.str import StrPrinter

from grading.functions import TEMPLATE_FUNCTIONS

_LATEX_SETTINGS: dict[str, Any] = {
    "mat_str": "bmatrix",
    "mat_delim": "",
    "inv_trig_style": "full",
    "mul_symbol": None,
}


def to_latex(obj: Basic) -> str:
    """LaTeX for ``obj`` as a reader would write it."""
    return str(sympy.latex(obj, **_LATEX_SETTINGS))


def to_text(obj: Basic) -> str:
    """Text the parser reads back to an object equal to ``obj``."""
    quick = _numeric_text(obj)
    if quick is not None:
        return quick
    return _TextPrinter().doprint(obj).replace("**", "^")


def _number_text(obj: object) -> str | None:
    if isinstance(obj, sympy.Rational):
        return str(obj.p) if obj.q == 1 else f"{obj.p}/{obj.q}"
    if isinstance(obj, sympy.Float):
        return _float_text(obj)
    return None


def _numeric_text(obj: object) -> str | None:
    """What the printer writes for a number or a matrix of numbers, without the printer.

    Most stored values are such numbers; the general printer costs far more than the format.
    """
    number = _number_text(obj)
    if number is not None:
        return number
    if isinstance(obj, MatrixBase) and obj.rows and obj.cols:
        entries = []
        for entry in obj:
            text = _number_text(entry)
            if text is None:
                return None
            entries.append(text)
        if obj.cols == 1:
            return "[" + ", ".join(entries) + "]"
        width = obj.cols
        rows = (entries[start : start + width] for start in range(0, len(entries), width))
        return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
    return None


def _float_text(value: sympy.Float) -> str:
    mpf = value._mpf_
    try:
        candidate = repr(float(mpmath.mpf(mpf)))
    except OverflowError:
        candidate = ""
    if candidate and "inf" not in candidate and "nan" not in candidate:
        if sympy.Float(candidate, precision=value._prec)._mpf_ == mpf:
            return candidate.replace("e+", "e")
    digits = max(17, mpmath.libmp.prec_to_dps(value._prec) + 3)
    return str(mpmath.libmp.to_str(mpf, digits))


class _TextPrinter(StrPrinter):  # type: ignore[misc]
    def _print_Float(self, expr: sympy.Float) -> str:
        return _float_text(expr)

    def _print_Exp1(self, expr: Basic) -> str:
        return "e"

    def _print_ImaginaryUnit(self, expr: Basic) -> str:
        return "i"

    def _print_Equality(self, expr: sympy.Equality) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Unequality(self, expr: Basic) -> str:
        return f"{self._print(expr.args[0])} != {self._print(expr.args[1])}"

    def _print_BooleanTrue(self, expr: Basic) -> str:
        return "true"

    def _print_BooleanFalse(self, expr: Basic) -> str:
        return "false"

    def _print_EmptySet(self, expr: Basic) -> str:
        return "{}"

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        parts: list[str] = []
        for value, condition in expr.args:
            if condition is sympy.true:
                parts.append(self._print(value))
            else:
                parts.extend([self._print(condition), self._print(value)])
        return f"piecewise({', '.join(parts)})"

    def _print_MatrixBase(self, expr: MatrixBase) -> str:
        if expr.cols == 1:
            return "[" + ", ".join(self._print(v) for v in expr) + "]"
        rows = [
            "[" + ", ".join(self._print(expr[r, c]) for c in range(expr.cols)) + "]"
            for r in range(expr.rows)
        ]
        return "[" + ", ".join(rows) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase


def _call_printer(name: str) -> Callable[[_TextPrinter, Basic], str]:
    def print_call(printer: _TextPrinter, expr: Basic) -> str:
        return f"{name}({printer.stringify(expr.args, ', ')})"

    return print_call


# Functions whose SymPy class prints under another name (Abs, ceiling, Max...) are written with the
# name the parser's table reads.
for _spec in TEMPLATE_FUNCTIONS.values():
    if _spec.sympy_head is not None and _spec.print_name is not None:
        _method = f"_print_{_spec.sympy_head.__name__}"
        if _method not in _TextPrinter.__dict__:
            setattr(_TextPrinter, _method, _call_printer(_spec.print_name))
