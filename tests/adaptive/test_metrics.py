import math

import numpy as np
import pytest

from adaptive.metrics import log_loss, rmse, roc_auc, score_predictions


@pytest.mark.parametrize(
    ("y", "p", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),
        ([0, 1], [0.2, 0.9], 1.0),
        ([0, 1], [0.9, 0.2], 0.0),
        ([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 0.5),
        # pairs (right, wrong): one tie (0.9, 0.9) counts half; three of the other five are ordered
        ([1, 0, 1, 0, 1], [0.9, 0.9, 0.3, 0.1, 0.6], 3.5 / 6),
    ],
)
def test_auc_matches_hand_counted_pairs(y, p, expected):
    assert roc_auc(y, p) == pytest.approx(expected)


def test_auc_is_undefined_with_one_class():
    assert math.isnan(roc_auc([1, 1, 1], [0.2, 0.5, 0.9]))


def test_rmse_and_log_loss_by_hand():
    y = [1, 0]
    p = [0.8, 0.4]
    assert rmse(y, p) == pytest.approx(math.sqrt((0.2**2 + 0.4**2) / 2))
    assert log_loss(y, p) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)


def test_log_loss_stays_finite_on_a_confident_mistake():
    assert np.isfinite(log_loss([1], [0.0]))


def test_score_predictions_counts_rows():
    scores = score_predictions([0, 1, 1], [0.2, 0.7, 0.9])
    assert scores.n == 3
    assert scores.to_dict()["auc"] == pytest.approx(1.0)
