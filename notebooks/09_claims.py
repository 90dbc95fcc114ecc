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
# # The claims ledger
#
# One row per claim about the paper (DESIGN §1), each with the test that decides it, the
# measured effect (a paired difference over fine-tuning seeds, in points) with its 95 %
# interval, and a verdict computed by `weamlib.claims` from the runs of the previous
# chapters (the same runs, read from the run store):
#
# * **supported** — the interval lies on the claimed side (for "similar": inside
#   ± `margin` points);
# * **not supported** — the interval lies on the other side (for "similar": the
#   difference is significant and beyond the margin);
# * **inconclusive** — anything else, including too few seeds or missing runs.
#
# Transfer claims use the test split and the mean over the six non-English languages;
# XNLI is scored by accuracy, MLQA by F1. The seeds are fine-tuning seeds; each model is
# one pre-training run. C9 and C11 are settings, not findings: their rows test whether the
# results depend on them. The rules, one function each, are tested in
# `tests/test_claims.py`.

# %% tags=["parameters"]
profile = "default"
margin = 1.0
close_margin = 2.0
workers = 0

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from weamlib import claims, study

frames = study.all_results(profile, workers=workers or None)
ledger = claims.ledger(frames, margin=margin, close_margin=close_margin)
shown = ledger.assign(evidence=ledger["evidence"].map(
    lambda chapters: ", ".join(f'<a href="{c}.html">{c}</a>' for c in chapters.split(", "))
))
display(HTML(shown.to_html(index=False, escape=False)))

# %%
counts = ledger.verdict.value_counts()
summary = pd.DataFrame({"claim": ledger.id + ": " + ledger.claim,
                        f"verdict ({profile} profile)": ledger.verdict})
glue("ledger_summary", summary.set_index("claim"), display=False)
glue("n_supported", int(counts.get(claims.SUPPORTED, 0)), display=False)
glue("n_not_supported", int(counts.get(claims.NOT_SUPPORTED, 0)), display=False)
glue("n_inconclusive", int(counts.get(claims.INCONCLUSIVE, 0)), display=False)
Markdown(
    f"Of {len(ledger)} claims, {counts.get(claims.SUPPORTED, 0)} are supported, "
    f"{counts.get(claims.NOT_SUPPORTED, 0)} not supported and "
    f"{counts.get(claims.INCONCLUSIVE, 0)} inconclusive in the {profile} profile."
)

# %% [markdown]
# ## The differences behind the verdicts

# %%
parts = claims.ledger_parts(frames, margin=margin, close_margin=close_margin).dropna(
    subset=["mean"]
)
fig, ax = plt.subplots(figsize=(8, 0.35 * len(parts) + 1))
y = range(len(parts))[::-1]
colours = {claims.SUPPORTED: "#55a868", claims.NOT_SUPPORTED: "#c44e52",
           claims.INCONCLUSIVE: "#8c8c8c"}
for yi, (_, r) in zip(y, parts.iterrows(), strict=True):
    ax.plot([r["low"], r["high"]], [yi, yi], color=colours[r["verdict"]], lw=2)
    ax.plot(r["mean"], yi, "o", color=colours[r["verdict"]])
ax.axvline(0, color="black", lw=0.8)
ax.set_yticks(list(y))
ax.set_yticklabels([f"{r.id}: {r.part}" for r in parts.itertuples()], fontsize=7)
ax.set_xlabel("paired difference (points), 95 % interval")
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# * Every verdict above is computed from the runs of chapters 04–08; none is typed.
# * The Introduction shows the same verdicts, pasted from this page.
