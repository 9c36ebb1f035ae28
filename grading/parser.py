"""The safe math parser: the only place where text becomes math.

A hand-written tokenizer (``grading.lexer``) and a recursive-descent grammar build SymPy objects
directly; no text is ever handed to ``eval``, ``sympify`` or ``parse_expr``. Every size that could
make SymPy slow is checked first against ``grading.limits``.

How text is read
- Precedence, loosest first: ``=`` (top level only; ``< <= > >= == !=`` only at template level),
  ``+ -``, ``* /`` and implicit multiplication (same level, left to right: ``1/2x`` is ``x/2``),
  unary minus, ``^``/``**`` (right-associative: ``2^3^2`` is ``2^9``, ``-x^2`` is ``-(x^2)``,
  ``2^-1`` works).
- Implicit multiplication: ``2x``, ``2(x+1)``, ``(x+1)(x-1)``, ``x(x+1)`` when ``x`` is a variable,
  ``2pi``, ``2x(w x - y)`` (a space multiplies), ``|x||y|``. Two numbers in a row (``2 3``) are
  refused rather than guessed.
- Functions: ``sin(x)^2`` squares the sine; ``sin^2 x`` and ``sin^2(x)`` mean the same. Without
  parentheses a function takes the product that follows it up to the next operator or function
  name: ``sin x^2`` is ``sin(x^2)``, ``sin 2x`` is ``sin(2x)``, ``sin x cos x`` is
  ``sin(x)*cos(x)``.
- Names: a name the caller bound through ``names`` wins, then declared ``variables``, then the
  constants (``pi``, ``e`` for Euler's number, ``oo``/``inf``/``infinity``, ``i`` only with
  ``allow_complex``), then functions. An undeclared run of letters is split into declared names
  when it can be (``wx`` → ``w*x``, ``sigmax`` → ``sigma*x``, ``sinx`` → ``sin(x)``), preferring the
  fewest and longest pieces; otherwise it is an ``UnknownNameError`` with a suggestion.
- ``x(...)``: multiplication when ``x`` is a variable, a call when it is a function, an
  ``UnknownNameError`` pointing at ``f`` for an unknown ``f(...)``.
- Literals: ``[1, 2, 3]`` is a 3×1 column ``ImmutableMatrix``; ``[[1, 2], [3, 4]]`` is 2×2 by rows
  (ragged rows are a ``ParseError``); ``{1, 3}`` is a ``FiniteSet``; ``a = b`` is an unevaluated
  ``Equality``. Matrices multiply with ``*``.
- Structure is kept as typed where SymPy would otherwise rewrite it: ``2(x+1)`` stays
  ``2*(x + 1)`` (no automatic distribution), so form checks can see a factored answer.

Numbers (what ``allow_floats`` and ``sigfigs`` need to know)
- Integers are exact ``Integer``.
- A literal with a decimal point or an exponent (``0.5``, ``1e-3``, ``6.02e23``) is a SymPy
  ``Float`` with 53-bit precision (a double, as a calculator keeps it), unless
  ``decimals="rational"`` is passed, in which case it is the exact ``Rational`` (``0.1`` → 1/10).
  ``6.02*10^23`` is a Float times an exact power of ten.
- ``parse_with_info`` returns a ``Parsed`` (``.value`` is what ``parse`` returns) and reports
  whether the text contained such a literal (``has_float``, and the literals as typed in
  ``decimal_literals``), whether the
  whole text is one number (optionally signed, optionally ``m*10^k``: ``numeric_literal``) and then
  its significant figures (``sigfigs``: ``0.00120`` → 3, ``1.20e3`` → 3, ``1200`` → 2; trailing
  zeros of a whole number are not counted).

Errors are ``grading.errors`` types carrying the offset into the text as typed.

Template text is read once
- At template level (the standard function table) a text that parsed is remembered as a tree of
  value-building steps, keyed by the text and the names (not the values) it was given; the next
  parse with other values reruns those steps, with every check and error position of a first
  reading, instead of reading the text again. Student answers are never remembered.
  ``clear_template_caches`` forgets the trees and the remembered tokens.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Literal

import sympy
from sympy import Basic, Expr, Float, ImmutableMatrix, Integer, Rational, S, Symbol
from sympy.matrices import MatrixBase

from grading.errors import (
    EvaluationError,
    InputTooLarge,
    MathInputError,
    ParseError,
    UnknownNameError,
)
from grading.functions import CallContext, FunctionSpec, absolute_value, functions_for_level
from grading.lexer import Token, tokenize
from grading.limits import (
    MAX_FUNCTION_ARGUMENTS,
    MAX_MATRIX_DIMENSION,
    MAX_MATRIX_POWER,
    MAX_NESTING_DEPTH,
    MAX_RESULT_DIGITS,
    MAX_SET_SIZE,
    MAX_STUDENT_TEXT_LENGTH,
    MAX_STUDENT_TOKENS,
    MAX_SYMBOLIC_EXPONENT,
    MAX_SYMBOLIC_MATRIX_POWER,
    MAX_TEMPLATE_TEXT_LENGTH,
    MAX_TEMPLATE_TOKENS,
)

Level = Literal["student", "template"]
Decimals = Literal["float", "rational"]

FLOAT_PRECISION_BITS = 53
TEMPLATE_TOKEN_CACHE_SIZE = 4096

_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*\Z")
_RELATIONS = {"=", "==", "!=", "<", "<=", ">", ">="}
_CONSTANTS: Mapping[str, Basic] = {
    "pi": S.Pi,
    "e": S.Exp1,
    "oo": S.Infinity,
    "inf": S.Infinity,
    "infinity": S.Infinity,
}
_TEMPLATE_CONSTANTS: Mapping[str, Basic] = {"true": sympy.true, "false": sympy.false}
_LOG10_2 = math.log10(2)


@dataclass(frozen=True)
class Parsed:
    """A parse result with facts about the text that the value alone cannot tell."""

    value: Basic
    has_float: bool
    decimal_literals: tuple[str, ...]
    numeric_literal: bool
    sigfigs: int | None
    symbols: frozenset[str]
    functions: frozenset[str]


def parse(
    text: str,
    *,
    variables: Iterable[str] = (),
    level: Level = "student",
    allow_complex: bool = False,
    names: Mapping[str, Basic] | None = None,
    functions: Mapping[str, FunctionSpec] | None = None,
    decimals: Decimals = "float",
) -> Basic:
    """Read math text into a SymPy object.

    Returns an ``Expr``, an ``ImmutableMatrix``, a ``FiniteSet`` or an ``Equality`` (and, at
    template level, a relational or boolean). Raises a ``MathInputError`` subclass otherwise.
    """
    return parse_with_info(
        text,
        variables=variables,
        level=level,
        allow_complex=allow_complex,
        names=names,
        functions=functions,
        decimals=decimals,
    ).value


def parse_with_info(
    text: str,
    *,
    variables: Iterable[str] = (),
    level: Level = "student",
    allow_complex: bool = False,
    names: Mapping[str, Basic] | None = None,
    functions: Mapping[str, FunctionSpec] | None = None,
    decimals: Decimals = "float",
) -> Parsed:
    """``parse`` plus what the text itself says: decimals used, significant figures, names used."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text", 0, 0)
    template = level == "template"
    max_length = MAX_TEMPLATE_TEXT_LENGTH if template else MAX_STUDENT_TEXT_LENGTH
    if len(text) > max_length:
        raise InputTooLarge(
            f"the text is too long (at most {max_length} characters)", max_length, len(text)
        )
    scope = _Scope.build(level, variables, allow_complex, names, functions, decimals)
    key: _CompiledKey | None = None
    if template and not functions:
        own_names = frozenset(scope.names)
        key = (text, allow_complex, decimals, scope.variables, own_names)
        compiled = _compiled.get(key)
        if compiled is not None:
            return _rebuild(compiled, scope, text)
        tokens = _template_tokens(text, allow_complex, scope.variables | own_names)
    else:
        max_tokens = MAX_TEMPLATE_TOKENS if template else MAX_STUDENT_TOKENS
        tokens = _read_tokens(text, scope, max_tokens)
    parser = _Parser(tokens, scope)
    try:
        value, node = parser.parse_top()
    except RecursionError:
        raise InputTooLarge("the expression is nested too deeply", 0, len(text)) from None
    numeric_text = _numeric_literal_text(tokens)
    parsed = Parsed(
        value=value,
        has_float=parser.has_float,
        decimal_literals=tuple(parser.decimal_literals),
        numeric_literal=numeric_text is not None,
        sigfigs=significant_figures(numeric_text) if numeric_text is not None else None,
        symbols=frozenset(parser.symbols),
        functions=frozenset(parser.functions),
    )
    if key is not None:
        _remember(key, parsed, node)
    return parsed


def _remember(key: _CompiledKey, parsed: Parsed, node: Node) -> None:
    if len(_compiled) >= TEMPLATE_TOKEN_CACHE_SIZE:
        # Oldest first: dicts keep insertion order, and template texts are few and long-lived.
        _compiled.pop(next(iter(_compiled)), None)
    _compiled[key] = _Compiled(
        node=node,
        has_float=parsed.has_float,
        decimal_literals=parsed.decimal_literals,
        numeric_literal=parsed.numeric_literal,
        sigfigs=parsed.sigfigs,
        symbols=parsed.symbols,
        functions=parsed.functions,
    )


def _rebuild(compiled: _Compiled, scope: _Scope, text: str) -> Parsed:
    try:
        value = compiled.node(_Parser([], scope))
    except RecursionError:
        raise InputTooLarge("the expression is nested too deeply", 0, len(text)) from None
    return Parsed(
        value=value,
        has_float=compiled.has_float,
        decimal_literals=compiled.decimal_literals,
        numeric_literal=compiled.numeric_literal,
        sigfigs=compiled.sigfigs,
        symbols=compiled.symbols,
        functions=compiled.functions,
    )


def _read_tokens(text: str, scope: _Scope, max_tokens: int) -> list[Token]:
    tokens = tokenize(text, max_tokens=max_tokens)
    if len(tokens) == 1:
        raise ParseError("the answer is empty", 0, len(text), code="empty")
    _check_bracket_depth(tokens)
    return _split_names(tokens, scope, max_tokens)


@lru_cache(maxsize=TEMPLATE_TOKEN_CACHE_SIZE)
def _template_tokens(text: str, allow_complex: bool, own_names: frozenset[str]) -> list[Token]:
    """Template text read into tokens, remembered: the same text is read again for every seed.

    How a run of letters splits depends only on which names are known, not on their values, so
    the key is the text and the set of names. Only template text (written by authors, bounded in
    number) is remembered; a student's answer is read afresh. Callers never change the list.
    """
    constants, table, longest = _standard_names("template", allow_complex)
    scope = _Scope(
        template=True,
        allow_complex=allow_complex,
        variables=own_names,
        names={},
        constants=constants,
        functions=table,
        decimals="float",
        longest_name=max((longest, *(len(name) for name in own_names))),
        context=_CONTEXTS[(allow_complex, "template")],
    )
    return _read_tokens(text, scope, MAX_TEMPLATE_TOKENS)


def clear_template_caches() -> None:
    """Forget remembered template tokens and value trees (to time or test a first reading)."""
    _template_tokens.cache_clear()
    _compiled.clear()


def significant_figures(literal: str) -> int:
    """Significant figures of a numeric literal as typed (no sign)."""
    mantissa = re.split("[eE]", literal, maxsplit=1)[0]
    if "." in mantissa:
        digits = mantissa.replace(".", "").lstrip("0")
        if digits:
            return len(digits)
        return max(1, len(mantissa.split(".", 1)[1]))
    return max(1, len(mantissa.lstrip("0").rstrip("0")))


def _numeric_literal_text(tokens: list[Token]) -> str | None:
    """The mantissa literal when the whole text is one number, signed or as m*10^k."""
    body = tokens[:-1]
    if body and body[0].kind == "op" and body[0].text in "+-":
        body = body[1:]
    if not body or body[0].kind != "number":
        return None
    if len(body) == 1:
        return body[0].text
    rest = [(t.kind, t.text) for t in body[1:]]
    if rest[:3] != [("op", "*"), ("number", "10"), ("op", "^")]:
        return None
    exponent = rest[3:]
    if exponent and exponent[0][0] == "(" and exponent[-1][0] == ")":
        exponent = exponent[1:-1]
    if exponent and exponent[0] in (("op", "-"), ("op", "+")):
        exponent = exponent[1:]
    if len(exponent) == 1 and exponent[0][0] == "number" and exponent[0][1].isdigit():
        return body[0].text
    return None


@dataclass(frozen=True)
class _Scope:
    template: bool
    allow_complex: bool
    variables: frozenset[str]
    names: Mapping[str, Basic]
    constants: Mapping[str, Basic]
    functions: Mapping[str, FunctionSpec]
    decimals: Decimals
    longest_name: int
    context: CallContext

    @staticmethod
    def build(
        level: Level,
        variables: Iterable[str],
        allow_complex: bool,
        names: Mapping[str, Basic] | None,
        functions: Mapping[str, FunctionSpec] | None,
        decimals: Decimals,
    ) -> _Scope:
        # A single string of names ("x y" or "mu, sigma") would otherwise iterate as letters.
        if isinstance(variables, str):
            variables = [v for v in re.split(r"[\s,]+", variables) if v]
        declared = frozenset(variables)
        bound = {name: _as_value(name, value) for name, value in (names or {}).items()}
        for name in (*declared, *bound):
            if not _is_name(name):
                raise MathInputError(
                    f"`{name}` cannot be a variable name: use letters, digits and `_`, starting "
                    "with a letter",
                    0,
                    0,
                    code="bad_variable",
                )
        if functions:
            constants, table, longest = _fixed_names(level, allow_complex, functions)
        else:
            constants, table, longest = _standard_names(level, allow_complex)
        for name in (*declared, *bound):
            longest = max(longest, len(name))
        return _Scope(
            template=level == "template",
            allow_complex=allow_complex,
            variables=declared,
            names=bound,
            constants=constants,
            functions=table,
            decimals=decimals,
            longest_name=longest,
            context=_CONTEXTS.get((allow_complex, level))
            or CallContext(allow_complex=allow_complex, level=level),
        )

    def knows(self, name: str) -> bool:
        return (
            name in self.names
            or name in self.variables
            or name in self.constants
            or name in self.functions
        )

    def is_function(self, name: str) -> bool:
        return (
            name in self.functions
            and name not in self.names
            and name not in self.variables
            and name not in self.constants
        )


def _is_name(name: object) -> bool:
    return isinstance(name, str) and _is_name_text(name)


@lru_cache(maxsize=4096)
def _is_name_text(name: str) -> bool:
    # Every parse checks every declared and bound name; templates use the same few again and again.
    return _NAME_PATTERN.match(name) is not None


def _fixed_names(
    level: Level, allow_complex: bool, functions: Mapping[str, FunctionSpec] | None
) -> tuple[Mapping[str, Basic], Mapping[str, FunctionSpec], int]:
    """The constants and functions a parse knows besides its own names, and the longest of them."""
    constants = dict(_CONSTANTS)
    if level == "template":
        constants.update(_TEMPLATE_CONSTANTS)
    if allow_complex:
        constants["i"] = S.ImaginaryUnit
    table = functions_for_level(level, functions)
    longest = max((len(n) for n in (*constants, *table)), default=1)
    return constants, table, longest


@lru_cache(maxsize=8)
def _standard_names(
    level: Level, allow_complex: bool
) -> tuple[Mapping[str, Basic], Mapping[str, FunctionSpec], int]:
    # The standard tables never change, and measuring the longest of some hundred names on every
    # parse is a visible share of a template's generation time.
    constants, table, longest = _fixed_names(level, allow_complex, None)
    return MappingProxyType(dict(constants)), table, longest


_CONTEXTS = {
    (allow_complex, level): CallContext(allow_complex=allow_complex, level=level)
    for allow_complex in (False, True)
    for level in ("student", "template")
}


def _as_value(name: str, value: object) -> Basic:
    """A bound value as a SymPy object; plain Python numbers are accepted for convenience."""
    if isinstance(value, Basic):
        return value
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    if isinstance(value, int):
        return Integer(value)
    if isinstance(value, float):
        return Float(repr(value), precision=FLOAT_PRECISION_BITS)
    raise TypeError(f"the value bound to `{name}` must be a SymPy object or a number")


def _check_bracket_depth(tokens: list[Token]) -> None:
    depth = 0
    for token in tokens:
        if token.kind in ("(", "[", "{"):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise InputTooLarge(
                    f"brackets are nested too deeply (at most {MAX_NESTING_DEPTH} levels)",
                    token.position,
                    token.end,
                )
        elif token.kind in (")", "]", "}") and depth > 0:
            depth -= 1


def _split_names(tokens: list[Token], scope: _Scope, max_tokens: int) -> list[Token]:
    """Replace each undeclared run of letters by the declared names it is made of, if any."""
    out: list[Token] = []
    for token in tokens:
        if token.kind != "name" or scope.knows(token.text) or "_" in token.text:
            out.append(token)
            continue
        pieces = _segment(token.text, scope)
        # A name typed with non-ASCII letters (Greek) cannot be cut by offset; keep it whole.
        if pieces is None or token.end - token.position != len(token.text):
            out.append(token)
            continue
        offset = token.position
        for piece in pieces:
            kind: Literal["number", "name"] = "number" if piece[0].isdigit() else "name"
            out.append(Token(kind, piece, offset, offset + len(piece)))
            offset += len(piece)
    if len(out) > max_tokens:
        extra = out[max_tokens]
        raise InputTooLarge(
            f"the text is too long to read (more than {max_tokens} symbols)",
            extra.position,
            extra.end,
        )
    return out


def _segment(word: str, scope: _Scope) -> list[str] | None:
    """Cut ``word`` into known names and digit runs: fewest pieces, longer pieces first."""
    n = len(word)
    pieces_to_end: list[int | None] = [None] * (n + 1)
    next_cut = [0] * (n + 1)
    pieces_to_end[n] = 0
    for start in range(n - 1, -1, -1):
        best: int | None = None
        if word[start].isdigit():
            stop = start
            while stop < n and word[stop].isdigit():
                stop += 1
            rest = pieces_to_end[stop]
            if rest is not None:
                best, next_cut[start] = rest + 1, stop
        else:
            for length in range(min(scope.longest_name, n - start), 0, -1):
                stop = start + length
                rest = pieces_to_end[stop]
                if rest is not None and scope.knows(word[start:stop]):
                    if best is None or rest + 1 < best:
                        best, next_cut[start] = rest + 1, stop
        pieces_to_end[start] = best
    if pieces_to_end[0] is None:
        return None
    pieces = []
    at = 0
    while at < n:
        pieces.append(word[at : next_cut[at]])
        at = next_cut[at]
    return pieces


def _log10_int(n: int) -> float:
    if n.bit_length() < 1000:
        return math.log10(n)
    return n.bit_length() * _LOG10_2


def _log10_abs(x: Expr) -> float | None:
    """log10 of |x| for a number, without computing anything large; None for zero/unknown."""
    if x.is_Rational:
        p, q = abs(int(x.p)), int(x.q)
        return None if p == 0 else _log10_int(p) - _log10_int(q)
    if x.is_Float:
        sign, mantissa, exponent, bits = x._mpf_
        if mantissa == 0:
            return None
        return (exponent + bits) * _LOG10_2
    try:
        approx = sympy.Abs(x).evalf(15)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if approx.is_Float:
        return _log10_abs(approx)
    return None


def _exact_size(x: Expr) -> float:
    """Decimal digits an exact power of ``x`` grows by per unit of exponent."""
    size = 0.0
    for atom in x.atoms(sympy.Rational):
        p, q = abs(int(atom.p)), int(atom.q)
        size = max(size, _log10_int(p) if p else 0.0, _log10_int(q))
    magnitude = _log10_abs(x)
    if magnitude is not None:
        size = max(size, abs(magnitude))
    return size


def _shape(m: MatrixBase) -> str:
    return f"{m.rows}×{m.cols}"


def _kind_name(value: Basic) -> str:
    if isinstance(value, MatrixBase):
        return "a matrix"
    if isinstance(value, sympy.Set):
        return "a set"
    if isinstance(value, sympy.Equality):
        return "an equation"
    if isinstance(value, sympy.logic.boolalg.Boolean):
        return "a comparison"
    return "an expression"


Span = tuple[int, int]
# A node rebuilds one production's value from the names bound in the parser it is given.
Node = Callable[["_Parser"], Basic]
Built = tuple[Basic, Node]


def _constant(value: Basic) -> Node:
    return lambda _: value


def _bound_name(name: str, parser: _Parser) -> Basic:
    return parser.scope.names[name]


def _negated(node: Node, span: Span) -> Node:
    return lambda p: p.negate(node(p), span)


def _product(nodes: list[Node], factors: list[tuple[Basic, bool, Span]], span: Span) -> Node:
    shape = [(divide, factor_span) for _, divide, factor_span in factors]

    def product(p: _Parser) -> Basic:
        return p.combine_product(
            [
                (node(p), divide, factor_span)
                for node, (divide, factor_span) in zip(nodes, shape, strict=True)
            ],
            span,
        )

    return product


@dataclass(frozen=True)
class _Compiled:
    """A template text read once: its value tree and what the text itself says.

    Which productions a text contains, and every syntax check on it, depend on the text and on
    which names are known, never on their values; so a text that was read successfully once
    is rebuilt for new values by running the same value-building steps, with the same checks
    and error positions, in the same order, without reading the text again.
    """

    node: Node
    has_float: bool
    decimal_literals: tuple[str, ...]
    numeric_literal: bool
    sigfigs: int | None
    symbols: frozenset[str]
    functions: frozenset[str]


_CompiledKey = tuple[str, bool, str, frozenset[str], frozenset[str]]
_compiled: dict[_CompiledKey, _Compiled] = {}


class _Parser:
    def __init__(self, tokens: list[Token], scope: _Scope) -> None:
        self.tokens = tokens
        self.scope = scope
        self.i = 0
        self.depth = 0
        self.abs_depth = 0
        self.bracket_depth = 0
        self.has_float = False
        self.decimal_literals: list[str] = []
        self.symbols: set[str] = set()
        self.functions: set[str] = set()

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> str:
        return self.tokens[self.i].kind

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "end":
            self.i += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == "op" and token.text in ops

    def prev_end(self) -> int:
        return self.tokens[self.i - 1].end if self.i else 0

    def span_from(self, start: Token) -> Span:
        return start.position, max(self.prev_end(), start.end)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            raise InputTooLarge(
                f"the expression is nested too deeply (at most {MAX_NESTING_DEPTH} levels)",
                token.position,
                token.end,
            )

    def leave(self) -> None:
        self.depth -= 1

    def starts_operand(self, token: Token) -> bool:
        # `[` is left out: `x[0]` reads like indexing, so a vector needs an explicit `*`.
        if token.kind in ("number", "name", "("):
            return True
        return token.kind == "|" and self.abs_depth == 0

    # Grammar: every production returns its value and a node that rebuilds that value from the
    # names of another parse (see ``_Compiled``); building goes through the same checked methods.

    def parse_top(self) -> Built:
        built = self.parse_relation(allowed=True, top=True)
        if self.tok.kind != "end":
            raise self.unexpected(self.tok)
        return built

    def parse_relation(self, *, allowed: bool, top: bool = False) -> Built:
        start = self.tok
        lhs, lhs_node = self.parse_sum()
        if not (self.tok.kind == "op" and self.tok.text in _RELATIONS):
            return lhs, lhs_node
        op = self.advance()
        if op.text == "=" and not (allowed and (top or self.scope.template)):
            raise ParseError(
                "`=` can only stand between the two sides of an equation, not inside brackets "
                "or a function's arguments",
                op.position,
                op.end,
            )
        if op.text != "=" and not (allowed and self.scope.template):
            raise ParseError(
                f"comparisons like `{op.text}` are not allowed here", op.position, op.end
            )
        if self.kind() == "end":
            raise ParseError(f"`{op.text}` needs something on its right", op.position, op.end)
        rhs, rhs_node = self.parse_sum()
        if self.tok.kind == "op" and self.tok.text in _RELATIONS:
            extra = self.tok
            raise ParseError("only one `=` or comparison is allowed", extra.position, extra.end)
        span = self.span_from(start)

        def relation(p: _Parser) -> Basic:
            return p.build_relation(op, lhs_node(p), rhs_node(p), span)

        return self.build_relation(op, lhs, rhs, span), relation

    def parse_sum(self) -> Built:
        start = self.tok
        first, first_node = self.parse_term()
        terms = [first]
        nodes = [first_node]
        while self.at_op("+", "-"):
            op = self.advance()
            term_start = self.tok
            term, term_node = self.parse_term()
            if op.text == "-":
                term_span = self.span_from(term_start)
                term = self.negate(term, term_span)
                term_node = _negated(term_node, term_span)
            terms.append(term)
            nodes.append(term_node)
        if len(terms) == 1:
            return first, first_node
        span = self.span_from(start)

        def total(p: _Parser) -> Basic:
            return p.combine_sum([node(p) for node in nodes], span)

        return self.combine_sum(terms, span), total

    def parse_term(self) -> Built:
        start = self.tok
        factor_start = self.tok
        value, node = self.parse_unary()
        factors: list[tuple[Basic, bool, Span]] = [(value, False, self.span_from(factor_start))]
        nodes = [node]
        while True:
            token = self.tok
            if self.at_op("*", "/"):
                self.advance()
                factor_start = self.tok
                value, node = self.parse_unary()
                factors.append((value, token.text == "/", self.span_from(factor_start)))
            elif self.starts_operand(token):
                self.check_adjacent_numbers(token)
                value, node = self.parse_power()
                factors.append((value, False, self.span_from(token)))
            else:
                break
            nodes.append(node)
        if len(factors) == 1:
            return factors[0][0], nodes[0]
        span = self.span_from(start)
        return self.combine_product(factors, span), _product(nodes, factors, span)

    def check_adjacent_numbers(self, token: Token) -> None:
        previous = self.tokens[self.i - 1]
        if token.kind == "number" and previous.kind == "number":
            raise ParseError(
                "two numbers in a row: use `*` to multiply them",
                previous.position,
                token.end,
                code="adjacent_numbers",
            )

    def parse_unary(self) -> Built:
        if self.at_op("+", "-"):
            sign = self.advance()
            self.enter(sign)
            operand_start = self.tok
            operand, node = self.parse_unary()
            self.leave()
            if sign.text == "-":
                span = self.span_from(operand_start)
                return self.negate(operand, span), _negated(node, span)
            return operand, node
        return self.parse_power()

    def parse_power(self) -> Built:
        start = self.tok
        base, base_node = self.parse_primary()
        if not self.at_op("^"):
            return base, base_node
        caret = self.advance()
        self.enter(caret)
        if self.tok.kind == "end":
            raise ParseError("`^` needs an exponent after it", caret.position, caret.end)
        if self.tok.kind == "{":
            # `e^{2x}` as written in LaTeX: after `^` braces can only be grouping.
            exponent, exponent_node = self.parse_group("{", "}")
        else:
            exponent, exponent_node = self.parse_unary()
        self.leave()
        span = self.span_from(start)

        def power(p: _Parser) -> Basic:
            return p.build_power(base_node(p), exponent_node(p), span)

        return self.build_power(base, exponent, span), power

    def parse_primary(self) -> Built:
        token = self.tok
        if token.kind == "number":
            self.advance()
            number = self.number(token)
            return number, _constant(number)
        if token.kind == "name":
            return self.parse_name()
        if token.kind == "(":
            return self.parse_parenthesised()
        if token.kind == "[":
            return self.parse_matrix()
        if token.kind == "{":
            return self.parse_set()
        if token.kind == "|":
            return self.parse_abs()
        raise self.unexpected(token)

    def parse_parenthesised(self) -> Built:
        return self.parse_group("(", ")")

    def parse_group(self, opening: str, closing: str) -> Built:
        opener = self.advance()
        self.enter(opener)
        saved_abs, self.abs_depth = self.abs_depth, 0
        saved_brackets, self.bracket_depth = self.bracket_depth, 0
        if self.tok.kind == closing:
            raise ParseError(
                f"empty `{opening}{closing}`", opener.position, self.tok.end, code="empty_group"
            )
        built = self.parse_relation(allowed=self.scope.template)
        if self.tok.kind == ",":
            comma = self.tok
            raise ParseError(
                f"a `,` cannot separate values inside {opening} {closing}: use [ ] for a vector "
                "or { } for a set",
                comma.position,
                comma.end,
            )
        self.expect(closing, opener)
        self.abs_depth = saved_abs
        self.bracket_depth = saved_brackets
        self.leave()
        return built

    def parse_abs(self) -> Built:
        opener = self.advance()
        self.enter(opener)
        self.abs_depth += 1
        inner_start = self.tok
        inner, inner_node = self.parse_sum()
        inner_span = self.span_from(inner_start)
        if self.kind() != "|":
            if self.kind() == "end":
                raise ParseError(
                    f"missing the closing `|` for the `|` at position {opener.position}",
                    opener.position,
                    opener.end,
                )
            raise self.unexpected(self.tok)
        self.advance()
        self.abs_depth -= 1
        self.leave()
        span = self.span_from(opener)

        def absolute(p: _Parser) -> Basic:
            return p.build_abs(inner_node(p), inner_span, span)

        return self.build_abs(inner, inner_span, span), absolute

    def build_abs(self, inner: Basic, inner_span: Span, span: Span) -> Basic:
        if isinstance(inner, MatrixBase):
            raise EvaluationError("|v| of a vector is not defined here: use norm(v)", *inner_span)
        expr = self.require_expression(inner, "|...|", inner_span)
        return self.checked(lambda: absolute_value(expr), span)

    def parse_matrix(self) -> Built:
        opener = self.advance()
        if self.bracket_depth >= 2:
            raise ParseError(
                "brackets nest two deep at most: write a matrix as a list of rows, like "
                "[[1, 2], [3, 4]]",
                opener.position,
                opener.end,
            )
        self.enter(opener)
        saved_abs, self.abs_depth = self.abs_depth, 0
        self.bracket_depth += 1
        if self.tok.kind == "]":
            raise ParseError("empty brackets `[]`", opener.position, self.tok.end)
        items: list[tuple[Basic, Span]] = []
        nodes: list[Node] = []
        while True:
            if len(items) >= MAX_MATRIX_DIMENSION:
                raise InputTooLarge(
                    f"a vector or matrix can have at most {MAX_MATRIX_DIMENSION} rows and "
                    f"{MAX_MATRIX_DIMENSION} columns",
                    self.tok.position,
                    self.tok.end,
                )
            item_start = self.tok
            value, node = self.parse_relation(allowed=False)
            items.append((value, self.span_from(item_start)))
            nodes.append(node)
            if self.tok.kind != ",":
                break
            self.advance()
        self.expect("]", opener)
        self.abs_depth = saved_abs
        self.bracket_depth -= 1
        self.leave()
        span = self.span_from(opener)
        spans = [item_span for _, item_span in items]

        def matrix(p: _Parser) -> Basic:
            return p.build_matrix(
                [(node(p), item_span) for node, item_span in zip(nodes, spans, strict=True)],
                span,
            )

        return self.build_matrix(items, span), matrix

    def build_matrix(self, items: list[tuple[Basic, Span]], span: Span) -> Basic:
        for value, item_span in items:
            if isinstance(value, MatrixBase):
                if value.cols != 1:
                    raise ParseError(
                        "write a matrix as a list of rows, like [[1, 2], [3, 4]]", *item_span
                    )
            else:
                self.require_expression(value, "a vector", item_span)
        kinds = {isinstance(value, MatrixBase) for value, _ in items}
        if kinds == {False}:
            return ImmutableMatrix([value for value, _ in items])
        if kinds != {True}:
            raise ParseError("a matrix mixes numbers and rows: write every row in [ ]", *span)
        width = items[0][0].rows
        for index, (row, row_span) in enumerate(items, start=1):
            if row.rows != width:
                raise ParseError(
                    f"every row of a matrix needs the same number of entries: row 1 has "
                    f"{width}, row {index} has {row.rows}",
                    *row_span,
                    code="ragged_matrix",
                )
        return ImmutableMatrix([list(row) for row, _ in items])

    def parse_set(self) -> Built:
        opener = self.advance()
        self.enter(opener)
        saved_abs, self.abs_depth = self.abs_depth, 0
        elements: list[Basic] = []
        nodes: list[tuple[Node, Span]] = []
        if self.tok.kind != "}":
            while True:
                if len(elements) >= MAX_SET_SIZE:
                    raise InputTooLarge(
                        f"a set can have at most {MAX_SET_SIZE} elements",
                        self.tok.position,
                        self.tok.end,
                    )
                item_start = self.tok
                value, node = self.parse_relation(allowed=False)
                item_span = self.span_from(item_start)
                elements.append(self.set_element(value, item_span))
                nodes.append((node, item_span))
                if self.tok.kind != ",":
                    break
                self.advance()
        self.expect("}", opener)
        self.abs_depth = saved_abs
        self.leave()

        def finite_set(p: _Parser) -> Basic:
            return sympy.FiniteSet(*[p.set_element(node(p), span) for node, span in nodes])

        return sympy.FiniteSet(*elements), finite_set

    def set_element(self, value: Basic, span: Span) -> Basic:
        if not isinstance(value, MatrixBase):
            self.require_expression(value, "a set", span)
        return value

    def parse_name(self) -> Built:
        token = self.advance()
        name = token.text
        scope = self.scope
        if name in scope.names:
            return scope.names[name], partial(_bound_name, name)
        if name in scope.variables:
            self.symbols.add(name)
            symbol = Symbol(name)
            return symbol, _constant(symbol)
        if name in scope.constants:
            constant = scope.constants[name]
            return constant, _constant(constant)
        if name in scope.functions:
            return self.parse_call(token, scope.functions[name])
        raise self.unknown_name(token, call=self.tok.kind == "(")

    def parse_call(self, name_token: Token, spec: FunctionSpec) -> Built:
        name = spec.name
        self.functions.add(name)
        power: Integer | None = None
        if self.at_op("^"):
            caret = self.advance()
            count = self.tok
            if count.kind != "number" or not count.text.isdigit():
                raise ParseError(
                    f"write a power of `{name_token.text}` as {name_token.text}(x)^2",
                    caret.position,
                    count.end,
                )
            self.advance()
            power = Integer(int(count.text))
        if self.tok.kind == "(":
            args, nodes = self.parse_arguments(spec)
        elif self.starts_operand(self.tok) or self.at_op("-", "+"):
            arg, node = self.parse_bare_argument()
            args, nodes = [arg], [node]
        else:
            raise ParseError(
                f"`{name_token.text}` needs an argument, as in {name_token.text}(x)",
                name_token.position,
                name_token.end,
                code="missing_argument",
            )
        span = self.span_from(name_token)
        if not spec.min_args <= len(args) <= spec.max_args:
            if spec.min_args == spec.max_args:
                wanted = f"{spec.min_args}"
            else:
                wanted = f"{spec.min_args} to {spec.max_args}"
            plural = "" if spec.max_args == 1 else "s"
            raise ParseError(
                f"`{name_token.text}` takes {wanted} argument{plural}, got {len(args)}",
                *span,
                code="arity",
            )
        shown = name_token.text

        def call(p: _Parser) -> Basic:
            return p.finish_call(shown, spec, [node(p) for node in nodes], power, span)

        return self.finish_call(shown, spec, args, power, span), call

    def finish_call(
        self,
        shown: str,
        spec: FunctionSpec,
        args: list[Basic],
        power: Integer | None,
        span: Span,
    ) -> Basic:
        if spec.arguments == "scalar":
            for arg in args:
                if isinstance(arg, MatrixBase) or not isinstance(arg, Expr):
                    if not (spec.relations and isinstance(arg, sympy.logic.boolalg.Boolean)):
                        raise EvaluationError(
                            f"`{shown}` needs a number or expression, not {_kind_name(arg)}",
                            *span,
                        )
        result = self.call(spec, tuple(args), span)
        if power is not None:
            result = self.build_power(result, power, span)
        return result

    def parse_arguments(self, spec: FunctionSpec) -> tuple[list[Basic], list[Node]]:
        opener = self.advance()
        self.enter(opener)
        saved_abs, self.abs_depth = self.abs_depth, 0
        saved_brackets, self.bracket_depth = self.bracket_depth, 0
        args: list[Basic] = []
        nodes: list[Node] = []
        if self.tok.kind != ")":
            while True:
                if len(args) >= MAX_FUNCTION_ARGUMENTS:
                    raise InputTooLarge(
                        f"a function takes at most {MAX_FUNCTION_ARGUMENTS} arguments",
                        self.tok.position,
                        self.tok.end,
                    )
                arg, node = self.parse_relation(allowed=self.scope.template and spec.relations)
                args.append(arg)
                nodes.append(node)
                if self.tok.kind != ",":
                    break
                self.advance()
        self.expect(")", opener)
        self.abs_depth = saved_abs
        self.bracket_depth = saved_brackets
        self.leave()
        return args, nodes

    def parse_bare_argument(self) -> Built:
        start = self.tok
        self.enter(start)
        if self.at_op("-", "+"):
            sign = self.advance()
            operand_start = self.tok
            operand, node = self.parse_bare_argument()
            self.leave()
            if sign.text == "-":
                span = self.span_from(operand_start)
                return self.negate(operand, span), _negated(node, span)
            return operand, node
        value, node = self.parse_power()
        factors: list[tuple[Basic, bool, Span]] = [(value, False, self.span_from(start))]
        nodes = [node]
        while self.starts_operand(self.tok) and not (
            self.tok.kind == "name" and self.scope.is_function(self.tok.text)
        ):
            token = self.tok
            self.check_adjacent_numbers(token)
            value, node = self.parse_power()
            factors.append((value, False, self.span_from(token)))
            nodes.append(node)
        self.leave()
        if len(factors) == 1:
            return factors[0][0], nodes[0]
        span = self.span_from(start)
        return self.combine_product(factors, span), _product(nodes, factors, span)

    def expect(self, kind: str, opener: Token) -> None:
        token = self.tok
        if token.kind == kind:
            self.advance()
            return
        if token.kind == "end":
            raise ParseError(
                f"missing `{kind}` to close the `{opener.text}` at position {opener.position}",
                opener.position,
                opener.end,
                code="unclosed",
            )
        raise ParseError(
            f"expected `{kind}` to close the `{opener.text}` at position {opener.position}, "
            f"found `{token.text}`",
            token.position,
            token.end,
        )

    # Errors

    def unexpected(self, token: Token) -> ParseError:
        previous = self.tokens[self.i - 1] if self.i else None
        if token.kind == "end":
            if self.abs_depth > 0 and previous is not None and previous.kind == "|":
                return ParseError(
                    "missing the closing `|`", previous.position, previous.end, code="unclosed"
                )
            if previous is not None and previous.kind in ("op", ","):
                return ParseError(
                    f"`{previous.text}` needs something after it",
                    previous.position,
                    previous.end,
                    code="incomplete",
                )
            return ParseError(
                "the text ends too early", token.position, token.end, code="incomplete"
            )
        if token.kind == "op":
            if previous is None or previous.kind in ("op", "(", "[", "{", ",", "|"):
                return ParseError(
                    f"`{token.text}` needs something before it", token.position, token.end
                )
            return ParseError(f"unexpected `{token.text}`", token.position, token.end)
        if (
            token.kind == "["
            and previous is not None
            and previous.kind not in ("op", "(", "[", "{", ",", "|")
        ):
            return ParseError(
                "`[` right after a value: use `*` to multiply by a vector, or entry(v, i) for "
                "an entry",
                token.position,
                token.end,
            )
        if token.kind == ",":
            return ParseError(
                "a `,` only separates items inside [ ], { } or a function's arguments; write "
                "numbers without thousands separators and with a decimal point, as in 0.5",
                token.position,
                token.end,
            )
        if token.kind in (")", "]", "}"):
            return ParseError(
                f"unexpected `{token.text}` at position {token.position}",
                token.position,
                token.end,
                code="unbalanced",
            )
        return ParseError(
            f"unexpected `{token.text}` at position {token.position}", token.position, token.end
        )

    def unknown_name(self, token: Token, *, call: bool) -> UnknownNameError:
        name = token.text
        scope = self.scope
        if call:
            candidates = list(scope.functions)
            what = "function"
        else:
            candidates = [*scope.variables, *scope.names, *scope.constants, *scope.functions]
            what = "variable"
        suggestion = _suggest(name, candidates)
        shown = name if len(name) <= 30 else name[:30] + "…"
        message = f"unknown {what} `{shown}`"
        if name == "i" and not call and not scope.allow_complex:
            suggestion = None
            message += ": complex numbers are not expected here"
        elif suggestion is not None:
            message += f"; did you mean `{suggestion}`?"
        elif not call and scope.variables:
            message += f"; the variables here are {', '.join(sorted(scope.variables))}"
        return UnknownNameError(
            message, token.position, token.end, name=name, suggestion=suggestion
        )

    # Building values

    def call(self, spec: FunctionSpec, args: tuple[Basic, ...], span: Span) -> Basic:
        try:
            result = spec.build(args, self.scope.context)
        except MathInputError as exc:
            raise (exc if exc.located else exc.at(*span)) from None
        except RecursionError:
            raise InputTooLarge(f"`{spec.name}` is too deeply nested to compute", *span) from None
        except Exception as exc:
            raise EvaluationError(
                f"`{spec.name}` cannot be computed for these arguments", *span
            ) from exc
        self.check_real(result, span)
        return self.check_value(result, span)

    def check_real(self, value: Basic, span: Span) -> None:
        if not self.scope.allow_complex and value.has(S.ImaginaryUnit):
            raise EvaluationError(
                "this is not a real number, and complex numbers are not expected here",
                *span,
                code="not_real",
            )

    def checked(self, build: Callable[[], Basic], span: Span, failure: str = "") -> Basic:
        try:
            value = build()
        except MathInputError:
            raise
        except RecursionError:
            raise InputTooLarge("the expression is too deeply nested", *span) from None
        except Exception as exc:
            raise EvaluationError(failure or "this cannot be computed", *span) from exc
        return self.check_value(value, span)

    def check_value(self, value: Basic, span: Span) -> Basic:
        if value is S.ComplexInfinity or value is S.NaN:
            raise EvaluationError(
                "this is undefined (a division by zero or similar)", *span, code="undefined"
            )
        if isinstance(value, Rational):
            limit_bits = MAX_RESULT_DIGITS / _LOG10_2
            if int(value.p).bit_length() > limit_bits or int(value.q).bit_length() > limit_bits:
                raise InputTooLarge(f"this number has more than {MAX_RESULT_DIGITS} digits", *span)
        return value

    def number(self, token: Token) -> Basic:
        text = token.text
        if text.isdigit():
            return Integer(int(text))
        self.has_float = True
        self.decimal_literals.append(text)
        if self.scope.decimals == "rational":
            return _exact_decimal(text)
        return Float(text, precision=FLOAT_PRECISION_BITS)

    def require_expression(self, value: Basic, where: str, span: Span) -> Expr:
        if isinstance(value, MatrixBase) or not isinstance(value, Expr):
            raise EvaluationError(f"{_kind_name(value)} cannot be used in {where}", *span)
        return value

    def negate(self, value: Basic, span: Span) -> Basic:
        if isinstance(value, MatrixBase):
            return ImmutableMatrix(-value)
        if isinstance(value, Rational):
            return self.check_value(-value, span)
        expr = self.require_expression(value, "arithmetic", span)
        return self.checked(lambda: multiply([S.NegativeOne, expr]), span)

    def combine_sum(self, terms: list[Basic], span: Span) -> Basic:
        matrices = [t for t in terms if isinstance(t, MatrixBase)]
        if matrices:
            if len(matrices) != len(terms):
                raise EvaluationError("a matrix and a number cannot be added", *span)
            total = matrices[0]
            for term in matrices[1:]:
                if term.shape != total.shape:
                    raise EvaluationError(
                        f"a {_shape(total)} and a {_shape(term)} matrix cannot be added", *span
                    )
                total = total + term
            return ImmutableMatrix(total)
        exprs = [self.require_expression(t, "a sum", span) for t in terms]
        denominators = 0.0
        numerators = 0.0
        for term in exprs:
            if isinstance(term, Rational):
                denominators += _log10_int(int(term.q))
                numerators = max(numerators, _log10_int(abs(int(term.p))) if term.p else 0.0)
        if denominators + numerators > MAX_RESULT_DIGITS:
            raise InputTooLarge(f"this sum has more than {MAX_RESULT_DIGITS} digits", *span)
        if all(isinstance(term, Integer) for term in exprs):
            return self.check_value(Integer(sum(int(t.p) for t in exprs)), span)
        if all(isinstance(term, Rational) for term in exprs):
            # Exact arithmetic on plain integers gives the same Rational without SymPy's Add.
            total = sum((Fraction(int(t.p), int(t.q)) for t in exprs), Fraction(0))
            return self.check_value(Rational(total.numerator, total.denominator), span)
        return self.checked(lambda: sympy.Add(*exprs), span)

    def combine_product(self, factors: list[tuple[Basic, bool, Span]], span: Span) -> Basic:
        for value, divide, factor_span in factors:
            if divide:
                if isinstance(value, MatrixBase):
                    raise EvaluationError(
                        "dividing by a matrix is not defined: use inv(M)", *factor_span
                    )
                if isinstance(value, Expr) and value.is_Number and value.is_zero:
                    raise EvaluationError("division by zero", *factor_span, code="undefined")
            elif not isinstance(value, MatrixBase):
                self.require_expression(value, "a product", factor_span)
        if any(isinstance(value, MatrixBase) for value, _, _ in factors):
            return self.matrix_product(factors, span)
        digits = 0.0
        for value, _, _ in factors:
            if isinstance(value, Rational):
                digits += _log10_int(abs(int(value.p))) if value.p else 0.0
                digits += _log10_int(int(value.q))
        if digits > MAX_RESULT_DIGITS:
            raise InputTooLarge(f"this product has more than {MAX_RESULT_DIGITS} digits", *span)
        if all(isinstance(value, Integer) and not divide for value, divide, _ in factors):
            whole = 1
            for value, _, _ in factors:
                whole *= int(value.p)
            return self.check_value(Integer(whole), span)
        if all(isinstance(value, Rational) for value, _, _ in factors):
            product = Fraction(1)
            for value, divide, _ in factors:
                exact = Fraction(int(value.p), int(value.q))
                product = product / exact if divide else product * exact
            return self.check_value(Rational(product.numerator, product.denominator), span)
        args = [sympy.Pow(v, S.NegativeOne) if divide else v for v, divide, _ in factors]
        return self.checked(lambda: multiply(args), span)

    def matrix_product(self, factors: list[tuple[Basic, bool, Span]], span: Span) -> Basic:
        total = factors[0][0]
        for value, divide, _ in factors[1:]:
            if divide:
                total = self.checked(partial(operator.truediv, total, value), span)
                continue
            if isinstance(total, MatrixBase) and isinstance(value, MatrixBase):
                if total.cols != value.rows:
                    raise EvaluationError(
                        f"a {_shape(total)} matrix cannot multiply a {_shape(value)} matrix",
                        *span,
                    )
            total = self.checked(partial(operator.mul, total, value), span)
        if isinstance(total, MatrixBase):
            for entry in total:
                self.check_value(entry, span)
            return ImmutableMatrix(total)
        return total

    def build_power(self, base: Basic, exponent: Basic, span: Span) -> Basic:
        if isinstance(exponent, MatrixBase) or not isinstance(exponent, Expr):
            raise EvaluationError(f"an exponent cannot be {_kind_name(exponent)}", *span)
        if isinstance(base, MatrixBase):
            return self.matrix_power(base, exponent, span)
        base_expr = self.require_expression(base, "a power", span)
        self.check_power_size(base_expr, exponent, span)
        if (
            base_expr.is_Number
            and base_expr.is_zero
            and exponent.is_number
            and exponent.is_extended_negative
        ):
            raise EvaluationError("division by zero", *span, code="undefined")
        value = self.checked(lambda: sympy.Pow(base_expr, exponent), span)
        self.check_real(value, span)
        return value

    def matrix_power(self, base: MatrixBase, exponent: Expr, span: Span) -> Basic:
        if base.rows != base.cols:
            raise EvaluationError(
                f"only a square matrix has powers; this one is {_shape(base)}", *span
            )
        if not exponent.is_Integer:
            raise EvaluationError("a matrix can only be raised to a whole-number power", *span)
        n = int(exponent)
        limit = MAX_SYMBOLIC_MATRIX_POWER if base.free_symbols else MAX_MATRIX_POWER
        if abs(n) > limit:
            raise InputTooLarge(f"matrix powers above {limit} are too large", *span)
        if not base.free_symbols:
            sizes = [_exact_size(entry) for entry in base]
            growth = max(sizes, default=0.0) + math.log10(base.rows)
            if abs(n) * growth > MAX_RESULT_DIGITS:
                raise InputTooLarge(
                    f"this matrix power has entries above {MAX_RESULT_DIGITS} digits", *span
                )
        if n < 0 and base.det() == 0:
            raise EvaluationError("this matrix is singular: it has no inverse", *span)
        result = self.checked(lambda: base**n, span)
        return ImmutableMatrix(result)

    def check_power_size(self, base: Expr, exponent: Expr, span: Span) -> None:
        if exponent.free_symbols:
            return
        exponent_log = _log10_abs(exponent)
        if exponent_log is None:
            return
        if base.free_symbols:
            if exponent_log > math.log10(MAX_SYMBOLIC_EXPONENT):
                raise InputTooLarge(
                    f"exponents above {MAX_SYMBOLIC_EXPONENT} are too large to work with", *span
                )
            return
        size = _exact_size(base)
        if size == 0:
            return
        if exponent_log + math.log10(size) > math.log10(MAX_RESULT_DIGITS):
            raise InputTooLarge(
                f"this power is too large to compute (more than {MAX_RESULT_DIGITS} digits)",
                *span,
            )

    def build_relation(self, op: Token, lhs: Basic, rhs: Basic, span: Span) -> Basic:
        if op.text == "=":
            for side in (lhs, rhs):
                if not isinstance(side, MatrixBase):
                    self.require_expression(side, "an equation", span)
            return self.checked(lambda: sympy.Eq(lhs, rhs, evaluate=False), span)
        if op.text in ("==", "!=") and any(
            isinstance(side, (MatrixBase, sympy.Set)) for side in (lhs, rhs)
        ):
            # Matrices and sets have no order; equality is decided entry by entry right away.
            same = lhs == rhs
            return sympy.true if same == (op.text == "==") else sympy.false
        left = self.require_expression(lhs, "a comparison", span)
        right = self.require_expression(rhs, "a comparison", span)
        relation = {
            "==": sympy.Eq,
            "!=": sympy.Ne,
            "<": sympy.Lt,
            "<=": sympy.Le,
            ">": sympy.Gt,
            ">=": sympy.Ge,
        }[op.text]
        return self.checked(lambda: relation(left, right), span, "these values cannot be compared")


def multiply(factors: list[Expr]) -> Expr:
    """The product of ``factors``, keeping a number times a sum as typed: ``2(x+1)`` stays
    ``2*(x + 1)`` and ``-(x+1)`` stays ``-(x + 1)`` where SymPy would distribute the number.

    The kept form is the unevaluated Mul that SymPy's own Add builds for such terms, so it prints
    and compares like any other expression. (SymPy's global ``distribute`` switch would do the same
    but clears SymPy's cache each time it is flipped, which makes every later parse slow.)
    """
    value = sympy.Mul(*factors)
    if not value.is_Add:
        return value
    coefficient: Expr = S.One
    rest: list[Expr] = []
    for factor in factors:
        number, term = factor.as_coeff_Mul()
        coefficient = coefficient * number
        rest.append(term)
    remainder = sympy.Mul(*rest)
    if remainder.is_Add and coefficient.is_Number and coefficient.is_finite and coefficient != 1:
        return sympy.Mul(coefficient, remainder, evaluate=False)
    return value


def _exact_decimal(text: str) -> Rational:
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = int((whole + fraction) or "0")
    power = (int(exponent) if exponent else 0) - len(fraction)
    if power >= 0:
        return Rational(digits * 10**power)
    return Rational(digits, 10**-power)


def _suggest(name: str, candidates: list[str]) -> str | None:
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    if len(name) > 40:
        return None
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None
