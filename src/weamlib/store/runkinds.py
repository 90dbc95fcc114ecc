"""What each kind of cached run computes with: one :class:`RunSpec` for its lookup and its
computation alike.

A run's key is a hash of its kind, its config (which holds the digests of its inputs:
suite, tokenizer, base model, alignments) and the digest of the *normalised* source of the
modules in :data:`CODE` for its kind, with everything they import from weamlib
(:mod:`weamlib.store.codehash`). The modules named here hold the computations themselves; the
code that finds, plans or shows runs lives elsewhere, so editing it re-keys nothing.
``tests/store/test_runkinds.py`` pins each kind's closure.

May import: :mod:`weamlib.store.runs` (and so :mod:`weamlib.store.codehash`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib.store.runs import Run, RunStore

# kind -> the weamlib modules whose code (with their imports) a run of that kind runs
CODE: dict[str, tuple[str, ...]] = {
    "synth": ("weamlib.synth.suite",),
    "realsuite": ("weamlib.data.realsuite",),
    "tokenizer": ("weamlib.data.tokenize",),
    "align": ("weamlib.align.corpus",),
    "pretrain": ("weamlib.train.pretrain",),
    "finetune_nli": ("weamlib.train.finetune",),
    "finetune_qa": ("weamlib.train.finetune",),
    "probe": ("weamlib.eval.probe",),
    "benchmark": ("weamlib.train.pretrain", "weamlib.models.objectives", "weamlib.models.model"),
}


@dataclass(frozen=True)
class RunSpec:
    """One run: its kind and config; its code is the kind's (:data:`CODE`), so looking a run
    up and computing it can never build different keys."""

    kind: str
    config: Any

    def __post_init__(self):
        if self.kind not in CODE:
            raise ValueError(f"unknown run kind {self.kind!r}; known: {', '.join(CODE)}")

    @property
    def code(self) -> tuple[str, ...]:
        return CODE[self.kind]

    def key(self, store: RunStore) -> str:
        return store.key(self.kind, self.config, self.code)

    def path(self, store: RunStore) -> Path:
        return store.path(self.kind, self.config, self.code)

    def get(self, store: RunStore) -> Run | None:
        return store.get(self.kind, self.config, self.code)

    def run(self, store: RunStore, fn: Callable[[Path], Mapping | None]) -> Run:
        return store.run(self.kind, self.config, fn, self.code)
