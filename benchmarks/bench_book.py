"""Time the book build, cold (empty run store) and warm (every run cached).

Builds a copy of book/ in a temporary folder so the repository's book is untouched, and
prints seconds and peak kernel memory per chapter for both builds.

    python benchmarks/bench_book.py --profile smoke [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from weamlib import pipeline


def timed_build(profile: str, book: Path) -> dict:
    start = time.perf_counter()
    report = pipeline.build_book(profile, book_dir=book, log=lambda *a, **k: None)
    return {"total_seconds": round(time.perf_counter() - start, 1), "chapters": report["chapters"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="weam-bench-book-") as tmp:
        os.environ["WEAM_CACHE"] = str(Path(tmp) / "runs")
        book = Path(tmp) / "book"
        pipeline.copy_book_sources(book)
        cold = timed_build(args.profile, book)
        warm = timed_build(args.profile, book)
    print(
        f"book build, profile {args.profile}: cold {cold['total_seconds']} s, warm {warm['total_seconds']} s"
    )
    print(f"{'chapter':32s} {'cold s':>8s} {'warm s':>8s} {'peak MB':>8s}")
    for name, entry in cold["chapters"].items():
        print(
            f"{name:32s} {entry['seconds']:8.1f} {warm['chapters'][name]['seconds']:8.1f}"
            f" {entry['peak_rss_mb']:8.0f}"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"profile": args.profile, "cold": cold, "warm": warm}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
