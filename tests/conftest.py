"""Shared fixtures: the real data directory and an isolated run store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real files for loader tests (skips when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def run_store(tmp_path, monkeypatch):
    from weamlib.store.runs import RunStore

    monkeypatch.setenv("WEAM_CACHE", str(tmp_path / "runs"))
    return RunStore(tmp_path / "runs")


def save_tiny_bert(folder, tokenizer, layers: int = 1, seed: int = 0):
    """A tiny random ``BertForMaskedLM`` (hidden 32) saved with ``tokenizer`` in ``folder``;
    returns the model (eval mode)."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    model = BertForMaskedLM(config).eval()
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return model


def build_isolated_book(tmp_path_factory, profile: str) -> dict:
    """The whole book of ``profile``, built into a temporary copy of book/ with a fresh run
    store: ``{"dir", "report", "cache"}``."""
    from weamlib.book import pipeline

    book = tmp_path_factory.mktemp(f"book-{profile}")
    pipeline.copy_book_sources(book)
    old = os.environ.get("WEAM_CACHE")
    cache = tmp_path_factory.mktemp(f"runs-{profile}")
    os.environ["WEAM_CACHE"] = str(cache)
    try:
        report = pipeline.build_book(profile, book_dir=book, log=lambda *a, **k: None)
    finally:
        if old is None:
            os.environ.pop("WEAM_CACHE")
        else:
            os.environ["WEAM_CACHE"] = old
    return {"dir": book, "report": report, "cache": cache}
