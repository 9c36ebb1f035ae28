"""Rules that recognise common mistakes in a wrong answer and say so specifically.

Each rule is a small pure function tried in order once an answer has been judged wrong; the first
one that fires gives the feedback (and, for instructor-listed mistakes, the partial score).
Scalar rules work on the values both sides take at the equivalence layer's sample points, so they
cost a few float operations and never any algebra.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from grading.equivalence import NumericEvaluator, Value
from grading.options import GradingOptions

ROUNDING_WINDOW = 0.05
_RATIO_RTOL = 1e-7


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: the feedback to show and the credit it earns."""

    feedback: str
    score: float = 0.0


ScalarRule = Callable[[sympy.Expr, sympy.Expr, NumericEvaluator], Diagnosis | None]


def _paired(
    evaluator: NumericEvaluator, expected: sympy.Expr, answer: sympy.Expr
) -> list[tuple[Value, Value]]:
    pairs = []
    for e, a in zip(evaluator.values(expected), evaluator.values(answer), strict=True):
        if e is not None and a is not None:
            pairs.append((complex(e), complex(a)))
    return pairs


def _constant(values: Sequence[complex]) -> complex | None:
    if len(values) < 3:
        return None
    first = values[0]
    scale = max(abs(v) for v in values)
    if all(abs(v - first) <= _RATIO_RTOL * max(scale, 1e-300) for v in values):
        return first
    return None


def describe_number(value: complex) -> str:
    """A short human form of a constant: ``2``, ``1/2``, ``-3``, ``0.137``."""
    real = value.real
    if abs(value.imag) > 1e-9 * max(1.0, abs(real)):
        return f"{value:.4g}"
    fraction = Fraction(real).limit_denominator(1000)
    if abs(float(fraction) - real) <= 1e-9 * max(1.0, abs(real)):
        return str(fraction)
    return f"{real:.4g}"


def sign_error(
    expected: sympy.Expr, answer: sympy.Expr, evaluator: NumericEvaluator
) -> Diagnosis | None:
    pairs = _paired(evaluator, expected, answer)
    if len(pairs) < 3 or all(abs(e) < 1e-12 for e, _ in pairs):
        return None
    if all(abs(a + e) <= 1e-9 * max(abs(e), 1e-12) for e, a in pairs):
        return Diagnosis("Check the sign: your answer is the negative of the correct one.")
    return None


def missing_chain_factor(
    expected: sympy.Expr, answer: sympy.Expr, evaluator: NumericEvaluator
) -> Diagnosis | None:
    """The answer times one non-constant factor of the expected answer gives the expected answer.

    That is the shape of a derivative where the inner function's derivative was left out, e.g.
    ``cos(x^2)`` for ``2x cos(x^2)``.
    """
    if not expected.is_Mul or len(expected.args) > 6:
        return None
    ratios: list[complex | None] = []
    for e, a in zip(evaluator.values(expected), evaluator.values(answer), strict=True):
        if e is None or a is None or abs(complex(a)) <= 1e-300:
            ratios.append(None)
        else:
            ratios.append(complex(e) / complex(a))
    if sum(r is not None for r in ratios) < 3:
        return None
    coefficient, rest = expected.as_coeff_Mul()
    args = rest.args if rest.is_Mul else (rest,)
    scales = {sympy.Integer(1), coefficient, abs(coefficient)}
    for mask in range(1, 2 ** len(args)):
        chosen = sympy.Mul(*(arg for bit, arg in enumerate(args) if mask >> bit & 1))
        for scale in scales:
            factor = sympy.Mul(scale, chosen)
            if factor == expected or factor.is_number:
                continue
            if _matches_values(ratios, evaluator.values(factor)):
                return Diagnosis(
                    f"Close: a factor of {sympy.sstr(factor)} is missing. "
                    "Did you forget the chain rule (the derivative of the inner function)?"
                )
    return None


def _matches_values(wanted: Sequence[complex | None], values: Sequence[Value | None]) -> bool:
    compared = 0
    for want, value in zip(wanted, values, strict=True):
        if want is None or value is None:
            continue
        if abs(want - complex(value)) > _RATIO_RTOL * max(abs(want), 1e-300):
            return False
        compared += 1
    return compared >= 3


def constant_factor(
    expected: sympy.Expr, answer: sympy.Expr, evaluator: NumericEvaluator
) -> Diagnosis | None:
    pairs = [(e, a) for e, a in _paired(evaluator, expected, answer) if abs(e) > 1e-300]
    ratio = _constant([a / e for e, a in pairs])
    if ratio is None or abs(ratio) < 1e-12 or abs(ratio - 1) < 1e-9 or abs(ratio + 1) < 1e-9:
        return None
    inverse = 1 / ratio
    if abs(inverse.imag) < 1e-9 and abs(inverse.real) > 1 and _is_whole(inverse.real):
        return Diagnosis(
            f"Your answer is missing a constant factor of {describe_number(inverse)} "
            "(a chain-rule factor or a coefficient?)."
        )
    return Diagnosis(
        f"Your answer is off by a constant factor: it is {describe_number(ratio)} times "
        "the correct one; check the coefficients."
    )


def _is_whole(value: float) -> bool:
    return abs(value - round(value)) <= 1e-9 * max(1.0, abs(value))


def constant_term(
    expected: sympy.Expr, answer: sympy.Expr, evaluator: NumericEvaluator
) -> Diagnosis | None:
    if not (expected.free_symbols | answer.free_symbols):
        return None
    shift = _constant([a - e for e, a in _paired(evaluator, expected, answer)])
    if shift is None or abs(shift) < 1e-12:
        return None
    return Diagnosis(
        f"Your answer differs from the correct one by the constant {describe_number(shift)}."
    )


def rounded_coefficients(
    expected: sympy.Expr, answer: sympy.Expr, evaluator: NumericEvaluator
) -> Diagnosis | None:
    """Decimals in the answer and values everywhere within a few percent: rounded too early."""
    if not answer.has(sympy.Float):
        return None
    pairs = _paired(evaluator, expected, answer)
    if len(pairs) < 3 or any(abs(e) < 1e-12 for e, _ in pairs):
        return None
    if all(abs(a - e) <= ROUNDING_WINDOW * abs(e) for e, a in pairs):
        return Diagnosis(
            "Your answer is close but not accurate enough: did you round too early? "
            "Keep exact values (fractions, roots) or more digits."
        )
    return None


# A constant ratio and a non-constant missing factor exclude each other, so the costly
# chain-rule search goes last.
SCALAR_RULES: tuple[ScalarRule, ...] = (
    sign_error,
    rounded_coefficients,
    constant_factor,
    constant_term,
    missing_chain_factor,
)


def diagnose_scalar(
    expected: sympy.Expr,
    answer: sympy.Expr,
    options: GradingOptions,
    evaluator: NumericEvaluator | None = None,
) -> Diagnosis | None:
    """Feedback for a wrong scalar expression, or None when no rule recognises the mistake.

    Pass the evaluator the equivalence check used to reuse its compiled expressions.
    """
    symbols = expected.free_symbols | answer.free_symbols
    if evaluator is None or not symbols <= set(evaluator.symbols):
        evaluator = NumericEvaluator(tuple(symbols), options)
    for rule in SCALAR_RULES:
        diagnosis = rule(expected, answer, evaluator)
        if diagnosis is not None:
            return diagnosis
    return None


def diagnose_number(
    expected: complex, answer: complex, *, answer_has_decimals: bool, tolerance: float
) -> Diagnosis | None:
    """Feedback for a wrong numeric answer."""
    if expected == 0:
        return None
    if abs(answer + expected) <= max(tolerance, 1e-12) * abs(expected):
        return Diagnosis("Check the sign: your answer is the negative of the correct one.")
    relative = abs(answer - expected) / abs(expected)
    if answer_has_decimals and relative <= ROUNDING_WINDOW:
        return Diagnosis(
            "Your answer is close but not accurate enough: did you round too early? "
            "Keep full precision until the final step."
        )
    if answer != 0:
        ratio = abs(answer / expected)
        exponent = round(math.log10(ratio))
        if exponent != 0 and abs(ratio / 10.0**exponent - 1) <= max(tolerance, 1e-9):
            return Diagnosis(
                f"Your answer is off by a factor of 10^{exponent}: check the decimal point "
                "or a percentage conversion."
            )
    return None


def describe_shape(shape: tuple[int, int] | None) -> str:
    """A shape in the words a student uses: a single number, a vector, a row vector, a matrix."""
    if shape is None:
        return "a single number"
    rows, columns = shape
    if columns == 1 and rows > 1:
        return f"a vector of {rows} entries"
    if rows == 1 and columns > 1:
        return f"a row vector of {columns} entries"
    return f"a {rows}×{columns} matrix"


def wrong_shape(expected_shape: tuple[int, int], answer_shape: tuple[int, int] | None) -> str:
    """The message for a matrix or vector of the wrong size (``None``: the answer was a scalar)."""
    return f"Expected {describe_shape(expected_shape)}, got {describe_shape(answer_shape)}."


TRANSPOSED = "Your matrix is the transpose of the correct one: rows and columns are swapped."
