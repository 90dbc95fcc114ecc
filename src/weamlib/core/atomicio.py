"""Files written whole: text and JSON through a temporary file and a rename, so that no reader
ever sees half a file, and the plain-JSON form of configs (:func:`to_jsonable`) that run
keys and JSON files share.

Like the run store it came from, this decides how a result is written, never what it is,
so no code digest counts it (:data:`weamlib.store.codehash.NOT_HASHED`).

May import: :mod:`weamlib.core`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def to_jsonable(config: Any) -> Any:
    """Dataclasses, paths, tuples and mappings as plain JSON values (sorted keys)."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return to_jsonable(dataclasses.asdict(config))
    if isinstance(config, Mapping):
        return {
            str(k): to_jsonable(v) for k, v in sorted(config.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(config, list | tuple):
        return [to_jsonable(v) for v in config]
    if isinstance(config, Path):
        return str(config)
    if isinstance(config, float | int | str | bool) or config is None:
        return config
    raise TypeError(f"run config value {config!r} of type {type(config).__name__} is not JSON-able")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename; the file gets the
    mode the umask gives (``mkstemp`` alone would leave it 0600)."""
    from weamlib.core.outdirs import current_umask

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")
