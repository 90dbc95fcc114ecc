"""Paired statistics (weamlib.eval.stats) and the claims ledger's verdicts (weamlib.claims.ledger)."""

from __future__ import annotations

import dataclasses
import html
import math
import re
import zlib

import numpy as np
import pandas as pd
import pytest

from weamlib.claims import ledger as cl
from weamlib.claims.ledger import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED
from weamlib.eval import stats as st

SEEDS = range(5)
LANGS = ("en", "es", "de", "ar")
# A large shared seed effect: it cancels in paired differences only.
SEED_EFFECT = {0: -6.0, 1: 4.0, 2: 0.0, 3: 7.0, 4: -5.0}


def _d(mean, low, high, n=5):
    return st.PairedDifference(mean=mean, low=low, high=high, n=n, sd=1.0)


# ---------------------------------------------------------------------------- stats


def test_paired_difference_hand_computed():
    a = {0: 11.0, 1: 12.0, 2: 13.0, 9: 100.0}  # seed 9 is not paired
    b = {0: 10.0, 1: 10.0, 2: 10.0, 7: -1.0}
    d = st.paired_difference(a, b)  # differences 1, 2, 3
    assert d.n == 3 and d.mean == pytest.approx(2.0) and d.sd == pytest.approx(1.0)
    half = 4.302653 / math.sqrt(3)  # t(0.975, 2) = 4.3027
    assert d.low == pytest.approx(2 - half, rel=1e-6)
    assert d.high == pytest.approx(2 + half, rel=1e-6)
    assert d.seeds == (0, 1, 2) and d.has_interval and not d.too_few_seeds
    d90 = st.paired_difference(a, b, confidence=0.90)  # t(0.95, 2) = 2.919986
    assert d90.high - d90.mean == pytest.approx(2.919986 / math.sqrt(3), rel=1e-6)
    assert st.t_quantile(0.975, 4) == pytest.approx(2.776445, rel=1e-6)


def test_paired_difference_one_seed_and_none():
    one = st.paired_difference({0: 5.0, 1: 1.0}, {0: 3.0})
    assert one.mean == 2.0 and one.n == 1 and one.too_few_seeds and not one.has_interval
    assert math.isnan(one.low) and math.isnan(one.high) and math.isnan(one.sd)
    assert "no interval" in str(one)
    with pytest.raises(ValueError, match="no common seeds"):
        st.paired_difference({0: 1.0}, {1: 1.0})
    with pytest.raises(ValueError, match="confidence"):
        st.paired_difference({0: 1.0}, {0: 1.0}, confidence=95)


def _tidy(rows):
    return pd.DataFrame(
        rows, columns=["model", "task", "setting", "language", "split", "seed", "metric", "value"]
    )


def test_seed_scores_filters_and_averages_languages():
    rows = []
    for seed in (0, 1):
        for lang, v in (("en", 90.0), ("es", 60.0), ("de", 50.0)):
            rows.append(("weam", "xnli", "zero-shot", lang, "test", seed, "accuracy", v + seed))
            rows.append(("tlm", "xnli", "zero-shot", lang, "test", seed, "accuracy", v - 10))
    frame = _tidy(rows)
    f = {"task": "xnli", "setting": "zero-shot", "split": "test", "metric": "accuracy"}
    assert st.seed_scores(frame, model="weam", **f) == {0: 200 / 3, 1: 200 / 3 + 1}
    assert st.seed_scores(frame, model="weam", exclude_languages=("en",), **f) == {
        0: 55.0,
        1: 56.0,
    }
    assert st.seed_scores(frame, model="weam", languages=["es"], **f) == {0: 60.0, 1: 61.0}
    d = st.compare(frame, {"model": "weam"}, {"model": "tlm"}, exclude_languages=["en"], **f)
    assert d.mean == pytest.approx(10.5) and d.n == 2
    with pytest.raises(st.NoMatchingResults, match="model='xlm'"):
        st.seed_scores(frame, model="xlm", **f)
    with pytest.raises(st.NoMatchingResults, match="no column"):
        st.seed_scores(frame, colour="red")
    with pytest.raises(ValueError, match="model"):  # two models per seed and language
        st.seed_scores(frame, **f)
    ragged = frame[~((frame.seed == 1) & (frame.language == "de"))]
    with pytest.raises(ValueError, match="different languages"):
        st.seed_scores(ragged, model="weam", **f)


def test_levels_match_numerically_and_as_text():
    frame = pd.DataFrame(
        {"level": ["0.3", "0.30", "1", "eflomal"], "seed": [0, 1, 0, 0], "language": ["x"] * 4}
    ).assign(value=[1.0, 3.0, 5.0, 7.0])
    assert st.seed_scores(frame, level=0.3) == {0: 1.0, 1: 3.0}
    assert st.seed_scores(frame, level=1.0) == {0: 5.0}
    assert st.seed_scores(frame, level="eflomal") == {0: 7.0}


def test_mean_and_spread():
    frame = pd.DataFrame({"model": ["a", "a", "a", "b"], "value": [1.0, 2.0, 3.0, 4.0]})
    out = st.mean_and_spread(frame, ["model"]).set_index("model")
    assert out.loc["a", "mean"] == 2.0 and out.loc["a", "sd"] == pytest.approx(1.0)
    assert out.loc["a", "n"] == 3 and out.loc["a", "sem"] == pytest.approx(1 / math.sqrt(3))
    assert out.loc["b", "n"] == 1 and math.isnan(out.loc["b", "sd"])


def test_calibration_uses_the_shared_implementation():
    from weamlib.study import calibration

    scores = pd.DataFrame(
        {
            "candidate": ["x", "x", "x", "y", "y", "y"],
            "seed": [0, 1, 2] * 2,
            "split": "dev",
            "language": "en",
            "value": [11.0, 12.0, 13.0, 0.0, 0.0, 0.0],
        }
    )
    out = calibration.paired_difference(scores, "x", "y")
    ref = st.paired_difference({0: 11.0, 1: 12.0, 2: 13.0}, {0: 0.0, 1: 0.0, 2: 0.0})
    assert (out["diff"], out["low"], out["high"], out["n"]) == (ref.mean, ref.low, ref.high, 3)
    assert out["inconclusive"] is False


# ------------------------------------------------------------------ verdict functions


@pytest.mark.parametrize(
    ("d", "want_greater", "want_less"),
    [
        (_d(2.0, 0.5, 3.5), SUPPORTED, NOT_SUPPORTED),
        (_d(-2.0, -3.5, -0.5), NOT_SUPPORTED, SUPPORTED),
        (_d(0.5, -1.0, 2.0), INCONCLUSIVE, INCONCLUSIVE),
        (_d(0.0, 0.0, 0.0), INCONCLUSIVE, INCONCLUSIVE),  # a bound at 0 is not beyond it
        (st.paired_difference({0: 9.0}, {0: 1.0}), INCONCLUSIVE, INCONCLUSIVE),  # one seed
    ],
)
def test_greater_and_less(d, want_greater, want_less):
    assert cl.greater(d) == want_greater
    assert cl.less(d) == want_less


@pytest.mark.parametrize(
    ("d", "want"),
    [
        (_d(0.2, -0.8, 0.9), SUPPORTED),  # inside ±1
        (_d(0.6, 0.2, 1.0), SUPPORTED),  # significant but within the margin
        (_d(3.0, 2.0, 4.0), NOT_SUPPORTED),  # entirely beyond +margin
        (_d(-1.5, -2.5, -0.5), NOT_SUPPORTED),  # significant, estimate beyond −margin
        (_d(0.0, -3.0, 3.0), INCONCLUSIVE),  # too wide to tell
        (_d(0.7, 0.1, 1.3), INCONCLUSIVE),  # significant, estimate within, reaches past
        (_d(1.5, -0.5, 3.5), INCONCLUSIVE),  # estimate beyond, not significant
        (st.paired_difference({0: 1.0}, {0: 1.0}), INCONCLUSIVE),
    ],
)
def test_similar(d, want):
    assert cl.similar(d, margin=1.0) == want


@pytest.mark.parametrize(
    ("d", "want"),
    [
        (_d(-1.0, -1.8, -0.2), SUPPORTED),  # within [−2, 0)
        (_d(1.0, 0.2, 1.8), NOT_SUPPORTED),  # higher, not lower
        (_d(-5.0, -6.0, -4.0), NOT_SUPPORTED),  # far lower, not close
        (_d(-3.0, -4.5, -1.5), NOT_SUPPORTED),  # significant drop, estimate beyond −2
        (_d(-0.5, -1.5, 0.5), INCONCLUSIVE),  # may be equal
        (_d(-1.5, -2.5, -0.5), INCONCLUSIVE),  # significant drop, may exceed −2
    ],
)
def test_slightly_lower(d, want):
    assert cl.slightly_lower(d, margin=2.0) == want


@pytest.mark.parametrize(
    ("diffs", "want"),
    [
        ({"0.1": _d(3.0, 2.0, 4.0), "0.5": _d(0.4, -0.5, 1.3)}, SUPPORTED),
        ({"0.1": _d(3.0, 2.0, 4.0), "0.5": _d(-2.0, -3.0, -1.0)}, NOT_SUPPORTED),
        ({"0.1": _d(0.5, -1.0, 2.0), "0.5": _d(0.4, -0.5, 1.3)}, INCONCLUSIVE),  # beats none
        ({"0.1": _d(3.0, 2.0, 4.0), "0.5": _d(0.5, -2.0, 3.0)}, INCONCLUSIVE),  # too wide
        ({"0.1": _d(3.0, 2.0, 4.0), "0.5": _d(-0.2, -0.9, 0.5)}, INCONCLUSIVE),  # not top
        ({}, INCONCLUSIVE),
    ],
)
def test_best_level(diffs, want):
    assert cl.best_level(diffs, margin=1.0) == want


@pytest.mark.parametrize(
    ("diffs", "want"),
    [
        ({"a": _d(3.0, 1.0, 5.0), "b": _d(4.0, 2.0, 6.0)}, SUPPORTED),  # all higher
        ({"a": _d(0.1, -0.5, 0.7), "b": _d(-0.1, -0.6, 0.4)}, SUPPORTED),  # all equivalent
        ({"a": _d(3.0, 1.0, 5.0), "b": _d(-3.0, -5.0, -1.0)}, NOT_SUPPORTED),  # flips
        ({"a": _d(3.0, 1.0, 5.0), "b": _d(1.0, -1.0, 3.0)}, INCONCLUSIVE),
        ({"a": _d(0.0, -4.0, 4.0), "b": _d(0.0, -4.0, 4.0)}, INCONCLUSIVE),  # all unclear
        ({"a": _d(3.0, 1.0, 5.0)}, INCONCLUSIVE),  # one level says nothing about dependence
    ],
)
def test_same_conclusion(diffs, want):
    assert cl.same_conclusion(diffs, margin=1.0) == want


def test_all_of():
    assert cl.all_of([SUPPORTED, SUPPORTED]) == SUPPORTED
    assert cl.all_of([SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE]) == NOT_SUPPORTED
    assert cl.all_of([SUPPORTED, INCONCLUSIVE]) == INCONCLUSIVE
    assert cl.all_of([]) == INCONCLUSIVE
    with pytest.raises(ValueError, match="unknown verdict"):
        cl.all_of(["yes"])


# ------------------------------------------------------------------ synthetic results

_RNG_SCALE = 0.15


def _jitter(*key) -> float:
    """Small deterministic per-run noise (so paired differences have a spread)."""
    rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
    return float(rng.normal(0, _RNG_SCALE))


def _main(task: str, metric: str, offsets: dict, seeds=SEEDS) -> pd.DataFrame:
    """A main frame: value = 50 + offset[(model, setting)] + seed effect + jitter; English
    20 points higher (it must not enter the transfer average)."""
    rows = []
    for (model, setting), off in offsets.items():
        for seed in seeds:
            for lang in LANGS:
                v = 50 + off + SEED_EFFECT[seed] + _jitter(task, model, setting, seed, lang)
                v += 20 if lang == "en" else 0
                rows.append((model, task, setting, lang, "test", seed, metric, v))
                rows.append((model, task, setting, lang, "dev", seed, metric, 0.0))
    return _tidy(rows)


def _ablation(factor: str, offsets: dict, model="weam", setting="zero-shot", task="xnli"):
    """An ablation frame: offsets[level] (or offsets[(model, level)]) on XNLI accuracy."""
    metric = "accuracy" if task == "xnli" else "f1"
    rows = []
    for key, off in offsets.items():
        m, level = key if isinstance(key, tuple) else (model, key)
        for seed in SEEDS:
            for lang in LANGS:
                v = 50 + off + SEED_EFFECT[seed] + _jitter(factor, task, m, level, seed, lang)
                rows.append(
                    {
                        "model": m,
                        "task": task,
                        "setting": setting,
                        "language": lang,
                        "split": "test",
                        "seed": seed,
                        "metric": metric,
                        "value": v,
                        "factor": factor,
                        "level": level,
                    }
                )
    return pd.DataFrame(rows)


# As the paper tells it: TLM helps zero-shot but hurts translate-train, WEAM helps both.
PAPER = {
    ("base", "zero-shot"): 0.0,
    ("base", "translate-train"): 10.0,
    ("mlm_control", "zero-shot"): 0.5,
    ("tlm", "zero-shot"): 4.0,
    ("tlm", "translate-train"): 8.0,
    ("word_aligned", "zero-shot"): 4.1,
    ("weam", "zero-shot"): 10.0,
    ("weam", "translate-train"): 11.0,
}


def _paper_frames() -> dict[str, pd.DataFrame]:
    noise = pd.concat(
        [
            # NLI loses 1 point per noise step, QA 5: QA suffers more
            _ablation("noise_rate", {0.0: 0, 0.1: -1, 0.3: -2}, "base", "translate-train"),
            _ablation("noise_rate", {0.0: 0, 0.1: -5, 0.3: -10}, "base", "translate-train", "mlqa"),
        ]
    )
    return {
        "xnli": _main("xnli", "accuracy", PAPER),
        "mlqa": pd.concat(
            [_main("mlqa", "f1", PAPER), _main("mlqa", "exact_match", {k: 0 for k in PAPER})]
        ),
        "mask_prob": _ablation("mask_prob", {0.1: -3, 0.15: -2, 0.3: 0, 0.4: -0.3, 0.5: -2}),
        "lambda": _ablation("lambda_", {0.0: -4, 0.5: -1.5, 1.0: 0, 2.0: -2}),
        "alignment": _ablation(
            "alignment_source",
            {"gold": 2, "eflomal": 0.2, "fastalign_model": 0, "none": -4, "shuffled": -5},
        ),
        "lr": _ablation(
            "finetune_lr",
            {(m, lr): (4 if m == "weam" else 0) for m in ("tlm", "weam") for lr in (2e-5, 5e-5)},
        ),
        "noise": noise,
    }


def test_ledger_on_the_papers_story():
    table = cl.ledger(_paper_frames())
    assert list(table.columns) == cl.LEDGER_COLUMNS
    assert list(table.id) == [f"C{i}" for i in range(1, 13)]
    verdicts = dict(zip(table.id, table.verdict, strict=True))
    assert verdicts == {f"C{i}": SUPPORTED for i in range(1, 13)}, table[["id", "effect"]]
    row = table.set_index("id").loc["C5"]
    assert row.n == 5 and row.evidence == "04_xnli"
    assert row.effect.startswith("WEAM − TLM: +") and row.interval.startswith("WEAM − TLM: [")
    assert table.set_index("id").loc["C1", "evidence"] == "04_xnli, 05_mlqa"
    # the English score (20 points higher) is not in the transfer average
    parts = cl.ledger_parts(_paper_frames()).set_index("id")
    assert parts.loc["C6", "mean"] == pytest.approx(-1.0, abs=0.3)


def test_weam_plus_five_over_everyone():
    settings = ("zero-shot", "translate-train")
    offsets = {(m, s): 0.0 for m in ("base", "tlm", "word_aligned") for s in settings}
    offsets |= {("weam", s): 5.0 for s in settings}
    frames = {"xnli": _main("xnli", "accuracy", offsets), "mlqa": _main("mlqa", "f1", offsets)}
    v = cl.ledger(frames).set_index("id").verdict
    assert v["C5"] == SUPPORTED and v["C3"] == SUPPORTED
    assert v["C1"] == INCONCLUSIVE  # TLM = base: no gain shown either way
    assert v["C4"] == SUPPORTED  # TLM and word-aligned equal
    assert v["C6"] == INCONCLUSIVE  # WEAM zero-shot = translate-train: not "lower"


def test_ledger_contradicting_results():
    story = dict(PAPER)
    story[("tlm", "zero-shot")] = -3.0  # TLM hurts zero-shot
    story[("tlm", "translate-train")] = 13.0  # and helps translate-train
    story[("weam", "zero-shot")] = 2.0  # WEAM below TLM? no: above -3 but below word-aligned
    story[("weam", "translate-train")] = 20.0
    frames = _paper_frames() | {"xnli": _main("xnli", "accuracy", story)}
    frames["mask_prob"] = _ablation("mask_prob", {0.1: -3, 0.3: 0, 0.5: 3})
    frames["lambda"] = _ablation("lambda_", {0.0: 3, 1.0: 0, 2.0: -1})
    frames["alignment"] = _ablation("alignment_source", {"eflomal": 4, "FastAlign model": 0})
    frames["lr"] = _ablation(
        "finetune_lr",
        {("tlm", 2e-5): 0, ("weam", 2e-5): 4, ("tlm", 1e-4): 0, ("weam", 1e-4): -4},
    )
    frames["noise"] = pd.concat(
        [
            _ablation("noise_rate", {0.0: 0, 0.3: -8}, "base", "translate-train"),
            _ablation("noise_rate", {0.0: 0, 0.3: -1}, "base", "translate-train", "mlqa"),
        ]
    )
    v = cl.ledger(frames).set_index("id").verdict
    want_not = ["C1", "C2", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12"]
    assert {k: v[k] for k in want_not} == dict.fromkeys(want_not, NOT_SUPPORTED)


def test_missing_frames_are_inconclusive_with_a_reason():
    table = cl.ledger({}).set_index("id")
    assert (table.verdict == INCONCLUSIVE).all()
    assert "no 'xnli' results" in table.loc["C5", "effect"]
    assert "no 'lr' results" in table.loc["C9", "effect"]
    assert "no 'noise' results" in table.loc["C7", "effect"]
    assert (table.n == 0).all()
    # XNLI alone: C5 decided, C1 waits for MLQA, C2's MLQA part is optional
    frames = {"xnli": _main("xnli", "accuracy", PAPER)}
    table = cl.ledger(frames).set_index("id")
    assert table.loc["C5", "verdict"] == SUPPORTED
    assert table.loc["C1", "verdict"] == INCONCLUSIVE
    assert "MLQA F1: no 'mlqa' results" in table.loc["C1", "effect"]
    assert table.loc["C2", "verdict"] == SUPPORTED
    assert "optional" in table.loc["C2", "effect"]


def test_one_seed_is_inconclusive_with_a_reason():
    frames = {"xnli": _main("xnli", "accuracy", PAPER, seeds=[0])}
    row = cl.ledger(frames).set_index("id").loc["C5"]
    assert row.verdict == INCONCLUSIVE and row.n == 1
    assert "no interval" in row.effect


def test_missing_levels_are_inconclusive():
    frames = _paper_frames()
    frames["mask_prob"] = _ablation("mask_prob", {0.1: -3, 0.5: -2})  # 0.3 never run
    frames["lambda"] = _ablation("lambda_", {1.0: 0})  # no λ = 0
    table = cl.ledger(frames).set_index("id")
    assert table.loc["C8", "verdict"] == INCONCLUSIVE
    assert "0.3" in table.loc["C8", "effect"]
    assert table.loc["C12", "verdict"] == INCONCLUSIVE
    assert "level '0'" in table.loc["C12", "effect"]
    assert table.loc["C10", "verdict"] == INCONCLUSIVE


def test_ledger_parts_give_numbers():
    parts = cl.ledger_parts(_paper_frames())
    c5 = parts[parts.id == "C5"].set_index("part")
    assert c5.loc["WEAM − TLM", "mean"] == pytest.approx(6.0, abs=0.3)
    assert c5.loc["WEAM − TLM", "low"] > 0 and (c5.n == 5).all()
    assert set(parts[parts.id == "C8"].part) == {
        "mask_prob=0.3 − 0.1",
        "mask_prob=0.3 − 0.15",
        "mask_prob=0.3 − 0.4",
        "mask_prob=0.3 − 0.5",
    }


def test_claims_cover_the_design():
    assert [c.id for c in cl.CLAIMS] == [f"C{i}" for i in range(1, 13)]
    assert all(c.test and c.statement for c in cl.CLAIMS)
    rows = cl.decide_all({}, chapters={"xnli": "10_results"})
    assert rows[4].evidence == "10_results"


def _cells(html_text: str) -> list[list[str]]:
    """The text of each body row's cells of the ledger table in ``html_text``."""
    body = html_text.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    strip = lambda cell: html.unescape(re.sub(r"<[^>]+>", "", cell))  # noqa: E731
    return [[strip(c) for c in re.findall(r"<td>(.*?)</td>", r, flags=re.S)] for r in rows]


@pytest.mark.parametrize("case", ["paper", "missing", "long"])
def test_ledger_html_reads_at_a_glance(case):
    frames = {"paper": _paper_frames(), "missing": {}}.get(case, _paper_frames())
    rows = cl.decide_all(frames)
    if case == "long":  # a claim with very many parts and a long note
        rows[7] = dataclasses.replace(rows[7], parts=rows[7].parts * 8, note="x" * 400)
    text = cl.ledger_html(rows)
    assert text.count("<th>") == len(cl.HTML_COLUMNS) <= 7
    cells = _cells(text)
    assert [c[0] for c in cells] == [f"C{i}" for i in range(1, 13)]
    assert all(len(c) == len(cl.HTML_COLUMNS) for c in cells)
    assert max(len(cell) for row in cells for cell in row) <= cl.CELL_LIMIT
    # the verdicts and links in the table, the full test of every claim in its note
    for row, cells_of in zip(rows, cells, strict=True):
        assert cells_of[4] == row.verdict
        assert f'href="#test-{row.id}"' in text and f'<div id="test-{row.id}">' in text
        assert html.escape(row.test) in text
    assert '<a href="04_xnli.html">04 xnli</a>' in text
    assert text.count("<details") == 12
    if case == "long":
        assert "more below" in cells[7][2]
    if case == "missing":
        assert "no &#x27;xnli&#x27; results" in text
