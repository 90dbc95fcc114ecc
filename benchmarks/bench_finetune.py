"""Fine-tuning throughput: real (non-padding) tokens per second of NLI fine-tuning.

What is compared, on the profile's model size and English NLI training items (the first
``--steps`` x ``--batch-size`` items of the suite's ``train-en``), each from the same random
initialisation (the weights do not change what a step costs):

* ``reference``: the plain Hugging Face recipe: ``BertForSequenceClassification`` trained
  by ``Trainer`` with default ``TrainingArguments`` (fp32, AdamW, gradient clipping at 1.0,
  shuffled batches, ``DataCollatorWithPadding``), ``max_steps`` = ``--steps``;
* ``fp32``: the study's fine-tuning path as the book runs it (:func:`weamlib.train.finetune.
  train_loop`, the profile's NLI head and its ``group_by_length``) at fp32;
* ``bf16``: the same at ``precision="bf16"`` (autocast, fp32 master weights), where the
  machine has native bf16.

``ours`` in the JSON names the variant the book trains with on this machine (the profile's
``precision: auto``: bf16 only where the CPU has AMX).

Each variant trains one epoch over the same items, in batches of ``--batch-size``; the time
of the training steps is measured (model loading and the dev evaluation are not), and
tokens are the real tokens of the items (pieces plus [CLS]/[SEP]). ``--rounds`` repeats the
variants interleaved and reports the median, to damp the noise of a shared machine.
Seeds trained together as one batched ensemble are not implemented (see the README).

    .venv/bin/python benchmarks/bench_finetune.py --profile default --steps 60 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from weamlib.core.precision import cpu_has_bf16, resolve
from weamlib.data.suitefiles import load_nli
from weamlib.store.runs import RunStore
from weamlib.study.settings import chapter_settings, profile_settings, suite_profile
from weamlib.synth.suite import ensure_suite
from weamlib.train import finetune as ft
from weamlib.train.pretrain_runs import study_tokenizer


def _new_model(size, tokenizer, head: str, seed: int):
    from transformers import BertForSequenceClassification

    from weamlib.models.heads import BertForPairAlignClassification, BertForPairClassification

    torch.manual_seed(seed)
    config = size.bert_config(tokenizer)
    config.num_labels = 3
    classes = {"pair-mean": BertForPairClassification, "pair-align": BertForPairAlignClassification}
    return classes.get(head, BertForSequenceClassification)(config).train()


def time_reference(size, tokenizer, features, batch_size: int, seed: int) -> float:
    """Seconds of ``Trainer.train()`` over ``features`` with default arguments (fp32)."""
    import tempfile

    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    model = _new_model(size, tokenizer, "cls", seed)
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=batch_size,
            num_train_epochs=1,
            report_to=[],
            disable_tqdm=True,
            use_cpu=True,
            save_strategy="no",
            logging_strategy="no",
            seed=seed,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=features,
            data_collator=DataCollatorWithPadding(tokenizer),
        )
        start = time.perf_counter()
        trainer.train()
        return time.perf_counter() - start


def time_ours(size, tokenizer, features, cfg, seed: int) -> float:
    """Seconds of the study's training loop over ``features`` (one epoch, no selection)."""
    model = ft.prepare(_new_model(size, tokenizer, cfg.head, seed))  # as the book's runs
    start = time.perf_counter()
    ft.train_loop(model, features, cfg, tokenizer.pad_token_id, lambda m: 0.0, "bench")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, help="default: the profile's NLI recipe")
    parser.add_argument("--head", help="default: the profile's NLI head")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("WEAM_PROGRESS_FILE", os.devnull)  # the loop's lines are noise here

    settings = profile_settings(args.profile)
    recipe = chapter_settings("04_xnli", args.profile).finetune  # what chapter 04 trains with
    args.batch_size = args.batch_size or recipe["batch_size"]
    args.head = args.head or recipe.get("head", "cls")
    store = RunStore()
    suite = ensure_suite(suite_profile(args.profile), args.seed, store)
    tokenizer = study_tokenizer(suite, settings.vocab_size, store)
    items = load_nli(suite, "train", "en")[: args.steps * args.batch_size]
    features = ft.NLI.train_features(tokenizer, items, ft.NLIFinetuneConfig(max_length=128))
    tokens = sum(len(f["input_ids"]) for f in features)
    variants = ["reference", "fp32"] + (["bf16"] if cpu_has_bf16() else [])
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for v in variants:
            if v == "reference":
                s = time_reference(settings.size, tokenizer, features, args.batch_size, args.seed)
            else:
                cfg = ft.NLIFinetuneConfig(
                    epochs=1, batch_size=args.batch_size, head=args.head, precision=v,
                    group_by_length=recipe.get("group_by_length", False),
                )  # fmt: skip
                s = time_ours(settings.size, tokenizer, features, cfg, args.seed)
            seconds[v].append(s)
            print(f"  {v:<10} {tokens / s:10.0f} tokens/s ({s:.1f} s)", flush=True)
    rate = {v: tokens / statistics.median(s) for v, s in seconds.items()}
    size = settings.size
    result = {
        "profile": args.profile,
        "model": f"{size.layers}x{size.hidden}",
        "threads": args.threads,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "head": args.head,
        "tokens": tokens,
        "tokens_per_second": {v: round(r, 1) for v, r in rate.items()},
        "speedup": {v: round(r / rate["reference"], 2) for v, r in rate.items()},
        "ours": resolve("auto", "cpu"),  # the variant the book's runs train at on this machine
    }
    print(f"{'variant':<10} {'tokens/s':>10} {'x reference':>12}")
    for v, r in rate.items():
        print(f"{v:<10} {r:10.0f} {r / rate['reference']:12.2f}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
