"""Layered equivalence of SymPy expressions.

1. **Structural**: SymPy's automatic canonical form already merges ``x + x`` with ``2*x`` and
   orders terms, so ``expected == answer`` settles the common case for free.
2. **Numeric**: both sides are compiled once into Python closures and evaluated at points drawn
   deterministically from the domain (reals by default, so negatives are sampled and
   ``sqrt(x^2)`` equals ``abs(x)`` but not ``x``; positives under ``assume: positive``; a
   per-variable ``domain`` wins). Points where either side is undefined in the reals are skipped and
   enough valid points are required. Floats are tried first; a point whose float value overflows,
   underflows or disagrees is re-evaluated with mpmath at high precision, so
   ``(x-a)^6000`` against ``(a-x)^6000`` is compared exactly and rounding noise never rejects.
   A disagreement that survives the high-precision check rejects at once.
3. **Symbolic**: only when too few points were valid, ``simplify`` on the difference (with the
   variables' assumptions attached) gives the final word; the sandbox bounds its cost.
"""

from __future__ import annotations

import cmath
import math
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import sympy

from grading.options import GradingOptions

Value = Any
Evaluator = Callable[[Sequence[Value]], Value]
Backend = Literal["float", "mp"]

FLOAT_RTOL = 1e-9
FLOAT_ATOL = 1e-12
MP_DPS = 60
MP_RTOL = mpmath.mpf("1e-30")
MP_ATOL = mpmath.mpf("1e-40")
FIRST_POINTS = 10
EXTRA_POINTS = 24
MIN_VALID_POINTS = 5
_TINY = 1e-200
_HUGE = 1e200


class _Undefined(Exception):
    """The expression has no value (in the chosen number field) at this point."""


class _NeedsPrecision(Exception):
    """Floats cannot represent this value faithfully; retry with mpmath."""


class _Unsupported(Exception):
    pass


@dataclass(frozen=True)
class Equivalence:
    """``equal`` is None when no layer could decide; ``layer`` names the one that did."""

    equal: bool | None
    layer: str
    reason: str = ""


def _real_only(function: Callable[..., Value]) -> Callable[..., Value]:
    def checked(*args: Value) -> Value:
        result = function(*args)
        if isinstance(result, (complex, mpmath.mpc)):
            raise _Undefined
        return result

    return checked


def _float_reciprocal(function: Callable[[float], float]) -> Callable[[float], float]:
    def reciprocal(x: float) -> float:
        value = function(x)
        if value == 0:
            raise _Undefined
        return 1.0 / value

    return reciprocal


def _float_log(*args: float) -> float:
    if args[0] <= 0 or (len(args) > 1 and (args[1] <= 0 or args[1] == 1)):
        raise _Undefined
    return math.log(args[0]) / (math.log(args[1]) if len(args) > 1 else 1.0)


def _float_sign(x: float) -> float:
    return float((x > 0) - (x < 0))


def _float_heaviside(x: float, *rest: float) -> float:
    if x == 0:
        return rest[0] if rest else 0.5
    return 1.0 if x > 0 else 0.0


def _float_sigmoid(x: float) -> float:
    if x < -700:
        raise _NeedsPrecision
    return 1.0 / (1.0 + math.exp(-x))


_FLOAT_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": math.exp,
    "log": _float_log,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "cot": _float_reciprocal(math.tan),
    "sec": _float_reciprocal(math.cos),
    "csc": _float_reciprocal(math.sin),
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "sech": _float_reciprocal(math.cosh),
    "csch": _float_reciprocal(math.sinh),
    "coth": _float_reciprocal(math.tanh),
    "asinh": math.asinh,
    "acosh": math.acosh,
    "atanh": math.atanh,
    "Abs": abs,
    "sign": _float_sign,
    "floor": lambda x: float(math.floor(x)),
    "ceiling": lambda x: float(math.ceil(x)),
    "Heaviside": _float_heaviside,
    "gamma": math.gamma,
    "factorial": lambda x: math.gamma(x + 1.0),
    "erf": math.erf,
    "erfc": math.erfc,
    "Max": max,
    "Min": min,
    "sigmoid": _float_sigmoid,
}


def _mp_reciprocal(function: Callable[[Value], Value]) -> Callable[[Value], Value]:
    def reciprocal(x: Value) -> Value:
        value = function(x)
        if value == 0:
            raise _Undefined
        return 1 / value

    return reciprocal


def _mp_log(*args: Value) -> Value:
    if args[0] == 0 or (len(args) > 1 and (args[1] == 0 or args[1] == 1)):
        raise _Undefined
    return mpmath.log(args[0]) / (mpmath.log(args[1]) if len(args) > 1 else 1)


def _mp_sign(x: Value) -> Value:
    return mpmath.sign(x)


def _mp_heaviside(x: Value, *rest: Value) -> Value:
    if x == 0:
        return rest[0] if rest else mpmath.mpf("0.5")
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


_MP_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": mpmath.exp,
    "log": _mp_log,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "tan": mpmath.tan,
    "cot": _mp_reciprocal(mpmath.tan),
    "sec": _mp_reciprocal(mpmath.cos),
    "csc": _mp_reciprocal(mpmath.sin),
    "asin": mpmath.asin,
    "acos": mpmath.acos,
    "atan": mpmath.atan,
    "atan2": mpmath.atan2,
    "sinh": mpmath.sinh,
    "cosh": mpmath.cosh,
    "tanh": mpmath.tanh,
    "sech": _mp_reciprocal(mpmath.cosh),
    "csch": _mp_reciprocal(mpmath.sinh),
    "coth": _mp_reciprocal(mpmath.tanh),
    "asinh": mpmath.asinh,
    "acosh": mpmath.acosh,
    "atanh": mpmath.atanh,
    "Abs": abs,
    "sign": _mp_sign,
    "floor": mpmath.floor,
    "ceiling": mpmath.ceil,
    "Heaviside": _mp_heaviside,
    "gamma": mpmath.gamma,
    "factorial": lambda x: mpmath.gamma(x + 1),
    "erf": mpmath.erf,
    "erfc": mpmath.erfc,
    "Max": max,
    "Min": min,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
}

_COMPLEX_FLOAT_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": cmath.exp,
    "log": lambda x, *b: cmath.log(x) / (cmath.log(b[0]) if b else 1),
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "asin": cmath.asin,
    "acos": cmath.acos,
    "atan": cmath.atan,
    "Abs": abs,
    "conjugate": lambda z: complex(z).conjugate(),
    "re": lambda z: complex(z).real,
    "im": lambda z: complex(z).imag,
    "arg": lambda z: cmath.phase(z),
}


class _Compiler:
    """Turns a SymPy tree into nested closures over one number backend."""

    def __init__(self, symbols: Sequence[sympy.Symbol], backend: Backend, complex_mode: bool):
        self.index = {symbol: position for position, symbol in enumerate(symbols)}
        self.backend = backend
        self.complex_mode = complex_mode
        if backend == "mp":
            functions = dict(_MP_FUNCTIONS)
            if complex_mode:
                functions.update(conjugate=mpmath.conj, re=mpmath.re, im=mpmath.im, arg=mpmath.arg)
        elif complex_mode:
            functions = dict(_FLOAT_FUNCTIONS)
            functions.update(_COMPLEX_FLOAT_FUNCTIONS)
        else:
            functions = _FLOAT_FUNCTIONS
        if not complex_mode:
            functions = {name: _real_only(f) for name, f in functions.items()}
        self.functions = functions

    def constant(self, number: sympy.Expr) -> Value:
        if self.backend == "mp":
            if number.is_Rational:
                return mpmath.mpf(int(number.p)) / int(number.q)
            if number is sympy.I:
                if not self.complex_mode:
                    raise _Undefined
                return mpmath.mpc(0, 1)
            value = number.evalf(MP_DPS)
            real, imaginary = value.as_real_imag()
            if imaginary != 0:
                if not self.complex_mode:
                    raise _Undefined
                return mpmath.mpc(str(real), str(imaginary))
            return mpmath.mpf(str(real))
        if number is sympy.I:
            if not self.complex_mode:
                raise _Undefined
            return 1j
        try:
            if number.is_Rational:
                return int(number.p) / int(number.q)
            return float(number)
        except OverflowError as error:
            raise _NeedsPrecision from error
        except TypeError:
            value = complex(number)
            if not self.complex_mode:
                raise _Undefined from None
            return value

    def compile(self, node: sympy.Basic) -> Evaluator:
        if node.is_Symbol:
            position = self.index[node]
            return lambda values: values[position]
        if node.is_Number or node.is_NumberSymbol or node is sympy.I:
            try:
                value = self.constant(node)
            except _Undefined:

                def undefined(values: Sequence[Value]) -> Value:
                    raise _Undefined

                return undefined
            return lambda values: value
        if node.is_Add:
            parts = [self.compile(arg) for arg in node.args]
            return lambda values: sum(part(values) for part in parts)
        if node.is_Mul:
            factors = [self.compile(arg) for arg in node.args]

            def product(values: Sequence[Value]) -> Value:
                result = factors[0](values)
                for factor in factors[1:]:
                    result = result * factor(values)
                return result

            return product
        if node.is_Pow:
            return self._power(node)
        name = type(node).__name__
        function = self.functions.get(name)
        if function is None or not node.args:
            raise _Unsupported(name)
        arguments = [self.compile(arg) for arg in node.args]
        return lambda values: function(*(argument(values) for argument in arguments))

    def _power(self, node: sympy.Pow) -> Evaluator:
        base = self.compile(node.base)
        exponent = node.exp
        real_mode = not self.complex_mode
        if exponent.is_Integer:
            power = int(exponent)
            if abs(power) > 100_000:
                raise _Unsupported("huge power")

            def integer_power(values: Sequence[Value]) -> Value:
                b = base(values)
                if power < 0 and b == 0:
                    raise _Undefined
                return b**power

            return integer_power
        if exponent == sympy.S.Half:
            root = mpmath.sqrt if self.backend == "mp" else None

            def square_root(values: Sequence[Value]) -> Value:
                b = base(values)
                if real_mode and b < 0:
                    raise _Undefined
                if root is not None:
                    return root(b)
                return cmath.sqrt(b) if isinstance(b, complex) else math.sqrt(b)

            return square_root
        power_of = self.compile(exponent)

        def general_power(values: Sequence[Value]) -> Value:
            b = base(values)
            e = power_of(values)
            if b == 0 and (e.real if isinstance(e, complex) else e) <= 0:
                raise _Undefined
            if real_mode and b < 0:
                # A negative base has a real power only for integer exponents; the principal
                # value of (-8)^(1/3) is complex, so the point is outside the real domain.
                raise _Undefined
            result = b**e
            if real_mode and isinstance(result, (complex, mpmath.mpc)):
                raise _Undefined
            return result

        return general_power


def _fallback(node: sympy.Basic, symbols: Sequence[sympy.Symbol], backend: Backend) -> Evaluator:
    """Evaluate a tree the compiler does not know through SymPy's own evalf (slow but general)."""

    def evaluate(values: Sequence[Value]) -> Value:
        substitutions = {
            symbol: sympy.Float(str(v), MP_DPS) for symbol, v in zip(symbols, values, strict=True)
        }
        result = node.evalf(30 if backend == "float" else MP_DPS, subs=substitutions)
        if not result.is_Number or result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise _Undefined
        real, imaginary = result.as_real_imag()
        if imaginary != 0:
            raise _Undefined
        return float(real) if backend == "float" else mpmath.mpf(str(real))

    return evaluate


@dataclass
class _Compiled:
    float_form: Evaluator | None
    mp_form: Evaluator


class NumericEvaluator:
    """Evaluates expressions over one fixed set of sample points, compiling each expression once."""

    def __init__(self, symbols: Sequence[sympy.Symbol], options: GradingOptions) -> None:
        self.symbols = tuple(sorted(symbols, key=lambda s: s.name))
        self.options = options
        self.complex_mode = options.complex
        self.points = sample_points(self.symbols, options, FIRST_POINTS, salt=0)
        self._mp_points: list[list[Value] | None] = [None] * len(self.points)
        self._cache: dict[sympy.Basic, _Compiled] = {}

    def _to_mp(self, point: Sequence[Value]) -> list[Value]:
        return [
            mpmath.mpc(v.real, v.imag) if isinstance(v, complex) else mpmath.mpf(v) for v in point
        ]

    def extend(self) -> None:
        """Add points from narrower ranges, for expressions defined only on a small domain."""
        extra = sample_points(self.symbols, self.options, EXTRA_POINTS, salt=1, narrow=True)
        self.points = self.points + extra
        self._mp_points = self._mp_points + [None] * len(extra)

    def _compiled(self, expr: sympy.Basic) -> _Compiled:
        compiled = self._cache.get(expr)
        if compiled is not None:
            return compiled
        float_form: Evaluator | None
        try:
            float_form = _Compiler(self.symbols, "float", self.complex_mode).compile(expr)
        except (_Unsupported, _NeedsPrecision):
            float_form = None
        try:
            mp_form = _Compiler(self.symbols, "mp", self.complex_mode).compile(expr)
        except _Unsupported:
            mp_form = _fallback(expr, self.symbols, "mp")
        compiled = _Compiled(float_form, mp_form)
        self._cache[expr] = compiled
        return compiled

    def float_value(self, expr: sympy.Basic, index: int) -> Value | None:
        """The value at point ``index`` as a float; None when undefined; raises when imprecise."""
        compiled = self._compiled(expr)
        if compiled.float_form is None:
            raise _NeedsPrecision
        try:
            value = compiled.float_form(self.points[index])
        except (_Undefined, ValueError, ZeroDivisionError):
            return None
        except (OverflowError, _NeedsPrecision) as error:
            raise _NeedsPrecision from error
        except TypeError:
            return None
        magnitude = abs(value)
        if magnitude != magnitude or magnitude > _HUGE or (magnitude < _TINY):
            # Zero, underflow, overflow and NaN are all cases where a float may have lost the
            # value entirely; mpmath settles them.
            raise _NeedsPrecision
        return value

    def float_at(self, expr: sympy.Basic, point: Sequence[float]) -> float | None:
        """A real float value at an arbitrary point; None when undefined or not representable."""
        compiled = self._compiled(expr)
        if compiled.float_form is None:
            return None
        try:
            value = compiled.float_form(point)
        except (_Undefined, _NeedsPrecision, ValueError, ZeroDivisionError, OverflowError):
            return None
        except TypeError:
            return None
        if isinstance(value, complex) or not math.isfinite(value):
            return None
        return float(value)

    def mp_value(self, expr: sympy.Basic, index: int) -> Value | None:
        compiled = self._compiled(expr)
        point = self._mp_points[index]
        if point is None:
            point = self._mp_points[index] = self._to_mp(self.points[index])
        with mpmath.workdps(MP_DPS):
            try:
                value = compiled.mp_form(point)
            except (_Undefined, ValueError, ZeroDivisionError, TypeError, OverflowError):
                return None
            if isinstance(value, (int, float)):
                value = mpmath.mpf(value)
            if not mpmath.isfinite(value):
                return None
            if not self.complex_mode and isinstance(value, mpmath.mpc):
                return None
            return value

    def values(self, expr: sympy.Basic) -> list[Value | None]:
        """Values at every point (float when trustworthy, mpmath otherwise); None = undefined."""
        result: list[Value | None] = []
        for index in range(len(self.points)):
            try:
                result.append(self.float_value(expr, index))
            except _NeedsPrecision:
                result.append(self.mp_value(expr, index))
        return result


def sample_points(
    symbols: Sequence[sympy.Symbol],
    options: GradingOptions,
    count: int,
    *,
    salt: int,
    narrow: bool = False,
) -> list[tuple[Value, ...]]:
    """Deterministic sample points: the same expression is always checked at the same places."""
    columns: list[list[Value]] = []
    for symbol in symbols:
        rng = random.Random(zlib.crc32(f"{symbol.name}:{salt}".encode()))  # noqa: S311 - sampling, not secrets
        bounds = options.domain_of(symbol.name)
        column: list[Value] = []
        for draw in range(count):
            if bounds is not None:
                low, high = bounds
                value = rng.uniform(low, high)
            elif options.assume == "positive":
                value = rng.uniform(0.05, 1.0 if narrow else 3.0)
            elif narrow:
                value = rng.uniform(-1.0, 1.0)
            else:
                magnitude = rng.uniform(0.1, 2.5)
                value = magnitude if draw % 2 == 0 else -magnitude
            if options.complex:
                column.append(complex(value, rng.uniform(-1.5, 1.5)))
            else:
                column.append(value)
        columns.append(column)
    return [tuple(column[i] for column in columns) for i in range(count)]


def _close(a: Value, b: Value, rtol: Value, atol: Value) -> bool:
    return bool(abs(a - b) <= atol + rtol * max(abs(a), abs(b)))


def values_close(
    evaluator: NumericEvaluator,
    left: sympy.Basic,
    right: sympy.Basic,
    index: int,
    *,
    rtol: float | None = None,
    atol: float | None = None,
) -> bool | None:
    """Whether both sides agree at one point; None when either side is undefined there."""
    tolerant = rtol is not None or atol is not None
    float_rtol = rtol if rtol is not None else (0.0 if tolerant else FLOAT_RTOL)
    float_atol = atol if atol is not None else (0.0 if tolerant else FLOAT_ATOL)
    try:
        a = evaluator.float_value(left, index)
        b = evaluator.float_value(right, index)
        if a is None or b is None:
            return None
        if _close(a, b, float_rtol, float_atol):
            return True
        if tolerant:
            return False
    except _NeedsPrecision:
        pass
    a = evaluator.mp_value(left, index)
    b = evaluator.mp_value(right, index)
    if a is None or b is None:
        return None
    with mpmath.workdps(MP_DPS):
        if tolerant:
            return _close(a, b, mpmath.mpf(float_rtol), mpmath.mpf(float_atol))
        return _close(a, b, MP_RTOL, MP_ATOL)


def _with_assumptions(expr: sympy.Basic, options: GradingOptions) -> sympy.Basic:
    if options.complex:
        return expr
    replacements = {}
    for symbol in expr.free_symbols:
        bounds = options.domain_of(symbol.name)
        positive = options.assume == "positive" or (bounds is not None and bounds[0] >= 0)
        assumptions = {"positive": True} if positive else {"real": True}
        replacements[symbol] = sympy.Symbol(symbol.name, **assumptions)
    return expr.xreplace(replacements)


def symbolic_equal(
    expected: sympy.Basic, answer: sympy.Basic, options: GradingOptions
) -> bool | None:
    """Confirm with algebra; None when SymPy cannot decide."""
    difference = _with_assumptions(sympy.Add(expected, -answer), options)
    simplified = sympy.simplify(difference)
    if simplified == 0:
        return True
    decided = simplified.equals(0)
    if decided is None:
        return None
    return bool(decided)


def compare_scalars(
    expected: sympy.Basic,
    answer: sympy.Basic,
    options: GradingOptions,
    evaluator: NumericEvaluator | None = None,
    *,
    symbolic: bool = True,
) -> Equivalence:
    """Decide whether two scalar expressions are equal, layer by layer."""
    if expected == answer:
        return Equivalence(True, "structural")
    exact = options.rtol is None and options.atol is None
    if exact and expected.is_Rational and answer.is_Rational:
        return Equivalence(False, "structural", "different exact numbers")
    symbols = expected.free_symbols | answer.free_symbols
    if evaluator is None or not symbols <= set(evaluator.symbols):
        evaluator = NumericEvaluator(tuple(symbols), options)
    tolerance = {"rtol": options.rtol, "atol": options.atol}
    agreed = 0
    one_sided = 0
    for round_number in range(2):
        start = 0 if round_number == 0 else FIRST_POINTS
        for index in range(start, len(evaluator.points)):
            verdict = values_close(evaluator, expected, answer, index, **tolerance)
            if verdict is False:
                return Equivalence(False, "numeric", "differs at a sample point")
            if verdict is True:
                agreed += 1
            elif _defined(evaluator, expected, index) != _defined(evaluator, answer, index):
                one_sided += 1
        if not symbols or agreed >= MIN_VALID_POINTS:
            break
        if round_number == 0:
            evaluator.extend()
    if one_sided >= 2 and one_sided * 4 >= agreed + one_sided:
        return Equivalence(False, "numeric", "defined on a different domain")
    if agreed >= MIN_VALID_POINTS or (not symbols and agreed >= 1):
        return Equivalence(True, "numeric")
    if not symbolic:
        return Equivalence(None, "numeric", "too few points where both sides are defined")
    return Equivalence(symbolic_equal(expected, answer, options), "symbolic")


def _defined(evaluator: NumericEvaluator, expr: sympy.Basic, index: int) -> bool:
    try:
        return evaluator.float_value(expr, index) is not None
    except _NeedsPrecision:
        return evaluator.mp_value(expr, index) is not None


ROOT_GRID = 48
ROOT_TRIALS = 8
MIN_ROOTS = 4


def _bisect(function: Callable[[float], float | None], low: float, high: float) -> float | None:
    f_low = function(low)
    if f_low is None:
        return None
    for _ in range(60):
        middle = (low + high) / 2
        f_middle = function(middle)
        if f_middle is None:
            return None
        if f_middle == 0:
            return middle
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


def zero_sets_agree(first: sympy.Expr, second: sympy.Expr, options: GradingOptions) -> bool | None:
    """Whether ``first = 0`` and ``second = 0`` have the same real solutions, judged numerically.

    Along lines through random points (all variables fixed but one), sign changes of one side are
    bisected to a root, and the other side must vanish there too; this is tried both ways. A root
    of one where the other is clearly nonzero refutes; enough shared roots and no refutation
    confirm; otherwise None (for example when neither side changes sign).
    """
    symbols = tuple(sorted(first.free_symbols | second.free_symbols, key=lambda s: s.name))
    if not symbols or options.complex:
        return None
    evaluator = NumericEvaluator(symbols, options)
    anchors = sample_points(symbols, options, ROOT_TRIALS, salt=7)
    shared = 0
    for source, target in ((first, second), (second, first)):
        for trial, anchor in enumerate(anchors):
            axis = trial % len(symbols)
            bounds = options.domain_of(symbols[axis].name)
            low, high = (
                bounds if bounds else ((0.05, 4.0) if options.assume == "positive" else (-4.0, 4.0))
            )

            def along(t: float, base: Sequence[Value] = anchor, i: int = axis) -> list[float]:
                point = [float(v.real) if isinstance(v, complex) else float(v) for v in base]
                point[i] = t
                return point

            def source_at(t: float, side: sympy.Expr = source) -> float | None:
                return evaluator.float_at(side, along(t))

            grid = [low + (high - low) * k / ROOT_GRID for k in range(ROOT_GRID + 1)]
            values = [source_at(t) for t in grid]
            for k in range(ROOT_GRID):
                a, b = values[k], values[k + 1]
                if a is None or b is None or (a > 0) == (b > 0) or a == 0:
                    continue
                root = _bisect(source_at, grid[k], grid[k + 1])
                if root is None:
                    continue
                source_scale = max(abs(a), abs(b), 1e-300)
                if abs(source_at(root) or 0.0) > 1e-6 * source_scale:
                    continue  # a pole, not a root
                residual = evaluator.float_at(target, along(root))
                neighbour = evaluator.float_at(target, along(grid[k]))
                if residual is None or neighbour is None:
                    continue
                scale = max(abs(neighbour), 1.0)
                if abs(residual) > 1e-4 * scale:
                    return False
                if abs(residual) <= 1e-7 * scale:
                    shared += 1
    return True if shared >= MIN_ROOTS else None
