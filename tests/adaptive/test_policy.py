from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from adaptive.model import TemplateInfo, initial_state, record_answer, seed_estimates
from adaptive.policy import NoTemplateError, PolicyConfig, choose_next, unlocked_topics
from content.topics import parse_topic_graph

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GRAPH = parse_topic_graph(
    "".join(
        f'[[topics]]\nslug = "{slug}"\ntitle = "{slug.title()}"\narea = "calculus"\n'
        f"prerequisites = {prereqs}\n"
        for slug, prereqs in [
            ("limits", "[]"),
            ("derivatives", '["limits"]'),
            ("chain", '["derivatives"]'),
            ("vectors", "[]"),
        ]
    )
)
TEMPLATES = tuple(
    TemplateInfo(id=f"{slug}/{level}", topic=slug, difficulty=d)
    for slug in ("limits", "derivatives", "chain", "vectors")
    for level, d in (("easy", 1), ("hard", 5))
)
QUIET = PolicyConfig(explore_share=0.0, review_share=0.0)


def choose(state, *, items=None, now=T0, config=QUIET, **kw):
    return choose_next(
        state,
        items or {},
        graph=GRAPH,
        templates=TEMPLATES,
        now=now,
        config=config,
        rng=np.random.default_rng(0),
        **kw,
    )


def answer(state, choice, score, at):
    new, _ = record_answer(
        state,
        {},
        topic=choice.topic,
        template_id=choice.template_id,
        score=score,
        hints_used=0,
        at=at,
    )
    return new


def test_a_new_learner_starts_on_a_topic_without_prerequisites():
    choice = choose(initial_state())
    assert choice.topic == "limits"
    assert choice.kind == "new"
    assert choice.reason == "next: limits has no prerequisites"
    assert 0.0 < choice.predicted_success < 1.0


def test_locked_topics_are_never_served_while_prerequisites_are_unmastered():
    state, at = initial_state(), T0
    for _ in range(40):
        choice = choose(state, now=at)
        assert choice.topic in {"limits", "vectors"}
        state = answer(state, choice, 0.0, at)
        at += timedelta(minutes=2)
    assert set(unlocked_topics(state, GRAPH)) == {"limits", "vectors"}


def test_mastering_a_prerequisite_unlocks_the_next_topic_with_a_reason():
    state = seed_estimates(initial_state(), {"limits": 0.99, "vectors": 0.99}, at=T0)
    choice = choose(state, now=T0 + timedelta(minutes=5))
    assert choice.topic == "derivatives"
    assert choice.kind == "new"
    assert choice.reason == "next: you've mastered limits"


def test_a_learner_who_answers_everything_right_moves_through_the_graph():
    state, at, served = initial_state(), T0, []
    for _ in range(40):
        choice = choose(state, now=at)
        served.append(choice.topic)
        state = answer(state, choice, 1.0, at)
        at += timedelta(minutes=2)
    assert {"limits", "derivatives", "chain", "vectors"} <= set(served)
    assert all(state["topics"][t]["mastered"] for t in ("limits", "derivatives", "chain"))
    first = {t: served.index(t) for t in ("limits", "derivatives", "chain")}
    assert first["limits"] < first["derivatives"] < first["chain"]


def test_mastered_topics_come_back_for_review_after_weeks_away():
    state = seed_estimates(
        initial_state(), {"limits": 0.99, "derivatives": 0.99, "vectors": 0.99}, at=T0
    )
    at = T0 + timedelta(days=21)
    kinds = []
    for _ in range(5):
        choice = choose(state, now=at)
        kinds.append(choice.kind)
        state = answer(state, choice, 1.0, at)
        at += timedelta(minutes=2)
    assert kinds[:3] == ["review"] * 3
    assert kinds[3:] == ["new", "practice"]


def test_a_returning_learner_sees_how_long_ago_a_topic_was_practised():
    state = seed_estimates(initial_state(), {"limits": 0.99, "vectors": 0.99}, at=T0)
    choice = choose(state, now=T0 + timedelta(days=21))
    assert choice.kind == "review"
    assert choice.reason == "review: last practised 21 days ago"


def test_a_fading_prerequisite_is_reviewed_before_building_on_it():
    state = seed_estimates(initial_state(), {"limits": 0.99, "vectors": 0.99}, at=T0)
    state["last_seen"] = (T0 + timedelta(days=30)).isoformat()  # practising, not away
    choice = choose(state, now=T0 + timedelta(days=30, minutes=2))
    assert choice.kind == "review"
    assert choice.topic == "limits"
    assert choice.reason == "review before derivatives: last practised 30 days ago"


def test_everything_mastered_keeps_the_weakest_fresh():
    state = seed_estimates(
        initial_state(),
        {"limits": 0.99, "derivatives": 0.99, "chain": 0.99, "vectors": 0.97},
        at=T0,
    )
    choice = choose(state, now=T0 + timedelta(hours=1))
    assert choice.kind == "review"
    assert choice.topic == "vectors"


def test_a_long_struggle_checks_the_prerequisite():
    state = seed_estimates(initial_state(), {"limits": 0.99, "vectors": 0.99}, at=T0)
    at = T0 + timedelta(minutes=1)
    for _ in range(QUIET.struggle_after):
        choice = choose(state, now=at)
        assert choice.topic == "derivatives"
        state = answer(state, choice, 0.0, at)
        at += timedelta(minutes=2)
    check = choose(state, now=at)
    assert check.topic == "limits"
    assert check.kind == "review"
    assert check.reason == "review: checking limits before more derivatives"


def test_practice_interleaves_instead_of_long_blocks():
    state, at = initial_state(), T0
    topics = []
    for _ in range(8):
        choice = choose(state, now=at)
        topics.append(choice.topic)
        state = answer(state, choice, 0.0, at)
        at += timedelta(minutes=2)
    longest = max(
        len(run)
        for run in "".join("L" if t == "limits" else "V" for t in topics)
        .replace("LV", "L V")
        .replace("VL", "V L")
        .split()
    )
    assert longest <= QUIET.max_block
    assert {"limits", "vectors"} == set(topics)


def test_a_template_assignment_overrides_the_policy():
    choice = choose(initial_state(), assignment="chain/hard")
    assert (choice.topic, choice.template_id, choice.kind) == ("chain", "chain/hard", "assigned")
    assert choice.reason == "assigned by your instructor"


def test_a_topic_assignment_overrides_the_policy():
    choice = choose(initial_state(), assignment="chain")
    assert choice.topic == "chain"
    assert choice.kind == "assigned"
    assert choice.reason == "assigned by your instructor: Chain"


def test_a_students_chosen_topic_overrides_the_policy_even_when_locked():
    choice = choose(initial_state(), chosen_topic="derivatives")
    assert choice.topic == "derivatives"
    assert choice.kind == "chosen"
    assert choice.reason == "your choice: Derivatives"


def test_the_assignment_wins_over_the_chosen_topic():
    choice = choose(initial_state(), assignment="vectors", chosen_topic="derivatives")
    assert choice.topic == "vectors"


def test_exploration_tries_a_topic_beyond_the_frontier():
    config = PolicyConfig(explore_share=1.0, review_share=0.0)
    # This learner knew every topic met so far at first sight, so exploring is worth it.
    state = {**initial_state(), "firsts": 4, "first_wins": 4.0}
    choice = choose(state, config=config)
    assert choice.kind == "explore"
    assert choice.topic == "derivatives"
    assert choice.reason.startswith("explore: checking whether you already know")


def test_confirmation_uses_a_hard_template_and_review_an_easy_one():
    near = seed_estimates(initial_state(), {"limits": 0.9}, at=T0)
    near["topics"]["limits"]["attempts"] = 3
    near["topics"]["limits"]["last_template"] = None
    assert choose(near, now=T0 + timedelta(minutes=1)).template_id == "limits/hard"
    away = seed_estimates(
        initial_state(), {"limits": 0.99, "derivatives": 0.99, "vectors": 0.99}, at=T0
    )
    review = choose(away, now=T0 + timedelta(days=30))
    assert review.kind == "review"
    assert review.template_id.endswith("/easy")


def test_it_says_when_a_topic_has_no_template():
    with pytest.raises(NoTemplateError):
        choose_next(
            initial_state(),
            {},
            graph=GRAPH,
            templates=(),
            now=T0,
            config=QUIET,
            rng=np.random.default_rng(0),
        )


def test_a_prerequisite_without_templates_does_not_block_its_dependents():
    templates = tuple(t for t in TEMPLATES if t.topic != "limits")
    choice = choose_next(
        initial_state(),
        {},
        graph=GRAPH,
        templates=templates,
        now=T0,
        config=QUIET,
        rng=np.random.default_rng(0),
    )
    assert choice.topic in {"derivatives", "vectors"}


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        choose(initial_state(), now=datetime(2026, 1, 1))
