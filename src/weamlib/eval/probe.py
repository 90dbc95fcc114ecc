"""Layer-wise probes of cross-lingual representations: what continued pre-training changes.

Two retrieval probes, read at every layer of a BERT encoder (layer 0 = the embedding
output, layer ``l`` = the output of transformer block ``l``), on held-out parallel pairs:

* **Sentence retrieval.** Each sentence is encoded alone (``[CLS] words [SEP]``, never as a
  pair) and represented by the mean of its subword states (``[CLS]``, ``[SEP]`` and padding
  excluded). For every English sentence, the nearest neighbour by cosine similarity among
  the ``n`` held-out target-language sentences is retrieved; accuracy is the share (in %)
  whose neighbour is its translation. Both directions (``"en→xx"``, ``"xx→en"``).
* **Word retrieval.** Contextual word vectors (mean of the word's subword states) of the
  words in 1-1 gold links (a word linked to exactly one word, which is linked to no other
  word). For every English occurrence, the nearest occurrence among all collected target
  occurrences is retrieved; precision@1 (in %) is the share that hit the gold partner
  occurrence (the same word of the same sentence). Both directions.

Centring: before the cosine, each language's vectors (per layer) have their own mean
subtracted (``center=True``, the default). Every encoder has a large common component
per language; removing it is standard in cross-lingual retrieval (e.g. Libovický et al.
2020, "On the language neutrality of pre-trained multilingual representations") and keeps
the probe from measuring that offset rather than the alignment of meaning.

Ties (identical similarities, e.g. the same word at the same position in two sentences at
layer 0) are split: a query whose gold candidate ties with ``k - 1`` others at the top
scores ``1/k``, the expected score under random tie-breaking.

Functions: :func:`retrieval_accuracy` and :func:`word_retrieval_accuracy` are pure (arrays
in, numbers out); :func:`encode_words` runs the model; :func:`sentence_retrieval`,
:func:`word_retrieval` and :func:`probe_model` return tidy frames; :func:`ensure_probe`
caches :func:`probe_model` in the run store; :func:`plot_layers` draws the curves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from weamlib.core.errors import ConfigError
from weamlib.core.precision import default_device
from weamlib.store.digests import model_digest, suite_digest
from weamlib.store.runkinds import RunSpec
from weamlib.store.runs import RunStore

DIRECTIONS = ("en→xx", "xx→en")
TASKS = ("sentence_retrieval", "word_retrieval")
METRICS = {"sentence_retrieval": "accuracy", "word_retrieval": "precision_at_1"}
TIE_TOL = 1e-9  # cosine similarities (float64) closer than this count as tied
_CHUNK = 1024  # query rows per similarity block
SUITE_READS = ("parallel",)  # what a probe reads of a suite (its key covers these only)

Link = tuple[int, int]


# --------------------------------------------------------------------------- pure metrics


def _unit(x: np.ndarray, center: bool) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if center and len(x):
        x = x - x.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def retrieval_accuracy(src: np.ndarray, tgt: np.ndarray, center: bool = True) -> float:
    """Nearest-neighbour retrieval accuracy in % (0-100): row ``i`` of ``src`` should
    retrieve row ``i`` of ``tgt``.

    ``src``, ``tgt``: ``(n, hidden)`` arrays, row ``i`` of one the translation of row ``i``
    of the other. Each ``src`` row retrieves the ``tgt`` row of highest cosine similarity
    among all ``n``. ``center``: subtract each side's own mean row first. Pairs with a NaN
    in either row are dropped (and are not candidates). Ties at the top split the credit
    (``1/k`` for a ``k``-way tie that includes the gold row); a zero vector has cosine 0
    with everything. An empty input gives NaN.
    """
    src = np.asarray(src, dtype=np.float64)
    tgt = np.asarray(tgt, dtype=np.float64)
    if src.ndim != 2 or src.shape != tgt.shape:
        raise ValueError(
            f"src and tgt must be (n, hidden) arrays of the same shape, got {src.shape} and {tgt.shape}"
        )
    keep = ~(np.isnan(src).any(axis=1) | np.isnan(tgt).any(axis=1))
    src, tgt = src[keep], tgt[keep]
    n = len(src)
    if n == 0:
        return float("nan")
    s, t = _unit(src, center), _unit(tgt, center)
    credit = 0.0
    for start in range(0, n, _CHUNK):
        sim = s[start : start + _CHUNK] @ t.T
        rows = np.arange(len(sim))
        gold = sim[rows, start + rows]
        best = sim.max(axis=1)
        hit = gold >= best - TIE_TOL
        tied = (sim >= gold[:, None] - TIE_TOL).sum(axis=1)
        credit += float(np.sum(hit / tied))
    return 100.0 * credit / n


def one_to_one(links: Iterable[Link]) -> list[Link]:
    """The 1-1 links of one sentence pair, sorted: ``(i, j)`` where ``i`` has no other link
    and ``j`` has no other link."""
    links = set(links)
    src_deg: dict[int, int] = {}
    tgt_deg: dict[int, int] = {}
    for i, j in links:
        src_deg[i] = src_deg.get(i, 0) + 1
        tgt_deg[j] = tgt_deg.get(j, 0) + 1
    return sorted((i, j) for i, j in links if src_deg[i] == 1 and tgt_deg[j] == 1)


def _gather(
    src_words: Sequence[np.ndarray],
    tgt_words: Sequence[np.ndarray],
    links: Sequence[Iterable[Link]],
    max_words: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Stacked ``(m, hidden)`` vectors of the 1-1 linked occurrences, corpus order."""
    if not (len(src_words) == len(tgt_words) == len(links)):
        raise ValueError(
            f"src_words, tgt_words and links differ in length:"
            f" {len(src_words)}, {len(tgt_words)}, {len(links)}"
        )
    src_rows, tgt_rows = [], []
    for s, t, sent_links in zip(src_words, tgt_words, links, strict=True):
        for i, j in one_to_one(sent_links):
            if max_words is not None and len(src_rows) >= max_words:
                break
            src_rows.append(np.asarray(s)[i])
            tgt_rows.append(np.asarray(t)[j])
    if not src_rows:
        hidden = next((np.asarray(s).shape[-1] for s in src_words if np.ndim(s) == 2), 0)
        return np.zeros((0, hidden)), np.zeros((0, hidden))
    return np.stack(src_rows), np.stack(tgt_rows)


def word_retrieval_accuracy(
    src_words: Sequence[np.ndarray],
    tgt_words: Sequence[np.ndarray],
    links: Sequence[Iterable[Link]],
    center: bool = True,
    max_words: int | None = None,
) -> float:
    """Word-translation precision@1 in % over the 1-1 links, source -> target.

    ``src_words[k]``: ``(n_src_words_k, hidden)`` word vectors of source sentence ``k``;
    ``tgt_words[k]`` likewise; ``links[k]``: its ``(src_word, tgt_word)`` links (0-based).
    Only 1-1 links count (:func:`one_to_one`); with ``max_words`` only the first that many,
    in corpus order. Each linked source occurrence retrieves, by cosine (after centring each
    side over the collected occurrences), the nearest among all collected target
    occurrences; it is correct when that is its partner (same sentence, same word).
    Occurrences with NaN vectors (words without subword pieces, or truncated) are dropped
    with their partner. For the other direction, swap the sides and the links
    (``[[(j, i) for i, j in l] for l in links]``).
    """
    src, tgt = _gather(src_words, tgt_words, links, max_words)
    return retrieval_accuracy(src, tgt, center=center)


# --------------------------------------------------------------------------- encoding


@dataclass(frozen=True)
class Encoding:
    """Representations of ``n`` sentences at the chosen layers.

    * ``layers``: the layer indices kept (0 = embedding output), length ``L``.
    * ``sentences``: ``(n, L, hidden)`` float32, mean of the non-special subword states
      of each sentence (NaN for a sentence without pieces).
    * ``words[k]``: ``(L, n_words_k, hidden)`` float32, the mean of each word's subword
      states (NaN rows for words without pieces, e.g. dropped by the tokenizer or cut by
      truncation). With ``encode_words(..., words=...)`` only the requested words are
      kept, in the requested order.
    """

    layers: tuple[int, ...]
    sentences: np.ndarray
    words: list[np.ndarray]

    def layer(self, layer: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(sentences (n, hidden), [words_k (n_words_k, hidden)])`` at one layer index."""
        pos = self.layers.index(layer)
        return self.sentences[:, pos], [w[pos] for w in self.words]


def _base(model):
    """The encoder (``model.bert`` of a ``BertForMaskedLM``; the model itself if bare)."""
    return getattr(model, "base_model", model)


def _n_layers(model) -> int:
    return int(_base(model).config.num_hidden_layers)


def resolve_layers(model_or_n: object, layers: str | Sequence[int] = "all") -> tuple[int, ...]:
    """``"all"`` -> ``(0, ..., n_layers)``; a list of ints is checked against the model."""
    n = model_or_n if isinstance(model_or_n, int) else _n_layers(model_or_n)
    if isinstance(layers, str):
        if layers != "all":
            raise ConfigError(f"parameter 'layers' must be 'all' or a list of ints, got {layers!r}")
        return tuple(range(n + 1))
    out = tuple(layers)
    bad = [x for x in out if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x <= n]
    if bad or not out:
        raise ConfigError(
            f"parameter 'layers' must list layer indices in 0..{n} (0 = embeddings), got {layers!r}"
        )
    return tuple(sorted(set(out)))


def encode_words(
    model,
    tokenizer,
    sentences: Sequence[Sequence[str]],
    batch_size: int = 256,
    layers: str | Sequence[int] = "all",
    words: Sequence[Sequence[int]] | None = None,
) -> Encoding:
    """Word and sentence vectors of pre-split sentences, each encoded alone.

    Each sentence becomes ``[CLS] pieces [SEP]`` (``is_split_into_words=True``, token type
    0, truncated to the model's ``max_position_embeddings``); hidden states come from the
    encoder (``model.bert`` of a ``BertForMaskedLM``) with ``output_hidden_states=True``.
    Batches are formed from length-sorted sentences, with attention masks, under
    ``torch.inference_mode`` on the model's device; the model is put in eval mode for the
    call and its training flag restored afterwards. ``tokenizer`` must be a fast tokenizer
    (word ids). ``words``: per sentence the word indices to keep (``None``: all words) —
    this bounds memory for large models. Returns an :class:`Encoding` (shapes there), in
    the input order.
    """
    import torch

    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError("encode_words needs a fast tokenizer (word ids)")
    if words is not None and len(words) != len(sentences):
        raise ValueError(f"{len(words)} word selections for {len(sentences)} sentences")
    keep_layers = resolve_layers(model, layers)
    base = _base(model)
    device = next(base.parameters()).device
    hidden = int(base.config.hidden_size)
    max_len = int(base.config.max_position_embeddings)
    n_kept = len(keep_layers)
    n = len(sentences)
    sent_out = np.full((n, n_kept, hidden), np.nan, dtype=np.float32)
    word_out: list[np.ndarray] = [np.empty(0)] * n
    if n == 0:
        return Encoding(keep_layers, sent_out, [])
    enc = tokenizer(
        [list(s) for s in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=max_len,
    )
    word_ids = [enc.word_ids(k) for k in range(n)]
    ids = enc["input_ids"]
    order = sorted(range(n), key=lambda k: (-len(ids[k]), k))
    layer_idx = torch.tensor(keep_layers, device=device)
    was_training = base.training
    base.eval()
    try:
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                batch = order[start : start + batch_size]
                width = max(len(ids[k]) for k in batch)
                input_ids = torch.full(
                    (len(batch), width), tokenizer.pad_token_id, dtype=torch.long
                )
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                sel = [
                    list(range(len(sentences[k]))) if words is None else list(words[k])
                    for k in batch
                ]
                n_sel = max(1, max(len(s) for s in sel))
                # pool[b, w, t]: weight of token t in word w (1/pieces); row n_sel: the sentence
                pool = torch.zeros((len(batch), n_sel + 1, width))
                for b, k in enumerate(batch):
                    input_ids[b, : len(ids[k])] = torch.tensor(ids[k])
                    mask[b, : len(ids[k])] = 1
                    pieces: dict[int, list[int]] = {}
                    for t, w in enumerate(word_ids[k]):
                        if w is not None:
                            pieces.setdefault(w, []).append(t)
                    for r, w in enumerate(sel[b]):
                        if not 0 <= w < len(sentences[k]):
                            raise IndexError(f"sentence {k}: word index {w} out of range")
                        toks = pieces.get(w, [])
                        if toks:
                            pool[b, r, toks] = 1.0 / len(toks)
                        else:
                            pool[b, r, 0] = float("nan")
                    toks = [t for t, w in enumerate(word_ids[k]) if w is not None]
                    if toks:
                        pool[b, n_sel, toks] = 1.0 / len(toks)
                    else:
                        pool[b, n_sel, 0] = float("nan")
                out = base(
                    input_ids=input_ids.to(device),
                    attention_mask=mask.to(device),
                    token_type_ids=torch.zeros_like(input_ids).to(device),
                    output_hidden_states=True,
                )
                states = torch.stack(out.hidden_states).index_select(0, layer_idx)
                pooled = torch.einsum("bwt,lbth->blwh", pool.to(states), states)
                pooled = pooled.float().cpu().numpy()  # (B, L, n_sel + 1, hidden)
                for b, k in enumerate(batch):
                    sent_out[k] = pooled[b, :, n_sel]
                    word_out[k] = np.ascontiguousarray(pooled[b, :, : len(sel[b])])
    finally:
        base.train(was_training)
    return Encoding(keep_layers, sent_out, word_out)


# --------------------------------------------------------------------------- probes on arrays


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


def _both_directions(
    layer: int, a: np.ndarray, b: np.ndarray, metric: str, center: bool
) -> list[dict]:
    """Rows ``{layer, direction, <metric>, n}`` for retrieval from ``a`` to ``b`` and back
    (row ``k`` of ``a`` pairs with row ``k`` of ``b``; ``n`` counts pairs without NaN)."""
    n = int((~(np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1))).sum())
    return [
        {
            "layer": layer,
            "direction": direction,
            metric: retrieval_accuracy(s, t, center=center),
            "n": n,
        }
        for direction, (s, t) in zip(DIRECTIONS, ((a, b), (b, a)), strict=True)
    ]


def sentence_scores(en: Encoding, xx: Encoding, center: bool = True) -> list[dict]:
    """Sentence retrieval rows ``{layer, direction, accuracy, n}`` from two encodings of
    parallel sentences (row ``k`` of one the translation of row ``k`` of the other)."""
    rows = []
    for pos, layer in enumerate(en.layers):
        a, b = en.sentences[:, pos], xx.sentences[:, pos]
        rows += _both_directions(layer, a, b, "accuracy", center)
    return rows


def word_scores(
    en: Encoding,
    xx: Encoding,
    links: Sequence[Iterable[Link]],
    center: bool = True,
    max_words: int | None = None,
) -> list[dict]:
    """Word retrieval rows ``{layer, direction, precision_at_1, n}``. ``links[k]`` index the
    words held in ``en.words[k]`` / ``xx.words[k]`` (all words, unless the encodings kept a
    selection: then indices into that selection)."""
    links = [list(sent) for sent in links]
    rows = []
    for pos, layer in enumerate(en.layers):
        a = [w[pos] for w in en.words]
        b = [w[pos] for w in xx.words]
        s, t = _gather(a, b, links, max_words)
        rows += _both_directions(layer, s, t, "precision_at_1", center)
    return rows


# --------------------------------------------------------------------------- probes on a model


def sentence_retrieval(
    model,
    tokenizer,
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    n: int | None = None,
    center: bool = True,
    layers: str | Sequence[int] = "all",
    batch_size: int = 256,
):
    """Sentence retrieval accuracy per layer -> DataFrame ``layer, direction, accuracy, n``.

    ``pairs``: ``(en_tokens, xx_tokens)``; the first ``n`` (default: all) are the pool:
    each sentence retrieves among the ``n`` sentences of the other language. ``accuracy``
    in % (0-100); ``direction`` ``"en→xx"`` or ``"xx→en"``; ``n`` the pool size.
    """
    pairs = list(pairs)[:n]
    none: list[list[int]] = [[] for _ in pairs]
    en = encode_words(model, tokenizer, [p[0] for p in pairs], batch_size, layers, none)
    xx = encode_words(model, tokenizer, [p[1] for p in pairs], batch_size, layers, none)
    return _frame(sentence_scores(en, xx, center))


def _linked_words(
    gold, m: int, max_words: int | None = None
) -> tuple[list[list[int]], list[list[int]], list[list[Link]]]:
    """Per pair: English and xx word indices of the 1-1 sure links (the first
    ``max_words`` in corpus order), and the links re-indexed into those selections."""
    en_sel, xx_sel, links = [], [], []
    left = max_words
    for g in list(gold)[:m]:
        sure = g.sure if hasattr(g, "sure") else g
        pairs = one_to_one(sure)
        if left is not None:
            pairs, left = pairs[:left], max(0, left - len(pairs))
        en_sel.append([i for i, _ in pairs])
        xx_sel.append([j for _, j in pairs])
        links.append([(k, k) for k in range(len(pairs))])
    return en_sel, xx_sel, links


def word_retrieval(
    model,
    tokenizer,
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    gold: Sequence,
    n: int | None = None,
    max_words: int | None = None,
    center: bool = True,
    layers: str | Sequence[int] = "all",
    batch_size: int = 256,
):
    """Word retrieval precision@1 per layer -> DataFrame ``layer, direction,
    precision_at_1, n``.

    ``gold[k]``: a ``formats.LinkSet`` (its sure links are used) or a set of 0-based
    ``(en_word, xx_word)`` links of ``pairs[k]``. The first ``n`` pairs (default: all)
    are used; the 1-1 links among them (:func:`one_to_one`), at most ``max_words`` in
    corpus order, are the queries and candidates (see :func:`word_retrieval_accuracy`).
    ``precision_at_1`` in % (0-100); ``n`` the number of linked word pairs.
    """
    pairs = list(pairs)[:n]
    if len(gold) < len(pairs):
        raise ValueError(f"{len(gold)} gold alignments for {len(pairs)} pairs")
    en_sel, xx_sel, links = _linked_words(gold, len(pairs), max_words)
    en = encode_words(model, tokenizer, [p[0] for p in pairs], batch_size, layers, en_sel)
    xx = encode_words(model, tokenizer, [p[1] for p in pairs], batch_size, layers, xx_sel)
    return _frame(word_scores(en, xx, links, center, max_words))


def held_out(n_total: int, n_sentences: int, offset: int | None = None) -> slice:
    """The held-out slice: the last ``n_sentences`` pairs, or ``n_sentences`` from ``offset``."""
    if not isinstance(n_sentences, int) or isinstance(n_sentences, bool) or n_sentences < 1:
        raise ConfigError(f"parameter 'n_sentences' must be an int >= 1, got {n_sentences!r}")
    start = n_total - n_sentences if offset is None else offset
    if not isinstance(start, int) or start < 0 or start + n_sentences > n_total:
        raise ConfigError(
            f"held-out pairs {start}..{start + n_sentences} are outside the corpus of"
            f" {n_total} pairs (n_sentences={n_sentences}, offset={offset!r})"
        )
    return slice(start, start + n_sentences)


def load_model(model_dir: str | Path, device: str | None = None):
    """``(model, tokenizer)`` from a ``save_pretrained`` folder of ``BertForMaskedLM``
    holding its tokenizer; eval mode, on ``device`` (default: CUDA when available)."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    device = device or default_device()
    model = AutoModelForMaskedLM.from_pretrained(str(model_dir)).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    return model, tokenizer


def probe_model(
    model_dir: str | Path,
    suite: str | Path,
    languages: Sequence[str],
    n_sentences: int = 1000,
    layers: str | Sequence[int] = "all",
    offset: int | None = None,
    max_words: int | None = 5000,
    center: bool = True,
    batch_size: int = 256,
    device: str | None = None,
    model=None,
    tokenizer=None,
):
    """Both probes, every requested layer and language -> tidy DataFrame with columns
    ``language, layer, direction, task, metric, value, n``.

    ``task`` is ``"sentence_retrieval"`` (metric ``"accuracy"``) or ``"word_retrieval"``
    (metric ``"precision_at_1"``); ``value`` in % (0-100); ``n`` the pool size (sentences,
    or linked word pairs). The probe sentences of each ``en-{lang}`` corpus of ``suite``
    are its LAST ``n_sentences`` pairs (or ``n_sentences`` from ``offset``). These are
    in-domain sentences of the parallel corpus, not an independent test set: continued
    pre-training may have seen them (and, for WEAM, their alignments), so the probe
    measures what pre-training did to representations of familiar text; train on a
    prefix of the corpus (or choose ``offset``) for truly unseen pairs. Each sentence is
    encoded once and serves both probes. ``model``/``tokenizer`` may be passed already
    loaded (then ``model_dir`` is not read). A real-data suite has no gold links: the word
    probe then pairs the words eflomal links one-to-one (the pre-training links).
    """
    from weamlib.train.pretrain import parallel_pairs
    from weamlib.train.pretrain_runs import pair_links

    if model is None or tokenizer is None:
        model, tokenizer = load_model(model_dir, device)
    keep = resolve_layers(model, layers)
    rows = []
    for lang in languages:
        pairs, gold = parallel_pairs(suite, lang)
        if gold is None:
            gold = pair_links(suite, lang, "eflomal", 0, None)
        part = held_out(len(pairs), n_sentences, offset)
        pairs, gold = pairs[part], gold[part]
        en_sel, xx_sel, links = _linked_words(gold, len(pairs), max_words)
        # all words of each sentence give the sentence vector; keep only the linked ones
        en = encode_words(model, tokenizer, [p[0] for p in pairs], batch_size, keep, en_sel)
        xx = encode_words(model, tokenizer, [p[1] for p in pairs], batch_size, keep, xx_sel)
        for task, scores in (
            ("sentence_retrieval", sentence_scores(en, xx, center)),
            ("word_retrieval", word_scores(en, xx, links, center, max_words)),
        ):
            metric = METRICS[task]
            for r in scores:
                rows.append(
                    {
                        "language": lang,
                        "layer": int(r["layer"]),
                        "direction": r["direction"],
                        "task": task,
                        "metric": metric,
                        "value": float(r[metric]),
                        "n": int(r["n"]),
                    }
                )
    return _frame(rows)


# --------------------------------------------------------------------------- cache


def ensure_probe(
    model_dir: str | Path,
    suite: str | Path,
    languages: Sequence[str],
    n_sentences: int = 1000,
    store: RunStore | None = None,
    layers: str | Sequence[int] = "all",
    offset: int | None = None,
    max_words: int | None = 5000,
    center: bool = True,
    batch_size: int = 256,
    device: str | None = None,
):
    """:func:`probe_model`, cached in the run store (kind ``"probe"``) -> DataFrame.

    The key holds the sha256 of the model's ``model.safetensors`` and tokenizer files, the
    digest of the suite's parallel files (:data:`SUITE_READS`), the languages and every probe setting (not the
    batch size or device, which change nothing but float rounding). The run's results
    hold ``{"rows": [...]}``, one dict per row of the frame.
    """
    import pandas as pd

    config = {
        "model": model_digest(model_dir),
        "suite": suite_digest(suite, SUITE_READS),
        "languages": list(languages),
        "n_sentences": n_sentences,
        "layers": layers if isinstance(layers, str) else list(layers),
        "offset": offset,
        "max_words": max_words,
        "center": center,
    }

    def compute(folder: Path) -> dict:
        frame = probe_model(
            model_dir,
            suite,
            languages,
            n_sentences=n_sentences,
            layers=layers,
            offset=offset,
            max_words=max_words,
            center=center,
            batch_size=batch_size,
            device=device,
        )
        return {"rows": frame.to_dict(orient="records")}

    run = RunSpec("probe", config).run(store or RunStore(), compute)
    return pd.DataFrame(run.results["rows"])


# --------------------------------------------------------------------------- figure

_YLABEL = {
    "sentence_retrieval": "sentence retrieval accuracy (%)",
    "word_retrieval": "word P@1 (%)",
}


def plot_layers(frame, direction: str | None = None, tasks: Sequence[str] | None = None):
    """Probe curves: one panel per task, x = layer, y = value (%).

    Colour: ``model`` when the frame has such a column (line style then tells the
    languages apart), else ``language``. ``direction``: None averages the two directions,
    ``"en→xx"`` / ``"xx→en"`` selects one. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = frame.copy()
    if direction is not None:
        if direction not in DIRECTIONS:
            raise ConfigError(f"direction must be one of {DIRECTIONS} or None, got {direction!r}")
        data = data[data["direction"] == direction]
    keys = [c for c in ("model", "language", "task", "layer") if c in data.columns]
    data = data.groupby(keys, as_index=False, sort=False)["value"].mean()
    tasks = [t for t in (tasks or TASKS) if t in set(data["task"])]
    if not tasks:
        raise ValueError("the frame holds none of the requested tasks")
    has_model = "model" in data.columns
    hue = "model" if has_model else "language"
    style = "language" if has_model and data["language"].nunique() > 1 else None
    marks = {"style": style, "markers": True} if style else {"marker": "o"}
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks) + 1.6, 3.6), squeeze=False)
    for k, (ax, task) in enumerate(zip(axes[0], tasks, strict=True)):
        sns.lineplot(
            data=data[data["task"] == task],
            x="layer",
            y="value",
            hue=hue,
            ax=ax,
            legend=k == len(tasks) - 1,
            **marks,
        )
        ax.set_title(task.replace("_", " "))
        ax.set_ylabel(_YLABEL.get(task, "value (%)"))
        ax.set_ylim(0, 100)
        layers = sorted(set(data["layer"]))
        ax.set_xticks(layers)
    which = "mean of both directions" if direction is None else direction
    fig.suptitle(f"Cross-lingual retrieval by layer ({which})", fontsize=11)
    last = axes[0][-1]
    if last.get_legend() is not None:
        sns.move_legend(last, "upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    fig.tight_layout()
    return fig
