"""Fine-tuning under the zero-shot protocol, written once for every task.

A pre-trained model folder (a ``save_pretrained`` BERT with its tokenizer beside it) gets a
fresh task head and is fine-tuned by a short explicit loop (:func:`train_loop`): AdamW,
linear warm-up then linear decay, shuffled batches, dynamic padding. It replaced the
Hugging Face ``Trainer``, which fine-tuned the study's small models 7-13 points below such
a loop on English dev (``../shared/CALIBRATION.md``, probe 3; its gradient clipping and
length-grouped batches each cost about 3 points there; ``benchmarks/bench_finetune.py``
measures both paths). The loop groups batches by length only when asked
(``group_by_length``, :mod:`weamlib.train.batches`); on the regime of calibration probe 16
that kept English dev and cut an NLI epoch's time by about 40 %.

**Model selection uses English dev only**: after every epoch the model is
scored on English dev (accuracy for NLI, F1 for QA) and the best state (the first epoch
reaching the highest score) is kept in memory and restored at the end; no target-language
data is read before training and selection are over. The selected model is then scored on
the dev and test sets of every language. (The one exception is the setting that trains on
one target language alone, below: it selects on that language's dev set.)

A task is a :class:`Task`: its config class, loaders, model class, encoding of training
items and scoring. :data:`NLI` (XNLI-style classification) and :data:`QA` (MLQA-style
extractive QA) are its two instances; :func:`finetune` trains and selects, and
:func:`ensure_finetune` is the cached run (kinds ``finetune_nli`` and ``finetune_qa``).

Settings: ``"zero-shot"`` trains on English train only. ``"translate-train"`` trains on
the suite's translated training sets: each English training item is replaced by its
realisation in one of the training languages, assigned round-robin
(``translate_train="mix"``); or English in full plus one translation of each item, the
targets round-robin (``"en+mix"``: twice the items of zero-shot per epoch, so English is
trained as zero-shot trains it); or every set is used in full (``"union"``, XTREME's
translate-train-all: ``k`` times as many items per epoch). ``"translate-train-one"``
trains on one target language's translated training set alone, without English, and
selects and scores on that language (the per-language translate-train of the paper:
one run per target language).

Heads: NLI uses BERT's pooled ``[CLS]`` (``head="cls"``) or the segment-mean head of
:mod:`weamlib.models.heads` (``head="pair-mean"``); QA uses ``BertForQuestionAnswering`` with the
windows and n-best decoding of :mod:`weamlib.train.qa`, scored with the official MLQA metric.
``precision`` (:mod:`weamlib.core.precision`): fp32, or bf16 autocast with fp32 master weights.

May import: :mod:`weamlib.models.heads`, :mod:`weamlib.train.qa`, :mod:`weamlib.train.metrics`,
:mod:`weamlib.data.suitefiles`, :mod:`weamlib.data.formats`, :mod:`weamlib.core.precision` and below.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib.core.errors import ConfigError
from weamlib.core.precision import PRECISIONS, autocast, default_device, resolve
from weamlib.core.progress import say
from weamlib.data.formats import NLI_LABELS, NLIExample, QAExample
from weamlib.data.suitefiles import load_nli, load_qa, qa_path, suite_languages
from weamlib.models.fastdropout import use_fast_dropout
from weamlib.models.heads import NLI_HEADS
from weamlib.store.digests import model_digest, suite_digest
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import Run, RunStore
from weamlib.train.batches import epoch_batches
from weamlib.train.metrics import accuracy, mlqa_evaluate
from weamlib.train.qa import QAFeatureConfig, decode_spans, encode_qa_eval, encode_qa_train

KIND = "finetune_nli"
QA_KIND = "finetune_qa"
SETTINGS = ("zero-shot", "translate-train", "translate-train-one")
ONE_LANGUAGE = "translate-train-one"
# the rows of a zero-shot run's target languages under target-dev ("oracle") selection
ORACLE_SETTING = "zero-shot (oracle selection)"
TRANSLATE_TRAIN = ("mix", "en+mix", "union")
SPLITS = ("dev", "test")
LABEL2ID = {label: i for i, label in enumerate(NLI_LABELS)}
ID2LABEL = dict(enumerate(NLI_LABELS))
FRAME_COLUMNS = ("model", "task", "setting", "language", "split", "seed", "metric", "value")

__all__ = [
    "FRAME_COLUMNS",
    "NLI",
    "QA",
    "TASKS",
    "NLIFinetuneConfig",
    "QAFinetuneConfig",
    "Task",
    "ensure_finetune",
    "ensure_nli_finetune",
    "ensure_qa_finetune",
    "finetune",
    "finetune_nli",
    "finetune_qa",
    "finetune_spec",
    "train_loop",
    "model_digest",
    "nli_frame",
    "nli_logits",
    "predict_nli",
    "predict_qa",
    "results_frame",
    "translate_train_items",
]


# --------------------------------------------------------------------------- config


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and value == value  # not NaN


def _check_common(cfg) -> None:
    def bad(name: str, rule: str) -> ConfigError:
        return ConfigError(f"finetune.{name} must be {rule}, got {getattr(cfg, name)!r}")

    if not _is_number(cfg.learning_rate) or not 0 < cfg.learning_rate < float("inf"):
        raise bad("learning_rate", "a number > 0")
    for name in ("epochs", "batch_size", "eval_batch_size"):
        if not _is_int(getattr(cfg, name)) or getattr(cfg, name) < 1:
            raise bad(name, "an int >= 1")
    if not _is_number(cfg.warmup_ratio) or not 0 <= cfg.warmup_ratio < 1:
        raise bad("warmup_ratio", "a number in [0, 1)")
    if not _is_number(cfg.weight_decay) or not 0 <= cfg.weight_decay < float("inf"):
        raise bad("weight_decay", "a number >= 0")
    if not _is_int(cfg.seed) or cfg.seed < 0:
        raise bad("seed", "an int >= 0")
    if cfg.train_limit is not None and (not _is_int(cfg.train_limit) or cfg.train_limit < 1):
        raise bad("train_limit", "None or an int >= 1")
    if cfg.threads is not None and (not _is_int(cfg.threads) or cfg.threads < 1):
        raise bad("threads", "None or an int >= 1")
    if cfg.translate_train not in TRANSLATE_TRAIN:
        raise bad("translate_train", f"one of {', '.join(TRANSLATE_TRAIN)}")
    if cfg.precision not in PRECISIONS:
        raise bad("precision", f"one of {', '.join(PRECISIONS)}")
    for name in ("freeze_embeddings", "group_by_length"):
        if not isinstance(getattr(cfg, name), bool):
            raise bad(name, "true or false")


@dataclass(frozen=True)
class NLIFinetuneConfig:
    """NLI fine-tuning settings (all part of a run's cache key).

    ``head``: ``"cls"`` (BERT's pooled ``[CLS]``), ``"pair-mean"`` or ``"pair-align"``
    (:mod:`weamlib.models.heads`).
    ``warmup_ratio``: fraction of all steps spent in linear warm-up, then linear decay to 0.
    ``train_limit``: use at most this many items of each training file (None: all).
    ``translate_train``: how translate-train combines languages (module docstring).
    ``threads``: torch intra-op threads while training and predicting (None: leave torch's
    setting). ``precision``: ``"fp32"``, ``"bf16"`` or ``"auto"`` (:mod:`weamlib.core.precision`;
    the key holds the resolved one). ``group_by_length``: batches of items of about the same
    length (:mod:`weamlib.train.batches`; less padding, the same items per epoch).
    """

    learning_rate: float = 3e-4
    epochs: int = 5
    batch_size: int = 32
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0
    train_limit: int | None = None
    eval_batch_size: int = 256
    threads: int | None = None
    head: str = "cls"
    translate_train: str = "mix"
    precision: str = "auto"
    freeze_embeddings: bool = False
    group_by_length: bool = False

    def __post_init__(self):
        _check_common(self)
        if not _is_int(self.max_length) or self.max_length < 4:
            raise ConfigError(
                "finetune.max_length must be an int >= 4 ([CLS] premise [SEP] hypothesis"
                f" [SEP]), got {self.max_length!r}"
            )
        if self.head not in NLI_HEADS:
            raise ConfigError(
                f"finetune.head must be one of {', '.join(NLI_HEADS)}, got {self.head!r}"
            )


@dataclass(frozen=True)
class QAFinetuneConfig:
    """Extractive QA fine-tuning settings (all part of a run's cache key).

    ``max_length``, ``doc_stride``, ``max_query_length``, ``n_best``, ``max_answer_length``:
    the windows and span decoding of :class:`weamlib.train.qa.QAFeatureConfig` (the SQuAD recipe:
    384 / 128 / 64 / 20 / 30). The other fields as in :class:`NLIFinetuneConfig`.
    """

    learning_rate: float = 3e-4
    epochs: int = 2
    batch_size: int = 32
    max_length: int = 384
    doc_stride: int = 128
    max_query_length: int = 64
    n_best: int = 20
    max_answer_length: int = 30
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0
    train_limit: int | None = None
    eval_batch_size: int = 128
    threads: int | None = None
    translate_train: str = "mix"
    precision: str = "auto"
    freeze_embeddings: bool = False
    group_by_length: bool = False

    def __post_init__(self):
        _check_common(self)
        _ = self.features  # validates the window settings

    @property
    def features(self) -> QAFeatureConfig:
        return QAFeatureConfig(
            max_length=self.max_length,
            doc_stride=self.doc_stride,
            max_query_length=self.max_query_length,
            n_best=self.n_best,
            max_answer_length=self.max_answer_length,
        )


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads (None: unchanged), then restore."""
    import torch

    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _quiet_transformers(quiet: bool) -> Iterator[None]:
    """Silence transformers' warnings and progress bars for the block (then restore them)."""
    from transformers.utils import logging as hf_logging

    if not quiet:
        yield
        return
    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


# Parameters a pre-trained MLM folder does not hold: the new heads (and BERT's pooler,
# which only NSP pre-training trains; here it starts random like the classifier).
_NEW_PARAMETERS = ("classifier.", "bert.pooler.", "qa_outputs.")


def _check_loaded(model_dir: Path, info: dict) -> None:
    """Refuse a folder whose encoder weights were not found (it would train from random)."""
    missing = sorted(k for k in info.get("missing_keys", ()) if not k.startswith(_NEW_PARAMETERS))
    bad = sorted(info.get("mismatched_keys", ()))
    if missing or bad:
        listed = ", ".join((missing + [str(b) for b in bad])[:5])
        raise ValueError(
            f"{model_dir}: the pre-trained weights do not fit the task model;"
            f" missing or mismatched: {listed}{' ...' if len(missing) + len(bad) > 5 else ''}"
        )


def prepare(model):
    """What the study does to a loaded task model before fine-tuning it: dropout masks drawn
    cheaply (:mod:`weamlib.models.fastdropout`, as in pre-training; the same rates).
    Returns the model."""
    return use_fast_dropout(model)


def freeze_word_embeddings(model):
    """Stop training the word-piece embeddings of ``model`` (a BERT task model); returns it.

    Zero-shot fine-tuning updates only the pieces of the training language; the others keep
    their pre-trained vectors while the layers above adapt to the moved ones. Frozen, every
    language's pieces stay where pre-training put them relative to each other (the
    embedding-freezing of Artetxe et al. 2020 and Wu & Dredze 2019). Tied to the MLM decoder
    in pre-training; a task model has no decoder, so nothing else is frozen.
    """
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def _load(model_class, model_dir: Path, progress: bool, max_length: int, **kwargs):
    """The task model and tokenizer of ``model_dir``, the model on the study's device
    (:func:`weamlib.core.precision.default_device`: a GPU when there is one, where the
    precision of the run's key was resolved); refuses a ``max_length`` beyond the model's
    positions."""
    from transformers import AutoTokenizer

    with _quiet_transformers(not progress):
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model, info = model_class.from_pretrained(
            str(model_dir),
            output_loading_info=True,
            **kwargs,
        )
    _check_loaded(model_dir, info)
    prepare(model).to(default_device())
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and max_length > limit:
        raise ConfigError(
            f"finetune.max_length is {max_length}, but the model of {model_dir}"
            f" has {limit} positions: lower max_length"
        )
    return model, tokenizer


# --------------------------------------------------------------------------- encoding


def _encode(tokenizer, examples: Sequence[NLIExample], max_length: int) -> list[dict]:
    """Unpadded features of premise/hypothesis pairs (truncated longest-first)."""
    if not examples:
        return []
    enc = tokenizer(
        [e.premise for e in examples],
        [e.hypothesis for e in examples],
        truncation=True,
        max_length=max_length,
    )
    keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
    return [{k: enc[k][i] for k in keys} for i in range(len(examples))]


def _with_labels(features: list[dict], examples: Sequence[NLIExample], what: str) -> list[dict]:
    for i, (feature, example) in enumerate(zip(features, examples, strict=True)):
        if example.label not in LABEL2ID:
            raise ValueError(
                f"{what} example {i} has label {example.label!r}; expected one of"
                f" {', '.join(NLI_LABELS)}"
            )
        feature["labels"] = LABEL2ID[example.label]
    return features


_PAD_KEYS = ("input_ids", "token_type_ids", "attention_mask")


def _pad_batch(features: Sequence[dict], pad_id: int):
    """Tensors of a batch padded to its longest item (attention mask 0 on padding); other
    integer fields (``labels``, ``start_positions``, ``end_positions``) are stacked."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    batch = {}
    for key, fill in zip(_PAD_KEYS, (pad_id, 0, 0), strict=True):
        if key not in features[0]:
            continue
        rows = [list(f[key]) + [fill] * (width - len(f[key])) for f in features]
        batch[key] = torch.tensor(rows, dtype=torch.long)
    for key in features[0]:
        if key not in _PAD_KEYS:
            batch[key] = torch.tensor([f[key] for f in features], dtype=torch.long)
    return batch


def _logits(
    model, features: Sequence[dict], pad_id: int, batch_size: int, read, precision: str = "fp32"
):
    """``read(output)`` of every feature, in input order, batched longest first, the forward
    pass at ``precision`` (``"fp32"``, ``"bf16"`` or ``"auto"``).

    ``read`` maps a model output to an array ``(batch, ...)``; returns the rows as a list.
    """
    import torch

    if not _is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    out: list = [None] * len(features)
    order = sorted(range(len(features)), key=lambda i: (-len(features[i]["input_ids"]), i))
    device = next(model.parameters()).device
    precision = resolve(precision, device.type)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode(), autocast(precision, device.type):
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = _pad_batch(
                    [{k: features[i][k] for k in _PAD_KEYS if k in features[i]} for i in idx],
                    pad_id,
                )
                rows = read(model(**{k: v.to(device) for k, v in batch.items()}))
                for j, i in enumerate(idx):
                    out[i] = rows[j]
    finally:
        model.train(was_training)
    return out


# --------------------------------------------------------------------------- inference


def nli_logits(
    model,
    tokenizer,
    examples: Iterable[NLIExample],
    batch_size: int = 256,
    max_length: int = 128,
    precision: str = "auto",
):
    """Class logits ``(n, num_labels)`` (numpy float32) of ``examples``, in input order.

    Items are batched by length (longest first) and padded to the longest of their batch.
    """
    import numpy as np

    examples = list(examples)
    if not _is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if not examples:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    rows = _logits(
        model,
        _encode(tokenizer, examples, max_length),
        tokenizer.pad_token_id,
        batch_size,
        lambda out: out.logits.float().cpu().numpy(),
        precision,
    )
    return np.stack(rows).astype(np.float32)


def predict_nli(
    model,
    tokenizer,
    examples: Iterable[NLIExample],
    batch_size: int = 256,
    max_length: int = 128,
    precision: str = "auto",
) -> list[str]:
    """Predicted labels (from :data:`~weamlib.data.formats.NLI_LABELS`) of ``examples``, in order."""
    logits = nli_logits(model, tokenizer, examples, batch_size, max_length, precision)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    return [id2label[int(i)] for i in logits.argmax(-1)]


def predict_qa(
    model, tokenizer, examples: Iterable[QAExample], cfg: QAFinetuneConfig | None = None
) -> dict[str, str]:
    """Predicted answer text per question id: the best span over every window of the
    context (:func:`weamlib.train.qa.decode_spans`)."""
    import numpy as np

    cfg = cfg or QAFinetuneConfig()
    examples = list(examples)
    if not examples:
        return {}
    features, meta = encode_qa_eval(tokenizer, examples, cfg.features)
    rows = _logits(
        model,
        features,
        tokenizer.pad_token_id,
        cfg.eval_batch_size,
        lambda out: list(
            zip(
                out.start_logits.float().cpu().numpy(),
                out.end_logits.float().cpu().numpy(),
                strict=True,
            )
        ),
        cfg.precision,
    )
    width = max(len(f["input_ids"]) for f in features)
    start = np.full((len(rows), width), -1e9, dtype=np.float32)
    end = np.full((len(rows), width), -1e9, dtype=np.float32)
    for i, (s, e) in enumerate(rows):
        n = len(features[i]["input_ids"])
        start[i, :n], end[i, :n] = s[:n], e[:n]
    return decode_spans(examples, meta, start, end, cfg.features)


def qa_scores(examples: Sequence[QAExample], predictions: Mapping[str, str], lang: str) -> dict:
    """MLQA EM/F1 (0-100) of ``predictions`` over ``examples`` (every question counted)."""
    data = [
        {
            "paragraphs": [
                {
                    "context": e.context,
                    "qas": [
                        {
                            "id": e.id,
                            "question": e.question,
                            "answers": [{"text": t, "answer_start": s} for t, s in e.answers],
                        }
                    ],
                }
            ]
        }
        for e in examples
    ]
    return mlqa_evaluate(data, dict(predictions), lang)


# --------------------------------------------------------------------------- training


def _linear_schedule(step: int, warmup: int, total: int) -> float:
    """The learning-rate factor at ``step``: linear warm-up over ``warmup`` steps, then
    linear decay to 0 at ``total`` (``transformers.get_linear_schedule_with_warmup``)."""
    if step < warmup:
        return step / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def train_loop(
    model,
    train: Sequence[dict],
    cfg,
    pad_id: int,
    score_dev: Callable[[Any], float],
    label: str = "finetune",
    progress: bool = False,
) -> list[dict]:
    """Train ``model`` on the unpadded ``train`` features and select the epoch on dev.

    AdamW (``cfg.learning_rate``, ``cfg.weight_decay`` on every parameter; torch's fused
    implementation), linear warm-up over ``cfg.warmup_ratio`` of all steps then linear
    decay, ``cfg.epochs`` epochs of batches of ``cfg.batch_size`` in an order drawn from
    ``cfg.seed`` (a new permutation each epoch; grouped by length when
    ``cfg.group_by_length``, :mod:`weamlib.train.batches`), padded to their longest item;
    no gradient clipping. The forward pass runs at ``cfg.precision`` (resolved), weights and
    optimizer state stay fp32. After each epoch ``score_dev(model)`` is called; the best state (first
    epoch reaching the highest score) is restored at the end and the model left in eval
    mode.

    Returns one dict per epoch: ``epoch``, ``train_loss`` (mean over its steps),
    ``dev_score``, ``seconds`` (training time of the epoch).
    """
    import math

    import torch

    device = next(model.parameters()).device
    precision = resolve(cfg.precision, device.type)
    n = len(train)
    per_epoch = math.ceil(n / cfg.batch_size)
    total = per_epoch * cfg.epochs
    warmup = int(cfg.warmup_ratio * total)
    optimizer = torch.optim.AdamW(  # fused: one kernel for all weights (5 % of a CPU step)
        [p for p in model.parameters() if p.requires_grad],
        lr=cfg.learning_rate,
        weight_decay=cfg.weight_decay,
        fused=True,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: _linear_schedule(step, warmup, total)
    )
    order = torch.Generator().manual_seed(cfg.seed)
    lengths = [len(f["input_ids"]) for f in train]
    history: list[dict] = []
    best_score, best_state = None, None
    started, step = time.perf_counter(), 0
    say(f"  [{label}] {cfg.epochs} epochs of {per_epoch} steps ({precision})")
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        epoch_start, losses = time.perf_counter(), []
        for idx in epoch_batches(lengths, cfg.batch_size, order, cfg.group_by_length):
            batch = _pad_batch([train[i] for i in idx], pad_id)
            with autocast(precision, device.type):
                loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            step += 1
            if progress and step % max(1, per_epoch // 4) == 0:
                rate = (time.perf_counter() - started) / step
                say(
                    f"  [{label}] step {step}/{total} loss {sum(losses) / len(losses):.3f},"
                    f" {rate * (total - step):.0f} s left"
                )
        seconds = time.perf_counter() - epoch_start
        dev = float(score_dev(model))
        history.append(
            {
                "epoch": epoch,
                "train_loss": sum(losses) / len(losses),
                "dev_score": dev,
                "seconds": seconds,
            }
        )
        if best_score is None or dev > best_score:
            best_score = dev
            best_state = cpu_state(model)
        # one line an epoch even when quiet: an eight-epoch run is minutes long
        left = (time.perf_counter() - started) / epoch * (cfg.epochs - epoch)
        say(
            f"  [{label}] epoch {epoch}/{cfg.epochs} loss {history[-1]['train_loss']:.3f},"
            f" dev {dev:.1f}, {left:.0f} s left"
        )
    model.load_state_dict(best_state)
    model.eval()
    return history


def cpu_state(model) -> dict:
    """A copy of ``model``'s weights on the CPU (to restore an epoch later)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


# --------------------------------------------------------------------------- tasks


def _nli_model_class(cfg):
    from transformers import AutoModelForSequenceClassification

    from weamlib.models.heads import BertForPairAlignClassification, BertForPairClassification

    if cfg.head == "pair-mean":
        return BertForPairClassification
    if cfg.head == "pair-align":
        return BertForPairAlignClassification
    return AutoModelForSequenceClassification


def _nli_model_kwargs(cfg) -> dict:
    return {"num_labels": len(NLI_LABELS), "id2label": ID2LABEL, "label2id": LABEL2ID}


def _nli_check(examples: Sequence[NLIExample], what: str) -> None:
    _with_labels([{} for _ in examples], examples, what)


def _nli_train_features(tokenizer, examples, cfg) -> list[dict]:
    return _with_labels(_encode(tokenizer, examples, cfg.max_length), examples, "train")


def _nli_score(model, tokenizer, examples, cfg, lang, dataset=None):
    pred = predict_nli(
        model, tokenizer, examples, cfg.eval_batch_size, cfg.max_length, cfg.precision
    )
    return {"accuracy": accuracy([e.label for e in examples], pred)}, pred


def _qa_model_class(cfg):
    from transformers import AutoModelForQuestionAnswering

    return AutoModelForQuestionAnswering


def _qa_check(examples: Sequence[QAExample], what: str) -> None:
    for i, e in enumerate(examples):
        if not e.answers:
            raise ValueError(f"{what} QA item {i} (id {e.id!r}) has no answer")


def _qa_train_features(tokenizer, examples, cfg) -> list[dict]:
    return encode_qa_train(tokenizer, examples, cfg.features)


def _qa_score(model, tokenizer, examples, cfg, lang, dataset=None):
    """MLQA EM/F1 of the predictions; ``dataset``: the official SQuAD-format file's data
    (None: built from ``examples``)."""
    pred = predict_qa(model, tokenizer, examples, cfg)
    if dataset is None:
        return qa_scores(examples, pred, lang), pred
    return mlqa_evaluate(dataset, pred, lang), pred


@dataclass(frozen=True)
class Task:
    """One fine-tuning task: what :func:`finetune` and :func:`ensure_finetune` need of it.

    ``metrics``: the scores it reports, the first being the selection metric.
    ``load(suite, split, lang)``: the items of a suite's file. ``check(items, what)``:
    refuse unusable items before training. ``model_class(cfg)`` and ``model_kwargs(cfg)``:
    the Hugging Face class and ``from_pretrained`` arguments of its model.
    ``train_features(tokenizer, items, cfg)``: unpadded training features with labels.
    ``score(model, tokenizer, items, cfg, lang, dataset)``: ``({metric: 0-100},
    predictions or None)``. ``dataset``: the raw file of a split, for scorers that read
    it (QA), or None. ``reads``: the suite's folders a run reads (its key covers these
    files only, :func:`~weamlib.store.digests.suite_digest`).
    """

    name: str
    kind: str
    config_class: type
    metrics: tuple[str, ...]
    load: Callable
    check: Callable
    model_class: Callable
    model_kwargs: Callable
    train_features: Callable
    score: Callable
    reads: tuple[str, ...]
    dataset: Callable | None = None  # (suite, split, lang) -> the raw file's data
    # predictions as the file `weamlib evaluate <task>` reads, and that file's suffix
    dump_predictions: Callable = lambda pred: json.dumps(pred, ensure_ascii=False, indent=0)
    predictions_suffix: str = ".json"

    @property
    def metric(self) -> str:
        return self.metrics[0]


def _qa_dataset(suite, split: str, lang: str) -> dict:
    return json.loads(qa_path(suite, split, lang).read_text(encoding="utf-8"))


NLI = Task(
    name="xnli",
    kind=KIND,
    config_class=NLIFinetuneConfig,
    metrics=("accuracy",),
    load=load_nli,
    check=_nli_check,
    model_class=_nli_model_class,
    model_kwargs=_nli_model_kwargs,
    train_features=_nli_train_features,
    score=_nli_score,
    reads=("nli",),
    dump_predictions=lambda pred: "".join(f"{label}\n" for label in pred),
    predictions_suffix=".txt",
)
QA = Task(
    name="mlqa",
    kind=QA_KIND,
    config_class=QAFinetuneConfig,
    metrics=("f1", "exact_match"),
    load=load_qa,
    check=_qa_check,
    model_class=_qa_model_class,
    model_kwargs=lambda cfg: {},
    train_features=_qa_train_features,
    score=_qa_score,
    reads=("qa",),
    dataset=_qa_dataset,
)
TASKS: dict[str, Task] = {NLI.name: NLI, QA.name: QA}


def finetune(
    task: Task,
    model_dir: str | Path,
    train_examples: Iterable,
    dev_examples: Iterable,
    cfg=None,
    output_dir: str | Path | None = None,
    progress: bool = False,
    watch: Callable[[Any, Any], Any] | None = None,
    dev_language: str = "en",
):
    """Fine-tune the model of ``model_dir`` for ``task``; select the epoch on ``dev_examples``.

    ``dev_examples`` is the selection set, scored with ``dev_language``'s rule: under the
    zero-shot protocol, English dev only. Returns ``(model, tokenizer, history)``: the selected
    model (in eval mode), its tokenizer, and one dict per epoch with ``epoch``,
    ``train_loss``, ``dev_<metric>`` (0-100) and ``seconds``. ``output_dir``: when given,
    the selected model and its tokenizer are saved there with ``save_pretrained``.
    ``watch(model, tokenizer)``, when given, is called after each epoch's selection score
    (model in eval mode) and its value kept as the epoch's ``"watch"`` (the oracle
    selection of :func:`ensure_finetune` scores the target languages there; it never
    influences training or the English selection).
    """
    from transformers import set_seed

    cfg = cfg or task.config_class()
    if not isinstance(cfg, task.config_class):
        raise ConfigError(f"cfg must be a {task.config_class.__name__}, got {type(cfg).__name__}")
    train_examples, dev_examples = list(train_examples), list(dev_examples)
    if not train_examples:
        raise ValueError(f"fine-tuning {task.name} got no training examples")
    if not dev_examples:
        raise ValueError(f"fine-tuning {task.name} got no dev examples to select the model on")
    task.check(train_examples, "train")
    task.check(dev_examples, "dev")
    with torch_threads(cfg.threads):
        set_seed(cfg.seed)  # the new head (and pooler) is initialised here; dropout follows
        model, tokenizer = _load(
            task.model_class(cfg), Path(model_dir), progress, cfg.max_length,
            **task.model_kwargs(cfg),
        )  # fmt: skip
        if cfg.freeze_embeddings:
            freeze_word_embeddings(model)
        train = task.train_features(tokenizer, train_examples, cfg)

        watched = []

        def score_dev(m) -> float:
            score = task.score(m, tokenizer, dev_examples, cfg, dev_language)[0][task.metric]
            if watch is not None:
                watched.append(watch(m, tokenizer))
            return score

        history = train_loop(
            model, train, cfg, tokenizer.pad_token_id, score_dev,
            f"finetune {task.name} seed {cfg.seed}", progress,
        )  # fmt: skip
    for i, h in enumerate(history):
        h[f"dev_{task.metric}"] = h.pop("dev_score")
        if watch is not None:
            h["watch"] = watched[i]
    if output_dir is not None:
        model.save_pretrained(str(output_dir))
        tokenizer.save_pretrained(str(output_dir))
    return model, tokenizer, history


def finetune_nli(
    model_dir, train_examples, dev_examples, cfg=None, output_dir=None, progress=False
):
    """:func:`finetune` for :data:`NLI` (history: ``dev_accuracy``)."""
    return finetune(NLI, model_dir, train_examples, dev_examples, cfg, output_dir, progress)


def finetune_qa(model_dir, train_examples, dev_examples, cfg=None, output_dir=None, progress=False):
    """:func:`finetune` for :data:`QA` (history: ``dev_f1``); items without an answer are
    refused."""
    return finetune(QA, model_dir, train_examples, dev_examples, cfg, output_dir, progress)


# --------------------------------------------------------------------------- cached runs


def _check_choices(values: Sequence[str], allowed: Sequence[str], name: str) -> list[str]:
    values = [values] if isinstance(values, str) else list(values)
    if not values:
        raise ConfigError(f"{name} must name at least one of {', '.join(allowed)}")
    for v in values:
        if v not in allowed:
            raise ConfigError(f"{name}: unknown value {v!r}; expected one of {', '.join(allowed)}")
    if len(set(values)) != len(values):
        raise ConfigError(f"{name} lists a value twice: {values}")
    return values


def translate_train_items(per_language: Mapping[str, Sequence], mode: str = "mix") -> list:
    """The translate-train set from aligned per-language lists (item i of every list is the
    same meaning; the first language is English).

    ``"mix"``: item i is taken from language ``i mod k`` (k languages, in the given order),
    so the set has as many items as one list. ``"en+mix"``: the English list, then item i
    of target ``i mod (k - 1)`` (the other languages in the given order): twice one list.
    ``"union"``: every list, concatenated.
    """
    langs = list(per_language)
    lists = [list(per_language[lang]) for lang in langs]
    if mode not in TRANSLATE_TRAIN:
        raise ConfigError(f"translate_train must be one of {', '.join(TRANSLATE_TRAIN)}")
    if mode == "union":
        return [item for items in lists for item in items]
    n = len(lists[0])
    for lang, items in zip(langs, lists, strict=True):
        if len(items) != n:
            raise ValueError(
                f"translate-train set of {lang!r} has {len(items)} items, English has {n}:"
                " the sets must be translations of the same items"
            )
    if mode == "en+mix":
        if len(lists) < 2:
            raise ConfigError("translate_train 'en+mix' needs English and at least one target")
        targets = lists[1:]
        return lists[0] + [targets[i % len(targets)][i] for i in range(n)]
    return [lists[i % len(lists)][i] for i in range(n)]


def _scope(suite: Path, setting: str, splits, languages, train_languages):
    setting = _check_choices([setting], SETTINGS, "setting")[0]
    splits = _check_choices(splits, SPLITS, "splits")
    suite_langs = suite_languages(suite)
    languages = _check_choices(
        suite_langs if languages is None else languages, suite_langs, "languages"
    )
    if setting == "zero-shot":
        return setting, splits, languages, ["en"]
    targets = [lang for lang in (train_languages or languages) if lang != "en"]
    if train_languages:
        _check_choices(targets, [x for x in suite_langs if x != "en"], "train_languages")
    if setting == ONE_LANGUAGE:
        if len(targets) != 1 or (train_languages and "en" in train_languages):
            raise ConfigError(
                f"setting {ONE_LANGUAGE!r} trains on exactly one non-English language, got"
                f" train_languages {list(train_languages or [])} and languages {languages}"
            )
        if targets[0] not in languages:
            raise ConfigError(
                f"setting {ONE_LANGUAGE!r}: the training language {targets[0]!r} must be"
                f" among the scored languages {languages} (it selects on its dev set)"
            )
        return setting, splits, languages, targets
    if not targets:
        raise ConfigError(
            "setting 'translate-train' needs at least one non-English language in languages"
        )
    return setting, splits, languages, ["en", *targets]


def _training_set(load, suite, train_languages, cfg):
    per_language = {
        lang: load(suite, "train" if lang == "en" else "translate-train", lang)[: cfg.train_limit]
        for lang in train_languages
    }
    if len(per_language) == 1:
        return next(iter(per_language.values()))
    return translate_train_items(per_language, cfg.translate_train)


def _oracle_applies(setting: str, splits, languages) -> bool:
    """Whether a run can have the oracle sensitivity: zero-shot, dev and test scored, and
    at least one target language."""
    targets = [lang for lang in languages if lang != "en"]
    return setting == "zero-shot" and "dev" in splits and "test" in splits and bool(targets)


def _run_config(
    task, cfg, model_dir, suite, languages, splits, setting, train_languages, save, oracle,
) -> dict:  # fmt: skip
    return {
        "task": task.name,
        **dataclasses.asdict(cfg),
        # how languages are combined is no part of a run that trains on one language, so
        # a zero-shot run is the same run whatever the translate-train budget
        "translate_train": cfg.translate_train if len(train_languages) > 1 else None,
        "precision": resolve(cfg.precision),  # what runs here: fp32 and bf16 never mix
        "model": model_digest(model_dir),
        "suite": suite_digest(suite, task.reads),
        "languages": languages,
        "splits": splits,
        "setting": setting,
        "train_languages": train_languages,
        "save_model": bool(save),
        # the oracle only adds scores to the English-selected ones (which it never changes)
        "oracle": bool(oracle) and _oracle_applies(setting, splits, languages),
    }


def run_config(
    task: Task, model_dir, suite, cfg=None, languages=None, splits=SPLITS, setting="zero-shot",
    train_languages=None, save_model=False, oracle=True,
) -> dict:  # fmt: skip
    """The config (cache key) of :func:`ensure_finetune` with these arguments (checks them)."""
    cfg = cfg or task.config_class()
    if not isinstance(cfg, task.config_class):
        raise ConfigError(f"cfg must be a {task.config_class.__name__}, got {type(cfg).__name__}")
    setting, splits, languages, train_langs = _scope(
        Path(suite), setting, splits, languages, train_languages
    )
    return _run_config(
        task, cfg, model_dir, suite, languages, splits, setting, train_langs, save_model, oracle
    )


def finetune_spec(task: Task, model_dir, suite, cfg=None, **arguments) -> RunSpec:
    """The :class:`~weamlib.store.runkinds.RunSpec` of a fine-tuning run: what
    :func:`ensure_finetune` computes and what a lookup finds."""
    return RunSpec(task.kind, run_config(task, model_dir, suite, cfg, **arguments))


def ensure_finetune(
    task: Task,
    model_dir: str | Path,
    suite: str | Path,
    cfg=None,
    languages: Sequence[str] | None = None,
    splits: Sequence[str] = SPLITS,
    store: RunStore | None = None,
    setting: str = "zero-shot",
    save_model: bool = False,
    progress: bool = False,
    train_languages: Sequence[str] | None = None,
    oracle: bool = True,
) -> Run:
    """Fine-tune on the suite's data of ``task`` and score every language; cached.

    Training: English train (``"zero-shot"``), or the translate-train set of English and
    ``train_languages`` (default: every non-English language of ``languages``;
    translate-train-all) combined as ``cfg.translate_train`` says, or (``"translate-train-one"``)
    the translated set of the one language of ``train_languages`` alone. Selection: English
    dev, except under ``"translate-train-one"``: the training language's dev set. Scoring:
    every ``split`` of ``splits`` ("dev", "test") in every language of ``languages``
    (default: all of the suite's). The cache key holds the config fields (with the resolved
    precision), digests of the model folder and of the suite, the languages, splits,
    setting, training languages, ``save_model`` (then the selected model is kept in
    ``model/``) and whether the oracle sensitivity ran. The predictions of the test split
    are kept in ``predictions-test-<lang>.txt`` (NLI: one label per line) or ``.json`` (QA:
    id -> answer), the formats ``weamlib evaluate`` reads.

    ``oracle``: under ``"zero-shot"`` with dev and test scored, also score every epoch's
    weights on each target's dev set and keep each target's test score at its own best
    epoch (``"oracle_scores"``, :func:`oracle_selection`); a sensitivity that changes no
    English-selected score and costs a fifth of a run or so. False skips it (the ablations'
    own runs, which never show it).

    Results: ``{"scores": {metric: {split: {lang: 0-100}}}, "history": [per epoch],
    "best_epoch", "seconds", "train_seconds", "train_examples", "train_languages"}``, and
    ``"oracle_scores"`` when the oracle ran.
    """
    cfg = cfg or task.config_class()
    suite = Path(suite)
    arguments = {
        "languages": languages,
        "splits": splits,
        "setting": setting,
        "train_languages": train_languages,
        "save_model": save_model,
        "oracle": oracle,
    }
    spec = finetune_spec(task, model_dir, suite, cfg, **arguments)
    config = spec.config
    languages, splits, train_langs = (
        config["languages"],
        config["splits"],
        config["train_languages"],
    )

    targets = [lang for lang in languages if lang != "en"]
    oracle = config["oracle"]

    def compute(folder: Path) -> dict:
        started = time.perf_counter()
        loaded: dict = {}  # (split, lang) -> (examples, dataset): each file read once

        def evaluation_set(split: str, lang: str):
            if (split, lang) not in loaded:
                dataset = task.dataset(suite, split, lang) if task.dataset else None
                loaded[split, lang] = (task.load(suite, split, lang), dataset)
            return loaded[split, lang]

        def score_all(model, tokenizer, splits_, languages_):
            """``{metric: {split: {lang: score}}}`` and the predictions by (split, lang)."""
            out = {m: {split: {} for split in splits_} for m in task.metrics}
            predictions = {}
            with torch_threads(cfg.threads):
                for split in splits_:
                    for lang in languages_:
                        examples, dataset = evaluation_set(split, lang)
                        got, pred = task.score(model, tokenizer, examples, cfg, lang, dataset)
                        for metric in out:
                            out[metric][split][lang] = got[metric]
                        predictions[split, lang] = pred
            return out, predictions

        train = _training_set(task.load, suite, train_langs, cfg)
        select = train_langs[0] if setting == ONE_LANGUAGE else "en"
        model, tokenizer, history = finetune(
            task,
            model_dir,
            train,
            evaluation_set("dev", select)[0],
            cfg,
            output_dir=folder / "model" if save_model else None,
            progress=progress,
            watch=(lambda m, _tokenizer: cpu_state(m)) if oracle else None,
            dev_language=select,
        )
        train_seconds = time.perf_counter() - started
        # Training and the English selection are over: only now are the targets read.
        scores, predictions = score_all(model, tokenizer, splits, languages)
        for lang in languages:
            pred = predictions.get(("test", lang))
            if pred is not None:
                name = f"predictions-test-{lang}{task.predictions_suffix}"
                (folder / name).write_text(task.dump_predictions(pred), encoding="utf-8")
        best = _selected_epoch(history, f"dev_{task.metric}")
        extra = {}
        if oracle:  # every epoch's weights on the targets' dev; test at each one's pick
            states = [h.pop("watch") for h in history]

            def scored_at(i: int, split: str, langs) -> dict:
                """``{metric: {lang: score}}`` of epoch ``i``'s weights on ``split``."""
                if i == best:  # the English-selected weights were scored above
                    return {m: {t: scores[m][split][t] for t in langs} for m in task.metrics}
                model.load_state_dict(states[i])
                got = score_all(model, tokenizer, (split,), langs)[0]
                return {m: got[m][split] for m in task.metrics}

            dev = [scored_at(i, "dev", targets) for i in range(len(states))]
            oracle_scores = oracle_selection(
                dev, task.metric, lambda i, langs: scored_at(i, "test", langs)
            )
            del states
            extra = {"oracle_scores": oracle_scores}
        return {
            **extra,
            "scores": scores,
            "history": history,
            "best_epoch": history[best]["epoch"],
            "seconds": time.perf_counter() - started,
            "train_seconds": train_seconds,
            "train_examples": len(train),
            "train_languages": train_langs,
        }

    return spec.run(store or RunStore(), compute)


def _selected_epoch(history: Sequence[Mapping], key: str) -> int:
    """The index of the epoch :func:`train_loop` keeps: the first with the best ``key``."""
    return max(range(len(history)), key=lambda i: (history[i][key], -i))


def oracle_selection(
    dev_per_epoch: Sequence[Mapping],
    metric: str,
    test_at: Callable[[int, list[str]], Mapping],
) -> dict:
    """Target-dev ("oracle") selection: for each language, the epoch with the best score of
    ``metric`` on that language's own dev set (the first such epoch), and that epoch's
    scores. ``dev_per_epoch[i]``: ``{metric: {lang: dev score}}`` at epoch ``i``;
    ``test_at(i, langs)`` returns ``{metric: {lang: test score}}`` of epoch ``i`` and is
    asked once for each epoch some language selects, for those languages only (scoring
    every epoch's test set would cost as much again and change nothing). Returns
    ``{metric: {"dev": {lang: score}, "test": {...}}, "epoch": {lang: 1-based epoch}}``.
    A sensitivity only: the zero-shot protocol selects on English dev (Keung et al. 2020
    show how far the two can differ).

    >>> dev = [{"accuracy": {"x": 40.0}}, {"accuracy": {"x": 45.0}}]
    >>> test = [{"accuracy": {"x": 41.0}}, {"accuracy": {"x": 39.0}}]
    >>> oracle_selection(dev, "accuracy", lambda i, langs: test[i])["accuracy"]["test"]
    {'x': 39.0}
    """
    if not dev_per_epoch:
        raise ValueError("oracle selection needs at least one epoch's scores")
    metrics = list(dev_per_epoch[0])
    languages = list(dev_per_epoch[0][metric])
    chosen = {lang: _selected_epoch([e[metric] for e in dev_per_epoch], lang) for lang in languages}
    test: dict = {}  # lang -> {metric: score} at its chosen epoch
    for epoch in sorted(set(chosen.values())):
        langs = [lang for lang in languages if chosen[lang] == epoch]
        got = test_at(epoch, langs)
        test.update({lang: {m: got[m][lang] for m in metrics} for lang in langs})
    out: dict = {
        m: {
            "dev": {lang: dev_per_epoch[chosen[lang]][m][lang] for lang in languages},
            "test": {lang: test[lang][m] for lang in languages},
        }
        for m in metrics
    }
    out["epoch"] = {lang: chosen[lang] + 1 for lang in languages}
    return out


def ensure_nli_finetune(model_dir, suite, cfg=None, *args, **kwargs) -> Run:
    """:func:`ensure_finetune` for :data:`NLI` (kind ``finetune_nli``)."""
    return ensure_finetune(NLI, model_dir, suite, cfg, *args, **kwargs)


def ensure_qa_finetune(model_dir, suite, cfg=None, *args, **kwargs) -> Run:
    """:func:`ensure_finetune` for :data:`QA` (kind ``finetune_qa``)."""
    return ensure_finetune(QA, model_dir, suite, cfg, *args, **kwargs)


def scored_rows(setting: str, results: Mapping) -> Iterator[tuple[str, str, str, str, float]]:
    """``(setting, metric, split, language, score)`` of a fine-tuning run's ``results``: its
    own scores under its ``setting``, and its oracle-selected ones (setting
    :data:`ORACLE_SETTING`) if it has them."""
    blocks = [(setting, results["scores"])]
    if "oracle_scores" in results:
        oracle = {k: v for k, v in results["oracle_scores"].items() if k != "epoch"}
        blocks.append((ORACLE_SETTING, oracle))
    for name, scores in blocks:
        for metric, per_split in scores.items():
            for split, per_language in per_split.items():
                for language, score in per_language.items():
                    yield name, metric, split, language, float(score)


def results_frame(runs: Mapping[str, Run | Iterable[Run]], **columns):
    """One tidy DataFrame of fine-tuning runs: model name -> a run or several (one per seed).

    Columns: model, task ("xnli"/"mlqa"), setting, language, split, seed, metric, value
    (0-100); one row per run, metric, split and language. ``columns``: constant extra
    columns (e.g. ``factor="mask_prob"``).
    """
    import pandas as pd

    rows = []
    for model, value in runs.items():
        for run in [value] if isinstance(value, Run) else list(value):
            for setting, metric, split, language, score in scored_rows(
                run.config["setting"], run.results
            ):
                rows.append(
                    {
                        "model": model,
                        "task": run.config.get("task", "xnli"),
                        "setting": setting,
                        "language": language,
                        "split": split,
                        "seed": run.config["seed"],
                        "metric": metric,
                        "value": score,
                        **columns,
                    }
                )
    return pd.DataFrame(rows, columns=[*FRAME_COLUMNS, *columns])


nli_frame = results_frame  # the NLI-only name of earlier chapters
