"""Drawing parameter values with numpy's Generator; matrices get their property by construction."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import sympy

from content.schema import ParameterSpec

Value: TypeAlias = sympy.Basic
SPACE_CAP = 10**9
MATRIX_PROPERTIES = (
    "any",
    "invertible",
    "symmetric",
    "orthogonal",
    "rank",
    "integer-eigenvalues",
    "symmetric-integer-eigenvalues",
    "positive-definite",
    "diagonal",
)
# Rational rotations: (p, q, r) with p² + q² = r² give the rotation [[p, -q], [q, p]] / r.
PYTHAGOREAN_TRIPLES = ((3, 4, 5), (4, 3, 5), (5, 12, 13), (12, 5, 13), (8, 15, 17), (15, 8, 17))
# A constructed matrix whose entries leave the allowed range is rebuilt at most this often; the
# property holds either way, only the size of the entries is at stake.
ENTRY_RETRIES = 64


def _int_range(value: object) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return int(value[0]), int(value[1])
    return None


def _number_range(value: object) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return float(value[0]), float(value[1])
    return None


def _rational_range(value: object) -> tuple[Fraction, Fraction] | None:
    # Bounds are exact: whole numbers, decimals as written, or fractions such as "1/5".
    if not isinstance(value, list) or len(value) != 2:
        return None
    bounds = []
    for bound in value:
        exact = _choice_value(bound)
        if isinstance(exact, float):
            exact = Fraction(repr(exact))
        if exact is None:
            return None
        bounds.append(exact)
    low, high = bounds
    return (low, high) if low <= high else None


def _choice_value(item: object) -> Fraction | float | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return Fraction(item)
    if isinstance(item, float):
        return item if math.isfinite(item) else None
    if isinstance(item, str):
        # Only a plain fraction such as "3/4" is accepted here; expressions belong in [derived].
        try:
            return Fraction(item.strip())
        except (ValueError, ZeroDivisionError):
            return None
    return None


def check_parameter(kind: str, settings: Mapping[str, object]) -> str | None:
    """What is wrong with a parameter's settings, phrased as the fix; None when they are fine."""
    value = settings[kind]
    exclude = settings.get("exclude", [])
    if not isinstance(exclude, list):
        return "`exclude` must be a list of values"
    if kind in ("int", "nonzero"):
        bounds = _int_range(value)
        if bounds is None:
            return f"`{kind}` must be [low, high] with whole numbers, low ≤ high"
        if len(_int_values(bounds, tuple(exclude), kind == "nonzero")) == 0:
            return "the range has no values left after exclusions"
        return None
    if kind == "choice":
        if not isinstance(value, list) or not value:
            return "`choice` must be a non-empty list of numbers"
        for item in value:
            if _choice_value(item) is None:
                return f'choice {item!r} is not a number or a fraction such as "3/4"'
        return None
    if kind == "rational":
        if _rational_range(value) is None:
            return '`rational` must be [low, high] with numbers or fractions such as "1/5"'
        denominators = settings.get("denominators", [2, 3, 4, 5])
        if not isinstance(denominators, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in denominators
        ):
            return "`denominators` must be a list of positive whole numbers"
        if not _rational_values(_rational_key(settings)):
            return "no fraction lies in that range with those denominators"
        return None
    if kind == "decimal":
        if _number_range(value) is None:
            return "`decimal` must be [low, high]"
        step = settings.get("step", 0.1)
        if not isinstance(step, int | float) or isinstance(step, bool) or step <= 0:
            return "`step` must be a positive number such as 0.1"
        return None
    if kind == "vector":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8:
            return "`vector` is the length, a whole number from 1 to 8"
        if "entries" in settings and _int_range(settings["entries"]) is None:
            return "`entries` must be [low, high] with whole numbers"
        return None
    if kind == "matrix":
        return _check_matrix(settings)
    return f"unknown kind `{kind}`"


def _check_matrix(settings: Mapping[str, object]) -> str | None:
    prop = settings["matrix"]
    if prop not in MATRIX_PROPERTIES:
        return f"matrix property {prop!r} is not one of {', '.join(MATRIX_PROPERTIES)}"
    rows, cols = _shape(settings)
    if not (1 <= rows <= 6 and 1 <= cols <= 6):
        return "give `size = n` (square) or `shape = [rows, cols]`, each from 1 to 6"
    if prop not in ("any", "rank") and rows != cols:
        return f"a {prop} matrix must be square; use `size = n`"
    if "entries" in settings and _int_range(settings["entries"]) is None:
        return "`entries` must be [low, high] with whole numbers"
    if prop == "rank":
        rank = settings.get("rank")
        if not isinstance(rank, int) or not 1 <= rank <= min(rows, cols):
            return f"`rank` must be a whole number from 1 to {min(rows, cols)}"
    if prop in ("integer-eigenvalues", "symmetric-integer-eigenvalues"):
        bounds = _int_range(settings.get("eigenvalues", [-5, 5]))
        if bounds is None:
            return "`eigenvalues` must be [low, high] with whole numbers"
        distinct = settings.get("distinct", True)
        if distinct and bounds[1] - bounds[0] + 1 < rows:
            return "the eigenvalue range is too small for distinct eigenvalues"
    if prop == "symmetric-integer-eigenvalues":
        if rows != 2:
            return "symmetric-integer-eigenvalues is built for size 2"
        if not _symmetric_eigen_pairs(_int_range(settings.get("eigenvalues", [-5, 5])) or (0, 0)):
            return "no pair of eigenvalues in that range gives a non-diagonal symmetric matrix"
    if "det" in settings:
        dets = settings["det"]
        if prop != "invertible":
            return "`det` applies to invertible matrices"
        if (
            not isinstance(dets, list)
            or not dets
            or not all(isinstance(d, int) and not isinstance(d, bool) and d != 0 for d in dets)
        ):
            return "`det` must be a list of non-zero whole numbers"
    return None


def _shape(settings: Mapping[str, object]) -> tuple[int, int]:
    shape = settings.get("shape")
    if isinstance(shape, list) and len(shape) == 2 and all(isinstance(s, int) for s in shape):
        return int(shape[0]), int(shape[1])
    size = settings.get("size", 2)
    if isinstance(size, int) and not isinstance(size, bool):
        return size, size
    return 0, 0


def _int_values(bounds: tuple[int, int], exclude: tuple[object, ...], nonzero: bool) -> list[int]:
    low, high = bounds
    if high - low > 10**6:
        return [low, high]
    banned = {e for e in exclude if isinstance(e, int)}
    if nonzero:
        banned.add(0)
    return [v for v in range(low, high + 1) if v not in banned]


def _rational_key(
    settings: Mapping[str, object],
) -> tuple[Fraction, Fraction, tuple[int, ...], tuple[str, ...], bool]:
    low, high = _rational_range(settings["rational"]) or (Fraction(0), Fraction(0))
    denominators = settings.get("denominators", [2, 3, 4, 5])
    exclude = settings.get("exclude", [])
    return (
        low,
        high,
        tuple(int(d) for d in denominators) if isinstance(denominators, list) else (),
        tuple(str(e) for e in exclude) if isinstance(exclude, list) else (),
        bool(settings.get("integers", False)),
    )


@lru_cache(maxsize=256)
def _rational_values(
    key: tuple[Fraction, Fraction, tuple[int, ...], tuple[str, ...], bool],
) -> tuple[Fraction, ...]:
    low, high, denominators, exclude, integers = key
    banned = {_choice_value(e) for e in exclude}
    values: set[Fraction] = set()
    for d in denominators:
        for n in range(math.ceil(low * d), math.floor(high * d) + 1):
            value = Fraction(n, d)
            if value.denominator == 1 and not integers:
                continue
            if value not in banned:
                values.add(value)
    return tuple(sorted(values))


@lru_cache(maxsize=64)
def _symmetric_eigen_pairs(bounds: tuple[int, int]) -> tuple[tuple[int, int, int, int], ...]:
    """(larger, smaller, p, q): eigenvalues and a split p² + q² = (larger - smaller)², q even ≠ 0."""
    low, high = bounds
    pairs = []
    for small in range(low, high + 1):
        for large in range(small + 1, high + 1):
            r = large - small
            for p in range(0, r):
                q2 = r * r - p * p
                q = math.isqrt(q2)
                if q * q == q2 and q % 2 == 0 and q > 0:
                    pairs.append((large, small, p, q))
    return tuple(pairs)


def sample_parameter(spec: ParameterSpec, rng: np.random.Generator) -> Value:
    """Draw one value for a parameter (a SymPy Integer, Rational, Float or ImmutableMatrix)."""
    settings = spec.settings
    kind = spec.kind
    if kind in ("int", "nonzero"):
        bounds = _int_range(settings[kind]) or (0, 0)
        exclude = settings.get("exclude", [])
        values = _int_values(
            bounds, tuple(exclude) if isinstance(exclude, list) else (), kind == "nonzero"
        )
        return sympy.Integer(values[int(rng.integers(len(values)))])
    if kind == "choice":
        items = settings["choice"]
        assert isinstance(items, list)
        return _to_sympy(_choice_value(items[int(rng.integers(len(items)))]))
    if kind == "rational":
        fractions = _rational_values(_rational_key(settings))
        return _to_sympy(fractions[int(rng.integers(len(fractions)))])
    if kind == "decimal":
        return _sample_decimal(settings, rng)
    if kind == "vector":
        return _sample_vector(settings, rng)
    return sample_matrix(settings, rng)


def _to_sympy(value: Fraction | float | None) -> Value:
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return decimal_value(float(value or 0.0))


def decimal_value(value: float) -> sympy.Float:
    """A Float that prints as the short decimal the author meant (0.1, not 0.1000000000000000055)."""
    return sympy.Float(f"{value:.12g}", 15)


def _sample_decimal(settings: Mapping[str, object], rng: np.random.Generator) -> Value:
    low, high = _number_range(settings["decimal"]) or (0.0, 0.0)
    step = float(settings.get("step", 0.1))  # type: ignore[arg-type]
    count = int(math.floor((high - low) / step + 1e-9)) + 1
    exclude = settings.get("exclude", [])
    banned = {round(float(e), 9) for e in exclude} if isinstance(exclude, list) else set()
    for _ in range(count + 1):
        value = round(low + step * int(rng.integers(count)), 9)
        if value not in banned:
            return decimal_value(value)
    return decimal_value(low)


def _entries(settings: Mapping[str, object], default: tuple[int, int] = (-5, 5)) -> tuple[int, int]:
    return _int_range(settings.get("entries")) or default


def _sample_vector(settings: Mapping[str, object], rng: np.random.Generator) -> Value:
    length = int(settings["vector"])  # type: ignore[call-overload]
    low, high = _entries(settings)
    values = rng.integers(low, high + 1, size=length)
    if settings.get("nonzero", False) and not values.any():
        choices = [v for v in (low, high) if v != 0] or [1]
        values[int(rng.integers(length))] = choices[int(rng.integers(len(choices)))]
    return _integer_matrix(values.reshape(length, 1))


def _integer_matrix(array: np.ndarray) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix(
        array.shape[0], array.shape[1], [sympy.Integer(int(v)) for v in array.flat]
    )


def _unimodular(rng: np.random.Generator, n: int, spread: int = 1) -> np.ndarray:
    """An integer matrix with determinant ±1: unit-lower times ±1-diagonal upper, rows shuffled."""
    lower = np.tril(rng.integers(-spread, spread + 1, size=(n, n)), -1) + np.eye(n, dtype=np.int64)
    upper = np.triu(rng.integers(-spread, spread + 1, size=(n, n)), 1)
    upper += np.diag(rng.choice(np.array([-1, 1]), size=n))
    product = lower @ upper
    return product[rng.permutation(n)]


def _within(array: np.ndarray, bounds: tuple[int, int]) -> bool:
    return bool(array.min() >= bounds[0] and array.max() <= bounds[1])


def _build_within(build: object, bounds: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Rebuild until the entries fit the range; every candidate already has the property."""
    assert callable(build)
    best = build()
    for _ in range(ENTRY_RETRIES):
        if _within(best, bounds):
            return best
        candidate = build()
        if np.abs(candidate).max() < np.abs(best).max():
            best = candidate
    return best


def sample_matrix(settings: Mapping[str, object], rng: np.random.Generator) -> Value:
    """A matrix with the requested property, true by construction."""
    prop = str(settings["matrix"])
    rows, cols = _shape(settings)
    n = rows
    bounds = _entries(settings, (-5, 5) if prop in ("any", "symmetric", "diagonal") else (-9, 9))
    low, high = bounds
    if prop == "any":
        return _integer_matrix(rng.integers(low, high + 1, size=(rows, cols)))
    if prop == "diagonal":
        return _integer_matrix(np.diag(rng.integers(low, high + 1, size=n)))
    if prop == "symmetric":
        upper = np.triu(rng.integers(low, high + 1, size=(n, n)))
        return _integer_matrix(upper + np.triu(upper, 1).T)
    if prop == "invertible":
        dets = settings.get("det", [-3, -2, -1, 1, 2, 3])
        assert isinstance(dets, list)

        def invertible() -> np.ndarray:
            base = _unimodular(rng, n)
            base = base[:, rng.permutation(n)] if rng.integers(2) else base.T
            sign = round(np.linalg.det(base))
            target = int(dets[int(rng.integers(len(dets)))])
            base[int(rng.integers(n))] *= target * sign
            return base

        return _integer_matrix(_build_within(invertible, bounds, rng))
    if prop == "orthogonal":
        return _orthogonal(n, bool(settings.get("rational", False)), rng)
    if prop == "rank":
        rank = int(settings["rank"])  # type: ignore[call-overload]

        def of_rank() -> np.ndarray:
            left = np.vstack(
                [_unimodular(rng, rank), rng.integers(-2, 3, size=(rows - rank, rank))]
            )[rng.permutation(rows)]
            right = np.hstack(
                [_unimodular(rng, rank), rng.integers(-2, 3, size=(rank, cols - rank))]
            )[:, rng.permutation(cols)]
            return left @ right

        return _integer_matrix(_build_within(of_rank, bounds, rng))
    eigen_bounds = _int_range(settings.get("eigenvalues", [-5, 5])) or (-5, 5)
    if prop == "symmetric-integer-eigenvalues":
        return _symmetric_with_integer_eigenvalues(eigen_bounds, rng)
    if prop == "integer-eigenvalues":
        distinct = bool(settings.get("distinct", True))

        def diagonalisable() -> np.ndarray:
            span = np.arange(eigen_bounds[0], eigen_bounds[1] + 1)
            eigenvalues = rng.choice(span, size=n, replace=not distinct)
            basis = _unimodular(rng, n)
            inverse = np.rint(np.linalg.inv(basis)).astype(np.int64)
            return basis @ np.diag(eigenvalues) @ inverse

        return _integer_matrix(_build_within(diagonalisable, bounds, rng))

    # positive-definite: L·Lᵀ with L lower-triangular and a positive diagonal (a Cholesky factor).
    def cholesky_product() -> np.ndarray:
        factor = np.tril(rng.integers(-2, 3, size=(n, n)), -1) + np.diag(rng.integers(1, 3, size=n))
        return factor @ factor.T

    return _integer_matrix(_build_within(cholesky_product, bounds, rng))


def _orthogonal(n: int, rational: bool, rng: np.random.Generator) -> Value:
    signed = np.zeros((n, n), dtype=np.int64)
    signed[np.arange(n), rng.permutation(n)] = rng.choice(np.array([-1, 1]), size=n)
    matrix = sympy.Matrix(_integer_matrix(signed))
    if rational and n >= 2:
        p, q, r = PYTHAGOREAN_TRIPLES[int(rng.integers(len(PYTHAGOREAN_TRIPLES)))]
        i, j = sorted(int(k) for k in rng.choice(n, size=2, replace=False))
        rotation = sympy.eye(n)
        rotation[i, i] = rotation[j, j] = sympy.Rational(p, r)
        rotation[i, j] = sympy.Rational(-q, r)
        rotation[j, i] = sympy.Rational(q, r)
        matrix = rotation * matrix
    return sympy.ImmutableMatrix(matrix)


def _symmetric_with_integer_eigenvalues(bounds: tuple[int, int], rng: np.random.Generator) -> Value:
    # [[a, b], [b, c]] has eigenvalues (s ± r)/2 with s = a + c and r² = (a - c)² + 4b²; choosing
    # a - c = p and 2b = q from a split r² = p² + q² makes both eigenvalues whole numbers.
    pairs = _symmetric_eigen_pairs(bounds)
    large, small, p, q = pairs[int(rng.integers(len(pairs)))]
    p *= int(rng.choice(np.array([-1, 1])))
    b = q // 2 * int(rng.choice(np.array([-1, 1])))
    total = large + small
    a, c = (total + p) // 2, (total - p) // 2
    return sympy.ImmutableMatrix([[a, b], [b, c]])


def parameter_space_size(spec: ParameterSpec) -> int:
    """How many different values a parameter can take (capped), to judge variant diversity."""
    settings = spec.settings
    kind = spec.kind
    if kind in ("int", "nonzero"):
        bounds = _int_range(settings[kind]) or (0, 0)
        exclude = settings.get("exclude", [])
        return len(
            _int_values(
                bounds, tuple(exclude) if isinstance(exclude, list) else (), kind == "nonzero"
            )
        )
    if kind == "choice":
        items = settings["choice"]
        return len({_choice_value(i) for i in items}) if isinstance(items, list) else 1
    if kind == "rational":
        return len(_rational_values(_rational_key(settings)))
    if kind == "decimal":
        low, high = _number_range(settings["decimal"]) or (0.0, 0.0)
        step = float(settings.get("step", 0.1))  # type: ignore[arg-type]
        return int(math.floor((high - low) / step + 1e-9)) + 1
    if kind == "vector":
        low, high = _entries(settings)
        return min(SPACE_CAP, (high - low + 1) ** int(settings["vector"]))  # type: ignore[call-overload]
    prop = settings["matrix"]
    rows, cols = _shape(settings)
    if prop == "orthogonal":
        base = 2**rows * math.factorial(rows)
        return (
            base * (1 + len(PYTHAGOREAN_TRIPLES) * rows * (rows - 1) // 2)
            if settings.get("rational")
            else base
        )
    if prop == "symmetric-integer-eigenvalues":
        return 4 * len(
            _symmetric_eigen_pairs(_int_range(settings.get("eigenvalues", [-5, 5])) or (0, 0))
        )
    low, high = _entries(settings)
    width = high - low + 1
    if prop == "diagonal":
        return min(SPACE_CAP, width**rows)
    if prop == "symmetric":
        return min(SPACE_CAP, width ** (rows * (rows + 1) // 2))
    if prop == "any":
        return min(SPACE_CAP, width ** (rows * cols))
    # Constructed families: many more matrices than any validation run draws.
    return min(SPACE_CAP, width ** max(rows, cols))


def space_size(specs: Sequence[ParameterSpec]) -> int:
    """The size of the whole parameter space (product of the parameters', capped)."""
    total = 1
    for spec in specs:
        total = min(SPACE_CAP, total * max(1, parameter_space_size(spec)))
    return total
