"""Each kind of run is keyed by the code it computes with, and only that code."""

from __future__ import annotations

import pytest

from weamlib.store import codehash, runkinds
from weamlib.store.runs import RunStore

# Never in the closure of a computation: orchestration, the notebook pipeline, plots, the
# ledger, the CLI, the study's plans.
NOT_COMPUTATION = {
    "weamlib.book.pipeline",
    "weamlib.study.experiments",
    "weamlib.claims.ledger",
    "weamlib.cli.main",
    "weamlib.study.calibration",
    "weamlib.study.settings",
    "weamlib.study.pretrain_report",
    "weamlib.study.alignment_plots",
    "weamlib.align.report",
    "weamlib.synth.report",
}

# The pinned closures (modules besides the kind's own roots): a new import into a
# computation must be a decision, made here.
PINNED = {
    "tokenizer": {
        "weamlib",
        "weamlib.core",
        "weamlib.core.errors",
        "weamlib.data",
        # the suite's languages.json, read once for every kind (its script copies)
        "weamlib.data.formats",
        "weamlib.data.suitefiles",
    },
    "pretrain": {
        "weamlib",
        "weamlib.align",
        "weamlib.align.projection",
        "weamlib.core",
        "weamlib.core.errors",
        "weamlib.core.precision",
        "weamlib.data",
        "weamlib.data.formats",
        "weamlib.data.suitefiles",
        "weamlib.data.tokenize",
        "weamlib.models",
        "weamlib.models.fastdropout",
        "weamlib.models.model",
        "weamlib.models.objectives",
        "weamlib.store",
        "weamlib.store.digests",
        "weamlib.train",
    },
}


@pytest.mark.parametrize("kind", sorted(runkinds.CODE))
def test_no_computation_reaches_orchestration(kind):
    closure = set(codehash.closure(runkinds.CODE[kind]))
    assert not closure & NOT_COMPUTATION, (kind, closure & NOT_COMPUTATION)
    assert not any(m.startswith("weamlib.cli") for m in closure), kind


def test_training_never_depends_on_the_generator_or_the_aligners():
    for kind in ("pretrain", "finetune_nli", "finetune_qa", "tokenizer"):
        closure = set(codehash.closure(runkinds.CODE[kind]))
        assert not {m for m in closure if m.startswith("weamlib.synth")}, kind
        assert not closure & {"weamlib.align.corpus", "weamlib.align.eflomal_wrapper"}, kind
        assert not closure & {"weamlib.align.fastalign", "weamlib.data.realsuite"}, kind


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_closures_are_pinned(kind):
    closure = set(codehash.closure(runkinds.CODE[kind])) - set(runkinds.CODE[kind])
    assert closure == PINNED[kind]


def test_runspec_looks_up_what_it_computes(tmp_path):
    store = RunStore(tmp_path)
    spec = runkinds.RunSpec("tokenizer", {"a": 1})
    assert spec.get(store) is None
    run = spec.run(store, lambda folder: {"x": 1})
    assert spec.get(store) == run and run.path == spec.path(store)
    assert spec.key(store) == store.key("tokenizer", {"a": 1}, runkinds.CODE["tokenizer"])
    with pytest.raises(ValueError, match="unknown run kind"):
        runkinds.RunSpec("nope", {})
