"""Grading benchmark: our grader against the naive SymPy baseline on the same labelled answers.

    .venv/bin/python bench/grading.py [--corpus bench/corpus/grading.jsonl] [--cap 2]

The baseline is what a first attempt usually looks like: ``parse_expr`` with implicit
multiplication on both texts, then ``simplify(a - b) == 0``. It runs in the same bounded pool as
our grader with a per-case CPU cap; a cap hit counts as a wrong verdict. Prints, for both engines,
right/total, p50 and p99 milliseconds per answer, answers per second, and the ratio of total time;
then runs the hostile corpus through ``grade`` and prints the slowest wall time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402
from sympy.parsing.sympy_parser import (  # noqa: E402, TID251 - the naive baseline being measured parses bench-corpus text with SymPy on purpose
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from grading import clear_cache, grade  # noqa: E402
from grading.sandbox import BoundedMemoryError, BoundedTimeout, get_pool, run_bounded  # noqa: E402

_TRANSFORMATIONS = (*standard_transformations, implicit_multiplication_application, convert_xor)
WARM_UP = [
    ("expression", "x^2 + 1", "1 + x^2", {"variables": ["x"]}),
    ("expression", "sin(t)*cos(t)", "sin(2t)/2", {"variables": ["t"]}),
    ("number", "1/3", "0.3333", {"rtol": 0.01}),
    ("matrix", "[[1, 0], [0, 1]]", "[[1, 0], [0, 1]]", {}),
    ("set", "{5, 6}", "{6, 5}", {}),
    ("equation", "q = 3p", "q - 3p = 0", {"variables": ["p", "q"]}),
    ("choice", "A", "a", {"choices": ["A", "B"]}),
]


def _naive_read(text: str) -> Any:
    value = parse_expr(text, transformations=_TRANSFORMATIONS)  # noqa: TID251 - the baseline under test
    if isinstance(value, (list, tuple)):
        return sympy.Matrix(value)
    return value


def naive_equal(expected: str, answer: str) -> bool:
    """The baseline: parse both with SymPy and simplify the difference."""
    try:
        difference = _naive_read(expected) - _naive_read(answer)
        if isinstance(difference, sympy.MatrixBase):
            return all(sympy.simplify(entry) == 0 for entry in difference)
        return bool(sympy.simplify(difference) == 0)
    except Exception:
        return False


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _row(name: str, right: int, total: int, times_ms: list[float]) -> str:
    total_s = sum(times_ms) / 1000
    rate = len(times_ms) / total_s if total_s else 0.0
    return (
        f"{name:<22} {right:>4}/{total:<4} {statistics.median(times_ms):>9.2f} "
        f"{_percentile(times_ms, 0.99):>9.2f} {rate:>10.1f} {total_s:>9.2f}"
    )


def run(corpus: Path, hostile: Path, cap: float) -> None:
    cases = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    get_pool().warm()
    for kind, expected, answer, options in WARM_UP:
        grade(kind, expected, answer, options)
        naive_equal(expected, answer)
    clear_cache()

    ours_ms: list[float] = []
    ours_right = 0
    ours_expression_ms: list[float] = []
    mismatches: list[str] = []
    for case in cases:
        started = time.perf_counter()
        verdict = grade(case["kind"], case["expected"], case["answer"], case.get("options"))
        elapsed = (time.perf_counter() - started) * 1000
        ours_ms.append(elapsed)
        if case["kind"] == "expression":
            ours_expression_ms.append(elapsed)
        if verdict.status == "graded" and verdict.correct == case["correct"]:
            ours_right += 1
        else:
            mismatches.append(
                f"  {case['id']} {case['kind']}: {case['expected']!r} vs {case['answer']!r} -> "
                f"{verdict.status} {verdict.correct} ({verdict.message[:60]})"
            )

    naive_ms: list[float] = []
    naive_right = 0
    naive_capped = 0
    for case in cases:
        started = time.perf_counter()
        try:
            verdict_naive = run_bounded(
                naive_equal, case["expected"], case["answer"], cpu_seconds=cap
            )
        except (BoundedTimeout, BoundedMemoryError):
            verdict_naive = None
            naive_capped += 1
        naive_ms.append((time.perf_counter() - started) * 1000)
        if verdict_naive is not None and verdict_naive == case["correct"]:
            naive_right += 1

    header = (
        f"{'engine':<22} {'right':>9} {'p50 ms':>9} {'p99 ms':>9} {'answers/s':>10} {'total s':>9}"
    )
    print(f"corpus: {corpus.name}, {len(cases)} labelled answers, baseline cap {cap:g} s CPU")
    print(header)
    print("-" * len(header))
    print(_row("grading.grade", ours_right, len(cases), ours_ms))
    print(_row("naive simplify", naive_right, len(cases), naive_ms))
    expression_count = len(ours_expression_ms)
    print(
        f"{'  expressions only':<22} {'':>9} {statistics.median(ours_expression_ms):>9.2f} "
        f"{_percentile(ours_expression_ms, 0.99):>9.2f}   ({expression_count} answers, ours)"
    )
    print(
        f"time ratio ours/baseline: {sum(ours_ms) / sum(naive_ms):.4f}   baseline cap hits: {naive_capped}"
    )
    if mismatches:
        print("our verdicts that disagree with the labels:")
        print("\n".join(mismatches))

    hostile_cases = [json.loads(line) for line in hostile.read_text().splitlines() if line.strip()]
    worst = 0.0
    escaped: list[str] = []
    for case in hostile_cases:
        started = time.perf_counter()
        verdict = grade(case["kind"], case["expected"], case["answer"], case.get("options"))
        wall = (time.perf_counter() - started) * 1000
        worst = max(worst, wall)
        if verdict.status not in ("invalid", "timeout"):
            escaped.append(f"  {case['id']}: {case['answer'][:40]!r} -> {verdict.status}")
    print(
        f"hostile: {len(hostile_cases)} inputs, {len(hostile_cases) - len(escaped)} invalid/timeout, "
        f"max wall {worst:.1f} ms"
    )
    if escaped:
        print("hostile inputs that were graded:")
        print("\n".join(escaped))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench/corpus/grading.jsonl")
    parser.add_argument("--hostile", type=Path, default=ROOT / "bench/corpus/hostile.jsonl")
    parser.add_argument("--cap", type=float, default=2.0, help="baseline CPU seconds per case")
    arguments = parser.parse_args()
    run(arguments.corpus, arguments.hostile, arguments.cap)


if __name__ == "__main__":
    main()
