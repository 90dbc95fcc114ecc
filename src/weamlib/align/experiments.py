"""The alignment chapter's experiments: AER per aligner and symmetrisation, learning
curves, and the real gold sets (with whatever extra bitext the data directory holds)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from weamlib.align.corpus import Pairs, align_corpus, aligner_config, corpus_digest, directional_run
from weamlib.align.metrics import alignment_scores
from weamlib.align.stats import fertility_summary
from weamlib.align.symmetrize import symmetrize_corpus
from weamlib.store.runs import RunStore

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


# Run-store kind of the evaluations below: scores and statistics derived from cached
# alignments, kept so that a re-run does not parse every alignment file again.
EVAL_KIND = "align_eval"


def gold_digest(gold: Sequence) -> str:
    """sha256 of gold alignments: LinkSets (sure and possible links) or plain link sets."""
    h = hashlib.sha256()
    for g in gold:
        sure = sorted(map(tuple, getattr(g, "sure", g)))
        possible = sorted(map(tuple, getattr(g, "possible", g)))
        h.update(f"{sure}|{possible}\n".encode())
    return h.hexdigest()


def cached_rows(
    stage: str, config: dict, compute: Callable[[], list[dict]], store: RunStore | None = None
) -> list[dict]:
    """``compute()``'s rows through the run store (kind ``EVAL_KIND``), keyed by ``stage``
    and ``config``. Rows come back with their keys in the order ``compute`` gave them."""

    def fn(folder: Path) -> dict:
        return {"rows": [list(row.items()) for row in compute()]}

    run = (store or RunStore()).run(EVAL_KIND, {"stage": stage, **config}, fn)
    return [dict((k, v) for k, v in row) for row in run.results["rows"]]


def _options(aligners: Sequence[str], options: dict | None) -> dict:
    """Each aligner's resolved config (defaults filled in), for cache keys."""
    return {a: aligner_config(a, **(options or {}).get(a, {})).as_dict() for a in aligners}


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
    cache: bool = True,
) -> list[dict]:
    """Train each aligner on ``pairs`` (cached) and score it on the first ``n_eval`` gold
    sentences. ``options``: per aligner name, its config fields. Rows carry ``aligner``
    and ``seconds`` (aligner wall time, both directions, when computed). With ``cache`` the
    rows themselves are kept in the run store, keyed by the corpus and gold contents."""
    gold = list(gold[: n_eval or len(gold)])

    def compute() -> list[dict]:
        rows = []
        for aligner in aligners:
            opts = (options or {}).get(aligner, {})
            out = align_corpus(pairs, aligner, None, seed, store, **opts)
            for row in score_methods(out.forward, out.reverse, gold, methods):
                rows.append({"aligner": aligner, "seconds": out.info.get("seconds"), **row})
        return rows

    if not cache:
        return compute()
    config = {
        "corpus_sha256": corpus_digest(pairs),
        "n_pairs": len(pairs),
        "gold_sha256": gold_digest(gold),
        "n_eval": len(gold),
        "aligners": list(aligners),
        "methods": list(methods),
        "seed": seed,
        "options": _options(aligners, options),
    }
    return cached_rows("evaluate", config, compute, store)


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
    cache: bool = True,
) -> list[dict]:
    """AER of ``aligner`` + ``method`` trained on the first ``size`` pairs, scored on the
    first ``min(n_eval, min(sizes))`` sentences (the same ones at every size). With
    ``cache`` the rows are kept in the run store, keyed by the corpus and gold contents."""
    n_eval = min(n_eval, min(sizes), len(gold))
    sizes = sorted(set(min(s, len(pairs)) for s in sizes))

    def compute() -> list[dict]:
        rows = []
        for size in sizes:
            out = align_corpus(pairs[:size], aligner, None, seed, store, **(options or {}))
            row = score_methods(out.forward, out.reverse, gold[:n_eval], [method])[-1]
            rows.append({"aligner": aligner, "size": size, **row})
        return rows

    if not cache:
        return compute()
    config = {
        "corpus_sha256": corpus_digest(pairs[: max(sizes)]),
        "gold_sha256": gold_digest(gold[:n_eval]),
        "n_eval": n_eval,
        "sizes": sizes,
        "aligner": aligner,
        "method": method,
        "seed": seed,
        "options": _options([aligner], {aligner: options or {}})[aligner],
    }
    return cached_rows("learning_curve", config, compute, store)


def evaluate_suite(
    data: Mapping[str, tuple[Pairs, Sequence]],
    aligners: Sequence[str],
    methods: Sequence[str],
    seed: int = 0,
    store: RunStore | None = None,
    n_eval: int | None = None,
) -> list[dict]:
    """``evaluate_aligners`` on each language pair of ``data`` (pair -> (pairs, gold));
    rows carry ``pair`` first."""
    return [
        {"pair": lp, **row}
        for lp, (pairs, gold) in data.items()
        for row in evaluate_aligners(pairs, gold, aligners, methods, seed, store, n_eval)
    ]


def suite_learning_curves(
    data: Mapping[str, tuple[Pairs, Sequence]],
    sizes: Sequence[int],
    aligners: Sequence[str],
    method: str,
    seed: int = 0,
    store: RunStore | None = None,
) -> list[dict]:
    """``learning_curve`` of each aligner on each language pair of ``data``, scored on the
    first ``min(sizes)`` sentences; rows carry ``pair`` first."""
    return [
        {"pair": lp, **row}
        for lp, (pairs, gold) in data.items()
        for aligner in aligners
        for row in learning_curve(pairs, gold, sizes, aligner, method, seed, store, min(sizes))
    ]


def suite_link_types(
    data: Mapping[str, tuple[Pairs, Sequence]],
    runs: Mapping,
    name: str,
    store: RunStore | None = None,
) -> list[dict]:
    """``link_types`` of the gold links and of each pipeline run's ``links.txt`` (rows named
    ``name``), per language pair: rows ``{"pair", "links", <link_types fields>}``. Cached,
    keyed by the pipeline run and the corpus and gold contents."""
    from weamlib.align.corpus import load_links
    from weamlib.align.stats import link_types

    rows = []
    for lp, (pairs, gold) in data.items():
        lengths = [(len(s), len(t)) for s, t in pairs]
        sure = [g.sure for g in gold]

        def compute(lp=lp, lengths=lengths, sure=sure) -> list[dict]:
            return [
                {"pair": lp, "links": label, **link_types(links, lengths)}
                for label, links in (("gold", sure), (name, load_links(runs[lp])))
            ]

        config = {
            "pair": lp,
            "name": name,
            "run": runs[lp].path.name,
            "corpus_sha256": corpus_digest(pairs),
            "gold_sha256": gold_digest(sure),
        }
        rows += cached_rows("link_types", config, compute, store)
    return rows


def fitted_tension(pairs: Pairs, seed: int = 0, store: RunStore | None = None) -> float:
    """The FastAlign model's fitted tension ``λ`` (forward direction) on ``pairs``, read from
    its cached directional run (the value ``align_corpus(pairs, "fastalign").info`` has)."""
    return directional_run(pairs, "fastalign", seed, store).results["tension_forward"]


def suite_distortions(data: Mapping[str, tuple[Pairs, Sequence]]) -> dict:
    """Per language pair of ``data``: the signed offsets of its gold sure links
    (``stats.distortions``), a float array."""
    from weamlib.align.stats import distortions

    return {
        lp: distortions([g.sure for g in gold], [(len(s), len(t)) for s, t in pairs])
        for lp, (pairs, gold) in data.items()
    }


def suite_tensions(
    data: Mapping[str, tuple[Pairs, Sequence]], seed: int = 0, store: RunStore | None = None
) -> dict[str, float]:
    """``fitted_tension`` of each language pair of ``data``."""
    return {lp: fitted_tension(pairs, seed, store) for lp, (pairs, _) in data.items()}


def example_alignment(
    pairs: Pairs,
    gold: Sequence,
    aligners: Sequence[str],
    method: str,
    seed: int = 0,
    store: RunStore | None = None,
) -> dict:
    """One example sentence pair (``example_index``) with its gold links and each aligner's
    ``method`` links: ``{"k", "src", "tgt", "panels": {"gold"|aligner: [(i, j), ...]},
    "possible": [(i, j), ...]}``. Cached, keyed by the corpus and gold contents."""
    k = example_index(pairs)

    def compute() -> list[dict]:
        panels = {"gold": sorted(gold[k].sure)}
        for aligner in aligners:
            panels[aligner] = align_corpus(pairs, aligner, method, seed, store).links[k]
        return [{"name": name, "links": links} for name, links in panels.items()]

    config = {
        "corpus_sha256": corpus_digest(pairs),
        "gold_sha256": gold_digest(gold),
        "k": k,
        "aligners": list(aligners),
        "method": method,
        "seed": seed,
    }
    rows = cached_rows("example", config, compute, store)
    return {
        "k": k,
        "src": pairs[k][0],
        "tgt": pairs[k][1],
        "panels": {r["name"]: [tuple(x) for x in r["links"]] for r in rows},
        "possible": sorted(gold[k].possible),
    }


def suite_fertility(
    suite_path: str | Path, vocab_size: int, max_lines: int = 2000, store: RunStore | None = None
) -> tuple[list[dict], int]:
    """``fertility_by_language`` under the suite's tokenizer (``ensure_tokenizer``), cached:
    (rows, tokenizer length). Keyed by the tokenizer settings and the monolingual corpora,
    so a re-run neither loads the tokenizer nor re-tokenises."""
    from dataclasses import asdict

    from weamlib.data.tokenize import TokenizerConfig, ensure_tokenizer, mono_files

    length = {}

    def compute() -> list[dict]:
        tokenizer = ensure_tokenizer(suite_path, vocab_size=vocab_size, store=store)
        length["n"] = len(tokenizer)
        rows = fertility_by_language(tokenizer, suite_path, max_lines)
        return [{**row, "tokenizer_length": length["n"]} for row in rows]

    config = {
        "tokenizer": asdict(TokenizerConfig(vocab_size)),
        "corpora": {
            p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in mono_files(suite_path)
        },
        "max_lines": max_lines,
    }
    rows = cached_rows("fertility", config, compute, store)
    n = rows[0]["tokenizer_length"] if rows else length.get("n", 0)
    return [{k: v for k, v in row.items() if k != "tokenizer_length"} for row in rows], n


def load_real_training(
    pair: str, max_extra: int, data_dir: str | Path | None = None
) -> tuple[list, list, dict]:
    """A gold set's sentences plus up to ``max_extra`` pairs of real bitext for that language
    pair, oriented like the gold set: (pairs, gold LinkSets, info). The gold sentences come
    first, so gold sentence ``k`` is training pair ``k``."""
    from weamlib.data.datasets import load_gold_alignment, load_parallel_real

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
    from weamlib.data.formats import split_tokens
    from weamlib.data.tokenize import mono_files, word_pieces_batch

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
