"""Throughput at mBERT's size on one accelerator: pre-training and fine-tuning steps.

Random weights with ``bert-base-multilingual-cased``'s architecture (12 layers, width 768,
12 heads, FFN 3072, 119,547 word pieces, 512 positions); random token ids with sentence
lengths like the paper profile's parallel data (20–60 pieces per side) and one-to-one word
links on 80 % of the shorter side's positions. No data or weights are read, so the script
runs on a bare GPU machine. Each stage runs ``--warmup`` untimed and ``--steps`` timed
AdamW steps (bf16 autocast on CUDA), synchronising the device around the timed block.

Stages, in real (non-padding) tokens per second:

* ``reference``: the plain Hugging Face recipe, ``BertForMaskedLM`` with
  ``DataCollatorForLanguageModeling`` (vocabulary head over every position), on pairs
  encoded as one sequence;
* ``mlm_control``, ``tlm``, ``word_aligned``, ``weam``: the study's objectives
  (:mod:`weamlib.models.objectives`, :class:`weamlib.models.model.BertForWeamPreTraining`);
* ``finetune_nli``: ``BertForSequenceClassification``, pairs of up to 128 pieces;
* ``finetune_qa``: ``BertForQuestionAnswering``, windows of 384 pieces.

Peak memory is ``torch.cuda.max_memory_allocated`` per stage. With ``--rounds R`` every
stage runs R times, interleaved, and the median is reported (a GPU's clocks and caches warm
up over the first stages, which biases a single pass against whatever runs first).

    PYTHONPATH=src python3 benchmarks/bench_gpu.py --json out.json
    PYTHONPATH=src python3 benchmarks/bench_gpu.py --size tiny --device cpu   # a CPU check
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import time

import torch
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    DataCollatorForLanguageModeling,
)

from weamlib.models import objectives as obj
from weamlib.models.model import BertForWeamPreTraining

SIZES = {
    "mbert": dict(vocab_size=119547, hidden_size=768, num_hidden_layers=12,
                  num_attention_heads=12, intermediate_size=3072, max_position_embeddings=512),
    "tiny": dict(vocab_size=2000, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                 intermediate_size=64, max_position_embeddings=512),
}  # fmt: skip
PAD, UNK, CLS, SEP, MASK = 0, 100, 101, 102, 103  # mBERT's special ids


def pair_examples(n: int, vocab: int, rng: random.Random) -> list[obj.PairExample]:
    out = []
    for _ in range(n):
        m, k = rng.randint(20, 60), rng.randint(20, 60)
        src = [rng.randrange(1000, vocab) for _ in range(m)]
        tgt = [rng.randrange(1000, vocab) for _ in range(k)]
        targets = rng.sample(range(k), min(m, k))
        links = [(i, targets[i]) for i in range(min(m, k)) if rng.random() < 0.8]
        out.append(obj.make_pair_example([1] * m, [1] * k, src, tgt, links, "first", 128))
    return out


class HFPairs:
    """The reference: each pair as ``[CLS] src [SEP] tgt [SEP]``, HF's MLM collator."""

    def __init__(self, vocab: int):
        class Tok:  # the few tokenizer attributes DataCollatorForLanguageModeling reads
            mask_token, pad_token_id, mask_token_id = "[MASK]", PAD, MASK

            def __len__(self):
                return vocab

            def convert_tokens_to_ids(self, token):
                return MASK

            def get_special_tokens_mask(self, ids, already_has_special_tokens=True):
                return [int(i in (PAD, CLS, SEP)) for i in ids]

            def pad(self, features, return_tensors="pt", **kw):
                width = max(len(f["input_ids"]) for f in features)
                ids = [f["input_ids"] + [PAD] * (width - len(f["input_ids"])) for f in features]
                att = [[1] * len(f["input_ids"]) + [0] * (width - len(f["input_ids"]))
                       for f in features]  # fmt: skip
                return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(att)}

        self.collate = DataCollatorForLanguageModeling(Tok(), mlm_probability=0.15)

    def __call__(self, examples):
        return self.collate(
            [{"input_ids": [CLS, *e.src_ids, SEP, *e.tgt_ids, SEP]} for e in examples]
        )


def timed(model, batches, device, warmup: int, steps: int, amp: bool) -> tuple[float, float]:
    """(real tokens per second, peak GB) of ``steps`` AdamW steps after ``warmup``."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    model.train()
    cuda = device.type == "cuda"
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if cuda and amp else contextlib.nullcontext()
    )

    def step(batch):
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        with autocast:
            loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for batch in batches[:warmup]:
        step(batch)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    tokens = 0
    for batch in batches[warmup : warmup + steps]:
        step(batch)
        tokens += int(batch["attention_mask"].sum())
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
    return tokens / seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="mbert")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every stage; median")
    parser.add_argument("--no-amp", action="store_true", help="fp32 instead of bf16 autocast")
    parser.add_argument("--stages", nargs="+", default=None)
    parser.add_argument("--json", default=None, help="also write the results there")
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    device = torch.device(args.device)
    config = BertConfig(**SIZES[args.size])
    vocab = config.vocab_size
    n = args.batch_size * (args.warmup + args.steps)
    pairs = pair_examples(n, vocab, rng)
    chunks = [pairs[i : i + args.batch_size] for i in range(0, n, args.batch_size)]
    results: dict = {}
    stages = args.stages or ["reference", "mlm_control", "tlm", "word_aligned", "weam",
                             "finetune_nli", "finetune_qa"]  # fmt: skip

    rounds: dict[str, list] = {}

    def record(name, model, batches):
        model.to(device)
        tps, peak = timed(model, batches, device, args.warmup, args.steps, not args.no_amp)
        rounds.setdefault(name, []).append((tps, peak))
        tps_all = sorted(t for t, _ in rounds[name])
        results[name] = {
            "tokens_per_second": round(tps_all[len(tps_all) // 2], 1),  # median of the rounds
            "rounds": [round(t, 1) for t, _ in rounds[name]],
            "peak_gpu_gb": round(max(p for _, p in rounds[name]), 2),
        }
        print(f"{name:14s} {tps:12,.0f} tokens/s   peak {peak:6.2f} GB", flush=True)
        model.cpu()
        if device.type == "cuda":
            torch.cuda.empty_cache()

    for name in [s for _ in range(args.rounds) for s in stages]:
        if name == "reference":
            collate = HFPairs(vocab)
            record(name, BertForMaskedLM(config), [collate(c) for c in chunks])
        elif name in ("mlm_control", "tlm", "word_aligned", "weam"):
            cfg = obj.CollatorConfig(
                objective=name, pad_id=PAD, cls_id=CLS, sep_id=SEP, mask_id=MASK,
                vocab_size=vocab, mask_prob=0.3 if name == "weam" else 0.15,
            )  # fmt: skip
            collate = obj.PretrainCollator(cfg, torch.Generator().manual_seed(0))
            model = BertForWeamPreTraining(config)
            model.configure(name)
            if name == "word_aligned":
                reference = BertForMaskedLM(config).to(device)
                model.set_reference(reference)
            record(name, model, [collate(c) for c in chunks])
            if name == "word_aligned":
                del reference
        elif name == "finetune_nli":
            batches = []
            for _ in range(args.warmup + args.steps):
                lengths = [rng.randint(40, 128) for _ in range(args.batch_size)]
                width = max(lengths)
                ids = torch.randint(1000, vocab, (args.batch_size, width))
                att = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()
                batches.append({"input_ids": ids * att, "attention_mask": att,
                                "token_type_ids": (torch.arange(width)[None, :] > width // 2).long() * att,
                                "labels": torch.randint(0, 3, (args.batch_size,))})  # fmt: skip
            record(name, BertForSequenceClassification(BertConfig(**SIZES[args.size],
                                                                  num_labels=3)), batches)  # fmt: skip
        elif name == "finetune_qa":
            batches = []
            for _ in range(args.warmup + args.steps):
                ids = torch.randint(1000, vocab, (args.batch_size, 384))
                batches.append({"input_ids": ids, "attention_mask": torch.ones_like(ids),
                                "token_type_ids": (torch.arange(384)[None, :] > 64).long().expand(args.batch_size, -1).contiguous(),
                                "start_positions": torch.randint(65, 384, (args.batch_size,)),
                                "end_positions": torch.randint(65, 384, (args.batch_size,))})  # fmt: skip
            record(name, BertForQuestionAnswering(config), batches)
        else:
            raise SystemExit(f"unknown stage {name!r}")
    summary = {
        "size": args.size,
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor(),
        "batch_size": args.batch_size,
        "bf16": not args.no_amp and device.type == "cuda",
        "torch": torch.__version__,
        "stages": results,
    }
    if "reference" in results and "mlm_control" in results:
        summary["mlm_control_over_reference"] = round(
            results["mlm_control"]["tokens_per_second"] / results["reference"]["tokens_per_second"],
            2,
        )
    if "weam" in results and "tlm" in results:
        summary["weam_step_over_tlm_step"] = round(
            results["tlm"]["tokens_per_second"] / results["weam"]["tokens_per_second"], 2
        )
    print(json.dumps(summary))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
