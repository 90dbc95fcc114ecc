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
# # Alignments, translation noise and the learning rate
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# Four questions about settings the paper fixes:
#
# 1. **Subword alignment.** A word link becomes subword links either from the first piece
#    of each word to the first piece of its partner (`first`, the default) or from every
#    piece to every piece (`all`, rows normalised).
# 2. **Alignment source** (claim C11: WEAM takes its pairs from FastAlign). WEAM is
#    pre-trained with links from the suite's gold alignments, eflomal (the default), the
#    FastAlign model of `weamlib.align`, none (no links: the cross-lingual term vanishes,
#    leaving TLM at WEAM's masking rate) and shuffled (gold links with the target words
#    permuted: links of the right number that point to the wrong words).
# 3. **Translation noise against input length** (claim C7: XNLI inputs are shorter and so
#    suffer less translation noise). The base model is fine-tuned translate-train on
#    suites whose translated training sets carry different noise rates (each word dropped
#    or replaced with that probability); dev and test sets are the same.
# 4. **Fine-tuning learning rate** (claim C9 lists the paper's hyper-parameters): TLM and
#    WEAM are fine-tuned at several learning rates, to see whether their comparison
#    depends on it.
#
# All ablations fine-tune on XNLI zero-shot with the main table's settings and the
# fine-tuning seeds of `ablation_seeds` (chapters 04/05; C7 uses translate-train on both
# tasks); each pre-trained variant is one run, of the first pre-training seed.

# %% tags=["parameters"]
profile = "default"
subword_levels = ["first", "all"]
sources = ["gold", "eflomal", "fastalign", "none", "shuffled"]
noise_rates = [0.0, 0.1, 0.3]
learning_rates = [0.0001, 0.0003, 0.001]
workers = 0

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from myst_nb import glue

from weamlib.study import experiments as study
from weamlib.study import plots
from weamlib.study import settings as weam_settings

plots.setup()
weam_settings.page_settings("08_alignment_sources", globals())  # validated
if note := weam_settings.provenance_note("08_alignment_sources", profile, globals()):
    display(Markdown(note))
n_workers = workers or None

# %% [markdown]
# ## 1. First piece or all pieces

# %% tags=["hide-input"]
subword = study.ablation_results(profile, "subword_alignment", subword_levels, workers=n_workers)
study.level_table(subword, "subword_alignment", "first")

# %% [markdown]
# ## 2. Where the links come from

# %% tags=["hide-input"]
alignment = study.ablation_results(profile, "alignment_source", sources, workers=n_workers)
study.level_table(alignment, "alignment_source", "eflomal")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Zero-shot XNLI test accuracy of WEAM by the source of its word links (mean over fine-tuning seeds, 95 % interval; shaded: the paper's FastAlign): compare each source with eflomal's, and both with the gold ceiling and the shuffled and no-link floors."}}
fig = study.plot_levels(alignment, "alignment_source", reference="fastalign")

# %% tags=["hide-input"]
at = study.best_level(alignment, "alignment_source")["at"]
Markdown(
    "Non-English accuracy by link source: "
    + ", ".join(f"{k} {v:.1f} %" for k, v in at.items())
    + ". The differences against eflomal (table) say whether the source matters beyond "
    "the fine-tuning noise; gold links are the ceiling, shuffled and none the floor."
)

# %% [markdown]
# ## 3. Translation noise and input length

# %% tags=["hide-input"]
lengths = study.input_lengths(profile)
noise = study.noise_results(profile, noise_rates, workers=n_workers)
display(Markdown(
    f"Mean input length (English train, subword tokens): NLI {lengths['xnli']:.1f}, "
    f"QA {lengths['mlqa']:.1f}."
))
if noise.empty:
    display(Markdown(
        f"The `{profile}` profile sets no translation noise (`noise_rates` is empty: the "
        "noise rate is a setting of the synthetic suite's translations)."
    ))
else:
    display(study.noise_table(noise))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Translate-train score of the base model against the translation-noise rate of its training sets, per task (mean over fine-tuning seeds, 95 % interval): compare how steeply the NLI and the QA lines fall."}}
if not noise.empty:
    fig = plots.plot_noise(noise)
    plt.show()

# %% [markdown]
# ## 4. The fine-tuning learning rate

# %% tags=["hide-input"]
lr = study.lr_results(profile, learning_rates, workers=n_workers)
lr_table = study.lr_table(lr)
lr_table

# %% [markdown]
# ## Summary
#
# The summary at the top of the page is computed here, from the results above.

# %% tags=["hide-input"]
summary = [
    "WEAM's non-English XNLI accuracy by link source: "
    + ", ".join(f"{k} {v:.1f} %" for k, v in at.items()) + ".",
    f"Mean input length (English train, subword tokens): NLI {lengths['xnli']:.1f}, "
    f"QA {lengths['mlqa']:.1f}.",
]
if not noise.empty:
    drops = study.noise_table(noise)["drop (95 % interval)"]
    summary.append("Drop from the lowest to the highest noise rate (points, 95 % interval): "
                   + "; ".join(f"{task} {d}" for task, d in drops.items()) + ".")
diff_column = lr_table.columns[-1]
summary.append(f"{diff_column} at each fine-tuning learning rate (points, 95 % interval): "
               + "; ".join(f"{lv:g}: {d}" for lv, d in lr_table[diff_column].items()) + ".")
glue("chapter_summary", Markdown("\n".join(f"* {line}" for line in summary)), display=False)

# %% [markdown]
# * The claims ledger reads these runs for C7 (noise), C9 (learning rate) and C11
#   (alignment source).
