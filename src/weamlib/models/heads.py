"""Task heads that the Hugging Face library does not ship.

:class:`BertForPairClassification` classifies a sentence pair from the mean final states of
its two segments, ``[u, v, |u - v|, u * v]`` (the feature set of InferSent, Conneau et al.
2017), instead of BERT's pooled ``[CLS]`` state. The encoder still reads the pair jointly
(``[CLS] premise [SEP] hypothesis [SEP]``, segments 0/1), so cross-sentence attention is
unchanged; only the read-out differs. The pre-training chapter compares both heads on the
base model (English dev): the 2-layer model of the default profile learns the suite's NLI
far faster through the segment means than through the ``[CLS]`` state, whose pooler no
pre-training objective of the study trains. The paper profile keeps ``[CLS]`` (mBERT's
recipe).

:class:`BertForPairAlignClassification` adds to those features a soft alignment of the
two segments, as the attend-compare-aggregate NLI models do (Parikh et al. 2016, ESIM of
Chen et al. 2017): each token's state is compared with its attention-weighted summary of
the *other* segment's states (:func:`aligned_differences`), and the element-wise gaps are
max- and mean-pooled per segment. A word replaced by another of its class (big -> small)
then shows up as a large gap at one token, instead of a small shift of a segment mean.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

NLI_HEADS = ("cls", "pair-mean", "pair-align")


def _masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max over the tokens of ``mask``: ``x`` ``(batch, seq, dim)``, ``mask`` ``(batch, seq)``
    bool; ``(batch, dim)``, 0 for a row without tokens."""
    low = torch.finfo(x.dtype).min
    values = x.masked_fill(~mask.unsqueeze(-1), low).max(1).values
    return torch.where(mask.any(1, keepdim=True), values, torch.zeros_like(values))


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(x.dtype)
    return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


def segment_means(hidden: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):
    """Mean states of segment 0 and segment 1 (padding excluded).

    ``hidden``: ``(batch, seq, dim)``; ``attention_mask``, ``token_type_ids``: ``(batch, seq)``.
    Returns ``(u, v)``, each ``(batch, dim)``. A segment without tokens has mean 0.
    """
    live = attention_mask.bool()
    return (
        _masked_mean(hidden, live & (token_type_ids == 0)),
        _masked_mean(hidden, live & (token_type_ids == 1)),
    )


def aligned_differences(
    hidden: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
) -> torch.Tensor:
    """Pooled gaps between each token and its soft alignment in the other segment.

    ``hidden``: ``(batch, seq, dim)``; ``attention_mask``, ``token_type_ids``: ``(batch,
    seq)``. A token's alignment is the softmax-weighted mean of the other segment's states,
    with weights ``h_i . h_j / sqrt(dim)`` (padding excluded). Returns ``(batch, 4 * dim)``:
    the max and the mean of ``|h - alignment|`` over segment 1's tokens, then over segment
    0's tokens.
    """
    live = attention_mask.bool()
    first, second = live & (token_type_ids == 0), live & (token_type_ids == 1)
    scores = hidden @ hidden.transpose(1, 2) / hidden.shape[-1] ** 0.5  # (batch, seq, seq)
    low = torch.finfo(scores.dtype).min

    def align_to(keys: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(scores.masked_fill(~keys.unsqueeze(1), low), dim=-1)
        return weights.to(hidden.dtype) @ hidden

    gap_second = (hidden - align_to(first)).abs()  # segment-1 tokens against segment 0
    gap_first = (hidden - align_to(second)).abs()
    return torch.cat(
        [
            _masked_max(gap_second, second),
            _masked_mean(gap_second, second),
            _masked_max(gap_first, first),
            _masked_mean(gap_first, first),
        ],
        dim=-1,
    )


class BertForPairClassification(BertPreTrainedModel):
    """BERT + a linear classifier over ``[u, v, |u - v|, u * v]`` of the two segments.

    Loads from any BERT checkpoint (``bert.*`` weights); ``classifier`` is new. Same call
    signature and output as ``BertForSequenceClassification`` (``logits``: ``(batch,
    num_labels)``; cross-entropy ``loss`` when ``labels`` ``(batch,)`` are given).
    """

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        dropout = getattr(config, "classifier_dropout", None)
        self.dropout = nn.Dropout(dropout if dropout is not None else config.hidden_dropout_prob)
        self.classifier = nn.Linear(self.n_features * config.hidden_size, config.num_labels)
        self.post_init()

    n_features = 4  # the classifier reads n_features x hidden_size values

    def pair_features(self, hidden, attention_mask, token_type_ids) -> torch.Tensor:
        """``(batch, n_features * dim)``: ``[u, v, |u - v|, u * v]`` of the segment means."""
        u, v = segment_means(hidden, attention_mask, token_type_ids)
        return torch.cat([u, v, (u - v).abs(), u * v], dim=-1)

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        token_type_ids=None,
        labels=None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        features = self.pair_features(hidden, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(features))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


class BertForPairAlignClassification(BertForPairClassification):
    """:class:`BertForPairClassification` whose classifier also reads the segments' aligned
    differences (:func:`aligned_differences`): ``[u, v, |u - v|, u * v]`` and the four
    pooled gaps, ``8 * hidden_size`` features."""

    n_features = 8

    def pair_features(self, hidden, attention_mask, token_type_ids) -> torch.Tensor:
        means = super().pair_features(hidden, attention_mask, token_type_ids)
        gaps = aligned_differences(hidden, attention_mask, token_type_ids)
        return torch.cat([means, gaps], dim=-1)
