"""Errors for bad input. Each message names the file, line, field or parameter at fault."""

from __future__ import annotations

from pathlib import Path


class WeamError(ValueError):
    """Bad input from the user (a file, a parameter, a config value)."""


class DataFormatError(WeamError):
    """A data file does not have the expected format.

    >>> str(DataFormatError("expected 3 columns, got 2", path="x.tsv", line=7))
    'x.tsv:7: expected 3 columns, got 2'
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = self.path or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(WeamError):
    """A config or notebook parameter is unknown, of the wrong type, or out of range."""


class UsageError(WeamError):
    """Bad command-line input (an argument, a path): printed as one line, exit status 2."""


QUOTE_LIMIT = 80  # characters of an input quoted in a message


def quote(text, limit: int = QUOTE_LIMIT) -> str:
    """``repr(text)`` for an error message, cut to ``limit`` characters with an ellipsis and
    the full length, so a message quoting a line of input stays readable.

    >>> quote("0-0 1-x")
    "'0-0 1-x'"
    >>> quote("x" * 100, limit=5)
    "'xxxxx'... (100 characters)"
    """
    if not isinstance(text, str):
        text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` (e.g. the ``repr`` of a value) cut as :func:`quote` cuts, without quotes.

    >>> shorten(repr(list(range(50))), limit=10)
    '[0, 1, 2, ... (190 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"
