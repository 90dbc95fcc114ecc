"""The ``weamlib`` command (also ``python -m weamlib``).

Each group of subcommands lives in ``weamlib.commands.<name>`` and exposes
``register(subparsers)``, which adds its parsers with ``set_defaults(func=...)``;
``func(args)`` returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from weamlib import __version__

# Modules under weamlib.commands, in the order their commands appear in --help.
COMMAND_MODULES = ("book", "synth", "fetch", "align", "pretrain", "evaluate")


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weamlib",
        description="WEAM study: build the book, run chapters, generate data, align words.",
    )
    parser.add_argument("--version", action="version", version=f"weamlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"weamlib.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"weamlib.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, FileNotFoundError, ValueError) as err:
        print(f"weamlib {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
