"""What a template file holds once loaded: plain frozen records, each remembering its source line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PART_KINDS = ("expression", "number", "matrix", "equation", "set", "choice")

# Keys a part may carry that are handed to grading.grade unchanged.
GRADING_OPTION_KEYS = (
    "rtol",
    "atol",
    "sigfigs",
    "variables",
    "assume",
    "form",
    "allow_floats",
    "complex",
    "domain",
    "multiple",
)

TOP_LEVEL_KEYS = (
    "id",
    "version",
    "title",
    "topic",
    "difficulty",
    "tags",
    "author",
    "variables",
    "constraints",
    "statement",
    "hints",
    "solution",
    "parameters",
    "derived",
    "parts",
    "mistakes",
)


@dataclass(frozen=True)
class ParameterSpec:
    """One `[parameters]` entry: a name, its kind (`int`, `matrix`, ...) and the kind's settings."""

    name: str
    kind: str
    settings: Mapping[str, object]
    line: int | None = None


@dataclass(frozen=True)
class DerivedSpec:
    """One `[derived]` entry: a value computed from earlier names in the template language."""

    name: str
    expression: str
    line: int | None = None


@dataclass(frozen=True)
class Constraint:
    """A condition the sampled values must meet, e.g. `a != b` or `det(A) > 0`."""

    text: str
    line: int | None = None


@dataclass(frozen=True)
class ChoiceSpec:
    """One option of a choice part; `correct` is a condition deciding, per variant, if it is right."""

    label: str
    text: str
    correct: str
    line: int | None = None


@dataclass(frozen=True)
class PartSpec:
    key: str
    kind: str
    prompt: str
    answer: str
    options: Mapping[str, object]
    choices: tuple[ChoiceSpec, ...] = ()
    weight: float = 1.0
    line: int | None = None
    answer_line: int | None = None


@dataclass(frozen=True)
class MistakeSpec:
    """A typical wrong answer for one part and the feedback it earns."""

    part: str
    answer: str
    feedback: str
    score: float = 0.0
    line: int | None = None


@dataclass(frozen=True)
class Template:
    """A problem family as written by its author; `generate(template, seed)` makes a variant."""

    id: str
    version: int
    title: str
    topic: str
    difficulty: int
    tags: tuple[str, ...]
    author: str
    variables: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    statement: str
    hints: tuple[str, ...]
    solution: str
    parameters: tuple[ParameterSpec, ...]
    derived: tuple[DerivedSpec, ...]
    parts: tuple[PartSpec, ...]
    mistakes: tuple[MistakeSpec, ...]
    source_path: str = ""
    source_text: str = field(default="", repr=False)
    source_hash: str = ""
    key_lines: Mapping[str, int] = field(default_factory=dict, repr=False)

    def line_of(self, key: str) -> int | None:
        """The line of a top-level key such as `statement` or `solution`."""
        return self.key_lines.get(key)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a placeholder or expression may use: parameters, then derived values."""
        return tuple(p.name for p in self.parameters) + tuple(d.name for d in self.derived)
