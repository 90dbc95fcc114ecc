"""Phenomena of NLI items (what a hypothesis changed) and accuracy broken down by them."""

from __future__ import annotations

import pytest

from weamlib.data.suitefiles import load_nli, load_phenomena, suite_languages
from weamlib.eval.breakdown import phenomenon_frame, phenomenon_table
from weamlib.store.runs import Run, RunStore
from weamlib.synth.meaning import Entity, Event, Place
from weamlib.synth.phenomena import edit_kinds, record
from weamlib.synth.suite import ensure_suite

DOG = Entity("dog", (("size", "big"),))
PREMISE = Event("run", DOG, place=Place("in", Entity("park")), time="yesterday")


@pytest.mark.parametrize(
    "hypothesis, kinds",
    [
        (Event("run", Entity("dog"), place=Place("in", Entity("park")), time="yesterday"),
         [("drop_attr", "size")]),
        (Event("run", Entity("animal", (("size", "big"),)), place=Place("in", Entity("park")),
               time="yesterday"), [("generalise", None)]),
        (Event("run", Entity("dog", (("size", "small"),)), place=Place("in", Entity("park")),
               time="yesterday"), [("swap_attr", "size")]),
        (Event("run", Entity("dog", (("size", "big"),), 3), place=Place("in", Entity("park")),
               time="yesterday"), [("number", None)]),
        (Event("run", DOG, time="yesterday"), [("drop_place", None)]),
        (Event("run", DOG, place=Place("near", Entity("park")), time="yesterday"),
         [("place_relation", None)]),
        (Event("walk", Entity("cat", (("size", "big"),)), place=Place("in", Entity("park"))),
         [("verb", None), ("referent", None), ("drop_time", None)]),
    ],
)  # fmt: skip
def test_edit_kinds_hand_worked(hypothesis, kinds):
    assert edit_kinds(PREMISE, hypothesis) == kinds


def test_record_names_polarity_and_counts_edits():
    negated = Event("run", Entity("dog"), negated=True)
    rec = record(PREMISE, negated)
    assert rec["polarity"] == "mixed" and rec["n_edits"] == 3
    assert rec["edits"] == "drop_attr,drop_place,drop_time" and rec["dimensions"] == "size"
    assert record(negated, negated) == {
        "edits": "none", "n_edits": 0, "dimensions": "", "polarity": "negated"
    }  # fmt: skip


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    return ensure_suite("smoke", 0, RunStore(tmp_path_factory.mktemp("runs")))


def test_suite_records_every_dev_and_test_item(suite):
    for split in ("dev", "test"):
        rows = load_phenomena(suite, split)
        assert len(rows) == len(load_nli(suite, split, "en"))
        assert all(r["polarity"] in ("positive", "negated", "mixed") for r in rows)
        # a hypothesis differs from its premise in its meaning or its polarity
        assert all(r["n_edits"] > 0 or r["polarity"] == "mixed" for r in rows)
        assert {"drop_attr", "swap_attr"} <= {k for r in rows for k in r["edits"].split(",")}


def test_breakdown_counts_hand_made_predictions(suite, tmp_path):
    langs = suite_languages(suite)[:2]
    gold = {lang: [e.label for e in load_nli(suite, "test", lang)] for lang in langs}
    folder = tmp_path / "run"
    folder.mkdir()
    # English all correct; the second language wrong on every item that swaps an attribute
    records = load_phenomena(suite, "test")
    wrong = {"entailment": "neutral", "neutral": "contradiction", "contradiction": "entailment"}
    for lang in langs:
        pred = [
            wrong[g] if lang != "en" and "swap_attr" in r["edits"].split(",") else g
            for g, r in zip(gold[lang], records, strict=True)
        ]
        (folder / f"predictions-test-{lang}.txt").write_text("".join(p + "\n" for p in pred))
    frame = phenomenon_frame([Run(folder, {}, {})], suite, langs)
    table = phenomenon_table(frame, langs)
    assert table.loc["attribute swapped", "en"] == 100.0
    assert table.loc["attribute swapped", langs[1]] == 0.0
    n_swap = sum("swap_attr" in r["edits"].split(",") for r in records)
    assert table.loc["attribute swapped", "n"] == n_swap
    assert table.loc["all items", langs[1]] == pytest.approx(100 * (1 - n_swap / len(records)))
    (folder / f"predictions-test-{langs[1]}.txt").write_text("entailment\n")
    with pytest.raises(ValueError, match="1 predictions"):
        phenomenon_frame([Run(folder, {}, {})], suite, langs)
