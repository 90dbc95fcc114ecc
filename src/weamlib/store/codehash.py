"""Digests of weamlib source code, for keying cached runs by the code that computed them.

:func:`code_digest` takes weamlib module names and follows their imports *within the
weamlib package* by static analysis of the source (``import`` and ``from ... import``
statements anywhere in a module, including inside functions; relative imports;
``importlib.import_module("weamlib....")`` calls with a literal name or a literal prefix).
Importing a submodule implies its parent packages' ``__init__.py``. The digest is the
sha256 of the closure's files, in sorted order of their paths relative to the package
folder, together with the non-Python sources (suffixes :data:`EXTRA_SUFFIXES`, e.g.
``align/eflomal_seed.c``) in each folder the closure touches.

A Python file counts by its *normalised* source (:func:`normalised_source`): its syntax
tree without docstrings, comments, formatting or line numbers. An edit that changes no
computation (a comment, a docstring, re-wrapped lines) therefore keeps every digest; any
change to the tree changes it. The tree's printed form depends on the Python minor
version, so digests are comparable only under one (the environment pins 3.11). Other
sources count byte for byte.

Results are memoised per process and revalidated against the files' modification times,
sizes and inodes, so a repeated call costs a few ``stat`` calls. :func:`check_unchanged`
refuses sources whose normalised form changed after this process imported their modules
(:class:`SourceChangedError`): the code running would not be the code hashed. A comment
or docstring edit in a running kernel is not refused.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "weamlib"
# The package folder whose sources are hashed (tests point it at a copy).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Non-Python sources hashed with the modules of the folders they sit in.
EXTRA_SUFFIXES = (".c",)
# The run store's own machinery and the progress display: they decide where a result is
# kept and what the terminal shows, never what a result is, so no digest counts them (and
# a new run kind or a better progress bar re-keys nothing). The one documented exception
# to "a run depends on everything it imports".
NOT_HASHED = (
    "weamlib.core.atomicio",
    "weamlib.core.paths",
    "weamlib.core.progress",
    "weamlib.store.codehash",
    "weamlib.store.runkinds",
    "weamlib.store.runs",
)

Stamp = tuple[int, int, int]  # (st_mtime_ns, st_size, st_ino)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return tree


def normalised_source(content: bytes, suffix: str = ".py") -> bytes:
    """What of a source file counts for a digest: for Python, the dump of its syntax tree
    without docstrings (comments, blank lines, formatting and positions are not in a tree);
    a file that does not parse, and any other source, byte for byte."""
    if suffix != ".py":
        return content
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError):
        return content
    return ast.dump(_strip_docstrings(tree), include_attributes=False).encode()


class SourceChangedError(RuntimeError):
    """A weamlib source file changed after this process imported the module."""


_lock = threading.RLock()
# path -> (stamp, imports found in it): parsed once per file version
_parsed: dict[Path, tuple[Stamp, tuple[str, ...]]] = {}
# (package dir, modules) -> (stamps of every file and folder the digest read, digest)
_digests: dict[tuple[Path, tuple[str, ...]], tuple[tuple[tuple[Path, Stamp], ...], str]] = {}


def _stamp(path: Path) -> Stamp:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _sources_of_tree(root: Path) -> dict[Path, tuple[Stamp, bytes]]:
    return {path: (stamp, path.read_bytes()) for path, stamp in _stamps_of_tree(root).items()}


def _stamps_of_tree(root: Path) -> dict[Path, Stamp]:
    found: dict[Path, Stamp] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "__pycache__"))]
        for name in filenames:
            if name.endswith(".py"):
                path = Path(dirpath) / name
                found[path] = _stamp(path)
    return found


# The sources as they were when this module was first imported (early in any process that
# uses the run store), to detect files edited after their module was loaded: stamps for a
# cheap check, bytes to tell an edit of the tree from one of comments or docstrings.
_LOADED = _sources_of_tree(PACKAGE_DIR)
_LOADED_STAMPS = {path: stamp for path, (stamp, _) in _LOADED.items()}


def module_file(module: str, package_dir: Path | None = None) -> Path | None:
    """The source file of weamlib module ``module`` (``x.py`` or ``x/__init__.py``), or None."""
    root = package_dir or PACKAGE_DIR
    parts = module.split(".")
    if parts[0] != PACKAGE or not all(p.isidentifier() for p in parts):
        return None
    base = root.joinpath(*parts[1:])
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if len(parts) > 1 and base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def all_modules(package_dir: Path | None = None) -> tuple[str, ...]:
    """Every module of the package (sorted names), read from the package folder."""
    root = package_dir or PACKAGE_DIR
    names = []
    for path in _stamps_of_tree(root):
        rel = path.relative_to(root).with_suffix("").parts
        if rel[-1] == "__init__":
            rel = rel[:-1]
        names.append(".".join((PACKAGE, *rel)))
    return tuple(sorted(names))


def _submodules(package: str, root: Path) -> list[str]:
    """Every module under ``package`` (itself included)."""
    return [m for m in all_modules(root) if m == package or m.startswith(package + ".")]


def imported_names(source: bytes | str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """``(line, name)`` of everything of weamlib that ``module`` (its ``source``) imports,
    anywhere in it (inside functions too), as written (not yet checked to exist): absolute
    names, names of ``from`` imports joined to their module (and the module itself), and
    ``package.*`` for dynamic imports with a literal prefix. Raises ``SyntaxError`` on a
    source that does not parse. The run keys' closures and the layering test read it."""
    tree = ast.parse(source)
    here = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                if node.level - 1 >= len(parts):
                    continue  # beyond the top-level package: not ours
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                source_name = f"{base}.{node.module}" if node.module else base
            else:
                source_name = node.module or ""
            found.append((node.lineno, source_name))
            for alias in node.names:
                name = f"{source_name}.*" if alias.name == "*" else f"{source_name}.{alias.name}"
                found.append((node.lineno, name))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in ("import_module", "__import__"):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
            elif isinstance(arg, ast.JoinedStr) and arg.values:
                first = arg.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    # f"weamlib.cli.{name}": any module under the literal prefix
                    found.append((node.lineno, first.value.rpartition(".")[0] + ".*"))
    return [(n, m) for n, m in found if m == PACKAGE or m.startswith(PACKAGE + ".")]


def _imports(path: Path, module: str, stamp: Stamp) -> tuple[str, ...]:
    """The names of :func:`imported_names` of ``module`` (source ``path``), each once."""
    cached = _parsed.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        names = imported_names(path.read_bytes(), module, path.name == "__init__.py")
    except (SyntaxError, ValueError):  # cannot be imported as it is; its bytes still count
        names = []
    result = tuple(dict.fromkeys(name for _, name in names))
    _parsed[path] = (stamp, result)
    return result


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def closure(modules: Iterable[str], package_dir: Path | None = None) -> dict[str, Path]:
    """``{module: source file}`` for ``modules``, their parent packages and every weamlib
    module they import, transitively, less :data:`NOT_HASHED`. Raises ValueError for a
    name that is not a weamlib module."""
    root = package_dir or PACKAGE_DIR
    todo: list[str] = []
    for module in modules:
        if module_file(module, root) is None:
            raise ValueError(f"{module!r} is not a module of the {PACKAGE} package in {root}")
        todo.append(module)
    seen: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        if module in seen or module in NOT_HASHED:
            continue
        path = module_file(module, root)
        if path is None:
            continue
        seen[module] = path
        todo.extend(m for m in _with_parents(module) if m not in seen)
        for name in _imports(path, module, _stamp(path)):
            if name.endswith(".*"):
                todo.extend(_submodules(name[:-2], root))
                continue
            # "a.b.c" may be a module, or a name in module "a.b": take the longest module
            for candidate in reversed(_with_parents(name)):
                if module_file(candidate, root) is not None:
                    todo.append(candidate)
                    break
    return seen


def _check_loaded(stamps: Iterable[tuple[Path, Stamp]]) -> None:
    """Refuse a digest of files edited after this process imported their modules."""
    changed = [p for p, st in stamps if _LOADED_STAMPS.get(p, st) != st]
    changed = [p for p in changed if not _same_tree_as_loaded(p)]
    if not changed:
        return
    loaded = {
        Path(f).resolve()
        for name, mod in list(sys.modules.items())
        if (name == PACKAGE or name.startswith(PACKAGE + "."))
        and (f := getattr(mod, "__file__", None))
    }
    for path in changed:
        if path in loaded:
            raise SourceChangedError(
                f"{path} changed after this Python process imported it, so the code"
                " running is not the code on disk; restart the process (kernel) to use"
                " the run store"
            )


def _same_tree_as_loaded(path: Path) -> bool:
    loaded = _LOADED.get(path)
    if loaded is None or loaded[0] != _LOADED_STAMPS.get(path):
        return False  # no copy of the loaded source to compare with
    try:
        now = path.read_bytes()
    except OSError:
        return False
    return normalised_source(now, path.suffix) == normalised_source(loaded[1], path.suffix)


def _compute(modules: tuple[str, ...], root: Path) -> tuple[tuple[tuple[Path, Stamp], ...], str]:
    """(stamps, digest); retried when a file changes while it is being read."""
    for _ in range(5):
        result = _compute_once(modules, root)
        if result is not None:
            return result
    raise OSError(f"the sources under {root} kept changing while they were being hashed")


def _compute_once(
    modules: tuple[str, ...], root: Path
) -> tuple[tuple[tuple[Path, Stamp], ...], str] | None:
    files = sorted(set(closure(modules, root).values()))
    folders = sorted({p.parent for p in files})
    extra = sorted(
        p
        for folder in folders
        for p in folder.iterdir()
        if p.suffix in EXTRA_SUFFIXES and p.is_file()
    )
    stamps: list[tuple[Path, Stamp]] = []
    h = hashlib.sha256()
    for path in sorted(files + extra, key=lambda p: p.relative_to(root).as_posix()):
        stamp = _stamp(path)
        content = path.read_bytes()
        if _stamp(path) != stamp:
            return None  # written while being read
        if path.suffix == ".py" and _parsed[path][0] != stamp:
            return None  # changed since its imports were read
        rel = path.relative_to(root).as_posix().encode()
        content = normalised_source(content, path.suffix)
        h.update(b"%d:%s%d:" % (len(rel), rel, len(content)))
        h.update(content)
        stamps.append((path, stamp))
    # folder stamps: a module or .c file added or removed changes the folder's mtime
    stamps.extend((folder, _stamp(folder)) for folder in folders)
    return tuple(stamps), h.hexdigest()


def _memoised(
    modules: Iterable[str], package_dir: Path | None
) -> tuple[tuple[tuple[Path, Stamp], ...], str]:
    if isinstance(modules, str):
        modules = (modules,)
    root = Path(package_dir).resolve() if package_dir is not None else PACKAGE_DIR
    key = (root, tuple(sorted(set(modules))))
    with _lock:
        cached = _digests.get(key)
        if cached is not None:
            try:
                if all(_stamp(path) == stamp for path, stamp in cached[0]):
                    return cached
            except OSError:
                pass
        _digests[key] = _compute(key[1], root)
        return _digests[key]


def code_digest(modules: Iterable[str], package_dir: Path | None = None) -> str:
    """sha256 (hex) of the source code that weamlib ``modules`` depend on (module doc).

    ``modules`` are dotted names such as ``"weamlib.align.corpus"`` (a single name may be
    given as a string); their order does not matter. ``package_dir``: the package folder
    to read (default :data:`PACKAGE_DIR`). Memoised: a repeated call re-reads nothing
    unless a file's mtime, size or inode, or a folder's listing, changed.
    """
    return _memoised(modules, package_dir)[1]


def package_digest(package_dir: Path | None = None) -> str:
    """:func:`code_digest` of every module of the package."""
    return code_digest(all_modules(package_dir), package_dir)


def check_unchanged(modules: Iterable[str] | None = None) -> None:
    """Raise :class:`SourceChangedError` if a source file that ``modules`` (None: the whole
    package) depend on changed after this process imported its module: the code that
    would run is then not the code that :func:`code_digest` hashes."""
    if modules is None:
        modules = all_modules()
    stamps, _ = _memoised(modules, None)
    _check_loaded(stamps)
