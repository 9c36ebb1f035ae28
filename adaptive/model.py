"""The learner model the platform runs: per-topic knowledge tracing with time-based forgetting,
item difficulties learned from everyone, and the logistic response model for predictions.

State is plain JSON-safe data so the platform can keep it in a JSONField:

learner state::

    {"version": 1, "answers": int, "wins": float, "fails": float, "ability": float,
     "learned": float, "misses": float (for the learner's own learning rate),
     "firsts": int, "first_wins": float (first answers on a topic, and how many were right),
     "last_seen": ISO datetime | None, "session_gap_days": float, "session_answers": int,
     "previous_score": float | None, "previous_topic": str | None, "recent_topics": [slug, ...],
     "topics": {slug: TopicState}}

TopicState::

    {"p_known": float, "attempts": int, "correct": int, "wins": float, "fails": float,
     "last": [score, ...] (latest first, three), "recent": [score, ...] (latest first, five),
     "last_index": int, "last_seen": ISO datetime | None, "last_template": str | None,
     "mastered": bool, "mastered_at": ISO datetime | None, "ever_mastered": bool,
     "wrong_streak": int (wrong answers in a row),
     "first_score": float | None, "card": FSRS card dict | None,
     "stability": float | None, "reviewed_at": epoch seconds | None (copied from the card)}

item state (shared by all students)::

    {template_id: {"difficulty": float (logit scale), "count": int, "known_n": float,
                   "known_wrong": float, "unknown_n": float, "unknown_right": float}}

Every update touches one topic, one item and a few learner totals: O(1) per answer whatever the
length of the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adaptive.bkt import BKTParams
from adaptive.elo import elo_step, sigmoid
from adaptive.logistic import LearnerHistory, SkillHistory, logit, response_features
from adaptive.review import Rating, rating_for, retention, retrievability, review_card

LearnerState = dict[str, Any]
ItemState = dict[str, Any]
TopicState = dict[str, Any]

STATE_VERSION = 1
# A pause this long between two answers starts a new session (for the welcome-back review).
SESSION_BREAK_DAYS = 1.0 / 6.0


@dataclass(frozen=True)
class TemplateInfo:
    """What the engine needs to know about a template: the author's difficulty is 1 (easy)–5."""

    id: str
    topic: str
    difficulty: int = 3


@dataclass(frozen=True)
class ModelConfig:
    """Knobs of the learner model; the defaults are documented in docs/adaptive.md."""

    learn: float = 0.2  # chance a practice turns an unknown topic into a known one
    base_guess: float = 0.2  # chance of a right answer without the skill, on an average item
    base_slip: float = 0.1  # chance of a wrong answer with the skill, on an average item
    new_topic_prior: float = 0.15  # P(known) of a fresh topic for an average learner
    hint_penalty: float = 0.25  # share of credit each hint takes away, as evidence
    mastery_threshold: float = 0.95
    recent_needed: int = 2  # the latest answers that must all be right to declare mastery
    lose_mastery_below: float = 0.7  # a mastered topic is lost again below this P(known)
    learn_prior_weight: float = 10.0  # practices the population learning rate is worth
    item_prior_weight: float = 20.0  # answers the author's difficulty is worth for guess/slip
    ability_step: float = 0.3
    item_step: float = 0.4


DEFAULT_MODEL = ModelConfig()

# Weights of the logistic response model (FEATURES order in adaptive.logistic), fitted by
# `python -m adaptive evaluate --split-from ../shared/data/assistments2009_builder_train.csv`
# (80% of its students, seed 0); see docs/adaptive.md for the comparison that chose this model.
RESPONSE_WEIGHTS = (
    -0.735,
    0.017,
    -0.035,
    -0.212,
    -0.054,
    -0.025,
    0.135,
    0.594,
    0.444,
    -0.025,
    0.088,
    0.024,
    0.986,
)


def initial_difficulty(author_difficulty: int) -> float:
    """Author's 1–5 difficulty on the logit scale (3 is average) until answers teach better."""
    return 0.6 * (min(max(author_difficulty, 1), 5) - 3)


def initial_state() -> LearnerState:
    return {
        "version": STATE_VERSION,
        "answers": 0,
        "wins": 0.0,
        "fails": 0.0,
        "ability": 0.0,
        "learned": 0.0,
        "misses": 0.0,
        "firsts": 0,
        "first_wins": 0.0,
        "last_seen": None,
        "session_gap_days": 0.0,
        "session_answers": 0,
        "previous_score": None,
        "previous_topic": None,
        "recent_topics": [],
        "topics": {},
    }


def _new_topic(prior: float) -> TopicState:
    return {
        "p_known": prior,
        "attempts": 0,
        "correct": 0,
        "wins": 0.0,
        "fails": 0.0,
        "last": [],
        "recent": [],
        "last_index": -1,
        "last_seen": None,
        "last_template": None,
        "mastered": False,
        "mastered_at": None,
        "ever_mastered": False,
        "wrong_streak": 0,
        "first_score": None,
        "card": None,
        "stability": None,
        "reviewed_at": None,
    }


def topic_prior(learner_state: Mapping[str, Any], config: ModelConfig = DEFAULT_MODEL) -> float:
    """P(known) of a topic the learner has not met, shifted by the learner's overall ability."""
    return min(0.6, sigmoid(logit(config.new_topic_prior) + learner_state.get("ability", 0.0)))


def topic_state(
    learner_state: Mapping[str, Any], topic: str, config: ModelConfig = DEFAULT_MODEL
) -> TopicState:
    found = learner_state.get("topics", {}).get(topic)
    return dict(found) if found is not None else _new_topic(topic_prior(learner_state, config))


def item_difficulty(item_states: Mapping[str, Any], template: TemplateInfo) -> float:
    found = item_states.get(template.id)
    if found:
        return float(found["difficulty"])
    return initial_difficulty(template.difficulty)


def learn_rate(learner_state: Mapping[str, Any], config: ModelConfig = DEFAULT_MODEL) -> float:
    """This learner's chance of learning a topic from one practice.

    Counted online: a topic learned here (first answer wrong, later mastered) is one success; every
    wrong answer on a topic not yet mastered is one practice that had not (yet) taught it. The
    population rate `config.learn` is the prior, worth `learn_prior_weight` practices.
    """
    m = config.learn_prior_weight
    events = float(learner_state.get("learned", 0.0))
    misses = float(learner_state.get("misses", 0.0))
    return min(0.6, max(0.02, (events + m * config.learn) / (events + misses + m)))


def item_tracing(
    item: Mapping[str, Any] | None,
    author_difficulty: int,
    config: ModelConfig = DEFAULT_MODEL,
    *,
    learn: float | None = None,
) -> BKTParams:
    """Knowledge tracing with this item's own guess and slip.

    Each template keeps soft counts of its answers split by the posterior P(known) of the learner
    who gave them (online EM, shared by all students); the author's difficulty gives the prior, worth
    `item_prior_weight` answers: a hard item is hard to guess and easier to slip on.
    """
    b = initial_difficulty(author_difficulty)
    guess0 = min(0.35, max(0.02, 2.0 * config.base_guess * sigmoid(-b)))
    slip0 = min(0.3, max(0.02, 2.0 * config.base_slip * sigmoid(b)))
    m = config.item_prior_weight
    if item:
        guess = (float(item.get("unknown_right", 0.0)) + m * guess0) / (
            float(item.get("unknown_n", 0.0)) + m
        )
        slip = (float(item.get("known_wrong", 0.0)) + m * slip0) / (
            float(item.get("known_n", 0.0)) + m
        )
    else:
        guess, slip = guess0, slip0
    return BKTParams(
        prior=config.new_topic_prior,
        learn=config.learn if learn is None else learn,
        guess=min(0.45, max(0.01, guess)),
        slip=min(0.4, max(0.01, slip)),
    )


def topic_retention(topic: Mapping[str, Any], *, now: datetime) -> float:
    """Predicted recall of a mastered topic now (1.0 for a topic not mastered: nothing to forget).

    Reads the card's stability and review time copied onto the topic, so no date parsing is
    needed on the hot path of the policy.
    """
    stability = topic.get("stability")
    reviewed = topic.get("reviewed_at")
    if stability is None or reviewed is None:
        return retrievability(topic.get("card"), now=now) if topic.get("card") else 1.0
    return retention(float(stability), (now.timestamp() - float(reviewed)) / 86400.0)


def topic_retention_at(topic: Mapping[str, Any], now_ts: float) -> float:
    """`topic_retention` with `now` as epoch seconds, for loops over many topics."""
    stability = topic.get("stability")
    reviewed = topic.get("reviewed_at")
    if stability is None or reviewed is None:
        return (
            1.0
            if not topic.get("card")
            else topic_retention(topic, now=datetime.fromtimestamp(now_ts, UTC))
        )
    return retention(float(stability), (now_ts - float(reviewed)) / 86400.0)


def current_p_known(topic: Mapping[str, Any], *, now: datetime) -> float:
    """P(known) now: the estimate at the last answer times the predicted retention since."""
    return float(topic["p_known"]) * topic_retention(topic, now=now)


def topic_mastery(
    learner_state: Mapping[str, Any], topic: str, now: datetime | None = None
) -> float:
    """What the dashboard shows, 0..1: P(known), decayed by forgetting when `now` is given."""
    found = learner_state.get("topics", {}).get(topic)
    if found is None:
        return 0.0
    if now is None:
        return float(found["p_known"])
    return current_p_known(found, now=now)


def is_mastered(learner_state: Mapping[str, Any], topic: str) -> bool:
    found = learner_state.get("topics", {}).get(topic)
    return bool(found and found["mastered"])


def predict_success(
    learner_state: Mapping[str, Any],
    item_states: Mapping[str, Any],
    template: TemplateInfo,
    *,
    now: datetime,
    config: ModelConfig = DEFAULT_MODEL,
) -> float:
    """Chance the learner answers this template right, now."""
    topic = template.topic
    difficulty = item_difficulty(item_states, template)
    state = topic_state(learner_state, topic, config)
    known = current_p_known(state, now=now) if state["attempts"] else float(state["p_known"])
    skill = SkillHistory(
        wins=state["wins"],
        fails=state["fails"],
        last=tuple(state["last"]),
        last_index=state["last_index"],
        p_known=known,
    )
    learner = LearnerHistory(
        wins=learner_state.get("wins", 0.0),
        fails=learner_state.get("fails", 0.0),
        answers=learner_state.get("answers", 0),
        previous=learner_state.get("previous_score"),
        previous_skill=learner_state.get("previous_topic"),
    )
    features = response_features(
        skill,
        learner,
        skill_key=topic,
        difficulty=difficulty,
        tracing=item_tracing(
            item_states.get(template.id),
            template.difficulty,
            config,
            learn=learn_rate(learner_state, config),
        ),
    )
    z = sum(w * f for w, f in zip(RESPONSE_WEIGHTS, features, strict=True))
    return sigmoid(max(min(z, 30.0), -30.0))


def traced_success(
    learner_state: Mapping[str, Any],
    item_states: Mapping[str, Any],
    template: TemplateInfo,
    *,
    now: datetime,
    config: ModelConfig = DEFAULT_MODEL,
) -> float:
    """Chance of a right answer from knowledge tracing alone: P(known) now through this item's
    own guess and slip. Unlike the response model it separates easy from hard templates sharply,
    which is what choosing a template needs."""
    state = topic_state(learner_state, template.topic, config)
    known = current_p_known(state, now=now)
    tracing = item_tracing(item_states.get(template.id), template.difficulty, config)
    return tracing.predict(known)


def effective_score(score: float, hints_used: int, config: ModelConfig = DEFAULT_MODEL) -> float:
    """Evidence of knowing the topic: partial credit counts, each hint takes some of it away."""
    s = min(max(float(score), 0.0), 1.0)
    return s * max(0.0, 1.0 - config.hint_penalty * max(0, hints_used))


def record_answer(
    learner_state: Mapping[str, Any],
    item_state: Mapping[str, Any],
    *,
    topic: str,
    template_id: str,
    score: float,
    hints_used: int,
    at: datetime,
    template_difficulty: int = 3,
    config: ModelConfig = DEFAULT_MODEL,
) -> tuple[LearnerState, ItemState]:
    """New learner state and new item state after one graded answer (inputs are not changed).

    `item_state` is the entry for this template (`{}` when it has none yet); the returned item state
    replaces it. `template_difficulty` (author's 1–5) seeds an item never answered before.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    evidence = effective_score(score, hints_used, config)
    difficulty = (
        float(item_state["difficulty"]) if item_state else initial_difficulty(template_difficulty)
    )
    item_count = int(item_state.get("count", 0)) if item_state else 0
    state = topic_state(learner_state, topic, config)
    tracing = item_tracing(
        item_state, template_difficulty, config, learn=learn_rate(learner_state, config)
    )

    # Elo part: how surprising the answer was, given learner, topic progress and item.
    expected = sigmoid(
        learner_state.get("ability", 0.0) + logit(float(state["p_known"])) * 0.5 - difficulty
    )
    surprise = evidence - expected
    answers = int(learner_state.get("answers", 0))
    ability = (
        float(learner_state.get("ability", 0.0))
        + elo_step(config.ability_step, 0.02, answers) * surprise
    )

    # Knowledge tracing: forget by elapsed time first, then weigh the answer by this item.
    known_before = current_p_known(state, now=at) if state["attempts"] else float(state["p_known"])
    knew = tracing.posterior(known_before, evidence)
    p_known = tracing.update(known_before, evidence)
    old = item_state or {}
    new_item = {
        "difficulty": difficulty - elo_step(config.item_step, 0.01, item_count) * surprise,
        "count": item_count + 1,
        "known_n": float(old.get("known_n", 0.0)) + knew,
        "known_wrong": float(old.get("known_wrong", 0.0)) + knew * (1.0 - evidence),
        "unknown_n": float(old.get("unknown_n", 0.0)) + 1.0 - knew,
        "unknown_right": float(old.get("unknown_right", 0.0)) + (1.0 - knew) * evidence,
    }
    recent = [evidence, *state["recent"]][:5]
    mastered = bool(state["mastered"])
    mastered_at = state["mastered_at"]
    if not mastered:
        fresh = recent[: config.recent_needed]
        if (
            p_known >= config.mastery_threshold
            and len(fresh) == config.recent_needed
            and all(s >= 0.5 for s in fresh)
        ):
            mastered, mastered_at = True, at.isoformat()
    elif p_known < config.lose_mastery_below:
        mastered, mastered_at = False, None
    first_score = evidence if state.get("first_score") is None else float(state["first_score"])
    learned = float(learner_state.get("learned", 0.0))
    misses = float(learner_state.get("misses", 0.0))
    firsts = int(learner_state.get("firsts", 0)) + (1 if state["attempts"] == 0 else 0)
    first_wins = float(learner_state.get("first_wins", 0.0)) + (
        evidence if state["attempts"] == 0 else 0.0
    )
    if not state["mastered"]:
        if mastered and not state.get("ever_mastered") and first_score < 0.5:
            learned += 1.0
        elif not mastered and evidence < 0.5:
            misses += 1.0 - evidence

    new_topic = {
        **state,
        "p_known": p_known,
        "attempts": int(state["attempts"]) + 1,
        "correct": int(state["correct"]) + (1 if score >= 0.999 else 0),
        "wins": float(state["wins"]) + evidence,
        "fails": float(state["fails"]) + 1.0 - evidence,
        "last": [evidence, *state["last"]][:3],
        "wrong_streak": int(state.get("wrong_streak", 0)) + 1 if evidence < 0.5 else 0,
        "recent": recent,
        "last_index": answers,
        "last_seen": at.isoformat(),
        "last_template": template_id,
        "mastered": mastered,
        "mastered_at": mastered_at,
        "ever_mastered": bool(state.get("ever_mastered")) or mastered,
        "first_score": first_score,
        "card": _next_card(state, mastered=mastered, score=score, hints_used=hints_used, at=at),
    }
    _copy_card_timing(new_topic)
    topics = dict(learner_state.get("topics", {}))
    topics[topic] = new_topic
    recent_topics = [topic, *learner_state.get("recent_topics", [])][:4]
    last_seen = learner_state.get("last_seen")
    gap_days = (
        (at - datetime.fromisoformat(last_seen)).total_seconds() / 86400.0 if last_seen else None
    )
    if gap_days is None or gap_days >= SESSION_BREAK_DAYS:
        session_gap, session_answers = gap_days or 0.0, 1
    else:
        session_gap = float(learner_state.get("session_gap_days", 0.0))
        session_answers = int(learner_state.get("session_answers", 0)) + 1
    new_learner = {
        **initial_state(),
        **learner_state,
        "session_gap_days": session_gap,
        "session_answers": session_answers,
        "answers": answers + 1,
        "wins": float(learner_state.get("wins", 0.0)) + evidence,
        "fails": float(learner_state.get("fails", 0.0)) + 1.0 - evidence,
        "ability": ability,
        "learned": learned,
        "misses": misses,
        "firsts": firsts,
        "first_wins": first_wins,
        "last_seen": at.isoformat(),
        "previous_score": evidence,
        "previous_topic": topic,
        "recent_topics": recent_topics,
        "topics": topics,
    }
    return new_learner, new_item


def _copy_card_timing(topic: TopicState) -> None:
    card = topic.get("card")
    if card and card.get("stability") is not None and card.get("last_review"):
        topic["stability"] = float(card["stability"])
        topic["reviewed_at"] = datetime.fromisoformat(card["last_review"]).timestamp()
    else:
        topic["stability"] = None
        topic["reviewed_at"] = None


def _next_card(
    state: Mapping[str, Any], *, mastered: bool, score: float, hints_used: int, at: datetime
) -> dict[str, Any] | None:
    """The topic's FSRS card. Memory decay only applies to something learned, so the card starts
    when the topic is mastered and is dropped when mastery is lost."""
    if not mastered:
        return None
    if state["card"] is None:
        return review_card(None, rating=Rating.Good, at=at)
    return review_card(state["card"], rating=rating_for(score, hints_used), at=at)


def seed_estimates(
    learner_state: Mapping[str, Any],
    estimates: Mapping[str, float],
    *,
    at: datetime,
    config: ModelConfig = DEFAULT_MODEL,
) -> LearnerState:
    """Set P(known) per topic from a diagnostic; estimates at the mastery threshold count as
    mastered (tested out). Topics not named are left as they are."""
    topics = dict(learner_state.get("topics", {}))
    for slug, p in estimates.items():
        state = topic_state(learner_state, slug, config)
        value = min(max(float(p), 0.0), 0.999)
        mastered = value >= config.mastery_threshold
        topics[slug] = {
            **state,
            "p_known": value,
            "mastered": mastered,
            "mastered_at": at.isoformat() if mastered else None,
            "card": _next_card(state, mastered=mastered, score=1.0, hints_used=0, at=at),
        }
        _copy_card_timing(topics[slug])
    return {**initial_state(), **learner_state, "topics": topics, "last_seen": at.isoformat()}


def learner_summary(
    learner_state: Mapping[str, Any], topics: Sequence[str], *, now: datetime
) -> list[dict[str, Any]]:
    """Per topic: mastery now, mastered flag, attempts, correct (for progress views)."""
    out = []
    for slug in topics:
        found = learner_state.get("topics", {}).get(slug)
        out.append(
            {
                "slug": slug,
                "mastery": round(topic_mastery(learner_state, slug, now), 4),
                "mastered": bool(found and found["mastered"]),
                "attempts": int(found["attempts"]) if found else 0,
                "correct": int(found["correct"]) if found else 0,
            }
        )
    return out
