"""``grade``, ``preview`` and ``Verdict`` behaviour that the platform relies on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import grading
from grading import api
from grading.sandbox import Outcome
from tests.grading.hostile_corpus import HOSTILE_CASES

KINDS_FOR_HOSTILE = {
    "expression": "x + 1",
    "number": "1/2",
    "matrix": "[[1, 2], [3, 4]]",
    "set": "{1, 2}",
    "equation": "y = 2x + 1",
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    grading.clear_cache()


@pytest.mark.parametrize(("label", "text"), HOSTILE_CASES)
@pytest.mark.parametrize("kind", sorted(KINDS_FOR_HOSTILE))
def test_hostile_input_is_invalid_or_timeout_within_three_seconds(
    kind: str, label: str, text: str
) -> None:
    started = time.monotonic()
    verdict = grading.grade(kind, KINDS_FOR_HOSTILE[kind], text, {"variables": ["x", "y"]})
    assert verdict.status in ("invalid", "timeout"), label
    assert not verdict.correct and verdict.score == 0.0
    assert time.monotonic() - started < 3.0


def test_code_injection_has_no_side_effect(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    attempts = [
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        f"exec(\"open('{marker}','w')\")",
    ]
    for text in attempts:
        for kind in ("expression", "choice"):
            verdict = grading.grade(kind, "x", text, {"variables": ["x"], "choices": ["A"]})
            assert verdict.status == "invalid"
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    ["", "x" * 100_000, "x+" * 50_000 + "x", "\x00", "x\x00", "1" * 100_000, "[" * 10_000],
)
def test_empty_huge_and_nul_input_is_invalid(text: str) -> None:
    started = time.monotonic()
    verdict = grading.grade("expression", "x", text, {"variables": ["x"]})
    assert verdict.status == "invalid"
    assert time.monotonic() - started < 3.0


def test_an_invalid_answer_carries_the_parser_position() -> None:
    verdict = grading.grade("expression", "x + 1", "x + * 1", {"variables": ["x"]})
    assert verdict.status == "invalid"
    assert verdict.position == 4


def test_a_malformed_expected_answer_is_reported_as_the_authors_fault() -> None:
    verdict = grading.grade("expression", "x +", "x", {"variables": ["x"]})
    assert verdict.status == "invalid"
    assert "expected answer is malformed" in verdict.message
    assert verdict.position is None


def test_unknown_kind_is_invalid() -> None:
    verdict = grading.grade("essay", "x", "x")
    assert verdict.status == "invalid"
    assert "kind" in verdict.message


def test_verdict_to_dict_has_the_contract_fields() -> None:
    verdict = grading.grade("expression", "2x", "x + x", {"variables": ["x"]})
    data = verdict.to_dict()
    assert {
        "status",
        "correct",
        "score",
        "message",
        "elapsed_ms",
        "feedback",
        "position",
        "latex",
    } <= set(data)
    assert data["status"] == "graded" and data["correct"] is True
    assert "x" in data["latex"]
    assert data["elapsed_ms"] > 0


def check_forever(*args: object) -> None:
    while True:
        pass


def test_a_timeout_is_a_verdict_within_budget_and_never_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADING_CPU_SECONDS", "0.5")
    monkeypatch.setattr(api, "check_answer", check_forever)
    for _ in range(2):
        started = time.monotonic()
        verdict = grading.grade("expression", "x", "x^2", {"variables": ["x"]})
        assert verdict.status == "timeout"
        assert not verdict.correct and verdict.score == 0.0
        assert 0.4 < time.monotonic() - started < 2.0
    monkeypatch.undo()
    assert grading.grade("expression", "x", "x^2", {"variables": ["x"]}).status == "graded"


def test_a_child_that_runs_out_of_memory_is_reported_as_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FullPool:
        def run(self, *args: object, **kwargs: object) -> Outcome:
            return Outcome("memory")

    monkeypatch.setattr(api, "get_pool", lambda: FullPool())
    verdict = grading.grade("expression", "x", "x^3", {"variables": ["x"]})
    assert verdict.status == "invalid"
    assert "too large" in verdict.message


def test_graded_verdicts_are_cached() -> None:
    first = grading.grade("expression", "sin(x)", "sin(x)", {"variables": ["x"]})
    second = grading.grade("expression", "sin(x)", "sin(x)", {"variables": ["x"]})
    assert first.correct and second.correct
    assert second.elapsed_ms < 1.0


def test_grade_many_keeps_the_order() -> None:
    verdicts = grading.grade_many(
        [
            ("number", "1/2", "0.5", None),
            ("number", "1/2", "0.4", None),
            ("choice", "A", "a", {"choices": ["A", "B"]}),
        ]
    )
    assert [v.correct for v in verdicts] == [True, False, True]


def test_grade_works_inside_a_forked_child() -> None:
    grading.grade("expression", "x", "x", {"variables": ["x"]})
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            verdict = grading.grade("expression", "2x", "x + x + 0", {"variables": ["x"]})
            os.write(write_end, b"1" if verdict.correct else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 1) == b"1"
    os.close(read_end)


@pytest.mark.parametrize(
    ("kind", "text", "options", "key", "value"),
    [
        ("expression", "2x(wx - y)", {"variables": ["x", "w", "y"]}, "latex", None),
        ("number", "3/8", {}, "latex", "\\frac{3}{8}"),
        ("matrix", "[[1, 2], [3, 4]]", {}, "latex", None),
        ("choice", "A, C", {"choices": ["A", "B", "C"]}, "latex", "\\text{A, C}"),
        ("expression", "x + * 1", {"variables": ["x"]}, "error", None),
        ("expression", "", {"variables": ["x"]}, "error", None),
        ("number", "x", {}, "error", None),
        ("expression", "x", {"rtol": "loose"}, "error", None),
    ],
)
def test_preview_reads_without_grading(
    kind: str, text: str, options: dict[str, object], key: str, value: str | None
) -> None:
    result = grading.preview(kind, text, options)
    assert key in result
    if value is not None:
        assert result[key] == value
    if key == "error":
        assert "position" in result


def test_preview_points_at_the_problem() -> None:
    result = grading.preview("expression", "x + * 1", {"variables": ["x"]})
    assert result["position"] == 4
