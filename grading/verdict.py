"""The result of grading one answer part."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Status = Literal["graded", "invalid", "timeout"]


@dataclass(frozen=True)
class Verdict:
    """What the grader concluded about one answer.

    ``status`` is ``graded`` when the answer was read and judged, ``invalid`` when it could not be
    read (the student is not charged an attempt) and ``timeout`` when judging it ran out of budget.
    ``position`` points at the offending character of the answer for ``invalid`` verdicts.
    """

    status: Status
    correct: bool = False
    score: float = 0.0
    message: str = ""
    feedback: tuple[str, ...] = field(default_factory=tuple)
    position: int | None = None
    latex: str = ""
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Contract-2 fields (id excepted) followed by the feedback details."""
        return {
            "status": self.status,
            "correct": self.correct,
            "score": self.score,
            "message": self.message,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "feedback": list(self.feedback),
            "position": self.position,
            "latex": self.latex,
        }

    def with_elapsed(self, elapsed_ms: float) -> Verdict:
        return replace(self, elapsed_ms=elapsed_ms)


def graded(
    correct: bool,
    *,
    score: float | None = None,
    message: str = "",
    feedback: tuple[str, ...] = (),
    latex: str = "",
) -> Verdict:
    """A judged answer; the score defaults to 1 for correct and 0 otherwise."""
    if score is None:
        score = 1.0 if correct else 0.0
    return Verdict(
        status="graded",
        correct=correct,
        score=max(0.0, min(1.0, float(score))),
        message=message or ("Correct." if correct else "Not correct."),
        feedback=feedback,
        latex=latex,
    )


def invalid(message: str, *, position: int | None = None, latex: str = "") -> Verdict:
    """An answer that could not be read; it never earns or costs credit."""
    return Verdict(status="invalid", message=message, position=position, latex=latex)


def timed_out(message: str = "Checking this answer took too long.") -> Verdict:
    return Verdict(status="timeout", message=message)
