"""Sentence-pair classification fine-tuning (XNLI) under the zero-shot protocol.

A pre-trained model folder (a ``save_pretrained`` ``BertForMaskedLM`` with its tokenizer
beside it) gets a fresh classification head and is fine-tuned with the Hugging Face
``Trainer`` on English NLI. **Model selection uses English dev only**: after every epoch
the model is scored on the English dev set and the best state (first epoch reaching the
highest accuracy) is kept in memory and restored at the end; no target-language data is
read before training and selection are over. The selected model is then scored on the
dev and test sets of every language.

* :class:`NLIFinetuneConfig` — learning rate, epochs, batch sizes, schedule, seed.
* :func:`finetune_nli` — train and select; returns ``(model, tokenizer, history)``.
* :func:`predict_nli` / :func:`nli_logits` — batched inference (sorted by length,
  returned in input order).
* :func:`ensure_nli_finetune` — the cached run (kind ``"finetune_nli"``) a chapter calls:
  fine-tune on the suite, score every language and split.
* :func:`nli_frame` — a tidy table of several runs.

Settings: ``"zero-shot"`` trains on English train only; ``"translate-train"`` trains on
English train together with the translate-train set of every non-English language being
scored (XTREME's *translate-train-all*; pass one target language for the per-language
variant). Both select on English dev.

Padding is dynamic (to the longest pair of a batch) and training batches are grouped by
length (``train_sampling_strategy="group_by_length"``, the transformers 5 name of
``group_by_length``), since the suite's sentences are short.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weamlib.digests import model_digest, suite_digest
from weamlib.errors import ConfigError
from weamlib.evaluate import accuracy
from weamlib.formats import NLI_LABELS, NLIExample
from weamlib.progress import trainer_callback
from weamlib.runs import Run, RunStore
from weamlib.synth import load_nli, suite_languages

KIND = "finetune_nli"
FORMAT = 1  # bump when what a run computes changes (new cache keys)
SETTINGS = ("zero-shot", "translate-train")
SPLITS = ("dev", "test")
LABEL2ID = {label: i for i, label in enumerate(NLI_LABELS)}
ID2LABEL = dict(enumerate(NLI_LABELS))
FRAME_COLUMNS = ("model", "task", "setting", "language", "split", "seed", "metric", "value")

# Files of a model folder that determine a fine-tuning run (weights, config, tokenizer).


# --------------------------------------------------------------------------- config


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and value == value  # not NaN


@dataclass(frozen=True)
class NLIFinetuneConfig:
    """Fine-tuning settings (all part of a run's cache key).

    ``warmup_ratio``: fraction of all steps spent in linear warm-up, then linear decay to 0.
    ``train_limit``: use at most this many examples of each training file (None: all).
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

    def __post_init__(self):
        def bad(name: str, rule: str) -> ConfigError:
            return ConfigError(f"finetune.{name} must be {rule}, got {getattr(self, name)!r}")

        if not _is_number(self.learning_rate) or not 0 < self.learning_rate < float("inf"):
            raise bad("learning_rate", "a number > 0")
        for name in ("epochs", "batch_size", "eval_batch_size"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                raise bad(name, "an int >= 1")
        if not _is_int(self.max_length) or self.max_length < 4:
            raise bad("max_length", "an int >= 4 ([CLS] premise [SEP] hypothesis [SEP])")
        if not _is_number(self.warmup_ratio) or not 0 <= self.warmup_ratio < 1:
            raise bad("warmup_ratio", "a number in [0, 1)")
        if not _is_number(self.weight_decay) or not 0 <= self.weight_decay < float("inf"):
            raise bad("weight_decay", "a number >= 0")
        if not _is_int(self.seed) or self.seed < 0:
            raise bad("seed", "an int >= 0")
        if self.train_limit is not None and (not _is_int(self.train_limit) or self.train_limit < 1):
            raise bad("train_limit", "None or an int >= 1")
        if self.threads is not None and (not _is_int(self.threads) or self.threads < 1):
            raise bad("threads", "None or an int >= 1")


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


# Parameters a pre-trained MLM folder does not hold: the new head (and BERT's pooler,
# which only NSP pre-training trains; here it starts random like the classifier).
_NEW_PARAMETERS = ("classifier.", "bert.pooler.")


def _check_loaded(model_dir: Path, info: dict) -> None:
    """Refuse a folder whose encoder weights were not found (it would train from random)."""
    missing = sorted(k for k in info.get("missing_keys", ()) if not k.startswith(_NEW_PARAMETERS))
    bad = sorted(info.get("mismatched_keys", ()))
    if missing or bad:
        listed = ", ".join((missing + [str(b) for b in bad])[:5])
        raise ValueError(
            f"{model_dir}: the pre-trained weights do not fit the classifier;"
            f" missing or mismatched: {listed}{' ...' if len(missing) + len(bad) > 5 else ''}"
        )


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


def _pad_batch(features: Sequence[dict], pad_id: int):
    """Tensors of a batch padded to its longest item (attention mask 0 on padding)."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    batch = {}
    for key, fill in (("input_ids", pad_id), ("token_type_ids", 0), ("attention_mask", 0)):
        if key not in features[0]:
            continue
        rows = [list(f[key]) + [fill] * (width - len(f[key])) for f in features]
        batch[key] = torch.tensor(rows, dtype=torch.long)
    return batch


# --------------------------------------------------------------------------- training


def _selection_callback(model):
    """A TrainerCallback recording each epoch and keeping the best English-dev state."""
    from transformers import TrainerCallback

    class Selection(TrainerCallback):
        def __init__(self):
            self.history: list[dict] = []
            self.best_accuracy: float | None = None
            self.best_state: dict | None = None
            self._loss: float | None = None
            self._started = 0.0
            self._seconds = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            self._started = time.perf_counter()
            self._loss = None

        def on_epoch_end(self, args, state, control, **kwargs):
            self._seconds = time.perf_counter() - self._started

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self._loss = float(logs["loss"])

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            dev = float(metrics["eval_accuracy"])
            self.history.append(
                {
                    "epoch": len(self.history) + 1,
                    "train_loss": self._loss,
                    "dev_loss": float(metrics["eval_loss"]) if "eval_loss" in metrics else None,
                    "dev_accuracy": dev,
                    "seconds": self._seconds,
                }
            )
            if self.best_accuracy is None or dev > self.best_accuracy:
                self.best_accuracy = dev
                self.best_state = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                }

        def restore(self):
            if self.best_state is not None:
                model.load_state_dict(self.best_state)
            self.best_state = None

    return Selection()


def _dev_metrics(prediction) -> dict:
    logits = prediction.predictions
    logits = logits[0] if isinstance(logits, tuple) else logits
    pred = [ID2LABEL[int(i)] for i in logits.argmax(-1)]
    gold = [ID2LABEL[int(i)] for i in prediction.label_ids]
    return {"accuracy": accuracy(gold, pred)}


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
    Returns ``(model, tokenizer, history)``: the selected
    ``AutoModelForSequenceClassification`` (in eval mode, on the training device), its
    tokenizer, and one dict per epoch with ``epoch``, ``train_loss`` (mean over the
    epoch), ``dev_loss``, ``dev_accuracy`` (0-100) and ``seconds`` (training time of the
    epoch). The selected epoch is the first with the highest ``dev_accuracy``.
    ``output_dir``: when given, the selected model and its tokenizer are saved there with
    ``save_pretrained`` (nothing else is written; Trainer checkpoints are never saved).
    ``progress``: show the Trainer's progress bars.
    """
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    cfg = cfg or NLIFinetuneConfig()
    train_examples, dev_examples = list(train_examples), list(dev_examples)
    if not train_examples:
        raise ValueError("finetune_nli got no training examples")
    if not dev_examples:
        raise ValueError("finetune_nli got no dev examples to select the model on")
    model_dir = Path(model_dir)
    cuda = torch.cuda.is_available()
    with torch_threads(cfg.threads):
        set_seed(cfg.seed)  # the new classification head (and pooler) is initialised here
        with _quiet_transformers(not progress):
            tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
            model, info = AutoModelForSequenceClassification.from_pretrained(
                str(model_dir),
                num_labels=len(NLI_LABELS),
                id2label=ID2LABEL,
                label2id=LABEL2ID,
                output_loading_info=True,
            )
        _check_loaded(model_dir, info)
        train = _with_labels(
            _encode(tokenizer, train_examples, cfg.max_length), train_examples, "train"
        )
        dev = _with_labels(_encode(tokenizer, dev_examples, cfg.max_length), dev_examples, "dev")
        selection = _selection_callback(model)
        with tempfile.TemporaryDirectory(prefix="weam-nli-") as scratch:
            args = TrainingArguments(
                output_dir=scratch,
                seed=cfg.seed,
                learning_rate=cfg.learning_rate,
                num_train_epochs=cfg.epochs,
                per_device_train_batch_size=cfg.batch_size,
                per_device_eval_batch_size=cfg.eval_batch_size,
                lr_scheduler_type="linear",
                warmup_steps=float(cfg.warmup_ratio),  # a float < 1 is a ratio of all steps
                weight_decay=cfg.weight_decay,
                optim="adamw_torch",
                eval_strategy="epoch",
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
                data_collator=DataCollatorWithPadding(tokenizer),
                train_dataset=train,
                eval_dataset=dev,
                processing_class=tokenizer,
                compute_metrics=_dev_metrics,
                callbacks=[selection, trainer_callback(f"finetune nli seed {cfg.seed}")],
            )
            if not progress:
                trainer.remove_callback(PrinterCallback)  # it prints every log dict
            trainer.train()
        selection.restore()
    model.eval()
    if output_dir is not None:
        model.save_pretrained(str(output_dir))
        tokenizer.save_pretrained(str(output_dir))
    return model, tokenizer, selection.history


# --------------------------------------------------------------------------- inference


def nli_logits(
    model, tokenizer, examples: Iterable[NLIExample], batch_size: int = 256, max_length: int = 128
):
    """Class logits ``(n, 3)`` (numpy float32) of ``examples``, in input order.

    Items are batched by length (longest first) and padded to the longest of their batch.
    """
    import numpy as np
    import torch

    examples = list(examples)
    if not _is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    out = np.zeros((len(examples), model.config.num_labels), dtype=np.float32)
    if not examples:
        return out
    features = _encode(tokenizer, examples, max_length)
    order = sorted(range(len(features)), key=lambda i: (-len(features[i]["input_ids"]), i))
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = _pad_batch([features[i] for i in idx], tokenizer.pad_token_id)
                logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
                out[idx] = logits.float().cpu().numpy()
    finally:
        model.train(was_training)
    return out


def predict_nli(
    model, tokenizer, examples: Iterable[NLIExample], batch_size: int = 256, max_length: int = 128
) -> list[str]:
    """Predicted labels (from :data:`~weamlib.formats.NLI_LABELS`) of ``examples``, in order."""
    logits = nli_logits(model, tokenizer, examples, batch_size, max_length)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    return [id2label[int(i)] for i in logits.argmax(-1)]


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
) -> Run:
    """Fine-tune on the suite's NLI data and score every language; cached (kind ``finetune_nli``).

    Training: English train (``"zero-shot"``), plus each non-English language of
    ``languages``' translate-train set (``"translate-train"``). Selection: English dev
    only. Scoring: every ``split`` of ``splits`` ("dev", "test") in every language of
    ``languages`` (default: all of the suite's). The cache key holds the config fields,
    a digest of the model folder (weights, config, tokenizer) and of the suite's
    manifest, the languages, splits, setting and ``save_model`` (then the selected model
    is kept in the run folder's ``model/``).

    Results: ``{"accuracy": {split: {lang: 0-100}}, "history": [per epoch],
    "best_epoch", "seconds" (whole run), "train_seconds", "train_examples",
    "train_languages"}``.
    """
    cfg = cfg or NLIFinetuneConfig()
    if not isinstance(cfg, NLIFinetuneConfig):
        raise ConfigError(f"cfg must be an NLIFinetuneConfig, got {type(cfg).__name__}")
    suite = Path(suite)
    setting = _check_choices([setting], SETTINGS, "setting")[0]
    splits = _check_choices(splits, SPLITS, "splits")
    suite_langs = suite_languages(suite)
    languages = _check_choices(
        suite_langs if languages is None else languages, suite_langs, "languages"
    )
    targets = [lang for lang in languages if lang != "en"]
    if setting == "translate-train" and not targets:
        raise ConfigError(
            "setting 'translate-train' needs at least one non-English language in languages"
        )
    train_languages = ["en"] + (targets if setting == "translate-train" else [])
    config = {
        "format": FORMAT,
        "task": "xnli",
        **dataclasses.asdict(cfg),
        "model": model_digest(model_dir),
        "suite": suite_digest(suite),
        "languages": languages,
        "splits": splits,
        "setting": setting,
        "save_model": bool(save_model),
    }

    def compute(folder: Path) -> dict:
        started = time.perf_counter()
        limit = cfg.train_limit
        train = list(load_nli(suite, "train", "en")[:limit])
        for lang in train_languages[1:]:
            train += load_nli(suite, "translate-train", lang)[:limit]
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
            "history": history,
            "best_epoch": history[best]["epoch"],
            "seconds": time.perf_counter() - started,
            "train_seconds": train_seconds,
            "train_examples": len(train),
            "train_languages": train_languages,
        }

    return (store or RunStore()).run(KIND, config, compute)


def nli_frame(runs: Mapping[str, Run | Iterable[Run]]):
    """One tidy DataFrame of NLI runs: model name -> a run or several (e.g. one per seed).

    Columns: model, task ("xnli"), setting, language, split, seed, metric ("accuracy"),
    value (0-100); one row per run, split and language.
    """
    import pandas as pd

    rows = []
    for model, value in runs.items():
        for run in [value] if isinstance(value, Run) else list(value):
            for split, per_language in run.results["accuracy"].items():
                for language, score in per_language.items():
                    rows.append(
                        {
                            "model": model,
                            "task": run.config.get("task", "xnli"),
                            "setting": run.config["setting"],
                            "language": language,
                            "split": split,
                            "seed": run.config["seed"],
                            "metric": "accuracy",
                            "value": float(score),
                        }
                    )
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
