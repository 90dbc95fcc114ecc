"""weamlib.core.workers: jobs run side by side in worker processes that are reused."""

from __future__ import annotations

import os
import time

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
