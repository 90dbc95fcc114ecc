"""Pre-training on the smoke suite: the CLI, determinism, checkpoints, resume, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from weamlib.core.errors import ConfigError
from weamlib.models import objectives as obj
from weamlib.models.model import ModelSize
from weamlib.study.settings import profile_settings
from weamlib.train.pretrain import (
    PretrainConfig,
    mixture,
    packed_rows,
    sentence_pairs,
    smoothed_counts,
)
from weamlib.train.pretrain_runs import ensure_pretrained, loss_history

TINY = ModelSize(layers=1, hidden=32, heads=2, intermediate=64)
BASE = PretrainConfig("base", steps=12, batch_size=16, logging_steps=4, save_steps=6)


def _cfg(objective, **kw):
    values = dict(steps=8, batch_size=8, logging_steps=2, save_steps=4, heldout_pairs=50)
    return PretrainConfig(objective, **{**values, **kw})


@pytest.fixture(scope="module")
def smoke_suite(tmp_path_factory):
    from weamlib.store.runs import RunStore
    from weamlib.synth.suite import ensure_suite

    return ensure_suite("smoke", 0, RunStore(tmp_path_factory.mktemp("suite-store")))


def test_smoothed_counts_follow_exponent():
    counts = smoothed_counts({"en": 900, "xx": 100}, 1000, 0.7)
    q = 0.9**0.7 / (0.9**0.7 + 0.1**0.7)
    assert counts["en"] + counts["xx"] == 1000
    assert abs(counts["en"] - q * 1000) <= 1
    assert smoothed_counts({"a": 10, "b": 10}, 7, 0.7) in ({"a": 4, "b": 3}, {"a": 3, "b": 4})
    drawn = mixture({"a": [1, 2, 3], "b": [4]}, 10, 1.0, seed=0)
    assert sorted(drawn).count(4) == 2 and len(drawn) == 10


def test_every_objective_trains_and_loads(smoke_suite, run_store):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    for objective in ("mlm_control", "tlm", "word_aligned", "weam"):
        run = ensure_pretrained(smoke_suite, _cfg(objective), TINY, 300, BASE, run_store, False)
        folder = run.file("model")
        for name in ("config.json", "model.safetensors", "tokenizer.json", "trainer_state.json"):
            assert (folder / name).is_file(), name
        model = AutoModelForMaskedLM.from_pretrained(str(folder))
        assert type(model).__name__ == "BertForMaskedLM"
        AutoTokenizer.from_pretrained(str(folder))
        history = loss_history(run)
        assert history and all(torch.isfinite(torch.tensor(h["loss"])) for h in history)
        if objective == "weam":
            assert "cross_loss" in history[-1] and history[-1]["cross_loss"] > 0
    # continued runs share one base model
    assert len(list((run_store.root / "pretrain").iterdir())) == 5


def test_same_seed_same_losses(smoke_suite, tmp_path):
    from weamlib.store.runs import RunStore

    a = ensure_pretrained(smoke_suite, BASE, TINY, 300, None, RunStore(tmp_path / "a"), False)
    b = ensure_pretrained(smoke_suite, BASE, TINY, 300, None, RunStore(tmp_path / "b"), False)
    assert [h["loss"] for h in loss_history(a)] == [h["loss"] for h in loss_history(b)]
    c = ensure_pretrained(
        smoke_suite,
        PretrainConfig(**{**BASE.__dict__, "seed": 1}),
        TINY,
        300,
        None,
        RunStore(tmp_path / "c"),
        False,
    )
    assert [h["loss"] for h in loss_history(a)] != [h["loss"] for h in loss_history(c)]


def test_a_base_on_sentence_pairs_pairs_consecutive_sentences_and_keys_apart(
    smoke_suite, run_store
):
    a, b, c = (1, 2), (3,), (4, 5, 6)
    assert sentence_pairs([a, b, c]) == [obj.PairExample(a, b)]  # the odd last one left out
    pairs = PretrainConfig(**{**BASE.__dict__, "base_rows": "pair", "batch_size": 8})
    assert pairs.key()["base_rows"] == "pair"
    assert "base_rows" not in BASE.key()  # sentence rows keep their keys
    assert "base_rows" not in _cfg("tlm", base_rows="pair").key()  # only the base reads it
    with pytest.raises(
        ConfigError, match="parameter 'base_rows' must be one of sentence, pair, packed"
    ):
        PretrainConfig("base", base_rows="document")
    run = ensure_pretrained(smoke_suite, pairs, TINY, 300, None, run_store, False)
    sentences = ensure_pretrained(smoke_suite, BASE, TINY, 300, None, run_store, False)
    assert run.path != sentences.path
    n_sentences = sentences.results["examples"]
    assert run.results["examples"] == {k: n // 2 for k, n in n_sentences.items()}
    assert all(torch.isfinite(torch.tensor(h["loss"])) for h in loss_history(run))


def test_packed_rows_fill_the_budget_with_consecutive_sentences_cut_into_a_and_b(
    smoke_suite, run_store
):
    s = [(1, 2, 3), (4, 5), (6, 7, 8, 9), (10,), (11, 12, 13), (14, 15)]
    rows = packed_rows(s, budget=9, seed=0)
    # greedy: 3 + 2 + 4 = 9 fits, + 1 does not; 1 + 3 + 2 = 6; nothing left over
    assert [r.src_ids + r.tgt_ids for r in rows] == [tuple(range(1, 10)), tuple(range(10, 16))]
    for row, sentences in zip(rows, (s[:3], s[3:]), strict=True):
        # the cut falls on a sentence boundary, with at least one sentence each side
        ends = {sum(len(x) for x in sentences[:k]) for k in range(1, len(sentences))}
        assert len(row.src_ids) in ends and row.tgt_ids
    assert rows == packed_rows(s, budget=9, seed=0)  # seeded
    cut_sets = {tuple(len(r.src_ids) for r in packed_rows(s, 9, seed)) for seed in range(20)}
    assert len(cut_sets) > 1  # the boundary is drawn, not fixed
    # a last sentence that cannot make a row of two is left out
    assert packed_rows([(1, 2, 3), (4, 5, 6), (7,)], budget=6, seed=0) == [
        obj.PairExample((1, 2, 3), (4, 5, 6))
    ]
    with pytest.raises(ConfigError, match="cannot hold two sentences of 5 pieces"):
        packed_rows([(1, 2, 3, 4, 5), (6,)], budget=9, seed=0)
    # a packed base trains rows as long as the model's positions
    cfg = PretrainConfig(**{**BASE.__dict__, "base_rows": "packed", "batch_size": 4})
    assert cfg.key()["base_rows"] == "packed"
    run = ensure_pretrained(smoke_suite, cfg, TINY, 300, None, run_store, False)
    sentences = ensure_pretrained(smoke_suite, BASE, TINY, 300, None, run_store, False)
    assert run.path != sentences.path
    rows_per_lang, sentences_per_lang = run.results["examples"], sentences.results["examples"]
    assert all(1 <= rows_per_lang[k] < sentences_per_lang[k] / 2 for k in rows_per_lang)
    assert all(torch.isfinite(torch.tensor(h["loss"])) for h in loss_history(run))


def test_bad_settings_are_refused_by_name():
    settings = profile_settings("smoke")
    with pytest.raises(ConfigError, match="mask_prob"):
        settings.config("weam", mask_prob=1.2)
    with pytest.raises(ConfigError, match="lambda_"):
        settings.config("weam", lambda_=-0.5)
    with pytest.raises(ConfigError, match="unknown objective"):
        settings.config("xlm")
    with pytest.raises(ConfigError, match="unknown pre-training parameter 'lamda'"):
        settings.config("weam", lamda=1)


def _cli(args, env, **kw):
    return subprocess.run(
        [sys.executable, "-m", "weamlib", "pretrain", *args],
        env=env,
        capture_output=True,
        text=True,
        **kw,
    )


@pytest.fixture
def cli_env(tmp_path):
    return {**os.environ, "WEAM_CACHE": str(tmp_path / "runs"), "TQDM_DISABLE": "1"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--objective", "weam", "-p", "mask_prob", "1.5"], "mask_prob"),
        (["--objective", "weam", "-p", "lambda_", "-1"], "lambda_"),
        (["--objective", "weam", "-p", "alignment_source", "giza"], "alignment_source"),
        (["--objective", "weam", "-p", "lamda", "1"], "lamda"),
    ],
)
def test_cli_refuses_bad_parameters_before_writing(tmp_path, cli_env, extra, message):
    out = tmp_path / "model"
    proc = _cli(["--profile", "smoke", "--output", str(out), *extra], cli_env)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not out.exists() and not (tmp_path / "runs").exists()


def test_cli_unknown_objective(tmp_path, cli_env):
    proc = _cli(
        ["--profile", "smoke", "--objective", "xlm", "--output", str(tmp_path / "m")], cli_env
    )
    assert proc.returncode == 2 and "xlm" in proc.stderr


@pytest.mark.slow
def test_cli_killed_run_resumes_from_checkpoint(tmp_path, cli_env):
    out = tmp_path / "model"
    args = [
        "--profile",
        "smoke",
        "--objective",
        "base",
        "--output",
        str(out),
        "--quiet",
        "-p",
        "steps",
        "1500",
        "-p",
        "save_steps",
        "50",
        "-p",
        "logging_steps",
        "50",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "weamlib", "pretrain", *args],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoints = tmp_path / "runs" / "pretrain-checkpoints"
    deadline = time.time() + 240
    while time.time() < deadline and not list(
        checkpoints.glob("*/checkpoint-*/trainer_state.json")
    ):
        time.sleep(0.1)
        assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    assert not list((tmp_path / "runs" / "pretrain").glob("*/DONE"))
    done = _cli(args, cli_env, timeout=600)
    assert done.returncode == 0, done.stderr
    result = next((tmp_path / "runs" / "pretrain").glob("*/results.json"))
    results = json.loads(result.read_text())
    assert results["resumed"] is True
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 1500
    assert not list(checkpoints.glob("*/checkpoint-*"))  # cleaned once finished


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_one_vocabulary_size_per_profile(profile):
    """Every chapter that builds the study's tokenizer uses the same vocabulary size."""
    from weamlib.book.pipeline import chapters, declared_parameters, resolve_parameters

    sizes = {}
    for source in chapters():
        params = {**declared_parameters(source), **resolve_parameters(source, profile)}
        if "vocab_size" in params:
            sizes[source.stem] = params["vocab_size"]
    assert len(sizes) >= 2 and len(set(sizes.values())) == 1, sizes


def test_saved_model_folder_does_not_depend_on_hub_offline(tmp_path):
    """The model digest keys fine-tuning runs: a folder saved by a process without
    HF_HUB_OFFLINE must equal one saved with it."""
    from conftest import save_tiny_bert
    from transformers import AutoTokenizer

    from weamlib.data.tokenize import TokenizerConfig, train_tokenizer
    from weamlib.models.model import save_mlm
    from weamlib.store.digests import model_digest

    tok = train_tokenizer(
        ["a b c d e f", "b c d e"], TokenizerConfig(vocab_size=40, min_frequency=1)
    )
    model = save_tiny_bert(tmp_path / "src", tok)
    digests = []
    for offline in (True, False):
        loaded = AutoTokenizer.from_pretrained(str(tmp_path / "src"), local_files_only=offline)
        digests.append(model_digest(save_mlm(model, loaded, tmp_path / f"out-{offline}")))
    assert digests[0] == digests[1]


def test_files_are_tokenised_once_per_process(smoke_suite, tmp_path, monkeypatch):
    from weamlib.data.suitefiles import load_parallel, suite_languages
    from weamlib.store.runs import RunStore
    from weamlib.train import pretrain
    from weamlib.train.pretrain_runs import study_tokenizer

    tokenizer = study_tokenizer(smoke_suite, 300, RunStore(tmp_path))
    calls = []
    encode = pretrain.encode_words
    monkeypatch.setattr(pretrain, "encode_words", lambda *a: calls.append(1) or encode(*a))
    monkeypatch.setattr(pretrain, "_TOKENISED", {})
    cfg = _cfg("weam", alignment_source="gold")
    langs = suite_languages(smoke_suite)[1:]
    gold = {lang: [sorted(ls.sure) for ls in load_parallel(smoke_suite, lang)[1]] for lang in langs}
    first = pretrain.pair_examples(smoke_suite, tokenizer, cfg, gold)
    n = len(calls)
    assert n == 2 * len(gold)
    again = pretrain.pair_examples(smoke_suite, tokenizer, cfg, gold)
    assert again == first and len(calls) == n  # served from memory, equal
    mono = pretrain.mono_examples(smoke_suite, tokenizer, 40)
    assert pretrain.mono_examples(smoke_suite, tokenizer, 40) == mono
    assert pretrain.mono_examples(smoke_suite, tokenizer, 5) == {
        lang: [ids[:5] for ids in rows] for lang, rows in mono.items()
    }
