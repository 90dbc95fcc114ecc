"""``weamlib pretrain``: train the base model or a continued objective of a profile."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from weamlib.cli.inputs import check_field_types
from weamlib.core.errors import UsageError, quote
from weamlib.core.outdirs import check_replaceable, make_work_dir, replace_dir


def register(subparsers) -> None:
    from weamlib.models.objectives import OBJECTIVES

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
        help="copy the model here (default: only the run store); an existing DIR is replaced"
        " only if it is empty or an earlier --output",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="pre-training seed: of the base model and of the continued run, which starts"
        " from the base model of the same seed (default: the profile's)",
    )
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

    from weamlib.book.pipeline import parse_cli_value
    from weamlib.study.experiments import study_suite
    from weamlib.study.settings import profile_settings
    from weamlib.train.pretrain import PretrainConfig
    from weamlib.train.pretrain_runs import ensure_pretrained

    overrides = {key: parse_cli_value(value) for key, value in args.params}
    check_field_types(PretrainConfig, overrides)
    seed = args.seed
    if overrides.get("objective", args.objective) != args.objective:
        raise UsageError(
            f"-p objective {quote(str(overrides['objective']))} contradicts --objective"
            f" {args.objective}; choose the objective with --objective"
        )
    overrides.pop("objective", None)
    if "seed" in overrides:
        if seed is not None and overrides["seed"] != seed:
            raise UsageError(f"-p seed {overrides['seed']} contradicts --seed {seed}")
        seed = overrides.pop("seed")
    settings = profile_settings(args.profile)
    if seed is not None:
        settings = settings.with_seed(seed)
    cfg = settings.config(args.objective, None, **overrides)  # checked before any work
    out = None if args.output is None else check_replaceable(args.output, "--output", "pretrain")
    if args.threads:
        torch.set_num_threads(args.threads)
    suite = study_suite(args.profile)
    run = ensure_pretrained(
        suite, cfg, settings.size, settings.vocab_size, settings.base, progress=not args.quiet
    )
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if out is None:
        print(f"{args.objective}: {run.file('model')}")
        return 0
    tmp = make_work_dir(out.parent, out.name)
    try:
        shutil.copytree(run.file("model"), tmp, dirs_exist_ok=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out = replace_dir(tmp, out, "pretrain", "--output")
    res = run.results
    if res.get("init_model"):
        print(f"base: {res['init_model']} imported -> {out}")
        return 0
    print(
        f"{args.objective}: {res['steps']} steps, final loss {res['final_loss']:.4f},"
        f" {res['tokens_per_second']:.0f} tokens/s -> {out}"
    )
    return 0
