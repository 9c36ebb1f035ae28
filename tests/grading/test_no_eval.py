"""Text becomes math only through grading.parser: no Python file in the repository calls eval,
exec, sympify or parse_expr (or S() on a string) outside an allow-list with a reason each."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", "node_modules", ".git", "__pycache__", ".mypy_cache", ".ruff_cache"}

BANNED = re.compile(r"\b(?:sympify|parse_expr|eval|exec)\s*\(|\bS\(\s*[\"']")

ALLOWED: dict[str, str] = {
    "tests/grading/test_no_eval.py": "defines and exercises the banned patterns",
    "tests/grading/hostile_corpus.py": "hostile inputs spelled as strings; the parser refuses them",
    "tests/grading/test_checkers_api.py": "an injection attempt spelled as answer text; the test "
    "asserts grading refuses it without side effects",
    "tests/security/test_template_authoring.py": "hostile template expressions spelled as "
    "strings; the test asserts the template checker refuses them",
    "bench/grading.py": "the naive sympy baseline the grading benchmark compares against, run on "
    "the benchmark's own fixed corpus",
}


def banned_calls(source: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), start=1) if BANNED.search(line)]


def python_files() -> list[Path]:
    return [
        path
        for path in REPO.rglob("*.py")
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(REPO).parts)
    ]


def test_no_file_turns_text_into_python_or_sympy_outside_the_parser() -> None:
    offenders = []
    for path in python_files():
        relative = path.relative_to(REPO).as_posix()
        if relative in ALLOWED:
            continue
        for line in banned_calls(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(f"{relative}:{line}")
    assert offenders == [], "use grading.parser.parse instead: " + ", ".join(offenders)


def test_the_scan_covers_the_packages() -> None:
    scanned = {path.relative_to(REPO).parts[0] for path in python_files()}
    assert {"grading", "content", "tests"} <= scanned


def test_the_pattern_catches_each_banned_call() -> None:
    for snippet in (
        "eval(text)",
        "exec (code)",
        "sympy.sympify(answer)",
        "parse_expr(s, transformations=t)",
        "S('x + 1')",
        'S("1/3")',
    ):
        assert banned_calls(snippet) == [1], snippet
    for snippet in ("ast.literal_eval(text)", "evaluate(x)", "S(1)/3", "model.evaluated"):
        assert banned_calls(snippet) == [], snippet
