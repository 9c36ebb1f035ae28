import json

import pytest

from adaptive.diagnostic import (
    DiagnosticConfig,
    compare_with_fixed_form,
    estimates,
    is_confident,
    next_question,
    questions_asked,
    record_response,
    start_diagnostic,
)
from content.topics import TopicGraph, load_topic_graph, parse_topic_graph

CHAIN = """
[[topics]]
slug = "basic"
title = "Basic"
area = "calculus"

[[topics]]
slug = "middle"
title = "Middle"
area = "calculus"
prerequisites = ["basic"]

[[topics]]
slug = "advanced"
title = "Advanced"
area = "calculus"
prerequisites = ["middle"]

[[topics]]
slug = "apart"
title = "Apart"
area = "probability"
"""

SMALL = DiagnosticConfig(particles=3000, seed=3)


@pytest.fixture
def chain() -> TopicGraph:
    return parse_topic_graph(CHAIN)


def test_a_right_answer_on_an_advanced_topic_raises_its_prerequisites(chain: TopicGraph) -> None:
    before = estimates(start_diagnostic(chain, SMALL))
    after = estimates(record_response(start_diagnostic(chain, SMALL), "advanced", True))
    assert after["middle"] > before["middle"] + 0.1
    assert after["basic"] > before["basic"] + 0.05


def test_a_wrong_answer_on_a_basic_topic_lowers_what_builds_on_it(chain: TopicGraph) -> None:
    before = estimates(start_diagnostic(chain, SMALL))
    after = estimates(record_response(start_diagnostic(chain, SMALL), "basic", False))
    assert after["middle"] < before["middle"] - 0.1
    assert after["advanced"] < before["advanced"] - 0.05


def test_a_wrong_answer_on_an_advanced_topic_says_little_about_its_prerequisite(
    chain: TopicGraph,
) -> None:
    before = estimates(start_diagnostic(chain, SMALL))
    wrong_advanced = estimates(record_response(start_diagnostic(chain, SMALL), "advanced", False))
    wrong_basic = estimates(record_response(start_diagnostic(chain, SMALL), "basic", False))
    assert before["basic"] - wrong_advanced["basic"] < before["basic"] - wrong_basic["basic"]


def test_it_stops_once_every_topic_is_confident(chain: TopicGraph) -> None:
    state = start_diagnostic(chain, DiagnosticConfig(particles=3000, seed=3, max_questions=50))
    while (topic := next_question(state)) is not None:
        state = record_response(state, topic, True)
    assert is_confident(state)
    assert questions_asked(state) < 50
    assert all(p >= 0.9 for p in estimates(state).values())


def test_it_stops_at_the_maximum_length(chain: TopicGraph) -> None:
    state = start_diagnostic(chain, DiagnosticConfig(particles=3000, seed=3, max_questions=2))
    answers = iter([True, False, True, False])
    while (topic := next_question(state)) is not None:
        state = record_response(state, topic, next(answers))
    assert questions_asked(state) == 2


def test_the_first_question_is_not_a_topic_the_others_say_nothing_about(
    chain: TopicGraph,
) -> None:
    assert next_question(start_diagnostic(chain, SMALL)) in {"basic", "middle", "advanced"}


def test_the_same_answers_give_the_same_questions_and_estimates(chain: TopicGraph) -> None:
    def run() -> tuple[list[str], dict[str, float]]:
        state = start_diagnostic(chain, SMALL)
        asked = []
        for correct in (True, False, True):
            topic = next_question(state)
            assert topic is not None
            asked.append(topic)
            state = record_response(state, topic, correct)
        return asked, estimates(state)

    assert run() == run()


def test_the_state_survives_a_json_round_trip(chain: TopicGraph) -> None:
    state = record_response(start_diagnostic(chain, SMALL), "middle", True)
    copied = json.loads(json.dumps(state))
    assert estimates(copied) == estimates(state)
    assert next_question(copied) == next_question(state)


def test_recording_leaves_the_given_state_unchanged(chain: TopicGraph) -> None:
    state = start_diagnostic(chain, SMALL)
    record_response(state, "basic", True)
    assert questions_asked(state) == 0


def test_an_unknown_topic_is_refused(chain: TopicGraph) -> None:
    with pytest.raises(KeyError):
        record_response(start_diagnostic(chain, SMALL), "nonsense", True)


@pytest.mark.parametrize(
    "config",
    [
        DiagnosticConfig(guess=0.6, slip=0.5),
        DiagnosticConfig(confidence=0.5),
        DiagnosticConfig(max_questions=0),
    ],
)
def test_impossible_settings_are_refused(chain: TopicGraph, config: DiagnosticConfig) -> None:
    with pytest.raises(ValueError):
        start_diagnostic(chain, config)


def test_on_a_small_graph_it_beats_the_fixed_form_with_fewer_questions(
    chain: TopicGraph,
) -> None:
    config = DiagnosticConfig(particles=2000, seed=0, max_questions=3)
    results = compare_with_fixed_form(chain, students=60, seed=1, config=config)
    assert results["ours"].questions_mean <= 3 < results["fixed-form"].questions_mean == 4
    assert results["ours"].accuracy >= results["fixed-form"].accuracy - 0.02


def test_it_asks_only_about_askable_topics(chain: TopicGraph) -> None:
    state = start_diagnostic(chain, SMALL, askable={"basic", "apart"})
    asked = set()
    while (topic := next_question(state)) is not None:
        asked.add(topic)
        state = record_response(state, topic, True)
    assert asked <= {"basic", "apart"}
    assert set(estimates(state)) == {"basic", "middle", "advanced", "apart"}


BASICS = {"vectors", "dot-product", "norms", "matrix-multiplication", "limits", "derivatives"}


@pytest.mark.parametrize(
    "knows", [set(), BASICS | {"discrete-distributions"}, None], ids=["nothing", "basics", "all"]
)
def test_on_the_bank_graph_a_consistent_student_is_classified_right_in_a_few_questions(
    knows: set[str] | None,
) -> None:
    graph = load_topic_graph()
    known = set(graph.slugs) if knows is None else knows
    state = start_diagnostic(graph)
    while (topic := next_question(state)) is not None:
        state = record_response(state, topic, topic in known)
    assert questions_asked(state) <= 14
    assert {slug for slug, p in estimates(state).items() if p >= 0.5} == known
