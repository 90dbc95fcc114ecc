"""Pre-training throughput: real (non-padding) tokens per second of one training step.

Times one optimisation step (forward, backward, gradient clipping at 1.0 and a fused
AdamW step, as our Hugging Face Trainer does them) in a manual loop, so that only the
step is timed: not the Trainer, not the data loading. Batches are collated before the
clock starts; the collator's own cost per batch is reported apart (``collate ms``),
because the Trainer runs it in the training process (``dataloader_num_workers=0``).

What is compared, on the profile's model size (``ModelSize``) and batch sizes:

* ``reference``: the plain Hugging Face recipe: ``transformers.BertForMaskedLM`` with the
  same config (``ModelSize.bert_config``) and ``DataCollatorForLanguageModeling(tokenizer,
  mlm_probability=0.15)``: the vocabulary head and the loss over every position, dynamic
  padding to the longest sentence of the batch, batches in random order (no length
  grouping); on the base objective's monolingual sentences, base batch size.
* ``mlm``: ours, objective ``base``: ``BertForWeamPreTraining`` + ``PretrainCollator``
  (the head only on the masked positions) on the same sentences, in length-grouped batches.
* ``tlm``, ``word_aligned``, ``weam``: ours on en-X pairs from ``pair_examples`` (the
  profile's alignment source, default eflomal), continued batch size in *pairs*, each
  objective's own mask probability and pair encoding (TLM and WEAM concatenate the pair in
  one row, word-aligned encodes the two sentences in two rows and runs the frozen reference
  model as well). The three objectives get the very same batches of pairs.

Every model starts from the same random initialisation (the real continued runs start from
the base model; the weights do not change what a step costs).

"Same batches" means: the batches are drawn from the exact example list our Trainer would
train on (``mixture`` of ``steps * batch_size`` examples with the profile's seed, grouped by
the Trainer's ``LengthGroupedSampler``, megabatches of 50 batches): ``--warmup + --steps``
of those batches are picked at random (seeded). ``mlm`` (and the pair objectives) run
those batches as they are: length grouping is part of our engineering. ``reference`` runs
*the same sentences* (the union of the timed batches, and apart of the warm-up batches),
shuffled and cut into batches of the same size, as a plain random sampler would give them.
So both see the same examples and the same number of real tokens in the timed steps; only
the padding differs. Tokens counted are the real tokens of each batch (the attention mask:
sentence pieces plus [CLS]/[SEP], no padding).

Rounds (``--rounds``) run the objectives interleaved, each for ``--steps`` steps, and the
reported figures are the median round, to damp the noise of a shared machine (numbers still
move by 10-30 % while other jobs run, and several torch threads on a loaded machine can
slow down tenfold: ``--threads 1`` gives the steadiest figures). Compare figures from one
run only: between two runs the machine's load changes more than most effects measured
here. ``reference`` always runs in fp32 (the plain recipe); ours run at ``--precision``,
by default the precision the profile's pre-training runs train at on this machine
(:mod:`weamlib.core.precision`: ``auto`` is bf16 autocast with fp32 master weights where the
CPU multiplies bf16 natively); ``--bf16`` is ``--precision bf16``. ``--compile`` wraps every
model in ``torch.compile(dynamic=True)`` and reports the warm-up (which includes the
compilation) apart.

Bars: ``mlm`` >= 3x ``reference`` tokens/s (issue 15); a WEAM step <= 1.3x a TLM step (seconds per
step on the same batches of pairs; TLM is WEAM's lambda = 0 counterpart with the same
concatenated layout).

    .venv/bin/python benchmarks/bench_pretrain.py --profile default --steps 20 --warmup 3
    .venv/bin/python benchmarks/bench_pretrain.py --precision fp32 --threads 2 --json  # last line: JSON
    .venv/bin/python benchmarks/bench_pretrain.py --json benchmarks/results/pretrain.json
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from weamlib.core.atomicio import atomic_write_json
from weamlib.core.precision import PRECISIONS, autocast
from weamlib.core.precision import resolve as resolve_precision
from weamlib.data.suitefiles import load_parallel, suite_languages
from weamlib.models import objectives as obj
from weamlib.models.model import BertForWeamPreTraining
from weamlib.store.runs import RunStore
from weamlib.study.settings import profile_settings, suite_profile
from weamlib.synth.suite import ensure_suite
from weamlib.train import pretrain, pretrain_runs

CASES = ("reference", "mlm", "tlm", "word_aligned", "weam")
OURS = {"mlm": "base", "tlm": "tlm", "word_aligned": "word_aligned", "weam": "weam"}
MAX_GRAD_NORM = 1.0  # the Trainer's default


@dataclass
class Case:
    name: str
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    warm: list[dict]
    timed: list[dict]
    batch_size: int
    unit: str
    mask_prob: float | None
    collate_ms: float
    precision: str = "fp32"
    rounds: list[tuple[int, int, float]] = field(default_factory=list)  # (steps, tokens, s)
    warmup_s: float = 0.0
    truncated: bool = False

    def __post_init__(self):
        self.real = [int(b["attention_mask"].sum()) for b in self.timed]
        self.slots = sum(b["attention_mask"].numel() for b in self.timed)


def trainer_batches(dataset: list, batch_size: int, seed: int) -> list[list[int]]:
    """The batches (example indices) our Trainer forms: its ``LengthGroupedSampler`` with
    the generator seeded as in ``PretrainTrainer._get_train_sampler``."""
    from transformers.trainer_pt_utils import LengthGroupedSampler

    lengths = [pretrain._length(ex) for ex in dataset]
    sampler = LengthGroupedSampler(
        batch_size, lengths=lengths, generator=torch.Generator().manual_seed(seed)
    )
    order = list(sampler)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def pick(batches: list[list[int]], warmup: int, steps: int, seed: int):
    """``warmup`` and ``steps`` distinct batches, picked at random (seeded)."""
    if warmup + steps > len(batches):
        raise SystemExit(
            f"--warmup + --steps ({warmup + steps}) exceeds the {len(batches)} batches of a run"
        )
    chosen = random.Random(f"bench-pretrain:{seed}").sample(range(len(batches)), warmup + steps)
    return [batches[i] for i in chosen[:warmup]], [batches[i] for i in chosen[warmup:]]


def reshuffled(batches: list[list[int]], batch_size: int, seed: int) -> list[list[int]]:
    """The same examples in random order, cut into batches of ``batch_size``."""
    flat = [i for b in batches for i in b]
    random.Random(f"bench-pretrain-reference:{seed}").shuffle(flat)
    return [flat[i : i + batch_size] for i in range(0, len(flat), batch_size)]


def collate_all(collate, dataset, batches, to_example=lambda ex: ex):
    """Collated batches and the collator's mean milliseconds per batch."""
    start = time.perf_counter()
    out = [dict(collate([to_example(dataset[i]) for i in b])) for b in batches]
    ms = 1000 * (time.perf_counter() - start) / max(len(batches), 1)
    return out, ms


def make_optimizer(model, cfg: pretrain.PretrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(
        params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay, fused=True
    )


def train_step(case: Case, batch: dict) -> None:
    with autocast(case.precision):
        loss = case.model(**batch).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(case.model.parameters(), MAX_GRAD_NORM)
    case.optimizer.step()
    case.optimizer.zero_grad(set_to_none=True)


def build_cases(args) -> tuple[list[Case], dict]:
    from transformers import BertForMaskedLM, DataCollatorForLanguageModeling

    settings = profile_settings(args.profile)
    store = RunStore()
    suite = ensure_suite(suite_profile(args.profile), args.seed, store)
    tokenizer = pretrain_runs.study_tokenizer(suite, settings.vocab_size, store)
    size = settings.size
    base = settings.config("base", seed=args.seed)
    wanted = [c for c in CASES if c in args.objectives]
    cases: list[Case] = []
    ids = {
        "pad_id": tokenizer.pad_token_id,
        "cls_id": tokenizer.cls_token_id,
        "sep_id": tokenizer.sep_token_id,
        "mask_id": tokenizer.mask_token_id,
        "vocab_size": len(tokenizer),
    }

    def new_model(objective: str | None):
        torch.manual_seed(args.seed)
        config = size.bert_config(tokenizer)
        if objective is None:
            return BertForMaskedLM(config).train()
        model = BertForWeamPreTraining(config).configure(objective)
        return model.train()

    def ours_collator(cfg: pretrain.PretrainConfig):
        return obj.PretrainCollator(
            obj.CollatorConfig(
                objective=cfg.objective,
                mask_prob=cfg.effective_mask_prob,
                pair_encoding=cfg.pair_encoding,
                **ids,
            ),
            generator=torch.Generator().manual_seed(args.seed),
        )

    info: dict = {}
    if {"reference", "mlm"} & set(wanted):
        mono = pretrain.mono_examples(suite, tokenizer, base.max_pieces)
        dataset = pretrain.mixture(mono, base.steps * base.batch_size, base.smoothing, base.seed)
        warm, timed = pick(
            trainer_batches(dataset, base.batch_size, base.seed), args.warmup, args.steps, args.seed
        )
        info["base_examples"] = len(dataset)
        if "reference" in wanted:
            collate = DataCollatorForLanguageModeling(
                tokenizer, mlm_probability=0.15, seed=args.seed
            )
            special = (tokenizer.cls_token_id, tokenizer.sep_token_id)

            def as_feature(ex):
                return {"input_ids": [special[0], *ex, special[1]]}

            warm_b, _ = collate_all(
                collate, dataset, reshuffled(warm, base.batch_size, args.seed), as_feature
            )
            timed_b, ms = collate_all(
                collate, dataset, reshuffled(timed, base.batch_size, args.seed), as_feature
            )
            model = new_model(None)
            cases.append(
                Case(
                    "reference",
                    model,
                    make_optimizer(model, base),
                    warm_b,
                    timed_b,
                    base.batch_size,
                    "sentences",
                    0.15,
                    ms,
                )
            )
        if "mlm" in wanted:
            collate = ours_collator(base)
            warm_b, _ = collate_all(collate, dataset, warm)
            timed_b, ms = collate_all(collate, dataset, timed)
            model = new_model(OURS["mlm"])
            cases.append(
                Case(
                    "mlm",
                    model,
                    make_optimizer(model, base),
                    warm_b,
                    timed_b,
                    base.batch_size,
                    "sentences",
                    base.effective_mask_prob,
                    ms,
                )
            )
    pair_cases = [c for c in wanted if c in ("tlm", "word_aligned", "weam")]
    if pair_cases:
        source = settings.config("weam", seed=args.seed)
        if args.alignment_source:
            source = dataclasses.replace(source, alignment_source=args.alignment_source)
        smallest = min(len(load_parallel(suite, lang)[0]) for lang in suite_languages(suite)[1:])
        if source.heldout_pairs > smallest // 2:  # a small suite (smoke): keep pairs to train on
            source = dataclasses.replace(source, heldout_pairs=smallest // 2)
        pairs = pretrain.pair_examples(
            suite, tokenizer, source, pretrain_runs.pretrain_links(suite, source, store)
        )
        dataset = pretrain.mixture(
            pairs, source.steps * source.batch_size, source.smoothing, source.seed
        )
        warm, timed = pick(
            trainer_batches(dataset, source.batch_size, source.seed),
            args.warmup,
            args.steps,
            args.seed,
        )
        info["pair_examples"] = len(dataset)
        info["alignment_source"] = source.alignment_source
        info["heldout_pairs"] = source.heldout_pairs
        for name in pair_cases:
            cfg = settings.config(OURS[name], seed=args.seed)
            collate = ours_collator(cfg)
            warm_b, _ = collate_all(collate, dataset, warm)
            timed_b, ms = collate_all(collate, dataset, timed)
            model = new_model(OURS[name])
            model.configure(OURS[name], cfg.lambda_, cfg.lambda_reg)
            if name == "word_aligned":
                frozen = BertForMaskedLM(model.config)
                frozen.load_state_dict(copy.deepcopy(model.state_dict()))
                model.set_reference(frozen)
            mask_prob = None if name == "word_aligned" else cfg.effective_mask_prob
            cases.append(
                Case(
                    name,
                    model,
                    make_optimizer(model, cfg),
                    warm_b,
                    timed_b,
                    cfg.batch_size,
                    "pairs",
                    mask_prob,
                    ms,
                )
            )
    # ours train at the precision the profile's runs train at (or --precision); the
    # reference stays the plain fp32 recipe
    ours = args.precision or base.effective_precision
    for case in cases:
        if case.name != "reference":
            case.precision = resolve_precision(ours)
    info["precision"] = resolve_precision(ours)
    if args.compile:
        for case in cases:
            case.model = torch.compile(case.model, dynamic=True)
    return cases, info


def run(cases: list[Case], rounds: int, max_seconds: float) -> None:
    """Warm up every case, then ``rounds`` interleaved rounds of its timed batches; a round
    stops early (``truncated``) once it has run ``max_seconds``."""

    for case in cases:
        start = time.perf_counter()
        for batch in case.warm:
            train_step(case, batch)
        case.warmup_s = time.perf_counter() - start
    for _ in range(rounds):
        for case in cases:
            start = time.perf_counter()
            tokens = steps = 0
            for batch, real in zip(case.timed, case.real, strict=True):
                train_step(case, batch)
                tokens, steps = tokens + real, steps + 1
                if time.perf_counter() - start > max_seconds and steps < len(case.timed):
                    case.truncated = True
                    break
            case.rounds.append((steps, tokens, time.perf_counter() - start))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=("default", "smoke"))
    parser.add_argument("--steps", type=int, default=25, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=None,
        help="ours' precision (default: the profile's runs'); the reference stays fp32",
    )
    parser.add_argument("--bf16", action="store_true", help="--precision bf16")
    parser.add_argument("--compile", action="store_true", help="torch.compile(dynamic=True)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=20.0,
        help="cut a round of one objective after this long (a loaded machine)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--alignment-source", default=None, help="override the profile's (e.g. gold)"
    )
    parser.add_argument(
        "--objectives", nargs="+", default=list(CASES), choices=CASES, metavar="NAME"
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="print one JSON object as the last line (and write it to PATH if given)",
    )
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--steps and --rounds must be >= 1, --warmup >= 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.bf16:
        args.precision = "bf16"

    cases, info = build_cases(args)
    load_before = os.getloadavg()[0]
    run(cases, args.rounds, args.max_seconds)
    load_after = os.getloadavg()[0]

    rows = {}
    for case in cases:
        rates = [tokens / s for _, tokens, s in case.rounds]
        step_rates = [steps / s for steps, _, s in case.rounds]
        rows[case.name] = {
            "batch": case.batch_size,
            "precision": case.precision,
            "unit": case.unit,
            "mask_prob": case.mask_prob,
            "tokens_per_step": sum(case.real) / len(case.real),
            "padding": 1 - sum(case.real) / case.slots,
            "steps_per_s": statistics.median(step_rates),
            "s_per_step": 1 / statistics.median(step_rates),
            "tokens_per_s": statistics.median(rates),
            "round_tokens_per_s": rates,
            "collate_ms": case.collate_ms,
            "warmup_s": case.warmup_s,
            "truncated": case.truncated,
        }
    rate = {name: row["tokens_per_s"] for name, row in rows.items()}
    ref = rate.get("reference")

    print(
        f"{'objective':<13} {'batch':>12} {'mask':>5} {'tokens/step':>11} {'pad %':>6}"
        f" {'steps/s':>8} {'tokens/s':>9} {'x ref':>6} {'spread %':>8} {'collate ms':>10}"
    )
    for name, r in rows.items():
        spread = (
            100 * (max(r["round_tokens_per_s"]) - min(r["round_tokens_per_s"])) / r["tokens_per_s"]
        )
        mask = "-" if r["mask_prob"] is None else f"{r['mask_prob']:.2f}"
        times_ref = f"{r['tokens_per_s'] / ref:.2f}" if ref else "-"
        print(
            f"{name:<13} {r['batch']:>4} {r['unit']:<7} {mask:>5} {r['tokens_per_step']:>11.0f}"
            f" {100 * r['padding']:>6.1f} {r['steps_per_s']:>8.2f} {r['tokens_per_s']:>9.0f}"
            f" {times_ref:>6} {spread:>8.1f} {r['collate_ms']:>10.1f}"
        )

    extra: dict = {}

    def ratio(key: str, num: str, den: str, what: str, bar: str = "") -> None:
        if num in rows and den in rows:
            value = (
                rows[num]["s_per_step"] / rows[den]["s_per_step"]
                if key.endswith("_step")
                else rate[num] / rate[den]
            )
            extra[key] = value
            print(f"{what}: {value:.2f}{bar}")

    ratio("mlm_over_reference", "mlm", "reference", "MLM / reference tokens/s", " (bar >= 3)")
    ratio("weam_over_mlm", "weam", "mlm", "WEAM / MLM tokens/s")
    ratio(
        "weam_cost_over_mlm",
        "mlm",
        "weam",
        "WEAM / MLM seconds per real token",
        " (bar <= 1.3)",
    )
    ratio("weam_over_tlm", "weam", "tlm", "WEAM / TLM tokens/s")
    ratio(
        "weam_over_tlm_step",
        "weam",
        "tlm",
        "WEAM / TLM seconds per step, same batches of pairs",
        " (bar <= 1.3)",
    )
    if args.compile:
        print(
            "warm-up seconds (include compilation): "
            + ", ".join(f"{n} {r['warmup_s']:.1f}" for n, r in rows.items())
        )
    print(
        f"profile {args.profile}, {args.steps} steps x {args.rounds} rounds (median round),"
        f" {args.warmup} warm-up, {torch.get_num_threads()} threads,"
        f" ours at {info['precision']} (reference fp32), compile {args.compile}, {os.cpu_count()} cores,"
        f" load average {load_before:.1f} -> {load_after:.1f} (numbers are noisy while other"
        " jobs run; with several torch threads on a loaded machine they can collapse)"
    )
    cut = [name for name, r in rows.items() if r["truncated"]]
    if cut:
        print(f"warning: rounds cut at {args.max_seconds:.0f} s for {', '.join(cut)}")

    if args.json is not None:
        result = {
            **rate,
            **extra,
            "profile": args.profile,
            "steps": args.steps,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "threads": torch.get_num_threads(),
            "precision": info["precision"],
            "bf16": info["precision"] == "bf16",
            "compile": args.compile,
            "cpus": os.cpu_count(),
            "machine": platform.processor() or platform.machine(),
            "load_average": [load_before, load_after],
            "torch": torch.__version__,
            **info,
            "rows": rows,
        }
        if args.json:
            atomic_write_json(Path(args.json), result)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
