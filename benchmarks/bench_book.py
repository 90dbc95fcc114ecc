"""Time the book build, cold (empty run store) and warm (every run cached), per chapter and
per stage.

Builds a copy of book/ in a temporary folder (the repository's book is untouched), one
chapter at a time so that each run the store finishes is attributed to the chapter that
computed it (:mod:`weamlib.store.buildcost`), then the HTML. Prints, for both builds, seconds and
peak kernel memory per chapter, and the minutes each stage (pre-training, fine-tuning, …)
cost inside each chapter. While a chapter runs, its progress lines (which step, how long is
left) go to stderr, so a cold default build never sits silent for minutes.

    python benchmarks/bench_book.py --profile smoke [--json out.json] [--store DIR]

``--store DIR`` uses (and keeps) that run store instead of a fresh temporary one: the
"cold" build is then only as cold as the store.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from weamlib.book import pipeline
from weamlib.store.buildcost import finished_runs


def _to_stderr(*args, **kwargs) -> None:
    print(*args, file=sys.stderr, flush=True)


def timed_build(profile: str, book: Path, store: Path) -> dict:
    """Build chapter by chapter; per chapter: seconds, peak MB and stage minutes."""
    start = time.perf_counter()
    chapters = {}
    for source in pipeline.chapters():
        began = time.time()
        report = pipeline.build_book(  # its progress lines (step, time left) go to stderr
            profile, book_dir=book, names=[source.stem], html=False, log=_to_stderr
        )
        entry = dict(report["chapters"][source.stem])
        runs = finished_runs(store, since=began, until=time.time() + 1)
        entry["stages"] = {
            stage: {"runs": int(len(g)), "minutes": round(float(g.seconds.sum()) / 60, 2)}
            for stage, g in runs.groupby("stage")
        }
        chapters[source.stem] = entry
        print(f"  {source.stem}: {entry['seconds']:.0f} s", flush=True)
    html_start = time.perf_counter()
    pipeline.build_html(book)
    return {
        "total_seconds": round(time.perf_counter() - start, 1),
        "html_seconds": round(time.perf_counter() - html_start, 1),
        "chapters": chapters,
    }


def show(name: str, build: dict) -> None:
    print(f"\n{name} build: {build['total_seconds']} s (HTML {build['html_seconds']} s)")
    print(f"{'chapter':28s} {'s':>7s} {'peak MB':>8s}  stages (runs, process minutes)")
    for chapter, entry in build["chapters"].items():
        stages = ", ".join(
            f"{s} {v['runs']} ({v['minutes']:.1f} min)" for s, v in entry["stages"].items()
        )
        print(f"{chapter:28s} {entry['seconds']:7.1f} {entry['peak_rss_mb']:8.0f}  {stages or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="weam-bench-book-") as tmp:
        store = args.store.resolve() if args.store else Path(tmp) / "runs"
        os.environ["WEAM_CACHE"] = str(store)
        book = Path(tmp) / "book"
        pipeline.copy_book_sources(book)
        cold = timed_build(args.profile, book, store)
        warm = timed_build(args.profile, book, store)
    show("cold", cold)
    show("warm", warm)
    if args.json:
        args.json.write_text(
            json.dumps({"profile": args.profile, "cold": cold, "warm": warm}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
