"""A run's key covers the part of the suite it reads, and it reads nothing else.

``suite_digest(suite, reads)`` keys pre-training, fine-tuning and probe runs on their own
files only, so a suite rebuilt with more QA items re-keys the QA runs and no other. That
is safe only if each run really reads nothing outside its ``reads``: Python's audit hook
records every file a run opens inside the suite folder while it computes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from weamlib.eval import probe
from weamlib.models.model import ModelSize
from weamlib.store.digests import read_by, suite_digest
from weamlib.store.runs import RunStore
from weamlib.synth.suite import ensure_suite
from weamlib.train import finetune, pretrain_runs
from weamlib.train.pretrain import PretrainConfig

TINY = ModelSize(layers=1, hidden=32, heads=2, intermediate=64)
BASE = PretrainConfig("base", steps=4, batch_size=8, logging_steps=2, save_steps=2)
WEAM = PretrainConfig(
    "weam", steps=4, batch_size=8, logging_steps=2, save_steps=2, heldout_pairs=50
)
NLI = finetune.NLIFinetuneConfig(epochs=1, threads=1, train_limit=40)
QA = finetune.QAFinetuneConfig(
    epochs=1, threads=1, max_length=64, doc_stride=16, max_query_length=20, train_limit=40
)

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _opened is not None and isinstance(args[0], str | os.PathLike):
        _opened.append(os.fspath(args[0]))


sys.addaudithook(_audit)  # hooks stay for the process: inert unless a test records


@contextmanager
def reads_of(suite: Path):
    """The suite files (relative paths) opened inside the block, as a set filled on exit."""
    global _opened
    found: set[str] = set()
    _opened = []
    try:
        yield found
    finally:
        root = suite.resolve()
        for name in _opened:
            path = Path(name).resolve()
            if path.is_relative_to(root):
                found.add(path.relative_to(root).as_posix())
        _opened = None


def _outside(files: set[str], reads) -> list[str]:
    return sorted(
        f for f in files if f != "manifest.json" and not any(read_by(f, r) for r in reads)
    )


@pytest.fixture(scope="module")
def suites(tmp_path_factory):
    """The smoke suite, and the same suite built with fewer QA training items."""
    store = RunStore(tmp_path_factory.mktemp("suites"))
    return ensure_suite("smoke", 0, store), ensure_suite("smoke", 0, store, qa_train=30)


def test_more_qa_items_rekey_the_qa_runs_only(suites):
    a, b = suites
    assert suite_digest(a) != suite_digest(b)
    assert (a / "mono" / "en.txt").read_bytes() == (b / "mono" / "en.txt").read_bytes()
    for reads in (pretrain_runs.SUITE_READS, probe.SUITE_READS, finetune.NLI.reads):
        assert suite_digest(a, reads) == suite_digest(b, reads), reads
    assert suite_digest(a, finetune.QA.reads) != suite_digest(b, finetune.QA.reads)
    # each part is its own key: NLI's files are not QA's
    assert suite_digest(a, ("nli",)) != suite_digest(a, ("qa",))


def test_an_edited_file_rekeys_the_runs_that_read_it(suites, tmp_path):
    copy = tmp_path / "suite"
    shutil.copytree(suites[0], copy)
    before = {r: suite_digest(copy, (r,)) for r in ("mono", "nli", "qa")}
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    entry = next(f for f in manifest["files"] if f["path"] == "nli/dev-en.tsv")
    entry["sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    after = {r: suite_digest(copy, (r,)) for r in ("mono", "nli", "qa")}
    assert after["nli"] != before["nli"]
    assert (after["mono"], after["qa"]) == (before["mono"], before["qa"])
    del entry["sha256"]  # an entry without its hash: the whole manifest keys the run
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert suite_digest(copy, ("nli",)) == suite_digest(copy)


def test_read_by_matches_whole_path_parts():
    assert read_by("nli/dev-en.tsv", "nli") and read_by("nli/dev-en.tsv", "nli/")
    assert read_by("languages.json", "languages.json")
    assert not read_by("nlix/dev-en.tsv", "nli") and not read_by("qa.json", "qa")


def test_runs_open_no_suite_file_outside_their_reads(suites, tmp_path):
    suite = suites[0]
    store = RunStore(tmp_path / "runs")
    with reads_of(suite) as pre:
        pretrain_runs.ensure_pretrained(suite, WEAM, TINY, 300, BASE, store, False)
    assert {"mono/en.txt", "parallel/en-vela.txt"} <= pre
    assert _outside(pre, pretrain_runs.SUITE_READS) == []
    base = pretrain_runs.ensure_pretrained(suite, BASE, TINY, 300, None, store, False)
    model = base.file("model")
    for task, cfg in ((finetune.NLI, NLI), (finetune.QA, QA)):
        with reads_of(suite) as seen:
            finetune.ensure_finetune(task, model, suite, cfg, store=store)
        assert any(read_by(f, task.reads[0]) for f in seen), task.name
        assert _outside(seen, task.reads) == [], task.name
    with reads_of(suite) as seen:
        probe.ensure_probe(model, suite, ["vela"], 20, store=store, max_words=50)
    assert "parallel/en-vela.txt" in seen
    assert _outside(seen, probe.SUITE_READS) == []
