"""The ``weamlib`` command (also ``python -m weamlib``).

Each group of subcommands lives in ``weamlib.cli.<name>`` and exposes
``register(subparsers)``, which adds its parsers with ``set_defaults(func=...)``;
``func(args)`` returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from weamlib import __version__
from weamlib.core.errors import UsageError  # noqa: F401  (re-exported: weamlib.cli.main.UsageError)

# Modules under weamlib.cli, in the order their commands appear in --help.
COMMAND_MODULES = (
    "book",
    "synth",
    "fetch",
    "align",
    "pretrain",
    "finetune",
    "evaluate",
    "runs",
    "results",
)


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
            module = importlib.import_module(f"weamlib.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"weamlib.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def error_line(err: BaseException) -> str:
    """The one line a user error is reported in (an OSError as ``file: reason``)."""
    if isinstance(err, OSError) and err.strerror and err.filename is not None:
        text = f"{err.filename}: {err.strerror}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input (:class:`weamlib.core.errors.WeamError` and the other
    ``ValueError``s the readers raise) and failures of the file system or the network
    (``OSError``) end in one line ``weamlib CMD: error: ...`` and exit status 2; any other
    exception is a bug and keeps its traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as err:
        print(f"weamlib {args.command}: error: {error_line(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
