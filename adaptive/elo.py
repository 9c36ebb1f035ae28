"""Elo-style rating of learners and skills: P(correct) = σ(ability − difficulty).

Each answer moves the learner's ability and the skill's difficulty in opposite directions by
K·(outcome − prediction). A skill's step shrinks as its rating gathers evidence (uncertainty-scaled
step: K = base / (1 + decay · n)); a learner's stays constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adaptive.datasets import ResponseLog

FloatArray = npt.NDArray[np.float64]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def elo_step(base: float, decay: float, n: float) -> float:
    """Update size after `n` earlier answers: large while little is known, then settling."""
    return base / (1.0 + decay * n)


@dataclass(frozen=True)
class EloModel:
    """Skill difficulties learned from training students; learner abilities start at zero."""

    difficulty: tuple[float, ...]
    # A constant learner step (no decay) lets the rating follow a learner who improves; skills keep
    # the decaying step so their difficulty settles.
    learner_step: float = 0.4
    learner_decay: float = 0.0

    def skill_difficulty(self, skill: int) -> float:
        return self.difficulty[skill] if 0 <= skill < len(self.difficulty) else 0.0


def _run(
    log: ResponseLog,
    difficulty: list[float],
    counts: list[int],
    *,
    learner_step: float,
    learner_decay: float,
    learn_items: bool,
    item_step: float = 0.4,
    item_decay: float = 0.01,
) -> list[float]:
    out: list[float] = []
    for student in log.students:
        ability = 0.0
        n = 0
        for skill, outcome in zip(student.skills, student.outcomes, strict=True):
            p = sigmoid(ability - difficulty[skill])
            out.append(p)
            error = outcome - p
            ability += elo_step(learner_step, learner_decay, n) * error
            n += 1
            if learn_items:
                difficulty[skill] -= elo_step(item_step, item_decay, counts[skill]) * error
                counts[skill] += 1
    return out


def fit_elo(log: ResponseLog, *, passes: int = 2) -> EloModel:
    """Learn skill difficulties by running the rating over the training students."""
    n_skills = log.n_skills
    difficulty = [0.0] * n_skills
    counts = [0] * n_skills
    model = EloModel(difficulty=())
    for _ in range(passes):
        _run(
            log,
            difficulty,
            counts,
            learner_step=model.learner_step,
            learner_decay=model.learner_decay,
            learn_items=True,
        )
    return EloModel(difficulty=tuple(difficulty))


def predict_elo(model: EloModel, log: ResponseLog) -> FloatArray:
    """Online predictions for unseen students; skill difficulties stay as fitted."""
    top = max(log.n_skills, len(model.difficulty))
    difficulty = list(model.difficulty) + [0.0] * (top - len(model.difficulty))
    out = _run(
        log,
        difficulty,
        [0] * top,
        learner_step=model.learner_step,
        learner_decay=model.learner_decay,
        learn_items=False,
    )
    return np.asarray(out, dtype=np.float64)
