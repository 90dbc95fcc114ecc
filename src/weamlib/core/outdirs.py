"""Folders that weamlib writes whole: checked before any work, replaced only when its own.

A command that writes a whole folder (``weamlib synth --out DIR``, ``weamlib pretrain
--output DIR``, a run of the run store) builds it under a temporary sibling name and renames
it into place at the end. An existing folder is replaced only when it is empty or carries
:data:`MARKER`, the file :func:`replace_dir` writes into every folder it puts in place,
naming the kind of output (``"synth"``, ``"pretrain"``); anything else (a user's folder,
the checkout, a folder holding the working directory) is refused by
:func:`check_replaceable` before any work, naming the folder.

Temporary siblings are named ``.<name>.tmp-<pid>-<host>-<random>``: :func:`sweep_stale`
removes those whose process is gone (same host) or, when the owner cannot be told (another
host, an older name without a pid), that are older than :data:`STALE_AGE` seconds.
Folders and files made through :func:`make_work_dir` and :func:`fix_mode` get the modes
the umask gives (``tempfile`` makes them 0700 and 0600).

May import: the standard library and :mod:`weamlib.core.errors` only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

from weamlib.core.errors import UsageError, quote

MARKER = ".weamlib-output"
STALE_AGE = 2 * 24 * 3600  # seconds: a temporary folder of unknown owner older than this is litter

_TMP_NAME = re.compile(r"\.(?:tmp|old)-(?P<pid>[0-9]+)-(?P<host>[0-9a-f]{8})-")


class OutputDirError(UsageError):
    """A folder that a command would replace is not one it may replace."""


def current_umask() -> int:
    """The process umask (read from /proc where possible: setting it to read it is racy)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fix_mode(path: str | Path, folder: bool = False) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would: 0o666 (files) or 0o777
    (folders) less the umask. For files and folders made by ``tempfile``."""
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return True
    return True


def is_stale(path: Path, max_age: float = STALE_AGE, now: float | None = None) -> bool:
    """Whether the temporary folder ``path`` was left by a process that is gone: its name
    records a pid of this host that no longer runs, or (owner unknown) it is older than
    ``max_age`` seconds."""
    match = _TMP_NAME.search(path.name)
    if match and match.group("host") == _host_tag():
        pid = int(match.group("pid"))
        return pid != os.getpid() and not _pid_alive(pid)
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    return age > max_age


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def sweep_stale(parent: str | Path, pattern: str, max_age: float = STALE_AGE) -> int:
    """Remove the stale temporary folders ``parent/pattern`` (e.g. ``".*.tmp-*"``); returns
    how many were removed. Folders of live processes stay."""
    parent = Path(parent)
    if not parent.is_dir():
        return 0
    removed = 0
    for path in parent.glob(pattern):
        if is_stale(path, max_age):
            _remove(path)
            removed += 1
    return removed


def make_work_dir(parent: str | Path, name: str, sweep: str | None = None) -> Path:
    """A fresh temporary folder ``parent/.<name>.tmp-<pid>-<host>-*`` (mode from the umask)
    to build ``parent/name`` in, after sweeping the stale ones matching ``sweep`` (default:
    those of ``name``, ``.<name>.tmp-*`` and ``.<name>.old-*``)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    if sweep is None:
        sweep_stale(parent, f".{glob_escape(name)}.tmp-*")
        sweep_stale(parent, f".{glob_escape(name)}.old-*")
    else:
        sweep_stale(parent, sweep)
    work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.tmp-{os.getpid()}-{_host_tag()}-"))
    fix_mode(work, folder=True)
    return work


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _marker_kind(folder: Path) -> str | None:
    marker = folder / MARKER
    if not marker.is_file() or marker.is_symlink():
        return None
    try:
        lines = marker.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[0].removeprefix("weamlib ").strip() if lines else None


def check_replaceable(path: str | Path, what: str, kind: str) -> Path:
    """The absolute path of the output folder ``path`` (given as ``what``, e.g. ``"--out"``)
    that a ``kind`` command (``"synth"``, ``"pretrain"``) may create or replace.

    Refuses, with :class:`OutputDirError` naming the folder, before anything is written: a
    path that is a file, lies under a file or cannot be created; the working directory or a
    folder above it; and an existing folder that is neither empty nor marked by an earlier
    ``kind`` output (:data:`MARKER`).
    """
    raw = Path(path).expanduser()
    out = Path(os.path.abspath(raw))
    shown = f"{what} {quote(str(path))}"
    if out.exists() or out.is_symlink():
        if out.is_symlink():
            raise OutputDirError(f"{shown} is a symbolic link; give a folder path")
        if not out.is_dir():
            raise OutputDirError(f"{shown} is a file, not a folder")
        cwd = Path(os.path.abspath(Path.cwd()))
        if out == cwd or out in cwd.parents:
            raise OutputDirError(
                f"{shown} is the working directory or a folder above it; give a new folder"
            )
        entries = sorted(p.name for p in out.iterdir())
        if entries and _marker_kind(out) != kind:
            example = ", ".join(quote(e, 40) for e in entries[:3])
            more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
            raise OutputDirError(
                f"{shown} holds files weamlib {kind} did not write ({example}{more});"
                " refusing to replace it: give a new or empty folder, or remove it first"
            )
        parent = out.parent
    else:
        parent = out.parent
        while not (parent.exists() or parent.is_symlink()):
            parent = parent.parent
        if not parent.is_dir():
            raise OutputDirError(f"{shown} cannot be created: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputDirError(f"{shown} cannot be written: no write permission in {parent}")
    return out


def replace_dir(work: str | Path, out: str | Path, kind: str, what: str = "output folder") -> Path:
    """Put the finished folder ``work`` in place as ``out`` (marked as a ``kind`` output),
    replacing an earlier one only as :func:`check_replaceable` allows (checked again here:
    the folder may have changed while ``work`` was built). ``work`` is removed on failure."""
    work = Path(work)
    try:
        out = check_replaceable(out, what, kind)
        (work / MARKER).write_text(
            f"weamlib {kind}\nThis folder was written by `weamlib {kind}`, which may replace it.\n",
            encoding="utf-8",
        )
        fix_mode(work / MARKER)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            old = Path(
                tempfile.mkdtemp(
                    dir=out.parent, prefix=f".{out.name}.old-{os.getpid()}-{_host_tag()}-"
                )
            )
            os.replace(out, old / out.name)
            try:
                os.replace(work, out)
            except BaseException:
                os.replace(old / out.name, out)
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out
