"""Extractive question answering (SQuAD v1.1, MLQA, XQuAD): features and span decoding.

The pure parts of Hugging Face's ``run_qa.py``, written as functions:

* :func:`encode_qa_train` cuts each ``[CLS] question [SEP] context [SEP]`` pair into
  overlapping windows (only the context is cut; consecutive windows share ``doc_stride``
  context tokens) and labels each window with the token span of the first gold answer, or
  with ``(0, 0)`` (the ``[CLS]`` token) when the answer is not wholly inside the window.
* :func:`encode_qa_eval` gives the same windows, with the map from each window back to its
  example and the character offsets of its context tokens.
* :func:`decode_spans` turns a model's start/end logits over those windows into one answer
  string per question (n-best search over every window of a question).

Questions longer than ``max_query_length`` tokens are cut first, as in the original BERT
``run_squad.py``: the question string is cut right after the character where its
``max_query_length``-th token ends. WordPiece picks the longest vocabulary prefix at each
step, so a prefix that ends at a piece boundary tokenises into exactly those first pieces.

Windows need a fast tokenizer (offset mappings) that puts the question first, e.g. the
study's ``BertTokenizerFast`` (:mod:`weamlib.data.tokenize`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from weamlib.core.errors import ConfigError
from weamlib.data.formats import QAExample

# Tokens the tokenizer adds around a question/context pair: [CLS] q [SEP] c [SEP].
SPECIAL_TOKENS_IN_PAIR = 3
# Examples per tokenizer call (bounds the memory of one batch of windows).
_CHUNK = 256


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class QAFeatureConfig:
    """Window and decoding settings (the defaults are BERT's SQuAD settings).

    ``max_length``: tokens per window, specials included. ``doc_stride``: context tokens
    shared by consecutive windows of one example. ``max_query_length``: question tokens kept.
    ``n_best``: start and end candidates tried per window. ``max_answer_length``: longest
    answer, in tokens. Every window must keep at least one context token beyond the overlap:
    ``doc_stride < max_length - max_query_length - 3``.
    """

    max_length: int = 384
    doc_stride: int = 128
    max_query_length: int = 64
    n_best: int = 20
    max_answer_length: int = 30

    def __post_init__(self):
        def bad(name: str, rule: str) -> ConfigError:
            return ConfigError(f"qa.{name} must be {rule}, got {getattr(self, name)!r}")

        for name in ("max_length", "max_query_length", "n_best", "max_answer_length"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                raise bad(name, "an int >= 1")
        if not _is_int(self.doc_stride) or self.doc_stride < 0:
            raise bad("doc_stride", "an int >= 0")
        room = self.max_length - self.max_query_length - SPECIAL_TOKENS_IN_PAIR
        if room < 1:
            raise bad(
                "max_query_length",
                f"at most max_length - {SPECIAL_TOKENS_IN_PAIR + 1} = "
                f"{self.max_length - SPECIAL_TOKENS_IN_PAIR - 1} (room for context tokens)",
            )
        if self.doc_stride >= room:
            raise bad(
                "doc_stride",
                f"< max_length - max_query_length - {SPECIAL_TOKENS_IN_PAIR} = {room} "
                "(each window must reach past the previous one)",
            )


def _check_args(tokenizer, cfg: QAFeatureConfig | None) -> QAFeatureConfig:
    cfg = QAFeatureConfig() if cfg is None else cfg
    if not isinstance(cfg, QAFeatureConfig):
        raise ConfigError(f"cfg must be a QAFeatureConfig, got {type(cfg).__name__}")
    if tokenizer is not None and not getattr(tokenizer, "is_fast", False):
        raise ConfigError(
            f"QA features need a fast tokenizer (offset mappings), got {type(tokenizer).__name__}"
        )
    return cfg


def truncate_questions(tokenizer, questions: Sequence[str], max_query_length: int) -> list[str]:
    """Each question cut to at most ``max_query_length`` tokens (no specials counted).

    A longer question is cut right after the character where its ``max_query_length``-th
    token ends; shorter ones come back unchanged.
    """
    out = list(questions)
    todo = list(range(len(out)))
    while todo:
        enc = tokenizer(
            [out[k] for k in todo], add_special_tokens=False, return_offsets_mapping=True
        )
        again = []
        for k, offsets in zip(todo, enc["offset_mapping"], strict=True):
            if len(offsets) <= max_query_length:
                continue
            cut = offsets[max_query_length - 1][1]
            if cut >= len(out[k]):
                raise ValueError(f"cannot cut question {out[k]!r} to {max_query_length} tokens")
            out[k] = out[k][:cut]
            again.append(k)  # re-check (WordPiece gives the same pieces; others may not)
        todo = again
    return out


@dataclass(frozen=True)
class _Window:
    example_index: int
    input_ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int]]
    sequence_ids: list[int | None]


def _check_coverage(tokenizer, chunk: Sequence[QAExample], lo: int, enc) -> None:
    """Refuse windows that leave the end of a context unread.

    The windows come from the tokenizer's overflow; tokenizers 0.23.2 returns only the
    first two of an example's windows (the second cut short), which would drop the rest of
    every long context without a word. Each example's windows must reach the last token of
    its context as tokenized alone."""
    whole = tokenizer(
        [ex.context for ex in chunk], add_special_tokens=False, return_offsets_mapping=True
    )["offset_mapping"]
    reached = [0] * len(chunk)
    for i, k in enumerate(enc["overflow_to_sample_mapping"]):
        ends = [
            o[1]
            for o, s in zip(enc["offset_mapping"][i], enc.sequence_ids(i), strict=True)
            if s == 1
        ]
        reached[int(k)] = max([reached[int(k)], *ends])
    for k, (offsets, end) in enumerate(zip(whole, reached, strict=True)):
        if offsets and end < offsets[-1][1]:
            import tokenizers

            ex = chunk[k]
            raise RuntimeError(
                f"QA example {lo + k} (id {ex.id!r}): the tokenizer's windows stop at character"
                f" {end} of a context whose last token ends at {offsets[-1][1]}; this"
                f" tokenizers ({tokenizers.__version__}) drops overflowing windows: install"
                " the pinned one (requirements.lock)"
            )


def _windows(tokenizer, examples: Sequence[QAExample], cfg: QAFeatureConfig) -> Iterator[_Window]:
    """Every window of every example, in example order, then window order."""
    for lo in range(0, len(examples), _CHUNK):
        chunk = examples[lo : lo + _CHUNK]
        questions = truncate_questions(
            tokenizer, [ex.question for ex in chunk], cfg.max_query_length
        )
        enc = tokenizer(
            questions,
            [ex.context for ex in chunk],
            truncation="only_second",
            max_length=cfg.max_length,
            stride=cfg.doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=False,
        )
        _check_coverage(tokenizer, chunk, lo, enc)
        for i, k in enumerate(enc["overflow_to_sample_mapping"]):
            seq_ids = enc.sequence_ids(i)
            type_ids = enc.get("token_type_ids")
            yield _Window(
                example_index=lo + int(k),
                input_ids=list(enc["input_ids"][i]),
                token_type_ids=(
                    list(type_ids[i]) if type_ids is not None else [int(s == 1) for s in seq_ids]
                ),
                attention_mask=list(enc["attention_mask"][i]),
                offsets=[tuple(o) for o in enc["offset_mapping"][i]],
                sequence_ids=list(seq_ids),
            )


def _answer_tokens(window: _Window, example: QAExample) -> tuple[int, int]:
    """Token span ``(start, end)`` (inclusive) of the first answer, or ``(0, 0)``."""
    if not example.answers:
        return 0, 0
    text, start = example.answers[0]
    end = start + len(text)
    context = example.context
    # Whitespace at the ends of a gold answer belongs to no token.
    while start < end and context[start].isspace():
        start += 1
    while end > start and context[end - 1].isspace():
        end -= 1
    ctx = [k for k, s in enumerate(window.sequence_ids) if s == 1]
    if start == end or not ctx:
        return 0, 0
    offsets = window.offsets
    if offsets[ctx[0]][0] > start or offsets[ctx[-1]][1] < end:
        return 0, 0  # the answer is not wholly inside this window
    first = next(k for k in ctx if offsets[k][1] > start)
    last = next(k for k in reversed(ctx) if offsets[k][0] < end)
    if last < first:
        return 0, 0  # only characters the tokenizer drops
    return first, last


def encode_qa_train(
    tokenizer, examples: Sequence[QAExample], cfg: QAFeatureConfig | None = None
) -> list[dict[str, list[int] | int]]:
    """Training features: one per window, unpadded.

    Each feature holds ``input_ids``, ``token_type_ids`` and ``attention_mask`` (lists of
    one window's length L <= ``max_length``) and ``start_positions`` / ``end_positions``
    (ints): the first and last token (inclusive) of the first gold answer, or 0 and 0
    (``[CLS]``) when the window does not hold the whole answer or the example has none.
    The start token is the first that ends after the answer's first character, the end
    token the last that starts before its end (gold answers are stripped of surrounding
    whitespace first), so an answer that ends inside a word gets the whole last token.
    """
    cfg = _check_args(tokenizer, cfg)
    features = []
    for w in _windows(tokenizer, examples, cfg):
        start, end = _answer_tokens(w, examples[w.example_index])
        features.append(
            {
                "input_ids": w.input_ids,
                "token_type_ids": w.token_type_ids,
                "attention_mask": w.attention_mask,
                "start_positions": start,
                "end_positions": end,
            }
        )
    return features


def encode_qa_eval(
    tokenizer, examples: Sequence[QAExample], cfg: QAFeatureConfig | None = None
) -> tuple[list[dict[str, list[int]]], list[dict[str, Any]]]:
    """Evaluation features and their map back to the examples.

    Returns ``(features, feature_meta)``, both of length n_features, in the same windows
    (and order) as :func:`encode_qa_train`. ``features[f]`` holds ``input_ids``,
    ``token_type_ids`` and ``attention_mask`` (unpadded lists of length L_f).
    ``feature_meta[f]`` holds ``example_index`` (position of the window's example in
    ``examples``) and ``offset_mapping``: a list of length L_f whose entry t is the
    ``(start, end)`` character span of token t in the example's context, or None for
    tokens outside the context (specials, question).
    """
    cfg = _check_args(tokenizer, cfg)
    features, meta = [], []
    for w in _windows(tokenizer, examples, cfg):
        features.append(
            {
                "input_ids": w.input_ids,
                "token_type_ids": w.token_type_ids,
                "attention_mask": w.attention_mask,
            }
        )
        meta.append(
            {
                "example_index": w.example_index,
                "offset_mapping": [
                    o if s == 1 else None for o, s in zip(w.offsets, w.sequence_ids, strict=True)
                ],
            }
        )
    return features, meta


def decode_spans(
    examples: Sequence[QAExample],
    feature_meta: Sequence[dict[str, Any]],
    start_logits,
    end_logits,
    cfg: QAFeatureConfig | None = None,
) -> dict[str, str]:
    """Best answer text of each example from start/end logits over its windows.

    ``start_logits`` and ``end_logits``: arrays of shape ``(n_features, seq_len)``, row f
    for ``feature_meta[f]`` (from :func:`encode_qa_eval`); ``seq_len`` may exceed a
    window's length L_f (padding), and positions >= L_f are ignored. In each window the
    ``n_best`` highest start and ``n_best`` highest end positions are paired; a pair
    ``(s, e)`` counts if both tokens lie in the context, ``e >= s`` and
    ``e - s + 1 <= max_answer_length``; its score is ``start_logits[s] + end_logits[e]``.
    The best pair over all windows of an example gives ``context[offset(s)[0]:offset(e)[1]]``;
    ties go to the earlier window, then the higher-ranked start, then end. An example
    with no valid pair gets "". Returns ``{example.id: text}`` for every example (ids
    must be unique).
    """
    cfg = _check_args(None, cfg)
    starts_all = np.asarray(start_logits, dtype=np.float64)
    ends_all = np.asarray(end_logits, dtype=np.float64)
    if starts_all.ndim != 2 or starts_all.shape != ends_all.shape:
        raise ValueError(
            "start_logits and end_logits must be 2-D arrays of the same shape "
            f"(n_features, seq_len), got {starts_all.shape} and {ends_all.shape}"
        )
    if starts_all.shape[0] != len(feature_meta):
        raise ValueError(f"{starts_all.shape[0]} rows of logits for {len(feature_meta)} features")
    if np.isnan(starts_all).any() or np.isnan(ends_all).any():
        raise ValueError("the logits contain NaN")
    ids = [ex.id for ex in examples]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"question id {dup!r} occurs twice; answers are keyed by id")

    best: dict[int, tuple[float, str]] = {}
    for f, meta in enumerate(feature_meta):
        k = meta["example_index"]
        if not 0 <= k < len(examples):
            raise ValueError(f"feature {f}: example_index {k} out of range")
        offsets = meta["offset_mapping"]
        n = len(offsets)
        if n > starts_all.shape[1]:
            raise ValueError(
                f"feature {f} has {n} tokens but the logits only {starts_all.shape[1]}"
            )
        s_log, e_log = starts_all[f, :n], ends_all[f, :n]
        in_context = np.array([o is not None for o in offsets], dtype=bool)
        starts = np.argsort(-s_log, kind="stable")[: cfg.n_best]
        ends = np.argsort(-e_log, kind="stable")[: cfg.n_best]
        starts = starts[in_context[starts]]
        ends = ends[in_context[ends]]
        if not len(starts) or not len(ends):
            continue
        length = ends[None, :] - starts[:, None] + 1
        valid = np.flatnonzero((length >= 1) & (length <= cfg.max_answer_length))
        if not len(valid):
            continue
        scores = (s_log[starts][:, None] + e_log[ends][None, :]).ravel()[valid]
        pick = valid[int(np.argmax(scores))]
        score = float(scores.max())
        if k not in best or score > best[k][0]:
            s, e = starts[pick // len(ends)], ends[pick % len(ends)]
            best[k] = (score, examples[k].context[offsets[s][0] : offsets[e][1]])
    return {ex.id: best[k][1] if k in best else "" for k, ex in enumerate(examples)}
