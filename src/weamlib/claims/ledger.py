"""The claims ledger: each claim of the paper (DESIGN §1, C1–C12), the test that decides
it, and a verdict computed from the results — never typed by hand.

A test is one or more *seed-paired differences* (:mod:`weamlib.eval.stats`) on the test split,
averaged over the non-English languages (the zero-shot transfer average), and a pure
verdict function of their confidence intervals:

* :func:`greater` / :func:`less` — "A > B" / "A < B": the interval excludes 0.
* :func:`similar` — "A ≈ B" within ``margin`` points (an equivalence test).
* :func:`slightly_lower` — "A slightly below, but close to, B" (C6).
* :func:`best_level` — "level x works best" (C8, C10).
* :func:`same_conclusion` — "the A − B conclusion does not depend on the factor" (C9).
* :func:`all_of` — a claim made of several parts holds when all of them hold.

Verdicts are :data:`SUPPORTED`, :data:`NOT_SUPPORTED` or :data:`INCONCLUSIVE`. An interval
that is not defined (fewer than two seeds) always gives "inconclusive", and so does a
result the claim needs that is missing: :func:`ledger` never fails for missing results,
it says in the row what is missing.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import pandas as pd

from weamlib.eval.stats import (
    NoMatchingResults,
    PairedDifference,
    compare,
    paired_difference,
    select,
)
from weamlib.eval.stats import seed_scores as _seed_scores

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)

# ---------------------------------------------------------------------------------------
# Verdict functions: pure functions of paired differences.
# ---------------------------------------------------------------------------------------


def _defined(d: PairedDifference | None) -> bool:
    return d is not None and d.has_interval


def greater(d: PairedDifference) -> str:
    """Claim "A > B" for ``d = A − B``: supported if the interval lies above 0
    (``low > 0``), not supported if it lies below 0 (``high < 0``), else inconclusive."""
    if not _defined(d):
        return INCONCLUSIVE
    if d.low > 0:
        return SUPPORTED
    if d.high < 0:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def less(d: PairedDifference) -> str:
    """Claim "A < B" for ``d = A − B``: supported if ``high < 0``, not supported if
    ``low > 0``, else inconclusive."""
    if not _defined(d):
        return INCONCLUSIVE
    if d.high < 0:
        return SUPPORTED
    if d.low > 0:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def similar(d: PairedDifference, margin: float) -> str:
    """Claim "A ≈ B" (equal within ``margin`` points) for ``d = A − B``.

    * supported: the whole interval lies within the equivalence band,
      ``−margin ≤ low`` and ``high ≤ margin`` (an equivalence test: the data rule out
      any difference larger than the margin);
    * not supported: the difference is significant (the interval excludes 0) *and* its
      estimate lies beyond the margin on that side, ``low > 0 and mean > margin`` or
      ``high < 0 and mean < −margin`` (this includes an interval entirely beyond the
      margin);
    * inconclusive otherwise — e.g. a wide interval around 0, or a significant difference
      whose estimate is still within the margin.

    The two sets are disjoint: "supported" forces ``|mean| ≤ margin``.
    """
    if margin < 0:
        raise ValueError(f"margin must be ≥ 0, got {margin}")
    if not _defined(d):
        return INCONCLUSIVE
    if -margin <= d.low and d.high <= margin:
        return SUPPORTED
    if (d.low > 0 and d.mean > margin) or (d.high < 0 and d.mean < -margin):
        return NOT_SUPPORTED
    return INCONCLUSIVE


def slightly_lower(d: PairedDifference, margin: float) -> str:
    """Claim "A is slightly lower than, but close to, B" (C6) for ``d = A − B``.

    * supported: A is significantly lower, by at most ``margin``: the whole interval lies
      in ``[−margin, 0)``, i.e. ``high < 0`` and ``low ≥ −margin``;
    * not supported: A is significantly *higher* (``low > 0``), or significantly lower
      with an estimate beyond the margin (``high < 0 and mean < −margin``: not close) —
      the same "significant and beyond the margin" rule as :func:`similar`;
    * inconclusive otherwise (e.g. an interval containing 0, or a significant drop whose
      interval reaches past ``−margin`` while its estimate does not).
    """
    if margin < 0:
        raise ValueError(f"margin must be ≥ 0, got {margin}")
    if not _defined(d):
        return INCONCLUSIVE
    if d.high < 0 and d.low >= -margin:
        return SUPPORTED
    if d.low > 0 or (d.high < 0 and d.mean < -margin):
        return NOT_SUPPORTED
    return INCONCLUSIVE


def best_level(diffs_vs_claimed: Mapping[Hashable, PairedDifference], margin: float) -> str:
    """Claim "the claimed level works best" (C8, C10), from ``claimed − other`` for every
    other level tried.

    * supported: the claimed level has the highest mean (every ``mean ≥ 0``), no other
      level is better by more than ``margin`` (every ``low ≥ −margin``: non-inferiority
      within the margin) and it is significantly better than at least one level (some
      ``low > 0``: the factor matters at all);
    * not supported: some other level is significantly better (some ``high < 0``);
    * inconclusive otherwise — including no other level, or intervals too wide to tell
      the claimed level apart from its neighbours.

    Requiring the claimed level to beat *every* level significantly would leave almost
    every ablation inconclusive at five seeds even when neighbouring levels are
    practically equal; the margin makes "best" mean "best up to a difference the study
    treats as negligible", the same margin as :func:`similar`.
    """
    if margin < 0:
        raise ValueError(f"margin must be ≥ 0, got {margin}")
    diffs = list(diffs_vs_claimed.values())
    if not diffs:
        return INCONCLUSIVE
    if any(_defined(d) and d.high < 0 for d in diffs):
        return NOT_SUPPORTED
    if (
        all(_defined(d) for d in diffs)
        and all(d.mean >= 0 and d.low >= -margin for d in diffs)
        and any(d.low > 0 for d in diffs)
    ):
        return SUPPORTED
    return INCONCLUSIVE


HIGHER, LOWER, EQUIVALENT, UNCLEAR = "higher", "lower", "equivalent", "unclear"


def outcome(d: PairedDifference, margin: float) -> str:
    """What one difference shows: ``"higher"`` (``low > 0``), ``"lower"`` (``high < 0``),
    ``"equivalent"`` (within ``±margin``, not significant) or ``"unclear"``."""
    if not _defined(d):
        return UNCLEAR
    if d.low > 0:
        return HIGHER
    if d.high < 0:
        return LOWER
    if similar(d, margin) == SUPPORTED:
        return EQUIVALENT
    return UNCLEAR


def same_conclusion(diffs_by_level: Mapping[Hashable, PairedDifference], margin: float) -> str:
    """Claim "the A − B comparison does not depend on the factor" (C9), from ``A − B`` at
    each level of the factor. Each level's :func:`outcome` is higher / lower / equivalent /
    unclear.

    * supported: at least two levels, and every level shows the same clear outcome (all
      higher, all lower, or all equivalent within the margin);
    * not supported: one level shows A significantly higher and another significantly
      lower (the conclusion flips);
    * inconclusive otherwise — including every level unclear (noise alone cannot show
      that the conclusion is stable).
    """
    outcomes = [outcome(d, margin) for d in diffs_by_level.values()]
    if HIGHER in outcomes and LOWER in outcomes:
        return NOT_SUPPORTED
    if len(outcomes) >= 2 and len(set(outcomes)) == 1 and outcomes[0] != UNCLEAR:
        return SUPPORTED
    return INCONCLUSIVE


def all_of(verdicts: Iterable[str]) -> str:
    """A claim made of several parts: not supported if any part is not supported,
    supported if every part is supported (and there is at least one), else inconclusive."""
    verdicts = list(verdicts)
    for v in verdicts:
        if v not in VERDICTS:
            raise ValueError(f"unknown verdict {v!r}; expected one of {VERDICTS}")
    if NOT_SUPPORTED in verdicts:
        return NOT_SUPPORTED
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    return INCONCLUSIVE


# ---------------------------------------------------------------------------------------
# The ledger.
# ---------------------------------------------------------------------------------------

#: The chapter that holds each frame's results (the ledger's "evidence" column).
CHAPTERS: dict[str, str] = {
    "xnli": "04_xnli",
    "mlqa": "05_mlqa",
    "mask_prob": "06_ablation_mask_prob",
    "lambda": "07_ablation_lambda",
    "alignment": "08_alignment_sources",
    "lr": "08_alignment_sources",
    "noise": "08_alignment_sources",
}

#: Level names of the ``alignment_source`` factor, compared after lower-casing and
#: dropping everything but letters and digits ("FastAlign model" = "fastalign_model").
FASTALIGN_LEVELS = ("fastalign", "fastalignmodel", "fastalignmodels")
EFLOMAL_LEVELS = ("eflomal",)

#: Every transfer claim uses the test split and the mean over the non-English languages.
TRANSFER = {"split": "test", "exclude_languages": ("en",)}
XNLI = {"task": "xnli", "metric": "accuracy"}
MLQA = {"task": "mlqa", "metric": "f1"}


class MissingEvidence(Exception):
    """A result a claim needs is not there (missing frame, factor level, rows)."""


@dataclasses.dataclass(frozen=True)
class Part:
    """One tested difference of a claim, with its own verdict (or why there is none)."""

    label: str
    diff: PairedDifference | None
    verdict: str
    note: str = ""

    def effect(self) -> str:
        if self.diff is None:
            return f"{self.label}: {self.note}"
        text = f"{self.label}: {self.diff.mean:+.2f}"
        if not self.diff.has_interval:
            text += f" ({self.diff.n} seed: no interval)"
        return text

    def interval(self) -> str:
        if self.diff is None or not self.diff.has_interval:
            return f"{self.label}: —"
        return f"{self.label}: [{self.diff.low:+.2f}, {self.diff.high:+.2f}]"


@dataclasses.dataclass(frozen=True)
class Decision:
    """What a claim's rule returns: the verdict, the parts it rests on, and a note."""

    verdict: str
    parts: tuple[Part, ...]
    note: str = ""


@dataclasses.dataclass(frozen=True)
class LedgerRow:
    id: str
    claim: str
    test: str
    effect: str
    interval: str
    n: int
    verdict: str
    evidence: str
    parts: tuple[Part, ...] = ()
    note: str = ""
    unit: str = "fine-tuning seed"  # what ``n`` counts (weamlib.eval.stats: the interval's unit)


@dataclasses.dataclass(frozen=True)
class Context:
    """What a rule sees: the result frames and the ledger's margins."""

    frames: Mapping[str, pd.DataFrame]
    margin: float = 1.0
    close_margin: float = 2.0

    def frame(self, key: str) -> pd.DataFrame:
        frame = self.frames.get(key)
        if frame is None or len(frame) == 0:
            raise MissingEvidence(f"no {key!r} results")
        return frame


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of the ledger. ``rule`` computes its :class:`Decision`; ``uses`` names
    the frames it reads (their chapters are its evidence)."""

    id: str
    statement: str
    test: str
    uses: tuple[str, ...]
    rule: Callable[[Context], Decision]

    def evidence(self, chapters: Mapping[str, str] | None = None) -> str:
        chapters = {**CHAPTERS, **(chapters or {})}
        names = dict.fromkeys(chapters.get(k, k) for k in self.uses)
        return ", ".join(names)

    def decide(
        self,
        frames: Mapping[str, pd.DataFrame],
        margin: float = 1.0,
        close_margin: float = 2.0,
        chapters: Mapping[str, str] | None = None,
    ) -> LedgerRow:
        try:
            decision = self.rule(Context(frames, margin, close_margin))
        except MissingEvidence as err:  # a rule that cannot even form its parts
            decision = Decision(INCONCLUSIVE, (), str(err))
        parts = decision.parts
        effect = "; ".join(p.effect() for p in parts)
        if decision.note:
            effect = f"{effect}; {decision.note}" if effect else decision.note
        interval = "; ".join(p.interval() for p in parts if p.diff is not None) or "—"
        ns = [p.diff.n for p in parts if p.diff is not None]
        units = sorted({p.diff.unit for p in parts if p.diff is not None})
        return LedgerRow(
            id=self.id,
            claim=self.statement,
            test=self.test,
            effect=effect,
            interval=interval,
            n=min(ns) if ns else 0,
            verdict=decision.verdict,
            evidence=self.evidence(chapters),
            parts=parts,
            note=decision.note,
            unit=" / ".join(units) or "fine-tuning seed",
        )


def _part(label: str, verdict: Callable[[PairedDifference], str], diff: Callable) -> Part:
    """Evaluate ``diff()`` and its verdict; a missing result makes the part inconclusive."""
    try:
        d = diff()
    except (MissingEvidence, ValueError) as err:
        return Part(label, None, INCONCLUSIVE, _reason(err))
    note = "" if d.has_interval else f"{d.n} common seed(s): no interval"
    return Part(label, d, verdict(d), note)


def _reason(err: Exception) -> str:
    if isinstance(err, MissingEvidence | NoMatchingResults):
        return str(err)
    return f"cannot compute ({err})"


def _main_diff(ctx: Context, key: str, a: str, b: str, setting: str, task: Mapping):
    """``model a − model b`` on a main frame (test split, non-English mean)."""
    return lambda: compare(
        ctx.frame(key), {"model": a}, {"model": b}, setting=setting, **task, **TRANSFER
    )


def _setting_diff(ctx: Context, key: str, model: str, a: str, b: str, task: Mapping):
    """``setting a − setting b`` for one model on a main frame."""
    return lambda: compare(
        ctx.frame(key), {"setting": a}, {"setting": b}, model=model, **task, **TRANSFER
    )


def _present(ctx: Context, key: str, **filters) -> bool:
    """Whether frame ``key`` exists and has rows matching ``filters``."""
    frame = ctx.frames.get(key)
    if frame is None or len(frame) == 0:
        return False
    try:
        return not select(frame, **filters).empty
    except NoMatchingResults:
        return False


def _complete(rule: Callable, parts: Sequence[Part], margin: float) -> str:
    """``rule`` over the parts' differences; when some part has no difference (a level
    without results) only a "not supported" (which no further level can undo) stands."""
    diffs = {p.label: p.diff for p in parts if p.diff is not None}
    verdict = rule(diffs, margin)
    if len(diffs) < len(parts) and verdict != NOT_SUPPORTED:
        return INCONCLUSIVE
    return verdict


# -- ablation helpers -------------------------------------------------------------------


def _norm(level) -> str:
    return re.sub(r"[^0-9a-z]", "", str(level).lower())


def _as_number(level) -> float | None:
    try:
        x = float(level)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _same_level(x, y) -> bool:
    nx, ny = _as_number(x), _as_number(y)
    if nx is not None and ny is not None:
        return math.isclose(nx, ny, rel_tol=1e-9, abs_tol=1e-12)
    return _norm(x) == _norm(y)


def _fmt_level(level) -> str:
    x = _as_number(level)
    return f"{x:g}" if x is not None else str(level)


def _ablation(ctx: Context, key: str, factor: str, **filters) -> pd.DataFrame:
    """The rows of an ablation frame for ``factor`` (if the frame has a ``factor``
    column) that match ``filters`` — which must leave at least one row."""
    frame = ctx.frame(key)
    if "level" not in frame.columns:
        raise MissingEvidence(f"the {key!r} results have no 'level' column")
    if "factor" in frame.columns:
        frame = frame[frame["factor"].astype(str) == factor]
    try:
        sel = select(frame, **filters)
    except NoMatchingResults as err:
        raise MissingEvidence(f"{key!r} results: {err}") from err
    if sel.empty:
        what = ", ".join(f"{k}={v!r}" for k, v in filters.items())
        raise MissingEvidence(f"no {key!r} results for factor {factor!r} with {what}")
    return sel


def _levels(frame: pd.DataFrame) -> list:
    """The distinct levels, numeric ones in increasing order."""
    levels: list = []
    for level in frame["level"].tolist():
        if not any(_same_level(level, seen) for seen in levels):
            levels.append(level)
    numeric = [lv for lv in levels if _as_number(lv) is not None]
    other = [lv for lv in levels if _as_number(lv) is None]
    return sorted(numeric, key=_as_number) + other


def _level_scores(frame: pd.DataFrame, level) -> dict:
    mask = [_same_level(v, level) for v in frame["level"].tolist()]
    return _seed_scores(frame[mask], exclude_languages=TRANSFER["exclude_languages"])


def _find_level(levels: Sequence, wanted, names: Sequence[str] = ()) -> object:
    for level in levels:
        if _same_level(level, wanted) or (names and _norm(level) in names):
            return level
    raise MissingEvidence(
        f"level {_fmt_level(wanted)!r} not among {[_fmt_level(lv) for lv in levels]}"
    )


def _best_level_rule(key: str, factor: str, claimed, name: str) -> Callable[[Context], Decision]:
    def rule(ctx: Context) -> Decision:
        sel = _ablation(ctx, key, factor, model="weam", setting="zero-shot", split="test", **XNLI)
        levels = _levels(sel)
        mine = _find_level(levels, claimed)
        others = [lv for lv in levels if lv is not mine]
        if not others:
            raise MissingEvidence(f"only one {factor} level in the {key!r} results")
        label = f"{name}={_fmt_level(mine)}"
        parts = tuple(
            _part(
                f"{label} − {_fmt_level(lv)}",
                greater,
                lambda lv=lv: paired_difference(_level_scores(sel, mine), _level_scores(sel, lv)),
            )
            for lv in others
        )
        return Decision(_complete(best_level, parts, ctx.margin), parts)

    return rule


# -- the rules of C1–C12 --------------------------------------------------------------


def _c1(ctx: Context) -> Decision:
    parts = (
        _part("XNLI acc", greater, _main_diff(ctx, "xnli", "tlm", "base", "zero-shot", XNLI)),
        _part("MLQA F1", greater, _main_diff(ctx, "mlqa", "tlm", "base", "zero-shot", MLQA)),
    )
    return Decision(all_of(p.verdict for p in parts), parts)


def _c2(ctx: Context) -> Decision:
    parts = [
        _part("XNLI acc", less, _main_diff(ctx, "xnli", "tlm", "base", "translate-train", XNLI))
    ]
    note = ""
    if _present(ctx, "mlqa", setting="translate-train", **MLQA):
        parts.append(
            _part("MLQA F1", less, _main_diff(ctx, "mlqa", "tlm", "base", "translate-train", MLQA))
        )
    else:
        note = "MLQA translate-train: no results (optional part, skipped)"
    return Decision(all_of(p.verdict for p in parts), tuple(parts), note)


def _c3(ctx: Context) -> Decision:
    parts = tuple(
        _part(
            f"{name} {setting}",
            greater,
            _main_diff(ctx, key, "weam", "base", setting, task),
        )
        for setting in ("zero-shot", "translate-train")
        for key, name, task in (("xnli", "XNLI acc", XNLI), ("mlqa", "MLQA F1", MLQA))
    )
    return Decision(all_of(p.verdict for p in parts), parts)


def _c4(ctx: Context) -> Decision:
    part = _part(
        "XNLI acc TLM − word-aligned",
        lambda d: similar(d, ctx.margin),
        _main_diff(ctx, "xnli", "tlm", "word_aligned", "zero-shot", XNLI),
    )
    return Decision(part.verdict, (part,))


def _c5(ctx: Context) -> Decision:
    parts = tuple(
        _part(f"WEAM − {name}", greater, _main_diff(ctx, "xnli", "weam", b, "zero-shot", XNLI))
        for b, name in (("tlm", "TLM"), ("word_aligned", "word-aligned"))
    )
    return Decision(all_of(p.verdict for p in parts), parts)


def _c6(ctx: Context) -> Decision:
    part = _part(
        "XNLI acc zero-shot − translate-train",
        lambda d: slightly_lower(d, ctx.close_margin),
        _setting_diff(ctx, "xnli", "weam", "zero-shot", "translate-train", XNLI),
    )
    return Decision(part.verdict, (part,))


def _c7(ctx: Context) -> Decision:
    def drop(task: Mapping) -> dict:
        sel = _ablation(
            ctx,
            "noise",
            "noise_rate",
            model="base",
            setting="translate-train",
            split="test",
            **task,
        )
        levels = [lv for lv in _levels(sel) if _as_number(lv) is not None]
        if len(levels) < 2:
            raise MissingEvidence(f"fewer than two noise rates for {task['task']}")
        clean, noisy = _level_scores(sel, levels[0]), _level_scores(sel, levels[-1])
        return {s: clean[s] - noisy[s] for s in clean if s in noisy}

    part = _part(
        "MLQA F1 drop − XNLI acc drop",
        greater,
        lambda: paired_difference(drop(MLQA), drop(XNLI)),
    )
    return Decision(part.verdict, (part,))


def _c9(ctx: Context) -> Decision:
    sel = _ablation(
        ctx, "lr", "finetune_lr", setting="zero-shot", split="test", **XNLI
    )  # models tlm and weam at each learning rate

    def diff(level):
        at = sel[[_same_level(v, level) for v in sel["level"].tolist()]]
        return lambda: compare(
            at, {"model": "weam"}, {"model": "tlm"}, exclude_languages=TRANSFER["exclude_languages"]
        )

    levels = _levels(sel)
    parts = tuple(_part(f"lr={_fmt_level(lv)} WEAM − TLM", greater, diff(lv)) for lv in levels)
    return Decision(_complete(same_conclusion, parts, ctx.margin), parts)


def _c11(ctx: Context) -> Decision:
    sel = _ablation(
        ctx,
        "alignment",
        "alignment_source",
        model="weam",
        setting="zero-shot",
        split="test",
        **XNLI,
    )
    levels = _levels(sel)
    fast = _find_level(levels, "fastalign", FASTALIGN_LEVELS)
    eflomal = _find_level(levels, "eflomal", EFLOMAL_LEVELS)
    part = _part(
        f"{fast} − {eflomal}",
        lambda d: similar(d, ctx.margin),
        lambda: paired_difference(_level_scores(sel, fast), _level_scores(sel, eflomal)),
    )
    return Decision(part.verdict, (part,))


def _c12(ctx: Context) -> Decision:
    sel = _ablation(
        ctx, "lambda", "lambda_", model="weam", setting="zero-shot", split="test", **XNLI
    )
    levels = _levels(sel)
    one, zero = _find_level(levels, 1.0), _find_level(levels, 0.0)
    part = _part(
        "λ=1 − λ=0",
        greater,
        lambda: paired_difference(_level_scores(sel, one), _level_scores(sel, zero)),
    )
    return Decision(part.verdict, (part,))


_ZS = "zero-shot, test split, mean over the non-English languages, paired by seed"

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "C1",
        "mBERT+TLM outperforms mBERT by a large margin in the zero-shot setting.",
        f"TLM − base > 0 ({_ZS}) on XNLI accuracy and on MLQA F1: both intervals above 0. "
        "(The size of the margin is reported, not tested.)",
        ("xnli", "mlqa"),
        _c1,
    ),
    Claim(
        "C2",
        "mBERT+TLM is not as good as mBERT in the translate-train setting.",
        "TLM − base < 0 in translate-train (test split, non-English mean, paired by seed) "
        "on XNLI accuracy, and on MLQA F1 where MLQA translate-train results exist: "
        "intervals below 0.",
        ("xnli", "mlqa"),
        _c2,
    ),
    Claim(
        "C3",
        "mBERT+WEAM improves zero-shot scores and also outperforms mBERT in translate-train.",
        "WEAM − base > 0 in zero-shot and in translate-train, on XNLI accuracy and MLQA F1 "
        "(test split, non-English mean, paired by seed): all four intervals above 0.",
        ("xnli", "mlqa"),
        _c3,
    ),
    Claim(
        "C4",
        "mBERT+TLM and word-aligned mBERT achieve similar improvements on XNLI.",
        f"TLM − word-aligned on XNLI accuracy ({_ZS}) lies within ±margin points "
        "(equivalence); not supported if significant with an estimate beyond the margin.",
        ("xnli",),
        _c4,
    ),
    Claim(
        "C5",
        "mBERT+WEAM significantly outperforms both mBERT+TLM and word-aligned mBERT on XNLI.",
        f"WEAM − TLM > 0 and WEAM − word-aligned > 0 on XNLI accuracy ({_ZS}): both "
        "intervals above 0.",
        ("xnli",),
        _c5,
    ),
    Claim(
        "C6",
        "mBERT+WEAM (zero-shot) is slightly lower than, but close to, translate-train on XNLI.",
        "WEAM zero-shot − WEAM translate-train on XNLI accuracy (test split, non-English "
        "mean, paired by seed): interval within [−close_margin, 0).",
        ("xnli",),
        _c6,
    ),
    Claim(
        "C7",
        "XNLI inputs are shorter and so suffer less translation noise.",
        "Base model, translate-train, test split, non-English mean: the drop from the "
        "lowest to the highest translation-noise rate, per seed, is larger for MLQA F1 than "
        "for XNLI accuracy (QA drop − NLI drop > 0).",
        ("noise",),
        _c7,
    ),
    Claim(
        "C8",
        "A masking probability of 0.3 works best.",
        f"WEAM with mask_prob 0.3 − each other mask_prob on XNLI accuracy ({_ZS}): "
        "highest mean, no level better by more than margin (non-inferiority), "
        "significantly better than at least one; not supported if a level is "
        "significantly better.",
        ("mask_prob",),
        _best_level_rule("mask_prob", "mask_prob", 0.3, "mask_prob"),
    ),
    Claim(
        "C9",
        "Hyper-parameters: lr 5e-5, batch 32, max length 128 (pre-training epochs unstated).",
        "A setting: does it matter? WEAM − TLM on XNLI accuracy "
        f"({_ZS}) at each fine-tuning learning rate: supported if every rate gives the same "
        "clear conclusion (all higher, all lower, or all within ±margin); not supported if "
        "the conclusion flips (significantly higher at one rate, lower at another).",
        ("lr",),
        _c9,
    ),
    Claim(
        "C10",
        "λ = 1.",
        f"WEAM with λ = 1 − each other λ on XNLI accuracy ({_ZS}), the rule of C8.",
        ("lambda",),
        _best_level_rule("lambda", "lambda_", 1.0, "λ"),
    ),
    Claim(
        "C11",
        "WEAM takes its bilingual word pairs from FastAlign.",
        "A setting: does the aligner matter? WEAM on FastAlign-model alignments − WEAM on "
        f"eflomal alignments, XNLI accuracy ({_ZS}): supported (the choice does not "
        "matter) if within ±margin points; not supported if significant with an estimate "
        "beyond the margin.",
        ("alignment",),
        _c11,
    ),
    Claim(
        "C12",
        "WEAM does both multilingual and cross-lingual prediction for each masked token.",
        f"WEAM λ = 1 − λ = 0 (no cross-lingual prediction) on XNLI accuracy ({_ZS}) > 0: "
        "the cross-lingual prediction adds to the multilingual one.",
        ("lambda",),
        _c12,
    ),
)

LEDGER_COLUMNS = ["id", "claim", "test", "effect", "interval", "n", "verdict", "evidence"]


def decide_all(
    frames: Mapping[str, pd.DataFrame],
    margin: float = 1.0,
    close_margin: float = 2.0,
    chapters: Mapping[str, str] | None = None,
) -> list[LedgerRow]:
    """Every claim's :class:`LedgerRow`, in order C1–C12."""
    if margin < 0 or close_margin < 0:
        raise ValueError(f"margins must be ≥ 0, got {margin} and {close_margin}")
    return [c.decide(frames, margin, close_margin, chapters) for c in CLAIMS]


def ledger(
    frames: Mapping[str, pd.DataFrame],
    margin: float = 1.0,
    close_margin: float = 2.0,
    chapters: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The claims ledger: one row per claim C1–C12 with its test, the measured effect(s)
    (mean paired difference, points), their confidence intervals, the number of seeds
    (the smallest over the claim's parts), the computed verdict and the chapter(s) that
    hold the evidence.

    ``frames`` has the keys ``"xnli"``, ``"mlqa"`` (main results) and ``"mask_prob"``,
    ``"lambda"``, ``"alignment"``, ``"lr"``, ``"noise"`` (ablations); any may be missing,
    which makes the claims that need it inconclusive, with the reason in ``effect``.
    ``margin`` is the equivalence margin (points) of C4, C8–C11; ``close_margin`` the
    "close" of C6. ``chapters`` overrides :data:`CHAPTERS`.
    """
    rows = decide_all(frames, margin, close_margin, chapters)
    return pd.DataFrame(
        [{c: getattr(r, c) for c in LEDGER_COLUMNS} for r in rows], columns=LEDGER_COLUMNS
    )


def ledger_parts(
    frames: Mapping[str, pd.DataFrame], margin: float = 1.0, close_margin: float = 2.0
) -> pd.DataFrame:
    """The differences behind the ledger, one row per part of a claim, with numbers (for
    forest plots): id, part, mean, low, high, n, unit (what n counts), verdict (of the part),
    note."""
    rows = []
    for r in decide_all(frames, margin, close_margin):
        for p in r.parts:
            d = p.diff
            rows.append(
                {
                    "id": r.id,
                    "part": p.label,
                    "mean": math.nan if d is None else d.mean,
                    "low": math.nan if d is None else d.low,
                    "high": math.nan if d is None else d.high,
                    "n": 0 if d is None else d.n,
                    "unit": "" if d is None else d.unit,
                    "verdict": p.verdict,
                    "note": p.note,
                }
            )
    return pd.DataFrame(
        rows, columns=["id", "part", "mean", "low", "high", "n", "unit", "verdict", "note"]
    )


# ---------------------------------------------------------------------------------------
# The ledger as a reader sees it: one line per claim, the test one click away.
# ---------------------------------------------------------------------------------------

#: The columns of :func:`ledger_html`'s table (the full test is in a note per claim).
HTML_COLUMNS = ("claim", "statement", "effect, points [95 % interval]", "seeds", "verdict",
                "evidence")  # fmt: skip
#: No cell of the table holds more characters than this (the rest is in the claim's note).
CELL_LIMIT = 300

_STYLE = """<style>
table.weam-ledger {table-layout: fixed; width: 100%; border-collapse: collapse;
  font-size: 0.9em; margin: 0.5em 0 1em 0;}
table.weam-ledger th, table.weam-ledger td {padding: 0.3em 0.4em; vertical-align: top;
  text-align: left; overflow-wrap: anywhere; border-bottom: 1px solid #ddd;}
table.weam-ledger th {font-size: 0.9em;}
table.weam-ledger col.weam-id {width: 9%;} table.weam-ledger col.weam-statement {width: 31%;}
table.weam-ledger col.weam-effect {width: 28%;} table.weam-ledger col.weam-seeds {width: 8%;}
table.weam-ledger col.weam-verdict {width: 12%;} table.weam-ledger col.weam-evidence {width: 12%;}
.weam-verdict {display: inline-block; padding: 0 0.35em; border-radius: 0.25em;
  font-weight: 600; color: #fff; white-space: nowrap;}
.weam-verdict.weam-supported {background: #009E73;}
.weam-verdict.weam-not-supported {background: #D55E00;}
.weam-verdict.weam-inconclusive {background: #6e6e6e;}
.weam-claim-tests details {margin: 0.2em 0; padding: 0.1em 0.5em; border-left: 3px solid #ccc;}
.weam-claim-tests summary {cursor: pointer;}
.weam-claim-tests ul {margin: 0.2em 0 0.4em 0;}
</style>"""


def _clip(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _part_text(part: Part) -> str:
    """One part's effect as one line: ``label: +1.23 [-0.50, +2.96]`` (or why there is none)."""
    d = part.diff
    if d is None:
        return f"{part.label}: {part.note}"
    if not d.has_interval:
        return f"{part.label}: {d.mean:+.2f} ({d.n} seed: no interval)"
    return f"{part.label}: {d.mean:+.2f} [{d.low:+.2f},\u00a0{d.high:+.2f}]"


def _effect_lines(row: LedgerRow, limit: int = CELL_LIMIT) -> list[str]:
    """The table's effect cell: one line per part (and the claim's note), as many as fit in
    ``limit`` characters, then how many more the note below the table lists."""
    lines = [_part_text(p) for p in row.parts] + ([row.note] if row.note else [])
    lines = lines or [row.effect or "—"]
    shown: list[str] = []
    used = 0
    for k, line in enumerate(lines):
        rest = len(lines) - k - 1  # lines after this one
        reserve = len(f"… {rest} more below") if rest else 0
        if used + len(line) + reserve <= limit:
            shown.append(line)
            used += len(line)
            continue
        if shown:  # the previous step left room for this tail
            shown.append(f"… {rest + 1} more below")
        else:
            shown.append(_clip(line, limit - reserve))
            if rest:
                shown.append(f"… {rest} more below")
        break
    return shown


def _unit_mark(unit: str) -> str:
    """What the seeds column adds to ``n``: nothing for fine-tuning seeds (the default)."""
    return {"fine-tuning seed": "", "pre-training seed": " pre-training"}.get(unit, " (mixed)")


def _verdict_badge(verdict: str) -> str:
    import html

    css = "weam-" + verdict.replace(" ", "-")
    return f'<span class="weam-verdict {css}">{html.escape(verdict)}</span>'


def _evidence_links(evidence: str) -> str:
    import html

    chapters = [c for c in evidence.split(", ") if c]
    return ", ".join(
        f'<a href="{html.escape(c)}.html">{html.escape(c.replace("_", " "))}</a>' for c in chapters
    )


def ledger_html(rows: Sequence[LedgerRow], limit: int = CELL_LIMIT) -> str:
    """The claims ledger as HTML for the book: a table of six columns (claim, statement,
    effect with its 95 % interval per part, seeds, verdict, evidence links), no cell longer
    than ``limit`` characters, laid out to the page width; below it, one collapsible note
    per claim (``<details>``) with its full test definition and every part's difference,
    verdict and note. A claim's id in the table links to its note (``#test-C1``; the
    browser opens the note when it follows the link)."""
    import html

    esc = html.escape
    cols = ("id", "statement", "effect", "seeds", "verdict", "evidence")
    out = [_STYLE, '<table class="weam-ledger">', "<colgroup>"]
    out += [f'<col class="weam-{c}">' for c in cols]
    out += ["</colgroup>", "<thead><tr>"]
    out += [f"<th>{esc(c)}</th>" for c in HTML_COLUMNS]
    out += ["</tr></thead>", "<tbody>"]
    for r in rows:
        effect = "<br>".join(esc(line) for line in _effect_lines(r, limit))
        out.append(
            f'<tr id="ledger-{esc(r.id)}">'
            f'<td><a href="#test-{esc(r.id)}" title="the test of {esc(r.id)}">{esc(r.id)}</a></td>'
            f"<td>{esc(_clip(r.claim, limit))}</td>"
            f"<td>{effect}</td>"
            f"<td>{r.n}{esc(_unit_mark(r.unit))}</td>"
            f"<td>{_verdict_badge(r.verdict)}</td>"
            f"<td>{_evidence_links(r.evidence)}</td></tr>"
        )
    out += [
        "</tbody></table>",
        '<div class="weam-claim-tests">',
        "<p><strong>The tests</strong>, one note per claim (click a line to open it):</p>",
    ]
    for r in rows:
        items = "".join(
            f"<li>{esc(_part_text(p))}: {esc(p.verdict)}"
            + (f" ({esc(p.note)})" if p.note and p.diff is not None else "")
            + "</li>"
            for p in r.parts
        )
        notes = f"<p>{esc(r.note)}</p>" if r.note else ""
        out.append(
            f'<details class="weam-claim-test"><summary><strong>{esc(r.id)}</strong> '
            f"{_verdict_badge(r.verdict)} {esc(r.claim)}</summary>"
            f'<div id="test-{esc(r.id)}"><p><strong>Test.</strong> {esc(r.test)}</p>'
            + (f"<ul>{items}</ul>" if items else "")
            + notes
            + f"<p>Evidence: {_evidence_links(r.evidence)}.</p></div></details>"
        )
    out.append("</div>")
    return "\n".join(out)
