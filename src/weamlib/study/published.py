"""Published mBERT baselines (``data/published_baselines.yml``), for the paper profile.

The XNLI and MLQA chapters show these beside the study's own rows at the paper's scale,
with their source. Rows the build did not run are marked "not run", never filled in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from weamlib.core.paths import repo_root

TASKS = ("xnli", "mlqa")


def baselines_path() -> Path:
    return repo_root() / "data" / "published_baselines.yml"


def load(task: str, path: str | Path | None = None) -> dict:
    """``{"source", "metric", "scores": {lang: value}}`` (MLQA also ``exact_match``)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    path = Path(path or baselines_path())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or task not in data:
        raise ValueError(f"{path}: no {task!r} section")
    entry = data[task]
    for key in ("source", "metric", "scores"):
        if key not in entry:
            raise ValueError(f"{path}: section {task!r} lacks {key!r}")
    return entry


def beside(task: str, ours: pd.DataFrame | None, profile: str, metric: str | None = None):
    """A table of the published mBERT row and the study's rows on the same languages.

    ``ours``: model -> language -> mean score (e.g. ``summary_table(...)[1]``) when this
    build ran the paper profile; otherwise (None, or another profile's languages) the
    study's rows read "not run (profile …)".
    """
    entry = load(task)
    scores = entry["scores"] if metric in (None, entry["metric"]) else entry[metric]
    langs = list(scores)
    rows = {
        f"mBERT, published ({entry['source'].split(',')[0]})": {
            k: f"{v:.1f}" for k, v in scores.items()
        }
    }
    shared = [] if ours is None else [lang for lang in langs if lang in ours.columns]
    if shared:
        for model, values in ours.iterrows():
            rows[f"{model} (this build)"] = {
                lang: f"{values[lang]:.1f}" if lang in values.index else "not run" for lang in langs
            }
    else:
        rows["this study's rows (paper profile)"] = {
            lang: f"not run (this build: profile {profile})" if i == 0 else ""
            for i, lang in enumerate(langs)
        }
    return pd.DataFrame(rows).T[langs]
