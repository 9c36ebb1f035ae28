"""``python -m grading``: ``batch`` grades JSON Lines from stdin; ``check`` grades one answer.

``batch`` reads one JSON object per line, ``{"id", "kind", "expected", "answer", "options"}``, and
writes one result per input line, in order: ``{"id", "status", "correct", "score", "message",
"elapsed_ms", "feedback"}``. A line that is not JSON, lacks a field or names an unknown kind
yields an ``invalid`` result (with its id when one could be read) and the batch goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from grading.api import clear_cache, grade
from grading.checkers import KINDS
from grading.verdict import Verdict, invalid

REQUIRED_FIELDS = ("kind", "expected", "answer")


class _NotText(Exception):
    pass


def _result_line(case_id: Any, verdict: Verdict, elapsed_ms: float) -> str:
    return json.dumps(
        {
            "id": case_id,
            "status": verdict.status,
            "correct": verdict.correct,
            "score": verdict.score,
            "message": verdict.message,
            "elapsed_ms": round(elapsed_ms, 3),
            "feedback": list(verdict.feedback),
            "position": verdict.position,
        },
    )


def grade_line(line: str) -> tuple[Any, Verdict]:
    """Grade one batch line; returns the case id (None when unreadable) and the verdict."""
    try:
        case = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None, invalid("This line is not valid JSON.")
    if not isinstance(case, dict):
        return None, invalid("Each line must be a JSON object.")
    case_id = case.get("id")
    if isinstance(case_id, (dict, list)):
        case_id = None
    missing = [name for name in REQUIRED_FIELDS if name not in case]
    if missing:
        return case_id, invalid(f"Missing field(s): {', '.join(missing)}.")
    kind = case["kind"]
    if kind not in KINDS:
        return case_id, invalid(f"Unknown kind {kind!r}; expected one of {', '.join(KINDS)}.")
    options = case.get("options")
    if options is not None and not isinstance(options, dict):
        return case_id, invalid("'options' must be a JSON object.")
    return case_id, grade(kind, case["expected"], case["answer"], options)


def run_batch(lines: Iterable[str | bytes], output: TextIO) -> int:
    """Grade every line of ``lines`` into ``output``; returns the number of lines graded.

    Lines may be bytes (stdin read raw), so that one line that is not UTF-8 is answered as
    invalid instead of stopping the batch.
    """
    count = 0
    for raw in lines:
        started = time.perf_counter()
        try:
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise _NotText from None
            case_id, verdict = grade_line(raw)
        except _NotText:
            case_id, verdict = None, invalid("This line is not UTF-8 text.")
        except Exception:
            case_id, verdict = None, invalid("This line could not be graded.")
        elapsed_ms = (time.perf_counter() - started) * 1000
        output.write(_result_line(case_id, verdict, elapsed_ms) + "\n")
        output.flush()
        count += 1
    return count


def _human(verdict: Verdict) -> str:
    lines = [f"status:  {verdict.status}"]
    if verdict.status == "graded":
        lines.append(f"correct: {verdict.correct}  score: {verdict.score:g}")
    lines.append(f"message: {verdict.message}")
    lines.extend(f"note:    {note}" for note in verdict.feedback if note != verdict.message)
    if verdict.position is not None:
        lines.append(f"at:      character {verdict.position}")
    if verdict.latex:
        lines.append(f"read as: {verdict.latex}")
    lines.append(f"time:    {verdict.elapsed_ms:.2f} ms")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("batch", help="grade JSON Lines from stdin, one result line per input line")
    check = commands.add_parser("check", help="grade one answer and explain the verdict")
    check.add_argument("--kind", default="expression", choices=KINDS)
    check.add_argument("--options", default="{}", help="grading options as a JSON object")
    check.add_argument("--variables", default="", help="allowed variable names, comma-separated")
    check.add_argument("expected")
    check.add_argument("answer")
    arguments = parser.parse_args(argv)
    if arguments.command == "batch":
        # One throwaway job forks the child and settles SymPy's global flags there, so the first
        # real line is not charged for the start-up.
        grade("expression", "x + 1", "1 + x", {"variables": ["x"]})
        clear_cache()
        try:
            run_batch(sys.stdin.buffer, sys.stdout)
        except BrokenPipeError:
            # The reader stopped listening (`| head`); leave quietly instead of a traceback.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        return 0
    try:
        options = json.loads(arguments.options)
    except json.JSONDecodeError:
        parser.error("--options must be a JSON object")
    if not isinstance(options, dict):
        parser.error("--options must be a JSON object")
    if arguments.variables:
        options["variables"] = [v for v in arguments.variables.split(",") if v.strip()]
    verdict = grade(arguments.kind, arguments.expected, arguments.answer, options)
    print(_human(verdict))
    return 0 if verdict.status == "graded" and verdict.correct else 1
