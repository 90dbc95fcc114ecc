"""Real data as a suite (weamlib.data.realsuite): the paper profiles' study data, built from
the real files in ../shared/data, and the code paths that read it (pre-training links,
imported base model, data-parallel launches)."""

from __future__ import annotations

import json
import subprocess

import pytest

from weamlib.core.errors import ConfigError
from weamlib.data import realsuite
from weamlib.data.formats import read_parallel, read_squad_json, read_xnli_tsv
from weamlib.data.realsuite import REAL_SUITES, RealSuiteConfig, ensure_real_suite, task_languages
from weamlib.store.runs import RunStore

SMALL = RealSuiteConfig(
    name="test",
    languages=("en", "de", "zh"),
    nli_languages=("en", "de", "zh"),
    qa_languages=("en", "de"),
    parallel="tatoeba",
    parallel_pairs=60,
    nli_train=100,
    nli_dev=40,
    qa_dev=20,
    test_limit=30,
)


@pytest.fixture(scope="module")
def small_suite(shared_data, tmp_path_factory):
    store = RunStore(tmp_path_factory.mktemp("runs"))
    return ensure_real_suite("test", shared_data, store, config=SMALL), store


def test_suite_layout_counts_and_task_languages(small_suite):
    suite, _ = small_suite
    manifest = json.loads((suite / "manifest.json").read_text())
    assert manifest["kind"] == "real" and manifest["languages"] == ["en", "de", "zh"]
    assert task_languages(suite, "xnli") == ["en", "de", "zh"]
    assert task_languages(suite, "mlqa") == ["en", "de"]
    assert len(read_xnli_tsv(suite / "nli/train-en.tsv", has_header=False)) == 100
    assert len(read_xnli_tsv(suite / "nli/dev-zh.tsv", has_header=False)) == 40
    assert len(read_xnli_tsv(suite / "nli/test-de.tsv", has_header=False)) == 30
    assert not (suite / "qa/test-context-zh-question-zh.json").exists()
    assert len(read_squad_json(suite / "qa/dev-context-de-question-de.json")) == 20
    # inputs are named inside the data directory, with their sha256
    assert "xnli/dev-en.tsv" in manifest["sources"]
    assert all(len(sha) == 64 for sha in manifest["sources"].values())


def test_stand_ins_keep_the_protocol_apart(small_suite, shared_data):
    from weamlib.data.datasets import load_mlqa, load_xnli

    suite, _ = small_suite
    train = read_xnli_tsv(suite / "nli/train-en.tsv", has_header=False)
    dev = read_xnli_tsv(suite / "nli/dev-en.tsv", has_header=False)
    assert not {(e.premise, e.hypothesis) for e in train} & {(e.premise, e.hypothesis) for e in dev}
    # translate-train item i translates English train item i (XNLI dev is parallel)
    tt = read_xnli_tsv(suite / "nli/translate-train-de.tsv", has_header=False)
    assert [e.label for e in tt] == [e.label for e in train]
    assert tt == load_xnli("de", "dev", shared_data)[:100]
    # QA: dev and test are disjoint parts of MLQA dev
    qa_dev = read_squad_json(suite / "qa/dev-context-de-question-de.json")
    qa_test = read_squad_json(suite / "qa/test-context-de-question-de.json")
    assert not {e.id for e in qa_dev} & {e.id for e in qa_test}
    assert [e.id for e in qa_dev + qa_test] == [
        e.id for e in load_mlqa("de", "dev", shared_data)[:50]
    ]


def test_parallel_text_is_split_into_words_per_language(small_suite):
    suite, _ = small_suite
    zh = read_parallel(suite / "parallel/en-zh.txt")
    assert len(zh) == 60
    cjk = [w for _, tgt in zh for w in tgt if "\u4e00" <= w[0] <= "\u9fff"]
    assert cjk and all(len(w) == 1 for w in cjk)  # one word per ideograph
    en_words = [w for src, _ in zh for w in src]
    assert "." in en_words or "?" in en_words  # punctuation split off English words
    assert (suite / "mono/zh.txt").is_file() and not (suite / "parallel/en-zh.gold").exists()


def test_cached_once_and_rebuilt_for_other_settings(small_suite, shared_data):
    suite, store = small_suite
    assert ensure_real_suite("test", shared_data, store, config=SMALL) == suite
    other = RealSuiteConfig(**{**SMALL.__dict__, "test_limit": 10})
    assert ensure_real_suite("test", shared_data, store, config=other) != suite


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"languages": ("de", "en")}, "English first"),
        ({"qa_languages": ("en", "fr")}, "not in languages"),
        ({"parallel": "europarl"}, "parallel must be one of"),
        ({"nli_dev": None}, "set nli_train and nli_dev"),
        ({"test_limit": 0}, "test_limit"),
    ],
)
def test_bad_settings_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        RealSuiteConfig(**{**SMALL.__dict__, **changes})


def test_unknown_profile_and_profiles_listed():
    assert set(REAL_SUITES) == {"paper", "paper-smoke"}
    assert REAL_SUITES["paper"].nli_languages[0] == "en" and len(REAL_SUITES["paper"].nli_languages) == 15  # fmt: skip
    with pytest.raises(ConfigError, match="unknown real-data suite"):
        ensure_real_suite("nope")


def test_missing_paper_data_names_the_fetch(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="weamlib fetch"):
        realsuite.input_files(REAL_SUITES["paper"], tmp_path / "empty")


def test_gold_sources_are_refused_on_real_data(small_suite):
    from weamlib.train.pretrain_runs import pair_links

    suite, store = small_suite
    for source in ("gold", "shuffled"):
        with pytest.raises(ConfigError, match="needs gold links"):
            pair_links(suite, "de", source, 0, store)
    assert pair_links(suite, "de", "none", 0, store) == [[]] * 60


def test_continued_pretraining_from_an_imported_local_model(small_suite, tmp_path):
    """The paper profile's path: the base is a save_pretrained folder (mBERT in the
    paper), imported into the store; a continued objective trains from it with its
    tokenizer and eflomal links of the real bitext."""
    from conftest import save_tiny_bert
    from transformers import AutoTokenizer

    from weamlib.data.tokenize import TokenizerConfig, train_tokenizer
    from weamlib.models.model import ModelSize
    from weamlib.train.pretrain import PretrainConfig
    from weamlib.train.pretrain_runs import ensure_pretrained, import_base, pretrain_config

    suite, _ = small_suite
    store = RunStore(tmp_path / "runs")
    lines = (suite / "mono/en.txt").read_text().splitlines() + (suite / "mono/de.txt").read_text().splitlines()  # fmt: skip
    tokenizer = train_tokenizer(lines, TokenizerConfig(vocab_size=400, min_frequency=1))
    save_tiny_bert(tmp_path / "mbert", tokenizer)
    base = PretrainConfig(objective="base", init_model=str(tmp_path / "mbert"))
    imported = import_base(base, store)
    assert import_base(base, store).path == imported.path  # once
    assert imported.results["vocab_size"] == len(tokenizer)
    size = ModelSize(layers=1, hidden=32, heads=2, intermediate=64)
    cfg = PretrainConfig(objective="weam", steps=2, batch_size=4, heldout_pairs=10, logging_steps=1)
    run = ensure_pretrained(suite, cfg, size, 999, base, store, False)
    key, used = pretrain_config(suite, cfg, size, 999, imported, store)
    assert key["init"] == imported.path.name
    assert used.get_vocab() == tokenizer.get_vocab()  # the imported model's vocabulary
    assert (
        AutoTokenizer.from_pretrained(str(run.file("model"))).get_vocab() == tokenizer.get_vocab()
    )
    with pytest.raises(ConfigError, match="init_model"):
        PretrainConfig(objective="tlm", init_model="bert-base-multilingual-cased")


def test_missing_hub_model_is_a_clear_error(run_store):
    from weamlib.train.pretrain import PretrainConfig
    from weamlib.train.pretrain_runs import import_base

    with pytest.raises(
        ConfigError, match="'init_model' 'no-such-org/no-such-model': no such local"
    ):
        import_base(PretrainConfig(init_model="no-such-org/no-such-model"), run_store)


def test_launch_pretraining_runs_accelerate_with_the_changed_settings(monkeypatch, run_store):
    from weamlib.study import experiments as study
    from weamlib.study.settings import profile_settings

    seen = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, env: seen.append((cmd, env)) or subprocess.CompletedProcess(cmd, 0))  # fmt: skip
    settings = profile_settings("paper-smoke")
    cfg = settings.config("weam", None, mask_prob=0.15)
    study.launch_pretraining("paper-smoke", settings, cfg, 4, run_store)
    ((cmd, env),) = seen
    assert cmd[1:6] == ["launch", "--multi_gpu", "--num_processes", "4", "-m"]
    assert cmd[cmd.index("--profile") + 1] == "paper-smoke" and "--objective" in cmd
    assert cmd[-3:] == ["-p", "mask_prob", "0.15"]  # only what differs from the profile
    assert env["WEAM_CACHE"] == str(run_store.root)
    with pytest.raises(ConfigError, match="not profile 'smoke'"):
        study.launch_pretraining("smoke", settings, cfg, 2, run_store)
    # another pre-training seed of the profile's settings: passed as --seed
    seeded = settings.with_seed(2)
    study.launch_pretraining("paper-smoke", seeded, seeded.config("weam"), 4, run_store)
    cmd = seen[-1][0]
    assert cmd[cmd.index("--seed") + 1] == "2" and "-p" not in cmd
