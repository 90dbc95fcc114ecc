"""NLI fine-tuning (XNLI format) under the zero-shot protocol, and accuracy."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
import torch
from conftest import save_tiny_bert

from weamlib.core.errors import ConfigError
from weamlib.data.formats import NLI_LABELS, NLIExample
from weamlib.data.suitefiles import load_nli, suite_languages
from weamlib.store.runs import RunStore
from weamlib.synth.suite import ensure_suite
from weamlib.train import finetune
from weamlib.train.finetune import (
    FRAME_COLUMNS,
    NLIFinetuneConfig,
    ensure_nli_finetune,
    finetune_nli,
    model_digest,
    nli_frame,
    nli_logits,
    predict_nli,
)
from weamlib.train.metrics import accuracy

# One thread: the runs are tiny, and results then do not depend on the machine's core count.
FAST = NLIFinetuneConfig(epochs=2, learning_rate=3e-3, threads=1)

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    return RunStore(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def suite(module_store):
    return ensure_suite("smoke", 0, module_store)


def save_tiny_model(folder, tok, seed=0):
    save_tiny_bert(folder, tok, layers=1, seed=seed)
    return folder


@pytest.fixture(scope="module")
def tokenizer(suite, module_store):
    from weamlib.data.tokenize import ensure_tokenizer

    return ensure_tokenizer(suite, 1000, module_store)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tokenizer):
    return save_tiny_model(tmp_path_factory.mktemp("model"), tokenizer)


CUES = {"entailment": "red", "neutral": "blue", "contradiction": "green"}
WORDS = ["the", "farmer", "held", "old", "key", "house", "park", "yesterday"]


def toy(n, seed, cues=CUES):
    """A task the tiny model learns in a few dozen steps: a colour word (x3) gives the label."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.choice(NLI_LABELS)
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
        hyp = [cues[label]] * 3 + words[: rng.randint(0, 5)]
        out.append(NLIExample(" ".join(words), " ".join(hyp), label))
    return out


@pytest.fixture(scope="module")
def toy_trained(model_dir):
    """A model fine-tuned on the toy task (it learns it), with its history. The segment-mean
    head: through BERT's random pooler the [CLS] head of this 1-layer, 32-wide model stops
    at two classes of three (68.9 %) on three seeds of four, with the Trainer and the plain
    loop alike; the segment means learn it on every seed."""
    cfg = dataclasses.replace(FAST, epochs=4, head="pair-mean")
    return finetune_nli(model_dir, toy(600, 0), toy(90, 1), cfg)


def without_seconds(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


# --------------------------------------------------------------------------- accuracy


def test_accuracy_hand_worked():
    e, n, c = NLI_LABELS
    assert accuracy([e], [e]) == 100.0
    assert accuracy([e, n, c, e], [e, n, e, n]) == 50.0
    assert accuracy([e, n, c], [c, e, n]) == 0.0
    assert accuracy((e, n, c), [e, n, n]) == pytest.approx(200 / 3)


def test_accuracy_errors_name_lengths_and_labels():
    e, n, _ = NLI_LABELS
    with pytest.raises(ValueError, match=r"2 gold, 1 predicted"):
        accuracy([e, n], [e])
    with pytest.raises(ValueError, match=r"'contradictory'"):
        accuracy([e, n], [e, "contradictory"])
    with pytest.raises(ValueError, match=r"'maybe'.*position 1"):
        accuracy([e, "maybe"], [e, n])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("learning_rate", 0),
        ("learning_rate", -1e-3),
        ("learning_rate", float("nan")),
        ("learning_rate", "3e-4"),
        ("epochs", 0),
        ("epochs", 1.5),
        ("batch_size", 0),
        ("max_length", 2),
        ("warmup_ratio", 1.0),
        ("warmup_ratio", -0.1),
        ("weight_decay", -0.01),
        ("seed", -1),
        ("seed", True),
        ("train_limit", 0),
        ("eval_batch_size", 0),
        ("threads", 0),
        ("freeze_embeddings", 1),
        ("group_by_length", "yes"),
    ],
)
def test_config_errors_name_the_parameter(field, value):
    with pytest.raises(ConfigError, match=rf"finetune\.{field} must be"):
        NLIFinetuneConfig(**{field: value})


def test_config_defaults():
    cfg = NLIFinetuneConfig()
    assert (cfg.learning_rate, cfg.epochs, cfg.batch_size, cfg.max_length) == (3e-4, 5, 32, 128)
    assert (cfg.warmup_ratio, cfg.weight_decay, cfg.seed) == (0.1, 0.01, 0)
    assert (cfg.train_limit, cfg.eval_batch_size, cfg.threads) == (None, 256, None)


# --------------------------------------------------------------------------- training


def test_finetune_learns_a_learnable_task(toy_trained):
    model, tok, history = toy_trained
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert set(history[0]) == {"epoch", "train_loss", "dev_accuracy", "seconds"}
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert max(h["dev_accuracy"] for h in history) >= 90
    dev = toy(90, 1)
    # the returned model is the selected one: its dev accuracy is the best epoch's
    assert accuracy([e.label for e in dev], predict_nli(model, tok, dev)) == pytest.approx(
        max(h["dev_accuracy"] for h in history)
    )


def test_the_task_model_is_loaded_onto_the_studys_device(model_dir, monkeypatch):
    """Fine-tuning trains where pre-training and the probes run (a GPU when there is one):
    the loaded model is moved to ``default_device()`` ("meta" stands in for a GPU here)."""
    monkeypatch.setattr(finetune, "default_device", lambda: "meta")
    model, _ = finetune._load(finetune.NLI.model_class(FAST), model_dir, False, 128)
    assert {p.device.type for p in model.parameters()} == {"meta"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fine_tuning_learns_on_the_gpu_and_scores_there(toy_trained):
    """On a CUDA machine the toy task is learnt on the GPU (bf16 under ``auto``) and the
    returned, selected model scores its own best dev accuracy there."""
    model, tok, history = toy_trained
    assert next(model.parameters()).device.type == "cuda"
    assert max(h["dev_accuracy"] for h in history) >= 90
    dev = toy(90, 1)
    assert accuracy([e.label for e in dev], predict_nli(model, tok, dev)) == pytest.approx(
        max(h["dev_accuracy"] for h in history)
    )


def test_same_seed_same_results_other_seed_differs(model_dir):
    cfg = dataclasses.replace(FAST, epochs=1)
    train, dev = toy(200, 0), toy(60, 1)
    runs = [
        finetune_nli(model_dir, train, dev, c) for c in (cfg, cfg, dataclasses.replace(cfg, seed=1))
    ]
    logits = [nli_logits(m, t, dev) for m, t, _ in runs]
    assert without_seconds(runs[0][2]) == without_seconds(runs[1][2])
    np.testing.assert_array_equal(logits[0], logits[1])
    assert not np.array_equal(logits[0], logits[2])


def test_length_grouped_batches_learn_reproducibly_and_change_the_order(model_dir):
    cfg = dataclasses.replace(FAST, epochs=4, head="pair-mean", group_by_length=True)
    train, dev = toy(600, 0), toy(90, 1)
    runs = [finetune_nli(model_dir, train, dev, c)
            for c in (cfg, cfg, dataclasses.replace(cfg, group_by_length=False))]  # fmt: skip
    grouped, again, random = (without_seconds(h) for _, _, h in runs)
    assert grouped == again
    assert grouped != random  # the loop trained on other batches
    assert max(h["dev_accuracy"] for h in grouped) >= 90


def test_frozen_embeddings_stay_as_pre_trained_and_the_rest_trains(model_dir):
    import torch
    from transformers import BertForMaskedLM

    before = BertForMaskedLM.from_pretrained(str(model_dir)).bert.state_dict()
    cfg = dataclasses.replace(FAST, epochs=1, head="pair-mean")
    train, dev = toy(100, 0), toy(30, 1)
    for frozen in (True, False):
        model, _, _ = finetune_nli(
            model_dir, train, dev, dataclasses.replace(cfg, freeze_embeddings=frozen)
        )
        after = finetune.cpu_state(model.bert)  # the model trains on the study's device
        words = "embeddings.word_embeddings.weight"
        assert torch.equal(after[words], before[words]) is frozen
        assert not torch.equal(after["embeddings.position_embeddings.weight"],
                               before["embeddings.position_embeddings.weight"])  # fmt: skip
        assert model.bert.embeddings.word_embeddings.weight.requires_grad is not frozen


def test_selection_uses_the_given_dev_set_and_restores_the_best_epoch(model_dir):
    # Dev labels contradict the training cues: the more the model learns, the worse dev gets,
    # so an early epoch is selected and the returned model is not the last one.
    swapped = {"entailment": "blue", "neutral": "green", "contradiction": "red"}
    dev = toy(90, 1, cues=swapped)
    cfg = dataclasses.replace(FAST, epochs=4)
    model, tok, history = finetune_nli(model_dir, toy(600, 0), dev, cfg)
    scores = [h["dev_accuracy"] for h in history]
    best = max(scores)
    assert scores[-1] < best  # the last epoch is not the best: restoring it matters
    assert accuracy([e.label for e in dev], predict_nli(model, tok, dev)) == pytest.approx(best)


def test_finetune_rejects_empty_sets_and_unlabelled_items(model_dir):
    with pytest.raises(ValueError, match="no training examples"):
        finetune_nli(model_dir, [], toy(5, 1), FAST)
    with pytest.raises(ValueError, match="no dev examples"):
        finetune_nli(model_dir, toy(5, 0), [], FAST)
    with pytest.raises(ValueError, match=r"train example 0 has label ''"):
        finetune_nli(model_dir, [NLIExample("a", "b", "")], toy(5, 1), FAST)


def test_finetune_refuses_a_folder_without_encoder_weights(tmp_path, model_dir):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "broken"
    folder.mkdir()
    for f in model_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    weights = load_file(str(folder / "model.safetensors"))
    kept = {k: v for k, v in weights.items() if "encoder.layer.0.attention" not in k}
    save_file(kept, str(folder / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"missing or mismatched: .*encoder\.layer\.0\.attention"):
        finetune_nli(folder, toy(10, 0), toy(5, 1), FAST)


# --------------------------------------------------------------------------- inference


def test_predict_returns_input_order(toy_trained):
    model, tok, _ = toy_trained
    examples = toy(40, 7)
    assert len({len(e.premise) for e in examples}) > 5  # lengths vary: sorting reorders
    # fp32: batches of other shapes round alike only there (bf16 differs in the 3rd digit)
    batched = nli_logits(model, tok, examples, batch_size=7, precision="fp32")
    one_by_one = np.concatenate(
        [nli_logits(model, tok, [e], batch_size=1, precision="fp32") for e in examples]
    )
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    labels = predict_nli(model, tok, examples, batch_size=7, precision="fp32")
    assert labels == [NLI_LABELS[i] for i in one_by_one.argmax(-1)]
    assert labels == [predict_nli(model, tok, [e], precision="fp32")[0] for e in examples]
    assert len(set(labels)) == 3
    assert predict_nli(model, tok, []) == []


# --------------------------------------------------------------------------- cached runs


def test_ensure_runs_end_to_end_and_is_cached(model_dir, suite, run_store, monkeypatch):
    run = ensure_nli_finetune(model_dir, suite, FAST, store=run_store)
    langs = suite_languages(suite)
    assert set(run.results["scores"]["accuracy"]) == {"dev", "test"}
    for split in ("dev", "test"):
        assert sorted(run.results["scores"]["accuracy"][split]) == sorted(langs)
        assert all(0 <= v <= 100 for v in run.results["scores"]["accuracy"][split].values())
    assert len(run.results["history"]) == 2 and run.results["best_epoch"] in (1, 2)
    assert run.results["train_examples"] == len(load_nli(suite, "train", "en"))
    assert run.results["train_languages"] == ["en"] and run.results["seconds"] > 0
    assert run.config["setting"] == "zero-shot" and run.config["seed"] == 0
    assert run.config["model"] == model_digest(model_dir)
    assert not (run.path / "model").exists()  # no weights unless asked
    # English dev in the results is the selected epoch's score
    best = max(h["dev_accuracy"] for h in run.results["history"])
    assert run.results["scores"]["accuracy"]["dev"]["en"] == pytest.approx(best)

    def boom(*args, **kwargs):
        raise AssertionError("a cached run must not train again")

    monkeypatch.setattr(finetune, "finetune", boom)
    again = ensure_nli_finetune(model_dir, suite, FAST, store=run_store)
    assert again.path == run.path and again.results == run.results


def test_the_translate_train_budget_keys_only_runs_that_combine_languages(model_dir, suite):
    """A zero-shot or one-language run trains on one language, so the budget for
    combining several (``translate_train``) must not make it a new run."""

    def key(mode, setting, **kw):
        cfg = dataclasses.replace(FAST, translate_train=mode)
        return finetune.finetune_spec(finetune.NLI, model_dir, suite, cfg, setting=setting,
                                      **kw).config  # fmt: skip

    target = suite_languages(suite)[1]
    assert key("mix", "zero-shot") == key("en+mix", "zero-shot") == key("union", "zero-shot")
    one = {"languages": [target], "train_languages": [target]}
    assert key("mix", finetune.ONE_LANGUAGE, **one) == key("union", finetune.ONE_LANGUAGE, **one)
    assert key("mix", "translate-train") != key("en+mix", "translate-train")
    assert key("en+mix", "translate-train")["translate_train"] == "en+mix"


def _spy_on_training(monkeypatch, task_name: str):
    """Record every suite file the task loads, and what :func:`finetune.finetune` was given
    and had read once training and selection were over. Returns ``(reads, seen)``: the
    ``(split, lang)`` loads in order, and ``seen`` with ``reads``, ``train``, ``dev`` and
    ``kwargs`` of the (last) training call."""
    reads, seen = [], {}
    task = getattr(finetune, task_name)
    real_load, real_finetune = task.load, finetune.finetune

    def spy_load(suite_, split, lang):
        reads.append((split, lang))
        return real_load(suite_, split, lang)

    def spy_finetune(task_, model_dir_, train, dev, cfg, **kwargs):
        result = real_finetune(task_, model_dir_, train, dev, cfg, **kwargs)
        seen.update(reads=list(reads), train=list(train), dev=list(dev), kwargs=kwargs)
        return result

    monkeypatch.setattr(finetune, task_name, dataclasses.replace(task, load=spy_load))
    monkeypatch.setattr(finetune, "finetune", spy_finetune)
    return reads, seen


def test_zero_shot_reads_only_english_until_selection_is_over(
    model_dir, suite, run_store, monkeypatch
):
    reads, seen_by_training = _spy_on_training(monkeypatch, "NLI")
    cfg = dataclasses.replace(FAST, epochs=1)
    ensure_nli_finetune(model_dir, suite, cfg, store=run_store)
    assert sorted(set(seen_by_training["reads"])) == [("dev", "en"), ("train", "en")]
    assert seen_by_training["dev"] == load_nli(suite, "dev", "en")
    # afterwards every language is scored (the oracle sensitivity reads target dev then too)
    assert {lang for split, lang in reads if split == "test"} == set(suite_languages(suite))
    assert {lang for split, lang in reads if split == "dev"} == set(suite_languages(suite))


def test_translate_train_adds_target_training_sets(model_dir, suite, run_store):
    cfg = dataclasses.replace(FAST, epochs=1, train_limit=50)
    run = ensure_nli_finetune(
        model_dir,
        suite,
        cfg,
        languages=["en", "vela"],
        splits=["test"],
        store=run_store,
        setting="translate-train",
        save_model=True,
    )
    # same budget as zero-shot: item i in English (even i) or Vela (odd i)
    assert run.results["train_examples"] == 50
    assert run.results["train_languages"] == ["en", "vela"]
    assert list(run.results["scores"]["accuracy"]) == ["test"]
    assert sorted(run.results["scores"]["accuracy"]["test"]) == ["en", "vela"]
    assert (run.path / "model" / "config.json").is_file()
    assert (run.path / "model" / "tokenizer.json").is_file()


def test_translate_train_one_trains_selects_and_scores_one_language(
    model_dir, suite, run_store, monkeypatch
):
    _, seen = _spy_on_training(monkeypatch, "NLI")
    cfg = dataclasses.replace(FAST, epochs=1, train_limit=40)
    run = ensure_nli_finetune(
        model_dir, suite, cfg, languages=["vela"], train_languages=["vela"], store=run_store,
        setting=finetune.ONE_LANGUAGE,
    )  # fmt: skip
    # no English, no other language: Vela's translated training set and Vela's dev set
    assert sorted(set(seen["reads"])) == [("dev", "vela"), ("translate-train", "vela")]
    assert seen["train"] == load_nli(suite, "translate-train", "vela")[:40]
    assert (
        seen["dev"] == load_nli(suite, "dev", "vela") and seen["kwargs"]["dev_language"] == "vela"
    )
    assert run.results["train_languages"] == ["vela"] and run.results["train_examples"] == 40
    assert {split: sorted(v) for split, v in run.results["scores"]["accuracy"].items()} == {
        "dev": ["vela"],
        "test": ["vela"],
    }
    assert "oracle_scores" not in run.results  # a sensitivity of zero-shot only
    best = max(h["dev_accuracy"] for h in run.results["history"])
    assert run.results["scores"]["accuracy"]["dev"]["vela"] == pytest.approx(best)
    frame = finetune.results_frame({"base": run})
    assert set(frame.setting) == {"translate-train-one"} and set(frame.language) == {"vela"}
    for bad in ({"languages": ["en"]}, {"languages": ["en", "vela", "dorn"]},
                {"languages": ["en", "vela"], "train_languages": ["en", "vela"]},
                {"languages": ["dorn"], "train_languages": ["vela"]}):  # fmt: skip
        with pytest.raises(ConfigError, match="translate-train-one"):
            ensure_nli_finetune(model_dir, suite, cfg, store=run_store,
                                setting=finetune.ONE_LANGUAGE, **bad)  # fmt: skip


def test_ensure_rejects_bad_arguments(model_dir, suite, run_store):
    with pytest.raises(ConfigError, match="setting"):
        ensure_nli_finetune(model_dir, suite, FAST, store=run_store, setting="few-shot")
    with pytest.raises(ConfigError, match=r"splits: unknown value 'train'"):
        ensure_nli_finetune(model_dir, suite, FAST, store=run_store, splits=["train"])
    with pytest.raises(ConfigError, match=r"languages: unknown value 'xx'"):
        ensure_nli_finetune(model_dir, suite, FAST, store=run_store, languages=["en", "xx"])
    with pytest.raises(ConfigError, match="non-English"):
        ensure_nli_finetune(
            model_dir, suite, FAST, store=run_store, languages=["en"], setting="translate-train"
        )
    assert not (run_store.root / "finetune_nli").exists() or not any(
        (run_store.root / "finetune_nli").iterdir()
    )


def test_model_digest_follows_weights_and_config(tmp_path, tokenizer, model_dir):
    a = model_digest(model_dir)
    assert a == model_digest(model_dir)
    other = save_tiny_model(tmp_path / "other", tokenizer, seed=1)
    assert model_digest(other) != a
    with pytest.raises(FileNotFoundError, match="config.json"):
        model_digest(tmp_path)


def test_nli_frame_is_tidy(model_dir, suite, run_store):
    cfg = dataclasses.replace(FAST, epochs=1, train_limit=60)
    runs = [
        ensure_nli_finetune(model_dir, suite, dataclasses.replace(cfg, seed=s), store=run_store)
        for s in (0, 1)
    ]
    frame = nli_frame({"base": runs, "again": runs[0]})
    assert list(frame.columns) == list(FRAME_COLUMNS)
    n_langs = len(suite_languages(suite))
    n_cells = 2 * n_langs + 2 * (n_langs - 1)  # English-selected, oracle-selected targets
    assert len(frame) == 3 * n_cells
    assert set(frame["task"]) == {"xnli"} and set(frame["metric"]) == {"accuracy"}
    assert set(frame["setting"]) == {"zero-shot", finetune.ORACLE_SETTING}
    oracle = frame[frame.setting == finetune.ORACLE_SETTING]
    assert "en" not in set(oracle.language)
    # one epoch: the target's own dev selects the only epoch there is, as English dev does
    same = oracle.merge(frame[frame.setting == "zero-shot"], on=["model", "language", "split",
                        "seed", "metric"])  # fmt: skip
    assert len(same) == len(oracle) and (same.value_x == same.value_y).all()
    assert set(runs[0].results["oracle_scores"]["epoch"].values()) == {1}
    assert sorted(frame.loc[frame.model == "base", "seed"].unique()) == [0, 1]
    row = frame[(frame.model == "again") & (frame.split == "test") & (frame.language == "vela")
                & (frame.setting == "zero-shot")]  # fmt: skip
    assert row["value"].item() == runs[0].results["scores"]["accuracy"]["test"]["vela"]


def test_oracle_scores_are_each_targets_best_epoch(model_dir, suite, run_store):
    cfg = dataclasses.replace(FAST, epochs=3, train_limit=60)
    run = ensure_nli_finetune(model_dir, suite, cfg, store=run_store)
    oracle, scores = run.results["oracle_scores"], run.results["scores"]["accuracy"]
    selected = run.results["best_epoch"]
    for lang, epoch in oracle["epoch"].items():
        assert lang != "en" and 1 <= epoch <= 3
        # the English-selected epoch is one of the candidates: the target's own dev is at
        # least as good at its best epoch, and at that epoch it is the run's own score
        assert oracle["accuracy"]["dev"][lang] >= scores["dev"][lang]
        if epoch == selected:
            assert oracle["accuracy"]["test"][lang] == scores["test"][lang]


def test_oracle_selection_picks_each_languages_own_best_dev_epoch():
    dev = [
        {"accuracy": {"x": 40.0, "y": 50.0}},
        {"accuracy": {"x": 45.0, "y": 50.0}},  # y ties: the first epoch
        {"accuracy": {"x": 44.0, "y": 49.0}},
    ]
    test = [
        {"accuracy": {"x": 41.0, "y": 52.0}},
        {"accuracy": {"x": 39.0, "y": 48.0}},
        {"accuracy": {"x": 47.0, "y": 60.0}},
    ]
    asked = []

    def test_at(i, langs):
        asked.append((i, langs))
        return test[i]

    out = finetune.oracle_selection(dev, "accuracy", test_at)
    assert out["epoch"] == {"x": 2, "y": 1}
    assert out["accuracy"] == {"dev": {"x": 45.0, "y": 50.0}, "test": {"x": 39.0, "y": 52.0}}
    assert list(out["accuracy"]["test"]) == ["x", "y"]  # the languages' order, not the epochs'
    # each selected epoch's test set once, for the languages that chose it; none other
    assert asked == [(0, ["y"]), (1, ["x"])]
    with pytest.raises(ValueError, match="at least one epoch"):
        finetune.oracle_selection([], "accuracy", test_at)


def test_translate_train_items_mix_en_mix_and_union():
    per = {"en": ["e0", "e1", "e2", "e3", "e4"], "vela": ["v0", "v1", "v2", "v3", "v4"]}
    per["dorn"] = ["d0", "d1", "d2", "d3", "d4"]
    assert finetune.translate_train_items(per) == ["e0", "v1", "d2", "e3", "v4"]
    assert finetune.translate_train_items(per, "union")[5:7] == ["v0", "v1"]
    assert len(finetune.translate_train_items(per, "union")) == 15
    # English in full, then one translation per item, the targets taking turns
    assert finetune.translate_train_items(per, "en+mix") == [
        "e0", "e1", "e2", "e3", "e4", "v0", "d1", "v2", "d3", "v4"
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="at least one target"):
        finetune.translate_train_items({"en": per["en"]}, "en+mix")
    with pytest.raises(ValueError, match="'vela' has 4 items, English has 5"):
        finetune.translate_train_items({"en": per["en"], "vela": per["vela"][:4]})
    with pytest.raises(ConfigError, match="translate_train"):
        NLIFinetuneConfig(translate_train="all")


def test_translate_train_reads_the_translations_of_the_english_items(suite):
    en, vela = load_nli(suite, "train", "en"), load_nli(suite, "translate-train", "vela")
    assert len(en) == len(vela)
    assert [e.label for e in en] == [v.label for v in vela]  # item i is one meaning


# --------------------------------------------------------------------------- heads and QA


def test_pair_mean_head_reads_the_two_segment_means(model_dir):
    import torch

    from weamlib.models.heads import BertForPairClassification, segment_means

    hidden = torch.arange(2 * 5 * 2, dtype=torch.float).view(2, 5, 2)
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])
    types = torch.tensor([[0, 0, 1, 1, 0], [0, 1, 1, 1, 1]])
    u, v = segment_means(hidden, mask, types)
    assert u[0].tolist() == hidden[0, :2].mean(0).tolist()
    assert v[0].tolist() == hidden[0, 2:4].mean(0).tolist()  # padding (position 4) left out
    assert v[1].tolist() == hidden[1, 1:].mean(0).tolist()
    model, info = BertForPairClassification.from_pretrained(
        str(model_dir), num_labels=3, output_loading_info=True
    )
    assert all(k.startswith("classifier.") for k in info["missing_keys"])
    model.eval()
    ids = torch.tensor([[2, 10, 11, 3, 12, 3]])
    tt = torch.tensor([[0, 0, 0, 0, 1, 1]])
    out = model(input_ids=ids, token_type_ids=tt, labels=torch.tensor([1]))
    states = model.bert(input_ids=ids, token_type_ids=tt).last_hidden_state
    u, v = states[:, :4].mean(1), states[:, 4:].mean(1)
    want = model.classifier(torch.cat([u, v, (u - v).abs(), u * v], -1))
    assert torch.allclose(out.logits, want, atol=1e-6)
    assert out.loss.item() == pytest.approx(
        torch.nn.functional.cross_entropy(want, torch.tensor([1])).item(), abs=1e-5
    )


def test_pair_mean_head_learns_the_toy_task(model_dir):
    cfg = dataclasses.replace(FAST, epochs=4, head="pair-mean")
    model, tok, history = finetune_nli(model_dir, toy(600, 0), toy(90, 1), cfg)
    assert type(model).__name__ == "BertForPairClassification"
    assert max(h["dev_accuracy"] for h in history) > 80


def test_aligned_differences_hand_worked():
    import torch

    from weamlib.models.heads import aligned_differences

    # row 0: one premise token p, two hypothesis tokens q, q, one padding token (huge, ignored)
    # row 1: no hypothesis at all (its pooled hypothesis gaps are 0, not -inf)
    p, q = [1.0, -2.0], [3.0, 0.5]
    hidden = torch.tensor([[p, q, q, [1e4, 1e4]], [p, q, q, q]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]])
    types = torch.tensor([[0, 1, 1, 1], [0, 0, 0, 0]])
    out = aligned_differences(hidden, mask, types)
    assert out.shape == (2, 8)
    gap = [abs(a - b) for a, b in zip(q, p, strict=True)]  # [2.0, 2.5]
    # a one-token segment is every other token's whole alignment, so every gap is exact:
    # hypothesis tokens against p (max and mean alike), p against q (the two q are equal)
    assert out[0].tolist() == pytest.approx(gap + gap + gap + gap)
    assert out[1, :4].tolist() == [0.0] * 4  # no segment 1: its max and mean are 0
    # segment 0 aligns against an empty segment 1: a uniform mean of nothing counted (the
    # softmax spreads over the masked row), still finite
    assert torch.isfinite(out[1]).all()


def test_pair_align_head_reads_the_means_and_the_aligned_gaps(model_dir):
    import torch

    from weamlib.models.heads import (
        BertForPairAlignClassification,
        aligned_differences,
        segment_means,
    )

    model = BertForPairAlignClassification.from_pretrained(str(model_dir), num_labels=3)
    assert model.classifier.in_features == 8 * model.config.hidden_size
    model.eval()
    ids = torch.tensor([[2, 10, 11, 3, 12, 3], [2, 10, 3, 11, 3, 0]])
    tt = torch.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]])
    am = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]])
    out = model(input_ids=ids, token_type_ids=tt, attention_mask=am, labels=torch.tensor([1, 2]))
    states = model.bert(input_ids=ids, token_type_ids=tt, attention_mask=am).last_hidden_state
    u, v = segment_means(states, am, tt)
    gaps = aligned_differences(states, am, tt)
    want = model.classifier(torch.cat([u, v, (u - v).abs(), u * v, gaps], -1))
    assert torch.allclose(out.logits, want, atol=1e-5)
    assert out.logits.shape == (2, 3)


def test_pair_align_head_learns_the_toy_task(model_dir):
    cfg = dataclasses.replace(FAST, epochs=4, head="pair-align")
    model, tok, history = finetune_nli(model_dir, toy(600, 0), toy(90, 1), cfg)
    assert type(model).__name__ == "BertForPairAlignClassification"
    assert max(h["dev_accuracy"] for h in history) > 80


QA_FAST = finetune.QAFinetuneConfig(
    epochs=1,
    learning_rate=3e-3,
    threads=1,
    max_length=64,
    doc_stride=16,
    max_query_length=20,
    train_limit=40,
)


def test_qa_run_end_to_end_zero_shot_reads_only_english(model_dir, suite, run_store, monkeypatch):
    _, seen = _spy_on_training(monkeypatch, "QA")
    run = finetune.ensure_qa_finetune(model_dir, suite, QA_FAST, store=run_store)
    assert sorted(set(seen["reads"])) == [("dev", "en"), ("train", "en")]
    langs = suite_languages(suite)
    for metric in ("f1", "exact_match"):
        for split in ("dev", "test"):
            scores = run.results["scores"][metric][split]
            assert sorted(scores) == sorted(langs)
            assert all(0 <= v <= 100 for v in scores.values())
    assert run.results["train_examples"] == 40
    # the kept predictions are what `weamlib evaluate mlqa` reads, and give the same score
    import json

    from weamlib.data.suitefiles import qa_path
    from weamlib.train.metrics import mlqa_evaluate

    pred = json.loads((run.path / "predictions-test-vela.json").read_text(encoding="utf-8"))
    data = json.loads(qa_path(suite, "test", "vela").read_text(encoding="utf-8"))
    assert mlqa_evaluate(data, pred, "vela")["f1"] == pytest.approx(
        run.results["scores"]["f1"]["test"]["vela"]
    )
    frame = finetune.results_frame({"base": run})
    assert set(frame.metric) == {"f1", "exact_match"} and set(frame.task) == {"mlqa"}


def test_qa_translate_train_mixes_languages_by_question(model_dir, suite, run_store):
    cfg = dataclasses.replace(QA_FAST, train_limit=6)
    run = finetune.ensure_qa_finetune(
        model_dir, suite, cfg, store=run_store, setting="translate-train",
        languages=["en", "vela", "dorn"], splits=["test"],
    )  # fmt: skip
    assert run.results["train_languages"] == ["en", "vela", "dorn"]
    assert run.results["train_examples"] == 6
    en = load_qa_items(suite, "train", "en")[:6]
    mixed = finetune.translate_train_items(
        {lang: load_qa_items(suite, "translate-train" if lang != "en" else "train", lang)[:6]
         for lang in ("en", "vela", "dorn")}
    )  # fmt: skip
    assert [e.id for e in mixed] == [e.id for e in en]  # the same questions, other languages
    assert mixed[1].context != en[1].context


def load_qa_items(suite, split, lang):
    from weamlib.data.suitefiles import load_qa

    return load_qa(suite, split, lang)


def test_a_run_without_the_oracle_has_the_same_scores_and_its_own_key(model_dir, suite, run_store):
    cfg = dataclasses.replace(FAST, epochs=2, train_limit=60)
    with_oracle = ensure_nli_finetune(model_dir, suite, cfg, store=run_store)
    scored = []  # the language of every scoring pass of the run without the oracle

    def spy(model, tokenizer, examples, cfg_, lang, dataset=None):
        scored.append(lang)
        return finetune.NLI.score(model, tokenizer, examples, cfg_, lang, dataset)

    task = dataclasses.replace(finetune.NLI, score=spy)  # the same run kind and key
    without = finetune.ensure_finetune(task, model_dir, suite, cfg, store=run_store, oracle=False)
    assert without.path != with_oracle.path  # its own run: the key says whether it ran
    assert "oracle_scores" not in without.results and "oracle_scores" in with_oracle.results
    assert without.results["scores"] == with_oracle.results["scores"]  # same training, picks
    n_langs = len(suite_languages(suite))
    # English dev after each epoch, then dev and test once each: no epoch scored again
    assert len(scored) == cfg.epochs + 2 * n_langs
    frame = finetune.results_frame({"base": without})
    assert set(frame.setting) == {"zero-shot"}
    # where no oracle can run, asking for none is the same run
    args = {"languages": ["en", "vela"], "setting": "translate-train"}
    assert finetune.run_config(finetune.NLI, model_dir, suite, cfg, **args) == (
        finetune.run_config(finetune.NLI, model_dir, suite, cfg, oracle=False, **args)
    )
