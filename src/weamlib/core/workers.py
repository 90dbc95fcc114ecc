"""Independent runs side by side: one single-threaded process per CPU core.

Small BERTs on a CPU are bound by per-operation overhead, not arithmetic, so two
single-threaded processes finish two runs sooner than one two-threaded process runs them
one after the other (measured in the pre-training chapter's calibration). Each job
goes through the run store, so the parent reads the finished runs from it afterwards and
a job that is already cached costs nothing.

The worker processes are started once and reused: by every job of a call, and by later
calls with the same number of workers and threads (a chapter's several rounds of runs),
until the process exits or :func:`close_pools` is called. A worker whose parent dies
without stopping it (a killed kernel) exits within a second. Starting one costs seconds
(importing torch and transformers, with a spawn context), as much as a small run; every
job seeds what it draws from itself, so which worker ran what before does not change it.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from weamlib.core.progress import say


def default_workers() -> int:
    """One worker per CPU core (``$WEAM_WORKERS`` overrides)."""
    env = os.environ.get("WEAM_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    # A parent that dies without stopping its pool (a Jupyter kernel whose own parent has
    # gone ends with os._exit, which skips atexit) leaves its workers to init, computing
    # runs that nobody reads; a worker started after its parent died exits at once
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def _init(threads: int, parent: int) -> None:
    # Ctrl-C (and a Jupyter kernel's shutdown) reaches the whole process group: the parent
    # stops the pool (run_parallel, close_pools), so an idle worker must not die printing
    # a KeyboardInterrupt traceback into the build log
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(threads)
    os.environ.setdefault("TQDM_DISABLE", "1")


_POOLS: dict[tuple[int, int], Any] = {}


@contextlib.contextmanager
def _sigint_ignored():
    # a spawned worker imports for seconds before _init runs; started with SIGINT ignored,
    # it inherits that (Python keeps an ignored SIGINT at start-up), so a Ctrl-C in those
    # seconds cannot print a KeyboardInterrupt traceback from its imports
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _pool(workers: int, threads: int):
    """The live pool of ``workers`` processes at ``threads`` threads, started if needed."""
    pool = _POOLS.get((workers, threads))
    if pool is None:
        with _sigint_ignored():
            pool = mp.get_context("spawn").Pool(
                workers, initializer=_init, initargs=(threads, os.getpid())
            )
        _POOLS[(workers, threads)] = pool
    return pool


def close_pools() -> None:
    """Stop the reused worker processes (also done at exit)."""
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.terminate()
        pool.join()


atexit.register(close_pools)


def run_parallel(
    fn: Callable[..., Any],
    jobs: Sequence[tuple],
    workers: int | None = None,
    labels: Sequence[str] | None = None,
    threads: int = 1,
) -> list:
    """``[fn(*job) for job in jobs]``, computed in ``workers`` spawned processes.

    ``fn`` must be importable (a module-level function of weamlib) and its results
    picklable. The processes are reused (module docstring); a failed job re-raises its
    error here and the pool is stopped, so the next call starts fresh ones. With one worker (or one job) the jobs run here, in order. Reports one
    progress line per finished job with the elapsed time (:func:`weamlib.core.progress.say`).
    """
    workers = min(workers or default_workers(), len(jobs)) or 1
    labels = list(labels or [str(i) for i in range(len(jobs))])
    start = time.perf_counter()
    if workers == 1:
        out = []
        for label, job in zip(labels, jobs, strict=True):
            out.append(fn(*job))
            say(f"  done {label} ({time.perf_counter() - start:.0f} s)")
        return out
    results: dict[int, Any] = {}
    pool = _pool(workers, threads)
    try:
        pending = {i: pool.apply_async(fn, job) for i, job in enumerate(jobs)}
        while pending:
            for i in [i for i, r in pending.items() if r.ready()]:
                results[i] = pending.pop(i).get()  # re-raises a worker's error here
                say(
                    f"  done {labels[i]} ({len(results)}/{len(jobs)},"
                    f" {time.perf_counter() - start:.0f} s)"
                )
            time.sleep(0.2)
    except BaseException:
        close_pools()  # no job of this call keeps running behind the error
        raise
    return [results[i] for i in range(len(jobs))]
