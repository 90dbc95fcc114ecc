"""The book's figures: one palette, one width, and the plots the chapters share.

Every figure is drawn for the book's main column (:data:`COLUMN_WIDTH` inches at
matplotlib's 100 dpi, about the 780 px of the column at a 1400 px window), with
seaborn's colour-blind-safe ``"colorblind"`` palette, the same colour for a model in
every figure (:data:`MODEL_COLOURS`) and the Okabe–Ito colours for verdicts.
Chapters call :func:`setup` once; the plot functions return the matplotlib Figure.
Nothing here computes a result: the functions draw frames the chapters computed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

#: Width of a figure that fills the book's main column, in inches (100 dpi).
COLUMN_WIDTH = 7.6
#: seaborn palette of every figure (distinguishable under the common colour-vision
#: deficiencies).
PALETTE = "colorblind"
#: Okabe–Ito colours of the verdicts (claims ledger).
VERDICT_COLOURS = {
    "supported": "#009E73",
    "not supported": "#D55E00",
    "inconclusive": "#7f7f7f",
}
#: Names of the real languages the paper profiles use (ISO 639-1 codes).
LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fr": "French", "hi": "Hindi", "ja": "Japanese", "ru": "Russian",
    "sw": "Swahili", "th": "Thai", "tr": "Turkish", "ur": "Urdu", "vi": "Vietnamese",
    "zh": "Chinese",
}  # fmt: skip


#: Axis labels of the ablations' factors.
FACTOR_LABELS = {
    "mask_prob": "masking probability (mask_prob)",
    "lambda_": "λ, the weight of cross-lingual prediction",
    "alignment_source": "source of the word links",
    "subword_alignment": "subword alignment",
    "finetune_lr": "fine-tuning learning rate",
    "noise_rate": "translation noise rate",
}


def setup() -> None:
    """The book's figure style: seaborn's whitegrid theme with the colour-blind palette."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["figure.figsize"] = (COLUMN_WIDTH, 3.6)


def colours(n: int) -> list:
    """``n`` colours of :data:`PALETTE` (it repeats after ten)."""
    import seaborn as sns

    return sns.color_palette(PALETTE, n)


def model_colours() -> dict[str, tuple]:
    """One colour per model, by its label (``study.LABELS``), the same in every figure."""
    from weamlib.study.experiments import LABELS, MODELS

    palette = colours(len(MODELS))
    return {LABELS.get(m, m): palette[k] for k, m in enumerate(MODELS)} | {
        m: palette[k] for k, m in enumerate(MODELS)
    }


@functools.cache
def language_name(code: str) -> str:
    """The name of a language: an ISO code's English name, a suite language's name from
    its spec in ``data/languages/`` (``dorn`` -> ``Dornic``), else the code itself."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    import yaml

    from weamlib.core.paths import repo_root

    spec = repo_root() / "data" / "languages" / f"{code}.yml"
    try:
        name = (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("name")
    except (OSError, yaml.YAMLError, AttributeError):
        name = None
    return str(name) if name else code


def language_label(code: str) -> str:
    """An axis label for a language: its name with the code below (``Dornic\\n(dorn)``)."""
    name = language_name(code)
    return code if name == code else f"{name}\n({code})"


def fit_to_column(fig, width: float = COLUMN_WIDTH):
    """Narrow a figure drawn wider than the column to the column's width (its height
    kept), so the browser does not shrink its text; a narrower figure is left as it is."""
    w, h = fig.get_size_inches()
    if w > width:
        fig.set_size_inches(width, h)
        fig.tight_layout()
    return fig


def breakable(frame):
    """A copy of a table for display whose text cells may wrap after ``/`` and ``_``
    (a zero-width space is inserted there), so that a wide table fits the column."""

    def cut(value):
        if not isinstance(value, str):
            return value
        return value.replace("/", "/\u200b").replace("_", "_\u200b")

    return frame.map(cut)


def in_parts(frame, max_columns: int = 8) -> list:
    """A wide table cut into tables of at most ``max_columns`` columns each (same rows),
    the parts as even as possible, each :func:`breakable`: to show side by side columns
    that would not fit the page in one table."""
    n = max(1, -(-frame.shape[1] // max_columns))
    size = -(-frame.shape[1] // n)
    return [breakable(frame.iloc[:, k : k + size]) for k in range(0, frame.shape[1], size)]


def plot_losses(losses):
    """Pre-training losses (``pretrain.loss_frame``): the base model's MLM loss, the
    continued models' multilingual and cross-lingual prediction losses, and the
    word-aligned model's alignment distance with its English regulariser."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplot_mosaic(
        [["base", "aligned"], ["pred", "pred"]], figsize=(COLUMN_WIDTH, 6.8)
    )
    palette = model_colours()
    base = losses[losses.model == "base"]
    sns.lineplot(data=base, x="step", y="loss", ax=axes["base"], color=palette["base"])
    axes["base"].set_title("base model (MLM, monolingual)", fontsize=11)
    pred = (
        losses[losses.model.isin(["mlm_control", "tlm", "weam"])]
        .melt(id_vars=["model", "step"], value_vars=["mlm_loss", "cross_loss"], var_name="part")
        .dropna()
    )
    pred = pred[(pred.model == "weam") | (pred.part == "mlm_loss")]
    pred["part"] = pred.part.map({"mlm_loss": "multilingual (MLM)", "cross_loss": "cross-lingual"})
    sns.lineplot(
        data=pred, x="step", y="value", hue="model", style="part", ax=axes["pred"],
        palette={m: palette[m] for m in pred.model.unique()},
    )  # fmt: skip
    axes["pred"].set_title("continued pre-training: prediction losses", fontsize=11)
    axes["pred"].set_ylabel("loss")
    handles, labels = axes["pred"].get_legend_handles_labels()
    keep = [k for k, label in enumerate(labels) if label not in ("model", "part")]
    axes["pred"].legend([handles[k] for k in keep], [labels[k] for k in keep], ncol=len(keep),
                        loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False,
                        fontsize=8)  # fmt: skip
    aligned = losses[losses.model == "word_aligned"].rename(
        columns={"mlm_loss": "alignment distance", "cross_loss": "English regulariser"}
    ).melt(id_vars=["step"], value_vars=["alignment distance", "English regulariser"],
           var_name="part")  # fmt: skip
    sns.lineplot(data=aligned, x="step", y="value", hue="part", ax=axes["aligned"],
                 palette=[palette["word_aligned"], colours(8)[7]])  # fmt: skip
    axes["aligned"].set_title("word-aligned", fontsize=11)
    axes["aligned"].set_ylabel("squared distance")
    axes["aligned"].legend(fontsize=8, title=None)
    fig.tight_layout()
    return fig


def plot_claims(parts):
    """Forest plot of the ledger's differences (``claims.ledger_parts``): one line per
    part of a claim, its mean and 95 % interval, coloured by the part's verdict."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.3 * len(parts) + 1.4))
    y = list(range(len(parts)))[::-1]
    for yi, (_, r) in zip(y, parts.iterrows(), strict=True):
        colour = VERDICT_COLOURS.get(r["verdict"], "black")
        ax.plot([r["low"], r["high"]], [yi, yi], color=colour, lw=2.2)
        ax.plot(r["mean"], yi, "o", color=colour)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.id}: {r.part}" for r in parts.itertuples()], fontsize=8)
    ax.set_xlabel("paired difference (points), mean and 95 % interval")
    handles = [Line2D([], [], color=c, marker="o", lw=2.2, label=v)
               for v, c in VERDICT_COLOURS.items()]  # fmt: skip
    ax.legend(handles=handles, title="verdict of the part", fontsize=8, title_fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # fmt: skip
    fig.tight_layout()
    return fig


def plot_chapter_times(seconds, profile: str):
    """Horizontal bars of each chapter's wall-clock seconds (a Series indexed by chapter)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH * 0.9, 0.4 * len(seconds) + 1))
    ax.barh(seconds.index[::-1], seconds.values[::-1], color=colours(1)[0])
    ax.set_xlabel("wall-clock seconds")
    ax.set_title(f"Chapter execution time ({profile} profile)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_corpus_statistics(stats, columns: Sequence[str] = (
        "mean length", "vocabulary", "chars/word", "types also in en")):  # fmt: skip
    """Bars per language of a few monolingual-corpus statistics (a 2 × 2 grid)."""
    import matplotlib.pyplot as plt

    ncols = 2
    nrows = -(-len(columns) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH, 2.6 * nrows), squeeze=False,
                             sharex=True)  # fmt: skip
    labels = [language_label(c) for c in stats.index]
    palette = colours(len(stats))
    for ax, col in zip(axes.flat, columns, strict=False):
        ax.bar(range(len(stats)), stats[col].values, color=palette)
        ax.set_title(col, fontsize=10)
        ax.set_xticks(range(len(stats)), labels, fontsize=8)
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_counts(table, ylabel: str, title: str = ""):
    """Grouped bars of a small count table (rows: groups on the x axis, columns: hue)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH * 0.8, 2.8))
    table.plot.bar(ax=ax, color=colours(table.shape[1]), rot=0)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    if title:
        ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, ncol=min(5, table.shape[1]), loc="lower center",
              bbox_to_anchor=(0.5, 1.0), frameon=False)  # fmt: skip
    fig.tight_layout()
    return fig


def plot_shares(shares, xlabel: str, legend_title: str):
    """Stacked horizontal bars of shares (rows: bars, columns: stacked parts, in %)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.3 * len(shares) + 1.4))
    shares.plot.barh(stacked=True, ax=ax, color=colours(shares.shape[1]), width=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(title=legend_title, fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1), frameon=False)  # fmt: skip
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def plot_fertility(fertility, vocabulary: int):
    """Subwords per word by language: the mean, and the share of words by piece count."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(COLUMN_WIDTH, 5.6), sharex=True)
    labels = [language_label(c) for c in fertility.index]
    x = range(len(fertility))
    axes[0].bar(x, fertility["mean"].values, color=colours(1)[0])
    axes[0].set_ylabel("subwords per word")
    axes[0].set_title(f"mean fertility (vocabulary {vocabulary})", fontsize=11)
    share_cols = [c for c in fertility.columns if c.startswith("share_")]
    bottom = None
    for colour, col in zip(colours(len(share_cols)), share_cols, strict=True):
        values = 100 * fertility[col].values
        axes[1].bar(x, values, bottom=bottom, color=colour,
                    label=col.replace("share_", "") + " pieces")  # fmt: skip
        bottom = values if bottom is None else bottom + values
    axes[1].set_ylabel("share of words (%)")
    axes[1].set_xticks(list(x), labels, fontsize=8)
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


def plot_noise(noise):
    """Non-English test score against the translation-noise rate, per task: mean over the
    seeds of each seed's non-English average (accuracy for NLI, F1 for QA), 95 % interval
    (``study.noise_results``)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    per_seed = (
        noise[(noise.split == "test") & (noise.language != "en")
              & noise.metric.isin(["accuracy", "f1"])]
        .groupby(["task", "level", "seed"]).value.mean().reset_index()
    )  # fmt: skip
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH * 0.85, 3.6))
    sns.lineplot(data=per_seed, x="level", y="value", hue="task", marker="o",
                 errorbar=("ci", 95), ax=ax)  # fmt: skip
    ax.set_xlabel("translation noise rate of the translate-train sets")
    ax.set_ylabel("non-English score (accuracy / F1)")
    fig.tight_layout()
    return fig


def plot_lengths(lengths, title: str):
    """Box plots of item lengths per language and dataset (``report.real_data_summary``)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.2))
    sns.boxplot(lengths, x="language", y="characters", hue="dataset", ax=ax, showfliers=False)
    ax.set_title(title, fontsize=11)
    sns.move_legend(ax, "lower center", bbox_to_anchor=(0.5, 1.08), ncol=4, frameon=False,
                    fontsize=8, title=None)  # fmt: skip
    fig.tight_layout()
    return fig


def mark_reference(ax, levels: Sequence, reference, label: str = "paper's value") -> None:
    """Mark the paper's value of a factor on an axis whose x ticks are ``levels``: a
    dotted vertical line at a number, or a band behind a category."""
    numeric = all(isinstance(v, int | float) for v in levels)
    if numeric:
        ax.axvline(float(reference), color="black", linestyle=":", lw=1.2,
                   label=f"{label} ({reference:g})")  # fmt: skip
        return
    names = [str(v) for v in levels]
    if str(reference) in names:
        k = names.index(str(reference))
        ax.axvspan(k - 0.4, k + 0.4, color="0.85", zorder=0, label=f"{label} ({reference})")
