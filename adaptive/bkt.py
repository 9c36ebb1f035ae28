"""Bayesian knowledge tracing, with optional forgetting, fitted per skill by EM.

A skill is a two-state hidden Markov chain (unknown → known with probability `learn` after each
practice, known → unknown with probability `forget`), seen through noisy answers: an unknown skill
is answered right with probability `guess`, a known one wrong with probability `slip`. Standard BKT
is the case `forget = 0`. Fitting is Baum–Welch, vectorised over all of a skill's students.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adaptive.datasets import ResponseLog

FloatArray = npt.NDArray[np.float64]

# Guess and slip above these turn "known" into a label without meaning (the model degenerates to
# "known means usually wrong"); capping them is the usual identifiability constraint.
MAX_GUESS = 0.3
MAX_SLIP = 0.3
_TINY = 1e-12


@dataclass(frozen=True)
class BKTParams:
    """Parameters of one skill."""

    prior: float = 0.2
    learn: float = 0.15
    forget: float = 0.0
    guess: float = 0.2
    slip: float = 0.1

    def predict(self, p_known: float) -> float:
        """Chance of a correct answer given the current P(known)."""
        return p_known * (1.0 - self.slip) + (1.0 - p_known) * self.guess

    def posterior(self, p_known: float, correct: float) -> float:
        """P(known) given the answer, before the practice's learning or forgetting step."""
        right = p_known * (1.0 - self.slip) / max(self.predict(p_known), _TINY)
        wrong_den = p_known * self.slip + (1.0 - p_known) * (1.0 - self.guess)
        wrong = p_known * self.slip / max(wrong_den, _TINY)
        return correct * right + (1.0 - correct) * wrong

    def update(self, p_known: float, correct: float) -> float:
        """P(known) after observing an answer (partial credit weights the two cases) and practice."""
        posterior = self.posterior(p_known, correct)
        return posterior * (1.0 - self.forget) + (1.0 - posterior) * self.learn


@dataclass(frozen=True)
class BKTModel:
    """Fitted parameters per skill id; unseen skills use `default`."""

    by_skill: tuple[BKTParams, ...]
    default: BKTParams

    def params(self, skill: int) -> BKTParams:
        return self.by_skill[skill] if 0 <= skill < len(self.by_skill) else self.default


def _skill_sequences(log: ResponseLog, n_skills: int, max_length: int) -> list[list[list[int]]]:
    sequences: list[list[list[int]]] = [[] for _ in range(n_skills)]
    for student in log.students:
        per_skill: dict[int, list[int]] = {}
        for skill, outcome in zip(student.skills, student.outcomes, strict=True):
            per_skill.setdefault(skill, []).append(outcome)
        for skill, outcomes in per_skill.items():
            sequences[skill].append(outcomes[:max_length])
    return sequences


def _fit_skill(
    sequences: list[list[int]], start: BKTParams, *, forgetting: bool, iterations: int
) -> BKTParams:
    if not sequences:
        return start
    length = max(len(s) for s in sequences)
    y = np.zeros((len(sequences), length))
    mask = np.zeros((len(sequences), length), dtype=bool)
    for i, s in enumerate(sequences):
        y[i, : len(s)] = s
        mask[i, : len(s)] = True
    prior, learn, forget, guess, slip = (
        start.prior,
        start.learn,
        start.forget if forgetting else 0.0,
        start.guess,
        start.slip,
    )
    n = len(sequences)
    for _ in range(iterations):
        # Emission probabilities [unknown, known] per cell.
        e_unknown = np.where(y == 1, guess, 1.0 - guess)
        e_known = np.where(y == 1, 1.0 - slip, slip)
        alpha = np.zeros((n, length, 2))
        scale = np.ones((n, length))
        a = np.stack([(1.0 - prior) * e_unknown[:, 0], prior * e_known[:, 0]], axis=1)
        for t in range(length):
            if t > 0:
                prev = alpha[:, t - 1]
                pred_known = prev[:, 0] * learn + prev[:, 1] * (1.0 - forget)
                a = np.stack(
                    [(1.0 - pred_known) * e_unknown[:, t], pred_known * e_known[:, t]], axis=1
                )
                # Past the end of a sequence the chain just carries its state forward.
                a = np.where(mask[:, t, None], a, prev)
            c = a.sum(axis=1)
            c = np.where(c > 0, c, 1.0)
            alpha[:, t] = a / c[:, None]
            scale[:, t] = c
        beta = np.ones((n, length, 2))
        for t in range(length - 2, -1, -1):
            nxt = beta[:, t + 1] * np.stack([e_unknown[:, t + 1], e_known[:, t + 1]], axis=1)
            b0 = (1.0 - learn) * nxt[:, 0] + learn * nxt[:, 1]
            b1 = forget * nxt[:, 0] + (1.0 - forget) * nxt[:, 1]
            b = np.stack([b0, b1], axis=1) / scale[:, t + 1, None]
            beta[:, t] = np.where(mask[:, t + 1, None], b, beta[:, t + 1])
        gamma = alpha * beta
        gamma /= np.maximum(gamma.sum(axis=2, keepdims=True), _TINY)
        # Expected transitions between consecutive observed cells.
        valid = mask[:, 1:]
        nxt = beta[:, 1:] * np.stack([e_unknown[:, 1:], e_known[:, 1:]], axis=2)
        nxt /= scale[:, 1:, None]
        from_unknown = alpha[:, :-1, 0]
        from_known = alpha[:, :-1, 1]
        xi_01 = (from_unknown * learn * nxt[:, :, 1])[valid].sum()
        xi_00 = (from_unknown * (1.0 - learn) * nxt[:, :, 0])[valid].sum()
        xi_10 = (from_known * forget * nxt[:, :, 0])[valid].sum()
        xi_11 = (from_known * (1.0 - forget) * nxt[:, :, 1])[valid].sum()
        g_unknown = gamma[:, :, 0][mask]
        g_known = gamma[:, :, 1][mask]
        obs = y[mask]
        prior = float(np.clip(gamma[:, 0, 1].mean(), 0.01, 0.99))
        learn = float(np.clip(xi_01 / max(xi_00 + xi_01, _TINY), 0.001, 0.99))
        if forgetting:
            forget = float(np.clip(xi_10 / max(xi_10 + xi_11, _TINY), 0.0, 0.5))
        guess = float(
            np.clip((g_unknown * obs).sum() / max(g_unknown.sum(), _TINY), 0.01, MAX_GUESS)
        )
        slip = float(
            np.clip((g_known * (1 - obs)).sum() / max(g_known.sum(), _TINY), 0.01, MAX_SLIP)
        )
    return BKTParams(prior=prior, learn=learn, forget=forget, guess=guess, slip=slip)


def fit_bkt(
    log: ResponseLog,
    *,
    forgetting: bool = False,
    iterations: int = 15,
    max_length: int = 200,
    start: BKTParams | None = None,
) -> BKTModel:
    """Fit one BKTParams per skill by EM; each student's sequence is cut at `max_length`."""
    initial = start or BKTParams(forget=0.05 if forgetting else 0.0)
    n_skills = log.n_skills
    sequences = _skill_sequences(log, n_skills, max_length)
    fitted = tuple(
        _fit_skill(sequences[k], initial, forgetting=forgetting, iterations=iterations)
        for k in range(n_skills)
    )
    return BKTModel(by_skill=fitted, default=initial)


def predict_bkt(model: BKTModel, log: ResponseLog) -> FloatArray:
    """Predict each response before seeing it, updating P(known) online, student by student."""
    out: list[float] = []
    for student in log.students:
        known: dict[int, float] = {}
        for skill, outcome in zip(student.skills, student.outcomes, strict=True):
            params = model.params(skill)
            p_known = known.get(skill, params.prior)
            out.append(params.predict(p_known))
            known[skill] = params.update(p_known, float(outcome))
    return np.asarray(out, dtype=np.float64)
