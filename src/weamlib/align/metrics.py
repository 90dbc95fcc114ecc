"""Precision, recall and alignment error rate with sure and possible links (Och & Ney 2003).

With predicted links A, sure gold links S and possible gold links P (P ⊇ S):
``precision = |A∩P| / |A|``, ``recall = |A∩S| / |S|`` and
``AER = 1 − (|A∩S| + |A∩P|) / (|A| + |S|)``, all summed over the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Link = tuple[int, int]


@dataclass(frozen=True)
class AlignmentScores:
    """Corpus-level scores and the counts they come from."""

    precision: float
    recall: float
    aer: float
    n_predicted: int
    n_sure: int
    n_predicted_sure: int
    n_predicted_possible: int

    def as_dict(self) -> dict:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "aer": self.aer,
            "n_predicted": self.n_predicted,
            "n_sure": self.n_sure,
            "n_predicted_sure": self.n_predicted_sure,
            "n_predicted_possible": self.n_predicted_possible,
        }


def _gold_sets(gold) -> tuple[set[Link], set[Link]]:
    """(sure, possible) from a LinkSet-like object (``.sure``/``.possible``) or a plain link set."""
    if hasattr(gold, "sure"):
        sure = set(gold.sure)
        return sure, set(gold.possible) | sure
    links = set(map(tuple, gold))
    return links, links


def alignment_scores(predicted: Sequence[Iterable[Link]], gold: Sequence) -> AlignmentScores:
    """Score predicted links against gold, sentence by sentence, summed over the corpus.

    ``predicted``: per sentence an iterable of ``(i, j)``. ``gold``: per sentence either a
    ``LinkSet`` (sure and possible links) or a plain iterable (all links sure).
    """
    if len(predicted) != len(gold):
        raise ValueError(
            f"alignment_scores: {len(predicted)} predicted sentences but {len(gold)} gold sentences"
        )
    n_a = n_s = n_as = n_ap = 0
    for pred, g in zip(predicted, gold, strict=True):
        a = set(map(tuple, pred))
        sure, possible = _gold_sets(g)
        n_a += len(a)
        n_s += len(sure)
        n_as += len(a & sure)
        n_ap += len(a & possible)
    precision = n_ap / n_a if n_a else 0.0
    recall = n_as / n_s if n_s else 0.0
    aer = 1.0 - (n_as + n_ap) / (n_a + n_s) if (n_a + n_s) else 0.0
    return AlignmentScores(precision, recall, aer, n_a, n_s, n_as, n_ap)
