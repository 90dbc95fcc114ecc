"""Running the repository's benchmark scripts from a chapter (their figures go in the book)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from weamlib.core.paths import repo_root
from weamlib.store.digests import file_sha256
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import RunStore


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


def ensure_benchmark(
    profile: str, steps: int, threads: int = 1, rounds: int = 3, store: RunStore | None = None
) -> dict:
    """:func:`run_benchmark`, measured once per version of the script and of the code it
    times (kind ``"benchmark"``), so a warm book build does not re-time it. The result
    records when it was measured."""
    script = repo_root() / "benchmarks" / "bench_pretrain.py"
    config = {
        "script": file_sha256(script),
        "profile": profile,
        "steps": steps,
        "threads": threads,
        "rounds": rounds,
    }

    def compute(_folder: Path) -> dict:
        result = run_benchmark(profile, steps, threads, rounds)
        result.pop("rows", None)
        return {**result, "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}

    return RunSpec("benchmark", config).run(store or RunStore(), compute).results


def recorded_gpu_benchmarks(folder: str | Path | None = None):
    """The GPU measurements of ``benchmarks/bench_gpu.py`` kept in ``benchmarks/recorded/``
    (one JSON file per device; each says when, at which commit and with which command it
    was measured): a tidy frame with ``device, stage, tokens/s, peak GPU GB, batch, bf16,
    date, commit``, empty when none is recorded."""
    import pandas as pd

    folder = Path(folder) if folder else repo_root() / "benchmarks" / "recorded"
    rows = []
    for path in sorted(folder.glob("bench_gpu_*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for stage, values in record["stages"].items():
            rows.append(
                {
                    "device": record["device"],
                    "stage": stage,
                    "tokens/s": values["tokens_per_second"],
                    "peak GPU GB": values.get("peak_gpu_gb"),
                    "batch": record["batch_size"],
                    "bf16": record["bf16"],
                    "date": record["recorded"]["date"],
                    "commit": record["recorded"]["commit"],
                }
            )
    columns = ["device", "stage", "tokens/s", "peak GPU GB", "batch", "bf16", "date", "commit"]
    return pd.DataFrame(rows, columns=columns)
