"""Data parallelism through `accelerate launch` of the CLI (DESIGN §3, paper profile).

Two CPU processes must train on the same global batches as one process: the examples of
every step, split between the processes, are the one-process step's, and the logged
losses agree within the masking noise (each process draws its own masks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("accelerate")

STEPS, BATCH = 6, 16
ARGS = ["--profile", "paper-smoke", "--objective", "base", "--quiet"]
PARAMS = ["-p", "steps", str(STEPS), "-p", "batch_size", str(BATCH), "-p", "logging_steps", "1"]


def _run(cmd: list[str], cache: Path, trace: Path) -> None:
    env = {**os.environ, "WEAM_CACHE": str(cache), "WEAM_BATCH_TRACE": str(trace),
           "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _steps(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()]


def _losses(model_dir: Path) -> list[float]:
    state = json.loads((model_dir / "trainer_state.json").read_text())
    return [h["loss"] for h in state["log_history"] if "loss" in h]


@pytest.mark.slow
def test_two_processes_train_on_the_one_process_global_batches(tmp_path):
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert accelerate, "accelerate's launcher is not installed beside python"
    one, two = tmp_path / "one", tmp_path / "two"
    cli = ["-m", "weamlib", "pretrain", *ARGS, *PARAMS]
    _run([sys.executable, *cli, "--output", str(one / "model")], one / "cache", one / "trace")
    # `--cpu` alone starts one process unless MPI is installed; `--multi_gpu` starts the
    # processes through torchrun, and on a machine without GPUs they use gloo on the CPU.
    launch = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines",
              "1", "--mixed_precision", "no", "--dynamo_backend", "no"]  # fmt: skip
    _run([*launch, *cli, "--output", str(two / "model")], two / "cache", two / "trace")

    single = _steps(one / "trace.rank0")
    rank0, rank1 = _steps(two / "trace.rank0"), _steps(two / "trace.rank1")
    assert len(single) == STEPS and len(rank0) == len(rank1) == STEPS
    for step, (whole, a, b) in enumerate(zip(single, rank0, rank1, strict=True)):
        assert len(whole) == BATCH and len(a) == len(b) == BATCH // 2, step
        assert Counter(a) + Counter(b) == Counter(whole), f"step {step}: other examples"

    loss_one, loss_two = _losses(one / "model"), _losses(two / "model")
    assert len(loss_one) == len(loss_two) == STEPS
    # Same weights at start (seeded), same examples; only the masks differ per process.
    assert abs(loss_one[0] - loss_two[0]) < 0.05 * loss_one[0]
    mean_one, mean_two = sum(loss_one) / STEPS, sum(loss_two) / STEPS
    assert abs(mean_one - mean_two) < 0.05 * mean_one, (loss_one, loss_two)


def test_batch_size_must_split_over_processes(monkeypatch, tmp_path):
    from weamlib.core.errors import ConfigError
    from weamlib.models.model import ModelSize
    from weamlib.train.pretrain import PretrainConfig, train

    monkeypatch.setenv("WORLD_SIZE", "3")
    cfg = PretrainConfig(steps=1, batch_size=16)
    with pytest.raises(ConfigError, match="multiple of the number of processes"):
        train(cfg, ModelSize(layers=1, hidden=32, heads=2, intermediate=64), None, [],
              tmp_path / "m", tmp_path / "c")  # fmt: skip
