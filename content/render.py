"""Turning a template's Markdown + LaTeX, with the variant's values filled in, into safe HTML.

Math spans (`$...$`, `$$...$$`) are set aside before Markdown runs and put back afterwards, so
`a_1 * b_1` inside math is never read as emphasis; everything outside math is HTML-escaped before
Markdown sees it, so no raw HTML from a template reaches a page. KaTeX renders the kept spans.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

import markdown
import sympy

from content.loader import PLACEHOLDER

Value: TypeAlias = sympy.Basic
Evaluate = Callable[[str], Value]

_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(?!\$)([^\n$]+?)(?<!\\)\$", re.DOTALL)
_SPAN_MARK = "\u2063MATH{}\u2063"
_SPAN_MARK_FIND = re.compile("\u2063MATH(\\d+)\u2063")
# After a coefficient, these LaTeX commands start a factor ("1\sigma" reads as "\sigma"); any other
# command (\cdot, \\, \end, ...) keeps the 1.
_FACTOR_COMMANDS = re.compile(
    r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|nu|pi|rho|sigma|tau|phi|"
    r"varphi|chi|psi|omega|Sigma|Delta|Phi|Omega|sin|cos|tan|exp|ln|log|sqrt|frac|left|mathbf|"
    r"operatorname|mathrm|nabla|partial)(?![A-Za-z])"
)
SIGNIFICANT_DIGITS = 6


def format_float(value: float) -> str:
    """A float as a reader expects it: at most six significant digits, no trailing zeros."""
    if value == 0:
        return "0"
    text = f"{value:.{SIGNIFICANT_DIGITS}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def round_floats(value: sympy.Basic, digits: int = SIGNIFICANT_DIGITS) -> sympy.Basic:
    """The same object with every Float cut to `digits` significant digits."""
    floats = value.atoms(sympy.Float)
    if not floats:
        return value
    return value.xreplace({f: sympy.Float(f"{float(f):.{digits}g}", 15) for f in floats})


def latex_of(value: object) -> str:
    """LaTeX for a value: matrices as bmatrix, fractions as \\frac, floats rounded."""
    if isinstance(value, bool):
        return r"\text{true}" if value else r"\text{false}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, sympy.Integer):
        return str(int(value))
    if isinstance(value, sympy.Rational):
        sign = "-" if value < 0 else ""
        return f"{sign}\\frac{{{abs(value.p)}}}{{{value.q}}}"
    if isinstance(value, sympy.Float):
        return format_float(float(value))
    if isinstance(value, sympy.MatrixBase):
        rows = [
            " & ".join(latex_of(value[i, j]) for j in range(value.cols)) for i in range(value.rows)
        ]
        return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"
    if isinstance(value, sympy.FiniteSet):
        items = sorted(value, key=sympy.default_sort_key)
        return "\\left\\{" + ", ".join(latex_of(item) for item in items) + "\\right\\}"
    if isinstance(value, sympy.Equality):
        return f"{latex_of(value.lhs)} = {latex_of(value.rhs)}"
    if isinstance(value, sympy.Basic):
        try:
            return _expression_latex(value)
        except TypeError:  # an unhashable value is printed afresh
            return str(sympy.latex(round_floats(value)))
    return html.escape(str(value))


@lru_cache(maxsize=8192)
def _expression_latex(value: sympy.Basic) -> str:
    # Printing is a pure function of the (immutable) value, and the same small expressions recur
    # from variant to variant.
    return str(sympy.latex(round_floats(value)))


def plain_of(value: object) -> str | None:
    """The value as plain text when it needs no math typesetting (whole numbers and decimals)."""
    if isinstance(value, sympy.Integer):
        return str(int(value))
    if isinstance(value, sympy.Float) and "times" not in format_float(float(value)):
        return format_float(float(value))
    return None


@dataclass(frozen=True)
class _Segment:
    math: bool
    display: bool
    text: str


@lru_cache(maxsize=4096)
def _split_math(text: str) -> tuple[_Segment, ...]:
    # Template text recurs for every seed, and filled-in text often does too.
    segments: list[_Segment] = []
    position = 0
    for match in _MATH.finditer(text):
        if match.start() > position:
            segments.append(_Segment(False, False, text[position : match.start()]))
        display = match.group(1) is not None
        segments.append(_Segment(True, display, match.group(1) if display else match.group(2)))
        position = match.end()
    if position < len(text):
        segments.append(_Segment(False, False, text[position:]))
    return tuple(segments)


def _tidy_join(
    before: str, value: str, after: str, *, in_math: bool, compound: bool = False
) -> tuple[str, str]:
    """Join a rendered value into text the way a textbook prints it; returns (before, value).

    `compound` says the value is a sum, which needs grouping next to a product or power sign.
    Prose is left as written: "the 1 units" keeps its 1, "score * -4" its sign.
    """
    if not in_math:
        return before, value
    stripped = before.rstrip()
    if value.startswith("-"):
        if stripped.endswith("+"):
            before, value = stripped[:-1] + "- ", value[1:].lstrip()
        elif stripped.endswith("-") and not stripped.endswith("--"):
            before, value = stripped[:-1] + "+ ", value[1:].lstrip()
    following = after.lstrip(" ")
    starts_factor = bool(following) and (
        following[0].isalpha() or following[0] == "(" or bool(_FACTOR_COMMANDS.match(following))
    )
    if starts_factor and value in ("1", "-1"):
        return before, value[:-1]
    needs_group = value.startswith("-") or compound
    if before.endswith("^"):
        # A bare `^` takes one character; `x^-2` would print as x⁻ followed by 2.
        if len(value) > 1:
            value = "{" + value + "}"
    elif needs_group and _TIMES_SIGN.search(stripped):
        value = _grouped(value)
    elif (needs_group or value.startswith("\\frac")) and following.startswith("^"):
        value = _grouped(value)
    return before, value


_TIMES_SIGN = re.compile(r"(\\cdot|\\times|\*)$")


def _grouped(value: str) -> str:
    # Tall values (fractions) get delimiters that grow with them.
    if "\\frac" in value:
        return f"\\left({value}\\right)"
    return f"({value})"


_BRACKET_MATH = re.compile(r"(?<!\\)\\([\(\)\[\]])")


def _inside_bracket_math(prefix: str) -> bool:
    """Whether prose text ending in `prefix` is inside an open `\\(...\\)` or `\\[...\\]`."""
    opened = False
    for match in _BRACKET_MATH.finditer(prefix):
        opened = match.group(1) in "(["
    return opened


def fill_placeholders(
    text: str, values: Mapping[str, Value], evaluate: Evaluate | None = None
) -> str:
    """Replace `{{name}}` and `{{= expression}}` with the variant's values, math-aware.

    Inside a math span a placeholder becomes LaTeX; outside, whole numbers and decimals become
    plain text and anything else its LaTeX wrapped in `$...$`.
    """
    pieces: list[str] = []
    for segment in _split_math(text):
        filled = _fill_segment(segment.text, segment.math, values, evaluate)
        if segment.math:
            fence = "$$" if segment.display else "$"
            pieces.append(fence + filled + fence)
        else:
            pieces.append(filled)
    return "".join(pieces)


def _fill_segment(
    text: str, in_math: bool, values: Mapping[str, Value], evaluate: Evaluate | None
) -> str:
    out = ""
    position = 0
    for match in PLACEHOLDER.finditer(text):
        before = out + text[position : match.start()]
        if match.group(1):
            if evaluate is None:
                raise KeyError(match.group(0))
            value = evaluate(match.group(2))
        else:
            value = values[match.group(2)]
        math_here = in_math or _inside_bracket_math(text[: match.start()])
        plain = plain_of(value)
        rendered = plain if plain is not None and not math_here else latex_of(value)
        after = text[match.end() :]
        before, rendered = _tidy_join(
            before, rendered, after, in_math=math_here, compound=isinstance(value, sympy.Add)
        )
        if not math_here and plain is None:
            rendered = f"${rendered}$"
        out = before + rendered
        position = match.end()
    return out + text[position:]


def markdown_to_html(text: str) -> str:
    """Markdown with LaTeX math spans kept verbatim (HTML-escaped) for KaTeX; raw HTML escaped."""
    spans: list[str] = []
    pieces: list[str] = []
    for segment in _split_math(text):
        if segment.math:
            fence = "$$" if segment.display else "$"
            spans.append(fence + segment.text + fence)
            pieces.append(_SPAN_MARK.format(len(spans) - 1))
        else:
            pieces.append(html.escape(segment.text, quote=False))
    converted = _safe_links(_convert_markdown("".join(pieces)))
    return _SPAN_MARK_FIND.sub(
        lambda m: html.escape(spans[int(m.group(1))], quote=False), converted
    )


_converters = threading.local()
_LINK_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


def is_safe_url(url: str) -> bool:
    """Web pages, mail addresses, fragments and same-site paths; never javascript: or data:."""
    lowered = url.lower()
    if lowered.startswith(("http://", "https://", "mailto:", "#")):
        return True
    if url.startswith("//"):
        return False
    if url.startswith("/"):
        return True
    # A relative path: a scheme would show as a colon before the first slash.
    return bool(url) and ":" not in url.split("/", 1)[0]


def _safe_links(converted: str) -> str:
    def check(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2)).strip()
        return match.group(0) if is_safe_url(url) else f'{match.group(1)}="#"'

    return _LINK_ATTRIBUTE.sub(check, converted)


@lru_cache(maxsize=2048)
def _convert_markdown(text: str) -> str:
    # Building a Markdown converter costs more than converting a paragraph: keep one per thread.
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
        _converters.markdown = converter
    converter.reset()
    return str(converter.convert(text))


def render_markdown(
    text: str, values: Mapping[str, Value], evaluate: Evaluate | None = None
) -> str:
    """Fill placeholders, then convert to HTML."""
    return markdown_to_html(fill_placeholders(text, values, evaluate))
