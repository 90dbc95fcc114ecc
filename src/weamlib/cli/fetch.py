"""``weamlib fetch NAME`` and ``weamlib fetch --list``: real datasets, checksum-verified."""

from __future__ import annotations

import argparse
import os


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="make a real dataset available (local data dir or verified download)",
        description=(
            "Verify a real dataset in the local data dir ($WEAM_DATA_DIR or ../shared/data),"
            " or download it with sha256 checks into data/downloads/. Datasets are listed in"
            " data/real_datasets.yml."
        ),
    )
    parser.add_argument("name", nargs="?", help="dataset name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the datasets and exit")
    parser.add_argument("--dest", help="download folder (default: data/downloads)")
    parser.add_argument("--data-dir", help="local data dir to check first")
    parser.add_argument(
        "--allow-unverified",
        action="store_true",
        help="download parts whose sha256 is not recorded in the manifest",
    )
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from weamlib.cli.inputs import input_dir
    from weamlib.core.errors import UsageError, quote
    from weamlib.data import datasets as data

    if args.data_dir is not None:
        input_dir(args.data_dir, "--data-dir")
    if args.dest is not None and os.path.lexists(args.dest) and not os.path.isdir(args.dest):
        raise UsageError(f"argument --dest: {quote(args.dest)} is a file, not a folder")
    if args.list:
        present = data.available_real_datasets(args.data_dir)
        rows = [("name", "local", "verified", "title")]
        for name, ds in data.load_manifest().items():
            rows.append(
                (name, "yes" if present[name] else "no", "yes" if ds.verified else "NO", ds.title)
            )
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            print(
                "  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
            )
        return 0
    if not args.name:
        raise UsageError("give a dataset NAME or --list")
    path = data.fetch(
        args.name, dest=args.dest, data_dir=args.data_dir, allow_unverified=args.allow_unverified
    )
    print(path)
    return 0
