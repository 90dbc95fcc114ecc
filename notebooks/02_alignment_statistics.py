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
# # Word alignment
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# WEAM swaps the representations of *aligned* words, so every WEAM model in this study is
# only as good as the word alignments it is given. The paper took its alignments from
# FastAlign. This chapter measures how good statistical alignments are on the synthetic
# suite, where every pair of sentences comes with gold links, and on the real gold sets
# when they are available.
#
# Two aligners are compared:
#
# * **eflomal** (Östling & Tiedemann 2016): a Bayesian HMM with fertility, trained by Gibbs
#   sampling. It is the study's default aligner. It is seeded through a small shim, so the
#   same seed gives the same links.
# * **the FastAlign model** (Dyer, Chahuneau & Smith 2013): IBM Model 2 with a prior that
#   favours the diagonal, `δ(a_j = i) ∝ exp(−λ |j/m − i/n|)`, a NULL probability `p0`,
#   and the tension `λ` fitted to the data. It is implemented in `weamlib.align.fastalign`,
#   because no package ships it. The fitted tension says how monotone a language pair is.
#
# Each aligner runs in both directions. In the *forward* direction each source (English)
# word gets at most one link; in the *reverse* direction each target word does. The two
# directions are then combined by one of the standard symmetrisations (intersection, union,
# grow-diag, grow-diag-final, grow-diag-final-and). Quality is the alignment error rate
# (AER; Och & Ney 2003), computed over the whole corpus. Every aligner trains on a language
# pair's whole parallel corpus and is scored on the gold links of its first `n_eval` pairs.
#
# The chapter first writes the alignments that the pre-training chapters use. It then
# compares the aligners and describes the alignments: link types, distortion, and how the
# study's tokenizer splits each language into subwords.

# %% tags=["parameters"]
profile = "default"
seed = 0
aligners = ["eflomal", "fastalign"]
methods = ["intersection", "union", "grow-diag", "grow-diag-final", "grow-diag-final-and"]
pipeline_aligner = "eflomal"
pipeline_symmetrize = "grow-diag-final-and"
n_eval = 2000
curve_sizes = [250, 1000, 2500, 10000]
vocab_size = 1000
fertility_lines = 2000
use_real_data = True
real_pairs = ["de-en", "en-fr", "ja-en", "zh-en"]
real_max_extra = 5000

# %% tags=["hide-input"]
import time

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from myst_nb import glue

from weamlib.align import report
from weamlib.align.corpus import ensure_all_alignments, load_suite_pair, suite_pairs
from weamlib.align.experiments import (
    evaluate_real_sets,
    evaluate_suite,
    example_alignment,
    suite_distortions,
    suite_fertility,
    suite_learning_curves,
    suite_link_types,
    suite_tensions,
)
from weamlib.core.paths import data_dir
from weamlib.study import plots
from weamlib.study.alignment_plots import plot_alignment_matrices, plot_distortions
from weamlib.study.settings import suite_profile
from weamlib.synth.suite import ensure_suite

plots.setup()
suite = ensure_suite(suite_profile(profile), seed)
lang_pairs = suite_pairs(suite)
data = {lp: load_suite_pair(suite, lp) for lp in lang_pairs}
report.suite_overview(data).round(1)

# %% [markdown]
# ## The alignments the study trains on
#
# The pre-training chapters take their alignments from `ensure_alignments`, which uses the
# aligner and symmetrisation named in the parameters. The alignments are computed here and
# cached in the run store. Each run folder holds `forward.txt`, `reverse.txt` and
# `links.txt` in Pharaoh format. The language pairs are aligned side by side, one per CPU
# core. The AER here is over every pair of the corpus, so it differs a little from the
# AER over the first `n_eval` pairs in the next section.

# %% tags=["hide-input"]
start = time.perf_counter()
runs = ensure_all_alignments(suite, lang_pairs, pipeline_aligner, pipeline_symmetrize, seed)
pipeline = report.pipeline_table(runs)
pipeline_seconds = time.perf_counter() - start
pipeline.round(2)

# %% [markdown]
# ## AER by aligner and symmetrisation
#
# The table gives the AER (%) of each aligner on each language pair, for each direction on
# its own and for each symmetrisation. Lower is better. The aligners are trained without
# the gold links; the gold links are used only for scoring.

# %% tags=["hide-input"]
start = time.perf_counter()
aer = report.with_aer_pct(evaluate_suite(data, aligners, methods, seed, n_eval=n_eval))
eval_seconds = time.perf_counter() - start
aer.pivot_table(index=["aligner", "method"], columns="pair", values="aer_pct").round(1)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "AER per language pair, lower is better: compare each aligner's two directions with their symmetrisation, pair by pair."}}
shown = aer[aer["method"].isin(["forward", "reverse", pipeline_symmetrize])]
grid = sns.catplot(
    data=shown, x="pair", y="aer_pct", hue="method", col="aligner", kind="bar",
    height=3.0, aspect=1.0, palette=plots.PALETTE,
)
grid.tick_params(axis="x", labelrotation=45, labelsize=8)
grid.set_axis_labels("language pair", "AER (%)")
grid.figure.suptitle("AER by language pair: the two directions and their symmetrisation",
                     y=1.03, fontsize=11)
plt.show()

# %% [markdown]
# ## Learning curves
#
# How much parallel text does each aligner need? Each point trains on the first *N* pairs
# of a language pair. The score is always taken on the same first sentences (the smallest
# *N*), with the symmetrisation the pipeline uses.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "AER against the number of training pairs (log scale), one line per language pair: look at where each line flattens."}}
curve = report.with_aer_pct(
    suite_learning_curves(data, curve_sizes, aligners, pipeline_symmetrize, seed))
grid = sns.relplot(data=curve, x="size", y="aer_pct", hue="pair", col="aligner", kind="line",
                   marker="o", height=3.0, aspect=1.05)
grid.set(xscale="log")
grid.set_axis_labels("training pairs", f"AER (%), {pipeline_symmetrize}")
plt.show()

# %% [markdown]
# ## Link types
#
# A link is *1–1* when neither of its words has another link. It is *1–n* when the English
# word is linked to several target words, *n–1* when several English words share one
# target word, and *n–m* when both words have other links. Case suffixes and fused
# auxiliaries produce *n–1* links: several English words ("the", "will", "to") fall onto
# one target word. The gold alignments show each language's typology. The predicted
# alignments show how far the aligner follows it.

# %% tags=["hide-input"]
shares = report.link_type_shares(suite_link_types(data, runs, pipeline_aligner))
frac_cols = report.LINK_FRACTIONS
(100 * shares).round(1).rename(columns=lambda c: c.replace("frac_", "% "))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Shares of the link types, gold and predicted, per language pair: compare each pair's predicted bars with its gold bar."}}
fig = plots.plot_shares((100 * shares[frac_cols]).rename(columns=lambda c: c.replace("frac_", "")),
                        "share of links (%)", "link type")
plt.show()

# %% [markdown]
# ## Distortion: word order made visible
#
# For each gold link between English word *i* (of *n*) and target word *j* (of *m*), the
# offset `(i+½)/n − (j+½)/m` is 0 on the diagonal. A language whose word order follows
# English piles up at 0. A verb-final or otherwise reordered language spreads out, and
# the side of the spread shows which words move. The FastAlign model's fitted tension
# `λ` (forward direction, full corpus) measures the same thing: a large `λ` means a
# sharp diagonal.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Offsets of the gold links from the diagonal, per language: a narrow peak at 0 is English word order, a wide or shifted spread is reordering."}}
dist = suite_distortions(data)
plot_distortions(dist)
plt.show()

# %% tags=["hide-input"]
tensions = report.tension_table(dist, suite_tensions(data, seed))
tensions.round(2)

# %% [markdown]
# ## Subword fertility under the study's tokenizer
#
# WEAM works on subwords, so the word links are projected onto the pieces of each word
# (DESIGN §2). Either the first pieces are linked, or every piece of a word is linked to
# every piece of its partner. The tokenizer is a WordPiece vocabulary trained on all
# languages of the suite together. The vocabulary is small, so rare and heavily inflected
# words split into several pieces, as they do in mBERT for low-resource languages. Scripts
# without spaces between characters are split into single characters, as in mBERT.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Subwords per word by language (top) and the share of words cut into 1, 2, 3 or more pieces (bottom): the taller the bars, the more pieces each word link is projected onto."}}
fertility_rows, tokenizer_length = suite_fertility(suite, vocab_size, fertility_lines)
fertility = pd.DataFrame(fertility_rows).set_index("lang")
fig = plots.plot_fertility(fertility, tokenizer_length)
plt.show()

# %% tags=["hide-input"]
fertility.round(3)

# %% [markdown]
# ## Example alignments
#
# For the most monotone and the most reordered language pair, one sentence pair is shown
# with its gold links beside each aligner's symmetrised links. Orange boxes mark the gold
# links, so a filled cell without a box is a wrong link and an empty box is a missed one.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "One sentence pair: gold links (left) beside each aligner's links; a filled cell outside an orange box is a wrong link, an empty box a missed one."}}
for lp in report.extreme_pairs(tensions):
    ex = example_alignment(*data[lp], aligners, pipeline_symmetrize, seed)
    plot_alignment_matrices(ex["src"], ex["tgt"], ex["panels"], ex["possible"],
                            title=f"{lp}, pair {ex['k']}")
    plt.show()

# %% [markdown]
# ## Real gold alignments
#
# The data directory holds four human-annotated gold sets: German–English (Vilar et al.
# 2006), English–French (Hansards, WPT-03), Japanese–English (KFTT) and Chinese–English
# (TsinghuaAligner). They have sure and possible links. Each aligner is trained on the
# gold set's own sentences plus up to `real_max_extra` pairs of real bitext for that
# language pair from the data directory. The UN v1.0 dev and test sets (French, Chinese)
# are taken first, then Tatoeba. The extra bitext is lowercased and split into words and
# punctuation. Chinese and Japanese extra text is **not** word-segmented, unlike the
# pre-tokenised gold sentences, so it adds little for those pairs. The table below lists
# what each pair got.
#
# The published AERs (Dou & Neubig 2021) are **literature values, not results of this
# study**. They come from training on far larger bitext (hundreds of thousands of pairs or
# more), so the numbers here are expected to be worse. What can be compared is the
# ordering: the languages and the two aligners should rank the same way.

# %% tags=["hide-input"]
real_root = data_dir() if use_real_data else None
if real_root is None:
    reason = ("`use_real_data` is off" if not use_real_data
              else "no data directory was found (set `WEAM_DATA_DIR` or place it in ../shared/data)")
    display(Markdown(f"> **Note:** the real gold sets are skipped: {reason}."))
    real = pd.DataFrame()
else:
    real_rows, real_info = evaluate_real_sets(real_pairs, aligners, [pipeline_symmetrize], seed,
                                              real_max_extra, real_root)
    real = report.with_aer_pct(real_rows)
    display(pd.DataFrame(real_info).set_index("pair"))
    measured, published = report.real_comparison(real, pipeline_symmetrize)
    display(measured.add_suffix(" (this study)").join(published).round(1))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "AER on the real gold sets, this study's small-bitext aligners beside the published values: compare the orderings of the pairs and aligners, not the levels."}}
if not real.empty:
    grid = sns.catplot(data=report.real_plot_frame(measured, published), x="pair",
                       y="AER (%)", hue="aligner", col="source", kind="bar", height=3.0,
                       aspect=1.05)
    grid.figure.suptitle("Real gold sets: this study's small-bitext AER beside published values",
                         y=1.04, fontsize=11)
    plt.show()

# %% [markdown]
# ## Summary
#
# Computed here, from the results above, and shown at the top of the page.

# %% tags=["hide-input"]
lines = report.summary_lines(
    aer, tensions, pipeline, fertility, aligners=aligners, methods=methods,
    pipeline_aligner=pipeline_aligner, pipeline_symmetrize=pipeline_symmetrize,
    n_pairs=len(data[lang_pairs[0]][0]), pipeline_seconds=pipeline_seconds,
    measured=None if real.empty else measured, published=None if real.empty else published,
)
glue("chapter_summary", Markdown("\n".join(lines)), display=False)
