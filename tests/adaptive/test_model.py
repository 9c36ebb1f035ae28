import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from adaptive.model import (
    DEFAULT_MODEL,
    effective_score,
    initial_state,
    is_mastered,
    item_tracing,
    learner_summary,
    record_answer,
    seed_estimates,
    topic_mastery,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def answer(state, items, *, topic="vectors", template="vectors/a", score=1.0, hints=0, at=T0):
    state, item = record_answer(
        state,
        items.get(template, {}),
        topic=topic,
        template_id=template,
        score=score,
        hints_used=hints,
        at=at,
    )
    items[template] = item
    return state


def test_first_right_answer_follows_knowledge_tracing_by_hand():
    state = initial_state()
    tracing = item_tracing(None, 3)  # average item: guess 0.2, slip 0.1
    prior = DEFAULT_MODEL.new_topic_prior
    posterior = prior * 0.9 / (prior * 0.9 + (1 - prior) * 0.2)
    expected = posterior + (1 - posterior) * DEFAULT_MODEL.learn
    assert tracing.guess == pytest.approx(0.2)
    assert tracing.slip == pytest.approx(0.1)
    new = answer(state, {})
    assert new["topics"]["vectors"]["p_known"] == pytest.approx(expected)
    assert topic_mastery(new, "vectors") == pytest.approx(expected)


def test_recording_is_pure_and_the_state_is_json_safe():
    state = initial_state()
    items: dict = {}
    state = answer(state, items)
    before = copy.deepcopy(state)
    item_before = copy.deepcopy(items)
    new_state, new_item = record_answer(
        state,
        items["vectors/a"],
        topic="vectors",
        template_id="vectors/a",
        score=0.0,
        hints_used=0,
        at=T0 + timedelta(minutes=3),
    )
    assert state == before and items == item_before
    assert json.loads(json.dumps(new_state)) == new_state
    assert json.loads(json.dumps(new_item)) == new_item
    assert new_item["count"] == 2


@pytest.mark.parametrize(
    ("score", "hints", "evidence"),
    [(1.0, 0, 1.0), (1.0, 1, 0.75), (1.0, 2, 0.5), (0.5, 0, 0.5), (0.5, 2, 0.25), (1.0, 9, 0.0)],
)
def test_partial_credit_and_hints_weigh_the_evidence(score, hints, evidence):
    assert effective_score(score, hints) == pytest.approx(evidence)


def test_a_hinted_right_answer_counts_less_than_a_clean_one():
    clean = answer(initial_state(), {})
    hinted = answer(initial_state(), {}, hints=2)
    assert topic_mastery(hinted, "vectors") < topic_mastery(clean, "vectors")


def test_steady_right_answers_reach_mastery_and_wrong_ones_lose_it():
    state, items = initial_state(), {}
    at = T0
    for _ in range(6):
        at += timedelta(minutes=2)
        state = answer(state, items, template="vectors/hard", at=at)
    assert is_mastered(state, "vectors")
    assert state["topics"]["vectors"]["card"] is not None
    for k in range(4):
        at += timedelta(minutes=2)
        state = answer(state, items, template=f"vectors/other{k}", score=0.0, at=at)
    assert not is_mastered(state, "vectors")
    assert state["topics"]["vectors"]["card"] is None


def test_mastery_needs_the_latest_answers_right():
    items: dict = {}
    state = seed_estimates(initial_state(), {"vectors": 0.9}, at=T0)
    state = answer(state, items, template="vectors/a", score=0.0, at=T0 + timedelta(minutes=1))
    state = answer(state, items, template="vectors/b", score=1.0, at=T0 + timedelta(minutes=2))
    state = answer(state, items, template="vectors/c", score=1.0, at=T0 + timedelta(minutes=3))
    topic = state["topics"]["vectors"]
    assert topic["p_known"] >= DEFAULT_MODEL.mastery_threshold
    assert is_mastered(state, "vectors")

    lucky = seed_estimates(initial_state(), {"vectors": 0.999}, at=T0)
    lucky["topics"]["vectors"]["mastered"] = False
    lucky = answer(lucky, {}, template="vectors/d", score=0.0, at=T0 + timedelta(minutes=1))
    lucky = answer(lucky, {}, template="vectors/e", score=1.0, at=T0 + timedelta(minutes=2))
    # P(known) is still high, but one of the last two answers was wrong.
    assert lucky["topics"]["vectors"]["p_known"] >= DEFAULT_MODEL.mastery_threshold
    assert not is_mastered(lucky, "vectors")


def test_mastery_fades_with_time_since_the_last_review():
    state = seed_estimates(initial_state(), {"vectors": 0.99}, at=T0)
    assert is_mastered(state, "vectors")
    fresh = topic_mastery(state, "vectors", T0)
    later = topic_mastery(state, "vectors", T0 + timedelta(days=30))
    assert later < fresh <= 0.99


def test_item_guess_and_slip_are_learned_from_everyones_answers():
    items: dict = {}
    # Learners who know the topic well keep missing this template: it must be a slippery one.
    for n in range(40):
        state = seed_estimates(initial_state(), {"vectors": 0.99}, at=T0)
        answer(state, items, template="vectors/trap", score=0.0, at=T0 + timedelta(minutes=n))
    learned = item_tracing(items["vectors/trap"], 3)
    assert learned.slip > item_tracing(None, 3).slip + 0.2


def test_the_author_difficulty_sets_the_starting_guess_and_slip():
    easy, hard = item_tracing(None, 1), item_tracing(None, 5)
    assert easy.guess > hard.guess
    assert easy.slip < hard.slip


def test_state_size_does_not_grow_with_the_number_of_answers():
    state, items = initial_state(), {}
    sizes = []
    for n in range(60):
        state = answer(state, items, score=float(n % 2), at=T0 + timedelta(minutes=n))
        sizes.append(len(json.dumps(state)))
    assert max(sizes[10:]) - min(sizes[10:]) < 200


def test_summary_lists_every_topic_asked_for():
    state = answer(initial_state(), {})
    rows = learner_summary(state, ["vectors", "norms"], now=T0)
    assert [r["slug"] for r in rows] == ["vectors", "norms"]
    assert rows[0]["attempts"] == 1 and rows[0]["correct"] == 1
    assert rows[1] == {
        "slug": "norms",
        "mastery": 0.0,
        "mastered": False,
        "attempts": 0,
        "correct": 0,
    }


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        record_answer(
            initial_state(),
            {},
            topic="vectors",
            template_id="a",
            score=1.0,
            hints_used=0,
            at=datetime(2026, 1, 1),
        )
