"""The run store: cache hits, atomicity under interruption, config mismatch, keys by code."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

import pytest

from weamlib.core.atomicio import atomic_write_text
from weamlib.store import codehash, runs
from weamlib.store.runs import MARKER, RunConfigMismatch, RunStore


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
from weamlib.store.runs import RunStore
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


# --------------------------------------------------------------------------- code digests


def write_package(root, files: dict[str, str]):
    """A fake ``weamlib`` package folder under ``root``: ``{relative path: source}``."""
    pkg = root / "weamlib"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return pkg


@pytest.fixture
def fake_pkg(tmp_path, monkeypatch):
    """A small package in a tmp folder that ``code_digest`` reads instead of weamlib's."""
    pkg = write_package(
        tmp_path,
        {
            "__init__.py": '"""fake"""\n',
            "base.py": "X = 1\n",
            "lazy.py": "Y = 2\n",
            "unrelated.py": "Z = 3\n",
            "top.py": """\
                from weamlib import base

                def compute():
                    from weamlib.lazy import Y  # imported only inside a function
                    return base.X + Y
            """,
            "sub/__init__.py": "",
            "sub/helper.py": "H = 1\n",
            "sub/rel.py": """\
                from . import helper
                from ..base import X
            """,
            "sub/native.c": "int f(void) { return 1; }\n",
            "dyn.py": """\
                import importlib

                def load(name):
                    return importlib.import_module(f"weamlib.sub.{name}")
            """,
        },
    )
    monkeypatch.setattr(codehash, "PACKAGE_DIR", pkg.resolve())
    return pkg.resolve()


def edit(path, text: str) -> None:
    """Append ``text`` to ``path`` (the size changes, so even a coarse mtime sees it)."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_closure_follows_function_level_relative_and_dynamic_imports(fake_pkg):
    assert set(codehash.closure(["weamlib.top"])) == {
        "weamlib",
        "weamlib.top",
        "weamlib.base",
        "weamlib.lazy",
    }
    assert set(codehash.closure(["weamlib.sub.rel"])) == {
        "weamlib",
        "weamlib.sub",  # parent package of a submodule
        "weamlib.sub.rel",
        "weamlib.sub.helper",  # from . import helper
        "weamlib.base",  # from ..base import X
    }
    assert set(codehash.closure(["weamlib.dyn"])) == {
        "weamlib",
        "weamlib.dyn",
        "weamlib.sub",
        "weamlib.sub.helper",
        "weamlib.sub.rel",
        "weamlib.base",  # imported by sub.rel
    }
    assert codehash.all_modules() == (
        "weamlib",
        "weamlib.base",
        "weamlib.dyn",
        "weamlib.lazy",
        "weamlib.sub",
        "weamlib.sub.helper",
        "weamlib.sub.rel",
        "weamlib.top",
        "weamlib.unrelated",
    )


def test_digest_changes_with_dependencies_only(fake_pkg):
    top = codehash.code_digest(["weamlib.top"])
    rel = codehash.code_digest(["weamlib.sub.rel"])
    assert top == codehash.code_digest(("weamlib.top", "weamlib.top"))  # order, repeats
    edit(fake_pkg / "unrelated.py", "# a comment\n")
    assert codehash.code_digest(["weamlib.top"]) == top
    edit(fake_pkg / "lazy.py", "Y = 3\n")  # imported inside a function of top
    assert codehash.code_digest(["weamlib.top"]) != top
    assert codehash.code_digest(["weamlib.sub.rel"]) == rel  # does not import lazy
    edit(fake_pkg / "sub" / "native.c", "/* changed */\n")  # a C source in a touched folder
    assert codehash.code_digest(["weamlib.sub.rel"]) != rel
    before = codehash.code_digest(["weamlib.sub.rel"])
    edit(fake_pkg / "sub" / "helper.py", "import weamlib.unrelated\n")  # a new import
    after = codehash.code_digest(["weamlib.sub.rel"])
    assert after != before
    assert "weamlib.unrelated" in codehash.closure(["weamlib.sub.rel"])
    edit(fake_pkg / "unrelated.py", "Z = 1  # now a dependency\n")
    assert codehash.code_digest(["weamlib.sub.rel"]) != after


def test_digest_refuses_unknown_modules(fake_pkg):
    with pytest.raises(ValueError, match="not a module"):
        codehash.code_digest(["weamlib.nope"])
    with pytest.raises(ValueError, match="not a module"):
        codehash.code_digest(["numpy"])


def test_editing_a_dependency_recomputes_the_run(fake_pkg, run_store):
    calls = []

    def fn(folder):
        calls.append(folder)
        return {"n": len(calls)}

    first = run_store.run("demo", Cfg(1), fn, code=["weamlib.top"])
    assert run_store.run("demo", Cfg(1), fn, code=["weamlib.top"]).path == first.path
    assert run_store.get("demo", Cfg(1), code=["weamlib.top"]).results == {"n": 1}
    stored = json.loads((first.path / "config.json").read_text())
    assert set(stored) == {"kind", "code_version", "code", "code_digest", "config"}
    assert stored["code"] == ["weamlib.top"]
    assert stored["code_digest"] == codehash.code_digest(["weamlib.top"])

    edit(fake_pkg / "unrelated.py", "# not imported by top\n")
    assert run_store.run("demo", Cfg(1), fn, code=["weamlib.top"]).path == first.path
    assert len(calls) == 1

    edit(fake_pkg / "base.py", "X = 2\n")
    assert run_store.get("demo", Cfg(1), code=["weamlib.top"]) is None  # old run not current
    second = run_store.run("demo", Cfg(1), fn, code=["weamlib.top"])
    assert len(calls) == 2 and second.results == {"n": 2}
    assert second.path != first.path and first.path.is_dir()  # old folder kept


def test_run_defaults_to_the_module_of_fn(run_store):
    from weamlib.core import paths

    config = {"a": 1}
    # fn defined outside weamlib: the whole package, which get() also uses by default
    run = run_store.run("demo", config, lambda folder: {"x": 1})
    assert run_store.get("demo", config).path == run.path
    assert run.path == run_store.path("demo", config)

    # a weamlib function (here paths.repo_root, called with the folder) keys by its module
    assert runs.resolve_code(paths.repo_root) == ("weamlib.core.paths",)
    assert runs.resolve_code(paths.repo_root, ["weamlib.store.runs"]) == ("weamlib.store.runs",)
    assert runs.resolve_code(lambda f: None) is None
    mod = run_store.run(
        "demo", config, lambda folder: paths.repo_root() and {}, ["weamlib.core.paths"]
    )
    assert mod.path == run_store.path("demo", config, ["weamlib.core.paths"]) != run.path
    assert run_store.get("demo", config, "weamlib.core.paths").path == mod.path
    with pytest.raises(ValueError, match="no module"):
        run_store.key("demo", config, code=[])


def test_package_digest_follows_any_edit(fake_pkg, tmp_path):
    store = RunStore(tmp_path / "store")
    key = store.key("a", Cfg(1))
    edit(fake_pkg / "unrelated.py", "W = 0  # any module counts for the whole package\n")
    assert store.key("a", Cfg(1)) != key
    key = store.key("a", Cfg(1))
    (fake_pkg / "sub" / "new.py").write_text("N = 1\n")  # a new module
    assert store.key("a", Cfg(1)) != key


def test_digest_is_cheap_when_memoised():
    import time

    codehash.package_digest()
    codehash.code_digest(["weamlib.align.corpus"])
    start = time.perf_counter()
    for _ in range(10):
        codehash.package_digest()
        codehash.code_digest(["weamlib.align.corpus"])
    assert (time.perf_counter() - start) / 10 < 0.05


def test_real_closures():
    corpus = codehash.closure(["weamlib.align.corpus"])
    assert {"weamlib", "weamlib.align", "weamlib.data.formats"} <= set(corpus)
    assert "weamlib.synth.suite" not in corpus and "weamlib.cli.main" not in corpus
    # the run store's machinery never counts (codehash.NOT_HASHED)
    assert not set(codehash.NOT_HASHED) & set(corpus)
    # cli imports its commands by a computed name: all of weamlib.cli counts
    assert {"weamlib.cli.fetch", "weamlib.cli.align"} <= set(codehash.closure(["weamlib.cli.main"]))


def test_source_edited_after_import_is_refused(monkeypatch, run_store):
    """A loaded module whose file changed since: the code that would run is not the code
    hashed, so run() refuses to compute (a cached result is still found)."""
    done = run_store.run("demo", {"a": 1}, lambda folder: {}, code=["weamlib.core.errors"])
    path = codehash.module_file("weamlib.core.errors")
    stamp = codehash._LOADED_STAMPS[path]
    monkeypatch.setitem(codehash._LOADED_STAMPS, path, (stamp[0] - 1, *stamp[1:]))
    with pytest.raises(codehash.SourceChangedError, match="errors.py changed after"):
        codehash.check_unchanged(["weamlib.data.tokenize"])
    with pytest.raises(codehash.SourceChangedError):
        codehash.check_unchanged(None)
    codehash.check_unchanged(["weamlib.store.digests"])  # does not import weamlib.core.errors
    with pytest.raises(codehash.SourceChangedError):
        run_store.run("demo", {"a": 2}, lambda folder: {}, code=["weamlib.core.errors"])
    assert not list((run_store.root / "demo").glob(".*"))  # nothing started
    assert run_store.run("demo", {"a": 1}, lambda folder: {}, code=["weamlib.core.errors"]) == done


def test_comment_edit_after_import_is_not_refused(monkeypatch, tmp_path):
    """The loaded source and the file on disk differ only in a comment: same tree, so the
    code running is the code hashed."""
    path = codehash.module_file("weamlib.core.errors")
    stamp, content = codehash._LOADED[path]
    monkeypatch.setitem(codehash._LOADED, path, (stamp, b"# an old comment\n" + content))
    monkeypatch.setitem(codehash._LOADED_STAMPS, path, stamp)
    codehash.check_unchanged(["weamlib.core.errors"])  # same stamps: nothing to compare
    newer = (stamp[0] - 1, *stamp[1:])
    monkeypatch.setitem(codehash._LOADED, path, (newer, b"# an old comment\n" + content))
    monkeypatch.setitem(codehash._LOADED_STAMPS, path, newer)
    codehash.check_unchanged(["weamlib.core.errors"])  # stamps differ, tree the same
    monkeypatch.setitem(codehash._LOADED, path, (newer, content + b"\nX_CHANGED = 1\n"))
    with pytest.raises(codehash.SourceChangedError):
        codehash.check_unchanged(["weamlib.core.errors"])


def test_default_code_counts_functions_in_the_closure(run_store):
    import functools

    from weamlib.core import paths
    from weamlib.data import formats

    def compute():
        return paths.repo_root()

    def wrapper(folder):
        return compute()

    compute.__module__ = "weamlib.data.formats"
    wrapper.__module__ = "weamlib.core.paths"
    assert runs.resolve_code(wrapper) == ("weamlib.core.paths", "weamlib.data.formats")
    assert runs.resolve_code(functools.partial(formats.read_squad_json)) == (
        "weamlib.data.formats",
    )
    compute.__module__ = __name__  # a wrapped function from outside weamlib: whole package
    assert runs.resolve_code(wrapper) is None

    # weamlib.align.experiments.cached_rows wraps the caller's compute in its own fn
    from weamlib.align.experiments import EVAL_KIND, cached_rows

    assert cached_rows("demo", {"a": 1}, lambda: [{"x": 1}], run_store) == [{"x": 1}]
    assert run_store.get(EVAL_KIND, {"stage": "demo", "a": 1}) is not None


def test_a_run_finished_by_another_process_is_kept(run_store):
    """Two processes computing the same run: the second never clobbers the first's folder."""
    from weamlib.store.runs import MARKER

    def first_fn(out):
        (out / "a.txt").write_text("first")
        return {}

    def second_fn(out):
        (out / "a.txt").write_text("second")
        return {}

    final = run_store.run("race", {"x": 1}, first_fn).path
    real_get, calls = run_store._get, []

    def late_get(kind, record):  # the second process looked before the first had finished
        calls.append(kind)
        return None if len(calls) == 1 else real_get(kind, record)

    run_store._get = late_get
    again = run_store.run("race", {"x": 1}, second_fn)
    assert again.path == final and (final / MARKER).is_file()
    assert (final / "a.txt").read_text() == "first"
    assert not list(final.parent.glob(".*tmp-*"))


def test_normalised_source_ignores_comments_docstrings_and_layout():
    base = b'"""Doc."""\nimport os\n\ndef f(x):\n    """Doc."""\n    return x + 1\n'
    same = (
        b"# a comment\nimport os  # why\n\n\ndef f(\n    x,\n):\n"
        b'    """Another docstring,\n    over two lines."""\n    return (x + 1)\n'
    )
    assert codehash.normalised_source(base) == codehash.normalised_source(same)
    for changed in (
        base.replace(b"x + 1", b"x + 2"),
        base.replace(b"import os", b"import sys"),
        base.replace(b'    """Doc."""\n    return', b'    s = "Doc."\n    return'),
    ):
        assert codehash.normalised_source(changed) != codehash.normalised_source(base)
    # a docstring-only body still parses to a tree of its own
    assert codehash.normalised_source(b'def g():\n    """Only a doc."""\n') == (
        codehash.normalised_source(b"def g():\n    pass\n")
    )
    assert codehash.normalised_source(b"def (:", ".py") == b"def (:"  # unparsable: bytes
    assert codehash.normalised_source(b"/* c */", ".c") == b"/* c */"


def _copy_package(tmp_path):
    import shutil

    copy = tmp_path / "weamlib"
    shutil.copytree(
        codehash.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so")
    )
    return copy


def _comment_and_docstring_edit(path) -> None:
    """Add a comment after every line that ends a statement safely, and change every
    docstring's text: an edit that changes no computation."""
    import ast

    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.lineno == first.end_lineno
            ):
                line = lines[first.lineno - 1]
                lines[first.lineno - 1] = line.replace('"""', '"""Edited. ', 1)
    text = "".join(lines)
    path.write_text("# an edited comment\n" + text + "\n# and one at the end\n", encoding="utf-8")


def test_comment_and_docstring_edits_of_every_module_keep_every_key(tmp_path):
    from weamlib.store import runkinds

    copy = _copy_package(tmp_path)
    before = {m: codehash.code_digest(m, copy) for m in codehash.all_modules(copy)}
    closures = {kind: codehash.code_digest(code, copy) for kind, code in runkinds.CODE.items()}
    for path in sorted(copy.rglob("*.py")):
        _comment_and_docstring_edit(path)
    after = {m: codehash.code_digest(m, copy) for m in codehash.all_modules(copy)}
    assert after == before
    assert {k: codehash.code_digest(c, copy) for k, c in runkinds.CODE.items()} == closures
    # ... while a change to the objectives' code re-keys pre-training (and what uses it)
    objectives = copy / "models/objectives.py"
    edit(objectives, "\nLOSS_SCALE = 2.0\n")
    changed = {k: codehash.code_digest(c, copy) for k, c in runkinds.CODE.items()}
    assert changed["pretrain"] != closures["pretrain"]
    assert changed["tokenizer"] == closures["tokenizer"]
    assert changed["synth"] == closures["synth"]
