"""Corpus statistics of word alignments: link types, distortion, subword fertility."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

Link = tuple[int, int]
LINK_TYPES = ("1-1", "1-n", "n-1", "n-m")
# (source word has other links, target word has other links) -> type
_TYPE = {(False, False): "1-1", (True, False): "1-n", (False, True): "n-1", (True, True): "n-m"}


def link_types(
    alignments: Sequence[Iterable[Link]], lengths: Sequence[tuple[int, int]]
) -> dict[str, float]:
    """Count links by type and words left unaligned over a corpus.

    A link ``(i, j)`` is ``1-1`` when source word ``i`` and target word ``j`` have no other
    link, ``1-n`` when the source word has several (one source word to many target words),
    ``n-1`` when the target word has several, ``n-m`` when both have.
    Returns counts for each type, ``unaligned_src``/``unaligned_tgt`` word counts,
    ``n_links``, ``n_src_words``, ``n_tgt_words`` and the fractions ``frac_<type>`` (of links)
    and ``frac_unaligned_src``/``frac_unaligned_tgt`` (of words).
    """
    if len(alignments) != len(lengths):
        raise ValueError(f"{len(alignments)} alignments but {len(lengths)} sentence lengths")
    counts = Counter({t: 0 for t in LINK_TYPES})
    un_src = un_tgt = n_src = n_tgt = 0
    for links, (ls, lt) in zip(alignments, lengths, strict=True):
        links = set(map(tuple, links))
        fs = Counter(i for i, _ in links)
        ft = Counter(j for _, j in links)
        for i, j in links:
            counts[_TYPE[(fs[i] > 1, ft[j] > 1)]] += 1
        un_src += ls - len(fs)
        un_tgt += lt - len(ft)
        n_src += ls
        n_tgt += lt
    n_links = sum(counts.values())
    out: dict[str, float] = dict(counts)
    out.update(
        unaligned_src=un_src,
        unaligned_tgt=un_tgt,
        n_links=n_links,
        n_src_words=n_src,
        n_tgt_words=n_tgt,
    )
    for t in LINK_TYPES:
        out[f"frac_{t}"] = counts[t] / n_links if n_links else 0.0
    out["frac_unaligned_src"] = un_src / n_src if n_src else 0.0
    out["frac_unaligned_tgt"] = un_tgt / n_tgt if n_tgt else 0.0
    return out


def distortions(
    alignments: Sequence[Iterable[Link]], lengths: Sequence[tuple[int, int]], signed: bool = True
) -> np.ndarray:
    """Relative-position offsets of every link, float64 array of shape ``(n_links,)``.

    For a link ``(i, j)`` in a pair of lengths ``(n, m)`` the offset is
    ``(i + 0.5) / n − (j + 0.5) / m`` (its absolute value with ``signed=False``): 0 on the
    diagonal, near ±1 at opposite ends, so reversed word orders spread the histogram.
    """
    out = []
    for links, (ls, lt) in zip(alignments, lengths, strict=True):
        for i, j in links:
            out.append((i + 0.5) / ls - (j + 0.5) / lt)
    arr = np.asarray(out, dtype=np.float64)
    return arr if signed else np.abs(arr)


def fertility_summary(pieces_per_word: Iterable[int], max_bucket: int = 5) -> dict[str, float]:
    """Subword fertility: mean pieces per word and the share of words with 1, 2, ... pieces.

    ``pieces_per_word``: flat iterable of counts. Buckets ``1`` .. ``max_bucket`` (the last
    holds that many pieces or more) go in keys ``share_<k>``.
    """
    counts = np.asarray(list(pieces_per_word), dtype=np.int64)
    out: dict[str, float] = {
        "n_words": int(counts.size),
        "mean": float(counts.mean()) if counts.size else 0.0,
    }
    for k in range(1, max_bucket + 1):
        hit = counts >= k if k == max_bucket else counts == k
        out[f"share_{k}"] = float(hit.mean()) if counts.size else 0.0
    return out
