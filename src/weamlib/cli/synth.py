"""``weamlib synth``: write the synthetic typology suite to a folder."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="generate the synthetic typology suite",
        description="Write the whole synthetic suite (corpora, gold alignments, NLI, QA) under"
        " DIR. The same profile and seed give byte-identical files.",
    )
    parser.add_argument("--profile", choices=("smoke", "default"), default="default")
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="output folder; an existing one is replaced only if it is empty or an earlier"
        " suite (refused otherwise, before any work)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--languages",
        metavar="en,X,...",
        help="the suite's languages, English first (default: the profile's); a language is"
        " a spec file in data/languages/ (data/languages/README.md)",
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    from weamlib.core.errors import ConfigError, UsageError
    from weamlib.core.outdirs import check_replaceable
    from weamlib.synth.suite import SynthConfig, build_suite

    overrides = {"seed": args.seed}
    if args.languages is not None:
        overrides["languages"] = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    try:  # checked before any work
        config = SynthConfig.for_profile(args.profile, **overrides)
    except ConfigError as err:
        if args.languages is None:
            raise
        raise UsageError(f"argument --languages: {err}") from err
    check_replaceable(args.out, "--out", "synth")
    summary = build_suite(config, args.out, progress=lambda message: print(f"  {message}"))
    print(
        f"wrote {summary['files']} files ({summary['bytes'] / 1e6:.1f} MB) to {args.out}"
        f" in {summary['seconds']:.1f} s"
    )
    return 0
