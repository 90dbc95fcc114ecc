"""Where a book build's time goes: the runs it computed, per stage (run kind).

Every run folder of the store holds its ``results.json``; most kinds record the
``seconds`` the computation took. A run finished during a build window (its ``DONE``
marker written inside the window) was computed by that build; a cached run costs nothing.
``benchmarks/bench_book.py`` attributes runs to chapters this way, and the build-report
chapter shows the stages of the build that made it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

MARKER = "DONE"
STAGES = {
    "synth": "synthetic suite",
    "tokenizer": "tokenizer",
    "align": "word alignment",
    "align_eval": "alignment evaluation",
    "pretrain": "pre-training",
    "finetune_nli": "fine-tuning XNLI",
    "finetune_qa": "fine-tuning MLQA",
    "probe": "representation probes",
    "benchmark": "throughput benchmark",
}
COLUMNS = ("kind", "stage", "run", "finished", "seconds")


def finished_runs(root: str | Path, since: float = 0.0, until: float = float("inf")):
    """Runs of the store at ``root`` finished in ``[since, until)`` (Unix times): one row
    per run with kind, stage name, run key, finish time and recorded ``seconds`` (NaN
    where the kind does not record it)."""
    rows = []
    for marker in Path(root).glob(f"*/*/{MARKER}"):
        finished = marker.stat().st_mtime
        if not since <= finished < until:
            continue
        folder = marker.parent
        try:
            results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            results = {}
        seconds = results.get("seconds") if isinstance(results, dict) else None
        kind = folder.parent.name
        rows.append(
            {
                "kind": kind,
                "stage": STAGES.get(kind, kind),
                "run": folder.name,
                "finished": finished,
                "seconds": float(seconds) if isinstance(seconds, int | float) else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def stage_table(runs) -> pd.DataFrame:
    """Per stage: number of runs computed and their recorded minutes (sum), largest first.
    Runs run side by side in worker processes, so the minutes are CPU-process minutes and
    can exceed the wall-clock time."""
    if runs.empty:
        return pd.DataFrame(columns=["runs", "minutes"]).rename_axis("stage")
    table = runs.groupby("stage").agg(runs=("run", "count"), minutes=("seconds", "sum"))
    table["minutes"] = table["minutes"] / 60
    return table.sort_values("minutes", ascending=False)
