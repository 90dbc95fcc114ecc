"""The pre-training objectives as pure functions, and the collator that feeds them.

Every objective of the study is computed on a *flat batch*: ``N`` sequences of length
``L`` (``input_ids``, ``token_type_ids``, ``attention_mask``, ``labels`` of shape
``(N, L)``), where ``labels`` holds the original id at each position chosen for prediction
and -100 elsewhere. Cross-lingual structure is given as index lists into the flattened
``N * L`` positions, so the same code serves both pair encodings:

* ``concat`` (TLM, WEAM default): one row per pair, ``[CLS] x [SEP] y [SEP]``, segment ids
  0/1 (Lample & Conneau 2019).
* ``separate`` (MLM control, WEAM ablation, word-aligned): rows ``2k`` and ``2k+1`` hold
  ``[CLS] x [SEP]`` and ``[CLS] y [SEP]`` of pair ``k``.

Word exchange (DESIGN §2): the swapped state of position ``i`` is ``sum_j S_ij h_j`` over
the positions ``j`` of the *other* sentence, ``S`` the row-normalised subword alignment
matrix, in both directions. It is stored sparsely as ``swap_index`` ``(K, 2)`` rows of
``(i, j)`` flat positions and ``swap_weight`` ``(K,)`` the entries ``S_ij``.

The objectives:

* ``mlm_control``  MLM over the pair's sentences encoded apart (= WEAM separate, λ = 0)
* ``tlm``          MLM over the concatenated pair (= WEAM concat, λ = 0)
* ``weam``         multilingual prediction + λ · cross-lingual prediction from swapped states
* ``word_aligned`` Cao et al. (2020): squared distance of aligned word vectors + a
  regulariser keeping English close to the frozen base model (no MLM)
* ``base``         MLM on monolingual sentences (the study's "mBERT")
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from weamlib.align.projection import project_links
from weamlib.core.errors import ConfigError

IGNORE = -100
OBJECTIVES = ("base", "mlm_control", "tlm", "word_aligned", "weam")
PAIR_ENCODINGS = ("concat", "separate")
SUBWORD_ALIGNMENTS = ("first", "all")
ALIGNMENT_SOURCES = ("gold", "eflomal", "fastalign", "none", "shuffled")

Link = tuple[int, int]


# --- masking ------------------------------------------------------------------------------


def mask_tokens(
    input_ids: torch.Tensor,
    maskable: torch.Tensor,
    mask_prob: float,
    mask_token_id: int,
    vocab_size: int,
    generator: torch.Generator | None = None,
    first_regular_id: int = 5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking: choose each maskable position with ``mask_prob``; of the chosen, 80 %
    become [MASK], 10 % a random regular token, 10 % stay as they are.

    ``input_ids`` and ``maskable`` (bool) have the same shape, e.g. ``(N, L)``; special
    tokens and padding must be ``False`` in ``maskable`` and are never chosen. Random
    replacements are drawn from ids ``first_regular_id .. vocab_size - 1`` (no specials).
    Returns ``(masked_ids, labels)``: ``labels`` holds the original id at chosen positions
    and -100 elsewhere. Pure: the inputs are not modified.
    """
    check_mask_prob(mask_prob)
    probs = torch.full(input_ids.shape, float(mask_prob))
    chosen = torch.bernoulli(probs, generator=generator).bool() & maskable.bool()
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
    u = torch.rand(input_ids.shape, generator=generator)
    to_mask = chosen & (u < 0.8)
    to_random = chosen & (u >= 0.8) & (u < 0.9)
    randoms = torch.randint(first_regular_id, vocab_size, input_ids.shape, generator=generator)
    out = torch.where(to_mask, torch.full_like(input_ids, mask_token_id), input_ids)
    out = torch.where(to_random, randoms, out)
    return out, labels


def check_mask_prob(mask_prob: float) -> None:
    if isinstance(mask_prob, bool) or not isinstance(mask_prob, int | float):
        raise ConfigError(f"parameter 'mask_prob' must be a number in (0, 1), got {mask_prob!r}")
    if not 0 < mask_prob < 1:
        raise ConfigError(f"parameter 'mask_prob' must lie in (0, 1), got {mask_prob!r}")


# --- pairing and word exchange --------------------------------------------------------------


@dataclass(frozen=True)
class PairExample:
    """One tokenised parallel pair: subword ids of each side (no specials) and the subword
    links between them (0-based positions within each side, as ``project_links`` gives)."""

    src_ids: tuple[int, ...]
    tgt_ids: tuple[int, ...]
    links: tuple[Link, ...] = ()
    src_word_of: tuple[int, ...] = ()  # word index of each src piece (word_aligned)
    tgt_word_of: tuple[int, ...] = ()
    word_links: tuple[Link, ...] = ()  # word-level links (word_aligned)


def pair_rows(
    src: Sequence[int], tgt: Sequence[int], cls_id: int, sep_id: int, encoding: str
) -> tuple[list[tuple[list[int], list[int]]], tuple[int, int], tuple[int, int]]:
    """Lay out one pair as sequences with specials.

    Returns ``(rows, src_at, tgt_at)``: ``rows`` is a list of ``(ids, segment_ids)``, one row
    for ``concat`` (``[CLS] src [SEP] tgt [SEP]``, segments 0/1) and two for ``separate``;
    ``src_at``/``tgt_at`` are ``(row, offset)``: piece ``a`` of the source sits at
    ``rows[src_at[0]]`` position ``src_at[1] + a``.
    """
    if encoding == "concat":
        ids = [cls_id, *src, sep_id, *tgt, sep_id]
        seg = [0] * (len(src) + 2) + [1] * (len(tgt) + 1)
        return [(ids, seg)], (0, 1), (0, len(src) + 2)
    if encoding == "separate":
        rows = [([cls_id, *src, sep_id], [0] * (len(src) + 2))]
        rows.append(([cls_id, *tgt, sep_id], [0] * (len(tgt) + 2)))
        return rows, (0, 1), (1, 1)
    raise ConfigError(f"parameter 'pair_encoding' must be 'concat' or 'separate', got {encoding!r}")


def exchange_links(links: Sequence[Link]) -> list[tuple[int, int, int, float]]:
    """Row-normalised word-exchange entries of one pair, in both directions.

    From subword links ``(a, b)`` (``a`` a source piece, ``b`` a target piece) gives
    ``(direction, i, j, S_ij)``: direction 0 means source position ``i`` takes target
    position ``j``; 1 means target ``i`` takes source ``j``. Each position's weights sum
    to 1 (the rows of S are normalised); positions without a link get no entry.
    """
    out: list[tuple[int, int, int, float]] = []
    for direction in (0, 1):
        partners: dict[int, set[int]] = {}
        for a, b in links:
            i, j = (a, b) if direction == 0 else (b, a)
            partners.setdefault(i, set()).add(j)
        for i in sorted(partners):
            js = sorted(partners[i])
            out.extend((direction, i, j, 1.0 / len(js)) for j in js)
    return out


def swap_states(
    hidden: torch.Tensor, swap_index: torch.Tensor, swap_weight: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Swapped states ``h~_i = sum_j S_ij h_j``.

    ``hidden``: ``(P, H)`` flattened states; ``swap_index``: ``(K, 2)`` rows ``(i, j)``;
    ``swap_weight``: ``(K,)`` = ``S_ij``. Returns ``(positions, states)``: the distinct
    ``i`` (sorted, ``(M,)``) and their swapped states ``(M, H)``.
    """
    if swap_index.numel() == 0:
        return swap_index.new_zeros(0), hidden.new_zeros(0, hidden.shape[-1])
    positions, row = torch.unique(swap_index[:, 0], return_inverse=True)
    contrib = hidden[swap_index[:, 1]] * swap_weight.to(hidden.dtype)[:, None]
    states = hidden.new_zeros(len(positions), hidden.shape[-1]).index_add(0, row, contrib)
    return positions, states


def masked_lm_loss(head, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the chosen positions only; the MLM ``head`` (vocabulary
    projection) runs on those ``M`` rows, not on all ``P``.

    ``hidden``: ``(P, H)``; ``labels``: ``(P,)`` with -100 for positions not predicted.
    A batch with no chosen position gives a zero loss that still has a graph.
    """
    chosen = labels != IGNORE
    if not bool(chosen.any()):
        return hidden.sum() * 0.0
    logits = head(hidden[chosen])
    return F.cross_entropy(logits.float(), labels[chosen])


def cross_lingual_loss(
    head,
    hidden: torch.Tensor,
    labels: torch.Tensor,
    swap_index: torch.Tensor,
    swap_weight: torch.Tensor,
) -> torch.Tensor:
    """WEAM's cross-lingual prediction: each masked position with a link is predicted from
    its swapped state through the same head. Mean over those positions; 0 (never NaN) when
    no masked position has a link.

    ``hidden``: ``(P, H)``; ``labels``: ``(P,)``; ``swap_index`` ``(K, 2)``, ``swap_weight``
    ``(K,)`` as in :func:`swap_states`.
    """
    if swap_index.numel():
        keep = labels[swap_index[:, 0]] != IGNORE
        swap_index, swap_weight = swap_index[keep], swap_weight[keep]
    positions, states = swap_states(hidden, swap_index, swap_weight)
    if len(positions) == 0:
        return hidden.sum() * 0.0
    return F.cross_entropy(head(states).float(), labels[positions])


def weam_loss(
    head,
    hidden: torch.Tensor,
    labels: torch.Tensor,
    swap_index: torch.Tensor,
    swap_weight: torch.Tensor,
    lambda_: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``L = L_multilingual + λ · L_cross``; returns ``(L, L_multilingual, L_cross)``.

    With ``λ = 0`` the cross term is not computed and ``L`` is exactly the MLM loss of the
    batch: TLM for ``concat`` batches, MLM on pairs for ``separate`` ones.
    """
    mono = masked_lm_loss(head, hidden, labels)
    if lambda_ == 0:
        return mono, mono, mono.detach() * 0.0
    cross = cross_lingual_loss(head, hidden, labels, swap_index, swap_weight)
    return mono + lambda_ * cross, mono, cross


def word_vectors(hidden: torch.Tensor, piece_index: torch.Tensor, n_words: int) -> torch.Tensor:
    """Word representations = mean of their subword states.

    ``hidden``: ``(P, H)``; ``piece_index``: ``(Q, 2)`` rows ``(flat position, word id)``.
    Returns ``(n_words, H)``.
    """
    sums = hidden.new_zeros(n_words, hidden.shape[-1]).index_add(
        0, piece_index[:, 1], hidden[piece_index[:, 0]]
    )
    counts = torch.bincount(piece_index[:, 1], minlength=n_words).clamp(min=1)
    return sums / counts[:, None].to(hidden.dtype)


def word_aligned_loss(
    hidden: torch.Tensor,
    reference: torch.Tensor | None,
    piece_index: torch.Tensor,
    n_words: int,
    word_links: torch.Tensor,
    english_words: torch.Tensor,
    lambda_reg: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cao et al. (2020): ``mean ||f(i,x) - f(j,y)||²`` over aligned word pairs plus
    ``λ_reg · mean ||f(i,en) - f0(i,en)||²`` over English words, ``f0`` the frozen base
    model. Means replace Cao's sums (a scale change the learning rate absorbs).

    ``hidden``/``reference``: ``(P, H)`` states of the trained and frozen models;
    ``word_links``: ``(W, 2)`` word ids; ``english_words``: ``(E,)`` word ids.
    Returns ``(L, L_align, L_reg)``.
    """
    words = word_vectors(hidden, piece_index, n_words)
    if word_links.numel():
        diff = words[word_links[:, 0]] - words[word_links[:, 1]]
        align = diff.pow(2).sum(-1).mean()
    else:
        align = hidden.sum() * 0.0
    if reference is not None and lambda_reg > 0 and english_words.numel():
        ref = word_vectors(reference, piece_index, n_words)
        reg = (words[english_words] - ref[english_words]).pow(2).sum(-1).mean()
    else:
        reg = hidden.sum() * 0.0
    return align + lambda_reg * reg, align, reg


# --- alignments for a batch ----------------------------------------------------------------


def alignment_for_source(
    source: str,
    gold: Sequence[Sequence[Link]] | None,
    predicted: Sequence[Sequence[Link]] | None,
    lengths: Sequence[tuple[int, int]],
    seed: int = 0,
) -> list[list[Link]]:
    """Word links per pair for ``alignment_source``: ``gold``, an aligner's (``eflomal`` /
    ``fastalign``: ``predicted``), ``none`` (no links) or ``shuffled`` (the gold links with
    each pair's target words permuted: same link count and fertility, wrong partners)."""
    if source not in ALIGNMENT_SOURCES:
        raise ConfigError(
            f"parameter 'alignment_source' must be one of {', '.join(ALIGNMENT_SOURCES)},"
            f" got {source!r}"
        )
    if source == "none":
        return [[] for _ in lengths]
    links = predicted if source in ("eflomal", "fastalign") else gold
    if links is None:
        raise ConfigError(f"alignment_source {source!r}: no links were given")
    if len(links) != len(lengths):
        raise ConfigError(
            f"alignment_source {source!r}: {len(links)} link lines for {len(lengths)} pairs"
        )
    out = []
    rng = random.Random(f"shuffled-alignment:{seed}")
    for k, ((n_src, n_tgt), ls) in enumerate(zip(lengths, links, strict=True)):
        for i, j in ls:
            if not (0 <= i < n_src and 0 <= j < n_tgt):
                raise ConfigError(
                    f"alignment_source {source!r}: link {i}-{j} of pair {k + 1} does not fit"
                    f" a sentence pair of {n_src} x {n_tgt} words"
                )
        if source == "shuffled":
            perm = list(range(n_tgt))
            rng.shuffle(perm)
            ls = sorted((i, perm[j]) for i, j in ls)
        out.append([tuple(x) for x in ls])
    return out


def make_pair_example(
    src_counts: Sequence[int],
    tgt_counts: Sequence[int],
    src_ids: Sequence[int],
    tgt_ids: Sequence[int],
    word_links: Sequence[Link],
    mode: str,
    max_pieces: int,
) -> PairExample:
    """A :class:`PairExample` from word-level links; each side truncated to ``max_pieces``
    pieces (links into the cut part are dropped)."""
    if mode not in SUBWORD_ALIGNMENTS:
        raise ConfigError(f"parameter 'subword_alignment' must be 'first' or 'all', got {mode!r}")
    sub = project_links(word_links, src_counts, tgt_counts, mode)
    src_ids, tgt_ids = list(src_ids)[:max_pieces], list(tgt_ids)[:max_pieces]
    sub = [(a, b) for a, b in sub if a < len(src_ids) and b < len(tgt_ids)]
    src_word = [w for w, c in enumerate(src_counts) for _ in range(c)][: len(src_ids)]
    tgt_word = [w for w, c in enumerate(tgt_counts) for _ in range(c)][: len(tgt_ids)]
    kept_src, kept_tgt = set(src_word), set(tgt_word)
    wl = [(i, j) for i, j in word_links if i in kept_src and j in kept_tgt]
    return PairExample(
        tuple(src_ids), tuple(tgt_ids), tuple(sub), tuple(src_word), tuple(tgt_word), tuple(wl)
    )


# --- the collator -------------------------------------------------------------------------


@dataclass(frozen=True)
class CollatorConfig:
    """How a batch is laid out and masked (ids of the special tokens included)."""

    objective: str
    pad_id: int
    cls_id: int
    sep_id: int
    mask_id: int
    vocab_size: int
    mask_prob: float = 0.15
    pair_encoding: str = "concat"

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ConfigError(
                f"unknown objective {self.objective!r}; choose one of {', '.join(OBJECTIVES)}"
            )
        check_mask_prob(self.mask_prob)
        if self.pair_encoding not in PAIR_ENCODINGS:
            raise ConfigError(
                f"parameter 'pair_encoding' must be 'concat' or 'separate', got {self.pair_encoding!r}"
            )

    @property
    def encoding(self) -> str:
        """The layout actually used: TLM concatenates, MLM control and word-aligned encode
        the sentences apart, WEAM follows ``pair_encoding``."""
        if self.objective == "tlm":
            return "concat"
        if self.objective in ("mlm_control", "word_aligned"):
            return "separate"
        return self.pair_encoding


class PretrainCollator:
    """Turns examples into a flat batch for :class:`weamlib.models.model.BertForWeamPreTraining`.

    ``base`` takes examples that are id sequences (one sentence each) or, for a base on
    sentence pairs, :class:`PairExample` (one ``[CLS] a [SEP] b [SEP]`` row each); the
    pair objectives take :class:`PairExample`. Masking draws from ``torch``'s global
    generator (seeded by the Trainer), or from ``generator`` when given.
    """

    def __init__(self, config: CollatorConfig, generator: torch.Generator | None = None):
        self.config, self.generator = config, generator

    def __call__(self, examples: Sequence) -> dict[str, torch.Tensor]:
        cfg = self.config
        if cfg.objective == "base":
            rows = []
            for ex in examples:
                if isinstance(ex, PairExample):  # two sentences of one language, A/B
                    rows.extend(
                        pair_rows(ex.src_ids, ex.tgt_ids, cfg.cls_id, cfg.sep_id, "concat")[0]
                    )
                else:
                    rows.append(([cfg.cls_id, *ex, cfg.sep_id], [0] * (len(ex) + 2)))
            return self._finish(rows, [], [], [], [], [])
        rows: list[tuple[list[int], list[int]]] = []
        swap: list[tuple[tuple[int, int], tuple[int, int], float]] = []
        pieces: list[tuple[tuple[int, int], int]] = []
        word_links: list[tuple[int, int]] = []
        english: list[int] = []
        n_words = 0
        for ex in examples:
            base = len(rows)
            new, src_at, tgt_at = pair_rows(
                ex.src_ids, ex.tgt_ids, cfg.cls_id, cfg.sep_id, cfg.encoding
            )
            rows.extend(new)
            src_at, tgt_at = (base + src_at[0], src_at[1]), (base + tgt_at[0], tgt_at[1])
            if cfg.objective == "weam":
                for direction, i, j, w in exchange_links(ex.links):
                    a, b = (src_at, tgt_at) if direction == 0 else (tgt_at, src_at)
                    swap.append(((a[0], a[1] + i), (b[0], b[1] + j), w))
            elif cfg.objective == "word_aligned":
                n_src = (max(ex.src_word_of) + 1) if ex.src_word_of else 0
                for p, w in enumerate(ex.src_word_of):
                    pieces.append(((src_at[0], src_at[1] + p), n_words + w))
                for p, w in enumerate(ex.tgt_word_of):
                    pieces.append(((tgt_at[0], tgt_at[1] + p), n_words + n_src + w))
                word_links.extend((n_words + i, n_words + n_src + j) for i, j in ex.word_links)
                english.extend(n_words + w for w in sorted(set(ex.src_word_of)))
                n_tgt = (max(ex.tgt_word_of) + 1) if ex.tgt_word_of else 0
                n_words += n_src + n_tgt
        return self._finish(rows, swap, pieces, word_links, english, [n_words])

    def _finish(self, rows, swap, pieces, word_links, english, n_words) -> dict:
        cfg = self.config
        n, length = len(rows), max(len(ids) for ids, _ in rows)
        ids = torch.full((n, length), cfg.pad_id, dtype=torch.long)
        seg = torch.zeros((n, length), dtype=torch.long)
        att = torch.zeros((n, length), dtype=torch.long)
        for r, (row_ids, row_seg) in enumerate(rows):
            ids[r, : len(row_ids)] = torch.tensor(row_ids)
            seg[r, : len(row_seg)] = torch.tensor(row_seg)
            att[r, : len(row_ids)] = 1
        batch = {"token_type_ids": seg, "attention_mask": att}
        if cfg.objective == "word_aligned":
            batch["input_ids"] = ids
            flat = [(r * length + p, w) for (r, p), w in pieces]
            batch["piece_index"] = torch.tensor(flat, dtype=torch.long).reshape(-1, 2)
            batch["word_links"] = torch.tensor(word_links, dtype=torch.long).reshape(-1, 2)
            batch["english_words"] = torch.tensor(english, dtype=torch.long)
            batch["n_words"] = torch.tensor(n_words[0] if n_words else 0)
            return batch
        maskable = (ids != cfg.pad_id) & (ids != cfg.cls_id) & (ids != cfg.sep_id)
        masked, labels = mask_tokens(
            ids, maskable, cfg.mask_prob, cfg.mask_id, cfg.vocab_size, self.generator
        )
        batch["input_ids"], batch["labels"] = masked, labels
        if cfg.objective == "weam":
            idx = [(a[0] * length + a[1], b[0] * length + b[1]) for a, b, _ in swap]
            batch["swap_index"] = torch.tensor(idx, dtype=torch.long).reshape(-1, 2)
            batch["swap_weight"] = torch.tensor([w for *_, w in swap], dtype=torch.float32)
        return batch
