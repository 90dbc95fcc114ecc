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
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from weamlib.core.errors import ConfigError
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


def train_tokenizer(lines: Iterable[str], cfg: TokenizerConfig | None = None):
    """Train a WordPiece tokenizer on text lines -> ``transformers.BertTokenizerFast``."""
    from tokenizers import models
    from tokenizers.processors import TemplateProcessing
    from transformers import BertTokenizerFast

    cfg = cfg or TokenizerConfig()
    vocab = learn_vocab(word_counts(lines), cfg)
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


def ensure_tokenizer(
    suite_path: str | Path,
    vocab_size: int = 8000,
    store: RunStore | None = None,
    min_frequency: int = 2,
    limit_alphabet: int = 1000,
):
    """The suite's tokenizer, trained once and cached (kind ``"tokenizer"``).

    Trains on every ``mono/{lang}.txt`` of the suite; the run folder's ``tokenizer/`` holds
    the ``save_pretrained`` files. Returns the loaded ``PreTrainedTokenizerFast``.
    """
    from transformers import AutoTokenizer

    cfg = TokenizerConfig(vocab_size, min_frequency, limit_alphabet)
    files = mono_files(suite_path)
    config = {
        **asdict(cfg),
        "corpora": {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }

    def compute(folder: Path) -> dict:
        tok = train_tokenizer(_lines(files), cfg)
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
