"""The study's experiment plans and tables (weamlib.study.experiments), on hand-made frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from weamlib.core.errors import ConfigError
from weamlib.study import experiments as study
from weamlib.train.finetune import NLIFinetuneConfig, QAFinetuneConfig

LANGS = ["en", "vela", "dorn"]


def frame(effects, seeds=(0, 1, 2, 3, 4), task="xnli", metric="accuracy", setting="zero-shot"):
    """Scores = 50 + model effect + a per-seed shift shared by all models (what pairing
    cancels) + 10 for English."""
    shift = {0: -3.0, 1: 2.0, 2: 0.5, 3: 4.0, 4: -1.0}
    rows = []
    for model, effect in effects.items():
        for seed in seeds:
            for lang in LANGS:
                for split in ("dev", "test"):
                    value = 50 + effect + shift[seed] + (10 if lang == "en" else 0)
                    rows.append(dict(model=model, task=task, setting=setting, language=lang,
                                     split=split, seed=seed, metric=metric, value=value))  # fmt: skip
    return pd.DataFrame(rows)


def test_plan_from_parameters_validates_and_keeps_seeds_apart():
    plan = study.FinetunePlan.from_parameters(
        "xnli", {"finetune": {"head": "pair-mean", "epochs": 1}, "seeds": [0, 1, 2]}
    )
    assert isinstance(plan.config, NLIFinetuneConfig) and plan.config.head == "pair-mean"
    assert plan.seeds == (0, 1, 2) and plan.settings == ("zero-shot", "translate-train")
    qa = study.FinetunePlan.from_parameters(
        "mlqa", {"finetune": {"max_length": 128, "doc_stride": 32, "max_query_length": 32}}
    )
    assert isinstance(qa.config, QAFinetuneConfig) and qa.config.max_length == 128
    with pytest.raises(ConfigError, match="'seed'"):
        study.FinetunePlan.from_parameters("xnli", {"finetune": {"seed": 3}})
    with pytest.raises(ConfigError, match="seeds"):
        study.FinetunePlan.from_parameters("xnli", {"seeds": [0, 0]})
    with pytest.raises(ConfigError, match="unknown setting 'few-shot'"):
        study.FinetunePlan.from_parameters("xnli", {"settings": ["few-shot"]})
    with pytest.raises(ConfigError, match="head"):
        study.FinetunePlan.from_parameters("xnli", {"finetune": {"head": "max"}})
    with pytest.raises(ConfigError, match="unknown task"):
        study.FinetunePlan.from_parameters("pos", {})


def test_profile_plans_read_the_chapters():
    plan = study.nli_plan("smoke")
    assert plan.seeds == tuple(study.chapter_parameters("04_xnli", "smoke")["seeds"])
    assert len(plan.seeds) >= 2
    # a main-table cell: >= 3 pre-training seeds x >= 2 fine-tuning seeds (issue 16); the
    # single-pre-training-seed ablations pair by fine-tuning seed: at least five
    assert len(study.pretrain_seeds("default")) >= 3
    for default in (study.nli_plan("default"), study.qa_plan("default")):
        assert len(default.seeds) >= 2
        ablation = default.for_ablations(("zero-shot",))
        assert len(ablation.seeds) >= 5 and set(default.seeds) <= set(ablation.seeds)
        assert ablation.settings == ("zero-shot",) and ablation.config == default.config


def test_jobs_cover_models_settings_seeds_and_one_language_runs(tmp_path):
    import json

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "manifest.json").write_text(json.dumps({"languages": LANGS}))
    plan = study.FinetunePlan("xnli", NLIFinetuneConfig(), (0, 1))
    jobs = study._jobs({"a": "A", "b": "B"}, suite, plan)
    one = study.FinetunePlan("xnli", NLIFinetuneConfig(), (0, 1),
                             ("zero-shot", "translate-train-one"), ("a",), (1,))  # fmt: skip
    per = [j for j in study._jobs({"a": "A", "b": "B"}, suite, one)
           if j.setting == "translate-train-one"]  # fmt: skip
    assert one.main_settings == ("zero-shot",)
    assert len(jobs) == 2 * 2 * 2
    assert {(j.name, j.setting, j.cfg.seed) for j in jobs} == {
        (m, s, seed) for m in "ab" for s in ("zero-shot", "translate-train") for seed in (0, 1)
    }
    assert all(j.languages is None for j in jobs)  # the synthetic suite: all its languages
    # model "a" only, fine-tuning seed 1 only, one run per target language
    assert [(j.name, j.cfg.seed, j.languages, j.train_languages) for j in per] == [
        ("a", 1, ("vela",), ("vela",)),
        ("a", 1, ("dorn",), ("dorn",)),
    ]
    with pytest.raises(ConfigError, match="one_language_models"):
        study.FinetunePlan.from_parameters("xnli", {"one_language_models": ["mbert"]})
    # a real suite scores each task in its own languages
    (suite / "manifest.json").write_text(
        json.dumps(
            {"kind": "real", "languages": LANGS, "tasks": {"nli": LANGS, "qa": ["en", "dorn"]}}
        )  # fmt: skip
    )
    qa = study._jobs({"a": "A"}, suite, study.FinetunePlan("mlqa", QAFinetuneConfig(), (0,)))
    assert [j.languages for j in qa] == [("en", "dorn")] * 2


def test_finetune_grid_computes_only_what_the_store_lacks(monkeypatch, tmp_path):
    from weamlib.store.runs import Run

    done = {}
    results = {"scores": {"accuracy": {"test": {"en": 60.0, "vela": 40.0}}}}

    def cached(self, store):
        key = (self.name, self.setting, self.cfg.seed)
        if key not in done:
            return None
        return Run(tmp_path, {"task": "xnli", "setting": self.setting, "seed": self.cfg.seed},
                   results)  # fmt: skip

    calls = []

    def fake_parallel(fn, jobs, workers=None, labels=None):
        for chunk, _root in jobs:
            calls.append(len(chunk))
            for j in chunk:
                done[(j.name, j.setting, j.cfg.seed)] = True
        return []

    monkeypatch.setattr(study._Job, "cached", cached)
    monkeypatch.setattr(study, "run_parallel", fake_parallel)
    monkeypatch.setattr(study, "_jobs", lambda models, suite, plan, columns=None, oracle=True, main=None: [
        study._Job(m, "xnli", m, "s", NLIFinetuneConfig(seed=s), "zero-shot", None, None)
        for m in models for s in plan.seeds
    ])  # fmt: skip
    plan = study.FinetunePlan("xnli", NLIFinetuneConfig(), (0, 1, 2), ("zero-shot",))
    done[("a", "zero-shot", 1)] = True
    out = study.finetune_grid({"a": "A"}, "s", plan, chunk=2)
    assert calls == [2]  # seeds 0 and 2: the cached seed 1 is not recomputed
    assert sorted(out.seed.unique()) == [0, 1, 2] and len(out) == 3 * 2
    out = study.finetune_grid({"a": "A"}, "s", plan)
    assert calls == [2]  # everything cached now: nothing started


def test_summary_table_means_and_sd_over_seeds():
    f = frame({"base": 0.0, "weam": 3.0})
    text, means = study.summary_table(f, "xnli", "zero-shot")
    shift_mean = np.mean([-3.0, 2.0, 0.5, 4.0, -1.0])
    assert means.loc["weam", "vela"] == pytest.approx(53 + shift_mean)
    assert means.loc["base", "en"] == pytest.approx(60 + shift_mean)
    assert means.loc["weam", "avg"] == pytest.approx(53 + shift_mean)  # English left out
    assert list(text.index) == ["base (“mBERT”)", "WEAM"]
    sd = np.std([-3.0, 2.0, 0.5, 4.0, -1.0], ddof=1)
    assert text.loc["WEAM", "vela"] == f"{53 + shift_mean:.1f} ± {sd:.1f}"
    with pytest.raises(ValueError, match="no mlqa"):
        study.summary_table(f, "mlqa", "zero-shot")


def test_paired_table_cancels_the_shared_seed_shift():
    f = frame({"base": 0.0, "tlm": 1.0, "weam": 3.0})
    table = study.paired_table(f, "xnli", "zero-shot").set_index("difference")
    row = table.loc["WEAM − TLM"]
    assert row["mean"] == pytest.approx(2.0)
    assert row["95 % low"] == pytest.approx(2.0) and row["95 % high"] == pytest.approx(2.0)
    assert row["excludes 0"] and row["seeds"] == 5
    assert "WEAM − word-aligned" not in table.index  # a model without runs is skipped


def test_level_table_and_best_level():
    parts = []
    for level, effect in ((0.15, 0.0), (0.3, 2.0), (0.5, -1.0)):
        parts.append(frame({"weam": effect}).assign(factor="mask_prob", level=level))
    f = pd.concat(parts, ignore_index=True)
    best = study.best_level(f, "mask_prob")
    assert best["level"] == 0.3 and best["at"][0.15] == pytest.approx(best["mean"] - 2.0)
    table = study.level_table(f, "mask_prob", 0.3)
    assert table.loc[0.15, "− 0.3 (95 % interval)"] == "-2.0 (-2.0 to -2.0)"
    assert table.loc[0.3, "seeds"] == 5


def test_ablation_refuses_unknown_factors_and_repeated_levels():
    with pytest.raises(ConfigError, match="unknown ablation factor 'depth'"):
        study.ablation_results("smoke", "depth", [1, 2])
    with pytest.raises(ConfigError, match="distinct"):
        study.ablation_results("smoke", "mask_prob", [0.3, 0.3])


def test_headline_reports_the_numbers_of_the_frame():
    f = pd.concat([frame({"base": 0.0, "tlm": 1.0, "weam": 3.0})], ignore_index=True)
    text = study.headline(f, "xnli")
    assert "highest non-English average is WEAM's" in text
    assert "WEAM − TLM: +2.0 points (95 % interval +2.0 to +2.0; excludes 0)" in text
    assert "word-aligned" not in text  # no runs, no sentence


def test_published_baselines_are_shown_and_unrun_rows_marked():
    from weamlib.study import published

    xnli = published.load("xnli")
    assert xnli["scores"]["en"] == 82.1 and len(xnli["scores"]) == 15
    assert published.load("mlqa")["exact_match"]["zh"] == 37.3
    table = published.beside("mlqa", None, "default")
    assert list(table.columns) == ["en", "es", "de", "ar", "hi", "vi", "zh"]
    assert table.iloc[0]["en"] == "77.7"
    assert "not run" in table.iloc[1]["en"] and "default" in table.iloc[1]["en"]
    ours = pd.DataFrame({"en": [80.0], "es": [60.0]}, index=["WEAM"])
    table = published.beside("mlqa", ours, "paper")
    assert table.loc["WEAM (this build)", "es"] == "60.0"
    assert table.loc["WEAM (this build)", "de"] == "not run"
    with pytest.raises(ValueError, match="unknown task"):
        published.load("pos")


def test_each_results_chapter_opens_with_its_own_numbers():
    """Chapters 04–07 open with summaries of their own headline numbers, not one template."""
    zs = frame({"base": 0.0, "tlm": 1.0, "word_aligned": 1.5, "weam": 3.0})
    tt = frame({"base": 4.0, "tlm": 4.5, "weam": 5.0}, setting="translate-train")
    xnli = study.xnli_summary(pd.concat([zs, tt], ignore_index=True),
                              ["zero-shot", "translate-train"])  # fmt: skip
    lines = xnli.split("\n")
    assert len(lines) == 3 and all(line.startswith("* ") for line in lines)
    # English test: 60.0 + effect + mean seed shift 0.5
    assert lines[0] == (
        "* English test accuracy, the language fine-tuned on: 60.5–63.5 % across models"
        " (chance 33.3 %). Zero-shot, the other languages average 50.5 % for the base model,"
        " 53.5 % at best (WEAM)."
    )
    assert "WEAM − TLM +2.0 [+2.0, +2.0]; WEAM − word-aligned +1.5 [+1.5, +1.5]" in lines[1]
    assert lines[2] == (
        "* Translate-train: the highest non-English average is WEAM's (55.5 %); WEAM"
        " zero-shot − translate-train: -2.0 [-2.0, -2.0] points."
    )
    qa = frame({"base": 0.0, "tlm": 2.0, "weam": 1.0}, task="mlqa", metric="f1")
    em = frame({"base": -5.0, "tlm": -3.0, "weam": -4.0}, task="mlqa", metric="exact_match")
    mlqa = study.mlqa_summary(pd.concat([qa, em], ignore_index=True), ["zero-shot"])
    assert mlqa.startswith("* English test f1, the language fine-tuned on: 60.5–62.5 across"
                           " models (exact match 55.5–57.5).")  # fmt: skip
    assert "* Zero-shot F1 paired differences (points, 95 % interval): TLM − base" in mlqa
    assert "Translate-train" not in mlqa and xnli != mlqa

    parts = [frame({"weam": e}).assign(factor="lambda_", level=lv)
             for lv, e in ((0.0, 0.0), (1.0, 2.0), (2.0, 1.0))]  # fmt: skip
    lam = study.level_summary(pd.concat(parts, ignore_index=True), "lambda_", 1.0, "λ",
                              baseline=(0.0, "no cross-lingual prediction"))  # fmt: skip
    assert lam.split("\n") == [
        "* Non-English zero-shot XNLI accuracy by λ: 0.0: 50.5 %; 1.0: 52.5 %; 2.0: 51.5 %."
        " The highest is at λ = 1.0; the paper's λ = 1.0 gives 52.5 %.",
        "* Each λ − λ = 1.0 (points, 95 % interval): 0.0: -2.0 [-2.0, -2.0]; 2.0: -1.0"
        " [-1.0, -1.0].",
        "* λ = 1.0 − λ = 0.0 (no cross-lingual prediction): +2.0 [+2.0, +2.0] points.",
    ]


def test_main_results_fine_tune_every_pretraining_seed_and_label_its_rows(monkeypatch):
    calls = []

    class FakeRun:
        def __init__(self, name):
            self.name = name

        def file(self, _):
            return self.name

    def fake_pretraining(suite, settings, seeds, variants, *args):
        return {s: {m: FakeRun(f"{m}-{s}") for m in ("base", "weam")} for s in seeds}

    def fake_run_jobs(jobs, store=None, workers=None, chunk=4):
        calls.append(list(jobs))
        rows = [dict(model=j.name, task=j.task, setting=j.setting, language="vela",
                     split="test", seed=j.cfg.seed, metric="accuracy", value=40.0,
                     **dict(j.columns)) for j in jobs]  # fmt: skip
        return pd.DataFrame(rows)

    monkeypatch.setattr(study, "pretrain_seed_variants", fake_pretraining)
    monkeypatch.setattr(study, "_run_jobs", fake_run_jobs)
    monkeypatch.setattr(study, "study_suite", lambda profile, store=None: "suite")
    monkeypatch.setattr("weamlib.data.realsuite.is_real_suite", lambda suite: False)
    monkeypatch.setattr("weamlib.data.realsuite.task_languages", lambda suite, task: LANGS)
    seeds = study.pretrain_seeds("smoke")
    assert len(seeds) >= 2
    plan = dataclasses.replace(study.nli_plan("smoke"), settings=("zero-shot",))
    out = study.main_results("smoke", "xnli", plan=plan)
    # one batch of runs for all pre-training seeds (the workers never wait between seeds),
    # each seed's models fine-tuned from that seed's folders
    assert len(calls) == 1
    assert {(j.name, j.model_dir, dict(j.columns)["pretrain_seed"]) for j in calls[0]} == {
        (m, f"{m}-{s}", s) for m in ("base", "weam") for s in seeds
    }
    assert sorted(out.pretrain_seed.unique()) == seeds
    assert len(out) == len(seeds) * 2 * len(plan.seeds)


def test_tables_over_pretraining_seeds_use_their_means():
    # model effect + a shift per pre-training seed shared by both models, plus the
    # fine-tuning seeds' shift of frame()
    parts = []
    for ps, shift in ((0, -2.0), (1, 0.0), (2, 5.0)):
        f = frame({"base": 0.0, "weam": 3.0 + ps}, seeds=(0, 1))
        f["value"] += shift
        parts.append(f.assign(pretrain_seed=ps))
    f = pd.concat(parts, ignore_index=True)
    table = study.paired_table(f, "xnli", "zero-shot").set_index("difference")
    row = table.loc["WEAM − base (“mBERT”)"]
    # per pre-training seed differences 3, 4, 5 (the fine-tuning shifts cancel)
    assert row["seeds"] == 3 and row["unit"] == "pre-training seed"
    assert row["mean"] == pytest.approx(4.0)
    _, means = study.summary_table(f, "xnli", "zero-shot")
    assert means.loc["weam", "vela"] - means.loc["base", "vela"] == pytest.approx(4.0)
    text, _ = study.summary_table(f, "xnli", "zero-shot")
    # English first, whatever the frame's order, then the other languages and their average
    flipped, _ = study.summary_table(f.iloc[::-1], "xnli", "zero-shot")
    assert list(flipped.columns) == ["en", "dorn", "vela", "avg"]
    # the SD is over the three pre-training seeds' means
    base_means = [50 + s + np.mean([-3.0, 2.0]) for s in (-2.0, 0.0, 5.0)]
    assert text.loc["base (“mBERT”)", "vela"].endswith(f"± {np.std(base_means, ddof=1):.1f}")


def test_oracle_table_and_run_count():
    from weamlib.train.finetune import ONE_LANGUAGE, ORACLE_SETTING

    english = frame({"base": 0.0, "weam": 3.0}, seeds=(0, 1))
    oracle = frame({"base": 1.0, "weam": 5.0}, seeds=(0, 1), setting=ORACLE_SETTING)
    oracle = oracle[oracle.language != "en"]
    f = pd.concat([english, oracle], ignore_index=True)
    table = study.oracle_table(f, "xnli")
    assert table.loc["WEAM", "oracle − English"] == pytest.approx(2.0)
    assert table.loc["base (“mBERT”)", "oracle − English"] == pytest.approx(1.0)
    assert study.run_count(f) == "2 models × 1 settings × 2 fine-tuning seeds: 4 fine-tuning runs"
    f["pretrain_seed"] = 0
    assert study.run_count(f).startswith("2 models × 1 pre-training seeds × 1 settings")
    # one run per model and target language; its rows are that language's only
    one = english[english.language != "en"].assign(setting=ONE_LANGUAGE, pretrain_seed=0)
    assert study.run_count(pd.concat([f, one], ignore_index=True)).endswith(
        ": 4 fine-tuning runs, and 8 translate-train-one runs (2 models × 2 languages)"
    )


def test_one_language_table_sets_each_setting_beside_the_others_on_the_same_runs():
    rows = []
    for pseed in (0, 1):
        for model, effect in (("base", 0.0), ("weam", 2.0), ("tlm", 5.0)):
            for setting, bonus in (("zero-shot", 0.0), ("translate-train", 10.0),
                                   ("translate-train-one", 20.0)):  # fmt: skip
                if setting == "translate-train-one" and (model == "tlm" or pseed == 1):
                    continue
                for seed in (0, 1):
                    for lang in LANGS:
                        if setting == "translate-train-one" and (lang == "en" or seed == 1):
                            continue
                        value = 40 + effect + bonus + 100 * pseed + seed + (lang == "dorn")
                        rows.append(dict(model=model, task="xnli", setting=setting,
                                         language=lang, split="test", seed=seed,
                                         metric="accuracy", value=value,
                                         pretrain_seed=pseed))  # fmt: skip
    table = study.one_language_table(pd.DataFrame(rows), "xnli")
    # only base and WEAM, pre-training seed 0, fine-tuning seed 0, the target languages
    assert list(table.columns) == ["vela", "dorn", "avg"]
    assert [m for m, _ in table.index] == [study.LABELS["base"]] * 3 + [study.LABELS["weam"]] * 3
    base = table.loc[study.LABELS["base"]]
    assert base.loc["zero-shot", "vela"] == 40 and base.loc["translate-train", "dorn"] == 51
    assert base.loc["translate-train-one", "avg"] == pytest.approx(60.5)
    assert table.loc[(study.LABELS["weam"], "translate-train-one"), "vela"] == 62
    with pytest.raises(ValueError, match="translate-train-one"):
        study.one_language_table(pd.DataFrame(rows[:3]), "xnli")


def test_control_line_gives_the_share_of_englishs_margin_the_control_keeps():
    rows = [
        dict(model="base", task="xnli", setting="zero-shot", language=lang, split="test",
             seed=seed, metric="accuracy", value=value + seed)
        for lang, value in (("en", 73.0), ("feng", 53.0), ("vela", 40.0))
        for seed in (0, 2)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    # English 74 - 33.3 = 40.7 over chance; feng 54 - 33.3 = 20.7: 51 %, just over half
    line = study.control_line(frame, "xnli", ["feng"])
    assert "keeps 51 % of English's margin" in line and "regime holds" in line
    frame.loc[frame.language == "feng", "value"] -= 1.0  # 19.7 / 40.7: 48 %
    assert "keeps 48 %" in study.control_line(frame, "xnli", ["feng"])
    assert "broken" in study.control_line(frame, "xnli", ["feng"])
    assert study.control_line(frame, "xnli", []) is None
    floor = frame.assign(value=30.0)  # English at chance: no margin, no share to compute
    assert "English itself is not above chance" in study.control_line(floor, "xnli", ["feng"])
    assert study.control_line(frame, "xnli", ["kesh"]) is None  # not scored
    qa = frame.assign(task="mlqa", metric="f1")
    assert "chance 0.0" in study.control_line(qa, "mlqa", ["feng"])  # 53 / 74: 71.6 %
    assert "keeps 72 %" in study.control_line(qa, "mlqa", ["feng"])


def test_the_default_suites_control_is_feng():
    from weamlib.synth.language import load_language

    assert load_language("feng").spec.to_dict()["realiser"] == "english"
    assert study.control_languages("smoke") == ["feng"]  # English itself is no control
    assert study.control_languages("paper-smoke") == []


def test_pretraining_seeds_train_their_bases_together_then_every_continued_run(monkeypatch):
    """The missing base models of all seeds go to the workers in one batch, then the
    continued runs of all seeds in one more, each continuing from its own seed's base."""
    settings = study.profile_settings("smoke")
    stored = {(settings.base.seed, "base")}  # seed 0's base is cached already
    batches = []

    def key(cfg):
        return (cfg.seed, cfg.objective)

    def fake_find(suite, cfg, size, vocab_size, base, store=None):
        if cfg.objective != "base":
            assert (base.seed, "base") in stored  # its own seed's base, trained first
            assert base.seed == cfg.seed
        return "run" if key(cfg) in stored else None

    def fake_parallel(fn, jobs, workers=None, labels=None, threads=1):
        batches.append([(key(job[1]), None if job[4] is None else job[4].seed) for job in jobs])
        stored.update(key(job[1]) for job in jobs)
        return [None] * len(jobs)

    def fake_ensure(suite, cfg, size, vocab_size, base=None, store=None, progress=True):
        assert key(cfg) in stored
        return key(cfg)

    monkeypatch.setattr(study, "find_pretrained", fake_find)
    monkeypatch.setattr(study, "run_parallel", fake_parallel)
    monkeypatch.setattr(study, "ensure_pretrained", fake_ensure)
    monkeypatch.setattr(study, "pair_links", lambda *a, **k: None)
    monkeypatch.setattr("weamlib.data.suitefiles.suite_languages", lambda suite: ["en", "xx"])
    seed = settings.base.seed
    out = study.pretrain_seed_variants(
        "suite", settings, [seed, seed + 1, seed + 2, seed + 1],
        {"base": ("base", {}), "tlm": ("tlm", {}), "weam": ("weam", {})},
    )  # fmt: skip
    assert batches == [
        [((seed + 1, "base"), None), ((seed + 2, "base"), None)],
        [((s, obj), s) for s in (seed, seed + 1, seed + 2) for obj in ("tlm", "weam")],
    ]
    assert out == {
        s: {"base": (s, "base"), "tlm": (s, "tlm"), "weam": (s, "weam")}
        for s in (seed, seed + 1, seed + 2)
    }
    # all cached now: nothing more is trained
    study.pretrain_seed_variants("suite", settings, [seed + 1], {"weam": ("weam", {})})
    assert batches[2:] == [[], []]


def test_a_job_without_the_oracle_takes_the_stored_run_with_it(monkeypatch):
    asked = []
    stored = {True}  # the main table's run (oracle computed) is in the store

    class Spec:
        def __init__(self, oracle):
            self.oracle = oracle

        def get(self, store):
            asked.append(self.oracle)
            return f"run(oracle={self.oracle})" if self.oracle in stored else None

    monkeypatch.setattr(study.ft, "finetune_spec", lambda *a, **kw: Spec(kw["oracle"]))
    job = study._Job("weam", "xnli", "M", "S", NLIFinetuneConfig(), "zero-shot", None, None,
                     oracle=False)  # fmt: skip
    assert job.cached(None) == "run(oracle=True)" and asked == [True]
    stored, asked[:] = {False}, []
    assert job.cached(None) == "run(oracle=False)" and asked == [True, False]
    stored, asked[:] = set(), []
    assert job.cached(None) is None
    main = dataclasses.replace(job, oracle=True)  # a main table's job wants its oracle
    stored, asked[:] = {False}, []
    assert main.cached(None) is None and asked == [True]
    assert job.arguments()["oracle"] is False and main.arguments()["oracle"] is True


def test_the_ablations_ask_for_the_oracle_only_in_the_main_tables_runs(monkeypatch):
    class FakeRun:
        def __init__(self, name):
            self.name = name

        def file(self, _name):
            return f"models/{self.name}"

    seen = {}

    def capture(jobs, store, workers, chunk=4):
        seen["jobs"] = jobs
        raise RuntimeError("captured")

    from weamlib.data import realsuite

    monkeypatch.setattr(realsuite, "task_languages", lambda suite, task: LANGS)
    monkeypatch.setattr(study, "study_suite", lambda profile, store=None, **kw: "S")
    monkeypatch.setattr(study, "study_models", lambda *a, **kw: {"tlm": "T", "weam": "W"})
    monkeypatch.setattr(
        study,
        "pretrain_variants",
        lambda suite, settings, variants, *a: {n: FakeRun(n) for n in variants},
    )
    monkeypatch.setattr(study, "_run_jobs", capture)
    main_seeds = set(study.nli_plan("smoke").seeds)
    ablation_seeds = set(study.nli_plan("smoke").for_ablations(["zero-shot"]).seeds)
    assert main_seeds and ablation_seeds - main_seeds == set()  # smoke: the same seeds

    def with_oracle() -> set:
        return {(job.name, job.cfg.seed) for job in seen["jobs"] if job.oracle}

    own = study.profile_settings("smoke").config("weam").mask_prob
    with pytest.raises(RuntimeError, match="captured"):
        study.ablation_results("smoke", "mask_prob", [0.15, own])
    # the other level runs without the oracle; the profile's own level is the main table's
    # WEAM run, so it keeps the oracle at the main table's seeds
    assert {job.name for job in seen["jobs"]} == {"mask_prob=0.15", f"mask_prob={own}"}
    assert with_oracle() == {(f"mask_prob={own}", s) for s in main_seeds}
    with pytest.raises(RuntimeError, match="captured"):
        study.ablation_results("smoke", "mask_prob", [0.15])
    assert seen["jobs"] and not with_oracle()
    main_lr = study.nli_plan("smoke").config.learning_rate
    with pytest.raises(RuntimeError, match="captured"):
        study.lr_results("smoke", [main_lr / 3, main_lr])
    assert {job.cfg.learning_rate for job in seen["jobs"]} == {main_lr / 3, main_lr}
    assert with_oracle() == {(m, s) for m in ("tlm", "weam") for s in main_seeds}
    assert all(job.cfg.learning_rate == main_lr for job in seen["jobs"] if job.oracle)
    # the main tables keep it
    jobs = study._jobs({"weam": "W"}, "S", study.nli_plan("smoke"))
    assert jobs and all(job.oracle for job in jobs)


def test_jobs_keep_the_oracle_only_where_main_names_a_main_tables_run(monkeypatch):
    from weamlib.data import realsuite

    monkeypatch.setattr(realsuite, "task_languages", lambda suite, task: LANGS)
    plan = study.nli_plan("smoke").for_ablations(["zero-shot"])
    plan = dataclasses.replace(plan, seeds=(0, 1, 2))
    jobs = study._jobs({"a": "A", "b": "B"}, "S", plan, oracle=False, main={"a": (0, 2)})
    assert {(j.name, j.cfg.seed) for j in jobs if j.oracle} == {("a", 0), ("a", 2)}
    assert len(jobs) == 6 and all(j.arguments()["oracle"] == j.oracle for j in jobs)
