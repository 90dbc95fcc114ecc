"""weamlib.core.workers: jobs run side by side in worker processes that are reused."""

from __future__ import annotations

import os

import pytest

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
