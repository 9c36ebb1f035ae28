"""Errors the content engine raises: each names the file, the line and what to change."""

from __future__ import annotations

import re


class ContentError(Exception):
    """A problem in a content file, located so an author can fix it."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        if not self.path:
            return ""
        if self.line is None:
            return f"{self.path}: "
        return f"{self.path}:{self.line}: "


def toml_error_line(exc: Exception) -> int | None:
    """The line number a TOML decode error points at (Python 3.11 keeps it only in the text)."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None
