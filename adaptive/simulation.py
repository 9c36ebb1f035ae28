"""Simulated learners with a known ground truth, to compare next-problem policies.

Ground truth per learner (all drawn per learner, so learners differ):
- each topic is known or not; some learners start knowing a prefix of the graph (a set closed
  under prerequisites), others nothing;
- practising an unknown topic teaches it with the learner's learning rate, five times slower while
  any prerequisite is unknown;
- answers are noisy: an unknown topic is guessed right, a known one slipped, with chances that
  depend on the item (hard items are hard to guess and easier to slip on);
- learners practise in sessions separated by days; between sessions a known topic is forgotten
  with chance 1 − exp(−gap / stability); practice while known makes memory more stable.

A run ends when every topic is known at the same moment, or at the cap. Policies never see the
ground truth, only the answers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np

from adaptive.bkt import BKTParams
from adaptive.model import (
    DEFAULT_MODEL,
    TemplateInfo,
    initial_state,
    record_answer,
)
from adaptive.policy import PolicyConfig, choose_next
from content.topics import TopicGraph

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SimulationConfig:
    learners: int = 200
    seed: int = 0
    cap: int = 3000  # problems per learner before giving up
    session_length: int = 15
    fixed_per_topic: int = 5  # the fixed curriculum's problems per topic and pass
    bkt_threshold: float = 0.95


@dataclass(frozen=True)
class LearnerTruth:
    learn_rate: float
    guess: float
    slip: float
    stability_days: float
    known_at_start: frozenset[str]


def synthetic_templates(graph: TopicGraph, *, seed: int) -> tuple[TemplateInfo, ...]:
    """Two to four templates per topic with author difficulties 1–5."""
    rng = np.random.default_rng(seed)
    out: list[TemplateInfo] = []
    for topic in graph.topics:
        count = int(rng.integers(2, 5))
        for i in range(count):
            out.append(
                TemplateInfo(
                    id=f"{topic.slug}/t{i + 1}",
                    topic=topic.slug,
                    difficulty=int(rng.integers(1, 6)),
                )
            )
    return tuple(out)


def draw_learner(graph: TopicGraph, rng: np.random.Generator) -> LearnerTruth:
    learn = float(np.clip(rng.lognormal(math.log(0.2), 0.7), 0.05, 0.8))
    prior_share = float(rng.choice([0.0, 0.0, 0.2, 0.4, 0.6]))
    known: set[str] = set()
    for topic in graph.topics:
        if all(p in known for p in topic.prerequisites) and rng.random() < prior_share:
            known.add(topic.slug)
    return LearnerTruth(
        learn_rate=learn,
        guess=float(rng.uniform(0.08, 0.3)),
        slip=float(rng.uniform(0.03, 0.15)),
        stability_days=float(rng.uniform(20.0, 80.0)),
        known_at_start=frozenset(known),
    )


class Policy(Protocol):
    name: str

    def choose(self, now: datetime) -> TemplateInfo: ...

    def observe(self, template: TemplateInfo, correct: bool, now: datetime) -> None: ...

    def declared_mastered(self) -> set[str]: ...


@dataclass
class _Base:
    graph: TopicGraph
    templates: Sequence[TemplateInfo]
    rng: np.random.Generator
    by_topic: dict[str, list[TemplateInfo]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_topic = {}
        for t in self.templates:
            self.by_topic.setdefault(t.topic, []).append(t)

    def random_template(self, topic: str) -> TemplateInfo:
        options = self.by_topic[topic]
        return options[int(self.rng.integers(len(options)))]

    def declared_mastered(self) -> set[str]:
        return set()


class RandomPolicy(_Base):
    name = "random"

    def choose(self, now: datetime) -> TemplateInfo:
        return self.templates[int(self.rng.integers(len(self.templates)))]

    def observe(self, template: TemplateInfo, correct: bool, now: datetime) -> None:
        return None


@dataclass
class FixedCurriculumPolicy(_Base):
    """Topological order, a fixed number of problems per topic, then round again."""

    per_topic: int = 5
    name: str = "fixed-curriculum"
    position: int = 0
    done: set[str] = field(default_factory=set)

    def choose(self, now: datetime) -> TemplateInfo:
        slug = self.graph.topics[(self.position // self.per_topic) % len(self.graph)].slug
        return self.random_template(slug)

    def observe(self, template: TemplateInfo, correct: bool, now: datetime) -> None:
        self.position += 1
        if self.position % self.per_topic == 0:
            self.done.add(template.topic)

    def declared_mastered(self) -> set[str]:
        return set(self.done)


@dataclass
class BKTMasteryPolicy(_Base):
    """Mastery learning: BKT with population parameters, mastery at 0.95, prerequisites gate,
    the lowest-mastery unlocked topic first."""

    threshold: float = 0.95
    params: BKTParams = field(
        default_factory=lambda: BKTParams(
            prior=DEFAULT_MODEL.new_topic_prior,
            learn=DEFAULT_MODEL.learn,
            guess=DEFAULT_MODEL.base_guess,
            slip=DEFAULT_MODEL.base_slip,
        )
    )
    name: str = "bkt-mastery"
    known: dict[str, float] = field(default_factory=dict)

    def mastery(self, slug: str) -> float:
        return self.known.get(slug, self.params.prior)

    def choose(self, now: datetime) -> TemplateInfo:
        unlocked = [
            t.slug
            for t in self.graph.topics
            if all(self.mastery(p) >= self.threshold for p in t.prerequisites)
        ]
        slug = min(unlocked, key=self.mastery)
        return self.random_template(slug)

    def observe(self, template: TemplateInfo, correct: bool, now: datetime) -> None:
        self.known[template.topic] = self.params.update(
            self.mastery(template.topic), 1.0 if correct else 0.0
        )

    def declared_mastered(self) -> set[str]:
        return {s for s, p in self.known.items() if p >= self.threshold}


@dataclass
class AdaptivePolicy(_Base):
    """The platform's own learner model and policy, through the public functions only."""

    config: PolicyConfig = field(default_factory=PolicyConfig)
    name: str = "ours"
    state: dict[str, Any] = field(default_factory=initial_state)
    items: dict[str, Any] = field(default_factory=dict)

    def choose(self, now: datetime) -> TemplateInfo:
        choice = choose_next(
            self.state,
            self.items,
            graph=self.graph,
            templates=self.templates,
            now=now,
            config=self.config,
            rng=self.rng,
        )
        return next(t for t in self.by_topic[choice.topic] if t.id == choice.template_id)

    def observe(self, template: TemplateInfo, correct: bool, now: datetime) -> None:
        self.state, item = record_answer(
            self.state,
            self.items.get(template.id, {}),
            topic=template.topic,
            template_id=template.id,
            score=1.0 if correct else 0.0,
            hints_used=0,
            at=now,
            template_difficulty=template.difficulty,
            config=self.config.model,
        )
        self.items[template.id] = item

    def declared_mastered(self) -> set[str]:
        return {s for s, t in self.state["topics"].items() if t["mastered"]}


@dataclass(frozen=True)
class LearnerRun:
    problems: int
    reached: bool
    declared: int
    declared_true: int
    over_practice: int


def run_learner(
    policy: Policy,
    truth: LearnerTruth,
    graph: TopicGraph,
    rng: np.random.Generator,
    config: SimulationConfig,
) -> LearnerRun:
    """Serve problems from `policy` to one simulated learner until everything is known or the cap.

    The chance draws come from per-topic streams drawn up front, so every policy meets the same
    luck (common random numbers): the n-th practice of a topic has the same learning draw, the
    n-th answer the same noise, the n-th session gap the same length, whatever the policy.
    """
    slugs = [t.slug for t in graph.topics]
    index = {slug: i for i, slug in enumerate(slugs)}
    n_sessions = config.cap // config.session_length + 1
    learn_draws = rng.random((len(slugs), config.cap))
    answer_draws = rng.random((len(slugs), config.cap))
    forget_draws = rng.random((len(slugs), n_sessions))
    gaps = rng.choice([1.0, 1.0, 1.0, 2.0, 3.0, 7.0], size=n_sessions)
    practised = [0] * len(slugs)

    known = set(truth.known_at_start)
    stability = {slug: truth.stability_days for slug in known}
    prerequisites = {t.slug: t.prerequisites for t in graph.topics}
    declared_before = policy.declared_mastered()
    declared = declared_true = over = 0
    now = START
    for problem in range(config.cap):
        if len(known) == len(slugs):
            return LearnerRun(problem, True, declared, declared_true, over)
        if problem and problem % config.session_length == 0:
            session = problem // config.session_length
            gap = float(gaps[session])
            now += timedelta(days=gap)
            for slug in list(known):
                if forget_draws[index[slug], session] < 1.0 - math.exp(-gap / stability[slug]):
                    known.discard(slug)
        else:
            now += timedelta(minutes=2)
        template = policy.choose(now)
        slug = template.topic
        k = index[slug]
        draw = practised[k]
        practised[k] += 1
        step = template.difficulty - 1
        if slug in known:
            over += 1
            correct = bool(answer_draws[k, draw] >= truth.slip * (0.5 + 0.25 * step))
            stability[slug] = min(365.0, stability[slug] * 2.0)
        else:
            correct = bool(answer_draws[k, draw] < truth.guess * (1.5 - 0.25 * step))
            ready = all(p in known for p in prerequisites[slug])
            if learn_draws[k, draw] < truth.learn_rate * (1.0 if ready else 0.2):
                known.add(slug)
                stability[slug] = truth.stability_days
        policy.observe(template, correct, now)
        declared_now = policy.declared_mastered()
        for new in declared_now - declared_before:
            declared += 1
            declared_true += new in known
        declared_before = declared_now
    return LearnerRun(config.cap, len(known) == len(slugs), declared, declared_true, over)


@dataclass(frozen=True)
class PolicySummary:
    mean_problems: float
    p90_problems: float
    cap_hits: int
    mastery_precision: float | None
    over_practice: float  # share of all problems served on topics already known
    over_practice_per_learner: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean_problems_to_mastery": round(self.mean_problems, 1),
            "p90_problems_to_mastery": round(self.p90_problems, 1),
            "cap_hits": self.cap_hits,
            "mastery_precision": None
            if self.mastery_precision is None
            else round(self.mastery_precision, 4),
            "over_practice_share": round(self.over_practice, 4),
            "over_practice_per_learner": round(self.over_practice_per_learner, 1),
            "seconds": round(self.seconds, 2),
        }


PolicyFactory = Callable[[TopicGraph, Sequence[TemplateInfo], np.random.Generator], Policy]


def policy_factories(
    config: SimulationConfig, policy_config: PolicyConfig | None = None
) -> dict[str, PolicyFactory]:
    """One factory per policy. Ours shares item difficulties across all learners of a run, as the
    platform does across students."""
    shared_items: dict[str, Any] = {}
    ours_config = policy_config or PolicyConfig()
    return {
        "random": lambda g, t, r: RandomPolicy(g, t, r),
        "fixed-curriculum": lambda g, t, r: FixedCurriculumPolicy(
            g, t, r, per_topic=config.fixed_per_topic
        ),
        "bkt-mastery": lambda g, t, r: BKTMasteryPolicy(g, t, r, threshold=config.bkt_threshold),
        "ours": lambda g, t, r: AdaptivePolicy(g, t, r, config=ours_config, items=shared_items),
    }


def simulate(
    graph: TopicGraph,
    config: SimulationConfig,
    *,
    templates: Sequence[TemplateInfo] | None = None,
    policies: Sequence[str] | None = None,
    policy_config: PolicyConfig | None = None,
) -> dict[str, PolicySummary]:
    """Run every policy on the same simulated learners; deterministic in `config.seed`."""
    items = (
        tuple(templates) if templates is not None else synthetic_templates(graph, seed=config.seed)
    )
    factories = policy_factories(config, policy_config)
    names = list(policies) if policies is not None else list(factories)
    learners = [
        draw_learner(graph, np.random.default_rng([config.seed, i])) for i in range(config.learners)
    ]
    out: dict[str, PolicySummary] = {}
    for name in names:
        start = time.perf_counter()
        runs = []
        for i, truth in enumerate(learners):
            policy_rng = np.random.default_rng([config.seed, i, 1])
            world_rng = np.random.default_rng([config.seed, i, 2])
            policy = factories[name](graph, items, policy_rng)
            runs.append(run_learner(policy, truth, graph, world_rng, config))
        problems = np.array([r.problems for r in runs], dtype=np.float64)
        declared = sum(r.declared for r in runs)
        total = float(problems.sum())
        over = sum(r.over_practice for r in runs)
        out[name] = PolicySummary(
            mean_problems=float(problems.mean()),
            p90_problems=float(np.percentile(problems, 90)),
            cap_hits=sum(not r.reached for r in runs),
            mastery_precision=(sum(r.declared_true for r in runs) / declared) if declared else None,
            over_practice=over / total if total else 0.0,
            over_practice_per_learner=over / len(runs),
            seconds=time.perf_counter() - start,
        )
    return out


def format_summary(results: dict[str, PolicySummary], config: SimulationConfig) -> str:
    lines = [
        f"{config.learners} simulated learners, seed {config.seed}, cap {config.cap} problems",
        f"{'policy':<18}{'mean':>8}{'p90':>8}{'capped':>8}{'precision':>11}{'over-practice':>15}",
    ]
    for name, s in results.items():
        precision = "—" if s.mastery_precision is None else f"{s.mastery_precision:.3f}"
        lines.append(
            f"{name:<18}{s.mean_problems:>8.1f}{s.p90_problems:>8.1f}{s.cap_hits:>8}"
            f"{precision:>11}{s.over_practice:>14.1%}"
        )
    return "\n".join(lines)
