"""`generate(template, seed) -> Variant`: sample, derive, check constraints, render, fix answers.

All template text becomes math through `grading.parse(..., level="template")`, with the names
bound so far passed in; nothing here evaluates text any other way.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np
import sympy

from content.errors import ContentError
from content.loader import suggest
from content.render import fill_placeholders, latex_of, render_markdown, round_floats
from content.sampling import sample_parameter
from content.schema import PartSpec, Template
from grading import MathInputError, parse, to_text
from grading.errors import EvaluationError
from grading.functions import TEMPLATE_FUNCTIONS

MAX_ATTEMPTS = 200
PARSE_CACHE_SIZE = 16384
# Stored answers keep 12 significant digits: far inside any tolerance, free of float noise.
STORED_DIGITS = 12
Value: TypeAlias = sympy.Basic
_RELATIONS = ("!=", "<=", ">=", "==", "≠", "≤", "≥", "<", ">", "=")


@dataclass(frozen=True)
class VariantPart:
    """One answer part of a variant, carrying everything `grading.grade` needs."""

    key: str
    kind: str
    prompt_html: str
    answer: str
    answer_latex: str
    options: Mapping[str, Any]
    weight: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()  # (label, text as HTML) for choice parts


@dataclass(frozen=True)
class Variant:
    """A concrete problem: the same (template source, seed) always gives the same variant."""

    template_id: str
    template_version: int
    seed: int
    fingerprint: str
    values: Mapping[str, str]
    statement_html: str
    hints_html: tuple[str, ...]
    solution_html: str
    parts: tuple[VariantPart, ...]
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot for storage."""
        data = asdict(self)
        data["values"] = dict(self.values)
        data["hints_html"] = list(self.hints_html)
        data["parts"] = [
            {
                **asdict(part),
                "options": dict(part.options),
                "choices": [list(c) for c in part.choices],
            }
            for part in self.parts
        ]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Variant:
        parts = tuple(
            VariantPart(
                key=p["key"],
                kind=p["kind"],
                prompt_html=p["prompt_html"],
                answer=p["answer"],
                answer_latex=p["answer_latex"],
                options=dict(p["options"]),
                weight=float(p.get("weight", 1.0)),
                choices=tuple((str(c[0]), str(c[1])) for c in p.get("choices", [])),
            )
            for p in data["parts"]
        )
        return cls(
            template_id=data["template_id"],
            template_version=int(data["template_version"]),
            seed=int(data["seed"]),
            fingerprint=data["fingerprint"],
            values=dict(data["values"]),
            statement_html=data["statement_html"],
            hints_html=tuple(data["hints_html"]),
            solution_html=data["solution_html"],
            parts=parts,
            attempts=int(data.get("attempts", 1)),
        )


class _Rejected(Exception):
    """These sampled values do not make a valid problem; draw again."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def is_finite_value(value: object) -> bool:
    """True when a value holds no NaN, infinity or imaginary part."""
    if isinstance(value, sympy.Rational):
        return True
    if isinstance(value, sympy.MatrixBase | sympy.FiniteSet | sympy.Tuple):
        return all(is_finite_value(item) for item in value)
    if isinstance(value, sympy.Equality):
        return is_finite_value(value.lhs) and is_finite_value(value.rhs)
    if isinstance(value, sympy.Basic):
        if value.has(sympy.nan, sympy.zoo, sympy.oo, sympy.S.NegativeInfinity, sympy.I):
            return False
        return all(math.isfinite(float(f)) for f in value.atoms(sympy.Float))
    return True


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_bound(
    text: str, variables: tuple[str, ...], bound: tuple[tuple[str, Value], ...]
) -> Value:
    """Parse template text with these names bound; remembered across seeds.

    Parsing is a pure function of the text, the variables and the values of the names the text
    can refer to. Every bound name whose spelling occurs in the text is part of the key (a superset
    of the names it uses, even when the parser splits `ab` into `a*b`), so an expression that
    depends on two small parameters is computed once per pair of values, not once per variant.
    """
    return parse(text, variables=variables, level="template", names=dict(bound))


class _Evaluator:
    """Parses template-language text with the variant's names bound; errors point at the file."""

    def __init__(self, template: Template) -> None:
        self.template = template
        # Within one draw names only ever gain values, so a text always parses to the same value.
        self.values: dict[str, Value] = {}
        self.memo: dict[str, Value] = {}

    def value(self, text: str, *, what: str, line: int | None) -> Value:
        known = self.memo.get(text)
        if known is not None:
            return known
        result = self._parse(text, what=what, line=line)
        self.memo[text] = result
        return result

    def reset(self) -> None:
        """Forget the values of a rejected draw."""
        self.values = {}
        self.memo = {}

    def _parse(self, text: str, *, what: str, line: int | None) -> Value:
        try:
            bound = tuple(sorted((n, v) for n, v in self.values.items() if n in text))
            result = parse_bound(text, self.template.variables, bound)
        except EvaluationError as exc:
            # Division by zero, a singular matrix, ...: these values, not the text, are at fault.
            raise _Rejected(f"{what}: {exc.message} (in `{text}`)", line) from None
        except MathInputError as exc:
            raise self._located(exc, text, what, line) from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise _Rejected(f"{what} could not be computed ({exc})", line) from None
        if not isinstance(result, sympy.Basic):
            raise ContentError(
                f"{what}: `{text}` is not a mathematical value",
                path=self.template.source_path,
                line=line,
            )
        return result

    def _located(self, exc: MathInputError, text: str, what: str, line: int | None) -> ContentError:
        message = f"{what}: {exc.message}"
        position = getattr(exc, "position", None)
        end = getattr(exc, "end", None)
        if isinstance(position, int):
            stop = end if isinstance(end, int) and end > position else position + 1
            word = text[position:stop].strip()
            message += f" (at `{word}` in `{text}`)" if word else f" (in `{text}`)"
            if word.isidentifier() and "did you mean" not in exc.message:
                message += suggest(word, _known_names(self.template, self.values))
        return ContentError(message, path=self.template.source_path, line=line)

    def condition(self, text: str, *, what: str, line: int | None) -> bool:
        """Evaluate `lhs OP rhs` (or `true`/`false`); relations are split here, sides parsed."""
        stripped = text.strip()
        if stripped.lower() in ("true", "false"):
            return stripped.lower() == "true"
        split = _split_relation(stripped)
        if split is None:
            raise ContentError(
                f"{what} `{text}` needs a comparison such as `a != b`, `det(A) > 0` or `b^2 - 4*a*c >= 0`",
                path=self.template.source_path,
                line=line,
            )
        left_text, relation, right_text = split
        left = self.value(left_text, what=what, line=line)
        right = self.value(right_text, what=what, line=line)
        return self._compare(left, relation, right, text=text, what=what, line=line)

    def _compare(
        self, left: Value, relation: str, right: Value, *, text: str, what: str, line: int | None
    ) -> bool:
        if isinstance(left, sympy.MatrixBase) or isinstance(right, sympy.MatrixBase):
            if relation not in ("=", "==", "!=", "≠"):
                raise ContentError(
                    f"{what} `{text}` orders matrices; only = and != compare them",
                    path=self.template.source_path,
                    line=line,
                )
            same = (
                isinstance(left, sympy.MatrixBase)
                and isinstance(right, sympy.MatrixBase)
                and left.shape == right.shape
                and all(_is_zero(a - b) for a, b in zip(left, right, strict=True))
            )
            return same if relation in ("=", "==") else not same
        if not isinstance(left, sympy.Expr) or not isinstance(right, sympy.Expr):
            if relation not in ("=", "==", "!=", "≠"):
                raise ContentError(
                    f"{what} `{text}` orders values that are not numbers",
                    path=self.template.source_path,
                    line=line,
                )
            return (left == right) == (relation in ("=", "=="))
        difference = left - right
        if isinstance(difference, sympy.Basic) and difference.free_symbols:
            raise ContentError(
                f"{what} `{text}` still contains {', '.join(sorted(map(str, difference.free_symbols)))}; conditions compare numbers",
                path=self.template.source_path,
                line=line,
            )
        if relation in ("=", "==", "!=", "≠"):
            zero = _is_zero(difference)
            return zero if relation in ("=", "==") else not zero
        number = _real_number(difference)
        if number is None:
            raise _Rejected(f"{what} `{text}` compares a value that is not a real number", line)
        return {
            "<": number < 0,
            ">": number > 0,
            "<=": number <= 0,
            "≤": number <= 0,
            ">=": number >= 0,
            "≥": number >= 0,
        }[relation]


def _known_names(template: Template, values: Mapping[str, Value]) -> list[str]:
    return sorted({*TEMPLATE_FUNCTIONS, *values, *template.variables})


def _is_zero(value: object) -> bool:
    if isinstance(value, sympy.Rational):
        return bool(value == 0)
    number = _real_number(value)
    if number is None:
        return False
    return abs(number) <= 1e-9


def _real_number(value: object) -> float | None:
    if isinstance(value, sympy.Rational):
        return float(value)
    try:
        number = complex(sympy.N(value, 20))
    except (TypeError, ValueError):
        return None
    if abs(number.imag) > 1e-12 or not math.isfinite(number.real):
        return None
    return number.real


def _split_relation(text: str) -> tuple[str, str, str] | None:
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            for relation in _RELATIONS:
                if text.startswith(relation, index):
                    return text[:index].strip(), relation, text[index + len(relation) :].strip()
        index += 1
    return None


def text_of(value: Value) -> str:
    """`grading.to_text`, remembered: the same values recur from variant to variant."""
    try:
        return _remembered_text(value)
    except TypeError:  # an unhashable value is printed afresh
        return str(to_text(value))


@lru_cache(maxsize=8192)
def _remembered_text(value: Value) -> str:
    return str(to_text(value))


def fingerprint_of(template: Template, parameters: Mapping[str, Value]) -> str:
    """Equal fingerprints mean the same concrete problem (same template version, same values)."""
    digest = hashlib.sha256(f"{template.id}\n{template.version}\n".encode())
    for name, value in parameters.items():
        digest.update(f"{name}={value}\n".encode())
    return digest.hexdigest()[:20]


def _draw(template: Template, rng: np.random.Generator, evaluator: _Evaluator) -> dict[str, Value]:
    evaluator.reset()
    for parameter in template.parameters:
        evaluator.values[parameter.name] = sample_parameter(parameter, rng)
    for derived in template.derived:
        what = f"derived `{derived.name}`"
        value = evaluator.value(derived.expression, what=what, line=derived.line)
        if not is_finite_value(value):
            raise _Rejected(f"{what} is not finite ({value})", derived.line)
        evaluator.values[derived.name] = value
    for constraint in template.constraints:
        if not evaluator.condition(constraint.text, what="constraint", line=constraint.line):
            raise _Rejected(f"constraint `{constraint.text}` does not hold", constraint.line)
    return dict(evaluator.values)


def generate(template: Template, seed: int, *, max_attempts: int = MAX_ATTEMPTS) -> Variant:
    """The variant of `template` for `seed`; deterministic. Raises ContentError for a broken template."""
    rng = np.random.default_rng(seed)
    evaluator = _Evaluator(template)
    rejections: Counter[tuple[str, int | None]] = Counter()
    values: dict[str, Value] | None = None
    attempts = 0
    for attempt in range(1, max_attempts + 1):
        try:
            values = _draw(template, rng, evaluator)
            attempts = attempt
            break
        except _Rejected as rejected:
            rejections[(rejected.reason, rejected.line)] += 1
    if values is None:
        (reason, line), count = rejections.most_common(1)[0]
        if count == max_attempts:
            advice = (
                "every draw failed the same way, so the expression or condition itself is "
                "probably wrong; if it fails only for some values, exclude those values"
            )
        else:
            advice = (
                "widen the parameter ranges or build the property into a parameter kind "
                "instead of filtering for it"
            )
        raise ContentError(
            f"no valid values in {max_attempts} draws for seed {seed} (acceptance rate 0%); "
            f"most often ({count}×): {reason}. {advice.capitalize()}",
            path=template.source_path,
            line=line,
        )
    return _assemble(template, seed, values, evaluator, attempts)


def _assemble(
    template: Template, seed: int, values: dict[str, Value], evaluator: _Evaluator, attempts: int
) -> Variant:
    path = template.source_path

    def placeholder(text: str) -> Value:
        line = _source_line(template.source_text, text, template.line_of("statement"))
        return evaluator.value(text, what="placeholder {{= " + text + "}}", line=line)

    def render(text: str, key: str) -> str:
        try:
            return render_markdown(text, values, placeholder)
        except _Rejected as rejected:
            raise ContentError(
                rejected.reason, path=path, line=rejected.line or template.line_of(key)
            ) from None

    statement = render(template.statement, "statement")
    hints = tuple(render(hint, "hints") for hint in template.hints)
    solution = render(template.solution, "solution")
    parts = tuple(
        _variant_part(template, part, evaluator, values, render) for part in template.parts
    )
    parameters = {p.name: values[p.name] for p in template.parameters}
    return Variant(
        template_id=template.id,
        template_version=template.version,
        seed=seed,
        fingerprint=fingerprint_of(template, parameters),
        values={name: text_of(value) for name, value in values.items()},
        statement_html=statement,
        hints_html=hints,
        solution_html=solution,
        parts=parts,
        attempts=attempts,
    )


@lru_cache(maxsize=4096)
def _source_line(source_text: str, needle: str, default: int | None) -> int | None:
    """The first line of the template file holding `needle` (where an author will look)."""
    for number, line in enumerate(source_text.splitlines(), start=1):
        if needle in line:
            return number
    return default


def _variant_part(
    template: Template,
    part: PartSpec,
    evaluator: _Evaluator,
    values: Mapping[str, Value],
    render: Any,
) -> VariantPart:
    path = template.source_path
    options: dict[str, Any] = dict(part.options)
    choices: tuple[tuple[str, str], ...] = ()
    if part.kind == "choice":
        right = [
            choice.label
            for choice in part.choices
            if _hold(
                evaluator,
                choice.correct,
                f"part `{part.key}`: choice `{choice.label}`",
                choice.line,
            )
        ]
        if not right:
            raise ContentError(
                f"part `{part.key}`: no choice is correct for these values; check the `correct` conditions",
                path=path,
                line=part.line,
            )
        if len(right) > 1 and not options.get("multiple", False):
            raise ContentError(
                f"part `{part.key}`: choices {', '.join(right)} are all correct; set `multiple = true` or tighten the conditions",
                path=path,
                line=part.line,
            )
        options["choices"] = [choice.label for choice in part.choices]
        choices = tuple((c.label, render(c.text, "parts")) for c in part.choices)
        answer_text = ", ".join(right)
        answer_latex = ", ".join(f"\\text{{{label}}}" for label in right)
    else:
        answer = _part_value(
            evaluator, part.answer, f"part `{part.key}`: the answer", part.answer_line
        )
        answer_text = text_of(round_floats(answer, STORED_DIGITS))
        answer_latex = latex_of(answer)
    mistakes = []
    for mistake in template.mistakes:
        if mistake.part != part.key:
            continue
        if part.kind == "choice":
            wrong = mistake.answer.strip()
        else:
            wrong = text_of(
                round_floats(
                    _part_value(
                        evaluator, mistake.answer, f"mistake for part `{part.key}`", mistake.line
                    ),
                    STORED_DIGITS,
                )
            )
        mistakes.append(
            {
                "answer": wrong,
                "feedback": _fill(mistake.feedback, values, evaluator),
                "score": mistake.score,
            }
        )
    options["mistakes"] = mistakes
    return VariantPart(
        key=part.key,
        kind=part.kind,
        prompt_html=render(part.prompt, "parts") if part.prompt else "",
        answer=answer_text,
        answer_latex=answer_latex,
        options=options,
        weight=part.weight,
        choices=choices,
    )


def _hold(evaluator: _Evaluator, text: str, what: str, line: int | None) -> bool:
    try:
        return evaluator.condition(text, what=what, line=line)
    except _Rejected as rejected:
        raise ContentError(
            rejected.reason, path=evaluator.template.source_path, line=line
        ) from None


def _part_value(evaluator: _Evaluator, text: str, what: str, line: int | None) -> Value:
    try:
        value = evaluator.value(text, what=what, line=line)
    except _Rejected as rejected:
        raise ContentError(
            rejected.reason, path=evaluator.template.source_path, line=line
        ) from None
    if not is_finite_value(value):
        raise ContentError(
            f"{what} is not finite ({value})", path=evaluator.template.source_path, line=line
        )
    return value


def _fill(text: str, values: Mapping[str, Value], evaluator: _Evaluator) -> str:
    return fill_placeholders(
        text, values, lambda t: evaluator.value(t, what="placeholder {{= " + t + "}}", line=None)
    )
