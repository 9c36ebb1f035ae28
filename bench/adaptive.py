"""Time the next-problem choice and the learner-model update: p50/p95 ms per call.

    .venv/bin/python bench/adaptive.py [--topics 100] [--calls 300]

A synthetic graph of N topics (each after one or two earlier ones) with three templates each; a
learner state built by recording 10, 1,000 or 10,000 answers. The choice reads only per-topic
aggregates, so its cost must not grow with the number of past answers: the ratio column compares
each case with the 10-answer one measured in the same run (a learner with 1,000 answers has met
every topic, one with 10 only a few, so that first step reflects topics met, not history; from
1,000 to 10,000 answers the cost must stay flat). The baseline row is the cheapest sensible policy,
a uniformly random template, timed the same way on the same machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from adaptive import PolicyConfig, TemplateInfo, choose_next, initial_state  # noqa: E402
from adaptive.model import record_answer  # noqa: E402
from content.topics import Topic, TopicGraph  # noqa: E402

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def synthetic_graph(n: int, rng: np.random.Generator) -> TopicGraph:
    topics = []
    for i in range(n):
        prerequisites: tuple[str, ...] = ()
        if i >= 2:
            picks = rng.choice(i, size=min(i, int(rng.integers(1, 3))), replace=False)
            prerequisites = tuple(f"t{j:03d}" for j in sorted(picks))
        topics.append(Topic(f"t{i:03d}", f"Topic {i}", "calculus", "", prerequisites))
    return TopicGraph(topics=tuple(topics))


def build_state(
    graph: TopicGraph, templates: tuple[TemplateInfo, ...], answers: int, rng: np.random.Generator
) -> tuple[dict, dict, datetime]:
    state, items = initial_state(), {}
    at = START
    for k in range(answers):
        template = templates[int(rng.integers(len(templates)))]
        at += timedelta(minutes=2) if k % 20 else timedelta(days=1)
        state, items[template.id] = record_answer(
            state,
            items.get(template.id, {}),
            topic=template.topic,
            template_id=template.id,
            score=float(rng.random() < 0.7),
            hints_used=0,
            at=at,
            template_difficulty=template.difficulty,
        )
    return state, items, at


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    graph = synthetic_graph(args.topics, rng)
    templates = tuple(
        TemplateInfo(f"{t.slug}/{k}", t.slug, int(rng.integers(1, 6)))
        for t in graph.topics
        for k in range(3)
    )
    config = PolicyConfig()

    random_ms = []
    start = time.perf_counter()
    for _ in range(args.calls):
        t0 = time.perf_counter()
        templates[int(rng.integers(len(templates)))]
        random_ms.append((time.perf_counter() - t0) * 1000)
    random_p50, random_p95 = percentiles(random_ms)
    baseline_choice = None
    results = []
    for answers in (10, 1_000, 10_000):
        state, items, at = build_state(graph, templates, answers, np.random.default_rng(answers))
        choice_ms, update_ms = [], []
        policy_rng = np.random.default_rng(1)
        for k in range(args.calls):
            now = at + timedelta(minutes=2 * (k + 1))
            t0 = time.perf_counter()
            choice = choose_next(
                state,
                items,
                graph=graph,
                templates=templates,
                now=now,
                config=config,
                rng=policy_rng,
            )
            t1 = time.perf_counter()
            record_answer(
                state,
                items.get(choice.template_id, {}),
                topic=choice.topic,
                template_id=choice.template_id,
                score=1.0,
                hints_used=0,
                at=now,
            )
            t2 = time.perf_counter()
            choice_ms.append((t1 - t0) * 1000)
            update_ms.append((t2 - t1) * 1000)
        results.append((answers, percentiles(choice_ms), percentiles(update_ms)))
        baseline_choice = baseline_choice or percentiles(choice_ms)[0]

    print(f"{args.topics} topics, {len(templates)} templates, {args.calls} calls per case")
    print(f"{'case':<34}{'p50 ms':>9}{'p95 ms':>9}{'× 10 answers':>14}")
    print(f"{'baseline: random template':<34}{random_p50:>9.4f}{random_p95:>9.4f}{'':>14}")
    for answers, (c50, c95), (u50, u95) in results:
        ratio = c50 / baseline_choice if baseline_choice else float("nan")
        print(f"{f'choose_next, {answers} answers':<34}{c50:>9.3f}{c95:>9.3f}{ratio:>14.2f}")
        print(f"{f'record_answer, {answers} answers':<34}{u50:>9.3f}{u95:>9.3f}{'':>14}")
    print(f"elapsed {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
