"""Projection of word alignments onto subwords and back (DESIGN §2 ``subword_alignment``).

Subword positions count the pieces of a sentence's words in order, 0-based, without
special tokens: word ``k`` with ``c_k`` pieces owns positions
``sum(c[:k]) .. sum(c[:k+1]) - 1``. Callers add their own offsets ([CLS], segments).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from weamlib.core.errors import ConfigError

Link = tuple[int, int]
MODES = ("first", "all")


def _starts(counts: Sequence[int]) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError(f"subword counts must be a flat list of non-negative ints, got {counts}")
    return np.concatenate([[0], np.cumsum(counts)])


def _check_links(links: Iterable[Link], n_src: int, n_tgt: int) -> list[Link]:
    out = []
    for i, j in links:
        if not (0 <= i < n_src and 0 <= j < n_tgt):
            raise ValueError(
                f"link {i}-{j} lies outside a sentence pair of {n_src} x {n_tgt} words"
            )
        out.append((int(i), int(j)))
    return out


def project_links(
    links: Iterable[Link],
    src_counts: Sequence[int],
    tgt_counts: Sequence[int],
    mode: str = "first",
) -> list[Link]:
    """Word links -> subword links (sorted, unique).

    ``mode="first"`` links the first piece of each aligned word to the first piece of its
    partner; ``"all"`` links every piece of the word to every piece of its partner. Words
    with no pieces drop their links.
    """
    if mode not in MODES:
        raise ConfigError(f"subword_alignment: unknown mode {mode!r}; choose 'first' or 'all'")
    s_start, t_start = _starts(src_counts), _starts(tgt_counts)
    out: set[Link] = set()
    for i, j in _check_links(links, len(src_counts), len(tgt_counts)):
        if src_counts[i] == 0 or tgt_counts[j] == 0:
            continue
        if mode == "first":
            out.add((int(s_start[i]), int(t_start[j])))
        else:
            for a in range(s_start[i], s_start[i + 1]):
                for b in range(t_start[j], t_start[j + 1]):
                    out.add((int(a), int(b)))
    return sorted(out)


def subword_matrix(
    links: Iterable[Link],
    src_counts: Sequence[int],
    tgt_counts: Sequence[int],
    mode: str = "first",
    normalize: bool = False,
) -> np.ndarray:
    """Subword alignment matrix of shape ``(sum(src_counts), sum(tgt_counts))``, float32.

    Entries are 1 for linked subwords; with ``normalize`` each non-empty row sums to 1
    (the row-normalised S of DESIGN §2).
    """
    mat = np.zeros((int(sum(src_counts)), int(sum(tgt_counts))), dtype=np.float32)
    for a, b in project_links(links, src_counts, tgt_counts, mode):
        mat[a, b] = 1.0
    if normalize:
        rows = mat.sum(axis=1, keepdims=True)
        np.divide(mat, rows, out=mat, where=rows > 0)
    return mat


def subword_to_word(position: int, counts: Sequence[int]) -> int:
    """The word index owning subword ``position``."""
    starts = _starts(counts)
    if not 0 <= position < starts[-1]:
        raise ValueError(f"subword position {position} outside a sentence of {starts[-1]} pieces")
    return int(np.searchsorted(starts, position, side="right") - 1)


def links_to_words(
    sub_links: Iterable[Link], src_counts: Sequence[int], tgt_counts: Sequence[int]
) -> list[Link]:
    """Subword links -> word links: two words are linked when any of their pieces are."""
    s_start, t_start = _starts(src_counts), _starts(tgt_counts)
    out: set[Link] = set()
    for a, b in sub_links:
        if not (0 <= a < s_start[-1] and 0 <= b < t_start[-1]):
            raise ValueError(
                f"subword link {a}-{b} lies outside a pair of {s_start[-1]} x {t_start[-1]} pieces"
            )
        i = int(np.searchsorted(s_start, a, side="right") - 1)
        j = int(np.searchsorted(t_start, b, side="right") - 1)
        out.add((i, j))
    return sorted(out)


def project_with_tokenizer(
    tokenizer,
    src_words: Sequence[str],
    tgt_words: Sequence[str],
    links: Iterable[Link],
    mode: str = "first",
) -> tuple[list[Link], list[int], list[int]]:
    """Project word links with an HF fast tokenizer: (subword links, src counts, tgt counts)."""
    from weamlib.data.tokenize import word_pieces

    src_counts, tgt_counts = word_pieces(tokenizer, src_words), word_pieces(tokenizer, tgt_words)
    return project_links(links, src_counts, tgt_counts, mode), src_counts, tgt_counts
