"""Checks of what a ``weamlib`` command is given, before it does any work.

:func:`input_file` and :func:`input_dir` check the paths a command reads,
:func:`output_file` a file it writes, :func:`check_field_types` the types of ``-p`` values:
a wrong one ends in one line naming the argument (exit status 2).
"""

from __future__ import annotations

import os
from pathlib import Path

from weamlib.core.errors import UsageError, quote

_SNIFF = 1 << 16  # bytes read to tell text from binary


def input_file(path: str | Path, argument: str) -> Path:
    """``path``, given as ``argument`` (e.g. ``"--gold"``, ``"GOLD.tsv"``), as a readable,
    non-empty UTF-8 text file; else :class:`UsageError` naming the argument and the path:
    a missing path, a folder, an empty file, a binary file (NUL bytes in its first 64 KiB;
    other bytes that are not UTF-8 are left to the readers, which name the line), an
    unreadable file."""
    shown = f"argument {argument}: {quote(str(path))}"
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{shown}: no such file")
    if path.is_dir():
        raise UsageError(f"{shown} is a folder, not a file")
    if not path.is_file():
        raise UsageError(f"{shown} is not a regular file")
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF)
    except OSError as err:
        raise UsageError(f"{shown}: cannot be read ({err.strerror or err})") from None
    if not head:
        raise UsageError(f"{shown} is empty")
    if b"\0" in head:
        raise UsageError(f"{shown} is a binary file (it holds NUL bytes), not UTF-8 text")
    return path


def input_dir(path: str | Path, argument: str) -> Path:
    """``path``, given as ``argument``, as an existing folder; else :class:`UsageError`."""
    shown = f"argument {argument}: {quote(str(path))}"
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(f"{shown}: no such folder")
    if not path.is_dir():
        raise UsageError(f"{shown} is a file, not a folder")
    return path


def output_file(path: str | Path, argument: str) -> Path:
    """``path``, given as ``argument``, as a file a command may write (it is replaced
    atomically when it exists); else :class:`UsageError`: a folder, a path under a file,
    a folder without write permission."""
    shown = f"argument {argument}: {quote(str(path))}"
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"{shown} is a folder; give a file path")
    if path.exists() and not path.is_file():
        raise UsageError(f"{shown} is not a regular file")
    parent = Path(os.path.abspath(path)).parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{shown} cannot be created: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{shown} cannot be written: no write permission in {parent}")
    return path


_KIND_WORDS = {
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "str": "a string",
}


def check_field_types(cls, values: dict, what: str = "parameter") -> None:
    """Refuse, with :class:`UsageError` naming the parameter, a ``-p`` value whose type is
    not that of the field of dataclass ``cls`` it sets: a bool field takes only true/false,
    an int field an integer (not a bool), a float field a finite number (an integer too),
    a str field a string; None only where the field allows it. Names that are not fields,
    and fields of other types, are left to ``cls`` (which refuses unknown names)."""
    import dataclasses
    import math

    from weamlib.core.errors import shorten

    fields = {f.name: f.type for f in dataclasses.fields(cls)}
    for name, value in values.items():
        if name not in fields:
            continue
        annotation = fields[name]
        if not isinstance(annotation, str):
            annotation = getattr(annotation, "__name__", None) or str(annotation)
        kinds = [k.strip() for k in annotation.split("|")]
        if any(k not in _KIND_WORDS and k != "None" for k in kinds):
            continue
        shown = shorten(repr(value))
        if value is None:
            if "None" in kinds:
                continue
            raise UsageError(f"{what} {name!r} must be {_KIND_WORDS[kinds[0]]}, got null")
        ok = (
            ("bool" in kinds and isinstance(value, bool))
            or ("int" in kinds and isinstance(value, int) and not isinstance(value, bool))
            or ("float" in kinds and isinstance(value, int | float) and not isinstance(value, bool))
            or ("str" in kinds and isinstance(value, str))
        )
        if not ok:
            wanted = " or ".join(_KIND_WORDS[k] for k in kinds if k != "None")
            raise UsageError(f"{what} {name!r} must be {wanted}, got {shown}")
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"{what} {name!r} must be a finite number, got {shown}")
