"""Running the repository's benchmark scripts from a chapter (their figures go in the book)."""

from __future__ import annotations

import json
import subprocess
import sys

from weamlib.paths import repo_root


def run_benchmark(profile: str, steps: int, threads: int = 1, rounds: int = 3) -> dict:
    """Run ``benchmarks/bench_pretrain.py --json`` and return its JSON line (tokens/s per
    objective and the ratios). One thread: the steadiest figures on a shared machine."""
    script = repo_root() / "benchmarks" / "bench_pretrain.py"
    cmd = [
        sys.executable,
        str(script),
        "--profile",
        profile,
        "--steps",
        str(steps),
        "--threads",
        str(threads),
        "--rounds",
        str(rounds),
        "--json",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=repo_root())
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
