"""Figures of the alignment chapter: alignment matrices and distortion histograms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Link = tuple[int, int]


def _labels(words: Sequence[str], prefix: str) -> tuple[list[str], bool]:
    """Tick labels: the words if the plot font has their glyphs, else positions."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(findfont(FontProperties())).get_charmap()
    if all(ord(ch) in charmap for w in words for ch in w):
        return list(words), True
    return [f"{prefix}{k}" for k in range(len(words))], False


def _matrix(links: Iterable[Link], shape: tuple[int, int]) -> np.ndarray:
    mat = np.zeros(shape)
    for i, j in links:
        mat[i, j] = 1.0
    return mat


def plot_alignment_matrices(
    src: Sequence[str],
    tgt: Sequence[str],
    panels: Mapping[str, Iterable[Link]],
    gold_possible: Iterable[Link] = (),
    title: str = "",
):
    """Side-by-side heatmaps of one sentence pair's alignments (source rows, target columns).

    ``panels``: name -> links; the first panel is the reference (gold): its links are
    outlined in every other panel, so misses and extra links stand out. ``gold_possible``
    links are shaded lightly in the first panel. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from weamlib.study.plots import COLUMN_WIDTH

    names = list(panels)
    shape = (len(src), len(tgt))
    # One row of panels in the book's column: the words label the first panel's rows only,
    # and the cells shrink (to no less than 0.12 in) so that the row fits the column.
    cell = max(0.12, min(0.3, (COLUMN_WIDTH - 1.4 - 0.25 * len(names)) / (len(names) * len(tgt))))
    fontsize = 8 if cell >= 0.2 else 7
    fig, axes = plt.subplots(
        1,
        len(names),
        figsize=(1.4 + len(names) * (cell * len(tgt) + 0.25), cell * len(src) + 1.9),
        squeeze=False,
        sharey=True,
    )
    reference = set(panels[names[0]])
    src_labels, src_ok = _labels(src, "s")
    tgt_labels, tgt_ok = _labels(tgt, "t")
    if not (src_ok and tgt_ok):
        title = f"{title} (script not in the plot font: word positions shown)".strip()
    for k, (ax, name) in enumerate(zip(axes[0], names, strict=True)):
        mat = _matrix(panels[name], shape)
        if k == 0:
            mat = np.maximum(mat, 0.35 * _matrix(gold_possible, shape))
        ax.imshow(mat, cmap="Blues", vmin=0, vmax=1, aspect="equal")
        if k > 0:
            for i, j in reference:
                ax.add_patch(
                    plt.Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#D55E00", linewidth=1.2
                    )
                )
        ax.grid(False)
        ax.set_xticks(range(len(tgt)), tgt_labels, rotation=90, fontsize=fontsize)
        ax.set_yticks(range(len(src)), src_labels, fontsize=fontsize)
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_distortions(values: Mapping[str, np.ndarray], bins: int = 41, ncols: int = 3):
    """Small multiples of signed relative-position offsets per language (see
    ``stats.distortions``); a monotone language piles up at 0, reordering spreads out."""
    import matplotlib.pyplot as plt

    from weamlib.study.plots import COLUMN_WIDTH, colours

    names = list(values)
    nrows = (len(names) + ncols - 1) // ncols
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(COLUMN_WIDTH, 2.1 * nrows), squeeze=False, sharex=True
    )
    edges = np.linspace(-1, 1, bins + 1)
    for ax, name in zip(axes.flat, names, strict=False):
        ax.hist(values[name], bins=edges, density=True, color=colours(1)[0])
        ax.set_title(f"{name} (mean |d| = {np.abs(values[name]).mean():.2f})", fontsize=9)
        ax.axvline(0, color="grey", linewidth=0.8)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("(i+½)/n − (j+½)/m", fontsize=9)
    fig.tight_layout()
    return fig
