"""The adaptive engine: learner model, next-problem policy, simulation and evaluation.

Pure Python + NumPy (+ `fsrs` for review scheduling); no Django. The platform stores the states
below in JSON fields and calls these functions from its services.

Learner model (``adaptive.model``)
    ``initial_state() -> dict``
        A new learner's state (JSON-safe).
    ``record_answer(learner_state, item_state, *, topic, template_id, score, hints_used, at,
    template_difficulty=3) -> (learner_state, item_state)``
        Pure, O(1): new states after one graded answer. ``item_state`` is this template's entry
        (``{}`` when new), shared by all students; store the returned one back under the template
        id. ``score`` is 0..1 (partial credit counts), each hint takes ``hint_penalty`` of it as
        evidence, ``at`` must be timezone-aware.
    ``topic_mastery(learner_state, topic, now=None) -> float``
        0..1 for the dashboard: P(known), decayed by predicted forgetting when ``now`` is given.
    ``is_mastered(learner_state, topic) -> bool``
        P(known) reached ``mastery_threshold`` (0.95) with the latest answers right; lost again
        below ``lose_mastery_below``.
    ``seed_estimates(learner_state, {topic: p_known}, *, at) -> dict``
        For a diagnostic: set per-topic estimates; values at the threshold count as tested out.
    ``learner_summary(learner_state, topics, *, now) -> list[dict]``
        Per topic: slug, mastery, mastered, attempts, correct.
    ``TemplateInfo(id, topic, difficulty)``
        What the engine needs to know of a template (author difficulty 1–5).

Policy (``adaptive.policy``)
    ``choose_next(learner_state, item_states, *, graph, templates, now, config, rng,
    chosen_topic=None, assignment=None) -> Choice``
        ``item_states`` maps template id → item state; pass ``templates`` as a tuple (its index is
        cached). ``Choice(topic, template_id, reason, predicted_success, kind)`` with kind one of
        new, practice, review, explore, assigned, chosen; ``reason`` is the line the student sees.
        Raises ``NoTemplateError`` when the topic to serve has no template.
    ``PolicyConfig(...)``
        Target success, review threshold, exploration share, interleaving, … (see its fields).
    ``unlocked_topics(learner_state, graph) -> list[str]``

Diagnostic (``adaptive.diagnostic``)
    ``start_diagnostic(graph, config=None, *, askable=None) -> dict``
        A new adaptive diagnostic over the topic graph (JSON-safe state: graph, settings,
        answers). Questions are asked only on ``askable`` topics (those with templates).
    ``next_question(state) -> str | None``
        The topic whose answer is expected to remove the most misclassification over all topics;
        None once every P(mastered) is at least ``confidence`` on one side or at
        ``max_questions``.
    ``record_response(state, topic, correct) -> dict``
        The state after one answer (the given state is not changed).
    ``estimates(state) -> {topic: p}``
        P(mastered) per topic; feed it to ``seed_estimates``.
    ``DiagnosticConfig(...)``
        Particles, seed, guess and slip of an easy template, confidence, maximum length, prior.

Command line: ``python -m adaptive simulate [--json]``,
``python -m adaptive evaluate --train F --test F [--json]`` (or ``--split-from F``) and
``python -m adaptive diagnostic [--students 200] [--seed 0] [--json]``.
The model choice and its measurements are in ``docs/adaptive.md``.
"""

from adaptive.model import (
    DEFAULT_MODEL,
    ModelConfig,
    TemplateInfo,
    initial_state,
    is_mastered,
    learner_summary,
    predict_success,
    record_answer,
    seed_estimates,
    topic_mastery,
)
from adaptive.policy import Choice, NoTemplateError, PolicyConfig, choose_next, unlocked_topics

__all__ = [
    "DEFAULT_MODEL",
    "Choice",
    "ModelConfig",
    "NoTemplateError",
    "PolicyConfig",
    "TemplateInfo",
    "choose_next",
    "initial_state",
    "is_mastered",
    "learner_summary",
    "predict_success",
    "record_answer",
    "seed_estimates",
    "topic_mastery",
    "unlocked_topics",
]
