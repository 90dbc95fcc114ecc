"""weamlib.train.qa: SQuAD-style windows, answer labels and n-best span decoding."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from weamlib.core.errors import ConfigError
from weamlib.data.formats import QAExample, read_squad_json
from weamlib.data.tokenize import TokenizerConfig, train_tokenizer
from weamlib.synth.language import load_language
from weamlib.synth.meaning import MeaningSampler
from weamlib.synth.realise import realise_question
from weamlib.synth.tasks import TaskKnobs, char_span, realise_context, sample_qa_item
from weamlib.train.qa import (
    QAFeatureConfig,
    decode_spans,
    encode_qa_eval,
    encode_qa_train,
    truncate_questions,
)

# --- a hand-built example: 40 one-token words, windows of 24 tokens, stride 8 -------------

WORDS = [f"w{i}" for i in range(40)]
CONTEXT = " ".join(WORDS)
QUESTION = "where is it ?"  # 4 tokens: [CLS] q q q q [SEP] = 6 tokens before the context
SMALL = QAFeatureConfig(max_length=24, doc_stride=8, max_query_length=8, max_answer_length=6)
# Context words of each window: 24 - 4 - 3 = 17 per window, the next one 8 back.
WINDOW_WORDS = [(0, 16), (9, 25), (18, 34), (27, 39)]
Q_OFFSET = 6  # token index of a window's first context word


def _span(first: int, last: int) -> tuple[str, int]:
    """Gold answer ``w{first} ... w{last}`` and its character offset in CONTEXT."""
    start = sum(len(w) + 1 for w in WORDS[:first])
    return " ".join(WORDS[first : last + 1]), start


def _example(qid: str, first: int, last: int) -> QAExample:
    return QAExample(id=qid, context=CONTEXT, question=QUESTION, answers=(_span(first, last),))


@pytest.fixture(scope="module")
def word_tokenizer():
    """One token per word (vocabulary learnt on the very text, every merge allowed)."""
    return train_tokenizer(
        [CONTEXT, QUESTION, "what who when ten eleven twelve"],
        TokenizerConfig(vocab_size=1000, min_frequency=1),
    )


def _window_words(tokenizer, feature) -> list[str]:
    tokens = tokenizer.convert_ids_to_tokens(feature["input_ids"])
    assert tokens[:Q_OFFSET] == ["[CLS]", "where", "is", "it", "?", "[SEP]"]
    assert tokens[-1] == "[SEP]"
    return tokens[Q_OFFSET:-1]


def test_windows_overlap_by_doc_stride(word_tokenizer):
    feats = encode_qa_train(word_tokenizer, [_example("a", 15, 18)], SMALL)
    assert [_window_words(word_tokenizer, f) for f in feats] == [
        WORDS[a : b + 1] for a, b in WINDOW_WORDS
    ]
    for f in feats:
        n = len(f["input_ids"])
        assert n <= SMALL.max_length
        assert len(f["token_type_ids"]) == len(f["attention_mask"]) == n
        assert f["attention_mask"] == [1] * n
        assert f["token_type_ids"] == [0] * Q_OFFSET + [1] * (n - Q_OFFSET)


def test_answer_across_a_window_boundary_is_labelled_only_where_whole(word_tokenizer):
    # w15..w18: window 0 ends at w16, window 2 starts at w18; only window 1 holds it all.
    feats = encode_qa_train(word_tokenizer, [_example("a", 15, 18)], SMALL)
    labels = [(f["start_positions"], f["end_positions"]) for f in feats]
    assert labels == [(0, 0), (Q_OFFSET + 15 - 9, Q_OFFSET + 18 - 9), (0, 0), (0, 0)]


def test_answer_in_the_overlap_is_labelled_in_both_windows(word_tokenizer):
    feats = encode_qa_train(word_tokenizer, [_example("b", 20, 22)], SMALL)
    labels = [(f["start_positions"], f["end_positions"]) for f in feats]
    assert labels == [
        (0, 0),
        (Q_OFFSET + 20 - 9, Q_OFFSET + 22 - 9),
        (Q_OFFSET + 20 - 18, Q_OFFSET + 22 - 18),
        (0, 0),
    ]


def test_whitespace_around_a_gold_answer_is_ignored(word_tokenizer):
    text, start = _span(15, 18)
    padded = QAExample("c", CONTEXT, QUESTION, ((f" {text} ", start - 1),))
    assert CONTEXT[start - 1 : start + len(text) + 1] == f" {text} "
    plain = encode_qa_train(word_tokenizer, [_example("a", 15, 18)], SMALL)
    assert encode_qa_train(word_tokenizer, [padded], SMALL) == plain


def test_unanswered_example_gets_cls_everywhere(word_tokenizer):
    feats = encode_qa_train(word_tokenizer, [QAExample("u", CONTEXT, QUESTION, ())], SMALL)
    assert len(feats) == len(WINDOW_WORDS)
    assert all(f["start_positions"] == f["end_positions"] == 0 for f in feats)


def test_eval_features_are_the_training_windows_with_context_offsets(word_tokenizer):
    examples = [_example("a", 15, 18), _example("b", 20, 22)]
    train = encode_qa_train(word_tokenizer, examples, SMALL)
    feats, meta = encode_qa_eval(word_tokenizer, examples, SMALL)
    assert len(feats) == len(meta) == len(train) == 2 * len(WINDOW_WORDS)
    for t, f in zip(train, feats, strict=True):
        assert f == {k: t[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    assert [m["example_index"] for m in meta] == [0] * 4 + [1] * 4
    for f, m in zip(feats, meta, strict=True):
        offsets = m["offset_mapping"]
        assert len(offsets) == len(f["input_ids"])
        assert offsets[:Q_OFFSET] == [None] * Q_OFFSET and offsets[-1] is None
        assert all(o is not None for o in offsets[Q_OFFSET:-1])
    (a, b) = WINDOW_WORDS[1]
    words = [CONTEXT[s:e] for s, e in meta[1]["offset_mapping"][Q_OFFSET:-1]]
    assert words == WORDS[a : b + 1]


def test_long_questions_are_cut_to_max_query_length(word_tokenizer):
    long_q = "where is it ? what who when ten eleven twelve"
    cfg = QAFeatureConfig(max_length=24, doc_stride=8, max_query_length=5)
    (cut,) = truncate_questions(word_tokenizer, [long_q], 5)
    assert cut == "where is it ? what"
    assert truncate_questions(word_tokenizer, [QUESTION], 5) == [QUESTION]
    feats = encode_qa_train(word_tokenizer, [QAExample("q", CONTEXT, long_q, ())], cfg)
    for f in feats:
        tokens = word_tokenizer.convert_ids_to_tokens(f["input_ids"])
        assert tokens[:7] == ["[CLS]", "where", "is", "it", "?", "what", "[SEP]"]


def test_question_cut_inside_a_word_keeps_its_first_pieces():
    tok = train_tokenizer(["abcdefgh abc ab"], TokenizerConfig(vocab_size=40, min_frequency=1))
    question = "xy abcdefghgf ab"
    full = tok.tokenize(question)
    for n in range(1, len(full)):
        (cut,) = truncate_questions(tok, [question], n)
        assert tok.tokenize(cut) == full[:n]


# --- span decoding -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eval_windows(word_tokenizer):
    feats, meta = encode_qa_eval(word_tokenizer, [_example("a", 15, 18)], SMALL)
    return [_example("a", 15, 18)], feats, meta


def _logits(meta, pad: int = 5, base: float = 0.0):
    """Logits ``base`` padded past the longest window; padding positions get huge values."""
    n = max(len(m["offset_mapping"]) for m in meta) + pad
    start, end = np.full((len(meta), n), base), np.full((len(meta), n), base)
    for f, m in enumerate(meta):
        start[f, len(m["offset_mapping"]) :] = 1e6
        end[f, len(m["offset_mapping"]) :] = 1e6
    return start, end


def test_decode_picks_the_best_span_in_the_second_window(eval_windows):
    examples, feats, meta = eval_windows
    start, end = _logits(meta, base=-100.0)  # any pair with an unmarked token scores low
    start[1, Q_OFFSET + 6], end[1, Q_OFFSET + 9] = 5.0, 5.0  # w15..w18 in window 1
    start[0, Q_OFFSET + 2], end[0, Q_OFFSET + 3] = 4.0, 4.0  # weaker: w2..w3 in window 0
    start[1, 1], end[1, 3] = 50.0, 50.0  # question tokens: never an answer
    start[0, 0], end[0, 0] = 60.0, 60.0  # [CLS]
    start[2, Q_OFFSET + 5], end[2, Q_OFFSET + 2] = 40.0, 40.0  # end before start
    assert decode_spans(examples, meta, start, end, SMALL) == {"a": "w15 w16 w17 w18"}


def test_decode_best_span_over_all_windows_and_text_from_offsets(eval_windows):
    examples, _, meta = eval_windows
    start, end = _logits(meta)
    start[3, Q_OFFSET + 1], end[3, Q_OFFSET + 1] = 3.0, 3.0  # w28 alone, in the last window
    start[1, Q_OFFSET], end[1, Q_OFFSET + 1] = 2.0, 2.0
    assert decode_spans(examples, meta, start, end, SMALL) == {"a": "w28"}


def test_decode_respects_max_answer_length(eval_windows):
    examples, _, meta = eval_windows
    start, end = _logits(meta)
    start[1, Q_OFFSET] = 10.0  # w9
    end[1, Q_OFFSET + 6] = 10.0  # w15: 7 tokens > max_answer_length 6
    end[1, Q_OFFSET + 5] = 1.0  # w14: 6 tokens, allowed
    assert decode_spans(examples, meta, start, end, SMALL) == {"a": "w9 w10 w11 w12 w13 w14"}
    looser = QAFeatureConfig(max_length=24, doc_stride=8, max_query_length=8, max_answer_length=7)
    assert decode_spans(examples, meta, start, end, looser) == {"a": "w9 w10 w11 w12 w13 w14 w15"}


def test_decode_never_answers_from_the_question(eval_windows):
    examples, _, meta = eval_windows
    start, end = _logits(meta)
    start[:, 1:Q_OFFSET] = 100.0
    end[:, 1:Q_OFFSET] = 100.0
    start[:, 0] = end[:, 0] = 100.0
    cfg = QAFeatureConfig(max_length=24, doc_stride=8, max_query_length=8, n_best=24)
    answer = decode_spans(examples, meta, start, end, cfg)["a"]
    assert answer and answer in CONTEXT and answer.startswith("w")


def test_decode_returns_empty_when_nothing_is_valid(eval_windows):
    examples, _, meta = eval_windows
    one = QAFeatureConfig(max_length=24, doc_stride=8, max_query_length=8, n_best=1)
    start, end = _logits(meta)
    start[:, 2] = end[:, 2] = 9.0  # the single best start and end lie in the question
    assert decode_spans(examples, meta, start, end, one) == {"a": ""}
    start, end = _logits(meta)
    start[:, Q_OFFSET + 5] = end[:, Q_OFFSET + 1] = 9.0  # best end before best start
    assert decode_spans(examples, meta, start, end, one) == {"a": ""}


def test_decode_checks_its_inputs(eval_windows):
    examples, _, meta = eval_windows
    start, end = _logits(meta)
    with pytest.raises(ValueError, match="same shape"):
        decode_spans(examples, meta, start, end[:, :-1])
    with pytest.raises(ValueError, match="rows"):
        decode_spans(examples, meta[:-1], start, end)
    with pytest.raises(ValueError, match="tokens"):
        decode_spans(examples, meta, start[:, :10], end[:, :10])
    with pytest.raises(ValueError, match="twice"):
        decode_spans(examples * 2, meta, start, end)
    start[0, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        decode_spans(examples, meta, start, end)


# --- configuration ---------------------------------------------------------------------------


def test_defaults_are_berts_squad_settings():
    cfg = QAFeatureConfig()
    assert (cfg.max_length, cfg.doc_stride, cfg.max_query_length) == (384, 128, 64)
    assert (cfg.n_best, cfg.max_answer_length) == (20, 30)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_length": 0}, "max_length"),
        ({"max_length": 384.0}, "max_length"),
        ({"doc_stride": -1}, "doc_stride"),
        ({"doc_stride": True}, "doc_stride"),
        ({"max_query_length": 0}, "max_query_length"),
        ({"n_best": 0}, "n_best"),
        ({"max_answer_length": 0}, "max_answer_length"),
        ({"max_length": 64, "max_query_length": 61}, "max_query_length"),
        ({"max_length": 128, "doc_stride": 61}, "doc_stride"),
    ],
)
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(ConfigError, match=rf"qa\.{field}\b"):
        QAFeatureConfig(**kwargs)


def test_stride_just_below_the_room_is_allowed():
    QAFeatureConfig(max_length=128, doc_stride=60)  # 128 - 64 - 3 = 61 context tokens


def test_encoders_need_a_fast_tokenizer_and_a_config(word_tokenizer):
    with pytest.raises(ConfigError, match="fast tokenizer"):
        encode_qa_train(SimpleNamespace(is_fast=False), [], SMALL)
    with pytest.raises(ConfigError, match="QAFeatureConfig"):
        encode_qa_eval(word_tokenizer, [], {"max_length": 24})
    assert encode_qa_eval(word_tokenizer, [], SMALL) == ([], [])


# --- round trips: offsets give back the gold answer ----------------------------------------


def _synthetic(code: str, n: int, seed: int) -> list[QAExample]:
    rng = random.Random(seed)
    sampler = MeaningSampler(rng)
    lang = load_language(code)
    out = []
    for k in range(n):
        item = sample_qa_item(rng, sampler, TaskKnobs())
        tokens, span = realise_context(lang, item)
        words = [t.form for t in tokens]
        out.append(
            QAExample(
                id=f"{code}-{k}",
                context=" ".join(words),
                question=" ".join(t.form for t in realise_question(lang, item.question)),
                answers=(char_span(words, span),),
            )
        )
    return out


@pytest.mark.parametrize("code", ["en", "kesh", "hoza"])  # Latin, Arabic script, CJK-like
def test_labelled_windows_give_back_the_gold_answer(code):
    examples = _synthetic(code, 25, seed=7)
    # A small vocabulary, so that words fall into several pieces.
    tok = train_tokenizer(
        [ex.context for ex in examples], TokenizerConfig(vocab_size=150, min_frequency=2)
    )
    n_words = sum(len(ex.context.split()) for ex in examples)
    assert sum(len(tok.tokenize(ex.context)) for ex in examples) > 1.2 * n_words
    # Windows step by at most 64 - 3 - 24 = 37 tokens and overlap by 24, so every answer of
    # up to 25 tokens lies wholly inside some window.
    cfg = QAFeatureConfig(max_length=64, doc_stride=24, max_query_length=16, max_answer_length=64)
    train = encode_qa_train(tok, examples, cfg)
    feats, meta = encode_qa_eval(tok, examples, cfg)
    assert len(train) > len(examples)  # several windows per context
    labelled = set()
    start = np.full((len(meta), cfg.max_length), -1.0)
    end = np.full((len(meta), cfg.max_length), -1.0)
    for f, (t, m) in enumerate(zip(train, meta, strict=True)):
        s, e = t["start_positions"], t["end_positions"]
        if s == 0:
            assert e == 0
            continue
        ex = examples[m["example_index"]]
        offsets = m["offset_mapping"]
        assert ex.context[offsets[s][0] : offsets[e][1]] == ex.answers[0][0]
        labelled.add(m["example_index"])
        start[f, s] = end[f, e] = 1.0
    assert labelled == set(range(len(examples)))
    # Logits that point at the labels decode to the gold answers.
    assert decode_spans(examples, meta, start, end, cfg) == {
        ex.id: ex.answers[0][0] for ex in examples
    }


def test_real_xquad_answers_are_found_through_offsets(shared_data):
    examples = read_squad_json(shared_data / "xquad_official" / "xquad.en.json")
    assert len(examples) == 1190
    tok = train_tokenizer(sorted({ex.context for ex in examples}), TokenizerConfig(8000, 2))
    cfg = QAFeatureConfig(max_length=128, doc_stride=32)
    train = encode_qa_train(tok, examples, cfg)
    _, meta = encode_qa_eval(tok, examples, cfg)
    found = set()
    for t, m in zip(train, meta, strict=True):
        s, e = t["start_positions"], t["end_positions"]
        ex = examples[m["example_index"]]
        if (
            s
            and ex.context[m["offset_mapping"][s][0] : m["offset_mapping"][e][1]]
            == ex.answers[0][0]
        ):
            found.add(m["example_index"])
    rate = len(found) / len(examples)
    print(f"XQuAD en: gold answer found through offsets for {len(found)}/1190 = {rate:.2%}")
    assert rate >= 0.95, f"found {rate:.2%}"
    assert len(train) > len(examples)  # long contexts really are cut into windows


class _DropsOverflow:
    """A tokenizer whose overflow returns only the first window of each example (as
    tokenizers 0.23.2 returns only the first two): the rest of a long context is lost."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __getattr__(self, name):
        return getattr(self.tokenizer, name)

    def __call__(self, *args, **kwargs):
        if not kwargs.get("return_overflowing_tokens"):
            return self.tokenizer(*args, **kwargs)
        kwargs = {
            k: v for k, v in kwargs.items() if k not in ("stride", "return_overflowing_tokens")
        }
        enc = self.tokenizer(*args, **kwargs)
        enc["overflow_to_sample_mapping"] = list(range(len(enc["input_ids"])))
        return enc


def test_windows_that_leave_a_context_unread_are_refused(word_tokenizer):
    short = QAExample("s", " ".join(WORDS[:5]), QUESTION, (("w1 w2", 3),))
    # one window holds a short context whole: nothing is lost, nothing refused
    assert len(encode_qa_train(_DropsOverflow(word_tokenizer), [short], SMALL)) == 1
    with pytest.raises(RuntimeError, match=r"QA example 1 \(id 'a'\).*drops overflowing"):
        encode_qa_train(_DropsOverflow(word_tokenizer), [short, _example("a", 15, 18)], SMALL)
    with pytest.raises(RuntimeError, match="drops overflowing"):
        encode_qa_eval(_DropsOverflow(word_tokenizer), [_example("a", 15, 18)], SMALL)
