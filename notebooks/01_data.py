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
# # The data
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# The embedded study runs on a **synthetic typology suite**: one small world of people,
# animals, objects and places, described by a single semantic grammar and realised in
# English and in invented languages. Six of them each echo the profile of one MLQA
# language (es, de, ar, hi, vi, zh) along the axes that matter for cross-lingual
# transfer: word order, adposition and adjective order, morphology (isolating or
# agglutinative, which decides how words split into subwords and align one-to-many),
# script (Latin or not, which decides whether subwords are shared with English), and the
# share of cognates with English. Because every sentence comes from a meaning, the suite
# has gold truth for everything: word alignments, NLI labels and QA answer spans. The
# default suite adds a positive control, `feng`: English's grammar and lexicon in another
# alphabet, no subword shared with English ("Fake-English", K et al. 2020). The tokenizer
# splits its words exactly as their English originals, into pieces of its own (chapter 03),
# so that script is the only difference.
#
# This chapter shows the suite as a reader meets it: the language profiles, one meaning
# in every language with its gloss and gold alignment, corpus statistics, the task label
# distributions and a check that neither NLI premises nor hypotheses alone carry a label
# shortcut. It ends with the real datasets found in the local data directory, which the
# `paper` profile uses.

# %% tags=["parameters"]
profile = "default"
seed = 0
gloss_language = "dorn"
show_real_data = True

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from myst_nb import glue

from weamlib.core.paths import data_dir
from weamlib.data.realsuite import real_profile, suite_table
from weamlib.data.suitefiles import load_manifest, load_nli, suite_languages
from weamlib.data.wordsplit import scheme
from weamlib.study import plots
from weamlib.study.experiments import study_suite
from weamlib.study.settings import suite_profile
from weamlib.synth import report
from weamlib.synth.baselines import hypothesis_only_accuracy, premise_only_accuracy
from weamlib.synth.language import load_language
from weamlib.synth.meaning import Entity, Event, Place
from weamlib.synth.suite import ensure_suite

plots.setup()
suite = ensure_suite(suite_profile(profile), seed=seed)
languages = suite_languages(suite)
langs = {code: load_language(code) for code in languages}
manifest = load_manifest(suite)
n_files = len(manifest["files"])
megabytes = sum(f["bytes"] for f in manifest["files"]) / 1e6
Markdown(f"The `{profile}` suite (seed {seed}) has {len(languages)} languages and "
         f"{n_files} data files ({megabytes:.1f} MB).")

# %% [markdown]
# ## The languages
#
# Each language is a spec file in `data/languages/`; a reader can edit one or add one.
# Its lexicon is generated from its own syllable inventory with a fixed seed, and a share
# of content words are cognates of English (in a non-Latin script they are transliterated,
# so they share no subwords with English).

# %% tags=["hide-input"]
profiles = report.profile_table(suite)
for part in plots.in_parts(profiles):  # two tables: all the columns would not fit the page
    display(part)

# %% [markdown]
# ## One meaning in every language
#
# The same meaning, realised in each language. The gloss names each word's concept and
# its grammatical morphemes (`PST` past, `FUT` future, `NEG` negation, `ACC`/`DAT`
# accusative/dative, `IN`/`NEAR` locative cases, `DEF` article, `PL` plural).

# %% tags=["hide-input"]
example = Event(
    verb="give",
    agent=Entity("girl", (("size", "small"),)),
    patient=Entity("book", (("colour", "red"),), count=2),
    recipient=Entity("name:tom"),
    place=Place("in", Entity("park")),
    time="yesterday",
    tense="past",
)
report.interlinear(example, langs)

# %% [markdown]
# An interlinear gloss of one language, word by word:

# %% tags=["hide-input"]
report.gloss_table(report.realise(langs[gloss_language], example)).T  # one row per word

# %% [markdown]
# The gold alignment follows from the realisation: an English word and a word of the
# other language are linked when they realise a common meaning element. Content words
# link to content words; a fused word (noun with case suffix, verb with tense suffix,
# noun with article prefix) links to every English word whose morpheme it carries, which
# gives the one-to-many links of agglutinative languages. Target words are shown
# romanised.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Gold alignment of the English sentence (top row of each panel) with each language (bottom row): crossing lines mark reordering, several lines meeting in one word mark fused morphemes."}}
fig = report.plot_alignments(example, langs, ncols=1)
plt.show()

# %% [markdown]
# ## Corpus statistics
#
# Statistics of each language's monolingual corpus (space-separated words).

# %% tags=["hide-input"]
stats = report.corpus_statistics(suite)
stats.round(3)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Corpus statistics per language: compare sentence and word lengths across the morphological types, and the share of word types also found in English (the shared anchors)."}}
fig = plots.plot_corpus_statistics(stats)
plt.show()

# %% [markdown]
# ## The tasks
#
# **NLI** labels are derived from the meanings (dropped or generalised modifiers:
# entailment; exclusive attribute swaps, other numbers, negation: contradiction; added
# information, another participant, verb, place or time, or an unrelated event: neutral).
# Every file is balanced:

# %% tags=["hide-input"]
labels = report.nli_label_counts(suite)
labels

# %% [markdown]
# **QA** asks who/what/whom/where/when about one event of a 2-4 event context in which
# the same entities and verbs recur; the answer is a span of the context in every
# language.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Questions per type, one bar per split: compare a type's bars to see that the splits ask the same mix of questions."}}
qa_types = report.qa_type_counts(suite)
fig = plots.plot_counts(qa_types.T, "questions")
plt.show()

# %% tags=["hide-input"]
qa_types

# %% [markdown]
# ### No premise-only or hypothesis-only shortcut
#
# As in XNLI, every premise comes with one entailed, one neutral and one contradicting
# hypothesis, so a premise alone says nothing about the label. The three hypotheses of a
# premise are chosen to have the same tense, the same length apart from negation words and
# the same numbers of adjectives, numerals, hypernyms and names, and negated hypotheses are
# equally frequent under every label, so a hypothesis alone says nothing either. A bag-of-words naive Bayes classifier trained on the
# English training premises (or hypotheses) alone and tested on the English dev and test
# sets measures this; chance is 33.3%.

# %% tags=["hide-input"]
train_en = load_nli(suite, "train", "en")
heldout_en = {split: load_nli(suite, split, "en") for split in ("dev", "test")}
shortcuts = pd.DataFrame(
    {split: {"premise only": premise_only_accuracy(train_en, items),
             "hypothesis only": hypothesis_only_accuracy(train_en, items)}
     for split, items in heldout_en.items()}
)
shortcuts.style.format("{:.1%}")

# %% tags=["hide-input"]
worst = (shortcuts - 1 / 3).abs().max().max()
Markdown(f"Trained on {len(train_en)} English items and tested on {len(heldout_en['dev'])} dev "
         f"and {len(heldout_en['test'])} test items, premise-only accuracy is "
         f"{shortcuts.loc['premise only', 'dev']:.1%} (dev) and "
         f"{shortcuts.loc['premise only', 'test']:.1%} (test), hypothesis-only accuracy "
         f"{shortcuts.loc['hypothesis only', 'dev']:.1%} and "
         f"{shortcuts.loc['hypothesis only', 'test']:.1%}: at most {100 * worst:.1f} points "
         "from chance.")

# %% [markdown]
# ## The real datasets
#
# The `paper` profile uses the real XNLI and MLQA data. When a local data directory is
# present (here `../shared/data` or `$WEAM_DATA_DIR`), the counts and lengths of the
# development sets found in it are below.

# %% tags=["hide-input"]
real_dir = data_dir() if show_real_data else None
if real_dir is None:
    display(Markdown("> **Note:** no real-data directory is present (or `show_real_data` is "
                     "off), so this section is skipped."))
    real_counts, real_lengths = None, None
else:
    real_counts, real_lengths = report.real_data_summary()
    display(real_counts.pivot(index="language", columns="dataset", values="items"))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Length of the real dev items per language, in characters: compare the XNLI pairs with the MLQA contexts within each language."}}
if real_lengths is not None and len(real_lengths):
    fig = plots.plot_lengths(
        real_lengths, "Length of real dev items (characters: premise + hypothesis; context)"
    )
    plt.show()

# %% [markdown]
# ## The study data of the real-data profiles
#
# Under `paper` and `paper-smoke` the models are pre-trained, fine-tuned and scored on
# real data, written as a suite of the same layout as the synthetic one
# (`weamlib.data.realsuite`), so the same code reads both. `paper` reads the paper's datasets
# (`weamlib fetch`); `paper-smoke` reads what the local data directory holds, with
# stand-ins where the paper's files are absent (named in the table). Before alignment
# each sentence of the parallel corpora is split into words as suits its language
# (`weamlib.data.wordsplit`).

# %% tags=["hide-input"]
if real_profile(profile):
    study_data = study_suite(profile)
    display(suite_table(study_data).astype("Int64").astype(str).replace("<NA>", ""))
    schemes = {lang: scheme(lang) for lang in suite_languages(study_data)}
    display(Markdown(
        "Word splitting before alignment: "
        + ", ".join(f"{lang}: {how}" for lang, how in schemes.items())
        + " (`moses`: whitespace, then punctuation split off words; `characters`: one "
        "word per ideograph or Thai character, as no segmenter is available offline)."
    ))
else:
    display(Markdown(
        f"The `{profile}` profile studies the synthetic suite above; the real-data "
        "profiles (`paper`, `paper-smoke`) show their study data here."
    ))

# %% [markdown]
# ## Summary
#
# Computed here, from the tables above, and shown at the top of the page.

# %% tags=["hide-input"]
most_cognates = profiles.drop(index="en")["cognates"].map(  # "-": no lexicon of its own
    lambda s: int(s.split("/")[0]) if "/" in s else -1).idxmax()
most_shared = stats.drop(index="en")["types also in en"].idxmax()
real_note = ("no real data directory was found" if real_counts is None else
             f"the real-data directory holds {len(real_counts)} dev sets "
             f"({int(real_counts['items'].sum())} items)")
glue("chapter_summary", Markdown(
    f"The `{profile}` suite realises one semantic grammar in {len(languages)} languages. "
    f"Monolingual corpora have {int(stats['sentences'].iloc[0])} sentences per language, "
    f"with mean sentence lengths from {stats['mean length'].min():.1f} to "
    f"{stats['mean length'].max():.1f} words and {stats['chars/word'].min():.1f} to "
    f"{stats['chars/word'].max():.1f} characters per word. {most_cognates} has the most "
    f"cognates with English ({profiles.loc[most_cognates, 'cognates']} content words) and "
    f"{most_shared} the most word types identical to English ones "
    f"({stats.loc[most_shared, 'types also in en']:.0%}: names, punctuation, cognates). "
    f"NLI labels are balanced ({labels.loc['train-en'].min()}-{labels.loc['train-en'].max()}"
    f" per label in English train), and premise-only and hypothesis-only baselines stay "
    f"within {100 * worst:.1f} points of the 33.3% chance level on English dev and test. "
    f"{real_note.capitalize()}."
), display=False)
