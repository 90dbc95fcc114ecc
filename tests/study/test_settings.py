"""The study's settings live in one place per profile (weamlib.study.settings + the profile
YAML); chapters, CLI and ledger read them alike, and a -p override is never silent."""

from __future__ import annotations

import json

import pytest

from weamlib.book import pipeline
from weamlib.cli import main as cli
from weamlib.core.errors import ConfigError
from weamlib.study import profiles, settings

PROFILES = profiles.profile_names()


def _source(chapter: str):
    return profiles.notebooks_dir() / f"{chapter}.py"


def test_profile_settings_never_read_a_notebook(monkeypatch):
    """The CLI, the results chapters and the ledger read the library and the profile YAML,
    not a chapter's parameters cell (which a papermill -p run does not change)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was read for the settings")

    monkeypatch.setattr(pipeline, "declared_parameters", refuse)
    monkeypatch.setattr("jupytext.read", refuse)
    for profile in PROFILES:
        settings.profile_settings(profile)
        for chapter in settings.CHAPTERS:
            settings.chapter_settings(chapter, profile)


@pytest.mark.parametrize("chapter", sorted(settings.CHAPTERS))
def test_parameters_cells_hold_the_library_defaults(chapter):
    """A chapter's parameters cell (papermill's defaults) is a copy of the default
    profile's values: an edit of one without the other fails here."""
    declared = pipeline.declared_parameters(_source(chapter))
    assert declared.pop("profile") == "default"
    assert declared == settings.CHAPTERS[chapter].defaults()
    assert declared == settings.chapter_settings(chapter, "default").values()


def test_profile_values_are_the_defaults_with_the_profile_section_over_them():
    smoke = profiles.load_profile("smoke")
    xnli = settings.chapter_settings("04_xnli", "smoke")
    assert xnli.seeds == smoke["04_xnli"]["seeds"]
    assert xnli.one_language_models == ["base", "weam"]  # not in the section: the default
    assert xnli.plan.config.train_limit == smoke["04_xnli"]["finetune"]["train_limit"]
    study = settings.profile_settings("smoke")
    assert study.size.hidden == smoke["03_pretraining"]["model"]["hidden"]
    assert settings.chapter_settings("04_xnli", "smoke", {"seeds": [7]}).seeds == [7]


def test_settings_are_validated_before_anything_runs(monkeypatch, capsys):
    with pytest.raises(ConfigError, match="twice"):
        settings.chapter_settings("04_xnli", "smoke", {"seeds": [0, 0]})
    with pytest.raises(ConfigError, match="not one of its settings"):
        settings.chapter_settings("06_ablation_mask_prob", "smoke", {"level": [0.1]})
    with pytest.raises(ConfigError, match="'claimed'"):
        pipeline.resolve_parameters(_source("06_ablation_mask_prob"), "smoke", {"claimed": 0.5})
    with pytest.raises(ConfigError, match="probe_sentences"):
        pipeline.resolve_parameters(_source("03_pretraining"), "smoke", {"probe_sentences": 51})
    with pytest.raises(ConfigError, match="should be int"):
        settings.chapter_settings("09_claims", "smoke", {"workers": "two"})
    with pytest.raises(ConfigError, match="calibration_qa_finetune.*head"):
        settings.chapter_settings(
            "03_pretraining", "smoke", {"calibration_qa_finetune": {"head": "pair-align"}}
        )
    with pytest.raises(ConfigError, match="calibration_qa_finetune' should be dict"):
        settings.chapter_settings("03_pretraining", "smoke", {"calibration_qa_finetune": [1]})
    assert (
        settings.chapter_settings(
            "03_pretraining", "smoke", {"calibration_qa_finetune": None}
        ).calibration_qa_finetune
        is None
    )
    # a bad value in a profile's YAML is refused too, naming the profile
    sections = profiles.load_profile("smoke")
    sections["05_mlqa"] = {**sections["05_mlqa"], "settings": ["few-shot"]}
    monkeypatch.setattr(profiles, "load_profile", lambda profile: sections)
    with pytest.raises(ConfigError, match=r"05_mlqa.py \(profile 'smoke'\).*few-shot"):
        pipeline.resolve_parameters(_source("05_mlqa"), "smoke")
    monkeypatch.undo()
    assert cli.main(["params", "04_xnli", "--profile", "smoke", "-p", "seeds", "[0, 0]"]) == 2
    assert "twice" in capsys.readouterr().err


def _record(report, chapter: str, profile: str, overrides=None):
    params = pipeline.resolve_parameters(_source(chapter), profile, overrides)
    pipeline.record_chapter(report, pipeline.ChapterRecord(chapter, profile, params, 1.0, 1.0))


def test_an_override_the_ledger_does_not_read_is_stated(tmp_path):
    """`weamlib run 04_xnli -p seeds [0]` fine-tunes with one seed; the ledger reads the
    profile's runs. Before, nothing said so; now the ledger names the chapter and value."""
    report = tmp_path / "build_report.json"
    for chapter in settings.ClaimsSettings.READS:
        _record(report, chapter, "smoke")
    assert settings.provenance("09_claims", "smoke", report=report) == []
    note = settings.provenance_note("09_claims", "smoke", report=report, always=True)
    assert "Every setting behind this page is the `smoke` profile's" in note
    assert "ran with them" in note and "records no run" not in note

    _record(report, "04_xnli", "smoke", {"seeds": [0]})
    lines = settings.provenance("09_claims", "smoke", report=report)
    assert len(lines) == 1 and "`04_xnli`" in lines[0]
    assert "`seeds` = `[0]` (the profile's: `[0, 1]`)" in lines[0]
    # the chapters that read chapter 04's plan say so too; chapter 05 does not read it
    assert settings.provenance("06_ablation_mask_prob", "smoke", report=report)
    assert not settings.provenance("05_mlqa", "smoke", report=report)
    # workers change no result and are not reported
    _record(report, "04_xnli", "smoke", {"workers": 1})
    assert settings.provenance("09_claims", "smoke", report=report) == []
    # a chapter last run under another profile
    _record(report, "03_pretraining", "paper-smoke")
    (line,) = settings.provenance("04_xnli", "smoke", report=report)
    assert "`03_pretraining`" in line and "`paper-smoke`" in line


def test_a_page_run_with_overrides_says_so(tmp_path):
    page = {"profile": "smoke", **settings.chapter_settings("04_xnli", "smoke").values()}
    report = tmp_path / "none.json"  # no build report: a plain papermill run
    assert settings.provenance_note("04_xnli", "smoke", page, report) == ""
    page["finetune"] = {**page["finetune"], "learning_rate": 0.01}
    note = settings.provenance_note("04_xnli", "smoke", page, report)
    assert "This page ran with settings that are not the `smoke` profile's" in note
    assert "`finetune`" in note and "0.01" in note
    # the ledger without a build report says which of its inputs it cannot vouch for
    text = settings.provenance_note("09_claims", "smoke", None, report, always=True)
    assert "records no run of 03_pretraining" in text


def test_recorded_parameters_tolerate_a_missing_or_broken_report(tmp_path):
    assert settings.recorded_parameters(tmp_path / "missing.json") == {}
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert settings.recorded_parameters(tmp_path / "bad.json") == {}
    (tmp_path / "ok.json").write_text(json.dumps({"chapters": {"04_xnli": {"profile": "x"}}}))
    assert settings.recorded_parameters(tmp_path / "ok.json") == {"04_xnli": {"profile": "x"}}


def test_pretraining_seeds_are_checked_and_name_the_base_and_continued_runs():
    study = settings.profile_settings("smoke")
    seeded = study.with_seed(7)
    assert seeded.base.seed == 7 and seeded.config("weam").seed == 7
    assert seeded.config("weam").steps == study.config("weam").steps
    assert settings.chapter_settings("03_pretraining", "default").pretrain_seeds == [0, 1, 2]
    for bad in ([], [0, 0], [0, "1"], 0):
        with pytest.raises(ConfigError, match="pretrain_seeds"):
            settings.chapter_settings("03_pretraining", "smoke", {"pretrain_seeds": bad})
    with pytest.raises(ConfigError, match="must hold the base model's seed"):
        settings.chapter_settings("03_pretraining", "smoke", {"pretrain_seeds": [1, 2]})


def test_the_default_regime_is_the_calibrated_one():
    """The default profile runs the regime its calibration picked (chapter 03; calibration
    probe 12): a base that reads its corpus at most about once, read by the aligning head,
    one candidate that is the profile's regime, fine-tuned with the results chapters'
    recipe."""
    from weamlib.study import calibration
    from weamlib.synth.suite import SynthConfig

    chapter = settings.chapter_settings("03_pretraining", "default")
    study = chapter.study
    xnli = settings.chapter_settings("04_xnli", "default").plan.config
    suite = SynthConfig.for_profile("default")
    assert xnli.head == "pair-align"
    sentences_read = (
        study.base.steps * study.base.batch_size * (2 if study.base.base_rows == "pair" else 1)
    )
    corpus = suite.mono_sentences * len(suite.languages)
    assert sentences_read <= 1.1 * corpus  # each sentence read about once, not six times
    runs = [c for c in chapter.calibration
            if calibration.runs_candidate(c, chapter.model, chapter.base, xnli.head)]  # fmt: skip
    assert len(runs) == 1
    mlqa = settings.chapter_settings("05_mlqa", "default").finetune
    assert chapter.calibration_qa_finetune == {
        k: v for k, v in mlqa.items() if k != "translate_train"
    }  # chapter 05's recipe, English only
    shared = {k: v for k, v in chapter.calibration_finetune.items() if k != "threads"}
    assert shared.items() <= {"epochs": xnli.epochs, "learning_rate": xnli.learning_rate,
                              "batch_size": xnli.batch_size,
                              "group_by_length": xnli.group_by_length}.items()  # fmt: skip
