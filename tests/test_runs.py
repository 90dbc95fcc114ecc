"""The run store: cache hits, atomicity under interruption, config mismatch."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from weamlib.runs import MARKER, RunConfigMismatch, RunStore, atomic_write_text


@dataclass(frozen=True)
class Cfg:
    size: int
    name: str = "x"


def test_run_computes_once_then_hits_cache(run_store):
    calls = []

    def fn(folder):
        calls.append(folder)
        (folder / "data.txt").write_text("hello")
        return {"n": 3}

    first = run_store.run("demo", Cfg(3), fn)
    second = run_store.run("demo", Cfg(3), fn)
    assert len(calls) == 1
    assert first.path == second.path
    assert second.results == {"n": 3}
    assert second.config == {"name": "x", "size": 3}
    assert (second.path / "data.txt").read_text() == "hello"
    assert (second.path / MARKER).is_file()


def test_key_depends_on_config_kind_and_code_version(tmp_path):
    store = RunStore(tmp_path)
    assert store.key("a", Cfg(1)) != store.key("a", Cfg(2))
    assert store.key("a", Cfg(1)) != store.key("b", Cfg(1))
    assert store.key("a", Cfg(1)) == store.key("a", {"size": 1, "name": "x"})
    assert RunStore(tmp_path, code_version="other").key("a", Cfg(1)) != store.key("a", Cfg(1))


def test_interrupted_run_leaves_nothing_and_is_recomputed(run_store):
    def killed(folder):
        (folder / "half.txt").write_text("partial")
        raise KeyboardInterrupt  # as if the process were stopped mid-run

    with pytest.raises(KeyboardInterrupt):
        run_store.run("demo", Cfg(1), killed)
    assert run_store.get("demo", Cfg(1)) is None
    assert not run_store.path("demo", Cfg(1)).exists()
    assert not list((run_store.root / "demo").glob(".*"))

    run = run_store.run("demo", Cfg(1), lambda folder: {"ok": True})
    assert run.results == {"ok": True}
    assert not (run.path / "half.txt").exists()


def test_folder_without_marker_is_not_done(run_store):
    """A folder from a crash between writes (no DONE marker) is recomputed, not read."""
    path = run_store.path("demo", Cfg(5))
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "results.json").write_text('{"stale": true}')
    assert run_store.get("demo", Cfg(5)) is None
    run = run_store.run("demo", Cfg(5), lambda folder: {"fresh": True})
    assert run.results == {"fresh": True}


def test_config_mismatch_is_refused(run_store):
    run = run_store.run("demo", Cfg(7), lambda folder: {})
    record = json.loads((run.path / "config.json").read_text())
    record["config"]["size"] = 8
    (run.path / "config.json").write_text(json.dumps(record))
    with pytest.raises(RunConfigMismatch, match="different config"):
        run_store.get("demo", Cfg(7))


def test_unjsonable_config_is_refused(run_store):
    with pytest.raises(TypeError, match="not JSON-able"):
        run_store.key("demo", {"f": object()})


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    with pytest.raises(TypeError):
        atomic_write_text(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_run_killed_by_sigkill_is_redone(tmp_path):
    """SIGKILL mid-run (no cleanup code runs) still never yields a half-written result."""
    import signal
    import subprocess
    import sys
    import time

    script = f"""
import time
from pathlib import Path
from weamlib.runs import RunStore
def fn(folder):
    (folder / "started").write_text("yes")
    time.sleep(60)
    return {{}}
RunStore({str(tmp_path)!r}).run("slow", {{"a": 1}}, fn)
"""
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 30
    while not list(tmp_path.glob("slow/.*/started")) and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = RunStore(tmp_path)
    assert store.get("slow", {"a": 1}) is None
    assert store.clean_partial() == 1
    assert store.run("slow", {"a": 1}, lambda folder: {"done": 1}).results == {"done": 1}
