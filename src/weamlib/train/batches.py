"""The order of a fine-tuning epoch's batches: shuffled, or shuffled and grouped by length.

Batches are padded to their longest item, so a batch of random items carries padding
wherever its items are shorter than its longest: on the default suite's English NLI pairs
(30 pieces on average, the longest 71) a random batch of 128 is padded to about 60, half of
its positions. Grouping sorts each window of ``GROUP_WINDOW`` consecutive batches' worth of
a random permutation by length, cuts it into batches and shuffles the batches, so every
batch holds items of about the same length while which items meet, and in which order the
batches come, is still drawn from the seed (the Hugging Face ``Trainer``'s
``group_by_length`` sorts windows of 50 batches and leaves their order).
"""

from __future__ import annotations

from collections.abc import Sequence

GROUP_WINDOW = 16  # batches per sorted window


def epoch_batches(
    lengths: Sequence[int], batch_size: int, generator, group_by_length: bool = False
) -> list[list[int]]:
    """The item indices of one epoch's batches, in training order.

    ``lengths``: each item's length (its padded width in a batch). ``generator``: the
    ``torch.Generator`` that draws the epoch (one permutation, plus one more of the batches
    when grouping). Every item appears in exactly one batch; batches hold ``batch_size``
    items except one smaller batch when ``batch_size`` does not divide the items (the last
    of the epoch without grouping; with grouping, the last of its window, wherever the
    shuffle puts it).
    """
    import torch

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(lengths)
    perm = torch.randperm(n, generator=generator).tolist()
    if not group_by_length:
        return [perm[i : i + batch_size] for i in range(0, n, batch_size)]
    window = batch_size * GROUP_WINDOW
    batches = []
    for start in range(0, n, window):
        # longest first within the window; ties keep the permutation's order
        chunk = sorted(perm[start : start + window], key=lambda i: -lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    shuffle = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffle]
