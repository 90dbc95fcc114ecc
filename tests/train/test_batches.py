"""Epoch batch orders: every item once, the seed's draw, and less padding when grouped."""

import pytest
import torch

from weamlib.train.batches import GROUP_WINDOW, epoch_batches


def _lengths(n: int, seed: int = 0) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(5, 70, (n,), generator=g)).tolist()


def _padded(batches, lengths) -> int:
    return sum(max(lengths[i] for i in b) * len(b) for b in batches)


@pytest.mark.parametrize("group", [False, True])
@pytest.mark.parametrize(("n", "batch_size"), [(1000, 32), (1000, 7), (5, 8), (1, 1)])
def test_every_item_once_in_full_batches(group, n, batch_size):
    lengths = _lengths(n)
    batches = epoch_batches(lengths, batch_size, torch.Generator().manual_seed(3), group)
    assert sorted(i for b in batches for i in b) == list(range(n))
    sizes = [len(b) for b in batches]
    windows = -(-n // (batch_size * GROUP_WINDOW)) if group else 1
    # one short batch at most per window (grouping) or per epoch (random)
    assert sum(s != batch_size for s in sizes) <= min(windows, len(sizes))
    assert all(1 <= s <= batch_size for s in sizes)


def test_random_batches_are_consecutive_slices_of_the_seeds_permutation():
    # the order the loop used before grouping existed: runs without grouping keep it
    perm = torch.randperm(100, generator=torch.Generator().manual_seed(5)).tolist()
    batches = epoch_batches([1] * 100, 32, torch.Generator().manual_seed(5))
    assert batches == [perm[0:32], perm[32:64], perm[64:96], perm[96:100]]


def test_same_seed_same_order_other_seed_other_order():
    lengths = _lengths(2000)

    def draw(seed):
        return epoch_batches(lengths, 32, torch.Generator().manual_seed(seed), True)

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)


def test_grouping_cuts_padding_and_keeps_batches_of_like_length():
    lengths = _lengths(4096)
    g = torch.Generator().manual_seed(0)
    random = epoch_batches(lengths, 64, g)
    grouped = epoch_batches(lengths, 64, torch.Generator().manual_seed(0), True)
    real = sum(lengths)
    # random batches of lengths 5-69 pad to about 68 (≈ 1.8x the real tokens)
    assert _padded(random, lengths) > 1.6 * real
    # sorted windows of 16 batches leave a batch about 1/16 of the length range
    assert _padded(grouped, lengths) < 1.1 * real
    spread = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in grouped]
    assert max(spread) <= 10


def test_grouped_batches_are_shuffled_not_sorted():
    lengths = list(range(1, 513))  # item i has length i + 1
    batches = epoch_batches(lengths, 16, torch.Generator().manual_seed(0), True)
    longest = [max(lengths[i] for i in b) for b in batches]
    assert longest != sorted(longest) and longest != sorted(longest, reverse=True)


def test_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="batch_size"):
        epoch_batches([1, 2], 0, torch.Generator())
