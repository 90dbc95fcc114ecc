"""The study's WordPiece tokenizer."""

from __future__ import annotations

import random

import pytest

from weamlib.align.projection import project_with_tokenizer
from weamlib.core.errors import ConfigError
from weamlib.data.tokenize import (
    SPECIAL_TOKENS,
    TokenizerConfig,
    ensure_tokenizer,
    train_tokenizer,
    word_pieces,
    word_pieces_batch,
)


def corpus(seed=0, n=400):
    rng = random.Random(seed)
    stems = ["walk", "talk", "house", "garden", "river", "kiito", "maison", "Haus"]
    suffixes = ["", "s", "ed", "ing", "lla", "ssa", "ksi"]
    lines = [
        " ".join(rng.choice(stems) + rng.choice(suffixes) for _ in range(rng.randint(3, 9)))
        for _ in range(n)
    ]
    return lines + ["大 狗 看见 一 只 小 猫 。"] * 20


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(corpus(), TokenizerConfig(vocab_size=80, min_frequency=2))


def test_special_tokens_come_first(tok):
    assert tok.convert_ids_to_tokens(list(range(5))) == list(SPECIAL_TOKENS)
    assert (
        tok.pad_token_id,
        tok.unk_token_id,
        tok.cls_token_id,
        tok.sep_token_id,
        tok.mask_token_id,
    ) == (0, 1, 2, 3, 4)
    enc = tok("walks home", "maison")
    assert enc["input_ids"][0] == tok.cls_token_id and enc["input_ids"][-1] == tok.sep_token_id
    assert enc["token_type_ids"][-1] == 1 and enc["token_type_ids"][0] == 0


def test_vocab_size_and_subword_splits(tok):
    assert len(tok) <= 80
    pieces = tok.tokenize("gardenssa")
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
    assert tok.tokenize("看见") == ["看", "见"]  # CJK characters split apart, as in mBERT


def test_training_is_deterministic():
    a = train_tokenizer(corpus(1), TokenizerConfig(vocab_size=70, min_frequency=1))
    b = train_tokenizer(corpus(1), TokenizerConfig(vocab_size=70, min_frequency=1))
    assert a.get_vocab() == b.get_vocab()


def test_word_pieces_count_each_word(tok):
    words = ["walking", "gardenssa", "看见", "Haus"]
    counts = word_pieces(tok, words)
    assert len(counts) == 4 and sum(counts) == len(tok.tokenize(" ".join(words)))
    assert counts[2] == 2
    assert word_pieces_batch(tok, [words, ["Haus"]]) == [counts, [counts[3]]]


def test_project_with_tokenizer(tok):
    sub, sc, tc = project_with_tokenizer(tok, ["gardenssa", "walk"], ["看见"], [(0, 0)], "all")
    assert sc[0] >= 2 and tc == [2]
    assert len(sub) == sc[0] * 2


def test_config_validation():
    with pytest.raises(ConfigError, match="vocab_size"):
        TokenizerConfig(vocab_size=3)
    with pytest.raises(ConfigError, match="min_frequency"):
        TokenizerConfig(min_frequency=0)


def test_ensure_tokenizer_caches_and_reloads(tmp_path, run_store):
    suite = tmp_path / "suite"
    (suite / "mono").mkdir(parents=True)
    (suite / "mono" / "en.txt").write_text("\n".join(corpus(2)[:200]) + "\n", encoding="utf-8")
    (suite / "mono" / "xx.txt").write_text("大 狗 看见\n小 猫\n" * 10, encoding="utf-8")
    tok = ensure_tokenizer(suite, vocab_size=60, store=run_store)
    again = ensure_tokenizer(suite, vocab_size=60, store=run_store)
    assert tok.get_vocab() == again.get_vocab() and "看" in tok.get_vocab()
    assert len(list((run_store.root / "tokenizer").iterdir())) == 1
    ensure_tokenizer(suite, vocab_size=50, store=run_store)
    assert len(list((run_store.root / "tokenizer").iterdir())) == 2
    with pytest.raises(FileNotFoundError, match="mono"):
        ensure_tokenizer(tmp_path, store=run_store)


# --------------------------------------------------------------------------- script copies


def test_wordpiece_splits_as_the_fast_tokenizer(tok):
    from weamlib.data.tokenize import wordpiece

    vocab = set(tok.get_vocab())
    # words as the pre-tokeniser leaves them (it splits CJK text into characters first)
    words = sorted({w for line in corpus(3, 60) for w in line.split() if w.isascii()})
    for word in words:
        assert wordpiece(word, vocab) == tok.tokenize(word), word
    assert wordpiece("walk", {"wa", "##l"}) == ["[UNK]"]  # "k" has no piece
    assert wordpiece("x" * 101, {"x", "##x"}) == ["[UNK]"]


def test_respell_hand_worked():
    from weamlib.data.tokenize import respell

    chars = {"a": "α", "b": "β", ".": "։"}
    assert respell("ab", chars) == "αβ" and respell("##ba", chars) == "##βα"
    assert respell(".", chars) == "։" and respell("ax", chars) is None


def test_mirror_pieces_hand_worked():
    from collections import Counter

    from weamlib.data.tokenize import mirror_pieces

    vocab = [*SPECIAL_TOKENS, "a", "b", "c", "##b", "##c", "ab", "ac", "bc"]
    chars = {"a": "α", "b": "β", "c": "γ"}
    # "ab" and "c" split as [ab], [c]: used; "ac" and "bc" unused; one-letter pieces always
    got = mirror_pieces(vocab, Counter({"ab": 3, "c": 1}), chars)
    assert got == ["α", "β", "γ", "##β", "##γ", "αβ"]
    # a piece with a character the language does not re-spell stays out
    assert mirror_pieces(vocab, Counter({"ab": 1}), {"a": "α"}) == ["α"]


@pytest.fixture(scope="module")
def smoke_suite_and_tokenizer(tmp_path_factory):
    from weamlib.store.runs import RunStore
    from weamlib.synth.suite import ensure_suite

    store = RunStore(tmp_path_factory.mktemp("runs"))
    suite = ensure_suite("smoke", 0, store)
    return suite, ensure_tokenizer(suite, vocab_size=300, store=store)


def test_the_script_only_control_splits_as_english_does_into_pieces_of_its_own(
    smoke_suite_and_tokenizer,
):
    from weamlib.data.suitefiles import load_nli
    from weamlib.data.tokenize import respell, script_copies

    suite, tok = smoke_suite_and_tokenizer
    copies = script_copies(suite)
    assert list(copies) == ["feng"] and copies["feng"]["language"] == "en"
    chars = copies["feng"]["characters"]
    en_pieces, feng_pieces = set(), set()
    for en, feng in zip(load_nli(suite, "dev", "en"), load_nli(suite, "dev", "feng"), strict=True):
        for a, b in ((en.premise, feng.premise), (en.hypothesis, feng.hypothesis)):
            ta, tb = tok.tokenize(a), tok.tokenize(b)
            assert tb == [respell(p, chars) for p in ta], (a, b)
            en_pieces.update(ta)
            feng_pieces.update(tb)
    assert "[UNK]" not in en_pieces and not en_pieces & feng_pieces
    assert len(tok) > 300  # the control's pieces come on top of the learnt vocabulary
