"""``weamlib results``: every cached result of a profile as tidy rows (computes nothing)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "results",
        help="print every cached fine-tuning result of a profile as tidy rows",
        description="Read the run store and print one row per model, task, setting,"
        " language, split, pre-training seed, seed and metric (scores 0-100). Nothing is"
        " computed: only finished runs are read.",
    )
    parser.add_argument("--profile", required=True, help="a profile name (e.g. default)")
    parser.add_argument("--store", type=Path, default=None, help="run store folder")
    parser.add_argument("--format", choices=("json", "csv"), default="csv")
    parser.set_defaults(func=run)


def run(args) -> int:
    from weamlib.cli.inputs import input_dir
    from weamlib.store.runs import RunStore
    from weamlib.study.profiles import load_profile
    from weamlib.study.results import ROW_KEYS, cached_rows

    load_profile(args.profile)  # an unknown name is refused, naming the profiles
    if args.store is not None:
        input_dir(args.store, "--store")
    rows = cached_rows(RunStore(args.store), args.profile)
    if args.format == "json":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        keys = [*ROW_KEYS, "pretrain", "run", "head", "epochs", "suite", "current"]
        writer = csv.DictWriter(sys.stdout, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    if not rows:
        print(f"no cached results for profile {args.profile!r}", file=sys.stderr)
    return 0
