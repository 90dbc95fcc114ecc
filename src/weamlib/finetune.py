"""Fine-tuning under the zero-shot protocol: XNLI-style classification and MLQA-style QA.

A pre-trained model folder (a ``save_pretrained`` BERT with its tokenizer beside it) gets a
fresh task head and is fine-tuned with the Hugging Face ``Trainer``. **Model selection uses
English dev only**: after every epoch the model is scored on English dev (accuracy for
NLI, F1 for QA) and the best state (the first epoch reaching the highest score) is kept in
memory and restored at the end; no target-language data is read before training and
selection are over. The selected model is then scored on the dev and test sets of every
language.

* :class:`NLIFinetuneConfig`, :class:`QAFinetuneConfig` — the settings (all in the cache key).
* :func:`finetune_nli`, :func:`finetune_qa` — train and select; return the model, its
  tokenizer and the per-epoch history.
* :func:`predict_nli` / :func:`nli_logits`, :func:`predict_qa` — batched inference.
* :func:`ensure_nli_finetune`, :func:`ensure_qa_finetune` — the cached runs (kinds
  ``finetune_nli`` and ``finetune_qa``) a chapter calls.
* :func:`results_frame` — a tidy table of several runs.

Settings: ``"zero-shot"`` trains on English train only. ``"translate-train"`` trains on
the suite's translated training sets *at the same budget*: each English training item is
replaced by its realisation in one of the training languages (English and every target),
assigned round-robin (``translate_train="mix"``, the default), so both settings train on
the same meanings for the same number of steps and differ only in language. The
XTREME-style union of all sets (``"union"``) is available but costs one epoch over
``k`` times as many items.

Heads: NLI uses BERT's pooled ``[CLS]`` (``head="cls"``, ``BertForSequenceClassification``)
or the segment-mean head of :mod:`weamlib.heads` (``head="pair-mean"``); QA uses
``BertForQuestionAnswering`` (start/end logits) with the windows and n-best decoding of
:mod:`weamlib.qa`, scored with the official MLQA metric (:mod:`weamlib.evaluate`).

Padding is dynamic and training batches are grouped by length
(``train_sampling_strategy="group_by_length"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib.digests import model_digest, suite_digest
from weamlib.errors import ConfigError
from weamlib.evaluate import accuracy, mlqa_evaluate
from weamlib.formats import NLI_LABELS, NLIExample, QAExample
from weamlib.heads import NLI_HEADS
from weamlib.progress import trainer_callback
from weamlib.qa import QAFeatureConfig, decode_spans, encode_qa_eval, encode_qa_train
from weamlib.runkinds import RunSpec
from weamlib.runs import Run, RunStore
from weamlib.suitefiles import load_nli, load_qa, qa_path, suite_languages

KIND = "finetune_nli"
QA_KIND = "finetune_qa"
SETTINGS = ("zero-shot", "translate-train")
TRANSLATE_TRAIN = ("mix", "union")
SPLITS = ("dev", "test")
LABEL2ID = {label: i for i, label in enumerate(NLI_LABELS)}
ID2LABEL = dict(enumerate(NLI_LABELS))
FRAME_COLUMNS = ("model", "task", "setting", "language", "split", "seed", "metric", "value")

__all__ = [
    "FRAME_COLUMNS",
    "NLIFinetuneConfig",
    "QAFinetuneConfig",
    "ensure_nli_finetune",
    "ensure_qa_finetune",
    "finetune_nli",
    "finetune_qa",
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


@dataclass(frozen=True)
class NLIFinetuneConfig:
    """NLI fine-tuning settings (all part of a run's cache key).

    ``head``: ``"cls"`` (BERT's pooled ``[CLS]``) or ``"pair-mean"`` (:mod:`weamlib.heads`).
    ``warmup_ratio``: fraction of all steps spent in linear warm-up, then linear decay to 0.
    ``train_limit``: use at most this many items of each training file (None: all).
    ``translate_train``: how translate-train combines languages (module docstring).
    ``threads``: torch intra-op threads while training and predicting (None: leave torch's
    setting).
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
    the windows and span decoding of :class:`weamlib.qa.QAFeatureConfig` (the SQuAD recipe:
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


def _load(model_class, model_dir: Path, progress: bool, max_length: int, **kwargs):
    """The task model and tokenizer of ``model_dir``; refuses a ``max_length`` beyond the
    model's positions."""
    from transformers import AutoTokenizer

    with _quiet_transformers(not progress):
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model, info = model_class.from_pretrained(
            str(model_dir),
            output_loading_info=True,
            **kwargs,
        )
    _check_loaded(model_dir, info)
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


def _logits(model, features: Sequence[dict], pad_id: int, batch_size: int, read):
    """``read(output)`` of every feature, in input order, batched longest first.

    ``read`` maps a model output to an array ``(batch, ...)``; returns the rows as a list.
    """
    import torch

    if not _is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    out: list = [None] * len(features)
    order = sorted(range(len(features)), key=lambda i: (-len(features[i]["input_ids"]), i))
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
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


# --------------------------------------------------------------------------- training


def _selection_callback(model, score_dev: Callable[[Any], float]):
    """A TrainerCallback that scores the model on the selection set after every epoch and
    keeps the best state (the first epoch reaching the highest score) in memory."""
    from transformers import TrainerCallback

    class Selection(TrainerCallback):
        def __init__(self):
            self.history: list[dict] = []
            self.best_score: float | None = None
            self.best_state: dict | None = None
            self._started = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            self._started = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **kwargs):
            # with logging_strategy="epoch" the epoch's mean loss is logged just after
            # on_epoch_end: it belongs to the epoch last recorded
            if logs and "loss" in logs and self.history and self.history[-1]["train_loss"] is None:
                self.history[-1]["train_loss"] = float(logs["loss"])

        def on_epoch_end(self, args, state, control, **kwargs):
            seconds = time.perf_counter() - self._started
            dev = float(score_dev(model))
            self.history.append(
                {
                    "epoch": len(self.history) + 1,
                    "train_loss": None,
                    "dev_score": dev,
                    "seconds": seconds,
                }
            )
            if self.best_score is None or dev > self.best_score:
                self.best_score = dev
                self.best_state = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                }

        def restore(self):
            if self.best_state is not None:
                model.load_state_dict(self.best_state)
            self.best_state = None

    return Selection()


def _train(model, tokenizer, train: list[dict], cfg, score_dev, label: str, progress: bool):
    """Train ``model`` on the unpadded ``train`` features with the Trainer; select the epoch
    by ``score_dev(model)``; returns the per-epoch history (the model ends in the selected
    state, in eval mode)."""
    import torch
    from transformers import PrinterCallback, Trainer, TrainingArguments

    cuda = torch.cuda.is_available()
    selection = _selection_callback(model, score_dev)
    with tempfile.TemporaryDirectory(prefix="weam-ft-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            seed=cfg.seed,
            learning_rate=cfg.learning_rate,
            num_train_epochs=cfg.epochs,
            per_device_train_batch_size=cfg.batch_size,
            lr_scheduler_type="linear",
            warmup_steps=float(cfg.warmup_ratio),  # a float < 1 is a ratio of all steps
            weight_decay=cfg.weight_decay,
            optim="adamw_torch",
            eval_strategy="no",  # selection scores English dev itself, after every epoch
            save_strategy="no",  # selection keeps the best state in memory
            logging_strategy="epoch",
            report_to=[],
            disable_tqdm=not progress,
            use_cpu=not cuda,
            dataloader_num_workers=0,
            dataloader_pin_memory=cuda,
            train_sampling_strategy="group_by_length",
            remove_unused_columns=False,
        )
        trainer = Trainer(
            model=model,
            args=args,
            data_collator=lambda batch: _pad_batch(batch, tokenizer.pad_token_id),
            train_dataset=train,
            processing_class=tokenizer,
            callbacks=[selection, trainer_callback(label)],
        )
        if not progress:
            trainer.remove_callback(PrinterCallback)  # it prints every log dict
        trainer.train()
    selection.restore()
    model.eval()
    return selection.history


def _nli_model_class(head: str):
    from transformers import AutoModelForSequenceClassification

    from weamlib.heads import BertForPairClassification

    return BertForPairClassification if head == "pair-mean" else AutoModelForSequenceClassification


def finetune_nli(
    model_dir: str | Path,
    train_examples: Iterable[NLIExample],
    dev_examples: Iterable[NLIExample],
    cfg: NLIFinetuneConfig | None = None,
    output_dir: str | Path | None = None,
    progress: bool = False,
):
    """Fine-tune the model of ``model_dir`` for NLI; select the epoch on ``dev_examples``.

    ``dev_examples`` is the selection set: under the zero-shot protocol, English dev only.
    Returns ``(model, tokenizer, history)``: the selected model (in eval mode), its
    tokenizer, and one dict per epoch with ``epoch``, ``train_loss`` (mean over the epoch),
    ``dev_accuracy`` (0-100) and ``seconds`` (training time of the epoch). The selected
    epoch is the first with the highest ``dev_accuracy``. ``output_dir``: when given, the
    selected model and its tokenizer are saved there with ``save_pretrained``.
    ``progress``: show the Trainer's progress bars.
    """
    from transformers import set_seed

    cfg = cfg or NLIFinetuneConfig()
    train_examples, dev_examples = list(train_examples), list(dev_examples)
    if not train_examples:
        raise ValueError("finetune_nli got no training examples")
    if not dev_examples:
        raise ValueError("finetune_nli got no dev examples to select the model on")
    model_dir = Path(model_dir)
    with torch_threads(cfg.threads):
        set_seed(cfg.seed)  # the new classification head (and pooler) is initialised here
        model, tokenizer = _load(
            _nli_model_class(cfg.head),
            model_dir,
            progress,
            cfg.max_length,
            num_labels=len(NLI_LABELS),
            id2label=ID2LABEL,
            label2id=LABEL2ID,
        )
        train = _with_labels(
            _encode(tokenizer, train_examples, cfg.max_length), train_examples, "train"
        )
        _with_labels([{} for _ in dev_examples], dev_examples, "dev")  # labels checked first
        gold = [e.label for e in dev_examples]

        def score_dev(m) -> float:
            pred = predict_nli(m, tokenizer, dev_examples, cfg.eval_batch_size, cfg.max_length)
            return accuracy(gold, pred)

        history = _train(
            model, tokenizer, train, cfg, score_dev, f"finetune nli seed {cfg.seed}", progress
        )
    for h in history:
        h["dev_accuracy"] = h.pop("dev_score")
    if output_dir is not None:
        model.save_pretrained(str(output_dir))
        tokenizer.save_pretrained(str(output_dir))
    return model, tokenizer, history


def finetune_qa(
    model_dir: str | Path,
    train_examples: Iterable[QAExample],
    dev_examples: Iterable[QAExample],
    cfg: QAFinetuneConfig | None = None,
    output_dir: str | Path | None = None,
    progress: bool = False,
):
    """Fine-tune the model of ``model_dir`` for extractive QA; select the epoch by F1 on
    ``dev_examples`` (English dev under the zero-shot protocol; scored with the MLQA
    English rule).

    Training items without an answer are refused. Returns ``(model, tokenizer, history)``
    as :func:`finetune_nli`, with ``dev_f1`` (0-100) per epoch.
    """
    from transformers import AutoModelForQuestionAnswering, set_seed

    cfg = cfg or QAFinetuneConfig()
    train_examples, dev_examples = list(train_examples), list(dev_examples)
    if not train_examples:
        raise ValueError("finetune_qa got no training examples")
    if not dev_examples:
        raise ValueError("finetune_qa got no dev examples to select the model on")
    for what, items in (("train", train_examples), ("dev", dev_examples)):
        for i, e in enumerate(items):
            if not e.answers:
                raise ValueError(f"{what} QA item {i} (id {e.id!r}) has no answer")
    model_dir = Path(model_dir)
    with torch_threads(cfg.threads):
        set_seed(cfg.seed)
        model, tokenizer = _load(AutoModelForQuestionAnswering, model_dir, progress, cfg.max_length)
        train = encode_qa_train(tokenizer, train_examples, cfg.features)

        def score_dev(m) -> float:
            pred = predict_qa(m, tokenizer, dev_examples, cfg)
            return qa_scores(dev_examples, pred, "en")["f1"]

        history = _train(
            model, tokenizer, train, cfg, score_dev, f"finetune qa seed {cfg.seed}", progress
        )
    for h in history:
        h["dev_f1"] = h.pop("dev_score")
    if output_dir is not None:
        model.save_pretrained(str(output_dir))
        tokenizer.save_pretrained(str(output_dir))
    return model, tokenizer, history


# --------------------------------------------------------------------------- inference


def nli_logits(
    model, tokenizer, examples: Iterable[NLIExample], batch_size: int = 256, max_length: int = 128
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
    )
    return np.stack(rows).astype(np.float32)


def predict_nli(
    model, tokenizer, examples: Iterable[NLIExample], batch_size: int = 256, max_length: int = 128
) -> list[str]:
    """Predicted labels (from :data:`~weamlib.formats.NLI_LABELS`) of ``examples``, in order."""
    logits = nli_logits(model, tokenizer, examples, batch_size, max_length)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    return [id2label[int(i)] for i in logits.argmax(-1)]


def predict_qa(
    model, tokenizer, examples: Iterable[QAExample], cfg: QAFinetuneConfig | None = None
) -> dict[str, str]:
    """Predicted answer text per question id: the best span over every window of the
    context (:func:`weamlib.qa.decode_spans`)."""
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
    so the set has as many items as one list. ``"union"``: every list, concatenated.
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
    if not targets:
        raise ConfigError(
            "setting 'translate-train' needs at least one non-English language in languages"
        )
    return setting, splits, languages, ["en", *targets]


def _training_set(load, suite, train_languages, cfg):
    per_language = {"en": load(suite, "train", "en")[: cfg.train_limit]}
    for lang in train_languages[1:]:
        per_language[lang] = load(suite, "translate-train", lang)[: cfg.train_limit]
    if len(per_language) == 1:
        return per_language["en"]
    return translate_train_items(per_language, cfg.translate_train)


def _run_config(task, cfg, model_dir, suite, languages, splits, setting, train_languages, save):
    return {
        "task": task,
        **dataclasses.asdict(cfg),
        "model": model_digest(model_dir),
        "suite": suite_digest(suite),
        "languages": languages,
        "splits": splits,
        "setting": setting,
        "train_languages": train_languages,
        "save_model": bool(save),
    }


def nli_run_config(
    model_dir, suite, cfg=None, languages=None, splits=SPLITS, setting="zero-shot",
    train_languages=None, save_model=False,
) -> dict:  # fmt: skip
    """The cache key of :func:`ensure_nli_finetune` with these arguments (checks them)."""
    cfg = cfg or NLIFinetuneConfig()
    if not isinstance(cfg, NLIFinetuneConfig):
        raise ConfigError(f"cfg must be an NLIFinetuneConfig, got {type(cfg).__name__}")
    setting, splits, languages, train_langs = _scope(
        Path(suite), setting, splits, languages, train_languages
    )
    return _run_config(
        "xnli", cfg, model_dir, suite, languages, splits, setting, train_langs, save_model
    )


def ensure_nli_finetune(
    model_dir: str | Path,
    suite: str | Path,
    cfg: NLIFinetuneConfig | None = None,
    languages: Sequence[str] | None = None,
    splits: Sequence[str] = SPLITS,
    store: RunStore | None = None,
    setting: str = "zero-shot",
    save_model: bool = False,
    progress: bool = False,
    train_languages: Sequence[str] | None = None,
) -> Run:
    """Fine-tune on the suite's NLI data and score every language; cached (kind ``finetune_nli``).

    Training: English train (``"zero-shot"``), or the translate-train set of English and
    ``train_languages`` (default: every non-English language of ``languages``;
    translate-train-all) combined as ``cfg.translate_train`` says. Selection: English dev
    only. Scoring: every ``split`` of ``splits`` ("dev", "test") in every language of
    ``languages`` (default: all of the suite's). The cache key holds the config fields, a
    digest of the model folder and of the suite's manifest, the languages, splits, setting,
    training languages and ``save_model`` (then the selected model is kept in ``model/``).

    Results: ``{"accuracy": {split: {lang: 0-100}}, "scores": {"accuracy": …}, "history":
    [per epoch], "best_epoch", "seconds", "train_seconds", "train_examples",
    "train_languages"}``.
    """
    cfg = cfg or NLIFinetuneConfig()
    suite = Path(suite)
    config = nli_run_config(
        model_dir, suite, cfg, languages, splits, setting, train_languages, save_model
    )
    languages, splits, train_langs = (
        config["languages"],
        config["splits"],
        config["train_languages"],
    )

    def compute(folder: Path) -> dict:
        started = time.perf_counter()
        train = _training_set(load_nli, suite, train_langs, cfg)
        dev_en = load_nli(suite, "dev", "en")
        model, tokenizer, history = finetune_nli(
            model_dir,
            train,
            dev_en,
            cfg,
            output_dir=folder / "model" if save_model else None,
            progress=progress,
        )
        train_seconds = time.perf_counter() - started
        scores: dict[str, dict[str, float]] = {}
        with torch_threads(cfg.threads):
            for split in splits:
                scores[split] = {}
                for lang in languages:
                    examples = (
                        dev_en if (split, lang) == ("dev", "en") else load_nli(suite, split, lang)
                    )
                    pred = predict_nli(
                        model, tokenizer, examples, cfg.eval_batch_size, cfg.max_length
                    )
                    scores[split][lang] = accuracy([e.label for e in examples], pred)
        best = max(range(len(history)), key=lambda i: (history[i]["dev_accuracy"], -i))
        return {
            "accuracy": scores,
            "scores": {"accuracy": scores},
            "history": history,
            "best_epoch": history[best]["epoch"],
            "seconds": time.perf_counter() - started,
            "train_seconds": train_seconds,
            "train_examples": len(train),
            "train_languages": train_langs,
        }

    return RunSpec(KIND, config).run(store or RunStore(), compute)


def qa_run_config(
    model_dir, suite, cfg=None, languages=None, splits=SPLITS, setting="zero-shot",
    train_languages=None, save_model=False,
) -> dict:  # fmt: skip
    """The cache key of :func:`ensure_qa_finetune` with these arguments (checks them)."""
    cfg = cfg or QAFinetuneConfig()
    if not isinstance(cfg, QAFinetuneConfig):
        raise ConfigError(f"cfg must be a QAFinetuneConfig, got {type(cfg).__name__}")
    setting, splits, languages, train_langs = _scope(
        Path(suite), setting, splits, languages, train_languages
    )
    return _run_config(
        "mlqa", cfg, model_dir, suite, languages, splits, setting, train_langs, save_model
    )


def ensure_qa_finetune(
    model_dir: str | Path,
    suite: str | Path,
    cfg: QAFinetuneConfig | None = None,
    languages: Sequence[str] | None = None,
    splits: Sequence[str] = SPLITS,
    store: RunStore | None = None,
    setting: str = "zero-shot",
    save_model: bool = False,
    progress: bool = False,
    train_languages: Sequence[str] | None = None,
) -> Run:
    """Fine-tune on the suite's QA data and score every language; cached (kind ``finetune_qa``).

    As :func:`ensure_nli_finetune`, for extractive QA. Each language is scored with the
    official MLQA metric on the suite's own file (:func:`weamlib.evaluate.mlqa_evaluate`;
    the synthetic languages get its language-neutral normalisation); the predictions of
    the test split are kept in ``predictions-test-<lang>.json`` (id -> answer text, the
    format ``weamlib evaluate mlqa`` reads).

    Results: ``{"scores": {"f1": {split: {lang}}, "exact_match": {…}}, "history",
    "best_epoch", "seconds", "train_seconds", "train_examples", "train_languages"}``.
    """
    cfg = cfg or QAFinetuneConfig()
    suite = Path(suite)
    config = qa_run_config(
        model_dir, suite, cfg, languages, splits, setting, train_languages, save_model
    )
    languages, splits, train_langs = (
        config["languages"],
        config["splits"],
        config["train_languages"],
    )

    def compute(folder: Path) -> dict:
        started = time.perf_counter()
        train = _training_set(load_qa, suite, train_langs, cfg)
        dev_en = load_qa(suite, "dev", "en")
        model, tokenizer, history = finetune_qa(
            model_dir,
            train,
            dev_en,
            cfg,
            output_dir=folder / "model" if save_model else None,
            progress=progress,
        )
        train_seconds = time.perf_counter() - started
        scores: dict[str, dict[str, dict[str, float]]] = {"f1": {}, "exact_match": {}}
        with torch_threads(cfg.threads):
            for split in splits:
                for metric in scores:
                    scores[metric][split] = {}
                for lang in languages:
                    examples = (
                        dev_en if (split, lang) == ("dev", "en") else load_qa(suite, split, lang)
                    )
                    pred = predict_qa(model, tokenizer, examples, cfg)
                    dataset = json.loads(qa_path(suite, split, lang).read_text(encoding="utf-8"))
                    got = mlqa_evaluate(dataset, pred, lang)
                    for metric in scores:
                        scores[metric][split][lang] = got[metric]
                    if split == "test":
                        (folder / f"predictions-test-{lang}.json").write_text(
                            json.dumps(pred, ensure_ascii=False, indent=0), encoding="utf-8"
                        )
        best = max(range(len(history)), key=lambda i: (history[i]["dev_f1"], -i))
        return {
            "scores": scores,
            "history": history,
            "best_epoch": history[best]["epoch"],
            "seconds": time.perf_counter() - started,
            "train_seconds": train_seconds,
            "train_examples": len(train),
            "train_languages": train_langs,
        }

    return RunSpec(QA_KIND, config).run(store or RunStore(), compute)


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
            scores = run.results.get("scores") or {"accuracy": run.results["accuracy"]}
            for metric, per_split in scores.items():
                for split, per_language in per_split.items():
                    for language, score in per_language.items():
                        rows.append(
                            {
                                "model": model,
                                "task": run.config.get("task", "xnli"),
                                "setting": run.config["setting"],
                                "language": language,
                                "split": split,
                                "seed": run.config["seed"],
                                "metric": metric,
                                "value": float(score),
                                **columns,
                            }
                        )
    return pd.DataFrame(rows, columns=[*FRAME_COLUMNS, *columns])


nli_frame = results_frame  # the NLI-only name of earlier chapters
