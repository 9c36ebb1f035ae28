import numpy as np
import pytest
import sympy

from content.sampling import check_parameter, parameter_space_size, sample_parameter
from content.schema import ParameterSpec

SEEDS = range(200)


def draw(settings, seed):
    kind = next(
        k
        for k, v in settings.items()
        if k in {"int", "nonzero", "choice", "rational", "decimal", "vector", "matrix"}
        and not isinstance(v, bool)
    )
    assert check_parameter(kind, settings) is None
    return sample_parameter(ParameterSpec("p", kind, settings), np.random.default_rng(seed))


def is_integer_matrix(m):
    return all(isinstance(e, sympy.Integer) for e in m)


@pytest.mark.parametrize("size", [2, 3])
def test_invertible_matrices_are_invertible_with_the_chosen_determinants(size):
    dets = [-3, -1, 2, 5]
    for seed in SEEDS:
        m = draw({"matrix": "invertible", "size": size, "det": dets}, seed)
        assert m.shape == (size, size) and is_integer_matrix(m)
        assert m.det() in dets


def test_symmetric_matrices_equal_their_transpose():
    for seed in SEEDS:
        m = draw({"matrix": "symmetric", "size": 3, "entries": [-4, 4]}, seed)
        assert m == m.T
        assert max(abs(e) for e in m) <= 4


@pytest.mark.parametrize("rational", [False, True])
def test_orthogonal_matrices_have_orthonormal_columns(rational):
    for seed in SEEDS:
        m = draw({"matrix": "orthogonal", "size": 3, "rational": rational}, seed)
        assert m.T * m == sympy.eye(3)


@pytest.mark.parametrize(("shape", "rank"), [([3, 4], 2), ([2, 2], 1), ([4, 3], 3)])
def test_rank_k_matrices_have_rank_k(shape, rank):
    for seed in SEEDS:
        m = draw({"matrix": "rank", "shape": shape, "rank": rank}, seed)
        assert m.shape == tuple(shape) and is_integer_matrix(m)
        assert m.rank() == rank


@pytest.mark.parametrize("size", [2, 3])
def test_integer_eigenvalue_matrices_have_distinct_integer_eigenvalues_in_range(size):
    for seed in SEEDS:
        m = draw({"matrix": "integer-eigenvalues", "size": size, "eigenvalues": [-4, 4]}, seed)
        eigenvalues = m.eigenvals()
        assert len(eigenvalues) == size
        assert all(e.is_integer and -4 <= e <= 4 for e in eigenvalues)


def test_symmetric_integer_eigenvalue_matrices_are_symmetric_and_not_diagonal():
    for seed in SEEDS:
        m = draw(
            {"matrix": "symmetric-integer-eigenvalues", "size": 2, "eigenvalues": [-6, 6]}, seed
        )
        assert m == m.T and m[0, 1] != 0
        assert all(e.is_integer and -6 <= e <= 6 for e in m.eigenvals())


def test_positive_definite_matrices_are_positive_definite():
    for seed in SEEDS:
        m = draw({"matrix": "positive-definite", "size": 3}, seed)
        assert m == m.T and sympy.Matrix(m).is_positive_definite


def test_vectors_marked_nonzero_are_never_all_zero():
    for seed in SEEDS:
        v = draw({"vector": 2, "entries": [0, 1], "nonzero": True}, seed)
        assert v.shape == (2, 1) and any(v)


@pytest.mark.parametrize(
    ("settings", "allowed"),
    [
        ({"int": [-2, 2], "exclude": [0, 1]}, {-2, -1, 2}),
        ({"nonzero": [-1, 1]}, {-1, 1}),
        ({"choice": [1, "1/2", 0.25]}, {sympy.Integer(1), sympy.Rational(1, 2), sympy.Float(0.25)}),
        (
            {"rational": [0, 1], "denominators": [2, 3]},
            {sympy.Rational(1, 2), sympy.Rational(1, 3), sympy.Rational(2, 3)},
        ),
        (
            {"decimal": [0.1, 0.3], "step": 0.1},
            {sympy.Float("0.1"), sympy.Float("0.2"), sympy.Float("0.3")},
        ),
    ],
)
def test_scalar_kinds_draw_only_allowed_values_and_reach_them_all(settings, allowed):
    seen = {draw(settings, seed) for seed in range(100)}
    assert seen == set(allowed)
    kind = next(iter(settings))
    assert parameter_space_size(ParameterSpec("p", kind, settings)) == len(allowed)


def test_the_same_seed_draws_the_same_value():
    settings = {"matrix": "integer-eigenvalues", "size": 3}
    assert draw(settings, 7) == draw(settings, 7)
    assert len({draw(settings, seed) for seed in range(20)}) > 10


@pytest.mark.parametrize(
    ("kind", "settings", "words"),
    [
        ("int", {"int": [3, 1]}, "low ≤ high"),
        ("int", {"int": [0, 0], "exclude": [0]}, "no values left"),
        ("choice", {"choice": ["x + 1"]}, "not a number"),
        ("rational", {"rational": [0.1, 0.2], "denominators": [2]}, "no fraction"),
        ("matrix", {"matrix": "symmetric-integer-eigenvalues", "size": 3}, "size 2"),
        ("matrix", {"matrix": "invertible", "shape": [2, 3]}, "square"),
        ("matrix", {"matrix": "symmetric", "det": [1]}, "invertible"),
        ("vector", {"vector": 0}, "from 1 to 8"),
    ],
)
def test_bad_settings_are_explained(kind, settings, words):
    problem = check_parameter(kind, settings)
    assert problem is not None and words in problem
