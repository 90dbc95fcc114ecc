"""``weamlib pretrain``: train the base model or a continued objective of a profile."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def register(subparsers) -> None:
    from weamlib.objectives import OBJECTIVES

    parser = subparsers.add_parser(
        "pretrain",
        help="pre-train the base model or a continued objective",
        description="Train one objective under a profile's settings (cached in the run store;"
        " a continued objective first trains the profile's base model if needed) and write"
        " the model to DIR as a BertForMaskedLM save_pretrained folder with the tokenizer and"
        " trainer_state.json. A killed run resumes from its last checkpoint. Under"
        " `accelerate launch --num_processes N` (or torchrun) the processes share each"
        " batch: the global batch stays the profile's batch_size.",
    )
    parser.add_argument(
        "--profile",
        default="default",
        help="smoke, default (synthetic suite), paper-smoke, paper (real data)",
    )
    parser.add_argument("--objective", required=True, choices=OBJECTIVES)
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="copy the model here (default: only the run store)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of this run")
    parser.add_argument(
        "-p",
        dest="params",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="override a pre-training parameter, e.g. -p steps 200 -p mask_prob 0.3",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args) -> int:
    import torch

    from weamlib.pipeline import parse_cli_value
    from weamlib.pretrain import ensure_pretrained, profile_settings
    from weamlib.study import study_suite

    overrides = {key: parse_cli_value(value) for key, value in args.params}
    settings = profile_settings(args.profile)
    cfg = settings.config(args.objective, args.seed, **overrides)  # checked before any work
    if args.threads:
        torch.set_num_threads(args.threads)
    suite = study_suite(args.profile)
    run = ensure_pretrained(
        suite, cfg, settings.size, settings.vocab_size, settings.base, progress=not args.quiet
    )
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if args.output is None:
        print(f"{args.objective}: {run.file('model')}")
        return 0
    out = args.output.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        shutil.copytree(run.file("model"), tmp, dirs_exist_ok=True)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    res = run.results
    if res.get("init_model"):
        print(f"base: {res['init_model']} imported -> {out}")
        return 0
    print(
        f"{args.objective}: {res['steps']} steps, final loss {res['final_loss']:.4f},"
        f" {res['tokens_per_second']:.0f} tokens/s -> {out}"
    )
    return 0
