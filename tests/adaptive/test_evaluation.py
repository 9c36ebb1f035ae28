import json
from pathlib import Path

import numpy as np

from adaptive.cli import main
from adaptive.datasets import ResponseLog, StudentLog, format_log
from adaptive.evaluation import MODELS, evaluate_models

# Present on every development machine and in CI, next to the repository.
SHARED_LOG = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "assistments2009_builder_train.csv"
)


def synthetic_log(students: int, seed: int) -> ResponseLog:
    """Students who learn each of three skills at some point and then mostly answer right."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(students):
        skills, outcomes = [], []
        for skill in rng.permutation(3):
            known = rng.random() < 0.2
            for _ in range(int(rng.integers(4, 10))):
                skills.append(int(skill))
                outcomes.append(int(rng.random() < (0.9 if known else 0.2)))
                known = known or rng.random() < 0.3
        out.append(StudentLog(skills=tuple(skills), outcomes=tuple(outcomes)))
    return ResponseLog(students=tuple(out))


def test_every_model_beats_chance_on_learners_who_learn():
    report = evaluate_models(synthetic_log(120, 0), synthetic_log(40, 1), iterations=5)
    assert [r.name for r in report.results] == list(MODELS)
    scores = {r.name: r.scores for r in report.results}
    # Each skill is learned on its own here, which only the per-skill models can follow.
    for name in ("ours", "bkt", "bkt-forgetting"):
        assert scores[name].auc > 0.7, name
        assert scores[name].auc > scores["elo"].auc > 0.5, name
    assert scores["ours"].auc > scores["skill-mean"].auc
    assert all(r.scores.n == report.results[0].scores.n for r in report.results)


def test_the_command_reads_train_and_test_files(tmp_path, capsys):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text(format_log(synthetic_log(60, 2)))
    test.write_text(format_log(synthetic_log(20, 3)))
    code = main(
        ["evaluate", "--train", str(train), "--test", str(test), "--json", "--em-iterations", "3"]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["models"]) == set(MODELS)
    for figures in payload["models"].values():
        assert {"auc", "rmse", "log_loss", "n"} <= set(figures)
    assert payload["test"]["students"] == 20


def test_the_command_rejects_a_malformed_log(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("2\n1,2\n1\n")
    assert main(["evaluate", "--train", str(bad), "--test", str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_ours_reaches_the_target_on_held_out_assistments_students(capsys):
    code = main(
        [
            "evaluate",
            "--split-from",
            str(SHARED_LOG),
            "--test-share",
            "0.2",
            "--seed",
            "0",
            "--models",
            "ours,elo",
            "--json",
        ]
    )
    assert code == 0
    models = json.loads(capsys.readouterr().out)["models"]
    assert models["ours"]["auc"] >= 0.84
    assert models["ours"]["rmse"] <= 0.38
    assert models["ours"]["auc"] > models["elo"]["auc"]
