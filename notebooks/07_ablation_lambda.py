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
# # Ablation: the weight λ of cross-lingual prediction
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# WEAM's loss is `L = L_multilingual + λ · L_cross`. The paper sets λ = 1 (claim C10).
# λ = 0 leaves multilingual prediction alone: it is TLM at WEAM's masking probability,
# the baseline for claim C12 (WEAM does both predictions for each masked token). Each
# value is one WEAM pre-training run (mask_prob 0.3 and everything else as in the
# pre-training chapter, the first pre-training seed), fine-tuned on XNLI zero-shot with the
# main table's settings and chapter 04's `ablation_seeds`; λ = 1 is the main table's WEAM.

# %% tags=["parameters"]
profile = "default"
levels = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
claimed = 1.0
workers = 0

# %% tags=["hide-input"]
from IPython.display import Markdown, display
from myst_nb import glue

from weamlib.study import experiments as study
from weamlib.study import plots
from weamlib.study import settings as weam_settings

plots.setup()
weam_settings.page_settings("07_ablation_lambda", globals())  # validated
if note := weam_settings.provenance_note("07_ablation_lambda", profile, globals()):
    display(Markdown(note))
frame = study.ablation_results(profile, "lambda_", levels, workers=workers or None)
table = study.level_table(frame, "lambda_", claimed)
table

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Zero-shot XNLI test accuracy against λ, the weight of cross-lingual prediction (mean over fine-tuning seeds, band: 95 % interval; dotted line: the paper's λ = 1): compare λ = 0, no cross-lingual prediction, with the rest of the curve."}}
fig = study.plot_levels(frame, "lambda_", reference=claimed)

# %% tags=["hide-input"]
best = study.best_level(frame, "lambda_")
summary = Markdown(
    f"The highest mean non-English accuracy is at λ = {best['level']} ({best['mean']:.1f} %); "
    f"at λ = {claimed} it is {best['at'][claimed]:.1f} %, and at λ = 0 (no cross-lingual "
    f"prediction) {best['at'].get(0.0, float('nan')):.1f} %."
)
glue("chapter_summary", Markdown(study.level_summary(
    frame, "lambda_", claimed, "λ", baseline=(0.0, "what cross-lingual prediction adds, C12")
)), display=False)
summary

# %% [markdown]
# ## Summary
#
# * λ = 0 against λ = 1 isolates what the word exchange adds (C12); the ledger reads
#   these runs.
