"""Reader and writer for response logs in the three-lines-per-student format.

Each student is three lines: the number of responses N, then N comma-separated skill ids in the
order answered, then N comma-separated outcomes (1 correct, 0 wrong). Trailing commas are allowed.
This is the format of the ASSISTments 2009 "skill builder" split used for knowledge tracing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


class LogFormatError(ValueError):
    """The file does not follow the three-lines-per-student format."""


@dataclass(frozen=True)
class StudentLog:
    skills: tuple[int, ...]
    outcomes: tuple[int, ...]


@dataclass(frozen=True)
class ResponseLog:
    """Responses of many students; each student's responses are in the order answered."""

    students: tuple[StudentLog, ...]

    @property
    def n_responses(self) -> int:
        return sum(len(s.skills) for s in self.students)

    @property
    def n_skills(self) -> int:
        """One more than the largest skill id (skill ids index arrays)."""
        top = max((max(s.skills) for s in self.students if s.skills), default=-1)
        return top + 1

    def flat(self) -> tuple[IntArray, IntArray, IntArray]:
        """(student index, skill id, outcome) arrays over all responses, student by student."""
        student = np.concatenate(
            [np.full(len(s.skills), i, dtype=np.int64) for i, s in enumerate(self.students)]
            or [np.zeros(0, dtype=np.int64)]
        )
        skill = np.fromiter(
            (k for s in self.students for k in s.skills), dtype=np.int64, count=len(student)
        )
        outcome = np.fromiter(
            (o for s in self.students for o in s.outcomes), dtype=np.int64, count=len(student)
        )
        return student, skill, outcome


def _numbers(line: str, *, line_number: int) -> list[int]:
    fields = [f.strip() for f in line.strip().split(",")]
    try:
        return [int(f) for f in fields if f]
    except ValueError:
        raise LogFormatError(f"line {line_number}: expected comma-separated integers") from None


def parse_log(text: str) -> ResponseLog:
    """Parse the text of a log file; raise LogFormatError naming the line on any problem."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) % 3:
        raise LogFormatError(f"expected three lines per student, found {len(lines)} lines")
    students: list[StudentLog] = []
    for start in range(0, len(lines), 3):
        header = _numbers(lines[start], line_number=start + 1)
        skills = _numbers(lines[start + 1], line_number=start + 2)
        outcomes = _numbers(lines[start + 2], line_number=start + 3)
        if len(header) != 1 or header[0] != len(skills) or len(skills) != len(outcomes):
            raise LogFormatError(
                f"line {start + 1}: response count does not match the skill and outcome lines"
            )
        if any(k < 0 for k in skills) or any(o not in (0, 1) for o in outcomes):
            raise LogFormatError(f"line {start + 2}: skills must be non-negative, outcomes 0 or 1")
        students.append(StudentLog(skills=tuple(skills), outcomes=tuple(outcomes)))
    return ResponseLog(students=tuple(students))


def read_log(path: Path | str) -> ResponseLog:
    return parse_log(Path(path).read_text(encoding="utf-8"))


def format_log(log: ResponseLog) -> str:
    lines: list[str] = []
    for student in log.students:
        lines.append(str(len(student.skills)))
        lines.append(",".join(map(str, student.skills)) + ",")
        lines.append(",".join(map(str, student.outcomes)) + ",")
    return "\n".join(lines) + "\n"


def split_by_student(
    log: ResponseLog, *, test_share: float, seed: int
) -> tuple[ResponseLog, ResponseLog]:
    """Shuffle students with `seed` and cut off `test_share` of them as the test log."""
    if not 0.0 < test_share < 1.0:
        raise ValueError("test_share must be strictly between 0 and 1")
    order = np.random.default_rng(seed).permutation(len(log.students))
    n_test = max(1, round(len(order) * test_share))
    test_idx = set(order[:n_test].tolist())
    train = tuple(s for i, s in enumerate(log.students) if i not in test_idx)
    test = tuple(s for i, s in enumerate(log.students) if i in test_idx)
    return ResponseLog(students=train), ResponseLog(students=test)


def subset(log: ResponseLog, indices: Sequence[int]) -> ResponseLog:
    return ResponseLog(students=tuple(log.students[i] for i in indices))
