"""``weamlib evaluate mlqa`` and ``weamlib evaluate xnli``: score prediction files.

``weamlib evaluate mlqa DATASET.json PREDICTIONS.json LANG`` is a drop-in for the official
``mlqa_evaluation_v1.py DATASET PREDICTIONS LANG``: the same scores, printed the same way
(``json.dumps`` of ``{"exact_match": ..., "f1": ...}``). Differences: input is checked
first (exit status 2 and a one-line error naming the file, nothing on stdout, for malformed
JSON, a predictions file that is not an object of id -> string, a duplicate prediction id,
a dataset without questions or with a question without gold answers); instead of the
script's one stderr line per unanswered question, one note gives their count (they score
0, as in the script); prediction ids not in the dataset are ignored, as in the script,
with a note on stderr; the dataset's ``version`` is not checked (the script only warns
when it is not "1.0"; XQuAD and the synthetic suite write "1.1"); any language code is
accepted (see :func:`weamlib.train.metrics.normalize_answer`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from weamlib.cli.inputs import input_file
from weamlib.core.errors import DataFormatError, quote

_EXAMPLES = 3  # ids quoted in a note


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score QA (MLQA EM/F1) or NLI (XNLI accuracy) predictions",
        description="Score a predictions file against gold data; JSON on stdout.",
    )
    sub = parser.add_subparsers(dest="task", metavar="TASK")
    sub.required = True

    p = sub.add_parser(
        "mlqa",
        help="EM and F1 as the official MLQA v1 script",
        description="EM and F1 (0-100) of extractive-QA predictions, computed as the official"
        " MLQA v1 evaluation script does (per-language normalisation; languages outside"
        " MLQA's en es de ar hi vi zh get a neutral rule: lower-case, no punctuation,"
        " whitespace tokens). Every dataset question counts; one without a prediction"
        " scores 0 (noted on stderr); prediction ids not in the dataset are ignored.",
    )
    p.add_argument("dataset", type=Path, metavar="DATASET.json", help="SQuAD/MLQA v1 JSON")
    p.add_argument(
        "predictions", type=Path, metavar="PREDICTIONS.json", help="object: question id -> answer"
    )
    p.add_argument("lang", metavar="LANG", help="answer language, e.g. en, zh, or a synthetic code")
    p.set_defaults(func=cmd_mlqa)

    p = sub.add_parser(
        "xnli",
        help="accuracy of NLI labels",
        description="Accuracy (0-100) of predicted labels against an XNLI TSV"
        " (premise, hypothesis, label). Predictions: one label per line, in gold order.",
    )
    p.add_argument("gold", type=Path, metavar="GOLD.tsv")
    p.add_argument("predictions", type=Path, metavar="PREDICTIONS.txt")
    p.set_defaults(func=cmd_xnli)


def _load_json(path: Path, reject_duplicates: bool = False):
    from weamlib.data.formats import _read_text

    def pairs_hook(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise DataFormatError(f"duplicate id {quote(key)}", path)
            seen.add(key)
        return dict(pairs)

    text = _read_text(path)
    try:
        return json.loads(text, object_pairs_hook=pairs_hook if reject_duplicates else None)
    except json.JSONDecodeError as err:
        raise DataFormatError(
            f"malformed JSON: {err.msg} (column {err.colno})", path, err.lineno
        ) from None


def _quote(ids: list[str]) -> str:
    shown = ", ".join(quote(i) for i in ids[:_EXAMPLES])
    return shown + (", ..." if len(ids) > _EXAMPLES else "")


def cmd_mlqa(args) -> int:
    from weamlib.train.metrics import mlqa_coverage, mlqa_evaluate, mlqa_questions, mlqa_rule

    mlqa_rule(args.lang)  # a bad code fails before any file is read
    input_file(args.dataset, "DATASET.json")
    input_file(args.predictions, "PREDICTIONS.json")
    dataset = _load_json(args.dataset)
    try:
        questions = mlqa_questions(dataset)
    except ValueError as err:
        raise DataFormatError(str(err), args.dataset) from None
    if not questions:
        raise DataFormatError("no questions to score", args.dataset)
    predictions = _load_json(args.predictions, reject_duplicates=True)
    if not isinstance(predictions, dict):
        raise DataFormatError(
            f"expected a JSON object of question id -> answer text, got {type(predictions).__name__}",
            args.predictions,
        )
    for qid, answer in predictions.items():
        if not isinstance(answer, str):
            raise DataFormatError(
                f"prediction for question {quote(qid)} must be a string, got {type(answer).__name__}",
                args.predictions,
            )
    scores = mlqa_evaluate(dataset, predictions, args.lang)
    missing, extra = mlqa_coverage(dataset, predictions)
    n_ids = len({qid for qid, _ in questions})
    prefix = "weamlib evaluate mlqa: note:"
    if missing:
        print(
            f"{prefix} {len(missing)} of {n_ids} questions have no prediction in"
            f" {args.predictions} and score 0 ({_quote(missing)})",
            file=sys.stderr,
        )
    if extra:
        print(
            f"{prefix} {len(extra)} prediction ids are not in {args.dataset} and are"
            f" ignored ({_quote(extra)})",
            file=sys.stderr,
        )
    print(json.dumps(scores))
    return 0


def cmd_xnli(args) -> int:
    from weamlib.train.metrics import xnli_evaluate

    input_file(args.gold, "GOLD.tsv")
    input_file(args.predictions, "PREDICTIONS.txt")
    print(json.dumps(xnli_evaluate(args.gold, args.predictions)))
    return 0
