"""Numeric precision of training and inference: fp32, or bf16 where the hardware has it.

``"bf16"`` runs the forward pass (and the loss) under ``torch.autocast`` in bfloat16, with
fp32 master weights and fp32 optimizer state: matrix products use the CPU's AMX /
AVX-512-BF16 units (or a GPU's tensor cores), while every update is accumulated in fp32.
``"auto"`` picks bf16 where the machine multiplies it fast (a CUDA GPU with bf16, or a CPU
with AMX) and fp32 elsewhere; :func:`resolve` turns it into the precision that will really
run, and that resolved value is what a run's cache key holds, so fp32 and bf16 results
never mix. A CPU with AVX-512-BF16 but no AMX runs bf16 when asked, but ``auto`` keeps it
at fp32: there torch's bf16 products are slower than fp32 ones (one such machine, one
thread: a 4096 x 128 x 512 product at 49 GFLOP/s against 109 in fp32, and a fine-tuning
step of the default model 1.4x slower under autocast; benchmarks/recorded/).

May import: nothing of weamlib.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

PRECISIONS = ("auto", "fp32", "bf16")


@functools.cache
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (``amx_bf16`` or ``avx512_bf16`` flags)."""
    return bool(_cpu_flags() & {"amx_bf16", "avx512_bf16"})


def cpu_has_amx() -> bool:
    """Whether this CPU has bf16 matrix units (``amx_bf16``): where bf16 pays."""
    return "amx_bf16" in _cpu_flags()


def _device_has_bf16(device: str) -> bool:
    import torch

    if device == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return cpu_has_bf16()


def _device_bf16_pays(device: str) -> bool:
    return _device_has_bf16(device) if device == "cuda" else cpu_has_amx()


def default_device() -> str:
    """Where the study trains and scores a model: ``"cuda"`` when a GPU is visible, else
    ``"cpu"`` (pre-training through accelerate, fine-tuning and the probes alike)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve(precision: str, device: str | None = None) -> str:
    """``"fp32"`` or ``"bf16"``: the precision ``precision`` runs at on ``device`` (default:
    CUDA when available, else the CPU). ``"bf16"`` asked of a device without it is
    refused, never silently run at another precision."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    device = device or default_device()
    if precision == "auto":
        return "bf16" if _device_bf16_pays(device) else "fp32"
    if precision == "bf16" and not _device_has_bf16(device):
        raise ValueError(f"precision 'bf16': this {device} has no native bf16 (use fp32 or auto)")
    return precision


@contextlib.contextmanager
def autocast(precision: str, device: str = "cpu") -> Iterator[None]:
    """Run the block's forward computation at ``precision`` (``"fp32"``: unchanged)."""
    import torch

    if precision == "fp32":
        yield
        return
    if precision != "bf16":
        raise ValueError(f"autocast needs a resolved precision (fp32 or bf16), got {precision!r}")
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        yield
