"""``weamlib book``, ``weamlib run`` and ``weamlib params``: the notebook pipeline."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from weamlib.book import pipeline
from weamlib.cli.inputs import input_dir
from weamlib.core.errors import UsageError, quote
from weamlib.core.paths import repo_root


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override a parameter (VALUE is read as YAML, as papermill does)",
    )


def _overrides(args: argparse.Namespace) -> dict:
    return {name: pipeline.parse_cli_value(value) for name, value in args.parameter}


def register(sub: argparse._SubParsersAction) -> None:
    book = sub.add_parser("book", help="execute every chapter and build the HTML book")
    book.add_argument("--profile", default="default", help="parameter profile (default: default)")
    book.add_argument("--book-dir", type=Path, default=None, help="book folder (default: book/)")
    book.add_argument(
        "--chapter", action="append", default=[], help="only this chapter (repeatable)"
    )
    book.add_argument("--no-html", action="store_true", help="execute chapters, skip the HTML")
    book.set_defaults(func=_book)

    run = sub.add_parser("run", help="execute one chapter with papermill")
    run.add_argument("notebook", help="chapter source (notebooks/NN_name.py) or its stem")
    run.add_argument("--profile", default="default")
    run.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="where the executed .ipynb goes (default: book/chapters)",
    )
    _add_overrides(run)
    run.set_defaults(func=_run)

    params = sub.add_parser(
        "params", help="print a chapter's resolved parameters as YAML (for papermill -f)"
    )
    params.add_argument("notebook")
    params.add_argument("--profile", default="default")
    _add_overrides(params)
    params.set_defaults(func=_params)


def _failed(err: pipeline.ChapterFailed) -> int:
    print(err)
    # 130 = 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
    return 130 if isinstance(err, pipeline.ChapterInterrupted) else 1


def _book(args: argparse.Namespace) -> int:
    book_dir = args.book_dir
    if book_dir is not None:
        book_dir = input_dir(book_dir, "--book-dir")
        if not (book_dir / "_config.yml").is_file():
            raise UsageError(
                f"argument --book-dir: {quote(str(args.book_dir))} is not a book folder"
                " (no _config.yml); see pipeline.copy_book_sources"
            )
    try:
        pipeline.build_book(
            args.profile, book_dir, names=args.chapter or None, html=not args.no_html
        )
    except pipeline.ChapterFailed as err:
        return _failed(err)
    return 0


def _run(args: argparse.Namespace) -> int:
    (source,) = pipeline.chapters([args.notebook])
    book_dir = repo_root() / "book"
    out_dir = args.out_dir or book_dir / "chapters"
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"argument --out-dir: {quote(str(out_dir))} is a file, not a folder")
    try:
        record = pipeline.run_chapter(source, args.profile, out_dir, _overrides(args), cwd=book_dir)
    except pipeline.ChapterFailed as err:
        return _failed(err)
    if out_dir.resolve() == (book_dir / "chapters").resolve():
        pipeline.record_chapter(book_dir / pipeline.REPORT_NAME, record)
    print(
        f"{source.name} [{args.profile}] -> {out_dir / (source.stem + '.ipynb')}"
        f" in {record.seconds:.1f} s (peak {record.peak_rss_mb:.0f} MB)"
    )
    return 0


def _params(args: argparse.Namespace) -> int:
    (source,) = pipeline.chapters([args.notebook])
    params = pipeline.resolve_parameters(source, args.profile, _overrides(args))
    print(yaml.safe_dump(params, sort_keys=True, allow_unicode=True), end="")
    return 0
