"""The simplest reference predictor: each skill's share of correct answers in training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adaptive.datasets import ResponseLog

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SkillMeanModel:
    mean: tuple[float, ...]
    overall: float

    def predict_skill(self, skill: int) -> float:
        return self.mean[skill] if 0 <= skill < len(self.mean) else self.overall


def fit_skill_mean(log: ResponseLog, *, pseudo_count: float = 5.0) -> SkillMeanModel:
    """Per-skill accuracy, shrunk toward the overall accuracy by `pseudo_count` answers."""
    _, skill, outcome = log.flat()
    overall = float(outcome.mean()) if outcome.size else 0.5
    n_skills = log.n_skills
    right = np.bincount(skill, weights=outcome, minlength=n_skills)
    seen = np.bincount(skill, minlength=n_skills)
    mean = (right + pseudo_count * overall) / (seen + pseudo_count)
    return SkillMeanModel(mean=tuple(float(m) for m in mean), overall=overall)


def predict_skill_mean(model: SkillMeanModel, log: ResponseLog) -> FloatArray:
    _, skill, _ = log.flat()
    return np.asarray([model.predict_skill(int(k)) for k in skill], dtype=np.float64)
