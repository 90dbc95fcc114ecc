"""Progress lines for the terminal, also from inside a papermill kernel.

A kernel's output goes into the notebook, not to the terminal that builds the book. So
long steps (training, many runs) write their progress lines to the file named by
``$WEAM_PROGRESS_FILE``, which the book builder sets for each chapter and echoes as the
lines arrive: which step a chapter is on and how long is left, never minutes of silence.
Without that variable the lines go to stderr.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ENV = "WEAM_PROGRESS_FILE"


def say(message: str) -> None:
    """One progress line: to ``$WEAM_PROGRESS_FILE`` if set, else to stderr."""
    target = os.environ.get(ENV)
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(message.rstrip("\n") + "\n")
        return
    print(message, file=sys.stderr, flush=True)


class Echo:
    """Echo the lines appended to ``path`` through ``log`` while the block runs."""

    def __init__(self, path: Path, log=print, prefix: str = "", interval: float = 0.5):
        self.path, self.log, self.prefix, self.interval = Path(path), log, prefix, interval
        self._stop = threading.Event()
        self._offset = 0

    def _drain(self) -> None:
        if not self.path.is_file():
            return
        with open(self.path, encoding="utf-8") as f:
            f.seek(self._offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self._offset += len(complete.encode("utf-8"))
        for line in complete.splitlines():
            self.log(f"{self.prefix}{line}", flush=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._drain()

    def __enter__(self) -> Echo:
        self.path.touch()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._drain()


def eta(done: int, total: int, started: float) -> str:
    """``"12/40, 35 s left"`` from the rate so far."""
    elapsed = time.perf_counter() - started
    if done <= 0:
        return f"{done}/{total}"
    left = elapsed / done * (total - done)
    return f"{done}/{total}, {left:.0f} s left"


def trainer_callback(label: str):
    """A ``transformers.TrainerCallback`` that reports step, loss and time left."""
    from transformers import TrainerCallback

    class TerminalProgress(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.started, self.first = time.perf_counter(), state.global_step
            say(f"  [{label}] training from step {state.global_step} to {state.max_steps}")

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                done = state.global_step - self.first
                left = state.max_steps - state.global_step
                rate = (time.perf_counter() - self.started) / max(done, 1)
                say(
                    f"  [{label}] step {state.global_step}/{state.max_steps}"
                    f" loss {float(logs['loss']):.3f}, {rate * left:.0f} s left"
                )

    return TerminalProgress()
