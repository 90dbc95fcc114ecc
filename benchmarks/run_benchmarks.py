"""Run every ``benchmarks/bench_*.py`` script; each prints its figures and writes JSON
to ``benchmarks/results/<name>.json`` (ignored by git)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        out = results / f"{script.stem.removeprefix('bench_')}.json"
        status |= subprocess.call([sys.executable, str(script), "--json", str(out)])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
