"""Symmetrisation of two directional word alignments (Koehn, Och & Marcu 2003; Moses).

Links are ``(i, j)`` pairs, ``i`` a source and ``j`` a target word index (0-based),
in the same orientation for both directions: ``forward`` aligns each source word to
at most one target word, ``reverse`` each target word to at most one source word.
"""

from __future__ import annotations

from collections.abc import Iterable

from weamlib.core.errors import ConfigError

Link = tuple[int, int]

METHODS = ("intersection", "union", "grow-diag", "grow-diag-final", "grow-diag-final-and")

# The order Moses/Koehn visit neighbours in: the four sides, then the diagonals.
_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ConfigError(
            f"symmetrize: unknown method {method!r}; choose one of {', '.join(METHODS)}"
        )
    return method


def _grow_diag(alignment: set[Link], union: set[Link]) -> None:
    """GROW-DIAG: add union links next to current links that align a still unaligned word.

    Sweeps the current links in source-then-target order until a sweep adds nothing;
    links added during a sweep count at once, as in Koehn's pseudo-code.
    """
    src_aligned = {i for i, _ in alignment}
    tgt_aligned = {j for _, j in alignment}
    added = True
    while added:
        added = False
        for i, j in sorted(alignment):
            for di, dj in _NEIGHBOURS:
                cand = (i + di, j + dj)
                if cand in alignment or cand not in union:
                    continue
                if cand[0] not in src_aligned or cand[1] not in tgt_aligned:
                    alignment.add(cand)
                    src_aligned.add(cand[0])
                    tgt_aligned.add(cand[1])
                    added = True


def _final(alignment: set[Link], direction: Iterable[Link], both_unaligned: bool) -> None:
    """FINAL(-AND): add links of one direction whose source or (and) target word is unaligned."""
    src_aligned = {i for i, _ in alignment}
    tgt_aligned = {j for _, j in alignment}
    for i, j in sorted(direction):
        src_free, tgt_free = i not in src_aligned, j not in tgt_aligned
        if (src_free and tgt_free) if both_unaligned else (src_free or tgt_free):
            alignment.add((i, j))
            src_aligned.add(i)
            tgt_aligned.add(j)


def symmetrize(forward: Iterable[Link], reverse: Iterable[Link], method: str) -> set[Link]:
    """Combine one sentence's two directional alignments with ``method`` (see ``METHODS``)."""
    check_method(method)
    fwd, rev = set(map(tuple, forward)), set(map(tuple, reverse))
    union = fwd | rev
    if method == "union":
        return union
    alignment = fwd & rev
    if method == "intersection":
        return alignment
    _grow_diag(alignment, union)
    if method == "grow-diag-final":
        _final(alignment, fwd, both_unaligned=False)
        _final(alignment, rev, both_unaligned=False)
    elif method == "grow-diag-final-and":
        _final(alignment, fwd, both_unaligned=True)
        _final(alignment, rev, both_unaligned=True)
    return alignment


def symmetrize_corpus(
    forward: list[Iterable[Link]], reverse: list[Iterable[Link]], method: str
) -> list[set[Link]]:
    """``symmetrize`` applied sentence by sentence; both lists must be equally long."""
    if len(forward) != len(reverse):
        raise ValueError(
            f"symmetrize: forward has {len(forward)} sentences but reverse has {len(reverse)}"
        )
    return [symmetrize(f, r, method) for f, r in zip(forward, reverse, strict=True)]
