"""Tables and figures describing a suite (used by the data chapter).

All functions are pure: they read a suite folder (or real data) and return pandas frames or
matplotlib figures.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from weamlib.data.suitefiles import (
    load_manifest,
    load_mono,
    load_nli,
    load_question_types,
    suite_languages,
    suite_specs,
)
from weamlib.synth.inference import LABELS
from weamlib.synth.language import Language
from weamlib.synth.meaning import Event
from weamlib.synth.realise import Token, gold_links, realise

QUESTION_KINDS = ("who", "what", "whom", "where", "when")


def profile_table(suite: str | Path) -> pd.DataFrame:
    """One row per language: its typological profile as specified (index: code)."""
    rows = []
    specs = suite_specs(suite)
    for code in suite_languages(suite):
        s = specs[code]
        n_content = sum(1 for c in s.get("lexicon", {}) if not c.startswith("name:"))
        rows.append(
            {
                "code": code,
                "name": s["name"],
                "echoes": s["echoes"],
                "script": s["script"],
                "order": s["basic_order"],
                "clause order": " ".join(s["word_order"]),
                "adjective": s["adjective"],
                "adposition": s["adposition"],
                "article": s["article"],
                "morphology": s["morph_type"],
                "case": s["case"],
                "plural": s["plural"],
                "tense (past/future)": f"{s['tense_past']}/{s['tense_future']}",
                "negation": s["negation"],
                "wh-fronting": s["wh_fronting"],
                "cognates": (
                    f"{len(s['cognates'])}/{n_content}" if s["realiser"] == "synthetic" else "-"
                ),
                "'dog'": s["lexicon"]["dog"][0] if s["realiser"] == "synthetic" else "dog",
            }
        )
    return pd.DataFrame(rows).set_index("code")


def gloss_table(tokens: list[Token]) -> pd.DataFrame:
    """Interlinear gloss: rows word / romanised / gloss, one column per token."""
    return pd.DataFrame(
        [[t.form for t in tokens], [t.roman for t in tokens], [t.gloss for t in tokens]],
        index=["word", "romanised", "gloss"],
    )


def interlinear(event: Event, langs: dict[str, Language]) -> pd.DataFrame:
    """The same meaning in every language: one row per language, words and glosses."""
    rows = []
    for code, lang in langs.items():
        tokens = realise(lang, event)
        rows.append(
            {
                "language": code,
                "sentence": " ".join(t.form for t in tokens),
                "romanised": " ".join(t.roman for t in tokens),
                "gloss": " ".join(t.gloss for t in tokens),
            }
        )
    return pd.DataFrame(rows).set_index("language")


def plot_alignments(event: Event, langs: dict[str, Language], ncols: int = 2):
    """Gold alignment of English with each other language, as lines between the words."""
    en = langs["en"]
    others = [c for c in langs if c != "en"]
    nrows = -(-len(others) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7 * ncols, 1.9 * nrows), squeeze=False)
    src = realise(en, event)
    for ax, code in zip(axes.flat, others, strict=False):
        tgt = realise(langs[code], event)
        width = max(len(src), len(tgt))
        for i, j in gold_links(src, tgt):
            ax.plot([i, j], [1, 0], color="tab:blue", alpha=0.6, lw=1.2)
        for i, t in enumerate(src):
            ax.text(i, 1.05, t.form, ha="center", va="bottom", fontsize=8, rotation=30)
        for j, t in enumerate(tgt):
            ax.text(j, -0.05, t.roman, ha="center", va="top", fontsize=8, rotation=30)
        ax.set_xlim(-0.8, width - 0.2)
        ax.set_ylim(-0.9, 1.9)
        ax.set_title(f"en - {code}", fontsize=9, loc="left")
        ax.axis("off")
    for ax in list(axes.flat)[len(others) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def corpus_statistics(suite: str | Path) -> pd.DataFrame:
    """Per language, from its monolingual corpus: sentences, tokens, mean sentence length,
    vocabulary size, type/token ratio, mean characters per word, and the share of word
    types also found in the English corpus (shared anchors)."""
    english = set(" ".join(load_mono(suite, "en")).split())
    rows = []
    for code in suite_languages(suite):
        sentences = load_mono(suite, code)
        words = [w for s in sentences for w in s.split()]
        types = set(words)
        rows.append(
            {
                "language": code,
                "sentences": len(sentences),
                "tokens": len(words),
                "mean length": len(words) / len(sentences),
                "vocabulary": len(types),
                "type/token": len(types) / len(words),
                "chars/word": sum(len(w) for w in words) / len(words),
                "types also in en": len(types & english) / len(types),
            }
        )
    return pd.DataFrame(rows).set_index("language")


def plot_corpus_statistics(stats: pd.DataFrame):
    columns = ["mean length", "vocabulary", "chars/word", "types also in en"]
    fig, axes = plt.subplots(1, len(columns), figsize=(14, 2.8))
    for ax, col in zip(axes, columns, strict=True):
        stats[col].plot.bar(ax=ax, color="tab:blue")
        ax.set_title(col)
        ax.set_xlabel("")
    fig.tight_layout()
    return fig


def nli_label_counts(suite: str | Path) -> pd.DataFrame:
    """Label counts of every NLI file (rows: file, columns: labels)."""
    rows = {}
    for f in load_manifest(suite)["files"]:
        if f["role"].startswith("nli-"):
            split = f["role"][4:]
            counts = Counter(e.label for e in load_nli(suite, split, f["language"]))
            rows[f"{split}-{f['language']}"] = [counts[label] for label in LABELS]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(LABELS))


def qa_type_counts(suite: str | Path) -> pd.DataFrame:
    """Question types per split (rows: train/dev/test, columns: who/what/whom/where/when)."""
    types = load_question_types(suite)
    counts = Counter((qid.split("-")[0], kind) for qid, kind in types.items())
    splits = sorted({s for s, _ in counts}, key=("train", "dev", "test").index)
    return pd.DataFrame(
        [[counts[(s, k)] for k in QUESTION_KINDS] for s in splits],
        index=splits,
        columns=list(QUESTION_KINDS),
    )


def real_data_summary(data_dir=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """XNLI dev and MLQA dev per language from the real-data directory.

    Returns ``(counts, lengths)``: item counts, and one row per item with its dataset,
    language and length in characters (premise + hypothesis; context).
    """
    from weamlib.data import datasets as data

    present = data.available_real_datasets(data_dir)
    counts, lengths = [], []
    if present.get("xnli"):
        for lang in data.XNLI_LANGS:
            items = data.load_xnli(lang, "dev", data_dir)
            counts.append({"dataset": "XNLI dev", "language": lang, "items": len(items)})
            lengths += [
                {
                    "dataset": "XNLI dev",
                    "language": lang,
                    "characters": len(e.premise) + len(e.hypothesis),
                }
                for e in items
            ]
    if present.get("mlqa_dev"):
        for lang in data.MLQA_LANGS:
            items = data.load_mlqa(lang, "dev", data_dir)
            counts.append({"dataset": "MLQA dev", "language": lang, "items": len(items)})
            lengths += [
                {"dataset": "MLQA dev", "language": lang, "characters": len(e.context)}
                for e in items
            ]
    return pd.DataFrame(counts), pd.DataFrame(lengths)
