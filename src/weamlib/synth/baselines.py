"""A bag-of-words baseline: multinomial naive Bayes in numpy.

Used to measure the single-side shortcuts of an NLI set: train on hypotheses (or premises)
alone, predict dev labels from hypotheses (or premises) alone; a set without the shortcut
gives about 1/3.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _bags(texts: Sequence[str], vocab: dict[str, int]) -> np.ndarray:
    """``(len(texts), len(vocab))`` counts of known lower-cased words."""
    x = np.zeros((len(texts), len(vocab)), dtype=np.float64)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            col = vocab.get(word)
            if col is not None:
                x[row, col] += 1
    return x


def naive_bayes_accuracy(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    alpha: float = 1.0,
) -> float:
    """Accuracy of multinomial naive Bayes (Laplace smoothing ``alpha``) on the test texts."""
    if len(train_texts) != len(train_labels) or len(test_texts) != len(test_labels):
        raise ValueError("texts and labels differ in length")
    if not train_texts or not test_texts:
        raise ValueError("naive Bayes needs non-empty train and test sets")
    vocab: dict[str, int] = {}
    for text in train_texts:
        for word in text.lower().split():
            vocab.setdefault(word, len(vocab))
    classes = sorted(set(train_labels))
    y = np.array([classes.index(label) for label in train_labels])
    x = _bags(train_texts, vocab)
    counts = np.stack([x[y == c].sum(axis=0) for c in range(len(classes))]) + alpha
    log_lik = np.log(counts / counts.sum(axis=1, keepdims=True))
    log_prior = np.log(np.bincount(y, minlength=len(classes)) / len(y))
    scores = _bags(test_texts, vocab) @ log_lik.T + log_prior
    predicted = [classes[i] for i in scores.argmax(axis=1)]
    return float(np.mean([p == t for p, t in zip(predicted, test_labels, strict=True)]))


def side_only_accuracy(train, dev, side: str) -> float:
    """Naive Bayes on one side alone (``side`` = "premise" or "hypothesis").

    ``train``/``dev`` are sequences of NLIExample.
    """
    if side not in ("premise", "hypothesis"):
        raise ValueError(f"side must be 'premise' or 'hypothesis', got {side!r}")
    return naive_bayes_accuracy(
        [getattr(e, side) for e in train],
        [e.label for e in train],
        [getattr(e, side) for e in dev],
        [e.label for e in dev],
    )


def hypothesis_only_accuracy(train, dev) -> float:
    """Naive Bayes on hypotheses alone: ``train``/``dev`` are sequences of NLIExample."""
    return side_only_accuracy(train, dev, "hypothesis")


def premise_only_accuracy(train, dev) -> float:
    """Naive Bayes on premises alone: ``train``/``dev`` are sequences of NLIExample."""
    return side_only_accuracy(train, dev, "premise")
