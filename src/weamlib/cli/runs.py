"""``weamlib runs list|stale|gc``: see and clean what the run store holds."""

from __future__ import annotations

import json
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "runs",
        help="list the cached runs, the stale ones, and delete those",
        description="The run store ($WEAM_CACHE, default .cache/runs): every finished run"
        " with its kind, key, config, size and age. A run is stale when no current code"
        " reaches it (its code changed since); gc deletes stale runs and the litter of"
        " killed runs.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    for action, text in (
        ("list", "every finished run"),
        ("stale", "the runs no current code reaches"),
        ("gc", "delete the stale runs"),
    ):
        p = sub.add_parser(action, help=text, description=text)
        p.add_argument("--store", type=Path, default=None, help="run store folder")
        p.add_argument("--kind", default=None, help="only runs of this kind (e.g. pretrain)")
        p.add_argument("--json", action="store_true", help="one JSON object per line")
        if action == "gc":
            p.add_argument("--dry-run", action="store_true", help="list, delete nothing")
        p.set_defaults(func=run)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def run(args) -> int:
    from weamlib.cli.inputs import input_dir
    from weamlib.store.runs import RunStore
    from weamlib.store.storeinfo import collect_garbage, list_runs, stale_runs

    if args.store is not None:
        input_dir(args.store, "--store")
    store = RunStore(args.store)
    if args.action == "list":
        rows = list_runs(store, args.kind)
    elif args.action == "stale":
        rows = stale_runs(store, args.kind)
    else:
        rows = collect_garbage(store, args.kind, dry_run=args.dry_run)
    if args.json:
        for r in rows:
            print(json.dumps(r.as_dict(), ensure_ascii=False))
        return 0
    for r in rows:
        state = "current" if r.current else "stale"
        print(
            f"{r.kind:<14} {r.key:<16} {state:<7} {_size(r.bytes):>9} {_age(r.age_seconds):>7}"
            f"  {r.summary}"
        )
    total = sum(r.bytes for r in rows)
    verb = {
        "list": "held",
        "stale": "stale",
        "gc": "would be deleted" if getattr(args, "dry_run", False) else "deleted",
    }[args.action]
    print(f"{len(rows)} runs {verb}, {_size(total)} in {store.root}")
    return 0
