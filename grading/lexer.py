"""Unicode normalisation and tokenizer for math text.

Pasted text is normalised first (full-width forms, `−`, `×`, `·`, `÷`, superscripts, Greek letters,
`π`, `√`, `∞`, `≤`...) while a map from every normalised character back to the character the
student typed is kept, so tokens, and therefore errors, point at the original text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from grading.errors import InputTooLarge, ParseError
from grading.limits import MAX_LITERAL_DIGITS, MAX_LITERAL_EXPONENT

TokenKind = Literal["number", "name", "op", "(", ")", "[", "]", "{", "}", ",", "|", "end"]

_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ϑ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "phi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Γ": "Gamma",
    "Δ": "Delta",
    "Θ": "Theta",
    "Λ": "Lambda",
    "Σ": "Sigma",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
}

_SYMBOLS = {
    "−": "-",
    "–": "-",
    "‐": "-",
    "‑": "-",
    "﹣": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∙": "*",
    "∗": "*",
    "÷": "/",
    "∕": "/",
    "⁄": "/",
    "π": "pi",
    "√": "sqrt",
    "∞": "oo",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "∣": "|",
    **_GREEK,
}

_SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁺": "+",
    "⁻": "-",
}
_SUBSCRIPTS = {chr(0x2080 + d): str(d) for d in range(10)}

_WHITESPACE_CONTROLS = {"\t", "\n", "\r", "\v", "\f"}

_CHARACTER_HINTS = {
    "'": "quotes are not part of math here",
    '"': "quotes are not part of math here",
    "`": "backticks are not part of math here",
    ";": "write one answer, without `;`",
    ".": "a `.` can only be a decimal point, as in 0.5",
    "_": "a name starts with a letter",
    "\\": "LaTeX commands are not read here: type sqrt(x), not \\sqrt{x}",
    "!": "use factorial(n), not n!",
    ":": "`:` is not an operator here",
    "&": "`&` is not an operator here",
    "%": "percent signs are not read here: type 0.05 or 5/100",
    "$": "dollar signs are not read here",
    "@": "`@` is not an operator here: use * to multiply matrices",
}


@dataclass(frozen=True)
class NormalisedText:
    """``text`` after normalisation; ``origin[k]`` is the offset in the typed text of ``text[k]``
    (one extra entry maps the end of the text)."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised ``[start, end)`` to the typed text."""
        first = self.origin[start]
        last = self.origin[end - 1] + 1 if end > start else first
        return first, max(last, first)


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    position: int  # offsets into the typed text
    end: int


def normalise(text: str) -> NormalisedText:
    """Rewrite pasted Unicode into the ASCII grammar, keeping offsets back to ``text``."""
    out: list[str] = []
    origin: list[int] = []

    def emit(piece: str, at: int) -> None:
        out.append(piece)
        origin.extend([at] * len(piece))

    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isascii() and (ch.isprintable() or ch == " "):
            emit(ch, i)
            i += 1
            continue
        if ch in _SUPERSCRIPTS or ch in _SUBSCRIPTS:
            table = _SUPERSCRIPTS if ch in _SUPERSCRIPTS else _SUBSCRIPTS
            j = i
            while j < n and text[j] in table:
                j += 1
            run = "".join(table[c] for c in text[i:j])
            if table is _SUBSCRIPTS:
                emit("_", i)
                for k, c in enumerate(run):
                    emit(c, i + k)
            else:
                emit("^(", i)
                for k, c in enumerate(run):
                    emit(c, i + k)
                emit(")", j - 1)
            i = j
            continue
        if ch in _WHITESPACE_CONTROLS:
            emit(" ", i)
            i += 1
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            what = "a NUL character" if ch == "\x00" else f"a control character (U+{ord(ch):04X})"
            raise ParseError(f"the text contains {what}", i, i + 1, code="control_character")
        if category == "Cf":
            # Zero-width spaces, joiners and byte-order marks come along with copied text.
            i += 1
            continue
        if category.startswith("Z"):
            emit(" ", i)
            i += 1
            continue
        mapped = _SYMBOLS.get(ch)
        if mapped is None:
            folded = unicodedata.normalize("NFKC", ch)
            mapped = "".join(_SYMBOLS.get(c, c) for c in folded) if folded != ch else ch
        elif mapped.isalpha():
            # `2πr`, `√x`, `xσ`: a symbol that becomes a word stays a separate word.
            if out and out[-1][-1:].isalnum():
                emit(" ", i)
            following = text[i + 1 : i + 2]
            if (
                following.isalnum()
                and following not in _SUBSCRIPTS
                and following not in _SUPERSCRIPTS
            ):
                mapped += " "
        emit(mapped, i)
        i += 1
    origin.append(n)
    return NormalisedText("".join(out), tuple(origin))


_TWO_CHAR_OPS = {"**": "^", "<=": "<=", ">=": ">=", "==": "==", "!=": "!="}
_ONE_CHAR_OPS = {"+", "-", "*", "/", "^", "=", "<", ">"}
_PUNCTUATION: dict[str, TokenKind] = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "{": "{",
    "}": "}",
    ",": ",",
    "|": "|",
}


def tokenize(text: str, *, max_tokens: int) -> list[Token]:
    """Split ``text`` (as typed) into tokens ending with an ``end`` token."""
    norm = normalise(text)
    src = norm.text
    tokens: list[Token] = []
    i = 0
    n = len(src)

    def add(kind: TokenKind, value: str, start: int, stop: int) -> None:
        position, end = norm.span(start, stop)
        if len(tokens) >= max_tokens:
            raise InputTooLarge(
                f"the text is too long to read (more than {max_tokens} symbols)", position, end
            )
        tokens.append(Token(kind, value, position, end))

    while i < n:
        ch = src[i]
        if ch == " ":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            j = _scan_number(src, i, norm)
            add("number", src[i:j], i, j)
            i = j
            continue
        if ch.isascii() and ch.isalpha():
            j = i + 1
            while j < n and src[j].isascii() and src[j].isalnum():
                j += 1
            while j + 1 < n and src[j] == "_" and src[j + 1].isascii() and src[j + 1].isalnum():
                j += 2
                while j < n and src[j].isascii() and src[j].isalnum():
                    j += 1
            add("name", src[i:j], i, j)
            i = j
            continue
        pair = src[i : i + 2]
        if pair in _TWO_CHAR_OPS:
            add("op", _TWO_CHAR_OPS[pair], i, i + 2)
            i += 2
            continue
        if ch in _ONE_CHAR_OPS:
            add("op", ch, i, i + 1)
            i += 1
            continue
        if ch in _PUNCTUATION:
            add(_PUNCTUATION[ch], ch, i, i + 1)
            i += 1
            continue
        position, end = norm.span(i, i + 1)
        hint = _CHARACTER_HINTS.get(ch)
        shown = text[position:end] or ch
        message = f"unexpected character `{shown}`" + (f": {hint}" if hint else "")
        raise ParseError(message, position, end, code="unexpected_character")
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _scan_number(src: str, i: int, norm: NormalisedText) -> int:
    """End of the numeric literal starting at ``i``; refuses oversized literals."""
    n = len(src)
    j = i
    while j < n and src[j].isdigit():
        j += 1
    if j < n and src[j] == ".":
        j += 1
        while j < n and src[j].isdigit():
            j += 1
    digits = sum(c.isdigit() for c in src[i:j])
    if digits > MAX_LITERAL_DIGITS:
        position, end = norm.span(i, j)
        raise InputTooLarge(f"this number has more than {MAX_LITERAL_DIGITS} digits", position, end)
    # `2e` followed by a digit is scientific notation; otherwise the `e` is Euler's number.
    if j < n and src[j] in "eE":
        k = j + 1
        if k < n and src[k] in "+-":
            k += 1
        if k < n and src[k].isdigit():
            m = k
            while m < n and src[m].isdigit():
                m += 1
            exponent_digits = src[k:m].lstrip("0")
            if len(exponent_digits) > 6 or int(exponent_digits or "0") > MAX_LITERAL_EXPONENT:
                position, end = norm.span(i, m)
                raise InputTooLarge(
                    f"the exponent of this number is too large (at most 10^±{MAX_LITERAL_EXPONENT})",
                    position,
                    end,
                )
            j = m
    return j
