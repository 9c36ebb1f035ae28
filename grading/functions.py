"""The function tables: which names the parser calls, with how many arguments, building what.

``STUDENT_FUNCTIONS`` holds what an answer may use (elementary functions). ``TEMPLATE_FUNCTIONS``
adds what template authors need (calculus, linear algebra, solvers, rounding, ML activations); these
evaluate eagerly on SymPy objects the parser already built, and every size they depend on is bounded
by ``grading.limits``. Content extends the table with its sampling functions through
``parse(..., functions=...)``.

Conventions a template author should know:
- ``entry(M, i, j)`` and ``entry(v, i)`` count from 1.
- ``eigenvals(M)`` is a column vector of the eigenvalues, each repeated by its multiplicity, sorted
  ascending when they are all real numbers (otherwise in SymPy's canonical order).
- ``singular_values(M)`` is a column vector sorted descending.
- ``solve(eq_or_expr, x)`` is a set; non-real solutions are dropped unless complex numbers are
  enabled.
- ``numeric(expr, n)`` rounds to ``n`` significant digits (default 15) and returns a double-precision
  Float, the same kind of number a decimal literal becomes.
- ``round(x, n)`` rounds half away from zero; ``round(x)`` is a whole number, ``round(x, n)`` with
  n > 0 keeps a Float a Float and an exact number exact.
- ``piecewise(c1, v1, c2, v2, ..., otherwise)`` and ``if(c, a, b)`` take conditions before values.

Sizes are bounded here (orders, dimensions, factorial arguments, expansion exponents), but the time
SymPy needs for ``integrate``, ``limit``, ``solve``, ``simplify`` or ``factor`` is not a function of
size alone: callers evaluate template text under the CPU and memory bound of ``grading.sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import mpmath
import sympy
from sympy import Basic, Expr, ImmutableMatrix, Integer, Rational, S, Symbol
from sympy.matrices import MatrixBase

from grading.errors import EvaluationError, InputTooLarge
from grading.limits import (
    MAX_DERIVATIVE_ORDER,
    MAX_EXPAND_EXPONENT,
    MAX_FACTORIAL_ARGUMENT,
    MAX_MATRIX_DIMENSION,
    MAX_NUMERIC_DIGITS,
    MAX_ROUND_DIGITS,
    MAX_SERIES_ORDER,
)

ArgumentKind = Literal["scalar", "any"]


@dataclass(frozen=True)
class CallContext:
    """What a builder may need to know about the parse it runs in."""

    allow_complex: bool = False
    level: Literal["student", "template"] = "student"


Builder = Callable[[tuple[Basic, ...], CallContext], Basic]


@dataclass(frozen=True)
class FunctionSpec:
    """One callable name.

    ``build`` receives the already-parsed arguments. ``arguments="scalar"`` makes the parser refuse
    matrices, sets and relations before ``build`` runs; ``"any"`` leaves checks to ``build``.
    ``sympy_head`` is the SymPy class an unevaluated call of this function is headed by; printers
    use ``print_name`` to write such a call back in text the parser reads.
    """

    name: str
    min_args: int
    max_args: int
    build: Builder
    doc: str
    arguments: ArgumentKind = "scalar"
    relations: bool = False
    sympy_head: type | None = None
    print_name: str | None = None


def _fail(message: str) -> EvaluationError:
    return EvaluationError(message, located=False)


def _scalar(name: str, arg: Basic) -> Expr:
    if isinstance(arg, MatrixBase):
        raise _fail(f"`{name}` needs a number or expression here, not a matrix")
    if not isinstance(arg, Expr):
        raise _fail(f"`{name}` needs a number or expression here")
    return arg


def _matrix(name: str, arg: Basic) -> ImmutableMatrix:
    if not isinstance(arg, MatrixBase):
        raise _fail(f"`{name}` needs a matrix or vector")
    return ImmutableMatrix(arg)


def _square(name: str, arg: Basic) -> ImmutableMatrix:
    m = _matrix(name, arg)
    if m.rows != m.cols:
        raise _fail(f"`{name}` needs a square matrix, got {m.rows}×{m.cols}")
    return m


def _vector(name: str, arg: Basic) -> list[Expr]:
    m = _matrix(name, arg)
    if m.cols != 1 and m.rows != 1:
        raise _fail(f"`{name}` needs a vector, got a {m.rows}×{m.cols} matrix")
    return list(m)


def _symbol(name: str, arg: Basic) -> Symbol:
    if not isinstance(arg, Symbol):
        raise _fail(f"`{name}` needs a variable here, such as x")
    return arg


def _integer(name: str, arg: Basic, low: int, high: int) -> int:
    if not (isinstance(arg, Integer) or (isinstance(arg, Expr) and arg.is_Integer)):
        raise _fail(f"`{name}` needs a whole number here")
    value = int(arg)
    if value < low:
        raise _fail(f"`{name}` needs a whole number of at least {low} here")
    if value > high:
        raise InputTooLarge(f"`{name}` allows at most {high} here", located=False)
    return value


def _elementwise(fn: Callable[[Expr], Expr], name: str) -> Builder:
    def build(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
        arg = args[0]
        if isinstance(arg, MatrixBase):
            return ImmutableMatrix(arg.applyfunc(fn))
        return fn(_scalar(name, arg))

    return build


def _unary(fn: Callable[[Expr], Basic]) -> Builder:
    return lambda args, ctx: fn(args[0])


def absolute_value(x: Basic) -> Basic:
    """|x|, with SymPy's Abs(Abs(...)) leftovers (from |-2|x||) collapsed, so that printing and
    reading back gives the same object."""
    value = sympy.Abs(x)
    if not value.has(sympy.Abs):
        return value
    return value.replace(
        lambda e: isinstance(e, sympy.Abs) and isinstance(e.args[0], sympy.Abs),
        lambda e: e.args[0],
    )


def _log(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    if len(args) == 2:
        return sympy.log(args[0], args[1])
    return sympy.log(args[0])


def _spec(
    name: str,
    arity: tuple[int, int],
    build: Builder,
    doc: str,
    *,
    arguments: ArgumentKind = "scalar",
    relations: bool = False,
    head: type | None = None,
    print_name: str | None = None,
) -> FunctionSpec:
    return FunctionSpec(
        name, arity[0], arity[1], build, doc, arguments, relations, head, print_name
    )


def _elementary(name: str, fn: type, doc: str) -> FunctionSpec:
    return _spec(name, (1, 1), _unary(fn), doc, head=fn)


_STUDENT = [
    _elementary("sin", sympy.sin, "sine (radians)"),
    _elementary("cos", sympy.cos, "cosine (radians)"),
    _elementary("tan", sympy.tan, "tangent (radians)"),
    _elementary("sec", sympy.sec, "secant, 1/cos"),
    _elementary("csc", sympy.csc, "cosecant, 1/sin"),
    _elementary("cot", sympy.cot, "cotangent, 1/tan"),
    _elementary("asin", sympy.asin, "inverse sine"),
    _elementary("acos", sympy.acos, "inverse cosine"),
    _elementary("atan", sympy.atan, "inverse tangent"),
    _elementary("arcsin", sympy.asin, "inverse sine (same as asin)"),
    _elementary("arccos", sympy.acos, "inverse cosine (same as acos)"),
    _elementary("arctan", sympy.atan, "inverse tangent (same as atan)"),
    _elementary("sinh", sympy.sinh, "hyperbolic sine"),
    _elementary("cosh", sympy.cosh, "hyperbolic cosine"),
    _elementary("tanh", sympy.tanh, "hyperbolic tangent"),
    _elementary("sech", sympy.sech, "hyperbolic secant"),
    _elementary("exp", sympy.exp, "exponential, e^x"),
    _spec("log", (1, 2), _log, "natural logarithm; log(x, b) is the logarithm base b"),
    _spec("ln", (1, 1), _log, "natural logarithm"),
    _spec("sqrt", (1, 1), _unary(sympy.sqrt), "square root"),
    # SymPy rewrites some results with these (|exp(x)| is exp(re(x)) for a complex x), so they
    # are readable wherever such a result may be printed and read back.
    _elementary("re", sympy.re, "real part"),
    _elementary("im", sympy.im, "imaginary part"),
    _elementary("conjugate", sympy.conjugate, "complex conjugate"),
    _elementary("arg", sympy.arg, "argument (angle) of a complex number"),
    _spec(
        "abs",
        (1, 1),
        lambda args, ctx: absolute_value(args[0]),
        "absolute value, also |x|",
        head=sympy.Abs,
        print_name="abs",
    ),
]


def _diff(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    f = _scalar("diff", args[0])
    x = _symbol("diff", args[1])
    order = _integer("diff", args[2], 0, MAX_DERIVATIVE_ORDER) if len(args) == 3 else 1
    return sympy.diff(f, x, order)


def _integrate(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    if len(args) == 3:
        raise _fail("`integrate` takes (f, x) or (f, x, a, b)")
    f = _scalar("integrate", args[0])
    x = _symbol("integrate", args[1])
    if len(args) == 4:
        low, high = _scalar("integrate", args[2]), _scalar("integrate", args[3])
        return sympy.integrate(f, (x, low, high))
    return sympy.integrate(f, x)


def _limit(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    f = _scalar("limit", args[0])
    return sympy.limit(f, _symbol("limit", args[1]), _scalar("limit", args[2]))


def _taylor(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    f = _scalar("taylor", args[0])
    x = _symbol("taylor", args[1])
    at = _scalar("taylor", args[2]) if len(args) > 2 else S.Zero
    order = _integer("taylor", args[3], 1, MAX_SERIES_ORDER) if len(args) > 3 else 6
    return sympy.series(f, x, at, order).removeO()


def _check_expandable(expr: Basic) -> None:
    for node in sympy.preorder_traversal(expr):
        if (
            isinstance(node, sympy.Pow)
            and isinstance(node.base, sympy.Add)
            and node.exp.is_Integer
            and abs(int(node.exp)) > MAX_EXPAND_EXPONENT
        ):
            raise InputTooLarge(
                f"expanding a power above {MAX_EXPAND_EXPONENT} is too large", located=False
            )


def _expand(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    _check_expandable(args[0])
    if isinstance(args[0], MatrixBase):
        return ImmutableMatrix(args[0].applyfunc(sympy.expand))
    return sympy.expand(args[0])


def _simplify(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    if isinstance(args[0], MatrixBase):
        return ImmutableMatrix(args[0].applyfunc(sympy.simplify))
    return sympy.simplify(_scalar("simplify", args[0]))


def _factor(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    _check_expandable(args[0])
    return sympy.factor(_scalar("factor", args[0]))


def _numeric_key(value: Basic) -> tuple[int, float, str]:
    """Sort key: real numbers by value first, anything else after them, canonically."""
    if isinstance(value, Expr) and value.is_number and value.is_real is not False:
        approx = value.evalf(20)
        if approx.is_real and approx.is_finite:
            return (0, float(approx), "")
    return (1, 0.0, sympy.srepr(value))


def _eigenvals(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _square("eigenvals", args[0])
    values: list[Expr] = []
    for value, multiplicity in m.eigenvals().items():
        values.extend([value] * int(multiplicity))
    values.sort(key=_numeric_key)
    return ImmutableMatrix(values)


def _singular_values(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _matrix("singular_values", args[0])
    values = sorted(m.singular_values(), key=_numeric_key, reverse=True)
    return ImmutableMatrix(values)


def _norm(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _matrix("norm", args[0])
    if len(args) == 1:
        return m.norm()
    order = args[1]
    if order not in (S.Infinity,) and not (isinstance(order, Integer) and int(order) >= 1):
        raise _fail("`norm` takes p = 1, 2, ... or oo")
    return m.norm(order)


def _dot(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    u, v = _vector("dot", args[0]), _vector("dot", args[1])
    if len(u) != len(v):
        raise _fail(f"`dot` needs vectors of the same length, got {len(u)} and {len(v)}")
    return sympy.Add(*[a * b for a, b in zip(u, v, strict=True)])


def _cross(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    u, v = _vector("cross", args[0]), _vector("cross", args[1])
    if len(u) != 3 or len(v) != 3:
        raise _fail("`cross` needs two vectors of length 3")
    return ImmutableMatrix(
        [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
    )


def _outer(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    u, v = _vector("outer", args[0]), _vector("outer", args[1])
    return ImmutableMatrix(len(u), len(v), [a * b for a in u for b in v])


def _matmul(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    a, b = _matrix("matmul", args[0]), _matrix("matmul", args[1])
    if a.cols != b.rows:
        raise _fail(f"`matmul` cannot multiply {a.rows}×{a.cols} by {b.rows}×{b.cols}")
    return ImmutableMatrix(a * b)


def _dimensions(name: str, args: tuple[Basic, ...]) -> tuple[int, int]:
    rows = _integer(name, args[0], 1, MAX_MATRIX_DIMENSION)
    cols = _integer(name, args[1], 1, MAX_MATRIX_DIMENSION) if len(args) > 1 else rows
    return rows, cols


def _identity(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    n = _integer("identity", args[0], 1, MAX_MATRIX_DIMENSION)
    return ImmutableMatrix(sympy.eye(n))


def _zeros(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return ImmutableMatrix(sympy.zeros(*_dimensions("zeros", args)))


def _ones(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return ImmutableMatrix(sympy.ones(*_dimensions("ones", args)))


def _entry(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _matrix("entry", args[0])
    if len(args) == 2:
        if m.cols != 1 and m.rows != 1:
            raise _fail("`entry(M, i, j)` needs a row and a column for a matrix")
        return m[_index(args[1], len(m)) - 1]
    return m[_index(args[1], m.rows) - 1, _index(args[2], m.cols) - 1]


def _index(arg: Basic, size: int) -> int:
    index = _integer("entry", arg, 1, MAX_MATRIX_DIMENSION)
    if index > size:
        raise _fail(f"`entry` index {index} is out of range: there are {size}")
    return index


def _solve(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    target = args[0]
    if not isinstance(target, (Expr, sympy.Equality)):
        raise _fail("`solve` needs an equation or an expression equal to zero")
    x = _symbol("solve", args[1])
    solutions = sympy.solve(target, x, dict=False)
    if not ctx.allow_complex:
        solutions = [s for s in solutions if s.is_real is not False]
    return sympy.FiniteSet(*solutions)


def _sigmoid(x: Expr) -> Expr:
    return 1 / (1 + sympy.exp(-x))


def _relu(x: Expr) -> Expr:
    if isinstance(x, Rational):
        # SymPy's Max settles two exact numbers the same way, at a hundred times the cost.
        return x if x > 0 else S.Zero
    return sympy.Max(S.Zero, x)


def _softmax(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    values = _vector("softmax", args[0])
    exps = [sympy.exp(v) for v in values]
    total = sympy.Add(*exps)
    return ImmutableMatrix([e / total for e in exps])


def _round(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    x = _scalar("round", args[0])
    digits = _integer("round", args[1], -MAX_ROUND_DIGITS, MAX_ROUND_DIGITS) if len(args) > 1 else 0
    if not x.is_number or x.is_real is False:
        raise _fail("`round` needs a real number")
    scale = Integer(10) ** digits
    scaled = x * scale
    # A float rounds as its shortest decimal reads (2.675 -> 2.68), read exactly from 15
    # significant digits; nsimplify would run a slow PSLQ search for the same answer.
    exact = sympy.Rational(str(sympy.Float(scaled, 15))) if scaled.has(sympy.Float) else scaled
    magnitude = sympy.floor(sympy.Abs(exact) + S.Half)
    rounded = sympy.sign(exact) * magnitude / scale
    if digits > 0 and x.has(sympy.Float):
        return sympy.Float(rounded, precision=53)
    return rounded


def _values(name: str, args: tuple[Basic, ...]) -> list[Expr]:
    if len(args) == 1 and isinstance(args[0], MatrixBase):
        return list(args[0])
    return [_scalar(name, a) for a in args]


def _min(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    values = _values("min", args)
    if values and all(isinstance(v, Rational) for v in values):
        return min(values)
    return sympy.Min(*values)


def _max(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    values = _values("max", args)
    if values and all(isinstance(v, Rational) for v in values):
        return max(values)
    return sympy.Max(*values)


def _sum(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return sympy.Add(*_values("sum", args))


def _mean(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    values = _values("mean", args)
    return sympy.Add(*values) / len(values)


def _bounded_integer_argument(name: str, arg: Basic) -> Expr:
    x = _scalar(name, arg)
    if x.is_number and x.is_real and abs(x) > MAX_FACTORIAL_ARGUMENT:
        raise InputTooLarge(
            f"`{name}` allows arguments up to {MAX_FACTORIAL_ARGUMENT}", located=False
        )
    return x


def _factorial(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return sympy.factorial(_bounded_integer_argument("factorial", args[0]))


def _binomial(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    n = _bounded_integer_argument("binomial", args[0])
    k = _bounded_integer_argument("binomial", args[1])
    return sympy.binomial(n, k)


def _numeric(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    digits = _integer("numeric", args[1], 1, MAX_NUMERIC_DIGITS) if len(args) > 1 else 15

    def evaluate(x: Expr) -> Expr:
        value = x.evalf(digits)
        if not value.is_number:
            raise _fail("`numeric` needs an expression without variables")
        # Rounded to the requested decimal digits, then held as a double like every decimal
        # literal, so printing and reading it back gives the same number.
        if value.is_Float:
            decimal = mpmath.libmp.to_str(value._mpf_, digits)
            return sympy.Float(decimal, precision=53)
        return value

    if isinstance(args[0], MatrixBase):
        return ImmutableMatrix(args[0].applyfunc(evaluate))
    return evaluate(_scalar("numeric", args[0]))


def _rational(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    if len(args) == 2:
        p = _scalar("rational", args[0])
        q = _scalar("rational", args[1])
        if not (p.is_Integer and q.is_Integer):
            raise _fail("`rational(p, q)` needs whole numbers")
        if q == 0:
            raise _fail("division by zero")
        return Rational(int(p), int(q))
    x = _scalar("rational", args[0])
    if x.is_Float:
        return Rational(str(x))
    if x.is_Rational:
        return x
    raise _fail("`rational` needs a number")


def _piecewise(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    pairs = [(args[k + 1], _decided_equation(args[k])) for k in range(0, len(args) - 1, 2)]
    if len(args) % 2 == 1:
        pairs.append((args[-1], sympy.true))
    for value, condition in pairs:
        # A Symbol is also a SymPy Boolean, hence the Expr checks.
        if not isinstance(condition, sympy.logic.boolalg.Boolean) or isinstance(condition, Expr):
            raise _fail("`piecewise` and `if` need a comparison such as a < b as each condition")
        if isinstance(value, sympy.logic.boolalg.Boolean) and not isinstance(value, Expr):
            raise _fail("`piecewise` and `if` need values, not comparisons, after each condition")
    # Conditions that are already decided pick their value now, which also lets the values be
    # matrices; a condition with variables in it keeps a symbolic Piecewise of expressions.
    undecided: list[tuple[Basic, Basic]] = []
    for value, condition in pairs:
        if condition is sympy.false:
            continue
        if condition is sympy.true and not undecided:
            return value
        undecided.append((value, condition))
    if not undecided:
        raise _fail("no condition of this `piecewise` holds and there is no otherwise value")
    for value, _condition in undecided:
        _scalar("piecewise", value)
    return sympy.Piecewise(*undecided)


def _decided_equation(condition: Basic) -> Basic:
    # Template authors write `a = b` in a condition as they do in constraints, where it means
    # equality; the parser keeps `=` as an unevaluated equation, which would never hold.
    if not isinstance(condition, sympy.Equality):
        return condition
    lhs, rhs = condition.lhs, condition.rhs
    if isinstance(lhs, (MatrixBase, sympy.Set)) or isinstance(rhs, (MatrixBase, sympy.Set)):
        return sympy.true if lhs == rhs else sympy.false
    return sympy.Eq(lhs, rhs)


def _if(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return _piecewise(args, ctx)


def _transpose(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return ImmutableMatrix(_matrix("transpose", args[0]).T)


def _det(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return _square("det", args[0]).det()


def _inv(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _square("inv", args[0])
    if m.det() == 0:
        raise _fail("this matrix is singular: it has no inverse")
    return ImmutableMatrix(m.inv())


def _trace(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return _square("trace", args[0]).trace()


def _rank(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return Integer(_matrix("rank", args[0]).rank())


def _shape(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    m = _matrix("shape", args[0])
    return ImmutableMatrix([m.rows, m.cols])


def _rows(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return Integer(_matrix("rows", args[0]).rows)


def _cols(args: tuple[Basic, ...], ctx: CallContext) -> Basic:
    return Integer(_matrix("cols", args[0]).cols)


_TEMPLATE_ONLY = [
    _spec("diff", (2, 3), _diff, "derivative: diff(f, x) or diff(f, x, n)"),
    _spec("integrate", (2, 4), _integrate, "integral: integrate(f, x) or integrate(f, x, a, b)"),
    _spec("limit", (3, 3), _limit, "limit(f, x, a); a may be oo"),
    _spec("taylor", (2, 4), _taylor, "Taylor polynomial: taylor(f, x, a, n), terms below (x-a)^n"),
    _spec("series", (2, 4), _taylor, "same as taylor"),
    _spec("simplify", (1, 1), _simplify, "simplified form", arguments="any"),
    _spec("expand", (1, 1), _expand, "expanded form", arguments="any"),
    _spec("factor", (1, 1), _factor, "factored form"),
    _spec("det", (1, 1), _det, "determinant of a square matrix", arguments="any"),
    _spec("inv", (1, 1), _inv, "inverse of a square matrix", arguments="any"),
    _spec("transpose", (1, 1), _transpose, "transpose", arguments="any"),
    _spec("trace", (1, 1), _trace, "trace of a square matrix", arguments="any"),
    _spec("rank", (1, 1), _rank, "rank of a matrix", arguments="any"),
    _spec(
        "eigenvals", (1, 1), _eigenvals, "eigenvalues, column vector, ascending", arguments="any"
    ),
    _spec(
        "singular_values",
        (1, 1),
        _singular_values,
        "singular values, column vector, descending",
        arguments="any",
    ),
    _spec(
        "norm", (1, 2), _norm, "vector or matrix norm; norm(v, p) for p = 1, 2, oo", arguments="any"
    ),
    _spec("dot", (2, 2), _dot, "dot product of two vectors", arguments="any"),
    _spec("cross", (2, 2), _cross, "cross product of two 3-vectors", arguments="any"),
    _spec("outer", (2, 2), _outer, "outer product u v^T", arguments="any"),
    _spec("matmul", (2, 2), _matmul, "matrix product (same as *)", arguments="any"),
    _spec("identity", (1, 1), _identity, "n×n identity matrix"),
    _spec("zeros", (1, 2), _zeros, "zeros(m, n) matrix of zeros"),
    _spec("ones", (1, 2), _ones, "ones(m, n) matrix of ones"),
    _spec("shape", (1, 1), _shape, "[rows, cols] of a matrix", arguments="any"),
    _spec("rows", (1, 1), _rows, "number of rows", arguments="any"),
    _spec("cols", (1, 1), _cols, "number of columns", arguments="any"),
    _spec(
        "entry", (2, 3), _entry, "entry(M, i, j) or entry(v, i), counting from 1", arguments="any"
    ),
    _spec(
        "solve",
        (2, 2),
        _solve,
        "solve(equation, x): the set of solutions",
        arguments="any",
        relations=True,
    ),
    _spec(
        "sigmoid",
        (1, 1),
        _elementwise(_sigmoid, "sigmoid"),
        "logistic 1/(1+e^-x), elementwise",
        arguments="any",
    ),
    _spec("relu", (1, 1), _elementwise(_relu, "relu"), "max(0, x), elementwise", arguments="any"),
    _spec("softmax", (1, 1), _softmax, "softmax of a vector", arguments="any"),
    _spec("log2", (1, 1), lambda args, ctx: sympy.log(args[0], 2), "logarithm base 2"),
    _spec(
        "logb",
        (2, 2),
        lambda args, ctx: sympy.log(args[0], args[1]),
        "logb(x, b), logarithm base b",
    ),
    _spec("floor", (1, 1), _unary(sympy.floor), "round down", head=sympy.floor),
    _spec("ceil", (1, 1), _unary(sympy.ceiling), "round up", head=sympy.ceiling, print_name="ceil"),
    _spec("round", (1, 2), _round, "round(x, n): n decimals, half away from zero"),
    _spec(
        "min",
        (1, 50),
        _min,
        "smallest of the arguments or of a vector",
        arguments="any",
        head=sympy.Min,
        print_name="min",
    ),
    _spec(
        "max",
        (1, 50),
        _max,
        "largest of the arguments or of a vector",
        arguments="any",
        head=sympy.Max,
        print_name="max",
    ),
    _spec("sum", (1, 50), _sum, "sum of the arguments or of a vector's entries", arguments="any"),
    _spec(
        "mean", (1, 50), _mean, "mean of the arguments or of a vector's entries", arguments="any"
    ),
    _spec("binomial", (2, 2), _binomial, "binomial coefficient n choose k", head=sympy.binomial),
    _spec("factorial", (1, 1), _factorial, "n!", head=sympy.factorial),
    _spec(
        "numeric",
        (1, 2),
        _numeric,
        "numeric(expr, n): decimal value to n significant digits",
        arguments="any",
    ),
    _spec("rational", (1, 2), _rational, "rational(p, q) exact fraction; rational(0.25) = 1/4"),
    _spec(
        "piecewise",
        (2, 50),
        _piecewise,
        "piecewise(c1, v1, ..., otherwise)",
        arguments="any",
        relations=True,
        head=sympy.Piecewise,
        print_name="piecewise",
    ),
    _spec(
        "if",
        (3, 3),
        _if,
        "if(condition, a, b); a and b may be matrices when the condition has no variables",
        arguments="any",
        relations=True,
    ),
]

STUDENT_FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({f.name: f for f in _STUDENT})
TEMPLATE_FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(
    {**STUDENT_FUNCTIONS, **{f.name: f for f in _TEMPLATE_ONLY}}
)


def functions_for_level(
    level: Literal["student", "template"], extra: Mapping[str, FunctionSpec] | None = None
) -> Mapping[str, FunctionSpec]:
    """The table for ``level``, extended by ``extra`` (which wins on a clash)."""
    base = TEMPLATE_FUNCTIONS if level == "template" else STUDENT_FUNCTIONS
    if not extra:
        return base
    return {**base, **extra}
