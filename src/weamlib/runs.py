"""The run store: cached run folders keyed by their fully resolved config.

A run folder ``<root>/<kind>/<key>/`` holds ``config.json`` (the config and code
version the key was computed from), ``results.json`` (what the run returned), any
files the run wrote, and a ``DONE`` marker. The folder is built under a temporary
name and renamed into place only after the marker is written, so a run killed at
any point is never read as finished: the next call recomputes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib import __version__
from weamlib.paths import cache_dir

MARKER = "DONE"


class RunConfigMismatch(RuntimeError):
    """A run folder exists under a key whose stored config is not the requested one."""


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


def canonical_json(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
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


@dataclass(frozen=True)
class Run:
    """A finished run: its folder, config and results."""

    path: Path
    config: dict
    results: dict

    def file(self, name: str) -> Path:
        return self.path / name


class RunStore:
    """Cached, atomically written run folders.

    >>> store = RunStore(".cache/runs")                     # doctest: +SKIP
    >>> run = store.run("synth", cfg, lambda out: build(cfg, out))  # doctest: +SKIP
    """

    def __init__(self, root: str | Path | None = None, code_version: str = __version__):
        self.root = Path(root).expanduser().resolve() if root is not None else cache_dir()
        self.code_version = code_version

    def _record(self, kind: str, config: Any) -> dict:
        return {"kind": kind, "code_version": self.code_version, "config": to_jsonable(config)}

    def key(self, kind: str, config: Any) -> str:
        return hashlib.sha256(canonical_json(self._record(kind, config)).encode()).hexdigest()[:16]

    def path(self, kind: str, config: Any) -> Path:
        if not kind or "/" in kind or kind.startswith("."):
            raise ValueError(f"run kind {kind!r} must be a plain folder name")
        return self.root / kind / self.key(kind, config)

    def get(self, kind: str, config: Any) -> Run | None:
        """The finished run for this config, or None when there is none."""
        path = self.path(kind, config)
        if not (path / MARKER).is_file():
            return None
        stored = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if canonical_json(stored) != canonical_json(self._record(kind, config)):
            raise RunConfigMismatch(
                f"run folder {path} holds a different config than the one requested;"
                f" remove the folder to recompute it"
            )
        results = json.loads((path / "results.json").read_text(encoding="utf-8"))
        return Run(path=path, config=stored["config"], results=results)

    def run(self, kind: str, config: Any, fn: Callable[[Path], Mapping | None]) -> Run:
        """Return the finished run for ``config``, computing it with ``fn(folder)`` if needed.

        ``fn`` writes any files into the folder it is given and returns JSON-able results.
        """
        done = self.get(kind, config)
        if done is not None:
            return done
        final = self.path(kind, config)
        final.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.tmp-"))
        try:
            results = fn(work)
            atomic_write_json(work / "config.json", self._record(kind, config))
            atomic_write_json(work / "results.json", results or {})
            atomic_write_text(work / MARKER, "")
            if final.exists():  # an unfinished folder left by an older layout or a crash
                shutil.rmtree(final)
            os.replace(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        done = self.get(kind, config)
        assert done is not None
        return done

    def clean_partial(self) -> int:
        """Remove temporary folders left by killed runs; returns how many were removed."""
        removed = 0
        for tmp in self.root.glob("*/.*.tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
        return removed
