"""``weamlib finetune``: fine-tune any checkpoint under the zero-shot protocol."""

from __future__ import annotations

import json
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a checkpoint on XNLI or MLQA of a profile's suite and score it",
        description="Fine-tune a save_pretrained BERT folder (with its tokenizer) on the"
        " English training set of the profile's suite, with the profile's fine-tuning"
        " settings, select the epoch on English dev only, and print the dev and test score"
        " of every language (accuracy for xnli, F1 for mlqa). Cached in the run store.",
    )
    parser.add_argument("task", choices=("xnli", "mlqa"))
    parser.add_argument("--profile", required=True, help="a profile name (e.g. default)")
    parser.add_argument("--model", required=True, type=Path, metavar="DIR")
    parser.add_argument(
        "--languages",
        default=None,
        help="comma-separated languages to score, English first (default: the suite's)",
    )
    parser.add_argument("--seed", type=int, default=0, help="fine-tuning seed")
    parser.add_argument(
        "--setting",
        choices=("zero-shot", "translate-train", "translate-train-one"),
        default="zero-shot",
        help="zero-shot (English train); translate-train (English and every translated set"
        " of --languages); translate-train-one (the translated set of the one non-English"
        " language of --languages alone, selected on its dev set)",
    )
    parser.add_argument("--store", type=Path, default=None, help="run store folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.set_defaults(func=run)


def parse_languages(text: str | None, known: list[str]) -> list[str] | None:
    """``"en,vela"`` as a list checked against the suite's languages (English first)."""
    from weamlib.core.errors import UsageError

    if text is None:
        return None
    langs = [x.strip() for x in text.split(",") if x.strip()]
    if not langs or langs[0] != "en":
        raise UsageError(f"argument --languages: {text!r} must start with en")
    unknown = [x for x in langs if x not in known]
    if unknown:
        raise UsageError(
            f"argument --languages: unknown language {unknown[0]!r}; the suite has"
            f" {', '.join(known)}"
        )
    if len(set(langs)) != len(langs):
        raise UsageError(f"argument --languages: {text!r} names a language twice")
    return langs


def run(args) -> int:
    import dataclasses

    from weamlib.cli.inputs import input_dir
    from weamlib.core.errors import UsageError
    from weamlib.data.suitefiles import suite_languages
    from weamlib.store.runs import RunStore
    from weamlib.study.experiments import nli_plan, qa_plan, study_suite
    from weamlib.study.profiles import load_profile
    from weamlib.train import finetune as ft

    load_profile(args.profile)  # an unknown name is refused, naming the profiles
    model = input_dir(args.model, "--model")
    if not (model / "config.json").is_file():
        raise UsageError(f"argument --model: {model} is not a save_pretrained model folder")
    if args.seed < 0:
        raise UsageError(f"argument --seed: must be >= 0, got {args.seed}")
    if args.store is not None:
        input_dir(args.store, "--store")
    plan = (nli_plan if args.task == "xnli" else qa_plan)(args.profile)
    cfg = dataclasses.replace(plan.config, seed=args.seed)
    store = RunStore(args.store)
    suite = study_suite(args.profile, store)
    languages = parse_languages(args.languages, suite_languages(suite))
    task = ft.TASKS[args.task]
    run = ft.ensure_finetune(
        task, model, suite, cfg, languages=languages, store=store, setting=args.setting,
        progress=True,
    )  # fmt: skip
    scores = run.results["scores"][task.metric]
    langs = list(scores["dev"])
    print(f"{task.name} {task.metric} ({args.setting}, seed {args.seed}, {run.path})")
    print(f"{'language':<10} {'dev':>7} {'test':>7}")
    for lang in langs:
        print(f"{lang:<10} {scores['dev'][lang]:7.1f} {scores['test'][lang]:7.1f}")
    if args.json:
        print(json.dumps({"dev": scores["dev"], "test": scores["test"]}))
    return 0
