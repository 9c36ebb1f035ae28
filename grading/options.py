"""Typed grading options, read from the plain dict stored with an answer part.

Unknown keys are ignored so that callers may keep their own annotations next to the grading
options; every known key is checked and a bad value raises :class:`OptionsError` naming it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Assumption = Literal["real", "positive"]
Form = Literal["expanded", "factored", "lowest_terms"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FORMS: dict[str, Form] = {
    "expanded": "expanded",
    "factored": "factored",
    "lowest_terms": "lowest_terms",
    "lowest terms": "lowest_terms",
}


class OptionsError(ValueError):
    """The grading options themselves are malformed (an authoring error, not the student's)."""


@dataclass(frozen=True)
class Mistake:
    """An instructor-listed wrong answer with the feedback it earns."""

    answer: str
    feedback: str
    score: float = 0.0


@dataclass(frozen=True)
class GradingOptions:
    rtol: float | None = None
    atol: float | None = None
    sigfigs: int | None = None
    # None: not declared, so the checkers take the names the expected answer uses.
    variables: tuple[str, ...] | None = None
    assume: Assumption = "real"
    allow_floats: bool = True
    form: Form | None = None
    complex: bool = False
    domain: tuple[tuple[str, float, float], ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    choices: tuple[str, ...] = ()
    multiple: bool = False
    partial: bool = False

    def domain_of(self, name: str) -> tuple[float, float] | None:
        for var, low, high in self.domain:
            if var == name:
                return (low, high)
        return None


def _number(key: str, value: Any, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionsError(f"option {key!r} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < minimum:
        raise OptionsError(f"option {key!r} must be a finite number >= {minimum:g}")
    return number


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise OptionsError(f"option {key!r} must be true or false, got {value!r}")
    return value


def _names(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,]+", value) if part]
    if not isinstance(value, (list, tuple)):
        raise OptionsError(f"option {key!r} must be a list of names")
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _NAME.match(item) or len(item) > 32:
            raise OptionsError(f"option {key!r}: {item!r} is not a variable name")
        if item not in names:
            names.append(item)
    return tuple(names)


def _domain(value: Any) -> tuple[tuple[str, float, float], ...]:
    if not isinstance(value, Mapping):
        raise OptionsError("option 'domain' must map variable names to [low, high]")
    ranges: list[tuple[str, float, float]] = []
    for name, bounds in value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise OptionsError(f"option 'domain': {name!r} is not a variable name")
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            raise OptionsError(f"option 'domain': {name} needs [low, high]")
        low = _number("domain", bounds[0], minimum=-math.inf)
        high = _number("domain", bounds[1], minimum=-math.inf)
        if not low < high:
            raise OptionsError(f"option 'domain': {name} needs low < high")
        ranges.append((name, low, high))
    return tuple(ranges)


def _mistakes(value: Any) -> tuple[Mistake, ...]:
    if not isinstance(value, (list, tuple)):
        raise OptionsError("option 'mistakes' must be a list of {answer, feedback, score}")
    mistakes: list[Mistake] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("answer"), str):
            raise OptionsError("each mistake needs an 'answer' text")
        feedback = item.get("feedback", "")
        if not isinstance(feedback, str):
            raise OptionsError("a mistake's 'feedback' must be text")
        score = _number("mistakes.score", item.get("score", 0.0))
        if score > 1.0:
            raise OptionsError("a mistake's 'score' must lie in 0..1")
        mistakes.append(Mistake(answer=item["answer"], feedback=feedback, score=score))
    return tuple(mistakes)


def _choices(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        raise OptionsError("option 'choices' must be a list of labels")
    return tuple(c.strip() for c in value)


def parse_options(raw: Mapping[str, Any] | None) -> GradingOptions:
    """Read and check an options mapping; ``None`` means all defaults."""
    if raw is None:
        return GradingOptions()
    if not isinstance(raw, Mapping):
        raise OptionsError("options must be an object")
    fields: dict[str, Any] = {}
    for key in ("rtol", "atol"):
        if raw.get(key) is not None:
            fields[key] = _number(key, raw[key])
    if raw.get("sigfigs") is not None:
        sigfigs = raw["sigfigs"]
        if isinstance(sigfigs, bool) or not isinstance(sigfigs, int) or not 1 <= sigfigs <= 15:
            raise OptionsError("option 'sigfigs' must be a whole number from 1 to 15")
        fields["sigfigs"] = sigfigs
    if raw.get("variables") is not None:
        fields["variables"] = _names("variables", raw["variables"])
    if raw.get("assume") is not None:
        assume = raw["assume"]
        if assume not in ("real", "positive"):
            raise OptionsError("option 'assume' must be 'real' or 'positive'")
        fields["assume"] = assume
    for key in ("allow_floats", "complex", "multiple", "partial"):
        if raw.get(key) is not None:
            fields[key] = _flag(key, raw[key])
    if raw.get("forbid_floats") is not None:
        fields["allow_floats"] = not _flag("forbid_floats", raw["forbid_floats"])
    if raw.get("form") is not None:
        form = raw["form"]
        if not isinstance(form, str) or form.strip().lower() not in _FORMS:
            raise OptionsError("option 'form' must be 'expanded', 'factored' or 'lowest_terms'")
        fields["form"] = _FORMS[form.strip().lower()]
    if raw.get("domain") is not None:
        fields["domain"] = _domain(raw["domain"])
    if raw.get("mistakes") is not None:
        fields["mistakes"] = _mistakes(raw["mistakes"])
    if raw.get("choices") is not None:
        fields["choices"] = _choices(raw["choices"])
    return GradingOptions(**fields)
