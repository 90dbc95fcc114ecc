"""weamlib.core.workers: jobs run side by side in worker processes that are reused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from weamlib.core import workers as workers_module
from weamlib.core.workers import close_pools, run_parallel


def test_workers_are_reused_across_jobs_and_calls_and_errors_surface():
    try:
        first = run_parallel(os.getpid, [()] * 4, workers=2)
        again = run_parallel(os.getpid, [()] * 3, workers=2)
        assert os.getpid() not in first
        assert len(set(first) | set(again)) <= 2  # two processes for seven runs
        assert run_parallel(int, [("3",), ("4",), ("5",)], workers=2) == [3, 4, 5]  # in order
        with pytest.raises(ValueError, match="invalid literal"):
            run_parallel(int, [("1",), ("x",)], workers=2)
        # after an error the next call gets working (fresh) processes
        assert run_parallel(int, [("6",), ("7",)], workers=2) == [6, 7]
    finally:
        close_pools()


def test_idle_workers_leave_ctrl_c_to_the_parent():
    """A SIGINT to the process group (Ctrl-C, a kernel's shutdown) must not kill idle
    workers with a traceback in the log: they ignore it, and the parent stops the pool."""
    import signal

    try:
        handlers = run_parallel(signal.getsignal, [(signal.SIGINT,)] * 2, workers=2)
        assert handlers == [signal.SIG_IGN, signal.SIG_IGN]
        # every worker of the pool, not the ones that happened to take a job: one worker
        # may run both jobs above
        (pool,) = workers_module._POOLS.values()
        pids = {p.pid for p in pool._pool}
        assert len(pids) == 2
        for pid in pids:
            os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        # the same processes, alive (the pool replaces a dead worker with a new pid)
        assert {p.pid for p in pool._pool} == pids
        assert all(p.is_alive() for p in pool._pool)
        assert set(run_parallel(os.getpid, [()] * 4, workers=2)) <= pids
    finally:
        close_pools()


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_workers_exit_when_their_parent_dies_without_stopping_them():
    """A parent killed (or ending with os._exit, as a Jupyter kernel does when its own
    parent has gone) runs no atexit: its workers, busy with a run, must not live on,
    reparented to init. (Idle ones end anyway: their task pipe closes.)"""
    script = (
        "import os, sys\n"
        "from weamlib.core import workers\n"
        "import time\n"
        "pool = workers._pool(2, 1)\n"
        "busy = [pool.apply_async(time.sleep, (120,)) for _ in range(2)]\n"
        "print(' '.join(str(p.pid) for p in pool._pool), flush=True)\n"
        "sys.stdin.readline()\n"
        "os._exit(0)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 2
    try:
        time.sleep(3)  # the workers start (import torch) and take the jobs
        assert all(_alive(pid) for pid in pids)
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in pids), "workers outlived their parent"
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, 9)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_workers_ignore_sigint_from_their_first_instruction():
    """A spawned worker spends seconds importing torch before its initializer runs; a
    Ctrl-C in that window must not print a KeyboardInterrupt traceback from the imports.
    The pool is started with SIGINT ignored, which the new interpreter inherits."""
    import signal

    # as under a terminal (a test run in the background inherits SIGINT ignored, and the
    # workers would inherit that whatever the pool does)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        pool = workers_module._pool(2, 1)
        for proc in pool._pool:
            # read at once, before the initializer can have run
            status = Path(f"/proc/{proc.pid}/status").read_text()
            (sigign,) = [
                line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")
            ]
            assert int(sigign, 16) & (1 << (signal.SIGINT - 1)), "SIGINT not ignored at start"
        # the parent's own handler is back
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        close_pools()
        signal.signal(signal.SIGINT, before)
