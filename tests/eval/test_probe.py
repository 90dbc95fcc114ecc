"""Layer-wise retrieval probes: the metrics on hand-built vectors, the encoder on a tiny BERT."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import save_tiny_bert

from weamlib.core.errors import ConfigError
from weamlib.eval.probe import (
    encode_words,
    ensure_probe,
    held_out,
    one_to_one,
    plot_layers,
    probe_model,
    resolve_layers,
    retrieval_accuracy,
    sentence_retrieval,
    word_retrieval,
    word_retrieval_accuracy,
)

# --------------------------------------------------------------------------- pure metrics


def _random(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize("center", [True, False])
def test_identical_vectors_give_100(center):
    x = _random(20)
    assert retrieval_accuracy(x, x.copy(), center=center) == 100.0


@pytest.mark.parametrize("center", [True, False])
def test_permuted_targets_score_the_fixed_points(center):
    x = _random(10)
    perm = np.array([0, 1, 2, 4, 3, 6, 5, 8, 9, 7])  # 3 fixed points
    assert retrieval_accuracy(x, x[perm], center=center) == pytest.approx(30.0)
    assert retrieval_accuracy(x, x[::-1].copy(), center=center) == 0.0


def test_centring_removes_a_common_offset():
    # src_i = e_i + 5 e_0: uncentred, every src row is closest to tgt_0 = e_0
    tgt = np.eye(4)
    src = tgt + 5 * np.eye(4)[0]
    assert retrieval_accuracy(src, tgt, center=False) == pytest.approx(25.0)
    assert retrieval_accuracy(src, tgt, center=True) == pytest.approx(100.0)


def test_ties_split_the_credit_and_nan_rows_are_dropped():
    same = np.ones((4, 3))
    assert retrieval_accuracy(same, same, center=False) == pytest.approx(25.0)
    assert retrieval_accuracy(same, same, center=True) == pytest.approx(25.0)  # zero vectors
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # rows 0 and 1 tie: 1/2 + 1/2 + 1
    assert retrieval_accuracy(x, x, center=False) == pytest.approx(200 / 3)
    y = _random(5)
    y_nan = y.copy()
    y_nan[2, 0] = np.nan
    assert retrieval_accuracy(y, y_nan) == 100.0
    assert np.isnan(retrieval_accuracy(np.zeros((0, 3)), np.zeros((0, 3))))
    with pytest.raises(ValueError):
        retrieval_accuracy(_random(3), _random(4))


def test_one_to_one_links():
    links = {(0, 0), (1, 1), (1, 2), (2, 3), (3, 3), (4, 5)}
    assert one_to_one(links) == [(0, 0), (4, 5)]
    assert one_to_one(set()) == []


def test_word_retrieval_accuracy_on_hand_built_words():
    e = np.eye(6)
    # sentence 0: 3 English words, 2 xx words; sentence 1: 2 and 2
    src = [e[[0, 1, 5]], e[[2, 3]]]
    # xx word vectors: the partners of en words 0, 2 and 3 are exact copies; en word 1's
    # partner is a copy of en word 3 (so it is retrieved by en word 3 as well: a tie)
    tgt = [e[[0, 3]], e[[2, 3]]]
    links = [{(0, 0), (1, 1), (2, 1)}, {(0, 0), (1, 1)}]
    # 1-1 links: (0,0) in sentence 0 and both of sentence 1; (1,1), (2,1) share xx word 1
    assert word_retrieval_accuracy(src, tgt, links, center=False) == pytest.approx(100.0)
    links = [{(0, 0), (1, 1)}, {(0, 0), (1, 1)}]
    # en word 1 (e1) is orthogonal to every candidate: 4-way tie -> 1/4; en word 3 (e3)
    # ties between xx[0][1] (wrong) and xx[1][1] (right) -> 1/2
    expected = 100 * (1 + 0.25 + 1 + 0.5) / 4
    assert word_retrieval_accuracy(src, tgt, links, center=False) == pytest.approx(expected)
    swapped = [[(j, i) for i, j in sent] for sent in links]
    # xx -> en: e0, e2 and sentence 1's e3 find their copies; sentence 0's e3 finds the
    # English e3 of sentence 1, not its partner e1
    assert word_retrieval_accuracy(tgt, src, swapped, center=False) == pytest.approx(75.0)
    assert word_retrieval_accuracy(src, tgt, links, center=False, max_words=1) == 100.0


# --------------------------------------------------------------------------- tiny model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random BERT (hidden 32, 2 layers) with the smoke suite's 300-piece tokenizer,
    saved as a model folder; returns (model, tokenizer, model_dir, suite)."""
    from weamlib.data.tokenize import ensure_tokenizer
    from weamlib.store.runs import RunStore
    from weamlib.synth.suite import ensure_suite

    store = RunStore(tmp_path_factory.mktemp("runs"))
    suite = ensure_suite("smoke", 0, store)
    tokenizer = ensure_tokenizer(suite, 300, store)
    model_dir = tmp_path_factory.mktemp("model")
    model = save_tiny_bert(model_dir, tokenizer, layers=2, seed=0)
    return model, tokenizer, model_dir, suite


def _english(suite, n: int) -> list[list[str]]:
    from weamlib.data.suitefiles import load_parallel, suite_languages

    pairs, _ = load_parallel(suite, suite_languages(suite)[1])
    seen, out = set(), []
    for en, _ in pairs:
        if tuple(en) not in seen:
            seen.add(tuple(en))
            out.append(en)
    return out[:n]


def test_encode_words_shapes_and_means_of_pieces(tiny):
    import torch

    model, tokenizer, _, suite = tiny
    sentences = _english(suite, 6)
    sentences[2] = ["the", "\x07", "bird"]  # a word the tokenizer drops entirely
    enc = encode_words(model, tokenizer, sentences, batch_size=4)
    assert enc.layers == (0, 1, 2)
    assert enc.sentences.shape == (6, 3, 32)
    assert [w.shape for w in enc.words] == [(3, len(s), 32) for s in sentences]
    assert np.isnan(enc.words[2][:, 1]).all() and not np.isnan(enc.words[2][:, [0, 2]]).any()
    for k in (0, 2, 5):
        batch = tokenizer([sentences[k]], is_split_into_words=True, return_tensors="pt")
        with torch.inference_mode():
            states = model.bert(**batch, output_hidden_states=True).hidden_states
        states = torch.stack(states)[:, 0].numpy()  # (3, tokens, 32)
        ids = batch.word_ids(0)
        for w in range(len(sentences[k])):
            pieces = [t for t, i in enumerate(ids) if i == w]
            if pieces:
                manual = states[:, pieces].mean(axis=1)
                np.testing.assert_allclose(enc.words[k][:, w], manual, atol=1e-5)
        content = [t for t, i in enumerate(ids) if i is not None]
        np.testing.assert_allclose(enc.sentences[k], states[:, content].mean(axis=1), atol=1e-5)
    # batching and padding change nothing; a selection keeps the chosen words in order
    alone = encode_words(model, tokenizer, sentences, batch_size=1, layers=[2], words=[[1, 0]] * 6)
    assert alone.layers == (2,) and alone.words[0].shape == (1, 2, 32)
    np.testing.assert_allclose(alone.sentences[:, 0], enc.sentences[:, 2], atol=1e-5)
    np.testing.assert_allclose(alone.words[0][0], enc.words[0][2][[1, 0]], atol=1e-5)
    sents, words = enc.layer(1)
    assert sents.shape == (6, 32) and words[0].shape == (len(sentences[0]), 32)
    assert not model.training


def test_resolve_layers(tiny):
    model = tiny[0]
    assert resolve_layers(model) == (0, 1, 2)
    assert resolve_layers(model, [2, 0]) == (0, 2)
    for bad in ("last", [3], [-1], []):
        with pytest.raises(ConfigError):
            resolve_layers(model, bad)


def test_a_sentence_paired_with_itself_is_always_retrieved(tiny):
    model, tokenizer, _, suite = tiny
    sentences = _english(suite, 40)
    pairs = [(s, list(s)) for s in sentences]
    frame = sentence_retrieval(model, tokenizer, pairs)
    assert list(frame.columns) == ["layer", "direction", "accuracy", "n"]
    assert len(frame) == 3 * 2 and set(frame["direction"]) == {"en→xx", "xx→en"}
    assert (frame["accuracy"] == 100.0).all() and (frame["n"] == 40).all()
    assert set(sentence_retrieval(model, tokenizer, pairs, n=5)["n"]) == {5}

    gold = [{(i, i) for i in range(len(s))} for s in sentences]
    words = word_retrieval(model, tokenizer, pairs, gold, max_words=150)
    assert (words["n"] == 150).all()
    by_layer = words.groupby("layer")["precision_at_1"].min()
    # contextual layers tell every occurrence apart; at layer 0 the same word at the same
    # position in two sentences has the same vector, and such ties split the credit
    assert by_layer[1] == 100.0 and by_layer[2] == 100.0
    assert 0 < by_layer[0] < 100.0


def test_probe_model_rows(tiny):
    from weamlib.data.suitefiles import suite_languages

    model, tokenizer, model_dir, suite = tiny
    langs = suite_languages(suite)[1:3]
    frame = probe_model(model_dir, suite, langs, n_sentences=60, max_words=200, device="cpu")
    assert list(frame.columns) == [
        "language",
        "layer",
        "direction",
        "task",
        "metric",
        "value",
        "n",
    ]
    assert len(frame) == len(langs) * 3 * 2 * 2
    assert frame["value"].between(0, 100).all()
    assert set(frame["task"]) == {"sentence_retrieval", "word_retrieval"}
    metric = dict(zip(frame["task"], frame["metric"], strict=True))
    assert metric == {"sentence_retrieval": "accuracy", "word_retrieval": "precision_at_1"}
    sent = frame[frame["task"] == "sentence_retrieval"]
    assert (sent["n"] == 60).all()
    assert (frame[frame["task"] == "word_retrieval"]["n"] <= 200).all()
    # the loaded model gives the same numbers as the saved one; an offset moves the slice
    same = probe_model(
        None, suite, langs, 60, max_words=200, model=model, tokenizer=tokenizer, layers=[0, 2]
    )
    merged = frame.merge(same, on=["language", "layer", "direction", "task"])
    assert len(merged) == len(langs) * 2 * 2 * 2
    np.testing.assert_allclose(merged["value_x"], merged["value_y"], atol=1e-6)
    other = probe_model(None, suite, langs[:1], 60, offset=0, model=model, tokenizer=tokenizer)
    assert len(other) == 12


def test_held_out_slice():
    assert held_out(300, 100) == slice(200, 300)
    assert held_out(300, 100, offset=0) == slice(0, 100)
    for n, offset in ((301, None), (0, None), (100, 250), (10, -1)):
        with pytest.raises(ConfigError):
            held_out(300, n, offset)


def test_ensure_probe_is_cached(tiny, run_store, monkeypatch):
    import weamlib.eval.probe as probe
    from weamlib.data.suitefiles import suite_languages

    _, _, model_dir, suite = tiny
    lang = suite_languages(suite)[1]
    first = ensure_probe(
        model_dir, suite, [lang], 30, store=run_store, layers=[0, 2], max_words=100
    )
    assert len(first) == 2 * 2 * 2
    (folder,) = (run_store.root / "probe").iterdir()
    config = json.loads((folder / "config.json").read_text())["config"]
    assert len(config["model"]) == 64 and len(config["suite"]) == 64
    assert config["languages"] == [lang] and config["n_sentences"] == 30

    def fail(*args, **kwargs):
        raise AssertionError("recomputed a cached probe")

    monkeypatch.setattr(probe, "probe_model", fail)
    again = ensure_probe(
        model_dir, suite, [lang], 30, store=run_store, layers=[0, 2], max_words=100
    )
    assert again.to_dict(orient="records") == first.to_dict(orient="records")


def test_plot_layers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    rows = [
        {
            "model": model,
            "language": lang,
            "layer": layer,
            "direction": direction,
            "task": task,
            "metric": "m",
            "value": 10.0 * layer,
            "n": 5,
        }
        for model in ("base", "weam")
        for lang in ("vela", "dorn")
        for layer in range(3)
        for direction in ("en→xx", "xx→en")
        for task in ("sentence_retrieval", "word_retrieval")
    ]
    frame = pd.DataFrame(rows)
    fig = plot_layers(frame)
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["sentence retrieval", "word retrieval"]
    plt.close(fig)
    fig = plot_layers(frame.drop(columns="model"), direction="en→xx", tasks=["word_retrieval"])
    assert len(fig.axes) == 1
    plt.close(fig)
    with pytest.raises(ConfigError):
        plot_layers(frame, direction="both")
