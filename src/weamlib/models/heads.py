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
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

NLI_HEADS = ("cls", "pair-mean")


def segment_means(hidden: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):
    """Mean states of segment 0 and segment 1 (padding excluded).

    ``hidden``: ``(batch, seq, dim)``; ``attention_mask``, ``token_type_ids``: ``(batch, seq)``.
    Returns ``(u, v)``, each ``(batch, dim)``. A segment without tokens has mean 0.
    """
    mask = attention_mask.to(hidden.dtype)
    first = (mask * (token_type_ids == 0).to(hidden.dtype)).unsqueeze(-1)
    second = (mask * (token_type_ids == 1).to(hidden.dtype)).unsqueeze(-1)
    u = (hidden * first).sum(1) / first.sum(1).clamp(min=1.0)
    v = (hidden * second).sum(1) / second.sum(1).clamp(min=1.0)
    return u, v


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
        self.classifier = nn.Linear(4 * config.hidden_size, config.num_labels)
        self.post_init()

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
        u, v = segment_means(hidden, attention_mask, token_type_ids)
        features = torch.cat([u, v, (u - v).abs(), u * v], dim=-1)
        logits = self.classifier(self.dropout(features))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)
