"""Checking the whole bank: every template generates, renders and grades its own answers correctly.

For each template and seeds 0..N-1: the variant generates (under the CPU and memory bound, so a
template that loops or explodes is rejected rather than hung on), nothing is NaN or infinite, the
statement renders, each part's own answer grades correct through `grading.grade`, each listed
mistake grades wrong, and enough variants are distinct. Bank-level: ids are unique, topics exist,
and each topic has templates of at least two difficulties.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from content.engine import Variant, generate
from content.errors import ContentError
from content.loader import load_bank
from content.sampling import space_size
from content.schema import Template
from content.topics import BANK_DIR, TOPICS_FILE, TopicGraph
from grading import BoundedMemoryError, BoundedTimeout, Verdict, grade, run_bounded

# A validation run draws seeds at random, so even a large space shows repeats; the template must
# reach this share of the distinct count expected from uniform draws over its (estimated) space.
DISTINCT_SHARE = 0.7
GENERATION_CPU_SECONDS_PER_SEED = 0.5
GENERATION_CPU_SECONDS_MIN = 10.0
GENERATION_MEMORY_MB = 768
# Below this share of accepted draws, 200 draws per seed run out for some seeds in production.
MIN_ACCEPTANCE = 0.05
_NOT_FINITE = re.compile(r"\b(nan|zoo|oo)\b")


@dataclass(frozen=True)
class Failure:
    template: str
    path: str
    line: int | None
    seed: int | None
    message: str

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        seed = f" (seed {self.seed})" if self.seed is not None else ""
        return f"{where}: {self.message}{seed}"


@dataclass(frozen=True)
class TemplateResult:
    template: str
    path: str
    ok: bool
    variants: int
    distinct: int
    required_distinct: int
    space: int
    acceptance: float
    ms_per_variant: float
    failures: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    seeds: int
    topics: int
    results: tuple[TemplateResult, ...]
    failures: tuple[Failure, ...]
    elapsed_s: float = 0.0
    bank_failures: tuple[Failure, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "templates": len(self.results),
            "topics": self.topics,
            "seeds": self.seeds,
            "ok": self.ok,
            "elapsed_s": round(self.elapsed_s, 3),
            "failures": [asdict(f) for f in self.failures],
            "results": [
                {
                    **asdict(r),
                    "failures": len(r.failures),
                    "ms_per_variant": round(r.ms_per_variant, 3),
                }
                for r in self.results
            ],
        }


@dataclass(frozen=True)
class _Generated:
    variants: tuple[Variant, ...]
    errors: tuple[tuple[int, str, int | None], ...]
    seconds: float


def generate_seeds(template: Template, seeds: int) -> _Generated:
    """Generate seeds 0..seeds-1, collecting each broken seed's error instead of stopping."""
    variants: list[Variant] = []
    errors: list[tuple[int, str, int | None]] = []
    start = time.perf_counter()
    for seed in range(seeds):
        try:
            variants.append(generate(template, seed))
        except ContentError as error:
            errors.append((seed, error.message, error.line))
        except Exception as error:  # one broken template must not stop the run
            errors.append((seed, f"generation failed: {type(error).__name__}: {error}", None))
        if len(errors) >= 3:
            break
    return _Generated(tuple(variants), tuple(errors), time.perf_counter() - start)


def expected_distinct(space: float, draws: int) -> float:
    """How many distinct values `draws` uniform draws from `space` values give on average."""
    if space <= 1:
        return 1.0
    return space * -math.expm1(draws * math.log1p(-1.0 / space))


def distinct_deviation(space: float, draws: int) -> float:
    """The standard deviation of the number of distinct values in `draws` uniform draws."""
    if space <= 2:
        return 0.0
    miss = (1.0 - 1.0 / space) ** draws
    variance = (
        space * (space - 1.0) * (1.0 - 2.0 / space) ** draws + space * miss - (space * miss) ** 2
    )
    return math.sqrt(max(0.0, variance))


def required_distinct(space: float, draws: int) -> int:
    """The fewest distinct variants a template must show in `draws` seeds.

    A share of the mean, loosened to three standard deviations below it when a few draws from a
    modest space make repeats likely by chance alone.
    """
    mean = expected_distinct(space, draws)
    share = math.ceil(DISTINCT_SHARE * mean)
    chance = math.floor(mean - 3.0 * distinct_deviation(space, draws))
    return max(1, min(draws, share, max(chance, 1)))


def validate_template(template: Template, seeds: int) -> TemplateResult:
    """Run every check on one template for seeds 0..seeds-1."""
    path = template.source_path
    failures: list[Failure] = []

    def fail(message: str, line: int | None, seed: int | None) -> None:
        failures.append(Failure(template.id, path, line, seed, message))

    budget = max(GENERATION_CPU_SECONDS_MIN, GENERATION_CPU_SECONDS_PER_SEED * seeds)
    try:
        generated: _Generated = run_bounded(
            generate_seeds, template, seeds, cpu_seconds=budget, memory_mb=GENERATION_MEMORY_MB
        )
    except BoundedTimeout:
        fail(f"generating {seeds} variants took more than {budget:g} s of CPU", 1, None)
        return _result(template, failures, (), 0.0, 1.0)
    except BoundedMemoryError:
        fail(f"generating variants needed more than {GENERATION_MEMORY_MB} MB", 1, None)
        return _result(template, failures, (), 0.0, 1.0)
    for seed, message, line in generated.errors:
        fail(message, line, seed)

    attempts = 0
    for variant in generated.variants:
        attempts += variant.attempts
        _check_variant(template, variant, fail)
    acceptance = len(generated.variants) / attempts if attempts else 0.0
    ms = 1000.0 * generated.seconds / max(1, len(generated.variants) + len(generated.errors))
    result = _result(template, failures, generated.variants, ms, acceptance)
    if not generated.errors and result.distinct < result.required_distinct:
        fail(
            f"only {result.distinct} distinct variants in {seeds} seeds (need {result.required_distinct}); "
            "widen the parameter ranges, and make every parameter show in the statement or the answers",
            template.line_of("id"),
            None,
        )
        result = _result(template, failures, generated.variants, ms, acceptance)
    if generated.variants and acceptance < MIN_ACCEPTANCE:
        constraints = template.constraints
        fail(
            f"the constraints accept only {acceptance:.1%} of draws (need {MIN_ACCEPTANCE:.0%}); "
            "some seeds will run out of draws: build the property into a parameter kind or "
            "widen the ranges",
            constraints[0].line if constraints else template.line_of("id"),
            None,
        )
        result = _result(template, failures, generated.variants, ms, acceptance)
    return result


def _result(
    template: Template,
    failures: Sequence[Failure],
    variants: Sequence[Variant],
    ms: float,
    acceptance: float,
) -> TemplateResult:
    space = space_size(template.parameters)
    # Distinct as a student sees it: two variants differing only in a value the problem never
    # shows are the same problem.
    distinct = len({_problem_text(v) for v in variants})
    required = 0
    if variants:
        effective = max(1.0, space * min(1.0, acceptance))
        required = required_distinct(effective, len(variants))
    return TemplateResult(
        template=template.id,
        path=template.source_path,
        ok=not failures,
        variants=len(variants),
        distinct=distinct,
        required_distinct=required,
        space=space,
        acceptance=acceptance,
        ms_per_variant=ms,
        failures=tuple(failures),
    )


def _grade(kind: str, expected: str, answer: str, options: Mapping[str, Any]) -> Verdict:
    try:
        return grade(kind, expected, answer, options)
    except Exception as error:  # malformed options are reported, not raised
        return Verdict(status="invalid", message=f"{type(error).__name__}: {error}")


def _problem_text(variant: Variant) -> tuple[str, ...]:
    return (variant.statement_html, *(p.prompt_html + "\n" + p.answer for p in variant.parts))


def _check_variant(template: Template, variant: Variant, fail: Any) -> None:
    seed = variant.seed
    if not variant.statement_html.strip():
        fail("the statement renders empty", template.line_of("statement"), seed)
    for spec, part in zip(template.parts, variant.parts, strict=True):
        for text in (part.answer, *(m["answer"] for m in part.options.get("mistakes", []))):
            if _NOT_FINITE.search(text):
                fail(f"part `{part.key}`: a value is not finite ({text})", spec.answer_line, seed)
        verdict = _grade(part.kind, part.answer, part.answer, part.options)
        if verdict.status != "graded" or not verdict.correct:
            fail(
                f"part `{part.key}`: the answer `{part.answer}` does not grade correct against itself "
                f"(verdict: {verdict.status}, {verdict.message})",
                spec.answer_line or spec.line,
                seed,
            )
        mistakes = [m for m in template.mistakes if m.part == part.key]
        for mistake, wrong in zip(mistakes, part.options.get("mistakes", []), strict=True):
            verdict = _grade(part.kind, part.answer, wrong["answer"], part.options)
            if verdict.correct:
                fail(
                    f"part `{part.key}`: the listed mistake `{mistake.answer}` (= `{wrong['answer']}`) "
                    "grades correct; tighten the constraints or change the mistake",
                    mistake.line,
                    seed,
                )
            elif verdict.status != "graded":
                fail(
                    f"part `{part.key}`: the listed mistake `{mistake.answer}` cannot be graded "
                    f"({verdict.status}: {verdict.message})",
                    mistake.line,
                    seed,
                )


def _coverage_failures(
    templates: Sequence[Template], graph: TopicGraph, topics_file: Path
) -> list[Failure]:
    try:
        lines = topics_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    failures = []
    for topic in graph:
        difficulties = {t.difficulty for t in templates if t.topic == topic.slug}
        if len(difficulties) < 2:
            count = sum(1 for t in templates if t.topic == topic.slug)
            failures.append(
                Failure(
                    template="",
                    path=_display(topics_file),
                    line=next(
                        (
                            n
                            for n, text in enumerate(lines, 1)
                            if f'"{topic.slug}"' in text and text.lstrip().startswith("slug")
                        ),
                        None,
                    ),
                    seed=None,
                    message=f"topic `{topic.slug}` has {count} template(s) over {len(difficulties)} "
                    "difficulty level(s); it needs templates of at least two difficulties",
                )
            )
    return failures


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(BANK_DIR.parent.parent))
    except ValueError:
        return str(file)


def _validate_one(args: tuple[Template, int]) -> TemplateResult:
    return validate_template(*args)


def validate_bank(
    seeds: int = 20,
    *,
    bank_dir: Path | str = BANK_DIR,
    topics_file: Path | str | None = None,
    coverage: bool = True,
    jobs: int | None = None,
) -> ValidationReport:
    """Validate every template of the bank over seeds 0..seeds-1 (see the module docstring)."""
    start = time.perf_counter()
    try:
        bank = load_bank(bank_dir, topics_file=topics_file, strict=False)
    except ContentError as error:
        # Without a topic graph nothing else can be judged: report it alone.
        failure = Failure("", error.path, error.line, None, error.message)
        return ValidationReport(
            seeds=seeds,
            topics=0,
            results=(),
            failures=(failure,),
            elapsed_s=time.perf_counter() - start,
        )
    failures = [Failure("", error.path, error.line, None, error.message) for error in bank.errors]
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if multiprocessing.current_process().daemon:
        # A daemonic process (a Celery prefork child) may not start a process pool.
        workers = 1
    work = [(template, seeds) for template in bank.templates]
    if workers > 1 and len(work) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = tuple(pool.map(_validate_one, work, chunksize=1))
    else:
        results = tuple(_validate_one(item) for item in work)
    for result in results:
        failures.extend(result.failures)
    topics_path = (
        Path(topics_file) if topics_file is not None else Path(bank_dir) / TOPICS_FILE.name
    )
    bank_failures = _coverage_failures(bank.templates, bank.topics, topics_path) if coverage else []
    failures.extend(bank_failures)
    return ValidationReport(
        seeds=seeds,
        topics=len(bank.topics),
        results=results,
        failures=tuple(failures),
        elapsed_s=time.perf_counter() - start,
        bank_failures=tuple(bank_failures),
    )


def format_table(report: ValidationReport) -> str:
    """The human-readable report: one row per template, then every failure with its location."""
    rows = [("template", "ok", "distinct", "accept", "ms/variant")]
    for r in report.results:
        rows.append(
            (
                r.template,
                "ok" if r.ok else "FAIL",
                f"{r.distinct}/{r.variants} (≥{r.required_distinct})",
                f"{r.acceptance:.0%}",
                f"{r.ms_per_variant:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append("")
    lines.append(
        f"{len(report.results)} templates, {report.topics} topics, {report.seeds} seeds each, "
        f"{report.elapsed_s:.1f} s: "
        + ("all checks passed" if report.ok else f"{len(report.failures)} failure(s)")
    )
    lines.extend(str(f) for f in report.failures)
    return "\n".join(lines) + "\n"


def run_validation(
    seeds: int,
    as_json: bool,
    out: TextIO,
    *,
    coverage: bool = True,
    bank_dir: Path | str = BANK_DIR,
) -> int:
    """Validate the bank and print a table (or JSON) to `out`; returns the exit code (1 on failure)."""
    report = validate_bank(seeds, bank_dir=bank_dir, coverage=coverage)
    if as_json:
        out.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        out.write(format_table(report))
    return 0 if report.ok else 1
