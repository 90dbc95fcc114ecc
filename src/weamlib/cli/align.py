"""``weamlib align``, ``weamlib symmetrize`` and ``weamlib aer``."""

from __future__ import annotations

import argparse
import json
import sys

from weamlib.align.corpus import ALIGNERS, align_corpus
from weamlib.align.metrics import alignment_scores
from weamlib.align.symmetrize import METHODS, symmetrize_corpus
from weamlib.cli.inputs import input_file, output_file
from weamlib.core.errors import DataFormatError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "align",
        help="word-align a parallel corpus (src ||| tgt) with eflomal or FastAlign",
        description="Align a parallel corpus in both directions; Pharaoh links (0-based) out.",
    )
    p.add_argument("--aligner", choices=ALIGNERS, default="eflomal")
    p.add_argument("--input", required=True, metavar="PAIRS", help="'src ||| tgt' lines")
    p.add_argument(
        "--output",
        required=True,
        metavar="LINKS",
        help="links: symmetrised with --symmetrize, else the forward direction",
    )
    p.add_argument("--reverse-output", metavar="LINKS", help="also write the reverse direction")
    p.add_argument(
        "--symmetrize",
        choices=METHODS,
        default=None,
        metavar="METHOD",
        help=f"one of {', '.join(METHODS)}",
    )
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_align)

    p = subparsers.add_parser(
        "symmetrize",
        help="symmetrise forward and reverse links",
        description="Combine two directional Pharaoh files of sure links (i-j), both in"
        " source-target orientation; possible links (ipj) are refused, since symmetrisation"
        " has no notion of them.",
    )
    p.add_argument("forward", metavar="FWD")
    p.add_argument("reverse", metavar="REV")
    p.add_argument(
        "--method",
        choices=METHODS,
        required=True,
        metavar="METHOD",
        help=f"one of {', '.join(METHODS)}",
    )
    p.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--text",
        metavar="PAIRS",
        help="the parallel text, to check every index against its sentence",
    )
    p.set_defaults(func=cmd_symmetrize)

    p = subparsers.add_parser(
        "aer",
        help="precision, recall and AER of links against gold",
        description="Score predicted links against gold; JSON out.",
    )
    p.add_argument("--gold", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument("--gold-one-based", action="store_true", help="gold indices count from 1")
    p.add_argument(
        "--text",
        metavar="PAIRS",
        help="the parallel text, to check every index against its sentence",
    )
    p.set_defaults(func=cmd_aer)


def _same_length(a, b, path_a, path_b) -> None:
    if len(a) != len(b):
        raise DataFormatError(
            f"{path_a} has {len(a)} lines but {path_b} has {len(b)}",
            path_b if len(b) < len(a) else path_a,
            min(len(a), len(b)) + 1,
        )


def _lengths(text: str | None) -> list[tuple[int, int]] | None:
    from weamlib.data.formats import read_parallel

    if text is None:
        return None
    return [(len(s), len(t)) for s, t in read_parallel(text)]


def _sure_only(links, path) -> list:
    """The sure links of each sentence; a possible link is refused, naming file and line."""
    for n, x in enumerate(links, start=1):
        if x.possible != x.sure:
            i, j = min(x.possible - x.sure)
            raise DataFormatError(
                f"possible link '{i}p{j}': symmetrisation combines sure links (i-j) only;"
                " drop the possible links or turn them into sure ones first",
                path,
                n,
            )
    return [x.sure for x in links]


def cmd_align(args: argparse.Namespace) -> int:
    from weamlib.data.formats import read_parallel, write_pharaoh

    input_file(args.input, "--input")
    output_file(args.output, "--output")
    if args.reverse_output:
        output_file(args.reverse_output, "--reverse-output")
    pairs = read_parallel(args.input)
    result = align_corpus(
        pairs, aligner=args.aligner, symmetrize=args.symmetrize, seed=args.seed, cache=False
    )
    write_pharaoh(args.output, result.links)
    if args.reverse_output:
        write_pharaoh(args.reverse_output, result.reverse)
    print(
        f"aligned {len(pairs)} pairs with {args.aligner} in {result.info['seconds']:.2f}s",
        file=sys.stderr,
    )
    return 0


def cmd_symmetrize(args: argparse.Namespace) -> int:
    from weamlib.data.formats import format_pharaoh_line, read_pharaoh, write_pharaoh

    input_file(args.forward, "FWD")
    input_file(args.reverse, "REV")
    if args.text:
        input_file(args.text, "--text")
    if args.output:
        output_file(args.output, "--output")
    lengths = _lengths(args.text)
    fwd = read_pharaoh(args.forward, one_based=False, lengths=lengths)
    rev = read_pharaoh(args.reverse, one_based=False, lengths=lengths)
    _same_length(fwd, rev, args.forward, args.reverse)
    links = symmetrize_corpus(
        _sure_only(fwd, args.forward), _sure_only(rev, args.reverse), args.method
    )
    if args.output:
        write_pharaoh(args.output, links)
    else:
        sys.stdout.write("".join(format_pharaoh_line(x) + "\n" for x in links))
    return 0


def cmd_aer(args: argparse.Namespace) -> int:
    from weamlib.data.formats import read_pharaoh

    input_file(args.gold, "--gold")
    input_file(args.pred, "--pred")
    if args.text:
        input_file(args.text, "--text")
    lengths = _lengths(args.text)
    gold = read_pharaoh(args.gold, one_based=args.gold_one_based, lengths=lengths)
    if not any(g.sure for g in gold):
        what = "only possible links (ipj)" if any(g.possible for g in gold) else "no links"
        raise DataFormatError(
            f"the gold alignment has {what} in its {len(gold)} lines: recall and AER are"
            " undefined without sure links (i-j)",
            args.gold,
        )
    pred = read_pharaoh(args.pred, one_based=False, lengths=lengths)
    _same_length(gold, pred, args.gold, args.pred)
    scores = alignment_scores([p.possible for p in pred], gold)
    print(json.dumps(scores.as_dict(), indent=2))
    return 0
