"""Smoke test of benchmarks/bench_pretrain.py: tiny settings, the JSON line's keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pretrain.py"


def test_bench_pretrain_smoke(tmp_path):
    out = tmp_path / "pretrain.json"
    env = {**os.environ, "WEAM_CACHE": str(tmp_path / "runs"), "TQDM_DISABLE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--profile",
            "smoke",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--rounds",
            "1",
            "--threads",
            "1",
            "--alignment-source",
            "gold",
            "--json",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    for key in ("reference", "mlm", "tlm", "word_aligned", "weam"):
        assert isinstance(result[key], float) and result[key] > 0, key
        assert key in result["rows"]
        assert lines[0].split()[0] == "objective"
    for key in ("mlm_over_reference", "weam_over_mlm", "weam_over_tlm", "weam_over_tlm_step"):
        assert result[key] > 0, key
    assert result["profile"] == "smoke" and result["threads"] == 1
    assert result["alignment_source"] == "gold"
    # the same sentences for reference and mlm, the same pairs for the pair objectives
    rows = result["rows"]
    assert rows["reference"]["tokens_per_step"] == rows["mlm"]["tokens_per_step"]
    assert rows["tlm"]["tokens_per_step"] == rows["weam"]["tokens_per_step"]
    assert json.loads(out.read_text(encoding="utf-8")) == result


def test_recorded_gpu_benchmarks_are_read_as_a_tidy_frame(tmp_path):
    import json

    from weamlib.study.benchmarks import recorded_gpu_benchmarks

    assert recorded_gpu_benchmarks(tmp_path).empty
    record = {
        "device": "GPU X",
        "batch_size": 32,
        "bf16": True,
        "stages": {"tlm": {"tokens_per_second": 100.0, "peak_gpu_gb": 2.5},
                   "weam": {"tokens_per_second": 80.0}},
        "recorded": {"date": "2026-01-01", "commit": "abc1234"},
    }  # fmt: skip
    (tmp_path / "bench_gpu_x.json").write_text(json.dumps(record))
    frame = recorded_gpu_benchmarks(tmp_path)
    assert frame[["stage", "tokens/s"]].values.tolist() == [["tlm", 100.0], ["weam", 80.0]]
    assert frame["peak GPU GB"].tolist()[0] == 2.5 and frame["commit"].eq("abc1234").all()
    # the repository's own record (one H200) is read too
    assert "NVIDIA H200" in set(recorded_gpu_benchmarks().device)
