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
