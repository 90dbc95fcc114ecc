"""What the machine and the software stack are, for the environment chapter and benchmarks."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

# Packages whose versions the book reports.
REPORTED_PACKAGES = (
    "weamlib",
    "torch",
    "transformers",
    "tokenizers",
    "numpy",
    "numba",
    "pandas",
    "matplotlib",
    "seaborn",
    "eflomal",
    "jupyter-book",
    "jupytext",
    "papermill",
)


def package_versions(names: tuple[str, ...] = REPORTED_PACKAGES) -> dict[str, str]:
    """Installed version of each package ("not installed" when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_info() -> dict[str, object]:
    """Python, OS, CPU model and counts, torch threads and memory of this machine."""
    import psutil
    import torch

    cpu_model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_model": cpu_model,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "cuda_available": torch.cuda.is_available(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "hf_hub_offline": os.environ.get("HF_HUB_OFFLINE", "unset"),
    }


def git_commit() -> str:
    """The checkout's short commit, with " + local changes" when tracked files differ from
    it ("not a git checkout" outside one)."""
    import subprocess

    from weamlib.core.paths import repo_root

    def git(*args):
        out = subprocess.run(["git", *args], cwd=repo_root(), capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" + local changes" if dirty else "")
