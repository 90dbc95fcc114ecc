"""The profiles on disk: ``notebooks/profiles/<profile>.yml``, one section of parameters per
chapter (the file stem), and the folder of the chapters themselves.

Read by the settings (:mod:`weamlib.study.settings`), the notebook pipeline and the CLI alike.
May import: :mod:`weamlib.core.errors`, :mod:`weamlib.core.paths`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from weamlib.core.errors import ConfigError, quote
from weamlib.core.paths import repo_root


def notebooks_dir() -> Path:
    """The chapters' folder, ``notebooks/`` of the repository."""
    return repo_root() / "notebooks"


def profile_names() -> list[str]:
    """The profiles: the stems of ``notebooks/profiles/*.yml``."""
    return sorted(p.stem for p in (notebooks_dir() / "profiles").glob("*.yml"))


def load_profile(profile: str) -> dict[str, dict[str, Any]]:
    """The per-chapter parameter sections of ``notebooks/profiles/<profile>.yml``.

    ``profile`` is a name from :func:`profile_names`, never a path."""
    known = profile_names()
    if profile not in known:
        raise ConfigError(f"unknown profile {quote(profile)}; profiles are: {', '.join(known)}")
    path = notebooks_dir() / "profiles" / f"{profile}.yml"
    sections = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(sections, dict):
        raise ConfigError(f"{path}: expected a mapping of chapter sections")
    for name, section in sections.items():
        if not isinstance(section, dict | type(None)):
            raise ConfigError(f"{path}: section {name!r} must be a mapping of parameters")
    return {name: dict(section or {}) for name, section in sections.items()}
