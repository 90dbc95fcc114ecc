"""The run store: cached run folders keyed by their fully resolved config and code.

A run folder ``<root>/<kind>/<key>/`` holds ``config.json`` (the record the key was
computed from: kind, config, ``code_version`` and ``code_digest``), ``results.json``
(what the run returned), any files the run wrote, and a ``DONE`` marker. The folder is
built under a temporary name and renamed into place only after the marker is written, so
a run killed at any point is never read as finished: the next call recomputes it.

``code_digest`` is the sha256 of the weamlib source the run depends on: the modules named
by ``code`` (default: the modules defining ``fn`` and the functions it closes over; for
``get`` without ``code``, and for a ``fn`` defined outside weamlib, the whole package) and
every weamlib module they import, transitively (:mod:`weamlib.store.codehash`). Editing that code changes the key, so the run is
recomputed; results of older code stay in their folders, never read again, until
``make clean-cache``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib import __version__
from weamlib.core.atomicio import atomic_write_json, atomic_write_text, to_jsonable
from weamlib.core.paths import cache_dir
from weamlib.store.codehash import check_unchanged, code_digest, module_file, package_digest

MARKER = "DONE"


class RunConfigMismatch(RuntimeError):
    """A run folder exists under a key whose stored config is not the requested one."""


def canonical_json(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def resolve_code(
    fn: Callable | None, code: Sequence[str] | str | None = None
) -> tuple[str, ...] | None:
    """The modules a run depends on: ``code`` when given (a name or a sequence of names);
    else the modules defining ``fn`` and the functions it closes over (a wrapper such as
    ``lambda folder: compute()`` counts ``compute``'s module too) when all are weamlib
    modules; else None, meaning the whole package."""
    if isinstance(code, str):
        code = (code,)
    if code is not None:
        if not code:
            raise ValueError("code names no module: give None for the whole package")
        return tuple(code)
    if fn is None:
        return None
    modules = {getattr(f, "__module__", None) for f in _functions(fn, set())}
    if all(isinstance(m, str) and module_file(m) is not None for m in modules):
        return tuple(sorted(modules))
    return None


def _functions(fn: Callable, seen: set[int]) -> list[Callable]:
    """``fn``, the function a ``functools.partial`` wraps, and the functions held in their
    closures, recursively."""
    if id(fn) in seen:
        return []
    seen.add(id(fn))
    if isinstance(fn, functools.partial):
        return _functions(fn.func, seen)
    found = [fn]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if inspect.ismethod(value):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, functools.partial):
            found += _functions(value, seen)
    return found


def _key(record: dict) -> str:
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Run:
    """A finished run: its folder, config and results."""

    path: Path
    config: dict
    results: dict

    def file(self, name: str) -> Path:
        return self.path / name


def _publish(work: Path, final: Path) -> None:
    """Rename the finished ``work`` folder to ``final``. If another process finished the
    same run first, its folder stays (readers may hold it) and ours is dropped; a folder
    without the marker (left by a crash or an older layout) is replaced."""
    if (final / MARKER).is_file():
        shutil.rmtree(work, ignore_errors=True)
        return
    try:
        os.replace(work, final)  # fails on a non-empty folder: never clobbers a finished run
    except OSError:
        if (final / MARKER).is_file():
            shutil.rmtree(work, ignore_errors=True)
            return
        shutil.rmtree(final, ignore_errors=True)
        os.replace(work, final)


class RunStore:
    """Cached, atomically written run folders.

    >>> store = RunStore(".cache/runs")                     # doctest: +SKIP
    >>> run = store.run("synth", cfg, lambda out: build(cfg, out))  # doctest: +SKIP
    """

    def __init__(self, root: str | Path | None = None, code_version: str = __version__):
        self.root = Path(root).expanduser().resolve() if root is not None else cache_dir()
        self.code_version = code_version

    def _record(self, kind: str, config: Any, code: Sequence[str] | None = None) -> dict:
        config = to_jsonable(config)  # before the digest: an unusable config fails first
        code = resolve_code(None, code)
        return {
            "kind": kind,
            "code_version": self.code_version,
            # the modules the digest covers (None: the whole package), so that a later
            # process can tell whether current code still reaches the run (`weamlib runs`)
            "code": None if code is None else sorted(set(code)),
            "code_digest": package_digest() if code is None else code_digest(code),
            "config": config,
        }

    def key(self, kind: str, config: Any, code: Sequence[str] | None = None) -> str:
        """The folder name of a run: a hash of kind, config and the code's digest.

        ``code``: the weamlib modules (e.g. ``["weamlib.align.corpus"]``) whose source, with
        everything they import from weamlib, the run depends on; None: the whole package.
        """
        return _key(self._record(kind, config, code))

    def path(self, kind: str, config: Any, code: Sequence[str] | None = None) -> Path:
        return self._folder(kind, self._record(kind, config, code))

    def get(self, kind: str, config: Any, code: Sequence[str] | None = None) -> Run | None:
        """The finished run for this config and code (None: the whole package), or None
        when there is none. ``run(kind, config, fn, code)`` is found by ``get`` with the
        same ``code``; a ``fn`` defined in a weamlib module defaults to that module."""
        return self._get(kind, self._record(kind, config, code))

    def _get(self, kind: str, record: dict) -> Run | None:
        path = self._folder(kind, record)
        if not (path / MARKER).is_file():
            return None
        stored = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if canonical_json(stored) != canonical_json(record):
            raise RunConfigMismatch(
                f"run folder {path} holds a different config than the one requested;"
                f" remove the folder to recompute it"
            )
        results = json.loads((path / "results.json").read_text(encoding="utf-8"))
        return Run(path=path, config=stored["config"], results=results)

    def _folder(self, kind: str, record: dict) -> Path:
        if not kind or "/" in kind or kind.startswith("."):
            raise ValueError(f"run kind {kind!r} must be a plain folder name")
        return self.root / kind / _key(record)

    def run(
        self,
        kind: str,
        config: Any,
        fn: Callable[[Path], Mapping | None],
        code: Sequence[str] | None = None,
    ) -> Run:
        """Return the finished run for ``config``, computing it with ``fn(folder)`` if needed.

        ``fn`` writes any files into the folder it is given and returns JSON-able results.
        ``code`` names the weamlib modules the computation depends on (see :meth:`key`);
        by default the module defining ``fn`` when that is a weamlib module, else the whole
        package. The digest is taken once, before ``fn`` runs, and the folder is stored
        under it. Raises :class:`weamlib.store.codehash.SourceChangedError` instead of computing
        when one of those source files changed after this process imported its module.
        """
        code = resolve_code(fn, code)
        record = self._record(kind, config, code)
        done = self._get(kind, record)
        if done is not None:
            return done
        # Results are stored under the digest of the files on disk: refuse to compute with
        # code this process loaded before those files were edited (restart it instead).
        check_unchanged(code)
        final = self._folder(kind, record)
        final.parent.mkdir(parents=True, exist_ok=True)
        # A fresh work folder (mode from the umask), after sweeping the ones killed runs left.
        from weamlib.core.outdirs import make_work_dir

        work = make_work_dir(final.parent, final.name, sweep=".*.tmp-*")
        try:
            results = fn(work)
            atomic_write_json(work / "config.json", record)
            atomic_write_json(work / "results.json", results or {})
            atomic_write_text(work / MARKER, "")
            _publish(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        done = self._get(kind, record)
        assert done is not None
        return done

    def clean_partial(self, max_age: float | None = None) -> int:
        """Remove temporary folders left by killed runs; returns how many were removed.

        A folder whose process still runs stays; one whose owner cannot be told (another
        host, an older name) goes when older than ``max_age`` seconds (default
        :data:`weamlib.core.outdirs.STALE_AGE`). :meth:`run` sweeps its kind's folder so.
        """
        from weamlib.core.outdirs import STALE_AGE, sweep_stale

        age = STALE_AGE if max_age is None else max_age
        if not self.root.is_dir():
            return 0
        return sum(
            sweep_stale(kind, ".*.tmp-*", age) for kind in self.root.iterdir() if kind.is_dir()
        )
