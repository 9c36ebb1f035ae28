"""Typed errors for math text that cannot be read.

Every error carries a message written for the student who typed the text, the 0-based character
offset of the problem in the text *as typed* (before Unicode normalisation) and the end of the
offending span, so an interface can underline exactly what went wrong.
"""

from __future__ import annotations


class MathInputError(ValueError):
    """Text that does not become math. Subclasses say why.

    ``position``/``end`` are offsets into the original text; ``code`` is a short machine-readable
    reason (``syntax``, ``unknown_name``, ``too_large``, ``invalid_operation``...).
    """

    default_code = "invalid"

    def __init__(
        self,
        message: str,
        position: int = 0,
        end: int | None = None,
        *,
        code: str | None = None,
        located: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end if end is not None else position + 1
        self.code = code or self.default_code
        # Function builders raise before they know where the call sits in the text; the parser
        # moves such errors onto the call's span.
        self.located = located

    def at(self, position: int, end: int) -> MathInputError:
        """The same error pointing at ``[position, end)``."""
        moved = type(self).__new__(type(self))
        moved.__dict__.update(self.__dict__)
        moved.args = self.args
        moved.position = position
        moved.end = end
        moved.located = True
        return moved

    def __str__(self) -> str:
        return f"{self.message} (at position {self.position})"


class ParseError(MathInputError):
    """The text does not follow the grammar: a stray `)`, a missing operand, a wrong character."""

    default_code = "syntax"


class UnknownNameError(ParseError):
    """A name that is neither a declared variable, a bound name, a constant nor a function."""

    default_code = "unknown_name"

    def __init__(
        self,
        message: str,
        position: int = 0,
        end: int | None = None,
        *,
        name: str = "",
        suggestion: str | None = None,
        code: str | None = None,
        located: bool = True,
    ) -> None:
        super().__init__(message, position, end, code=code, located=located)
        self.name = name
        self.suggestion = suggestion


class InputTooLarge(MathInputError):
    """A size limit was hit (length, nesting, literal size, power tower, factorial argument...)."""

    default_code = "too_large"


class EvaluationError(MathInputError):
    """The text reads fine but asks for something undefined: a division by zero, the sine of a
    matrix, adding a vector to a number, a function given the wrong kind of argument."""

    default_code = "invalid_operation"
