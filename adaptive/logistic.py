"""The response model: logistic regression over running features of a learner and a skill.

Every feature is a per-learner, per-skill aggregate updated in O(1) per answer, so the same
function predicts offline on response logs and online in the platform from the stored state:

| feature            | meaning                                                             |
|--------------------|---------------------------------------------------------------------|
| bias               | 1                                                                   |
| log_wins, log_fails| log(1 + right answers), log(1 + wrong answers) on this skill        |
| last1..last3       | the last three outcomes on this skill (+1 right, −1 wrong, 0 none)   |
| previous           | outcome of the learner's previous answer on any skill (±1, 0 none)   |
| previous_same      | 1 when that previous answer was on this same skill                  |
| learner_logit      | log((1 + right) / (1 + wrong)) over all the learner's answers        |
| log_answers        | log(1 + all the learner's answers)                                  |
| log_gap            | log(1 + the learner's answers since this skill was last practised)  |
| easiness           | −difficulty of the skill or item (logit scale, learned from everyone)|
| traced_logit       | logit of P(right) from knowledge tracing with forgetting            |

Weights are fitted by Newton's method on L2-regularised log loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adaptive.baselines import SkillMeanModel, fit_skill_mean
from adaptive.bkt import BKTModel, BKTParams, fit_bkt
from adaptive.datasets import ResponseLog

FloatArray = npt.NDArray[np.float64]

FEATURES = (
    "bias",
    "log_wins",
    "log_fails",
    "last1",
    "last2",
    "last3",
    "previous",
    "previous_same",
    "learner_logit",
    "log_answers",
    "log_gap",
    "easiness",
    "traced_logit",
)


def logit(p: float) -> float:
    q = min(max(p, 1e-4), 1.0 - 1e-4)
    return math.log(q / (1.0 - q))


@dataclass(frozen=True)
class SkillHistory:
    """What the features need to know about one learner on one skill."""

    wins: float = 0.0
    fails: float = 0.0
    last: tuple[float, ...] = ()  # most recent first, scores in 0..1
    last_index: int = -1  # learner's answer count when this skill was last answered
    p_known: float | None = None


@dataclass(frozen=True)
class LearnerHistory:
    wins: float = 0.0
    fails: float = 0.0
    answers: int = 0
    previous: float | None = None  # score of the learner's latest answer
    previous_skill: object = None


def _signed(score: float) -> float:
    return 2.0 * score - 1.0


def response_features(
    skill: SkillHistory,
    learner: LearnerHistory,
    *,
    skill_key: object,
    difficulty: float,
    tracing: BKTParams,
) -> list[float]:
    """The feature vector (in FEATURES order) for the learner's next answer on this skill."""
    last = skill.last
    p_known = tracing.prior if skill.p_known is None else skill.p_known
    gap = learner.answers - skill.last_index if skill.last_index >= 0 else learner.answers + 1
    return [
        1.0,
        math.log1p(skill.wins),
        math.log1p(skill.fails),
        _signed(last[0]) if len(last) > 0 else 0.0,
        _signed(last[1]) if len(last) > 1 else 0.0,
        _signed(last[2]) if len(last) > 2 else 0.0,
        _signed(learner.previous) if learner.previous is not None else 0.0,
        1.0 if learner.answers and learner.previous_skill == skill_key else 0.0,
        math.log((1.0 + learner.wins) / (1.0 + learner.fails)),
        math.log1p(learner.answers),
        math.log1p(gap),
        -difficulty,
        logit(tracing.predict(p_known)),
    ]


def advance_histories(
    skill: SkillHistory,
    learner: LearnerHistory,
    *,
    skill_key: object,
    score: float,
    tracing: BKTParams,
) -> tuple[SkillHistory, LearnerHistory]:
    """Both histories after the learner answers this skill with `score` (0..1)."""
    p_known = tracing.prior if skill.p_known is None else skill.p_known
    new_skill = SkillHistory(
        wins=skill.wins + score,
        fails=skill.fails + (1.0 - score),
        last=((score,) + skill.last)[:3],
        last_index=learner.answers,
        p_known=tracing.update(p_known, score),
    )
    new_learner = LearnerHistory(
        wins=learner.wins + score,
        fails=learner.fails + (1.0 - score),
        answers=learner.answers + 1,
        previous=score,
        previous_skill=skill_key,
    )
    return new_skill, new_learner


@dataclass(frozen=True)
class LogisticModel:
    weights: tuple[float, ...]
    skills: SkillMeanModel
    tracing: BKTModel

    def skill_difficulty(self, skill: int) -> float:
        return -logit(self.skills.predict_skill(skill))

    def predict_features(self, features: Sequence[float]) -> float:
        z = sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def _feature_rows(
    log: ResponseLog, skills: SkillMeanModel, tracing: BKTModel, weights: Sequence[float] | None
) -> tuple[FloatArray, FloatArray]:
    rows: list[list[float]] = []
    preds: list[float] = []
    for student in log.students:
        learner = LearnerHistory()
        histories: dict[int, SkillHistory] = {}
        for skill, outcome in zip(student.skills, student.outcomes, strict=True):
            history = histories.get(skill, SkillHistory())
            params = tracing.params(skill)
            difficulty = -logit(skills.predict_skill(skill))
            features = response_features(
                history, learner, skill_key=skill, difficulty=difficulty, tracing=params
            )
            rows.append(features)
            if weights is not None:
                z = sum(w * f for w, f in zip(weights, features, strict=True))
                preds.append(1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))))
            histories[skill], learner = advance_histories(
                history,
                learner,
                skill_key=skill,
                score=float(outcome),
                tracing=params,
            )
    return np.asarray(rows, dtype=np.float64), np.asarray(preds, dtype=np.float64)


def fit_weights(
    x: FloatArray, y: FloatArray, *, l2: float = 1.0, iterations: int = 25
) -> FloatArray:
    """Logistic regression by Newton's method (few features, many rows)."""
    w = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def fit_logistic(log: ResponseLog, *, tracing: BKTModel | None = None) -> LogisticModel:
    """Fit skill difficulties, forgetting-aware tracing and then the weights on the same log."""
    skills = fit_skill_mean(log)
    tracing = tracing or fit_bkt(log, forgetting=True, iterations=10)
    x, _ = _feature_rows(log, skills, tracing, None)
    _, _, outcome = log.flat()
    w = fit_weights(x, outcome.astype(np.float64))
    return LogisticModel(weights=tuple(float(v) for v in w), skills=skills, tracing=tracing)


def predict_logistic(model: LogisticModel, log: ResponseLog) -> FloatArray:
    _, preds = _feature_rows(log, model.skills, model.tracing, model.weights)
    return preds
