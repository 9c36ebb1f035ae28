"""Authoring templates in the browser: check a source, preview variants, try an answer, publish.

Every step that runs the content engine on an instructor's text runs under the sandbox's CPU and
memory bound (parsing too: a hostile TOML file must not hang the web process). Publishing adds a
`TemplateVersion`; problems already served keep the version they were generated from.

Import and export move the source text byte for byte: a file exported and imported again stores
exactly the same text (the version's hash does not change, so nothing new is published)."""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

import content
from content.errors import ContentError
from content.validate import validate_template
from grading import BoundedMemoryError, BoundedTimeout, Verdict, grade, run_bounded
from quizzes.models import ItemState, ProblemTemplate, TemplateVersion, Topic
from quizzes.selectors import forget_catalog
from quizzes.services.variant_pool import enqueue_refill

SOURCE_MAX_CHARS = 60_000
PARSE_CPU_SECONDS = 5.0
GENERATE_CPU_SECONDS = 10.0
MEMORY_MB = 768
CHECK_SEEDS = 5
PREVIEW_MAX = 6
SEED_MAX = 2**31
ANSWER_MAX_CHARS = 2_000
IMPORT_MAX_FILES = 500
# An upload larger than this is refused unread (a zip of the whole bank is about 150 kB).
IMPORT_MAX_BYTES = 5_000_000
AUTHORED_PREFIX = "authored/"

_ID_LINE = re.compile(r'^id\s*=\s*"[^"\n]*"', re.MULTILINE)
_TITLE_LINE = re.compile(r'^title\s*=\s*"([^"\n]*)"', re.MULTILINE)
_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class SourceProblem:
    """One thing wrong with a source, at its 1-based line when known."""

    message: str
    line: int | None = None
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "seed": self.seed}


@dataclass(frozen=True)
class SourceCheck:
    """The outcome of checking a source; `template` is the parsed template when it parsed."""

    problems: tuple[SourceProblem, ...]
    template: Any = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems and self.template is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "id": getattr(self.template, "id", None),
            "problems": [problem.to_dict() for problem in self.problems],
        }


@dataclass(frozen=True)
class VariantPreview:
    seed: int
    variant: dict[str, Any] | None
    error: SourceProblem | None = None


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    rejected: tuple[tuple[str, tuple[SourceProblem, ...]], ...] = ()


class SourceRejected(Exception):
    """The source has problems; `check` lists them with their lines."""

    def __init__(self, check: SourceCheck) -> None:
        self.check = check
        first = check.problems[0].message if check.problems else "the source did not parse"
        super().__init__(first)


def parse_source(source: str, path: str) -> Any:
    """Module level so the sandbox's child process can run it."""
    return content.parse_template(source, path=path)


def generate_range(template: Any, first_seed: int, count: int) -> list[tuple[int, Any, str, Any]]:
    """Variants for seeds first_seed.. (seed, variant or None, error message, error line)."""
    results: list[tuple[int, Any, str, Any]] = []
    for seed in range(first_seed, first_seed + count):
        try:
            results.append((seed, content.generate(template, seed), "", None))
        except ContentError as error:
            results.append((seed, None, error.message, error.line))
        except Exception as error:  # a broken draw is shown to the author, not raised
            results.append((seed, None, f"generation failed: {type(error).__name__}", None))
    return results


def source_path_for(key: str) -> str:
    return f"{AUTHORED_PREFIX}{key}.toml"


def parse_bounded(source: str, *, path: str) -> SourceCheck:
    """Parse under the sandbox bound; a problem carries the line the parser pointed at."""
    if len(source) > SOURCE_MAX_CHARS:
        return SourceCheck(
            problems=(SourceProblem(f"the source is longer than {SOURCE_MAX_CHARS} characters"),)
        )
    try:
        template = run_bounded(
            parse_source, source, path, cpu_seconds=PARSE_CPU_SECONDS, memory_mb=MEMORY_MB
        )
    except ContentError as error:
        return SourceCheck(problems=(SourceProblem(error.message, error.line),))
    except (BoundedTimeout, BoundedMemoryError) as error:
        return SourceCheck(problems=(SourceProblem(f"reading the source stopped: {error}"),))
    return SourceCheck(problems=(), template=template)


def check_source(
    *, source: str, expected_key: str | None = None, seeds: int = CHECK_SEEDS
) -> SourceCheck:
    """Parse, then check what publishing needs: the id (fixed once a template exists), a known
    topic, and the content validator's checks on `seeds` variants (each generates, each part's
    answer grades correct against itself, each listed mistake grades wrong)."""
    parsed = parse_bounded(source, path=source_path_for(expected_key or "new"))
    if parsed.template is None:
        return parsed
    template = parsed.template
    problems: list[SourceProblem] = []
    if expected_key is not None and template.id != expected_key:
        problems.append(
            SourceProblem(
                f"the id must stay `{expected_key}`; duplicate the template to make a new one",
                template.line_of("id"),
            )
        )
    if not Topic.objects.filter(slug=template.topic).exists():
        problems.append(
            SourceProblem(f"there is no topic `{template.topic}`", template.line_of("topic"))
        )
    result = validate_template(template, seeds)
    problems.extend(
        SourceProblem(failure.message, failure.line, failure.seed) for failure in result.failures
    )
    return SourceCheck(problems=tuple(problems), template=template)


def preview_variants(
    *, source: str, count: int = 3, first_seed: int = 0
) -> tuple[SourceCheck, tuple[VariantPreview, ...]]:
    """Up to PREVIEW_MAX variants from `first_seed` on, as the staff views show them (answers
    and worked solutions included). Parse problems come back in the check, nothing else."""
    parsed = parse_bounded(source, path=source_path_for("preview"))
    if parsed.template is None:
        return parsed, ()
    count = max(1, min(PREVIEW_MAX, count))
    first_seed = max(0, min(SEED_MAX, first_seed))
    try:
        generated = run_bounded(
            generate_range,
            parsed.template,
            first_seed,
            count,
            cpu_seconds=GENERATE_CPU_SECONDS,
            memory_mb=MEMORY_MB,
        )
    except (BoundedTimeout, BoundedMemoryError) as error:
        problem = SourceProblem(f"generating the variants stopped: {error}")
        return SourceCheck(problems=(problem,), template=parsed.template), ()
    previews = tuple(
        VariantPreview(
            seed=seed,
            variant=variant.to_dict() if variant is not None else None,
            error=SourceProblem(message, line, seed) if variant is None else None,
        )
        for seed, variant, message, line in generated
    )
    return parsed, previews


def try_answer(*, source: str, seed: int, part_key: str, answer: str) -> Verdict:
    """Grade `answer` against part `part_key` of the variant `seed` of `source`, exactly as a
    student's answer would be graded (the text goes through the grading parser only)."""
    if len(answer) > ANSWER_MAX_CHARS:
        return Verdict(status="invalid", message="That answer is too long.")
    _, previews = preview_variants(source=source, count=1, first_seed=seed)
    variant = previews[0].variant if previews else None
    if variant is None:
        return Verdict(status="invalid", message="This variant could not be generated.")
    part = next((p for p in variant["parts"] if p["key"] == part_key), None)
    if part is None:
        return Verdict(status="invalid", message=f"There is no part `{part_key}`.")
    return grade(part["kind"], part["answer"], answer, part["options"])


def _template_values(parsed: Any, topic: Topic) -> dict[str, Any]:
    return {
        "title": parsed.title,
        "topic": topic,
        "difficulty": float(parsed.difficulty),
        "tags": list(parsed.tags),
        "author": parsed.author,
    }


def _add_version(*, template: ProblemTemplate, source: str, parsed: Any) -> TemplateVersion:
    latest = template.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = TemplateVersion.objects.create(
        template=template,
        number=latest + 1,
        source_text=source,
        source_hash=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        declared_version=str(parsed.version),
    )
    template.current_version = version
    template.save(update_fields=["current_version", "updated_at"])
    forget_catalog()
    enqueue_refill(version_id=version.pk, times=settings.VARIANT_BANK_PREFILL)
    return version


def publish_template_version(*, template: ProblemTemplate, source: str) -> TemplateVersion:
    """Check `source` and store it as `template`'s next version (its metadata follows the
    source). Raises SourceRejected with the problems. Publishing the current text again
    returns the current version unchanged."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    if template.current_version is not None and template.current_version.source_hash == digest:
        return template.current_version
    check = check_source(source=source, expected_key=template.key)
    if not check.ok:
        raise SourceRejected(check)
    with transaction.atomic():
        locked = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
        current = locked.current_version
        if current is not None and current.source_hash == digest:
            return current
        topic = Topic.objects.get(slug=check.template.topic)
        values = _template_values(check.template, topic)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.is_active = True
        # From now on the database, not the bank file, holds this template's text.
        locked.source_path = source_path_for(locked.key)
        locked.save(update_fields=[*values, "is_active", "source_path", "updated_at"])
        return _add_version(template=locked, source=source, parsed=check.template)


def create_template(*, source: str) -> ProblemTemplate:
    """A new template from `source` (its id must be new). Raises SourceRejected."""
    check = check_source(source=source)
    if check.ok and ProblemTemplate.objects.filter(key=check.template.id).exists():
        taken = SourceProblem(
            f"a template with id `{check.template.id}` exists; choose another id",
            check.template.line_of("id"),
        )
        check = SourceCheck(problems=(taken,), template=check.template)
    if not check.ok:
        raise SourceRejected(check)
    parsed = check.template
    with transaction.atomic():
        topic = Topic.objects.get(slug=parsed.topic)
        template = ProblemTemplate.objects.create(
            key=parsed.id, source_path=source_path_for(parsed.id), **_template_values(parsed, topic)
        )
        ItemState.objects.create(template=template, difficulty=float(parsed.difficulty))
        _add_version(template=template, source=source, parsed=parsed)
    return template


STARTER_SOURCE = """id = "{key}"
version = 1
title = "{title}"
topic = "{topic}"
difficulty = 1
tags = []
variables = ["x"]
statement = "Let $f(x) = {{{{a}}}} x^2 + {{{{b}}}} x$. Find $f'(x)$."
hints = ["Differentiate term by term."]
solution = "Term by term, $f'(x) = {{{{= 2*a}}}} x + {{{{b}}}}$."

[parameters]
a = {{ int = [2, 9] }}
b = {{ int = [2, 9] }}

[[parts]]
key = "derivative"
kind = "expression"
prompt = "$f'(x) =$"
answer = "2*a*x + b"

[[mistakes]]
part = "derivative"
answer = "a*x + b"
feedback = "The exponent comes down as a factor: the derivative of $x^2$ is $2x$."
"""


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def starter_source(*, key: str, topic: str, title: str) -> str:
    """A small working template to start from (a quadratic to differentiate)."""
    return STARTER_SOURCE.format(
        key=_toml_string(key), topic=_toml_string(topic), title=_toml_string(title)
    )


def duplicate_source(*, template: ProblemTemplate, key: str) -> str:
    """`template`'s current source with the id (and the title) changed for the copy."""
    version = template.current_version
    if version is None:
        raise ValueError(f"template {template.key} has no version to duplicate")
    text = _ID_LINE.sub(f'id = "{_toml_string(key)}"', version.source_text, count=1)
    return _TITLE_LINE.sub(lambda match: f'title = "{match.group(1)} (copy)"', text, count=1)


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key)) and len(key) <= 120


def exported_name(template: ProblemTemplate) -> str:
    return f"{template.key}.toml"


def export_source(*, template: ProblemTemplate) -> bytes:
    """The current version's source, byte for byte as it was published or imported."""
    version = template.current_version
    if version is None:
        raise ValueError(f"template {template.key} has no version to export")
    return version.source_text.encode("utf-8")


# A fixed timestamp keeps the same templates exporting to the same zip bytes.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def export_zip(*, templates: Iterable[ProblemTemplate]) -> bytes:
    """A zip of the current sources, one `<id>.toml` per template."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for template in templates:
            if template.current_version is None:
                continue
            info = zipfile.ZipInfo(exported_name(template), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, export_source(template=template))
    return buffer.getvalue()


def read_upload(name: str, data: bytes | None) -> list[tuple[str, bytes | None]]:
    """The TOML files in an upload: the file itself, or the `.toml` members of a zip (bounded
    in count and size, so a zip bomb is refused rather than expanded). None stands for a
    member too large to read or a zip that does not open."""
    if data is None or not name.lower().endswith(".zip"):
        return [(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [(name, None)]
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith(".toml")
    ]
    files: list[tuple[str, bytes | None]] = []
    limit = SOURCE_MAX_CHARS * 4
    for info in members[:IMPORT_MAX_FILES]:
        # The declared size can lie; reading one byte past the limit catches that too.
        with archive.open(info) as member:
            data_read = member.read(limit + 1)
        files.append((info.filename, data_read if len(data_read) <= limit else None))
    return files


def import_sources(*, files: Sequence[tuple[str, bytes | None]]) -> ImportReport:
    """Create or publish a template from each file (`.toml`, or a zip of them; None stands for
    an upload refused as too large). A file whose text is the template's current source changes
    nothing; a rejected file changes nothing and is reported with its problems."""
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    rejected: list[tuple[str, tuple[SourceProblem, ...]]] = []
    expanded = [item for name, data in files for item in read_upload(name, data)]
    for name, data in expanded[:IMPORT_MAX_FILES]:
        if data is None:
            rejected.append((name, (SourceProblem("not a readable zip, or a file too large"),)))
            continue
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError:
            rejected.append((name, (SourceProblem("the file is not UTF-8 text"),)))
            continue
        parsed = parse_bounded(source, path=name)
        if parsed.template is None:
            rejected.append((name, parsed.problems))
            continue
        existing = (
            ProblemTemplate.objects.select_related("current_version")
            .filter(key=parsed.template.id)
            .first()
        )
        try:
            if existing is None:
                create_template(source=source)
                created.append(parsed.template.id)
                continue
            before = existing.current_version_id
            version = publish_template_version(template=existing, source=source)
        except SourceRejected as error:
            rejected.append((name, error.check.problems))
            continue
        (unchanged if version.pk == before else updated).append(existing.key)
    return ImportReport(
        created=tuple(created),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        rejected=tuple(rejected),
    )


def version_diff(*, old: TemplateVersion, new: TemplateVersion) -> str:
    """A side-by-side HTML table of the changes from `old` to `new` (context lines only);
    difflib escapes the source text, so the table is safe to show as is."""
    return difflib.HtmlDiff(tabsize=4, wrapcolumn=80).make_table(
        old.source_text.splitlines(),
        new.source_text.splitlines(),
        fromdesc=f"version {old.number}",
        todesc=f"version {new.number}",
        context=True,
        numlines=3,
    )
