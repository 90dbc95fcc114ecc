"""The notebook pipeline: py:percent chapter -> papermill -> executed notebook -> Jupyter Book.

A chapter is ``notebooks/NN_name.py`` (jupytext py:percent) with one cell tagged
``parameters``. A profile is ``notebooks/profiles/<profile>.yml`` with one section
per chapter (the file stem). ``run_chapter`` validates the parameters against the
chapter's parameters cell *before* anything executes, runs the chapter with
papermill on a temporary ``.ipynb`` (never the paired ``.py``), and moves the
executed notebook into place only when every cell succeeded. ``build_book`` runs
every chapter, records seconds and peak memory per chapter in
``build_report.json``, and builds the HTML with Jupyter Book 1.x, execution off.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from weamlib.core import progress
from weamlib.core.atomicio import atomic_write_json
from weamlib.core.errors import ConfigError, quote, shorten
from weamlib.core.paths import repo_root
from weamlib.study import profiles
from weamlib.study.settings import type_ok

REPORT_NAME = "build_report.json"
# Environment of the kernels papermill starts: keep library chatter out of the pages.
KERNEL_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # OpenMP threads that spin while waiting slow everything tenfold on a shared machine.
    "OMP_WAIT_POLICY": "PASSIVE",
    "TQDM_DISABLE": "1",
    "PYTHONWARNINGS": "ignore",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


class ChapterFailed(RuntimeError):
    """A cell of a chapter raised: the message shows the cell and its error."""


class ChapterInterrupted(ChapterFailed):
    """The chapter was stopped (Ctrl-C): its previous executed notebook is left as it was."""


def chapters(names: Sequence[str] | None = None) -> list[Path]:
    """The chapter sources ``notebooks/NN_*.py`` in order, or those named: by stem
    (``00_environment``, also ``00_environment.py``) or by a path to the repository's
    chapter file; a path to any other file is refused (ConfigError), never read as a stem."""
    found = sorted(profiles.notebooks_dir().glob("[0-9][0-9]_*.py"))
    if not names:
        return found
    by_stem = {p.stem: p for p in found}
    picked = []
    for name in names:
        path = Path(name)
        stem = path.stem if path.suffix in ("", ".py") else None
        if stem not in by_stem:
            raise ConfigError(f"unknown chapter {quote(name)}; chapters are: {', '.join(by_stem)}")
        if path.parent != Path(".") and path.expanduser().resolve() != by_stem[stem].resolve():
            raise ConfigError(
                f"{quote(name)} is not the repository's chapter {by_stem[stem]}: a chapter is"
                f" named by its stem ({stem!r}) or that path; other files are not run"
            )
        picked.append(by_stem[stem])
    return picked


def declared_parameters(source: Path) -> dict[str, Any]:
    """Names and default values of the assignments in a chapter's ``parameters`` cell.

    Defaults must be plain literals (numbers, strings, booleans, None, lists, dicts).
    """
    import jupytext

    nb = jupytext.read(source)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ConfigError(
            f"{source}: expected exactly one cell tagged 'parameters', found {len(cells)}"
        )
    params: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name):
            try:
                params[target.id] = ast.literal_eval(node.value)
            except ValueError as err:
                raise ConfigError(
                    f"{source}: parameter {target.id!r} (line {node.lineno} of the parameters cell)"
                    " must be a plain literal"
                ) from err
    return params


def resolve_parameters(
    source: Path, profile: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters a chapter runs with: profile section, then ``overrides``.

    Raises ConfigError for an unknown profile, a parameter the chapter does not
    declare, or a value whose type differs from the declared default's.
    """
    declared = declared_parameters(source)
    section = profiles.load_profile(profile).get(source.stem, {})
    params: dict[str, Any] = {}
    if "profile" in declared:
        params["profile"] = profile
    for origin, values in ((f"profile {profile!r}", section), ("-p", overrides or {})):
        for name, value in values.items():
            if name not in declared:
                raise ConfigError(
                    f"{source.name}: parameter {name!r} (from {origin}) is not declared in its"
                    f" parameters cell; declared: {', '.join(declared)}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(
                    f"{source.name}: parameter {name!r} (from {origin}) must be a finite"
                    f" number, got {value!r}"
                )
            if not type_ok(declared[name], value):
                raise ConfigError(
                    f"{source.name}: parameter {name!r} (from {origin}) should be"
                    f" {type(declared[name]).__name__} like its default {declared[name]!r},"
                    f" got {type(value).__name__} {shorten(repr(value))}"
                )
            params[name] = value
    _check_settings(source, profile, params, bool(overrides))
    return params


def _check_settings(source: Path, profile: str, params: Mapping[str, Any], overridden: bool):
    """Validate a chapter that has library settings (:data:`weamlib.study.settings.CHAPTERS`)
    by building them, so a value its plans or configs refuse fails before execution."""
    if not (profiles.notebooks_dir() / source.name).is_file() or (
        (profiles.notebooks_dir() / source.name).resolve() != source.resolve()
    ):
        return  # not one of the repository's chapters
    from weamlib.study.settings import CHAPTERS

    if source.stem not in CHAPTERS:
        return
    values = {k: v for k, v in params.items() if k != "profile"}
    try:
        CHAPTERS[source.stem].from_values(values)
    except ConfigError as err:
        origin = f"profile {profile!r}" + (" with -p" if overridden else "")
        raise ConfigError(f"{source.name} ({origin}): {err}") from None


def parse_cli_value(text: str) -> Any:
    """A ``-p key value`` value, read as YAML (as papermill does): ``3`` -> 3, ``[a, b]`` -> list.

    A number in exponent notation without a dot (``1e-4``), which YAML 1.1 reads as a
    string, is read as a float.
    """
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str) and _EXPONENT_NUMBER.fullmatch(value.strip()):
        return float(value)
    return value


_EXPONENT_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+", re.ASCII)


class _PeakRSS:
    """Polls the resident memory of this process's children (the kernel) in a thread."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class ChapterRecord:
    """What ``run_chapter`` measured."""

    chapter: str
    profile: str
    parameters: dict = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


def _strip_progress_noise(nb: Any) -> None:
    """Drop stderr outputs that are progress bars or carriage-return redraws."""
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if not outputs:
            continue
        cell["outputs"] = [
            out
            for out in outputs
            if not (
                out.get("output_type") == "stream"
                and out.get("name") == "stderr"
                and ("\r" in out.get("text", "") or "it/s]" in out.get("text", ""))
            )
        ]


def _failure_message(source: Path, nb_path: Path, err: Exception) -> str:
    import nbformat

    lines = [f"chapter {source.name} failed"]
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # the notebook may not have been written at all
        return f"{lines[0]}: {err}"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                lines.append("--- cell ---")
                lines.append(cell.source)
                lines.append("--- error ---")
                lines.append(f"{out.get('ename')}: {out.get('evalue')}")
                return "\n".join(lines)
    return f"{lines[0]}: {err}"


def _kernel_manager_class(log_path: Path):
    """A kernel manager whose kernel writes its stdout and stderr to ``log_path``.

    A kernel's own output is not the chapter's (cells' output reaches the notebook, progress
    the build log through :mod:`weamlib.core.progress`): inherited, it put ipykernel's
    warnings into every build log, and a kernel shut down mid-cell logged a traceback
    there. The file's tail is shown when a chapter fails."""
    from jupyter_client.manager import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            with open(log_path, "ab") as log:  # the kernel holds its own copy of the file
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                return await super().start_kernel(**kw)

    return LoggedKernelManager


def _kernel_log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    if not text:
        return ""
    return "\n--- kernel log (last lines) ---\n" + "\n".join(text.splitlines()[-lines:])


def _interrupted_message(source: Path, final: Path) -> str:
    kept = f"{final} is left as it was" if final.exists() else f"no {final.name} was written"
    return (
        f"chapter {source.name} interrupted: {kept}; finished runs stay in the run store,"
        " so running it again recomputes only what was unfinished"
    )


def run_chapter(
    source: Path,
    profile: str,
    out_dir: Path,
    overrides: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    log=print,
) -> ChapterRecord:
    """Execute one chapter with papermill; write ``out_dir/<stem>.ipynb`` only on success."""
    import jupytext
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    source = Path(source).resolve()
    params = resolve_parameters(source, profile, overrides)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{source.stem}.ipynb"
    with tempfile.TemporaryDirectory(prefix=f"weam-{source.stem}-") as tmp:
        unexecuted = Path(tmp) / f"{source.stem}.in.ipynb"
        executed = Path(tmp) / f"{source.stem}.ipynb"
        nb = jupytext.read(source)
        nb.metadata.pop("jupytext", None)  # the executed copy is not paired with the .py
        nbformat.write(nb, unexecuted)
        progress_file = Path(tmp) / "progress.log"
        kernel_log = Path(tmp) / "kernel.log"
        kernel_env = {**KERNEL_ENV, progress.ENV: str(progress_file)}
        env_before = {k: os.environ.get(k) for k in kernel_env}
        os.environ.update(kernel_env)
        start = time.perf_counter()
        # a kernel shut down mid-cell leaves asyncio to log its unfinished reads, a screenful
        # of traceback that says nothing the interruption message does not
        asyncio_log = logging.getLogger("asyncio")
        asyncio_level = asyncio_log.level
        asyncio_log.setLevel(logging.CRITICAL)
        try:
            with _PeakRSS() as rss, progress.Echo(progress_file, log=log):
                papermill.execute_notebook(
                    str(unexecuted),
                    str(executed),
                    parameters=params,
                    kernel_name="python3",
                    cwd=str(cwd or profiles.notebooks_dir()),
                    # no time-left estimate: cells differ a thousandfold in cost, so tqdm's
                    # (chapter 03 seen at "11:51 left" an hour before its end) misleads;
                    # the runs inside a cell say how long they have left
                    progress_bar={
                        "desc": f"{source.stem} cells",
                        "leave": False,
                        "disable": False,
                        "bar_format": "{desc}: {n_fmt}/{total_fmt} [{elapsed} so far]",
                    },
                    report_mode=False,
                    kernel_manager_class=_kernel_manager_class(kernel_log),
                )
        except papermill.PapermillExecutionError as err:
            if err.ename == "KeyboardInterrupt":
                raise ChapterInterrupted(_interrupted_message(source, final)) from None
            raise ChapterFailed(_failure_message(source, executed, err)) from None
        except KeyboardInterrupt:
            raise ChapterInterrupted(_interrupted_message(source, final)) from None
        except (DeadKernelError, CellTimeoutError, RuntimeError) as err:
            # the kernel died (killed, out of memory) or never answered
            raise ChapterFailed(
                f"chapter {source.name} failed: {type(err).__name__}: {err}"
                + _kernel_log_tail(kernel_log)
            ) from None
        finally:
            asyncio_log.setLevel(asyncio_level)
            for key, value in env_before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        seconds = time.perf_counter() - start
        done = nbformat.read(executed, as_version=4)
        _strip_progress_noise(done)
        staged = out_dir / f".{final.name}.tmp"
        nbformat.write(done, staged)
        os.replace(staged, final)
    return ChapterRecord(
        chapter=source.stem,
        profile=profile,
        parameters=params,
        seconds=round(seconds, 2),
        peak_rss_mb=round(rss.peak / 2**20, 1),
    )


def record_chapter(report_path: Path, record: ChapterRecord) -> dict:
    """Add a chapter's measurements to the build report (atomically) and return the report."""
    report: dict = {}
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            report = {}
    report.setdefault("chapters", {})[record.chapter] = {
        "profile": record.profile,
        "parameters": record.parameters,
        "seconds": record.seconds,
        "peak_rss_mb": record.peak_rss_mb,
    }
    report.update(python=sys.version.split()[0], cpu_count=os.cpu_count())
    atomic_write_json(report_path, report)
    return report


def copy_book_sources(dest: Path) -> Path:
    """Copy the book's committed sources (config, toc, prose pages) into ``dest``.

    A build in ``dest`` then leaves the repository's ``book/`` untouched (tests, benchmarks).
    """
    root = repo_root()
    tracked = subprocess.run(
        ["git", "ls-files", "book"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    for rel in tracked:
        target = Path(dest) / Path(rel).relative_to("book")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return Path(dest)


def install_mathjax(book_dir: Path) -> Path:
    """Copy MathJax 3 (from the django-static-mathjax wheel) into ``_mathjax/mathjax``.

    ``_config.yml`` publishes that folder as ``<html>/mathjax`` (``html_extra_path``; not
    ``_static``, whose scripts Jupyter Book would load on every page), so the book
    typesets math with no request leaving the machine.
    """
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("MathJax 3 is not installed (pip package django-static-mathjax)")
    es5 = Path(spec.origin).parent / "static" / "mathjax" / "es5"
    dest = Path(book_dir) / "_mathjax" / "mathjax"
    if not (dest / "tex-svg.js").is_file():
        tmp = dest.with_name(".mathjax.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(es5, tmp)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    return dest


def build_html(book_dir: Path) -> Path:
    """Run Jupyter Book 1.x on ``book_dir`` (execution is off in its _config.yml)."""
    install_mathjax(book_dir)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(book_dir),
        "--keep-going",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    html = Path(book_dir) / "_build" / "html"
    if proc.returncode != 0 or not (html / "index.html").is_file():
        raise RuntimeError(
            f"jupyter-book build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return html


def build_book(
    profile: str = "default",
    book_dir: Path | None = None,
    names: Sequence[str] | None = None,
    html: bool = True,
    log=print,
) -> dict:
    """Execute the chapters into ``<book_dir>/chapters`` and build the HTML.

    Returns the build report (also written to ``<book_dir>/build_report.json``).
    """
    book_dir = Path(book_dir or repo_root() / "book")
    sources = chapters(names)
    # Validate every chapter's parameters before executing anything.
    for source in sources:
        resolve_parameters(source, profile)
    report_path = book_dir / REPORT_NAME
    if not names:  # a full build starts a fresh report
        report_path.unlink(missing_ok=True)
    start = time.perf_counter()
    report: dict = {}
    for source in sources:
        log(f"[{profile}] running {source.name} ...", flush=True)
        record = run_chapter(source, profile, book_dir / "chapters", cwd=book_dir, log=log)
        log(f"[{profile}] {source.name}: {record.seconds:.1f} s, peak {record.peak_rss_mb:.0f} MB")
        report = record_chapter(report_path, record)
    if html:
        out = build_html(book_dir)
        log(f"[{profile}] book built in {time.perf_counter() - start:.0f} s: {out / 'index.html'}")
    return report
