"""End to end: the paper profile's code path (`make book PROFILE=paper-smoke`): every
chapter on real files of ../shared/data with a tiny random model of mBERT's architecture,
and the Jupyter Book build (slow: a few minutes)."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import build_isolated_book

from weamlib.book import pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def paper_smoke_book(tmp_path_factory, shared_data):
    return build_isolated_book(tmp_path_factory, "paper-smoke")


def _notebook(book, stem):
    return nbformat.read(book["dir"] / "chapters" / f"{stem}.ipynb", as_version=4)


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") + "".join(str(v) for v in o.get("data", {}).values()))
    return "\n".join(out)


def test_every_chapter_executes_on_real_data(paper_smoke_book):
    chapters = paper_smoke_book["report"]["chapters"]
    assert set(chapters) == {p.stem for p in pipeline.chapters()}
    for source in pipeline.chapters():
        nb = _notebook(paper_smoke_book, source.stem)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{source.name}: {errors}"
        assert chapters[source.stem]["profile"] == "paper-smoke"
    assert (paper_smoke_book["dir"] / "_build" / "html" / "chapters" / "04_xnli.html").is_file()


def test_models_were_trained_and_scored_on_the_real_suite(paper_smoke_book):
    cache = paper_smoke_book["cache"]
    suites = list((cache / "realsuite").glob("*/suite/manifest.json"))
    assert len(suites) == 1
    manifest = json.loads(suites[0].read_text())
    assert manifest["kind"] == "real" and manifest["tasks"]["qa"] == list(manifest["languages"])
    runs = [
        (json.loads((p.parent / "config.json").read_text())["config"], json.loads(p.read_text()))
        for p in (cache / "finetune_nli").glob("*/results.json")
    ]
    assert runs
    one = [(c, r) for c, r in runs if c["setting"] == "translate-train-one"]
    for config, results in runs:
        scored = set(results["scores"]["accuracy"]["test"])
        if config["setting"] == "translate-train-one":  # its own language alone
            assert scored == set(results["train_languages"]) < set(manifest["tasks"]["nli"])
        else:  # every XNLI language of the real suite
            assert scored == set(manifest["tasks"]["nli"])
    # base and WEAM, one run per non-English XNLI language
    assert len(one) == 2 * (len(manifest["tasks"]["nli"]) - 1)
    text = _text(_notebook(paper_smoke_book, "01_data"))
    assert "TyDiQA-GoldP English train (stand-in for SQuAD v1.1)" in text
    assert "zh: characters" in text
    ch08 = _text(_notebook(paper_smoke_book, "08_alignment_sources"))
    assert "sets no translation noise" in ch08
