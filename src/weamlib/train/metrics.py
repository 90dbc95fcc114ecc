"""Task metrics: NLI accuracy (XNLI) and extractive-QA EM/F1 (MLQA, XQuAD, synthetic QA).

Scores are percentages (0-100), the unit the paper's tables use; the per-pair QA
functions :func:`mlqa_exact_match` and :func:`mlqa_f1` return fractions in 0..1.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from weamlib.core.errors import DataFormatError, quote
from weamlib.data.formats import NLI_LABELS, PathLike, read_nli_labels, read_xnli_tsv


def _check_labels(labels: Sequence[str], what: str) -> None:
    known = set(NLI_LABELS)
    for i, label in enumerate(labels):
        if label not in known:
            raise ValueError(
                f"unknown {what} label {quote(label)} at position {i}; expected one of"
                f" {', '.join(NLI_LABELS)}"
            )


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Percentage of positions where ``pred`` equals ``gold``.

    Both are sequences of labels from :data:`weamlib.data.formats.NLI_LABELS`, aligned by
    position. Raises ``ValueError`` when the lengths differ, when there is nothing to score,
    or when a label is not an NLI label (unlabelled "" gold items included).

    >>> accuracy(["entailment", "neutral"], ["entailment", "contradiction"])
    50.0
    """
    gold, pred = list(gold), list(pred)
    if len(gold) != len(pred):
        raise ValueError(
            f"accuracy needs as many predictions as gold labels: {len(gold)} gold, {len(pred)} predicted"
        )
    if not gold:
        raise ValueError("accuracy of an empty set is undefined: 0 gold labels")
    _check_labels(gold, "gold")
    _check_labels(pred, "predicted")
    correct = sum(g == p for g, p in zip(gold, pred, strict=True))
    return 100.0 * correct / len(gold)


# --------------------------------------------------------------------------- MLQA / SQuAD QA
#
# Reproduces ``mlqa_evaluation_v1.py`` of facebookresearch/MLQA (the official MLQA v1
# evaluation script, itself the SQuAD v1.1 script made language-aware). Own code; the
# facts reproduced are listed in the docstrings below.

MLQA_LANGUAGES = ("en", "es", "de", "ar", "hi", "vi", "zh")

# The script's remove_articles patterns, verbatim. "hi" and "zh" remove nothing. The
# Arabic pattern's first alternative ``\sال^`` can never match (``^`` after three
# characters, no MULTILINE), so in effect every "ال" anywhere (word-initial or not) becomes
# a space. The Vietnamese list is the script's (it holds "của" and "là", which are not
# articles). Python 3 str patterns, so ``\b`` is the Unicode word boundary, as in the script.
_MLQA_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile(r"\sال^|ال"),
}
# The script's CJK test for mixed segmentation: this range only (U+4E00..U+9FA5, not the
# whole CJK Unified Ideographs block nor its extensions).
_CJK_CHAR = re.compile(r"[\u4e00-\u9fa5]")


def _is_punct(ch: str) -> bool:
    """The script's PUNCT set: every character whose Unicode category starts with "P",
    plus ``string.punctuation`` (which adds the ASCII symbols ``$+<=>^`|~``; non-ASCII
    symbols such as "€" or "°" are kept)."""
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def mlqa_rule(lang: str) -> str:
    """The normalisation rule :func:`normalize_answer` applies for ``lang``: ``lang``
    itself for an MLQA code (:data:`MLQA_LANGUAGES`), ``"neutral"`` for any other code.

    Raises ``ValueError`` for a code that is not a non-empty string, and for one that
    differs from an MLQA code only in case or by a region/script tag ("EN", "zh-CN",
    "zh_Hans"), so that Chinese is not silently scored with the neutral rule.

    >>> mlqa_rule("zh"), mlqa_rule("hoza")
    ('zh', 'neutral')
    """
    if not isinstance(lang, str) or not lang.strip():
        raise ValueError(f"language code must be a non-empty string, got {quote(lang)}")
    if lang in MLQA_LANGUAGES:
        return lang
    near = lang.strip().lower().replace("_", "-").split("-")[0]
    if near in MLQA_LANGUAGES:
        raise ValueError(
            f"language code {quote(lang)} looks like MLQA's {near!r} but is not spelled as one;"
            f" MLQA codes are {', '.join(MLQA_LANGUAGES)} (other codes get the neutral rule)"
        )
    return "neutral"


def _mixed_segmentation(text: str) -> list[str]:
    """The script's ``mixed_segmentation``: each CJK character (or punctuation character)
    is a token of its own; the runs between them are split on whitespace."""
    tokens: list[str] = []
    run = ""
    for ch in text:
        if _CJK_CHAR.search(ch) or _is_punct(ch):
            if run:
                tokens.extend(run.split())
                run = ""
            tokens.append(ch)
        else:
            run += ch
    if run:
        tokens.extend(run.split())
    return tokens


def normalize_answer(text: str, lang: str) -> str:
    """An answer normalised the way the official MLQA v1 script does, tokens joined by spaces.

    Steps, in the script's order: lower-case (``str.lower``); remove every punctuation
    character (Unicode categories P* plus ``string.punctuation``); remove articles, each
    replaced by a space (en: a an the; es: un una unos unas el la los las; de: ein eine
    einer eines einem einen der die das des dem den; vi: của là cái chiếc những; ar: every
    "ال", even inside a word, as the script's pattern does; hi, zh: nothing); tokenise (zh:
    mixed segmentation, each character in U+4E00..U+9FA5 its own token, other runs split
    on whitespace; the other languages: ``str.split()``) and join the tokens with one space.

    ``lang`` may be any language code. The MLQA codes (:data:`MLQA_LANGUAGES`) get their
    rules above; any other code (e.g. the synthetic languages of the study) gets the
    language-neutral rule: lower-case, remove punctuation, whitespace tokens, no article
    removal (the script itself raises for such codes). :func:`mlqa_rule` says which rule a
    code gets and refuses look-alikes of MLQA codes ("EN", "zh-CN").

    >>> normalize_answer("The Eiffel Tower!", "en")
    'eiffel tower'
    >>> normalize_answer("北京大学", "zh")
    '北 京 大 学'
    """
    rule = mlqa_rule(lang)
    text = "".join(ch for ch in text.lower() if not _is_punct(ch))
    pattern = _MLQA_ARTICLES.get(rule)
    if pattern is not None:
        text = pattern.sub(" ", text)
    tokens = _mixed_segmentation(text) if rule == "zh" else text.split()
    return " ".join(t for t in tokens if t.strip() != "")


def mlqa_exact_match(prediction: str, gold: str, lang: str) -> float:
    """1.0 if the normalised strings are equal, else 0.0 (script: ``exact_match_score``).

    Two answers that both normalise to "" match (e.g. prediction "" and gold "the" in en).
    """
    return float(normalize_answer(prediction, lang) == normalize_answer(gold, lang))


def mlqa_f1(prediction: str, gold: str, lang: str) -> float:
    """Token F1 in 0..1 of the normalised answers (script: ``f1_score``).

    Tokens are the normalised answer split on spaces (single characters for Chinese
    ideographs); common tokens are counted with multiplicity (a multiset intersection).
    As in the script, no common token gives 0.0, also when both answers normalise to "".
    """
    pred_tokens = normalize_answer(prediction, lang).split()
    gold_tokens = normalize_answer(gold, lang).split()
    num_same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if num_same == 0:
        return 0.0
    precision = 1.0 * num_same / len(pred_tokens)
    recall = 1.0 * num_same / len(gold_tokens)
    return (2 * precision * recall) / (precision + recall)


def mlqa_questions(dataset) -> list[tuple[str, list[str]]]:
    """Every question of a SQuAD/MLQA ``data`` list (or the file's dict with ``data``), in
    file order: ``(id, gold answer texts)``. Only ``paragraphs``/``qas``/``id``/``answers``/
    ``text`` are read (contexts and offsets are not checked, as in the official script).
    Raises ``ValueError`` naming the position of a malformed entry or of a question without
    gold answers."""
    if isinstance(dataset, dict):
        if "data" not in dataset:
            raise ValueError("dataset object has no 'data' list")
        dataset = dataset["data"]
    if not isinstance(dataset, list):
        raise ValueError(f"dataset 'data' must be a list of articles, got {type(dataset).__name__}")
    questions = []
    for a, article in enumerate(dataset):
        where = f"data[{a}]"
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise ValueError(f"{where}: expected an object with a 'paragraphs' list")
        for p, para in enumerate(article["paragraphs"]):
            pwhere = f"{where}.paragraphs[{p}]"
            if not isinstance(para, dict) or not isinstance(para.get("qas"), list):
                raise ValueError(f"{pwhere}: expected an object with a 'qas' list")
            for q, qa in enumerate(para["qas"]):
                qwhere = f"{pwhere}.qas[{q}]"
                if not isinstance(qa, dict) or not isinstance(qa.get("id"), str):
                    raise ValueError(f"{qwhere}: expected an object with a string 'id'")
                answers = qa.get("answers")
                if not isinstance(answers, list) or not all(
                    isinstance(ans, dict) and isinstance(ans.get("text"), str) for ans in answers
                ):
                    raise ValueError(
                        f"{qwhere} (id {quote(qa['id'])}): 'answers' must be a list of objects"
                        " with a 'text' string"
                    )
                if not answers:
                    raise ValueError(
                        f"{qwhere} (id {quote(qa['id'])}): no gold answer; the official script"
                        " cannot score such a question (max() of nothing)"
                    )
                questions.append((qa["id"], [ans["text"] for ans in answers]))
    return questions


def mlqa_evaluate(dataset, predictions: Mapping[str, str], lang: str) -> dict[str, float]:
    """EM and F1 (0-100) of ``predictions`` on ``dataset``, as the official MLQA v1 script.

    ``dataset`` is the SQuAD/MLQA ``data`` list, or the whole parsed file (a dict with
    ``data``). ``predictions`` maps question id -> answer text. ``lang`` picks the
    normalisation (:func:`normalize_answer`: MLQA codes their rules, other codes the
    neutral one).

    Reproduced from the script's ``evaluate``: every question of the dataset counts in
    the denominator (duplicate ids are counted each time they occur); a question without
    a prediction scores 0 on both metrics; ids in ``predictions`` that are not in the
    dataset are ignored; per question the maximum over its gold answers is taken, for EM
    and F1 separately; the sums are accumulated in dataset order and scaled
    ``100.0 * sum / total``, so the floats are those the script prints. This function
    prints nothing; :func:`mlqa_coverage` lists missing and extra ids (the ``weamlib
    evaluate mlqa`` command reports them on stderr).

    Raises ``ValueError`` for a malformed dataset, a dataset without questions (the script
    divides by zero), a question without gold answers (the script fails on it) and a
    prediction that is not a string.

    >>> data = [{"paragraphs": [{"qas": [{"id": "q1", "answers": [{"text": "the cat"}]},
    ...                                  {"id": "q2", "answers": [{"text": "a dog"}]}]}]}]
    >>> mlqa_evaluate(data, {"q1": "Cat."}, "en")
    {'exact_match': 50.0, 'f1': 50.0}
    """
    mlqa_rule(lang)
    questions = mlqa_questions(dataset)
    if not questions:
        raise ValueError("dataset has no questions: EM and F1 are undefined")
    exact_match = f1 = 0.0
    for qid, golds in questions:
        if qid not in predictions:
            continue
        pred = predictions[qid]
        if not isinstance(pred, str):
            raise ValueError(
                f"prediction for question {quote(qid)} must be a string, got {type(pred).__name__}"
            )
        exact_match += max(mlqa_exact_match(pred, gold, lang) for gold in golds)
        f1 += max(mlqa_f1(pred, gold, lang) for gold in golds)
    total = len(questions)
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}


def mlqa_coverage(dataset, predictions: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """``(missing, extra)``: dataset question ids without a prediction (dataset order, each
    once) and prediction ids not in the dataset (``predictions`` order)."""
    ids = [qid for qid, _ in mlqa_questions(dataset)]
    known = set(ids)
    missing = list(dict.fromkeys(qid for qid in ids if qid not in predictions))
    extra = [qid for qid in predictions if qid not in known]
    return missing, extra


# --------------------------------------------------------------------------- XNLI files


def xnli_evaluate(gold_tsv_path: PathLike, predictions_path: PathLike) -> dict[str, float]:
    """Accuracy (0-100) of a predictions file against an XNLI gold TSV.

    ``gold_tsv_path``: XTREME layout ``premise \\t hypothesis \\t label`` read with
    :func:`weamlib.data.formats.read_xnli_tsv` (a header row of column names is skipped; a
    file without a label column is refused). ``predictions_path``: one label per line
    (or a TSV with a ``label`` header column), read with
    :func:`weamlib.data.formats.read_nli_labels`; "contradictory" is read as "contradiction",
    surrounding spaces are ignored, a blank line is an unknown label. Raises
    ``ValueError`` (a :class:`~weamlib.core.errors.DataFormatError`, naming file and line where
    there is one) for malformed files, unknown labels, no gold items, and a number of
    predictions different from the number of gold items.
    """
    gold = read_xnli_tsv(gold_tsv_path)
    if not gold:
        raise DataFormatError("no examples to score", gold_tsv_path)
    for n, ex in enumerate(gold):
        if not ex.label:
            raise DataFormatError(
                f"gold file has no label column (row {n + 1} has premise and hypothesis only)",
                gold_tsv_path,
            )
    pred = read_nli_labels(predictions_path)
    if len(pred) != len(gold):
        raise DataFormatError(
            f"{len(pred)} predicted labels for {len(gold)} gold examples in {gold_tsv_path}",
            predictions_path,
        )
    return {"accuracy": accuracy([ex.label for ex in gold], pred)}
