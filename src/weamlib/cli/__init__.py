"""The ``weamlib`` command: :mod:`~weamlib.cli.main` (the parser and the dispatch; the
console script ``weamlib.cli.main:main`` and ``python -m weamlib``), the checks of what a
command is given (:mod:`~weamlib.cli.inputs`), and one module per group of subcommands
(``weamlib.cli.<group>``), each exposing ``register(subparsers)``.

May import: every layer.
"""
