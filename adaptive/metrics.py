"""Scores for probabilistic predictions of binary outcomes, in plain NumPy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Predictions are clipped before the log so one confident mistake gives a large, finite loss.
_EPS = 1e-6


@dataclass(frozen=True)
class Scores:
    auc: float
    rmse: float
    log_loss: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        return {"auc": self.auc, "rmse": self.rmse, "log_loss": self.log_loss, "n": self.n}


def roc_auc(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under the ROC curve via the rank-sum statistic; tied scores share their mean rank."""
    truth = np.asarray(y, dtype=np.float64)
    score = np.asarray(p, dtype=np.float64)
    n_pos = float(truth.sum())
    n_neg = float(truth.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    sorted_scores = score[order]
    ranks = np.empty(score.size, dtype=np.float64)
    # Average ranks over runs of equal scores.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [score.size]))
    mean_rank = (starts + ends - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(mean_rank, ends - starts)
    rank_sum = float(ranks[truth == 1].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def rmse(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    diff = np.asarray(y, dtype=np.float64) - np.asarray(p, dtype=np.float64)
    return float(np.sqrt(np.mean(diff * diff))) if diff.size else float("nan")


def log_loss(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    truth = np.asarray(y, dtype=np.float64)
    prob = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1.0 - _EPS)
    if truth.size == 0:
        return float("nan")
    return float(-np.mean(truth * np.log(prob) + (1.0 - truth) * np.log1p(-prob)))


def score_predictions(y: npt.ArrayLike, p: npt.ArrayLike) -> Scores:
    truth = np.asarray(y, dtype=np.float64)
    return Scores(
        auc=roc_auc(truth, p), rmse=rmse(truth, p), log_loss=log_loss(truth, p), n=int(truth.size)
    )
