"""The library's packages are layers: every import points down, never up or sideways.

:data:`LAYERS` is the one statement of the order (the top package's docstring describes
it). A module may import from its own package and from the packages of lower layers; the
packages of one layer (``synth`` and ``align``) may not import each other. Every import
counts: at the top of a module, inside a function, relative, or through
``importlib.import_module`` with a literal name (or a literal prefix of an f-string).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import weamlib
from weamlib.store.codehash import imported_names

PACKAGE_DIR = Path(weamlib.__file__).resolve().parent

# Lowest first; the packages of one tuple are siblings.
LAYERS = (
    ("core",),
    ("store",),
    ("data",),
    ("synth", "align"),
    ("models",),
    ("train",),
    ("eval",),
    ("study",),
    ("book",),
    ("claims",),
    ("cli",),
)
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}
# Modules outside the packages: the top package (its version only) and ``python -m weamlib``.
TOP_LEVEL = {"weamlib": None, "weamlib.__main__": "cli"}


def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> source file."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if rel[-1] == "__init__":
            rel = rel[:-1]
        found[".".join(("weamlib", *rel))] = path
    return found


def layer_of(module: str) -> str | None:
    """The package (layer member) a dotted weamlib name belongs to; None for the top package."""
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    return module.split(".")[1]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that run up a layer or across to a sibling."""
    own = layer_of(module)
    bad = []
    for line, name in imported_names(source, module, is_package):
        target = layer_of(name) if name.count(".") or name in TOP_LEVEL else None
        if name == "weamlib" or name.startswith("weamlib.__version__"):
            continue  # the top package holds nothing but the version
        if target is None or target == own:
            continue
        if target not in RANK:
            bad.append(f"{module}:{line} imports {name}, which is in no layer")
        elif own is None or RANK[target] >= RANK[own]:
            where = "a sibling layer" if own and RANK[target] == RANK[own] else "a higher layer"
            bad.append(f"{module}:{line} imports {name} from {where} ({target} over {own})")
    return bad


def test_every_package_is_a_layer_and_every_module_in_one():
    found = modules()
    packages = {m.split(".")[1] for m in found if m not in TOP_LEVEL}
    assert packages == set(RANK), packages ^ set(RANK)
    for module, path in found.items():
        if module not in TOP_LEVEL:
            assert path.relative_to(PACKAGE_DIR).parts[0] in RANK, module


def test_imports_point_down():
    bad = []
    for module, path in modules().items():
        bad += violations(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert not bad, "\n".join(bad)


def test_package_files_hold_only_their_docstring():
    """No re-exports: a name is imported from the module that defines it. The docstring
    says what the package owns and what it may import."""
    for module, path in modules().items():
        if path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc, f"{module} has no docstring"
        body = tree.body[1:]
        if module == "weamlib":
            assert [type(n) for n in body] == [ast.Assign], "the top package holds __version__ only"
            continue
        assert "May import" in doc, f"{module}'s docstring does not say what it may import"
        assert not body, f"{module}/__init__.py holds code; move it into a module"


@pytest.mark.parametrize(
    "module, source, ok",
    [
        ("weamlib.core.x", "from weamlib.core import errors\n", True),
        ("weamlib.data.x", "from weamlib.store.runs import RunStore\n", True),
        ("weamlib.data.x", "def f():\n    from weamlib.train import finetune\n", False),
        ("weamlib.core.x", "import weamlib.store.runs as runs\n", False),
        ("weamlib.synth.x", "from weamlib.align import metrics\n", False),
        ("weamlib.align.x", "from ..synth import suite\n", False),
        (
            "weamlib.cli.main",
            'import importlib\nimportlib.import_module(f"weamlib.cli.{n}")\n',
            True,
        ),
        (
            "weamlib.store.x",
            'import importlib\nimportlib.import_module("weamlib.study.plots")\n',
            False,
        ),
        ("weamlib.__main__", "from weamlib.cli.main import main\n", True),
        ("weamlib.train.x", "from weamlib import __version__\n", True),
    ],
)
def test_the_check_sees_every_kind_of_import(module, source, ok):
    assert (not violations(source, module)) == ok
