# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (weam)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How this book was built
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# Each chapter of this book is a py:percent file in `notebooks/`, executed by papermill
# with the parameters of one profile, then compiled by Jupyter Book with execution off,
# so every page shows exactly what papermill ran. This page reads the build report the
# pipeline wrote while it executed the chapters before this one: for each chapter, the
# profile, the parameters it ran with, its wall-clock time and the peak resident memory
# of its kernel. Expensive steps are cached in the run store, so a rebuild with warm
# caches is much faster than a cold one; the times below are those of this build.

# %% tags=["parameters"]
profile = "default"
report_path = "build_report.json"

# %% tags=["hide-input"]
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from myst_nb import glue

from weamlib.study import plots

plots.setup()

report = json.loads(Path(report_path).read_text(encoding="utf-8"))
rows = [
    {
        "chapter": name,
        "profile": entry["profile"],
        "seconds": entry["seconds"],
        "peak memory (MB)": entry["peak_rss_mb"],
        "parameters": ", ".join(f"{k}={v!r}" for k, v in sorted(entry["parameters"].items())),
    }
    for name, entry in sorted(report["chapters"].items())
    if name != "99_build_report"  # this page's own time is not known while it runs
]
table = pd.DataFrame(rows).set_index("chapter")
table

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Wall-clock seconds of each chapter in this build: the longest bars are where a cold build spends its time."}}
fig = plots.plot_chapter_times(table["seconds"], profile)
plt.show()

# %% [markdown]
# ## Versions
#
# The commit of the sources this build ran (with `+ local changes` when the working tree
# differed from it) and the versions of the packages that compute and render the book.

# %% tags=["hide-input"]
from weamlib.study.environment import git_commit, package_versions

pd.Series(
    {"git commit": git_commit(), "python": report["python"],
     **package_versions(("weamlib", "torch", "transformers", "accelerate", "papermill",
                         "jupyter-book", "myst-nb", "pandas", "seaborn"))},
    name="version",
).to_frame()

# %% [markdown]
# ## Where the time went
#
# The runs this build computed (those found cached cost nothing), per stage, with the
# time each run recorded. Runs execute side by side in worker processes, so the stage
# minutes are process minutes and can add up to more than the chapters' wall-clock time.
# `benchmarks/bench_book.py` measures the same per chapter, for a cold and a warm build.

# %% tags=["hide-input"]
import time

from weamlib.core.paths import cache_dir
from weamlib.store.buildcost import finished_runs, stage_table

build_started = time.time() - table["seconds"].sum() - 60  # this page starts last
stages = stage_table(finished_runs(cache_dir(), since=build_started))
if stages.empty:
    display(Markdown("Every run was found in the run store: this was a warm build."))
else:
    display(stages.round(1))

# %% [markdown]
# ## Summary
#
# Computed here, from the build report, and shown at the top of the page.

# %% tags=["hide-input"]
slowest = table["seconds"].idxmax()
glue("chapter_summary", Markdown(
    f"The {len(table)} chapters before this page ran in {table['seconds'].sum():.0f} s in all"
    f" on {report['cpu_count']} CPUs with Python {report['python']}; the slowest was"
    f" `{slowest}` ({table.loc[slowest, 'seconds']:.0f} s) and the largest kernel peaked at"
    f" {table['peak memory (MB)'].max():.0f} MB."
), display=False)
