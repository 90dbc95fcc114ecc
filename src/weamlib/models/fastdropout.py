"""Dropout that draws its mask cheaply on the CPU, for the study's small BERTs.

At the study's sizes (2 layers x 128) a training step is bound by element-wise work, not
by matrix products, and ``torch``'s CPU dropout is among the dearest of it: it draws one
Bernoulli variate per element (about 7 ns each on one core). :func:`dropout` draws the
same mask from 32 random bits per element, taken from 64-bit words of the same generator
(about 1.5 ns per element): element ``i`` is kept when its 32-bit word is at least
``p * 2**32``, so it is dropped with probability ``p`` to within ``2**-32``, and the kept
ones are scaled by ``1 / (1 - p)`` as in ``torch.nn.functional.dropout``. The numbers
drawn differ from ``torch``'s, so a model that uses it trains to other numbers than one
using ``torch.nn.Dropout`` (the same seed gives the same numbers, on one machine).

:func:`use_fast_dropout` puts it into a Hugging Face BERT in place: every ``nn.Dropout``
module becomes a :class:`FastDropout` (no state: checkpoints are unchanged) and the
attention probabilities are dropped by :func:`attention_forward`, registered with
``transformers`` as the attention implementation ``"weam_sdpa"``: in evaluation (or
without dropout) it is ``transformers``' own SDPA attention, in training the same
product written out (``softmax(q k^T * scale + mask) v``) with this dropout.
``transformers`` does not write the attention implementation into a saved config, so
saved models are plain BERTs (loaded elsewhere, they use SDPA).

May import: nothing of weamlib.
"""

from __future__ import annotations

import torch
from torch import nn

ATTENTION = "weam_sdpa"


class _Dropout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, p: float, generator):
        words = torch.empty((x.numel() + 1) // 2, dtype=torch.int64, device=x.device)
        words.random_(-(2**63), None, generator=generator)
        bits = words.view(torch.int32)[: x.numel()].view(x.shape)
        threshold = int(round(p * 2**32)) - 2**31
        mask = (bits >= threshold).to(x.dtype).mul_(1.0 / (1.0 - p))
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None


def dropout(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``torch.nn.functional.dropout(x, p, training)`` with a cheaper mask (see the module)."""
    if not training or p == 0:
        return x
    if not 0 < p < 1:
        raise ValueError(f"dropout probability must lie in [0, 1), got {p!r}")
    if x.device.type != "cpu":
        return nn.functional.dropout(x, p, training)
    return _Dropout.apply(x, float(p), generator)


class FastDropout(nn.Dropout):
    """``nn.Dropout`` drawing its mask with :func:`dropout`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


def attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs,
):
    """``transformers``' SDPA attention, with :func:`dropout` on the probabilities in
    training. ``query``/``key``/``value``: ``(N, heads, L, d)``; ``attention_mask``: what
    ``transformers`` makes for SDPA (None, a boolean mask, True = attend, or an additive
    float mask). Returns ``((N, L, heads, d), None)``."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if not (module.training and dropout > 0) or query.device.type != "cpu":
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
        else:
            scores = scores + attention_mask
    probs = torch.softmax(scores, dim=-1)
    probs = _Dropout.apply(probs, float(dropout), None)
    out = torch.matmul(probs.to(value.dtype), value)
    return out.transpose(1, 2).contiguous(), None


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(ATTENTION, attention_forward)
    ALL_MASK_ATTENTION_FUNCTIONS.register(ATTENTION, sdpa_mask)


def use_fast_dropout(model: nn.Module) -> nn.Module:
    """Switch ``model`` (a Hugging Face BERT) to :class:`FastDropout` and the
    ``"weam_sdpa"`` attention, in place; returns it."""
    _register()
    for module in model.modules():
        for name, child in list(module.named_children()):
            if type(child) is nn.Dropout:
                setattr(module, name, FastDropout(child.p, child.inplace))
    config = getattr(model, "config", None)
    if config is not None:
        config._attn_implementation = ATTENTION
    return model
