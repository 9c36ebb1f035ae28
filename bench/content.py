"""Time variant generation per template: p50 and p90 ms per variant, slowest templates first.

    .venv/bin/python bench/content.py [--seeds 40] [--validate 20] [--clock cpu|wall]

Each template is generated for seeds 1..N after one warm-up seed (so imports and first-call costs
are not counted). "p50" is the steady state a server sees, with the engine's caches of parsed
text and printed values filling as seeds go by; "cold p50" empties those caches before every
variant, the cost of a parameter combination never seen before. The baseline, measured in the same run, is one template-level parse of a small
expression: the ratio column says how many such parses a variant costs, which stays comparable
across machines. Times are this process's CPU time by default (`--clock cpu`), which a busy
shared machine disturbs far less than wall-clock time (`--clock wall`); generation is single-threaded
and does no I/O, so the two agree on an idle machine. `--validate N` also times the whole-bank
validation at N seeds (wall-clock).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sympy  # noqa: E402

from content import engine, render  # noqa: E402
from content.engine import generate  # noqa: E402
from content.loader import load_bank  # noqa: E402
from content.validate import validate_bank  # noqa: E402
from grading import parse  # noqa: E402
from grading import parser as grading_parser  # noqa: E402

TYPICAL_TARGET_MS = 2.0


def baseline_ms(clock: Callable[[], float], repeats: int = 200) -> float:
    names = {"a": sympy.Integer(3), "s": sympy.Integer(2), "k": sympy.Integer(5)}
    timings = []
    for _ in range(repeats):
        # A first reading each time: remembered tokens would make the yardstick itself shrink.
        grading_parser.clear_template_caches()
        start = clock()
        parse("(a - 1)*s + k", level="template", names=names)
        timings.append((clock() - start) * 1000)
    return statistics.median(timings)


def clear_caches() -> None:
    engine.parse_bound.cache_clear()
    engine._remembered_text.cache_clear()
    render._expression_latex.cache_clear()
    grading_parser.clear_template_caches()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--validate", type=int, default=0, metavar="N")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    bank = load_bank()
    base = baseline_ms(clock)
    rows = []
    for template in bank.templates:
        generate(template, 0)
        timings = []
        for seed in range(1, args.seeds + 1):
            start = clock()
            generate(template, seed)
            timings.append((clock() - start) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p90 = timings[int(0.9 * (len(timings) - 1))]
        cold = []
        for seed in range(1, min(args.seeds, 10) + 1):
            clear_caches()
            start = clock()
            generate(template, seed)
            cold.append((clock() - start) * 1000)
        rows.append((template.id, p50, p90, statistics.median(cold)))
    rows.sort(key=lambda row: row[1], reverse=True)

    width = max(len(row[0]) for row in rows)
    print(f"clock: {args.clock} time")
    print(f"baseline: one template-level parse = {base:.3f} ms (median of 200)")
    print(
        f"{'template':<{width}}  {'p50 ms':>8}  {'p90 ms':>8}  {'cold p50':>8}  {'p50/baseline':>12}"
    )
    for name, p50, p90, cold in rows:
        print(f"{name:<{width}}  {p50:8.2f}  {p90:8.2f}  {cold:8.2f}  {p50 / base:12.1f}")
    p50s = [row[1] for row in rows]
    colds = [row[3] for row in rows]
    within = sum(1 for p in p50s if p <= TYPICAL_TARGET_MS)
    print()
    print(
        f"{len(rows)} templates, {args.seeds} seeds each: median p50 {statistics.median(p50s):.2f} ms "
        f"({statistics.median(p50s) / base:.1f}× baseline); {within}/{len(rows)} at or under "
        f"{TYPICAL_TARGET_MS:g} ms"
    )
    print(
        f"cold: median p50 {statistics.median(colds):.2f} ms; "
        f"{sum(1 for c in colds if c <= TYPICAL_TARGET_MS)}/{len(rows)} at or under "
        f"{TYPICAL_TARGET_MS:g} ms"
    )
    print("slowest: " + ", ".join(f"{name} ({p50:.1f} ms)" for name, p50, _, _ in rows[:5]))

    if args.validate:
        start = time.perf_counter()
        report = validate_bank(args.validate, coverage=False)
        elapsed = time.perf_counter() - start
        print(
            f"validate --seeds {args.validate}: {len(report.results)} templates in {elapsed:.1f} s "
            f"({elapsed / max(1, len(report.results)) * 1000:.0f} ms per template), "
            + ("all passed" if report.ok else f"{len(report.failures)} failure(s)")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
