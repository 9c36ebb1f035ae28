"""The adaptive diagnostic: where a new student stands on every topic of the graph, from a few
questions.

Belief: a fixed cloud of weighted particles, each a whole mastered / not-mastered profile over the
topic graph drawn from a prior that follows the prerequisites (a topic is usually known only when
its prerequisites are, with a small leak), a general ability and an ability per area. An answer
reweights every particle by its likelihood under guess and slip, so a right answer on an advanced
topic raises the particles where its prerequisites are known, and a wrong answer on a basic topic
lowers those where what builds on it is known. The next question is the topic whose answer is
expected to remove the most misclassification summed over all topics; the diagnostic stops when
every topic's P(mastered) is confidently on one side or at the maximum length.

The state is small and JSON-safe: the graph, the settings and the answers so far. The particles
are rebuilt from the graph and the seed (and cached), so the same answers always give the same
estimates and the same next question.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from content.topics import TopicGraph

STATE_VERSION = 1
Graph = tuple[tuple[str, str, tuple[str, ...]], ...]  # (slug, area, prerequisites), topological


@dataclass(frozen=True)
class DiagnosticConfig:
    """Settings of one diagnostic. `guess` and `slip` are those of an easy template."""

    particles: int = 6000
    seed: int = 0
    guess: float = 0.2
    slip: float = 0.1
    confidence: float = 0.9
    max_questions: int = 14
    mastered_at: float = 0.5
    # The prior over profiles: P(known | prerequisites known) = sigmoid(base + ability + area
    # ability - depth_penalty * depth); P(known | a prerequisite missing) = leak.
    base: float = 2.5
    ability_spread: float = 3.0
    area_spread: float = 1.5
    depth_penalty: float = 1.0
    leak: float = 0.08


def _graph_of(graph: TopicGraph) -> Graph:
    return tuple((t.slug, t.area, tuple(t.prerequisites)) for t in graph)


def start_diagnostic(
    graph: TopicGraph,
    config: DiagnosticConfig | None = None,
    *,
    askable: Collection[str] | None = None,
) -> dict[str, Any]:
    """A new diagnostic over `graph` (JSON-safe state). Questions are asked only on `askable`
    topics (default: all), estimates are given for every topic."""
    settings = config or DiagnosticConfig()
    if not 0.0 <= settings.guess < 1.0 - settings.slip:
        raise ValueError("guess must be below 1 - slip")
    if not 0.5 < settings.confidence < 1.0 or settings.max_questions < 1 or settings.particles < 1:
        raise ValueError("confidence must be in (0.5, 1); max_questions and particles positive")
    return {
        "version": STATE_VERSION,
        "config": asdict(settings),
        "graph": [[slug, area, list(prereqs)] for slug, area, prereqs in _graph_of(graph)],
        "askable": [t.slug for t in graph if askable is None or t.slug in askable],
        "responses": [],
    }


def _config(state: Mapping[str, Any]) -> DiagnosticConfig:
    return DiagnosticConfig(**state["config"])


def _graph(state: Mapping[str, Any]) -> Graph:
    return tuple((str(s), str(a), tuple(str(p) for p in ps)) for s, a, ps in state["graph"])


def _depths(graph: Graph) -> dict[str, int]:
    depth: dict[str, int] = {}
    for slug, _area, prereqs in graph:
        depth[slug] = 1 + max((depth[p] for p in prereqs), default=-1)
    return depth


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-x))
    return out


def sample_profiles(
    graph: Graph,
    rng: np.random.Generator,
    count: int,
    *,
    base: float,
    ability_spread: float,
    area_spread: float,
    depth_penalty: float,
    leak: float,
) -> npt.NDArray[np.bool_]:
    """`count` mastery profiles (rows) over `graph` (columns, in its order), from the prior."""
    areas = sorted({area for _slug, area, _prereqs in graph})
    ability = rng.normal(0.0, 1.0, count) * ability_spread
    area_ability = rng.normal(0.0, 1.0, (count, len(areas))) * area_spread
    depth = _depths(graph)
    column = {slug: i for i, (slug, _area, _prereqs) in enumerate(graph)}
    known = np.zeros((count, len(graph)), dtype=bool)
    for i, (slug, area, prereqs) in enumerate(graph):
        ready = np.ones(count, dtype=bool)
        for prerequisite in prereqs:
            ready &= known[:, column[prerequisite]]
        logit = base + ability + area_ability[:, areas.index(area)] - depth_penalty * depth[slug]
        p = np.where(ready, _sigmoid(logit), leak)
        known[:, i] = rng.random(count) < p
    return known


@lru_cache(maxsize=8)
def _particles(graph: Graph, config: DiagnosticConfig) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(config.seed)
    known = sample_profiles(
        graph,
        rng,
        config.particles,
        base=config.base,
        ability_spread=config.ability_spread,
        area_spread=config.area_spread,
        depth_penalty=config.depth_penalty,
        leak=config.leak,
    )
    particles = known.astype(np.float64)
    particles.setflags(write=False)
    return particles


def _belief(state: Mapping[str, Any]) -> tuple[Graph, DiagnosticConfig, Any, Any]:
    """(graph, config, particles, normalised weights) after the answers so far."""
    graph, config = _graph(state), _config(state)
    particles = _particles(graph, config)
    column = {slug: i for i, (slug, _area, _prereqs) in enumerate(graph)}
    log_weights = np.zeros(particles.shape[0])
    p_right_if_known, p_right_if_not = 1.0 - config.slip, config.guess
    for slug, correct in state["responses"]:
        known = particles[:, column[slug]]
        if correct:
            likelihood = known * p_right_if_known + (1.0 - known) * p_right_if_not
        else:
            likelihood = known * (1.0 - p_right_if_known) + (1.0 - known) * (1.0 - p_right_if_not)
        log_weights += np.log(likelihood)
    weights = np.exp(log_weights - log_weights.max())
    return graph, config, particles, weights / weights.sum()


def estimates(state: Mapping[str, Any]) -> dict[str, float]:
    """P(mastered) per topic, in the graph's order."""
    graph, _config_, particles, weights = _belief(state)
    p = np.einsum("n,nk->k", weights, particles)
    return {slug: float(p[i]) for i, (slug, _area, _prereqs) in enumerate(graph)}


def questions_asked(state: Mapping[str, Any]) -> int:
    return len(state["responses"])


def is_confident(state: Mapping[str, Any]) -> bool:
    """Every topic's P(mastered) is at least `confidence` on one side."""
    config = _config(state)
    return all(max(p, 1.0 - p) >= config.confidence for p in estimates(state).values())


def next_question(state: Mapping[str, Any]) -> str | None:
    """The topic to ask next, or None when the diagnostic is over (confident or at its length).

    The choice minimises the expected misclassification over all topics after the answer,
    sum_k min(p_k, 1 - p_k); ties go to the earlier topic in the graph's order."""
    graph, config, particles, weights = _belief(state)
    if questions_asked(state) >= config.max_questions:
        return None
    p = np.einsum("n,nk->k", weights, particles)
    if np.all(np.maximum(p, 1.0 - p) >= config.confidence):
        return None
    p_right = particles * (1.0 - config.slip) + (1.0 - particles) * config.guess
    weighted_right = weights[:, None] * p_right  # particle × question
    weighted_wrong = weights[:, None] - weighted_right
    mass_right = weighted_right.sum(axis=0)  # P(right answer) per question
    mass_wrong = 1.0 - mass_right
    # einsum, not BLAS: a multithreaded BLAS call of this size loses badly on a busy machine.
    known_right = np.einsum("nq,nk->qk", weighted_right, particles)  # P(right, k known)
    known_wrong = np.einsum("nq,nk->qk", weighted_wrong, particles)
    # Expected misclassification = sum over outcomes of P(outcome) * sum_k min(p_k, 1 - p_k | outcome)
    # = sum over outcomes of sum_k min(P(outcome, k known), P(outcome) - P(outcome, k known)).
    expected_error = np.minimum(known_right, mass_right[:, None] - known_right).sum(axis=1)
    expected_error += np.minimum(known_wrong, mass_wrong[:, None] - known_wrong).sum(axis=1)
    askable = set(state.get("askable", [slug for slug, _area, _prereqs in graph]))
    candidates = [i for i, (slug, _area, _prereqs) in enumerate(graph) if slug in askable]
    if not candidates:
        return None
    return graph[min(candidates, key=lambda i: (float(expected_error[i]), i))][0]


def record_response(state: Mapping[str, Any], topic: str, correct: bool) -> dict[str, Any]:
    """The state after an answer on `topic` (right or wrong); the state given is not changed."""
    if topic not in {slug for slug, _area, _prereqs in _graph(state)}:
        raise KeyError(topic)
    return {**state, "responses": [*state["responses"], [topic, bool(correct)]]}


def mastered_topics(state: Mapping[str, Any]) -> list[str]:
    """Topics classified as mastered (P(mastered) at or above the config's `mastered_at`)."""
    config = _config(state)
    return [slug for slug, p in estimates(state).items() if p >= config.mastered_at]


# Simulation: students with known profiles, ours against a fixed form.


@dataclass(frozen=True)
class SimulatedStudents:
    """Ground truth for simulated students: who knows what, and how each one answers."""

    known: npt.NDArray[np.bool_]  # student × topic
    guess: npt.NDArray[np.float64]  # per student
    slip: npt.NDArray[np.float64]


def simulate_students(graph: TopicGraph, *, students: int, seed: int) -> SimulatedStudents:
    """Students whose mastery mostly follows the prerequisites (a 5% leak: a topic known without
    all of its prerequisites), from a prior of the same family as the diagnostic's but with other
    values (wider ability spread, steeper depth effect, less leak), with their own guess
    (0.1–0.3) and slip (0.05–0.15), where the diagnostic assumes 0.2 and 0.1 for everyone."""
    rng = np.random.default_rng(seed)
    known = sample_profiles(
        _graph_of(graph),
        rng,
        students,
        base=3.0,
        ability_spread=3.5,
        area_spread=1.5,
        depth_penalty=1.1,
        leak=0.05,
    )
    return SimulatedStudents(
        known=known,
        guess=rng.uniform(0.1, 0.3, students),
        slip=rng.uniform(0.05, 0.15, students),
    )


@dataclass(frozen=True)
class FormResult:
    """How one way of testing did over the simulated students."""

    name: str
    questions_mean: float
    questions_p90: float
    accuracy: float  # share of (student, topic) classified right
    students_all_right: float  # share of students with every topic classified right

    def to_dict(self) -> dict[str, float | str]:
        return {
            "questions_mean": round(self.questions_mean, 2),
            "questions_p90": round(self.questions_p90, 2),
            "accuracy": round(self.accuracy, 4),
            "students_all_right": round(self.students_all_right, 4),
        }


def _form_result(name: str, asked: Sequence[int], verdicts: Sequence[Sequence[bool]]) -> FormResult:
    right = np.array(verdicts, dtype=bool)
    return FormResult(
        name=name,
        questions_mean=float(np.mean(asked)),
        questions_p90=float(np.percentile(asked, 90)),
        accuracy=float(right.mean()),
        students_all_right=float(right.all(axis=1).mean()),
    )


def compare_with_fixed_form(
    graph: TopicGraph,
    *,
    students: int = 200,
    seed: int = 0,
    config: DiagnosticConfig | None = None,
) -> dict[str, FormResult]:
    """Ours against a fixed form (one question per topic, mastered when answered right) and the
    same fixed form read through our model, on the same simulated students and answer draws."""
    truth = simulate_students(graph, students=students, seed=seed)
    slugs = graph.slugs
    answers_rng = np.random.default_rng(seed + 1)
    # One pre-drawn uniform per (student, topic, repeat) so every form meets the same luck.
    settings = config or DiagnosticConfig()
    draws = answers_rng.random((students, len(slugs), settings.max_questions + 1))

    def answer(student: int, topic: int, repeat: int) -> bool:
        knows = truth.known[student, topic]
        p_right = 1.0 - truth.slip[student] if knows else truth.guess[student]
        return bool(draws[student, topic, repeat] < p_right)

    ours_asked, ours_right = [], []
    fixed_right, fixed_model_right = [], []
    for student in range(students):
        state = start_diagnostic(graph, settings)
        times: dict[str, int] = {}
        while (topic := next_question(state)) is not None:
            repeat = times.get(topic, 0)
            times[topic] = repeat + 1
            state = record_response(state, topic, answer(student, slugs.index(topic), repeat))
        ours_asked.append(questions_asked(state))
        final = estimates(state)
        ours_right.append(
            [
                (final[s] >= settings.mastered_at) == truth.known[student, i]
                for i, s in enumerate(slugs)
            ]
        )

        fixed = [answer(student, i, 0) for i in range(len(slugs))]
        fixed_right.append([fixed[i] == truth.known[student, i] for i in range(len(slugs))])
        read = start_diagnostic(graph, settings)
        read = {**read, "responses": [[s, fixed[i]] for i, s in enumerate(slugs)]}
        through_model = estimates(read)
        fixed_model_right.append(
            [
                (through_model[s] >= settings.mastered_at) == truth.known[student, i]
                for i, s in enumerate(slugs)
            ]
        )
    fixed_asked = [len(slugs)] * students
    return {
        "ours": _form_result("ours", ours_asked, ours_right),
        "fixed-form": _form_result("fixed-form", fixed_asked, fixed_right),
        "fixed-form-through-model": _form_result(
            "fixed-form-through-model", fixed_asked, fixed_model_right
        ),
    }


def format_comparison(results: Mapping[str, FormResult], *, students: int, seed: int) -> str:
    lines = [
        f"diagnostic: {students} simulated students, seed {seed}",
        f"{'form':<26}{'asked mean':>11}{'asked p90':>10}{'accuracy':>10}{'all right':>10}",
    ]
    for r in results.values():
        lines.append(
            f"{r.name:<26}{r.questions_mean:>11.2f}{r.questions_p90:>10.1f}"
            f"{r.accuracy:>10.4f}{r.students_all_right:>10.3f}"
        )
    return "\n".join(lines)
