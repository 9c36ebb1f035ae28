"""The grading table: every answer kind end to end through ``grading.grade``.

Cases live in ``tests/grading/cases/*.jsonl``, one object per line: ``kind``, ``expected``,
``answer``, ``options``, the ``status`` and ``correct`` the grader must reach and, when a case is
about feedback, a piece of text the message must contain and the partial ``score``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grading import grade

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            case = json.loads(line)
            label = f"{path.stem}:{number}:{case['answer'][:30]}"
            params.append(pytest.param(case, id=label))
    return params


CASES = _load_cases()


def test_the_table_covers_every_kind_with_at_least_300_cases() -> None:
    kinds = {param.values[0]["kind"] for param in CASES}
    assert len(CASES) >= 300
    assert kinds == {"expression", "number", "matrix", "equation", "set", "choice"}


@pytest.mark.parametrize("case", CASES)
def test_grade_reaches_the_tabled_verdict(case: dict[str, Any]) -> None:
    verdict = grade(case["kind"], case["expected"], case["answer"], case["options"])
    assert (verdict.status, verdict.correct) == (case["status"], case["correct"]), verdict.message
    if "message_contains" in case:
        assert case["message_contains"].lower() in verdict.message.lower()
    if "score" in case:
        assert verdict.score == pytest.approx(case["score"])
    elif case["correct"]:
        assert verdict.score == 1.0
    else:
        assert verdict.score == 0.0
    if verdict.status == "invalid":
        assert not verdict.correct
