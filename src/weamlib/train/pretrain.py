"""Pre-training on the Hugging Face Trainer: the base model and the continued objectives.

* ``base``: a small BERT trained from scratch with MLM on the monolingual corpora of every
  language of the suite (languages sampled with exponential smoothing, S = 0.7, as mBERT),
  the study's "mBERT".
* ``mlm_control``, ``tlm``, ``word_aligned``, ``weam``: continued from the base model on the
  en-X parallel corpora, with the same steps, batch size (in *pairs*) and schedule.

This module is the computation of a ``"pretrain"`` run (:func:`compute_pretraining`) and
all its key depends on as code; :mod:`weamlib.train.pretrain_runs` finds, keys and stores the
runs. A killed run resumes from the last Trainer checkpoint on the next call. The finished
run folder holds ``model/``: a ``BertForMaskedLM`` ``save_pretrained`` folder with the
tokenizer and the Trainer's ``trainer_state.json`` (``log_history`` has the losses).

May import: :mod:`weamlib.models.objectives`, :mod:`weamlib.models.model`, :mod:`weamlib.data.tokenize`,
:mod:`weamlib.data.suitefiles`, :mod:`weamlib.data.formats` and below; never the aligners, the suite
generator, the run store's orchestration or the notebook pipeline.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from weamlib.core.errors import ConfigError
from weamlib.core.precision import PRECISIONS, default_device, resolve
from weamlib.core.progress import say, trainer_callback
from weamlib.data import formats
from weamlib.data.suitefiles import load_mono, load_parallel, parallel_paths, suite_languages
from weamlib.data.tokenize import encode_words
from weamlib.models import objectives as obj
from weamlib.models.model import BertForWeamPreTraining, ModelSize, save_mlm
from weamlib.store.digests import file_sha256, tokenizer_digest


@dataclass(frozen=True)
class PretrainConfig:
    """One pre-training run. ``mask_prob`` None means 0.15 (BERT), or 0.3 for WEAM (the
    paper's choice). ``batch_size`` counts sentences for ``base`` and pairs otherwise.
    ``precision``: ``"fp32"``, ``"bf16"`` or ``"auto"`` (:mod:`weamlib.core.precision`: bf16
    autocast with fp32 master weights where the machine multiplies bf16 natively);
    ``bf16=True`` (the GPU profiles' switch) means ``"bf16"``. The key holds the resolved
    precision. ``base_rows`` (base model only): ``"sentence"``, one monolingual sentence per
    row; ``"pair"``, two consecutive sentences of one language per row in BERT's A/B
    layout (``[CLS] a [SEP] b [SEP]``, segments 0/1), ``batch_size`` then counting rows
    (:func:`sentence_pairs`; ``benchmarks/recorded/calibration_probe11.md``); ``"packed"``,
    as many consecutive sentences as fill the model's positions, cut at a random sentence
    boundary into A and B (:func:`packed_rows`; BERT's full-length rows, so that every
    position the fine-tuning inputs reach is trained; on the default suite its MLM loss
    stays near 4.0 where the other rows reach 1.4-1.5: ``calibration_probe15.md``)."""

    objective: str = "base"
    steps: int = 1000
    batch_size: int = 128
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    mask_prob: float | None = None
    lambda_: float = 1.0
    lambda_reg: float = 1.0
    pair_encoding: str = "concat"
    subword_alignment: str = "first"
    alignment_source: str = "eflomal"
    max_pieces: int = 40
    smoothing: float = 0.7
    heldout_pairs: int = 500
    seed: int = 0
    logging_steps: int = 50
    save_steps: int = 500
    bf16: bool = False
    gradient_accumulation: int = 1
    init_model: str | None = None
    precision: str = "auto"
    base_rows: str = "sentence"

    def __post_init__(self):
        if self.objective not in obj.OBJECTIVES:
            raise ConfigError(
                f"unknown objective {self.objective!r}; choose one of {', '.join(obj.OBJECTIVES)}"
            )
        for name in (
            "steps",
            "batch_size",
            "max_pieces",
            "logging_steps",
            "save_steps",
            "gradient_accumulation",
        ):
            _positive_int(name, getattr(self, name))
        _positive_int("heldout_pairs", self.heldout_pairs, minimum=0)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ConfigError(f"parameter 'seed' must be an integer, got {self.seed!r}")
        if self.mask_prob is not None:
            obj.check_mask_prob(self.mask_prob)
        for name in ("learning_rate",):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"parameter {name!r} must be a number > 0, got {value!r}")
        for name in ("lambda_", "lambda_reg", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"parameter {name!r} must be a number >= 0, got {value!r}")
        for name in ("warmup_ratio",):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
                raise ConfigError(f"parameter {name!r} must lie in [0, 1), got {value!r}")
        if not 0 < self.smoothing <= 1:
            raise ConfigError(f"parameter 'smoothing' must lie in (0, 1], got {self.smoothing!r}")
        if self.pair_encoding not in obj.PAIR_ENCODINGS:
            raise ConfigError(
                f"parameter 'pair_encoding' must be 'concat' or 'separate', got {self.pair_encoding!r}"
            )
        if self.subword_alignment not in obj.SUBWORD_ALIGNMENTS:
            raise ConfigError(
                f"parameter 'subword_alignment' must be 'first' or 'all', got {self.subword_alignment!r}"
            )
        if self.init_model is not None and (
            self.objective != "base" or not isinstance(self.init_model, str) or not self.init_model
        ):
            raise ConfigError(
                "parameter 'init_model' (a Hub id or a save_pretrained folder) belongs to the"
                f" base model only, as a non-empty string; got {self.init_model!r}"
                f" for {self.objective!r}"
            )
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"parameter 'precision' must be one of {', '.join(PRECISIONS)},"
                f" got {self.precision!r}"
            )
        if self.base_rows not in BASE_ROWS:
            raise ConfigError(
                f"parameter 'base_rows' must be one of {', '.join(BASE_ROWS)},"
                f" got {self.base_rows!r}"
            )
        if self.alignment_source not in obj.ALIGNMENT_SOURCES:
            raise ConfigError(
                f"parameter 'alignment_source' must be one of {', '.join(obj.ALIGNMENT_SOURCES)},"
                f" got {self.alignment_source!r}"
            )

    @property
    def effective_mask_prob(self) -> float:
        if self.mask_prob is not None:
            return float(self.mask_prob)
        return 0.3 if self.objective == "weam" else 0.15

    @property
    def effective_precision(self) -> str:
        """The precision this run trains at on this machine: ``"fp32"`` or ``"bf16"``."""
        return "bf16" if self.bf16 else resolve(self.precision)

    @property
    def uses_alignment(self) -> bool:
        return self.objective in ("weam", "word_aligned")

    def key(self) -> dict:
        """The fields that determine the result (logging and checkpointing cadence do not;
        settings that an objective ignores are dropped, so equal runs share a cache entry)."""
        out = asdict(self)
        for name in ("logging_steps", "save_steps"):
            out.pop(name)
        for name, default in (("gradient_accumulation", 1), ("init_model", None)):
            if out[name] == default:  # fields added later: older runs keep their keys
                out.pop(name)
        out.pop("bf16")
        out["precision"] = self.effective_precision  # fp32 and bf16 runs never mix
        out["mask_prob"] = self.effective_mask_prob
        if self.objective == "word_aligned":
            out.pop("mask_prob")
        if self.objective != "weam":
            for name in ("lambda_", "pair_encoding"):
                out.pop(name)
        if self.objective != "word_aligned":
            out.pop("lambda_reg")
        if not self.uses_alignment:
            out.pop("subword_alignment")
            out.pop("alignment_source")
        if self.objective == "base":
            out.pop("heldout_pairs")
        if self.objective != "base" or self.base_rows == "sentence":
            out.pop("base_rows")  # added later: sentence-row runs keep their keys
        return out


def _positive_int(name: str, value, minimum: int = 1) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"parameter {name!r} must be an integer >= {minimum}, got {value!r}")


def with_overrides(cls, base: dict, overrides: dict, what: str):
    """``cls(**base, **overrides)``; unknown names are refused, naming them."""
    names = {f.name for f in dataclasses.fields(cls)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise ConfigError(f"unknown {what} parameter {bad[0]!r}; known: {', '.join(sorted(names))}")
    return cls(**{**base, **overrides})


# --- data ----------------------------------------------------------------------------------


def smoothed_counts(sizes: dict[str, int], total: int, smoothing: float) -> dict[str, int]:
    """How many of ``total`` examples to draw per language: ``q_l ∝ (n_l / N) ** S``
    (exponential smoothing as in mBERT/XLM); the counts sum to ``total``."""
    langs = sorted(sizes)
    n = np.array([sizes[lang] for lang in langs], dtype=float)
    if (n <= 0).any():
        empty = [lang for lang in langs if sizes[lang] <= 0]
        raise ConfigError(f"no training sentences for language(s) {', '.join(empty)}")
    q = (n / n.sum()) ** smoothing
    q /= q.sum()
    counts = np.floor(q * total).astype(int)
    for k in np.argsort(-(q * total - counts), kind="stable")[: total - counts.sum()]:
        counts[k] += 1
    return dict(zip(langs, counts.tolist(), strict=True))


def mixture(per_lang: dict[str, list], total: int, smoothing: float, seed: int) -> list:
    """``total`` examples drawn from the languages by :func:`smoothed_counts`; within a
    language the examples are taken in seeded random order, cycling when more are needed."""
    counts = smoothed_counts({k: len(v) for k, v in per_lang.items()}, total, smoothing)
    rng = np.random.default_rng(seed)
    out = []
    for lang in sorted(per_lang):
        items, need = per_lang[lang], counts[lang]
        order = np.concatenate(
            [rng.permutation(len(items)) for _ in range(math.ceil(need / len(items)) or 1)]
        )[:need]
        out.extend(items[i] for i in order)
    return out


BASE_ROWS = ("sentence", "pair", "packed")


def sentence_pairs(sentences: list[tuple[int, ...]]) -> list[obj.PairExample]:
    """Consecutive sentences two by two (a last odd one is left out), as rows of a
    ``base_rows="pair"`` base model: the suite's sentences are drawn independently, so a
    pair is two unrelated sentences, as BERT's next-sentence negatives are."""
    return [obj.PairExample(a, b) for a, b in zip(sentences[0::2], sentences[1::2], strict=False)]


def packed_rows(sentences: list[tuple[int, ...]], budget: int, seed: int) -> list[obj.PairExample]:
    """Consecutive sentences packed greedily into rows of at most ``budget`` pieces (the
    ``base_rows="packed"`` base model), each row cut at a sentence boundary drawn
    uniformly (seeded by ``seed``) into segments A and B: every position up to
    ``budget + 3`` is trained, under B's segment embedding from any offset on, as in
    BERT's full-length rows. A row holds at least two sentences; sentences left over at
    the end that cannot make one are left out."""
    if any(len(s) * 2 > budget for s in sentences):
        longest = max(len(s) for s in sentences)
        raise ConfigError(
            f"packed rows of {budget} pieces cannot hold two sentences of {longest} pieces;"
            " lower 'max_pieces' or raise the model's 'max_positions'"
        )
    rng = np.random.default_rng(seed)
    rows, chunk, size = [], [], 0
    for sentence in sentences:
        if chunk and size + len(sentence) > budget:
            cut = int(rng.integers(1, len(chunk)))
            rows.append(obj.PairExample(sum(chunk[:cut], ()), sum(chunk[cut:], ())))
            chunk, size = [], 0
        chunk.append(sentence)
        size += len(sentence)
    if len(chunk) >= 2:
        cut = int(rng.integers(1, len(chunk)))
        rows.append(obj.PairExample(sum(chunk[:cut], ()), sum(chunk[cut:], ())))
    return rows


def mono_examples(suite, tokenizer, max_pieces: int) -> dict[str, list[tuple[int, ...]]]:
    """The suite's monolingual sentences as id tuples (no specials), per language."""
    out = {}
    vocab = tokenizer_digest(tokenizer)
    for lang in suite_languages(suite):
        lines = [line for line in load_mono(suite, lang) if line.strip()]
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()

        def encode(lines=lines):
            return tokenizer(lines, add_special_tokens=False)["input_ids"]

        ids = _memo(("mono", digest, vocab), encode)
        out[lang] = [tuple(x[:max_pieces]) for x in ids if x]
    return out


# Tokenised files of this process, by (what, content digest, tokenizer digest): the runs
# of a build (and a worker's successive runs) tokenise each file once.
_TOKENISED: dict[tuple, object] = {}
_TOKENISED_MAX = 64


def _memo(key: tuple, compute):
    if key not in _TOKENISED:
        while len(_TOKENISED) >= _TOKENISED_MAX:
            _TOKENISED.pop(next(iter(_TOKENISED)))
        _TOKENISED[key] = compute()
    return _TOKENISED[key]


def parallel_pairs(suite, lang: str):
    """``(pairs, gold)`` of the en-``lang`` corpus: word-list pairs, and one LinkSet per
    pair when the suite has gold links (the synthetic suite), else None (real data)."""
    text, gold = parallel_paths(suite, lang)
    if gold.is_file():
        return load_parallel(suite, lang)
    return formats.read_parallel(text), None


def pair_examples(
    suite, tokenizer, cfg: PretrainConfig, links: dict[str, list]
) -> dict[str, list[obj.PairExample]]:
    """The en-X training pairs of every language (the last ``heldout_pairs`` of each corpus
    are held out for the representation probes), tokenised, with subword links.

    ``links[lang]``: the word links of every en-``lang`` pair, in corpus order.
    """
    out = {}
    vocab = tokenizer_digest(tokenizer)
    for lang in suite_languages(suite)[1:]:
        text, _ = parallel_paths(suite, lang)
        digest = file_sha256(text)
        pairs = _memo(("parallel", digest), lambda text=text: formats.read_parallel(text))
        keep = len(pairs) - cfg.heldout_pairs
        if keep < 1:
            raise ConfigError(
                f"parameter 'heldout_pairs' ({cfg.heldout_pairs}) leaves no en-{lang} pair to"
                f" train on ({len(pairs)} pairs)"
            )

        def encode(pairs=pairs, keep=keep):
            return (
                encode_words(tokenizer, [s for s, _ in pairs[:keep]]),
                encode_words(tokenizer, [t for _, t in pairs[:keep]]),
            )

        src, tgt = _memo(("pairs", digest, vocab, keep), encode)
        out[lang] = [
            obj.make_pair_example(sc, tc, si, ti, wl, cfg.subword_alignment, cfg.max_pieces)
            for (si, sc), (ti, tc), wl in zip(src, tgt, links[lang][:keep], strict=True)
        ]
    return out


def _length(example, rows: str = "concat") -> int:
    """The padded length an example needs: the pair's total for one row (``concat``), the
    longer sentence when the two sentences are rows of their own (``separate``)."""
    if isinstance(example, obj.PairExample):
        if rows == "separate":
            return max(len(example.src_ids), len(example.tgt_ids))
        return len(example.src_ids) + len(example.tgt_ids)
    return len(example)


def _real_tokens(example) -> int:
    if isinstance(example, obj.PairExample):
        return len(example.src_ids) + len(example.tgt_ids)
    return len(example)


# --- training ------------------------------------------------------------------------------


def _trainer_class():
    from transformers import Trainer
    from transformers.trainer_pt_utils import LengthGroupedSampler

    class PretrainTrainer(Trainer):
        """The Trainer with length-grouped batches for any example type and the loss's
        parts (``mlm_loss``, ``cross_loss``) added to the logs."""

        lengths: list[int] = []

        def _get_train_sampler(self, train_dataset=None):
            gen = torch.Generator().manual_seed(self.args.data_seed or self.args.seed)
            # Grouped by the *global* batch: accelerate then deals consecutive per-device
            # batches to the processes, so N processes see exactly one process's batches.
            a = self.args
            return LengthGroupedSampler(
                a.train_batch_size * a.gradient_accumulation_steps * a.world_size,
                lengths=self.lengths,
                generator=gen,
            )

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            outputs = model(**inputs)
            parts = self.__dict__.setdefault("_parts", {"mlm_loss": [], "cross_loss": []})
            for name in parts:
                value = getattr(outputs, name, None)
                if value is not None:
                    parts[name].append(float(value))
            return (outputs.loss, outputs) if return_outputs else outputs.loss

        def log(self, logs, start_time=None):
            parts = self.__dict__.get("_parts")
            if parts and "loss" in logs:
                for name, values in parts.items():
                    if values:
                        logs[name] = round(sum(values) / len(values), 4)
                        values.clear()
            super().log(logs, start_time)

    return PretrainTrainer


class _TracedCollator:
    """A collator that appends one line per batch (the sorted sha1 of its examples)."""

    def __init__(self, collate, path: Path):
        self.collate, self.path = collate, path

    def __call__(self, examples):
        import hashlib

        digests = sorted(hashlib.sha1(repr(ex).encode()).hexdigest()[:16] for ex in examples)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(" ".join(digests) + "\n")
        return self.collate(examples)


def train(
    cfg: PretrainConfig,
    size: ModelSize,
    tokenizer,
    dataset: list,
    output_dir: Path,
    checkpoint_dir: Path,
    init_from: Path | None = None,
    progress: bool = True,
) -> dict:
    """Train one objective with the Hugging Face Trainer; save the model to ``output_dir``.

    ``init_from``: the base model folder (continued objectives) or None (from scratch).
    Resumes from the newest checkpoint in ``checkpoint_dir`` if there is one.
    ``cfg.batch_size`` is the global batch: under N processes (``accelerate launch``) and
    ``cfg.gradient_accumulation`` = G, each process takes batch_size / (N·G) per step.
    With ``WEAM_BATCH_TRACE=PREFIX`` each process writes the digests of the examples of
    every batch it collates to ``PREFIX.rank<R>`` (to check how batches are sharded).
    """
    from transformers import BertForMaskedLM, TrainingArguments, set_seed

    rank, n_processes = world()
    per_device, rest = divmod(cfg.batch_size, n_processes * cfg.gradient_accumulation)
    if rest or not per_device:
        raise ConfigError(
            f"parameter 'batch_size' ({cfg.batch_size}) must be a multiple of the number of"
            f" processes ({n_processes}) times 'gradient_accumulation'"
            f" ({cfg.gradient_accumulation})"
        )
    set_seed(cfg.seed)
    if init_from is None:
        model = BertForWeamPreTraining(size.bert_config(tokenizer))
    else:
        model = BertForWeamPreTraining.from_pretrained(str(init_from))
    model.configure(cfg.objective, cfg.lambda_, cfg.lambda_reg)
    if cfg.objective == "word_aligned":
        model.set_reference(BertForMaskedLM.from_pretrained(str(init_from)))
    collate = obj.PretrainCollator(
        obj.CollatorConfig(
            objective=cfg.objective,
            pad_id=tokenizer.pad_token_id,
            cls_id=tokenizer.cls_token_id,
            sep_id=tokenizer.sep_token_id,
            mask_id=tokenizer.mask_token_id,
            vocab_size=len(tokenizer),
            mask_prob=cfg.effective_mask_prob,
            pair_encoding=cfg.pair_encoding,
        )
    )
    import os

    trace = os.environ.get("WEAM_BATCH_TRACE")
    args = TrainingArguments(
        output_dir=str(checkpoint_dir),
        max_steps=cfg.steps,
        per_device_train_batch_size=per_device,
        gradient_accumulation_steps=cfg.gradient_accumulation,
        learning_rate=cfg.learning_rate,
        warmup_steps=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay,
        lr_scheduler_type="linear",
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=1,
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to=[],
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=True,
        bf16=cfg.effective_precision == "bf16",
        use_cpu=default_device() == "cpu",
        label_names=["labels"],
    )
    trainer_cls = _trainer_class()
    trainer = trainer_cls(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=_TracedCollator(collate, Path(f"{trace}.rank{rank}")) if trace else collate,
        callbacks=[trainer_callback(f"pretrain {cfg.objective}")] if progress else None,
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # progress goes to the terminal, not stdout
    trainer.lengths = [_length(ex, collate.config.encoding) for ex in dataset]
    resume = any(checkpoint_dir.glob("checkpoint-*")) if checkpoint_dir.is_dir() else False
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    seconds = time.perf_counter() - start
    if trainer.is_world_process_zero():
        save_mlm(model, tokenizer, output_dir)
        trainer.state.save_to_json(str(Path(output_dir) / "trainer_state.json"))
    history = [h for h in trainer.state.log_history if "loss" in h]
    return {
        "objective": cfg.objective,
        "steps": cfg.steps,
        "train_loss": result.training_loss,
        "final_loss": history[-1]["loss"] if history else None,
        "seconds": seconds,
        "resumed": resume,
        "parameters": sum(p.numel() for p in model.parameters()),
    }


# --- one run ----------------------------------------------------------------------------


def world() -> tuple[int, int]:
    """``(rank, world size)`` of this process under ``accelerate launch`` / ``torchrun``
    (``(0, 1)`` when run alone)."""
    import os

    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def compute_pretraining(
    folder: Path,
    suite,
    cfg: PretrainConfig,
    size: ModelSize,
    tokenizer,
    links: dict[str, list] | None,
    init_dir: Path | None,
    checkpoint_dir: Path,
    progress: bool = True,
) -> dict:
    """Train the run of ``cfg`` into ``folder/model`` (the body of a ``"pretrain"`` run).

    ``links``: the word links of every en-X pair for the continued objectives
    (:func:`weamlib.train.pretrain_runs.pair_links`), None for the base model.
    """
    if progress:  # a fresh process tokenises every corpus first: a minute or two
        say(f"  [pretrain {cfg.objective}] reading and tokenising the corpora")
    if cfg.objective == "base":
        per_lang = mono_examples(suite, tokenizer, cfg.max_pieces)
        if cfg.base_rows == "pair":
            per_lang = {lang: sentence_pairs(ex) for lang, ex in per_lang.items()}
        elif cfg.base_rows == "packed":  # [CLS] a [SEP] b [SEP] fills max_positions
            per_lang = {
                lang: packed_rows(ex, size.max_positions - 3, cfg.seed)
                for lang, ex in per_lang.items()
            }
    else:
        per_lang = pair_examples(suite, tokenizer, cfg, links)
    dataset = mixture(per_lang, cfg.steps * cfg.batch_size, cfg.smoothing, cfg.seed)
    results = train(
        cfg, size, tokenizer, dataset, folder / "model", checkpoint_dir, init_dir, progress
    )
    n_tokens = sum(_real_tokens(ex) for ex in dataset)
    results["tokens_per_second"] = n_tokens / results["seconds"] if results["seconds"] else None
    results["examples"] = {k: len(v) for k, v in per_lang.items()}
    return results


def import_model(source: str, folder: Path, name: str) -> dict:
    """Copy a Hugging Face BERT (Hub id or local folder) into ``folder/model`` (the body of
    an imported base run)."""
    from transformers import AutoTokenizer, BertForMaskedLM

    from weamlib.store.digests import model_digest

    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = BertForMaskedLM.from_pretrained(source)
    except OSError as err:
        raise ConfigError(
            f"parameter 'init_model' {name!r}: no such local model folder, and the Hub"
            f" model could not be loaded ({err}). Download it once with network (or point"
            " init_model at a save_pretrained folder)."
        ) from err
    save_mlm(model, tokenizer, folder / "model")
    return {
        "objective": "base",
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "digest": model_digest(folder / "model"),
    }
