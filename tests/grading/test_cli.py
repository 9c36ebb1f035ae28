"""``python -m grading``: the batch contract and the human check command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading.cli import grade_line, main, run_batch

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_FIELDS = {"id", "status", "correct", "score", "message", "elapsed_ms"}


def _run(args: list[str], stdin: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grading", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def test_batch_answers_every_line_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": 1,
                "kind": "expression",
                "expected": "2x",
                "answer": "x+x",
                "options": {"variables": ["x"]},
            }
        ),
        "this is not json",
        json.dumps({"id": "no-kind", "expected": "1", "answer": "1"}),
        json.dumps({"id": 4, "kind": "essay", "expected": "1", "answer": "1"}),
        json.dumps([1, 2, 3]),
        json.dumps({"id": 6, "kind": "number", "expected": "1/2", "answer": "0.5"}),
        json.dumps(
            {"id": 7, "kind": "number", "expected": "1/2", "answer": "0.5", "options": "rtol"}
        ),
        "",
        json.dumps(
            {
                "id": 9,
                "kind": "expression",
                "expected": "x",
                "answer": "__import__('os')",
                "options": {"variables": ["x"]},
            }
        ),
        json.dumps(
            {"id": 10, "kind": "matrix", "expected": "[[1,2],[3,4]]", "answer": "[[1,3],[2,4]]"}
        ),
    ]
    result = _run(["batch"], "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(lines)
    assert all(CONTRACT_FIELDS <= set(output) for output in outputs)
    assert [o["id"] for o in outputs] == [1, None, "no-kind", 4, None, 6, 7, None, 9, 10]
    assert [o["status"] for o in outputs] == [
        "graded",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "graded",
        "invalid",
        "invalid",
        "invalid",
        "graded",
    ]
    assert outputs[0]["correct"] is True and outputs[0]["score"] == 1.0
    assert outputs[5]["correct"] is True
    assert "transpose" in outputs[9]["message"]
    assert "kind" in outputs[2]["message"]
    assert all(isinstance(o["elapsed_ms"], float) and o["elapsed_ms"] >= 0 for o in outputs)


def test_batch_answers_a_hostile_line_within_three_seconds() -> None:
    payload = json.dumps(
        {
            "id": "bomb",
            "kind": "expression",
            "expected": "x",
            "answer": "(" * 5000 + "x" + ")" * 5000,
            "options": {"variables": ["x"]},
        }
    )
    started = time.monotonic()
    result = _run(["batch"], payload + "\n")
    output = json.loads(result.stdout)
    assert output["status"] in ("invalid", "timeout")
    assert output["elapsed_ms"] < 3000
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("line", "status", "message"),
    [
        ('{"id": 1, "kind": "set", "expected": "{1,2}", "answer": "{2,1}"}', "graded", "Correct"),
        (
            '{"id": 2, "kind": "choice", "expected": "B", "answer": "b", "options": {"choices": ["A","B"]}}',
            "graded",
            "Correct",
        ),
        ("[[[[[[[[", "invalid", "not valid JSON"),
        ('"just a string"', "invalid", "JSON object"),
        ('{"id": 3, "kind": "number", "expected": 5, "answer": "5"}', "invalid", "text"),
        (
            '{"id": 4, "kind": "number", "expected": "5", "answer": "5", "options": {"rtol": -1}}',
            "invalid",
            "options",
        ),
    ],
)
def test_each_line_is_judged_on_its_own(line: str, status: str, message: str) -> None:
    _, verdict = grade_line(line)
    assert verdict.status == status
    assert message in verdict.message


def test_a_line_that_is_not_utf8_is_invalid_and_the_batch_goes_on() -> None:
    good = json.dumps({"id": 2, "kind": "number", "expected": "1", "answer": "1"}).encode()
    result = subprocess.run(
        [sys.executable, "-m", "grading", "batch"],
        input=b'{"id": 1, "answer": "\xff\xfe"}\n' + good + b"\n",
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    outputs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["status"] for o in outputs] == ["invalid", "graded"]
    assert outputs[1]["correct"] is True


def test_lone_surrogates_in_a_line_do_not_break_the_output() -> None:
    line = json.dumps(
        {
            "id": "s",
            "kind": "expression",
            "expected": "x",
            "answer": "x\ud800",
            "options": {"variables": ["x"]},
        }
    )
    result = _run(["batch"], line + "\n")
    output = json.loads(result.stdout)
    assert output["id"] == "s" and output["status"] == "invalid"


def test_run_batch_writes_one_json_line_per_input_line() -> None:
    output = io.StringIO()
    count = run_batch(
        ['{"id": "a", "kind": "number", "expected": "1", "answer": "2"}\n', "nonsense\n"], output
    )
    lines = output.getvalue().splitlines()
    assert count == 2 and len(lines) == 2
    assert json.loads(lines[0])["correct"] is False
    assert json.loads(lines[1])["status"] == "invalid"


def test_check_explains_a_verdict_and_exits_zero_when_correct(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "--kind", "expression", "--variables", "x", "1 - tanh(x)^2", "sech(x)^2"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "status:  graded" in printed and "correct: True" in printed


def test_check_exits_nonzero_for_a_wrong_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--kind", "number", "--options", '{"sigfigs": 3}', "2/3", "0.67"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "significant figures" in printed


def test_check_runs_as_a_module() -> None:
    result = _run(["check", "--kind", "matrix", "[[1,2],[3,4]]", "[[1,3],[2,4]]"], "")
    assert result.returncode == 1
    assert "transpose" in result.stdout
