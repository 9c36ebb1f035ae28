import json

import numpy as np

from adaptive.cli import main
from adaptive.simulation import (
    BKTMasteryPolicy,
    SimulationConfig,
    draw_learner,
    run_learner,
    simulate,
    synthetic_templates,
)
from content.topics import load_topic_graph

GRAPH = load_topic_graph()
SMALL = SimulationConfig(learners=4, seed=7, cap=400)


def test_a_simulation_is_repeatable_with_its_seed():
    first = simulate(GRAPH, SMALL, policies=["bkt-mastery", "ours"])
    again = simulate(GRAPH, SMALL, policies=["bkt-mastery", "ours"])
    strip = lambda results: {  # noqa: E731 — timing differs between runs
        name: {k: v for k, v in r.to_dict().items() if k != "seconds"}
        for name, r in results.items()
    }
    assert strip(first) == strip(again)


def test_another_seed_draws_other_learners():
    a = draw_learner(GRAPH, np.random.default_rng([1, 0]))
    b = draw_learner(GRAPH, np.random.default_rng([2, 0]))
    assert a != b


def test_learners_start_with_knowledge_closed_under_prerequisites():
    for i in range(30):
        truth = draw_learner(GRAPH, np.random.default_rng([0, i]))
        for slug in truth.known_at_start:
            assert set(GRAPH.prerequisites_of(slug)) <= truth.known_at_start


def test_synthetic_templates_cover_every_topic_with_two_to_four():
    templates = synthetic_templates(GRAPH, seed=0)
    per_topic = {t.slug: 0 for t in GRAPH}
    for template in templates:
        per_topic[template.topic] += 1
        assert 1 <= template.difficulty <= 5
    assert all(2 <= n <= 4 for n in per_topic.values())


def test_a_run_stops_once_everything_is_known():
    truth = draw_learner(GRAPH, np.random.default_rng([0, 1]))
    templates = synthetic_templates(GRAPH, seed=0)
    policy = BKTMasteryPolicy(GRAPH, templates, np.random.default_rng(0))
    run = run_learner(policy, truth, GRAPH, np.random.default_rng(1), SimulationConfig(cap=5000))
    assert run.reached
    assert 0 < run.problems < 5000
    assert run.declared_true <= run.declared


def test_the_command_prints_one_json_object_with_a_key_per_policy(capsys):
    assert main(["simulate", "--learners", "2", "--cap", "150", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for name in ("random", "fixed-curriculum", "bkt-mastery", "ours"):
        figures = payload[name]
        assert {"mean_problems_to_mastery", "p90_problems_to_mastery", "mastery_precision"} <= set(
            figures
        )
        assert "over_practice_share" in figures
    assert payload["settings"]["learners"] == 2
