# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (weam)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The environment
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# Every number in this book depends on the machine and the software that computed it.
# This chapter records both, as they were when the book was built: the versions of the
# packages the study pins, the CPU and the number of threads PyTorch uses, and a short
# matrix-multiplication probe so that timings in later chapters can be read against
# this machine's speed.

# %% tags=["parameters"]
profile = "default"
seed = 0
matmul_size = 512
matmul_repeats = 20

# %% tags=["hide-input"]
import time

import pandas as pd
import torch
from IPython.display import Markdown
from myst_nb import glue

from weamlib.study.environment import machine_info, package_versions

torch.manual_seed(seed)

# %% [markdown]
# ## Software

# %% tags=["hide-input"]
versions = pd.Series(package_versions(), name="version").to_frame()
versions

# %% [markdown]
# ## Machine

# %% tags=["hide-input"]
machine = machine_info()
pd.Series(machine, name="value").astype(str).to_frame()

# %% [markdown]
# ## A speed probe
#
# A float32 matrix product of two square matrices, repeated; the figure is the
# achieved rate in GFLOP/s on this machine with PyTorch's default thread count.

# %% tags=["hide-input"]
a = torch.randn(matmul_size, matmul_size)
b = torch.randn(matmul_size, matmul_size)
a @ b  # warm-up
start = time.perf_counter()
for _ in range(matmul_repeats):
    a @ b
elapsed = time.perf_counter() - start
gflops = 2 * matmul_size**3 * matmul_repeats / elapsed / 1e9

# %% [markdown]
# ## Summary
#
# Computed here, from the tables and the probe above, and shown at the top of the page.

# %% tags=["hide-input"]
glue("chapter_summary", Markdown(
    f"This book was built with the **{profile}** profile on {machine['logical_cpus']} logical"
    f" CPUs ({machine['cpu_model']}), PyTorch {versions.loc['torch', 'version']} using"
    f" {machine['torch_threads']} threads, and {machine['memory_gb']} GiB of memory."
    f" A {matmul_size}×{matmul_size} float32 matrix product ran at {gflops:.1f} GFLOP/s."
), display=False)
