"""Read template files into `Template` records, with errors that name the file, line and fix."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from content.errors import ContentError, toml_error_line
from content.sampling import check_parameter
from content.schema import (
    GRADING_OPTION_KEYS,
    PART_KINDS,
    TOP_LEVEL_KEYS,
    ChoiceSpec,
    Constraint,
    DerivedSpec,
    MistakeSpec,
    ParameterSpec,
    PartSpec,
    Template,
)
from content.topics import BANK_DIR, TOPICS_FILE, TopicGraph, load_topic_graph

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEY_LINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_TABLE_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
PLACEHOLDER = re.compile(r"\{\{(?!\{)\s*(=)?\s*(.*?)\s*\}\}", re.DOTALL)

PARAMETER_KINDS: Mapping[str, frozenset[str]] = {
    "int": frozenset({"exclude"}),
    "nonzero": frozenset({"exclude"}),
    "choice": frozenset(),
    "rational": frozenset({"denominators", "exclude", "integers"}),
    "decimal": frozenset({"step", "exclude"}),
    "vector": frozenset({"entries", "nonzero"}),
    "matrix": frozenset(
        {"size", "shape", "entries", "rank", "eigenvalues", "distinct", "det", "rational"}
    ),
}
PART_KEYS = frozenset(
    {"key", "kind", "prompt", "answer", "weight", "choices", *GRADING_OPTION_KEYS}
)
MISTAKE_KEYS = frozenset({"part", "answer", "feedback", "score"})
CHOICE_KEYS = frozenset({"label", "text", "correct"})
REQUIRED = ("id", "version", "title", "topic", "difficulty", "statement", "solution")


@dataclass(frozen=True)
class Bank:
    """Every template of the bank, and the topic graph they hang on."""

    templates: tuple[Template, ...]
    topics: TopicGraph
    errors: tuple[ContentError, ...] = field(default=())

    def by_id(self, template_id: str) -> Template:
        for template in self.templates:
            if template.id == template_id:
                return template
        raise KeyError(template_id)


class SourceMap:
    """Finds the line of a key inside the table it belongs to, skipping multi-line strings."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.keys: dict[tuple[str, int, str], int] = {}
        self.blocks: dict[tuple[str, int], tuple[int, int]] = {}
        section, index, start = "", 0, 1
        counts: dict[str, int] = {}
        open_quote: str | None = None
        for number, line in enumerate(self.lines, start=1):
            if open_quote is not None:
                if line.count(open_quote) % 2 == 1:
                    open_quote = None
                continue
            header = _TABLE_HEADER.match(line)
            if header:
                self.blocks[(section, index)] = (start, number - 1)
                section = header.group(2)
                if header.group(1) == "[[":
                    index = counts.get(section, 0)
                    counts[section] = index + 1
                else:
                    index = 0
                start = number
                self.keys[(section, index, "")] = number
                continue
            key = _KEY_LINE.match(line)
            if key:
                self.keys.setdefault((section, index, key.group(1).strip("\"'")), number)
            for quote in ("'''", '"""'):
                if line.count(quote) % 2 == 1:
                    open_quote = quote
                    break
        self.blocks[(section, index)] = (start, len(self.lines))

    def key(self, key: str, section: str = "", index: int = 0) -> int | None:
        return self.keys.get((section, index, key)) or self.keys.get((section, index, ""))

    def find(self, needle: str, section: str = "", index: int = 0) -> int | None:
        """The first line holding `needle` inside one table (for values and nested entries)."""
        start, end = self.blocks.get((section, index), (1, len(self.lines)))
        for number in range(start, end + 1):
            if needle in self.lines[number - 1]:
                return number
        return self.key("", section, index)


def suggest(word: str, known: Sequence[str]) -> str:
    """`; did you mean `x`?` when a close match exists, else an empty string."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.map = SourceMap(text)

    def fail(self, message: str, line: int | None) -> ContentError:
        return ContentError(message, path=self.path, line=line)

    def string(self, data: Mapping[str, object], key: str, line: int | None) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise self.fail(f"`{key}` must be a string (in quotes), not {value!r}", line)
        return value

    def string_list(
        self, data: Mapping[str, object], key: str, line: int | None
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'`{key}` must be a list of strings, e.g. {key} = ["..."]', line)
        return tuple(value)

    def number(
        self, data: Mapping[str, object], key: str, default: float, line: int | None
    ) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"`{key}` must be a number, not {value!r}", line)
        return float(value)

    def unknown_keys(
        self,
        data: Mapping[str, object],
        allowed: Sequence[str],
        where: str,
        section: str,
        index: int,
    ) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    f"unknown key `{key}` in {where}{suggest(key, allowed)}",
                    self.map.key(key, section, index),
                )


def parse_template(text: str, *, path: str = "<template>") -> Template:
    """Parse and check one template's TOML text; raise ContentError naming the line on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"not valid TOML: {exc}", path=path, line=toml_error_line(exc)) from None
    reader = _Reader(text, path)
    smap = reader.map
    reader.unknown_keys(data, TOP_LEVEL_KEYS, "the template", "", 0)
    for key in REQUIRED:
        if key not in data:
            raise reader.fail(f"missing required key `{key}`; add `{key} = ...` at the top", 1)

    template_id = data["id"]
    if not isinstance(template_id, str) or not _ID.match(template_id):
        raise reader.fail(
            f"`id` {template_id!r} must be lower-case words joined by hyphens", smap.key("id")
        )
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise reader.fail("`version` must be a whole number ≥ 1", smap.key("version"))
    difficulty = data["difficulty"]
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        raise reader.fail("`difficulty` must be a whole number from 1 to 5", smap.key("difficulty"))

    variables = reader.string_list(data, "variables", smap.key("variables"))
    for name in variables:
        if not _NAME.match(name):
            raise reader.fail(f"variable {name!r} is not a valid name", smap.key("variables"))
    constraint_texts = reader.string_list(data, "constraints", smap.key("constraints"))
    constraints = tuple(
        Constraint(text=c, line=smap.find(c) or smap.key("constraints")) for c in constraint_texts
    )
    parameters = _read_parameters(reader, data.get("parameters", {}))
    derived = _read_derived(reader, data.get("derived", {}), {p.name for p in parameters})
    # A value named like an answer variable would be substituted where the variable is meant.
    for kind, clashing in (("parameter", parameters), ("derived value", derived)):
        for spec in clashing:
            if spec.name in variables:
                raise reader.fail(
                    f"{kind} `{spec.name}` is also declared as an answer variable; rename one",
                    spec.line,
                )
    parts = _read_parts(reader, data.get("parts", []), variables)
    mistakes = _read_mistakes(reader, data.get("mistakes", []), {p.key for p in parts})

    key_lines = {
        key: line for (section, _, key), line in smap.keys.items() if section == "" and key
    }
    template = Template(
        id=template_id,
        version=version,
        title=reader.string(data, "title", smap.key("title")),
        topic=reader.string(data, "topic", smap.key("topic")),
        difficulty=difficulty,
        tags=reader.string_list(data, "tags", smap.key("tags")),
        author=reader.string(data, "author", smap.key("author")),
        variables=variables,
        constraints=constraints,
        statement=reader.string(data, "statement", smap.key("statement")),
        hints=reader.string_list(data, "hints", smap.key("hints")),
        solution=reader.string(data, "solution", smap.key("solution")),
        parameters=parameters,
        derived=derived,
        parts=parts,
        mistakes=mistakes,
        source_path=path,
        source_text=text,
        source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        key_lines=key_lines,
    )
    _check_placeholders(reader, template)
    return template


def _read_parameters(reader: _Reader, table: object) -> tuple[ParameterSpec, ...]:
    if not isinstance(table, dict):
        raise reader.fail("`[parameters]` must be a table", reader.map.key("", "parameters"))
    specs = []
    for name, settings in table.items():
        line = reader.map.key(name, "parameters")
        if not _NAME.match(name):
            raise reader.fail(
                f"parameter name {name!r} must be a letter followed by letters, digits or _", line
            )
        if not isinstance(settings, dict):
            raise reader.fail(
                f"parameter `{name}` must be an inline table such as `{name} = {{ int = [1, 9] }}`",
                line,
            )
        kinds = [
            key
            for key, value in settings.items()
            if key in PARAMETER_KINDS and not isinstance(value, bool)
        ]
        if len(kinds) != 1:
            raise reader.fail(
                f"parameter `{name}` needs exactly one kind out of {', '.join(PARAMETER_KINDS)}"
                + (f" (found {', '.join(kinds)})" if kinds else suggest_kind(settings)),
                line,
            )
        kind = kinds[0]
        for key in settings:
            if key != kind and key not in PARAMETER_KINDS[kind]:
                allowed = sorted(PARAMETER_KINDS[kind])
                raise reader.fail(
                    f"parameter `{name}`: `{key}` is not a setting of `{kind}`"
                    + (f" (allowed: {', '.join(allowed)})" if allowed else ""),
                    line,
                )
        problem = check_parameter(kind, settings)
        if problem:
            raise reader.fail(f"parameter `{name}`: {problem}", line)
        specs.append(ParameterSpec(name=name, kind=kind, settings=settings, line=line))
    return tuple(specs)


def suggest_kind(settings: Mapping[str, object]) -> str:
    for key in settings:
        hint = suggest(key, list(PARAMETER_KINDS))
        if hint:
            return f"; `{key}` is not a kind{hint}"
    return ""


def _read_derived(reader: _Reader, table: object, parameters: set[str]) -> tuple[DerivedSpec, ...]:
    if not isinstance(table, dict):
        raise reader.fail(
            '`[derived]` must be a table of name = "expression"', reader.map.key("", "derived")
        )
    specs = []
    for name, expression in table.items():
        line = reader.map.key(name, "derived")
        if not _NAME.match(name):
            raise reader.fail(
                f"derived name {name!r} must be a letter followed by letters, digits or _", line
            )
        if name in parameters:
            raise reader.fail(f"`{name}` is both a parameter and a derived value; rename one", line)
        if not isinstance(expression, str) or not expression.strip():
            raise reader.fail(
                f'derived `{name}` must be an expression in quotes, e.g. {name} = "a + b"', line
            )
        specs.append(DerivedSpec(name=name, expression=expression, line=line))
    return tuple(specs)


def _read_parts(
    reader: _Reader, entries: object, variables: tuple[str, ...]
) -> tuple[PartSpec, ...]:
    if not isinstance(entries, list) or not entries:
        raise reader.fail(
            "a template needs at least one `[[parts]]` table", len(reader.map.lines) or 1
        )
    parts: list[PartSpec] = []
    for index, entry in enumerate(entries):
        line = reader.map.key("", "parts", index)
        reader.unknown_keys(entry, sorted(PART_KEYS), f"part #{index + 1}", "parts", index)
        key = entry.get("key")
        if not isinstance(key, str) or not _NAME.match(key):
            raise reader.fail("every part needs a `key` made of letters, digits or _", line)
        if any(p.key == key for p in parts):
            raise reader.fail(
                f"part key `{key}` is used twice", reader.map.key("key", "parts", index)
            )
        kind = entry.get("kind")
        if kind not in PART_KINDS:
            raise reader.fail(
                f"part `{key}`: kind {kind!r} is not one of {', '.join(PART_KINDS)}"
                + (suggest(kind, PART_KINDS) if isinstance(kind, str) else ""),
                reader.map.key("kind", "parts", index),
            )
        options: dict[str, object] = {k: entry[k] for k in GRADING_OPTION_KEYS if k in entry}
        options.setdefault("variables", list(variables))
        choices: tuple[ChoiceSpec, ...] = ()
        answer = entry.get("answer", "")
        if kind == "choice":
            choices = _read_choices(reader, entry.get("choices"), key, index)
            if answer:
                raise reader.fail(
                    f"part `{key}`: a choice part marks its right options with `correct` "
                    "conditions instead of an `answer`",
                    reader.map.key("answer", "parts", index),
                )
        elif not isinstance(answer, str) or not answer.strip():
            raise reader.fail(
                f'part `{key}` needs an `answer` expression in quotes, e.g. answer = "2*a"', line
            )
        weight = reader.number(entry, "weight", 1.0, reader.map.key("weight", "parts", index))
        if weight <= 0:
            raise reader.fail(
                f"part `{key}`: `weight` must be positive", reader.map.key("weight", "parts", index)
            )
        parts.append(
            PartSpec(
                key=key,
                kind=kind,
                prompt=reader.string(entry, "prompt", line),
                answer=answer,
                options=options,
                choices=choices,
                weight=weight,
                line=line,
                answer_line=reader.map.key("answer", "parts", index),
            )
        )
    return tuple(parts)


def _read_choices(reader: _Reader, entries: object, key: str, index: int) -> tuple[ChoiceSpec, ...]:
    line = reader.map.key("choices", "parts", index)
    if not isinstance(entries, list) or len(entries) < 2:
        raise reader.fail(
            f'part `{key}`: a choice part needs `choices = [{{ label = "A", text = "...", correct = "..." }}, ...]` with two or more options',
            line,
        )
    choices = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise reader.fail(f"part `{key}`: each choice must be an inline table", line)
        label = entry.get("label")
        where = reader.map.find(f'"{label}"', "parts", index) if isinstance(label, str) else line
        for k in entry:
            if k not in CHOICE_KEYS:
                raise reader.fail(
                    f"part `{key}`: unknown choice key `{k}`{suggest(k, sorted(CHOICE_KEYS))}",
                    where,
                )
        if not isinstance(label, str) or not label.strip():
            raise reader.fail(f"part `{key}`: every choice needs a `label`", where)
        correct = entry.get("correct", "false")
        if not isinstance(correct, str):
            raise reader.fail(
                f'part `{key}`: choice `{label}` has `correct` {correct!r}; write a condition in quotes such as "a > 0", "true" or "false"',
                where,
            )
        choices.append(
            ChoiceSpec(label=label, text=str(entry.get("text", label)), correct=correct, line=where)
        )
    if len({c.label for c in choices}) != len(choices):
        raise reader.fail(f"part `{key}`: choice labels must differ", line)
    return tuple(choices)


def _read_mistakes(
    reader: _Reader, entries: object, part_keys: set[str]
) -> tuple[MistakeSpec, ...]:
    if not isinstance(entries, list):
        raise reader.fail(
            "`mistakes` must be a list of [[mistakes]] tables", reader.map.key("mistakes")
        )
    mistakes = []
    for index, entry in enumerate(entries):
        line = reader.map.key("", "mistakes", index)
        reader.unknown_keys(entry, sorted(MISTAKE_KEYS), f"mistake #{index + 1}", "mistakes", index)
        part = entry.get("part")
        if part not in part_keys:
            raise reader.fail(
                f"mistake #{index + 1} names part {part!r}; use one of {', '.join(sorted(part_keys))}",
                reader.map.key("part", "mistakes", index),
            )
        answer = entry.get("answer")
        if not isinstance(answer, str) or not answer.strip():
            raise reader.fail(
                f"mistake #{index + 1} needs a wrong `answer` expression in quotes", line
            )
        feedback = entry.get("feedback")
        if not isinstance(feedback, str) or not feedback.strip():
            raise reader.fail(
                f"mistake #{index + 1} needs `feedback` telling the student what went wrong", line
            )
        score = reader.number(entry, "score", 0.0, reader.map.key("score", "mistakes", index))
        if not 0.0 <= score < 1.0:
            raise reader.fail(f"mistake #{index + 1}: `score` must be at least 0 and below 1", line)
        mistakes.append(
            MistakeSpec(
                part=part,
                answer=answer,
                feedback=feedback,
                score=score,
                line=reader.map.key("answer", "mistakes", index) or line,
            )
        )
    return tuple(mistakes)


def _check_placeholders(reader: _Reader, template: Template) -> None:
    known = set(template.names)
    texts: list[tuple[str, str, int]] = [("statement", template.statement, 0)]
    texts += [("hints", hint, 0) for hint in template.hints]
    texts.append(("solution", template.solution, 0))
    texts += [("prompt", part.prompt, i) for i, part in enumerate(template.parts)]
    texts += [("feedback", m.feedback, i) for i, m in enumerate(template.mistakes)]
    texts += [
        ("prompt", choice.text, i)
        for i, part in enumerate(template.parts)
        for choice in part.choices
    ]
    for key, text, index in texts:
        for match in PLACEHOLDER.finditer(text):
            if match.group(1):
                continue
            name = match.group(2)
            if name not in known:
                section = {"prompt": "parts", "feedback": "mistakes"}.get(key, "")
                line = reader.map.find("{{" + match.group(0)[2:], section, index)
                if section == "" and key in ("statement", "solution", "hints"):
                    line = _line_within(reader.map, key, match.group(0))
                raise reader.fail(
                    f"placeholder {match.group(0)} names no parameter or derived value"
                    f"{suggest(name, sorted(known))}; to compute something write {{{{= expression}}}}",
                    line,
                )


def _line_within(smap: SourceMap, key: str, needle: str) -> int | None:
    start = smap.key(key)
    if start is None:
        return None
    for number in range(start, len(smap.lines) + 1):
        if needle in smap.lines[number - 1]:
            return number
    return start


def load_template(path: Path | str) -> Template:
    """Load one template file."""
    file = Path(path)
    return parse_template(file.read_text(encoding="utf-8"), path=_display_path(file))


def _display_path(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(BANK_DIR.parent.parent))
    except ValueError:
        return str(file)


def template_files(bank_dir: Path | str = BANK_DIR) -> tuple[Path, ...]:
    """Every template file in the bank, in a stable order (the topic graph file excluded)."""
    root = Path(bank_dir)
    return tuple(sorted(p for p in root.rglob("*.toml") if p.name != TOPICS_FILE.name))


def load_bank(
    bank_dir: Path | str = BANK_DIR, *, topics_file: Path | str | None = None, strict: bool = True
) -> Bank:
    """Load the topic graph and every template; check ids are unique and topics exist.

    With `strict` the first problem raises ContentError; otherwise broken templates are left out
    and their errors collected in `Bank.errors` (what the validator reports).
    """
    root = Path(bank_dir)
    graph = load_topic_graph(topics_file if topics_file is not None else root / TOPICS_FILE.name)
    templates: list[Template] = []
    errors: list[ContentError] = []
    seen: dict[str, str] = {}
    for file in template_files(root):
        try:
            template = load_template(file)
            if template.topic not in graph:
                raise ContentError(
                    f"topic {template.topic!r} is not in the topic graph"
                    f"{suggest(template.topic, graph.slugs)}",
                    path=template.source_path,
                    line=template.line_of("topic"),
                )
            if template.id in seen:
                raise ContentError(
                    f"id {template.id!r} is already used by {seen[template.id]}; ids must be unique",
                    path=template.source_path,
                    line=template.line_of("id"),
                )
        except ContentError as error:
            if strict:
                raise
            errors.append(error)
            continue
        seen[template.id] = template.source_path
        templates.append(template)
    return Bank(templates=tuple(templates), topics=graph, errors=tuple(errors))
