"""The pre-training runs of the study: found, keyed, trained once and stored.

:func:`ensure_pretrained` keys a run by its config, the digests of its inputs (suite,
tokenizer, the base run it continues, the alignment code when its links come from an
aligner) and the code of :mod:`weamlib.train.pretrain` (``RunSpec("pretrain", ...)``), then
trains it there if it is not in the store. The alignments a continued objective needs are
computed (or read) here, outside the computation's code, as their own ``"align"`` runs.

May import: :mod:`weamlib.train.pretrain`, :mod:`weamlib.align`, :mod:`weamlib.data.tokenize`,
:mod:`weamlib.store.runkinds` and below.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from weamlib.core.errors import ConfigError
from weamlib.data.suitefiles import suite_languages
from weamlib.models import objectives as obj
from weamlib.models.model import ModelSize
from weamlib.store.codehash import code_digest
from weamlib.store.digests import model_digest, suite_digest, tokenizer_digest
from weamlib.store.runkinds import CODE, RunSpec
from weamlib.store.runs import Run, RunStore
from weamlib.train.pretrain import (
    PretrainConfig,
    compute_pretraining,
    import_model,
    parallel_pairs,
    world,
)

PIPELINE_ALIGNER = {"eflomal": "eflomal", "fastalign": "fastalign"}
SYMMETRIZE = "grow-diag-final-and"


# What pre-training reads of a suite (its key covers these files only): the tokenizer's
# languages.json (script copies), the monolingual text, the parallel text and gold links
SUITE_READS = ("languages.json", "mono", "parallel")


def study_tokenizer(suite, vocab_size: int, store: RunStore | None = None):
    """The one tokenizer of the study for this suite and vocabulary size."""
    from weamlib.data.tokenize import ensure_tokenizer

    return ensure_tokenizer(suite, vocab_size=vocab_size, store=store)


def _wait_for_everyone() -> None:
    if world()[1] > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()


def import_base(cfg: PretrainConfig, store: RunStore | None = None) -> Run:
    """The base model given by ``cfg.init_model`` (a Hub id such as
    ``bert-base-multilingual-cased``, or a local ``save_pretrained`` folder), stored as a
    run like a trained base model, so every later step reads it the same way. A local
    folder is keyed by the digest of its files, a Hub id by the id (the download is
    cached by ``transformers``; ``HF_HUB_OFFLINE=1`` reads only that cache)."""
    store = store or RunStore()
    local = Path(cfg.init_model).expanduser()
    source = str(local.resolve()) if local.is_dir() else cfg.init_model
    config = {"import": cfg.init_model, "digest": model_digest(local) if local.is_dir() else None}

    def compute(folder: Path) -> dict:
        return {**import_model(source, folder, cfg.init_model), "init_model": cfg.init_model}

    return RunSpec("pretrain", config).run(store, compute)


def pair_links(suite, lang: str, source: str, seed: int, store: RunStore | None) -> list:
    """Word links of every en-``lang`` pair for ``alignment_source`` (see
    :func:`weamlib.models.objectives.alignment_for_source`)."""
    from weamlib.align.corpus import ensure_alignments, load_links

    pairs, gold = parallel_pairs(suite, lang)
    if gold is None and source in ("gold", "shuffled"):
        raise ConfigError(
            f"alignment_source {source!r} needs gold links, and the en-{lang} corpus of"
            f" {suite} has none (real data): use eflomal, fastalign or none"
        )
    lengths = [(len(s), len(t)) for s, t in pairs]
    predicted = None
    if source in PIPELINE_ALIGNER:
        run = ensure_alignments(suite, f"en-{lang}", PIPELINE_ALIGNER[source], SYMMETRIZE, 0, store)
        predicted = load_links(run)
    gold_links = None if gold is None else [sorted(ls.sure) for ls in gold]
    return obj.alignment_for_source(source, gold_links, predicted, lengths, seed)


def pretrain_links(suite, cfg: PretrainConfig, store: RunStore | None) -> dict[str, list]:
    """``{lang: word links of every en-lang pair}`` for a continued objective."""
    source = cfg.alignment_source if cfg.uses_alignment else "none"
    return {
        lang: pair_links(suite, lang, source, cfg.seed, store)
        for lang in suite_languages(suite)[1:]
    }


def pretrain_config(
    suite, cfg: PretrainConfig, size: ModelSize, vocab_size: int, init_run: Run | None,
    store: RunStore,
) -> dict:  # fmt: skip
    """The cache key of the run of ``cfg`` (continued from ``init_run``, or None)."""
    if init_run is not None and init_run.results.get("init_model"):  # an imported model
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(init_run.file("model")))
    else:
        tokenizer = study_tokenizer(suite, vocab_size, store)
    config = {
        "pretrain": cfg.key(),
        "model": asdict(size),
        "suite": suite_digest(suite, SUITE_READS),
        "tokenizer": tokenizer_digest(tokenizer),
        "init": init_run.path.name if init_run else None,
    }
    if cfg.objective != "base" and cfg.uses_alignment and cfg.alignment_source in PIPELINE_ALIGNER:
        # The links come from an alignment run of the same suite: its code is an input.
        config["alignment_code"] = code_digest(CODE["align"])
    return config, tokenizer


def find_pretrained(
    suite, cfg: PretrainConfig, size: ModelSize, vocab_size: int, base: PretrainConfig | None,
    store: RunStore | None = None,
) -> Run | None:  # fmt: skip
    """The stored run of ``cfg``, or None; trains nothing but the base model if needed."""
    store = store or RunStore()
    if cfg.objective == "base":
        if cfg.init_model:
            return import_base(cfg, store)
        config, _ = pretrain_config(suite, cfg, size, vocab_size, None, store)
    else:
        init_run = ensure_pretrained(suite, base, size, vocab_size, None, store)
        config, _ = pretrain_config(suite, cfg, size, vocab_size, init_run, store)
    return RunSpec("pretrain", config).get(store)


def ensure_pretrained(
    suite,
    cfg: PretrainConfig,
    size: ModelSize,
    vocab_size: int,
    base: PretrainConfig | None = None,
    store: RunStore | None = None,
    progress: bool = True,
) -> Run:
    """The pre-trained model of ``cfg``, trained once and cached (kind ``"pretrain"``).

    A continued objective needs ``base`` (the base model's config), which is trained (or,
    with ``init_model``, imported) first if it is not in the store. ``run.file("model")``
    is the ``save_pretrained`` folder. Under ``accelerate launch`` every process trains
    its share of each batch and the main process stores the run.
    """
    store = store or RunStore()
    suite = Path(suite)
    if cfg.objective == "base" and cfg.init_model:
        return import_base(cfg, store)
    init_run = None
    if cfg.objective != "base":
        if base is None or base.objective != "base":
            raise ConfigError(
                f"objective {cfg.objective!r} continues from a base model: give `base`"
            )
        init_run = ensure_pretrained(suite, base, size, vocab_size, None, store, progress)
    config, tokenizer = pretrain_config(suite, cfg, size, vocab_size, init_run, store)
    spec = RunSpec("pretrain", config)
    checkpoint_dir = store.root / "pretrain-checkpoints" / spec.path(store).name

    def compute(folder: Path) -> dict:
        links = None if cfg.objective == "base" else pretrain_links(suite, cfg, store)
        init_dir = init_run.file("model") if init_run else None
        return compute_pretraining(
            folder, suite, cfg, size, tokenizer, links, init_dir, checkpoint_dir, progress
        )

    rank, size_ = world()
    if size_ > 1 and rank != 0:
        found = spec.get(store)
        if found is None:  # train alongside the main process, which stores the run
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                compute(Path(tmp))
            _wait_for_everyone()
            found = spec.get(store)
        if found is None:
            raise RuntimeError(f"rank {rank}: the main process did not store the run")
        return found
    cached = spec.get(store)
    run = cached or spec.run(store, compute)
    if cached is None:
        _wait_for_everyone()
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return run


def _pretrain_job(suite, cfg, size, vocab_size, base, root: str) -> str:
    return str(ensure_pretrained(suite, cfg, size, vocab_size, base, RunStore(root), True).path)


def loss_history(run: Run) -> list[dict]:
    """The logged training losses of a pre-training run (``trainer_state.json``)."""
    state = json.loads(run.file("model/trainer_state.json").read_text(encoding="utf-8"))
    return [h for h in state["log_history"] if "loss" in h]


def loss_frame(runs: dict[str, Run]):
    """Tidy frame of the logged losses: model, step, loss, mlm_loss, cross_loss."""
    import pandas as pd

    rows = []
    for name, run in runs.items():
        for h in loss_history(run):
            rows.append(
                {
                    "model": name,
                    "step": h["step"],
                    "loss": h["loss"],
                    "mlm_loss": h.get("mlm_loss"),
                    "cross_loss": h.get("cross_loss"),
                }
            )
    return pd.DataFrame(rows)
