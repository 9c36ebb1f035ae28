"""Fit models on training students and score their predictions on unseen test students.

Protocol: every model is fitted on the training log only; for each test student it predicts each
response before seeing it and then updates online on that response, as the platform would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adaptive.baselines import fit_skill_mean, predict_skill_mean
from adaptive.bkt import fit_bkt, predict_bkt
from adaptive.datasets import ResponseLog
from adaptive.elo import fit_elo, predict_elo
from adaptive.logistic import fit_logistic, predict_logistic
from adaptive.metrics import Scores, score_predictions

FloatArray = npt.NDArray[np.float64]

# Display order: ours first, then the baselines from strongest expected to weakest.
MODELS = ("ours", "bkt-forgetting", "bkt", "elo", "skill-mean")


@dataclass(frozen=True)
class ModelResult:
    name: str
    scores: Scores
    seconds: float

    def to_dict(self) -> dict[str, float | int | str]:
        return {**self.scores.to_dict(), "seconds": round(self.seconds, 2)}


@dataclass(frozen=True)
class EvaluationReport:
    results: tuple[ModelResult, ...]
    n_train_students: int
    n_test_students: int
    n_train_responses: int

    def to_dict(self) -> dict[str, object]:
        return {
            "models": {r.name: r.to_dict() for r in self.results},
            "train": {"students": self.n_train_students, "responses": self.n_train_responses},
            "test": {
                "students": self.n_test_students,
                "responses": self.results[0].scores.n if self.results else 0,
            },
            "protocol": "fit on train; predict each test response before seeing it, then update",
        }


def _runners(
    train: ResponseLog, test: ResponseLog, iterations: int
) -> dict[str, Callable[[], FloatArray]]:
    def ours() -> FloatArray:
        tracing = fit_bkt(train, forgetting=True, iterations=iterations)
        return predict_logistic(fit_logistic(train, tracing=tracing), test)

    return {
        "ours": ours,
        "bkt-forgetting": lambda: predict_bkt(
            fit_bkt(train, forgetting=True, iterations=iterations), test
        ),
        "bkt": lambda: predict_bkt(fit_bkt(train, forgetting=False, iterations=iterations), test),
        "elo": lambda: predict_elo(fit_elo(train), test),
        "skill-mean": lambda: predict_skill_mean(fit_skill_mean(train), test),
    }


def evaluate_models(
    train: ResponseLog,
    test: ResponseLog,
    *,
    models: tuple[str, ...] = MODELS,
    iterations: int = 10,
) -> EvaluationReport:
    """Score each named model (see MODELS) on the test log."""
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown models: {', '.join(sorted(unknown))}")
    _, _, outcome = test.flat()
    runners = _runners(train, test, iterations)
    results = []
    for name in models:
        start = time.perf_counter()
        predictions = runners[name]()
        results.append(
            ModelResult(
                name=name,
                scores=score_predictions(outcome, predictions),
                seconds=time.perf_counter() - start,
            )
        )
    return EvaluationReport(
        results=tuple(results),
        n_train_students=len(train.students),
        n_test_students=len(test.students),
        n_train_responses=train.n_responses,
    )


def format_report(report: EvaluationReport) -> str:
    lines = [
        f"train: {report.n_train_students} students, {report.n_train_responses} responses; "
        f"test: {report.n_test_students} students",
        f"{'model':<16}{'AUC':>8}{'RMSE':>8}{'log loss':>10}{'n':>9}{'s':>7}",
    ]
    for r in report.results:
        s = r.scores
        lines.append(
            f"{r.name:<16}{s.auc:>8.4f}{s.rmse:>8.4f}{s.log_loss:>10.4f}{s.n:>9}{r.seconds:>7.1f}"
        )
    return "\n".join(lines)
