"""Precision: fp32, or bf16 autocast where the machine multiplies bf16 natively; the
resolved precision is part of every run's key."""

from __future__ import annotations

import pytest
import torch

from weamlib.core import precision
from weamlib.train import finetune as ft
from weamlib.train.pretrain import PretrainConfig


def _machine(monkeypatch, has: bool, pays: bool | None = None):
    monkeypatch.setattr(precision, "_device_has_bf16", lambda device: has)
    monkeypatch.setattr(
        precision, "_device_bf16_pays", lambda device: has if pays is None else pays
    )


def test_auto_resolves_by_the_hardware(monkeypatch):
    _machine(monkeypatch, True)
    assert precision.resolve("auto") == "bf16" and precision.resolve("fp32") == "fp32"
    _machine(monkeypatch, True, pays=False)  # AVX-512-BF16 without AMX: bf16 only when asked
    assert precision.resolve("auto") == "fp32" and precision.resolve("bf16") == "bf16"
    _machine(monkeypatch, False)
    assert precision.resolve("auto") == "fp32"
    with pytest.raises(ValueError, match="no native bf16"):
        precision.resolve("bf16")
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.resolve("fp16")


def test_cpu_flags_are_read_from_cpuinfo():
    from pathlib import Path

    flags = Path("/proc/cpuinfo").read_text()
    assert precision.cpu_has_bf16() == ("amx_bf16" in flags or "avx512_bf16" in flags)
    assert precision.cpu_has_amx() == ("amx_bf16" in flags)
    assert precision._device_bf16_pays("cpu") == precision.cpu_has_amx()


def test_the_key_holds_the_resolved_precision(monkeypatch):
    _machine(monkeypatch, True)
    assert PretrainConfig(precision="auto").key()["precision"] == "bf16"
    assert PretrainConfig(precision="fp32").key()["precision"] == "fp32"
    assert PretrainConfig(bf16=True, precision="fp32").key()["precision"] == "bf16"  # GPU switch
    assert PretrainConfig(precision="auto").key() == PretrainConfig(precision="bf16").key()
    _machine(monkeypatch, False)
    assert PretrainConfig(precision="auto").key()["precision"] == "fp32"
    with pytest.raises(Exception, match="precision"):
        PretrainConfig(precision="half")
    with pytest.raises(Exception, match="precision"):
        ft.NLIFinetuneConfig(precision="half")


@pytest.mark.skipif(not precision.cpu_has_bf16(), reason="no native bf16 on this CPU")
def test_bf16_autocast_is_deterministic_and_close_to_fp32():
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    model = BertForSequenceClassification(
        BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                   intermediate_size=64, num_labels=3)
    ).eval()  # fmt: skip
    ids = torch.randint(5, 50, (4, 12))
    outs = {}
    for p in ("fp32", "bf16", "bf16"):
        with torch.inference_mode(), precision.autocast(p):
            outs.setdefault(p, []).append(model(input_ids=ids).logits.float())
    assert torch.equal(outs["bf16"][0], outs["bf16"][1])
    assert not torch.equal(outs["bf16"][0], outs["fp32"][0])
    assert torch.allclose(outs["bf16"][0], outs["fp32"][0], atol=0.05)
