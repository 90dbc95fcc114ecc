"""weamlib.models.fastdropout: the cheap CPU dropout is dropout, and the attention that uses it is
SDPA attention."""

from __future__ import annotations

import pytest
import torch
from transformers import BertConfig, BertForMaskedLM

from weamlib.models import fastdropout as fd
from weamlib.models.model import BertForWeamPreTraining


def test_drops_at_rate_p_and_scales_the_kept():
    x = torch.ones(400, 500)
    g = torch.Generator().manual_seed(0)
    y = fd.dropout(x, 0.1, generator=g)
    dropped = (y == 0).float().mean().item()
    assert abs(dropped - 0.1) < 0.003  # 200k draws: 5 standard errors
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.9))
    assert abs(y.mean().item() - 1.0) < 0.01
    # bf16 as torch's own dropout: the mask in the input's dtype
    assert fd.dropout(x.bfloat16(), 0.3).dtype == torch.bfloat16


def test_same_seed_same_mask_and_gradient_is_the_mask():
    x = torch.randn(37, 11, requires_grad=True)
    a = fd.dropout(x, 0.5, generator=torch.Generator().manual_seed(3))
    b = fd.dropout(x, 0.5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    c = fd.dropout(x, 0.5, generator=torch.Generator().manual_seed(4))
    assert not torch.equal(a, c)
    a.sum().backward()
    assert torch.equal(x.grad, a.detach() / x.detach())


def test_eval_and_zero_p_are_the_identity():
    x = torch.randn(5, 7)
    assert fd.dropout(x, 0.5, training=False) is x
    assert fd.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="dropout probability"):
        fd.dropout(x, 1.0)
    module = fd.FastDropout(0.5).eval()
    assert module(x) is x


def _config():
    return BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        attn_implementation="sdpa",
    )


def _batch():
    ids = torch.randint(5, 50, (3, 9), generator=torch.Generator().manual_seed(0))
    att = torch.ones_like(ids)
    att[1, 6:] = 0
    att[2, 3:] = 0
    return {"input_ids": ids, "attention_mask": att}


def test_the_model_in_eval_is_hugging_faces_bert():
    torch.manual_seed(0)
    plain = BertForMaskedLM(_config()).eval()
    ours = fd.use_fast_dropout(BertForMaskedLM(_config())).eval()
    ours.load_state_dict(plain.state_dict())
    assert ours.config._attn_implementation == fd.ATTENTION
    assert not any(type(m) is torch.nn.Dropout for m in ours.modules())
    batch = _batch()
    assert torch.equal(ours(**batch).logits, plain(**batch).logits)
    # the pre-training model uses it, and saves a plain config
    assert BertForWeamPreTraining(_config()).config._attn_implementation == fd.ATTENTION
    assert "weam" not in ours.config.to_json_string()


def test_training_attention_is_sdpa_attention_when_nothing_is_dropped():
    """In training the product is written out; with a vanishing p it is SDPA's."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(3, 2, 9, 8, generator=g) for _ in range(3))
    att = _batch()["attention_mask"].bool()
    mask = att[:, None, None, :].expand(3, 1, 9, 9)  # what transformers gives SDPA
    module = torch.nn.Module().train()
    ours, _ = fd.attention_forward(module, q, k, v, mask, dropout=1e-12)
    ref, _ = sdpa_attention_forward(module, q, k, v, mask, dropout=0.0, is_causal=False)
    keep = att[:, :, None, None].expand_as(ours)  # padded queries attend to nothing
    assert torch.allclose(ours[keep], ref[keep], atol=1e-5)
