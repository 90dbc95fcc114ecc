"""Pre-training on the Hugging Face Trainer: the base model and the continued objectives.

* ``base``: a small BERT trained from scratch with MLM on the monolingual corpora of every
  language of the suite (languages sampled with exponential smoothing, S = 0.7, as mBERT),
  the study's "mBERT".
* ``mlm_control``, ``tlm``, ``word_aligned``, ``weam``: continued from the base model on the
  en-X parallel corpora, with the same steps, batch size (in *pairs*) and schedule.

Runs are cached in the run store (kind ``"pretrain"``); a killed run resumes from the last
Trainer checkpoint (kept in ``<store>/pretrain-checkpoints/<key>/``) on the next call. The
finished run folder holds ``model/``: a ``BertForMaskedLM`` ``save_pretrained`` folder with
the tokenizer and the Trainer's ``trainer_state.json`` (``log_history`` has the losses).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from weamlib import objectives as obj
from weamlib.digests import suite_digest, tokenizer_digest
from weamlib.errors import ConfigError
from weamlib.model import BertForWeamPreTraining, ModelSize, save_mlm
from weamlib.progress import trainer_callback
from weamlib.runs import Run, RunStore
from weamlib.tokenize import encode_words

CHAPTER = "03_pretraining"  # the profile section that holds the pre-training settings
PIPELINE_ALIGNER = {"eflomal": "eflomal", "fastalign": "fastalign"}
SYMMETRIZE = "grow-diag-final-and"


@dataclass(frozen=True)
class PretrainConfig:
    """One pre-training run. ``mask_prob`` None means 0.15 (BERT), or 0.3 for WEAM (the
    paper's choice). ``batch_size`` counts sentences for ``base`` and pairs otherwise."""

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

    def __post_init__(self):
        if self.objective not in obj.OBJECTIVES:
            raise ConfigError(
                f"unknown objective {self.objective!r}; choose one of {', '.join(obj.OBJECTIVES)}"
            )
        for name in ("steps", "batch_size", "max_pieces", "logging_steps", "save_steps"):
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
    def uses_alignment(self) -> bool:
        return self.objective in ("weam", "word_aligned")

    def key(self) -> dict:
        """The fields that determine the result (logging and checkpointing cadence do not;
        settings that an objective ignores are dropped, so equal runs share a cache entry)."""
        out = asdict(self)
        for name in ("logging_steps", "save_steps"):
            out.pop(name)
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


def mono_examples(suite, tokenizer, max_pieces: int) -> dict[str, list[tuple[int, ...]]]:
    """The suite's monolingual sentences as id tuples (no specials), per language."""
    from weamlib.synth import load_mono, suite_languages

    out = {}
    for lang in suite_languages(suite):
        lines = [line for line in load_mono(suite, lang) if line.strip()]
        ids = tokenizer(lines, add_special_tokens=False)["input_ids"]
        out[lang] = [tuple(x[:max_pieces]) for x in ids if x]
    return out


def pair_links(suite, lang: str, source: str, seed: int, store: RunStore | None) -> list:
    """Word links of every en-``lang`` pair for ``alignment_source`` (see
    :func:`weamlib.objectives.alignment_for_source`)."""
    from weamlib.align import ensure_alignments, load_links
    from weamlib.synth import load_parallel

    pairs, gold = load_parallel(suite, lang)
    lengths = [(len(s), len(t)) for s, t in pairs]
    predicted = None
    if source in PIPELINE_ALIGNER:
        run = ensure_alignments(suite, f"en-{lang}", PIPELINE_ALIGNER[source], SYMMETRIZE, 0, store)
        predicted = load_links(run)
    gold_links = [sorted(ls.sure) for ls in gold]
    return obj.alignment_for_source(source, gold_links, predicted, lengths, seed)


def pair_examples(
    suite, tokenizer, cfg: PretrainConfig, store: RunStore | None = None
) -> dict[str, list[obj.PairExample]]:
    """The en-X training pairs of every language (the last ``heldout_pairs`` of each corpus
    are held out for the representation probes), tokenised, with subword links."""
    from weamlib.synth import load_parallel, suite_languages

    out = {}
    for lang in suite_languages(suite)[1:]:
        pairs, _ = load_parallel(suite, lang)
        links = pair_links(
            suite, lang, cfg.alignment_source if cfg.uses_alignment else "none", cfg.seed, store
        )
        keep = len(pairs) - cfg.heldout_pairs
        if keep < 1:
            raise ConfigError(
                f"parameter 'heldout_pairs' ({cfg.heldout_pairs}) leaves no en-{lang} pair to"
                f" train on ({len(pairs)} pairs)"
            )
        src = encode_words(tokenizer, [s for s, _ in pairs[:keep]])
        tgt = encode_words(tokenizer, [t for _, t in pairs[:keep]])
        out[lang] = [
            obj.make_pair_example(sc, tc, si, ti, wl, cfg.subword_alignment, cfg.max_pieces)
            for (si, sc), (ti, tc), wl in zip(src, tgt, links[:keep], strict=True)
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
            return LengthGroupedSampler(
                self.args.train_batch_size * self.args.gradient_accumulation_steps,
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
    """
    from transformers import BertForMaskedLM, TrainingArguments, set_seed

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
    args = TrainingArguments(
        output_dir=str(checkpoint_dir),
        max_steps=cfg.steps,
        per_device_train_batch_size=cfg.batch_size,
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
        bf16=cfg.bf16,
        use_cpu=not torch.cuda.is_available(),
        label_names=["labels"],
    )
    trainer_cls = _trainer_class()
    trainer = trainer_cls(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collate,
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


# --- the cached entry points ---------------------------------------------------------------


def study_tokenizer(suite, vocab_size: int, store: RunStore | None = None):
    """The one tokenizer of the study for this suite and vocabulary size."""
    from weamlib.tokenize import ensure_tokenizer

    return ensure_tokenizer(suite, vocab_size=vocab_size, store=store)


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

    A continued objective needs ``base`` (the base model's config), which is trained first
    if it is not in the store. ``run.file("model")`` is the ``save_pretrained`` folder.
    """
    store = store or RunStore()
    suite = Path(suite)
    tokenizer = study_tokenizer(suite, vocab_size, store)
    init_run = None
    if cfg.objective != "base":
        if base is None or base.objective != "base":
            raise ConfigError(
                f"objective {cfg.objective!r} continues from a base model: give `base`"
            )
        init_run = ensure_pretrained(suite, base, size, vocab_size, None, store, progress)
    config = {
        "pretrain": cfg.key(),
        "model": asdict(size),
        "suite": suite_digest(suite),
        "tokenizer": tokenizer_digest(tokenizer),
        "init": init_run.path.name if init_run else None,
    }
    checkpoint_dir = store.root / "pretrain-checkpoints" / store.path("pretrain", config).name

    def compute(folder: Path) -> dict:
        if cfg.objective == "base":
            per_lang = mono_examples(suite, tokenizer, cfg.max_pieces)
        else:
            per_lang = pair_examples(suite, tokenizer, cfg, store)
        dataset = mixture(per_lang, cfg.steps * cfg.batch_size, cfg.smoothing, cfg.seed)
        results = train(
            cfg,
            size,
            tokenizer,
            dataset,
            folder / "model",
            checkpoint_dir,
            init_run.file("model") if init_run else None,
            progress,
        )
        n_tokens = sum(_real_tokens(ex) for ex in dataset)
        results["tokens_per_second"] = n_tokens / results["seconds"] if results["seconds"] else None
        results["examples"] = {k: len(v) for k, v in per_lang.items()}
        return results

    run = store.run("pretrain", config, compute)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return run


def loss_history(run: Run) -> list[dict]:
    """The logged training losses of a pre-training run (``trainer_state.json``)."""
    state = json.loads(run.file("model/trainer_state.json").read_text(encoding="utf-8"))
    return [h for h in state["log_history"] if "loss" in h]


# --- the study's settings per profile ------------------------------------------------------


@dataclass(frozen=True)
class StudySettings:
    """The pre-training regime of a profile: one tokenizer, one model size, the base run and
    the continued runs (shared settings plus per-objective ones)."""

    vocab_size: int
    size: ModelSize
    base: PretrainConfig
    continued: dict
    objectives: dict

    def config(self, objective: str, seed: int | None = None, **overrides) -> PretrainConfig:
        """The config of ``objective``: profile settings, then ``overrides`` (names checked)."""
        if objective == "base":
            values = asdict(self.base)
        else:
            if objective not in obj.OBJECTIVES:
                raise ConfigError(
                    f"unknown objective {objective!r}; choose one of {', '.join(obj.OBJECTIVES)}"
                )
            values = {**self.continued, **self.objectives.get(objective, {})}
        values = {**values, "objective": objective}
        if seed is not None:
            values["seed"] = seed
        return with_overrides(PretrainConfig, values, overrides, "pre-training")


def settings_from_parameters(params: dict) -> StudySettings:
    """:class:`StudySettings` from the pre-training chapter's parameters (``vocab_size``,
    ``model``, ``base``, ``continued``, ``objectives``)."""
    size = with_overrides(ModelSize, {}, dict(params.get("model") or {}), "model")
    base = with_overrides(
        PretrainConfig, {"objective": "base"}, dict(params.get("base") or {}), "base"
    )
    continued = dict(params.get("continued") or {})
    with_overrides(PretrainConfig, {"objective": "tlm"}, continued, "continued")
    objectives = {k: dict(v or {}) for k, v in (params.get("objectives") or {}).items()}
    for name, values in objectives.items():
        if name not in obj.OBJECTIVES or name == "base":
            raise ConfigError(f"parameter 'objectives': unknown continued objective {name!r}")
        with_overrides(PretrainConfig, {**continued, "objective": name}, values, name)
    vocab = params.get("vocab_size")
    _positive_int("vocab_size", vocab, minimum=6)
    return StudySettings(vocab, size, base, continued, objectives)


def profile_settings(profile: str) -> StudySettings:
    """The settings of ``profile``: the pre-training chapter's parameters cell overridden by
    the profile's ``03_pretraining`` section (the same values the book runs with)."""
    from weamlib.pipeline import declared_parameters, notebooks_dir, resolve_parameters

    source = notebooks_dir() / f"{CHAPTER}.py"
    params = {**declared_parameters(source), **resolve_parameters(source, profile)}
    return settings_from_parameters(params)


def suite_profile(profile: str) -> str:
    """The synthetic suite a profile trains on (``paper`` has no synthetic suite of its own)."""
    return "smoke" if profile == "smoke" else "default"


def _pretrain_job(suite, cfg, size, vocab_size, base, root: str) -> str:
    return str(ensure_pretrained(suite, cfg, size, vocab_size, base, RunStore(root), True).path)


def ensure_all_pretrained(
    suite,
    settings: StudySettings,
    objectives: Sequence[str] = ("mlm_control", "tlm", "word_aligned", "weam"),
    store: RunStore | None = None,
    workers: int | None = None,
    seed: int | None = None,
    overrides: dict | None = None,
) -> dict[str, Run]:
    """The base model and every continued objective of ``settings``; the base model first
    (here), then the continued runs side by side, one single-threaded process per core
    (:func:`weamlib.workers.run_parallel`). ``overrides``: objective -> extra settings.
    Returns name -> run, ``"base"`` first."""
    from weamlib.workers import run_parallel

    store = store or RunStore()
    overrides = overrides or {}
    base_run = ensure_pretrained(
        suite, settings.base, settings.size, settings.vocab_size, None, store
    )
    cfgs = {name: settings.config(name, seed, **overrides.get(name, {})) for name in objectives}
    # What the runs share is computed here first, so the workers only read it.
    from weamlib.synth import suite_languages

    for source in sorted({c.alignment_source for c in cfgs.values() if c.uses_alignment}):
        for lang in suite_languages(suite)[1:]:
            pair_links(suite, lang, source, 0, store)
    run_parallel(
        _pretrain_job,
        [
            (suite, cfg, settings.size, settings.vocab_size, settings.base, str(store.root))
            for cfg in cfgs.values()
        ],
        workers,
        labels=[f"pre-training {name}" for name in cfgs],
    )
    runs = {"base": base_run}
    for name, cfg in cfgs.items():
        runs[name] = ensure_pretrained(
            suite, cfg, settings.size, settings.vocab_size, settings.base, store, False
        )
    return runs


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
