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
# # The claims ledger
#
# :::{admonition} In short
# :class: tip weam-summary
# ```{glue:md} chapter_summary
# :format: myst
# ```
# :::
#
# One row per claim about the paper (DESIGN §1): the measured effect (a paired difference
# over fine-tuning seeds, in points) with its 95 % interval, and a verdict computed by
# `weamlib.claims.ledger` from the runs of the previous chapters (the same runs, read from the
# run store). The test that decides a claim is one click away: its id in the table opens
# its note below the table. The verdicts:
#
# * **supported** — the interval lies on the claimed side (for "similar": inside
#   ± `margin` points);
# * **not supported** — the interval lies on the other side (for "similar": the
#   difference is significant and beyond the margin);
# * **inconclusive** — anything else, including too few seeds or missing runs.
#
# Transfer claims use the test split and the mean over the non-English languages;
# XNLI is scored by accuracy, MLQA by F1. Claims on the main tables pair the models by
# pre-training seed (each seed's value the mean over its fine-tuning seeds), so their
# intervals hold both levels of noise; claims on the ablations pair by fine-tuning seed
# under the first pre-training seed. C9 and C11 are settings, not findings: their rows test whether the
# results depend on them. The rules, one function each, are tested in
# `tests/claims/test_ledger.py`.

# %% tags=["parameters"]
profile = "default"
margin = 1.0
close_margin = 2.0
workers = 0

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from weamlib.claims import ledger as claims
from weamlib.study import experiments as study
from weamlib.study import plots
from weamlib.study import settings as weam_settings

plots.setup()
weam_settings.page_settings("09_claims", globals())  # validated
# Which settings the ledger's inputs come from (stated even when they are the profile's).
inputs = weam_settings.provenance_note("09_claims", profile, globals(), always=True)
display(Markdown(inputs))
frames = study.all_results(profile, workers=workers or None)
ledger = claims.ledger(frames, margin=margin, close_margin=close_margin)
rows = claims.decide_all(frames, margin=margin, close_margin=close_margin)
display(HTML(claims.ledger_html(rows)))

# %% tags=["hide-input"]
counts = ledger.verdict.value_counts()
summary = pd.DataFrame({"claim": ledger.id + ": " + ledger.claim,
                        f"verdict ({profile} profile)": ledger.verdict})
glue("ledger_summary", summary.set_index("claim"), display=False)
glue("n_supported", int(counts.get(claims.SUPPORTED, 0)), display=False)
glue("n_not_supported", int(counts.get(claims.NOT_SUPPORTED, 0)), display=False)
glue("n_inconclusive", int(counts.get(claims.INCONCLUSIVE, 0)), display=False)
verdict_text = (
    f"Of {len(ledger)} claims, {counts.get(claims.SUPPORTED, 0)} are supported, "
    f"{counts.get(claims.NOT_SUPPORTED, 0)} not supported and "
    f"{counts.get(claims.INCONCLUSIVE, 0)} inconclusive in the {profile} profile."
)
by_verdict = {v: ", ".join(ledger.id[ledger.verdict == v]) for v in claims.VERDICTS}
diverging = weam_settings.provenance("09_claims", profile, globals())
glue("chapter_summary", Markdown(
    verdict_text + "".join(f"\n* **{v}**: {ids}" for v, ids in by_verdict.items() if ids)
    + ("\n* **inputs**: " + " ".join(diverging) if diverging else "")
), display=False)
Markdown(verdict_text)

# %% [markdown]
# ## The differences behind the verdicts

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Every difference the verdicts rest on, with its 95 % interval and coloured by the verdict of its part: look at which intervals cross the zero line."}}
parts = claims.ledger_parts(frames, margin=margin, close_margin=close_margin).dropna(
    subset=["mean"]
)
fig = plots.plot_claims(parts)
plt.show()

# %% [markdown]
# ## Summary
#
# * Every verdict above is computed from the runs of chapters 04–08; none is typed.
# * The Introduction shows the same verdicts, pasted from this page.
