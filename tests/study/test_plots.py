"""The book's figures (weamlib.study.plots and the plot functions of weamlib.study.experiments): drawn to the
column's width, languages by name, the paper's value marked, colour-blind-safe colours."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402

from weamlib.claims import ledger as claims
from weamlib.study import experiments as study
from weamlib.study import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    plots.setup()
    yield
    plt.close("all")


def _width(fig) -> float:
    return float(fig.get_size_inches()[0])


def _main_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"task": "xnli", "metric": "accuracy", "split": "test", "setting": setting,
         "model": model, "seed": seed, "language": lang, "value": 40 + rng.normal()}
        for setting, model, seed, lang in itertools.product(
            ("zero-shot", "translate-train"), study.MODELS, (0, 1, 2), ("en", "dorn", "de"))
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _levels_frame(levels) -> pd.DataFrame:
    rows = [
        {"task": "xnli", "metric": "accuracy", "split": "test", "setting": "zero-shot",
         "model": "weam", "factor": "mask_prob", "level": level, "seed": seed,
         "language": lang, "value": 40 + k + seed}
        for k, level in enumerate(levels)
        for seed, lang in itertools.product((0, 1, 2), ("en", "dorn"))
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_language_names():
    assert plots.language_name("de") == "German"
    assert plots.language_name("dorn") == "Dornic"  # from data/languages/dorn.yml
    assert plots.language_name("xx-unknown") == "xx-unknown"
    assert plots.language_label("dorn") == "Dornic\n(dorn)"


def test_per_language_bars_fit_the_column_with_language_names():
    fig = study.plot_languages(_main_frame(), "xnli")
    assert _width(fig) <= plots.COLUMN_WIDTH
    assert len(fig.axes) == 2  # one panel per setting, stacked
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["English\n(en)", "Dornic\n(dorn)", "German\n(de)"]
    # the same colour for a model in every figure, from the colour-blind palette
    bars = fig.axes[0].patches
    colours = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars if b.get_height() > 0}
    palette = {tuple(np.round(c, 3)) for c in sns.color_palette(plots.PALETTE, len(study.MODELS))}
    assert colours <= palette


@pytest.mark.parametrize(
    "levels, reference", [((0.15, 0.3, 0.5), 0.3), (("a", "fastalign"), "fastalign")]
)
def test_ablation_curves_mark_the_papers_value(levels, reference):
    fig = study.plot_levels(_levels_frame(levels), "mask_prob", reference=reference)
    ax = fig.axes[0]
    assert _width(fig) <= plots.COLUMN_WIDTH
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("paper's value" in label for label in labels), labels
    assert ax.get_xlabel() == plots.FACTOR_LABELS["mask_prob"]
    # intervals: a band (numeric levels) or error bars (categories)
    assert ax.collections or ax.lines


def test_claims_forest_plot_colours_verdicts():
    parts = pd.DataFrame(
        [{"id": "C1", "part": "x", "mean": 1.0, "low": 0.5, "high": 1.5, "verdict": claims.SUPPORTED},
         {"id": "C2", "part": "y", "mean": -1.0, "low": -2, "high": 0.5, "verdict": claims.INCONCLUSIVE}]
    )  # fmt: skip
    fig = plots.plot_claims(parts)
    assert _width(fig) <= plots.COLUMN_WIDTH
    assert set(plots.VERDICT_COLOURS) == set(claims.VERDICTS)


def test_wide_figures_are_narrowed_and_tables_cut():
    fig, _ = plt.subplots(figsize=(14, 3))
    assert _width(plots.fit_to_column(fig)) == plots.COLUMN_WIDTH
    wide = pd.DataFrame([["word_before/suffix"] * 17], columns=[f"c{k}" for k in range(17)])
    parts = plots.in_parts(wide)
    assert [p.shape[1] for p in parts] == [6, 6, 5]
    assert parts[0].iloc[0, 0] == "word_\u200bbefore/\u200bsuffix"
