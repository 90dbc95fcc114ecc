"""`weamlib finetune` and `weamlib results`: any checkpoint under the zero-shot protocol,
and every cached result of a profile as tidy rows, computing nothing."""

from __future__ import annotations

import json

import pytest
from conftest import save_tiny_bert

from weamlib.cli import main as cli
from weamlib.store.runs import RunStore
from weamlib.study.results import ROW_KEYS


@pytest.fixture(scope="module")
def store_and_model(tmp_path_factory):
    from weamlib.data.tokenize import ensure_tokenizer
    from weamlib.study.experiments import study_suite

    root = tmp_path_factory.mktemp("store")
    store = RunStore(root)
    suite = study_suite("smoke", store)
    tok = ensure_tokenizer(suite, 300, store)
    model = tmp_path_factory.mktemp("model")
    save_tiny_bert(model, tok)
    return root, model


def test_finetune_prints_every_language_and_json_last(store_and_model, capsys):
    root, model = store_and_model
    argv = ["finetune", "xnli", "--profile", "smoke", "--model", str(model), "--store", str(root)]
    assert cli.main([*argv, "--languages", "en,vela", "--seed", "1", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    last = json.loads(out[-1])
    assert set(last) == {"dev", "test"} and set(last["test"]) == {"en", "vela"}
    assert all(0 <= v <= 100 for split in last.values() for v in split.values())
    assert any(line.startswith("vela") for line in out)
    # cached: the same call trains nothing and prints the same scores
    assert cli.main([*argv, "--languages", "en,vela", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == last


@pytest.mark.parametrize(
    "languages, message",
    [("vela,en", "must start with en"), ("en,xx", "unknown language 'xx'"), ("en,en", "twice")],
)
def test_finetune_refuses_bad_languages(store_and_model, capsys, languages, message):
    root, model = store_and_model
    argv = ["finetune", "xnli", "--profile", "smoke", "--model", str(model), "--store", str(root)]
    assert cli.main([*argv, "--languages", languages]) == 2
    err = capsys.readouterr().err
    assert "--languages" in err and message in err and len(err.strip().splitlines()) == 1


def test_results_lists_cached_runs_as_tidy_rows(store_and_model, capsys):
    root, model = store_and_model
    argv = ["finetune", "xnli", "--profile", "smoke", "--model", str(model), "--store", str(root)]
    assert cli.main([*argv, "--languages", "en,vela", "--seed", "1"]) == 0
    capsys.readouterr()
    before = sorted(p.name for p in root.rglob("*"))
    assert (
        cli.main(["results", "--profile", "smoke", "--store", str(root), "--format", "json"]) == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(p.name for p in root.rglob("*")) == before  # nothing computed or written
    assert rows and all(set(ROW_KEYS) <= set(r) for r in rows)
    assert {r["model"] for r in rows} == {"external"}  # the tiny model is not the store's
    assert {(r["task"], r["setting"], r["metric"]) for r in rows} == {
        ("xnli", "zero-shot", "accuracy"),
        ("xnli", "zero-shot (oracle selection)", "accuracy"),  # the targets' sensitivity
    }
    oracle = [r for r in rows if r["setting"] != "zero-shot"]
    assert {r["language"] for r in oracle} == {"vela"}  # English is selected on English
    assert {r["language"] for r in rows} == {"en", "vela"} and {r["seed"] for r in rows} == {1}
    assert all(r["current"] for r in rows)
    assert cli.main(["results", "--profile", "default", "--store", str(root)]) == 0
    assert "no cached results" in capsys.readouterr().err
    assert cli.main(["results", "--profile", "nope", "--store", str(root)]) == 2


def test_results_names_models_by_the_pretraining_run_that_made_them(tmp_path, capsys):
    from weamlib.study.experiments import study_suite
    from weamlib.study.settings import profile_settings
    from weamlib.train.pretrain_runs import ensure_pretrained

    store = RunStore(tmp_path / "store")
    settings = profile_settings("smoke")
    suite = study_suite("smoke", store)
    base = ensure_pretrained(suite, settings.base, settings.size, settings.vocab_size, None, store)
    argv = ["finetune", "xnli", "--profile", "smoke", "--store", str(store.root)]
    assert cli.main([*argv, "--model", str(base.file("model")), "--languages", "en"]) == 0
    capsys.readouterr()
    assert (
        cli.main(["results", "--profile", "smoke", "--store", str(store.root), "--format", "json"])
        == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["model"], r["pretrain_seed"], r["pretrain"]) for r in rows} == {
        ("base", settings.base.seed, base.path.name)
    }
    assert cli.main(["results", "--profile", "smoke", "--store", str(store.root)]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[:9] == list(ROW_KEYS) and "run" in header
