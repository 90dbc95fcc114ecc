"""Aligning whole corpora, cached in the run store; the entry points later chapters call.

Two levels of runs, both of kind ``"align"``:

* the *directional* run holds the forward and reverse links of one corpus under one
  aligner configuration, keyed by the corpus content (sha256), so every symmetrisation
  and every caller sharing a corpus reuses it;
* ``ensure_alignments`` adds a run per (suite pair, symmetrisation) whose folder holds
  ``forward.txt``, ``reverse.txt`` and ``links.txt`` (Pharaoh, 0-based) and whose results
  hold the AER against the suite's gold links.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from weamlib.align.eflomal_wrapper import EflomalConfig, eflomal_align
from weamlib.align.fastalign import FastAlignConfig, fastalign
from weamlib.align.metrics import alignment_scores
from weamlib.align.symmetrize import check_method, symmetrize_corpus
from weamlib.core.errors import ConfigError, DataFormatError
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import Run, RunStore

Link = tuple[int, int]
Pairs = Sequence[tuple[Sequence[str], Sequence[str]]]
ALIGNERS = ("eflomal", "fastalign")


def aligner_config(aligner: str, **opts) -> EflomalConfig | FastAlignConfig:
    """The validated config of ``aligner`` with ``opts`` set; unknown names raise ConfigError."""
    classes = {"eflomal": EflomalConfig, "fastalign": FastAlignConfig}
    if aligner not in classes:
        raise ConfigError(
            f"aligner: unknown aligner {aligner!r}; choose one of {', '.join(ALIGNERS)}"
        )
    cls = classes[aligner]
    known = set(cls.__dataclass_fields__)
    unknown = sorted(set(opts) - known)
    if unknown:
        raise ConfigError(
            f"{aligner}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return cls(**opts)


def check_pairs(pairs: Pairs, where: str = "pairs") -> None:
    """Refuse empty sides and non-token input, naming the pair (1-based, like a line)."""
    for n, pair in enumerate(pairs, start=1):
        if len(pair) != 2:
            raise DataFormatError(f"pair {n} is not a (source, target) pair", where)
        for side, what in zip(pair, ("source", "target"), strict=True):
            if isinstance(side, str):
                raise DataFormatError(f"pair {n}: {what} must be a token list, not a string", where)
            if len(side) == 0:
                raise DataFormatError(f"pair {n}: empty {what} sentence", where)


def corpus_digest(pairs: Pairs) -> str:
    """sha256 of the corpus as ``src ||| tgt`` lines (tokens joined by one space)."""
    h = hashlib.sha256()
    for src, tgt in pairs:
        h.update(("\x1f".join(src) + "\x1e" + "\x1f".join(tgt) + "\n").encode("utf-8"))
    return h.hexdigest()


def _coded(pairs: Pairs, lowercase: bool) -> list[tuple[list[str], list[str]]]:
    """Tokens replaced by opaque codes, so the binary's own whitespace splitting and
    lowercasing cannot disagree with ours (the ja gold sets count U+3000 as a token)."""
    index: dict[str, str] = {}

    def code(tok: str) -> str:
        tok = tok.lower() if lowercase else tok
        return index.setdefault(tok, f"t{len(index)}")

    return [([code(t) for t in s], [code(t) for t in g]) for s, g in pairs]


def align_directions(
    pairs: Pairs, aligner: str = "eflomal", seed: int = 0, **opts
) -> tuple[list[list[Link]], list[list[Link]], dict]:
    """Train ``aligner`` on ``pairs`` (no caching): (forward, reverse, info), links ``(src, tgt)``.

    eflomal lowercases tokens (as its own reader does); the FastAlign model compares them as
    they are unless ``lowercase=True``.
    """
    check_pairs(pairs)
    cfg = aligner_config(aligner, **opts)
    start = time.perf_counter()
    if isinstance(cfg, EflomalConfig):
        fwd, rev, info = eflomal_align(_coded(pairs, lowercase=True), cfg, seed=seed)
    else:
        fwd, rev, info = fastalign(pairs, cfg)
    info = dict(info, seconds=time.perf_counter() - start, n_pairs=len(pairs))
    return fwd, rev, info


@dataclass(frozen=True)
class Alignment:
    """A corpus's alignments: per sentence sorted ``(src, tgt)`` links."""

    forward: list[list[Link]]
    reverse: list[list[Link]]
    links: list[list[Link]]  # symmetrised (forward when symmetrize is None)
    info: dict


def _read_links(path: Path, lengths: list[tuple[int, int]]) -> list[list[Link]]:
    from weamlib.data.formats import read_pharaoh

    return [sorted(ls.sure) for ls in read_pharaoh(path, one_based=False, lengths=lengths)]


def directional_run(
    pairs: Pairs, aligner: str = "eflomal", seed: int = 0, store: RunStore | None = None, **opts
) -> Run:
    """The cached directional run for this corpus and aligner config (kind ``"align"``)."""
    from weamlib.data.formats import write_pharaoh

    check_pairs(pairs)
    cfg = aligner_config(aligner, **opts)
    store = store or RunStore()
    config = {
        "stage": "directional",
        "corpus_sha256": corpus_digest(pairs),
        "n_pairs": len(pairs),
        "aligner": aligner,
        "options": cfg.as_dict(),
        # The FastAlign model is deterministic EM: its runs do not depend on a seed.
        "seed": seed if aligner == "eflomal" else None,
    }

    def compute(folder: Path) -> dict:
        fwd, rev, info = align_directions(pairs, aligner, seed, **opts)
        write_pharaoh(folder / "forward.txt", fwd)
        write_pharaoh(folder / "reverse.txt", rev)
        return info

    return RunSpec("align", config).run(store, compute)


def align_corpus(
    pairs: Pairs,
    aligner: str = "eflomal",
    symmetrize: str | None = "grow-diag-final-and",
    seed: int = 0,
    store: RunStore | None = None,
    cache: bool = True,
    **opts,
) -> Alignment:
    """Align a corpus of tokenised pairs in both directions and symmetrise.

    ``pairs``: list of ``(src_tokens, tgt_tokens)``. ``symmetrize``: one of
    ``symmetrize.METHODS`` or None (then ``links`` is the forward direction). ``opts`` are
    the aligner's config fields (``EflomalConfig`` / ``FastAlignConfig``). With ``cache``
    the directional links go through the run store (``store`` or the default one).
    """
    if symmetrize is not None:
        check_method(symmetrize)
    if cache:
        run = directional_run(pairs, aligner, seed, store, **opts)
        lengths = [(len(s), len(t)) for s, t in pairs]
        fwd = _read_links(run.file("forward.txt"), lengths)
        rev = _read_links(run.file("reverse.txt"), lengths)
        info = dict(run.results, run=str(run.path))
    else:
        fwd, rev, info = align_directions(pairs, aligner, seed, **opts)
        fwd, rev = [sorted(x) for x in fwd], [sorted(x) for x in rev]
    if symmetrize is None:
        links = fwd
    else:
        links = [sorted(x) for x in symmetrize_corpus(fwd, rev, symmetrize)]
    return Alignment(fwd, rev, links, info)


def suite_files(suite_path: str | Path, lang_pair: str) -> tuple[Path, Path]:
    """(parallel text, gold links) of a suite's language pair, e.g. ``"en-es"``."""
    suite_path = Path(suite_path)
    text = suite_path / "parallel" / f"{lang_pair}.txt"
    if not text.is_file():
        have = sorted(p.stem for p in (suite_path / "parallel").glob("*.txt"))
        raise FileNotFoundError(
            f"no parallel corpus for {lang_pair!r} in {suite_path}/parallel (have: {', '.join(have)})"
        )
    return text, text.with_suffix(".gold")


def suite_pairs(suite_path: str | Path) -> list[str]:
    """The suite's language pairs with a parallel corpus, e.g. ``["en-dorn", ...]``, sorted."""
    pairs = sorted(p.stem for p in (Path(suite_path) / "parallel").glob("*.txt"))
    if not pairs:
        raise FileNotFoundError(f"no parallel corpora (parallel/*.txt) in suite {suite_path}")
    return pairs


def load_suite_pair(suite_path: str | Path, lang_pair: str) -> tuple[list, list]:
    """(sentence pairs, gold LinkSets) of a suite's language pair, indices checked."""
    from weamlib.data.formats import read_parallel, read_pharaoh

    text, gold_path = suite_files(suite_path, lang_pair)
    pairs = read_parallel(text)
    gold = read_pharaoh(gold_path, one_based=False, lengths=[(len(s), len(t)) for s, t in pairs])
    return pairs, gold


def ensure_alignments(
    suite_path: str | Path,
    lang_pair: str,
    aligner: str = "eflomal",
    symmetrize: str | None = "grow-diag-final-and",
    seed: int = 0,
    store: RunStore | None = None,
    **opts,
) -> Run:
    """Align a suite's ``parallel/{lang_pair}.txt``, cached (kind ``"align"``).

    The run folder holds ``forward.txt``, ``reverse.txt`` and ``links.txt`` (the
    symmetrised links later chapters train on), Pharaoh 0-based, one line per pair.
    ``run.results`` has ``n_pairs``, ``seconds`` (of the aligner) and, when the suite has
    ``{lang_pair}.gold``, ``precision``/``recall``/``aer`` of ``links.txt`` against it.
    """
    from weamlib.data.formats import read_parallel, read_pharaoh, write_pharaoh

    if symmetrize is not None:
        check_method(symmetrize)
    text, gold_path = suite_files(suite_path, lang_pair)
    pairs = read_parallel(text)
    store = store or RunStore()
    directional = directional_run(pairs, aligner, seed, store, **opts)
    config = {
        "stage": "pair",
        "directional": directional.path.name,
        "corpus_sha256": directional.config["corpus_sha256"],
        "gold_sha256": hashlib.sha256(gold_path.read_bytes()).hexdigest()
        if gold_path.is_file()
        else None,
        "lang_pair": lang_pair,
        "symmetrize": symmetrize,
    }

    def compute(folder: Path) -> dict:
        lengths = [(len(s), len(t)) for s, t in pairs]
        fwd = _read_links(directional.file("forward.txt"), lengths)
        rev = _read_links(directional.file("reverse.txt"), lengths)
        links = fwd if symmetrize is None else symmetrize_corpus(fwd, rev, symmetrize)
        write_pharaoh(folder / "forward.txt", fwd)
        write_pharaoh(folder / "reverse.txt", rev)
        write_pharaoh(folder / "links.txt", links)
        results = {
            "lang_pair": lang_pair,
            "aligner": aligner,
            "symmetrize": symmetrize,
            "seed": seed,
            "n_pairs": len(pairs),
            "n_links": sum(len(x) for x in links),
            "seconds": directional.results.get("seconds"),
        }
        if gold_path.is_file():
            gold = read_pharaoh(gold_path, one_based=False, lengths=lengths)
            results.update(alignment_scores(links, gold).as_dict())
        return results

    return RunSpec("align", config).run(store, compute)


def ensure_all_alignments(
    suite_path: str | Path,
    lang_pairs: Sequence[str] | None = None,
    aligner: str = "eflomal",
    symmetrize: str | None = "grow-diag-final-and",
    seed: int = 0,
    store: RunStore | None = None,
    workers: int | None = None,
    **opts,
) -> dict[str, Run]:
    """``ensure_alignments`` for several language pairs (default: all of the suite's), run
    side by side in ``workers`` threads (default: one per CPU core). The aligners run
    outside the GIL (eflomal as a process, the FastAlign model in nogil numba), so the
    pairs align in parallel; each pair's result is the same as a lone call's."""
    from concurrent.futures import ThreadPoolExecutor

    lang_pairs = list(lang_pairs) if lang_pairs is not None else suite_pairs(suite_path)
    store = store or RunStore()
    workers = max(1, min(workers or os.cpu_count() or 1, len(lang_pairs) or 1))

    def one(lp: str) -> Run:
        return ensure_alignments(suite_path, lp, aligner, symmetrize, seed, store, **opts)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(lang_pairs, pool.map(one, lang_pairs), strict=True))


def load_links(run: Run, name: str = "links.txt") -> list[list[Link]]:
    """The links of an ``ensure_alignments`` run (``links.txt``, ``forward.txt`` or ``reverse.txt``)."""
    from weamlib.data.formats import read_pharaoh

    return [sorted(ls.sure) for ls in read_pharaoh(run.file(name), one_based=False)]
