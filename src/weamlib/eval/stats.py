"""Paired statistics over fine-tuning seeds.

Every comparison in the study pairs two models by seed: run ``s`` of model A and run ``s``
of model B share the fine-tuning seed (data order, head initialisation), so the seed-to-seed
noise that both share cancels in the difference. A difference is reported as the mean of
the per-seed differences with a Student-t confidence interval (n − 1 degrees of freedom).

**Two levels.** When the rows come from several *pre-training* seeds (a ``pretrain_seed``
column with more than one value), the unit of the interval is the pre-training seed: each
pre-training seed's score is the mean over its fine-tuning seeds (and languages), models
are paired by pre-training seed (a continued model starts from the base of the same seed),
and the t interval runs over those means (n = pre-training seeds). Both sources of noise
then enter the interval: the spread of a pre-training seed's mean holds its fine-tuning
seeds' spread too. With one pre-training seed the unit stays the fine-tuning seed.

Results are tidy frames with the columns ``model, task, setting, language, split, seed,
metric, value`` (ablation frames add ``factor`` and ``level``). :func:`seed_scores` turns
one cell of such a frame into one score per seed (the mean over languages),
:func:`compare` pairs two cells, :func:`mean_and_spread` summarises groups for tables.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Iterable, Mapping
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats


class NoMatchingResults(ValueError):
    """A filter selected no rows (or no rows with the columns it needs)."""


@dataclasses.dataclass(frozen=True)
class PairedDifference:
    """``a − b`` paired by seed: the mean of the per-seed differences and its interval.

    ``low``/``high`` bound the two-sided ``confidence`` t interval. With fewer than two
    common seeds there is no interval: ``low``/``high``/``sd`` are NaN and
    ``too_few_seeds`` is True (every verdict on such a difference is "inconclusive").
    """

    mean: float
    low: float
    high: float
    n: int
    sd: float
    confidence: float = 0.95
    seeds: tuple = ()
    too_few_seeds: bool = False
    unit: str = "fine-tuning seed"

    @property
    def has_interval(self) -> bool:
        """True when the interval is defined (≥ 2 seeds, finite bounds)."""
        return not self.too_few_seeds and math.isfinite(self.low) and math.isfinite(self.high)

    def __str__(self) -> str:
        if not self.has_interval:
            return f"{self.mean:+.2f} (n={self.n}, no interval)"
        pct = f"{100 * self.confidence:g} %"
        return (
            f"{self.mean:+.2f} [{self.low:+.2f}, {self.high:+.2f}] ({pct}, n={self.n} {self.unit}s)"
        )


def t_quantile(p: float, dof: int) -> float:
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom."""
    if dof < 1:
        raise ValueError(f"t quantile needs at least 1 degree of freedom, got {dof}")
    return float(_scipy_stats.t.ppf(p, dof))


def paired_difference(
    a: Mapping[Hashable, float],
    b: Mapping[Hashable, float],
    confidence: float = 0.95,
    unit: str = "fine-tuning seed",
) -> PairedDifference:
    """``a − b`` over the seeds both mappings have, with a two-sided t interval.

    >>> d = paired_difference({0: 3.0, 1: 4.0, 2: 5.0}, {0: 2.0, 1: 2.0, 2: 2.0})
    >>> d.mean, d.sd, d.n
    (2.0, 1.0, 3)
    >>> round(d.high - d.mean, 3)  # t(0.975, 2) · 1 / √3
    2.484

    Seeds that only one side has are ignored. Raises ``ValueError`` when there is no
    common seed; with one common seed the interval is NaN and ``too_few_seeds`` is set.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    common = [s for s in a if s in b]
    if not common:
        raise ValueError(
            f"no common seeds to pair: a has {sorted(a, key=str)}, b has {sorted(b, key=str)}"
        )
    common = sorted(common, key=lambda s: (str(type(s)), s))
    d = np.array([float(a[s]) - float(b[s]) for s in common], dtype=float)
    n = len(d)
    mean = float(d.mean())
    if n < 2:
        return PairedDifference(
            mean, math.nan, math.nan, n, math.nan, confidence, tuple(common), True, unit
        )
    sd = float(d.std(ddof=1))
    half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return PairedDifference(
        mean, mean - half, mean + half, n, sd, confidence, tuple(common), False, unit
    )


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _equals(column: pd.Series, value) -> pd.Series:
    """Rows of ``column`` equal to ``value``; numbers compare numerically, so a level
    stored as ``"0.3"`` matches ``0.3`` and ``1`` matches ``1.0``."""
    as_text = column.astype(str) == str(value)
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return (column == value) | as_text
    if _is_number(number):
        nums = pd.to_numeric(column, errors="coerce")
        close = pd.Series(
            np.isclose(nums.to_numpy(dtype=float), float(number), rtol=1e-9, atol=1e-12),
            index=column.index,
        )
        return (close & nums.notna()) | as_text
    return column == value


def select(frame: pd.DataFrame, **filters) -> pd.DataFrame:
    """Rows of ``frame`` whose columns equal the given values (see :func:`seed_scores`)."""
    unknown = sorted(set(filters) - set(frame.columns))
    if unknown:
        raise NoMatchingResults(
            f"no column {unknown} in the results (columns: {list(frame.columns)})"
        )
    mask = pd.Series(True, index=frame.index)
    for col, value in filters.items():
        mask &= _equals(frame[col], value)
    return frame[mask]


def seed_scores(
    frame: pd.DataFrame,
    languages: Iterable[str] | None = None,
    exclude_languages: Iterable[str] = (),
    **filters,
) -> dict[Hashable, float]:
    """One score per seed: the rows matching ``filters`` (column = value), averaged over
    languages.

    ``languages`` restricts to those languages, ``exclude_languages`` drops some (e.g.
    ``("en",)`` for the zero-shot transfer average). When the rows hold several pre-training
    seeds (column ``pretrain_seed``), the keys are the pre-training seeds and each value is
    the mean over that seed's fine-tuning seeds (:func:`seed_unit` says which unit a
    selection has). Raises :class:`NoMatchingResults`
    when nothing matches, and ``ValueError`` when the filter leaves several rows per
    (seed, language) — it must pin down model, task, setting, split, metric (and level) —
    or when the seeds do not all cover the same languages (their means would not be
    comparable).
    """
    sel = select(frame, **filters)
    if languages is not None:
        languages = list(languages)
        sel = sel[sel["language"].isin(languages)]
    exclude = list(exclude_languages)
    if exclude:
        sel = sel[~sel["language"].isin(exclude)]
    if sel.empty:
        what = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "no filter"
        if languages is not None:
            what += f", languages={languages}"
        if exclude:
            what += f", excluding {exclude}"
        raise NoMatchingResults(f"no results match {what}")
    two_level = _pretrain_seeds(sel) > 1
    ids = ["pretrain_seed", "seed"] if two_level else ["seed"]
    dup = sel.duplicated([*ids, "language"], keep=False)
    if dup.any():
        varying = [
            c
            for c in sel.columns
            if c not in (*ids, "language", "value") and sel.loc[dup, c].nunique() > 1
        ]
        raise ValueError(
            "the filter leaves several results per seed and language; "
            f"also fix the column(s) {varying or '(none: duplicate rows)'}"
        )
    langs = sel.groupby(ids)["language"].apply(frozenset)
    if langs.nunique() > 1:
        detail = {s: sorted(v) for s, v in langs.items()}
        raise ValueError(f"seeds cover different languages: {detail}")
    means = sel.groupby(ids)["value"].mean()  # per (pre-training seed,) fine-tuning seed
    if two_level:
        means = means.groupby(level="pretrain_seed").mean()
    return {seed: float(v) for seed, v in means.items()}


def _pretrain_seeds(frame: pd.DataFrame) -> int:
    if "pretrain_seed" not in frame.columns:
        return 0
    return int(frame["pretrain_seed"].dropna().nunique())


def seed_unit(frame: pd.DataFrame, **filters) -> str:
    """The unit :func:`seed_scores` pairs and averages over for the rows ``filters`` select:
    ``"pre-training seed"`` when they hold several, else ``"fine-tuning seed"``."""
    sel = select(frame, **{k: v for k, v in filters.items() if k in frame.columns})
    return "pre-training seed" if _pretrain_seeds(sel) > 1 else "fine-tuning seed"


def compare(
    frame: pd.DataFrame, a: Mapping, b: Mapping, confidence: float = 0.95, **common
) -> PairedDifference:
    """``seed_scores(a ∪ common) − seed_scores(b ∪ common)``, paired by seed.

    >>> compare(frame, {"model": "weam"}, {"model": "tlm"}, task="xnli",  # doctest: +SKIP
    ...         setting="zero-shot", split="test", metric="accuracy",
    ...         exclude_languages=("en",))
    """
    fa, fb = {**common, **a}, {**common, **b}
    ua = seed_unit(frame, **fa)
    if ua != seed_unit(frame, **fb):
        raise ValueError(
            f"cannot pair {a} with {b}: one has several pre-training seeds, the other one"
        )
    return paired_difference(seed_scores(frame, **fa), seed_scores(frame, **fb), confidence, ua)


def mean_and_spread(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of ``by``: ``mean``, ``sd`` (n − 1), ``n`` (rows) and ``sem`` = sd / √n
    of ``value``. Average over languages first (e.g. with :func:`seed_scores`) when a cell
    should be a mean over seeds of a language average."""
    if isinstance(by, str):
        by = [by]
    grouped = frame.groupby(list(by), sort=False)["value"]
    out = grouped.agg(mean="mean", sd=lambda v: v.std(ddof=1), n="count").reset_index()
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    return out
