"""The alignment chapter's experiments: AER per aligner and symmetrisation, learning
curves, and the real gold sets (with whatever extra bitext the data directory holds)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from weamlib.align.corpus import Pairs, align_corpus
from weamlib.align.metrics import alignment_scores
from weamlib.align.stats import fertility_summary
from weamlib.align.symmetrize import symmetrize_corpus
from weamlib.runs import RunStore

# Dou & Neubig (2021), "Word Alignment by Fine-tuning Embeddings on Parallel Corpora":
# AER (%) of statistical aligners trained on large bitext (literature values).
PUBLISHED_AER = {
    "fast_align": {"de-en": 27.0, "en-fr": 10.5, "ja-en": 51.1, "zh-en": 38.1},
    "eflomal": {"de-en": 22.6, "en-fr": 8.2, "ja-en": 47.5, "zh-en": 28.7},
}
GOLD_PAIRS = ("de-en", "en-fr", "ja-en", "zh-en")
# Real bitext in the data directory per gold pair: (set, language, split).
EXTRA_BITEXT = {
    "de-en": (("tatoeba", "deu", "dev"),),
    "en-fr": (("un_v1.0", "fr", "dev"), ("un_v1.0", "fr", "test"), ("tatoeba", "fra", "dev")),
    "ja-en": (("tatoeba", "jpn", "dev"),),
    "zh-en": (("un_v1.0", "zh", "dev"), ("un_v1.0", "zh", "test"), ("tatoeba", "cmn", "dev")),
}
UNSEGMENTED = {"ja", "zh"}  # scripts written without spaces: the extra bitext stays unsegmented
_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def simple_tokenize(text: str) -> list[str]:
    """Lowercased words and punctuation marks (for raw bitext in spaced scripts)."""
    return _WORD.findall(text.lower())


def score_methods(
    forward: Sequence, reverse: Sequence, gold: Sequence, methods: Sequence[str]
) -> list[dict]:
    """Precision/recall/AER of each symmetrisation (and the raw directions) against gold.

    Scores the first ``len(gold)`` sentences. Rows: ``{"method", "precision", "recall", "aer", ...}``
    with methods ``"forward"``, ``"reverse"`` and each of ``methods``.
    """
    n = len(gold)
    fwd, rev = list(forward[:n]), list(reverse[:n])
    rows = [
        {"method": "forward", **alignment_scores(fwd, gold).as_dict()},
        {"method": "reverse", **alignment_scores(rev, gold).as_dict()},
    ]
    for method in methods:
        rows.append(
            {
                "method": method,
                **alignment_scores(symmetrize_corpus(fwd, rev, method), gold).as_dict(),
            }
        )
    return rows


def evaluate_aligners(
    pairs: Pairs,
    gold: Sequence,
    aligners: Sequence[str],
    methods: Sequence[str],
    seed: int = 0,
    store: RunStore | None = None,
    n_eval: int | None = None,
    options: dict | None = None,
) -> list[dict]:
    """Train each aligner on ``pairs`` (cached) and score it on the first ``n_eval`` gold
    sentences. ``options``: per aligner name, its config fields. Rows carry ``aligner``
    and ``seconds`` (aligner wall time, both directions, when computed)."""
    gold = list(gold[: n_eval or len(gold)])
    rows = []
    for aligner in aligners:
        out = align_corpus(pairs, aligner, None, seed, store, **(options or {}).get(aligner, {}))
        for row in score_methods(out.forward, out.reverse, gold, methods):
            rows.append({"aligner": aligner, "seconds": out.info.get("seconds"), **row})
    return rows


def learning_curve(
    pairs: Pairs,
    gold: Sequence,
    sizes: Sequence[int],
    aligner: str,
    method: str,
    seed: int = 0,
    store: RunStore | None = None,
    n_eval: int = 500,
    options: dict | None = None,
) -> list[dict]:
    """AER of ``aligner`` + ``method`` trained on the first ``size`` pairs, scored on the
    first ``min(n_eval, min(sizes))`` sentences (the same ones at every size)."""
    n_eval = min(n_eval, min(sizes), len(gold))
    rows = []
    for size in sorted(set(min(s, len(pairs)) for s in sizes)):
        out = align_corpus(pairs[:size], aligner, None, seed, store, **(options or {}))
        row = score_methods(out.forward, out.reverse, gold[:n_eval], [method])[-1]
        rows.append({"aligner": aligner, "size": size, **row})
    return rows


def load_real_training(
    pair: str, max_extra: int, data_dir: str | Path | None = None
) -> tuple[list, list, dict]:
    """A gold set's sentences plus up to ``max_extra`` pairs of real bitext for that language
    pair, oriented like the gold set: (pairs, gold LinkSets, info). The gold sentences come
    first, so gold sentence ``k`` is training pair ``k``."""
    from weamlib.data import load_gold_alignment, load_parallel_real

    pairs, gold = load_gold_alignment(pair, data_dir)
    xx = next(lang for lang in pair.split("-") if lang != "en")
    en_first = pair.startswith("en-")
    extra, sources = [], []
    for name, lang, split in EXTRA_BITEXT[pair]:
        if len(extra) >= max_extra:
            break
        try:
            raw = load_parallel_real(name, lang, split, data_dir, tokenized=False)
        except FileNotFoundError:
            continue
        taken = 0
        for en, other in raw[: max_extra - len(extra)]:
            en_tok = simple_tokenize(en)
            xx_tok = other.split() if xx in UNSEGMENTED else simple_tokenize(other)
            if en_tok and xx_tok:
                extra.append((en_tok, xx_tok) if en_first else (xx_tok, en_tok))
                taken += 1
        sources.append(f"{name}:{lang}:{split} ({taken})")
    info = {
        "pair": pair,
        "n_gold": len(pairs),
        "n_extra": len(extra),
        "extra_sources": sources,
        "extra_unsegmented": xx in UNSEGMENTED and bool(extra),
    }
    return pairs + extra, gold, info


def fertility_by_language(tokenizer, suite_path: str | Path, max_lines: int = 2000) -> list[dict]:
    """Subword fertility of each language's first ``max_lines`` monolingual sentences.

    Rows: ``{"lang", "n_words", "mean", "share_1" .. "share_5"}`` (see ``fertility_summary``).
    """
    from weamlib.formats import split_tokens
    from weamlib.tokenize import mono_files, word_pieces_batch

    rows = []
    for path in mono_files(suite_path):
        with open(path, encoding="utf-8") as f:
            lines = [split_tokens(line) for _, line in zip(range(max_lines), f, strict=False)]
        counts = word_pieces_batch(tokenizer, [x for x in lines if x])
        rows.append({"lang": path.stem, **fertility_summary(c for cs in counts for c in cs)})
    return rows


def example_index(pairs: Pairs, min_len: int = 6, max_len: int = 12, start: int = 0) -> int:
    """The first pair from ``start`` whose sides both have ``min_len``..``max_len`` words."""
    for k in range(start, len(pairs)):
        if all(min_len <= len(side) <= max_len for side in pairs[k]):
            return k
    return start


def evaluate_real_sets(
    gold_pairs: Sequence[str],
    aligners: Sequence[str],
    methods: Sequence[str],
    seed: int = 0,
    max_extra: int = 0,
    data_dir: str | Path | None = None,
    store: RunStore | None = None,
    workers: int | None = None,
    options: dict | None = None,
) -> tuple[list[dict], list[dict]]:
    """``evaluate_aligners`` on each real gold set (with ``load_real_training``'s extra
    bitext), the sets side by side in ``workers`` threads: (score rows, per-set info rows).
    The FastAlign model compares lowercased tokens, as eflomal does."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    options = {"fastalign": {"lowercase": True}, **(options or {})}

    def one(pair: str) -> tuple[list[dict], dict]:
        pairs, gold, info = load_real_training(pair, max_extra, data_dir)
        rows = evaluate_aligners(pairs, gold, aligners, methods, seed, store, options=options)
        return [{"pair": pair, **row} for row in rows], info

    workers = max(1, min(workers or os.cpu_count() or 1, len(gold_pairs) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, gold_pairs))
    return [row for rows, _ in results for row in rows], [info for _, info in results]
