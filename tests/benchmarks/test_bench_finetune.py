"""Smoke test of benchmarks/bench_finetune.py: tiny settings, the JSON line last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_finetune.py"


def test_bench_finetune_smoke(tmp_path):
    env = {**os.environ, "WEAM_CACHE": str(tmp_path / "runs"), "TQDM_DISABLE": "1"}
    argv = [sys.executable, str(SCRIPT), "--profile", "smoke", "--steps", "3", "--rounds", "1"]
    proc = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"reference", "fp32"} <= set(result["tokens_per_second"])
    assert result["speedup"]["reference"] == 1.0
    assert all(v > 0 for v in result["tokens_per_second"].values())
    assert result["model"] == "1x32" and result["steps"] == 3 and result["tokens"] > 0
