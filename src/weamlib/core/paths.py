"""Where things live: the repository, the run store, the shared data directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def repo_root() -> Path:
    """The checkout holding ``pyproject.toml`` (the working directory when installed elsewhere)."""
    for parent in PACKAGE_DIR.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd()


def cache_dir() -> Path:
    """Root of the run store: ``$WEAM_CACHE`` or ``<repo>/.cache/runs``."""
    env = os.environ.get("WEAM_CACHE")
    return Path(env).expanduser().resolve() if env else repo_root() / ".cache" / "runs"


def data_dir() -> Path | None:
    """Local directory of real datasets: ``$WEAM_DATA_DIR`` or ``../shared/data`` if present.

    Returns None when neither exists. An explicitly set ``WEAM_DATA_DIR`` that does not
    exist is an error, since the user asked for it by name.
    """
    env = os.environ.get("WEAM_DATA_DIR")
    if env:
        path = Path(env).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"WEAM_DATA_DIR={env!r} is not a directory")
        return path
    shared = repo_root().parent / "shared" / "data"
    return shared if shared.is_dir() else None
