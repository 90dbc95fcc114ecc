"""The calibration's summary and decision rule on hand-built scores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from weamlib.core.errors import ConfigError
from weamlib.study import calibration as calib


def _scores():
    rows = []
    for cand, en_dev, xx in (
        ("small", [80.0, 84.0], [40.0, 30.0]),
        ("big", [90.0, 88.0], [34.0, 36.0]),
    ):
        for seed, (dev, other) in enumerate(zip(en_dev, xx, strict=True)):
            rows.append(
                {"candidate": cand, "seed": seed, "split": "dev", "language": "en", "value": dev}
            )
            rows.append(
                {"candidate": cand, "seed": seed, "split": "dev", "language": "xx", "value": 99.0}
            )
            rows.append(
                {
                    "candidate": cand,
                    "seed": seed,
                    "split": "test",
                    "language": "en",
                    "value": dev - 1,
                }
            )
            rows.append(
                {"candidate": cand, "seed": seed, "split": "test", "language": "xx", "value": other}
            )
            rows.append(
                {
                    "candidate": cand,
                    "seed": seed,
                    "split": "test",
                    "language": "yy",
                    "value": other + 2,
                }
            )
    return pd.DataFrame(rows)


def test_summary_means_and_spread():
    table = calib.summary(_scores()).set_index("candidate")
    assert table.loc["small", "en dev"] == pytest.approx(82.0)
    assert table.loc["small", "en dev SD"] == pytest.approx(2 * 2**0.5)
    assert table.loc["big", "en test"] == pytest.approx(88.0)
    assert table.loc["small", "xx"] == pytest.approx(35.0)
    assert table.loc["small", "others (mean)"] == pytest.approx(36.0)


def test_choice_uses_english_dev_only():
    scores = _scores()
    decision = calib.choose(calib.summary(scores))
    assert decision == {
        "candidate": "big",
        "en_dev": 89.0,
        "in_target": True,
        "target": (85.0, 97.0),
    }
    # target-language results do not move the choice
    scores.loc[(scores.candidate == "small") & (scores.language != "en"), "value"] = 100.0
    assert calib.choose(calib.summary(scores))["candidate"] == "big"
    # below the band is reported as such
    low = scores.assign(value=scores.value - 30)
    assert calib.choose(calib.summary(low))["in_target"] is False


def test_candidate_specs_are_checked():
    with pytest.raises(ConfigError, match="unknown"):
        calib.Candidate.from_dict({"name": "x", "model": {}, "base": {}, "lr": 1})
    with pytest.raises(ConfigError, match="steps"):
        calib.Candidate.from_dict({"name": "x", "model": {}, "base": {"steps": 0}})
    with pytest.raises(ConfigError):
        calib.choose(pd.DataFrame(columns=["candidate", "en dev"]))


def test_above_chance_uses_binomial_error():
    scores = _scores()
    # 900 items: SE = 1.57 points, so chance + 2 SE = 36.5
    assert calib.above_chance(scores, "small", 900) == ["yy"]  # xx 35.0, yy 37.0
    assert calib.above_chance(scores, "big", 900) == ["yy"]  # xx 35.0, yy 37.0
    assert calib.above_chance(scores, "big", 100) == []


def test_paired_difference_by_seed():
    scores = _scores()  # small: 80, 84; big: 90, 88 on English dev
    d = calib.paired_difference(scores, "big", "small")
    assert d["diff"] == pytest.approx(7.0) and d["n"] == 2
    # differences 10 and 4: SD 4.243, t(0.975, 1) = 12.706 -> half width 38.12
    assert d["high"] - d["diff"] == pytest.approx(12.7062 * 4.2426 / 2**0.5, rel=1e-3)
    assert d["inconclusive"] is True
    one = calib.paired_difference(scores[scores.seed == 0], "big", "small")
    assert one["n"] == 1 and one["inconclusive"] is True


def test_candidates_may_change_fine_tuning_and_share_a_base_model(monkeypatch):
    from weamlib.study import calibration as calib

    spec = {"name": "A", "model": {"layers": 1}, "base": {"steps": 10}}
    a = calib.Candidate.from_dict({**spec, "finetune": {"head": "pair-mean"}})
    assert dict(a.finetune) == {"head": "pair-mean"}
    with pytest.raises(ConfigError, match="head"):
        calib.Candidate.from_dict({**spec, "finetune": {"head": "max"}})
    with pytest.raises(ConfigError, match="finetune"):
        calib.Candidate.from_dict({**spec, "finetune": {"nope": 1}})
    jobs = []

    def fake_parallel(fn, job_list, workers=None, labels=None):
        jobs.append((fn.__name__, len(job_list)))
        if fn.__name__ == "_base_job":
            return [("/x", {"parameters": 1, "final_loss": 1.0, "seconds": 1.0,
                            "tokens_per_second": 1.0})] * len(job_list)  # fmt: skip
        return [{"scores": {"accuracy": {"dev": {"en": 50.0}}}}] * len(job_list)

    monkeypatch.setattr(calib, "run_parallel", fake_parallel)
    cands = [
        {**spec, "name": "A cls"},
        {**spec, "name": "A pair", "finetune": {"head": "pair-mean"}},
    ]
    bases, scores = calib.evaluate_candidates("suite", cands, 50, {"epochs": 1}, [0, 1])
    assert jobs == [("_base_job", 1), ("_finetune_job", 4)]  # one base model for both
    assert list(bases["fine-tuning"]) == ["shared", "head=pair-mean"]
    assert len(scores) == 4


def _candidates():
    return [
        {"name": "small", "model": {"layers": 1}, "base": {"steps": 10}},
        {"name": "big", "model": {"layers": 2}, "base": {"steps": 10},
         "finetune": {"head": "pair-mean"}},
    ]  # fmt: skip


def _bases():
    return pd.DataFrame({"candidate": ["small", "big"], "minutes": [1.0, 4.0]})


def test_outcome_when_the_profile_runs_another_candidate():
    scores = _scores()
    out = calib.outcome(
        calib.summary(scores), scores, _bases(), _candidates(), {"layers": 1}, {"steps": 10},
        "cls", n_test=10_000, n_languages=3, n_seeds=5, n_pretrain_seeds=3,
    )  # fmt: skip
    assert out.decision["candidate"] == "big" and not out.matches and out.used == "small"
    assert out.text.startswith("The rule picks **big**, with 89.0 % English dev accuracy")
    assert "Against small, the English dev difference is +7.0 points" in out.text
    assert "**below the 85–97 % target**" not in out.text  # 89 % is inside it
    assert "**The profile's settings are not this regime**" in out.text
    assert out.budget.startswith(
        "The profile runs **small**: 82.0 % English dev (-7.0 points against the rule's pick)"
    )
    assert "its base model took 1.0 min to pre-train, the pick's 4.0 min" in out.budget
    assert "pre-train every model with 3 seeds, fine-tune each with 5 seeds" in out.budget
    assert "a budget decision against the rule" in out.budget
    # a profile that runs a costlier regime than the pick is no budget decision
    dear = calib.outcome(
        calib.summary(scores), scores, _bases().assign(minutes=[9.0, 4.0]), _candidates(),
        {"layers": 1}, {"steps": 10}, "cls", n_test=10_000, n_languages=3, n_seeds=5,
    )  # fmt: skip
    assert "budget decision" not in dear.budget
    assert "the rule disagrees with them" in dear.budget
    assert out.summary.endswith(
        "the profile runs **small** instead (a budget decision, explained above)."
    )


def test_outcome_when_the_profile_runs_the_pick():
    scores = _scores()
    out = calib.outcome(
        calib.summary(scores), scores, _bases(), _candidates(), {"layers": 2}, {"steps": 10},
        "pair-mean", n_test=50, n_languages=3, n_seeds=2,
    )  # fmt: skip
    assert out.matches and out.used == "big" and out.budget == ""
    assert out.text.endswith("The profile's settings are this regime.")
    assert "does not transfer" in out.text  # 35 % on 50 items is within two SE of chance
    assert out.summary.endswith("target 85–97 %); the profile runs that regime.")
    assert calib.runs_candidate(_candidates()[0], {"layers": 1}, {"steps": 10}, "cls")
    assert not calib.runs_candidate(_candidates()[0], {"layers": 1}, {"steps": 10}, "pair-mean")


def test_outcome_below_the_target_points_to_the_probes_that_looked_for_a_regime():
    scores = _scores()
    low = scores.assign(value=scores.value - 30)
    out = calib.outcome(
        calib.summary(low), low, _bases(), _candidates(), {"layers": 2}, {"steps": 10},
        "pair-mean", n_test=50, n_languages=3, n_seeds=2,
    )  # fmt: skip
    assert "with 59.0 % English dev accuracy" in out.text
    assert "That is **below the 85–97 % target**." in out.text
    assert "`pair-align` head" in out.text
    assert "still below the design's target" in out.text  # the profile runs the pick
    other = calib.outcome(
        calib.summary(low), low, _bases(), _candidates(), {"layers": 1}, {"steps": 10},
        "pair-mean", n_test=50, n_languages=3, n_seeds=2,
    )  # fmt: skip
    assert "That regime is not this profile's." in other.text
    assert "`calibration_probe4.md` to `calibration_probe12.md`" in out.text
    for probe in range(4, 13):
        if probe != 7:  # probe 7 is recorded inside probe 5's file
            assert (
                Path(__file__).parents[2] / f"benchmarks/recorded/calibration_probe{probe}.md"
            ).is_file()


def _qa_scores(en_dev: dict[str, list[float]]):
    rows = []
    for cand, values in en_dev.items():
        for seed, dev in enumerate(values):
            for split, lang, value in (
                ("dev", "en", dev),
                ("test", "en", dev - 2),
                ("test", "xx", dev / 2),
            ):
                rows.append(
                    {"candidate": cand, "seed": seed, "split": split, "language": lang,
                     "value": value}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_summary_adds_the_english_qa_scores():
    qa = _qa_scores({"small": [50.0, 60.0], "big": [70.0, 74.0]})
    table = calib.summary(_scores(), qa).set_index("candidate")
    assert table.loc["small", "QA en dev"] == pytest.approx(55.0)
    assert table.loc["small", "QA en dev SD"] == pytest.approx(50**0.5)
    assert table.loc["big", "QA en test"] == pytest.approx(70.0)
    assert table.loc["big", "QA others (mean)"] == pytest.approx(36.0)
    assert table.loc["small", "en dev"] == pytest.approx(82.0)  # NLI columns unchanged
    english, transfer = calib.split_summary(table.reset_index())
    assert list(english.columns) == [
        "en dev", "en dev SD", "en test", "QA en dev", "QA en dev SD", "QA en test",
    ]  # fmt: skip
    assert list(transfer.columns) == ["others (mean)", "QA others (mean)", "xx", "yy"]
    assert list(english.index) == ["small", "big"]
    with pytest.raises(ConfigError, match="'big' has no QA scores"):
        calib.summary(_scores(), qa[qa.candidate == "small"])


def test_choice_with_qa_weighs_the_weaker_task():
    # NLI en dev: small 82, big 89 (target 85): margins -3 and +4
    nli = _scores()
    # QA en dev 79 (margin -1) for small, 70 (-10) for big: big's QA is its weaker task
    # (-10), small's is NLI (-3): small wins, though big is better on NLI
    d = calib.choose(calib.summary(nli, _qa_scores({"small": [79.0, 79.0], "big": [70.0, 70.0]})))
    assert d["candidate"] == "small" and d["margin"] == pytest.approx(-3.0)
    assert d["qa_dev"] == pytest.approx(79.0)
    assert not d["nli_in_target"] and not d["qa_in_target"] and not d["in_target"]
    # big in both bands: chosen and in target
    d = calib.choose(calib.summary(nli, _qa_scores({"small": [90.0, 90.0], "big": [84.0, 84.0]})))
    assert d["candidate"] == "big" and d["margin"] == pytest.approx(4.0)
    assert d["nli_in_target"] and d["qa_in_target"] and d["in_target"]
    assert d["qa_target"] == (80.0, 95.0)
    # QA above its band (a ceiling) is not in target
    d = calib.choose(calib.summary(nli, _qa_scores({"small": [99.0, 99.0], "big": [99.0, 99.0]})))
    assert d["candidate"] == "big" and not d["qa_in_target"]
    # ties go to the first listed
    d = calib.choose(calib.summary(nli, _qa_scores({"small": [60.0, 60.0], "big": [60.0, 60.0]})))
    assert d["candidate"] == "small"


def test_qa_calibration_fine_tunes_each_base_model_once_per_seed(monkeypatch):
    jobs = []

    def fake_parallel(fn, job_list, workers=None, labels=None):
        jobs.append((fn.__name__, list(labels)))
        if fn.__name__ == "_base_job":
            return [(f"/base{i}", {}) for i in range(len(job_list))]
        return [
            {"scores": {"f1": {"dev": {"en": 10.0 * i + cfg.seed}}}}
            for i, (_, _, cfg, _) in enumerate(job_list)
        ]

    monkeypatch.setattr(calib, "run_parallel", fake_parallel)
    spec = {"model": {"layers": 1}, "base": {"steps": 10}}
    cands = [
        {**spec, "name": "A mean", "finetune": {"head": "pair-mean"}},
        {**spec, "name": "A align", "finetune": {"head": "pair-align"}},
        {"name": "B", "model": {"layers": 1}, "base": {"steps": 20}},
    ]
    scores = calib.evaluate_candidates_qa("suite", cands, 50, {"epochs": 1}, [0, 1])
    assert jobs[0][0] == "_base_job" and len(jobs[0][1]) == 2  # two base models
    assert jobs[1] == (
        "_qa_job",
        ["QA fine-tune A mean seed 0", "QA fine-tune A mean seed 1",
         "QA fine-tune B seed 0", "QA fine-tune B seed 1"],
    )  # fmt: skip
    by = scores.set_index(["candidate", "seed"]).value
    assert by["A mean", 1] == by["A align", 1] == 11.0  # the shared base's runs
    assert by["B", 0] == 20.0 and by["B", 1] == 31.0
    with pytest.raises(ConfigError, match="finetune"):
        calib.evaluate_candidates_qa("suite", cands, 50, {"head": "pair-mean"}, [0])


def test_outcome_with_qa_names_both_tasks_and_their_targets():
    nli = _scores()  # NLI en dev: small 82, big 89
    qa = _qa_scores({"small": [60.0, 62.0], "big": [72.0, 76.0]})
    table = calib.summary(nli, qa)
    out = calib.outcome(
        table, nli, _bases(), _candidates(), {"layers": 2}, {"steps": 10}, "pair-mean",
        n_test=50, n_languages=3, n_seeds=2, qa_scores=qa,
    )  # fmt: skip
    assert out.decision["candidate"] == "big" and out.matches
    assert "picks **big**, with 89.0 % English NLI dev accuracy" in out.text
    assert "and 74.0 English QA dev F1" in out.text
    assert "the lower end of its target: 85 % English NLI dev accuracy, 80 English QA" in out.text
    assert "Against small, the English dev difference is +7.0 points" in out.text
    assert "and +13.0 F1 (95 % interval" in out.text
    assert "NLI accuracy is inside the 85–97 % target." in out.text
    assert "QA F1 is **below its 80–95 target**." in out.text
    assert "`calibration_probe15.md`" in out.text
    assert (Path(__file__).parents[2] / "benchmarks/recorded/calibration_probe15.md").is_file()
    assert out.summary.startswith(
        "The calibration rule picks **big** (89.0 % English dev accuracy, 74.0 English QA dev"
        " F1; target 85–97 % and 80–95 F1); the profile runs that regime."
    )
    other = calib.outcome(
        table, nli, _bases(), _candidates(), {"layers": 1}, {"steps": 10}, "cls",
        n_test=50, n_languages=3, n_seeds=2, qa_scores=qa,
    )  # fmt: skip
    assert other.used == "small"
    assert "and 61.0 English QA dev F1 (-13.0 against the pick)" in other.budget
    with pytest.raises(ConfigError, match="qa_scores"):
        calib.outcome(
            table, nli, _bases(), _candidates(), {"layers": 2}, {"steps": 10}, "pair-mean",
            n_test=50, n_languages=3, n_seeds=2,
        )  # fmt: skip


def test_outcome_states_the_positive_control_of_the_pick():
    """The chapter that chooses the regime says whether the pick's base model keeps half
    of English's margin over chance on the script-only control (DESIGN §3), for the pick
    alone and without it changing the choice."""
    scores = _scores()
    ctrl = scores[(scores.split == "test") & (scores.language == "en")].assign(language="ctl")
    # big: English test 89 and 87 (mean 88), control 40 and 44 (mean 42): 16 % of 54.7
    ctrl.loc[ctrl.candidate == "big", "value"] = [40.0, 44.0]
    ctrl.loc[ctrl.candidate == "small", "value"] = [80.0, 80.0]
    with_ctrl = pd.concat([scores, ctrl], ignore_index=True)
    args = (_bases(), _candidates(), {"layers": 2}, {"steps": 10}, "pair-mean")
    kw = dict(n_test=10_000, n_languages=4, n_seeds=2)
    plain = calib.outcome(calib.summary(scores), scores, *args, **kw)
    out = calib.outcome(calib.summary(with_ctrl), with_ctrl, *args, **kw, controls=["ctl"])
    assert out.decision["candidate"] == plain.decision["candidate"] == "big"
    said = (
        "the script-only control `ctl` keeps 16 % of English's margin over chance (42.0 against"
        " 88.0, chance 33.3): the regime is broken by DESIGN §3's rule (under half)"
    )
    assert "Positive control (zero-shot NLI test accuracy of the pick's base model" in out.text
    assert said in out.text and out.summary.endswith(f"Positive control: {said}.")
    assert "Positive control" not in plain.text + plain.summary
    # a control that keeps more than half holds
    held = with_ctrl.copy()
    held.loc[(held.language == "ctl") & (held.candidate == "big"), "value"] = 80.0
    out = calib.outcome(calib.summary(held), held, *args, **kw, controls=["ctl"])
    assert (
        "keeps 85 % of English's margin over chance (80.0 against 88.0, chance 33.3): the"
        " regime holds" in out.text
    )
