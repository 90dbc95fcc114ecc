"""Alignment speed: pairs/s of each aligner and the wall time of the alignment stage.

Prints a table and, with ``--json PATH``, writes the figures as JSON. Timings are cold:
every alignment here bypasses or uses a fresh temporary run store.

    .venv/bin/python benchmarks/bench_align.py --profile default --json benchmarks/results/align.json
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from weamlib.align.corpus import (
    ALIGNERS,
    align_directions,
    ensure_all_alignments,
    load_suite_pair,
    suite_pairs,
)
from weamlib.align.symmetrize import symmetrize_corpus
from weamlib.core.atomicio import atomic_write_json
from weamlib.store.runs import RunStore
from weamlib.synth.suite import ensure_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--aligner", default="eflomal", help="the pipeline's aligner")
    parser.add_argument("--symmetrize", default="grow-diag-final-and")
    parser.add_argument(
        "--large",
        action="store_true",
        help="also time the FastAlign model on all pairs concatenated",
    )
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()

    suite = ensure_suite(args.profile, args.seed)
    lang_pairs = suite_pairs(suite)
    data = {lp: load_suite_pair(suite, lp)[0] for lp in lang_pairs}
    rows = []
    for aligner in ALIGNERS:
        for lp in lang_pairs:
            pairs = data[lp]
            start = time.perf_counter()
            fwd, rev, _ = align_directions(pairs, aligner, args.seed)
            mid = time.perf_counter()
            symmetrize_corpus(fwd, rev, args.symmetrize)
            end = time.perf_counter()
            rows.append(
                {
                    "aligner": aligner,
                    "corpus": lp,
                    "pairs": len(pairs),
                    "align_s": mid - start,
                    "symmetrize_s": end - mid,
                    "pairs_per_s": len(pairs) / (end - start),
                }
            )
    if args.large:
        everything = [p for lp in lang_pairs for p in data[lp]]
        start = time.perf_counter()
        fwd, rev, _ = align_directions(everything, "fastalign", args.seed)
        mid = time.perf_counter()
        symmetrize_corpus(fwd, rev, args.symmetrize)
        end = time.perf_counter()
        rows.append(
            {
                "aligner": "fastalign",
                "corpus": "all pairs",
                "pairs": len(everything),
                "align_s": mid - start,
                "symmetrize_s": end - mid,
                "pairs_per_s": len(everything) / (end - start),
            }
        )

    with tempfile.TemporaryDirectory(prefix="bench-align-") as tmp:
        store = RunStore(Path(tmp))
        start = time.perf_counter()
        ensure_all_alignments(suite, lang_pairs, args.aligner, args.symmetrize, args.seed, store)
        stage_s = time.perf_counter() - start

    print(f"{'aligner':<10} {'corpus':<12} {'pairs':>7} {'align s':>8} {'sym s':>7} {'pairs/s':>9}")
    for r in rows:
        print(
            f"{r['aligner']:<10} {r['corpus']:<12} {r['pairs']:>7} {r['align_s']:>8.2f}"
            f" {r['symmetrize_s']:>7.2f} {r['pairs_per_s']:>9.0f}"
        )
    for aligner in ALIGNERS:
        mine = [r for r in rows if r["aligner"] == aligner and r["corpus"] != "all pairs"]
        total = sum(r["pairs"] for r in mine) / sum(r["align_s"] + r["symmetrize_s"] for r in mine)
        print(
            f"{aligner}: {total:.0f} pairs/s over the suite (both directions + {args.symmetrize})"
        )
    print(
        f"alignment stage ({args.aligner} + {args.symmetrize}, {len(lang_pairs)} pairs,"
        f" profile {args.profile}, {os.cpu_count()} cores): {stage_s:.1f} s wall (bar: 60 s)"
    )
    if args.json:
        atomic_write_json(
            Path(args.json),
            {
                "profile": args.profile,
                "seed": args.seed,
                "cpus": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "rows": rows,
                "stage": {
                    "aligner": args.aligner,
                    "symmetrize": args.symmetrize,
                    "pairs": lang_pairs,
                    "wall_s": stage_s,
                },
            },
        )


if __name__ == "__main__":
    main()
