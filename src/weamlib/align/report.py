"""Tables and the closing summary of the alignment chapter, from results already computed.

Pure functions: they take the chapter's results (score rows, DataFrames, run results) and
return DataFrames or summary lines; nothing here aligns, reads a corpus or caches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from weamlib.align.experiments import PUBLISHED_AER

LINK_FRACTIONS = ["frac_1-1", "frac_1-n", "frac_n-1", "frac_n-m"]
UNALIGNED_FRACTIONS = ["frac_unaligned_src", "frac_unaligned_tgt"]
PUBLISHED_SOURCE = "published (Dou & Neubig 2021)"


def suite_overview(data: Mapping[str, tuple[Sequence, Sequence]]) -> pd.DataFrame:
    """Per language pair (``data``: pair -> (sentence pairs, gold LinkSets)): the number of
    pairs, of sure gold links and the mean sentence length of each side; index ``pair``."""
    pairs = list(data)
    return pd.DataFrame(
        {
            "pairs": [len(data[lp][0]) for lp in pairs],
            "gold links": [sum(len(g.sure) for g in data[lp][1]) for lp in pairs],
            "mean length (en)": [np.mean([len(s) for s, _ in data[lp][0]]) for lp in pairs],
            "mean length (xx)": [np.mean([len(t) for _, t in data[lp][0]]) for lp in pairs],
        },
        index=pd.Index(pairs, name="pair"),
    )


def pipeline_table(runs: Mapping) -> pd.DataFrame:
    """The pipeline alignments (pair -> ``ensure_alignments`` Run): pairs, links, precision,
    recall and AER in %, and the aligner's seconds; index ``pair``."""
    return pd.DataFrame(
        [
            {
                "pair": lp,
                "pairs": r.results["n_pairs"],
                "links": r.results["n_links"],
                "precision": 100 * r.results["precision"],
                "recall": 100 * r.results["recall"],
                "AER (%)": 100 * r.results["aer"],
                "aligner seconds": r.results["seconds"],
            }
            for lp, r in runs.items()
        ]
    ).set_index("pair")


def with_aer_pct(rows: Sequence[Mapping]) -> pd.DataFrame:
    """Score rows as a DataFrame with ``aer_pct`` (100 × ``aer``) added."""
    frame = pd.DataFrame(list(rows))
    if not frame.empty:
        frame["aer_pct"] = 100 * frame["aer"]
    return frame


def link_type_shares(rows: Sequence[Mapping]) -> pd.DataFrame:
    """``suite_link_types`` rows -> fractions of each link type and of unaligned words,
    indexed by (pair, links)."""
    return pd.DataFrame(list(rows)).set_index(["pair", "links"])[
        LINK_FRACTIONS + UNALIGNED_FRACTIONS
    ]


def tension_table(distortions: Mapping[str, np.ndarray], tensions: Mapping[str, float]):
    """Per pair: mean |offset| of the gold links and the FastAlign model's fitted tension."""
    return pd.DataFrame(
        [
            {
                "pair": lp,
                "mean |offset| (gold)": np.abs(distortions[lp]).mean(),
                "fitted tension λ (FastAlign, forward)": tensions[lp],
            }
            for lp in distortions
        ]
    ).set_index("pair")


def extreme_pairs(tensions: pd.DataFrame) -> list[str]:
    """The most monotone and the most reordered pair (by mean |offset|), once each."""
    by_order = tensions["mean |offset| (gold)"].sort_values()
    return list(dict.fromkeys([by_order.index[0], by_order.index[-1]]))


def real_comparison(
    real: pd.DataFrame, method: str, published: Mapping[str, Mapping[str, float]] = PUBLISHED_AER
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(measured, published): this study's AER (%) with ``method`` per pair (rows) and
    aligner (columns), and the published AERs of the same pairs (``<aligner> (published)``)."""
    measured = real[real["method"] == method].pivot_table(
        index="pair", columns="aligner", values="aer_pct"
    )
    pub = pd.DataFrame({f"{k} (published)": v for k, v in published.items()}).loc[measured.index]
    return measured, pub


def real_plot_frame(measured: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Long form of ``real_comparison``'s tables for a bar plot: columns pair, aligner,
    ``AER (%)`` and source (this study / published)."""
    ours = (
        measured.rename(columns={"fastalign": "fast_align"})
        .reset_index()
        .melt(id_vars="pair", var_name="aligner", value_name="AER (%)")
        .assign(source="this study")
    )
    theirs = (
        published.rename(columns=lambda c: c.replace(" (published)", ""))
        .rename_axis("pair")
        .reset_index()
        .melt(id_vars="pair", var_name="aligner", value_name="AER (%)")
        .assign(source=PUBLISHED_SOURCE)
    )
    return pd.concat([ours, theirs])


def count_above_published(measured: pd.DataFrame, published: pd.DataFrame) -> tuple[int, int]:
    """(cells where the measured AER is above the published one, cells compared): the
    (pair, aligner) cells that both tables have; ``fast_align`` is our ``fastalign``."""
    pub = published.rename(columns=lambda c: c.replace(" (published)", "")).rename(
        columns={"fast_align": "fastalign"}
    )
    cells = [(p, al) for p in measured.index for al in measured.columns if al in pub.columns]
    n_above = sum(bool(measured.loc[p, al] > pub.loc[p, al]) for p, al in cells)
    return n_above, len(cells)


def mean_aer_by_aligner(aer: pd.DataFrame, method: str) -> pd.Series:
    """Mean ``aer_pct`` over language pairs of each aligner with ``method``."""
    return aer[aer["method"] == method].groupby("aligner")["aer_pct"].mean()


def best_methods(
    aer: pd.DataFrame, methods: Sequence[str], aligners: Sequence[str]
) -> dict[str, tuple[str, float]]:
    """Per aligner: (the method of ``methods`` with the lowest mean ``aer_pct`` over pairs,
    that mean). Ties go to the method listed first."""
    means = {m: aer[aer["method"] == m].groupby("aligner")["aer_pct"].mean() for m in methods}
    out = {}
    for al in aligners:
        best = min(methods, key=lambda m, al=al: means[m][al])
        out[al] = (best, float(means[best][al]))
    return out


def tension_correlation(tensions: pd.DataFrame) -> float:
    """Pearson r between the first two columns of ``tension_table`` across pairs."""
    return float(np.corrcoef(tensions.iloc[:, 0], tensions.iloc[:, 1])[0, 1])


def summary_lines(
    aer: pd.DataFrame,
    tensions: pd.DataFrame,
    pipeline: pd.DataFrame,
    fertility: pd.DataFrame,
    *,
    aligners: Sequence[str],
    methods: Sequence[str],
    pipeline_aligner: str,
    pipeline_symmetrize: str,
    n_pairs: int,
    pipeline_seconds: float,
    measured: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
) -> list[str]:
    """The chapter's closing bullet points (Markdown), every number computed from the
    results: ``aer`` (``with_aer_pct`` of ``evaluate_suite``), ``tension_table``,
    ``pipeline_table``, the fertility table (``mean`` per language), ``n_pairs`` (sentence
    pairs per language pair) and, when the real gold sets ran, ``real_comparison``'s tables."""
    main_rows = aer[aer["method"] == pipeline_symmetrize].set_index(["aligner", "pair"])["aer_pct"]
    mean_by_aligner = mean_aer_by_aligner(aer, pipeline_symmetrize)
    best_aligner = mean_by_aligner.idxmin()
    worst_pair = main_rows.loc[best_aligner].idxmax()
    best_pair = main_rows.loc[best_aligner].idxmin()
    best_method = best_methods(aer, methods, aligners)
    corr = tension_correlation(tensions)
    n_lang = len(pipeline)
    lines = [
        f"* On the synthetic suite ({n_lang} language pairs, {n_pairs} pairs each), the mean"
        f" AER with {pipeline_symmetrize} is "
        + ", ".join(f"{al} {v:.1f}%" for al, v in mean_by_aligner.items())
        + f"; {best_aligner} is best on average.",
        f"* For {best_aligner}, {best_pair} is the easiest pair"
        f" ({main_rows.loc[(best_aligner, best_pair)]:.1f}%) and {worst_pair} the hardest"
        f" ({main_rows.loc[(best_aligner, worst_pair)]:.1f}%).",
        "* The best symmetrisation on average is "
        + ", ".join(f"{m} for {al} ({v:.1f}%)" for al, (m, v) in best_method.items())
        + ".",
        f"* The FastAlign model's fitted tension and the mean gold distortion correlate at"
        f" r = {corr:.2f} across languages: "
        + (
            "the more monotone the language, the sharper the fitted diagonal."
            if corr < -0.5
            else "the fitted tension does not track word order closely."
        ),
        f"* The pipeline alignments ({pipeline_aligner} + {pipeline_symmetrize}) have AER"
        f" {pipeline['AER (%)'].min():.1f}–{pipeline['AER (%)'].max():.1f}%. The aligner took"
        f" {pipeline['aligner seconds'].sum():.1f} s in total for the {n_lang} pairs"
        f" (wall time of that stage in this execution: {pipeline_seconds:.1f} s; near zero"
        " when it was cached).",
        f"* Mean subword fertility ranges from {fertility['mean'].min():.2f}"
        f" ({fertility['mean'].idxmin()}) to {fertility['mean'].max():.2f}"
        f" ({fertility['mean'].idxmax()}) pieces per word.",
    ]
    if measured is None or published is None or measured.empty:
        lines.append("* The real gold sets were skipped in this run.")
        return lines
    n_above, n_cells = count_above_published(measured, published)
    lines.append(
        f"* Real gold sets (AER %, {pipeline_symmetrize}): "
        + "; ".join(
            f"{p}: " + ", ".join(f"{al} {measured.loc[p, al]:.1f}" for al in measured.columns)
            for p in measured.index
        )
        + f". {n_above} of {n_cells} are above the published values, which come from far"
        " larger bitext."
    )
    return lines
