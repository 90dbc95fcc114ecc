"""Paired differences over one and two levels of seeds, against hand-worked cases."""

import math

import pandas as pd
import pytest

from weamlib.eval import stats


def _rows(model, pretrain_seed, seed, values):
    return [
        {"model": model, "task": "xnli", "setting": "zero-shot", "language": lang,
         "split": "test", "pretrain_seed": pretrain_seed, "seed": seed,
         "metric": "accuracy", "value": v}
        for lang, v in values.items()
    ]  # fmt: skip


def test_one_pretraining_seed_pairs_fine_tuning_seeds():
    frame = pd.DataFrame(
        _rows("a", 0, 0, {"x": 50, "y": 52}) + _rows("a", 0, 1, {"x": 54, "y": 56})
        + _rows("b", 0, 0, {"x": 40, "y": 40}) + _rows("b", 0, 1, {"x": 42, "y": 42})
    )  # fmt: skip
    assert stats.seed_scores(frame, model="a") == {0: 51.0, 1: 55.0}
    d = stats.compare(frame, {"model": "a"}, {"model": "b"}, metric="accuracy")
    assert d.unit == "fine-tuning seed"
    assert (d.mean, d.n) == (12.0, 2)  # per-seed differences 11 and 13
    assert d.sd == pytest.approx(math.sqrt(2))


def test_several_pretraining_seeds_pair_pretraining_seeds_over_their_means():
    rows = []
    # model a: pre-training seed 0 scores 50 and 54 (mean 52), seed 1: 60, 60; seed 2: 44, 48
    for ps, (s0, s1) in enumerate([(50, 54), (60, 60), (44, 48)]):
        rows += _rows("a", ps, 0, {"x": s0}) + _rows("a", ps, 1, {"x": s1})
        rows += _rows("b", ps, 0, {"x": 40}) + _rows("b", ps, 1, {"x": 42})
    frame = pd.DataFrame(rows)
    assert stats.seed_scores(frame, model="a") == {0: 52.0, 1: 60.0, 2: 46.0}
    assert stats.seed_unit(frame, model="a") == "pre-training seed"
    d = stats.compare(frame, {"model": "a"}, {"model": "b"}, metric="accuracy")
    # differences per pre-training seed: 52-41, 60-41, 46-41 = 11, 19, 5; mean 35/3
    assert d.unit == "pre-training seed" and d.n == 3 and d.seeds == (0, 1, 2)
    assert d.mean == pytest.approx(35 / 3)
    sd = math.sqrt(((11 - 35 / 3) ** 2 + (19 - 35 / 3) ** 2 + (5 - 35 / 3) ** 2) / 2)
    assert d.sd == pytest.approx(sd)
    half = stats.t_quantile(0.975, 2) * sd / math.sqrt(3)
    assert (d.low, d.high) == (pytest.approx(35 / 3 - half), pytest.approx(35 / 3 + half))
    assert "pre-training seeds" in str(d)


def test_a_fine_tuning_seed_twice_under_one_pretraining_seed_is_refused():
    frame = pd.DataFrame(
        _rows("a", 0, 0, {"x": 50}) + _rows("a", 1, 0, {"x": 52}) + _rows("a", 1, 0, {"x": 53})
    )
    with pytest.raises(ValueError, match="several results per seed"):
        stats.seed_scores(frame, model="a")


def test_pairing_one_level_with_two_levels_is_refused():
    frame = pd.DataFrame(
        _rows("a", 0, 0, {"x": 50}) + _rows("a", 1, 0, {"x": 52}) + _rows("b", 0, 0, {"x": 40})
    )
    with pytest.raises(ValueError, match="pre-training seeds"):
        stats.compare(frame, {"model": "a"}, {"model": "b"})
