"""What chapter 03 says about its runs, on hand-built frames (weamlib.study.pretrain_report)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from weamlib.study import pretrain_report as report
from weamlib.study.settings import profile_settings


class FakeRun:
    def __init__(self, **results):
        self.results = results


def _losses():
    rows = []
    for step in range(1, 21):  # base: 20 logs, loss 10 - step / 4
        rows.append({"model": "base", "step": step, "loss": 10 - step / 4,
                     "mlm_loss": None, "cross_loss": None})  # fmt: skip
    for step, (mlm, cross) in enumerate([(5, 6), (4, 5), (3, 4), (2, 3)], start=1):
        rows.append({"model": "weam", "step": step, "loss": mlm + cross, "mlm_loss": mlm,
                     "cross_loss": cross})  # fmt: skip
        rows.append({"model": "word_aligned", "step": step, "loss": 0, "mlm_loss": 10.0 / step,
                     "cross_loss": 0.5 * step})  # fmt: skip
    return pd.DataFrame(rows)


def test_loss_numbers_and_their_text():
    n = report.loss_numbers(_losses())
    assert n["base_first"] == pytest.approx((9.75 + 9.5) / 2)  # first tenth: two logs
    assert n["base_last"] == pytest.approx((5.25 + 5.0) / 2)
    assert n["weam_mlm"] == pytest.approx(3.0) and n["weam_cross"] == pytest.approx(4.0)
    assert n["aligned_first"] == 10.0 and n["aligned_last"] == 2.5
    assert n["aligned_regulariser"] == 2.0
    text = report.loss_text(n)
    assert text.startswith("The base model's MLM loss falls from 9.62 (first tenth")
    assert "falls from 10.0 to 2.5, while its English regulariser ends at 2.00." in text
    assert report.loss_summary(n) == (
        "The base model's MLM loss falls from 9.62 to 5.12; at the end WEAM's cross-lingual"
        " prediction loss is 4.00 against 3.00 for its multilingual prediction."
    )


def _probes():
    rows = []
    for model, shift in (("base", 0.0), ("tlm", 5.0), ("weam", 2.0)):
        for task, value in (("sentence_retrieval", 50.0), ("word_retrieval", 20.0)):
            for lang, extra in (("de", 0.0), ("fr", 10.0)):
                for layer in (0, 1, 2):
                    rows.append({"model": model, "task": task, "language": lang,
                                 "layer": layer, "value": value + shift + extra + layer})  # fmt: skip
    return pd.DataFrame(rows)


def test_last_layer_probes_and_their_text():
    table = report.last_layer(_probes())
    assert table.loc[("sentence_retrieval", "tlm"), "mean"] == pytest.approx(62.0)
    assert list(table.columns) == ["de", "fr", "mean"]
    n = report.probe_numbers(table)
    assert n["best_sentence"] == "tlm" and n["best_word"] == "tlm"
    text = report.probe_text(n, seed=3)
    assert "is 57.0 % for the base model and ranges from 57.0 % to 62.0 %" in text
    assert "highest for tlm (32.0 %)" in text and "(seed 3)" in text
    assert "57.0–62.0 % across models (tlm highest)" in report.probe_summary(n)


def test_runs_table_and_models_paragraph():
    runs = {"base": FakeRun(steps=60, final_loss=5.123, seconds=90, tokens_per_second=1234.567)}
    table = report.runs_table(runs)
    assert table.to_dict("index") == {
        "base": {"steps": 60, "final loss": 5.12, "minutes": 1.5, "tokens/s": 1234.57}
    }
    settings = profile_settings("smoke")
    text = report.about_models(settings, 300, 7)
    assert text.startswith("One WordPiece vocabulary of 300 entries serves every model")
    assert f"The base model trains for {settings.base.steps} steps of 16 sentences." in text
    pairs = dataclasses.replace(settings, base=dataclasses.replace(settings.base, base_rows="pair"))
    assert "steps of 16 rows of two sentences" in report.about_models(pairs, 300, 7)
    assert text.endswith(f"{settings.config('weam').batch_size} pairs over 6 en–X corpora.")
    paper = report.about_models(profile_settings("paper"), 119547, 16)
    assert paper.startswith("The base model is `bert-base-multilingual-cased`, imported as it")


def test_benchmark_tables_and_texts():
    bench = {"reference": 100.0, "mlm": 200.0, "tlm": 150.0, "word_aligned": 120.0,
             "weam": 125.0, "weam_over_tlm_step": 1.2, "measured_at": "today", "threads": 1,
             "load_average": [0.5, 0.4, 0.3]}  # fmt: skip
    speed = report.speed_table(bench)
    assert speed.loc["mlm", "× reference"] == 2.0 and list(speed.index)[0] == "reference"
    assert "runs at 2.00× the fp32 reference's tokens/s (bar: ≥ 3×)" in report.speed_text(bench)
    assert "per real token" not in report.speed_text(bench)
    per_token = report.speed_text({**bench, "weam_cost_over_mlm": 1.42})
    assert "per real token, WEAM costs 1.42× the base MLM" in per_token
    assert "load average 0.5 at the start" in report.speed_text(bench)
    assert "a WEAM step costs 1.20× a TLM step." in report.speed_summary(bench)
    gpu = pd.DataFrame({
        "device": ["H100"] * 4, "stage": ["reference", "mlm_control", "tlm", "weam"],
        "tokens/s": [100.0, 150.0, 120.0, 100.0], "date": ["d"] * 4, "commit": ["c"] * 4,
    })  # fmt: skip
    (text,) = report.gpu_texts(gpu)
    assert text == (
        "On the H100 (d, commit c), a WEAM step costs 1.20× a TLM step and the MLM control"
        " runs at 1.50× the Hugging Face reference."
    )
    assert report.bullets(["a", "b"]) == "* a\n* b"


def test_script_copy_note_counts_the_controls_pieces_and_its_exact_splits(tmp_path):
    from weamlib.data.tokenize import ensure_tokenizer, script_copies
    from weamlib.store.runs import RunStore
    from weamlib.synth.suite import ensure_suite

    store = RunStore(tmp_path / "runs")
    suite = ensure_suite("smoke", 0, store)
    tok = ensure_tokenizer(suite, vocab_size=300, store=store)
    letters = set("".join(script_copies(suite)["feng"]["characters"].values()))
    own = [p for p in tok.get_vocab() if set(p.removeprefix("##")) <= letters]
    settings = profile_settings("smoke")
    note = report.script_copy_note(suite, tok, settings)
    imported = dataclasses.replace(settings.base, init_model="bert-base-multilingual-cased")
    assert report.script_copy_note(suite, tok, dataclasses.replace(settings, base=imported)) == ""
    assert f"its {len(own)} entries are the pieces of `en` re-spelt" in note
    assert "so 180 of its 180 dev sentences split exactly" in note  # 90 items, two sentences
    # the control's entries come after every learnt one
    assert sorted(tok.convert_tokens_to_ids(own)) == list(range(len(tok) - len(own), len(tok)))
