"""Task metrics: NLI accuracy (XNLI).

Scores are percentages (0-100), the unit the paper's tables use.
"""

from __future__ import annotations

from collections.abc import Sequence

from weamlib.formats import NLI_LABELS


def _check_labels(labels: Sequence[str], what: str) -> None:
    known = set(NLI_LABELS)
    for i, label in enumerate(labels):
        if label not in known:
            raise ValueError(
                f"unknown {what} label {label!r} at position {i}; expected one of"
                f" {', '.join(NLI_LABELS)}"
            )


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Percentage of positions where ``pred`` equals ``gold``.

    Both are sequences of labels from :data:`weamlib.formats.NLI_LABELS`, aligned by
    position. Raises ``ValueError`` when the lengths differ, when there is nothing to score,
    or when a label is not an NLI label (unlabelled "" gold items included).

    >>> accuracy(["entailment", "neutral"], ["entailment", "contradiction"])
    50.0
    """
    gold, pred = list(gold), list(pred)
    if len(gold) != len(pred):
        raise ValueError(
            f"accuracy needs as many predictions as gold labels: {len(gold)} gold, {len(pred)} predicted"
        )
    if not gold:
        raise ValueError("accuracy of an empty set is undefined: 0 gold labels")
    _check_labels(gold, "gold")
    _check_labels(pred, "predicted")
    correct = sum(g == p for g, p in zip(gold, pred, strict=True))
    return 100.0 * correct / len(gold)
