"""The study's subword tokenizer: WordPiece trained on the suite's monolingual corpora.

The pipeline is BERT's (mBERT's cased variant): BERT normalisation without lowercasing or
accent stripping, CJK characters split apart, whitespace-and-punctuation pre-tokenisation,
WordPiece with ``##`` continuations, and the special tokens [PAD] [UNK] [CLS] [SEP] [MASK]
(ids 0-4). It is wrapped as a ``transformers.BertTokenizerFast`` and saved with
``save_pretrained``, so ``AutoTokenizer.from_pretrained(folder)`` loads it.
Training is deterministic: the same corpora and settings give the same vocabulary.

The vocabulary is learnt here (BPE-style merges over word counts, as the HF WordPiece
trainer does) rather than by ``tokenizers.trainers.WordPieceTrainer``, whose ties between
equally frequent pairs are broken by hash order and change from run to run; here a tie
goes to the lexicographically smallest pair.

A language that writes English in another alphabet (the suite's script-only control, whose
``languages.json`` entry holds ``script_of``) is not learnt from: every piece English's
words are split into is added re-spelt in its alphabet, on top of ``vocab_size``
(:func:`mirror_pieces`), so its sentences split exactly as their English originals do, into
pieces of its own. That is K et al.'s (2020) Fake-English: a change of script and nothing
else. Learnt from its own corpus instead, the 1,000-piece vocabulary of the default profile
split it into 37 % more pieces than English, and only 3 % of its sentences into as many.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from weamlib.core.errors import ConfigError
from weamlib.data.suitefiles import suite_specs
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import RunStore

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


@dataclass(frozen=True)
class TokenizerConfig:
    """WordPiece training settings."""

    vocab_size: int = 8000
    min_frequency: int = 2
    limit_alphabet: int = 1000

    def __post_init__(self):
        if not isinstance(self.vocab_size, int) or self.vocab_size < len(SPECIAL_TOKENS) + 1:
            raise ConfigError(
                f"tokenizer.vocab_size must be an int > {len(SPECIAL_TOKENS)}, got {self.vocab_size!r}"
            )
        if not isinstance(self.min_frequency, int) or self.min_frequency < 1:
            raise ConfigError(
                f"tokenizer.min_frequency must be an int >= 1, got {self.min_frequency!r}"
            )
        if not isinstance(self.limit_alphabet, int) or self.limit_alphabet < 1:
            raise ConfigError(
                f"tokenizer.limit_alphabet must be an int >= 1, got {self.limit_alphabet!r}"
            )


def _backend():
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    backend = Tokenizer(
        models.WordPiece(
            vocab={t: i for i, t in enumerate(SPECIAL_TOKENS)},
            unk_token="[UNK]",
            continuing_subword_prefix="##",
        )
    )
    backend.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece(prefix="##")
    return backend


def word_counts(lines: Iterable[str]) -> Counter:
    """Pre-tokenised word frequencies under the tokenizer's normaliser and pre-tokeniser."""
    backend = _backend()
    normalize = backend.normalizer.normalize_str
    split = backend.pre_tokenizer.pre_tokenize_str
    counts: Counter = Counter()
    for line in lines:
        counts.update(w for w, _ in split(normalize(line)))
    return counts


def learn_vocab(counts: Counter, cfg: TokenizerConfig) -> list[str]:
    """WordPiece vocabulary by greedy pair merges; deterministic.

    Words start as characters (``##`` marking non-initial ones) from the ``limit_alphabet``
    most frequent characters; words holding other characters are skipped (they become
    [UNK]). Each step merges the most frequent adjacent pair (ties: smallest pair) seen at
    least ``min_frequency`` times, until ``vocab_size`` entries.
    """
    chars: Counter = Counter()
    for word, c in counts.items():
        for ch in word:
            chars[ch] += c
    alphabet = sorted(chars, key=lambda ch: (-chars[ch], ch))[: cfg.limit_alphabet]
    allowed = set(alphabet)
    vocab = list(SPECIAL_TOKENS)
    seen = set(vocab)

    def add(tok: str) -> None:
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for ch in sorted(alphabet):
        add(ch)
    words, freqs = [], []
    for word in sorted(counts):
        if set(word) <= allowed:
            symbols = [word[0]] + [f"##{ch}" for ch in word[1:]]
            for sym in symbols:
                add(sym)
            words.append(symbols)
            freqs.append(counts[word])
    pair_count: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = {}
    for w, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:], strict=False):
            pair_count[pair] += freqs[w]
            where.setdefault(pair, set()).add(w)
    heap = [(-c, pair) for pair, c in pair_count.items()]
    heapq.heapify(heap)
    while len(vocab) < cfg.vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg:
            continue  # stale entry
        if -neg < cfg.min_frequency:
            break
        a, b = pair
        merged = a + b[2:] if b.startswith("##") else a + b
        add(merged)
        touched: dict[tuple[str, str], int] = {}
        for w in sorted(where.pop(pair, ())):
            old = words[w]
            for p in zip(old, old[1:], strict=False):
                pair_count[p] -= freqs[w]
                touched[p] = 1
            new, k = [], 0
            while k < len(old):
                if k + 1 < len(old) and old[k] == a and old[k + 1] == b:
                    new.append(merged)
                    k += 2
                else:
                    new.append(old[k])
                    k += 1
            words[w] = new
            for p in zip(new, new[1:], strict=False):
                pair_count[p] += freqs[w]
                where.setdefault(p, set()).add(w)
                touched[p] = 1
        pair_count.pop(pair, None)
        for p in touched:
            c = pair_count.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_count.pop(p, None)
    return vocab


def wordpiece(word: str, vocab: set[str], max_chars: int = 100) -> list[str]:
    """``word`` split as WordPiece splits it (longest known piece first, ``##`` after the
    first); ``["[UNK]"]`` when some part has no piece or the word is over ``max_chars``."""
    if len(word) > max_chars:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else f"##{word[start:end]}"
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            return ["[UNK]"]
    return pieces


def respell(piece: str, characters: dict[str, str]) -> str | None:
    """``piece`` written character by character through ``characters`` (``##`` kept); None
    when it holds a character outside them."""
    mark, core = ("##", piece[2:]) if piece.startswith("##") else ("", piece)
    if not core or any(c not in characters for c in core):
        return None
    return mark + "".join(characters[c] for c in core)


def mirror_pieces(vocab: Sequence[str], source: Counter, characters: dict[str, str]) -> list[str]:
    """The pieces to add so that a language writing ``source``'s words letter by letter in
    another alphabet (``characters``: source character -> its form) splits as they do.

    Every piece the words of ``source`` (word counts) split into, and every one-character
    piece, re-spelt; pieces with a character outside ``characters`` and pieces already in
    ``vocab`` are left out. In vocabulary order (deterministic).
    """
    known = set(vocab)
    used = {p for word in source for p in wordpiece(word, known)}
    out, seen = [], set(known)
    for piece in vocab:
        if piece in SPECIAL_TOKENS or (piece not in used and len(piece.removeprefix("##")) != 1):
            continue
        twin = respell(piece, characters)
        if twin is not None and twin not in seen:
            seen.add(twin)
            out.append(twin)
    return out


def train_tokenizer(
    lines: Iterable[str],
    cfg: TokenizerConfig | None = None,
    mirrors: Sequence[tuple[dict[str, str], Iterable[str]]] = (),
):
    """Train a WordPiece tokenizer on text lines -> ``transformers.BertTokenizerFast``.

    ``mirrors``: ``(characters, source lines)`` of each language that writes a source
    language in another alphabet; its pieces are :func:`mirror_pieces` of the source's words.
    """
    from tokenizers import models
    from tokenizers.processors import TemplateProcessing
    from transformers import BertTokenizerFast

    cfg = cfg or TokenizerConfig()
    vocab = learn_vocab(word_counts(lines), cfg)
    for characters, source_lines in mirrors:
        vocab += mirror_pieces(vocab, word_counts(source_lines), characters)
    backend = _backend()
    backend.model = models.WordPiece(
        vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", continuing_subword_prefix="##"
    )
    backend.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))],
    )
    return BertTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        do_lower_case=False,
        tokenize_chinese_chars=True,
        strip_accents=False,
    )


def mono_files(suite_path: str | Path) -> list[Path]:
    """The suite's monolingual corpora ``mono/{lang}.txt``, sorted by language."""
    files = sorted((Path(suite_path) / "mono").glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no monolingual corpora (mono/*.txt) in suite {suite_path}")
    return files


def _lines(files: Sequence[Path]) -> Iterable[str]:
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    yield line


def script_copies(suite_path: str | Path) -> dict[str, dict]:
    """``{code: {"language": source, "characters": {char: form}}}`` of each language of the
    suite that writes another of its languages in a different alphabet (``script_of`` in
    ``languages.json``; a suite without that file has none)."""
    if not (Path(suite_path) / "languages.json").is_file():
        return {}
    specs = suite_specs(suite_path)
    return {code: spec["script_of"] for code, spec in sorted(specs.items()) if "script_of" in spec}


def ensure_tokenizer(
    suite_path: str | Path,
    vocab_size: int = 8000,
    store: RunStore | None = None,
    min_frequency: int = 2,
    limit_alphabet: int = 1000,
):
    """The suite's tokenizer, trained once and cached (kind ``"tokenizer"``).

    Trains on every ``mono/{lang}.txt`` of the suite but its script copies (module
    docstring); the run folder's ``tokenizer/`` holds the ``save_pretrained`` files.
    Returns the loaded ``PreTrainedTokenizerFast``.
    """
    from transformers import AutoTokenizer

    cfg = TokenizerConfig(vocab_size, min_frequency, limit_alphabet)
    files = mono_files(suite_path)
    config = {
        **asdict(cfg),
        "corpora": {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }
    mirrors = script_copies(suite_path)
    if mirrors:  # absent from the key of suites without one: their tokenizers stay valid
        config["script_copies"] = mirrors
    learnt = [p for p in files if p.stem not in mirrors]
    by_code = {p.stem: p for p in files}

    def compute(folder: Path) -> dict:
        pairs = [
            (m["characters"], _lines([by_code[m["language"]]])) for _, m in sorted(mirrors.items())
        ]
        tok = train_tokenizer(_lines(learnt), cfg, pairs)
        tok.save_pretrained(str(folder / "tokenizer"))
        return {"vocab_size": len(tok), "languages": [p.stem for p in files]}

    run = RunSpec("tokenizer", config).run(store or RunStore(), compute)
    return AutoTokenizer.from_pretrained(str(run.file("tokenizer")))


def word_pieces(tokenizer, words: Sequence[str]) -> list[int]:
    """Number of subword pieces of each word (0 for a word the tokenizer drops entirely)."""
    return word_pieces_batch(tokenizer, [words])[0]


def word_pieces_batch(tokenizer, sentences: Sequence[Sequence[str]]) -> list[list[int]]:
    """``word_pieces`` for many pre-split sentences at once (one fast-tokenizer batch call)."""
    return [counts for _, counts in encode_words(tokenizer, sentences)]


def encode_words(
    tokenizer, sentences: Sequence[Sequence[str]]
) -> list[tuple[list[int], list[int]]]:
    """``(subword ids, pieces per word)`` of each pre-split sentence, without specials."""
    if not sentences:
        return []
    enc = tokenizer(
        [list(s) for s in sentences], is_split_into_words=True, add_special_tokens=False
    )
    out = []
    for k, words in enumerate(sentences):
        counts = [0] * len(words)
        for w in enc.word_ids(k):
            if w is not None:
                counts[w] += 1
        out.append((enc["input_ids"][k], counts))
    return out
