import numpy as np
import pytest

from adaptive.bkt import BKTParams, fit_bkt, predict_bkt
from adaptive.datasets import ResponseLog, StudentLog


def test_a_right_answer_updates_p_known_as_computed_by_hand():
    params = BKTParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)
    # posterior = 0.3·0.9 / (0.3·0.9 + 0.7·0.2) = 0.27 / 0.41; then learning: + (1 − post)·0.1
    posterior = 0.27 / 0.41
    assert params.posterior(0.3, 1.0) == pytest.approx(posterior)
    assert params.update(0.3, 1.0) == pytest.approx(posterior + (1 - posterior) * 0.1)


def test_a_wrong_answer_lowers_p_known():
    params = BKTParams(prior=0.5, learn=0.0, guess=0.2, slip=0.1)
    # 0.5·0.1 / (0.5·0.1 + 0.5·0.8)
    assert params.update(0.5, 0.0) == pytest.approx(0.05 / 0.45)


def test_partial_credit_lies_between_right_and_wrong():
    params = BKTParams()
    right, wrong = params.update(0.4, 1.0), params.update(0.4, 0.0)
    assert wrong < params.update(0.4, 0.5) < right


def test_forgetting_pulls_a_known_skill_down():
    remembering = BKTParams(forget=0.0)
    forgetting = BKTParams(forget=0.2)
    assert forgetting.update(0.9, 1.0) < remembering.update(0.9, 1.0)


def _simulated_log(params: BKTParams, students: int, length: int, seed: int) -> ResponseLog:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(students):
        known = rng.random() < params.prior
        outcomes = []
        for _ in range(length):
            p = 1 - params.slip if known else params.guess
            outcomes.append(int(rng.random() < p))
            if not known and rng.random() < params.learn:
                known = True
        out.append(StudentLog(skills=(0,) * length, outcomes=tuple(outcomes)))
    return ResponseLog(students=tuple(out))


def test_em_recovers_the_parameters_of_simulated_students():
    truth = BKTParams(prior=0.3, learn=0.2, guess=0.15, slip=0.08)
    log = _simulated_log(truth, students=400, length=12, seed=1)
    fitted = fit_bkt(log, iterations=40).params(0)
    assert fitted.learn == pytest.approx(truth.learn, abs=0.06)
    assert fitted.guess == pytest.approx(truth.guess, abs=0.06)
    assert fitted.slip == pytest.approx(truth.slip, abs=0.04)
    assert fitted.prior == pytest.approx(truth.prior, abs=0.1)


def test_predictions_are_made_before_each_answer_is_seen():
    log = ResponseLog(students=(StudentLog(skills=(0, 0), outcomes=(1, 1)),))
    model = fit_bkt(log, iterations=1)
    first, second = predict_bkt(model, log)
    params = model.params(0)
    assert first == pytest.approx(params.predict(params.prior))
    assert second == pytest.approx(params.predict(params.update(params.prior, 1.0)))
