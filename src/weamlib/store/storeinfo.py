"""What a run store holds: every finished run with its size and age, and which runs no
current code can reach any more (their code digest is not today's), for ``weamlib runs``.

A run is *current* when the digest of the code its record names (``code``: the modules of
its kind, see :mod:`weamlib.store.runkinds`) equals the digest of that code today: a lookup by
today's code may find it. A run whose code changed since, whose modules are gone, or that
was written before records named their code, is *stale*: nothing will read it again, and
:func:`collect_garbage` may delete it. Folders left by killed runs (``.*.tmp-*``) and the
checkpoints of finished or stale pre-training runs are litter of the same kind.

May import: :mod:`weamlib.store.runs`, :mod:`weamlib.store.codehash`.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from weamlib.store.codehash import code_digest, package_digest
from weamlib.store.runs import MARKER, RunStore

CHECKPOINTS = "pretrain-checkpoints"


@dataclass(frozen=True)
class RunInfo:
    """One folder of the store: a finished run, or litter (``kind`` ``"(partial)"`` or
    ``"(checkpoint)"``)."""

    kind: str
    key: str
    path: Path
    summary: str
    bytes: int
    age_seconds: float
    current: bool

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "path": str(self.path),
            "summary": self.summary,
            "bytes": self.bytes,
            "age_seconds": round(self.age_seconds, 1),
            "current": self.current,
        }


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def summarise(config, width: int = 70) -> str:
    """A one-line summary of a run's config: its scalar settings as ``k=v``, digests left
    out, cut to ``width`` characters."""
    if not isinstance(config, dict):
        text = json.dumps(config)
    else:
        flat = []
        for k, v in config.items():
            if isinstance(v, dict):
                flat += [(f"{k}.{k2}", v2) for k2, v2 in v.items()]
            else:
                flat.append((k, v))
        parts = [
            f"{k}={v}"
            for k, v in flat
            if isinstance(v, int | float | str | bool)
            and not (isinstance(v, str) and len(v) >= 16 and v.isalnum())  # a digest
        ]
        text = " ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def is_current(record: dict, digests: dict) -> bool:
    """Whether today's code would find the run of ``record`` (its ``config.json``): the
    digest of the modules it names equals the one stored. ``digests``: a cache of digests
    by module tuple, shared across calls."""
    code = record.get("code", "missing")
    if code == "missing":  # written before records named their code
        return False
    key = None if code is None else tuple(code)
    if key not in digests:
        try:
            digests[key] = package_digest() if code is None else code_digest(code)
        except ValueError:  # a module that no longer exists
            digests[key] = None
    return digests[key] is not None and digests[key] == record.get("code_digest")


def list_runs(store: RunStore, kind: str | None = None) -> list[RunInfo]:
    """Every finished run of ``store`` (of one ``kind`` if given) and its litter, sorted by
    kind and age."""
    now, digests, found = time.time(), {}, []
    if not store.root.is_dir():
        return []
    current_keys: set[str] = set()
    for kind_dir in sorted(p for p in store.root.iterdir() if p.is_dir()):
        if kind_dir.name.startswith((".", "_")) or kind_dir.name == CHECKPOINTS:
            continue
        for run in sorted(kind_dir.iterdir()):
            if run.name.startswith(".") and ".tmp-" in run.name:
                found.append(_litter("(partial)", run, now))
                continue
            config_file = run / "config.json"
            if not ((run / MARKER).is_file() and config_file.is_file()):
                continue
            record = json.loads(config_file.read_text(encoding="utf-8"))
            current = is_current(record, digests)
            if current:
                current_keys.add(run.name)
            found.append(
                RunInfo(
                    kind=kind_dir.name,
                    key=run.name,
                    path=run,
                    summary=summarise(record.get("config")),
                    bytes=folder_bytes(run),
                    age_seconds=now - (run / MARKER).stat().st_mtime,
                    current=current,
                )
            )
    checkpoints = store.root / CHECKPOINTS
    if checkpoints.is_dir():
        for folder in sorted(checkpoints.iterdir()):
            # a checkpoint of a run still training has no finished run yet: keep it
            finished = (store.root / "pretrain" / folder.name / MARKER).is_file()
            if finished or folder.name not in current_keys and _orphaned(folder, now):
                found.append(_litter("(checkpoint)", folder, now))
    if kind is not None:
        found = [r for r in found if r.kind == kind]
    return sorted(found, key=lambda r: (r.kind, r.age_seconds))


def _orphaned(folder: Path, now: float, days: float = 2.0) -> bool:
    return now - folder.stat().st_mtime > days * 86400


def _litter(kind: str, path: Path, now: float) -> RunInfo:
    return RunInfo(kind, path.name, path, "", folder_bytes(path), now - path.stat().st_mtime, False)


def stale_runs(store: RunStore, kind: str | None = None) -> list[RunInfo]:
    """The runs (and litter) no current code reaches."""
    return [r for r in list_runs(store, kind) if not r.current]


def collect_garbage(
    store: RunStore, kind: str | None = None, dry_run: bool = False
) -> list[RunInfo]:
    """Delete :func:`stale_runs` (nothing when ``dry_run``); returns what was (or would be)
    deleted. Only folders inside the store's root are ever touched."""
    stale = stale_runs(store, kind)
    if not dry_run:
        root = store.root.resolve()
        for info in stale:
            path = info.path.resolve()
            if root not in path.parents:  # never outside the store
                continue
            shutil.rmtree(path, ignore_errors=True)
    return stale
